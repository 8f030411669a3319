"""Arithmetic: + - * / ** @, abs, sign, clamp, maximum, minimum, where, casts and copies."""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ..autograd.op import Op
from ..kernels._blas import matmul as _matmul
from ..tensor import Tensor
from ._util import unbroadcast, as_operand, promote_scalar, promote_pair, broadcast_error, shape_str, write_out, wrapped_int


def _shape(a):
    return a.shape if hasattr(a, "shape") else ()


def _zero(g):
    """A zero of g's dtype for ``xp.where`` (a NumPy scalar: arrays and Tensors alike accept it)."""
    return g.dtype.type(0)


def _sum_tangents(a, b):
    """Forward mode: the sum of two tangent terms, either of which may be None (no tangent)."""
    return b if a is None else a if b is None else a + b


class Add(Op):
    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return a + b

    def backward(self, g):
        sa, sb = self.shapes
        n = self.needs_input_grad
        return (unbroadcast(g, sa) if n[0] else None, unbroadcast(g, sb) if n[1] else None)

    def jvp(self, ta, tb):          # d(a + b) = da + db
        return ta if tb is None else tb if ta is None else ta + tb


class Sub(Op):
    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        return a - b

    def backward(self, g):
        sa, sb = self.shapes
        n = self.needs_input_grad
        return (unbroadcast(g, sa) if n[0] else None, unbroadcast(-g, sb) if n[1] else None)

    def jvp(self, ta, tb):          # d(a - b) = da - db
        return ta if tb is None else -tb if ta is None else ta - tb


def _unless_scalar(keep, other):
    """``keep``, or None when ``other`` is a Python scalar: only the gradient of ``other`` needs ``keep``, and
    a scalar takes none. Not saving it keeps ``y *= 2`` legal on a recorded y (as in PyTorch), since the
    version check only guards what was saved."""
    return keep if hasattr(other, "shape") else None


class Mul(Op):
    def forward(self, a, b):
        if hasattr(a, "shape") and hasattr(b, "shape"):      # two arrays (the common case): keep both
            self.shapes = (a.shape, b.shape)
            self.save_for_backward(a, b)
        else:
            self.shapes = (_shape(a), _shape(b))
            self.save_for_backward(_unless_scalar(a, b), _unless_scalar(b, a))
        return a * b

    def backward(self, g):
        a, b = self.saved
        n = self.needs_input_grad
        return (unbroadcast(g * b, self.shapes[0]) if n[0] else None,   # d(ab)/da = b
                unbroadcast(g * a, self.shapes[1]) if n[1] else None)   # d(ab)/db = a

    def jvp(self, ta, tb):          # d(ab) = b da + a db
        a, b = self.saved
        return _sum_tangents(None if ta is None else ta * b, None if tb is None else a * tb)


class Div(Op):
    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        self.save_for_backward(_unless_scalar(a, b), b)
        return a / b

    def backward(self, g):
        a, b = self.saved
        n = self.needs_input_grad
        ga = g / b                                                    # d(a/b)/da = 1/b
        return (unbroadcast(ga, self.shapes[0]) if n[0] else None,
                unbroadcast(-ga * a / b, self.shapes[1]) if n[1] else None)  # d(a/b)/db = -a/b^2

    def jvp(self, ta, tb):          # d(a/b) = da/b - a db/b^2
        a, b = self.saved
        return _sum_tangents(None if ta is None else ta / b, None if tb is None else -tb * a / (b * b))


class _RoundedDiv(Op, register=False):
    """a / b rounded (``div(..., rounding_mode=)``): piecewise constant, so its derivative is 0 wherever it
    exists, and PyTorch gives zeros (not None) to both operands; the subclasses fix the rounding."""

    _node_name, _overload = "Div", "2"      # PyTorch's div.Tensor_mode node: DivBackward2

    def forward(self, a, b):
        check_int_divisor(self.xp, a, b)
        self.shapes = (_shape(a), _shape(b))
        q = self._round(self.xp, a, b)
        self.out = (q.shape, q.dtype)
        return q

    def backward(self, g):          # d/da = d/db = 0
        n = self.needs_input_grad
        return tuple(self.xp.zeros(s, g.dtype) if n[i] else None for i, s in enumerate(self.shapes))

    def jvp(self, ta, tb):
        return self.xp.zeros(*self.out)


