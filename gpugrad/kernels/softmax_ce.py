"""Fused softmax + cross-entropy from class indices, with ``ignore_index`` and label smoothing.
Twin of kernels/softmax_ce.cu (kernels ``softmax_ce_fwd<T>`` (a thread per row), ``softmax_ce_fwd_block<T>``
(a block per row, for wide rows) and ``softmax_ce_bwd<T>``).

For a row x of C logits, target t, smoothing eps and q = (1 - eps) onehot(t) + eps / C:
m = max x, ls = log sum e^(x - m), log p = (x - m) - ls, loss = -sum q log p, dloss/dx = g (p - q).
Forward keeps only (m, ls) per row; backward recomputes p from them in the same pass that writes dx.

    loss, m, ls = ce_forward(logits, target, ignore_index=-100, label_smoothing=0.0)
    dlogits = ce_backward(logits, target, m, ls, g, ignore_index=-100, label_smoothing=0.0)   # g: (N,)
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import select
from ..backend import xp_of
from . import _fastmath as _fm
from ._blas import crowded
from ._halves import run_halves
from ._launch import CudaKernels, launch, launch_blocks, scalar_type, dtype_name, contiguous, numba_array

KERNELS = tuple(f"softmax_ce_{d}<{t}>" for d in ("fwd", "fwd_block", "bwd") for t in ("float", "double"))
#: the kernels that synchronize a block (__syncthreads): the host simulation runs their threads for real
BLOCK_KERNELS = tuple(k for k in KERNELS if "_block<" in k)
#: from this many classes the forward runs a block per row instead of a thread per row. Chosen by the
#: launch geometry, not measured (no GPU here): with C >= 128 a 256-thread block has at least half its
#: threads busy on a row, and a thread-per-row sweep over >= 128 strided columns is uncoalesced
BLOCK_MIN_CLASSES = 128


# -- reference (plain xp: the specification) ------------------------------------------------------------------
def ce_forward_reference(logits, target, ignore_index=-100, label_smoothing=0.0):
    """``(loss (N,), row_max (N,), row_ls (N,))`` for logits ``(N, C)`` and class indices ``(N,)``."""
    xp = xp_of(logits)
    n, c = logits.shape
    m = logits.max(axis=1, keepdims=True)
    z = logits - m                                           # <= 0: no overflow for any magnitude
    ls = xp.log(xp.exp(z).sum(axis=1, keepdims=True))
    logp = z - ls
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    picked = xp.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    loss = -(1 - label_smoothing) * picked
    if label_smoothing:
        loss = loss - (label_smoothing / c) * logp.sum(axis=1)
    return xp.where(valid, loss, 0).astype(logits.dtype, copy=False), m[:, 0], ls[:, 0]


def ce_backward_reference(logits, target, row_max, row_ls, g, ignore_index=-100, label_smoothing=0.0):
    """``dlogits = g_i (p - q)``, zero on ignored rows."""
    xp = xp_of(logits)
    n, c = logits.shape
    p = xp.exp((logits - row_max[:, None]) - row_ls[:, None])
    valid = target != ignore_index
    onehot = xp.arange(c)[None, :] == xp.where(valid, target, 0)[:, None]
    q = xp.where(onehot, 1 - label_smoothing + label_smoothing / c, label_smoothing / c).astype(logits.dtype)
    return (p - q) * xp.where(valid, g, 0).astype(logits.dtype, copy=False)[:, None]


# -- Numba (CPU): rows one after another, each swept twice (max, then the sums) while it sits in L1 ---------------
# A classifier head's loss is small work: Numba's worker threads cost 100-300 us per call to wake on the 2-core
# CPU dev machine, more than the whole loss. From PARALLEL_MIN_ELEMENTS the rows are split in two halves, the
# second on one pool thread (_halves; the kernels release the GIL), unless the second core is taken.
@njit(cache=True, nogil=True)
def _ce_fwd_numba(x, t, loss, row_max, row_ls, ignore_index, eps):
    n, c = x.shape
    for r in range(n):
        m = x[r, 0]
        for j in range(1, c):
            if x[r, j] > m:
                m = x[r, j]
        s = 0.0
        zsum = 0.0
        for j in range(c):
            zj = x[r, j] - m
            s += np.exp(zj)
            zsum += zj
        ls = np.log(s)
        row_max[r] = m
        row_ls[r] = ls
        if t[r] == ignore_index:
            loss[r] = 0
        elif t[r] < 0 or t[r] >= c:          # NaN rather than a read out of bounds (the ops check first)
            loss[r] = np.nan
        else:
            loss[r] = -(1 - eps) * ((x[r, t[r]] - m) - ls) - eps / c * (zsum - c * ls)


@njit(cache=True, nogil=True)
def _ce_bwd_numba(x, t, row_max, row_ls, g, dx, ignore_index, eps):
    n, c = x.shape
    for r in range(n):
        if t[r] == ignore_index:
            for j in range(c):
                dx[r, j] = 0
        elif t[r] < 0 or t[r] >= c:
            for j in range(c):
                dx[r, j] = np.nan
        else:
            gr = g[r]
            base = eps / c
            for j in range(c):
                dx[r, j] = gr * (np.exp((x[r, j] - row_max[r]) - row_ls[r]) - base)
            dx[r, t[r]] -= gr * (1 - eps)


# float32: the same two kernels on the vectorizing fast math (_fastmath: exp32, log32). "reassoc" lets LLVM split
# each row's sums into SIMD lanes (a different summation order, no NaN/inf assumptions); np.exp here is libm's
# scalar call, 20x slower at (256, 1000).
_FM32 = _fm.FASTMATH | {"reassoc"}
_f32 = np.float32


@njit(cache=True, nogil=True, fastmath=_FM32, error_model="numpy")
def _ce_fwd32(x, t, loss, row_max, row_ls, ignore_index, eps):
    n, c = x.shape
    cf = _f32(c)
    for r in range(n):
        m = x[r, 0]
        for j in range(1, c):
            if x[r, j] > m:
                m = x[r, j]
        s = _f32(0)
        zsum = _f32(0)
        for j in range(c):
            zj = x[r, j] - m
            s += _fm.exp_nonpos32(zj)         # (zj <= 0, or NaN)
            zsum += zj
        ls = _fm.log32(s)
        row_max[r] = m
        row_ls[r] = ls
        if t[r] == ignore_index:
            loss[r] = 0
        elif t[r] < 0 or t[r] >= c:
            loss[r] = np.nan
        else:
            loss[r] = -(_f32(1) - eps) * ((x[r, t[r]] - m) - ls) - eps / cf * (zsum - cf * ls)


@njit(cache=True, nogil=True, fastmath=_FM32, error_model="numpy")
def _ce_bwd32(x, t, row_max, row_ls, g, dx, ignore_index, eps):
    n, c = x.shape
    base = eps / _f32(c)
    for r in range(n):
        if t[r] == ignore_index:
            for j in range(c):
                dx[r, j] = 0
        elif t[r] < 0 or t[r] >= c:
            for j in range(c):
                dx[r, j] = np.nan
        else:
            gr = g[r]
            m, ls = row_max[r], row_ls[r]          # (x - m) - ls: m + ls would round ls away at m = 3e38
            for j in range(c):
                dx[r, j] = gr * (_fm.exp_nonpos32((x[r, j] - m) - ls) - base)
            dx[r, t[r]] -= gr * (_f32(1) - eps)


# -- CUDA --------------------------------------------------------------------------------------------------------
CUDA = CudaKernels("softmax_ce", KERNELS)


def forward_cuda(logits, target, ignore_index=-100, label_smoothing=0.0, kernels=CUDA):
    xp = xp_of(logits)
    x = contiguous(xp, logits)
    t = contiguous(xp, target, xp.int64)
    n, c = x.shape
    loss, m, ls = xp.empty(n, x.dtype), xp.empty(n, x.dtype), xp.empty(n, x.dtype)
    args = (x, t, loss, m, ls, np.int64(n), np.int64(c), np.int64(ignore_index),
            scalar_type(x.dtype)(label_smoothing))
    if c >= BLOCK_MIN_CLASSES:
        launch_blocks(kernels, f"softmax_ce_fwd_block<{dtype_name(x.dtype)}>", n, *args)
    else:
        launch(kernels, f"softmax_ce_fwd<{dtype_name(x.dtype)}>", n, *args)
    return loss, m, ls


def backward_cuda(logits, target, row_max, row_ls, g, ignore_index=-100, label_smoothing=0.0, kernels=CUDA):
    xp = xp_of(logits)
    x = contiguous(xp, logits)
    t = contiguous(xp, target, xp.int64)
    g = contiguous(xp, g, x.dtype)          # a 'mean' reduction hands in a broadcast view
    row_max = contiguous(xp, row_max, x.dtype)      # the kernel reads T[n]; a reference forward may differ
    row_ls = contiguous(xp, row_ls, x.dtype)
    n, c = x.shape
    dx = xp.empty_like(x)
    launch(kernels, f"softmax_ce_bwd<{dtype_name(x.dtype)}>", n * c, x, t, row_max, row_ls, g, dx,
           np.int64(n), np.int64(c), np.int64(ignore_index), scalar_type(x.dtype)(label_smoothing))
    return dx


# -- dispatch ------------------------------------------------------------------------------------------------------
#: N x C from which Numba beats the NumPy reference on the CPU: every size measured, from (4, 10) to
#: (8192, 100) (2-core CPU dev machine; BENCHMARKS.md "Fused kernels")
NUMBA_MIN_ELEMENTS = 0
#: N x C from which the Numba kernels split the rows over two threads (when no other work holds the second core,
#: _blas.crowded): at (256, 1000) float32 one forward + backward took 0.49 ms on one thread
PARALLEL_MIN_ELEMENTS = 1 << 17


def _rows(kernel, n, size, args):
    """``kernel(*args)`` whose leading ``n``-row arrays are split in two halves over two threads from
    :data:`PARALLEL_MIN_ELEMENTS` elements (the trailing scalars are shared)."""
    if size < PARALLEL_MIN_ELEMENTS or n < 2 or crowded():
        kernel(*args)
        return
    h = n // 2
    cut = [isinstance(a, np.ndarray) and a.ndim >= 1 and a.shape[0] == n for a in args]
    run_halves(kernel, [a[:h] if c else a for a, c in zip(args, cut)], [a[h:] if c else a for a, c in zip(args, cut)])


def _check(op, logits, target):
    if logits.ndim != 2 or target.shape != logits.shape[:1]:
        raise ValueError(f"{op}: expected logits (N, C) and targets (N,), got {tuple(logits.shape)} and "
                         f"{tuple(target.shape)}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{op}: targets must be integer class indices, got dtype {target.dtype}")


def _fusable(logits):
    return logits.dtype in (np.float32, np.float64) and logits.shape[1] > 0


def ce_forward(logits, target, ignore_index=-100, label_smoothing=0.0, *, impl="auto"):
    """``(loss, row_max, row_ls)``: per-row smoothed cross-entropy and the row statistics backward needs."""
    _check("ce_forward", logits, target)
    which = select("ce_forward", logits, impl, lambda: logits.size >= NUMBA_MIN_ELEMENTS and _fusable(logits))
    if which == "reference" or not _fusable(logits):
        return ce_forward_reference(logits, target, ignore_index, label_smoothing)
    if which == "numba":
        n = logits.shape[0]
        x = numba_array(logits)
        loss, m, ls = np.empty(n, x.dtype), np.empty(n, x.dtype), np.empty(n, x.dtype)
        _rows(_ce_fwd32 if x.dtype == np.float32 else _ce_fwd_numba, n, x.size,
              (x, numba_array(target, np.int64), loss, m, ls, ignore_index, scalar_type(x.dtype)(label_smoothing)))
        return loss, m, ls
    return forward_cuda(logits, target, ignore_index, label_smoothing)


def ce_backward(logits, target, row_max, row_ls, g, ignore_index=-100, label_smoothing=0.0, *, impl="auto"):
    """``dlogits`` (N, C) for the per-row upstream gradient ``g`` (N,)."""
    _check("ce_backward", logits, target)
    which = select("ce_backward", logits, impl, lambda: logits.size >= NUMBA_MIN_ELEMENTS and _fusable(logits))
    if which == "reference" or not _fusable(logits):
        return ce_backward_reference(logits, target, row_max, row_ls, g, ignore_index, label_smoothing)
    if which == "numba":
        x = numba_array(logits)
        dx = np.empty_like(x)
        _rows(_ce_bwd32 if x.dtype == np.float32 else _ce_bwd_numba, x.shape[0], x.size,
              (x, numba_array(target, np.int64), numba_array(row_max, x.dtype), numba_array(row_ls, x.dtype),
               numba_array(g, x.dtype), dx, ignore_index, scalar_type(x.dtype)(label_smoothing)))
        return dx
    return backward_cuda(logits, target, row_max, row_ls, g, ignore_index, label_smoothing)
