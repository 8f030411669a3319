"""gpugrad.distributions against torch.distributions: log_prob, cdf/icdf, entropy, mean, mode, variance,
stddev and KL divergences with their gradients (float64, broadcasting batch shapes); rsample's pathwise
gradients given the same noise; sample shapes, dtypes and moments (fixed seeds); expand; PyTorch's validation
errors."""
from __future__ import annotations


import numpy as np
import pytest

import gpugrad as gg
import gpugrad.distributions as GD
import gpugrad.distributions.utils as gutils

torch = pytest.importorskip("torch")
TD = torch.distributions

rng = np.random.default_rng(11)


def _lower(n, batch=()):
    a = np.tril(rng.uniform(-0.5, 0.5, batch + (n, n)))
    return a + np.eye(n) * rng.uniform(0.5, 1.5, batch + (n,))[..., None]


def _spd(n, batch=()):
    a = rng.uniform(-1, 1, batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


# name -> (constructor on a distributions module, {param: array}, value array, quantities, has cdf/icdf)
BASIC = ["mean", "variance", "stddev", "mode", "entropy"]
CASES = {
    "Normal": (lambda D, loc, scale: D.Normal(loc, scale),
               {"loc": rng.uniform(-1, 1, (3, 1)), "scale": rng.uniform(0.5, 2, (4,))},
               rng.uniform(-2, 2, (2, 3, 4)), BASIC, True),
    "LogNormal": (lambda D, loc, scale: D.LogNormal(loc, scale),
                  {"loc": rng.uniform(-1, 1, (3, 1)), "scale": rng.uniform(0.5, 1.5, (4,))},
                  rng.uniform(0.1, 3, (2, 3, 4)), BASIC, True),
    "Uniform": (lambda D, low, high: D.Uniform(low, high),
                {"low": rng.uniform(-2, -1, (3, 1)), "high": rng.uniform(1, 2, (4,))},
                rng.uniform(-0.9, 0.9, (2, 3, 4)), ["mean", "variance", "stddev", "entropy"], True),
    "Laplace": (lambda D, loc, scale: D.Laplace(loc, scale),
                {"loc": rng.uniform(-1, 1, (3, 1)), "scale": rng.uniform(0.5, 2, (4,))},
                rng.uniform(-2, 2, (2, 3, 4)), BASIC, True),
    "Exponential": (lambda D, rate: D.Exponential(rate), {"rate": rng.uniform(0.5, 2, (3, 4))},
                    rng.uniform(0.1, 3, (2, 3, 4)), BASIC, True),
    "Gamma": (lambda D, c, r: D.Gamma(c, r), {"c": rng.uniform(0.3, 4, (3, 1)), "r": rng.uniform(0.5, 2, (4,))},
              rng.uniform(0.1, 3, (2, 3, 4)), BASIC, False),
    "Beta": (lambda D, a, b: D.Beta(a, b), {"a": rng.uniform(1.2, 4, (3, 1)), "b": rng.uniform(1.2, 3, (4,))},
             rng.uniform(0.05, 0.95, (2, 3, 4)), BASIC, False),
    "Dirichlet": (lambda D, c: D.Dirichlet(c), {"c": rng.uniform(1.2, 3, (2, 4))},
                  rng.dirichlet(np.ones(4), (3, 2)), BASIC, False),
    "Bernoulli_probs": (lambda D, p: D.Bernoulli(probs=p), {"p": rng.uniform(0.1, 0.9, (3, 4))},
                        (rng.uniform(size=(2, 3, 4)) > 0.5).astype(float), ["mean", "variance", "stddev", "entropy"],
                        False),
    "Bernoulli_logits": (lambda D, z: D.Bernoulli(logits=z), {"z": rng.uniform(-2, 2, (3, 4))},
                         (rng.uniform(size=(2, 3, 4)) > 0.5).astype(float), ["mean", "variance", "entropy"], False),
    "Categorical_probs": (lambda D, p: D.Categorical(probs=p), {"p": rng.uniform(0.1, 1, (3, 5))},
                          rng.integers(0, 5, (2, 3)), ["entropy", "probs", "logits"], False),
    "Categorical_logits": (lambda D, z: D.Categorical(logits=z), {"z": rng.uniform(-2, 2, (3, 5))},
                           rng.integers(0, 5, (4, 1)), ["entropy", "probs", "logits"], False),
    "OneHotCategorical": (lambda D, z: D.OneHotCategorical(logits=z), {"z": rng.uniform(-2, 2, (3, 5))},
                          np.eye(5)[rng.integers(0, 5, (2, 3))], ["mean", "variance", "mode", "entropy"], False),
    "MVN_scale_tril": (lambda D, loc, L: D.MultivariateNormal(loc, scale_tril=L),
                       {"loc": rng.uniform(-1, 1, (2, 3)), "L": _lower(3)},
                       rng.uniform(-2, 2, (4, 2, 3)),
                       ["mean", "variance", "entropy", "covariance_matrix", "precision_matrix"], False),
    "MVN_covariance": (lambda D, loc, S: D.MultivariateNormal(loc, covariance_matrix=S),
                       {"loc": rng.uniform(-1, 1, (3,)), "S": _spd(3, (2,))},
                       rng.uniform(-2, 2, (4, 2, 3)), ["variance", "entropy", "scale_tril", "precision_matrix"], False),
    "MVN_precision": (lambda D, loc, P: D.MultivariateNormal(loc, precision_matrix=P),
                      {"loc": rng.uniform(-1, 1, (2, 3)), "P": _spd(3)},
                      rng.uniform(-2, 2, (2, 3)), ["variance", "entropy", "scale_tril", "covariance_matrix"], False),
    "Independent": (lambda D, loc, scale: D.Independent(D.Normal(loc, scale), 1),
                    {"loc": rng.uniform(-1, 1, (3, 1)), "scale": rng.uniform(0.5, 2, (4,))},
                    rng.uniform(-2, 2, (2, 3, 4)), BASIC, False),
}


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, gg.Tensor) else t.detach().numpy()


