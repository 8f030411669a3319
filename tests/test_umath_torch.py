"""The elementwise math families (gpugrad/ops/umath_unary.py, umath_binary.py, umath_methods.py, gpugrad.special,
gpugrad/backend/special_fns.py) against PyTorch: the special functions' accuracy over wide ranges (poles,
negative non-integers, large arguments), values at inf/nan/-0.0, integer dtypes, gradients at the points where
PyTorch has a convention, the in-place methods, out=, errors. The differentiable ops' gradients on generic
inputs are checked by tests/op_table.py."""
from __future__ import annotations

import doctest

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.special  # noqa: F401

torch = pytest.importorskip("torch")

INF, NAN = float("inf"), float("nan")
_rng = np.random.default_rng(7)
# wide float64 samples: uniform on several scales, both signs, integers and half-integers (poles), specials
WIDE = np.concatenate([_rng.uniform(-50, 50, 600), _rng.uniform(-5, 5, 600), np.exp(_rng.uniform(-30, 30, 300)),
                       -np.exp(_rng.uniform(-30, 6, 300)), np.arange(-6, 6.5, 0.5), [0.0, -0.0, 1e-300, 1e17, 1e300,
                                                                                    INF, -INF, NAN]])
UNIT = np.concatenate([_rng.uniform(-1, 1, 1000), 1 - np.exp(_rng.uniform(-36, 0, 200)),
                       -1 + np.exp(_rng.uniform(-36, 0, 200)), [0.0, -0.0, 1.0, -1.0, 1.5, NAN]])
PROB = np.concatenate([_rng.uniform(0, 1, 1000), np.exp(_rng.uniform(-700, 0, 300)),
                       1 - np.exp(_rng.uniform(-36, 0, 200)), [0.0, 1.0, 0.5, -0.1, 1.1, NAN]])


def _gg(name):
    mod, _, fn = name.rpartition(".")
    return getattr(gg.special if mod == "special" else gg, fn)


def _torch(name):
    mod, _, fn = name.rpartition(".")
    return getattr(torch.special if mod == "special" else torch, fn)


