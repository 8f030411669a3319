"""Private recorded special functions the distributions need: lgamma, digamma, polygamma (digamma's
derivative), erfinv and gammainc (the regularized incomplete gamma function, for Gamma.cdf).

Written against ``xp`` only (NumPy or CuPy, no SciPy), evaluated in float64 and cast back. They stand in
until ``gpugrad.special`` has them; then these ops should be replaced by the public ones.

polygamma(n, x) for n >= 1 (x > 0), by the same shift and its own asymptotic series.

Method: shift the argument up by N = 10 with the recurrences
    lgamma(x) = lgamma(x + N) - sum_k log(x + k),   psi(x) = psi(x + N) - sum_k 1/(x + k),
    psi'(x) = psi'(x + N) + sum_k 1/(x + k)^2       (k = 0..N-1)
and use the asymptotic (Stirling) series at x + N >= 10, where the truncation error is below 1e-15; for
x < 0.5 the reflection formulas
    lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x),   psi(x) = psi(1 - x) - pi / tan(pi x),
    psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x).
"""
from __future__ import annotations

import math

from ..autograd.op import Op
from ..backend import special as _bspecial
from ..tensor import Tensor

_N = 10
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _f64(xp, x):
    return x.astype(xp.float64) if x.dtype != xp.float64 else x


def _lgamma_pos(xp, x):
    z = x + _N
    acc = xp.zeros_like(x)
    for k in range(_N):
        acc = acc + xp.log(x + k)
    zi = 1.0 / z
    zi2 = zi * zi
    series = zi * (1 / 12 - zi2 * (1 / 360 - zi2 * (1 / 1260 - zi2 * (1 / 1680 - zi2 / 1188))))
    return (z - 0.5) * xp.log(z) - z + _HALF_LOG_2PI + series - acc


def _digamma_pos(xp, x):
    z = x + _N
    acc = xp.zeros_like(x)
    for k in range(_N):
        acc = acc + 1.0 / (x + k)
    zi2 = 1.0 / (z * z)
    series = zi2 * (1 / 12 - zi2 * (1 / 120 - zi2 * (1 / 252 - zi2 * (1 / 240 - zi2 / 132))))
    return xp.log(z) - 0.5 / z - series - acc


# B_2k / (2k)! ... as the Bernoulli numbers B_2, B_4, ..., B_14 of the asymptotic series of polygamma
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def polygamma_array(xp, n, x):
    """psi^(n)(x) for n >= 1, elementwise (x > 0; computed in float64):
    psi^(n)(x) = psi^(n)(x + N) + (-1)^(n+1) n! sum_{k<N} (x + k)^-(n+1), and at z = x + N
    psi^(n)(z) ~ (-1)^(n+1) [(n-1)!/z^n + n!/(2 z^(n+1)) + sum_k B_2k (2k+n-1)! / ((2k)! z^(2k+n))]."""
    x64 = _f64(xp, x)
    big = _N + 2 * n
    z = x64 + big
    acc = xp.zeros_like(x64)
    for k in range(big):
        acc = acc + (x64 + k) ** -(n + 1)
    series = math.factorial(n - 1) / z ** n + math.factorial(n) / (2 * z ** (n + 1))
    for k, b in enumerate(_BERNOULLI, start=1):
        series = series + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / z ** (2 * k + n)
    out = (-1) ** (n + 1) * (series + math.factorial(n) * acc)
    return out.astype(x.dtype, copy=False)


def _with_reflection(xp, x, pos, reflect):
    x64 = _f64(xp, x)
    small = x64 < 0.5
    safe = xp.where(small, 1.0 - x64, x64)          # >= 0.5 everywhere: the series' domain
    y = pos(xp, safe)
    out = xp.where(small, reflect(x64, y), y)
    return out.astype(x.dtype, copy=False)


def lgamma_array(xp, x):
    """log |Gamma(x)| elementwise (a raw array in, one out)."""
    return _with_reflection(xp, x, _lgamma_pos,
                            lambda x, y: xp.log(math.pi / xp.abs(xp.sin(math.pi * x))) - y)


