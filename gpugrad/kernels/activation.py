"""Fused activations: forward (with an optional fused bias add) and backward, each in one pass.
Twin of kernels/activation.cu (kernels ``act_fwd<Act, T>`` / ``act_bwd<Act, T>``); the math of every
activation is listed there and beside each reference below.

    y, saved = act_forward(x, "gelu")              # saved: the input x (gelu' needs it) or the output y
    dx = act_backward(g, saved, "gelu")            # g * gelu'(x)
    y, saved = act_forward(h, "relu", bias=b)      # y = relu(h + b), b broadcast over the last axis

``a`` and ``b`` are the activation's parameters: leaky_relu's negative_slope, elu's alpha, softplus's
(beta, threshold); the others ignore them.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from . import select
from ._launch import CudaKernels, launch, NULL, scalar_type, dtype_name
from ..backend import special

#: name -> (CUDA functor, Numba code, saves the input (True) or the output (False) for backward)
SPEC = {
    "relu": ("Relu", 0, False),
    "leaky_relu": ("LeakyRelu", 1, True),
    "elu": ("Elu", 2, True),
    "gelu": ("Gelu", 3, True),
    "gelu_tanh": ("GeluTanh", 4, True),
    "silu": ("Silu", 5, True),
    "tanh": ("Tanh", 6, False),
    "sigmoid": ("Sigmoid", 7, False),
    "softplus": ("Softplus", 8, True),
}
ACTIVATIONS = tuple(SPEC)

#: the explicit kernel list of activation.cu (the name expressions CuPy / NVRTC instantiate)
KERNELS = tuple(f"act_{d}<{fn}, {t}>" for fn, _, _ in SPEC.values() for d in ("fwd", "bwd")
                for t in ("float", "double"))

_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_K = math.sqrt(2 / math.pi)     # gelu tanh approximation: u = k (x + c x^3)
_C = 0.044715


# -- reference (plain xp: the specification) ------------------------------------------------------------------
def _ref_fwd(xp, kind, x, a, b):
    if kind == "relu":                                   # max(x, 0)
        return xp.maximum(x, 0)
    if kind == "leaky_relu":                             # x > 0 ? x : a x
        return xp.where(x > 0, x, x * a)
    if kind == "elu":                                    # x > 0 ? x : a (e^x - 1)
        return xp.where(x > 0, x, a * xp.expm1(xp.minimum(x, 0)))
    if kind == "gelu":                                   # x Phi(x)
        return 0.5 * x * (1 + special.erf(xp, x * _SQRT1_2))
    if kind == "gelu_tanh":                              # x/2 (1 + tanh(k (x + c x^3)))
        return 0.5 * x * (1 + xp.tanh(_K * (x + _C * x * x * x)))
    if kind == "silu":                                   # x sigmoid(x)
        return x * special.sigmoid(xp, x)
    if kind == "tanh":
        return xp.tanh(x)
    if kind == "sigmoid":
        return special.sigmoid(xp, x)
    bx = x * a                                           # softplus: log(1 + e^(a x)) / a, x above threshold b
    return xp.where(bx > b, x, (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / a)


def _ref_bwd(xp, kind, g, s, a, b):
    if kind == "relu":                                   # [y > 0]
        return g * (s > 0)
    if kind == "leaky_relu":                             # x > 0 ? 1 : a
        return xp.where(s > 0, g, g * a)
    if kind == "elu":                                    # x > 0 ? 1 : a e^x
        return xp.where(s > 0, g, g * a * xp.exp(xp.minimum(s, 0)))
    if kind == "gelu":                                   # Phi(x) + x phi(x)
        return g * (0.5 * (1 + special.erf(xp, s * _SQRT1_2)) + s * _INV_SQRT_2PI * xp.exp(-0.5 * s * s))
    if kind == "gelu_tanh":                              # (1 + t)/2 + x/2 (1 - t^2) k (1 + 3 c x^2)
        t = xp.tanh(_K * (s + _C * s * s * s))
        return g * (0.5 * (1 + t) + 0.5 * s * (1 - t * t) * (_K * (1 + 3 * _C * s * s)))
    if kind == "silu":                                   # sg (1 + x (1 - sg))
        sg = special.sigmoid(xp, s)
        return g * sg * (1 + s * (1 - sg))
    if kind == "tanh":                                   # 1 - y^2
        return g * (1 - s * s)
    if kind == "sigmoid":                                # y (1 - y)
        return g * s * (1 - s)
    bx = s * a                                           # softplus: sigmoid(a x), 1 above the threshold
    return xp.where(bx > b, g, g * special.sigmoid(xp, bx))


def act_forward_reference(x, kind, a=0.0, b=0.0, bias=None):
    """Reference forward: ``(y, saved)`` with ``y = f(x + bias)``; ``saved`` is ``x + bias`` (``x`` itself
    without a bias) for the activations whose derivative needs the input, else ``y``."""
    from ..backend import xp_of
    xp = xp_of(x)
    v = x if bias is None else x + bias
    y = _ref_fwd(xp, kind, v, a, b)
    return y, (v if SPEC[kind][2] else y)


def act_backward_reference(g, saved, kind, a=0.0, b=0.0):
    """Reference backward: ``g * f'(.)`` from the value :func:`act_forward_reference` saved."""
    from ..backend import xp_of
    return _ref_bwd(xp_of(g), kind, g, saved, a, b)


