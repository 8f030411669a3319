"""The general-purpose layers beyond the basics against PyTorch: ParameterList/ParameterDict, Buffer, RMSNorm,
GroupNorm, InstanceNorm1d, Bilinear, LazyLinear, Unflatten, channel-wise and alpha dropout, Identity. Values and
gradients (the same weights copied in), state_dict keys, reprs, and the errors and warnings PyTorch gives."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, gg.Tensor) else t.detach().numpy()


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def both(ours, theirs, inputs, device, rtol=1e-4, atol=1e-5):
    """Copy our state into theirs, run both on ``inputs`` (arrays), backprop sum(out * r); compare outputs,
    input gradients and parameter gradients."""
    theirs.load_state_dict({k: torch.tensor(_np(v)) for k, v in ours.state_dict().items()})
    ours.to(device)
    xs = [gg.tensor(a, device=device, requires_grad=True) for a in inputs]
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    y, yt = ours(*xs), theirs(*ts)
    r = np.random.default_rng(9).standard_normal(tuple(yt.shape)).astype(np.float32)
    (y * gg.tensor(r, device=device)).sum().backward()
    (yt * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(_np(y), _np(yt), rtol=rtol, atol=atol)
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(_np(x.grad), _np(t.grad), rtol=rtol, atol=atol)
    theirs_p = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(theirs_p)
    for n, p in ours.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(theirs_p[n].grad), rtol=rtol, atol=atol, err_msg=n)
    return y, yt


def _repr(module):
    """PyTorch's repr of a container, with dtypes named as gpugrad prints them (gpugrad.float32)."""
    return repr(module).replace("torch.float", "gpugrad.float")


def _raises_like(fn_ours, fn_theirs, ours_match):
    """Both raise the same exception type; ours says ``ours_match``."""
    with pytest.raises(Exception) as theirs:
        fn_theirs()
    with pytest.raises(type(theirs.value), match=ours_match):
        fn_ours()


# -- ParameterList ----------------------------------------------------------------------------------------------
def test_parameter_list_registration_repr_and_conversion():
    a = _rand(2, 3)
    ours = nn.ParameterList([gg.tensor(a), nn.Parameter(gg.zeros(4)), "text"])
    theirs = torch.nn.ParameterList([torch.tensor(a), torch.nn.Parameter(torch.zeros(4)), "text"])
    assert repr(ours) == _repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1"]
    assert type(ours[0]) is nn.Parameter and ours[0].requires_grad and ours[2] == "text"
    ours.append(gg.ones(1)).extend([gg.ones(2, 2)])
    theirs.append(torch.ones(1)).extend([torch.ones(2, 2)])
    assert repr(ours) == _repr(theirs) and len(ours) == len(theirs) == 5
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert ours[-1] is ours[4] and [type(p).__name__ for p in ours] == [type(p).__name__ for p in theirs]
    sl, sl_t = ours[1:4:2], theirs[1:4:2]
    assert type(sl) is nn.ParameterList and sl[0] is ours[1] and repr(sl) == _repr(sl_t)
    ours[1] = gg.full((3,), 2.0)
    theirs[1] = torch.full((3,), 2.0)
    assert type(ours[1]) is nn.Parameter and repr(ours) == _repr(theirs)
    one = nn.ParameterList([gg.ones(2)])
    assert repr(one) == _repr(torch.nn.ParameterList([torch.ones(2)]))
    assert not any(k.isdigit() for k in dir(ours))
    ours += [gg.ones(1)]
    assert len(ours) == 6 and not hasattr(nn.ParameterList, "insert") and not hasattr(torch.nn.ParameterList,
                                                                                        "insert")


