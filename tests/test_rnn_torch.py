"""RNN, LSTM, GRU, their cells and nn.utils.rnn against PyTorch: torch's state_dict loaded into gpugrad's
module, then values and gradients (of the input, the initial states and every parameter) compared in float64
(and float32 with tolerances); packed sequences; the errors PyTorch raises."""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
from gpugrad.nn.utils import rnn as grnn

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn

H_IN, HID, L, N = 3, 4, 5, 2


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, gg.Tensor) else t.detach().numpy()


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _pair(cls, *args, dtype="float64", device="cpu", **kwargs):
    """(ours, theirs): torch's module built with its own init, its state_dict loaded into ours."""
    theirs = getattr(torch.nn, cls)(*args, **kwargs).to(getattr(torch, dtype))
    ours = getattr(nn, cls)(*args, **kwargs).to(getattr(gg, dtype))
    sd = theirs.state_dict()
    assert list(ours.state_dict()) == list(sd)
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in sd.items()})
    return ours.to(device), theirs


def _flat(res):
    """The tensors of an RNN result, in order: (out, h) / (out, (h, c)) / h / (h, c)."""
    if isinstance(res, (tuple, list)):
        return [t for r in res for t in _flat(r)]
    return [res]


def _compare(ours, theirs, inputs, device, dtype="float64", rtol=1e-9, atol=1e-10, call=None):
    """Run both on ``inputs`` (arrays, or tuples of arrays for an LSTM's (h, c); None passes None), backprop
    sum(out_k * r_k) over every output, compare values and gradients of inputs and parameters."""
    def mk(lib, a, **kw):
        if a is None:
            return None
        if isinstance(a, tuple):
            return tuple(mk(lib, b, **kw) for b in a)
        if lib is gg:
            return gg.tensor(a.astype(dtype), device=device, requires_grad=True)
        return torch.tensor(a.astype(dtype), requires_grad=True)
    gx, tx = [mk(gg, a) for a in inputs], [mk(torch, a) for a in inputs]
    call = call or (lambda m, *xs: m(*xs))
    gout, tout = _flat(call(ours, *gx)), _flat(call(theirs, *tx))
    assert len(gout) == len(tout)
    gl, tl = 0, 0
    for k, (g, t) in enumerate(zip(gout, tout)):
        assert tuple(g.shape) == tuple(t.shape), (k, g.shape, t.shape)
        assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(_np(g), _np(t), rtol=rtol, atol=atol, err_msg=f"output {k}")
        r = _rand(*t.shape, seed=10 + k).astype(dtype)
        gl = gl + (g * gg.tensor(r, device=device)).sum()
        tl = tl + (t * torch.tensor(r)).sum()
    gl.backward()
    tl.backward()
    for g, t in zip(_flat(gx), _flat(tx)):
        if t is not None:
            np.testing.assert_allclose(_np(g.grad), _np(t.grad), rtol=rtol, atol=atol)
    tp = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tp)
    for n, p in ours.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(tp[n].grad), rtol=rtol, atol=atol, err_msg=n)


def _states(cls, kwargs, batch, seed=1):
    """Random initial states of the shapes torch expects (None for batch=None: the zeros default)."""
    d = 2 if kwargs.get("bidirectional") else 1
    layers = kwargs.get("num_layers", 1) * d
    out = kwargs.get("proj_size", 0) or HID
    lead = (layers,) if batch == 0 else (layers, batch)
    h = _rand(*lead, out, seed=seed)
    return (h, _rand(*lead, HID, seed=seed + 1)) if cls == "LSTM" else h


LAYERS = [
    ("RNN", {}),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bidirectional=True, bias=False)),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", dict(proj_size=2, num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=3, batch_first=True, bias=False)),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(batch_first=True, bias=False)),
]


@pytest.mark.parametrize("cls,kwargs", LAYERS, ids=[f"{c}-{'-'.join(k) or 'default'}" for c, k in LAYERS])
def test_layers_float64_values_and_gradients(cls, kwargs, device):
    ours, theirs = _pair(cls, H_IN, HID, **kwargs, device=device)
    x = _rand(N, L, H_IN) if kwargs.get("batch_first") else _rand(L, N, H_IN)
    _compare(ours, theirs, [x, _states(cls, kwargs, N)], device)


@pytest.mark.parametrize("cls,kwargs", [("RNN", {}), ("LSTM", dict(proj_size=2, bidirectional=True)),
                                        ("GRU", dict(batch_first=True, num_layers=2))])
