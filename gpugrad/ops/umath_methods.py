"""The Tensor methods of the elementwise math families (:mod:`.umath_unary`, :mod:`.umath_binary`) and the
in-place ``_`` variants PyTorch has for them and for older ops (``cos_``, ``floor_``, ``eq_``, ``clamp_min_``...).
Each in-place method computes the op out of place and writes it into the tensor through
:func:`gpugrad.ops._inplace` (version-counter bump, the leaf-requires-grad error, recorded when in a graph).
Merged into Tensor by :mod:`gpugrad.ops.methods` (``UMATH_METHODS``)."""
from __future__ import annotations

import inspect

from . import (_inplace, cos, sin, tan, floor, ceil, round, sign, rsqrt, log1p, expm1, erf, clip, clamp, eq, ne, lt,
               le, gt, ge, logical_and, logical_or, logical_xor, logical_not, bitwise_and, bitwise_or, bitwise_xor,
               bitwise_not, remainder, floor_divide, abs)
from .torch_more import square
from . import umath_unary as U
from . import umath_binary as B

# what each parameter of an in-place method means, for its docstring
_ARG_DOCS = dict(
    other="a tensor or a number, broadcast to this tensor's shape.", n="the order, an int >= 0.",
    p="the dimension, an int >= 1.", eps="the clamp margin, or None.", nan="the value for nan.",
    posinf="the value for +inf (default: the dtype's max).", neginf="the value for -inf (default: the dtype's min).",
    end="the end tensor.", weight="a number or a tensor.", tensor1="the first tensor.",
    tensor2="the second tensor.", value="a number multiplying the combination of tensor1 and tensor2.",
    min="the lower bound, a number or a tensor (or None).", max="the upper bound, a number or a tensor (or None).",
    exponent="a tensor or a number.", decimals="the number of decimal places.",
    values="the value at 0, a tensor.", rounding_mode='None, "trunc" or "floor".')

_INPLACE_DOC = """In place: :func:`gpugrad.{fn}` written into this tensor; returns it.

    Written into this tensor's storage: its version counter records the change, so a backward that saved it
    refuses to run on the new values. Refused on a leaf that requires grad while grad mode is on (as PyTorch's);
    the result must fit this tensor's dtype (a floating result into an integer tensor is an error).
{args}
    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor({x}).{name}({call})
    {y}
    """


def _inplace_method(fn, x, y, call="", name=None):
    """The in-place method ``<fn>_`` (or ``name``) with fn's signature less ``input`` and ``out``, and a docstring
    whose example applies it to ``gg.tensor(x)`` with the arguments ``call``, printing ``y``."""
    name = name or fn.__name__ + "_"
    params = [p for p in inspect.signature(fn).parameters.values() if p.name != "out"]
    if params[0].name == "n":                       # polygamma(n, input): x.polygamma_(n)
        params = params[:1] + params[2:]
        first_is_self = False
    else:
        params = params[1:]
        first_is_self = True

    def op(self, *args, **kwargs):
        def apply(t, *targs):
            return fn(t, *targs, **kwargs) if first_is_self else fn(targs[0], t, **kwargs)
        apply.__name__ = name[:-1]
        return _inplace(self, apply, *args)
    op.__name__, op.__qualname__ = name, f"Tensor.{name}"
    op.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + params)
    args = "".join(f"        {p.name}: {_ARG_DOCS[p.name]}\n" for p in params)
    op.__doc__ = _INPLACE_DOC.format(fn=fn.__name__, name=name, x=x, y=y, call=call,
                                     args=f"\n    Args:\n{args}\n" if args else "\n")
    return op


def _polygamma(self, n):
    """:func:`gpugrad.polygamma` of this tensor: ``x.polygamma(n)`` is ``gpugrad.polygamma(n, x)``.

    Args:
        n: the order, an int >= 0.

    Returns:
        A floating tensor of this tensor's shape.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0]).polygamma(1)
    tensor([1.6449])
    """
    return U.polygamma(n, self)


