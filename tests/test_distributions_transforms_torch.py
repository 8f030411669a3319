"""gpugrad.distributions.transforms and TransformedDistribution against torch.distributions: forward, inverse and
log_abs_det_jacobian values with their gradients (float64), shapes, signs, domains and equality; log_prob, cdf,
icdf and pathwise rsample gradients of transformed distributions (the same base noise fed to both); float64
gradcheck; PyTorch's errors."""
from __future__ import annotations

import re

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.distributions as GD
import gpugrad.distributions.utils as gutils

torch = pytest.importorskip("torch")
TD = torch.distributions
TT = torch.distributions.transforms
GT = GD.transforms

rng = np.random.default_rng(5)


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, gg.Tensor) else t.detach().numpy()


def _pair(a, device, grad=False):
    return (gg.tensor(a, dtype=gg.float64, device=device, requires_grad=grad),
            torch.tensor(a, dtype=torch.float64, requires_grad=grad))


def _close(gout, tout, gin=(), tin=(), rtol=1e-10, atol=1e-12):
    """Same shape, dtype and values; the gradients of a fixed weighted sum with respect to ``gin``/``tin`` too."""
    assert tuple(gout.shape) == tuple(tout.shape), (gout.shape, tout.shape)
    assert str(gout.dtype) == str(tout.dtype).replace("torch.", "gpugrad.")
    np.testing.assert_allclose(_np(gout), _np(tout), rtol=rtol, atol=atol)
    assert gout.requires_grad == tout.requires_grad
    if not gin or not tout.requires_grad:
        return
    w = np.random.default_rng(3).uniform(0.5, 1.5, tuple(tout.shape))
    tg = torch.autograd.grad((tout * torch.tensor(w)).sum(), tin, allow_unused=True, retain_graph=True)
    gg_ = gg.autograd.grad((gout * gg.tensor(w, device=gout.device)).sum(), gin, allow_unused=True,
                           retain_graph=True)
    for a, b in zip(gg_, tg):
        b = np.zeros(1) if b is None else b.numpy()
        a = np.zeros(1) if a is None else _np(a)
        np.testing.assert_allclose(np.broadcast_to(a, b.shape), b, rtol=1e-8, atol=1e-10)


# name -> (builder on a transforms module and a tensor maker, input array on the domain)
X = rng.uniform(-2, 2, (3, 4))
POS = rng.uniform(0.2, 3, (3, 4))
TRANSFORMS = {
    "Exp": (lambda M, T: M.ExpTransform(), X),
    "Affine_numbers": (lambda M, T: M.AffineTransform(0.5, -2.0), X),
    "Affine_tensors": (lambda M, T: M.AffineTransform(T(rng.uniform(-1, 1, (4,))), T(rng.uniform(0.5, 2, (3, 1)))),
                       X),
    "Affine_event_dim": (lambda M, T: M.AffineTransform(1.0, T(rng.uniform(-2, 2, (4,))), event_dim=1), X),
    "Affine_event_dim_2": (lambda M, T: M.AffineTransform(1.0, 3.0, event_dim=2), X),
    "Power": (lambda M, T: M.PowerTransform(T(rng.uniform(-2, 2, (4,)))), POS),
    "Power_number": (lambda M, T: M.PowerTransform(0.5), POS),
    "Sigmoid": (lambda M, T: M.SigmoidTransform(), X * 5),
    "Softplus": (lambda M, T: M.SoftplusTransform(), X * 5),
    "Tanh": (lambda M, T: M.TanhTransform(), X),
    "Abs": (lambda M, T: M.AbsTransform(), X),
    "Softmax": (lambda M, T: M.SoftmaxTransform(), X),
    "StickBreaking": (lambda M, T: M.StickBreakingTransform(), X),
    "Compose": (lambda M, T: M.ComposeTransform([M.AffineTransform(0.3, 2.0), M.TanhTransform(),
                                                 M.AffineTransform(1.0, 0.5)]), X),
    "Compose_coupled": (lambda M, T: M.ComposeTransform([M.ExpTransform(), M.StickBreakingTransform()]), X),
    "Compose_empty": (lambda M, T: M.ComposeTransform([]), X),
    "Independent": (lambda M, T: M.IndependentTransform(M.SigmoidTransform(), 1), X),
    "Inverse": (lambda M, T: M.ExpTransform().inv, POS),
    "Inverse_sigmoid": (lambda M, T: M.SigmoidTransform().inv, rng.uniform(0.05, 0.95, (3, 4))),
    "Inverse_compose": (lambda M, T: M.ComposeTransform([M.ExpTransform(), M.AffineTransform(-1.0, 3.0)]).inv,
                        POS),
}
NO_LADJ = {"Abs", "Softmax"}          # PyTorch defines no log-Jacobian for them (not bijective)


