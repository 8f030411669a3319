"""PyTorch's binary elementwise math: atan2, hypot, copysign, fmod, fmax/fmin, logaddexp(2), xlogy/xlog1py,
lerp (differentiable, each derivative beside its forward, with PyTorch's conventions at zeros and ties), the
compositions float_power, ldexp, addcmul, addcdiv, nextafter and frexp (with PyTorch's derivatives), heaviside
(recorded with none, as PyTorch does), and the integer gcd, lcm and bit shifts."""
from __future__ import annotations


from ..autograd.op import Op
from ..tensor import Tensor
from .arithmetic import _binary, _shape, cast, check_int_divisor
from ._util import unbroadcast, as_operand, broadcast_error
from . import _out, mul, div, add, pow, clamp
from .umath_bits import NoDerivative, Nextafter, Frexp
from .. import return_types

FrexpResult = return_types.frexp


def _grads(self, g, ga, gb):
    """The two operands' gradients from the elementwise products ``ga()``/``gb()`` (called only when needed),
    summed down to each operand's shape; None for an operand that needs none (or is a Python number)."""
    n = self.needs_input_grad
    sa, sb = self.shapes
    return (unbroadcast(ga(), sa) if n[0] else None, unbroadcast(gb(), sb) if n[1] else None)


class _Binary(Op, register=False):
    #: PyTorch's overload numbers of the node for a tensor and for a Python number ``b`` (None: always 0)
    overloads = None

    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        xp = self.xp
        if self.overloads is not None:
            self._overload = self.overloads[not hasattr(b, "dtype")]
        if not hasattr(a, "dtype"):          # a Python number: the array's dtype (log(3) would be a float64)
            a = xp.asarray(a, dtype=b.dtype)
        elif not hasattr(b, "dtype"):
            b = xp.asarray(b, dtype=a.dtype)
        y = self.f(xp, a, b)
        self.save_for_backward(a, b, y)
        return y

    def jvp(self, ta, tb):      # the Jacobian is diagonal in each operand (shapes as broadcast)
        a, b, y = self.saved
        ga, gb = self.partials(self.xp, a, b, y)
        ra = None if ta is None else ta * ga
        rb = None if tb is None else tb * gb
        return ra if rb is None else rb if ra is None else ra + rb

    def backward(self, g):
        a, b, y = self.saved
        ga, gb = self.partials(self.xp, a, b, y)
        return _grads(self, g, lambda: g * ga, lambda: g * gb)


class Atan2(_Binary):
    f = staticmethod(lambda xp, a, b: xp.arctan2(a, b))

    @staticmethod
    def partials(xp, a, b, y):      # d atan2(a, b) = (b da - a db) / (a^2 + b^2); 0 at the origin (PyTorch)
        d = a * a + b * b
        r = xp.where(d == 0, 0, 1 / xp.where(d == 0, 1, d))
        return b * r, -a * r


class Hypot(_Binary):
    f = staticmethod(lambda xp, a, b: xp.hypot(a, b))

    @staticmethod
    def partials(xp, a, b, y):      # d sqrt(a^2 + b^2) = (a da + b db) / y
        return a / y, b / y


class Copysign(_Binary):
    f = staticmethod(lambda xp, a, b: xp.copysign(a, b))
    overloads = ("0", "1")          # CopysignBackward1 for copysign(x, -1.0)

    @staticmethod
    def partials(xp, a, b, y):      # d/da = y/a (+-1), 0 at a = 0 (PyTorch); b takes zeros
        return xp.where(a == 0, 0, y / xp.where(a == 0, 1, a)), xp.zeros_like(y)


def _fmod(xp, a, b):
    check_int_divisor(xp, a, b)
    return xp.fmod(a, b)


class Fmod(_Binary):
    f = staticmethod(_fmod)
    overloads = ("1", "0")          # fmod.Tensor: FmodBackward1, fmod.Scalar: FmodBackward0

    @staticmethod
    def partials(xp, a, b, y):      # a - b trunc(a/b): d/da = 1, d/db = -trunc(a/b)
        return xp.ones_like(y), -xp.trunc(a / b)