_F = "[0.5, 2.0]"         # the examples' input
_INPLACE = [
    # (function, example input, printed result, call arguments)
    (U.acos, "[1.0, 0.0]", "tensor([0.0000, 1.5708])", ""), (U.asin, "[1.0, 0.0]", "tensor([1.5708, 0.0000])", ""),
    (U.atan, "[1.0, 0.0]", "tensor([0.7854, 0.0000])", ""), (U.acosh, "[1.0, 2.0]", "tensor([0.0000, 1.3170])", ""),
    (U.asinh, "[0.0, 1.0]", "tensor([0.0000, 0.8814])", ""), (U.atanh, "[0.0, 0.5]", "tensor([0.0000, 0.5493])", ""),
    (U.cosh, "[0.0, 1.0]", "tensor([1.0000, 1.5431])", ""), (U.sinh, "[0.0, 1.0]", "tensor([0.0000, 1.1752])", ""),
    (U.erfc, "[0.0]", "tensor([1.])", ""), (U.erfinv, "[0.0, 0.5]", "tensor([0.0000, 0.4769])", ""),
    (U.exp2, "[0.0, 3.0]", "tensor([1., 8.])", ""), (U.log2, "[1.0, 8.0]", "tensor([0., 3.])", ""),
    (U.log10, "[1.0, 100.0]", "tensor([0., 2.])", ""), (U.lgamma, "[0.5, 3.0]", "tensor([0.5724, 0.6931])", ""),
    (U.digamma, "[1.0]", "tensor([-0.5772])", ""), (U.polygamma, "[1.0]", "tensor([1.6449])", "1"),
    (U.mvlgamma, "[2.5]", "tensor([0.8570])", "2"), (U.i0, "[0.0, 1.0]", "tensor([1.0000, 1.2661])", ""),
    (U.sinc, "[0.0, 0.5]", "tensor([1.0000, 0.6366])", ""), (U.logit, "[0.5, 0.75]", "tensor([0.0000, 1.0986])", ""),
    (U.reciprocal, _F, "tensor([2.0000, 0.5000])", ""), (U.sgn, "[-2.0, 0.0]", "tensor([-1.,  0.])", ""),
    (U.frac, "[-1.5, 2.25]", "tensor([-0.5000,  0.2500])", ""), (U.trunc, "[-1.7, 1.7]", "tensor([-1.,  1.])", ""),
    (U.fix, "[-1.7, 1.7]", "tensor([-1.,  1.])", ""), (U.negative, _F, "tensor([-0.5000, -2.0000])", ""),
    (U.deg2rad, "[180.0]", "tensor([3.1416])", ""), (U.rad2deg, "[3.141592653589793]", "tensor([180.])", ""),
    (U.nan_to_num, "[float('nan'), 1.0]", "tensor([0., 1.])", ""),
    (B.atan2, "[1.0]", "tensor([0.7854])", "gg.tensor([1.0])"), (B.hypot, "[3.0]", "tensor([5.])", "gg.tensor([4.0])"),
    (B.copysign, _F, "tensor([-0.5000, -2.0000])", "-1.0"), (B.fmod, "[-3.0, 3.0]", "tensor([-1.,  1.])", "2"),
    (B.float_power, "[2.0], dtype=gg.float64", "tensor([4.], dtype=gpugrad.float64)", "2"),
    (B.xlogy, "[0.0, 2.0]", "tensor([0.0000, 2.1972])", "gg.tensor([0.0, 3.0])"),
    (B.heaviside, "[-1.0, 0.0]", "tensor([0.0000, 0.5000])", "gg.tensor([0.5])"),
    (B.nextafter, "[0.0]", "tensor([1.4013e-45])", "gg.tensor([1.0])"),
    (B.ldexp, "[1.0]", "tensor([8.])", "gg.tensor([3])"), (B.gcd, "[4, 6]", "tensor([2, 2])", "gg.tensor([6, 4])"),
    (B.lcm, "[4, 6]", "tensor([12, 12])", "gg.tensor([6, 4])"),
    (B.lerp, "[0.0, 10.0]", "tensor([2.5000, 7.5000])", "gg.tensor([10.0, 0.0]), 0.25"),
    (B.addcmul, "[1.0]", "tensor([4.])", "gg.tensor([2.0]), gg.tensor([3.0]), value=0.5"),
    (B.addcdiv, "[1.0]", "tensor([4.])", "gg.tensor([3.0]), gg.tensor([2.0]), value=2"),
    (B.clamp_min, "[-1.0, 2.0]", "tensor([0., 2.])", "0.0"), (B.clamp_max, "[-1.0, 2.0]", "tensor([-1.,  0.])", "0.0"),
    (B.bitwise_left_shift, "[1, 3]", "tensor([ 4, 12])", "2"), (B.bitwise_right_shift, "[-8, 12]", "tensor([-2,  3])", "2"),
    (cos, "[0.0]", "tensor([1.])", ""), (sin, "[0.0]", "tensor([0.])", ""), (tan, "[0.0]", "tensor([0.])", ""),
    (floor, "[-1.5, 1.5]", "tensor([-2.,  1.])", ""), (ceil, "[-1.5, 1.5]", "tensor([-1.,  2.])", ""),
    (round, "[1.234, 2.5]", "tensor([1.2000, 2.5000])", "decimals=1"), (sign, "[-2.0, 0.0]", "tensor([-1.,  0.])", ""),
    (square, "[-2.0, 3.0]", "tensor([4., 9.])", ""), (rsqrt, "[4.0]", "tensor([0.5000])", ""),
    (log1p, "[0.0]", "tensor([0.])", ""), (expm1, "[0.0]", "tensor([0.])", ""), (erf, "[0.0]", "tensor([0.])", ""),
    (eq, _F, "tensor([0., 1.])", "2.0"), (ne, _F, "tensor([1., 0.])", "2.0"), (lt, _F, "tensor([1., 0.])", "2.0"),
    (le, _F, "tensor([1., 1.])", "2.0"), (gt, _F, "tensor([0., 0.])", "2.0"), (ge, _F, "tensor([0., 1.])", "2.0"),
    (logical_and, "[0.0, 2.0]", "tensor([0., 1.])", "gg.tensor([1.0, 1.0])"),
    (logical_or, "[0.0, 2.0]", "tensor([0., 1.])", "gg.tensor([0.0, 0.0])"),
    (logical_xor, "[0.0, 2.0]", "tensor([1., 0.])", "gg.tensor([1.0, 1.0])"),
    (logical_not, "[0.0, 2.0]", "tensor([1., 0.])", ""),
    (bitwise_and, "[12, 10]", "tensor([8, 8])", "gg.tensor([9, 12])"),
    (bitwise_or, "[12, 10]", "tensor([13, 14])", "gg.tensor([9, 12])"),
    (bitwise_xor, "[12, 10]", "tensor([5, 6])", "gg.tensor([9, 12])"),
    (bitwise_not, "[0, 5]", "tensor([-1, -6])", ""),
    (remainder, "[-3.0, 3.0]", "tensor([1., 1.])", "2"), (floor_divide, "[-3.0, 3.0]", "tensor([-2.,  1.])", "2"),
]
_ALIASES = dict(arccos_="acos_", arcsin_="asin_", arctan_="atan_", arccosh_="acosh_", arcsinh_="asinh_",
                arctanh_="atanh_", arctan2_="atan2_",
                not_equal_="ne_", greater_="gt_", greater_equal_="ge_", less_="lt_", less_equal_="le_")


