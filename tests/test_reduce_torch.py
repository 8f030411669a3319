"""The reductions, scans, order statistics, searches and statistics of reduce_more, scan_more, order_stats, search
and stats against PyTorch (CPU): values, PyTorch's index choices among ties, NaN rules, integer dtypes, keyword
names, out=, errors, and the gradients at ties and zeros that finite differences (tests/op_table.py) cannot see."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

NAN = float("nan")


def _gg(v, device="cpu"):
    if isinstance(v, torch.Tensor):
        return gg.tensor(v.detach().numpy(), device=device)
    if isinstance(v, (tuple, list)) and v and isinstance(v[0], torch.Tensor):
        return type(v)(_gg(u, device) for u in v)
    return v


def _same(got, want, exact=True):
    """got (gpugrad) equals want (torch): tensors, tuples of them, numbers; dtypes and shapes too."""
    if isinstance(want, torch.Tensor):
        assert isinstance(got, gg.Tensor), type(got)
        w = want.detach().numpy()
        g = got.detach().cpu().numpy()
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        if exact:
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
        return
    assert isinstance(got, tuple) and len(got) == len(want), (got, want)
    if hasattr(want, "_fields"):
        assert got._fields == want._fields
    for g, w in zip(got, want):
        _same(g, w, exact)


def check(fn, *args, exact=True, device="cpu", **kwargs):
    """fn(ns, *args) in both libraries (torch tensors in args converted for gpugrad) gives the same result."""
    want = fn(torch, *args, **kwargs)
    got = fn(gg, *[_gg(a, device) for a in args], **{k: _gg(v, device) for k, v in kwargs.items()})
    _same(got, want, exact)


def _ties(shape, seed, high=3, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, high, shape, generator=g).to(dtype)


# -- names -----------------------------------------------------------------------------------------------------------
NAMES = ("all any aminmax count_nonzero nansum nanmean cumprod cummax cummin logcumsumexp median nanmedian mode "
         "kthvalue quantile nanquantile msort unique unique_consecutive bincount histc histogram diff cov corrcoef "
         "renorm dist").split()


@pytest.mark.parametrize("name", NAMES + ["trapezoid", "trapz", "cumulative_trapezoid", "searchsorted", "bucketize"])
def test_function_exists_where_torch_has_it(name):
    assert hasattr(torch, name) and hasattr(gg, name)


@pytest.mark.parametrize("name", NAMES + ["cumprod_", "cumsum_", "renorm_"])
def test_method_exists_where_torch_has_it(name):
    assert hasattr(torch.Tensor, name) and hasattr(gg.Tensor, name)


# -- index choices among ties (PyTorch's CPU kernels) ------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 16, 17, 40, 101])
def test_median_kthvalue_mode_pick_torchs_index_among_ties(n):
    x = _ties((6, n), n)
    check(lambda ns, a: ns.median(a, 1), x)
    check(lambda ns, a: a.nanmedian(-1, keepdim=True), x)
    check(lambda ns, a: ns.mode(a, 1), x)
    check(lambda ns, a: ns.mode(a.t(), 0), x)
    for k in sorted({1, (n + 1) // 2, n}):
        check(lambda ns, a: ns.kthvalue(a, k, 1), x)
        check(lambda ns, a: a.kthvalue(k, -1, True), _ties((3, n), n + 1, high=2))


@pytest.mark.parametrize("n", [5, 17, 64, 333])
def test_the_std_sort_replay_gives_torchs_unstable_sort_order(n):
    """quantile's ranks (and so its gradient among ties) come from this order: PyTorch's sort(stable=False)."""
    from gpugrad.ops.order_stats import _torch_sort_order
    x = _ties((4, n), n, high=4)
    x[0, ::3] = NAN
    np.testing.assert_array_equal(_torch_sort_order(np, x.numpy()), torch.sort(x).indices.numpy())


@pytest.mark.parametrize("high", [2, 5, 1000])
def test_mode_and_kthvalue_on_long_rows(high):
    x = _ties((3, 300), high, high=high)
    check(lambda ns, a: ns.mode(a), x)
    check(lambda ns, a: ns.kthvalue(a, 150), x)
    check(lambda ns, a: ns.mode(a.long()), x)
    check(lambda ns, a: ns.median(a.int(), 1), x)


def test_nan_rules_of_median_nanmedian_kthvalue_mode():
    x = torch.tensor([[1.0, NAN, 3.0, NAN, 0.0], [NAN, NAN, NAN, NAN, NAN], [2.0, 1.0, 2.0, 1.0, 5.0]])
    check(lambda ns, a: ns.median(a, 1), x)
    check(lambda ns, a: ns.nanmedian(a, 1), x)
    for n in (1, 2, 3, 4, 5, 8, 17, 33, 100):
        check(lambda ns, a: ns.nanmedian(a, 0), torch.full((n, 2), NAN))
    check(lambda ns, a: ns.kthvalue(a, 4, 1), x)
    check(lambda ns, a: ns.mode(a, 1), x)
    check(lambda ns, a: (ns.median(a), ns.nanmedian(a), ns.nanmedian(a[1]), ns.median(a[2])), x)
    check(lambda ns, a: (ns.median(a[:0]), ns.nanmedian(a[:0])), x)


def test_cummax_cummin_take_the_latest_index_and_propagate_nan():
    x = torch.tensor([[1.0, 3.0, 3.0, 2.0, 3.0, NAN, 4.0, NAN, 0.0], [0.0, 0.0, -1.0, -1.0, 5.0, 5.0, -1.0, 0.0, 0.0]])
    check(lambda ns, a: (ns.cummax(a, 1), ns.cummin(a, 1), a.cummax(0), a.cummin(-1)), x)
    check(lambda ns, a: (ns.cummax(a.long(), 1), ns.cummin(a > 0, 1)), x.nan_to_num())
    check(lambda ns, a, b: (ns.cummax(a, 0), ns.cummin(a, -1), ns.cummax(b, 1)), x[0, 0], x[:, :0])


# -- gradients at ties, zeros and NaN (PyTorch's conventions) -------------------------------------------------------
def _grads(fn, x):
    """fn's gradient for a random cotangent, in both libraries."""
    tx = x.clone().requires_grad_()
    gx = gg.tensor(x.numpy(), requires_grad=True)
    ty, gy = fn(torch, tx), fn(gg, gx)
    w = np.random.default_rng(3).standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    (gy * gg.tensor(w)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,fn", [
    ("median_all_ties", lambda ns, a: ns.median(a)),
    ("median_all_nan", lambda ns, a: ns.median(ns.where(a > 1, NAN * a, a))),
    ("nanmedian_all", lambda ns, a: ns.nanmedian(ns.where(a > 1, NAN * a, a))),
    ("median_dim", lambda ns, a: ns.median(a, 1).values),
    ("nanmedian_dim", lambda ns, a: ns.nanmedian(ns.where(a > 1, NAN * a, a), 0).values),
    ("kthvalue", lambda ns, a: ns.kthvalue(a, 3, 1).values),
    ("mode", lambda ns, a: ns.mode(a, 1).values),
    ("cummax", lambda ns, a: ns.cummax(a, 1).values),
    ("cummin", lambda ns, a: ns.cummin(a, 0).values),
    ("quantile_ties", lambda ns, a: ns.quantile(a, 0.35, 1)),
    ("aminmax", lambda ns, a: ns.aminmax(a, dim=1).max - ns.aminmax(a).min),
    ("msort", lambda ns, a: ns.msort(a)),
])
def test_gradients_at_ties_match_torch(name, fn):
    _grads(fn, _ties((4, 20), 5))
    _grads(fn, _ties((3, 7), 6))
    _grads(fn, _ties((2, 150), 7, high=20))