def test_unbatched_and_default_states(cls, kwargs):
    ours, theirs = _pair(cls, H_IN, HID, **kwargs)
    _compare(ours, theirs, [_rand(L, H_IN), _states(cls, kwargs, 0)], "cpu")
    ours.zero_grad()
    theirs.zero_grad()
    _compare(ours, theirs, [_rand(L, H_IN)], "cpu")                     # hx omitted: zeros
    ours.zero_grad()
    theirs.zero_grad()
    x = _rand(N, L, H_IN) if kwargs.get("batch_first") else _rand(L, N, H_IN)
    _compare(ours, theirs, [x, None], "cpu")


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_float32_within_tolerance(cls, device):
    ours, theirs = _pair(cls, H_IN, HID, num_layers=2, bidirectional=True, dtype="float32", device=device)
    _compare(ours, theirs, [_rand(L, N, H_IN), _states(cls, dict(num_layers=2, bidirectional=True), N)],
             device, dtype="float32", rtol=1e-4, atol=1e-5)


def test_dropout_between_layers_only_in_training():
    kw = dict(num_layers=3, dropout=1.0)            # p = 1 zeroes every layer's output but the last: deterministic
    ours, theirs = _pair("LSTM", H_IN, HID, **kw)
    _compare(ours, theirs, [_rand(L, N, H_IN), _states("LSTM", kw, N)], "cpu")
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    _compare(ours, theirs, [_rand(L, N, H_IN), _states("LSTM", kw, N)], "cpu")
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.GRU(H_IN, HID, dropout=0.5)


CELLS = [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu", bias=False)), ("LSTMCell", {}),
         ("LSTMCell", dict(bias=False)), ("GRUCell", {}), ("GRUCell", dict(bias=False))]


@pytest.mark.parametrize("cls,kwargs", CELLS, ids=[f"{c}-{'-'.join(k) or 'default'}" for c, k in CELLS])
def test_cells(cls, kwargs, device):
    ours, theirs = _pair(cls, H_IN, HID, **kwargs, device=device)
    h = (_rand(N, HID, seed=1), _rand(N, HID, seed=2)) if cls == "LSTMCell" else _rand(N, HID, seed=1)
    _compare(ours, theirs, [_rand(N, H_IN), h], device)
    ours.zero_grad()
    theirs.zero_grad()
    h1 = (_rand(HID, seed=1), _rand(HID, seed=2)) if cls == "LSTMCell" else _rand(HID, seed=1)
    _compare(ours, theirs, [_rand(H_IN), h1], device)                   # unbatched
    ours.zero_grad()
    theirs.zero_grad()
    _compare(ours, theirs, [_rand(N, H_IN)], device)                    # hx omitted


def test_init_names_repr_and_seed():
    for cls, kwargs in LAYERS + CELLS:
        ours, theirs = getattr(nn, cls)(H_IN, HID, **kwargs), getattr(torch.nn, cls)(H_IN, HID, **kwargs)
        assert repr(ours) == repr(theirs)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
        assert all(float(p.abs().max()) <= HID ** -0.5 for p in ours.parameters())
    gg.manual_seed(3)
    a = nn.LSTM(H_IN, HID, num_layers=2).state_dict()
    gg.manual_seed(3)
    b = nn.LSTM(H_IN, HID, num_layers=2).state_dict()
    assert all(np.array_equal(_np(a[k]), _np(b[k])) for k in a)
    m = nn.GRU(H_IN, HID, bidirectional=True)
    assert m.flatten_parameters() is None
    assert [len(w) for w in m.all_weights] == [len(w) for w in torch.nn.GRU(H_IN, HID, bidirectional=True).all_weights]
    assert isinstance(m, nn.RNNBase) and isinstance(nn.GRUCell(2, 3), nn.RNNCellBase)


# -- packed sequences through the layers ---------------------------------------------------------------------------

@pytest.mark.parametrize("cls,kwargs,lengths,sorted_", [
    ("LSTM", dict(num_layers=2, bidirectional=True), [3, 5, 1], False),
    ("GRU", dict(bidirectional=True), [5, 4, 2], True),
    ("RNN", dict(num_layers=2), [2, 5], False),
    ("LSTM", dict(proj_size=2), [4, 4], True),
])
def test_packed_sequence_through_layers(cls, kwargs, lengths, sorted_, device):
    ours, theirs = _pair(cls, H_IN, HID, **kwargs, device=device)

    def call(lib):
        utils = grnn if lib is gg else trnn

        def run(m, x, hx):
            packed = utils.pack_padded_sequence(x, lengths, enforce_sorted=sorted_)
            out, h = m(packed, hx)
            assert isinstance(out, utils.PackedSequence)
            padded, lens = utils.pad_packed_sequence(out, padding_value=-1.0)
            assert lens.tolist() == lengths
            return padded, h
        return run
    x, hx = _rand(max(lengths), len(lengths), H_IN), _states(cls, kwargs, len(lengths))
    _compare(ours, theirs, [x, hx], device, call=lambda m, *a: call(gg if m is ours else torch)(m, *a))


# -- nn.utils.rnn ---------------------------------------------------------------------------------------------

