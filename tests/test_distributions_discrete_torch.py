"""The count, relaxed, mixture and low-rank distributions of gpugrad.distributions against torch.distributions
(Poisson, Binomial, Geometric, NegativeBinomial, Multinomial, ContinuousBernoulli, (Logit)RelaxedBernoulli,
ExpRelaxedCategorical, RelaxedOneHotCategorical, OneHotCategoricalStraightThrough, MixtureSameFamily,
LowRankMultivariateNormal): log_prob, cdf/icdf, entropy, mean, mode, variance and lazy probs/logits with their
gradients (float64, broadcasting batch shapes, both parameterizations); KL divergences; rsample's pathwise
gradients given the same noise; sample shapes, dtypes and moments (fixed seeds); enumerate_support; expand;
PyTorch's validation errors."""
from __future__ import annotations

import types

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.distributions as GD
from gpugrad.distributions.binomial import Binomial
from gpugrad.distributions.continuous_bernoulli import ContinuousBernoulli
from gpugrad.distributions.geometric import Geometric
from gpugrad.distributions.gumbel import Gumbel
from gpugrad.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
from gpugrad.distributions.mixture_same_family import MixtureSameFamily
from gpugrad.distributions.multinomial import Multinomial
from gpugrad.distributions.negative_binomial import NegativeBinomial
from gpugrad.distributions.one_hot_categorical import OneHotCategoricalStraightThrough
from gpugrad.distributions.pareto import Pareto
from gpugrad.distributions.poisson import Poisson
from gpugrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from gpugrad.distributions.relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical

torch = pytest.importorskip("torch")
TD = torch.distributions
from torch.distributions.relaxed_bernoulli import LogitRelaxedBernoulli as _TLogitRelaxedBernoulli  # noqa: E402
from torch.distributions.relaxed_categorical import ExpRelaxedCategorical as _TExpRelaxedCategorical  # noqa: E402

from test_distributions_torch import _compare, _d, _fixed_noise, _lower, _np, _params  # noqa: E402
from test_distributions_torch import _same_error as _same_error_td  # noqa: E402

_NEW = dict(Poisson=Poisson, Binomial=Binomial, Geometric=Geometric, NegativeBinomial=NegativeBinomial,
            Multinomial=Multinomial, ContinuousBernoulli=ContinuousBernoulli, RelaxedBernoulli=RelaxedBernoulli,
            LogitRelaxedBernoulli=LogitRelaxedBernoulli, ExpRelaxedCategorical=ExpRelaxedCategorical,
            RelaxedOneHotCategorical=RelaxedOneHotCategorical, MixtureSameFamily=MixtureSameFamily,
            OneHotCategoricalStraightThrough=OneHotCategoricalStraightThrough,
            LowRankMultivariateNormal=LowRankMultivariateNormal, Gumbel=Gumbel, Pareto=Pareto)
# the two libraries as namespaces of the same names (the constructors below take either)
G = types.SimpleNamespace(**{**vars(GD), **_NEW}, tensor=gg.tensor)
T = types.SimpleNamespace(**vars(TD), LogitRelaxedBernoulli=_TLogitRelaxedBernoulli,
                          ExpRelaxedCategorical=_TExpRelaxedCategorical, tensor=torch.tensor)

rng = np.random.default_rng(17)


def _counts(hi, shape):
    return rng.integers(0, hi + 1, shape).astype(float)


def _simplex(shape):
    return rng.dirichlet(np.ones(shape[-1]), shape[:-1])