@pytest.mark.parametrize("seed", range(4))
def test_cumprod_gradient_with_zeros_matches_torch(seed):
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.standard_normal((5, 7)) * (rng.uniform(size=(5, 7)) > 0.35))
    _grads(lambda ns, a: ns.cumprod(a, 1), x)
    _grads(lambda ns, a: ns.cumprod(a, 0), x)


def test_logcumsumexp_is_stable_and_its_gradient_matches_torch():
    x = torch.tensor([[-1e4, 0.0, 1e4, 3.0, -float("inf")], [800.0, 800.0, -800.0, 1.0, 2.0]])
    check(lambda ns, a: ns.logcumsumexp(a, 1), x, exact=False)
    _grads(lambda ns, a: ns.logcumsumexp(a, 1), x[:, :4].double())
    check(lambda ns, a: ns.logcumsumexp(a, 0), x.float(), exact=False)


# -- quantile -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_quantile_matches_torch(interpolation, dtype):
    x = torch.tensor(np.random.default_rng(1).standard_normal((3, 4, 5))).to(dtype)
    x[0, 1, 2] = NAN
    q = torch.tensor([0.0, 0.1, 0.25, 0.5, 0.77, 1.0], dtype=dtype)
    for fn in (lambda ns, a, q: ns.quantile(a, q, interpolation=interpolation),
               lambda ns, a, q: ns.quantile(a, q, 1, keepdim=True, interpolation=interpolation),
               lambda ns, a, q: ns.nanquantile(a, q, -1, interpolation=interpolation),
               lambda ns, a, q: ns.nanquantile(a, q, None, True, interpolation=interpolation),
               lambda ns, a, q: a.quantile(0.3, 0, interpolation=interpolation),
               lambda ns, a, q: a.nanquantile(q[3], 2, interpolation=interpolation),
               lambda ns, a, q: ns.quantile(a[0, 0, 0], 0.5, 0, keepdim=True)):
        check(fn, x, q, exact=False)     # (PyTorch's lerp may fuse a multiply-add: the last bit can differ)
    check(lambda ns, a, q: ns.nanquantile(a, q), torch.full((4,), NAN, dtype=dtype), q)