class DivFloor(_RoundedDiv):
    """floor(a / b), toward minus infinity."""

    @staticmethod
    def _round(xp, a, b):
        return xp.floor_divide(a, b)


class DivTrunc(_RoundedDiv):
    """trunc(a / b), toward zero; integers stay integers (exact: a - fmod(a, b) is a multiple of b)."""

    @staticmethod
    def _round(xp, a, b):
        if _integral(a) and _integral(b):
            return (a - xp.fmod(a, b)) // b
        return xp.trunc(a / b)


def _integral(v):
    return v.dtype.kind in "iub" if hasattr(v, "dtype") else isinstance(v, int)


def check_int_divisor(xp, a, b):
    """PyTorch's CPU error for an integer division (//, %, fmod, rounded div) by zero; NumPy would give 0 with a
    warning. On a GPU PyTorch does not check (it would need a device sync), and neither does gpugrad."""
    cls = b.__class__
    if cls is int:
        if b == 0 and xp is np and _integral(a):
            raise RuntimeError("ZeroDivisionError")
    elif cls is not float and cls is not bool and xp is np and b.dtype.kind in "iub" and _integral(a) and not b.all():
        raise RuntimeError("ZeroDivisionError")


class FloorDivide(Op, register=False):
    """a // b (``floor_divide``, the ``//`` operator). As in PyTorch its output takes part in the graph but has
    no derivative: backward through it is an error (``div(..., rounding_mode='floor')`` has a zero one).
    (Unregistered: there is no derivative for the gradient-check table to check.)"""

    def forward(self, a, b):
        check_int_divisor(self.xp, a, b)
        return self.xp.floor_divide(a, b)

    def backward(self, g):
        raise RuntimeError("derivative for floor_divide is not implemented (as in PyTorch); use "
                           "div(input, other, rounding_mode='floor'), whose gradient is zero")


class Remainder(Op):
    """a mod b with the sign of b (Python's %, torch.remainder) = a - floor(a/b) b:
    d/da = 1, d/db = -floor(a/b) (floor is piecewise constant)."""

    def forward(self, a, b):
        xp = self.xp
        check_int_divisor(xp, a, b)
        self.shapes = (_shape(a), _shape(b))
        self.save_for_backward(xp.floor_divide(a, b))
        if hasattr(a, "shape") and hasattr(b, "shape"):
            self._overload = "1"        # remainder.Tensor: RemainderBackward1
        return xp.remainder(a, b)

    def backward(self, g):
        (q,) = self.saved
        n = self.needs_input_grad
        return (unbroadcast(g, self.shapes[0]) if n[0] else None,
                unbroadcast(-g * q, self.shapes[1]) if n[1] else None)

    def jvp(self, ta, tb):          # d(a mod b) = da - floor(a/b) db
        (q,) = self.saved
        return _sum_tangents(ta, None if tb is None else -tb * q)


class Neg(Op):
    def forward(self, a):
        return -a

    def backward(self, g):
        return -g

    def jvp(self, t):
        return -t