# -- Numba (CPU) -------------------------------------------------------------------------------------------------
# One kernel for all activations, the activation a loop-invariant code: 4 compilations in all (fwd/bwd x
# float32/float64) instead of 36, cached on disk; the branch is perfectly predicted and the loops stay memory
# bound for the cheap activations. Scalars arrive typed like the arrays; the math runs in the arrays' precision
# except where a float64 constant promotes it (stored back rounded, within the float32 tolerances).
@njit(cache=True, inline="always")
def _sig(x):
    e = math.exp(-abs(x))
    return 1 / (1 + e) if x >= 0 else e / (1 + e)


@njit(cache=True, inline="always")
def _nb_f(kind, x, a, b):
    if kind == 0:
        return 0.0 if x <= 0 else x
    if kind == 1:
        return x if x > 0 else a * x
    if kind == 2:
        return x if x > 0 else a * math.expm1(x)
    if kind == 3:
        return 0.5 * x * (1 + math.erf(x * 0.7071067811865476))
    if kind == 4:
        return 0.5 * x * (1 + math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    if kind == 5:
        return x * _sig(x)
    if kind == 6:
        return math.tanh(x)
    if kind == 7:
        return _sig(x)
    bx = a * x
    return x if bx > b else (max(bx, 0) + math.log1p(math.exp(-abs(bx)))) / a


@njit(cache=True, inline="always")
def _nb_df(kind, s, a, b):
    if kind == 0:
        return 1.0 if s > 0 else 0.0
    if kind == 1:
        return 1.0 if s > 0 else a
    if kind == 2:
        return 1.0 if s > 0 else a * math.exp(s)
    if kind == 3:
        return 0.5 * (1 + math.erf(s * 0.7071067811865476)) + s * 0.3989422804014327 * math.exp(-0.5 * s * s)
    if kind == 4:
        t = math.tanh(0.7978845608028654 * (s + 0.044715 * s * s * s))
        return 0.5 * (1 + t) + 0.5 * s * (1 - t * t) * (0.7978845608028654 * (1 + 3 * 0.044715 * s * s))
    if kind == 5:
        sg = _sig(s)
        return sg * (1 + s * (1 - sg))
    if kind == 6:
        return 1 - s * s
    if kind == 7:
        return s * (1 - s)
    return 1.0 if a * s > b else _sig(a * s)


@njit(parallel=True, cache=True)
def _act_fwd_numba(x, bias, y, z, kind, a, b):
    n = x.size
    cols = bias.size
    for i in prange(n):
        v = x[i]
        if cols:
            v = v + bias[i % cols]
        if z.size:
            z[i] = v
        y[i] = _nb_f(kind, v, a, b)


@njit(parallel=True, cache=True)
def _act_bwd_numba(g, s, dx, kind, a, b):
    for i in prange(g.size):
        dx[i] = g[i] * _nb_df(kind, s[i], a, b)


def _forward_numba(x, kind, a, b, bias, overwrite_input):
    _, code, saves_input = SPEC[kind]
    T = scalar_type(x.dtype)
    x1 = x.reshape(-1)
    y = np.empty_like(x)
    empty = x1[:0]
    z = (x if overwrite_input else np.empty_like(x)) if bias is not None and saves_input else None
    _act_fwd_numba(x1, empty if bias is None else bias, y.reshape(-1), empty if z is None else z.reshape(-1),
                   code, T(a), T(b))
    return y, (y if not saves_input else x if bias is None else z)


def _backward_numba(g, saved, kind, a, b):
    T = scalar_type(g.dtype)
    dx = np.empty_like(g)
    _act_bwd_numba(g.reshape(-1), saved.reshape(-1), dx.reshape(-1), SPEC[kind][1], T(a), T(b))
    return dx


# -- CUDA --------------------------------------------------------------------------------------------------------
CUDA = CudaKernels("activation", KERNELS)


def forward_cuda(x, kind, a=0.0, b=0.0, bias=None, overwrite_input=False, kernels=CUDA):
    """Launch ``act_fwd`` (``kernels``: the GPU module, or the host simulation in the tests)."""
    from ..backend import xp_of
    xp = xp_of(x)
    fn, _, saves_input = SPEC[kind]
    T = scalar_type(x.dtype)
    x = xp.ascontiguousarray(x)
    y = xp.empty_like(x)
    z = None
    if bias is not None:
        bias = xp.ascontiguousarray(bias)
        if saves_input:
            z = x if overwrite_input else xp.empty_like(x)
    n = x.size
    launch(kernels, f"act_fwd<{fn}, {dtype_name(x.dtype)}>", n, x, NULL if bias is None else bias, y,
           NULL if z is None else z, np.int64(n), np.int64(1 if bias is None else bias.size), T(a), T(b))
    return y, (y if not saves_input else x if bias is None else z)


def backward_cuda(g, saved, kind, a=0.0, b=0.0, kernels=CUDA):
    from ..backend import xp_of
    xp = xp_of(g)
    T = scalar_type(g.dtype)
    g = xp.ascontiguousarray(g)
    saved = xp.ascontiguousarray(saved)
    dx = xp.empty_like(g)
    launch(kernels, f"act_bwd<{SPEC[kind][0]}, {dtype_name(g.dtype)}>", g.size, g, saved, dx, np.int64(g.size),
           T(a), T(b))
    return dx


# -- dispatch ------------------------------------------------------------------------------------------------------
#: smallest size at which the Numba kernel beats the NumPy reference on the CPU, forward + backward, per
#: activation; measured with `python -m gpugrad.bench.kernels --crossover` on a 2-core CPU dev machine
#: (below it Numba's call and thread start-up cost more than NumPy's temporaries)
NUMBA_MIN_SIZE = {k: 16384 for k in SPEC}


def _fusable(x):
    return x.dtype in (np.float32, np.float64) and x.flags.c_contiguous


def _check(op, kind, x, bias=None):
    if kind not in SPEC:
        raise ValueError(f"{op}: unknown activation {kind!r}; expected one of {', '.join(SPEC)}")
    if bias is not None and (bias.ndim != 1 or not x.ndim or bias.shape[0] != x.shape[-1]):
        raise ValueError(f"{op}: bias of shape {tuple(bias.shape)} does not match input {tuple(x.shape)} "
                         f"(expected ({x.shape[-1] if x.ndim else '?'},))")


def act_forward(x, kind, a=0.0, b=0.0, *, bias=None, overwrite_input=False, impl="auto"):
    """``(y, saved)``: ``y = f(x + bias)`` and what :func:`act_backward` needs, in one pass.

    ``bias`` (1-D, the length of ``x``'s last axis) is added first, fused (Linear followed by an activation);
    with ``overwrite_input=True`` the biased pre-activation may be written into ``x`` (a temporary the caller
    no longer needs) instead of a new buffer."""
    _check("act_forward", kind, x, bias)
    which = select("act_forward", x, impl, lambda: x.size >= NUMBA_MIN_SIZE[kind] and _fusable(x)
                   and (bias is None or bias.dtype == x.dtype))
    if which == "reference":
        return act_forward_reference(x, kind, a, b, bias)
    if which == "numba":
        return _forward_numba(np.ascontiguousarray(x), kind, a, b,
                              None if bias is None else np.ascontiguousarray(bias), overwrite_input)
    return forward_cuda(x, kind, a, b, bias, overwrite_input)


def act_backward(g, saved, kind, a=0.0, b=0.0, *, impl="auto"):
    """``g * f'(.)`` from ``saved`` (the value :func:`act_forward` returned), in one pass."""
    _check("act_backward", kind, g)
    if g.shape != saved.shape:
        raise ValueError(f"act_backward ({kind}): gradient {tuple(g.shape)} and saved value "
                         f"{tuple(saved.shape)} differ")
    which = select("act_backward", g, impl, lambda: g.size >= NUMBA_MIN_SIZE[kind] and _fusable(g)
                   and saved.dtype == g.dtype and saved.flags.c_contiguous)
    if which == "reference":
        return act_backward_reference(g, saved, kind, a, b)
    if which == "numba":
        return _backward_numba(np.ascontiguousarray(g), np.ascontiguousarray(saved).astype(g.dtype, copy=False),
                               kind, a, b)
    return backward_cuda(g, saved, kind, a, b)