# -- unique -------------------------------------------------------------------------------------------------------
def test_unique_matches_torch():
    x = torch.tensor([[3, 1, 2], [3, 1, 2], [0, 5, 1], [3, 0, 2]])
    for kw in ({}, dict(return_inverse=True), dict(return_counts=True), dict(return_inverse=True, return_counts=True),
               dict(sorted=False, return_inverse=True)):
        check(lambda ns, a: ns.unique(a, **kw), x)
        check(lambda ns, a: a.unique(dim=0, **kw), x)
        check(lambda ns, a: ns.unique(a, dim=1, **kw), x)
        check(lambda ns, a: ns.unique_consecutive(a, **{k: v for k, v in kw.items() if k != "sorted"}), x)
        check(lambda ns, a: a.unique_consecutive(dim=0, **{k: v for k, v in kw.items() if k != "sorted"}), x)
    check(lambda ns, a: ns.unique(a, return_counts=True), torch.tensor([1.0, NAN, NAN, 0.0, 1.0]))
    check(lambda ns, a: ns.unique_consecutive(a, return_counts=True), torch.tensor([1.0, NAN, NAN, 0.0, 0.0]))
    check(lambda ns, a: (ns.unique(a > 1), ns.unique(a[0, 0]), ns.unique(a[:0], return_inverse=True)), x)
    check(lambda ns, a: ns.unique(a, dim=0, return_counts=True), torch.zeros(0, 3))
    check(lambda ns, a: ns.unique(a, return_inverse=True), _ties((50,), 2, high=10))