def _params(params, device, grad=True):
    g = [gg.tensor(a, dtype=gg.float64, device=device, requires_grad=grad) for a in params.values()]
    t = [torch.tensor(a, dtype=torch.float64, requires_grad=grad) for a in params.values()]
    return g, t


def _value(v, device):
    if v.dtype.kind == "i":
        return gg.tensor(v, device=device), torch.tensor(v)
    return gg.tensor(v, dtype=gg.float64, device=device), torch.tensor(v, dtype=torch.float64)


def _compare(gout, tout, gin, tin, rtol=1e-9, atol=1e-11):
    """Values equal, and the gradients of a fixed weighted sum with respect to every parameter."""
    assert tuple(gout.shape) == tuple(tout.shape)
    assert str(gout.dtype) == str(tout.dtype).replace("torch.", "gpugrad.")
    np.testing.assert_allclose(_np(gout), _np(tout), rtol=rtol, atol=atol)
    if not tout.requires_grad:
        return
    w = np.random.default_rng(3).uniform(0.5, 1.5, tuple(tout.shape))
    finite = np.isfinite(_np(tout))
    w = np.where(finite, w, 0.0)
    tl = (torch.where(torch.tensor(finite), tout, 0.0) * torch.tensor(w)).sum()
    gl = (gg.where(gg.tensor(finite, device=gout.device), gout, 0.0) * gg.tensor(w, device=gout.device)).sum()
    tg = torch.autograd.grad(tl, tin, allow_unused=True)
    ggr = gg.autograd.grad(gl, gin, allow_unused=True)
    for a, b in zip(ggr, tg):
        b = np.zeros(1) if b is None else b.numpy()
        a = np.zeros(1) if a is None else _np(a)
        np.testing.assert_allclose(np.broadcast_to(a, b.shape), b, rtol=1e-7, atol=1e-9)


def _get(d, q):
    a = getattr(d, q)
    return a() if callable(a) else a


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients(name, device):
    make, params, value, quantities, has_cdf = CASES[name]
    gv, tv = _value(value, device)
    checks = [("log_prob", lambda d, v: d.log_prob(v))] + [(q, lambda d, v, q=q: _get(d, q)) for q in quantities]
    if has_cdf:
        checks += [("cdf", lambda d, v: d.cdf(v)), ("icdf", lambda d, v: d.icdf(d.cdf(v) * 0.9 + 0.05))]
    for what, f in checks:
        gp, tp = _params(params, device)
        gd, td = make(GD, *gp), make(TD, *tp)
        assert tuple(gd.batch_shape) == tuple(td.batch_shape) and tuple(gd.event_shape) == tuple(td.event_shape)
        gout, tout = f(gd, gv), f(td, tv)
        try:
            _compare(gout, tout, gp, tp)
        except AssertionError as e:
            raise AssertionError(f"{name}.{what}: {e}") from None


def test_gamma_cdf(device):
    """Gamma.cdf is the regularized incomplete gamma function (PyTorch's gammainc, whose own values are accurate
    to about 4e-10): differentiable in rate and value; in concentration an error at backward, as PyTorch."""
    c, r = rng.uniform(0.2, 30, (3, 1)), rng.uniform(0.5, 2, (4,))
    v = rng.uniform(0.0, 40, (2, 3, 4))
    gp, tp = _params({"r": r}, device)
    gv, tv = _params({"v": v}, device)
    gout = GD.Gamma(gg.tensor(c, device=device), gp[0]).cdf(gv[0])
    tout = TD.Gamma(torch.tensor(c), tp[0]).cdf(tv[0])
    _compare(gout, tout, gp + gv, tp + tv, rtol=1e-8, atol=1e-9)
    gc, tc = gg.tensor(c, device=device, requires_grad=True), torch.tensor(c, requires_grad=True)
    with pytest.raises(NotImplementedError):
        TD.Gamma(tc, 1.0).cdf(torch.tensor(v)).sum().backward()
    with pytest.raises(NotImplementedError):
        GD.Gamma(gc, 1.0).cdf(gg.tensor(v, device=device)).sum().backward()