class Pow(Op):
    """a ** b for tensor or scalar a and b."""

    def forward(self, a, b):
        y = a ** b
        self.save_for_backward(a, b, y)
        if not hasattr(a, "shape"):
            self._overload = "2"        # pow.Scalar (number ** tensor): PowBackward2
        elif hasattr(b, "shape"):
            self._overload = "1"        # pow.Tensor_Tensor: PowBackward1
        return y

    def backward(self, g):
        a, b, y = self.saved
        xp = self.xp
        n = self.needs_input_grad
        ga = gb = None
        if n[0]:   # d(a^b)/da = b a^(b-1), 0 where b == 0 (a^0 = 1 is constant, also at a = 0: 0 * inf)
            ga = unbroadcast(g * _dpow_da(xp, a, b), _shape(a))
        if n[1]:   # d(a^b)/db = a^b log a   (taken as 0 where a == 0)
            gb = unbroadcast(g * y * _log_base(xp, a), _shape(b))
        return ga, gb

    def jvp(self, ta, tb):          # d(a^b) = b a^(b-1) da + a^b log(a) db
        a, b, y = self.saved
        xp = self.xp
        return _sum_tangents(None if ta is None else ta * _dpow_da(xp, a, b),
                             None if tb is None else tb * y * _log_base(xp, a))


def _log_base(xp, a):
    """log a, taken as 0 where a <= 0; a Python float for a Python number base (a 0-d float64 array from
    ``xp.where`` would upcast a float32 gradient)."""
    if not hasattr(a, "shape"):
        return math.log(a) if a > 0 else 0.0
    return xp.log(xp.where(a > 0, a, 1))


def _dpow_da(xp, a, b):
    """d(a^b)/da = b a^(b-1), taken as 0 where b == 0 (PyTorch's convention)."""
    if not hasattr(b, "shape"):
        return b * a ** (b - 1) if b != 0 else xp.zeros_like(a)
    return xp.where(b == 0, 0, b * a ** (b - 1))


