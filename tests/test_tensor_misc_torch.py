"""Tensor odds and ends, the 2-D/3-D and lazy normalization layers, LocalResponseNorm and gumbel_softmax
against PyTorch (the differentiable ones are also in tests/op_table.py)."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")


def _same(a, b, **kw):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **kw)


def _both(fn, *arrays):
    return fn(gg, *[gg.tensor(a) for a in arrays]), fn(torch, *[torch.tensor(a) for a in arrays])


def _raises_like(g, t):
    with pytest.raises(Exception) as te:
        t()
    with pytest.raises(type(te.value)):
        g()


@pytest.mark.parametrize("name,args,kwargs", [
    ("multiply_", (2.0,), {}), ("divide_", (4.0,), {"rounding_mode": "floor"}), ("subtract_", (1.0,), {"alpha": 3}),
    ("fill_diagonal_", (7.0,), {}), ("fill_diagonal_", (7.0,), {"wrap": True}), ("resize_", (2, 2), {}),
    ("resize_", ((3, 5),), {}), ("sum_to_size", (1, 3), {}), ("sum_to_size", ((3,),), {}),
    ("as_strided", ((2, 2), (1, 3), 2), {}), ("as_strided", ((4,), (0,)), {}), ("as_strided_", ((2,), (5,)), {}),
    ("nonzero_static", (), {"size": 20}), ("nonzero_static", (), {"size": 2, "fill_value": 9}),
    ("angle", (), {}), ("conj", (), {}), ("conj_physical", (), {}), ("resolve_neg", (), {}),
    ("unsafe_chunk", (2,), {}), ("unsafe_split", (2, 1), {}),
])
def test_methods_match_torch(name, args, kwargs):
    x = np.array([[1.0, -2.0, 0.0], [3.0, 0.0, -4.0], [5.0, 6.0, 0.0], [0.0, 1.0, 2.0], [1.0, 1.0, 1.0]])
    g, t = _both(lambda ns, a: getattr(a, name)(*args, **kwargs), x)
    for go, to in zip(g if isinstance(g, tuple) else [g], t if isinstance(t, tuple) else [t]):
        assert tuple(go.shape) == tuple(to.shape)
        if name != "resize_" or go.numel() <= x.size:      # (resize_'s new elements are uninitialized)
            _same(go, to)


def test_views_share_memory_and_flags():
    x = gg.arange(6.0)
    v = x[1:].as_strided((2,), (2,))
    v.mul_(10)                                      # writes reach the base, as in PyTorch
    tx = torch.arange(6.0)
    tx[1:].as_strided((2,), (2,)).mul_(10)
    _same(x, tx)
    assert x.real is x and x.layout is gg.strided and x.name is None
    for flag in ("is_sparse", "is_quantized", "is_meta", "is_mkldnn", "is_xpu", "is_mps", "is_nested"):
        assert getattr(x, flag) is getattr(tx, flag)
    assert (x.is_conj(), x.is_neg(), gg.is_conj(x)) == (tx.is_conj(), tx.is_neg(), torch.is_conj(tx))
    for shape, perm in (((2, 3, 4), (2, 0, 1)), ((1, 3, 1), (1, 0, 2)), ((2, 2), (1, 0))):
        assert gg.zeros(*shape).permute(*perm).dim_order() == torch.zeros(*shape).permute(*perm).dim_order()
    _raises_like(lambda: gg.zeros(2).dim_order(ambiguity_check="x"), lambda: torch.zeros(2).dim_order(ambiguity_check="x"))
    for shape, perm, check in (((1, 2, 3), (0, 1, 2), True), ((2, 3), (1, 0), True), ((2, 1, 3), (0, 1, 2), ["cf"]),
                               ((1, 2, 3, 4), (0, 1, 2, 3), ["cf", "cl"]), ((2, 3, 4, 5), (0, 2, 3, 1), ["cl"])):
        got = []
        for ns in (gg, torch):
            fmts = {"cf": ns.contiguous_format, "cl": ns.channels_last}
            c = check if check is True else [fmts[f] for f in check]
            try:
                got.append(ns.zeros(*shape).permute(*perm).dim_order(ambiguity_check=c))
            except RuntimeError as e:
                got.append(str(e))
        assert got[0] == got[1], (shape, perm, check, got)
    assert gg.zeros(2, 3).new_empty_strided((2, 3), (1, 2)).stride() == (1, 2)


def test_as_strided_scatter_values_and_grad_through_inplace():
    a, b = np.arange(12.0).reshape(3, 4), -np.arange(4.0).reshape(2, 2)
    g, t = _both(lambda ns, x, s: ns.as_strided_scatter(x, s, (2, 2), (1, 2), 1), a, b)
    _same(g, t)
    g, t = _both(lambda ns, x, s: ns.as_strided_scatter(x.t(), s, (2, 2), (1, 3)), a, b)
    _same(g, t)
    # an in-place op through an as_strided view of a non-leaf reaches the base's gradient
    res = []
    for ns in (gg, torch):
        x = ns.tensor(a, requires_grad=True)
        y = x * 1
        y.as_strided((2, 2), (1, 2), 1).mul_(3)
        (y * ns.tensor(a)).sum().backward()
        res.append(x.grad)
    _same(*res)


def test_igamma_values_edges_and_errors():
    a = np.array([0.0, 0.0, 1.0, -1.0, 1.0, 2.0, np.inf, 1.0, 0.5, 30.0, 3.0])
    x = np.array([1.0, 0.0, 0.0, 1.0, -1.0, np.inf, 1.0, np.nan, 1e-3, 1.0, 40.0])
    for name in ("igamma", "igammac"):
        g, t = _both(lambda ns, p, q: getattr(ns, name)(p, q), a, x)
        _same(g, t, rtol=1e-10, atol=1e-300)
        g, t = _both(lambda ns, p, q: getattr(ns.special, "gammainc" if name == "igamma" else "gammaincc")(p, q),
                     a.astype(np.float32), x.astype(np.float32))
        assert g.dtype == gg.float32
        _same(g, t, rtol=1e-5, atol=1e-30)
    _raises_like(lambda: gg.igamma(gg.tensor([1]), gg.tensor([1])), lambda: torch.igamma(torch.tensor([1]),
                                                                                           torch.tensor([1])))
    _raises_like(lambda: gg.igamma(gg.tensor([1.0]), 2.0), lambda: torch.igamma(torch.tensor([1.0]), 2.0))
    for ns in (gg, torch):
        p = ns.tensor([1.5], requires_grad=True)
        with pytest.raises(NotImplementedError):
            ns.igamma(p, ns.tensor([0.5])).sum().backward()
    y, ty = gg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    _same(y.igammac_(gg.tensor([0.5, 3.0])), ty.igammac_(torch.tensor([0.5, 3.0])))


def test_real_tensor_complex_api_errors():
    x, tx = gg.ones(2), torch.ones(2)
    _raises_like(lambda: x.imag, lambda: tx.imag)
    _raises_like(lambda: gg.imag(x), lambda: torch.imag(tx))
    _raises_like(lambda: gg.zeros(2, 3, 4).fill_diagonal_(1), lambda: torch.zeros(2, 3, 4).fill_diagonal_(1))
    _raises_like(lambda: gg.zeros(3).fill_diagonal_(1), lambda: torch.zeros(3).fill_diagonal_(1))
    _raises_like(lambda: gg.ones(2, 3).sum_to_size(2), lambda: torch.ones(2, 3).sum_to_size(2))
    _raises_like(lambda: gg.ones(2, requires_grad=True).resize_(3), lambda: torch.ones(2, requires_grad=True).resize_(3))
    _raises_like(lambda: gg.arange(4.0).as_strided((3,), (2,)), lambda: torch.arange(4.0).as_strided((3,), (2,)))
    for ns in (gg, torch):                      # angle of ints and bools is float; its gradient is zero
        assert str(ns.angle(ns.tensor([1, -1])).dtype).split(".")[-1] == "float32"
    assert gg.angle(gg.tensor([np.nan, -0.0])).isnan().tolist() == torch.angle(torch.tensor([np.nan, -0.0])).isnan().tolist()


@pytest.mark.parametrize("name,shape,kw", [
    ("BatchNorm2d", (4, 3, 2, 2), {}), ("BatchNorm3d", (2, 3, 2, 1, 2), {"momentum": None}),
    ("InstanceNorm2d", (2, 3, 2, 3), {"affine": True, "track_running_stats": True}),
    ("InstanceNorm3d", (3, 2, 2, 2), {}), ("LazyBatchNorm1d", (4, 3), {}), ("LazyBatchNorm2d", (2, 3, 2, 2), {}),
    ("LazyBatchNorm3d", (2, 3, 1, 2, 2), {}), ("LazyInstanceNorm1d", (2, 3, 4), {}),
    ("LazyInstanceNorm2d", (2, 3, 2, 2), {}), ("LazyInstanceNorm3d", (2, 3, 1, 2, 2), {}),
    ("LocalResponseNorm", (2, 5, 3), {"size": 3, "alpha": 0.3}),
])
def test_norm_layers_match_torch(name, shape, kw):
    x = np.random.default_rng(0).normal(size=shape)
    args = () if "Lazy" in name or name == "LocalResponseNorm" else (shape[1] if len(shape) > 3 or "Batch" in name
                                                                     else shape[0],)
    gm, tm = getattr(gg.nn, name)(*args, **kw).double(), getattr(torch.nn, name)(*args, **kw).double()
    assert repr(gm) == repr(tm)
    for train in (True, False):
        gm.train(train), tm.train(train)
        gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        gy, ty = gm(gx), tm(tx)
        _same(gy, ty, rtol=1e-6, atol=1e-8)
        (gy * gg.tensor(x)).sum().backward(), (ty * torch.tensor(x)).sum().backward()
        _same(gx.grad, tx.grad, rtol=1e-6, atol=1e-8)
    assert type(gm).__name__ == type(tm).__name__
    assert sorted(gm.state_dict()) == sorted(tm.state_dict())
    for k, v in tm.state_dict().items():
        _same(gm.state_dict()[k], v, rtol=1e-6, atol=1e-8)
    _raises_like(lambda: gm(gg.ones(3)), lambda: tm(torch.ones(3)))


def test_gumbel_softmax_and_container():
    gg.manual_seed(0)
    x = gg.tensor([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]], requires_grad=True)
    y = gg.nn.functional.gumbel_softmax(x, tau=0.5, hard=True)
    assert y.sum(1).tolist() == [1.0, 1.0] and set(y.detach().view(-1).tolist()) <= {0.0, 1.0}
    (y * gg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    assert x.grad is not None and np.allclose(x.grad.sum(1).numpy(), 0, atol=1e-5)     # straight-through: the soft grad
    soft = gg.nn.functional.gumbel_softmax(gg.zeros(3, 4), dim=0)
    np.testing.assert_allclose(soft.sum(0).numpy(), np.ones(4), rtol=1e-6)
    with pytest.warns(FutureWarning):
        tc = torch.nn.Container(a=torch.nn.Linear(1, 1))
    with pytest.warns(FutureWarning):
        gc = gg.nn.Container(a=gg.nn.Linear(1, 1))
    assert [n for n, _ in gc.named_children()] == [n for n, _ in tc.named_children()]


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                  "kaiser_window"])
def test_windows_match_torch(name):
    for n in (0, 1, 2, 5):
        for periodic in (True, False):
            _same(getattr(gg, name)(n, periodic), getattr(torch, name)(n, periodic), rtol=1e-5, atol=1e-6)
    g = getattr(gg, name)(4, dtype=gg.float64, requires_grad=True)
    t = getattr(torch, name)(4, dtype=torch.float64, requires_grad=True)
    assert (str(g.dtype), g.requires_grad) == (str(t.dtype).replace("torch.", "gpugrad."), t.requires_grad)
    _raises_like(lambda: getattr(gg, name)(-1), lambda: getattr(torch, name)(-1))
    _raises_like(lambda: getattr(gg, name)(3, dtype=gg.int64), lambda: getattr(torch, name)(3, dtype=torch.int64))


def test_native_toplevel_forms_match_torch():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    w, b, lbl = rng.uniform(0.5, 1.5, 3), rng.normal(size=3), np.array([1.0, -1.0, 1.0, -1.0])
    cases = [
        lambda ns, a, c: ns.exp_(a.clone()) + ns.clamp_(a.clone(), -0.5, 0.5) + ns.zero_(a.clone()),
        lambda ns, a, c: ns.rsub(a, c, alpha=2) + ns.rsub(a, 1.5, 3),
        lambda ns, a, c: ns.batch_norm(a, ns.tensor(w), ns.tensor(b), None, None, True, 0.1, 1e-5, False),
        lambda ns, a, c: ns.instance_norm(a[None], None, None, None, None, True, 0.1, 1e-5, False),
        lambda ns, a, c: ns.layer_norm(a, (3,), ns.tensor(w)) + ns.group_norm(a, 3) + ns.rms_norm(a, [3]),
        lambda ns, a, c: ns.dropout(a, 0.5, False) + ns.alpha_dropout(a, 0.3, False),
        lambda ns, a, c: ns.kl_div(a, c.exp(), 2) + ns.kl_div(a, c, reduction=0, log_target=True).sum(),
        lambda ns, a, c: ns.cosine_embedding_loss(a, c, ns.tensor(lbl), 0.1, 0)
        + ns.margin_ranking_loss(a[:, 0], c[:, 0], ns.tensor(lbl), 0.2, 2),
        lambda ns, a, c: ns.triplet_margin_loss(a, c, a * 2, 1.0, 2, 1e-6, True, 1)
        + ns.binary_cross_entropy_with_logits(a, c.sigmoid(), None, ns.tensor(w), 2)
        + ns.poisson_nll_loss(a, c.abs(), True, True, 1e-8, 1),
        lambda ns, a, c: ns.cosine_embedding_loss(a, c, ns.tensor(lbl)) + ns.hinge_embedding_loss(a[:, 0], ns.tensor(lbl))
        + ns.kl_div(a, c)[:, 0],
        lambda ns, a, c: ns.scalar_tensor(3) * ns.is_signed(a) + ns.detach(a) + ns.fill(a, 2.0),
    ]
    for fn in cases:
        g, t = _both(fn, x, y)
        _same(g, t, rtol=1e-6, atol=1e-9)


def test_lazy_norm_loaded_then_called_and_copied():
    x = np.random.default_rng(2).normal(size=(4, 3))
    outs = []
    for ns in (gg, torch):
        src = ns.nn.BatchNorm1d(3).double()
        with ns.no_grad():
            src.running_mean.fill_(0.5)
        m = ns.nn.LazyBatchNorm1d().double()
        m.load_state_dict(src.state_dict())
        outs.append(m.eval()(ns.tensor(x)))
    _same(*outs)
    import copy
    m = copy.deepcopy(gg.nn.LazyBatchNorm2d())
    m(gg.randn(2, 3, 2, 2))
    assert type(m.running_mean) is gg.Tensor and isinstance(m.weight, gg.nn.Parameter)
