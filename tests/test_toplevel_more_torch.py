"""More of torch's top level against PyTorch (the oracle): the ``*_copy`` functions, the native nn forms
(embedding, constant_pad_nd, native_layer_norm / batch_norm / dropout, feature_dropout), the deprecated norms,
binomial, svd/pca_lowrank, histogramdd, the runtime switches (set_flush_denormal, set_warn_always,
init_num_threads), vmap, get_device, matrix_rank, and Tensor.set_ / is_set_to / resize_ / resize_as_. Values
and float64 gradients are compared with torch's; random functions by their exact cases and statistics."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(5)
X23 = _rng.standard_normal((2, 3))
X234 = _rng.standard_normal((2, 3, 4))


def _pair(a, device, grad=True):
    """The same float64 data as a gpugrad and a torch tensor (both requiring grad)."""
    return (gg.tensor(a, dtype=gg.float64, device=device, requires_grad=grad),
            torch.tensor(a, dtype=torch.float64, requires_grad=grad))


def _host(t):
    return t.detach().cpu().numpy() if isinstance(t, gg.Tensor) else t.detach().numpy()


def _compare(fn_g, fn_t, arrays, device, atol=1e-10):
    """fn_g(*gpugrad tensors) against fn_t(*torch tensors): the values (a tensor or a tuple of them) and the
    gradients of every input for a random cotangent of the (first, or each) output."""
    gs, ts = zip(*(_pair(a, device) for a in arrays))
    og, ot = fn_g(*gs), fn_t(*ts)
    og, ot = (og, ot) if isinstance(og, (tuple, list)) else ((og,), (ot,))
    assert len(og) == len(ot)
    lg, lt = 0, 0
    for k, (a, b) in enumerate(zip(og, ot)):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_host(a), _host(b), atol=atol)
        assert a.is_contiguous()
        if b.requires_grad:
            cot = np.random.default_rng(k).standard_normal(tuple(b.shape))
            lg = lg + (a * gg.tensor(cot, device=device)).sum()
            lt = lt + (b * torch.tensor(cot)).sum()
    if isinstance(lt, torch.Tensor):
        lg.backward()
        lt.backward()
        for g, t in zip(gs, ts):
            np.testing.assert_allclose(_host(g.grad), t.grad.numpy(), atol=atol)


# -- the *_copy functions ---------------------------------------------------------------------------------------
COPIES = [
    ("alias_copy", (X23,), ()), ("diagonal_copy", (X23,), (1,)), ("diagonal_copy", (X234,), (-1, 2, 0)),
    ("expand_copy", (X23[:1],), ([4, 2, 3],)), ("expand_copy", (X23[:, :1],), ((-1, 5),)),
    ("permute_copy", (X234,), ([2, 0, 1],)), ("select_copy", (X23,), (1, -1)), ("select_copy", (X234,), (0, 1)),
    ("slice_copy", (X234,), (2, 1, None, 2)), ("slice_copy", (X23,), ()), ("slice_copy", (X23,), (1, -5, 100)),
    ("split_copy", (X234,), (3, 2)), ("split_copy", (X23,), (1,)), ("split_with_sizes_copy", (X234,), ([1, 3], 2)),
    ("squeeze_copy", (X23[:1, :, None],), ()), ("squeeze_copy", (X23[:1, :, None],), (2,)),
    ("squeeze_copy", (X23[:1, :, None],), ((0, 2),)), ("t_copy", (X23,), ()), ("t_copy", (X23[0],), ()),
    ("transpose_copy", (X234,), (0, 2)), ("unbind_copy", (X234,), (1,)), ("unfold_copy", (X234,), (2, 3, 1)),
    ("unfold_copy", (X23[0],), (0, 2, 2)), ("unsqueeze_copy", (X23,), (-1,)), ("view_copy", (X234,), ([4, 6],)),
    ("view_copy", (X23,), ((-1,),)), ("squeeze_copy", (np.array(2.0),), ()), ("unsqueeze_copy", (np.array(2.0),), (0,)),
]


@pytest.mark.parametrize("name,arrays,args", COPIES, ids=[f"{c[0]}-{i}" for i, c in enumerate(COPIES)])
def test_copy_functions_match_torch(device, name, arrays, args):
    _compare(lambda *t: getattr(gg, name)(*t, *args), lambda *t: getattr(torch, name)(*t, *args), arrays, device)


def test_copies_share_no_memory_and_view_copy_reads_any_layout():
    x = gg.arange(6.0).reshape(2, 3)
    for y in (gg.alias_copy(x), gg.select_copy(x, 0, 0), gg.slice_copy(x, 0, 0, 1), gg.view_copy(x, (6,))):
        y.fill_(-1.0)
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    t = torch.arange(6.0).reshape(2, 3)
    assert gg.view_copy(x.t(), (-1,)).tolist() == torch.view_copy(t.t(), (-1,)).tolist()   # a copy: any strides
    assert gg.view_copy(x, gg.int32).tolist() == torch.view_copy(t, torch.int32).tolist()
    assert gg.view_copy(x, dtype=gg.int32).dtype == gg.int32
    d = gg.detach_copy(gg.ones(2, requires_grad=True))
    assert not d.requires_grad and d.tolist() == [1.0, 1.0]
    out = gg.empty(3)
    assert gg.select_copy(x, 0, 1, out=out) is out and out.tolist() == [3.0, 4.0, 5.0]
    outs = (gg.empty(2, 1), gg.empty(2, 2))
    assert gg.split_with_sizes_copy(x, [1, 2], 1, out=outs)[1] is outs[1]
    assert isinstance(gg.unbind_copy(x), tuple) and isinstance(gg.split_copy(x, 1), tuple)


def test_copy_errors_as_torch():
    x = gg.zeros(2, 3)
    with pytest.raises(TypeError, match="split_size"):
        gg.split_copy(x, [1, 2], 1)
    with pytest.raises(RuntimeError, match="split_with_sizes"):
        gg.split_with_sizes_copy(x, [1, 1], 1)
    with pytest.raises(RuntimeError, match="split_size can only be 0"):
        gg.split_copy(x, 0)
    with pytest.raises(RuntimeError, match="at least a 1-dimensional"):
        gg.split_copy(gg.tensor(1.0), 1)
    assert len(gg.split_copy(gg.zeros(0), 0)) == 1
    with pytest.raises(RuntimeError, match="expects a tensor with <= 2 dimensions"):
        gg.t_copy(gg.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="values expected sparse tensor layout but got Strided"):
        gg.values_copy(x)
    with pytest.raises(RuntimeError, match="step must be positive"):
        gg.slice_copy(x, 1, 0, 2, 0)
    with pytest.raises(TypeError):
        gg.permute_copy(x, 1, 0)
    with pytest.raises(TypeError):
        gg.view_copy(x, 3, 2)


# -- native nn forms -----------------------------------------------------------------------------------------------
W = _rng.standard_normal((5, 3))


@pytest.mark.parametrize("idx,args", [([[0, 2], [4, 4]], ()), ([0, 2, 2, 1], (2,)), ([0, 2, 2, 1], (2, True)),
                                      ([0, 2, 2, 1], (-2, False)), ([3], (-1, True, False))])
def test_embedding_native_matches_torch(device, idx, args):
    def run(L, w):
        return L.embedding(w, L.tensor(idx, **({"device": device} if L is gg else {})), *args)
    _compare(lambda w: run(gg, w), lambda w: run(torch, w), (W,), device)


def test_embedding_native_errors():
    w = gg.tensor(W)
    with pytest.raises(IndexError):
        gg.embedding(w, gg.tensor([0, 5]))
    with pytest.raises(RuntimeError, match="int64 or int32"):
        gg.embedding(w, gg.tensor([0.0]))
    with pytest.raises(RuntimeError, match="2-D"):
        gg.embedding(w[0], gg.tensor([0]))
    assert gg.embedding(w, gg.tensor([0, 2], dtype=gg.int32)).shape == (2, 3)


@pytest.mark.parametrize("pad,value", [([1, 2], 0), ([1, -1, 1, 0], 2.5), ([0, 0, 2, 1, 1, 1], -1.0), ([-1, -1], 3)])
def test_constant_pad_nd_matches_torch(device, pad, value):
    _compare(lambda x: gg.constant_pad_nd(x, pad, value), lambda x: torch.constant_pad_nd(x, pad, value), (X234,),
             device)


def test_constant_pad_nd_int_and_errors():
    assert gg.constant_pad_nd(gg.arange(3), [1, 1], 2.7).tolist() == torch.constant_pad_nd(
        torch.arange(3), [1, 1], 2.7).tolist()
    assert gg.constant_pad_nd(gg.tensor(3.0), []).item() == 3.0
    for pad in ([1], [1] * 6):
        with pytest.raises(RuntimeError):
            gg.constant_pad_nd(gg.zeros(2, 3), pad)


@pytest.mark.parametrize("shape,affine", [((3, 4), False), ((3, 4), True), ((4,), True)])
def test_native_layer_norm_matches_torch(device, shape, affine):
    wb = (_rng.standard_normal(shape), _rng.standard_normal(shape)) if affine else ()

    def fn(L):
        return lambda x, *p: L.native_layer_norm(x, list(shape), *(p if p else (None, None)), 1e-5)
    _compare(fn(gg), fn(torch), (X234,) + wb, device)
    out = gg.native_layer_norm(gg.tensor(X234, requires_grad=True), list(shape), None, None, 1e-5)
    assert [t.requires_grad for t in out] == [True, False, False]


def test_native_layer_norm_bad_shape():
    with pytest.raises(RuntimeError, match="normalized_shape"):
        gg.native_layer_norm(gg.zeros(2, 3), [4], None, None, 1e-5)
    with pytest.raises(TypeError):
        gg.native_layer_norm(gg.zeros(2, 3), [3], None, None)


@pytest.mark.parametrize("training", [True, False])
def test_native_batch_norm_matches_torch(device, training):
    w, b = _rng.standard_normal(3), _rng.standard_normal(3)
    rm, rv = _rng.standard_normal(3), _rng.uniform(0.5, 2, 3)
    stats = {}

    def fn(L):
        def run(x, w, b):
            kw = {"device": device} if L is gg else {}
            m, v = L.tensor(rm, dtype=L.float64, **kw), L.tensor(rv, dtype=L.float64, **kw)
            res = L.native_batch_norm(x, w, b, m, v, training, 0.1, 1e-5)
            stats[L.__name__] = (_host(m), _host(v))
            return res
        return run
    _compare(fn(gg), fn(torch), (X234, w, b), device)
    np.testing.assert_allclose(stats["gpugrad"][0], stats["torch"][0])
    np.testing.assert_allclose(stats["gpugrad"][1], stats["torch"][1])
    if not training:
        assert gg.native_batch_norm(gg.tensor(X234), None, None, gg.tensor(rm), gg.tensor(rv), False, 0.1,
                                    1e-5)[1].shape == (0,)
    with pytest.raises(RuntimeError, match="running_mean"):
        gg.native_batch_norm(gg.tensor(X234), None, None, None, None, False, 0.1, 1e-5)


def test_native_dropout_values_mask_and_gradient():
    x = gg.ones(200, 50, dtype=gg.float64, requires_grad=True)
    out, mask = gg.native_dropout(x, 0.25, True)
    assert mask.dtype == gg.bool_ and out.dtype == gg.float64
    m = mask.numpy()
    assert 0.7 < m.mean() < 0.8
    np.testing.assert_allclose(_host(out), m / 0.75)
    out.sum().backward()
    np.testing.assert_allclose(_host(x.grad), m / 0.75)
    for train in (False,):
        o, k = gg.native_dropout(x, 0.5, train)
        assert o.tolist() == x.tolist() and bool(k.all()) and o.requires_grad
    o, k = gg.native_dropout(x, 0.5, None)             # None: training, as torch
    assert not bool(k.all())
    o, k = gg.native_dropout(x, 1.0, True)
    assert not bool(k.any()) and float(o.abs().sum()) == 0.0
    with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=-0.5"):
        gg.native_dropout(x, 1.5, True)


def test_feature_dropout():
    x = gg.ones(40, 30, 5)
    y = gg.feature_dropout(x, 0.5, True)
    per = y.numpy()
    assert set(np.unique(per)) <= {0.0, 2.0}
    assert (per.min(-1) == per.max(-1)).all()                       # whole features
    assert gg.feature_dropout(gg.ones(3, 4), 0.5, False).tolist() == [[1.0] * 4] * 3
    z = gg.ones(4, 6, 3)
    assert gg.feature_dropout_(z, 0.5, True) is z
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        gg.feature_dropout(gg.ones(4), 0.5, True)
    with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        gg.feature_dropout(x, 1.5, True)


# -- norms, matrix_rank, get_device, vmap --------------------------------------------------------------------------
@pytest.mark.parametrize("args", [(1,), ([0, 1], True), ([],), ((-1,),)])
def test_frobenius_norm_matches_torch(device, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(lambda x: gg.frobenius_norm(x, *args), lambda x: torch.frobenius_norm(x, *args), (X23,), device)


@pytest.mark.parametrize("arrays,args", [((X23,), ()), ((X23,), (True,)), ((X234,), ([1, 2],)),
                                         ((X234,), ([0, 2], True)), ((X234,), ())])
def test_nuclear_norm_matches_torch(device, arrays, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(lambda x: gg.nuclear_norm(x, *args), lambda x: torch.nuclear_norm(x, *args), arrays, device,
                 atol=1e-8)


def test_deprecated_norms_warn_once_unless_warn_always():
    x = gg.ones(2, 2)
    from gpugrad import _runtime_flags
    _runtime_flags._warned.discard("frobenius_norm")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        gg.frobenius_norm(x, 1)
        gg.frobenius_norm(x, 1)
        assert len(w) == 1 and "frobenius_norm is deprecated" in str(w[0].message)
        assert w[0].filename == __file__
        gg.set_warn_always(True)
        try:
            assert gg.is_warn_always_enabled()
            gg.frobenius_norm(x, 1)
            gg.frobenius_norm(x, 1)
        finally:
            gg.set_warn_always(False)
        assert len(w) == 3
    assert not gg.is_warn_always_enabled()
    with pytest.raises(RuntimeError, match="setWarnOnlyOnce expects a bool, but got int"):
        gg.set_warn_always(1)
    with pytest.raises(RuntimeError, match="Expected at most 2 dimensions"):
        gg.frobenius_norm(x, (0, 1, 0))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        gg.nuclear_norm(gg.ones(3))
    with pytest.raises(RuntimeError, match="floating point"):
        gg.nuclear_norm(gg.ones(2, 2, dtype=gg.int64))


def test_matrix_rank_removed_get_device_vmap_init_num_threads():
    with pytest.raises(RuntimeError, match="deprecated since version 1.9 and is now removed") as e:
        gg.matrix_rank(gg.eye(2))
    with pytest.raises(RuntimeError) as et:
        torch.matrix_rank(torch.eye(2))
    assert str(e.value).replace("torch.", "") == str(et.value).replace("torch.", "")
    assert gg.get_device(gg.ones(1)) == -1
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        gg.get_device(3)
    assert gg.vmap is gg.func.vmap
    assert gg.vmap(lambda r: r.sum())(gg.ones(3, 2)).tolist() == [2.0, 2.0, 2.0]
    assert gg.init_num_threads() is None


def test_set_flush_denormal():
    with pytest.raises(RuntimeError, match="flush_denormal expects a bool, but got int"):
        gg.set_flush_denormal(1)
    tiny = gg.tensor([1e-310], dtype=gg.float64)
    try:
        ok = gg.set_flush_denormal(True)
        if ok:
            assert (tiny * 1.0).tolist() == [0.0]
    finally:
        assert gg.set_flush_denormal(False) == ok
    assert (tiny * 1.0).tolist() == [1e-310]
    import platform
    import sys
    if sys.platform.startswith("linux") and platform.machine() in ("x86_64", "aarch64"):
        assert ok                                   # glibc on a CPU with the modes: set, as torch
        assert torch.set_flush_denormal(False)


# -- random: binomial ------------------------------------------------------------------------------------------------
def test_binomial_exact_cases_statistics_and_errors():
    count = gg.tensor([5.0, 10.0, 2.5, -5.0, 7.0, 4.0])
    prob = gg.tensor([1.0, 0.0, 1.0, 0.5, 1.5, -0.5])
    assert gg.binomial(count, prob).tolist() == [5.0, 0.0, 2.5, 0.0, 7.0, 0.0]
    big = gg.binomial(gg.full((20000,), 10.0, dtype=gg.float64), gg.full((20000,), 0.3, dtype=gg.float64))
    assert big.dtype == gg.float64
    assert abs(big.mean().item() - 3.0) < 0.06 and abs(big.var().item() - 2.1) < 0.15
    assert gg.binomial(gg.tensor([5.0]), gg.tensor([[0.5], [1.0]])).shape == (2, 1)
    c = gg.tensor([3.0], requires_grad=True)
    s = gg.binomial(c, gg.tensor([0.5]))
    s.sum().backward()
    assert s.requires_grad and c.grad.tolist() == [0.0]
    g1, g2 = gg.Generator().manual_seed(3), gg.Generator().manual_seed(3)
    n = gg.full((50,), 9.0)
    assert gg.binomial(n, gg.full((50,), 0.5), g1).tolist() == gg.binomial(n, gg.full((50,), 0.5), g2).tolist()
    with pytest.raises(ValueError, match="binomial only supports floating-point dtypes for count"):
        gg.binomial(gg.tensor([5]), gg.tensor([0.5]))
    with pytest.raises(RuntimeError, match="dtype"):
        gg.binomial(gg.tensor([5.0], dtype=gg.float64), gg.tensor([0.5]))


# -- low rank ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (2, 5, 3)])
def test_svd_lowrank_full_rank_matches_torch_svd(device, shape):
    """With q = min(m, n) the basis spans A's range: S and its gradient are torch's (whatever the random matrix)."""
    a = _rng.standard_normal(shape)
    q = min(shape[-2:])

    def g(x):
        U, S, V = gg.svd_lowrank(x, q=q)
        assert U.shape == shape[:-1] + (q,) and V.shape == shape[:-2] + (shape[-1], q)
        np.testing.assert_allclose(_host(U @ gg.diag_embed(S) @ V.mT), a, atol=1e-8)
        return S
    _compare(g, lambda x: torch.svd_lowrank(x, q=q)[1], (a,), device, atol=1e-8)


def test_svd_lowrank_low_rank_and_M_and_pca():
    b = _rng.standard_normal((8, 2)) @ _rng.standard_normal((2, 5))
    U, S, V = gg.svd_lowrank(gg.tensor(b), q=3, niter=1)
    np.testing.assert_allclose(_host(U @ gg.diag_embed(S) @ V.mT), b, atol=1e-8)
    np.testing.assert_allclose(S.numpy()[:2], np.linalg.svd(b)[1][:2], rtol=1e-8)
    m = np.full((1, 5), 3.0)
    U, S, V = gg.svd_lowrank(gg.tensor(b + m), q=3, M=gg.tensor(m))
    np.testing.assert_allclose(_host(U @ gg.diag_embed(S) @ V.mT), b, atol=1e-8)
    data = _rng.standard_normal((30, 4)) * np.array([5.0, 2.0, 1.0, 0.5]) + 7.0
    U, S, V = gg.pca_lowrank(gg.tensor(data), q=4)
    _, St, Vt = torch.pca_lowrank(torch.tensor(data), q=4)
    np.testing.assert_allclose(S.numpy(), St.numpy(), rtol=1e-8)
    np.testing.assert_allclose(np.abs(V.numpy()), np.abs(Vt.numpy()), atol=1e-8)
    assert gg.pca_lowrank(gg.tensor(data))[1].shape == (4,)
    assert gg.pca_lowrank(gg.tensor(data), center=False)[1].shape == (4,)
    with pytest.raises(ValueError, match="q\\(=5\\) must be non-negative integer and not greater than"):
        gg.pca_lowrank(gg.tensor(data), q=5)
    with pytest.raises(ValueError, match="niter"):
        gg.pca_lowrank(gg.tensor(data), niter=-1)


# -- histogramdd -----------------------------------------------------------------------------------------------------
PTS = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.5, 0.5]])


@pytest.mark.parametrize("kw", [dict(bins=[3, 3]), dict(bins=2, range=[0.0, 1.0, 0.0, 2.0], density=True),
                                dict(bins=[3, 2], weight=True), dict(bins="edges", weight=True),
                                dict(bins=[2, 4], density=True), dict(bins=2, const=True), dict(bins=2, empty=True),
                                dict(bins=[1, 2, 2], three=True)])
def test_histogramdd_matches_torch(kw):
    kw = dict(kw)
    pts = np.zeros((0, 2)) if kw.pop("empty", False) else np.zeros((4, 2)) if kw.pop("const", False) else PTS
    if kw.pop("three", False):
        pts = _rng.standard_normal((2, 10, 3))

    def run(L):
        args = dict(kw)
        if args.get("weight"):
            args["weight"] = L.tensor(np.arange(1.0, 1.0 + len(pts)), dtype=L.float32)
        if args["bins"] == "edges":
            args["bins"] = [L.tensor([0.0, 1.0, 2.0]), L.tensor([0.0, 3.0])]
        return L.histogramdd(L.tensor(pts, dtype=L.float32), **args)
    (hg, eg), (ht, et) = run(gg), run(torch)
    np.testing.assert_allclose(hg.numpy(), ht.numpy(), rtol=1e-6)
    assert hg.dtype == gg.float32 and len(eg) == len(et)
    for a, b in zip(eg, et):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_histogramdd_errors():
    x = gg.tensor(PTS)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        gg.histogramdd(x[0], 2)
    with pytest.raises(RuntimeError, match="size of bins must be equal"):
        gg.histogramdd(x, [2])
    with pytest.raises(NotImplementedError):
        gg.histogramdd(x.long(), 2)
    with pytest.raises(RuntimeError, match="range should have 4 elements, but got 2"):
        gg.histogramdd(x, 2, range=[0.0, 1.0])
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        gg.histogramdd(x, 0)
    with pytest.raises(RuntimeError, match="min should not exceed max"):
        gg.histogramdd(x, 2, range=[1.0, 0.0, 0.0, 1.0])
    with pytest.raises(RuntimeError, match="weight tensor"):
        gg.histogramdd(x, 2, weight=gg.ones(3))
    with pytest.raises(RuntimeError, match="same dtype"):
        gg.histogramdd(x, 2, weight=gg.ones(5, dtype=gg.float32))
    assert "histogramdd" in repr(gg.histogramdd(x, 2))


# -- Tensor.set_, is_set_to, resize_, resize_as_ -----------------------------------------------------------------------
def test_set_shares_memory_as_torch():
    for L in (gg, torch):
        a, b = L.arange(6.0), L.zeros(2)
        assert b.set_(a) is b and b.is_set_to(a) and a.is_set_to(b) and b.shape == (6,)
        b[0] = 100.0
        assert a[0].item() == 100.0
        c = L.zeros(3)
        c.set_()
        assert c.shape == (0,) and c.is_set_to(c) and not c.is_set_to(L.zeros(0))
        assert a.is_set_to(a[:]) and not a.is_set_to(a.view(2, 3)) and not a.is_set_to(a.clone())
        x = L.zeros(2, 3)
        y = L.zeros(4)
        y.set_(x[0])
        y[1] = 7.0
        assert x.tolist() == [[0.0, 7.0, 0.0], [0.0, 0.0, 0.0]]
        assert L.zeros(2).set_(a, 1, (2, 2)).tolist() == [[1.0, 2.0], [3.0, 4.0]]
        assert L.zeros(2).set_(a, 1, (2, 2), (1, 2)).tolist() == [[1.0, 3.0], [2.0, 4.0]]
        v = L.zeros(1)
        v.set_(a, 2, (2,))
        v[0] = -1.0
        assert a[2].item() == -1.0 and v.storage_offset() == 2


def test_set_errors_and_grad_rules():
    a = gg.arange(6.0)
    with pytest.raises(RuntimeError, match="Could not set tensor of type"):
        gg.zeros(2).set_(gg.zeros(2, dtype=gg.int64))
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        a.is_set_to(3)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        gg.zeros(2, requires_grad=True).set_(a)
    with pytest.raises(RuntimeError, match="set_"):
        gg.zeros(2).set_(gg.zeros(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="setStorage"):
        gg.zeros(1).set_(a, 4, (3,))
    with gg.no_grad():
        w = gg.zeros(2, requires_grad=True)
        w.set_(a)
    assert w.requires_grad and w.shape == (6,)
    v0 = a._version
    gg.zeros(1).set_(a)
    b = gg.zeros(1)
    b.set_(a)
    assert b._version == 1 and a._version == v0


def test_resize_as_torch():
    for L in (gg, torch):
        assert L.arange(6.0).resize_(2, 2).tolist() == [[0.0, 1.0], [2.0, 3.0]]
        assert L.arange(6.0).resize_((2, 2)).shape == (2, 2)
        x = L.arange(6.0)
        v = x[:3]
        x.resize_(2, 2)
        v[0] = 9.0                                          # a shrink keeps the memory
        assert x[0, 0].item() == 9.0
        t = L.arange(6.0).view(2, 3).t()
        t.resize_(3, 2)                                     # the same shape: nothing changes, strides kept
        assert t.stride() == (1, 3) and t.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
        t.resize_(2, 2)                                     # another: contiguous from the storage's start
        assert t.tolist() == [[0.0, 1.0], [2.0, 3.0]] and t.stride() == (2, 1)
        g = L.arange(3.0)
        g.resize_(2, 3)                                     # growing: the old elements first
        assert g[0].tolist() == [0.0, 1.0, 2.0] and g.shape == (2, 3)
        assert L.arange(6.0).resize_as_(L.zeros(2, 2, dtype=L.int64)).dtype == L.float32
        assert L.resize_as_(L.arange(6.0), L.zeros(3)).tolist() == [0.0, 1.0, 2.0]
        for fn in (lambda: L.zeros(2, requires_grad=True).resize_(2),
                   lambda: (L.zeros(2, requires_grad=True) * 1).resize_(3),
                   lambda: L.zeros(2, requires_grad=True).resize_as_(L.zeros(3))):
            with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
                fn()
        with L.no_grad():
            with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
                L.zeros(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="negative dimension"):
        gg.zeros(2).resize_(-1)