class Fmax(_Binary):
    f = staticmethod(lambda xp, a, b: xp.fmax(a, b))
    pick = staticmethod(lambda a, b: a >= b)

    def partials(self, xp, a, b, y):   # the whole gradient to a where a wins (ties too) or b is nan
        take_a = self.pick(a, b) | (b != b)
        return xp.where(take_a, 1, 0).astype(y.dtype), xp.where(take_a, 0, 1).astype(y.dtype)


class Fmin(Fmax):
    f = staticmethod(lambda xp, a, b: xp.fmin(a, b))
    pick = staticmethod(lambda a, b: a <= b)


class Logaddexp(_Binary):
    f = staticmethod(lambda xp, a, b: xp.logaddexp(a, b))

    @staticmethod
    def partials(xp, a, b, y):      # d log(e^a + e^b)/da = 1/(1 + e^(b-a))
        return 1 / (1 + xp.exp(b - a)), 1 / (1 + xp.exp(a - b))


class Logaddexp2(_Binary):
    f = staticmethod(lambda xp, a, b: xp.logaddexp2(a, b))

    @staticmethod
    def partials(xp, a, b, y):      # d log2(2^a + 2^b)/da = 1/(1 + 2^(b-a))
        return 1 / (1 + xp.exp2(b - a)), 1 / (1 + xp.exp2(a - b))


class Xlogy(_Binary):
    shift = 0

    def f(self, xp, a, b):          # a log(b + shift), 0 where a = 0 (unless b is nan)
        lg = xp.log(b) if self.shift == 0 else xp.log1p(b)
        return xp.where((a == 0) & ~xp.isnan(b), 0, a * lg)

    def partials(self, xp, a, b, y):    # d/da = log(b + shift) (0 where a = 0 and b <= -shift), d/db = a/(b + shift)
        lg = xp.log(b) if self.shift == 0 else xp.log1p(b)
        return xp.where((a == 0) & (b <= -self.shift), 0, lg), a / (b + self.shift)

    def backward(self, g):
        a, b, y = self.saved
        ga, gb = self.partials(self.xp, a, b, y)
        # PyTorch's xlogy(grad, b): a zero gradient stays 0 where log(b) is inf or nan
        return _grads(self, g, lambda: self.xp.where(g == 0, 0, g * ga), lambda: g * gb)


class Xlog1py(Xlogy):
    shift = 1
    _node_name = "SpecialXlog1Py"      # torch.special's node


class Lerp(Op):
    """start + w (end - start), computed as PyTorch does: from the nearer end (w < 1/2: start, else end)."""

    def forward(self, a, b, w):
        xp = self.xp
        self.shapes = (_shape(a), _shape(b), _shape(w))
        self.save_for_backward(a, b, w)
        if hasattr(w, "shape"):
            self._overload = "1"        # lerp.Tensor: LerpBackward1
        d = b - a
        return xp.where(xp.abs(w) < 0.5, a + w * d, b - d * (1 - w)).astype(
            (a + w * d).dtype, copy=False)

    def backward(self, g):          # d/dstart = 1 - w, d/dend = w, d/dw = end - start
        a, b, w = self.saved
        n = self.needs_input_grad
        sa, sb, sw = self.shapes
        return (unbroadcast(g * (1 - w), sa) if n[0] else None, unbroadcast(g * w, sb) if n[1] else None,
                unbroadcast(g * (b - a), sw) if n[2] else None)

    def jvp(self, ta, tb, tw):
        a, b, w = self.saved
        terms = [t for t in (None if ta is None else ta * (1 - w), None if tb is None else tb * w,
                             None if tw is None else tw * (b - a)) if t is not None]
        r = terms[0]
        for t in terms[1:]:
            r = r + t
        return r