def _make(name, device):
    build, x = TRANSFORMS[name]
    state = rng.bit_generator.state      # the same random parameters for both libraries
    g = build(GT, lambda a: gg.tensor(a, dtype=gg.float64, device=device))
    rng.bit_generator.state = state
    t = build(TT, lambda a: torch.tensor(a, dtype=torch.float64))
    return g, t, x


def _attr_eq(a, b):
    if isinstance(b, torch.Tensor):
        np.testing.assert_array_equal(_np(a), b.numpy())
    else:
        assert a == b


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_forward_inverse_and_log_abs_det_jacobian(name, device):
    g, t, x = _make(name, device)
    gx, tx = _pair(x, device, grad=True)
    gy, ty = g(gx), t(tx)
    _close(gy, ty, [gx], [tx])
    gi, ti = g.inv(gy.detach()), t.inv(ty.detach())
    _close(gi, ti)
    if name not in NO_LADJ:
        _close(g.log_abs_det_jacobian(gx, g(gx)), t.log_abs_det_jacobian(tx, t(tx)), [gx], [tx])
    assert g.bijective == t.bijective
    assert g.domain.event_dim == t.domain.event_dim and g.codomain.event_dim == t.codomain.event_dim
    assert type(g.domain).__name__ == type(t.domain).__name__
    assert type(g.codomain).__name__ == type(t.codomain).__name__
    assert tuple(g.forward_shape(x.shape)) == tuple(t.forward_shape(torch.Size(x.shape)))
    assert tuple(g.inverse_shape(ty.shape)) == tuple(t.inverse_shape(ty.shape))
    try:
        sign = t.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            g.sign
    else:
        _attr_eq(g.sign, sign)
    # the support checks agree on the image
    np.testing.assert_array_equal(_np(g.codomain.check(gy.detach())), t.codomain.check(ty.detach()).numpy())


@pytest.mark.parametrize("name", ["Tanh", "Sigmoid", "StickBreaking", "Affine_tensors", "Power", "Softplus"])
def test_inverse_gradients(name, device):
    g, t, x = _make(name, device)
    ty0 = t(torch.tensor(x)).detach()
    gy, ty = _pair(_np(ty0), device, grad=True)
    _close(g.inv(gy), t.inv(ty), [gy], [ty], rtol=1e-9)
    _close(g.inv.log_abs_det_jacobian(gy, g.inv(gy)), t.inv.log_abs_det_jacobian(ty, t.inv(ty)), [gy], [ty],
           rtol=1e-9)


def test_parameter_gradients(device):
    """Gradients with respect to the transforms' own parameters (loc, scale, exponent)."""
    a, b, e = rng.uniform(-1, 1, (4,)), rng.uniform(0.5, 2, (3, 1)), rng.uniform(-2, 2, (4,))
    ga, ta = _pair(a, device, True)
    gb, tb = _pair(b, device, True)
    ge, te = _pair(e, device, True)
    gx, tx = _pair(POS, device)
    for M, A, B, E, x, out in ((GT, ga, gb, ge, gx, []), (TT, ta, tb, te, tx, [])):
        aff, pw = M.AffineTransform(A, B), M.PowerTransform(E)
        y = pw(aff(x).abs())
        out += [y, aff.log_abs_det_jacobian(x, aff(x)), pw.log_abs_det_jacobian(x, pw(x)), pw.inv(x)]
        if M is GT:
            gout = out
        else:
            tout = out
    for go, to in zip(gout, tout):
        _close(go, to, [ga, gb, ge], [ta, tb, te], rtol=1e-9)


