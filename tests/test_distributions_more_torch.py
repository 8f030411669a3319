"""The heavier-tailed, extreme-value and circular distributions of gpugrad.distributions (Cauchy, HalfCauchy,
HalfNormal, StudentT, Gumbel, Weibull, Pareto, Chi2, FisherSnedecor, Kumaraswamy, InverseGamma,
GeneralizedPareto, VonMises, LogisticNormal) and their KL divergences against torch.distributions: values and
gradients (float64, broadcasting batch shapes), rsample's pathwise gradients given the same noise, sample
shapes, dtypes and laws (fixed seeds), expand, and PyTorch's validation errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.distributions as GD
import gpugrad.distributions.utils as gutils
import test_distributions_torch as base
from test_distributions_torch import _compare, _fixed_noise, _np, _params, _same_error

torch = pytest.importorskip("torch")
TD = torch.distributions

rng = np.random.default_rng(23)
u = rng.uniform

_GP_LOC, _GP_SCALE = u(-1, 1, (3, 1)), u(0.5, 2, (4,))
_GP_CONC = u(-0.4, 0.4, (3, 4))
_GP_CONC[0, 1] = _GP_CONC[2, 3] = 0.0       # the exponential limit
_GP_CONC[1, 2] = -1.0                        # the uniform, whose log-density has no z term
_GP_VALUE = _GP_LOC + _GP_SCALE * u(0.05, 0.95, (2, 3, 4))    # inside [loc, loc + scale / |c|]

BASIC = ["mean", "variance", "stddev", "mode", "entropy"]
# name -> (constructor on a distributions module, {param: array}, value, quantities, has cdf/icdf, rtol, atol)
CASES = {
    "Cauchy": (lambda D, a, b: D.Cauchy(a, b), {"loc": u(-1, 1, (3, 1)), "scale": u(0.5, 2, (4,))},
               u(-3, 3, (2, 3, 4)), BASIC, True),
    "HalfCauchy": (lambda D, s: D.HalfCauchy(s), {"scale": u(0.5, 2, (3, 4))}, u(0.0, 3, (2, 3, 4)), BASIC, True),
    "HalfNormal": (lambda D, s: D.HalfNormal(s), {"scale": u(0.5, 2, (3, 4))}, u(0.0, 3, (2, 3, 4)), BASIC, True),
    "StudentT": (lambda D, df, a, b: D.StudentT(df, a, b),
                 {"df": u(2.5, 6, (3, 1)), "loc": u(-1, 1, (4,)), "scale": u(0.5, 2, ())},
                 u(-3, 3, (2, 3, 4)), BASIC, False),
    "StudentT_small_df": (lambda D, df: D.StudentT(df), {"df": np.array([0.5, 1.0, 1.5, 2.0, 2.5])},
                          u(-3, 3, (5,)), BASIC, False),
    "Gumbel": (lambda D, a, b: D.Gumbel(a, b), {"loc": u(-1, 1, (3, 1)), "scale": u(0.5, 2, (4,))},
               u(-2, 4, (2, 3, 4)), BASIC, True),
    "Weibull": (lambda D, s, k: D.Weibull(s, k), {"scale": u(0.5, 2, (3, 1)), "k": u(1.2, 3, (4,))},
                u(0.1, 3, (2, 3, 4)), BASIC, True),
    "Weibull_small_k": (lambda D, s, k: D.Weibull(s, k), {"scale": u(0.5, 2, (3, 1)), "k": u(0.3, 1, (4,))},
                        u(0.1, 3, (2, 3, 4)), ["mean", "variance", "entropy"], True),
    "Pareto": (lambda D, s, a: D.Pareto(s, a), {"scale": u(0.5, 1, (3, 1)), "alpha": u(2.5, 4, (4,))},
               u(1.1, 4, (2, 3, 4)), BASIC, True),
    "Pareto_heavy": (lambda D, s, a: D.Pareto(s, a), {"scale": u(0.5, 1, (3,)), "alpha": np.array([0.5, 1.5, 3.0])},
                     u(1.1, 4, (2, 3)), BASIC, True),
    "Chi2": (lambda D, df: D.Chi2(df), {"df": u(0.5, 6, (3, 4))}, u(0.1, 5, (2, 3, 4)), BASIC, False),
    "FisherSnedecor": (lambda D, a, b: D.FisherSnedecor(a, b), {"df1": u(3, 6, (3, 1)), "df2": u(5, 9, (4,))},
                       u(0.1, 4, (2, 3, 4)), ["mean", "variance", "stddev", "mode"], False),
    "FisherSnedecor_edges": (lambda D, a, b: D.FisherSnedecor(a, b),
                             {"df1": np.array([[1.0], [3.0]]), "df2": np.array([2.0, 3.0, 5.0])},
                             u(0.1, 4, (2, 3)), ["mean", "variance", "mode"], False),
    "Kumaraswamy": (lambda D, a, b: D.Kumaraswamy(a, b), {"a": u(0.5, 3, (3, 1)), "b": u(0.5, 3, (4,))},
                    u(0.05, 0.95, (2, 3, 4)), ["mean", "variance", "stddev", "entropy"], True),
    "InverseGamma": (lambda D, c, r: D.InverseGamma(c, r), {"c": u(2.5, 5, (3, 1)), "r": u(0.5, 2, (4,))},
                     u(0.1, 3, (2, 3, 4)), BASIC, False),
    "InverseGamma_heavy": (lambda D, c, r: D.InverseGamma(c, r), {"c": np.array([0.5, 1.5, 3.0]), "r": u(0.5, 2, ())},
                           u(0.1, 3, (3,)), BASIC, False),
    "GeneralizedPareto": (lambda D, a, b, c: D.GeneralizedPareto(a, b, c),
                          {"loc": _GP_LOC, "scale": _GP_SCALE, "c": _GP_CONC}, _GP_VALUE, BASIC, True),
    "GeneralizedPareto_heavy": (lambda D, a, b, c: D.GeneralizedPareto(a, b, c),
                                {"loc": np.zeros(4), "scale": np.ones(4), "c": np.array([0.3, 0.5, 1.0, 2.0])},
                                u(0.1, 3, (4,)), BASIC, True),
    # (PyTorch's log I0 and log I1 replaced by the exact ones: see _exact_torch_bessel)
    "VonMises": (lambda D, a, k: D.VonMises(a, k), {"loc": u(-3, 3, (3, 1)), "k": u(0.2, 20, (4,))},
                 u(-6, 6, (2, 3, 4)), ["mean", "mode", "variance", "stddev"], False),
    "LogisticNormal": (lambda D, a, b: D.LogisticNormal(a, b), {"loc": u(-1, 1, (2, 3)), "scale": u(0.5, 2, (3,))},
                       rng.dirichlet(np.ones(4), (5, 2)), [], False),
}


@pytest.fixture
def torch_float64_default():
    """PyTorch's GeneralizedPareto compares a float64 concentration with ``torch.tensor(0.0)`` in isclose, an error
    unless the default dtype is float64 (a PyTorch bug)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _exact_log_bessel(x, order=0):
    return (torch.special.i0e(x) if order == 0 else torch.special.i1e(x)).log() + x


