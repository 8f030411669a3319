"""float32 CPU activation kernels on the vectorizing fast math of :mod:`._fastmath` (the float64 kernels in
activation.py keep libm). Same math as the references in activation.py, one pass over memory each way:

    act_fwd(x, bias, y, kind, a, b)           y = f(x + bias)                    x, y (R, C), bias (C,)
    act_bwd(g, s, bias, dx, db, kind, a, b)   dx = g f'(s + bias), db = sum of dx over the rows

``s`` is what the forward saved (the input, or the output for relu/tanh/sigmoid); give a bias of -0.0 where
nothing is to be added (x + -0.0 is x, -0 included; :func:`neg_zeros`). ``db`` is overwritten. Arrays of
any shape go through :func:`flat_fwd` / :func:`flat_bwd` (the flat kernels: no bias). From
:data:`PARALLEL_MIN` elements the rows are split between two Python threads (the kernels release the GIL),
unless the second core is taken (:func:`._blas.crowded`: a BLAS worker still spinning after a matmul, or
other processes).

One kernel pair per activation, each a plain loop over one activation's straight-line math, so that every
loop vectorizes and Numba compiles (once, cached on disk) only the activations that are used: one kernel
branching on the activation inside its loop neither unswitches nor vectorizes, and one that inlines every
activation's math into a switch took minutes to compile.

    >>> import numpy as np
    >>> x = np.array([-1.0, 0.5], np.float32)
    >>> [round(float(v), 6) for v in flat_fwd(x, 3, 0.0, 0.0)]
    [-0.158655, 0.345731]
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ._blas import crowded
from ._halves import run_halves
from ._fastmath import FASTMATH, PARALLEL_MIN, exp_nonpos32, expm132, log1p32, ncdf32, ncdf32_given, sigmoid32, tanh32

_f = np.float32
_Z, _HALF, _ONE = _f(0), _f(0.5), _f(1)
_INV_SQRT_2PI = _f(0.3989422804014327)
_K = _f(0.7978845608028654)             # sqrt(2 / pi)
_C = _f(0.044715)
_C3 = _f(3 * 0.044715)
_EL = dict(inline="always", fastmath=FASTMATH, error_model="numpy")
_KER = dict(cache=True, nogil=True, fastmath=FASTMATH, error_model="numpy")


# -- element functions: forward f(v) and backward g f'(v), per activation (math as in activation.py) --------------
@njit(**_EL)
def _relu(v, a, b):
    return _Z if v <= _Z else v          # NaN stays NaN


@njit(**_EL)
def _relu_d(g, v, a, b):
    return _Z if v <= _Z else g          # selected (NaN upstream stays out); a NaN y passes g, as PyTorch


@njit(**_EL)
def _leaky(v, a, b):
    return v if v > _Z else a * v


@njit(**_EL)
def _leaky_d(g, v, a, b):
    return g if v > _Z else g * a


@njit(**_EL)
def _elu(v, a, b):                       # a (e^x - 1) below 0
    e = a * expm132(min(v, _Z))
    return v if v > _Z else e


@njit(**_EL)
def _elu_d(g, v, a, b):
    e = g * a * exp_nonpos32(min(v, _Z))
    return g if v > _Z else e


@njit(**_EL)
def _gelu(v, a, b):                      # x Phi(x)
    return v * ncdf32(v)


@njit(**_EL)
def _gelu_d(g, v, a, b):                 # Phi(x) + x phi(x)
    e = exp_nonpos32(-_HALF * v * v)      # e^(-v^2/2): the density's, and Phi's (one exp)
    return g * (ncdf32_given(v, e) + v * _INV_SQRT_2PI * e)


@njit(**_EL)
def _gelu_tanh(v, a, b):
    return _HALF * v * (_ONE + tanh32(_K * (v + _C * v * v * v)))


@njit(**_EL)
def _gelu_tanh_d(g, v, a, b):            # (1 + t)/2 + x/2 (1 - t^2) k (1 + 3 c x^2)
    t = tanh32(_K * (v + _C * v * v * v))
    return g * (_HALF * (_ONE + t) + _HALF * v * (_ONE - t * t) * (_K * (_ONE + _C3 * v * v)))


@njit(**_EL)
def _silu(v, a, b):
    return v * sigmoid32(v)


@njit(**_EL)
def _silu_d(g, v, a, b):                 # s (1 + x (1 - s))
    sg = sigmoid32(v)
    return g * sg * (_ONE + v * (_ONE - sg))


@njit(**_EL)
def _tanh(v, a, b):
    return tanh32(v)


@njit(**_EL)
def _tanh_d(g, v, a, b):                 # 1 - y^2
    return g * (_ONE - v * v)


@njit(**_EL)
def _sigmoid(v, a, b):
    return sigmoid32(v)


@njit(**_EL)
def _sigmoid_d(g, v, a, b):              # y (1 - y)
    return g * v * (_ONE - v)


@njit(**_EL)
def _softplus(v, a, b):                  # beta a, threshold b
    bx = a * v
    sp = (max(bx, _Z) + log1p32(exp_nonpos32(-abs(bx)))) / a
    return v if bx > b else sp


@njit(**_EL)
def _softplus_d(g, v, a, b):
    bx = a * v
    d = g * sigmoid32(bx)
    return g if bx > b else d


# -- the kernels: the same two loops for each activation ----------------------------------------------------------
@njit(**_KER)
def _fwd_relu(x, bias, y, a, b):
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            y[r, j] = _relu(x[r, j] + bias[j], a, b)


@njit(**_KER)
def _bwd_relu(g, s, bias, dx, db, a, b):
    for j in range(g.shape[1]):
        db[j] = _Z
    for r in range(g.shape[0]):
        for j in range(g.shape[1]):
            d = _relu_d(g[r, j], s[r, j] + bias[j], a, b)
            dx[r, j] = d
            db[j] += d


@njit(**_KER)
def _fwd_leaky(x, bias, y, a, b):
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            y[r, j] = _leaky(x[r, j] + bias[j], a, b)


@njit(**_KER)
def _bwd_leaky(g, s, bias, dx, db, a, b):
    for j in range(g.shape[1]):
        db[j] = _Z
    for r in range(g.shape[0]):
        for j in range(g.shape[1]):
            d = _leaky_d(g[r, j], s[r, j] + bias[j], a, b)
            dx[r, j] = d
            db[j] += d


@njit(**_KER)
def _fwd_elu(x, bias, y, a, b):
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            y[r, j] = _elu(x[r, j] + bias[j], a, b)


@njit(**_KER)
def _bwd_elu(g, s, bias, dx, db, a, b):
    for j in range(g.shape[1]):
        db[j] = _Z
    for r in range(g.shape[0]):
        for j in range(g.shape[1]):
            d = _elu_d(g[r, j], s[r, j] + bias[j], a, b)
            dx[r, j] = d
            db[j] += d


@njit(**_KER)
def _fwd_gelu(x, bias, y, a, b):
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            y[r, j] = _gelu(x[r, j] + bias[j], a, b)


@njit(**_KER)
def _bwd_gelu(g, s, bias, dx, db, a, b):
    for j in range(g.shape[1]):
        db[j] = _Z
    for r in range(g.shape[0]):
        for j in range(g.shape[1]):
            d = _gelu_d(g[r, j], s[r, j] + bias[j], a, b)
            dx[r, j] = d
            db[j] += d


@njit(**_KER)
def _fwd_gelu_tanh(x, bias, y, a, b):
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            y[r, j] = _gelu_tanh(x[r, j] + bias[j], a, b)


@njit(**_KER)
def _bwd_gelu_tanh(g, s, bias, dx, db, a, b):
    for j in range(g.shape[1]):
        db[j] = _Z
    for r in range(g.shape[0]):
        for j in range(g.shape[1]):
            d = _gelu_tanh_d(g[r, j], s[r, j] + bias[j], a, b)
            dx[r, j] = d
            db[j] += d


@njit(**_KER)
def _fwd_silu(x, bias, y, a, b):
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            y[r, j] = _silu(x[r, j] + bias[j], a, b)


@njit(**_KER)
def _bwd_silu(g, s, bias, dx, db, a, b):
    for j in range(g.shape[1]):
        db[j] = _Z
    for r in range(g.shape[0]):
        for j in range(g.shape[1]):
            d = _silu_d(g[r, j], s[r, j] + bias[j], a, b)
            dx[r, j] = d
            db[j] += d


@njit(**_KER)
def _fwd_tanh(x, bias, y, a, b):
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            y[r, j] = _tanh(x[r, j] + bias[j], a, b)


@njit(**_KER)
def _bwd_tanh(g, s, bias, dx, db, a, b):
    for j in range(g.shape[1]):
        db[j] = _Z
    for r in range(g.shape[0]):
        for j in range(g.shape[1]):
            d = _tanh_d(g[r, j], s[r, j] + bias[j], a, b)
            dx[r, j] = d
            db[j] += d


@njit(**_KER)
def _fwd_sigmoid(x, bias, y, a, b):
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            y[r, j] = _sigmoid(x[r, j] + bias[j], a, b)


@njit(**_KER)
def _bwd_sigmoid(g, s, bias, dx, db, a, b):
    for j in range(g.shape[1]):
        db[j] = _Z
    for r in range(g.shape[0]):
        for j in range(g.shape[1]):
            d = _sigmoid_d(g[r, j], s[r, j] + bias[j], a, b)
            dx[r, j] = d
            db[j] += d


@njit(**_KER)
def _fwd_softplus(x, bias, y, a, b):
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            y[r, j] = _softplus(x[r, j] + bias[j], a, b)


@njit(**_KER)
def _bwd_softplus(g, s, bias, dx, db, a, b):
    for j in range(g.shape[1]):
        db[j] = _Z
    for r in range(g.shape[0]):
        for j in range(g.shape[1]):
            d = _softplus_d(g[r, j], s[r, j] + bias[j], a, b)
            dx[r, j] = d
            db[j] += d


#: activation code (activation.SPEC) -> (forward kernel, backward kernel)
KERNELS = ((_fwd_relu, _bwd_relu), (_fwd_leaky, _bwd_leaky), (_fwd_elu, _bwd_elu), (_fwd_gelu, _bwd_gelu),
           (_fwd_gelu_tanh, _bwd_gelu_tanh), (_fwd_silu, _bwd_silu), (_fwd_tanh, _bwd_tanh),
           (_fwd_sigmoid, _bwd_sigmoid), (_fwd_softplus, _bwd_softplus))


# -- flat kernels: one index over a C-contiguous array, no bias to add and no bias gradient to sum ------------
# (the plain activation ops: measured on 1M float32, sigmoid's backward took 0.18 ms here against 0.37 ms
# through the row kernels with a -0 bias and a scratch bias gradient, its forward 0.46 against 0.62 ms)
@njit(**_KER)
def _ffwd_relu(x, y, a, b):
    for i in range(x.size):
        y[i] = _relu(x[i], a, b)


@njit(**_KER)
def _fbwd_relu(g, s, dx, a, b):
    for i in range(g.size):
        dx[i] = _relu_d(g[i], s[i], a, b)


@njit(**_KER)
def _ffwd_leaky(x, y, a, b):
    for i in range(x.size):
        y[i] = _leaky(x[i], a, b)


@njit(**_KER)
def _fbwd_leaky(g, s, dx, a, b):
    for i in range(g.size):
        dx[i] = _leaky_d(g[i], s[i], a, b)


@njit(**_KER)
def _ffwd_elu(x, y, a, b):
    for i in range(x.size):
        y[i] = _elu(x[i], a, b)


@njit(**_KER)
def _fbwd_elu(g, s, dx, a, b):
    for i in range(g.size):
        dx[i] = _elu_d(g[i], s[i], a, b)


@njit(**_KER)
def _ffwd_gelu(x, y, a, b):
    for i in range(x.size):
        y[i] = _gelu(x[i], a, b)


@njit(**_KER)
def _fbwd_gelu(g, s, dx, a, b):
    for i in range(g.size):
        dx[i] = _gelu_d(g[i], s[i], a, b)


@njit(**_KER)
def _ffwd_gelu_tanh(x, y, a, b):
    for i in range(x.size):
        y[i] = _gelu_tanh(x[i], a, b)


@njit(**_KER)
def _fbwd_gelu_tanh(g, s, dx, a, b):
    for i in range(g.size):
        dx[i] = _gelu_tanh_d(g[i], s[i], a, b)


@njit(**_KER)
def _ffwd_silu(x, y, a, b):
    for i in range(x.size):
        y[i] = _silu(x[i], a, b)


@njit(**_KER)
def _fbwd_silu(g, s, dx, a, b):
    for i in range(g.size):
        dx[i] = _silu_d(g[i], s[i], a, b)


@njit(**_KER)
def _ffwd_tanh(x, y, a, b):
    for i in range(x.size):
        y[i] = _tanh(x[i], a, b)


@njit(**_KER)
def _fbwd_tanh(g, s, dx, a, b):
    for i in range(g.size):
        dx[i] = _tanh_d(g[i], s[i], a, b)


@njit(**_KER)
def _ffwd_sigmoid(x, y, a, b):
    for i in range(x.size):
        y[i] = _sigmoid(x[i], a, b)


@njit(**_KER)
def _fbwd_sigmoid(g, s, dx, a, b):
    for i in range(g.size):
        dx[i] = _sigmoid_d(g[i], s[i], a, b)


@njit(**_KER)
def _ffwd_softplus(x, y, a, b):
    for i in range(x.size):
        y[i] = _softplus(x[i], a, b)


@njit(**_KER)
def _fbwd_softplus(g, s, dx, a, b):
    for i in range(g.size):
        dx[i] = _softplus_d(g[i], s[i], a, b)


#: activation code -> (flat forward kernel, flat backward kernel)
FLAT = ((_ffwd_relu, _fbwd_relu), (_ffwd_leaky, _fbwd_leaky), (_ffwd_elu, _fbwd_elu), (_ffwd_gelu, _fbwd_gelu),
        (_ffwd_gelu_tanh, _fbwd_gelu_tanh), (_ffwd_silu, _fbwd_silu), (_ffwd_tanh, _fbwd_tanh),
        (_ffwd_sigmoid, _fbwd_sigmoid), (_ffwd_softplus, _fbwd_softplus))

_NEG_ZERO = [np.full(4096, -0.0, np.float32)]


def neg_zeros(n):
    """n float32 -0.0: the bias of a kernel call that has none to add."""
    if _NEG_ZERO[0].size < n:
        _NEG_ZERO[0] = np.full(n, -0.0, np.float32)
    return _NEG_ZERO[0][:n]


def act_fwd(x, bias, y, kind, a, b, split=None):
    """y = f(x + bias) over the rows of 2-D C-contiguous float32 ``x``, ``y``; ``a``, ``b`` float32. ``split``:
    rows over two threads (None: from :data:`PARALLEL_MIN` elements unless :func:`crowded`)."""
    fwd = KERNELS[kind][0]
    if split is None:
        split = x.size >= PARALLEL_MIN and not crowded()
    if split and x.shape[0] > 1:                       # the second half on a second thread
        h = x.shape[0] // 2
        run_halves(fwd, (x[:h], bias, y[:h], a, b), (x[h:], bias, y[h:], a, b))
    else:
        fwd(x, bias, y, a, b)


def act_bwd(g, s, bias, dx, db, kind, a, b, split=None):
    """dx = g f'(s + bias) and ``db`` = dx summed over the rows (2-D C-contiguous float32); ``split`` as in
    :func:`act_fwd`."""
    bwd = KERNELS[kind][1]
    if split is None:
        split = g.size >= PARALLEL_MIN and not crowded()
    if split and g.shape[0] > 1:
        h = g.shape[0] // 2
        db2 = np.empty_like(db)
        run_halves(bwd, (g[:h], s[:h], bias, dx[:h], db, a, b), (g[h:], s[h:], bias, dx[h:], db2, a, b))
        db += db2
    else:
        bwd(g, s, bias, dx, db, a, b)


def _split(kernel, n, arrays, a, b):
    """``kernel(*arrays, a, b)`` over 1-D arrays of ``n`` elements: from :data:`PARALLEL_MIN` elements the
    second half runs on a second thread (the kernels release the GIL) unless the machine is crowded."""
    if n >= PARALLEL_MIN and not crowded():
        h = (n // 2) & ~15                       # (a multiple of 16: both halves start on a 64-byte line)
        run_halves(kernel, [v[:h] for v in arrays] + [a, b], [v[h:] for v in arrays] + [a, b])
    else:
        kernel(*arrays, a, b)


def flat_fwd(x, kind, a, b, out=None):
    """f(x) for a C-contiguous float32 array of any shape (into ``out`` when given); returns it."""
    y = np.empty_like(x) if out is None else out
    _split(FLAT[kind][0], x.size, (x.reshape(-1), y.reshape(-1)), _f(a), _f(b))
    return y


def flat_bwd(g, s, kind, a, b):
    """g f'(s) for C-contiguous float32 arrays of any (the same) shape."""
    dx = np.empty_like(g)
    _split(FLAT[kind][1], g.size, (g.reshape(-1), s.reshape(-1), dx.reshape(-1)), _f(a), _f(b))
    return dx