def test_mode_edge_cases():
    for probs in ([0.2, 0.5, 0.7],):
        assert np.array_equal(_np(GD.Bernoulli(gg.tensor(probs)).mode), TD.Bernoulli(torch.tensor(probs)).mode.numpy(),
                              equal_nan=True)
    c = np.array([[0.5, 0.7, 0.3], [2.0, 3.0, 1.5]])
    np.testing.assert_allclose(_np(GD.Dirichlet(gg.tensor(c)).mode), TD.Dirichlet(torch.tensor(c)).mode.numpy())
    u = GD.Uniform(gg.zeros(2), 1.0).mode
    assert np.isnan(_np(u)).all() and tuple(u.shape) == (2,)
    assert np.array_equal(_np(GD.Categorical(gg.tensor([[0.1, 0.7, 0.2]])).mode), [1])
    assert np.all(_np(GD.Exponential(gg.tensor([2.0])).mode) == 0)


# -- KL divergences -----------------------------------------------------------------------------------------------
def _d(kind, *shape):
    """(constructor, params) of a distribution family with batch shape ``shape``."""
    u = lambda lo, hi, s=shape: rng.uniform(lo, hi, s)  # noqa: E731
    return {
        "Normal": (lambda D, a, b: D.Normal(a, b), [u(-1, 1), u(0.5, 2)]),
        "LogNormal": (lambda D, a, b: D.LogNormal(a, b), [u(-1, 1), u(0.5, 2)]),
        "Uniform": (lambda D, a, b: D.Uniform(a, b), [u(0.1, 0.4), u(0.6, 0.9)]),
        "UniformWide": (lambda D, a, b: D.Uniform(a, b), [u(-2, -1), u(1, 2)]),
        "Laplace": (lambda D, a, b: D.Laplace(a, b), [u(-1, 1), u(0.5, 2)]),
        "Exponential": (lambda D, a: D.Exponential(a), [u(0.5, 2)]),
        "Gamma": (lambda D, a, b: D.Gamma(a, b), [u(0.5, 3), u(0.5, 2)]),
        "Beta": (lambda D, a, b: D.Beta(a, b), [u(0.5, 3), u(0.5, 3)]),
        "Bernoulli": (lambda D, a: D.Bernoulli(a), [u(0.1, 0.9)]),
        "Categorical": (lambda D, a: D.Categorical(logits=a), [u(-2, 2, shape + (4,))]),
        "OneHotCategorical": (lambda D, a: D.OneHotCategorical(a), [u(0.1, 1, shape + (4,))]),
        "Dirichlet": (lambda D, a: D.Dirichlet(a), [u(0.5, 3, shape + (4,))]),
        "MultivariateNormal": (lambda D, a, b: D.MultivariateNormal(a, scale_tril=b),
                               [u(-1, 1, shape + (3,)), _lower(3, shape)]),
        "MultivariateNormalCov": (lambda D, a, b: D.MultivariateNormal(a, covariance_matrix=b),
                                  [u(-1, 1, (3,)), _spd(3, shape)]),
        "Independent": (lambda D, a, b: D.Independent(D.Normal(a, b), 1), [u(-1, 1, shape + (3,)),
                                                                           u(0.5, 2, shape + (3,))]),
    }[kind]


KL_PAIRS = [(p, p) for p in ["Normal", "LogNormal", "Uniform", "Laplace", "Exponential", "Gamma", "Beta", "Bernoulli",
                             "Categorical", "OneHotCategorical", "Dirichlet", "MultivariateNormal", "Independent"]]
KL_PAIRS += [("MultivariateNormal", "MultivariateNormalCov"), ("Uniform", "UniformWide"),
             ("Uniform", "Normal"), ("Uniform", "Beta"), ("Uniform", "Gamma"), ("Uniform", "Exponential"),
             ("Beta", "Gamma"), ("Beta", "Normal"), ("Beta", "UniformWide"), ("Beta", "Uniform"),
             ("Exponential", "Gamma"), ("Exponential", "Normal"), ("Exponential", "Uniform"), ("Gamma", "Exponential"),
             ("Gamma", "Normal"), ("Gamma", "Beta"), ("Laplace", "Normal"), ("Normal", "Laplace"),
             ("Normal", "Gamma"), ("Laplace", "Uniform")]


_TORCH_NO_BROADCAST = {("Bernoulli", "Bernoulli"), ("Uniform", "Beta"), ("Uniform", "Gamma"), ("Uniform", "Exponential"),
                       ("Beta", "UniformWide"), ("Beta", "Uniform"), ("Uniform", "Uniform"), ("Uniform", "UniformWide"),
                       ("Categorical", "Categorical"), ("OneHotCategorical", "OneHotCategorical")}