# name -> (constructor on a namespace, {param: array}, value array, quantities, has cdf and icdf (True) or cdf only)
_BIN = ["mean", "variance", "stddev", "mode"]
CASES = {
    "Poisson": (lambda D, r: D.Poisson(r), {"r": rng.uniform(0.5, 4, (3, 4))}, _counts(6, (2, 3, 4)), _BIN, False),
    "Poisson_zero_rate": (lambda D, r: D.Poisson(r), {"r": np.array([0.0, 1.5])}, np.array([[0.0, 2.0], [3.0, 0.0]]),
                          ["mean"], False),
    "Binomial_probs": (lambda D, n, p: D.Binomial(n, probs=p),
                       {"n": np.array([[5.0], [8.0], [10.0]]), "p": rng.uniform(0.05, 0.95, (4,))},
                       _counts(5, (2, 3, 4)), _BIN + ["logits"], False),
    "Binomial_logits": (lambda D, z: D.Binomial(6, logits=z), {"z": rng.uniform(-2, 2, (3, 4))},
                        _counts(6, (2, 3, 4)), _BIN + ["entropy", "probs"], False),
    "Binomial_entropy_probs": (lambda D, p: D.Binomial(D.tensor(7.0, dtype=p.dtype, device=p.device), p),
                               {"p": rng.uniform(0.05, 0.95, (3,))}, _counts(7, (3,)), ["entropy"], False),
    "Geometric_probs": (lambda D, p: D.Geometric(p), {"p": rng.uniform(0.1, 0.9, (3, 4))},
                        _counts(6, (2, 3, 4)), _BIN + ["entropy", "logits"], False),
    "Geometric_logits": (lambda D, z: D.Geometric(logits=z), {"z": rng.uniform(-2, 2, (3, 4))},
                         _counts(6, (2, 1, 4)), _BIN + ["entropy", "probs"], False),
    "NegativeBinomial_probs": (lambda D, n, p: D.NegativeBinomial(n, probs=p),
                               {"n": rng.uniform(0.5, 6, (3, 1)), "p": rng.uniform(0.1, 0.9, (4,))},
                               _counts(8, (2, 3, 4)), _BIN + ["logits"], False),
    "NegativeBinomial_logits": (lambda D, n, z: D.NegativeBinomial(n, logits=z),
                                {"n": rng.uniform(0.5, 6, (3, 4)), "z": rng.uniform(-2, 2, (3, 4))},
                                _counts(8, (2, 3, 4)), _BIN + ["probs"], False),
    "Multinomial_probs": (lambda D, p: D.Multinomial(5, probs=p), {"p": rng.uniform(0.1, 1, (3, 4))},
                          rng.multinomial(5, [0.25] * 4, (2, 3)).astype(float),
                          ["mean", "variance", "stddev", "entropy", "logits"], False),
    "Multinomial_logits": (lambda D, z: D.Multinomial(3, logits=z), {"z": rng.uniform(-2, 2, (4,))},
                           rng.multinomial(3, [0.25] * 4, (2, 3)).astype(float), ["mean", "entropy", "probs"],
                           False),
    "ContinuousBernoulli_probs": (lambda D, p: D.ContinuousBernoulli(p),
                                  {"p": np.concatenate([rng.uniform(0.05, 0.95, (3, 3)),
                                                        [[0.4995], [0.5004], [0.3]]], -1)},
                                  rng.uniform(0.02, 0.98, (2, 3, 4)), ["mean", "variance", "stddev", "entropy", "logits"],
                                  True),
    "ContinuousBernoulli_logits": (lambda D, z: D.ContinuousBernoulli(logits=z),
                                   {"z": np.array([-3.0, -0.5, 0.001, 0.5, 2.0])}, rng.uniform(0.02, 0.98, (3, 5)),
                                   ["mean", "variance", "entropy", "probs"], True),
    "LogitRelaxedBernoulli": (lambda D, t, p: D.LogitRelaxedBernoulli(t, probs=p),
                              {"t": np.array(0.7), "p": rng.uniform(0.1, 0.9, (3, 4))},
                              rng.uniform(-3, 3, (2, 3, 4)), ["logits"], False),
    "RelaxedBernoulli_probs": (lambda D, t, p: D.RelaxedBernoulli(t, probs=p),
                               {"t": np.array(0.5), "p": rng.uniform(0.1, 0.9, (3, 4))},
                               rng.uniform(0.05, 0.95, (2, 3, 4)), ["logits"], False),
    "RelaxedBernoulli_logits": (lambda D, t, z: D.RelaxedBernoulli(t, logits=z),
                                {"t": np.array(1.3), "z": rng.uniform(-2, 2, (4,))},
                                rng.uniform(0.05, 0.95, (3, 4)), ["probs"], False),
    "ExpRelaxedCategorical": (lambda D, t, z: D.ExpRelaxedCategorical(t, logits=z),
                              {"t": np.array(0.6), "z": rng.uniform(-2, 2, (3, 4))},
                              np.log(_simplex((2, 3, 4))), ["probs"], False),
    "RelaxedOneHotCategorical_probs": (lambda D, t, p: D.RelaxedOneHotCategorical(t, probs=p),
                                       {"t": np.array(0.6), "p": rng.uniform(0.1, 1, (3, 4))},
                                       _simplex((2, 3, 4)), ["logits"], False),
    "RelaxedOneHotCategorical_logits": (lambda D, t, z: D.RelaxedOneHotCategorical(t, logits=z),
                                        {"t": np.array(2.0), "z": rng.uniform(-2, 2, (4,))},
                                        _simplex((3, 4)), ["probs"], False),
    "OneHotCategoricalStraightThrough": (lambda D, z: D.OneHotCategoricalStraightThrough(logits=z),
                                         {"z": rng.uniform(-2, 2, (3, 5))}, np.eye(5)[rng.integers(0, 5, (2, 3))],
                                         ["mean", "variance", "mode", "entropy"], False),
    "MixtureSameFamily_Normal": (lambda D, w, loc, scale: D.MixtureSameFamily(D.Categorical(logits=w),
                                                                             D.Normal(loc, scale)),
                                 {"w": rng.uniform(-1, 1, (3, 4)), "loc": rng.uniform(-2, 2, (3, 4)),
                                  "scale": rng.uniform(0.5, 2, (4,))},
                                 rng.uniform(-3, 3, (2, 3)), ["mean", "variance", "stddev"], "cdf"),
    "MixtureSameFamily_MVN": (lambda D, p, loc, L: D.MixtureSameFamily(
        D.Categorical(probs=p), D.MultivariateNormal(loc, scale_tril=L)),
        {"p": rng.uniform(0.1, 1, (2,)), "loc": rng.uniform(-2, 2, (3, 2, 2)), "L": _lower(2, (2,))},
        rng.uniform(-3, 3, (4, 3, 2)), ["mean", "variance"], False),
    "MixtureSameFamily_Independent": (lambda D, w, loc, scale: D.MixtureSameFamily(
        D.Categorical(logits=w), D.Independent(D.Normal(loc, scale), 1)),
        {"w": rng.uniform(-1, 1, (3,)), "loc": rng.uniform(-2, 2, (2, 3, 2)), "scale": rng.uniform(0.5, 2, (3, 2))},
        rng.uniform(-3, 3, (4, 2, 2)), ["mean", "variance"], False),
    "LowRankMVN": (lambda D, loc, W, d: D.LowRankMultivariateNormal(loc, W, d),
                   {"loc": rng.uniform(-1, 1, (2, 3)), "W": rng.uniform(-1, 1, (3, 2)), "d": rng.uniform(0.5, 2, (2, 3))},
                   rng.uniform(-2, 2, (4, 2, 3)),
                   ["mean", "mode", "variance", "entropy", "scale_tril", "covariance_matrix", "precision_matrix"], False),
    "LowRankMVN_batched_factor": (lambda D, loc, W, d: D.LowRankMultivariateNormal(loc, W, d),
                                  {"loc": rng.uniform(-1, 1, (3,)), "W": rng.uniform(-1, 1, (2, 3, 1)),
                                   "d": rng.uniform(0.5, 2, (3,))},
                                  rng.uniform(-2, 2, (4, 1, 3)), ["variance", "entropy", "precision_matrix"], False),
}
_LOOSE = {("Multinomial_probs", "entropy"), ("Multinomial_logits", "entropy")}   # PyTorch's lgamma(n + 1) in float32