def test_caching_identity_and_equality():
    x = gg.tensor([0.5, 1.0])
    t = GT.ExpTransform(cache_size=1)
    y = t(x)
    assert t(x) is y and t.inv(y) is x
    assert t.inv.inv is t and t.with_cache(1) is t and t.with_cache(0)._cache_size == 0
    c = GT.ComposeTransform([GT.ExpTransform(), GT.AffineTransform(0.0, 2.0)], cache_size=1)
    assert all(p._cache_size == 1 for p in c.parts) and c.inv.inv is c
    # equality as PyTorch: by class (and parameters); inverses compare their transforms
    for M, T in ((GT, gg.tensor), (TT, torch.tensor)):
        assert M.ExpTransform() == M.ExpTransform() and M.ExpTransform() != M.SigmoidTransform()
        assert M.AffineTransform(1.0, 2.0) == M.AffineTransform(1.0, 2.0)
        assert M.AffineTransform(T([1.0]), 2.0) != M.AffineTransform(T([1.5]), 2.0)
        assert M.PowerTransform(T(2.0)) == M.PowerTransform(T(2.0)) != M.PowerTransform(T(3.0))
        assert M.ExpTransform().inv == M.ExpTransform().inv and M.ExpTransform().inv != M.ExpTransform()
        assert M.ComposeTransform([M.ExpTransform()]) == M.ComposeTransform([M.ExpTransform()])
        assert M.identity_transform == M.ComposeTransform([])
    assert repr(GT.ExpTransform().inv) == repr(TT.ExpTransform().inv)
    assert repr(GT.ComposeTransform([GT.ExpTransform(), GT.TanhTransform()])) == repr(
        TT.ComposeTransform([TT.ExpTransform(), TT.TanhTransform()]))
    for t in (GT.ExpTransform(), TT.ExpTransform(), GT.ExpTransform().inv, TT.ExpTransform().inv):
        with pytest.raises(TypeError):     # __eq__ without __hash__: unhashable, as PyTorch's
            hash(t)


def test_gradcheck_float64():
    x = gg.tensor(rng.uniform(-1.5, 1.5, (2, 3)), dtype=gg.float64, requires_grad=True)
    s = gg.tensor(rng.uniform(0.5, 2, (3,)), dtype=gg.float64, requires_grad=True)
    chain = lambda s: GT.ComposeTransform([GT.AffineTransform(0.2, s), GT.TanhTransform(),  # noqa: E731
                                           GT.AffineTransform(0.0, 3.0), GT.StickBreakingTransform()])
    assert gg.autograd.gradcheck(lambda x, s: chain(s)(x), (x, s))
    assert gg.autograd.gradcheck(lambda x, s: chain(s).log_abs_det_jacobian(x, chain(s)(x)), (x, s))
    y = gg.tensor(rng.uniform(0.1, 0.9, (2, 3)), dtype=gg.float64, requires_grad=True)
    assert gg.autograd.gradcheck(lambda y: GT.SigmoidTransform().inv(y), (y,))
    assert gg.autograd.gradcheck(lambda y: GT.StickBreakingTransform().inv(y / y.sum(-1, keepdim=True)), (y,))
    assert gg.autograd.gradcheck(lambda x: GT.SoftplusTransform().log_abs_det_jacobian(x, None), (x,))


def test_float32_and_domain_edges(device):
    """Values at the dtype's limits: sigmoid and its logit are clipped to [tiny, 1 - eps] as PyTorch's."""
    for dt, tdt in ((gg.float32, torch.float32), (gg.float64, torch.float64)):
        x = np.array([-200.0, -30.0, 0.0, 30.0, 200.0])
        gx, tx = gg.tensor(x, dtype=dt, device=device), torch.tensor(x, dtype=tdt)
        for name in ("SigmoidTransform", "TanhTransform", "SoftplusTransform"):
            g, t = getattr(GT, name)(), getattr(TT, name)()
            np.testing.assert_allclose(_np(g(gx)), t(tx).numpy(), rtol=1e-6)
            np.testing.assert_allclose(_np(g.log_abs_det_jacobian(gx, g(gx))), t.log_abs_det_jacobian(tx, t(tx)),
                                       rtol=1e-6)
        u = np.array([0.0, 1e-45, 0.5, 1.0])
        gu, tu = gg.tensor(u, dtype=dt, device=device), torch.tensor(u, dtype=tdt)
        np.testing.assert_allclose(_np(GT.SigmoidTransform().inv(gu)), TT.SigmoidTransform().inv(tu).numpy(),
                                   rtol=1e-6)