@pytest.mark.parametrize("pq", KL_PAIRS, ids=[f"{p}-{q}" for p, q in KL_PAIRS])
def test_kl_divergence(pq, device):
    # PyTorch's masked assignments in these don't broadcast the batch shapes (an IndexError): one shape there
    pshape = (2, 3) if pq in _TORCH_NO_BROADCAST else (2, 1)
    (pm, pp), (qm, qp) = _d(pq[0], *pshape), _d(pq[1], *pshape[1:] if pshape == (2, 1) else pshape)
    gpp, tpp = _params(dict(enumerate(pp)), device)
    gqp, tqp = _params(dict(enumerate(qp)), device)
    gout = GD.kl_divergence(pm(GD, *gpp), qm(GD, *gqp))
    tout = TD.kl_divergence(pm(TD, *tpp), qm(TD, *tqp))
    _compare(gout, tout, gpp + gqp, tpp + tqp)
    if pq in _TORCH_NO_BROADCAST:       # gpugrad broadcasts them: the same values as with expanded parameters
        (pm, pp), (qm, qp) = _d(pq[0], 2, 1), _d(pq[1], 3)
        gpp, tpp = _params(dict(enumerate(pp)), device)
        gqp, tqp = _params(dict(enumerate(qp)), device)
        gout = GD.kl_divergence(pm(GD, *gpp), qm(GD, *gqp))
        tout = TD.kl_divergence(pm(TD, *tpp).expand((2, 3)), qm(TD, *tqp).expand((2, 3)))
        _compare(gout, tout, gpp + gqp, tpp + tqp)


def test_kl_not_implemented_and_register():
    with pytest.raises(NotImplementedError) as g:
        GD.kl_divergence(GD.Categorical(gg.ones(3)), GD.Normal(0.0, 1.0))
    with pytest.raises(NotImplementedError) as t:
        TD.kl_divergence(TD.Categorical(torch.ones(3)), TD.Normal(0.0, 1.0))
    assert str(g.value) == str(t.value)

    class MyNormal(GD.Normal):
        pass
    assert np.allclose(_np(GD.kl_divergence(MyNormal(0.0, 1.0), GD.Normal(1.0, 1.0))), 0.5)   # the base's entry

    @GD.register_kl(MyNormal, GD.Normal)
    def _kl(p, q):
        return p.loc * 0 + 7.0
    assert _np(GD.kl_divergence(MyNormal(0.0, 1.0), GD.Normal(1.0, 1.0))) == 7.0
    with pytest.raises(TypeError):
        GD.register_kl(int, GD.Normal)


# -- rsample: the same noise gives the same samples and the same pathwise gradients -------------------------------
def _fixed_noise(monkeypatch, arrays):
    """gpugrad's noise from ``arrays`` (consumed in order)."""
    queue = list(arrays)

    def noise(kind, shape, like):
        a = queue.pop(0)
        assert a.shape == tuple(shape), (a.shape, shape)
        return gg.tensor(a, dtype=like.dtype, device=like.device)
    monkeypatch.setattr(gutils, "_noise", noise)


RSAMPLE = {
    "Normal": (lambda D, a, b: D.Normal(a, b), [rng.uniform(-1, 1, (3, 1)), rng.uniform(0.5, 2, (4,))], "normal"),
    "LogNormal": (lambda D, a, b: D.LogNormal(a, b), [rng.uniform(-1, 1, (3, 1)), rng.uniform(0.5, 2, (4,))],
                  "normal"),
    "MultivariateNormal": (lambda D, a, b: D.MultivariateNormal(a, scale_tril=b),
                           [rng.uniform(-1, 1, (2, 3)), _lower(3)], "normal"),
    "MultivariateNormalCov": (lambda D, a, b: D.MultivariateNormal(a, covariance_matrix=b),
                              [rng.uniform(-1, 1, (3,)), _spd(3, (2,))], "normal"),
    "Uniform": (lambda D, a, b: D.Uniform(a, b), [rng.uniform(-2, -1, (3, 1)), rng.uniform(1, 2, (4,))], "uniform"),
    "Exponential": (lambda D, a: D.Exponential(a), [rng.uniform(0.5, 2, (3, 4))], "icdf"),
    "Laplace": (lambda D, a, b: D.Laplace(a, b), [rng.uniform(-1, 1, (3, 1)), rng.uniform(0.5, 2, (4,))], "icdf"),
}


