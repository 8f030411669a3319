"""LKJCholesky and Wishart against torch.distributions (float64): log_prob with its gradients (parameters and
values, broadcast batches), entropy and moments, the three Wishart parameterizations, expand, sample shapes,
sample moments with a fixed seed (loose), the redraw of singular Wishart samples, PyTorch's errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.distributions as GD

torch = pytest.importorskip("torch")
TD = torch.distributions

rng = np.random.default_rng(21)


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, gg.Tensor) else t.detach().numpy()


def _pair(a, grad=True):
    return (gg.tensor(a, dtype=gg.float64, requires_grad=grad), torch.tensor(a, dtype=torch.float64,
                                                                            requires_grad=grad))


def _close(gout, tout, gin=(), tin=(), rtol=1e-9, atol=1e-10):
    assert tuple(gout.shape) == tuple(tout.shape), (gout.shape, tout.shape)
    np.testing.assert_allclose(_np(gout), _np(tout), rtol=rtol, atol=atol)
    if not gin:
        return
    w = np.random.default_rng(3).uniform(0.5, 1.5, tuple(tout.shape))
    finite = np.isfinite(_np(tout))
    w = np.where(finite, w, 0.0)
    tg = torch.autograd.grad((torch.where(torch.tensor(finite), tout, 0.0) * torch.tensor(w)).sum(), tin,
                             allow_unused=True, retain_graph=True)
    gg_ = gg.autograd.grad((gg.where(gg.tensor(finite), gout, 0.0) * gg.tensor(w)).sum(), gin, allow_unused=True,
                           retain_graph=True)
    for a, b in zip(gg_, tg):
        np.testing.assert_allclose(_np(a), b.numpy(), rtol=1e-7, atol=1e-9)


def _same_error(make, exc=ValueError):
    with pytest.raises(exc) as t:
        make(TD, torch.tensor)
    with pytest.raises(exc) as g:
        make(GD, gg.tensor)
    assert str(g.value) == str(t.value).replace("torch.Size(", "gpugrad.Size(").replace("torch.", "gpugrad.")


# ---------------------------------------------------------------------------------------------------- LKJ

@pytest.mark.parametrize("dim, conc_shape, value_shape", [(2, (), (5,)), (3, (3,), (2, 3)), (5, (2, 1), (4,)),
                                                          (4, (), ())])
def test_lkj_log_prob_and_gradients(dim, conc_shape, value_shape):
    conc = rng.uniform(0.3, 3.0, conc_shape)
    value = TD.LKJCholesky(dim, torch.tensor(1.3, dtype=torch.float64)).sample(value_shape).numpy()
    gc, tc = _pair(conc)
    gv, tv = _pair(value)
    g, t = GD.LKJCholesky(dim, gc), TD.LKJCholesky(dim, tc)
    assert tuple(g.batch_shape) == tuple(t.batch_shape) and tuple(g.event_shape) == tuple(t.event_shape)
    _close(g.log_prob(gv), t.log_prob(tv), [gc, gv], [tc, tv])


def test_lkj_number_concentration_and_expand():
    value = TD.LKJCholesky(3, 2.0).sample((4,))
    g, t = GD.LKJCholesky(3, 0.7), TD.LKJCholesky(3, 0.7)
    assert tuple(g.batch_shape) == () and g.concentration.dtype == gg.float32
    np.testing.assert_allclose(_np(g.log_prob(gg.tensor(value.numpy()))), t.log_prob(value).numpy(), rtol=1e-5)
    ge, te = g.expand((2, 4)), t.expand((2, 4))
    assert tuple(ge.batch_shape) == (2, 4) and tuple(ge.sample().shape) == (2, 4, 3, 3)
    np.testing.assert_allclose(_np(ge.log_prob(gg.tensor(value.numpy()))), te.log_prob(value).numpy(), rtol=1e-5)
    assert not GD.LKJCholesky.has_rsample


def test_lkj_samples_lie_in_the_support_with_torchs_marginal_variances():
    """The entry (1, 0) of the correlation matrix has the LKJ marginal variance 1 / (2 eta + d - 1); the others
    follow PyTorch's sampler (whose later entries do not have it), compared with its draws."""
    gg.manual_seed(0)
    torch.manual_seed(0)
    etas = [0.5, 1.0, 4.0]
    L = GD.LKJCholesky(4, gg.tensor(etas, dtype=gg.float64)).sample((3000,))
    assert tuple(L.shape) == (3000, 3, 4, 4) and not L.requires_grad
    assert bool(GD.constraints.corr_cholesky.check(L).all())
    tL = TD.LKJCholesky(4, torch.tensor(etas, dtype=torch.float64)).sample((3000,))
    rows, cols = np.tril_indices(4, -1)
    off = _np(L @ L.mT)[..., rows, cols]                                  # (n, 3, 6)
    toff = (tL @ tL.mT).numpy()[..., rows, cols]
    np.testing.assert_allclose(off[..., 0].var(0), 1 / (2 * np.array(etas) + 3), rtol=0.1)
    np.testing.assert_allclose(off.var(0), toff.var(0), rtol=0.15)
    np.testing.assert_allclose(off.mean(0), 0.0, atol=0.05)
    np.testing.assert_allclose(np.diagonal(_np(L @ L.mT), axis1=-2, axis2=-1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda D, T: D.LKJCholesky(1, 1.0),
    lambda D, T: D.LKJCholesky(3, T([1.0, -0.5])),
    lambda D, T: D.LKJCholesky(2, T(1.0)).log_prob(T([[1.0, 0.0], [0.5, 0.5]])),
    lambda D, T: D.LKJCholesky(2, T(1.0)).log_prob(T([[1.0, 0.2], [0.0, 1.0]])),
    lambda D, T: D.LKJCholesky(2, T(1.0)).log_prob(T([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
])
def test_lkj_errors(make):
    _same_error(make)


# ------------------------------------------------------------------------------------------------ Wishart

def _spd(p, shape=()):
    a = rng.normal(size=shape + (p, p))
    return a @ np.swapaxes(a, -1, -2) + p * np.eye(p)


@pytest.mark.filterwarnings("ignore:Low df values detected")
@pytest.mark.parametrize("param", ["covariance_matrix", "precision_matrix", "scale_tril"])
@pytest.mark.parametrize("p, df_shape, mat_shape", [(3, (2,), (2,)), (2, (2, 1), (3,)), (4, (), ())])
def test_wishart_log_prob_entropy_and_moments(param, p, df_shape, mat_shape):
    m = _spd(p, mat_shape)
    if param == "scale_tril":
        m = np.linalg.cholesky(m)
    df = rng.uniform(p - 0.5, p + 4, df_shape)
    gdf, tdf = _pair(df)
    gm, tm = _pair(m)
    g = GD.Wishart(gdf, **{param: gm})
    t = TD.Wishart(tdf, **{param: tm})
    assert tuple(g.batch_shape) == tuple(t.batch_shape) and tuple(g.event_shape) == tuple(t.event_shape)
    x = _spd(p, (2,) + tuple(t.batch_shape))
    gx, tx = _pair(x)
    _close(g.log_prob(gx), t.log_prob(tx), [gdf, gm, gx], [tdf, tm, tx])
    _close(g.entropy(), t.entropy(), [gdf, gm], [tdf, tm])
    for name in ("mean", "variance", "mode", "covariance_matrix", "precision_matrix", "scale_tril"):
        _close(getattr(g, name), getattr(t, name), [gm], [tm], rtol=1e-8)


@pytest.mark.filterwarnings("ignore:Singular sample detected")
def test_wishart_number_df_expand_and_sample_shapes():
    cov = _spd(3, (2,))
    g = GD.Wishart(4.5, covariance_matrix=gg.tensor(cov))
    t = TD.Wishart(4.5, covariance_matrix=torch.tensor(cov))
    assert g.df.dtype == gg.float64 and tuple(g.df.shape) == ()
    x = t.sample((3, 1))
    _close(g.log_prob(gg.tensor(x.numpy())), t.log_prob(x))
    ge, te = g.expand((5, 2)), t.expand((5, 2))
    assert tuple(ge.batch_shape) == (5, 2)
    _close(ge.log_prob(gg.tensor(x.numpy())), te.log_prob(x))
    _close(ge.mean, te.mean)
    assert tuple(ge.rsample((3,)).shape) == (3, 5, 2, 3, 3) and tuple(g.sample().shape) == (2, 3, 3)
    assert GD.Wishart.has_rsample


def test_wishart_sample_moments_and_pathwise_gradient():
    gg.manual_seed(0)
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    L = gg.tensor(np.linalg.cholesky(cov), requires_grad=True)
    df = gg.tensor([3.0, 6.0], dtype=gg.float64, requires_grad=True)
    d = GD.Wishart(df, scale_tril=L)
    s = d.rsample((4000,))
    assert bool(GD.constraints.positive_definite.check(s).all())
    t = TD.Wishart(torch.tensor([3.0, 6.0], dtype=torch.float64), covariance_matrix=torch.tensor(cov))
    np.testing.assert_allclose(_np(s.mean(0)), t.mean.numpy(), rtol=0.08, atol=0.08)
    np.testing.assert_allclose(_np(s.var(0)), t.variance.numpy(), rtol=0.2)
    # d E[sum X] / d L and / d df, pathwise, against the analytic mean df L L^T
    s.mean(0).sum().backward()
    Lt = torch.tensor(np.linalg.cholesky(cov), requires_grad=True)
    dft = torch.tensor([3.0, 6.0], dtype=torch.float64, requires_grad=True)
    (dft.view(2, 1, 1) * (Lt @ Lt.mT)).sum().backward()
    np.testing.assert_allclose(_np(L.grad), Lt.grad.numpy(), rtol=0.1)
    np.testing.assert_allclose(_np(df.grad), dft.grad.numpy(), rtol=0.1)


def test_wishart_redraws_singular_samples(monkeypatch):
    d = GD.Wishart(gg.tensor([4.0, 5.0]), covariance_matrix=gg.eye(2))
    singular, good = gg.zeros(3, 2, 2, 2), gg.eye(2).expand(3, 2, 2, 2) * 2
    singular_one = gg.eye(2).expand(3, 2, 2, 2).clone()
    singular_one[1, 0] = 0.0
    draws = [singular_one, singular, good]
    monkeypatch.setattr(d, "_bartlett_sampling", lambda shape=(): draws.pop(0))
    with pytest.warns(UserWarning, match="Singular sample detected"):
        s = d.rsample((3,))
    assert not draws and bool(GD.constraints.positive_definite.check(s).all())
    np.testing.assert_array_equal(_np(s[0]), np.eye(2)[None].repeat(2, 0))   # kept from the first draw
    np.testing.assert_array_equal(_np(s[1]), 2 * np.eye(2)[None].repeat(2, 0))
    # max_try_correction=0: returned as drawn
    draws[:] = [singular_one]
    with pytest.warns(UserWarning):
        s = d.rsample((3,), max_try_correction=0)
    assert float(s[1].abs().sum()) == 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GD.Wishart(gg.tensor([4.0]), covariance_matrix=gg.eye(2)).rsample((2,))


@pytest.mark.parametrize("make, exc", [
    (lambda D, T: D.Wishart(T(3.0)), AssertionError),
    (lambda D, T: D.Wishart(T(3.0), covariance_matrix=T([[1.0]]), scale_tril=T([[1.0]])), AssertionError),
    (lambda D, T: D.Wishart(T(3.0), covariance_matrix=T([1.0])), ValueError),
    (lambda D, T: D.Wishart(T([3.0, 0.5]), covariance_matrix=T([[1.0, 0.0], [0.0, 1.0]])), ValueError),
    (lambda D, T: D.Wishart(1.0, covariance_matrix=T([[1.0, 0.0], [0.0, 1.0]])), ValueError),
    (lambda D, T: D.Wishart(T(3.0), covariance_matrix=T([[1.0, 2.0], [2.0, 1.0]])), ValueError),
    (lambda D, T: D.Wishart(T(3.0), scale_tril=T([[1.0, 1.0], [0.0, 1.0]])), ValueError),
    (lambda D, T: D.Wishart(T(3.0), covariance_matrix=T([[1.0, 0.0], [0.0, 1.0]])).log_prob(
        T([[1.0, 2.0], [2.0, 1.0]])), ValueError),
])
def test_wishart_errors(make, exc):
    _same_error(make, exc)


def test_wishart_low_df_warns():
    for D, T in [(TD, torch.tensor), (GD, gg.tensor)]:
        with pytest.warns(UserWarning, match="Low df values detected"):
            D.Wishart(T(1.5), covariance_matrix=T([[1.0, 0.0], [0.0, 1.0]]))