def _true_divide_(self, other):
    """In place: true division ``self / other`` (:func:`gpugrad.div`) written into this tensor; returns it.

    Args:
        other: a tensor or a number, broadcast to this tensor's shape.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([3.0]).true_divide_(2)
    tensor([1.5000])
    """
    return self.div_(other)


# the new functions that are Tensor methods in PyTorch too (x.acos(), x.lerp(end, w)...)
_METHOD_NAMES = """acos arccos acosh arccosh asin arcsin asinh arcsinh atan arctan atanh arctanh cosh sinh erfc erfinv
    exp2 log2 log10 lgamma digamma mvlgamma i0 sinc logit sgn signbit frac trunc fix positive negative deg2rad
    rad2deg nan_to_num isinf isneginf isposinf isreal atan2 arctan2 hypot copysign fmod fmax fmin float_power
    logaddexp logaddexp2 xlogy heaviside nextafter ldexp frexp gcd lcm lerp addcmul addcdiv bitwise_left_shift
    bitwise_right_shift"""


def _float_power_checked(method):
    """float_power_ computes in float64, so (as in PyTorch) only a float64 tensor can hold its result."""
    def float_power_(self, exponent):
        if self.dtype != "float64":
            raise RuntimeError(f"float_power_: the base given to float_power_ has dtype {self.dtype} but the "
                               f"operation's result requires dtype float64")
        return method(self, exponent)
    float_power_.__doc__, float_power_.__qualname__ = method.__doc__, method.__qualname__
    return float_power_


def _methods():
    m = {}
    for fn, x, y, call in _INPLACE:
        m[fn.__name__ + "_"] = _inplace_method(fn, x, y, call)
    for alias, target in _ALIASES.items():
        if target in m:
            m[alias] = m[target]
    m["fix_"] = m["trunc_"]
    m["float_power_"] = _float_power_checked(m["float_power_"])
    m["clip_"] = _inplace_method(clip, "[-2.0, 2.0]", "tensor([-1.,  1.])", "-1.0, 1.0", name="clip_")
    m["true_divide_"] = _true_divide_
    m["absolute_"] = _inplace_method(abs, "[-1.5, 2.0]", "tensor([1.5000, 2.0000])", name="absolute_")
    plain = dict(absolute=abs, polygamma=_polygamma, not_equal=ne, greater=gt, greater_equal=ge,
                 less=lt, less_equal=le, logical_and=logical_and, logical_or=logical_or, logical_xor=logical_xor,
                 logical_not=logical_not, bitwise_and=bitwise_and, bitwise_or=bitwise_or, bitwise_xor=bitwise_xor,
                 bitwise_not=bitwise_not)
    for name in _METHOD_NAMES.split():
        plain.setdefault(name, getattr(U, name, None) or getattr(B, name))
    m.update(plain)
    return m


UMATH_METHODS = _methods()
