"""The rest of PyTorch's activations (hardtanh, relu6, hardsigmoid, hardswish, mish, selu, celu, logsigmoid,
the shrinks, threshold, prelu, rrelu): their ops, each derivative beside its forward with the math in a comment.

PyTorch's subgradients at the kinks are kept: hardtanh, hardsigmoid, the shrinks and threshold pass no
gradient at their thresholds, NaN inputs pass none through hardtanh, hardsigmoid and the shrinks and the
whole gradient through threshold. (At NaN PyTorch's CPU kernels answer differently in their vectorized body
and in their scalar tail, the last few elements; gpugrad follows the vectorized body.)

Piecewise-linear ops keep one bool (or slope) mask from the forward pass instead of the input: a quarter of
the memory in float32, and an in-place change of the input afterwards leaves the gradient right (PyTorch,
which saves the input, refuses that backward). The user-facing functions are in
:mod:`gpugrad.ops.activation_api`.
"""
from __future__ import annotations

import numpy as _np

from ..autograd.op import Op
from ..tensor import Tensor
from ..backend import special
from . import elementwise as E
from ._util import unbroadcast


def _zero(g):
    return g.dtype.type(0)


class _Masked(Op, register=False):
    """An op whose derivative is a constant 0/1 mask (or a constant slope array) chosen in forward:
    dx = g where mask, 0 elsewhere (selected, so a NaN upstream gradient stays out where the mask is off)."""

    def backward(self, g):
        m = self.mask
        if m.dtype.kind == "b":
            return self.xp.where(m, g * self.scale if self.scale != 1 else g, _zero(g))
        return g * m

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)

    scale = 1


class Hardtanh(_Masked):
    """clamp(x, lo, hi); d = 1 on lo < x < hi, 0 elsewhere (at the bounds and at NaN too, as PyTorch)."""

    def forward(self, x, lo, hi):
        xp = self.xp
        self.mask = (x > lo) & (x < hi)
        return xp.minimum(xp.maximum(x, x.dtype.type(lo)), x.dtype.type(hi))


class Hardsigmoid(_Masked):
    """min(max(x + 3, 0), 6) / 6; d = 1/6 on -3 < x < 3, 0 elsewhere."""

    scale = float(_np.float32(1 / 6))     # PyTorch's backward uses the float constant 1.0f / 6.0f, in float64 too

    def forward(self, x):
        xp = self.xp
        self.mask = (x > -3) & (x < 3)
        return xp.minimum(xp.maximum(x + 3, _zero(x)), x.dtype.type(6)) / 6


class Shrink(_Masked):
    """soft: x - lambd above lambd, x + lambd below -lambd, 0 between; hard: x outside [-lambd, lambd], 0 in
    it. d = 1 on |x| > lambd, 0 elsewhere (at +-lambd and at NaN too, as PyTorch)."""

    def forward(self, x, lambd, soft):
        xp = self.xp
        self.mask = (x < -lambd) | (x > lambd)
        if soft:                     # x * 0 in the dead zone: NaN stays NaN (inf * 0 is never selected)
            with _np.errstate(invalid="ignore"):
                return xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, x * 0))
        return xp.where((x >= -lambd) & (x <= lambd), _zero(x), x)


class Threshold(_Masked):
    """value where x <= threshold, x elsewhere; d = 0 where x <= threshold, 1 elsewhere (NaN included)."""

    def forward(self, x, threshold, value):
        below = x <= threshold
        self.mask = ~below
        return self.xp.where(below, x.dtype.type(value), x)


class RReLU(_Masked):
    """Training-mode randomized leaky ReLU: x r where x <= 0 with r ~ U(lower, upper) per element, x
    elsewhere; d = r there, 1 elsewhere (the drawn slopes are the mask). ``r`` comes from the caller."""

    def forward(self, x, r):
        self.mask = self.xp.where(x <= 0, r, x.dtype.type(1))
        return x * self.mask