# -- TransformedDistribution ------------------------------------------------------------------------------------
DISTS = {
    "exp_normal": (lambda D, M, p: D.TransformedDistribution(D.Normal(p[0], p[1]), [M.ExpTransform()]),
                   [rng.uniform(-1, 1, (3, 1)), rng.uniform(0.5, 1.5, (4,))], "normal", POS),
    "logistic": (lambda D, M, p: D.TransformedDistribution(D.Uniform(p[0] * 0, p[0] * 0 + 1), [
        M.SigmoidTransform().inv, M.AffineTransform(p[0], p[1])]),
                 [rng.uniform(-1, 1, (3, 4)), rng.uniform(0.5, 2, (3, 4))], "uniform", X),
    "tanh_normal": (lambda D, M, p: D.TransformedDistribution(D.Normal(p[0], p[1]), M.ComposeTransform([
        M.TanhTransform(), M.AffineTransform(0.0, -2.0)])),
                    [rng.uniform(-1, 1, (4,)), rng.uniform(0.5, 1.5, (4,))], "normal", X * 0.9),
    "stick_breaking": (lambda D, M, p: D.TransformedDistribution(D.Normal(p[0], p[1]), [
        M.StickBreakingTransform()]), [rng.uniform(-1, 1, (2, 3)), rng.uniform(0.5, 1.5, (3,))], "normal",
        rng.dirichlet(np.ones(4), (2,))),
    "affine_event": (lambda D, M, p: D.TransformedDistribution(D.Normal(p[0], p[1]), [
        M.AffineTransform(1.0, p[1], event_dim=1)]), [rng.uniform(-1, 1, (2, 3)), rng.uniform(0.5, 1.5, (3,))],
        "normal", X[:2, :3]),
    "mvn_exp": (lambda D, M, p: D.TransformedDistribution(D.MultivariateNormal(p[0], scale_tril=p[1]), [
        M.ExpTransform(), M.AffineTransform(0.5, 2.0)]), [rng.uniform(-1, 1, (2, 3)),
                                                          np.tril(rng.uniform(-0.3, 0.3, (3, 3))) + np.eye(3)],
                "normal", POS[:2, :3] + 0.6),
    "LogNormal": (lambda D, M, p: D.LogNormal(p[0], p[1]), [rng.uniform(-1, 1, (3, 1)), rng.uniform(0.5, 1.5, (4,))],
                  "normal", POS),
}


def _dists(name, device, grad=True):
    make, params, _, value = DISTS[name]
    gp = [gg.tensor(a, dtype=gg.float64, device=device, requires_grad=grad) for a in params]
    tp = [torch.tensor(a, dtype=torch.float64, requires_grad=grad) for a in params]
    return make(GD, GT, gp), make(TD, TT, tp), gp, tp, value


@pytest.mark.parametrize("name", sorted(DISTS))
def test_transformed_log_prob_and_shapes(name, device):
    gd, td, gp, tp, value = _dists(name, device)
    assert tuple(gd.batch_shape) == tuple(td.batch_shape) and tuple(gd.event_shape) == tuple(td.event_shape)
    assert type(gd.support).__name__ == type(td.support).__name__ and gd.has_rsample == td.has_rsample
    assert tuple(gd.base_dist.batch_shape) == tuple(td.base_dist.batch_shape)
    assert len(gd.transforms) == len(td.transforms)
    gv, tv = _pair(value, device)
    _close(gd.log_prob(gv), td.log_prob(tv), gp, tp, rtol=1e-9, atol=1e-11)
    if len(td.event_shape) == 0:
        _close(gd.cdf(gv), td.cdf(tv), gp, tp, rtol=1e-9, atol=1e-11)
        gu, tu = _pair(rng.uniform(0.1, 0.9, tuple(td.batch_shape)), device)
        _close(gd.icdf(gu), td.icdf(tu), gp, tp, rtol=1e-9, atol=1e-11)
    ge = gd.expand((5,) + tuple(gd.batch_shape))
    te = td.expand((5,) + tuple(td.batch_shape))
    assert type(ge) is type(gd) and tuple(ge.batch_shape) == tuple(te.batch_shape)
    torch.manual_seed(0)
    gv, tv = _pair(_np(te.sample()), device)
    _close(ge.log_prob(gv), te.log_prob(tv), rtol=1e-9, atol=1e-11)


def _fix_noise(monkeypatch, noise, how):
    monkeypatch.setattr(gutils, "_noise", lambda kind, shape, like: gg.tensor(noise, dtype=like.dtype,
                                                                               device=like.device))
    tn = torch.tensor(noise)
    if how == "normal":
        monkeypatch.setattr(TD.normal, "_standard_normal", lambda *a, **k: tn)
        monkeypatch.setattr(TD.multivariate_normal, "_standard_normal", lambda *a, **k: tn)
    else:
        monkeypatch.setattr(torch, "rand", lambda *a, **k: tn)