# -- searching and counting -----------------------------------------------------------------------------------------
def test_searchsorted_and_bucketize_match_torch():
    seq = torch.tensor([1.0, 2.0, 2.0, 3.0, 5.0, NAN])
    v = torch.tensor([[0.0, 2.0, 2.5, 5.0, 6.0, NAN, 1.0]])
    for kw in ({}, dict(right=True), dict(side="right"), dict(side="left"), dict(out_int32=True)):
        check(lambda ns, s, a: ns.searchsorted(s, a, **kw), seq, v)
        check(lambda ns, s, a: ns.searchsorted(s, 2.0, **kw), seq, v)
        check(lambda ns, s, a: ns.bucketize(a, s[:5], **{k: w for k, w in kw.items() if k != "side"}), seq, v)
    rows = torch.sort(torch.tensor(np.random.default_rng(2).standard_normal((2, 3, 9)))).values
    vals = torch.tensor(np.random.default_rng(3).standard_normal((2, 3, 4)))
    check(lambda ns, s, a: (ns.searchsorted(s, a), ns.searchsorted(s, a, right=True)), rows, vals)
    perm = torch.tensor([4, 0, 3, 1, 2])
    check(lambda ns, s, p, a: ns.searchsorted(s, a, sorter=p), torch.tensor([3.0, 1.0, 5.0, 2.0, 0.0]), perm,
          torch.tensor([2.5, 0.0, 9.0]))
    check(lambda ns, s, a: ns.searchsorted(s, a), torch.tensor([1, 3, 5]), torch.tensor([[2, 3], [9, 0]]))
    check(lambda ns, s: (ns.searchsorted(s, 2.5), ns.searchsorted(s, 3, right=True), ns.bucketize(2.5, s)),
          torch.tensor([1, 3, 5]))
    check(lambda ns, s, a: ns.searchsorted(s, a), torch.zeros(0), torch.tensor([1.0]))


def test_bincount_matches_torch():
    x = torch.tensor([0, 3, 3, 1, 7])
    check(lambda ns, a: (ns.bincount(a), a.bincount(minlength=10), ns.bincount(a[:0]), ns.bincount(a[:0], None, 3)), x)
    for w in (torch.tensor([1.0, 2.0, 0.5, 1.0, 2.0]), torch.tensor([1, 2, 3, 4, 5]),
              torch.tensor([1.0, 2.0, 0.5, 1.0, 2.0], dtype=torch.float64)):
        check(lambda ns, a, w: ns.bincount(a, w), x, w)
        check(lambda ns, a, w: ns.bincount(a, weights=w, minlength=9), x, w)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_histc_and_histogram_match_torch(dtype):
    x = torch.tensor(np.random.default_rng(4).standard_normal(200) * 3).to(dtype)
    x[:5] = torch.tensor([0.0, 1.0, -1.0, 2.0, NAN])
    for args in ((), (10,), (4, 1, 1)):                     # the range of the data (which has no NaN)
        check(lambda ns, a: ns.histc(a[5:], *args), x)
    for args in ((7, -2, 2), (5, 0.0, 1.0), (3, -1, 1)):     # NaN and values outside are not counted
        check(lambda ns, a: ns.histc(a, *args), x)
    check(lambda ns, a: (ns.histc(a[:0], 3), a[5:7].histc(4)), x)
    check(lambda ns, a: ns.histc(a, bins=3, min=0, max=0), torch.full((4,), 2.0, dtype=dtype))
    w = torch.tensor(np.random.default_rng(5).uniform(size=200)).to(dtype)
    edges = torch.tensor([-3.0, -1.0, 0.0, 0.5, 4.0], dtype=dtype)
    for kw in ({}, dict(bins=7), dict(bins=6, range=(-2.0, 2.0)), dict(bins=edges), dict(bins=4, density=True),
               dict(bins=edges, density=True)):
        check(lambda ns, a, **k: ns.histogram(a[5:], **k), x, exact=False, **kw)
        check(lambda ns, a, w, **k: ns.histogram(a[5:], weight=w[5:], **k), x, w, exact=False, **kw)
        check(lambda ns, a, **k: a[5:].histogram(**k), x, exact=False, **kw)
    check(lambda ns, a: (ns.histogram(a[:0], 2), ns.histogram(a[1:2], 2)), x)


