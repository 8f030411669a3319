"""Fit the polynomial coefficients of gpugrad/kernels/_fastmath.py (float32 tanh and erf on their small
ranges, erfc's scaled tail) and print them with each fit's relative error, float64. Run:

    python scripts/fastmath_coeffs.py

Weighted least squares on a dense grid of the interval: for f = x + x^3 P(x^2) (tanh, erf) the fit of P is
weighted so that the error of f is measured relative to f; the erfc tail R(x) = erfc(x) e^(x^2), as a
polynomial in t = 1 / (1 + x / 2), is fitted relative to R. The normal CDF's tail, erfcx(z) on the whole
of [0, 10.5] as a polynomial in t = 1 / (1 + 0.4 z), is fitted relative too, then reweighted (Lawson's
iteration) towards the smallest largest error. exp, expm1 and log use Taylor coefficients
(1/k!, and 2/(2k+1) for log's atanh series), which are already well inside float32 rounding on their ranges.
"""
import math

import numpy as np
from scipy.special import erf, erfc, erfcx


def fit_odd(f, lo, hi, deg, lead):
    """P (coefficients c0..c_deg of x^2) with f(x) ~ lead x + x^3 P(x^2), relative to f."""
    x = np.linspace(lo, hi, 20001)[1:]
    target = (f(x) - lead * x) / x ** 3
    w = x ** 3 / np.abs(f(x))             # weight: error of f relative to f
    V = np.stack([(x * x) ** k for k in range(deg + 1)], 1)
    c = np.linalg.lstsq(V * w[:, None], target * w, rcond=None)[0]
    approx = lead * x + x ** 3 * (V @ c)
    return c, np.max(np.abs(approx / f(x) - 1))


def fit_tail(lo, hi, deg):
    x = np.linspace(lo, hi, 20001)
    t = 1 / (1 + 0.5 * x)
    target = erfcx(x)
    V = np.stack([t ** k for k in range(deg + 1)], 1)
    c = np.linalg.lstsq(V / target[:, None], np.ones_like(x), rcond=None)[0]
    return c, np.max(np.abs(V @ c / target - 1))


def fit_ncdf(hi=10.5, deg=9, p=0.4, rounds=40):
    """Q (coefficients of t^0..t^deg) with erfcx(z) ~ Q(t), t = 1 / (1 + p z), on [0, hi], relative: the one
    polynomial of Phi(x) = e^(-x^2/2) Q(t) / 2 (x <= 0) at every x (z = |x| / sqrt(2))."""
    z = np.concatenate([np.linspace(0, 4, 20001), np.linspace(4, hi, 20001)])
    t = 1 / (1 + p * z)
    target = erfcx(z)
    V = np.stack([t ** k for k in range(deg + 1)], 1) / target[:, None]
    w = np.ones_like(z)
    for _ in range(rounds):
        c = np.linalg.lstsq(V * w[:, None], w, rcond=None)[0]
        err = np.abs(V @ c - 1)
        w = w * (1 + err / err.max())
    return c, np.max(np.abs(V @ c - 1))


if __name__ == "__main__":
    c, e = fit_odd(np.tanh, 0, 0.625, 5, 1.0)
    print("tanh: x + x^3 P(x^2) on [0, 0.625], P =", [float(v) for v in c], "rel err", e)
    c, e = fit_odd(erf, 0, 1.0, 6, 2 / math.sqrt(math.pi))
    print("erf: 2/sqrt(pi) x + x^3 P(x^2) on [0, 1], P =", [float(v) for v in c], "rel err", e)
    c, e = fit_tail(1.0, 4.0, 7)
    print("erfc(x) e^(x^2) on [1, 4] = R(1 / (1 + x/2)), R =", [float(v) for v in c], "rel err", e)
    c, e = fit_ncdf()
    print("erfc(z) e^(z^2) on [0, 10.5] = Q(1 / (1 + 0.4 z)), Q =", [float(v) for v in c], "rel err", e)