def _get(d, q):
    a = getattr(d, q)
    return a() if callable(a) else a


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients(name, device):
    make, params, value, quantities, has_cdf = CASES[name]
    gv, tv = gg.tensor(value, dtype=gg.float64, device=device), torch.tensor(value, dtype=torch.float64)
    checks = [("log_prob", lambda d, v: d.log_prob(v))] + [(q, lambda d, v, q=q: _get(d, q)) for q in quantities]
    if has_cdf:
        checks += [("cdf", lambda d, v: d.cdf(v))]
    if has_cdf is True:
        checks += [("icdf", lambda d, v: d.icdf(d.cdf(v) * 0.9 + 0.05))]
    for what, f in checks:
        gp, tp = _params(params, device)
        gd, td = make(G, *gp), make(T, *tp)
        assert tuple(gd.batch_shape) == tuple(td.batch_shape) and tuple(gd.event_shape) == tuple(td.event_shape)
        tol = dict(rtol=1e-6, atol=1e-7) if (name, what) in _LOOSE else {}
        try:
            _compare(f(gd, gv), f(td, tv), gp, tp, **tol)
        except AssertionError as e:
            raise AssertionError(f"{name}.{what}: {e}") from None


def test_binomial_entropy_and_support_edges():
    for lib, D in ((gg, G), (torch, T)):
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count not supported by `entropy`"):
            D.Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.5, 0.5])).entropy()
        with pytest.raises(NotImplementedError, match="enumerate_support"):
            D.Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.5, 0.5])).enumerate_support()
        with pytest.raises(NotImplementedError):
            D.Poisson(lib.tensor([2.0])).entropy()        # PyTorch has no closed form either
    # probabilities 0 and 1: log_prob, mean and entropy as PyTorch's (clamped logits)
    p = np.array([0.0, 0.3, 1.0])
    for f in (lambda d: d.log_prob(d.probs * 0 + d.probs.new_tensor([0.0, 1.0, 4.0])), lambda d: d.entropy(),
              lambda d: d.logits):
        np.testing.assert_allclose(_np(f(G.Binomial(4, gg.tensor(p)))), _np(f(T.Binomial(4, torch.tensor(p)))),
                                   rtol=1e-6, atol=1e-6)
    g, t = G.Geometric(gg.tensor([1.0, 0.4])), T.Geometric(torch.tensor([1.0, 0.4]))
    np.testing.assert_allclose(_np(g.log_prob(gg.tensor([0.0, 2.0]))), _np(t.log_prob(torch.tensor([0.0, 2.0]))))