def _compare(got, want, rtol, atol=0.0):
    """Equal where both are finite (to rtol/atol); the same inf/nan pattern elsewhere."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=rtol, atol=atol)


def _same_zero_signs(got, want):
    """-0.0 where torch gives -0.0 (nan's sign bit is not compared: neither library fixes it)."""
    z = want == 0
    np.testing.assert_array_equal(np.signbit(got[z]), np.signbit(want[z]))


# -- accuracy of the special functions, float64 -------------------------------------------------------------------
@pytest.mark.parametrize("name,x,rtol,atol", [
    ("lgamma", WIDE, 1e-12, 1e-13),              # atol: near its roots 1 and 2 (and -2.457...) the value is ~0
    ("digamma", WIDE, 1e-12, 1e-13),             # atol: near its roots (1.4616, -0.5040...)
    ("erfc", WIDE, 1e-13, 0.0),
    ("erfinv", UNIT, 1e-13, 0.0),
    ("i0", WIDE, 1e-13, 0.0),
    ("special.i0e", WIDE, 1e-13, 0.0),
    ("special.i1", WIDE, 1e-13, 0.0),
    ("special.i1e", WIDE, 1e-13, 0.0),
    ("special.erfcx", WIDE, 1e-13, 0.0),
    ("special.log_ndtr", WIDE, 1e-12, 1e-300),
    ("special.ndtri", PROB, 1e-12, 1e-15),       # atol: ndtri(1/2) = 0
    ("special.ndtr", WIDE, 1e-13, 3e-17),        # atol: PyTorch's ndtr is 1/2 (1 + erf) and is 0 below -8.3
    ("sinc", WIDE, 1e-13, 1e-16),
    ("special.entr", WIDE, 1e-13, 0.0),
    ("logit", PROB, 1e-12, 1e-15),
])
def test_special_functions_match_torch_in_float64(name, x, rtol, atol):
    with np.errstate(all="ignore"):
        got = _gg(name)(gg.tensor(x)).numpy()
    _compare(got, _torch(name)(torch.tensor(x)).numpy(), rtol, atol)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_polygamma_matches_torch_in_float64(n):
    # poles at 0, -1, -2...: inf (PyTorch's n=1 kernel, a short asymptotic series, gives huge finite values there
    # and has a relative error of 5e-10 near x = 1.1: gpugrad evaluates psi^(1) through the Hurwitz zeta sum like
    # the other orders, accurate to 1e-15 there, so n=1 is compared away from the poles at the looser tolerance)
    x = np.concatenate([_rng.uniform(0, 30, 800), np.exp(_rng.uniform(-10, 20, 200)), _rng.uniform(-6, 0, 400)])
    x = x[np.abs(x - np.round(x)) > 1e-3]
    rtol = 1e-9 if n == 1 else 1e-11
    got = gg.polygamma(n, gg.tensor(x)).numpy()
    want = torch.polygamma(n, torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12 * np.abs(want).max() if n > 1 else 0)
    assert np.isinf(gg.polygamma(n, gg.tensor([0.0, -2.0])).numpy()).all()
    assert np.isinf(torch.polygamma(n, torch.tensor([0.0, -2.0], dtype=torch.float64)).numpy()).all() or n == 1


def test_mvlgamma_and_polygamma_zero_match_torch():
    x = _rng.uniform(1.01, 40, 300)
    for p in (1, 2, 5):
        _compare(gg.mvlgamma(gg.tensor(x + p / 2), p).numpy(), torch.mvlgamma(torch.tensor(x + p / 2), p).numpy(),
                 1e-12)
    _compare(gg.polygamma(0, gg.tensor(WIDE)).numpy(), torch.polygamma(0, torch.tensor(WIDE)).numpy(), 1e-12, 1e-13)


UNARY_FLOAT = ["acos", "asin", "atan", "acosh", "asinh", "atanh", "cosh", "sinh", "erfc", "erfinv", "exp2", "log2",
               "log10", "lgamma", "digamma", "i0", "sinc", "logit", "reciprocal", "deg2rad", "rad2deg",
               "special.i0e", "special.i1", "special.i1e", "special.erfcx", "special.ndtri", "special.log_ndtr",
               "special.ndtr", "special.entr", "special.expit", "special.gammaln", "special.psi", "special.exp2",
               "special.erf", "special.erfc", "special.erfinv", "special.log1p", "special.expm1", "special.sinc",
               "special.logit", "special.i0", "special.digamma"]


@pytest.mark.parametrize("name", UNARY_FLOAT)
def test_unary_float64_values_and_specials(name):
    x = np.concatenate([_rng.uniform(-3, 3, 200), _rng.uniform(-1, 1, 100), _rng.uniform(1, 60, 100),
                        [0.0, -0.0, 0.5, 1.0, -1.0, 2.0, INF, -INF, NAN]])
    with np.errstate(all="ignore"):
        got = _gg(name)(gg.tensor(x))
    want = _torch(name)(torch.tensor(x))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    _compare(got.numpy(), want.numpy(), 1e-12, 1e-13)
    _same_zero_signs(got.numpy(), want.numpy())


@pytest.mark.parametrize("name", UNARY_FLOAT)
def test_unary_float32_rounding(name):
    x = np.concatenate([_rng.uniform(-3, 3, 300), _rng.uniform(0, 1, 100), _rng.uniform(1, 30, 100)]).astype(np.float32)
    with np.errstate(all="ignore"):
        got = _gg(name)(gg.tensor(x))
    want = _torch(name)(torch.tensor(x))
    assert got.dtype == gg.float32 and want.dtype == torch.float32
    w = want.numpy().astype(np.float64)
    # a few float32 ulps (neither library rounds correctly everywhere), and absolute 1e-6 near roots and at sinc's
    # integers (where sin(pi * x) of a float32 pi x is all rounding error in both)
    # PyTorch's float32 ndtr (1/2 (1 + erf)) loses absolute float32 eps to cancellation, and its float32 log_ndtr
    # has relative errors to 6e-5 in the upper tail: gpugrad evaluates both in float64 and rounds
    rtol, atol = {"special.ndtr": (1.6e-6, 3e-8), "special.log_ndtr": (1e-4, 0.0)}.get(name, (1.6e-6, 0.0))
    if name in ("sinc", "special.sinc", "lgamma", "digamma", "special.gammaln", "special.psi", "special.digamma"):
        atol = 1e-6
    _compare(got.numpy(), w, rtol, atol)


@pytest.mark.parametrize("name", ["acos", "cosh", "lgamma", "erfinv", "exp2", "log10", "sinc", "logit", "i0",
                                  "deg2rad", "reciprocal", "digamma"])
def test_integer_and_bool_inputs_give_the_default_float_dtype(name):
    for x in ([0, 1, 2], [True, False]):
        got, want = _gg(name)(gg.tensor(x)), _torch(name)(torch.tensor(x))
        assert got.dtype == gg.float32 and want.dtype == torch.float32
        _compare(got.numpy(), want.numpy(), 1e-6)


@pytest.mark.parametrize("name", ["isinf", "isposinf", "isneginf", "isreal", "signbit", "sgn", "trunc", "fix",
                                  "frac", "negative", "positive", "nan_to_num"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "bool"])
def test_small_unary_ops_and_their_dtypes(name, dtype):
    x = np.array([-INF, -2.5, -1.0, -0.0, 0.0, 0.7, 3.0, INF, NAN, 1e300])
    if dtype == "bool":
        x = x > 0
    elif dtype.startswith("int"):
        x = np.nan_to_num(x, posinf=7, neginf=-7).astype(dtype)
    else:
        x = x.astype(dtype)
    try:
        want = _torch(name)(torch.tensor(x))
    except Exception as e:      # noqa: BLE001 (the same class of error as torch's)
        with pytest.raises(type(e) if not isinstance(e, NotImplementedError) else (NotImplementedError, RuntimeError,
                                                                                  TypeError)):
            _gg(name)(gg.tensor(x))
        return
    with np.errstate(all="ignore"):
        got = _gg(name)(gg.tensor(x))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], (got.dtype, want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_nan_to_num_arguments():
    x = np.array([NAN, INF, -INF, 1.0], np.float32)
    for kw in (dict(), dict(nan=2.0), dict(posinf=5.0, neginf=-5.0), dict(nan=-1.0, neginf=0.0)):
        np.testing.assert_array_equal(gg.nan_to_num(gg.tensor(x), **kw).numpy(),
                                      torch.nan_to_num(torch.tensor(x), **kw).numpy())


# -- binary values ----------------------------------------------------------------------------------------------
_A = np.array([-3.5, -2.0, -0.0, 0.0, 0.5, 2.0, 7.25, INF, -INF, NAN, 3.0, -1.0])
_B = np.array([2.0, -0.0, 3.0, -1.5, 0.0, 2.0, -2.5, 1.0, INF, 1.0, NAN, -INF])


@pytest.mark.parametrize("name", ["atan2", "arctan2", "hypot", "copysign", "fmod", "fmax", "fmin", "logaddexp",
                                  "logaddexp2", "xlogy", "special.xlogy", "special.xlog1py", "nextafter",
                                  "float_power"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_binary_values_with_zeros_infs_and_nans(name, dtype):
    a, b = _A.astype(dtype), _B.astype(dtype)
    with np.errstate(all="ignore"):
        got = _gg(name)(gg.tensor(a), gg.tensor(b))
    want = _torch(name)(torch.tensor(a), torch.tensor(b))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    _compare(got.numpy(), want.numpy(), 1e-12 if dtype == "float64" else 1e-6)
    _same_zero_signs(got.numpy(), want.numpy())


@pytest.mark.parametrize("name,args", [
    ("atan2", ([1, -2], [3, 0])), ("copysign", ([1, -2], [-3, 0])), ("copysign", ([1, -2], -1)),
    ("fmod", ([7, -7], [3, 3])), ("fmod", ([7, -7], 3)), ("fmod", ([7, -7], 2.5)), ("fmax", ([1, 5], [3, 2])),
    ("fmin", ([1, 5], [3, 2])), ("xlogy", ([0, 2], [0, 3])), ("xlogy", (2, [1.0, 3.0])), ("xlogy", ([1.0, 2.0], 3)),
    ("gcd", ([4, 6, 0, -8], [6, 4, 5, 12])), ("lcm", ([4, 6, 0, -8], [6, 4, 5, 12])),
    ("bitwise_left_shift", ([1, -3], [2, 1])), ("bitwise_left_shift", ([1, 3], 2)),
    ("bitwise_right_shift", ([-8, 12], [2, 1])), ("bitwise_right_shift", ([-8, 12], 2)),
    ("heaviside", ([-1, 0, 2], [7])), ("heaviside", ([-1.5, 0.0, 2.0, NAN], [0.5])),
    ("float_power", ([2, 3], 2)), ("float_power", (2, [1.0, 0.5])), ("ldexp", ([1.0, 3.0], [3, -1])),
    ("ldexp", ([1, 3], [3, -1])), ("logical_xor", ([0, 1, 2], [1, 1, 0])), ("not_equal", ([1, 2], [1, 3])),
    ("greater", ([1, 2], [1, 3])), ("greater_equal", ([1, 2], [1, 3])), ("less", ([1, 2], [1, 3])),
    ("less_equal", ([1, 2], [1, 3])), ("bitwise_and", ([12, 10], [9, 12])), ("bitwise_or", ([12, 10], [9, 12])),
    ("bitwise_xor", ([12, 10], [9, 12])), ("clamp_min", ([-1.0, 2.0], 0.5)), ("clamp_max", ([-1.0, 2.0], 0.5)),
])
def test_binary_ops_on_integers_scalars_and_mixed_dtypes(name, args):
    g_args = [gg.tensor(a) if isinstance(a, list) else a for a in args]
    t_args = [torch.tensor(a) if isinstance(a, list) else a for a in args]
    got, want = _gg(name)(*g_args), _torch(name)(*t_args)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], (got.dtype, want.dtype)
    _compare(got.numpy(), want.numpy(), 1e-6)


def test_lerp_addcmul_addcdiv_match_torch():
    a, b, w = (_rng.standard_normal((3, 4)) for _ in range(3))
    for weight in (0.3, 0.5, 0.9, 1.7, -0.4):
        _compare(gg.lerp(gg.tensor(a), gg.tensor(b), weight).numpy(),
                 torch.lerp(torch.tensor(a), torch.tensor(b), weight).numpy(), 1e-15, 1e-15)
    _compare(gg.lerp(gg.tensor(a), gg.tensor(b), gg.tensor(w)).numpy(),
             torch.lerp(torch.tensor(a), torch.tensor(b), torch.tensor(w)).numpy(), 1e-15, 1e-15)
    _compare(gg.addcmul(gg.tensor(a), gg.tensor(b), gg.tensor(w), value=-2).numpy(),
             torch.addcmul(torch.tensor(a), torch.tensor(b), torch.tensor(w), value=-2).numpy(), 1e-14)
    _compare(gg.addcdiv(gg.tensor(a), gg.tensor(b), gg.tensor(w), value=0.5).numpy(),
             torch.addcdiv(torch.tensor(a), torch.tensor(b), torch.tensor(w), value=0.5).numpy(), 1e-14)
    _compare(gg.addcmul(gg.tensor([1, 2]), gg.tensor([3, 4]), gg.tensor([5, 6]), value=2).numpy(),
             torch.addcmul(torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([5, 6]), value=2).numpy(), 0)


def test_frexp_matches_torch_and_round_trips():
    x = np.array([8.0, 0.75, -3.0, 0.0, -0.0, 1e-310, 1e300, INF, NAN], np.float64)
    for dtype in ("float64", "float32"):
        xs = x.astype(dtype)
        with np.errstate(all="ignore"):
            m, e = gg.frexp(gg.tensor(xs))
        tm, te = torch.frexp(torch.tensor(xs))
        assert e.dtype == gg.int32 and te.dtype == torch.int32
        _compare(m.numpy(), tm.numpy(), 0)
        fin = np.isfinite(xs)
        np.testing.assert_array_equal(e.numpy()[fin], te.numpy()[fin])
    r = gg.frexp(gg.tensor([8.0]))
    assert (r.mantissa.item(), r.exponent.item()) == (0.5, 4)


# -- gradients at the points where PyTorch has a convention ---------------------------------------------------------
def _grads(fn_name, *values, **kwargs):
    """(gpugrad's, torch's) gradients of sum(f(*values)) wrt each float input."""
    g_in = [gg.tensor(v, requires_grad=True) for v in values]
    t_in = [torch.tensor(v, requires_grad=True) for v in values]
    with np.errstate(all="ignore"):
        _gg(fn_name)(*g_in, **kwargs).sum().backward()
    _torch(fn_name)(*t_in, **kwargs).sum().backward()
    return [x.grad.numpy() for x in g_in], [x.grad.numpy() for x in t_in]


@pytest.mark.parametrize("name,values,kwargs", [
    ("fmod", ([-3.5, 3.5, 7.0, 0.0, 5.0], [2.0, -2.0, 3.5, 2.0, 0.7]), {}),
    ("remainder", ([-3.5, 3.5, 7.0, 0.0, 5.0], [2.0, -2.0, 3.5, 2.0, 0.7]), {}),
    ("copysign", ([0.0, -0.0, 2.0, -2.0, 3.0], [-1.0, 1.0, -0.0, 0.0, NAN]), {}),
    ("xlogy", ([0.0, 0.0, 0.0, 2.0, 1.0], [0.0, -1.0, 2.0, 0.0, NAN]), {}),
    ("special.xlog1py", ([0.0, 0.0, 0.0, 2.0], [-1.0, -2.0, 2.0, -1.0]), {}),
    ("fmax", ([1.0, 2.0, NAN, 3.0, NAN], [1.0, NAN, 2.0, 4.0, NAN]), {}),
    ("fmin", ([1.0, 2.0, NAN, 3.0, NAN], [1.0, NAN, 2.0, 4.0, NAN]), {}),
    ("atan2", ([0.0, 1.0, -1.0, 0.0], [0.0, 0.0, -2.0, -1.0]), {}),
    ("hypot", ([0.0, 3.0, -3.0], [0.0, 4.0, 0.0]), {}),
    ("logaddexp", ([0.0, -INF, 1000.0], [0.0, 1.0, -1000.0]), {}),
    ("lerp", ([0.0, 1.0, 2.0], [1.0, -1.0, 4.0], [0.2, 0.5, 0.9]), {}),
    ("logit", ([0.0, 0.1, 0.5, 1.0, -0.5, 1.5],), {}),
    ("logit", ([0.0, 0.1, 0.2, 0.5, 0.8, 0.95, -0.5],), dict(eps=0.2)),
    ("nan_to_num", ([NAN, INF, -INF, 1.0],), {}),
    ("sinc", ([0.0, 1.0, 0.5, -2.0],), {}),
    ("special.i1", ([0.0, 1.0, -3.0],), {}),
    ("special.i1e", ([0.0, 1.0, -3.0],), {}),
    ("special.i0e", ([0.0, 1.0, -3.0],), {}),
    ("special.entr", ([0.0, 0.5, 2.0],), {}),
    ("frac", ([-1.5, 0.0, 2.25],), {}),
    ("trunc", ([-1.5, 0.0, 2.25],), {}),
    ("lgamma", ([-2.5, 0.5, 1.0, 30.0],), {}),
    ("digamma", ([-2.5, 0.5, 1.0, 30.0],), dict()),   # (compared at 1e-9 below: PyTorch's trigamma)
    ("erfinv", ([0.0, 0.9, -0.999999],), {}),
    ("special.ndtri", ([0.5, 0.01, 0.999],), {}),
    ("special.log_ndtr", ([-40.0, 0.0, 10.0],), {}),
    ("special.erfcx", ([-3.0, 0.0, 40.0],), {}),
    ("acosh", ([1.5, 10.0],), {}),
    ("reciprocal", ([0.5, -2.0],), {}),
])
def test_gradients_follow_torchs_conventions(name, values, kwargs):
    got, want = _grads(name, *[np.array(v, np.float64) for v in values], **kwargs)
    for g, w in zip(got, want):
        # digamma's derivative is PyTorch's trigamma kernel, a short asymptotic series good to 5e-10
        _compare(g, w, 1e-9 if name == "digamma" else 1e-11, 1e-14)


def test_polygamma_and_mvlgamma_gradients():
    x = np.array([0.7, 1.5, 4.0, -1.5])
    for n in (0, 1, 3):
        g = gg.tensor(x, requires_grad=True)
        t = torch.tensor(x, requires_grad=True)
        gg.polygamma(n, g).sum().backward()
        torch.polygamma(n, t).sum().backward()
        _compare(g.grad.numpy(), t.grad.numpy(), 1e-9)
    g = gg.tensor([2.5, 4.0], dtype=gg.float64, requires_grad=True)
    t = torch.tensor([2.5, 4.0], dtype=torch.float64, requires_grad=True)
    gg.mvlgamma(g, 3).sum().backward()
    torch.mvlgamma(t, 3).sum().backward()
    _compare(g.grad.numpy(), t.grad.numpy(), 1e-12)


def test_second_derivatives_through_special_functions():
    for name in ("lgamma", "digamma", "erfinv", "i0", "special.i1", "acos", "cosh", "atan", "special.log_ndtr"):
        x = np.array([0.3, 0.6])
        g = gg.tensor(x, requires_grad=True)
        t = torch.tensor(x, requires_grad=True)
        (dg,) = gg.autograd.grad(_gg(name)(g).sum(), g, create_graph=True)
        (dt,) = torch.autograd.grad(_torch(name)(t).sum(), t, create_graph=True)
        dg.sum().backward()
        dt.sum().backward()
        _compare(g.grad.numpy(), t.grad.numpy(), 1e-9, 1e-12)


@pytest.mark.parametrize("call", [
    pytest.param(lambda ns, x: ns.frexp(x)[0], id="frexp"), pytest.param(lambda ns, x: ns.frexp(x)[1], id="frexp_exp"),
    pytest.param(lambda ns, x: ns.nextafter(x, x + 1), id="nextafter"),
    pytest.param(lambda ns, x: ns.nextafter(x.detach(), x), id="nextafter_other"),
    pytest.param(lambda ns, x: ns.signbit(x), id="signbit"), pytest.param(lambda ns, x: ns.isinf(x), id="isinf")])
def test_requires_grad_of_ops_without_a_gradient_as_torch(call):
    """frexp's mantissa and nextafter are recorded (PyTorch's FrexpBackward0, NextafterBackward0), frexp's
    exponent and the predicates are not."""
    g = call(gg, gg.tensor([1.0, -2.0], requires_grad=True))
    t = call(torch, torch.tensor([1.0, -2.0], requires_grad=True))
    assert (g.requires_grad, g.grad_fn and g.grad_fn.name()) == (t.requires_grad, t.grad_fn and t.grad_fn.name())


@pytest.mark.parametrize("grads", [(True, False), (False, True), (True, True)], ids=["input", "values", "both"])
def test_heaviside_records_a_node_whose_backward_raises_as_torchs(grads):
    """PyTorch gives heaviside no derivative but records it: the result requires grad, its grad_fn is a
    NotImplemented node over the inputs that require grad, and backward (or autograd.grad) raises
    RuntimeError; forward-mode AD raises NotImplementedError."""
    x, v = np.array([-1.5, 0.0, 2.0]), np.array([0.5])
    res = []
    for lib in (gg, torch):
        a = lib.tensor(x, requires_grad=grads[0])
        b = lib.tensor(v, requires_grad=grads[1])
        y = lib.heaviside(a, b)
        z = a.heaviside(b) * 2
        info = (y.tolist(), y.requires_grad, y.is_leaf, type(y.grad_fn).__name__, y.grad_fn.name(), repr(y).split("grad_fn=")[1],
                len(y.grad_fn.next_functions), [type(f).__name__ for f, _ in z.grad_fn.next_functions])
        errors = []
        for run in (lambda: y.sum().backward(), lambda: lib.autograd.grad(z.sum(), [a, b][grads.index(True)])):
            with pytest.raises(Exception) as e:
                run()
            errors.append((type(e.value), str(e.value)))
        with lib.no_grad():
            info += (lib.heaviside(a, b).requires_grad,)
        res.append((info, errors))
    assert res[0] == res[1]


@pytest.mark.parametrize("out", ["same", "empty", "float32", "requires_grad"])
def test_heaviside_out_as_torch(out):
    """out= records the NotImplemented node on out (as PyTorch), out of another dtype is an error, and an
    out that requires grad is refused."""
    res = []
    for lib in (gg, torch):
        x = lib.tensor([-1.5, 0.0, 2.0], dtype=lib.float64, requires_grad=True)
        o = {"same": lambda: lib.zeros(3, dtype=lib.float64), "empty": lambda: lib.empty(0, dtype=lib.float64),
             "float32": lambda: lib.zeros(3),
             "requires_grad": lambda: lib.zeros(3, dtype=lib.float64, requires_grad=True)}[out]()
        try:
            r = lib.heaviside(x, lib.tensor([0.5], dtype=lib.float64), out=o)
        except RuntimeError as e:
            res.append(("error", str(e).split(" (")[0].replace("aten::", "").rstrip(".")))
            continue
        res.append((r is o, o.tolist(), o.requires_grad, o.is_leaf, o.grad_fn.name(), o._version > 0))
    assert res[0] == res[1]


def test_heaviside_in_place_and_forward_mode_as_torch():
    res = []
    for lib in (gg, torch):
        x = lib.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        y = x * 1.0
        y.heaviside_(lib.tensor([0.5]))
        with pytest.raises(RuntimeError) as leaf:
            x.heaviside_(lib.tensor([0.5]))
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(lib.tensor([-1.0, 0.0]), lib.ones(2))
            with pytest.raises(Exception) as fwd:
                lib.heaviside(d, lib.tensor([0.5]))
        res.append((y.tolist(), type(y.grad_fn).__name__, leaf.type, fwd.type, str(fwd.value)))
    assert res[0] == res[1]


# -- in-place methods ---------------------------------------------------------------------------------------------
def _inplace_cases():
    from gpugrad.ops.umath_methods import UMATH_METHODS
    return sorted(n for n in UMATH_METHODS if n.endswith("_"))


_ARGS = {"polygamma_": (1,), "mvlgamma_": (2,), "copysign_": (-1.0,), "fmod_": (0.7,), "remainder_": (0.7,),
         "floor_divide_": (0.7,), "true_divide_": (0.7,), "float_power_": (2,), "clamp_min_": (0.3,),
         "clamp_max_": (0.3,), "clip_": (0.2, 0.6), "round_": (), "lerp_": "lerp", "addcmul_": "addc",
         "addcdiv_": "addc", "heaviside_": "same", "nextafter_": "same", "ldexp_": "same", "xlogy_": "same",
         "atan2_": "same", "arctan2_": "same", "hypot_": "same"}


@pytest.mark.parametrize("name", _inplace_cases())
def test_inplace_methods_match_torch(name):
    integer = name.startswith(("gcd", "lcm", "bitwise"))
    base = np.array([3, 6, 12, 5]) if integer else np.array([0.2, 0.45, 0.7, 0.9])
    dtype = torch.float64 if name == "float_power_" else None
    spec = _ARGS.get(name, ())
    if name == "mvlgamma_":
        base = base + 1.0
    if spec == "same" or (integer and name != "bitwise_not_") or name.startswith(("logical_a", "logical_o", "logical_x", "eq_", "ne_", "lt_",
                                                                                     "le_", "gt_", "ge_", "not_",
                                                                                     "greater", "less")):
        other = base[::-1].copy()
        g_args, t_args = (gg.tensor(other),), (torch.tensor(other),)
        if name.startswith(("bitwise_left", "bitwise_right")):
            g_args, t_args = (2,), (2,)
    elif spec == "lerp":
        g_args, t_args = (gg.tensor(base[::-1].copy()), 0.3), (torch.tensor(base[::-1].copy()), 0.3)
    elif spec == "addc":
        g_args, t_args = (gg.tensor(base), gg.tensor(base + 1)), (torch.tensor(base), torch.tensor(base + 1))
    else:
        g_args = t_args = spec
    if name == "logit_":
        g_args = t_args = (0.3,)
    g, t = gg.tensor(base), torch.tensor(base, dtype=dtype) if dtype else torch.tensor(base)
    with np.errstate(all="ignore"):
        r = getattr(g, name)(*g_args)
    getattr(t, name)(*t_args)
    assert r is g and g._version == 1
    _compare(g.numpy(), t.numpy(), 1e-9 if name == "polygamma_" else 1e-12, 1e-15)   # (polygamma(1): trigamma)


@pytest.mark.parametrize("name", ["acos_", "lgamma_", "atan2_", "lerp_", "cos_", "clamp_min_"])
def test_inplace_on_a_leaf_that_requires_grad_is_refused_as_in_torch(name):
    g, t = gg.tensor([0.5], requires_grad=True), torch.tensor([0.5], requires_grad=True)
    extra = {"atan2_": (0.5,), "lerp_": (0.5, 0.5), "clamp_min_": (0.1,)}.get(name, ())
    with pytest.raises(RuntimeError):
        getattr(t, name)(*(torch.tensor([a]) if name != "clamp_min_" else a for a in extra))
    with pytest.raises(RuntimeError):
        getattr(g, name)(*(gg.tensor([a]) if name != "clamp_min_" else a for a in extra))


def test_inplace_in_a_graph_is_differentiable():
    for name in ("acos_", "erfinv_", "sinh_"):
        g = gg.tensor([0.3, 0.6], requires_grad=True)
        t = torch.tensor([0.3, 0.6], dtype=torch.float32, requires_grad=True)
        y, ty = g * 1.0, t * 1.0
        getattr(y, name)()
        getattr(ty, name)()
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        _compare(g.grad.numpy(), t.grad.numpy(), 1e-5)


def test_inplace_float_result_into_an_integer_tensor_is_refused():
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).acos_()
    with pytest.raises(RuntimeError):
        gg.tensor([1, 2]).acos_()


def test_the_methods_docstring_examples_run():
    from gpugrad.ops.umath_methods import UMATH_METHODS
    for name, fn in UMATH_METHODS.items():
        if fn.__doc__ and ">>>" in fn.__doc__:
            finder = doctest.DocTestFinder()
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            for test in finder.find(fn, name, globs={}):
                runner.run(test)
            assert runner.failures == 0, name


# -- aliases, methods, special, out=, errors ----------------------------------------------------------------------
def test_every_name_torch_has_is_there():
    top = ("absolute acos arccos acosh arccosh asin arcsin asinh arcsinh atan arctan atanh arctanh cosh sinh erfc "
           "erfinv exp2 log2 log10 lgamma digamma polygamma mvlgamma i0 sinc logit reciprocal sgn signbit frac trunc "
           "fix positive negative deg2rad rad2deg nan_to_num isinf isneginf isposinf isreal atan2 arctan2 hypot "
           "copysign fmod fmax fmin float_power logaddexp logaddexp2 xlogy heaviside nextafter ldexp frexp gcd lcm "
           "lerp addcmul addcdiv clamp_min clamp_max logical_xor not_equal greater greater_equal less less_equal "
           "bitwise_left_shift bitwise_right_shift").split()
    for n in top:
        assert hasattr(torch, n)
        assert hasattr(gg, n), n
        if hasattr(torch.Tensor, n):
            assert hasattr(gg.Tensor, n), n
        if hasattr(torch.Tensor, n + "_"):
            assert hasattr(gg.Tensor, n + "_"), n + "_"
    for n in gg.special.__all__:
        assert hasattr(torch.special, n), n


def test_out_argument():
    out = gg.empty(3)
    r = gg.acos(gg.tensor([1.0, 0.0, -1.0]), out=out)
    assert r is out
    _compare(out.numpy(), torch.acos(torch.tensor([1.0, 0.0, -1.0])).numpy(), 1e-7)
    out = gg.empty(2)
    gg.atan2(gg.tensor([1.0, 2.0]), gg.tensor([1.0, -1.0]), out=out)
    _compare(out.numpy(), torch.atan2(torch.tensor([1.0, 2.0]), torch.tensor([1.0, -1.0])).numpy(), 1e-7)
    m, e = gg.empty(1), gg.empty(1, dtype=gg.int32)
    gg.frexp(gg.tensor([8.0]), out=(m, e))
    assert m.item() == 0.5 and e.item() == 4
    with pytest.raises(RuntimeError):
        gg.acos(gg.tensor([0.5], requires_grad=True), out=gg.empty(1))


@pytest.mark.parametrize("call", [
    lambda ns: ns.polygamma(-1, ns.tensor([1.0])),
    lambda ns: ns.mvlgamma(ns.tensor([1.0]), 0),
    lambda ns: ns.addcdiv(ns.tensor([1]), ns.tensor([2]), ns.tensor([3])),
    lambda ns: ns.lerp(ns.tensor([1.0]), ns.tensor([2.0], dtype=ns.float64), 0.5),
    lambda ns: ns.heaviside(ns.tensor([1.0]), ns.tensor([1.0], dtype=ns.float64)),
    lambda ns: ns.frexp(ns.tensor([1, 2])),
    lambda ns: ns.gcd(ns.tensor([1.0]), ns.tensor([2.0])),
    lambda ns: ns.atan2(ns.ones(2, 3), ns.ones(4)),
    lambda ns: ns.positive(ns.tensor([True])),
    lambda ns: ns.fmod(ns.tensor([1, 2]), 0),
])
def test_errors_are_the_same_class_as_torchs(call):
    with pytest.raises(Exception) as t_err:
        call(torch)
    with pytest.raises(type(t_err.value)):
        call(gg)


def test_positive_returns_the_input_and_bool_frac_lerp_on_integers_refuse():
    x = gg.tensor([1.0])
    assert gg.positive(x) is x
    for call in (lambda ns: ns.frac(ns.tensor([1, 2])), lambda ns: ns.lerp(ns.tensor([1]), ns.tensor([2]), 0.5)):
        with pytest.raises(NotImplementedError):
            call(torch)
        with pytest.raises(NotImplementedError):
            call(gg)


def test_sign_as_torch_on_nan_bool_int_and_its_zero_gradient():
    """sign(nan) is 0, a bool tensor is its own sign, integers keep their dtype, and a float input that
    requires grad gives a recorded result whose gradient is zero (PyTorch's SignBackward)."""
    import torch
    vals = [float("nan"), -2.0, -0.0, 0.0, 3.0, float("inf"), -float("inf")]
    g, t = gg.tensor(vals, requires_grad=True), torch.tensor(vals, requires_grad=True)
    gs, ts = gg.sign(g), torch.sign(t)
    assert gs.tolist() == ts.tolist() and gs.requires_grad and ts.requires_grad
    gs.sum().backward()
    ts.sum().backward()
    assert g.grad.tolist() == t.grad.tolist()
    for data in ([True, False], [3, -1, 0]):
        assert gg.sign(gg.tensor(data)).tolist() == torch.sign(torch.tensor(data)).tolist()
        assert str(gg.sign(gg.tensor(data)).dtype) == str(torch.sign(torch.tensor(data)).dtype).replace("torch.", "gpugrad.")
