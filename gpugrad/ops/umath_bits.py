"""The nodes of heaviside, nextafter and frexp (gpugrad/ops/umath_binary.py has the functions): PyTorch records
heaviside with no derivative (a NotImplemented node whose backward raises), nextafter as its input itself and
frexp's mantissa as x 2^-exponent."""
from __future__ import annotations

from ..autograd.op import Op, _NodeName
from ._util import unbroadcast
from .arithmetic import _shape


class NoDerivative(Op, register=False):
    """The node PyTorch records for an op it gives no derivative (its grad_fn prints ``<NotImplemented>``): the
    result requires grad like any other, and a backward (or forward-mode) pass through it raises. Not in the
    gradient-check table (register=False): there is no gradient to check."""

    _overload = ""

    def forward(self, a, b, f, op):
        self.op = op
        return f(self.xp, a, b)

    def backward(self, g):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")

    def jvp(self, *tangents):
        raise NotImplementedError(f"Trying to use forward AD with aten::{self.op} that does not support it.")

    @property
    def name(self):
        """"NotImplemented" in reprs, as PyTorch prints it; called, PyTorch's full C++ name."""
        n = _NodeName("NotImplemented", "")
        n._full = "torch::autograd::NotImplemented"
        return n

    @property
    def next_functions(self):
        """Only the inputs that require grad, as PyTorch lists them for this node."""
        return tuple(e for e in Op.next_functions.fget(self) if e[0] is not None)


NoDerivative.__name__ = NoDerivative.__qualname__ = "NotImplemented"    # PyTorch's class name


class Nextafter(Op):
    """nextafter(a, b), one ulp from a toward b: PyTorch's derivative takes it as a itself (the gradient
    passes to a unchanged, b gets zeros)."""

    def forward(self, a, b, f, op):
        self.shapes = (_shape(a), _shape(b))
        return f(self.xp, a, b)

    def backward(self, g):
        n = self.needs_input_grad
        sa, sb = self.shapes
        return unbroadcast(g, sa) if n[0] else None, self.xp.zeros(sb, g.dtype) if n[1] else None

    def jvp(self, ta, tb):
        return ta


class Frexp(Op):
    """frexp's mantissa m = x 2^-e (e, the exponent, a constant): dm/dx = 2^-e, PyTorch's FrexpBackward0."""

    def forward(self, x, m, e):
        self.scale = self.xp.ldexp(self.xp.ones_like(m), -e)     # 2^-e exactly, in m's dtype
        return m

    def backward(self, g):
        return g * self.scale

    def jvp(self, t, *args):
        return t * self.scale