def _both(fn):
    return fn(gg, grnn), fn(torch, trnn)


def _same(a, b):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif a is None:
        assert b is None
    else:
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(_np(a), _np(b))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    arrays = [_rand(3, 2, seed=1), _rand(5, 2, seed=2), _rand(1, 2, seed=3)]
    g, t = _both(lambda lib, u: u.pad_sequence([lib.tensor(a) for a in arrays], batch_first=batch_first,
                                                 padding_value=7.0, padding_side=side))
    _same(g, t)
    xs = [gg.tensor(a, requires_grad=True) for a in arrays]
    out = grnn.pad_sequence(xs, batch_first)
    (out * gg.tensor(_rand(*out.shape))).sum().backward()
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tout = trnn.pad_sequence(ts, batch_first)
    (tout * torch.tensor(_rand(*tout.shape))).sum().backward()
    for x, y in zip(xs, ts):
        np.testing.assert_array_equal(_np(x.grad), _np(y.grad))
    g, t = _both(lambda lib, u: u.pad_sequence(lib.ones(2, 3) if side == "right" else
                                                 [lib.ones(1, dtype=lib.float32), lib.ones(3, dtype=lib.float64)]))
    _same(g, t)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


@pytest.mark.parametrize("batch_first,enforce_sorted,lengths", [(False, True, [4, 2, 2]), (True, False, [1, 4, 3]),
                                                                (False, False, [2, 4, 4])])
def test_pack_and_pad_round_trip(batch_first, enforce_sorted, lengths, device):
    x = _rand(3, 4, 2) if batch_first else _rand(4, 3, 2)
    g, t = _both(lambda lib, u: u.pack_padded_sequence(gg.tensor(x, device=device) if lib is gg else torch.tensor(x),
                                                         lib.tensor(lengths), batch_first, enforce_sorted))
    _same(tuple(g), tuple(t))
    assert g.batch_sizes.dtype == gg.int64 and g.batch_sizes.device.type == "cpu"
    for total in (None, 6):
        pg = grnn.pad_packed_sequence(g, batch_first=batch_first, padding_value=-2.0, total_length=total)
        pt = trnn.pad_packed_sequence(t, batch_first=batch_first, padding_value=-2.0, total_length=total)
        _same(pg, pt)
    _same(grnn.unpack_sequence(g), trnn.unpack_sequence(t))
    _same(grnn.unpad_sequence(pg[0], pg[1], batch_first), trnn.unpad_sequence(pt[0], pt[1], batch_first))
    seqs = [_rand(n, 2, seed=n) for n in lengths]
    _same(tuple(grnn.pack_sequence([gg.tensor(s, device=device) for s in seqs], enforce_sorted)),
          tuple(trnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted)))
    # gradients through pack then pad
    gx, tx = gg.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
    gp = grnn.pad_packed_sequence(grnn.pack_padded_sequence(gx, lengths, batch_first, enforce_sorted), batch_first)[0]
    tp = trnn.pad_packed_sequence(trnn.pack_padded_sequence(tx, lengths, batch_first, enforce_sorted), batch_first)[0]
    r = _rand(*tp.shape, seed=4)
    (gp * gg.tensor(r, device=device)).sum().backward()
    (tp * torch.tensor(r)).sum().backward()
    np.testing.assert_array_equal(_np(gx.grad), _np(tx.grad))
    assert grnn.invert_permutation(None) is None
    _same(grnn.invert_permutation(gg.tensor([2, 0, 1])), trnn.invert_permutation(torch.tensor([2, 0, 1])))


# -- errors ----------------------------------------------------------------------------------------------------

def _raises_same(fn, match):
    """fn(lib, nn, utils) raises the same exception class in both libraries; ours says ``match``."""
    with pytest.raises(Exception) as theirs:
        fn(torch, torch.nn, trnn)
    with pytest.raises(type(theirs.value), match=match):
        fn(gg, nn, grnn)