def test_parameter_list_shares_storage_moves_and_trains():
    t = gg.ones(3)
    pl = nn.ParameterList([t])
    assert pl[0]._data is t._data                       # a Tensor put in shares its storage, as in PyTorch
    m = nn.Module()
    m.ps = nn.ParameterList([gg.ones(2), gg.ones(3)])
    assert [n for n, _ in m.named_parameters()] == ["ps.0", "ps.1"]
    p0 = m.ps[0]
    m.to(gg.float64)
    assert m.ps[0] is p0 and p0.dtype == gg.float64
    (m.ps[0].sum() + (m.ps[1] * 2).sum()).backward()
    assert m.ps[1].grad.tolist() == [2.0, 2.0, 2.0]
    sd = m.state_dict()
    m2 = nn.Module()
    m2.ps = nn.ParameterList([gg.zeros(2), gg.zeros(3)])
    m2.load_state_dict(sd)
    assert m2.ps[1].tolist() == [1.0, 1.0, 1.0]


def test_parameter_list_errors_as_torch():
    ours, theirs = nn.ParameterList([gg.ones(1)]), torch.nn.ParameterList([torch.ones(1)])
    _raises_like(lambda: ours[3], lambda: theirs[3], "index 3 is out of range")
    _raises_like(lambda: ours.extend(gg.ones(2)), lambda: theirs.extend(torch.ones(2)), "iterable")
    _raises_like(lambda: ours(gg.ones(1)), lambda: theirs(torch.ones(1)), "should not be called")
    _raises_like(lambda: nn.ParameterList([gg.tensor([1, 2])]),
                 lambda: torch.nn.ParameterList([torch.tensor([1, 2])]), "floating point")


# -- ParameterDict ----------------------------------------------------------------------------------------------
def test_parameter_dict_api_and_order_as_torch():
    vals = {"b": _rand(2), "a": _rand(3, seed=1)}
    ours = nn.ParameterDict({k: gg.tensor(v) for k, v in vals.items()})
    theirs = torch.nn.ParameterDict({k: torch.tensor(v) for k, v in vals.items()})
    assert list(ours.keys()) == list(theirs.keys()) == ["a", "b"]         # a plain dict: sorted keys
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    od = OrderedDict([("z", gg.ones(1)), ("y", gg.ones(2))])
    ours.update(od)
    theirs.update(OrderedDict([("z", torch.ones(1)), ("y", torch.ones(2))]))
    ours.update([("x", "not a tensor")])
    theirs.update([("x", "not a tensor")])
    assert list(ours) == list(theirs) == ["a", "b", "z", "y", "x"] and repr(ours) == repr(theirs)
    assert list(reversed(ours)) == list(reversed(theirs))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert ("z" in ours) and ours.get("nope", 5) == 5 and ours["x"] == "not a tensor"
    assert [k for k, _ in ours.items()] == [k for k, _ in theirs.items()]
    assert len(list(ours.values())) == len(ours) == 5
    assert ours.pop("z").shape == (1,) and theirs.pop("z").shape == (1,)
    assert ours.popitem()[0] == theirs.popitem()[0] == "x"
    assert ours.setdefault("w", gg.ones(4)).shape == (4,) and type(ours["w"]) is nn.Parameter
    cp = ours.copy()
    assert cp["a"] is ours["a"] and list(cp) == list(ours)
    assert list(ours.fromkeys(["k1", "k2"], gg.ones(1)).keys()) == ["k1", "k2"]
    merged = ours | nn.ParameterDict({"m": gg.ones(1)})
    assert list(merged) == list(ours) + ["m"]
    ours |= {"n": gg.ones(1)}
    assert "n" in ours
    del ours["n"]
    assert "n" not in ours and "n" not in dict(ours.named_parameters())
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


def test_parameter_dict_errors_as_torch():
    ours, theirs = nn.ParameterDict(), torch.nn.ParameterDict()
    _raises_like(lambda: ours["missing"], lambda: theirs["missing"], "missing")
    with pytest.raises(KeyError):                     # also a KeyError, as a dict's
        ours["missing"]
    _raises_like(lambda: ours.__setitem__(1, gg.ones(1)), lambda: theirs.__setitem__(1, torch.ones(1)),
                 "not a string")
    _raises_like(lambda: ours.update([("a", 1, 2)]), lambda: theirs.update([("a", 1, 2)]), "has length 3")
    _raises_like(lambda: ours.update(3), lambda: theirs.update(3), "iterable")
    _raises_like(lambda: ours(gg.ones(1)), lambda: theirs(torch.ones(1)), "should not be called")


