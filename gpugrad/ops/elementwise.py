"""Elementwise math. Each op's derivative is written beside its forward, with the math in a comment."""
from __future__ import annotations

import math

import numpy as _np

from ..autograd.op import Op
from ..tensor import Tensor
from ..backend import special


def _fused_activation():
    """gpugrad.kernels.activation (imported on first use: it loads Numba): raw arrays to the fused kernels."""
    from ..kernels import activation
    return activation


#: float32 sizes from which exp/log and log1p/expm1 run the vectorized kernels of kernels/_fastmath (NumPy's
#: float32 exp and log are SIMD already, its log1p and expm1 scalar libm calls): measured on the project's 2-core
#: AVX2 machine, exp 2.0 -> 2.1 us at 1k elements (a tie), 25 -> 11 us at 16k and 1.7 -> 0.67 ms at 1M;
#: log1p 1.0 -> 1.5 us at 64 elements, 8.4 -> 2.8 us at 1k and 13.2 -> 0.68 ms at 1M (the thresholds lie
#: between those sizes; 256 for log1p/expm1 was not itself timed)
_FAST_MIN = {"exp": 2048, "log": 2048, "log1p": 256, "expm1": 256, "erf": 64}


def _fast32(name, x):
    """``name(x)`` by the vectorized float32 kernel for a C-contiguous float32 NumPy array of at least
    :data:`_FAST_MIN` elements (within 2 ulp or 1e-6 relative, tests/test_fastmath.py), else None."""
    if x.__class__ is _np.ndarray and x.dtype == _np.float32 and x.size >= _FAST_MIN[name] and x.flags.c_contiguous:
        from ..kernels import _fastmath          # (loads Numba on first use)
        return _fastmath.unary(name, x)
    return None


