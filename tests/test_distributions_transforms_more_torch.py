"""The matrix, joined, reshape and CDF transforms, the matrix and joined constraints, and the biject_to /
transform_to registries against torch.distributions (float64): forward, inverse and log_abs_det_jacobian
values with their gradients, shapes, signs, domains, caching, equality, PyTorch's errors; every registered
constraint's transform maps unconstrained values into the constraint."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.distributions as GD

torch = pytest.importorskip("torch")
from test_distributions_transforms_torch import _close, _np, _pair  # noqa: E402
TD = torch.distributions
TT = torch.distributions.transforms
GT = GD.transforms
GC, TC = GD.constraints, TD.constraints

rng = np.random.default_rng(11)


X = rng.uniform(-1.5, 1.5, (4, 3))
SQ = rng.uniform(-1.5, 1.5, (2, 3, 3))
# name -> (builder(transforms module, distributions module, tensor maker), input on the domain)
TRANSFORMS = {
    "LowerCholesky": (lambda M, D, T: M.LowerCholeskyTransform(), SQ),
    "PositiveDefinite": (lambda M, D, T: M.PositiveDefiniteTransform(), SQ),
    "CorrCholesky": (lambda M, D, T: M.CorrCholeskyTransform(), rng.uniform(-2, 2, (3, 6))),
    "CorrCholesky_2x2": (lambda M, D, T: M.CorrCholeskyTransform(), rng.uniform(-2, 2, (1,))),
    "CorrCholesky_5x5": (lambda M, D, T: M.CorrCholeskyTransform(), rng.uniform(-2, 2, (2, 1, 10))),
    "Cat_dim0": (lambda M, D, T: M.CatTransform([M.ExpTransform(), M.identity_transform,
                                                 M.AffineTransform(1.0, -2.0)], 0, [2, 1, 1]), X),
    "Cat_event": (lambda M, D, T: M.CatTransform([M.IndependentTransform(M.ExpTransform(), 1),
                                                  M.SigmoidTransform()], -1, [2, 1]), X),
    "Cat_batch_dim_event": (lambda M, D, T: M.CatTransform([M.IndependentTransform(M.TanhTransform(), 1),
                                                            M.AffineTransform(0.0, 3.0)], 0, [3, 1]), X),
    "Cat_default_lengths": (lambda M, D, T: M.CatTransform([M.ExpTransform(), M.TanhTransform(),
                                                            M.SoftplusTransform()], 1), X),
    "Stack_dim1": (lambda M, D, T: M.StackTransform([M.ExpTransform(), M.SigmoidTransform(),
                                                     M.identity_transform], 1), X),
    "Stack_dim0": (lambda M, D, T: M.StackTransform([M.TanhTransform()] * 4, 0), X),
    "Reshape": (lambda M, D, T: M.ReshapeTransform((2, 3), (6,)), rng.uniform(-1, 1, (4, 2, 3))),
    "Reshape_up": (lambda M, D, T: M.ReshapeTransform((6,), (3, 1, 2)), rng.uniform(-1, 1, (2, 6))),
    "CDF_normal": (lambda M, D, T: M.CumulativeDistributionTransform(D.Normal(T([0.5, -0.2, 0.1]), T([1.5, 0.7, 2.0]))),
                   X),
    "CDF_exponential": (lambda M, D, T: M.CumulativeDistributionTransform(D.Exponential(T([0.5, 2.0, 1.0]))),
                        np.abs(X) + 0.1),
}
NO_LADJ = {"LowerCholesky", "PositiveDefinite"}      # PyTorch defines none (not bijective)


def _make(name, device):
    build, x = TRANSFORMS[name]
    g = build(GT, GD, lambda a: gg.tensor(a, dtype=gg.float64, device=device))
    t = build(TT, TD, lambda a: torch.tensor(a, dtype=torch.float64))
    return g, t, x


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_forward_inverse_and_log_abs_det_jacobian(name, device):
    g, t, x = _make(name, device)
    gx, tx = _pair(x, device, grad=True)
    gy, ty = g(gx), t(tx)
    _close(gy, ty, [gx], [tx])
    gy0, ty0 = _pair(_np(ty), device, grad=True)
    _close(g.inv(gy0), t.inv(ty0), [gy0], [ty0], rtol=1e-8)
    if name in NO_LADJ:
        with pytest.raises(NotImplementedError):
            g.log_abs_det_jacobian(gx, gy)
    else:
        _close(g.log_abs_det_jacobian(gx, gy), t.log_abs_det_jacobian(tx, ty), [gx], [tx])
        _close(g.inv.log_abs_det_jacobian(gy0, g.inv(gy0)), t.inv.log_abs_det_jacobian(ty0, t.inv(ty0)), [gy0],
               [ty0], rtol=1e-8)
    assert g.bijective == t.bijective
    assert g.domain.event_dim == t.domain.event_dim and g.codomain.event_dim == t.codomain.event_dim
    assert type(g.domain).__name__ == type(t.domain).__name__
    assert type(g.codomain).__name__ == type(t.codomain).__name__
    assert tuple(g.forward_shape(x.shape)) == tuple(t.forward_shape(torch.Size(x.shape)))
    assert tuple(g.inverse_shape(tuple(ty.shape))) == tuple(t.inverse_shape(ty.shape))
    try:
        sign = t.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            g.sign
    else:
        assert g.sign == sign
    for side, gv, tv in [("codomain", gy, ty), ("domain", gx, tx)]:
        try:
            expected = getattr(t, side).check(tv.detach()).numpy()
        except RuntimeError:          # a cat of parts with different event dims cannot join their checks
            with pytest.raises(RuntimeError):
                getattr(g, side).check(gv.detach())
        else:
            np.testing.assert_array_equal(_np(getattr(g, side).check(gv.detach())), expected)


@pytest.mark.parametrize("name", ["CorrCholesky", "CorrCholesky_5x5", "Cat_event", "Stack_dim1", "Reshape",
                                  "CDF_normal"])
def test_round_trip(name, device):
    g, _, x = _make(name, device)
    gx = gg.tensor(x, dtype=gg.float64, device=device)
    np.testing.assert_allclose(_np(g.inv(g(gx))), x, rtol=1e-9, atol=1e-9)


def test_matrix_round_trips_keep_the_lower_triangle(device):
    gx = gg.tensor(SQ, dtype=gg.float64, device=device)
    for t in (GT.LowerCholeskyTransform(), GT.PositiveDefiniteTransform()):
        np.testing.assert_allclose(_np(t.inv(t(gx))), np.tril(SQ), rtol=1e-10, atol=1e-12)


def test_corr_cholesky_gives_unit_rows_and_rejects_bad_shapes():
    t, tt = GT.CorrCholeskyTransform(), TT.CorrCholeskyTransform()
    y = t(gg.tensor(rng.normal(size=(5, 15)) * 3))
    np.testing.assert_allclose(np.linalg.norm(_np(y), axis=-1), 1.0, rtol=1e-12)
    assert bool(GC.corr_cholesky.check(y).all())
    for call, arg in [("forward_shape", (4,)), ("forward_shape", ()), ("inverse_shape", (3, 4)),
                      ("inverse_shape", (3,))]:
        with pytest.raises(ValueError) as te:
            getattr(tt, call)(torch.Size(arg))
        with pytest.raises(ValueError, match=str(te.value)):
            getattr(t, call)(arg)


def test_caching_and_with_cache():
    x = gg.tensor(SQ)
    for t in [GT.LowerCholeskyTransform(cache_size=1), GT.PositiveDefiniteTransform(cache_size=1),
              GT.ReshapeTransform((3, 3), (9,), cache_size=1),
              GT.CatTransform([GT.ExpTransform(), GT.TanhTransform()], -1, [2, 1], cache_size=1),
              GT.StackTransform([GT.ExpTransform()] * 3, -1, cache_size=1),
              GT.CumulativeDistributionTransform(GD.Normal(0.0, 1.0), cache_size=1)]:
        y = t(x)
        assert t(x) is y and t.inv(y) is x
        assert t.with_cache(1) is t and t.with_cache(0)._cache_size == 0
    cat = GT.CatTransform([GT.ExpTransform()], cache_size=1)
    assert cat.transforms[0]._cache_size == 1 and GT.CatTransform([GT.ExpTransform()]).with_cache(1).transforms[0]._cache_size == 1
    xc = gg.tensor([0.3, -0.2, 0.5])
    t = GT.CorrCholeskyTransform(cache_size=1)
    assert t.inv(t(xc)) is xc
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        GT.ReshapeTransform((1,), (1,), cache_size=2)


def test_equality_as_pytorch():
    pairs = [lambda M: (M.LowerCholeskyTransform(), M.LowerCholeskyTransform()),
             lambda M: (M.PositiveDefiniteTransform(), M.PositiveDefiniteTransform()),
             lambda M: (M.LowerCholeskyTransform(), M.PositiveDefiniteTransform()),
             lambda M: (M.CorrCholeskyTransform(), M.CorrCholeskyTransform()),
             lambda M: (M.ReshapeTransform((2,), (2,)), M.ReshapeTransform((2,), (2,))),
             lambda M: (M.CatTransform([M.ExpTransform()]), M.CatTransform([M.ExpTransform()])),
             lambda M: (M.StackTransform([M.ExpTransform()]), M.StackTransform([M.ExpTransform()]))]
    for make in pairs:
        (a, b), (ta, tb) = make(GT), make(TT)
        assert (a == b) == (ta == tb) and (a != b) == (ta != tb)
        assert (a.inv == b.inv) == (ta.inv == tb.inv)


def _same_error(make, exc):
    with pytest.raises(exc) as t:
        make(TT, torch.zeros)
    with pytest.raises(exc) as g:
        make(GT, gg.zeros)
    assert str(g.value) == str(t.value).replace("torch.Size(", "gpugrad.Size(")


@pytest.mark.parametrize("make, exc", [
    (lambda M, z: M.ReshapeTransform((2, 3), (5,)), ValueError),
    (lambda M, z: M.ReshapeTransform((2, 3), (6,)).forward_shape((4, 3, 2)), ValueError),
    (lambda M, z: M.ReshapeTransform((2, 3), (6,)).inverse_shape((4,)), ValueError),
    (lambda M, z: M.ReshapeTransform((2, 3), (6,)).forward_shape((3,)), ValueError),
    (lambda M, z: M.CatTransform([M.ExpTransform()], 0, [1, 2]), AssertionError),
    (lambda M, z: M.CatTransform([M.ExpTransform(), M.ExpTransform()], 0, [1, 2])(z(4)), AssertionError),
    (lambda M, z: M.CatTransform([M.ExpTransform()], 2)(z(1)), AssertionError),
    (lambda M, z: M.CatTransform([M.ExpTransform()], 0).inv(z(3)), AssertionError),
    (lambda M, z: M.CatTransform([M.ExpTransform()], 0).log_abs_det_jacobian(z(1), z(2)), AssertionError),
    (lambda M, z: M.CatTransform([M.ExpTransform()], 1).log_abs_det_jacobian(z(1), z(2)), AssertionError),
    (lambda M, z: M.StackTransform([M.ExpTransform()] * 2, 0)(z(3, 2)), AssertionError),
    (lambda M, z: M.StackTransform([M.ExpTransform()] * 2, 3).inv(z(2, 2)), AssertionError),
    (lambda M, z: M.StackTransform([M.ExpTransform()] * 2, 0).log_abs_det_jacobian(z(2), z(3)), AssertionError),
    (lambda M, z: M.CatTransform([1.0]), AssertionError),
    (lambda M, z: M.StackTransform([M.ExpTransform(), None]), AssertionError),
])
def test_errors_as_pytorch(make, exc):
    _same_error(make, exc)


def test_transforms_in_a_transformed_distribution():
    """A Gaussian copula (CDF of a normal) and a reshaped normal, as torch."""
    loc = rng.normal(size=(2,))
    base = lambda D, T: D.Independent(D.Normal(T(loc), T([1.0, 0.5])), 1)
    for make in [lambda D, M, T: D.TransformedDistribution(base(D, T), [M.CumulativeDistributionTransform(
                     D.Normal(T([0.0, 0.0]), T([1.0, 1.0])))]),
                 lambda D, M, T: D.TransformedDistribution(base(D, T), [M.ReshapeTransform((2,), (1, 2))])]:
        g = make(GD, GT, lambda a: gg.tensor(a, dtype=gg.float64))
        t = make(TD, TT, lambda a: torch.tensor(a, dtype=torch.float64))
        assert tuple(g.event_shape) == tuple(t.event_shape)
        ts = t.sample((3,))
        _close(g.log_prob(gg.tensor(ts.numpy())), t.log_prob(ts))


# ---------------------------------------------------------------------------------------------- constraints

def _spd(n, shape=()):
    a = rng.normal(size=shape + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _corr(n, shape):
    c = _spd(n, shape)
    d = np.sqrt(np.diagonal(c, axis1=-2, axis2=-1))
    return c / d[..., :, None] / d[..., None, :]


VALUES = [
    np.linalg.cholesky(_spd(3, (2,))), np.tril(rng.normal(size=(2, 3, 3))), rng.normal(size=(2, 3, 3)),
    np.linalg.cholesky(_corr(3, (2,))), np.linalg.cholesky(_corr(4, (3,))) * 1.0000001, _spd(3, (2,)),
    np.stack([np.eye(3), -np.eye(3)]), np.zeros((2, 3, 3)), rng.normal(size=(2, 3, 4)),
    np.array([[[1.0, 2.0], [2.0, 1.0]]]), np.array([[[1.0, 1.0], [1.0, 1.0]]]),
]


@pytest.mark.parametrize("name", ["lower_triangular", "lower_cholesky", "corr_cholesky", "square", "symmetric",
                                  "positive_semidefinite", "positive_definite"])
def test_matrix_constraints(name):
    g, t = getattr(GC, name), getattr(TC, name)
    assert g.event_dim == t.event_dim == 2 and repr(g) == repr(t) and g.is_discrete == t.is_discrete
    for v in VALUES:
        np.testing.assert_array_equal(_np(g.check(gg.tensor(v))), t.check(torch.tensor(v)).numpy())


def test_joined_and_integer_constraints():
    v = rng.normal(size=(4, 3))
    for make in [lambda C: C.cat([C.positive, C.real, C.unit_interval], -1, [1, 1, 1]),
                 lambda C: C.cat([C.positive, C.real], 0, [3, 1]),
                 lambda C: C.cat([C.independent(C.positive, 1), C.real_vector], 0, [2, 2]),
                 lambda C: C.stack([C.positive, C.real, C.greater_than(-0.5)], -1),
                 lambda C: C.stack([C.positive] * 4, 0),
                 lambda C: C.stack([C.real_vector] * 4, 0)]:
        g, t = make(GC), make(TC)
        assert g.event_dim == t.event_dim and g.is_discrete == t.is_discrete
        np.testing.assert_array_equal(_np(g.check(gg.tensor(v))), t.check(torch.tensor(v)).numpy())
    assert GC.cat([GC.boolean, GC.real]).is_discrete and GC.stack([GC.boolean]).is_discrete
    counts = np.array([[0.0, 1.0, 2.0], [1.0, 3.0, 0.5], [-1.0, 1.0, 1.0]])
    for g, t in [(GC.positive_integer, TC.positive_integer), (GC.multinomial(3), TC.multinomial(3))]:
        assert repr(g) == repr(t) and g.is_discrete and g.event_dim == t.event_dim
        np.testing.assert_array_equal(_np(g.check(gg.tensor(counts))), t.check(torch.tensor(counts)).numpy())
    assert set(TC.__all__) <= set(GC.__all__)
    for name in TC.__all__:
        getattr(GC, name)
    with pytest.raises(AssertionError):
        GC.cat([GC.real], 0, [1, 2])
    with pytest.raises(AssertionError):
        GC.stack([GC.real], 5).check(gg.zeros(2))


# ---------------------------------------------------------------------------------------------- registries

# name -> (constraint builder, unconstrained input shape)
CONSTRAINTS = {
    "real": (lambda C: C.real, (3, 4)),
    "real_vector": (lambda C: C.real_vector, (3, 4)),
    "independent_positive": (lambda C: C.independent(C.positive, 2), (3, 4)),
    "positive": (lambda C: C.positive, (3, 4)),
    "nonnegative": (lambda C: C.nonnegative, (3, 4)),
    "greater_than": (lambda C: C.greater_than(1.5), (3, 4)),
    "greater_than_eq": (lambda C: C.greater_than_eq(-1.0), (3, 4)),
    "less_than": (lambda C: C.less_than(2.0), (3, 4)),
    "interval": (lambda C: C.interval(-1.0, 3.0), (3, 4)),
    "half_open_interval": (lambda C: C.half_open_interval(0.0, 2.0), (3, 4)),
    "unit_interval": (lambda C: C.unit_interval, (3, 4)),
    "simplex": (lambda C: C.simplex, (3, 4)),
    "lower_cholesky": (lambda C: C.lower_cholesky, (2, 3, 3)),
    "positive_definite": (lambda C: C.positive_definite, (2, 3, 3)),
    "positive_semidefinite": (lambda C: C.positive_semidefinite, (2, 3, 3)),
    "corr_cholesky": (lambda C: C.corr_cholesky, (2, 6)),
    "cat": (lambda C: C.cat([C.positive, C.real, C.interval(0.0, 2.0)], -1, [2, 1, 1]), (3, 4)),
    "stack": (lambda C: C.stack([C.positive, C.unit_interval, C.less_than(0.0)], 0), (3, 4)),
}


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_registries_map_unconstrained_values_into_the_constraint(name, registry, device):
    build, shape = CONSTRAINTS[name]
    greg, treg = getattr(GD, registry), getattr(TD, registry)
    gcon, tcon = build(GC), build(TC)
    try:
        tt = treg(tcon)
    except NotImplementedError as e:
        with pytest.raises(NotImplementedError, match=str(e)):
            greg(gcon)
        return
    g = greg(gcon)
    assert type(g).__name__ == type(tt).__name__ and repr(g) == repr(tt)
    assert registry == "transform_to" or g.bijective
    u = rng.normal(size=shape)
    gu, tu = _pair(u, device, grad=True)
    gy, ty = g(gu), tt(tu)
    _close(gy, ty, [gu], [tu])
    assert bool(gcon.check(gy.detach()).all())
    if registry == "biject_to":
        _close(g.log_abs_det_jacobian(gu, gy), tt.log_abs_det_jacobian(tu, ty), [gu], [tu])
        np.testing.assert_allclose(_np(g.inv(gy)), u, rtol=1e-8, atol=1e-8)


def test_registry_lookup_errors_and_registration():
    for make in [lambda C: C.boolean, lambda C: C.nonnegative_integer, lambda C: C.integer_interval(0, 3)]:
        with pytest.raises(NotImplementedError) as te:
            TD.biject_to(make(TC))
        with pytest.raises(NotImplementedError, match=str(te.value)):
            GD.biject_to(make(GC))
    for reg in (GD.constraint_registry.ConstraintRegistry, TD.constraint_registry.ConstraintRegistry):
        with pytest.raises(TypeError) as e:
            reg().register(3, lambda c: None)
        assert "Expected constraint to be either a Constraint subclass or instance" in str(e.value)
    registry = GD.constraint_registry.ConstraintRegistry()

    @registry.register(GC.greater_than)
    def _shifted(constraint):
        return GT.AffineTransform(constraint.lower_bound, 1.0)
    assert registry(GC.greater_than(2.0))(gg.tensor([1.0])).tolist() == [3.0]
    assert registry.register(GC.simplex, lambda c: GT.SoftmaxTransform())(None) == GT.SoftmaxTransform()
    assert registry(GC.simplex) == GT.SoftmaxTransform()
    assert GD.constraint_registry.__all__ == TD.constraint_registry.__all__