# -- Buffer -----------------------------------------------------------------------------------------------------
def test_buffer_assignment_registers_as_torch():
    def build(lib):
        m = lib.nn.Module()
        m.steps = lib.nn.Buffer(lib.zeros(2))
        m.cache = lib.nn.Buffer(lib.ones(3), persistent=False)
        m.plain = lib.ones(1)                           # a plain Tensor is an attribute, not a buffer
        return m
    ours, theirs = build(gg), build(torch)
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()] == ["steps", "cache"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["steps"]
    assert list(ours.parameters()) == []
    ours.steps = gg.full((2,), 3.0)                     # reassigning keeps it a (persistent) buffer
    theirs.steps = torch.full((2,), 3.0)
    assert list(ours.state_dict()) == list(theirs.state_dict()) and ours.state_dict()["steps"].tolist() == [3, 3]
    ours.to(gg.float64)
    assert ours.cache.dtype == gg.float64
    x = gg.ones(2, requires_grad=True)
    b = nn.Buffer(x * 2)
    tb = torch.nn.Buffer(torch.ones(2, requires_grad=True) * 2)
    assert b.grad_fn is None and b.requires_grad == tb.requires_grad
    assert repr(nn.Buffer(gg.ones(2))) == repr(torch.nn.Buffer(torch.ones(2))) == "tensor([1., 1.])"


# -- RMSNorm, GroupNorm, InstanceNorm1d -------------------------------------------------------------------------
@pytest.mark.parametrize("shape,normalized,kw", [((4, 6), 6, {}), ((2, 3, 4), (3, 4), dict(eps=1e-3)),
                                                 ((5, 3), (3,), dict(elementwise_affine=False)),
                                                 ((0, 4), 4, {}), ((3, 1), 1, dict(eps=1e-2))])
def test_rmsnorm_matches_torch(device, shape, normalized, kw):
    ours, theirs = nn.RMSNorm(normalized, **kw), torch.nn.RMSNorm(normalized, **kw)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    if ours.weight is not None:
        with gg.no_grad():
            ours.weight.copy_(gg.tensor(np.random.default_rng(1).uniform(0.5, 1.5, ours.weight.shape)))
    both(ours, theirs, [_rand(*shape) * 3], device)


def test_rms_norm_default_eps_and_errors():
    x = _rand(3, 4) * 1e-4
    for dt, tdt in ((gg.float32, torch.float32), (gg.float64, torch.float64)):
        ours = F.rms_norm(gg.tensor(x, dtype=dt), (4,))
        np.testing.assert_allclose(_np(ours), _np(TF.rms_norm(torch.tensor(x, dtype=tdt), (4,))), rtol=1e-5)
    _raises_like(lambda: F.rms_norm(gg.ones(3, 4), (3,)), lambda: TF.rms_norm(torch.ones(3, 4), (3,)),
                 r"rms_norm: input of shape \(3, 4\) does not end with normalized_shape \(3,\)")
    _raises_like(lambda: F.rms_norm(gg.ones(3, 4), (4,), gg.ones(3)),
                 lambda: TF.rms_norm(torch.ones(3, 4), (4,), torch.ones(3)), r"rms_norm: weight has shape \(3,\)")
    _raises_like(lambda: F.rms_norm(gg.ones(3, 4), ()), lambda: TF.rms_norm(torch.ones(3, 4), ()), "at least one")


@pytest.mark.parametrize("groups,shape,kw", [(2, (3, 4, 5), {}), (3, (2, 6), {}), (1, (2, 4, 3, 2), dict(eps=1e-3)),
                                             (4, (2, 4, 3), dict(affine=False)), (2, (2, 4, 3), dict(bias=False)),
                                             (2, (0, 4, 3), {})])
def test_groupnorm_matches_torch(device, groups, shape, kw):
    ours, theirs = nn.GroupNorm(groups, shape[1], **kw), torch.nn.GroupNorm(groups, shape[1], **kw)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(2)
    with gg.no_grad():
        for p in ours.parameters():
            p.copy_(gg.tensor(rng.uniform(0.5, 1.5, p.shape)))
    for mode in ("train", "eval"):                    # the same in both
        getattr(ours, mode)(), getattr(theirs, mode)()
        ours.zero_grad(), theirs.zero_grad()
        both(ours, theirs, [_rand(*shape) * 2 + 1], device)


def test_groupnorm_errors_name_the_shapes():
    _raises_like(lambda: nn.GroupNorm(4, 6), lambda: torch.nn.GroupNorm(4, 6), r"num_channels \(6\) .* \(4\)")
    _raises_like(lambda: F.group_norm(gg.ones(2, 6, 3), 4), lambda: TF.group_norm(torch.ones(2, 6, 3), 4),
                 r"group_norm: the 6 channels of input \(2, 6, 3\) are not divisible into num_groups=4")
    _raises_like(lambda: F.group_norm(gg.ones(2, 6, 3), 3, gg.ones(5)),
                 lambda: TF.group_norm(torch.ones(2, 6, 3), 3, torch.ones(5)),
                 r"group_norm: weight has shape \(5,\), expected \(6,\) for input \(2, 6, 3\)")
    _raises_like(lambda: F.group_norm(gg.ones(6), 3), lambda: TF.group_norm(torch.ones(6), 3), "at least 2 dims")


@pytest.mark.parametrize("kw", [{}, dict(affine=True), dict(track_running_stats=True),
                                dict(affine=True, track_running_stats=True, momentum=0.3)])
@pytest.mark.parametrize("shape", [(4, 3, 5), (3, 6)])
def test_instancenorm1d_matches_torch(device, kw, shape):
    ours, theirs = nn.InstanceNorm1d(3, **kw), torch.nn.InstanceNorm1d(3, **kw)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    for step in range(2):
        ours.zero_grad(), theirs.zero_grad()
        both(ours, theirs, [_rand(*shape, seed=step) * 2 + 1], device)
        for (n, b), bt in zip(ours.named_buffers(), theirs.buffers()):
            np.testing.assert_allclose(_np(b), _np(bt), rtol=1e-5, atol=1e-6, err_msg=n)
    ours.eval(), theirs.eval()
    ours.zero_grad(), theirs.zero_grad()
    both(ours, theirs, [_rand(*shape, seed=5)], device)


def test_instancenorm1d_input_checks_as_torch():
    _raises_like(lambda: nn.InstanceNorm1d(3)(gg.ones(2, 3, 4, 5)),
                 lambda: torch.nn.InstanceNorm1d(3)(torch.ones(2, 3, 4, 5)), "expected 2D or 3D input")
    _raises_like(lambda: nn.InstanceNorm1d(3, affine=True)(gg.ones(2, 4, 5)),
                 lambda: torch.nn.InstanceNorm1d(3, affine=True)(torch.ones(2, 4, 5)), r"num_features \(3\)")
    _raises_like(lambda: nn.InstanceNorm1d(3)(gg.ones(2, 3, 1)), lambda: torch.nn.InstanceNorm1d(3)(
        torch.ones(2, 3, 1)), r"instance_norm: expected more than 1 spatial element when training, got input of "
        r"shape \(2, 3, 1\)")
    _raises_like(lambda: F.instance_norm(gg.ones(2, 3)), lambda: TF.instance_norm(torch.ones(2, 3)), "at least 3 dims")
    for lib in (gg, torch):
        with pytest.warns(UserWarning, match="does not match num_features"):
            lib.nn.InstanceNorm1d(3)(lib.ones(2, 4, 5))


# -- Bilinear, LazyLinear, Unflatten ----------------------------------------------------------------------------
@pytest.mark.parametrize("lead", [(4,), (2, 3), (0,)])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(device, lead, bias):
    ours, theirs = nn.Bilinear(3, 2, 5, bias=bias), torch.nn.Bilinear(3, 2, 5, bias=bias)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight.shape == tuple(theirs.weight.shape)
    both(ours, theirs, [_rand(*lead, 3), _rand(*lead, 2, seed=1)], device)


def test_bilinear_init_range_and_errors():
    w = nn.Bilinear(16, 3, 200).weight
    bound = 1 / np.sqrt(16)
    assert np.abs(_np(w)).max() <= bound
    np.testing.assert_allclose(_np(w).std(), _np(torch.nn.Bilinear(16, 3, 200).weight).std(), rtol=0.05)
    w3 = gg.ones(5, 3, 2)
    _raises_like(lambda: F.bilinear(gg.ones(2, 3), gg.ones(2, 4), w3),
                 lambda: TF.bilinear(torch.ones(2, 3), torch.ones(2, 4), torch.ones(5, 3, 2)),
                 r"bilinear: input2 of shape \(2, 4\) does not end with in2_features=2")
    _raises_like(lambda: F.bilinear(gg.ones(2, 3), gg.ones(3, 2), w3),
                 lambda: TF.bilinear(torch.ones(2, 3), torch.ones(3, 2), torch.ones(5, 3, 2)),
                 r"bilinear: the batch dims of input1 \(2, 3\) and input2 \(3, 2\) differ")
    _raises_like(lambda: nn.Bilinear(0, 2, 3), lambda: torch.nn.Bilinear(0, 2, 3), "in1_features must be > 0")


def test_lazylinear_before_and_after_the_first_call():
    ours, theirs = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    assert repr(ours) == repr(theirs)
    assert [type(p).__name__ for p in ours.parameters()] == [type(p).__name__ for p in theirs.parameters()] \
        == ["UninitializedParameter"] * 2
    sd, sdt = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(sdt) and repr(sd["weight"]) == repr(sdt["weight"]) == "<UninitializedParameter>"
    assert ours.has_uninitialized_params() and theirs.has_uninitialized_params()
    for lib, m in ((gg, ours), (torch, theirs)):
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
            m.weight.shape
    w = ours.weight
    y = ours(gg.ones(2, 5))
    theirs(torch.ones(2, 5))
    assert type(ours) is nn.Linear and repr(ours) == repr(theirs) and ours.weight is w
    assert type(w) is nn.Parameter and y.shape == (2, 3) and ours.in_features == 5
    assert np.abs(_np(w)).max() <= 1 / np.sqrt(5)            # Linear's init on the inferred shape
    y.sum().backward()
    assert w.grad.shape == (3, 5)


def test_lazylinear_values_state_dict_and_dtype(device):
    ours, theirs = nn.LazyLinear(4), torch.nn.LazyLinear(4)
    ours(gg.ones(1, 6))
    theirs(torch.ones(1, 6))
    ours.zero_grad(), theirs.zero_grad()
    both(ours, theirs, [_rand(3, 6)], device)
    # a never-called lazy layer loads a called one's state: materialized to its shapes, as in PyTorch
    fresh, fresh_t = nn.LazyLinear(4), torch.nn.LazyLinear(4)
    fresh.load_state_dict(nn.Linear(6, 4).state_dict())
    fresh_t.load_state_dict(torch.nn.Linear(6, 4).state_dict())
    assert fresh.weight.shape == tuple(fresh_t.weight.shape) == (4, 6) and type(fresh).__name__ == "LazyLinear"
    assert fresh(gg.ones(2, 6)).shape == (2, 4) and type(fresh) is nn.Linear and fresh.in_features == 6
    fresh_t(torch.ones(2, 6))
    assert repr(fresh) == repr(fresh_t)
    # lazy into lazy: nothing to copy; lazy into a materialized layer: an error naming the key
    lazy = nn.LazyLinear(4)
    lazy.load_state_dict(nn.LazyLinear(4).state_dict())
    assert lazy.has_uninitialized_params()
    with pytest.raises(RuntimeError, match="for weight: the checkpoint's value is an uninitialized parameter"):
        nn.Linear(6, 4).load_state_dict(nn.LazyLinear(4).state_dict())
    m = nn.LazyLinear(2, bias=False).to(gg.float64)
    mt = torch.nn.LazyLinear(2, bias=False).double()
    assert repr(m) == repr(mt) and m.bias is None
    m(gg.ones(1, 3, dtype=gg.float64))
    assert m.weight.dtype == gg.float64
    copied = __import__("copy").deepcopy(nn.LazyLinear(2))
    assert type(copied.weight) is nn.UninitializedParameter
    # PyTorch pickles an UninitializedParameter; safetensors has nothing to store: a clear error, not an empty
    # tensor that a later load_state_dict would materialize with the wrong shape
    with pytest.raises(ValueError, match="gpugrad.save: weight is an uninitialized parameter"):
        gg.save(nn.LazyLinear(2).state_dict(), __import__("io").BytesIO())
    # PyTorch's optimizer keeps the Parameter object and sees it materialize; gpugrad's flat buffers can't:
    # building one on a never-called lazy layer is a clear error
    with pytest.raises(ValueError, match="SGD: parameter 0 is an uninitialized parameter of a lazy layer"):
        gg.optim.SGD(nn.LazyLinear(2).parameters(), lr=0.1)


@pytest.mark.parametrize("shape,dim,sizes", [((4, 6), 1, (2, 3)), ((4, 6, 2), -2, [3, -1]), ((6,), 0, (1, 6, 1)),
                                             ((2, 0), 1, (0, 5))])
def test_unflatten_matches_torch(device, shape, dim, sizes):
    ours, theirs = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    assert repr(ours) == repr(theirs)
    both(ours, theirs, [_rand(*shape)], device)


def test_unflatten_errors_as_torch():
    _raises_like(lambda: nn.Unflatten(1, 6), lambda: torch.nn.Unflatten(1, 6), "tuple of ints")
    _raises_like(lambda: nn.Unflatten(1, (2, 3.0)), lambda: torch.nn.Unflatten(1, (2, 3.0)), "at pos 1")
    _raises_like(lambda: nn.Unflatten(1, (2, 4))(gg.ones(3, 6)), lambda: torch.nn.Unflatten(1, (2, 4))(
        torch.ones(3, 6)), r"Unflatten: sizes \[2, 4\] don't multiply up to the size of dim 1 \(6\)")


# -- dropout ----------------------------------------------------------------------------------------------------
def _warned(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [str(x.message).split(":")[0] for x in w if issubclass(x.category, UserWarning)]


@pytest.mark.parametrize("name,ndims", [("dropout1d", (1, 2, 3, 4)), ("dropout2d", (2, 3, 4, 5)),
                                        ("dropout3d", (2, 3, 4, 5, 6)), ("feature_alpha_dropout", (1, 2, 3)),
                                        ("alpha_dropout", (1, 3))])
def test_dropout_rank_rules_and_warnings_as_torch(name, ndims):
    for nd in ndims:
        shape = (2, 3, 2, 2, 2, 2)[:nd]
        outcome = {}
        for lib, fn in ((torch, getattr(TF, name)), (gg, getattr(F, name))):
            try:
                outcome[lib.__name__] = _warned(lambda: fn(lib.ones(shape), 0.5, True)), None
            except Exception as e:           # noqa: BLE001  (the type is what is compared)
                outcome[lib.__name__] = [], type(e)
        assert outcome["gpugrad"] == outcome["torch"], (name, nd)


@pytest.mark.parametrize("name,shape,channel_dims", [("dropout1d", (8, 6, 5), 2), ("dropout1d", (6, 5), 1),
                                                     ("dropout2d", (8, 6, 3, 3), 2), ("dropout3d", (4, 6, 2, 2, 2), 2),
                                                     ("dropout3d", (6, 2, 2, 2), 1)])
def test_channel_dropout_zeroes_whole_channels(device, name, shape, channel_dims):
    x = gg.ones(shape, device=device, requires_grad=True)
    y = getattr(F, name)(x, 0.4)
    a = _np(y).reshape(shape[:channel_dims] + (-1,))
    assert set(np.unique(a)) <= {0.0, np.float32(1 / 0.6)}
    assert (a == a[..., :1]).all()                     # one draw per channel
    y.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), _np(y))
    # eval and p=0 give the input back; p=1 zeroes everything, as in PyTorch
    assert getattr(F, name)(x, 0.4, training=False) is x and getattr(F, name)(x, 0.0) is x
    assert not _np(getattr(F, name)(x, 1.0)).any() and not _np(getattr(TF, name)(torch.ones(shape), 1.0)).any()