class _SavesInput(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return self.f(x)

    def jvp(self, t):
        # a diagonal Jacobian is its own transpose: J t is backward(t), the same f'(x) elementwise product
        return self.backward(t)


class _SavesOutput(Op):
    def forward(self, x):
        y = self.f(x)
        self.save_for_backward(y)
        return y

    def jvp(self, t):
        # a diagonal Jacobian is its own transpose: J t is backward(t), the same f'(x) elementwise product
        return self.backward(t)


class Exp(_SavesOutput):
    def f(self, x):
        y = _fast32("exp", x)
        return self.xp.exp(x) if y is None else y

    def backward(self, g):          # (e^x)' = e^x
        (y,) = self.saved
        return g * y


class Log(_SavesInput):
    def f(self, x):
        y = _fast32("log", x)
        return self.xp.log(x) if y is None else y

    def backward(self, g):          # (log x)' = 1/x
        (x,) = self.saved
        return g / x


class Log1p(_SavesInput):
    _node_name = "Log1P"      # PyTorch's spelling of the node

    def f(self, x):
        y = _fast32("log1p", x)
        return self.xp.log1p(x) if y is None else y

    def backward(self, g):          # (log(1+x))' = 1/(1+x)
        (x,) = self.saved
        return g / (1 + x)


class Expm1(_SavesOutput):
    def f(self, x):
        y = _fast32("expm1", x)
        return self.xp.expm1(x) if y is None else y

    def backward(self, g):          # (e^x - 1)' = e^x = y + 1
        (y,) = self.saved
        return g * (y + 1)


class Sqrt(_SavesOutput):
    def f(self, x):
        return self.xp.sqrt(x)

    def backward(self, g):          # (sqrt x)' = 1/(2 sqrt x)
        (y,) = self.saved
        return g / (2 * y)


class Rsqrt(_SavesOutput):
    def f(self, x):
        return 1 / self.xp.sqrt(x)

    def backward(self, g):          # (x^-1/2)' = -1/2 x^-3/2 = -y^3/2
        (y,) = self.saved
        return g * (-0.5 * y * y * y)


class Sin(_SavesInput):
    def f(self, x):
        return self.xp.sin(x)

    def backward(self, g):
        (x,) = self.saved
        return g * self.xp.cos(x)


class Cos(_SavesInput):
    def f(self, x):
        return self.xp.cos(x)

    def backward(self, g):
        (x,) = self.saved
        return -g * self.xp.sin(x)


class Tan(_SavesOutput):
    def f(self, x):
        return self.xp.tan(x)

    def backward(self, g):          # (tan x)' = 1 + tan^2 x
        (y,) = self.saved
        return g * (1 + y * y)


class Tanh(_SavesOutput):
    def f(self, x):                 # float32 on the CPU: the vectorized fast-math kernel (NumPy's tanh is scalar)
        return _fused_activation().act_forward(x, "tanh")[0]

    def backward(self, g):          # (tanh x)' = 1 - tanh^2 x
        (y,) = self.saved
        if g.__class__ is not Tensor:
            return _fused_activation().act_backward(g, y, "tanh")     # one pass instead of three
        return g * (1 - y * y)


class Sigmoid(_SavesOutput):
    def f(self, x):
        return _fused_activation().act_forward(x, "sigmoid")[0]

    def backward(self, g):          # s' = s (1 - s)
        (y,) = self.saved
        if g.__class__ is not Tensor:
            return _fused_activation().act_backward(g, y, "sigmoid")
        return g * y * (1 - y)



class Rounding(Op, register=False):
    """floor, ceil, trunc, round (to ``decimals`` places), sign and frac: the first five piecewise constant, so
    the derivative is 0 wherever it exists, and PyTorch gives zeros (not None) to the input; frac = x - trunc(x)
    passes the gradient through. One subclass per op, so that each node is named as PyTorch's
    (FloorBackward0 ... RoundBackward1 for decimals); :data:`ROUNDING` maps the kind to its class."""

    def forward(self, x, kind, decimals=0):
        xp = self.xp
        if kind == "floor":
            r = xp.floor(x)
        elif kind == "ceil":
            r = xp.ceil(x)
        elif kind == "trunc":
            r = xp.trunc(x)
        elif kind == "frac":
            r = x - xp.trunc(x)
        elif kind == "sign":                     # sign(nan) is 0, as in PyTorch (NumPy gives nan)
            r = xp.where(xp.isnan(x), x.dtype.type(0), xp.sign(x))
        else:
            r = xp.round(x) if decimals == 0 else xp.round(x * 10.0 ** decimals) / 10.0 ** decimals
            if decimals:
                self._overload = "1"             # PyTorch's round.decimals overload: RoundBackward1
        r = r.astype(x.dtype, copy=False)
        self.out = (r.shape, r.dtype)
        return r

    def backward(self, g):
        return self.xp.zeros(*self.out)

    def jvp(self, t, *args):
        return self.xp.zeros(*self.out)


class Floor(Rounding):
    pass


class Ceil(Rounding):
    pass


class Round(Rounding):
    pass


class Trunc(Rounding):
    pass


class Sign(Rounding):
    pass


class Frac(Rounding):
    """frac(x) = x - trunc(x): the gradient passes through unchanged (PyTorch's FracBackward0)."""

    def backward(self, g):
        return g

    def jvp(self, t, *args):
        return t


ROUNDING = {"floor": Floor, "ceil": Ceil, "round": Round, "trunc": Trunc, "sign": Sign, "frac": Frac}


class Erf(_SavesInput):
    def f(self, x):
        y = _fast32("erf", x)
        return special.erf(self.xp, x) if y is None else y

    def backward(self, g):          # erf'(x) = 2/sqrt(pi) e^(-x^2)
        (x,) = self.saved
        return g * (2 / math.sqrt(math.pi)) * self.xp.exp(-x * x)


def _unary(cls, doc):
    def op(input, *, out=None):
        x = input
        if x._data.dtype.kind in "iub":      # as in PyTorch, integers and bools give the default float dtype
            from .. import _dtype
            x = x.to(_dtype.get_default_dtype())
        if out is not None:
            from ._util import write_out
            return write_out(cls.apply(x), out)
        return cls.apply(x)
    op.__name__ = op.__qualname__ = cls.__name__.lower()    # a module-level name (the API docs look it up)
    op.__doc__ = doc
    return op


exp = _unary(Exp, "e ** x")
exp.__doc__ = """e^x, elementwise.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.exp(gg.tensor([0.0, 1.0], dtype=gg.float64))
tensor([1.0000, 2.7183], dtype=gpugrad.float64)
"""
log = _unary(Log, "Natural logarithm.")
log.__doc__ = """The natural logarithm, elementwise.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.log(gg.tensor([1.0, 2.718281828459045], dtype=gg.float64))
tensor([0., 1.], dtype=gpugrad.float64)
"""
log1p = _unary(Log1p, "log(1 + x), accurate for small x.")
log1p.__doc__ = """log(1 + x), elementwise, accurate for small x.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.log1p(gg.tensor([0.0, 1e-10], dtype=gg.float64))
tensor([0.0000e+00, 1.0000e-10], dtype=gpugrad.float64)
"""
expm1 = _unary(Expm1, "e ** x - 1, accurate for small x.")
expm1.__doc__ = """e^x - 1, elementwise, accurate for small x.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.expm1(gg.tensor([0.0, 1e-10], dtype=gg.float64))
tensor([0.0000e+00, 1.0000e-10], dtype=gpugrad.float64)
"""
sqrt = _unary(Sqrt, "Square root.")
sqrt.__doc__ = """The square root, elementwise.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.sqrt(gg.tensor([4.0, 9.0], dtype=gg.float64))
tensor([2., 3.], dtype=gpugrad.float64)
"""
rsqrt = _unary(Rsqrt, "1 / sqrt(x).")
rsqrt.__doc__ = """1 / sqrt(x), elementwise.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.rsqrt(gg.tensor([4.0, 0.25], dtype=gg.float64))
tensor([0.5000, 2.0000], dtype=gpugrad.float64)
"""
sin = _unary(Sin, "Sine.")
sin.__doc__ = """The sine, elementwise (radians).

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.sin(gg.tensor([0.0, 1.5707963267948966], dtype=gg.float64))
tensor([0., 1.], dtype=gpugrad.float64)
"""
cos = _unary(Cos, "Cosine.")
cos.__doc__ = """The cosine, elementwise (radians).

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.cos(gg.tensor([0.0, 3.141592653589793], dtype=gg.float64))
tensor([ 1., -1.], dtype=gpugrad.float64)
"""
tan = _unary(Tan, "Tangent.")
tan.__doc__ = """The tangent, elementwise (radians).

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.tan(gg.tensor([0.0, 0.7853981633974483], dtype=gg.float64))
tensor([0.0000, 1.0000], dtype=gpugrad.float64)
"""
tanh = _unary(Tanh, "Hyperbolic tangent.")
tanh.__doc__ = """The hyperbolic tangent, elementwise.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.tanh(gg.tensor([0.0, 100.0], dtype=gg.float64))
tensor([0., 1.], dtype=gpugrad.float64)
"""
sigmoid = _unary(Sigmoid, "Logistic sigmoid 1 / (1 + e^-x), stable for any x.")
sigmoid.__doc__ = """The logistic function 1 / (1 + e^-x), elementwise, stable for any x.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.sigmoid(gg.tensor([0.0, -100.0], dtype=gg.float64))
tensor([5.0000e-01, 3.7201e-44], dtype=gpugrad.float64)
"""
erf = _unary(Erf, "Gauss error function.")
erf.__doc__ = """The Gauss error function, elementwise.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A tensor of ``x``'s shape.

>>> import gpugrad as gg
>>> gg.erf(gg.tensor([0.0, 10.0], dtype=gg.float64))
tensor([0., 1.], dtype=gpugrad.float64)
"""
