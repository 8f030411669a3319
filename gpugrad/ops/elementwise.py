"""Elementwise math. Each op's derivative is written beside its forward, with the math in a comment."""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..tensor import Tensor
from ..backend import special


def _fused_activation():
    """gpugrad.kernels.activation (imported on first use: it loads Numba): raw arrays to the fused kernels."""
    from ..kernels import activation
    return activation


class _SavesInput(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.f(x)

    def jvp(self, t):
        # a diagonal Jacobian is its own transpose: J t is backward(t), the same f'(x) elementwise product
        return self.backward(t)


class _SavesOutput(Function):
    def forward(self, x):
        y = self.f(x)
        self.save_for_backward(y)
        return y

    def jvp(self, t):
        # a diagonal Jacobian is its own transpose: J t is backward(t), the same f'(x) elementwise product
        return self.backward(t)


class Exp(_SavesOutput):
    def f(self, x):
        return self.xp.exp(x)

    def backward(self, g):          # (e^x)' = e^x
        (y,) = self.saved
        return g * y


class Log(_SavesInput):
    def f(self, x):
        return self.xp.log(x)

    def backward(self, g):          # (log x)' = 1/x
        (x,) = self.saved
        return g / x


class Log1p(_SavesInput):
    def f(self, x):
        return self.xp.log1p(x)

    def backward(self, g):          # (log(1+x))' = 1/(1+x)
        (x,) = self.saved
        return g / (1 + x)


class Expm1(_SavesOutput):
    def f(self, x):
        return self.xp.expm1(x)

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
    def f(self, x):
        return self.xp.tanh(x)      # already one pass; the fused kernel pays off in backward

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


class Erf(_SavesInput):
    def f(self, x):
        return special.erf(self.xp, x)

    def backward(self, g):          # erf'(x) = 2/sqrt(pi) e^(-x^2)
        (x,) = self.saved
        return g * (2 / math.sqrt(math.pi)) * self.xp.exp(-x * x)


def _unary(cls, doc):
    def op(x):
        if x._data.dtype.kind in "iub":      # as in PyTorch, integers and bools give the default float dtype
            from .. import _dtype
            x = x.to(_dtype.get_default_dtype())
        return cls.apply(x)
    op.__name__ = op.__qualname__ = cls.__name__.lower()    # a module-level name (the API docs look it up)
    op.__doc__ = doc
    return op


exp = _unary(Exp, "e ** x")
log = _unary(Log, "Natural logarithm.")
log1p = _unary(Log1p, "log(1 + x), accurate for small x.")
expm1 = _unary(Expm1, "e ** x - 1, accurate for small x.")
sqrt = _unary(Sqrt, "Square root.")
rsqrt = _unary(Rsqrt, "1 / sqrt(x).")
sin = _unary(Sin, "Sine.")
cos = _unary(Cos, "Cosine.")
tan = _unary(Tan, "Tangent.")
tanh = _unary(Tanh, "Hyperbolic tangent.")
sigmoid = _unary(Sigmoid, "Logistic sigmoid 1 / (1 + e^-x), stable for any x.")
erf = _unary(Erf, "Gauss error function.")