# -- KL divergences ------------------------------------------------------------------------------------------------
def _k(kind, *shape):
    """(constructor, params) of the new families with batch shape ``shape``, else test_distributions_torch's."""
    u = lambda lo, hi, s=shape: rng.uniform(lo, hi, s)  # noqa: E731
    new = {
        "Poisson": (lambda D, a: D.Poisson(a), [u(0.5, 3)]),
        "Binomial": (lambda D, a: D.Binomial(D.tensor(5.0, dtype=a.dtype, device=a.device), logits=a), [u(-2, 2)]),
        "Geometric": (lambda D, a: D.Geometric(a), [u(0.1, 0.9)]),
        "ContinuousBernoulli": (lambda D, a: D.ContinuousBernoulli(a), [u(0.1, 0.9)]),
        "LowRankMVN": (lambda D, a, b, c: D.LowRankMultivariateNormal(a, b, c),
                       [u(-1, 1, shape + (3,)), u(-1, 1, shape + (3, 2)), u(0.5, 2, shape + (3,))]),
        "OneHotST": (lambda D, a: D.OneHotCategoricalStraightThrough(logits=a), [u(-2, 2, shape + (4,))]),
        "UniformInside": (lambda D, a, b: D.Uniform(a, b), [u(0.1, 0.4), u(0.6, 0.9)]),
        "Pareto": (lambda D, a, b: D.Pareto(a, b), [u(0.5, 2), u(1, 3)]),
        "Gumbel": (lambda D, a, b: D.Gumbel(a, b), [u(-1, 1), u(0.5, 2)]),
    }
    return new[kind] if kind in new else _d(kind, *shape)


KL_PAIRS = [("Poisson", "Poisson"), ("Binomial", "Binomial"), ("Geometric", "Geometric"),
            ("ContinuousBernoulli", "ContinuousBernoulli"), ("LowRankMVN", "LowRankMVN"), ("OneHotST", "OneHotST"),
            ("MultivariateNormal", "LowRankMVN"), ("MultivariateNormalCov", "LowRankMVN"),
            ("LowRankMVN", "MultivariateNormal"), ("Bernoulli", "Poisson"), ("Poisson", "Bernoulli"),
            ("Poisson", "Binomial"), ("Beta", "ContinuousBernoulli"), ("UniformInside", "ContinuousBernoulli"),
            ("Uniform", "ContinuousBernoulli"), ("ContinuousBernoulli", "Exponential"),
            ("ContinuousBernoulli", "Normal"), ("ContinuousBernoulli", "UniformWide"),
            ("ContinuousBernoulli", "Uniform"), ("Exponential", "ContinuousBernoulli"),
            ("Gamma", "ContinuousBernoulli"), ("Normal", "ContinuousBernoulli"), ("Laplace", "ContinuousBernoulli"),
            ("Gumbel", "ContinuousBernoulli"), ("Pareto", "ContinuousBernoulli"), ("ContinuousBernoulli", "Pareto")]
_SAME_SHAPE = {("OneHotST", "OneHotST")}        # PyTorch's masked assignment there doesn't broadcast


@pytest.mark.parametrize("pq", KL_PAIRS, ids=[f"{p}-{q}" for p, q in KL_PAIRS])
def test_kl_divergence(pq, device):
    pshape, qshape = ((2, 3), (2, 3)) if pq in _SAME_SHAPE else ((2, 1), (3,))
    (pm, pp), (qm, qp) = _k(pq[0], *pshape), _k(pq[1], *qshape)
    gpp, tpp = _params(dict(enumerate(pp)), device)
    gqp, tqp = _params(dict(enumerate(qp)), device)
    gout = G.kl_divergence(pm(G, *gpp), qm(G, *gqp))
    tout = T.kl_divergence(pm(T, *tpp), qm(T, *tqp))
    _compare(gout, tout, gpp + gqp, tpp + tqp)


def test_kl_binomial_total_counts():
    p, q = [0.3, 0.6], [0.5, 0.5]
    for lib, D in ((gg, G), (torch, T)):
        with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
            D.kl_divergence(D.Binomial(3, lib.tensor(p)), D.Binomial(lib.tensor([3.0, 4.0]), lib.tensor(q)))
    out = G.kl_divergence(G.Binomial(gg.tensor([3.0, 5.0]), gg.tensor(p)), G.Binomial(3, gg.tensor(q)))
    want = T.kl_divergence(T.Binomial(torch.tensor([3.0, 5.0]), torch.tensor(p)), T.Binomial(3, torch.tensor(q)))
    np.testing.assert_allclose(_np(out), _np(want), rtol=1e-6)
    assert np.isinf(_np(out)[1])


