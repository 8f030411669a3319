"""The activations of gpugrad.ops.activation_more against PyTorch: values and gradients at kinks, infinities,
NaN and large magnitudes (float32 and float64), the modules (signatures, defaults, repr, forward, backward),
in-place semantics, rrelu's random slopes, prelu's parameter gradient, and the errors PyTorch raises.
(The float64 finite-difference and PyTorch checks on general shapes are the op table's: tests/op_table.py.)"""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional

SPECIAL = [np.nan, -np.inf, -1e4, -100.0, -20.0, -6.0, -3.0, -1.0, -0.5, -0.0, 0.0, 0.3, 0.5, 1.0, 3.0, 6.0, 20.0,
           100.0, 1e4, np.inf]
# PyTorch's CPU kernels treat NaN differently in their vectorized body and in their scalar tail (hardtanh's
# gradient at NaN is 0 in the one, the incoming gradient in the other): the special values come first in 64
# elements, where PyTorch takes the vectorized body, whose results gpugrad follows
VALUES = SPECIAL + list(np.linspace(-5, 5, 64 - len(SPECIAL)))

# name -> (call on a namespace, kwargs); the same expression for gpugrad.nn.functional and torch's
FUNCTIONS = {
    "relu6": {}, "hardtanh": dict(min_val=-0.5, max_val=3.0), "hardsigmoid": {}, "hardswish": {}, "mish": {},
    "selu": {}, "celu": dict(alpha=0.5), "logsigmoid": {}, "softsign": {}, "softshrink": dict(lambd=0.5),
    "hardshrink": dict(lambd=0.5), "tanhshrink": {}, "threshold": dict(threshold=1.0, value=-2.0), "rrelu": {},
    "elu": dict(alpha=1.5), "leaky_relu": dict(negative_slope=0.2),
}


def _np(t):
    return t.detach().cpu().numpy()