# -- the other reductions -------------------------------------------------------------------------------------------
def test_all_any_count_nonzero_aminmax_nansum_nanmean_match_torch():
    x = torch.tensor([[[1.0, 0.0, NAN], [2.0, 2.0, 0.0]], [[0.0, 0.0, 0.0], [1.0, -1.0, 3.0]]])
    for d in (None, 0, -1, (0, 2), (1,), ()):
        kw = {} if d is None else dict(dim=d)
        check(lambda ns, a: (ns.all(a, **kw), ns.any(a, **kw), a.all(**kw), a.any(**kw)), x)
        check(lambda ns, a: (ns.all(a.to(ns.uint8), **kw), ns.any(a > 1, **kw, keepdim=True)), x)
        if d != ():
            check(lambda ns, a: (ns.count_nonzero(a, **kw), a.count_nonzero(**kw)), x)
        check(lambda ns, a: (ns.nansum(a, **kw), ns.nanmean(a, **kw), a.nansum(**kw, keepdim=True)), x, exact=False)
    check(lambda ns, a: (ns.nansum(a.long()), ns.nansum(a, dtype=ns.float64), ns.nansum(a > 0, 0)), x.nan_to_num())
    for d in (0, 1, -1):
        check(lambda ns, a: (ns.aminmax(a, dim=d), a.aminmax(dim=d, keepdim=True)), x.nan_to_num())
    check(lambda ns, a: (ns.aminmax(a), ns.aminmax(a[0, 0, 0]), ns.aminmax(a.long(), dim=1)), x.nan_to_num())


def test_dist_renorm_diff_trapezoid_cov_corrcoef_match_torch():
    rng = np.random.default_rng(6)
    x, y = torch.tensor(rng.standard_normal((3, 4))), torch.tensor(rng.standard_normal((4,)))
    for p in (0, 1, 2, 3.5, float("inf")):
        check(lambda ns, a, b: (ns.dist(a, b, p), a.dist(b, p=p)), x, y, exact=False)
    check(lambda ns, a: (ns.renorm(a, 2, 0, 1.0), a.renorm(1, 1, 0.5), ns.renorm(a, float("inf"), -1, 1.0)), x,
          exact=False)
    b = torch.tensor([[True, False, False], [True, True, False]])
    check(lambda ns, a, b: (ns.diff(a), ns.diff(a, 2, 0), a.diff(n=5), ns.diff(a, 0), ns.diff(b), ns.diff(b, dim=0),
                            ns.diff(a, 1, 0, prepend=a[:1], append=a)), x, b, exact=False)
    check(lambda ns, a: ns.diff(a.long(), append=a.long()), x)
    t = torch.tensor([0.0, 0.5, 2.0, 3.0])
    check(lambda ns, a, t: (ns.trapezoid(a), ns.trapezoid(a, t), ns.trapezoid(a, dx=0.3, dim=0), ns.trapz(a, t),
                            ns.trapz(a, dx=2.0), ns.cumulative_trapezoid(a, t), ns.cumulative_trapezoid(a, dim=0),
                            ns.trapezoid(a.long()), ns.cumulative_trapezoid(a[:, :0])), x, t, exact=False)
    fw, aw = torch.tensor([1, 2, 0, 3]), torch.tensor([0.5, 1.0, 2.0, 0.1], dtype=torch.float64)
    for kw in ({}, dict(correction=0), dict(fweights=fw), dict(aweights=aw), dict(fweights=fw, aweights=aw, correction=3)):
        check(lambda ns, a, **k: (ns.cov(a, **k), a.cov(**k), ns.cov(a[0], **k)), x, exact=False, **kw)
    check(lambda ns, a: (ns.corrcoef(a), a.corrcoef(), ns.corrcoef(a[0]), ns.cov(a.long())), x, exact=False)


