"""float32 transcendentals that vectorize: exp, expm1, log, log1p, tanh, sigmoid, erf for Numba CPU kernels.

Numba lowers ``math.exp``/``math.tanh``/``math.erf`` to scalar libm calls, so a loop that uses them runs one
element at a time (GELU forward + backward measured 0.5 GB/s). The functions here are straight-line float32
arithmetic -- range reduction, a polynomial, the power of two built from exponent bits by integer ops --
with every branch a select, so LLVM turns a loop over them into AVX2 / AVX-512 code. Each is an
``inline="always"`` Numba function of one float32 returning float32; call them from ``@njit`` loops
over float32 arrays. float64 kernels keep calling the library functions.

Accuracy (tests/test_fastmath.py, every 4099th float32 bit pattern plus the special values, against
float64 references): within 2 ulp or 1e-6 relative, whichever is larger; NaN in gives NaN out, and
+-0, +-inf, the overflow and underflow edges behave as PyTorch's float32 functions.

Every constant is a float32 / int32 global: a Python float literal would turn the arithmetic into
float64. The polynomial coefficients of tanh and erf come from ``scripts/fastmath_coeffs.py`` (weighted
least-squares fits); exp, expm1 and log use their Taylor series, well inside float32 rounding on the
reduced ranges.

    >>> import numpy as np
    >>> from numba import njit
    >>> @njit
    ... def f(x):
    ...     return exp32(x)
    >>> float(f(np.float32(1.0)))
    2.7182817459106445
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from ._blas import crowded

__all__ = ["unary", "exp32", "exp_nonpos32", "expm132", "log32", "log1p32", "tanh32", "sigmoid32", "erf32", "ncdf32",
           "FASTMATH"]

#: the fast-math flags the kernels compile with: FMA contraction only. The full ``fastmath=True`` lets LLVM
#: assume there is no NaN or inf, which would break NaN propagation and the overflow edges.
FASTMATH = {"contract"}

_f = np.float32
_i = np.int32


@intrinsic
def _as_f32(typingctx, i):
    """The float32 with the bits of int32 ``i``."""
    if i != types.int32:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


@intrinsic
def _as_i32(typingctx, x):
    """The bits of float32 ``x`` as an int32."""
    if x != types.float32:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(32))
    return types.int32(types.float32), codegen


_ZERO, _HALF, _ONE, _TWO = _f(0), _f(0.5), _f(1), _f(2)
_INF = _f(np.inf)
_LOG2E = _f(1.4426950408889634)
_LN2_HI = _f(0.693359375)           # ln 2 = _LN2_HI + _LN2_LO; n * _LN2_HI is exact for |n| < 2^11
_LN2_LO = _f(-2.12194440e-4)
_EXP_HI = _f(88.72284)              # above: e^x overflows float32
_EXP_LO = _f(-105.0)                # below -103.97: e^x rounds to 0 (under 2^-150)
_R1, _R2, _R3, _R4, _R5, _R6, _R7 = (_f(1 / 1), _f(1 / 2), _f(1 / 6), _f(1 / 24), _f(1 / 120), _f(1 / 720),
                                     _f(1 / 5040))
_R8 = _f(1 / 40320)
_I1, _I23, _I127, _IMANT, _IONE = _i(1), _i(23), _i(127), _i(0x7FFFFF), _i(0x3F800000)
_I64, _TWO_M64 = _i(64), _f(2.0 ** -64)


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def _reduce(x):
    """``(n, r)`` with x = n ln 2 + r, |r| <= ln2 / 2, for x in [-104, 89] (Cody-Waite: two-part ln 2)."""
    fn = np.floor(x * _LOG2E + _HALF)
    r = (x - fn * _LN2_HI) - fn * _LN2_LO
    return np.int32(fn), r


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def _pow2(n):
    """2^n as float32 for n in [-126, 127], from the exponent bits."""
    return _as_f32(np.int32((n + _I127) << _I23))


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def _exp_poly(r):
    """e^r for |r| <= ln2 / 2 = 0.347: Taylor to r^7, error < 6e-9. Estrin's scheme: the longest chain of
    dependent multiply-adds is 4, not Horner's 7, so the out-of-order core overlaps more of a loop's
    iterations (GELU's forward on 1M float32, one thread: 1.33 -> 1.08 ms from the same change to its
    polynomial)."""
    p = _R7 * r + _R6
    p = p * r + _R5
    p = p * r + _R4
    p = p * r + _R3
    p = p * r + _R2
    p = p * r + _R1
    return p * r + _ONE


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def exp32(x):
    """e^x in float32. Overflows to inf above 88.72, gives subnormals down to -103.97 and 0 below."""
    xc = min(max(x, _EXP_LO), _EXP_HI)
    n, r = _reduce(xc)
    p = _exp_poly(r)
    n1 = np.int32(n >> _I1)                       # 2^n = 2^n1 2^(n - n1): both factors normal for n in
    y = (p * _pow2(n1)) * _pow2(np.int32(n - n1))  # [-150, 128], so subnormal results round once
    return y if x == x else x                     # NaN stays NaN (min/max would clamp it)


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def exp_nonpos32(x):
    """e^x in float32 for x <= 0 (and -inf, NaN): :func:`exp32` with less work, for the callers whose argument
    cannot be positive (sigmoid's e^-|x|, erf's e^-x^2, a softmax's e^(x - max)). No upper clamp, and one power
    of two: p 2^(n + 64) is exact for n in [-152, 0], and the constant 2^-64 rounds a subnormal result once. A
    NaN passes through the polynomial (max keeps a NaN first argument). Positive x gives wrong values."""
    n, r = _reduce(max(x, _EXP_LO))
    return (_exp_poly(r) * _pow2(np.int32(n + _I64))) * _TWO_M64


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def expm132(x):
    """e^x - 1 in float32, accurate near 0: 2^n (e^r - 1) + (2^n - 1) with e^r - 1 a polynomial."""
    xc = min(max(x, _f(-88.0)), _f(88.0))
    n, r = _reduce(xc)
    small = abs(x) < _f(0.3466)                   # ln2 / 2: no reduction (n = 0), the polynomial directly
    r = x if small else r
    n = _i(0) if small else n
    p = _R8 * r + _R7
    p = p * r + _R6
    p = p * r + _R5
    p = p * r + _R4
    p = p * r + _R3
    p = p * r + _R2
    em = (p * r) * r + r                          # e^r - 1 = r + r^2 (1/2 + r/6 + ...)
    s = _pow2(n)
    y = s * em + (s - _ONE)
    ex = exp32(x)                                 # computed on every lane: a select, not a branch
    y = ex if x > _f(88.0) else y                 # the two-factor scaling of exp, up to the overflow
    y = _f(-1.0) if x < _f(-88.0) else y
    return y if x == x and x != _ZERO else x      # NaN, and -0 keeps its sign


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def _log_parts(x):
    """``(e, f)`` with x = 2^e (1 + f), 1 + f in [sqrt(1/2), sqrt(2)), for finite x > 0 (subnormals too)."""
    sub = x < _f(1.1754944e-38)
    xs = x * _f(8388608.0) if sub else x          # 2^23: subnormals become normal
    bits = _as_i32(xs)
    e = np.int32((bits >> _I23) - _I127)
    m = _as_f32(np.int32((bits & _IMANT) | _IONE))        # mantissa in [1, 2)
    big = m > _f(1.4142135)
    m = m * _HALF if big else m
    e = np.int32(e + _I1) if big else e
    e = np.int32(e - _i(23)) if sub else e
    return e, m - _ONE


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def _log1pf(f):
    """log(1 + f) for f in [sqrt(1/2) - 1, sqrt(2) - 1]: s = f / (2 + f), log(1 + f) = 2 atanh(s) =
    f - f^2/2 + s (f^2/2 + R(s^2)), R the atanh series from s^2 terms (|s| <= 0.172: to s^10, error < 1e-11)."""
    s = f / (_TWO + f)
    z = s * s
    rz = _f(2 / 11) * z + _f(2 / 9)
    rz = rz * z + _f(2 / 7)
    rz = rz * z + _f(2 / 5)
    rz = rz * z + _f(2 / 3)
    hfsq = _HALF * f * f
    return f - (hfsq - s * (hfsq + rz * z))


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def log32(x):
    """Natural log in float32: log(0) = -inf, log(x < 0) = NaN, log(inf) = inf."""
    e, f = _log_parts(x)
    fe = np.float32(e)
    y = fe * _LN2_HI + (_log1pf(f) + fe * _LN2_LO)
    y = -_INF if x == _ZERO else y
    y = np.float32(np.nan) if x < _ZERO else y
    y = x if x == _INF else y
    return y if x == x else x


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def log1p32(x):
    """log(1 + x) in float32, accurate near 0: log(u) x / (u - 1) with u = 1 + x rounded (the rounding
    error of u cancels to first order), x itself where u == 1."""
    u = _ONE + x
    d = u - _ONE
    y = log32(u) * (x / d)
    y = x if d == _ZERO else y
    y = x if x == _INF else y
    y = -_INF if x == _f(-1.0) else y
    return y


_T1, _T2, _T3, _T4, _T5, _T6 = (_f(-0.33333331285643664), _f(0.13333226063573791), _f(-0.05394939666593513),
                                _f(0.021715552691730963), _f(-0.008214972284233697), _f(0.0021780235154316703))


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def tanh32(x):
    """tanh in float32: x + x^3 P(x^2) for |x| < 0.625, else sign(x) (1 - 2 / (e^(2|x|) + 1))."""
    a = abs(x)
    z = x * x
    p = _T6 * z + _T5
    p = p * z + _T4
    p = p * z + _T3
    p = p * z + _T2
    p = p * z + _T1
    small = x + x * z * p
    big = _ONE - _TWO / (exp32(a + a) + _ONE)
    big = -big if x < _ZERO else big
    small = x if x == _ZERO else small            # -0 keeps its sign
    return small if a < _f(0.625) else big


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def sigmoid32(x):
    """1 / (1 + e^-x) in float32, as e^x / (1 + e^x) for x < 0 so that tiny results keep their precision. A NaN
    goes through e and comes out NaN on both sides of the select."""
    e = exp_nonpos32(-abs(x))
    d = _ONE / (_ONE + e)
    return d if x >= _ZERO else e * d


_E0 = _f(1.1283791670955126)        # 2 / sqrt(pi)
_E1, _E2, _E3, _E4, _E5, _E6, _E7 = (_f(-0.37612638647306873), _f(0.11283784992150143), _f(-0.026865575859527945),
                                     _f(0.005221449370623813), _f(-0.0008490350765324668),
                                     _f(0.00011313003299274804), _f(-9.806167609720691e-06))
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7 = (_f(-0.00015555097366805836), _f(0.2849303983256175),
                                          _f(0.25959249369316606), _f(0.34806499387937995),
                                          _f(-0.10399817999129411), _f(0.5635383431407384),
                                          _f(-0.471235519187329), _f(0.11931500231725505))


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def erf32(x):
    """erf in float32: 2/sqrt(pi) x + x^3 P(x^2) for |x| < 1; else sign(x) (1 - e^(-x^2) R(t)) with
    t = 1 / (1 + |x| / 2) (R fits erfc(x) e^(x^2) on [1, 4]); +-1 from |x| >= 4 (float32 erf(3.92) = 1)."""
    ac = min(abs(x), _f(4.0))
    return erf32_given(x, exp_nonpos32(-(ac * ac)))


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def erf32_given(x, e):
    """:func:`erf32` with ``e`` = e^(-min(|x|, 4)^2) given by the caller (or e^(-x^2): above |x| = 4 both round
    the result to +-1). GELU's backward has e^(-v^2 / 2) at hand for the density: the same value at
    x = v / sqrt(2)."""
    a = abs(x)
    z = x * x
    p = _E7 * z + _E6
    p = p * z + _E5
    p = p * z + _E4
    p = p * z + _E3
    p = p * z + _E2
    p = p * z + _E1
    small = _E0 * x + x * z * p
    ac = min(a, _f(4.0))
    t = _ONE / (_ONE + _HALF * ac)
    q = _C7 * t + _C6
    q = q * t + _C5
    q = q * t + _C4
    q = q * t + _C3
    q = q * t + _C2
    q = q * t + _C1
    q = q * t + _C0
    big = _ONE - e * q
    big = -big if x < _ZERO else big
    small = x if x == _ZERO else small            # -0 keeps its sign
    return small if a < _ONE else big if a == a else x


# Q(t) = erfc(z) e^(z^2) on z in [0, 10.5], t = 1 / (1 + 0.4 z): one polynomial for the whole line
# (scripts/fastmath_coeffs.py, fit_ncdf: relative error 3.4e-8 in float64)
_Q0, _Q1, _Q2, _Q3, _Q4 = (_f(2.2176496164544457e-05), _f(0.2251677638416803), _f(0.23062224193273065),
                           _f(0.18095294912510765), _f(0.25807631839241324))
_Q5, _Q6, _Q7, _Q8, _Q9 = (_f(-0.048292217764381126), _f(0.2507190445184104), _f(-0.044392634610254784),
                           _f(-0.08315369231324342), _f(0.030278083854478176))
_P_SQRT1_2 = _f(0.4 * 0.7071067811865476)   # t's 0.4 z with z = |x| / sqrt(2)


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def ncdf32_given(x, e):
    """The standard normal CDF Phi(x) in float32, given ``e`` = e^(-x^2 / 2) (GELU's backward has it for the
    density). Phi(-|x|) = erfc(|x| / sqrt 2) / 2 = e Q(t) / 2 with one polynomial Q for every |x| (no branch
    on |x| to compute both sides of), and Phi(x) = 1 - Phi(-x) above 0. Against float64: within 4e-7 relative
    for x >= -2, 1.3e-6 down to x = -8 (Phi = 6e-16) and 4e-6 down to -13 (the rounding of x^2 in e), where
    1 + erf(x / sqrt 2) in float32 has lost every digit. NaN gives NaN; Phi(-inf) = 0, Phi(inf) = 1."""
    t = _ONE / (_ONE + _P_SQRT1_2 * abs(x))
    t2 = t * t                                    # Estrin's scheme: a chain of 4 multiply-adds, not 9
    t4 = t2 * t2
    q = (((_Q9 * t + _Q8) * t2 + (_Q7 * t + _Q6)) * t4 + ((_Q5 * t + _Q4) * t2 + (_Q3 * t + _Q2))) * t2 \
        + (_Q1 * t + _Q0)
    h = _HALF * e * q                             # Phi(-|x|)
    return h if x < _ZERO else _ONE - h           # (a NaN x fails the test and takes 1 - NaN)


@njit(inline="always", fastmath=FASTMATH, error_model="numpy")
def ncdf32(x):
    """The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2 in float32 (:func:`ncdf32_given`)."""
    return ncdf32_given(x, exp_nonpos32(-_HALF * x * x))


# -- whole arrays ------------------------------------------------------------------------------------------------
#: name -> code of the array kernels below
UNARY = {"exp": 0, "expm1": 1, "log": 2, "log1p": 3, "tanh": 4, "sigmoid": 5, "erf": 6}
#: from this many elements the array kernels run on Numba's threads (the workqueue layer,
#: gpugrad/_threads.py): below it, waking the second thread costs more than the half of the work it takes
PARALLEL_MIN = 1 << 18


@njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _unary_serial(x, out, kind):
    # the function is chosen once, outside its loop, so that each loop vectorizes (see activation.py)
    if kind == 0:
        for i in range(x.size):
            out[i] = exp32(x[i])
    elif kind == 1:
        for i in range(x.size):
            out[i] = expm132(x[i])
    elif kind == 2:
        for i in range(x.size):
            out[i] = log32(x[i])
    elif kind == 3:
        for i in range(x.size):
            out[i] = log1p32(x[i])
    elif kind == 4:
        for i in range(x.size):
            out[i] = tanh32(x[i])
    elif kind == 5:
        for i in range(x.size):
            out[i] = sigmoid32(x[i])
    else:
        for i in range(x.size):
            out[i] = erf32(x[i])


#: elements per task of the parallel kernels (a multiple of 16: blocks start on cache lines)
BLOCK = 1 << 14


@njit(cache=True, parallel=True)
def _unary_parallel(x, out, kind):
    for blk in prange((x.size + BLOCK - 1) // BLOCK):
        lo = blk * BLOCK
        hi = min(lo + BLOCK, x.size)
        _unary_serial(x[lo:hi], out[lo:hi], kind)


def unary(name, x, out=None):
    """``name(x)`` (exp, expm1, log, log1p, tanh, sigmoid, erf) of a C-contiguous float32 NumPy array, into
    ``out`` (a new array when None) and returned.

    >>> import numpy as np
    >>> unary("tanh", np.array([0.0, 1.0], np.float32)).tolist()
    [0.0, 0.7615941762924194]
    """
    if out is None:
        out = np.empty_like(x)
    kernel = _unary_parallel if x.size >= PARALLEL_MIN and not crowded() else _unary_serial
    kernel(x.reshape(-1), out.reshape(-1), UNARY[name])
    return out