# -- rsample: the same noise gives the same samples and the same pathwise gradients ---------------------------------
RSAMPLE = {
    "ContinuousBernoulli": (lambda D, p: D.ContinuousBernoulli(p),
                            [np.concatenate([rng.uniform(0.05, 0.95, (3, 3)), [[0.4995], [0.5004], [0.7]]], -1)]),
    "ContinuousBernoulli_logits": (lambda D, z: D.ContinuousBernoulli(logits=z), [rng.uniform(-3, 3, (4,))]),
    "LogitRelaxedBernoulli": (lambda D, t, p: D.LogitRelaxedBernoulli(t, p), [np.array(0.7), rng.uniform(0.1, 0.9, (3, 4))]),
    "RelaxedBernoulli": (lambda D, t, z: D.RelaxedBernoulli(t, logits=z), [np.array(0.4), rng.uniform(-2, 2, (3, 4))]),
    "ExpRelaxedCategorical": (lambda D, t, z: D.ExpRelaxedCategorical(t, logits=z),
                              [np.array(0.6), rng.uniform(-2, 2, (3, 4))]),
    "RelaxedOneHotCategorical": (lambda D, t, p: D.RelaxedOneHotCategorical(t, p),
                                 [np.array(0.6), rng.uniform(0.1, 1, (2, 4))]),
    "LowRankMVN": (lambda D, a, b, c: D.LowRankMultivariateNormal(a, b, c),
                   [rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (3, 2)), rng.uniform(0.5, 2, (2, 3))]),
}


@pytest.mark.parametrize("name", sorted(RSAMPLE))
def test_rsample_pathwise_gradients(name, device, monkeypatch):
    make, params = RSAMPLE[name]
    gp, tp = _params(dict(enumerate(params)), device)
    gd, td = make(G, *gp), make(T, *tp)
    shape = (5,) + tuple(td.batch_shape) + tuple(td.event_shape)
    if name == "LowRankMVN":
        noise = [rng.standard_normal(shape[:-1] + (2,)), rng.standard_normal(shape)]
        queue = [torch.tensor(a) for a in noise]
        monkeypatch.setattr(TD.lowrank_multivariate_normal, "_standard_normal", lambda *a, **k: queue.pop(0))
    else:
        noise = [rng.uniform(0, 1, shape)]
        te = torch.tensor(noise[0])
        monkeypatch.setattr(torch, "rand", lambda *a, **k: te)
    _fixed_noise(monkeypatch, noise)
    gout = gd.rsample((5,))
    tout = td.rsample((5,))
    _compare(gout, tout, gp, tp, rtol=1e-7, atol=1e-9)


def test_straight_through_rsample(monkeypatch):
    z = rng.uniform(-2, 2, (3, 4))
    gz, tz = gg.tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    gd, td = G.OneHotCategoricalStraightThrough(logits=gz), T.OneHotCategoricalStraightThrough(logits=tz)
    gout = gd.rsample((2,))
    monkeypatch.setattr(td, "sample", lambda shape=(): torch.tensor(_np(gout)))      # the same one-hot draws
    tout = td.rsample((2,))
    assert np.array_equal(_np(gout), _np(gout).round()) and np.all(_np(gout).sum(-1) == 1)
    _compare(gout, tout, [gz], [tz])
    assert gd.has_rsample and not G.OneHotCategorical(logits=gz).has_rsample


