"""bernoulli, multinomial, poisson, randint_like, logspace, range and the in-place samplers random_, cauchy_,
geometric_, log_normal_ against PyTorch (the oracle). The generators differ (a documented difference), so the
samples are compared as distributions: large samples of both libraries, fixed seeds, two-sample
Kolmogorov-Smirnov distances and means within a few standard errors; the arguments' errors by class."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg
from torch_oracle import same_outcome

torch = pytest.importorskip("torch")

N = 100_000


@pytest.fixture(autouse=True)
def _seeds():
    gg.manual_seed(1234)
    torch.manual_seed(1234)


def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _ks(a, b):
    """The two-sample Kolmogorov-Smirnov distance: the largest gap between the empirical CDFs."""
    a, b = np.sort(np.ravel(a)).astype(np.float64), np.sort(np.ravel(b)).astype(np.float64)
    x = np.concatenate([a, b])
    return np.abs(np.searchsorted(a, x, "right") / a.size - np.searchsorted(b, x, "right") / b.size).max()


def _same_distribution(g, t):
    """g and t (samples of gpugrad and PyTorch) look like one distribution: KS distance below the 0.1% critical
    value (1.95 sqrt(2/n)), and, where the variance is finite, means within 5 standard errors."""
    g, t = _np(g).astype(np.float64).ravel(), _np(t).astype(np.float64).ravel()
    assert _ks(g, t) < 1.95 * np.sqrt((g.size + t.size) / (g.size * t.size)), _ks(g, t)
    return g, t


def _same_mean(g, t):
    se = np.sqrt(g.var() / g.size + t.var() / t.size)
    assert abs(g.mean() - t.mean()) < 5 * se + 1e-12, (g.mean(), t.mean(), se)



# -- in-place samplers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,args", [
    ("float32", ()), ("float32", (10,)), ("float32", (3, 10)), ("float32", (-3, 0)), ("float64", (5, None)),
    ("float16", ()), ("int64", (100,)), ("int64", (-50, 50)), ("int32", (0, 7)), ("uint8", ()), ("int8", ()),
    ("int16", (-5, 5)), ("bool", ()), ("uint8", (250, None))])
def test_random_matches_torch_distribution(dtype, args):
    g = gg.empty(N, dtype=getattr(gg, dtype)).random_(*args)
    t = torch.empty(N, dtype=getattr(torch, dtype)).random_(*args)
    assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")
    gs, ts = _same_distribution(g, t)
    assert gs.min() >= ts.min() - 0.05 * abs(ts.min()) - 1 and gs.max() <= ts.max() * 1.05 + 1
    _same_mean(gs, ts)


def test_random_full_int64_range_and_keywords():
    g = gg.empty(N, dtype=gg.int64).random_()
    t = torch.empty(N, dtype=torch.int64).random_()
    _same_distribution(g.double() / 2 ** 63, t.double() / 2 ** 63)
    g = gg.empty(N).random_(**{"from": 2, "to": 6})
    t = torch.empty(N).random_(**{"from": 2, "to": 6})
    assert sorted(set(g.tolist())) == sorted(set(t.tolist()))
    g = gg.empty(N).random_(to=4)
    assert sorted(set(g.tolist())) == sorted(set(torch.empty(N).random_(to=4).tolist()))


@pytest.mark.parametrize("dtype,args", [
    ("float32", (10, 3)), ("float32", (0,)), ("float32", (5, 5)), ("uint8", (-1, 3)), ("int8", (0, 200)),
    ("uint8", (0, 257)), ("int8", (-129, 0)), ("bool", (0, 3)), ("float16", (0, 70000)), ("uint8", (300, None))])
def test_random_errors_match_torch(dtype, args):
    same_outcome(lambda L: L.zeros(3, dtype=getattr(L, dtype)).random_(*args))


def test_random_warns_beyond_exact_float_integers_as_torch():
    for lib in (gg, torch):
        with pytest.warns(UserWarning, match="out of bounds"):
            lib.zeros(3, dtype=lib.float16).random_(0, 3000)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lib.zeros(3, dtype=lib.float16).random_(0, 2048)


def test_inplace_samplers_refuse_a_leaf_that_requires_grad_and_bump_the_version():
    for op in (lambda x: x.random_(), lambda x: x.cauchy_(), lambda x: x.log_normal_(), lambda x: x.geometric_(0.5)):
        same_outcome(lambda L: op(L.zeros(3, requires_grad=True)))
        x = gg.zeros(3)
        v = x._version
        assert op(x) is x and x._version > v


@pytest.mark.parametrize("median,sigma", [(0.0, 1.0), (2.0, 0.5)])
def test_cauchy_matches_torch_distribution(median, sigma):
    g = gg.empty(N).cauchy_(median, sigma)
    t = torch.empty(N).cauchy_(median, sigma)
    _same_distribution(g, t)          # (no mean: the Cauchy distribution has none)


@pytest.mark.parametrize("mean,std,dtype", [(1.0, 2.0, "float32"), (0.0, 0.25, "float64")])
def test_log_normal_matches_torch_distribution(mean, std, dtype):
    g = gg.empty(N, dtype=getattr(gg, dtype)).log_normal_(mean, std)
    t = torch.empty(N, dtype=getattr(torch, dtype)).log_normal_(mean, std)
    gs, ts = _same_distribution(g, t)
    _same_mean(np.log(gs), np.log(ts))


@pytest.mark.parametrize("p,dtype", [(0.3, "float32"), (0.9, "int64"), (0.01, "float64"), (0.5, "uint8")])
def test_geometric_matches_torch_distribution(p, dtype):
    g = gg.empty(N, dtype=getattr(gg, dtype)).geometric_(p)
    t = torch.empty(N, dtype=getattr(torch, dtype)).geometric_(p)
    gs, ts = _same_distribution(g, t)
    assert gs.min() == ts.min() == 1
    _same_mean(gs, ts)


@pytest.mark.parametrize("call", [
    lambda L: L.zeros(3).cauchy_(1.0, 0.0), lambda L: L.zeros(3).cauchy_(1.0, -1.0),
    lambda L: L.zeros(3, dtype=L.int64).cauchy_(), lambda L: L.zeros(3).geometric_(0),
    lambda L: L.zeros(3).geometric_(1),
    lambda L: L.zeros(3).geometric_(1.5), lambda L: L.zeros(3, dtype=L.bool).geometric_(0.5),
    lambda L: L.zeros(3).log_normal_(1, 0), lambda L: L.zeros(3).log_normal_(1, -1),
    lambda L: L.zeros(3, dtype=L.int64).log_normal_()])
def test_sampler_errors_match_torch(call):
    same_outcome(call)


def test_inplace_samplers_honour_generator():
    for op in (lambda x, g: x.random_(0, 1000, generator=g), lambda x, g: x.cauchy_(generator=g),
               lambda x, g: x.log_normal_(generator=g), lambda x, g: x.geometric_(0.2, generator=g)):
        a = op(gg.empty(50), gg.Generator().manual_seed(5))
        b = op(gg.empty(50), gg.Generator().manual_seed(5))
        c = op(gg.empty(50), gg.Generator().manual_seed(6))
        assert gg.equal(a, b) and not gg.equal(a, c)


def test_samplers_follow_manual_seed(device):
    for make in (lambda: gg.empty(20, device=device).random_(0, 10 ** 6),
                 lambda: gg.empty(20, device=device).cauchy_(), lambda: gg.empty(20, device=device).log_normal_(),
                 lambda: gg.empty(20, device=device).geometric_(0.1),
                 lambda: gg.bernoulli(gg.full((20,), 0.5, device=device)),
                 lambda: gg.poisson(gg.full((20,), 3.0, device=device)),
                 lambda: gg.multinomial(gg.ones(3, 20, device=device), 5),
                 lambda: gg.multinomial(gg.ones(3, 20, device=device), 5, True),
                 lambda: gg.randint_like(gg.zeros(20, device=device), 10 ** 6)):
        gg.manual_seed(3)
        a = make().cpu().tolist()
        gg.manual_seed(3)
        assert make().cpu().tolist() == a


# -- bernoulli, poisson -----------------------------------------------------------------------------------------
def test_bernoulli_matches_torch():
    probs = np.linspace(0, 1, 11)
    gp, tp = gg.tensor(np.tile(probs, N // 10)), torch.tensor(np.tile(probs, N // 10))
    g, t = gg.bernoulli(gp), torch.bernoulli(tp)
    assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.") == "gpugrad.float64"
    for i in range(11):           # per probability: the rate of ones, within 5 standard errors
        gs, ts = _np(g)[i::11], _np(t)[i::11]
        _same_mean(gs, ts)
        if probs[i] in (0.0, 1.0):
            assert (gs == probs[i]).all() and (ts == probs[i]).all()
    _same_mean(_np(gg.bernoulli(gg.zeros(N), 0.3)), _np(torch.bernoulli(torch.zeros(N), 0.3)))
    _same_mean(_np(gg.ones(N).bernoulli(0.7)), _np(torch.ones(N).bernoulli(0.7)))
    _same_mean(_np(gg.zeros(N, 2).bernoulli(gg.tensor([0.2, 0.6])))[:, 1],
               _np(torch.zeros(N, 2).bernoulli_(torch.tensor([0.2, 0.6])))[:, 1])   # (torch's method: numbers only)


def test_bernoulli_and_poisson_of_a_tensor_that_requires_grad():
    for f in (lambda L, x: L.bernoulli(x), lambda L, x: L.poisson(x)):
        p = gg.full((3,), 0.5, requires_grad=True)
        tp = torch.full((3,), 0.5, requires_grad=True)
        g, t = f(gg, p), f(torch, tp)
        assert g.requires_grad == t.requires_grad
        (g * 2).sum().backward()
        (t * 2).sum().backward()
        assert p.grad.tolist() == tp.grad.tolist()
        with gg.no_grad():
            assert not f(gg, p).requires_grad


@pytest.mark.parametrize("call", [
    lambda L: L.bernoulli(L.tensor([0.5, 1.5])), lambda L: L.bernoulli(L.tensor([-0.1])),
    lambda L: L.bernoulli(L.tensor([float("nan")])), lambda L: L.bernoulli(L.tensor([1, 0])),
    lambda L: L.bernoulli(L.tensor([0.5]), p=2.0), lambda L: L.bernoulli(L.tensor([0.5]), p=-0.5),
    lambda L: L.bernoulli(L.tensor([1, 0]), 0.5), lambda L: L.bernoulli(L.zeros(0)),
    lambda L: L.bernoulli(L.zeros(2, 3), out=L.zeros(2, 3)),
    lambda L: L.poisson(L.tensor([-1.0])), lambda L: L.poisson(L.tensor([1, 2])),
    lambda L: L.poisson(L.tensor([float("nan")])), lambda L: L.poisson(L.zeros(0)),
    lambda L: L.poisson(L.tensor([0.0, 0.0])).tolist()])
def test_bernoulli_poisson_outcomes_match_torch(call):
    g, t = same_outcome(call)
    if isinstance(t, list):
        assert g == t


@pytest.mark.parametrize("rate", [0.5, 4.0, 250.0])
def test_poisson_matches_torch_distribution(rate):
    g = gg.poisson(gg.full((N,), rate))
    t = torch.poisson(torch.full((N,), rate))
    assert g.dtype == gg.float32 and t.dtype == torch.float32
    gs, ts = _same_distribution(g, t)
    _same_mean(gs, ts)
    assert abs(gs.var() / ts.var() - 1) < 0.05


# -- multinomial -----------------------------------------------------------------------------------------------
W = [0.1, 2.0, 0.0, 1.0, 3.0]


def _freq(x, k):
    return np.bincount(np.ravel(x), minlength=k) / np.size(x)


@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_first_draw_matches_torch(replacement):
    g = gg.multinomial(gg.tensor([W] * (N // 5)), 3, replacement)
    t = torch.multinomial(torch.tensor([W] * (N // 5)), 3, replacement)
    assert g.dtype == gg.int64 and tuple(g.shape) == tuple(t.shape)
    for col in range(3):
        fg, ft = _freq(_np(g)[:, col], 5), _freq(_np(t)[:, col], 5)
        se = np.sqrt(ft * (1 - ft) * 2 / (N // 5)) + 1e-12
        assert (np.abs(fg - ft) < 5 * se + 1e-9).all(), (col, fg, ft)
    assert (_np(g) != 2).all()                  # a weight of 0 is never drawn (while others remain)
    if not replacement:                          # no category twice in a row
        assert all(len(set(r)) == 3 for r in _np(g).tolist())


def test_multinomial_without_replacement_pairs_match_torch():
    g = _np(gg.multinomial(gg.tensor([[1.0, 2.0, 3.0, 4.0]] * (N // 2)), 2))
    t = _np(torch.multinomial(torch.tensor([[1.0, 2.0, 3.0, 4.0]] * (N // 2)), 2))
    fg, ft = _freq(g[:, 0] * 4 + g[:, 1], 16), _freq(t[:, 0] * 4 + t[:, 1], 16)
    se = np.sqrt(ft * (1 - ft) * 2 / (N // 2)) + 1e-12
    assert (np.abs(fg - ft) < 5 * se + 1e-9).all()


def test_multinomial_exhausts_zero_weights_last_and_1d_shapes():
    for lib in (gg, torch):
        r = lib.multinomial(lib.tensor([1.0, 1.0, 0.0]), 3).tolist()
        assert sorted(r) == [0, 1, 2] and r[2] == 2
        assert tuple(lib.multinomial(lib.ones(4), 2).shape) == (2,)
        assert tuple(lib.multinomial(lib.zeros(0, 3), 2).shape) == (0, 2)
        assert sorted(lib.multinomial(lib.ones(6), 6).tolist()) == list(range(6))
        assert lib.multinomial(lib.tensor([0.0, 5.0, 0.0]), 4, True).tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize("call", [
    lambda L: L.multinomial(L.tensor([0.0, 1.0]), 3), lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1, True),
    lambda L: L.multinomial(L.tensor([0.0, 0.0]), 2, True),
    lambda L: L.multinomial(L.tensor([[1.0, 0.0], [0.0, 0.0]]), 1), lambda L: L.multinomial(L.tensor([-1.0, 2.0]), 1),
    lambda L: L.multinomial(L.tensor([-1.0, 2.0]), 3, True), lambda L: L.multinomial(L.tensor([float("inf"), 2.0]), 1),
    lambda L: L.multinomial(L.tensor([float("nan"), 2.0]), 2, True),
    lambda L: L.multinomial(L.tensor([1.0, 2.0]), 0), lambda L: L.multinomial(L.tensor([1.0, 2.0]), -1),
    lambda L: L.multinomial(L.ones(2, 2, 2), 1), lambda L: L.multinomial(L.tensor(1.0), 1),
    lambda L: L.multinomial(L.tensor([1, 2]), 1), lambda L: L.multinomial(L.zeros(2, 0), 1),
    lambda L: L.multinomial(L.ones(2, 3), 4), lambda L: L.multinomial(L.ones(2, 3), 4, replacement=True),
    lambda L: L.multinomial(L.ones(2, 3, dtype=L.float64), 2, out=L.zeros(2, 2, dtype=L.int64)),
    lambda L: L.ones(3).multinomial(2, True, generator=None)])
def test_multinomial_errors_match_torch(call):
    same_outcome(call)


def test_multinomial_and_bernoulli_honour_generator():
    for f in (lambda g: gg.multinomial(gg.ones(3, 10), 4, generator=g),
              lambda g: gg.multinomial(gg.ones(3, 10), 4, True, generator=g),
              lambda g: gg.bernoulli(gg.full((40,), 0.5), generator=g), lambda g: gg.poisson(gg.ones(40), g),
              lambda g: gg.rand_like(gg.ones(40), generator=g), lambda g: gg.randn_like(gg.ones(40), generator=g),
              lambda g: gg.randint_like(gg.ones(40), 100, generator=g)):
        a, b = f(gg.Generator().manual_seed(9)), f(gg.Generator().manual_seed(9))
        assert gg.equal(a, b) and not gg.equal(a, f(gg.Generator().manual_seed(10)))


# -- randint_like ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,args", [("float32", (5,)), ("float32", (2, 5)), ("int32", (-3, 3)),
                                        ("uint8", (256,)), ("int64", (10 ** 12,)), ("bool", (2,))])
def test_randint_like_matches_torch(dtype, args):
    g = gg.randint_like(gg.zeros(N, dtype=getattr(gg, dtype)), *args)
    t = torch.randint_like(torch.zeros(N, dtype=getattr(torch, dtype)), *args)
    assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")
    gs, ts = _same_distribution(g, t)
    _same_mean(gs, ts)
    g = gg.randint_like(gg.zeros(2, 3), high=4, dtype=gg.int16)
    t = torch.randint_like(torch.zeros(2, 3), high=4, dtype=torch.int16)
    assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.") and tuple(g.shape) == tuple(t.shape)


@pytest.mark.parametrize("call", [
    lambda L: L.randint_like(L.zeros(3), 5, 2), lambda L: L.randint_like(L.zeros(3), 0),
    lambda L: L.randint_like(L.zeros(3, dtype=L.uint8), 300),
    lambda L: L.randint_like(L.zeros(3, dtype=L.uint8), -1, 3),
    lambda L: L.randint_like(L.zeros(3), 5, requires_grad=True).requires_grad,
    lambda L: L.randint_like(L.zeros(3, dtype=L.int64), 5, requires_grad=True),
    lambda L: L.randint_like(L.zeros(3), L.tensor(7)).shape])
def test_randint_like_outcomes_match_torch(call):
    g, t = same_outcome(call)
    if isinstance(t, bool):
        assert g == t


# -- logspace, range ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args,kw", [
    ((0, 2, 3), {}), ((0, 2, 5), {}), ((-1, 3, 7), {"base": 2}), ((0, 2, 5), {"dtype": "int64"}),
    ((0.5, 2.7, 4), {"dtype": "int32"}), ((0, 1, 0), {}), ((0, 2, 1), {}), ((3, 3, 2), {}),
    ((1, -2, 6), {"base": 3.5, "dtype": "float64"}), ((0, 10, 11), {"base": 10, "dtype": "float64"}),
    ((2, 0, 3), {"base": 0.5})])
def test_logspace_matches_torch(args, kw):
    def call(L):
        k = {n: getattr(L, v) if n == "dtype" else v for n, v in kw.items()}
        return L.logspace(*args, **k)
    g, t = call(gg), call(torch)
    assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")
    np.testing.assert_allclose(_np(g), _np(t), rtol=1e-6 if g.dtype != gg.float64 else 1e-13)


def test_logspace_tensor_bounds_and_errors_match_torch():
    np.testing.assert_allclose(_np(gg.logspace(gg.tensor(0), gg.tensor(2.0), 3)),
                               _np(torch.logspace(torch.tensor(0), torch.tensor(2.0), 3)))
    same_outcome(lambda L: L.logspace(0, 2, -1))
    g, t = same_outcome(lambda L: L.logspace(0, 2, 3, requires_grad=True).requires_grad)
    assert g == t


@pytest.mark.parametrize("args,kw", [
    ((1, 4), {}), ((1, 4, 0.5), {}), ((0, 3), {"dtype": "int64"}), ((4, 1, -1), {}), ((1, 1), {}),
    ((0, 1, 0.3), {}), ((-2.5, 2.5, 1.25), {"dtype": "float64"}), ((0, 10, 3), {})])
def test_range_matches_torch_and_warns(args, kw):
    def call(L):
        k = {n: getattr(L, v) if n == "dtype" else v for n, v in kw.items()}
        with pytest.warns(UserWarning, match="deprecated"):
            return L.range(*args, **k)
    g, t = call(gg), call(torch)
    assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")
    np.testing.assert_allclose(_np(g), _np(t))


@pytest.mark.parametrize("call", [lambda L: L.range(1, 4, -1), lambda L: L.range(1, 4, 0), lambda L: L.range(4)])
def test_range_errors_match_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_outcome(call)


# -- normal's overloads ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda L: L.normal(L.zeros(3), -1.0), lambda L: L.normal(0.0, L.tensor([-1.0, 1.0])),
    lambda L: L.normal(0.0, -1.0, (2,)), lambda L: L.normal(0.0, 1.0, size=(2,), layout=L.strided).shape,
    lambda L: L.normal(0.0, 1.0, (2,), pin_memory=False).shape, lambda L: L.normal(0.0, 1.0),
    lambda L: L.normal(L.zeros(2, 3), L.ones(3)).shape, lambda L: L.normal(L.zeros(2), L.ones(3)),
    lambda L: L.normal(L.zeros(3, dtype=L.float64), 2.0).dtype, lambda L: L.normal(L.zeros(3, dtype=L.int64), 2.0),
    lambda L: L.normal(L.zeros(3, requires_grad=True), 1.0).requires_grad, lambda L: L.normal(2, 3, (2,)).dtype,
    lambda L: L.normal(0.0, 1.0, (2,), dtype=L.float64).dtype,
    lambda L: L.normal(0.0, L.ones(2), generator=L.Generator().manual_seed(1)).shape,
    lambda L: L.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad])
def test_normal_overloads_match_torch(call):
    g, t = same_outcome(call)
    if not isinstance(t, type):
        assert str(g).replace("gpugrad.", "") == str(t).replace("torch.", "")


def test_normal_matches_torch_distribution_and_has_zero_gradient():
    m = np.linspace(-1, 1, 4)
    gm, tm = gg.tensor(np.tile(m, N // 4), requires_grad=True), torch.tensor(np.tile(m, N // 4), requires_grad=True)
    gs, ts = gg.full((N,), 2.0, dtype=gg.float64, requires_grad=True), torch.full((N,), 2.0, dtype=torch.float64,
                                                                                   requires_grad=True)
    g, t = gg.normal(gm, gs), torch.normal(tm, ts)
    for i in range(4):
        a, b = _same_distribution(g[i::4], t[i::4])
        _same_mean(a, b)
    g.sum().backward()
    t.sum().backward()
    assert gm.grad.tolist() == tm.grad.tolist() and gs.grad.tolist() == ts.grad.tolist()