# -- out=, in place, not recorded ------------------------------------------------------------------------------------
def test_out_and_inplace_scans():
    x = torch.tensor([[1.0, 2.0, 0.5], [3.0, 0.0, 2.0]])
    gx = gg.tensor(x.numpy())
    out = gg.empty(0)
    assert gg.cumprod(gx, 1, out=out) is out
    _same(out, torch.cumprod(x, 1))
    vals, idx = gg.empty(0), gg.empty(0, dtype=gg.int64)
    gg.median(gx, 1, out=(vals, idx))
    _same((vals, idx), tuple(torch.median(x, 1)))
    out = gg.empty(0)
    gg.quantile(gx, 0.5, 0, out=out)
    _same(out, torch.quantile(x, 0.5, 0))
    y, ty = gx.clone(), x.clone()
    y.cumsum_(1).cumprod_(0)
    ty.cumsum_(1).cumprod_(0)
    _same(y, ty)
    leaf = gg.tensor(x.numpy(), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.cumsum_(0)
    a = leaf * 1.0
    v = a._version
    a.cumprod_(1)
    assert a._version == v + 1
    a.sum().backward()
    tl = x.clone().requires_grad_()
    (tl * 1.0).cumprod_(1).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), tl.grad.numpy())


def test_non_differentiable_results_are_not_recorded():
    x = gg.tensor([[0.5, 1.0, 1.0], [2.0, 0.0, 1.5]], requires_grad=True)
    results = [gg.count_nonzero(x), gg.histc(x, 3), gg.histogram(x, 2).hist, gg.searchsorted(x, x),
               gg.bucketize(x, gg.tensor([1.0])), gg.unique(x), gg.median(x, 1).indices, gg.all(x), gg.any(x, 1)]
    results += list(gg.unique(x, return_inverse=True, return_counts=True))
    assert not any(r.requires_grad for r in results)
    assert gg.median(x).requires_grad and gg.mode(x).values.requires_grad


# -- errors: PyTorch's exception classes --------------------------------------------------------------------------
BAD = {
    "kthvalue_k_too_large": lambda ns, a: ns.kthvalue(a, 9),
    "kthvalue_k_zero": lambda ns, a: ns.kthvalue(a, 0, 0),
    "median_empty_dim": lambda ns, a: ns.median(a[:, :0], 1),
    "mode_empty_dim": lambda ns, a: ns.mode(a[:0], 0),
    "median_bad_dim": lambda ns, a: ns.median(a, 2),
    "quantile_q_range": lambda ns, a: ns.quantile(a, 1.5),
    "quantile_q_tensor_range": lambda ns, a: ns.quantile(a, a[0, :2] * 0 - 1),
    "quantile_q_dtype": lambda ns, a: ns.quantile(a, a[0, :2].float()),
    "quantile_q_2d": lambda ns, a: ns.quantile(a, a[:, :1] * 0),
    "quantile_empty": lambda ns, a: ns.quantile(a[:0], 0.5),
    "quantile_int": lambda ns, a: ns.quantile(a.long(), 0.5),
    "quantile_interpolation": lambda ns, a: ns.quantile(a, 0.5, interpolation="cubic"),
    "nanmean_int": lambda ns, a: ns.nanmean(a.long()),
    "aminmax_empty": lambda ns, a: ns.aminmax(a[:0]),
    "logcumsumexp_int": lambda ns, a: ns.logcumsumexp(a.long(), 0),
    "bincount_negative": lambda ns, a: ns.bincount(a[0].long() - 5),
    "bincount_2d": lambda ns, a: ns.bincount(a.long()),
    "bincount_float": lambda ns, a: ns.bincount(a[0]),
    "bincount_weights_length": lambda ns, a: ns.bincount(a[0].long(), a[1, :2]),
    "histc_int": lambda ns, a: ns.histc(a.long()),
    "histc_min_above_max": lambda ns, a: ns.histc(a, 3, 2, 1),
    "histc_range_of_nan_data": lambda ns, a: ns.histc(a / 0 * 0),
    "histogram_range_of_inf_data": lambda ns, a: ns.histogram(a / 0),
    "searchsorted_side_conflict": lambda ns, a: ns.searchsorted(a[0], a[0], right=True, side="left"),
    "searchsorted_leading_dims": lambda ns, a: ns.searchsorted(a, a[:1]),
    "searchsorted_scalar_nd": lambda ns, a: ns.searchsorted(a, 1.0),
    "diff_0d": lambda ns, a: ns.diff(a[0, 0]),
    "diff_prepend_dims": lambda ns, a: ns.diff(a, prepend=a[0]),
    "renorm_1d": lambda ns, a: ns.renorm(a[0], 2, 0, 1.0),
    "cov_3d": lambda ns, a: ns.cov(a[None]),
    "cov_float_fweights": lambda ns, a: ns.cov(a, fweights=a[0]),
    "cov_negative_aweights": lambda ns, a: ns.cov(a, aweights=-a[0] - 10),
    "trapezoid_x_length": lambda ns, a: ns.trapezoid(a, a[0, :2]),
    "unique_zero_size_other_dim": lambda ns, a: ns.unique(a[:, :0], dim=0),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_errors_are_torchs_exception_classes(name):
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 1.0]])
    with pytest.raises(Exception) as want:
        BAD[name](torch, x)
    with pytest.raises(Exception) as got:
        BAD[name](gg, _gg(x))
    assert isinstance(got.value, type(want.value)), (got.value, want.value)