# -- sampling: shapes, dtypes, moments ------------------------------------------------------------------------------
SAMPLED = {
    "Poisson": lambda D, V: D.Poisson(V([0.3, 4.0, 60.0])),
    "Binomial_inversion": lambda D, V: D.Binomial(V([5.0, 30.0, 12.0]), V([0.3, 0.2, 0.9])),
    "Binomial_btrs": lambda D, V: D.Binomial(V([100.0, 1000.0, 50.0]), V([0.3, 0.95, 0.5])),
    "Geometric": lambda D, V: D.Geometric(V([0.2, 0.7])),
    "NegativeBinomial": lambda D, V: D.NegativeBinomial(V([2.0, 7.5]), V([0.3, 0.6])),
    "Multinomial": lambda D, V: D.Multinomial(20, V([[0.2, 0.0, 0.5, 0.3], [1.0, 1.0, 1.0, 1.0]])),
    "ContinuousBernoulli": lambda D, V: D.ContinuousBernoulli(V([0.2, 0.5, 0.9])),
    "MixtureSameFamily": lambda D, V: D.MixtureSameFamily(D.Categorical(V([[0.3, 0.7], [0.5, 0.5]])),
                                                          D.Normal(V([[-1.0, 2.0], [0.0, 3.0]]), V([0.5, 1.0]))),
    "LowRankMVN": lambda D, V: D.LowRankMultivariateNormal(V([0.5, -1.0, 0.0]), V([[1.0], [0.5], [-1.0]]),
                                                           V([0.5, 1.0, 0.3])),
    "RelaxedBernoulli": lambda D, V: D.RelaxedBernoulli(V(0.5), V([0.2, 0.7])),
    "RelaxedOneHotCategorical": lambda D, V: D.RelaxedOneHotCategorical(V(0.5), V([0.2, 0.3, 0.5])),
    "OneHotCategoricalStraightThrough": lambda D, V: D.OneHotCategoricalStraightThrough(V([0.2, 0.3, 0.5])),
}
_NO_MOMENTS = {"RelaxedBernoulli", "RelaxedOneHotCategorical", "OneHotCategoricalStraightThrough"}


@pytest.mark.parametrize("name", sorted(SAMPLED))
def test_sample_shapes_dtypes_and_expand(name, device):
    gd = SAMPLED[name](G, lambda v: gg.tensor(v, device=device))
    td = SAMPLED[name](T, torch.tensor)
    for shape in [(), (3,), (2, 3)]:
        gs, ts = gd.sample(shape), td.sample(shape)
        assert tuple(gs.shape) == tuple(ts.shape), (shape, gs.shape, ts.shape)
        assert str(gs.dtype) == str(ts.dtype).replace("torch.", "gpugrad."), (gs.dtype, ts.dtype)
        assert not gs.requires_grad
        assert bool(gd.support.check(gs).all())
    assert gs.device == gg.device(device)
    ge, te = gd.expand((4,) + tuple(gd.batch_shape)), td.expand((4,) + tuple(td.batch_shape))
    assert type(ge) is type(gd) and tuple(ge.batch_shape) == tuple(te.batch_shape)
    assert tuple(ge.event_shape) == tuple(te.event_shape)
    assert tuple(ge.sample((3,)).shape) == tuple(te.sample((3,)).shape)
    v = te.sample()
    np.testing.assert_allclose(_np(ge.log_prob(gg.tensor(_np(v), device=device))), _np(te.log_prob(v)),
                               rtol=1e-5, atol=1e-3)        # float32 (lgamma near 6000 for Binomial(1000))
    assert gd.has_rsample == td.has_rsample and gd.has_enumerate_support == td.has_enumerate_support


@pytest.mark.parametrize("name", sorted(set(SAMPLED) - _NO_MOMENTS))
def test_sample_moments(name, device):
    """Sample mean and variance (and covariance) within 5 standard errors of PyTorch's values."""
    n = 100000
    gg.manual_seed(0)
    gd = SAMPLED[name](G, lambda v: gg.tensor(v, dtype=gg.float64, device=device))
    td = SAMPLED[name](T, lambda v: torch.tensor(v, dtype=torch.float64))
    s = _np(gd.sample((n,)))
    mean, var = _np(td.mean), _np(td.variance)
    np.testing.assert_array_less(np.abs(s.mean(0) - mean), 5 * np.sqrt(var / n) + 1e-12)
    m4 = ((s - mean) ** 4).mean(0)
    np.testing.assert_array_less(np.abs(s.var(0) - var), 5 * np.sqrt(np.maximum(m4 - var ** 2, 0) / n) + 1e-12)
    if name == "LowRankMVN":
        np.testing.assert_allclose(np.cov(s.T), _np(td.covariance_matrix), atol=0.03)
    if name == "Multinomial":
        assert np.all(s.sum(-1) == 20) and np.all(s[:, 0, 1] == 0)


@pytest.mark.parametrize("n,p", [(12, 0.35), (200, 0.3), (60, 0.8)])
def test_binomial_sample_frequencies(n, p):
    """The frequency of every count within 5 standard errors of PyTorch's pmf, in both sampling regimes
    (inversion where n min(p, 1 - p) < 10, BTRS rejection above) and for p > 1/2 (sampled by symmetry)."""
    draws = 200000
    gg.manual_seed(3)
    s = _np(G.Binomial(gg.tensor(float(n), dtype=gg.float64), gg.tensor(p, dtype=gg.float64)).sample((draws,)))
    k = np.arange(n + 1)
    pmf = TD.Binomial(n, torch.tensor(p, dtype=torch.float64)).log_prob(torch.tensor(k, dtype=torch.float64)).exp()
    pmf = pmf.numpy()
    freq = np.bincount(s.astype(int), minlength=n + 1) / draws
    np.testing.assert_array_less(np.abs(freq - pmf), 5 * np.sqrt(pmf * (1 - pmf) / draws) + 1e-5)