# -- the public functions ------------------------------------------------------------------------------------------
def _floating(fn, cls, name, doc):
    """``_binary`` (PyTorch's promotion, broadcasting, out=), with integer and bool results computed in the
    default float dtype, as PyTorch's floating-only ops do."""
    plain = _binary(name, cls)

    def op(input, other, *, out=None):
        a, b = input, other
        if not _any_float(a, b):
            from .. import _dtype
            fdt = _dtype.get_default_dtype()
            a = cast(a, fdt) if isinstance(a, Tensor) else float(a)
            b = cast(b, fdt) if isinstance(b, Tensor) else as_operand(b, a) if not isinstance(b, (int, float, bool)) \
                else float(b)
            if isinstance(b, Tensor) and b.dtype != fdt:
                b = cast(b, fdt)
        return plain(a, b, out=out)
    op.__name__ = op.__qualname__ = name
    op.__module__ = __name__
    op.__doc__ = doc
    return op


def _any_float(a, b):
    return any((x.dtype.kind == "f") if isinstance(x, Tensor) else isinstance(x, float) for x in (a, b))


_BIN = """{what}, elementwise with broadcasting{grad}.

Args:
    input: a tensor{num_in}.
    other: a tensor{num_other}.
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of the broadcast shape (floating: integer inputs give the default float dtype).

>>> import gpugrad as gg
>>> gg.{ns}{name}({example})
{y}
"""


def _doc(name, what, example, y, grad="; differentiable in both operands", num_in="", num_other=""):
    return _BIN.format(ns="special." if name == "xlog1py" else "", name=name, what=what, example=example, y=y, grad=grad, num_in=num_in, num_other=num_other)


atan2 = _floating("atan2", Atan2, "atan2", _doc(
    "atan2", "The angle of the point (other, input), in (-pi, pi]", "gg.tensor([1.0, -1.0]), gg.tensor([0.0, 0.0])",
    "tensor([ 1.5708, -1.5708])"))
arctan2 = atan2
hypot = _floating("hypot", Hypot, "hypot", _doc(
    "hypot", "sqrt(input^2 + other^2), without overflow", "gg.tensor([3.0]), gg.tensor([4.0])", "tensor([5.])"))
copysign = _floating("copysign", Copysign, "copysign", _doc(
    "copysign", "|input| with the sign of other (-0.0 counts as negative)", "gg.tensor([1.0, 2.0]), -1.0",
    "tensor([-1., -2.])", grad=" (the gradient to ``other`` is 0)", num_other=" or a number"))
logaddexp = _floating("logaddexp", Logaddexp, "logaddexp", _doc(
    "logaddexp", "log(e^input + e^other), without overflow", "gg.tensor([0.0, 1000.0]), gg.tensor([0.0, 1000.0])",
    "tensor([6.9315e-01, 1.0007e+03])"))
logaddexp2 = _floating("logaddexp2", Logaddexp2, "logaddexp2", _doc(
    "logaddexp2", "log2(2^input + 2^other), without overflow", "gg.tensor([1.0]), gg.tensor([1.0])",
    "tensor([2.])"))
xlogy = _floating("xlogy", Xlogy, "xlogy", _doc(
    "xlogy", "input * log(other), 0 where input is 0 (unless other is nan)", "gg.tensor([0.0, 2.0]), gg.tensor([0.0, 3.0])",
    "tensor([0.0000, 2.1972])", num_in=" or a number", num_other=" or a number"))
xlog1py = _floating("xlog1py", Xlog1py, "xlog1py", _doc(
    "xlog1py", "input * log1p(other), 0 where input is 0 (unless other is nan)",
    "gg.tensor([0.0, 2.0]), gg.tensor([-1.0, 1.0])", "tensor([0.0000, 1.3863])",
    num_in=" or a number", num_other=" or a number"))
_fmod = _binary("fmod", Fmod)


def fmod(input, other, *, out=None):
    """The C remainder ``input - trunc(input / other) * other`` (the sign of ``input``), elementwise with
    broadcasting; differentiable (d/dother = -trunc(input/other), as in PyTorch). Integer tensors stay integer.

    Args:
        input: a tensor.
        other: a tensor or a number.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.fmod(gg.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """
    if not isinstance(other, Tensor) and input.dtype.kind in "iu" and other == 0:
        raise RuntimeError("fmod: ZeroDivisionError (integer division by zero)")
    return _fmod(input, other, out=out)