@pytest.mark.parametrize("name", sorted(RSAMPLE))
def test_rsample_pathwise_gradients(name, device, monkeypatch):
    make, params, how = RSAMPLE[name]
    gp, tp = _params(dict(enumerate(params)), device)
    gd, td = make(GD, *gp), make(TD, *tp)
    shape = (5,) + tuple(td.batch_shape) + tuple(td.event_shape)
    if how == "icdf":        # PyTorch draws in place (exponential_, uniform_): its icdf at the same uniform
        u = rng.uniform(0, 1, shape)
        _fixed_noise(monkeypatch, [u])
        gout = gd.rsample((5,))
        eps = float(np.finfo(np.float64).eps)
        v = u if name == "Exponential" else ((eps - 1) + u * (2 - eps) + 1) / 2
        tout = td.icdf(torch.tensor(v))
    else:
        eps = rng.standard_normal(shape) if how == "normal" else rng.uniform(0, 1, shape)
        _fixed_noise(monkeypatch, [eps])
        gout = gd.rsample((5,))
        te = torch.tensor(eps)
        if how == "normal":
            monkeypatch.setattr(TD.normal, "_standard_normal", lambda *a, **k: te)
            monkeypatch.setattr(TD.multivariate_normal, "_standard_normal", lambda *a, **k: te)
        else:
            monkeypatch.setattr(torch, "rand", lambda *a, **k: te)
        tout = td.rsample((5,))
    _compare(gout, tout, gp, tp, rtol=1e-7, atol=1e-9)


