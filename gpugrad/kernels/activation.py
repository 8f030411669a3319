"""Fused activations: forward (with an optional fused bias add) and backward, each in one pass.
Twin of kernels/activation.cu (kernels ``act_fwd<Act, T>`` / ``act_bwd<Act, T>``); the math of every
activation is listed there and beside each reference below.

    y, saved = act_forward(x, "gelu")              # saved: the input x (gelu' needs it) or the output y
    dx = act_backward(g, saved, "gelu")            # g * gelu'(x)
    y, saved = act_forward(h, "gelu", bias=b)      # y = gelu(h + b), b broadcast over the last axis
    dh = act_backward(g, saved, "gelu", bias=b)    # g * gelu'(h + b); h + b is never stored

``a`` and ``b`` are the activation's parameters: leaky_relu's negative_slope, elu's alpha, softplus's
(beta, threshold); the others ignore them.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import select
from ._launch import CudaKernels, launch, NULL, scalar_type, dtype_name, contiguous, numba_array
from . import _activation32 as _act32
from ..backend import special, xp_of

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
    if kind == "relu":                                   # [y > 0], selected (PyTorch: y <= 0 ? 0 : g)
        return xp.where(s <= 0, g.dtype.type(0), g)
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
    """Reference forward: ``(y, saved)`` with ``y = f(x + bias)``; ``saved`` is the input ``x`` (without the
    bias) for the activations whose derivative needs the input, else the output ``y``."""
    xp = xp_of(x)
    y = _ref_fwd(xp, kind, x if bias is None else x + bias, a, b)
    return y, (x if SPEC[kind][2] else y)


def act_backward_reference(g, saved, kind, a=0.0, b=0.0, bias=None):
    """Reference backward: ``g * f'(.)`` from the value :func:`act_forward_reference` saved (plus ``bias``
    where that is the input)."""
    if bias is not None and SPEC[kind][2]:
        saved = saved + bias
    return _ref_bwd(xp_of(g), kind, g, saved, a, b)


# -- Numba (CPU) -------------------------------------------------------------------------------------------------
# float32 runs the fast-math kernels of _activation32 (vectorized exp/tanh/erf). float64 runs the kernels below:
# one forward and one backward kernel for all activations (cached on disk), with the activation's branch taken once, OUTSIDE its loop: written as one loop calling a switch per
# element, LLVM neither unswitches nor vectorizes it (measured 100x slower for relu). Serial loops: on the
# 2-core CPU the activations run at the batch sizes of an MLP step, where waking a second thread costs more
# than it saves. Numba calls libm's scalar tanh/erf/exp while NumPy has SIMD versions, so the transcendental
# float64 activations mostly stay on the reference on the CPU (NUMBA_SIZES below).
@njit(cache=True, inline="always")
def _sig(x):
    e = math.exp(-abs(x))
    return 1 / (1 + e) if x >= 0 else e / (1 + e)


@njit(cache=True, inline="always")
def _gelu_tanh_parts(x):
    t = math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))
    return t, 0.7978845608028654 * (1 + 3 * 0.044715 * x * x)


@njit(cache=True)
def _act_fwd_numba(x, y, kind, a, b):
    n = x.size
    if kind == 0:
        for i in range(n):
            v = x[i]
            y[i] = 0 if v <= 0 else v
    elif kind == 1:
        for i in range(n):
            v = x[i]
            y[i] = v if v > 0 else a * v
    elif kind == 2:
        for i in range(n):
            v = x[i]
            y[i] = v if v > 0 else a * math.expm1(v)
    elif kind == 3:
        for i in range(n):
            v = x[i]
            y[i] = 0.5 * v * (1 + math.erf(v * 0.7071067811865476))
    elif kind == 4:
        for i in range(n):
            v = x[i]
            y[i] = 0.5 * v * (1 + _gelu_tanh_parts(v)[0])
    elif kind == 5:
        for i in range(n):
            v = x[i]
            y[i] = v * _sig(v)
    elif kind == 6:
        for i in range(n):
            y[i] = math.tanh(x[i])
    elif kind == 7:
        for i in range(n):
            y[i] = _sig(x[i])
    else:
        for i in range(n):
            v = x[i]
            bx = a * v
            y[i] = v if bx > b else (max(bx, 0) + math.log1p(math.exp(-abs(bx)))) / a


@njit(cache=True)
def _act_bwd_numba(g, s, dx, kind, a, b):
    n = g.size
    if kind == 0:
        for i in range(n):
            dx[i] = 0 if s[i] <= 0 else g[i]
    elif kind == 1:
        for i in range(n):
            dx[i] = g[i] if s[i] > 0 else g[i] * a
    elif kind == 2:
        for i in range(n):
            v = s[i]
            dx[i] = g[i] if v > 0 else g[i] * a * math.exp(v)
    elif kind == 3:
        for i in range(n):
            v = s[i]
            dx[i] = g[i] * (0.5 * (1 + math.erf(v * 0.7071067811865476))
                            + v * 0.3989422804014327 * math.exp(-0.5 * v * v))
    elif kind == 4:
        for i in range(n):
            v = s[i]
            t, du = _gelu_tanh_parts(v)
            dx[i] = g[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du)
    elif kind == 5:
        for i in range(n):
            v = s[i]
            sg = _sig(v)
            dx[i] = g[i] * sg * (1 + v * (1 - sg))
    elif kind == 6:
        for i in range(n):
            dx[i] = g[i] * (1 - s[i] * s[i])
    elif kind == 7:
        for i in range(n):
            dx[i] = g[i] * s[i] * (1 - s[i])
    else:
        for i in range(n):
            bx = a * s[i]
            dx[i] = g[i] if bx > b else g[i] * _sig(bx)


def _forward_numba(x, kind, a, b, bias):
    _, code, saves_input = SPEC[kind]
    T = scalar_type(x.dtype)
    if x.dtype == np.float32:              # the vectorizing fast-math kernels, bias added in the same pass
        if bias is None:
            y = _act32.flat_fwd(x, code, a, b)
        else:
            c = x.shape[-1]
            y = np.empty_like(x)
            _act32.act_fwd(x.reshape(-1, c), numba_array(bias), y.reshape(-1, c), code, T(a), T(b))
        return y, (x if saves_input else y)
    y = np.empty_like(x)
    v = x if bias is None else x + bias    # float64: libm, the bias add is NumPy's broadcast pass
    _act_fwd_numba(numba_array(v).reshape(-1), y.reshape(-1), code, T(a), T(b))
    return y, (x if saves_input else y)


def _backward_numba(g, saved, kind, a, b, bias, bias_grad=False):
    _, code, saves_input = SPEC[kind]
    T = scalar_type(g.dtype)
    if g.dtype == np.float32:
        g, saved = numba_array(g), numba_array(saved)
        add = bias is not None and saves_input
        if not (bias_grad or add):
            return _act32.flat_bwd(g, saved, code, a, b)
        c = g.shape[-1]                    # rows: dx and the bias gradient (dx summed over rows) in one pass
        dx, db = np.empty_like(g), np.empty(c, np.float32)
        _act32.act_bwd(g.reshape(-1, c), saved.reshape(-1, c), numba_array(bias) if add else _act32.neg_zeros(c),
                       dx.reshape(-1, c), db, code, T(a), T(b))
        return (dx, db) if bias_grad else dx
    dx = np.empty_like(g)
    if bias is not None and saves_input:
        saved = saved + bias
    _act_bwd_numba(numba_array(g).reshape(-1), numba_array(saved).reshape(-1), dx.reshape(-1), code, T(a), T(b))
    return (dx, dx.reshape(-1, dx.shape[-1]).sum(axis=0)) if bias_grad else dx


# -- CUDA --------------------------------------------------------------------------------------------------------
CUDA = CudaKernels("activation", KERNELS)


def forward_cuda(x, kind, a=0.0, b=0.0, bias=None, kernels=CUDA):
    """Launch ``act_fwd`` (``kernels``: the GPU module, or the host simulation in the tests)."""
    xp = xp_of(x)
    fn, _, saves_input = SPEC[kind]
    T = scalar_type(x.dtype)
    x = contiguous(xp, x)
    bias = None if bias is None else contiguous(xp, bias, x.dtype)
    y = xp.empty_like(x)
    launch(kernels, f"act_fwd<{fn}, {dtype_name(x.dtype)}>", x.size, x, NULL if bias is None else bias, y,
           np.int64(x.size), np.int64(1 if bias is None else bias.size), T(a), T(b))
    return y, (x if saves_input else y)


def backward_cuda(g, saved, kind, a=0.0, b=0.0, bias=None, kernels=CUDA):
    """Launch ``act_bwd``; ``bias`` is added to ``saved`` in the kernel where ``saved`` is the input."""
    xp = xp_of(g)
    fn, _, saves_input = SPEC[kind]
    T = scalar_type(g.dtype)
    g = contiguous(xp, g)
    saved = contiguous(xp, saved, g.dtype)
    bias = None if bias is None or not saves_input else contiguous(xp, bias, g.dtype)
    dx = xp.empty_like(g)
    launch(kernels, f"act_bwd<{fn}, {dtype_name(g.dtype)}>", g.size, g, saved, NULL if bias is None else bias,
           dx, np.int64(g.size), np.int64(1 if bias is None else bias.size), T(a), T(b))
    return dx


# -- dispatch ------------------------------------------------------------------------------------------------------
#: sizes (lo <= x.size < hi) where the Numba kernel beats the NumPy reference on the CPU, forward + backward,
#: per activation, for float64 (libm) and float32 (the fast-math kernels of _activation32). Measured with
#: `python -m gpugrad.bench.kernels --crossover` on the 2-core CPU dev machine (BENCHMARKS.md). float64: the
#: branch-only activations win from a few hundred elements on (one pass instead of NumPy's 2-4; below that
#: Numba's ~1 us dispatch is more than NumPy's whole call); the ones built on exp/erf only below ~2k elements
#: (libm's scalar calls against NumPy's SIMD loops); tanh never. float32: the fast-math kernels vectorize, so
#: every activation wins at every size from where the dispatch pays.
_INF = float("inf")
NUMBA_SIZES = {"relu": (512, _INF), "leaky_relu": (512, _INF), "elu": (0, 2048), "gelu": (0, 2048),
               "gelu_tanh": (0, 512), "silu": (0, 2048), "tanh": (0, 0), "sigmoid": (0, 2048),
               "softplus": (0, 1024)}
NUMBA_SIZES32 = {k: ((512, _INF) if k in ("relu", "leaky_relu") else (0, _INF)) for k in NUMBA_SIZES}


def _numba_wins(kind, n, dtype=np.float64):
    lo, hi = (NUMBA_SIZES32 if dtype == np.float32 else NUMBA_SIZES)[kind]
    return lo <= n < hi


_KERNEL_DTYPES = (np.float32, np.float64)


def _fusable(x):
    return x.__class__ is np.ndarray and x.dtype in _KERNEL_DTYPES and x.flags.c_contiguous


def _check(op, kind, x, bias=None):
    if kind not in SPEC:
        raise ValueError(f"{op}: unknown activation {kind!r}; expected one of {', '.join(SPEC)}")
    if bias is not None and (bias.ndim != 1 or not x.ndim or bias.shape[0] != x.shape[-1]):
        raise ValueError(f"{op}: bias of shape {tuple(bias.shape)} does not match input {tuple(x.shape)} "
                         f"(expected ({x.shape[-1] if x.ndim else '?'},))")


def act_forward(x, kind, a=0.0, b=0.0, *, bias=None, impl="auto"):
    """``(y, saved)``: ``y = f(x + bias)`` in one pass, and what :func:`act_backward` needs.

    ``bias`` (1-D, the length of ``x``'s last axis) is added inside the kernel: a Linear layer's bias add
    fused into the activation that follows it. Give the same ``bias`` to :func:`act_backward`."""
    _check("act_forward", kind, x, bias)
    which = select("act_forward", x, impl, lambda: _numba_wins(kind, x.size, x.dtype) and _fusable(x)
                   and (bias is None or bias.dtype == x.dtype))
    # float16 and others, and a bias of another dtype (the result takes the promoted dtype): the reference
    if which == "reference" or x.dtype not in _KERNEL_DTYPES or (bias is not None and bias.dtype != x.dtype):
        return act_forward_reference(x, kind, a, b, bias)
    if which == "numba":
        return _forward_numba(x, kind, a, b, bias)
    return forward_cuda(x, kind, a, b, bias)


def act_backward(g, saved, kind, a=0.0, b=0.0, *, bias=None, bias_grad=False, impl="auto"):
    """``g * f'(.)`` from ``saved`` (what :func:`act_forward` returned) and forward's ``bias``, in one pass.

    With ``bias_grad=True``, ``(dx, db)``: also the bias gradient, ``dx`` summed over every axis but the
    last (on the CPU in float32, in the same pass).

    >>> import numpy as np
    >>> h, b = np.array([[1.0, -2.0], [3.0, 4.0]], np.float32), np.array([0.5, 1.0], np.float32)
    >>> y, saved = act_forward(h, "relu", bias=b)
    >>> dx, db = act_backward(np.ones_like(h), saved, "relu", bias=b, bias_grad=True)
    >>> dx.tolist(), db.tolist()
    ([[1.0, 0.0], [1.0, 1.0]], [2.0, 1.0])
    """
    _check("act_backward", kind, g, bias)
    if g.shape != saved.shape:
        raise ValueError(f"act_backward ({kind}): gradient {tuple(g.shape)} and saved value "
                         f"{tuple(saved.shape)} differ")
    which = select("act_backward", g, impl, lambda: _numba_wins(kind, g.size, g.dtype) and _fusable(g)
                   and saved.__class__ is np.ndarray and saved.dtype == g.dtype
                   and saved.flags.c_contiguous)
    if which == "numba" and g.dtype in _KERNEL_DTYPES and saved.dtype == g.dtype and g.ndim \
            and (bias is None or bias.dtype == g.dtype):
        return _backward_numba(g, saved, kind, a, b, bias, bias_grad)
    if (which == "reference" or g.dtype not in _KERNEL_DTYPES or saved.dtype != g.dtype
            or (bias is not None and bias.dtype != g.dtype)):
        dx = act_backward_reference(g, saved, kind, a, b, bias)
    elif which == "numba":
        dx = _backward_numba(g, saved, kind, a, b, bias)
    else:
        dx = backward_cuda(g, saved, kind, a, b, bias)
    return (dx, dx.reshape((-1, dx.shape[-1])).sum(axis=0)) if bias_grad else dx