def _both(name, kwargs, values, dtype, device):
    """(ours, theirs) for values, gradients of sum(out * r)."""
    x = gg.tensor(np.array(values, dtype=dtype), device=device, requires_grad=True)
    xt = torch.tensor(np.array(values, dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # softsign's inf / inf goes through the general divide
        y = getattr(F, name)(x, **kwargs)
    yt = getattr(TF, name)(xt, **kwargs)
    r = np.linspace(0.5, 1.5, y.numel()).reshape(tuple(y.shape)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (y * gg.tensor(r, device=device)).sum().backward()
    (yt * torch.tensor(r)).sum().backward()
    return (_np(y), _np(x.grad)), (yt.detach().numpy(), xt.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_special_values_and_kinks_match_torch(name, dtype, device):
    """Values and PyTorch's choice of gradient at the kinks (0, thresholds), at +-inf, NaN and large |x|."""
    (y, g), (yt, gt) = _both(name, FUNCTIONS[name], VALUES, dtype, device)
    # a few ulps (softsign's composite divides in another order; float32 tanhshrink cancels x - tanh(x), the
    # ulps of tanh(x) near 1e-7); absolute in float64 only in the subnormal range, where PyTorch's vectorized exp
    # rounds otherwise (logsigmoid(100) = -e^-100)
    tol = dict(rtol=1e-5, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-10, atol=np.finfo(dtype).tiny)
    np.testing.assert_allclose(y, yt, equal_nan=True, **tol)
    np.testing.assert_allclose(g, gt, equal_nan=True, **tol)


@pytest.mark.parametrize("dtype,big", [(np.float32, [88.0, 89.0, 100.0, 1e4, 1e30, 3e38]),
                                       (np.float64, [709.0, 710.0, 1e4, 1e300])])
@pytest.mark.parametrize("name", ["logsigmoid", "mish", "selu", "celu", "softsign"])
def test_large_magnitudes_are_finite_where_torch_is_and_do_not_warn(name, dtype, big, device):
    vals = [-b for b in big] + big
    x = gg.tensor(np.array(vals, dtype=dtype), device=device, requires_grad=True)
    xt = torch.tensor(np.array(vals, dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # no overflow warnings from an exponential of a large x
        y = getattr(F, name)(x)
        y.sum().backward()
    yt = getattr(TF, name)(xt)
    yt.sum().backward()
    assert np.isfinite(_np(y)).tolist() == np.isfinite(yt.detach().numpy()).tolist()
    # near the underflow the two differ in absolute terms only: PyTorch's exp rounds subnormals otherwise, and
    # its mish gradient takes sigmoid(x) = 1 / (1 + e^-x) = 0 once e^-x overflows (e^x (1 + x) is the value)
    tiny = np.finfo(dtype).tiny * 1e8
    np.testing.assert_allclose(_np(y), yt.detach().numpy(), rtol=1e-6, atol=tiny)
    np.testing.assert_allclose(_np(x.grad), xt.grad.numpy(), rtol=1e-6, atol=tiny)


# -- modules ----------------------------------------------------------------------------------------------------
MODULES = [("ReLU6", (), {}), ("ReLU6", (True,), {}), ("Hardtanh", (), {}), ("Hardtanh", (-2, 3, True), {}),
           ("Hardsigmoid", (), {}), ("Hardsigmoid", (True,), {}), ("Hardswish", (True,), {}), ("Mish", (), {}),
           ("Mish", (True,), {}), ("SELU", (), {}), ("SELU", (True,), {}), ("CELU", (), {}), ("CELU", (0.5, True), {}),
           ("LogSigmoid", (), {}), ("Softsign", (), {}), ("Softshrink", (), {}), ("Softshrink", (0.3,), {}),
           ("Hardshrink", (2,), {}), ("Tanhshrink", (), {}), ("Threshold", (0.1, 20), {}),
           ("Threshold", (0.5, -1.0, True), {}), ("Softmin", (1,), {}), ("Softmin", (), dict(dim=0)),
           ("GLU", (), {}), ("GLU", (0,), {}), ("PReLU", (), {}), ("PReLU", (3,), dict(init=0.1)),
           ("RReLU", (), {}), ("RReLU", (0.1, 0.3, True), {}), ("Softmax2d", (), {})]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=[f"{m[0]}{m[1]}{m[2]}" for m in MODULES])
def test_module_matches_torch(name, args, kwargs, device):
    """The same repr, and in eval the same forward and gradients (input, and the weight of PReLU)."""
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    ours.eval().to(device)
    theirs.eval()
    x = np.random.default_rng(3).uniform(-4, 4, (4, 3, 2)).astype(np.float32)
    xg = gg.tensor(x, device=device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    inplace = getattr(ours, "inplace", False)
    yg = ours(xg * 1.0 if inplace else xg)         # (in place on a leaf that requires grad is refused)
    yt = theirs(xt * 1.0 if inplace else xt)
    np.testing.assert_allclose(_np(yg), yt.detach().numpy(), rtol=1e-6, atol=1e-7)
    r = np.random.default_rng(4).standard_normal(tuple(yt.shape)).astype(np.float32)
    (yg * gg.tensor(r, device=device)).sum().backward()
    (yt * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(_np(xg.grad), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (n, p), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), pt.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=n)


@pytest.mark.parametrize("name", sorted({m[0] for m in MODULES}))
def test_module_signature_and_defaults_match_torch(name):
    ours = inspect.signature(getattr(nn, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters
    if list(theirs) == ["self", "args", "kwargs"]:     # PyTorch's argument-less modules
        assert [p for p in ours if p not in ("self", "args", "kwargs")] == []
        return
    assert list(ours) == list(theirs)
    for p in ours:
        assert ours[p].default == theirs[p].default, p
    # and the attributes PyTorch keeps
    m, mt = getattr(nn, name)(*(() if name != "Threshold" else (0.5, 1.0))), \
        getattr(torch.nn, name)(*(() if name != "Threshold" else (0.5, 1.0)))
    for p in list(ours)[1:]:
        if hasattr(mt, p) and p not in ("device", "dtype", "min_value", "max_value"):
            assert getattr(m, p) == getattr(mt, p), p


def test_relu6_is_a_hardtanh_and_hardtanh_warns_on_the_old_names():
    assert isinstance(nn.ReLU6(), nn.Hardtanh) and (nn.ReLU6().min_val, nn.ReLU6().max_val) == (0.0, 6.0)
    with pytest.warns(FutureWarning, match="min_value"):
        m = nn.Hardtanh(min_value=-2.0)
    assert m.min_val == torch.nn.Hardtanh(min_val=-2.0).min_val


def test_prelu_weight_gradient_matches_torch(device):
    """A learnable slope per channel (dim 1) and a shared one: gradients of the input and of the weight."""
    rng = np.random.default_rng(5)
    for shape, k in (((4, 3, 5), 3), ((4, 3), 3), ((4, 3, 5), 1), ((6,), 1), ((), 1)):
        ours, theirs = nn.PReLU(k, init=0.2, dtype=gg.float64).to(device), torch.nn.PReLU(k, 0.2, dtype=torch.float64)
        w = rng.uniform(0.1, 0.5, k)
        with gg.no_grad():
            ours.weight.copy_(gg.tensor(w, device=device))
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(w))
        x = rng.standard_normal(shape)
        x.flat[:1] = 0.0                             # a kink: PyTorch's subgradient (slope for x, 0 for w)
        xg, xt = gg.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
        ours(xg).pow(2).sum().backward()
        theirs(xt).pow(2).sum().backward()
        np.testing.assert_allclose(_np(xg.grad), xt.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(_np(ours.weight.grad), theirs.weight.grad.numpy(), rtol=1e-12)
    assert nn.PReLU(2, device=device).weight.device == gg.device(device)


def test_prelu_trains():
    m = nn.PReLU()
    opt = gg.optim.SGD(m.parameters(), lr=0.5)
    x = gg.tensor([-1.0, -2.0, 3.0])
    for _ in range(20):                              # fit y = x on negatives: the slope goes to 1
        opt.zero_grad()
        ((m(x) - x) ** 2).mean().backward()
        opt.step()
    assert abs(m.weight.item() - 1.0) < 1e-3


def test_softmax2d_and_softmin_match_torch():
    x = np.random.default_rng(6).standard_normal((2, 3, 4, 5)).astype(np.float32)
    for arr in (x, x[0]):
        np.testing.assert_allclose(_np(nn.Softmax2d()(gg.tensor(arr))),
                                   torch.nn.Softmax2d()(torch.tensor(arr)).numpy(), rtol=1e-6)
    out = F.softmin(gg.tensor(x), 1, dtype=gg.float64)
    assert out.dtype == gg.float64
    np.testing.assert_allclose(_np(out), TF.softmin(torch.tensor(x), 1, dtype=torch.float64).numpy(), rtol=1e-12)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        implicit = F.softmin(gg.tensor(x[0, 0]))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        implicit_t = TF.softmin(torch.tensor(x[0, 0]))
    np.testing.assert_allclose(_np(implicit), implicit_t.numpy(), rtol=1e-6)


def test_top_level_functions_and_tensor_methods_match_torch():
    x = np.random.default_rng(7).uniform(-2, 2, (3, 4))
    g, t = gg.tensor(x), torch.tensor(x)
    w = np.array([0.1, 0.2, 0.3, 0.4])
    for name, args in (("selu", ()), ("celu", (0.7,)), ("hardshrink", (0.4,)), ("threshold", (0.2, 5.0)),
                       ("rrelu", (0.1, 0.2))):
        np.testing.assert_allclose(_np(getattr(gg, name)(g, *args)), getattr(torch, name)(t, *args).numpy(),
                                   rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(_np(gg.prelu(g, gg.tensor(w))), torch.prelu(t, torch.tensor(w)).numpy())
    np.testing.assert_allclose(_np(g.hardshrink(0.4)), t.hardshrink(0.4).numpy())
    np.testing.assert_allclose(_np(g.prelu(gg.tensor(w))), t.prelu(torch.tensor(w)).numpy())
    for name in ("hardshrink", "prelu", "relu_"):
        assert hasattr(torch.Tensor, name) and hasattr(gg.Tensor, name)


# -- in place -----------------------------------------------------------------------------------------------------
INPLACE = [("relu_", {}), ("elu_", dict(alpha=0.5)), ("leaky_relu_", dict(negative_slope=0.3)),
           ("hardtanh_", dict(min_val=-0.5, max_val=0.7)), ("selu_", {}), ("celu_", dict(alpha=2.0)),
           ("threshold_", dict(threshold=0.1, value=-3.0)), ("rrelu_", dict(lower=0.2, upper=0.4))]
INPLACE_FLAG = [("relu6", {}), ("hardtanh", {}), ("hardsigmoid", {}), ("hardswish", {}), ("mish", {}),
                ("selu", {}), ("celu", {}), ("threshold", dict(threshold=0.1, value=2.0)), ("rrelu", {}),
                ("elu", {}), ("leaky_relu", {})]


def _inplace_calls():
    for name, kw in INPLACE:
        yield name, (lambda ns, x, name=name, kw=kw: getattr(ns, name)(x, **kw))
    for name, kw in INPLACE_FLAG:
        yield f"{name}(inplace=True)", (lambda ns, x, name=name, kw=kw: getattr(ns, name)(x, inplace=True, **kw))


CALLS = list(_inplace_calls())


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_inplace_semantics_match_torch(name, call, device):
    """The input itself is returned with torch's values, its version counter moves, a leaf that requires grad
    is refused, and inside a graph the write is recorded with torch's gradient."""
    x = np.random.default_rng(8).uniform(-3, 3, (3, 5))
    x[0, :3] = [0.0, -0.0, 0.1]
    a = gg.tensor(x, device=device)
    v0 = a._version
    assert call(F, a) is a and a._version > v0
    np.testing.assert_allclose(_np(a), call(TF, torch.tensor(x)).numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="leaf"):
        call(F, gg.tensor(x, device=device, requires_grad=True))
    with pytest.raises(RuntimeError, match="leaf"):
        call(TF, torch.tensor(x, requires_grad=True))
    xg, xt = gg.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
    hg, ht = xg * 2.0, xt * 2.0
    yg, yt = call(F, hg), call(TF, ht)
    assert yg is hg
    (yg * yg).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(_np(xg.grad), xt.grad.numpy(), rtol=1e-12)


def test_inplace_module_writes_into_its_input():
    x = gg.tensor([-1.0, 2.0, 8.0])
    assert nn.ReLU6(inplace=True)(x) is x and x.tolist() == [0.0, 2.0, 6.0]


# -- rrelu ------------------------------------------------------------------------------------------------------
def test_rrelu_training_slopes_are_uniform_from_gpugrads_generator(device):
    lower, upper = 0.1, 0.3
    x = gg.full((20000,), -2.0, device=device, dtype=gg.float64, requires_grad=True)
    gg.manual_seed(11)
    y = F.rrelu(x, lower, upper, training=True)
    gg.manual_seed(11)
    assert _np(F.rrelu(x, lower, upper, training=True)).tolist() == _np(y).tolist()     # the seed fixes them
    slopes = _np(y) / -2.0
    assert lower <= slopes.min() and slopes.max() < upper
    # U(lower, upper): mean (l + u) / 2, variance (u - l)^2 / 12, flat histogram
    assert abs(slopes.mean() - (lower + upper) / 2) < 4 * (upper - lower) / np.sqrt(12 * slopes.size)
    assert abs(slopes.var() / ((upper - lower) ** 2 / 12) - 1) < 0.05
    counts, _ = np.histogram(slopes, bins=10, range=(lower, upper))
    assert counts.min() > 0.85 * slopes.size / 10
    y.sum().backward()                                 # the gradient is the drawn slope
    np.testing.assert_allclose(_np(x.grad), slopes, rtol=1e-12)
    pos = gg.tensor([0.5, 3.0], device=device)
    assert F.rrelu(pos, lower, upper, training=True).tolist() == [0.5, 3.0]


def test_rrelu_eval_uses_the_mean_slope_as_torch_and_the_module_follows_training():
    x = np.array([-2.0, -0.0, 0.0, 1.5])
    np.testing.assert_allclose(_np(F.rrelu(gg.tensor(x), 0.1, 0.3)), TF.rrelu(torch.tensor(x), 0.1, 0.3).numpy())
    m = nn.RReLU(0.1, 0.3)
    neg = gg.full((1000,), -1.0)
    assert len(set(_np(m(neg)).tolist())) > 100       # training (the default): random slopes
    np.testing.assert_array_equal(_np(m.eval()(neg)), torch.nn.RReLU(0.1, 0.3).eval()(torch.full((1000,), -1.0)))


def test_rrelu_takes_a_generator():
    x = gg.full((50,), -1.0)
    a = F.rrelu(x, training=True, generator=gg.Generator().manual_seed(3))
    b = gg.rrelu(x, training=True, generator=gg.Generator().manual_seed(3))
    assert _np(a).tolist() == _np(b).tolist()


# -- errors -----------------------------------------------------------------------------------------------------------
def _t(ns, *shape, dtype=None):
    if ns is F:
        return gg.ones(*shape, dtype=dtype or gg.float32)
    return torch.ones(shape, dtype=dtype or torch.float32)


ERRORS = [
    ("hardtanh min_val > max_val", lambda ns: ns.hardtanh(_t(ns, 2), 1.0, 0.0), ValueError, "min_val"),
    ("Hardtanh max_val <= min_val", lambda ns: (nn if ns is F else torch.nn).Hardtanh(1.0, 1.0), AssertionError,
     "max_val"),
    ("glu odd dim", lambda ns: ns.glu(_t(ns, 4, 3), 1), RuntimeError, r"glu: halving dimension must be even.*\(4, 3\)"),
    ("glu 0-d", lambda ns: ns.glu(_t(ns)), RuntimeError, "glu: does not support scalars"),
    ("glu dim out of range", lambda ns: ns.glu(_t(ns, 4, 2), 2), IndexError, r"glu: dim 2 out of range.*\(4, 2\)"),
    ("celu alpha 0", lambda ns: ns.celu(_t(ns, 2), 0.0), RuntimeError, "celu: alpha cannot be 0"),
    ("softshrink negative lambd", lambda ns: ns.softshrink(_t(ns, 2), -1.0), RuntimeError,
     r"softshrink: lambd must be at least 0, got -1.0.*\(2,\)"),
    ("rrelu lower > upper", lambda ns: ns.rrelu(_t(ns, 2), 0.5, 0.1), RuntimeError,
     r"rrelu: lower bound should be less than or equal to the upper bound.*\(2,\)"),
    ("prelu channels", lambda ns: ns.prelu(_t(ns, 2, 3), _t(ns, 2)), RuntimeError,
     r"prelu: mismatch of parameter numbers.*\(2,\).*\(2, 3\)"),
    ("prelu 1-d input, 3 weights", lambda ns: ns.prelu(_t(ns, 3), _t(ns, 3)), RuntimeError, "prelu: mismatch"),
    ("prelu 2-d weight", lambda ns: ns.prelu(_t(ns, 2, 3), _t(ns, 1, 3)), RuntimeError,
     r"prelu: expected weight to be a scalar or 1-d tensor.*\(1, 3\)"),
    ("prelu 0-d input", lambda ns: ns.prelu(_t(ns), _t(ns, 3)), RuntimeError, r"prelu: a 0-d input.*\(3,\)"),
    ("prelu dtypes", lambda ns: ns.prelu(_t(ns, 3, dtype=gg.float64 if ns is F else torch.float64), _t(ns, 1)),
     RuntimeError, "prelu: type promoting"),
    ("Softmax2d 2-d", lambda ns: (nn if ns is F else torch.nn).Softmax2d()(_t(ns, 2, 3)), ValueError,
     r"Softmax2d: expected input to be 3D or 4D, got 2D"),
]


@pytest.mark.parametrize("what,call,exc,match", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(what, call, exc, match):
    """PyTorch raises the same exception type; gpugrad's message names the call and the shapes."""
    with pytest.raises(exc):
        call(TF)
    with pytest.raises(exc, match=match):
        call(F)


def test_hardshrink_accepts_a_negative_lambd_as_torch():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(_np(F.hardshrink(gg.tensor(x), -1.0)), TF.hardshrink(torch.tensor(x), -1.0).numpy())


def test_masked_ops_keep_their_gradient_when_the_input_changes_in_place_afterwards():
    """hardtanh and the other piecewise-linear ops save a mask, not the input: their gradient stays the one
    PyTorch computes without the later write (PyTorch itself refuses that backward)."""
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    xg = gg.tensor(x, requires_grad=True)
    h = xg * 1.0
    y = F.hardtanh(h)
    h.mul_(0.0)
    y.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    TF.hardtanh(xt).sum().backward()
    np.testing.assert_array_equal(_np(xg.grad), xt.grad.numpy())


_INT_ACTS = (("relu", ()), ("relu6", ()), ("hardtanh", ()), ("hardtanh", (-0.5, 2.7)), ("threshold", (-0.5, 9.8)),
             ("threshold", (1, -3)))
_FLOAT_ONLY = ("leaky_relu", "elu", "gelu", "silu", "softplus", "selu", "celu", "mish", "hardsigmoid", "hardswish",
               "hardshrink", "softshrink", "logsigmoid")


@pytest.mark.parametrize("name,args", _INT_ACTS)
@pytest.mark.parametrize("inplace", [False, True])
def test_integer_inputs_where_torch_takes_them(name, args, inplace):
    """relu, relu6, hardtanh and threshold compute on integer tensors in their dtype, as PyTorch's do."""
    data = [0, 1, -1, 5, -7, 9]
    g, t = gg.tensor(data), torch.tensor(data)
    gr = getattr(gg.nn.functional, name)(g, *args, inplace=inplace)
    tr = getattr(torch.nn.functional, name)(t, *args, inplace=inplace)
    assert str(gr.dtype) == str(tr.dtype).replace("torch.", "gpugrad.")
    assert gr.tolist() == tr.tolist()
    assert g.tolist() == t.tolist()          # in place or untouched, as torch
    assert not gr.requires_grad


@pytest.mark.parametrize("name", _FLOAT_ONLY)
def test_float_only_activations_raise_torchs_class_on_integers(name):
    with pytest.raises(NotImplementedError):
        getattr(torch.nn.functional, name)(torch.tensor([1, -2]))
    with pytest.raises(NotImplementedError, match=f"{name}: expected a floating point tensor, got dtype gpugrad.int64"):
        getattr(gg.nn.functional, name)(gg.tensor([1, -2]))
    with pytest.raises(TypeError):           # and still a TypeError, as before
        getattr(gg.nn.functional, name)(gg.tensor([1, -2]))