class MatMul(Op):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return _matmul(self.xp, a, b)

    def backward(self, g):
        a, b = self.saved
        n = self.needs_input_grad
        xp = self.xp
        a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a     # (n,) as a row
        b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b     # (n,) as a column
        g2 = g
        if a.ndim == 1 and b.ndim == 1:
            g2 = g.reshape((1, 1))
        elif a.ndim == 1:
            g2 = g.reshape(g.shape[:-1] + (1, g.shape[-1]))
        elif b.ndim == 1:
            g2 = g.reshape(g.shape + (1,))
        ga = gb = None
        if n[0]:   # dL/dA = G B^T
            ga = unbroadcast(_matmul(xp, g2, xp.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if n[1]:   # dL/dB = A^T G
            gb = unbroadcast(_matmul(xp, xp.swapaxes(a2, -1, -2), g2), b2.shape).reshape(b.shape)
        return ga, gb

    def jvp(self, ta, tb):          # d(AB) = dA B + A dB
        a, b = self.saved
        xp = self.xp
        return _sum_tangents(None if ta is None else _matmul(xp, ta, b), None if tb is None else _matmul(xp, a, tb))


class Abs(Op):
    def forward(self, a):
        self.save_for_backward(a)
        return self.xp.abs(a)

    def backward(self, g):
        (a,) = self.saved
        return g * self.xp.sign(a)

    def jvp(self, t):               # d|x| = sign(x) dx
        (a,) = self.saved
        return t * self.xp.sign(a)


class Clamp(Op):
    """clamp(x, lo, hi): the gradient passes where lo <= x <= hi (bounds may be tensors or scalars)."""

    def forward(self, x, lo, hi):
        xp = self.xp
        y = x
        if lo is not None:
            y = xp.maximum(y, lo)
        if hi is not None:
            y = xp.minimum(y, hi)
        if y is x:
            y = x.copy()
        self.save_for_backward(x, lo, hi)
        if not hasattr(lo, "shape") and not hasattr(hi, "shape"):
            self._overload = "1"        # clamp with numbers: ClampBackward1 (tensor bounds: ClampBackward0)
        return y

    def backward(self, g):
        # y = min(max(x, lo), hi): dy/dx = [lo <= x <= hi], dy/dlo = [x < lo], dy/dhi = [x > hi]; with
        # crossed bounds (lo > hi) every output is hi, so the whole gradient goes to hi (as in PyTorch).
        # Masks select (where), never multiply: a NaN or inf upstream gradient must not leak through a 0.
        x, lo, hi = self.saved
        xp = self.xp
        n = self.needs_input_grad
        z = _zero(g)
        below = x < lo if lo is not None else None
        above = x > hi if hi is not None else None
        inside = (x >= lo) if lo is not None else None          # False at NaN, as PyTorch's mask
        if hi is not None:
            inside = (x <= hi) if inside is None else inside & (x <= hi)
        if below is not None and above is not None:
            below = below & (lo <= hi)
            above = above | (lo > hi)
        gx = xp.where(inside, g, z) if n[0] else None
        glo = unbroadcast(xp.where(below, g, z), _shape(lo)) if n[1] else None
        ghi = unbroadcast(xp.where(above, g, z), _shape(hi)) if n[2] else None
        return gx, glo, ghi

    def jvp(self, tx, tlo, thi):
        # y = min(m, hi) with m = max(x, lo): dm = dlo where x < lo else dx; dy = dhi where m > hi else dm
        x, lo, hi = self.saved
        xp = self.xp
        t = tx if tx is not None else xp.zeros(x.shape, x.dtype)
        if lo is not None:
            t = xp.where(x < lo, 0 if tlo is None else tlo, t)
            x = xp.maximum(x, lo)
        if hi is not None:
            t = xp.where(x > hi, 0 if thi is None else thi, t)
        return t


class Maximum(Op):
    """Elementwise max; at ties the gradient is split evenly (as PyTorch does). The masks select: a NaN
    or inf upstream gradient reaches only the operand that won."""
    pick = "maximum"

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return getattr(self.xp, self.pick)(a, b)

    def backward(self, g):
        # PyTorch's rule: where(a == b, g / 2, g), zeroed where the operand lost (NaN loses nowhere)
        a, b = self.saved
        xp = self.xp
        z = _zero(g)
        tie = a == b
        shared = xp.where(tie, g / 2, g)
        a_lost = (a < b) if self.pick == "maximum" else (a > b)
        b_lost = (a > b) if self.pick == "maximum" else (a < b)
        n = self.needs_input_grad
        return (unbroadcast(xp.where(a_lost, z, shared), _shape(a)) if n[0] else None,
                unbroadcast(xp.where(b_lost, z, shared), _shape(b)) if n[1] else None)

    def jvp(self, ta, tb):          # dy = w da + (1 - w) db, w = 1 where a wins, 1/2 at ties
        a, b = self.saved
        xp = self.xp
        wa = (a > b) if self.pick == "maximum" else (a < b)
        w = xp.where(wa, 1.0, xp.where(a == b, 0.5, 0.0))
        return _sum_tangents(None if ta is None else ta * w, None if tb is None else tb * (1 - w))


class Minimum(Maximum):
    pick = "minimum"


class Where(Op):
    def forward(self, cond, a, b):
        self.cond = cond
        self.shapes = (_shape(a), _shape(b))
        return self.xp.where(cond, a, b)

    def backward(self, g):
        xp = self.xp
        z = _zero(g)               # selected, not multiplied: NaN upstream stays on its own side
        n = self.needs_input_grad
        return (None,
                unbroadcast(xp.where(self.cond, g, z), self.shapes[0]) if n[1] else None,
                unbroadcast(xp.where(self.cond, z, g), self.shapes[1]) if n[2] else None)

    def jvp(self, tc, ta, tb):      # the tangent is picked like the value
        return self.xp.where(self.cond, 0 if ta is None else ta, 0 if tb is None else tb)


class Cast(Op):
    def forward(self, x, dtype):
        self.src = x.dtype
        return x.astype(dtype)

    def backward(self, g):
        return g.astype(self.src) if _dtype.is_float(self.src) else None

    def jvp(self, t, tdtype):       # the identity; apply casts the tangent to the output dtype
        return t


class Clone(Op):
    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g

    def jvp(self, t):
        return t


class ToDevice(Op):
    def forward(self, x, device):
        from ..backend import to_device, device_of
        self.src, self.dst = device_of(x), device
        return to_device(x, device)

    def backward(self, g):
        from ..backend import to_device
        if isinstance(g, Tensor):
            return g.to(self.src)
        return to_device(g, self.src)

    def jvp(self, t, tdevice):
        from ..backend import to_device
        return to_device(t, self.dst)


# ---------------------------------------------------------------------------------------------------------
def _is_bool(x):
    return (x.__class__ is bool or x.__class__ is np.bool_ or
            (x.__class__ is Tensor or isinstance(x, (Tensor, np.ndarray))) and _dtype_kind(x) == "b")


def _dtype_kind(x):
    return (x._data if isinstance(x, Tensor) else x).dtype.kind


def _no_bool_sub(a, b):
    """PyTorch refuses ``-`` with a bool operand (a tensor or a Python bool), with these messages."""
    if _is_bool(a) or _is_bool(b):
        if _is_bool(a) and _is_bool(b):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
                               "or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")


def _binary(fn, cls, alpha=False):
    def op(input, other, *, out=None):
        a, b = input, other
        if a.__class__ is Tensor and b.__class__ is Tensor:     # the hot path: two plain tensors
            if a._data.dtype is not b._data.dtype:
                a, b = promote_pair(a, b)
        elif isinstance(a, Tensor):
            b = as_operand(b, a)
            a = promote_scalar(a, b)
            if isinstance(b, Tensor) and a._data.dtype is not b._data.dtype:
                a, b = promote_pair(a, b)
        else:                                                   # reflected: scalar or array OP tensor
            a = as_operand(a, b)
            if not isinstance(a, Tensor):
                b = promote_scalar(b, a)
        try:
            res = cls.apply(a, b)
        except ValueError:
            err = broadcast_error(fn, a, b)
            if err is None:
                raise
            raise err from None
        except OverflowError:       # a Python int outside an integer tensor's range: PyTorch wraps it
            if b.__class__ is int and isinstance(a, Tensor) and a._data.dtype.kind in "iu":
                res = cls.apply(a, wrapped_int(b, a._data.dtype))
            elif a.__class__ is int and isinstance(b, Tensor) and b._data.dtype.kind in "iu":
                res = cls.apply(wrapped_int(a, b._data.dtype), b)
            else:
                raise
        return res if out is None else write_out(res, out)

    if alpha:                      # add/sub: PyTorch's ``alpha`` scales ``other`` first
        plain = op
        if fn == "sub":
            def op(input, other, *, alpha=1, out=None):
                _no_bool_sub(input, other)
                return plain(input, other if alpha == 1 else other * alpha, out=out)
        else:
            def op(input, other, *, alpha=1, out=None):
                return plain(input, other if alpha == 1 else other * alpha, out=out)
    op.__name__ = op.__qualname__ = fn        # a module-level name, as introspection (the API docs) expects
    op.__doc__ = f"Elementwise {fn} with NumPy broadcasting; differentiable in both operands."
    return op


add = _binary("add", Add, alpha=True)
add.__doc__ = """a + b, elementwise with broadcasting (the ``+`` operator).

Args:
    input: a tensor (or a Python number, if ``other`` is a tensor).
    other: a tensor or a Python number; the two broadcast against each other.
    alpha: a factor applied to ``other`` first (PyTorch's keyword).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of the broadcast shape (differentiable in both operands).

>>> import gpugrad as gg
>>> gg.add(gg.tensor([1.0, 2.0]), 10)
tensor([11., 12.])
"""
sub = _binary("sub", Sub, alpha=True)
sub.__doc__ = """a - b, elementwise with broadcasting (the ``-`` operator).

Args:
    input: a tensor (or a Python number, if ``other`` is a tensor).
    other: a tensor or a Python number; the two broadcast against each other.
    alpha: a factor applied to ``other`` first (PyTorch's keyword).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of the broadcast shape (differentiable in both operands).

>>> import gpugrad as gg
>>> gg.sub(gg.tensor([[1.0], [2.0]]), gg.tensor([1.0, 0.0]))
tensor([[0., 1.],
        [1., 2.]])
"""
mul = _binary("mul", Mul)
mul.__doc__ = """a * b, elementwise with broadcasting (the ``*`` operator).

Args:
    input: a tensor (or a Python number, if ``other`` is a tensor).
    other: a tensor or a Python number; the two broadcast against each other.
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of the broadcast shape (differentiable in both operands).

>>> import gpugrad as gg
>>> gg.mul(gg.tensor([1.0, 2.0]), gg.tensor([3.0, 4.0]))
tensor([3., 8.])
"""
maximum = _binary("maximum", Maximum)
maximum.__doc__ = """The larger of a and b, elementwise with broadcasting (the gradient goes to the larger; ties split it).

Args:
    input: a tensor (or a Python number, if ``other`` is a tensor).
    other: a tensor or a Python number; the two broadcast against each other.
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of the broadcast shape (differentiable in both operands).

>>> import gpugrad as gg
>>> gg.maximum(gg.tensor([1.0, 5.0]), gg.tensor([3.0, 2.0]))
tensor([3., 5.])
"""
minimum = _binary("minimum", Minimum)
minimum.__doc__ = """The smaller of a and b, elementwise with broadcasting.

Args:
    input: a tensor (or a Python number, if ``other`` is a tensor).
    other: a tensor or a Python number; the two broadcast against each other.
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of the broadcast shape (differentiable in both operands).

>>> import gpugrad as gg
>>> gg.minimum(gg.tensor([1.0, 5.0]), gg.tensor([3.0, 2.0]))
tensor([1., 2.])
"""


def div(input, other, *, rounding_mode=None, out=None):
    """a / b, true division with broadcasting (the ``/`` operator); two integer tensors give the default float dtype, as in PyTorch.

    Args:
        input: a tensor (or a Python number, if ``other`` is a tensor).
        other: a tensor or a Python number; the two broadcast against each other.
        rounding_mode: None (true division), 'floor' or 'trunc' (rounded: piecewise constant, so the
            gradient is zero, as in PyTorch).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape (differentiable in both operands).

    >>> import gpugrad as gg
    >>> gg.div(gg.tensor([1, 3]), 2)
    tensor([0.5000, 1.5000])
    """
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")
        return (_div_floor if rounding_mode == "floor" else _div_trunc)(input, other, out=out)
    a, b = input, other
    if isinstance(a, Tensor) and a.dtype.kind in "iub" and (not isinstance(b, Tensor) or b.dtype.kind in "iub"):
        a = cast(a, _dtype.get_default_dtype())
    elif isinstance(b, Tensor) and not isinstance(a, Tensor) and b.dtype.kind in "iub":
        b = cast(b, _dtype.get_default_dtype())
    return _div(a, b, out=out)


_div = _binary("div", Div)
_div_floor = _binary("div", DivFloor)
_div_trunc = _binary("div", DivTrunc)


def pow(input, exponent, *, out=None):
    """a ** b, elementwise with broadcasting; either side may be a Python number.

    Args:
        input: a tensor (or a Python number, if ``exponent`` is a tensor).
        exponent: a tensor or a Python number; the two broadcast against each other.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape (differentiable in both operands).

    >>> import gpugrad as gg
    >>> gg.pow(gg.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    >>> gg.pow(2, gg.tensor([3.0]))
    tensor([8.])
    """
    a, b = input, exponent
    if isinstance(a, Tensor) and isinstance(b, int) and not isinstance(b, bool) and a.dtype.kind == "f":
        b = float(b)   # keeps the derivative's a ** (b - 1) well defined for negative integer exponents
    return _pow(a, b, out=out)


_pow = _binary("pow", Pow)
remainder = _binary("remainder", Remainder)
remainder.__doc__ = """a % b with the sign of b (the ``%`` operator, Python's and torch's remainder).

Args:
    input: a tensor (or a Python number, if ``other`` is a tensor).
    other: a tensor or a Python number; the two broadcast against each other.
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of the broadcast shape (differentiable in both operands).

>>> import gpugrad as gg
>>> gg.remainder(gg.tensor([-3.0, 5.0]), 2)
tensor([1., 1.])
"""


def floor_divide(input, other, *, out=None):
    """a // b rounded toward minus infinity (the ``//`` operator). As in PyTorch, backward through it is an
    error (its derivative is not implemented); ``div(input, other, rounding_mode='floor')`` has a zero one.

    Args:
        input: a tensor (or a Python number, if ``other`` is a tensor).
        other: a tensor or a Python number; the two broadcast against each other.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.floor_divide(gg.tensor([-3.0, 5.0]), 2)
    tensor([-2.,  2.])
    """
    return _floor_divide(input, other, out=out)


_floor_divide = _binary("floor_divide", FloorDivide)


def _promote(a, b):
    """The binary ops' dtype rules for two operands (Tensors or Python scalars) outside _binary."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return promote_pair(a, b) if a._data.dtype != b._data.dtype else (a, b)
    if isinstance(a, Tensor):
        return promote_scalar(a, b), b
    return a, promote_scalar(b, a)


def neg(input, *, out=None):
    """-a, elementwise (the unary ``-`` operator).

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``a``'s shape.

    >>> import gpugrad as gg
    >>> gg.neg(gg.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    res = Neg.apply(input)
    return res if out is None else write_out(res, out, "neg")


def matmul(input, other, *, out=None):
    """The matrix product with NumPy's rules (the ``@`` operator): 1-D operands are vectors, 2-D matrices, and leading dimensions are batches that broadcast.

    Args:
        input: a tensor with at least one dim.
        other: a tensor with at least one dim, whose inner size matches ``input``'s.
        out: an optional tensor the result is written into (returned).

    Returns:
        The product (a 0-d tensor for two vectors).

    >>> import gpugrad as gg
    >>> gg.matmul(gg.ones(2, 3), gg.ones(3, 4)).shape
    gpugrad.Size([2, 4])
    >>> gg.matmul(gg.tensor([1.0, 2.0]), gg.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if out is not None:
        return write_out(matmul(input, other), out)
    a, b = input, other
    b = as_operand(b, a) if isinstance(a, Tensor) else b
    a = as_operand(a, b) if not isinstance(a, Tensor) else a
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be tensors or arrays")
    sa, sb = a.shape, b.shape
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got {shape_str(sa)} and "
                           f"{shape_str(sb)}")
    k_b = sb[0] if b.ndim == 1 else sb[-2]
    if sa[-1] != k_b:
        raise RuntimeError(f"matmul: cannot multiply {shape_str(sa)} by {shape_str(sb)} "
                           f"(inner dimensions {sa[-1]} and {k_b} differ)")
    if a.dtype != b.dtype:
        raise RuntimeError(f"matmul: expected both operands to have the same dtype, got {a.dtype} and {b.dtype}")
    try:
        return MatMul.apply(a, b)
    except ValueError:
        err = broadcast_error(f"matmul of {shape_str(sa)} by {shape_str(sb)}", sa[:-2], sb[:-2],
                              what="batch dimensions")
        if err is None:
            raise
        raise err from None


def abs(input, *, out=None):
    """|a|, elementwise (the gradient at 0 is 0, as in PyTorch).

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``a``'s shape.

    >>> import gpugrad as gg
    >>> gg.abs(gg.tensor([-1.5, 2.0]))
    tensor([1.5000, 2.0000])
    """
    res = Abs.apply(input)
    return res if out is None else write_out(res, out, "abs")


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element, 0 for NaN, as PyTorch; recorded with a zero derivative for a
    float input, and a bool tensor is its own sign.

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape and dtype.

    >>> import gpugrad as gg
    >>> gg.sign(gg.tensor([-3.0, 0.0, 2.0, float("nan")]))
    tensor([-1.,  0.,  1.,  0.])
    """
    a = input._data
    if a.dtype.kind == "b":
        res = Tensor._make(a.copy(), None, False)
    elif a.dtype.kind in "iu":
        res = Tensor._make(input.xp.sign(a), None, False)
    else:
        from .elementwise import Sign
        res = Sign.apply(input, "sign")
    return write_out(res, out, "sign")


def clamp(input, min=None, max=None, *, out=None):
    """Limit each element to [min, max] (``clip`` is an alias); the gradient passes where the element is inside.

    Args:
        input: the input tensor.
        min: the lower bound (a number, a tensor that broadcasts, or None).
        max: the upper bound (likewise).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.clamp(gg.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
    tensor([0.0000, 0.5000, 1.0000])
    """
    x = input
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    lo = as_operand(min, x) if min is not None else None
    hi = as_operand(max, x) if max is not None else None
    x = promote_scalar(promote_scalar(x, lo), hi)      # an integer tensor with a float bound: the default float
    try:
        res = Clamp.apply(x, lo, hi)
    except ValueError:
        err = broadcast_error("clamp", x, lo, hi)
        if err is None:
            raise
        raise err from None
    return res if out is None else write_out(res, out, "clamp")


clip = clamp


def where(condition, input=None, other=None, *, out=None):
    """Elementwise choice: ``input`` where ``condition`` is true, else ``other`` (all three broadcast).
    ``where(condition)`` alone is PyTorch's ``nonzero(condition, as_tuple=True)``.

    Args:
        condition: a bool tensor.
        input: the values where the condition holds (a tensor or a number).
        other: the values elsewhere.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the broadcast shape, differentiable in input and other (or, with the condition alone, a
        tuple of int64 index tensors, one per dim, of the true elements).

    >>> import gpugrad as gg
    >>> gg.where(gg.tensor([True, False]), gg.tensor([1.0, 2.0]), 0.0)
    tensor([1., 0.])
    >>> gg.where(gg.tensor([False, True, True]))
    (tensor([1, 2]),)
    """
    if input is None and other is None:
        c = condition if isinstance(condition, Tensor) else Tensor(condition)
        return tuple(Tensor._make(i.astype("int64"), None, False) for i in c.xp.nonzero(c._data))
    res = _where(condition, input, other)
    return res if out is None else write_out(res, out, "where")


def _where(cond, a, b):
    like = a if isinstance(a, Tensor) else b
    if not isinstance(like, Tensor):
        if not isinstance(cond, Tensor):
            raise TypeError("where: expected a bool tensor condition or a tensor among a and b")
        from ..tensor import tensor
        a = like = tensor(as_operand(a, cond), device=cond.device)   # scalars: the default dtypes, as PyTorch
    c = cond._data if isinstance(cond, Tensor) else like.xp.asarray(cond)
    if c.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {c.dtype}")
    a, b = _promote(as_operand(a, like), as_operand(b, like))
    try:
        return Where.apply(Tensor._make(c, None, False), a, b)
    except ValueError:
        err = broadcast_error("where", c, a, b)
        if err is None:
            raise
        raise err from None


def cast(x, dtype):
    dtype = _dtype.as_dtype(dtype).dtype        # NumPy's dtype, which the array library takes as it is
    if x.requires_grad and not _dtype.is_float(dtype):
        return Tensor._make(x._data.astype(dtype), None, False)
    return Cast.apply(x, dtype)


def clone(input, *, memory_format=None):
    """A copy with its own memory; differentiable (the gradient passes through unchanged).

    Args:
        input: the input tensor.
        memory_format: PyTorch's memory format: None, ``preserve_format`` or ``contiguous_format`` (the copy
            is C-contiguous); ``channels_last`` is not supported.

    Returns:
        A new tensor equal to ``x``.

    >>> import gpugrad as gg
    >>> y = gg.tensor([1.0, 2.0])
    >>> z = gg.clone(y)
    >>> z[0] = 5.0
    >>> y
    tensor([1., 2.])
    """
    if memory_format is not None:
        from .._formats import check_memory_format
        check_memory_format("clone", memory_format)
    return Clone.apply(input)


def to_device(x, device):
    return ToDevice.apply(x, device)