# -- enumerate_support, lazy parameters, constraints ------------------------------------------------------------------
def test_enumerate_support():
    makes = [lambda D, V: D.Binomial(4, V([0.2, 0.7])), lambda D, V: D.Binomial(V([[3.0], [3.0]]), V([0.2, 0.7])),
             lambda D, V: D.OneHotCategoricalStraightThrough(V([[0.2, 0.3, 0.5]]))]
    for make in makes:
        gd, td = make(G, gg.tensor), make(T, torch.tensor)
        for expand in (True, False):
            g, t = gd.enumerate_support(expand), td.enumerate_support(expand)
            np.testing.assert_array_equal(_np(g), _np(t))
            assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")


def test_lazy_probs_logits_and_reprs():
    d = G.Binomial(3, probs=gg.tensor([0.25, 0.5]))
    assert "logits" not in d.__dict__ and "probs" in d.__dict__ and tuple(d.param_shape) == (2,)
    np.testing.assert_allclose(_np(d.logits), [np.log(1 / 3), 0.0], atol=1e-7)
    d = G.Geometric(logits=gg.tensor([0.0]))
    assert "probs" not in d.__dict__ and _np(d.probs)[0] == 0.5
    for make in [lambda D, V: D.Binomial(V([3.0, 5.0]), V([0.3, 0.4])).support,
                 lambda D, V: D.Multinomial(3, V([0.3, 0.7])).support,
                 lambda D, V: D.MixtureSameFamily(D.Categorical(V([0.5, 0.5])), D.Gamma(V([1.0, 2.0]), 1.0)).support,
                 lambda D, V: D.RelaxedBernoulli(V(0.5), V([0.3])).support,
                 lambda D, V: D.RelaxedOneHotCategorical(V(0.5), V([0.3, 0.7])).support,
                 lambda D, V: D.LogitRelaxedBernoulli(V(0.5), V([0.3])).support,
                 lambda D, V: D.ExpRelaxedCategorical(V(0.5), V([0.3, 0.7])).support,
                 lambda D, V: D.NegativeBinomial(V([2.0]), V([0.3])).arg_constraints,
                 lambda D, V: D.LowRankMultivariateNormal(V([0.0]), V([[1.0]]), V([1.0])).arg_constraints,
                 lambda D, V: D.ContinuousBernoulli(V([0.3])).support,
                 lambda D, V: D.Poisson(V([1.0])).support]:
        assert repr(make(G, gg.tensor)) == repr(make(T, torch.tensor)).replace("torch.Size(", "gpugrad.Size(")
    mix = lambda D, V: D.MixtureSameFamily(D.Categorical(V([0.5, 0.5])), D.Normal(V([0.0, 1.0]), V([1.0, 1.0])))  # noqa
    assert "MixtureSameFamily(\n  Categorical(" in repr(mix(G, gg.tensor))


# -- validation ------------------------------------------------------------------------------------------------------
def _same_error(make):
    """test_distributions_torch's check, on this file's namespaces."""
    return _same_error_td(lambda D, V: make(T if D is TD else G, V))