def test_channel_dropout_rate_and_inplace():
    y = F.dropout2d(gg.ones(400, 50, 1, 1), 0.3)
    assert 0.27 < float((y == 0).float().mean()) < 0.33
    x = gg.ones(4, 3, 2)
    out = F.dropout1d(x, 0.5, inplace=True)
    assert out is x and set(np.unique(_np(x))) <= {0.0, 2.0}
    _raises_like(lambda: F.dropout2d(gg.ones(2, 3, 2, 2, requires_grad=True), 0.5, inplace=True),
                 lambda: TF.dropout2d(torch.ones(2, 3, 2, 2, requires_grad=True), 0.5, inplace=True),
                 "dropout2d_: a leaf Variable that requires grad")
    leaf = gg.ones(2, 3, 2, 2, requires_grad=True)
    h = leaf * 1.0
    assert F.dropout2d(h, 0.5, inplace=True) is h
    h.sum().backward()                                 # the gradient is the mask the values were scaled by
    np.testing.assert_array_equal(_np(leaf.grad), _np(h))


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_values_as_torch(device, name):
    p, shape = 0.3, (300, 40, 2)
    ours = _np(getattr(F, name)(gg.zeros(shape, device=device), p, True))
    theirs = _np(getattr(TF, name)(torch.zeros(shape), p, True))
    # on zeros the two outcomes (kept, dropped) are constants fixed by p alone: the same set as PyTorch's
    np.testing.assert_allclose(np.unique(ours), np.unique(theirs), rtol=1e-6)
    if name == "feature_alpha_dropout":
        assert (ours == ours[..., :1]).all()
    z = getattr(F, name)(gg.randn(2000, 50, 2), p, True)
    assert abs(float(z.mean())) < 0.03 and abs(float(z.std()) - 1) < 0.03    # a unit Gaussian stays one
    x = gg.ones(2, 3, 2)
    assert getattr(F, name)(x, p) is x                 # training=False by default, as in PyTorch
    assert not _np(getattr(F, name)(x, 1.0, True)).any() and not _np(getattr(TF, name)(torch.ones(2, 3, 2), 1.0,
                                                                                         True)).any()


