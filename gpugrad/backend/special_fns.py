"""Special functions NumPy lacks (lgamma, digamma, polygamma, erfc, erfinv, erfcx, the modified Bessel
functions i0/i0e/i1/i1e, ndtri, log_ndtr), on both array modules: Numba ufuncs on the CPU, evaluated in
float64 and rounded to the input's dtype; ``cupyx.scipy.special`` on CUDA; the CPU ufunc through
``host_kernel`` on the strict test device. Each CPU kernel follows the algorithm PyTorch's CPU kernel uses
(Cephes), so values at poles, negative non-integers and large arguments agree with it, or a series whose
accuracy is stated beside it. The entry points take ``(xp, x)`` like :mod:`gpugrad.backend.special`."""
from __future__ import annotations

import math

import numpy as np

_kernels = {}
# (CuPy's name in cupyx.scipy.special for each entry point)
_CUPY = {"lgamma": "gammaln", "digamma": "digamma", "erfc": "erfc", "erfinv": "erfinv", "erfcx": "erfcx",
         "i0": "i0", "i0e": "i0e", "i1": "i1", "i1e": "i1e", "ndtri": "ndtri", "log_ndtr": "log_ndtr",
         "polygamma": "polygamma"}


def _build():
    """Compile the CPU kernels (once, on first use: it loads Numba)."""
    import numba

    jit = numba.njit(cache=True)
    vec1 = numba.vectorize(["float64(float64)"], cache=True)
    vec2 = numba.vectorize(["float64(float64, float64)"], cache=True)

    @jit
    def digamma_s(x):
        # Cephes psi, as PyTorch's calc_digamma: reflection for x < 0, recurrence up to 10, then the
        # asymptotic series psi(x) ~ log x - 1/(2x) - sum B_2k / (2k x^2k)
        if x == 0.0:
            return math.copysign(math.inf, -x)
        result = 0.0
        if x < 0.0:
            if x == math.trunc(x):
                return math.nan
            r = x - math.trunc(x)
            result = -math.pi / math.tan(math.pi * r)
            x = 1.0 - x
        while x < 10.0:
            result -= 1.0 / x
            x += 1.0
        if x == 10.0:
            return result + 2.25175258906672110764
        y = 0.0
        if x < 1.0e17:
            z = 1.0 / (x * x)
            y = z * ((((((8.33333333333333333333e-2 * z - 2.10927960927960927961e-2) * z
                         + 7.57575757575757575758e-3) * z - 4.16666666666666666667e-3) * z
                       + 3.96825396825396825397e-3) * z - 8.33333333333333333333e-3) * z
                     + 8.33333333333333333333e-2)
        return result + math.log(x) - 0.5 / x - y

    @jit
    def zeta_s(s, q):
        # Hurwitz zeta(s, q) = sum_k (k + q)^-s by Euler-Maclaurin summation (Cephes zeta, as PyTorch's)
        if s == 1.0:
            return math.inf
        if s < 1.0:
            return math.nan
        if q <= 0.0:
            if q == math.floor(q):
                return math.inf
            if s != math.floor(s):
                return math.nan
        if q > 1e8:
            return (1.0 / (s - 1.0) + 1.0 / (2.0 * q)) * q ** (1.0 - s)
        A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
             -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
             1.8152105401943546773e17, -7.1661652561756670113e18)
        total = q ** -s
        a = q
        b = 0.0
        i = 0
        while i < 9 or a <= 9.0:
            i += 1
            a += 1.0
            b = a ** -s
            total += b
            if abs(b / total) < 1.1102230246251565e-16:
                return total
        w = a
        total += b * w / (s - 1.0)
        total -= 0.5 * b
        a = 1.0
        k = 0.0
        for j in range(12):
            a *= s + k
            b /= w
            t = a * b / A[j]
            total += t
            if abs(t / total) < 1.1102230246251565e-16:
                return total
            k += 1.0
            a *= s + k
            b /= w
            k += 1.0
        return total

    @jit
    def polygamma_s(n, x):
        # psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1 (PyTorch's calc_polygamma)
        if n == 0.0:
            return digamma_s(x)
        sign = 1.0 if n % 2.0 == 1.0 else -1.0
        return sign * math.exp(math.lgamma(n + 1.0)) * zeta_s(n + 1.0, x)

    @jit
    def lgamma_s(x):
        if x <= 0.0 and x == math.floor(x):
            return math.inf            # the poles (C's lgamma; Python's math.lgamma would raise)
        return math.lgamma(x)

    @jit
    def erfinv_s(y):
        # a rational first guess, then two Newton steps on erf(x) = y (PyTorch's calc_erfinv)
        ay = abs(y)
        if ay > 1.0 or y != y:
            return math.nan
        if ay == 1.0:
            return math.copysign(math.inf, y)
        if ay <= 0.7:
            z = y * y
            num = ((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899
            dem = (((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1.0
            x = y * num / dem
        else:
            z = math.sqrt(-math.log((1.0 - ay) / 2.0))
            num = ((1.641345311 * z + 3.429567803) * z - 1.624906493) * z - 1.970840454
            dem = (1.637067800 * z + 3.543889200) * z + 1.0
            x = math.copysign(num, y) / dem
        c = 2.0 / math.sqrt(math.pi)
        if ay <= 0.7:
            x = x - (math.erf(x) - y) / (c * math.exp(-x * x))
            x = x - (math.erf(x) - y) / (c * math.exp(-x * x))
            return x
        # in the tails Newton runs on erfc(|x|) = 1 - |y| (exact there): erf(x) - y would lose every digit
        w = 1.0 - ay
        x = abs(x)
        for _ in range(3):      # (the first guess is only good to 1e-3 there: a third step for full precision)
            x = x + (math.erfc(x) - w) / (c * math.exp(-x * x))
        return math.copysign(x, y)

    @jit
    def erfcx_pos(x):
        if x < 2.0:
            return math.exp(x * x) * math.erfc(x)
        if x > 1e8:
            return 1.0 / (math.sqrt(math.pi) * x)
        f = x
        for k in range(120, 0, -1):
            f = x + (k * 0.5) / f
        return 1.0 / (math.sqrt(math.pi) * f)

    @jit
    def erfcx_s(x):
        # e^(x^2) erfc(x): directly while e^(x^2) is exact enough (x < 2), else the continued fraction
        # erfc(x) = e^(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), and for x < 0
        # erfcx(x) = 2 e^(x^2) - erfcx(-x)
        if x != x:
            return x
        if x < 0.0:
            if x < -26.7:
                return math.inf
            return 2.0 * math.exp(x * x) - erfcx_pos(-x)
        return erfcx_pos(x)

    @jit
    def bessel_i_s(nu, x, scaled):
        # I_nu(|x|) for nu in {0, 1}: the power series sum (x/2)^(2k+nu) / (k! (k+nu)!) (positive terms, no
        # cancellation) for |x| <= 30; beyond, Hankel's expansion e^x / sqrt(2 pi x) sum_k (-1)^k a_k(nu) / x^k,
        # whose smallest term there is below 1e-25. ``scaled``: times e^-|x| (i0e, i1e).
        ax = abs(x)
        if ax != ax or (ax == math.inf and not scaled):
            return math.nan               # (PyTorch's i0/i1 give nan at +-inf too)
        if ax <= 30.0:
            h = 0.5 * ax
            term = 1.0 if nu == 0 else h
            total = term
            k = 0
            while term > 1e-17 * total:
                k += 1
                term *= h * h / (k * (k + nu))
                total += term
            return total * math.exp(-ax) if scaled else total
        mu = 4.0 * nu * nu
        term = 1.0
        total = 1.0
        for k in range(1, 40):
            nxt = -term * (mu - (2.0 * k - 1.0) ** 2) / (8.0 * k * ax)
            if abs(nxt) >= abs(term):
                break
            term = nxt
            total += term
            if abs(term) < 1e-17 * abs(total):
                break
        total /= math.sqrt(2.0 * math.pi * ax)
        if scaled:
            return total
        if ax > 713.0:                    # e^x overflows before the product does
            return math.inf
        return total * math.exp(ax)

    @jit
    def ndtri_s(p):
        # the inverse of the normal CDF: Acklam's rational approximation (relative error 1.2e-9), then one
        # Halley step on ndtr(x) = p with ndtr from erfc (accurate in the tails); odd about p = 1/2
        if p != p or p < 0.0 or p > 1.0:
            return math.nan
        if p == 0.0:
            return -math.inf
        if p == 1.0:
            return math.inf
        if 0.25 < p < 0.75:
            return math.sqrt(2.0) * erfinv_s(2.0 * p - 1.0)    # 2p - 1 is exact here, and so relative
        sign = 1.0
        if p > 0.5:
            sign, p = -1.0, 1.0 - p
        if p < 0.02425:
            q = math.sqrt(-2.0 * math.log(p))
            x = ((((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
                    - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00)
                 / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
                     + 3.754408661907416e+00) * q + 1.0))
        else:
            q = p - 0.5
            r = q * q
            x = ((((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
                    + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
                 / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
                      + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1.0))
        for _ in range(2):
            e = 0.5 * math.erfc(-x / math.sqrt(2.0)) - p
            u = e * math.sqrt(2.0 * math.pi) * math.exp(0.5 * x * x)
            x = x - u / (1.0 + 0.5 * x * u)
        return sign * x

    @jit
    def log_ndtr_s(x):
        # log of the normal CDF: through erfcx in the lower tail (x < -1), log1p(-ndtr(-x)) above
        t = x / math.sqrt(2.0)
        if x < -1.0:
            return math.log(erfcx_pos(-t) / 2.0) - t * t
        return math.log1p(-math.erfc(t) / 2.0)

    @jit
    def erfc_s(x):
        return math.erfc(x)

    @jit
    def i0_s(x):
        return bessel_i_s(0, x, False)

    @jit
    def i0e_s(x):
        return bessel_i_s(0, x, True)

    @jit
    def i1_s(x):
        v = bessel_i_s(1, x, False)
        return -v if x < 0.0 else v      # odd, with I1(-0.0) = +0.0 as PyTorch gives

    @jit
    def i1e_s(x):
        v = bessel_i_s(1, x, True)
        return -v if x < 0.0 else v

    # each ufunc is made on its first use (:func:`_kernel`): a vectorize with a signature compiles, or loads
    # its cached machine code, at once, and doing all twelve up front cost 1.9 s on the first special function
    _scalars.update(
        lgamma=(vec1, lgamma_s), digamma=(vec1, digamma_s), polygamma=(vec2, polygamma_s), erfc=(vec1, erfc_s),
        erfinv=(vec1, erfinv_s), erfcx=(vec1, erfcx_s), i0=(vec1, i0_s), i0e=(vec1, i0e_s), i1=(vec1, i1_s),
        i1e=(vec1, i1e_s), ndtri=(vec1, ndtri_s), log_ndtr=(vec1, log_ndtr_s))


_scalars = {}


def _kernel(name):
    """The CPU ufunc of ``name``, made on first use."""
    k = _kernels.get(name)
    if k is None:
        if not _scalars:
            _build()
        vec, scalar = _scalars[name]
        k = _kernels[name] = vec(scalar)
    return k


def _cpu(name, *arrays):
    """The CPU kernel ``name`` on NumPy arrays: computed in float64, returned in the first array's dtype."""
    dtype = arrays[-1].dtype
    out = _kernel(name)(*(a.astype(np.float64, copy=False) for a in arrays))
    return out.astype(dtype, copy=False)


def call(name, xp, *arrays):
    """Special function ``name`` (a key of ``_CUPY``) of ``arrays`` (floating, of module ``xp``), in their
    dtype. polygamma takes ``(n, x)`` with n an array of x's dtype."""
    if xp is np:
        return _cpu(name, *arrays)
    if getattr(xp, "is_strict", False):      # the strict test device: the CPU ufunc stands in for CuPy's
        return xp.host_kernel(lambda *a: _cpu(name, *a), name)(*arrays)
    import cupyx.scipy.special
    return getattr(cupyx.scipy.special, _CUPY[name])(*arrays).astype(arrays[-1].dtype, copy=False)