class Hardswish(Op):
    """x min(max(x + 3, 0), 6) / 6; d = 0 for x <= -3, x / 3 + 1/2 for -3 < x < 3, 1 for x >= 3."""

    def forward(self, x):
        xp = self.xp
        self.save_for_backward(x)
        with _np.errstate(invalid="ignore"):     # -inf * 0 = NaN, as PyTorch's (which does not warn)
            return x * (xp.minimum(xp.maximum(x + 3, _zero(x)), x.dtype.type(6)) / 6)

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        return xp.where(x <= -3, _zero(g), xp.where(x >= 3, g, g * (x / 3 + 0.5)))

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


def _softplus(xp, x):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x."""
    return xp.maximum(x, _zero(x)) + xp.log1p(xp.exp(-xp.abs(x)))


def _sigmoid(xp, x):
    return E.sigmoid(x) if isinstance(x, Tensor) else special.sigmoid(xp, x)


class Mish(Op):
    """x tanh(softplus(x)); d = t + x sigmoid(x) (1 - t^2) with t = tanh(softplus(x)) (PyTorch's formula:
    NaN at x = +-inf, as PyTorch's, finite everywhere else)."""

    def forward(self, x):
        self.save_for_backward(x)
        with _np.errstate(invalid="ignore"):     # -inf * 0 = NaN, as PyTorch's (which does not warn)
            return x * self.xp.tanh(_softplus(self.xp, x))

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        t = xp.tanh(_softplus(xp, x))
        with _np.errstate(invalid="ignore"):     # +-inf * 0 = NaN, as PyTorch's
            return g * (t + x * _sigmoid(xp, x) * (1 - t * t))

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


class ScaledELU(Op):
    """PyTorch's elu(x, alpha, scale, input_scale): scale x for x > 0, alpha scale (e^(input_scale x) - 1)
    elsewhere; d = scale for x > 0, alpha scale input_scale e^(input_scale x) elsewhere (x = 0 included).
    selu is (1.6733, 1.0507, 1), celu(alpha) is (alpha, 1, 1 / alpha)."""

    def forward(self, x, alpha, scale, input_scale):
        xp = self.xp
        self.scale, self.input_scale = scale, input_scale
        self.neg = alpha * scale
        self.save_for_backward(x)
        # the exponential only of min(x, 0) (NaN and -0.0 kept): no overflow in the branch that is not taken
        neg = xp.expm1(xp.where(x > 0, _zero(x), x) * input_scale) * self.neg
        return xp.where(x > 0, x * scale, neg)

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        neg = g * (self.neg * self.input_scale) * xp.exp(xp.minimum(x, _zero(x)) * self.input_scale)
        return xp.where(x > 0, g * self.scale, neg)

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


class LogSigmoid(Op):
    """log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|), finite for any finite x; with z = e^-|x|,
    d = 1 - z / (1 + z) for x < 0, z / (1 + z) for x >= 0 (PyTorch's form)."""

    def forward(self, x):
        xp = self.xp
        self.save_for_backward(x)
        return xp.minimum(x, _zero(x)) - xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        z = xp.exp(-xp.abs(x))
        s = z / (1 + z)
        return g * xp.where(x < 0, 1 - s, s)

    def jvp(self, t, *args):        # diagonal Jacobian: J t = J^T t = backward(t)
        return self.backward(t)


class PReLU(Op):
    """x for x > 0, w x elsewhere, w broadcast against x (one slope, or one per channel of dim 1);
    dx = g for x > 0, w g elsewhere; dw = the sum, over the broadcast dims, of x g where x <= 0."""

    def forward(self, x, w):
        self.save_for_backward(x, w)
        return self.xp.where(x > 0, x, w * x)

    def backward(self, g):
        x, w = self.saved
        xp = self.xp
        n = self.needs_input_grad
        pos = x > 0
        gx = xp.where(pos, g, w * g) if n[0] else None
        gw = unbroadcast(xp.where(pos, _zero(g), x * g), w.shape) if n[1] else None
        return gx, gw

    def jvp(self, tx, tw):          # d(prelu) = [x > 0] dx + [x <= 0] (w dx + x dw)
        x, w = self.saved
        xp = self.xp
        pos = x > 0
        out = None if tx is None else xp.where(pos, tx, w * tx)
        if tw is not None:
            u = xp.where(pos, _zero(tw), x * tw)
            out = u if out is None else out + u
        return out