@pytest.mark.parametrize("name", sorted(DISTS))
def test_transformed_rsample_pathwise_gradients(name, device, monkeypatch):
    gd, td, gp, tp, _ = _dists(name, device)
    base = td.base_dist.base_dist if isinstance(td.base_dist, TD.Independent) else td.base_dist
    shape = (6,) + tuple(base.batch_shape) + tuple(base.event_shape)
    how = DISTS[name][2]
    _fix_noise(monkeypatch, rng.standard_normal(shape) if how == "normal" else rng.uniform(0.05, 0.95, shape), how)
    gs, ts = gd.rsample((6,)), td.rsample((6,))
    _close(gs, ts, gp, tp, rtol=1e-9, atol=1e-11)
    with gg.no_grad():
        assert not gd.sample((6,)).requires_grad
    _close(gd.log_prob(gs), td.log_prob(ts), gp, tp, rtol=1e-8, atol=1e-10)


def test_sample_shapes_and_support():
    gg.manual_seed(0)
    d = GD.TransformedDistribution(GD.Normal(gg.zeros(3), 1.0), [GT.StickBreakingTransform()])
    s = d.sample((500,))
    assert tuple(s.shape) == (500, 4) and not s.requires_grad
    assert bool(d.support.check(s).all())
    assert abs(float(s.sum(-1).mean()) - 1) < 1e-6


def test_lognormal_is_a_transformed_distribution():
    d = GD.LogNormal(gg.tensor([0.0]), 1.0)
    assert isinstance(d, GD.TransformedDistribution) and isinstance(d.transforms[0], GT.ExpTransform)
    assert isinstance(d.expand((2, 1)), GD.LogNormal)
    np.testing.assert_allclose(_np(GD.kl_divergence(d, GD.LogNormal(gg.tensor([1.0]), 2.0))),
                               TD.kl_divergence(TD.LogNormal(torch.tensor([0.0]), 1.0),
                                                TD.LogNormal(torch.tensor([1.0]), 2.0)).numpy(), rtol=1e-6)
    assert repr(d) == repr(TD.LogNormal(torch.tensor([0.0]), 1.0))


def _same_error(make, exc):
    with pytest.raises(exc) as t:
        make(TD, TT, torch.tensor)
    with pytest.raises(exc) as g:
        make(GD, GT, gg.tensor)
    tmsg = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", lambda m: repr(tuple(int(v) for v in m.group(1).split(",") if v)),
                  str(t.value))
    assert str(g.value) == tmsg


ERRORS = {
    "cache_size": (lambda D, M, T: M.ExpTransform(cache_size=2), ValueError),
    "event_dim": (lambda D, M, T: type("Up", (M.Transform,), {"domain": D.constraints.real,
                                                              "codomain": D.constraints.real_vector})().event_dim,
                  ValueError),
    "call_abstract": (lambda D, M, T: M.Transform()(T([1.0])), NotImplementedError),
    "inverse_abstract": (lambda D, M, T: M.Transform().inv(T([1.0])), NotImplementedError),
    "sign": (lambda D, M, T: M.Transform().sign, NotImplementedError),
    "ladj": (lambda D, M, T: M.AbsTransform().log_abs_det_jacobian(T([1.0]), T([1.0])), NotImplementedError),
    "softmax_0d": (lambda D, M, T: M.SoftmaxTransform().forward_shape(()), ValueError),
    "stick_0d": (lambda D, M, T: M.StickBreakingTransform().inverse_shape(()), ValueError),
    "transforms_type": (lambda D, M, T: D.TransformedDistribution(D.Normal(0.0, 1.0), 3), ValueError),
    "transforms_list": (lambda D, M, T: D.TransformedDistribution(D.Normal(0.0, 1.0), [M.ExpTransform(), 3]),
                        ValueError),
    "base_too_small": (lambda D, M, T: D.TransformedDistribution(D.Normal(0.0, 1.0), [M.SoftmaxTransform()]),
                       ValueError),
    "value_support": (lambda D, M, T: D.TransformedDistribution(D.Normal(T([0.0]), 1.0), [M.ExpTransform()])
                      .log_prob(T([-1.0])), ValueError),
    "lognormal_scale": (lambda D, M, T: D.LogNormal(T([0.0]), T([-1.0])), ValueError),
    "lognormal_value": (lambda D, M, T: D.LogNormal(T([0.0]), T([1.0])).log_prob(T([-1.0])), ValueError),
    "cdf_base_value": (lambda D, M, T: D.TransformedDistribution(D.Uniform(T([0.0]), T([1.0])), [M.ExpTransform()])
                       .cdf(T([5.0])), ValueError),
    "independent_transform_dims": (lambda D, M, T: M.IndependentTransform(M.ExpTransform(), 2)(T([1.0])),
                                   ValueError),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_pytorch(name):
    make, exc = ERRORS[name]
    _same_error(make, exc)