@pytest.mark.parametrize("name", ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"])
def test_dropout_modules_as_torch(name):
    ours, theirs = getattr(nn, name)(0.25, inplace=True), getattr(torch.nn, name)(0.25, inplace=True)
    assert repr(ours) == repr(theirs)
    x = gg.ones({"Dropout3d": (2, 3, 2, 2, 2), "Dropout2d": (2, 3, 2, 2)}.get(name, (2, 3, 4)))
    assert ours.eval()(x) is x
    ours.train()
    assert ours(x).shape == x.shape
    assert not isinstance(ours, nn.Dropout) and not isinstance(theirs, torch.nn.Dropout)    # siblings
    _raises_like(lambda: getattr(nn, name)(1.5), lambda: getattr(torch.nn, name)(1.5),
                 "dropout probability has to be between 0 and 1")


def test_identity_ignores_its_arguments_as_torch():
    ours, theirs = nn.Identity(3, unused="x"), torch.nn.Identity(3, unused="x")
    assert repr(ours) == repr(theirs) == "Identity()"
    x = gg.ones(2)
    assert ours(x) is x and list(ours.state_dict()) == list(theirs.state_dict()) == []


def test_dropout_inplace_as_torch():
    for lib in (gg, torch):
        x = lib.ones(50, 4)
        out = lib.nn.Dropout(0.5, inplace=True)(x)
        assert out is x or out.data_ptr() == x.data_ptr()
        assert (x == 0).any()                           # written into the input, as PyTorch's