@pytest.fixture
def exact_torch_bessel(monkeypatch):
    """PyTorch's VonMises with the exact log I0 and log I1 (gpugrad's), in place of its polynomial fits (within
    3e-8 of them in value, 1e-6 in derivative: test_von_mises_bessel_fit_is_close)."""
    monkeypatch.setattr(TD.von_mises, "_log_modified_bessel_fn", _exact_log_bessel)


def test_von_mises_bessel_fit_is_close():
    x = torch.tensor(np.concatenate([np.linspace(0.01, 10, 300), [3.75, 30.0, 300.0]]), requires_grad=True)
    for order in (0, 1):
        fit, exact = TD.von_mises._log_modified_bessel_fn(x, order), _exact_log_bessel(x, order)
        np.testing.assert_allclose(fit.detach().numpy(), exact.detach().numpy(), rtol=1e-8, atol=3e-7)
        (gf,), (ge,) = torch.autograd.grad(fit.sum(), x), torch.autograd.grad(exact.sum(), x)
        np.testing.assert_allclose(gf.numpy(), ge.numpy(), rtol=0, atol=3e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients(name, device, monkeypatch, torch_float64_default, exact_torch_bessel):
    """log_prob, the quantities, cdf and icdf by the first suite's checks (on this file's case)."""
    monkeypatch.setitem(base.CASES, name, CASES[name])
    base.test_values_and_gradients(name, device)
    make, params = CASES[name][:2]
    assert make(GD, *_params(params, device)[0]).has_rsample == make(TD, *_params(params, device)[1]).has_rsample


def test_numbers_as_parameters():
    """Numbers give an empty batch shape and the default dtype, as PyTorch."""
    for make in [lambda D: D.Cauchy(0.0, 1.0), lambda D: D.HalfNormal(2.0), lambda D: D.Gumbel(0.5, 2.0),
                 lambda D: D.Weibull(1.0, 2.0), lambda D: D.Pareto(1.0, 2.0), lambda D: D.Chi2(3.0),
                 lambda D: D.FisherSnedecor(3.0, 5.0), lambda D: D.Kumaraswamy(2.0, 3.0), lambda D: D.StudentT(3.0),
                 lambda D: D.InverseGamma(3.0, 2.0), lambda D: D.GeneralizedPareto(0.0, 1.0, 0.2),
                 lambda D: D.VonMises(0.5, 2.0), lambda D: D.HalfCauchy(1.0), lambda D: D.LogisticNormal(0.0, 1.0)]:
        gd, td = make(GD), make(TD)
        assert (tuple(gd.batch_shape), tuple(gd.event_shape)) == (tuple(td.batch_shape), tuple(td.event_shape))
        gs, ts = gd.sample((2,)), td.sample((2,))
        assert tuple(gs.shape) == tuple(ts.shape) and str(gs.dtype) == "gpugrad.float32"
        v = ts[0]
        np.testing.assert_allclose(_np(gd.log_prob(gg.tensor(v.numpy()))), td.log_prob(v).numpy(), rtol=1e-5)


def test_modes_that_differ_from_torch():
    """Kumaraswamy's mode is the density's maximum ((a - 1) / (a b - 1))^(1 / a) (PyTorch's formula is NaN for
    every parameter), Weibull's is 0 for a concentration <= 1 (PyTorch's formula is NaN or meaningless there)."""
    a, b = np.array([2.0, 3.0, 1.0, 1.5, 0.5]), np.array([3.0, 1.0, 2.0, 1.5, 2.0])
    mode = _np(GD.Kumaraswamy(gg.tensor(a), gg.tensor(b)).mode)
    x = np.linspace(1e-6, 1 - 1e-6, 200001)[:, None]
    argmax = x[np.argmax(np.log(a * b) + (a - 1) * np.log(x) + (b - 1) * np.log1p(-x ** a), 0), 0]
    np.testing.assert_allclose(mode[:4], argmax[:4], atol=1e-4)
    assert np.isnan(mode[4])
    k = np.array([0.5, 1.0, 3.0])
    np.testing.assert_allclose(_np(GD.Weibull(gg.tensor(2.0), gg.tensor(k)).mode),
                               [0.0, 0.0, TD.Weibull(2.0, 3.0).mode.item()], rtol=1e-7)


def test_cdfs_through_other_families(device):
    """InverseGamma's cdf goes through the Gamma's (differentiable in the rate and the value), StudentT and the
    rest of the family without one raise as PyTorch."""
    c, r, v = u(1, 4, (3, 1)), u(0.5, 2, (4,)), u(0.2, 3, (2, 3, 4))
    gp, tp = _params({"r": r, "v": v}, device)
    gout = GD.InverseGamma(gg.tensor(c, device=device), gp[0]).cdf(gp[1])
    tout = TD.InverseGamma(torch.tensor(c), tp[0]).cdf(tp[1])
    _compare(gout, tout, gp, tp, rtol=1e-8, atol=1e-9)
    for name in ["StudentT", "FisherSnedecor", "VonMises"]:
        make, params, value = CASES[name][:3]
        gd = make(GD, *_params(params, device)[0])
        with pytest.raises(NotImplementedError):
            gd.cdf(gg.tensor(value, device=device))
    with pytest.raises(NotImplementedError):
        GD.FisherSnedecor(3.0, 4.0).entropy()
    with pytest.raises(NotImplementedError):
        GD.LogisticNormal(gg.zeros(2), 1.0).mean
    with pytest.raises(NotImplementedError):
        GD.VonMises(0.0, 1.0).rsample()


# -- rsample: the same noise gives the same samples and the same pathwise gradients -------------------------------
def _gamma_draws(concs, shape):
    """PyTorch's standard Gamma draws for ``concs`` in order after ``torch.manual_seed(0)`` (the draws its
    rsample makes after the same seeding when its normal noise is patched)."""
    torch.manual_seed(0)
    return [torch._standard_gamma(torch.tensor(c).expand(shape)).numpy() for c in concs]


RSAMPLE = {      # name -> (constructor, params, how PyTorch draws)
    "Cauchy": (lambda D, a, b: D.Cauchy(a, b), [u(-1, 1, (3, 1)), u(0.5, 2, (4,))], "icdf"),
    "HalfCauchy": (lambda D, s: D.HalfCauchy(s), [u(0.5, 2, (3, 4))], "icdf"),
    "HalfNormal": (lambda D, s: D.HalfNormal(s), [u(0.5, 2, (3, 4))], "normal"),
    "LogisticNormal": (lambda D, a, b: D.LogisticNormal(a, b), [u(-1, 1, (2, 3)), u(0.5, 2, (3,))], "normal"),
    "Gumbel": (lambda D, a, b: D.Gumbel(a, b), [u(-1, 1, (3, 1)), u(0.5, 2, (4,))], "rand"),
    "Kumaraswamy": (lambda D, a, b: D.Kumaraswamy(a, b), [u(0.5, 3, (3, 1)), u(0.5, 3, (4,))], "rand"),
    "GeneralizedPareto": (lambda D, a, b, c: D.GeneralizedPareto(a, b, c), [_GP_LOC, _GP_SCALE, _GP_CONC], "rand"),
    "Weibull": (lambda D, s, k: D.Weibull(s, k), [u(0.5, 2, (3, 1)), u(0.5, 3, (4,))], "icdf"),
    "Pareto": (lambda D, s, a: D.Pareto(s, a), [u(0.5, 2, (3, 1)), u(0.5, 3, (4,))], "icdf"),
    "Chi2": (lambda D, df: D.Chi2(df), [u(0.3, 8, (3, 4))], "gamma"),
    "InverseGamma": (lambda D, c, r: D.InverseGamma(c, r), [u(0.3, 8, (3, 1)), u(0.5, 2, (4,))], "gamma"),
    "StudentT": (lambda D, df, a, b: D.StudentT(df, a, b), [u(0.5, 8, (3, 1)), u(-1, 1, (4,)), u(0.5, 2, ())],
                 "gamma"),
    "FisherSnedecor": (lambda D, a, b: D.FisherSnedecor(a, b), [u(0.5, 8, (3, 1)), u(0.5, 8, (4,))], "gamma"),
}


@pytest.mark.parametrize("name", sorted(RSAMPLE))
def test_rsample_pathwise_gradients(name, device, monkeypatch, torch_float64_default):
    make, params, how = RSAMPLE[name]
    gp, tp = _params(dict(enumerate(params)), device)
    gd, td = make(GD, *gp), make(TD, *tp)
    shape = (5,) + tuple(td.batch_shape) + tuple(td.event_shape)
    base_shape = shape[:-1] + (shape[-1] - 1,) if name == "LogisticNormal" else shape    # before stick-breaking
    if how == "gamma":
        if name == "FisherSnedecor":
            draws = _gamma_draws([0.5 * params[0], 0.5 * params[1]], shape)
        else:
            draws = _gamma_draws([0.5 * params[0] if name in ("Chi2", "StudentT") else params[0]], shape)
        queue = [gg.tensor(d, device=device)._data for d in draws]
        monkeypatch.setattr(gutils, "_standard_gamma_draw", lambda alpha: queue.pop(0))
        eps = rng.standard_normal(shape)
        _fixed_noise(monkeypatch, [eps])
        gout = gd.rsample((5,))
        monkeypatch.setattr(TD.studentT, "_standard_normal", lambda *a, **k: torch.tensor(eps))
        torch.manual_seed(0)
        tout = td.rsample((5,))
    elif how == "icdf":      # PyTorch draws in place (cauchy_, exponential_): the same law at the same uniform
        v = rng.uniform(0, 1, shape)
        _fixed_noise(monkeypatch, [v])
        gout = gd.rsample((5,))
        tout = (TD.Cauchy(0.0, td.scale).icdf(torch.tensor(v)).abs() if name == "HalfCauchy"
                else td.icdf(torch.tensor(v)))
    else:
        eps = rng.standard_normal(base_shape) if how == "normal" else rng.uniform(0, 1, base_shape)
        _fixed_noise(monkeypatch, [eps])
        gout = gd.rsample((5,))
        te = torch.tensor(eps)
        monkeypatch.setattr(TD.normal, "_standard_normal", lambda *a, **k: te)
        monkeypatch.setattr(torch, "rand", lambda *a, **k: te)
        tout = td.rsample((5,))
    _compare(gout, tout, gp, tp, rtol=1e-6, atol=1e-9)


def test_von_mises_sample_matches_torch_given_its_uniforms(monkeypatch):
    """The rejection sampler accepts, replaces and wraps as PyTorch's, given the same uniform draws."""
    loc, kappa = u(-3, 3, (3, 1)), np.array([1e-6, 0.3, 2.0, 50.0])
    shape = (4, 3, 4)
    rounds = [rng.uniform(0, 1, (3,) + shape) for _ in range(40)]
    gq, tq = list(rounds), [torch.tensor(r) for r in rounds]
    monkeypatch.setattr(torch, "rand", lambda *a, **k: tq.pop(0))
    ts = TD.VonMises(torch.tensor(loc), torch.tensor(kappa)).sample((4,))
    _fixed_noise(monkeypatch, gq[:len(rounds) - len(tq)])
    gs = GD.VonMises(gg.tensor(loc, dtype=gg.float64), gg.tensor(kappa, dtype=gg.float64)).sample((4,))
    np.testing.assert_allclose(_np(gs), ts.numpy(), rtol=1e-12, atol=1e-12)
    assert str(gs.dtype) == "gpugrad.float64" and not gs.requires_grad


# -- sampling: shapes, dtypes, expand and the law of many samples ---------------------------------------------------
SAMPLED = {
    "Cauchy": lambda D, T: D.Cauchy(T([0.5, -1.0]), T([1.0, 2.0])),
    "HalfCauchy": lambda D, T: D.HalfCauchy(T([1.0, 0.3])),
    "HalfNormal": lambda D, T: D.HalfNormal(T([1.0, 2.5])),
    "StudentT": lambda D, T: D.StudentT(T([6.0, 10.0]), T([0.5, -1.0]), T([1.0, 2.0])),
    "Gumbel": lambda D, T: D.Gumbel(T([0.5, -1.0]), T([1.0, 0.5])),
    "Weibull": lambda D, T: D.Weibull(T([1.0, 2.0]), T([0.7, 3.0])),
    "Pareto": lambda D, T: D.Pareto(T([1.0, 0.5]), T([1.5, 5.0])),
    "Chi2": lambda D, T: D.Chi2(T([0.5, 4.0])),
    "FisherSnedecor": lambda D, T: D.FisherSnedecor(T([3.0, 8.0]), T([12.0, 20.0])),
    "Kumaraswamy": lambda D, T: D.Kumaraswamy(T([0.5, 3.0]), T([2.0, 0.7])),
    "InverseGamma": lambda D, T: D.InverseGamma(T([5.0, 7.0]), T([1.0, 2.0])),
    "GeneralizedPareto": lambda D, T: D.GeneralizedPareto(T([0.0, 1.0]), T([1.0, 2.0]), T([0.6, -0.5])),
    "VonMises": lambda D, T: D.VonMises(T([0.5, 3.0]), T([0.5, 8.0])),
    "LogisticNormal": lambda D, T: D.LogisticNormal(T([[0.5, -1.0], [0.0, 0.2]]), T([1.0, 0.5])),
}


@pytest.mark.parametrize("name", sorted(SAMPLED))
def test_sample_shapes_dtypes_and_expand(name, device):
    gd = SAMPLED[name](GD, lambda v: gg.tensor(v, device=device))
    td = SAMPLED[name](TD, torch.tensor)
    for shape in [(), (3,), (2, 3)]:
        gs, ts = gd.sample(shape), td.sample(shape)
        assert tuple(gs.shape) == tuple(ts.shape), (shape, gs.shape, ts.shape)
        assert str(gs.dtype) == str(ts.dtype).replace("torch.", "gpugrad."), (gs.dtype, ts.dtype)
        assert not gs.requires_grad and gs.device == gg.device(device)
    batch = (4,) + tuple(td.batch_shape)
    ge, te = gd.expand(batch), td.expand(batch)
    assert type(ge) is type(gd) and tuple(ge.batch_shape) == tuple(te.batch_shape)
    assert tuple(ge.event_shape) == tuple(te.event_shape) and ge._validate_args == gd._validate_args
    s = te.sample((3,))
    assert tuple(ge.sample((3,)).shape) == tuple(s.shape)
    np.testing.assert_allclose(_np(ge.log_prob(gg.tensor(s.numpy(), device=device))), te.log_prob(s).numpy(),
                               rtol=1e-5, atol=1e-6)


def _two_sample_close(a, b, what):
    """Means of two independent samples (rows) within 5 standard errors."""
    se = np.sqrt(a.var(0) / len(a) + b.var(0) / len(b))
    np.testing.assert_array_less(np.abs(a.mean(0) - b.mean(0)), 5 * se + 1e-12, err_msg=what)


@pytest.mark.parametrize("name", sorted(SAMPLED))
def test_sample_law(name, device):
    """Many samples follow PyTorch's law: at three quantiles the empirical cdf is within 5 standard errors of the
    probability (where PyTorch has an icdf); else the sample mean and variance (of the cosine and sine for the
    circular VonMises) agree with a sample of PyTorch's within 5 standard errors."""
    n = 60000
    gg.manual_seed(0)
    torch.manual_seed(0)
    gd = SAMPLED[name](GD, lambda v: gg.tensor(v, dtype=gg.float64, device=device))
    td = SAMPLED[name](TD, lambda v: torch.tensor(v, dtype=torch.float64))
    gs = _np(gd.sample((n,)))
    try:
        q = td.icdf(torch.tensor([[0.1], [0.5], [0.9]]).expand((3,) + tuple(td.batch_shape))).numpy()
    except NotImplementedError:
        ts = td.sample((n,)).numpy()
        if name == "VonMises":
            gs, ts = np.concatenate([np.cos(gs), np.sin(gs)], -1), np.concatenate([np.cos(ts), np.sin(ts)], -1)
        _two_sample_close(gs, ts, "mean")
        _two_sample_close((gs - ts.mean(0)) ** 2, (ts - ts.mean(0)) ** 2, "variance")
        return
    for p, x in zip([0.1, 0.5, 0.9], q):
        np.testing.assert_array_less(np.abs((gs <= x).mean(0) - p), 5 * math.sqrt(p * (1 - p) / n))


def test_manual_seed_reproduces_samples():
    for d in [GD.VonMises(gg.tensor([0.5, 3.0]), 2.0), GD.StudentT(gg.tensor([3.0, 1.5]))]:
        gg.manual_seed(5)
        a = d.sample((10,))
        gg.manual_seed(5)
        assert gg.equal(a, d.sample((10,)))


# -- KL divergences -------------------------------------------------------------------------------------------------
def _with_ends(a, first, last):
    """``a`` with its first and last elements set (alpha <= 1 and > 2 for Pareto: infinite and finite KLs)."""
    a.flat[0], a.flat[-1] = first, last
    return a


def _d(kind, *shape):
    """(constructor, params) of a distribution family with batch shape ``shape``."""
    v = lambda lo, hi, s=shape: rng.uniform(lo, hi, s)  # noqa: E731
    return {
        "Cauchy": (lambda D, a, b: D.Cauchy(a, b), [v(-1, 1), v(0.5, 2)]),
        "Gumbel": (lambda D, a, b: D.Gumbel(a, b), [v(-1, 1), v(0.5, 2)]),
        "HalfNormal": (lambda D, a: D.HalfNormal(a), [v(0.5, 2)]),
        "Pareto": (lambda D, a, b: D.Pareto(a, b), [v(0.5, 2), _with_ends(v(0.5, 4), 0.8, 3.5)]),
        "InverseGamma": (lambda D, a, b: D.InverseGamma(a, b), [v(0.5, 3), v(0.5, 2)]),
        "LogisticNormal": (lambda D, a, b: D.LogisticNormal(a, b), [v(-1, 1, shape + (3,)), v(0.5, 2, shape + (3,))]),
        "Chi2": (lambda D, a: D.Chi2(a), [v(0.5, 5)]),
        "Normal": (lambda D, a, b: D.Normal(a, b), [v(-1, 1), v(0.5, 2)]),
        "Laplace": (lambda D, a, b: D.Laplace(a, b), [v(-1, 1), v(0.5, 2)]),
        "Uniform": (lambda D, a, b: D.Uniform(a, b), [v(0.1, 1.0), v(1.5, 3)]),
        "Exponential": (lambda D, a: D.Exponential(a), [v(0.5, 2)]),
        "Gamma": (lambda D, a, b: D.Gamma(a, b), [v(0.5, 3), v(0.5, 2)]),
        "Beta": (lambda D, a, b: D.Beta(a, b), [v(0.5, 3), v(0.5, 3)]),
    }[kind]


KL_PAIRS = [(p, p) for p in ["Cauchy", "Gumbel", "HalfNormal", "Pareto", "InverseGamma", "LogisticNormal"]]
KL_PAIRS += [("Beta", "Exponential"), ("Exponential", "Gumbel"), ("Gamma", "Gumbel"), ("Chi2", "Gumbel"),
             ("Gumbel", "Normal"), ("Normal", "Gumbel"), ("Uniform", "Gumbel"), ("Pareto", "Exponential"),
             ("Pareto", "Gamma"), ("Pareto", "Normal"), ("Uniform", "Pareto")]
KL_PAIRS += [(p, "Pareto") for p in ["Beta", "Exponential", "Gamma", "Laplace", "Normal", "Gumbel"]]
KL_PAIRS += [("Gumbel", q) for q in ["Beta", "Exponential", "Gamma", "Uniform"]] + [("Pareto", "Beta"),
                                                                                    ("Pareto", "Uniform")]
# PyTorch's masked assignments in these don't broadcast the batch shapes (an IndexError): one shape there
_TORCH_NO_BROADCAST = {("Pareto", "Pareto"), ("Pareto", "Exponential"), ("Pareto", "Gamma"), ("Pareto", "Normal"),
                       ("Uniform", "Pareto")}


@pytest.mark.parametrize("pq", KL_PAIRS, ids=[f"{p}-{q}" for p, q in KL_PAIRS])
def test_kl_divergence(pq):
    for pshape, qshape in ([(2, 3), (2, 3)], [(2, 1), (3,)]):
        (pm, pp), (qm, qp) = _d(pq[0], *pshape), _d(pq[1], *qshape)
        gpp, tpp = _params(dict(enumerate(pp)), "cpu")
        gqp, tqp = _params(dict(enumerate(qp)), "cpu")
        gout = GD.kl_divergence(pm(GD, *gpp), qm(GD, *gqp))
        if pshape == qshape or pq not in _TORCH_NO_BROADCAST:
            tout = TD.kl_divergence(pm(TD, *tpp), qm(TD, *tqp))
        else:           # gpugrad broadcasts them: the same values as with expanded parameters
            tout = TD.kl_divergence(pm(TD, *tpp).expand((2, 3)), qm(TD, *tqp).expand((2, 3)))
        _compare(gout, tout, gpp + gqp, tpp + tqp)
    if pq[0] == "Pareto" and pq[1] in ("Exponential", "Gamma", "Normal"):
        assert np.isinf(_np(gout)).any() and np.isfinite(_np(gout)).any()      # both branches were exercised


def test_kl_of_transformed_families_needs_equal_transforms():
    for make in [lambda D, a, b: D.Weibull(a, b), lambda D, a, b: D.Kumaraswamy(a, b)]:
        with pytest.raises(NotImplementedError):
            TD.kl_divergence(make(TD, torch.ones(2), torch.ones(2)), make(TD, torch.ones(2), torch.full((2,), 2.0)))
        with pytest.raises(NotImplementedError):
            GD.kl_divergence(make(GD, gg.ones(2), gg.ones(2)), make(GD, gg.ones(2), gg.full((2,), 2.0)))
    w = GD.Weibull(gg.tensor([1.0, 2.0]), gg.tensor([1.5, 3.0]))
    np.testing.assert_allclose(_np(GD.kl_divergence(w, w)), 0.0, atol=1e-7)


# -- validation -----------------------------------------------------------------------------------------------------
INVALID = {
    "Cauchy": lambda D, T: D.Cauchy(T([0.0]), T([-1.0])),
    "HalfCauchy": lambda D, T: D.HalfCauchy(T([0.0, 1.0])),
    "HalfNormal": lambda D, T: D.HalfNormal(T([-1.0])),
    "StudentT_df": lambda D, T: D.StudentT(T([-1.0, 2.0])),
    "StudentT_scale": lambda D, T: D.StudentT(T([1.0]), 0.0, T([-1.0])),
    "Gumbel": lambda D, T: D.Gumbel(T([0.0]), T([-2.0])),
    "Weibull": lambda D, T: D.Weibull(T([1.0]), T([0.0])),
    "Pareto": lambda D, T: D.Pareto(T([1.0]), T([-1.0])),
    "Pareto_scale": lambda D, T: D.Pareto(T([-1.0]), T([1.0])),
    "Chi2": lambda D, T: D.Chi2(T([-3.0])),
    "FisherSnedecor": lambda D, T: D.FisherSnedecor(T([-1.0]), T([2.0])),
    "Kumaraswamy": lambda D, T: D.Kumaraswamy(T([1.0]), T([-2.0])),
    "InverseGamma": lambda D, T: D.InverseGamma(T([1.0]), T([-2.0])),
    "GeneralizedPareto": lambda D, T: D.GeneralizedPareto(T([0.0]), T([-1.0]), T([0.5])),
    "GeneralizedPareto_nan": lambda D, T: D.GeneralizedPareto(T([0.0]), T([1.0]), T([float("nan")])),
    "VonMises": lambda D, T: D.VonMises(T([0.0]), T([-1.0])),
    "LogisticNormal": lambda D, T: D.LogisticNormal(T([0.0, 1.0]), T([1.0, -1.0])),
    "value_HalfNormal": lambda D, T: D.HalfNormal(T([1.0])).log_prob(T([-1.0])),
    "value_HalfCauchy_cdf": lambda D, T: D.HalfCauchy(T([1.0])).cdf(T([-1.0])),
    "value_Pareto": lambda D, T: D.Pareto(T([2.0]), T([1.0])).log_prob(T([1.0])),
    "value_Weibull": lambda D, T: D.Weibull(T([2.0]), T([1.0])).log_prob(T([0.0])),
    "value_Kumaraswamy": lambda D, T: D.Kumaraswamy(T([2.0]), T([1.0])).log_prob(T([1.5])),
    "value_FisherSnedecor": lambda D, T: D.FisherSnedecor(T([2.0]), T([1.0])).log_prob(T([-0.5])),
    "value_GeneralizedPareto": lambda D, T: D.GeneralizedPareto(T([0.0]), T([1.0]), T([-0.5])).log_prob(T([2.5])),
    "value_VonMises": lambda D, T: D.VonMises(T([0.0]), T([1.0])).log_prob(T([float("nan")])),
    "value_LogisticNormal": lambda D, T: D.LogisticNormal(T([0.0]), T([1.0])).log_prob(T([0.3, 0.3])),
    "value_Cauchy_shape": lambda D, T: D.Cauchy(T([0.0, 1.0]), T([1.0, 1.0])).log_prob(T([0.0, 1.0, 2.0])),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_errors_match_torch(name):
    msg = _same_error(INVALID[name])
    if not name.endswith("_shape"):
        assert ("Expected value argument" if name.startswith("value_") else "Expected parameter") in msg


def test_validate_args_false_and_support():
    """validate_args=False skips the checks (also those of the inner Chi2 and Gammas, which PyTorch builds with the
    default validation), and the dependent supports follow the parameters."""
    GD.StudentT(gg.tensor([-1.0]), validate_args=False)
    GD.FisherSnedecor(gg.tensor([-1.0]), 1.0, validate_args=False)
    GD.HalfNormal(gg.tensor([-1.0]), validate_args=False).log_prob(gg.tensor([-1.0]))
    assert repr(GD.Pareto(gg.tensor([2.0]), 1.0).support) == repr(TD.Pareto(torch.tensor([2.0]), 1.0).support)
    gp = GD.GeneralizedPareto(gg.tensor([0.0, 0.0, 1.0]), 2.0, gg.tensor([-0.5, 0.0, 0.5]))
    tp = TD.GeneralizedPareto(torch.tensor([0.0, 0.0, 1.0]), 2.0, torch.tensor([-0.5, 0.0, 0.5]))
    assert repr(gp.support) == repr(tp.support)
    for name in ["Cauchy", "HalfCauchy", "HalfNormal", "Gumbel", "Weibull", "Kumaraswamy", "InverseGamma", "Chi2",
                 "StudentT", "FisherSnedecor", "VonMises", "LogisticNormal"]:
        gd = SAMPLED[name](GD, gg.tensor)
        td = SAMPLED[name](TD, torch.tensor)
        assert repr(gd.support) == repr(td.support), name
        assert [(k, repr(c)) for k, c in gd.arg_constraints.items()] == [(k, repr(c))
                                                                         for k, c in td.arg_constraints.items()]