def test_gamma_rsample_implicit_gradient(monkeypatch):
    """Given PyTorch's standard Gamma draws, Gamma.rsample and its gradient with respect to concentration (the
    implicit reparameterization gradient, all three of PyTorch's approximation regimes) and rate match."""
    conc = np.concatenate([rng.uniform(0.05, 1, 8), rng.uniform(1, 8, 8), rng.uniform(8, 40, 8)])
    rate = rng.uniform(0.5, 2, 24)
    tc, tr = torch.tensor(conc, requires_grad=True), torch.tensor(rate, requires_grad=True)
    torch.manual_seed(0)
    tout = TD.Gamma(tc, tr).rsample((50,))
    torch.manual_seed(0)
    draws = torch._standard_gamma(tc.detach().expand(50, 24)).numpy()
    monkeypatch.setattr(gutils, "_standard_gamma_draw", lambda alpha: draws.copy())
    gc, gr = gg.tensor(conc, requires_grad=True), gg.tensor(rate, requires_grad=True)
    gout = GD.Gamma(gc, gr).rsample((50,))
    _compare(gout, tout, [gc, gr], [tc, tr], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kind", ["Beta", "Dirichlet"])
def test_beta_dirichlet_rsample_gradient_in_expectation(kind):
    """The pathwise gradient of E[X] averaged over many samples is the gradient of the mean (the estimator is
    unbiased; PyTorch's per-sample approximation differs, its expectation does not)."""
    gg.manual_seed(1)
    c = np.array([0.7, 2.0, 5.0])
    gc = gg.tensor(c, requires_grad=True)
    tc = torch.tensor(c, requires_grad=True)
    n = 100000
    w = np.array([1.0, -0.5, 0.25])
    if kind == "Dirichlet":
        gs = GD.Dirichlet(gc).rsample((n,))
        tm = TD.Dirichlet(tc).mean
    else:
        gs = GD.Beta(gc[0], gc[1]).rsample((n,)).unsqueeze(-1)
        tm = TD.Beta(tc[0], tc[1]).mean.unsqueeze(-1)
        w = w[:1]
    (gs.mean(0) * gg.tensor(w)).sum().backward()
    (tm * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(gc.grad), tc.grad.numpy(), rtol=0.05, atol=2e-3)


# -- sampling: shapes, dtypes, moments ----------------------------------------------------------------------------
SAMPLED = {
    "Normal": lambda D, T: D.Normal(T([0.5, -1.0]), T([1.0, 2.0])),
    "LogNormal": lambda D, T: D.LogNormal(T([0.0, 0.3]), T([0.5, 0.25])),
    "Uniform": lambda D, T: D.Uniform(T([0.0, -2.0]), T([1.0, 3.0])),
    "Laplace": lambda D, T: D.Laplace(T([0.5, -1.0]), T([1.0, 0.5])),
    "Exponential": lambda D, T: D.Exponential(T([0.5, 3.0])),
    "Gamma": lambda D, T: D.Gamma(T([0.3, 4.0]), T([1.0, 2.0])),
    "Beta": lambda D, T: D.Beta(T([0.5, 3.0]), T([2.0, 1.5])),
    "Dirichlet": lambda D, T: D.Dirichlet(T([[0.5, 1.0, 3.0], [2.0, 2.0, 2.0]])),
    "Bernoulli": lambda D, T: D.Bernoulli(T([0.2, 0.7])),
    "Categorical": lambda D, T: D.Categorical(T([[0.2, 0.0, 0.5, 0.3], [1.0, 1.0, 1.0, 1.0]])),
    "OneHotCategorical": lambda D, T: D.OneHotCategorical(logits=T([[0.2, 0.0, 0.5, 0.3], [1.0, 2.0, 1.0, -1.0]])),
    "MultivariateNormal": lambda D, T: D.MultivariateNormal(T([0.5, -1.0]), T([[2.0, 0.5], [0.5, 1.0]])),
    "Independent": lambda D, T: D.Independent(D.Normal(T([0.5, -1.0]), T([1.0, 2.0])), 1),
}


@pytest.mark.parametrize("name", sorted(SAMPLED))
def test_sample_shapes_and_dtypes(name, device):
    gd = SAMPLED[name](GD, lambda v: gg.tensor(v, device=device))
    td = SAMPLED[name](TD, torch.tensor)
    for shape in [(), (3,), (2, 3)]:
        gs, ts = gd.sample(shape), td.sample(shape)
        assert tuple(gs.shape) == tuple(ts.shape), (shape, gs.shape, ts.shape)
        assert str(gs.dtype) == str(ts.dtype).replace("torch.", "gpugrad."), (gs.dtype, ts.dtype)
        assert not gs.requires_grad
    assert gs.device == gg.device(device)
    ge, te = gd.expand((4, 2)), td.expand((4, 2))
    assert tuple(ge.batch_shape) == tuple(te.batch_shape) and tuple(ge.sample((3,)).shape) == tuple(te.sample((3,)).shape)


@pytest.mark.parametrize("name", sorted(SAMPLED))
def test_sample_moments(name, device):
    """Sample mean and variance (and covariance) within 5 standard errors of PyTorch's values."""
    n = 200000
    gg.manual_seed(0)
    T64 = lambda v: gg.tensor(v, dtype=gg.float64, device=device)  # noqa: E731
    gd = SAMPLED[name](GD, T64)
    td = SAMPLED[name](TD, lambda v: torch.tensor(v, dtype=torch.float64))
    s = _np(gd.sample((n,))).astype(np.float64)
    if name == "Categorical":
        freq = np.stack([(s == k).mean(0) for k in range(4)], -1)
        p = td.probs.numpy()
        np.testing.assert_array_less(np.abs(freq - p), 5 * np.sqrt(p * (1 - p) / n) + 1e-12)
        return
    mean, var = td.mean.numpy(), td.variance.numpy()
    np.testing.assert_array_less(np.abs(s.mean(0) - mean), 5 * np.sqrt(var / n) + 1e-12)
    m4 = ((s - mean) ** 4).mean(0)
    np.testing.assert_array_less(np.abs(s.var(0) - var), 5 * np.sqrt(np.maximum(m4 - var ** 2, 0) / n) + 1e-12)
    if name == "MultivariateNormal":
        np.testing.assert_allclose(np.cov(s.T), td.covariance_matrix.numpy(), atol=0.03)


def test_manual_seed_reproduces_samples():
    d = GD.Gamma(gg.tensor([0.5, 3.0]), 1.0)
    gg.manual_seed(5)
    a = d.sample((10,))
    gg.manual_seed(5)
    assert gg.equal(a, d.sample((10,)))


def test_rsample_gradient_flows_and_sample_does_not():
    loc = gg.zeros(3, requires_grad=True)
    assert GD.Normal(loc, 1.0).rsample().requires_grad
    assert not GD.Normal(loc, 1.0).sample().requires_grad
    c = gg.tensor([2.0, 3.0], requires_grad=True)
    GD.Gamma(c, 1.0).rsample((4,)).sum().backward()
    assert c.grad is not None and np.all(np.isfinite(_np(c.grad)))
    assert GD.Dirichlet(c).has_rsample and not GD.Bernoulli(gg.tensor(0.5)).has_rsample
    with pytest.raises(NotImplementedError):
        GD.Bernoulli(gg.tensor(0.5)).rsample()


def test_enumerate_support_and_probs_logits():
    for make in [lambda D, T: D.Bernoulli(T([0.2, 0.7])), lambda D, T: D.Categorical(T([[0.2, 0.8], [0.5, 0.5]])),
                 lambda D, T: D.OneHotCategorical(T([[0.2, 0.3, 0.5]]))]:
        gd, td = make(GD, gg.tensor), make(TD, torch.tensor)
        for expand in (True, False):
            np.testing.assert_array_equal(_np(gd.enumerate_support(expand)), td.enumerate_support(expand).numpy())
    p = np.array([[1.0, 3.0, 0.0], [2.0, 2.0, 4.0]])
    np.testing.assert_allclose(_np(GD.Categorical(gg.tensor(p)).logits), TD.Categorical(torch.tensor(p)).logits.numpy())
    np.testing.assert_allclose(_np(GD.Bernoulli(gg.tensor([0.0, 0.3, 1.0])).logits),
                               TD.Bernoulli(torch.tensor([0.0, 0.3, 1.0])).logits.numpy(), rtol=1e-6)


# -- validation -----------------------------------------------------------------------------------------------------
def _same_error(make, exc=ValueError):
    with pytest.raises(exc) as t:
        make(TD, torch.tensor)
    with pytest.raises(exc) as g:
        make(GD, gg.tensor)
    assert str(g.value) == str(t.value).replace("torch.Size(", "gpugrad.Size(")
    return str(g.value)


INVALID = {
    "Normal_scale": lambda D, T: D.Normal(T([0.0, 1.0]), T([1.0, -1.0])),
    "Normal_loc_nan": lambda D, T: D.Normal(T([float("nan")]), T([1.0])),
    "Uniform": lambda D, T: D.Uniform(T([0.0, 2.0]), T([1.0, 1.0])),
    "Exponential": lambda D, T: D.Exponential(T([0.0])),
    "Laplace": lambda D, T: D.Laplace(T([0.0]), T([0.0])),
    "LogNormal": lambda D, T: D.LogNormal(T([0.0]), T([-2.0])),
    "Gamma": lambda D, T: D.Gamma(T([-1.0, 1.0]), T([1.0, 1.0])),
    "Beta": lambda D, T: D.Beta(T([0.5]), T([-1.0])),
    "Dirichlet": lambda D, T: D.Dirichlet(T([1.0, 0.0])),
    "Bernoulli": lambda D, T: D.Bernoulli(T([0.5, 1.5])),
    "Categorical": lambda D, T: D.Categorical(T([0.5, -1.5])),
    "OneHotCategorical": lambda D, T: D.OneHotCategorical(T([[0.5, -1.5]])),
    "MVN_tril": lambda D, T: D.MultivariateNormal(T([0.0, 0.0]), scale_tril=T([[1.0, 0.5], [0.0, 1.0]])),
    "MVN_cov": lambda D, T: D.MultivariateNormal(T([0.0, 0.0]), covariance_matrix=T([[1.0, 2.0], [2.0, 1.0]])),
    "value_Normal": lambda D, T: D.Normal(T([0.0]), T([1.0])).log_prob(T([float("nan")])),
    "value_Exponential": lambda D, T: D.Exponential(T([1.0])).log_prob(T([-1.0])),
    "value_Beta": lambda D, T: D.Beta(T([1.0]), T([2.0])).log_prob(T([1.5])),
    "value_Bernoulli": lambda D, T: D.Bernoulli(T([0.3])).log_prob(T([0.5])),
    "value_Categorical": lambda D, T: D.Categorical(T([0.3, 0.7])).log_prob(T([2])),
    "value_Uniform": lambda D, T: D.Uniform(T([0.0]), T([1.0])).log_prob(T([2.0])),
    "value_Dirichlet": lambda D, T: D.Dirichlet(T([1.0, 2.0])).log_prob(T([0.5, 0.6])),
    "value_shape": lambda D, T: D.Normal(T([0.0, 1.0]), T([1.0, 1.0])).log_prob(T([0.0, 1.0, 2.0])),
    "value_event_shape": lambda D, T: D.Dirichlet(T([1.0, 2.0])).log_prob(T([0.2, 0.3, 0.5])),
    "value_not_tensor": lambda D, T: D.Normal(T([0.0]), T([1.0])).log_prob(0.0),
    "probs_and_logits": lambda D, T: D.Bernoulli(T([0.3]), T([0.0])),
    "neither": lambda D, T: D.Categorical(),
    "categorical_0d": lambda D, T: D.Categorical(T(0.5)),
    "mvn_two": lambda D, T: D.MultivariateNormal(T([0.0]), T([[1.0]]), scale_tril=T([[1.0]])),
    "mvn_loc_0d": lambda D, T: D.MultivariateNormal(T(0.0), T([[1.0]])),
    "mvn_1d_matrix": lambda D, T: D.MultivariateNormal(T([0.0]), scale_tril=T([1.0])),
    "independent_ndims": lambda D, T: D.Independent(D.Normal(T([0.0]), T([1.0])), 2),
    "dirichlet_0d": lambda D, T: D.Dirichlet(T(1.0)),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_errors_match_torch(name):
    msg = _same_error(INVALID[name])
    if not name.startswith(("value_", "probs", "neither", "categorical_0d", "mvn_", "independent", "dirichlet_0d")):
        assert "Expected parameter" in msg and "of distribution" in msg and "to satisfy the constraint" in msg


def test_set_default_validate_args():
    try:
        GD.Distribution.set_default_validate_args(False)
        TD.Distribution.set_default_validate_args(False)
        d = GD.Normal(gg.tensor([0.0]), gg.tensor([-1.0]))           # accepted, as in PyTorch
        t = TD.Normal(torch.tensor([0.0]), torch.tensor([-1.0]))
        np.testing.assert_allclose(_np(d.log_prob(gg.tensor([0.5]))), t.log_prob(torch.tensor([0.5])).numpy())
        with pytest.raises(ValueError):
            GD.Normal(gg.tensor([0.0]), gg.tensor([-1.0]), validate_args=True)
    finally:
        GD.Distribution.set_default_validate_args(True)
        TD.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        GD.Distribution.set_default_validate_args(2)
    GD.Normal(gg.tensor([0.0]), gg.tensor([-1.0]), validate_args=False)   # per instance


def test_repr_and_constraints():
    assert repr(GD.Normal(gg.tensor([0.0]), 1.0)) == "Normal(loc: tensor([0.]), scale: tensor([1.]))"
    assert repr(GD.Normal(gg.zeros(2), 1.0)) == "Normal(loc: gpugrad.Size([2]), scale: gpugrad.Size([2]))"
    for c in ["real", "positive", "unit_interval", "simplex", "boolean", "nonnegative", "real_vector",
              "lower_cholesky", "positive_definite", "one_hot"]:
        assert repr(getattr(GD.constraints, c)) == repr(getattr(TD.constraints, c))
    assert repr(GD.constraints.interval(0.0, 2.0)) == repr(TD.constraints.interval(0.0, 2.0))
    assert repr(GD.constraints.integer_interval(0, 3)) == repr(TD.constraints.integer_interval(0, 3))
    assert repr(GD.Uniform(0.0, 1.0).support) == repr(TD.Uniform(0.0, 1.0).support)
    assert repr(GD.Independent(GD.Normal(gg.zeros(2), 1.0), 1).support) == repr(
        TD.Independent(TD.Normal(torch.zeros(2), 1.0), 1).support)


def test_as_torch_namespace_policy_gradient_and_vae_step():
    """``import gpugrad as torch`` scripts: a REINFORCE loss on sampled actions and a VAE's reparameterized
    KL + reconstruction term give PyTorch's gradients (float32, the actions and noise shared)."""
    import gpugrad as gtorch
    logits = rng.standard_normal((4, 3)).astype(np.float32)
    adv = rng.standard_normal(4).astype(np.float32)
    gl, tl = gtorch.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    actions = gtorch.distributions.Categorical(logits=gl).sample()
    assert str(actions.dtype) == "gpugrad.int64" and tuple(actions.shape) == (4,)
    gd, td = gtorch.distributions.Categorical(logits=gl), TD.Categorical(logits=tl)
    (-(gd.log_prob(actions) * gtorch.tensor(adv)).mean() - 0.01 * gd.entropy().mean()).backward()
    (-(td.log_prob(torch.tensor(_np(actions))) * torch.tensor(adv)).mean() - 0.01 * td.entropy().mean()).backward()
    np.testing.assert_allclose(_np(gl.grad), tl.grad.numpy(), rtol=1e-5, atol=1e-6)

    mu, logvar = rng.standard_normal((4, 2)).astype(np.float32), rng.standard_normal((4, 2)).astype(np.float32)
    eps = rng.standard_normal((4, 2)).astype(np.float32)
    gm, gv = gtorch.tensor(mu, requires_grad=True), gtorch.tensor(logvar, requires_grad=True)
    tm, tv = torch.tensor(mu, requires_grad=True), torch.tensor(logvar, requires_grad=True)
    gq = gtorch.distributions.Normal(gm, (0.5 * gv).exp())
    tq = TD.Normal(tm, (0.5 * tv).exp())
    gz = gm + (0.5 * gv).exp() * gtorch.tensor(eps)
    tz = tm + (0.5 * tv).exp() * torch.tensor(eps)
    gloss = gtorch.distributions.kl_divergence(gq, gtorch.distributions.Normal(0.0, 1.0)).sum() + (gz ** 2).sum()
    tloss = TD.kl_divergence(tq, TD.Normal(0.0, 1.0)).sum() + (tz ** 2).sum()
    gloss.backward()
    tloss.backward()
    np.testing.assert_allclose(_np(gloss), tloss.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(_np(gm.grad), tm.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(gv.grad), tv.grad.numpy(), rtol=1e-5, atol=1e-6)


_HIGHER = {    # closed forms through lgamma/digamma/erfinv, whose second and third derivatives need polygamma
    "gamma_entropy_kl": lambda D, a, b: D.Gamma(a, b).entropy() + D.kl_divergence(D.Gamma(a, b), D.Gamma(b, a)),
    "beta_entropy_kl": lambda D, a, b: D.Beta(a, b).entropy() + D.kl_divergence(D.Beta(a, b), D.Beta(b, a)),
    "dirichlet_entropy_kl": lambda D, a, b: (D.Dirichlet(a * b).entropy()
                                             + D.kl_divergence(D.Dirichlet(a), D.Dirichlet(b))),
    "normal_icdf": lambda D, a, b: D.Normal(b, a).icdf(a / 3.0) * b,
}


@pytest.mark.parametrize("name", sorted(_HIGHER))
def test_second_and_third_derivatives_match_torch(name):
    def derivs(lib, D):
        a = lib.tensor(np.array([0.7, 1.3, 2.5]), requires_grad=True)
        b = lib.tensor(np.array([1.1, 0.4, 3.0]), requires_grad=True)
        (g,) = lib.autograd.grad(_HIGHER[name](D, a, b).sum(), a, create_graph=True)
        (gb,) = lib.autograd.grad((g * g).sum(), b, retain_graph=True)
        (h,) = lib.autograd.grad(g.sum(), a, create_graph=True)
        (t,) = lib.autograd.grad(h.sum(), a)
        return [x.detach().numpy() for x in (g, gb, h, t)]

    for ours, want in zip(derivs(gg, GD), derivs(torch, TD)):
        np.testing.assert_allclose(ours, want, rtol=1e-9, atol=1e-10)