# -- every device: the same results as on the CPU (no NumPy on device data, no host arrays meeting device ones) ------
DEVICE_CALLS = {
    "searchsorted": lambda a, s: (gg.searchsorted(s, a), gg.searchsorted(s[None].expand(3, 5).contiguous(), a[:, :2],
                                                                         right=True), gg.bucketize(a, s)),
    "histc_histogram": lambda a, s: (gg.histc(a, 4, -1, 1), gg.histc(a, 3), gg.histogram(a, 3),
                                     gg.histogram(a, s, weight=a.abs(), density=True)),
    "bincount": lambda a, s: (gg.bincount((a.abs() * 3).long().flatten(), minlength=7),
                              gg.bincount((a.abs() * 3).long().flatten(), a.flatten())),
    "unique": lambda a, s: (gg.unique(a.round(), return_inverse=True, return_counts=True),
                            gg.unique(a.round(), dim=1), gg.unique_consecutive(a.round(), return_counts=True)),
    "order_stats": lambda a, s: (gg.median(a), gg.median(a, 1), gg.nanmedian(a, 0), gg.kthvalue(a, 2), gg.mode(a.round()),
                                 gg.quantile(a, gg.tensor([0.2, 0.9], dtype=a.dtype, device=a.device)),
                                 gg.nanquantile(a, 0.4, 0, interpolation="nearest"), gg.msort(a)),
    "scans": lambda a, s: (gg.cumprod(a, 1), gg.cummax(a, 1), gg.cummin(a, 0), gg.logcumsumexp(a, 1), gg.diff(a, 2),
                           gg.trapezoid(a, s), gg.cumulative_trapezoid(a, dx=0.5)),
    "reductions": lambda a, s: (gg.all(a > -2, (0, 1)), gg.any(a > 1, 1), gg.count_nonzero(a.round(), 0), gg.aminmax(a),
                                gg.nansum(a), gg.nanmean(a, 1), gg.dist(a, s), gg.renorm(a, 2, 0, 1.0), gg.cov(a),
                                gg.corrcoef(a)),
}


def _flat(r):
    return [r] if isinstance(r, gg.Tensor) else [u for v in r for u in _flat(v)]


@pytest.mark.parametrize("name", sorted(DEVICE_CALLS))
def test_results_on_every_device_equal_the_cpus(name, device):
    a = np.random.default_rng(9).standard_normal((3, 5))
    s = np.sort(np.random.default_rng(10).standard_normal(5))
    want = _flat(DEVICE_CALLS[name](gg.tensor(a), gg.tensor(s)))
    got = _flat(DEVICE_CALLS[name](gg.tensor(a, device=device), gg.tensor(s, device=device)))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g.cpu().numpy(), w.numpy(), rtol=1e-12, atol=1e-12)