_normal2 = lambda D, V: D.Normal(V([0.0, 1.0]), V([1.0, 1.0]))  # noqa: E731
INVALID = {
    "Poisson": lambda D, V: D.Poisson(V([1.0, -1.0])),
    "Binomial_probs": lambda D, V: D.Binomial(3, V([0.5, 1.5])),
    "Binomial_logits_nan": lambda D, V: D.Binomial(3, logits=V([float("nan")])),
    "Binomial_count": lambda D, V: D.Binomial(V([2.5]), V([0.5])),
    "Binomial_count_negative": lambda D, V: D.Binomial(V([-1.0]), V([0.5])),
    "Binomial_both": lambda D, V: D.Binomial(3, V([0.5]), V([0.0])),
    "Geometric_zero": lambda D, V: D.Geometric(V([0.0, 0.5])),
    "Geometric_above_one": lambda D, V: D.Geometric(V([1.5])),
    "Geometric_neither": lambda D, V: D.Geometric(),
    "NegativeBinomial_probs_one": lambda D, V: D.NegativeBinomial(V([2.0]), V([1.0])),
    "NegativeBinomial_count": lambda D, V: D.NegativeBinomial(V([-2.0]), V([0.5])),
    "Multinomial_probs": lambda D, V: D.Multinomial(3, V([0.5, -0.5])),
    "ContinuousBernoulli_validated": lambda D, V: D.ContinuousBernoulli(V([1.5]), validate_args=True),
    "ContinuousBernoulli_not_validated": lambda D, V: D.ContinuousBernoulli(V([1.5]), validate_args=False),
    "RelaxedBernoulli": lambda D, V: D.RelaxedBernoulli(V(0.5), V([1.5])),
    "RelaxedOneHotCategorical": lambda D, V: D.RelaxedOneHotCategorical(V(0.5), V([[0.5, -1.5]])),
    "Mixture_not_categorical": lambda D, V: D.MixtureSameFamily(_normal2(D, V), _normal2(D, V)),
    "Mixture_component": lambda D, V: D.MixtureSameFamily(D.Categorical(V([0.5, 0.5])), 3),
    "Mixture_count": lambda D, V: D.MixtureSameFamily(D.Categorical(V([0.2, 0.3, 0.5])), _normal2(D, V)),
    "Mixture_batch": lambda D, V: D.MixtureSameFamily(D.Categorical(V([[0.5, 0.5]] * 3)),
                                                      D.Normal(V([[0.0, 1.0]] * 2), 1.0)),
    "LowRank_loc_0d": lambda D, V: D.LowRankMultivariateNormal(V(0.0), V([[1.0]]), V([1.0])),
    "LowRank_factor_1d": lambda D, V: D.LowRankMultivariateNormal(V([0.0]), V([1.0]), V([1.0])),
    "LowRank_factor_rows": lambda D, V: D.LowRankMultivariateNormal(V([0.0, 0.0]), V([[1.0]]), V([1.0, 1.0])),
    "LowRank_diag": lambda D, V: D.LowRankMultivariateNormal(V([0.0, 0.0]), V([[1.0], [1.0]]), V([1.0])),
    "LowRank_batch": lambda D, V: D.LowRankMultivariateNormal(V([[0.0, 0.0]] * 2), V([[[1.0], [1.0]]] * 3),
                                                              V([1.0, 1.0])),
    "LowRank_diag_negative": lambda D, V: D.LowRankMultivariateNormal(V([0.0]), V([[0.5]]), V([-1.0])),
    "value_Poisson_negative": lambda D, V: D.Poisson(V([1.0])).log_prob(V([-1.0])),
    "value_Poisson_fraction": lambda D, V: D.Poisson(V([1.0])).log_prob(V([0.5])),
    "value_Binomial": lambda D, V: D.Binomial(V([3.0]), V([0.5])).log_prob(V([4.0])),
    "value_Geometric": lambda D, V: D.Geometric(V([0.5])).log_prob(V([-1.0])),
    "value_NegativeBinomial": lambda D, V: D.NegativeBinomial(V([2.0]), V([0.5])).log_prob(V([1.5])),
    "value_Multinomial": lambda D, V: D.Multinomial(3, V([0.5, 0.5])).log_prob(V([2.0, 2.0])),
    "value_ContinuousBernoulli": lambda D, V: D.ContinuousBernoulli(V([0.3])).log_prob(V([1.5])),
    "value_RelaxedBernoulli": lambda D, V: D.RelaxedBernoulli(V(0.5), V([0.3])).log_prob(V([1.5])),
    "value_RelaxedOneHot": lambda D, V: D.RelaxedOneHotCategorical(V(0.5), V([0.3, 0.7])).log_prob(V([0.5, 0.6])),
    "value_Mixture": lambda D, V: D.MixtureSameFamily(D.Categorical(V([0.5, 0.5])),
                                                      D.Gamma(V([1.0, 2.0]), 1.0)).log_prob(V([-1.0])),
    "value_LowRank_shape": lambda D, V: D.LowRankMultivariateNormal(V([0.0, 0.0]), V([[1.0], [1.0]]),
                                                                    V([1.0, 1.0])).log_prob(V([0.0, 1.0, 2.0])),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_errors_match_torch(name):
    if name == "ContinuousBernoulli_not_validated":       # PyTorch checks probs whenever validate_args is given
        msg = _same_error(INVALID[name])
        assert msg == "The parameter probs has invalid values"
        return
    _same_error(INVALID[name])


def test_multinomial_total_count_must_be_int():
    for lib, D in ((gg, G), (torch, T)):
        with pytest.raises(NotImplementedError, match="inhomogeneous total_count is not supported"):
            D.Multinomial(lib.tensor([3]), lib.tensor([0.5, 0.5]))


def test_continuous_bernoulli_out_of_range_probs_clamped_by_default():
    g, t = G.ContinuousBernoulli(gg.tensor([1.5, 0.0])), T.ContinuousBernoulli(torch.tensor([1.5, 0.0]))
    np.testing.assert_allclose(_np(g.probs), _np(t.probs))