def digamma_array(xp, x):
    """psi(x) = d/dx lgamma(x) elementwise; -inf at 0 as PyTorch, NaN at the negative integers."""
    out = _with_reflection(xp, x, _digamma_pos, lambda x, y: y - math.pi / xp.tan(math.pi * x))
    return xp.where(x == 0, -xp.inf, out).astype(x.dtype, copy=False)


class Lgamma(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return lgamma_array(self.xp, x)

    def backward(self, g):          # lgamma'(x) = digamma(x)
        (x,) = self.saved
        return g * (Digamma.apply(x) if isinstance(x, Tensor) else digamma_array(self.xp, x))

    def jvp(self, t):
        return self.backward(t)


class Digamma(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return digamma_array(self.xp, x)

    def backward(self, g):          # digamma'(x) = polygamma(1, x)
        (x,) = self.saved
        return g * (Polygamma.apply(x, n=1) if isinstance(x, Tensor) else polygamma_array(self.xp, 1, x))

    def jvp(self, t):
        return self.backward(t)


class Polygamma(Op):
    def forward(self, x, n):
        self.n = n
        self.save_for_backward(x)
        return polygamma_array(self.xp, n, x)

    def backward(self, g):          # d/dx polygamma(n, x) = polygamma(n + 1, x)
        (x,) = self.saved
        n = self.n + 1
        return g * (Polygamma.apply(x, n=n) if isinstance(x, Tensor) else polygamma_array(self.xp, n, x))

    def jvp(self, t):
        return self.backward(t)


def _erfinv_array(xp, y):
    """erf^-1(y): Giles' single-precision approximation, then two Newton steps on erf (float64)."""
    y64 = _f64(xp, y)
    w = -xp.log((1.0 - y64) * (1.0 + y64))
    w1 = w - 2.5
    p1 = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
              0.246640727, 1.50140941):
        p1 = c + p1 * w1
    w2 = xp.sqrt(xp.maximum(w, 5.0)) - 3.0
    p2 = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
              1.00167406, 2.83297682):
        p2 = c + p2 * w2
    x = xp.where(w < 5.0, p1, p2) * y64
    for _ in range(2):           # Newton: x -= (erf(x) - y) / erf'(x)
        x = x - (_bspecial.erf(xp, x) - y64) / (2 / math.sqrt(math.pi) * xp.exp(-x * x))
    x = xp.where(xp.abs(y64) == 1, xp.copysign(xp.inf, y64), x)
    return x.astype(y.dtype, copy=False)


class Erfinv(Op):
    def forward(self, y):
        x = _erfinv_array(self.xp, y)
        self.save_for_backward(x)
        return x

    def backward(self, g):          # (erf^-1)'(y) = sqrt(pi)/2 e^(x^2), x = erf^-1(y)
        (x,) = self.saved
        return g * (math.sqrt(math.pi) / 2) * self.xp.exp(x * x)

    def jvp(self, t):
        return self.backward(t)


def _float(x):
    if x._data.dtype.kind in "iub":
        from .. import _dtype
        return x.to(_dtype.get_default_dtype())
    return x


def lgamma(x):
    """log |Gamma(x)| (recorded)."""
    return Lgamma.apply(_float(x))


def digamma(x):
    """psi(x), the derivative of lgamma (recorded)."""
    return Digamma.apply(_float(x))


def polygamma(n, x):
    """The n-th derivative of digamma, n >= 1 (recorded)."""
    return Polygamma.apply(_float(x), n=n)


def erfinv(x):
    """The inverse error function (recorded)."""
    return Erfinv.apply(_float(x))


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
    log_front = a * xp.log(xp.where(x > 0, x, 1.0)) - x - lgamma_array(xp, a)
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
    q_cf = xp.exp(a * xp.log(xc) - xc - lgamma_array(xp, a)) * h
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
        lg = Lgamma.apply(a) if isinstance(a, Tensor) else lgamma_array(self.xp, a)
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
    return Gammainc.apply(_float(a), _float(x))