@pytest.mark.parametrize("fn,match", [
    (lambda t, n, u: n.RNN(3, 4)(t.zeros(2, 5, 2, 3)), r"RNN: Expected input to be 2D or 3D, got 4D"),
    (lambda t, n, u: n.LSTM(3, 4)(t.zeros(5, 2)), r"LSTM: input.size\(-1\) must be equal to input_size"),
    (lambda t, n, u: n.GRU(3, 4)(t.zeros(5, 2, 3), t.zeros(1, 3, 4)), r"GRU: Expected hidden size \(1, 2, 4\)"),
    (lambda t, n, u: n.LSTM(3, 4, proj_size=2)(t.zeros(5, 2, 3), (t.zeros(1, 2, 4), t.zeros(1, 2, 4))),
     r"Expected hidden\[0\] size \(1, 2, 2\), got \[1, 2, 4\]"),
    (lambda t, n, u: n.LSTM(3, 4)(t.zeros(5, 2, 3), (t.zeros(1, 2, 4), t.zeros(1, 2, 3))),
     r"Expected hidden\[1\] size"),
    (lambda t, n, u: n.RNN(3, 4)(t.zeros(5, 2, 3), t.zeros(2, 4)), r"hx should also be 3-D but got 2-D"),
    (lambda t, n, u: n.LSTM(3, 4)(t.zeros(5, 3), (t.zeros(1, 1, 4), t.zeros(1, 1, 4))), r"should also be 2-D"),
    (lambda t, n, u: n.GRU(3, 4, batch_first=True)(t.zeros(2, 0, 3)), r"sequence length to be larger than 0"),
    (lambda t, n, u: n.RNN(3, 4)(t.zeros(5, 2, 3, dtype=t.float64)), r"input dtype .*float64.* does not match"),
    (lambda t, n, u: n.RNN(3, 4, nonlinearity="sigmoid"), r"Unknown nonlinearity 'sigmoid'"),
    (lambda t, n, u: n.LSTM(3, 4, proj_size=4), r"proj_size has to be smaller than hidden_size"),
    (lambda t, n, u: n.GRU(3, 4, proj_size=2), r"only supported for LSTM"),
    (lambda t, n, u: n.GRU(3, 4, dropout=1.5), r"dropout should be a number in range \[0, 1\]"),
    (lambda t, n, u: n.RNN(3, 4, bias=1), r"bias should be of type bool"),
    (lambda t, n, u: n.RNN(3, 0), r"hidden_size must be greater than zero"),
    (lambda t, n, u: n.RNNCell(3, 4)(t.zeros(2, 2, 3)), r"RNNCell: Expected input to be 1D or 2D, got 3D"),
    (lambda t, n, u: n.GRUCell(3, 4)(t.zeros(2, 3), t.zeros(1, 2, 4)), r"Expected hidden to be 1D or 2D"),
    (lambda t, n, u: n.LSTMCell(3, 4)(t.zeros(2, 5)), r"inconsistent input_size: got 5 expected 3"),
    (lambda t, n, u: n.GRUCell(3, 4)(t.zeros(2, 3), t.zeros(3, 4)), r"batch size 2 doesn't match hidden0"),
    (lambda t, n, u: n.LSTMCell(3, 4)(t.zeros(2, 3), (t.zeros(2, 4), t.zeros(2, 5))), r"hidden1 has inconsistent"),
    (lambda t, n, u: n.RNNCell(3, 4, nonlinearity="gelu")(t.zeros(2, 3)), r"Unknown nonlinearity: gelu"),
    (lambda t, n, u: u.pack_padded_sequence(t.zeros(3, 2), [2, 3]), r"must be sorted in decreasing order"),
    (lambda t, n, u: u.pack_padded_sequence(t.zeros(3, 2), [0, 3], enforce_sorted=False), r"greater than 0"),
    (lambda t, n, u: u.pad_packed_sequence(u.pack_sequence([t.ones(3)]), total_length=2), r"total_length=2"),
    (lambda t, n, u: u.pad_sequence([]), r"empty list"),
    (lambda t, n, u: u.pad_sequence([t.ones(2)], padding_side="middle"), r"one of left or right"),
    (lambda t, n, u: u.pad_sequence([t.ones(2, 3), t.ones(2, 4)]), r"trailing dims"),
])
def test_errors_match_torch(fn, match):
    _raises_same(fn, match)


def test_double_backward_matches_torch():
    """d/dparams of ||d out / d x||^2 through a GRU (a gradient penalty), as PyTorch."""
    ours, theirs = _pair("GRU", H_IN, HID, bidirectional=True)
    x = _rand(L, N, H_IN)
    gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (g,) = gg.autograd.grad(ours(gx)[0].sum(), gx, create_graph=True)
    (t,) = torch.autograd.grad(theirs(tx)[0].sum(), tx, create_graph=True)
    (g * g).sum().backward()
    (t * t).sum().backward()
    np.testing.assert_allclose(_np(g), _np(t), rtol=1e-9, atol=1e-10)
    tp = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(tp[n].grad), rtol=1e-8, atol=1e-10, err_msg=n)


def test_forward_mode_jvp_matches_torch():
    ours, theirs = _pair("LSTM", H_IN, HID, bidirectional=True, proj_size=2)
    x, v = _rand(L, N, H_IN), _rand(L, N, H_IN, seed=5)
    _, jg = gg.func.jvp(lambda a: ours(a)[0], (gg.tensor(x),), (gg.tensor(v),))
    _, jt = torch.func.jvp(lambda a: theirs(a)[0], (torch.tensor(x),), (torch.tensor(v),))
    np.testing.assert_allclose(_np(jg), _np(jt), rtol=1e-9, atol=1e-10)
