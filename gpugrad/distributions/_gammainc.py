"""The regularized lower incomplete gamma function P(a, x) as a private recorded op (for Gamma.cdf), written
against ``xp`` only (NumPy or CuPy, no SciPy) and evaluated in float64. gpugrad has no public gammainc yet; the
other special functions the distributions need are the public ops (``gpugrad.lgamma``, ``digamma``...)."""
from __future__ import annotations

from ..autograd.op import Op
from ..backend import special_fns
from ..ops.umath_unary import lgamma, _as_float
from ..tensor import Tensor


def _f64(xp, x):
    return x.astype(xp.float64) if x.dtype != xp.float64 else x


def _lgamma_array(xp, x):
    return special_fns.call("lgamma", xp, x)


def _gammainc_array(xp, a, x):
    """The regularized lower incomplete gamma function P(a, x) (a > 0, x >= 0), in float64:
    the series e^-x x^a / Gamma(a+1) sum_n x^n / ((a+1)...(a+n)) for x < a + 1, else 1 - Q with Q's continued
    fraction (modified Lentz), each run a fixed number of vectorized steps (converged well before)."""
    dt = xp.result_type(a, x)
    a = _f64(xp, xp.asarray(a))
    x = _f64(xp, xp.asarray(x))
    a, x = xp.broadcast_arrays(a, x)
    use_series = x < a + 1
    xs = xp.where(use_series, x, 0.0)
    log_front = a * xp.log(xp.where(x > 0, x, 1.0)) - x - _lgamma_array(xp, a)
    # series (x small): sum_n x^n / ((a+1)...(a+n)), times e^-x x^a / Gamma(a+1) = front / a
    term = xp.ones_like(a)
    total = xp.ones_like(a)
    for n in range(1, 400):
        term = term * xs / (a + n)
        total = total + term
    p_series = xp.exp(log_front) * total / a
    # continued fraction (x large): Q = front / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...))
    xc = xp.where(use_series, a + 2.0, x)
    tiny = 1e-300
    b = xc + 1 - a
    c = xp.full_like(a, 1 / tiny)
    d = 1 / b
    h = d
    for i in range(1, 400):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        d = 1 / d
        h = h * d * c
    q_cf = xp.exp(a * xp.log(xc) - xc - _lgamma_array(xp, a)) * h
    out = xp.where(use_series, p_series, 1 - q_cf)
    out = xp.where(x == 0, 0.0, xp.where(xp.isinf(x), 1.0, out))
    return out.astype(dt, copy=False)


class Gammainc(Op):
    def forward(self, a, x):
        self.save_for_backward(a, x)
        return _gammainc_array(self.xp, a, x)

    def _dx(self, g):
        # dP/dx = x^(a-1) e^-x / Gamma(a)
        a, x = self.saved
        lg = lgamma(a) if isinstance(a, Tensor) else _lgamma_array(self.xp, a)
        return g * self.xp.exp((a - 1) * self.xp.log(x) - x - lg)

    def backward(self, g):
        from ..ops._util import unbroadcast
        if self.needs_input_grad[0]:
            raise NotImplementedError(_NO_GRAD_A)
        return None, unbroadcast(self._dx(g), tuple(self.saved[1].shape))    # summed where a broadcast x

    def jvp(self, ta, tx):
        if ta is not None:
            raise NotImplementedError(_NO_GRAD_A)
        return None if tx is None else self._dx(tx)


_NO_GRAD_A = ("the derivative of gammainc (the regularized incomplete gamma function) with respect to its first "
              "argument is not implemented, as in PyTorch")


def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x) (recorded; differentiable in x only)."""
    return Gammainc.apply(_as_float(a), _as_float(x))