_FMAXMIN = """The {which} of each pair, elementwise with broadcasting, ignoring nan (nan only where both are nan);
at a tie the whole gradient goes to ``input``, as in PyTorch.

Args:
    input: a tensor.
    other: a tensor.
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of the broadcast shape.

>>> import gpugrad as gg
>>> gg.{name}(gg.tensor([1.0, float("nan")]), gg.tensor([float("nan"), 2.0]))
tensor([1., 2.])
"""
fmax, fmin = _binary("fmax", Fmax), _binary("fmin", Fmin)
fmax.__module__ = fmin.__module__ = __name__
fmax.__doc__ = _FMAXMIN.format(which="larger", name="fmax")
fmin.__doc__ = _FMAXMIN.format(which="smaller", name="fmin")


def lerp(input, end, weight, *, out=None):
    """Linear interpolation ``input + weight * (end - input)``, elementwise with broadcasting; differentiable
    in all three (weight may be a number).

    Args:
        input: the start tensor (floating).
        end: the end tensor, of input's dtype.
        weight: a number or a tensor of input's dtype.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.lerp(gg.tensor([0.0, 10.0]), gg.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5000, 12.5000])
    """
    if input.dtype.kind != "f":
        raise NotImplementedError(f'"lerp_kernel_scalar" not implemented for {input.dtype} (lerp takes floating '
                                  f'tensors)')
    for what, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype != input.dtype:
            raise RuntimeError(f"lerp: expected dtype {input.dtype} for `{what}` but got dtype {t.dtype}")
    try:
        res = Lerp.apply(input, end, weight)
    except ValueError:
        err = broadcast_error("lerp", input, end, weight)
        if err is None:
            raise
        raise err from None
    return _out(res, out, "lerp")


def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in float64 (PyTorch's float_power), elementwise with broadcasting;
    differentiable as :func:`gpugrad.pow`.

    Args:
        input: a tensor or a number.
        exponent: a tensor or a number.
        out: an optional float64 tensor the result is written into (returned).

    Returns:
        A float64 tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.float_power(gg.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=gpugrad.float64)
    """
    import numpy as np
    a = cast(input, np.dtype(np.float64)) if isinstance(input, Tensor) else float(input)
    b = cast(exponent, np.dtype(np.float64)) if isinstance(exponent, Tensor) else float(exponent)
    if out is not None and out.dtype != np.float64:
        raise RuntimeError(f"float_power: the output given to float_power has dtype {out.dtype} but the operation's "
                           f"result requires dtype float64")
    return _out(pow(a, b), out, "float_power")


def ldexp(input, other, *, out=None):
    """``input * 2 ** other``, elementwise with broadcasting (differentiable in both, as the product it is).

    Args:
        input: a tensor.
        other: a tensor (integer exponents, typically).
        out: an optional tensor the result is written into (returned).

    Returns:
        A floating tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.ldexp(gg.tensor([1.0, 3.0]), gg.tensor([3, -1]))
    tensor([8.0000, 1.5000])
    """
    e = other if isinstance(other, Tensor) and other.dtype.kind == "f" else \
        cast(other, input.dtype if input.dtype.kind == "f" else _default()) if isinstance(other, Tensor) else other
    return _out(mul(input, pow(2.0, e)), out, "ldexp")


def _default():
    from .. import _dtype
    return _dtype.get_default_dtype()


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``, elementwise with broadcasting; differentiable in all three.

    Args:
        input: the tensor added to.
        tensor1: a factor.
        tensor2: the other factor.
        value: a number multiplying the product.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.addcmul(gg.tensor([1.0]), gg.tensor([2.0]), gg.tensor([3.0]), value=0.5)
    tensor([4.])
    """
    prod = mul(tensor1, tensor2)
    return _out(add(input, prod if value == 1 else mul(prod, value)), out, "addcmul")


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``, elementwise with broadcasting; differentiable in all three.
    Integer tensor1 and tensor2 are refused, as in PyTorch.

    Args:
        input: the tensor added to.
        tensor1: the numerator.
        tensor2: the denominator.
        value: a number multiplying the quotient.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.addcdiv(gg.tensor([1.0]), gg.tensor([3.0]), gg.tensor([2.0]), value=2)
    tensor([4.])
    """
    if tensor1.dtype.kind in "iub" and tensor2.dtype.kind in "iub":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. Convert them to a floating dtype "
                           "first (or use (input + value * (tensor1 // tensor2)))")
    q = div(tensor1, tensor2)
    return _out(add(input, q if value == 1 else mul(q, value)), out, "addcdiv")


def clamp_min(input, min, *, out=None):
    """Each element raised to at least ``min`` (:func:`gpugrad.clamp` with only a lower bound).

    Args:
        input: the input tensor.
        min: the lower bound, a number or a tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.clamp_min(gg.tensor([-1.0, 2.0]), 0.0)
    tensor([0., 2.])
    """
    res = clamp(input, min=min)
    return _out(_clamp_named(res, "ClampMin", min), out, "clamp_min")


def clamp_max(input, max, *, out=None):
    """Each element lowered to at most ``max`` (:func:`gpugrad.clamp` with only an upper bound).

    Args:
        input: the input tensor.
        max: the upper bound, a number or a tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.clamp_max(gg.tensor([-1.0, 2.0]), 0.0)
    tensor([-1.,  0.])
    """
    res = clamp(input, max=max)
    return _out(_clamp_named(res, "ClampMax", max), out, "clamp_max")


def _clamp_named(res, stem, bound):
    """clamp_min/clamp_max's node named as PyTorch's: ClampMinBackward0 for a number, ...Backward1 a tensor."""
    if res.grad_fn is not None:
        res.grad_fn._node_name, res.grad_fn._overload = stem, "1" if isinstance(bound, Tensor) else "0"
    return res


# -- heaviside, nextafter, frexp (their nodes: umath_bits.py) and the integer ops --------------------------------
def _raw(name, f, a, b, record=None):
    """``f(xp, a, b)`` on the raw data of a tensor and a tensor or number (broadcast), as a constant tensor;
    with ``record`` (an Op class: :class:`NoDerivative`, :class:`Nextafter`), through its node when an operand
    requires grad, as PyTorch does."""
    b = as_operand(b, a) if isinstance(a, Tensor) else b
    bd = b._data if isinstance(b, Tensor) else b
    try:
        if record is not None:
            return record.apply(a, b, f=f, op=name)
        return Tensor._make(f(a.xp, a._data, bd), None, False)
    except ValueError:
        err = broadcast_error(name, a._data, bd)
        if err is None:
            raise
        raise err from None


def heaviside(input, values, *, out=None):
    """The Heaviside step: 0 where input < 0, 1 where input > 0, ``values`` where input == 0 (PyTorch gives it
    no derivative).

    Args:
        input: a tensor.
        values: a tensor of input's dtype, the value at 0 (broadcast).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.heaviside(gg.tensor([-1.5, 0.0, 2.0]), gg.tensor([0.5]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    for other in (values, out):
        if isinstance(other, Tensor) and other.dtype != input.dtype:
            raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes ({input.dtype} "
                               f"and {other.dtype})")
    r = _raw("heaviside", lambda xp, a, v: xp.where(a == 0, v, a > 0).astype(a.dtype, copy=False), input, values,
             record=NoDerivative)
    if out is None or r.grad_fn is None or out.requires_grad or out.shape not in (r.shape, (0,)):
        return _out(r, out, "heaviside")
    # PyTorch records its NotImplemented node on out= as well: out takes the node, as an in-place op's result
    from . import _inplace
    if out.shape != r.shape:
        out._data = out.xp.empty(r.shape, out.dtype)

    def heaviside(o, res):
        return res
    return _inplace(out, heaviside, r)


def nextafter(input, other, *, out=None):
    """The next floating-point value after ``input`` toward ``other``, elementwise (PyTorch's gradient: that
    of ``input`` itself, zeros for ``other``).

    Args:
        input: a floating tensor.
        other: a tensor of input's dtype.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> (gg.nextafter(gg.tensor([1.0]), gg.tensor([2.0])) - 1.0).item() > 0
    True
    """
    return _out(_raw("nextafter", lambda xp, a, b: xp.nextafter(a, b), input, other, Nextafter), out, "nextafter")


def frexp(input, *, out=None):
    """Each element split into a mantissa in [0.5, 1) (in magnitude) and a power of two:
    ``input = mantissa * 2 ** exponent`` (the mantissa's gradient is 2 ** -exponent, as PyTorch's).

    Args:
        input: a floating tensor.
        out: an optional (mantissa, exponent) pair of tensors written into (returned).

    Returns:
        A named tuple (mantissa, exponent): exponent is int32.

    >>> import gpugrad as gg
    >>> gg.frexp(gg.tensor([8.0, 0.75]))
    gpugrad.return_types.frexp(
    mantissa=tensor([0.5000, 0.7500]),
    exponent=tensor([4, 0], dtype=gpugrad.int32))
    """
    if input.dtype.kind != "f":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes, got {input.dtype}")
    m, e = input.xp.frexp(input._data)
    e = e.astype("int32", copy=False)
    res = FrexpResult(Frexp.apply(input, m, e), Tensor._make(e, None, False))
    return res if out is None else FrexpResult(*(_out(r, o, "frexp") for r, o in zip(res, out)))


def _integer_op(name, f, what, example, y):
    def op(input, other, *, out=None):
        for t in (input, other):
            if isinstance(t, Tensor) and t.dtype.kind not in "iub" or isinstance(t, float):
                raise NotImplementedError(f"{name}: expected integer tensors, got "
                                          f"{getattr(t, 'dtype', type(t).__name__)}")
        a, b = (input, other) if isinstance(input, Tensor) else (other, input)
        r = _raw(name, f, a, b) if a is input else _raw(name, lambda xp, x, y: f(xp, y, x), a, b)
        return _out(r, out, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""{what}, elementwise with broadcasting (integer tensors; no gradient).

    Args:
        input: an integer tensor (or a number, if other is a tensor).
        other: an integer tensor or a number.
        out: an optional tensor the result is written into (returned).

    Returns:
        An integer tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.{name}({example})
    {y}
    """
    return op


gcd = _integer_op("gcd", lambda xp, a, b: xp.gcd(a, b), "The greatest common divisor (non-negative)",
                  "gg.tensor([4, 6, 0]), gg.tensor([6, 4, 5])", "tensor([2, 2, 5])")
lcm = _integer_op("lcm", lambda xp, a, b: xp.lcm(a, b), "The least common multiple (non-negative)",
                  "gg.tensor([4, 6]), gg.tensor([6, 4])", "tensor([12, 12])")
bitwise_left_shift = _integer_op(
    "bitwise_left_shift", lambda xp, a, b: xp.left_shift(a, b).astype(_result(xp, a, b), copy=False),
    "input shifted left by other bits (input * 2 ** other)", "gg.tensor([1, 3]), 2", "tensor([ 4, 12])")
bitwise_right_shift = _integer_op(
    "bitwise_right_shift", lambda xp, a, b: xp.right_shift(a, b).astype(_result(xp, a, b), copy=False),
    "input shifted right by other bits (arithmetic: the sign is kept)", "gg.tensor([-8, 12]), 2",
    "tensor([-2,  3])")


def _result(xp, a, b):
    """The shift's dtype: a's, unless b is a tensor of a wider type (a Python int never widens)."""
    return a.dtype if not hasattr(b, "dtype") or b.ndim == 0 and a.ndim else xp.result_type(a, b)
