"""Adaptive pooling (the window sizes chosen for a requested output size) and max unpooling, as
``torch.nn.functional``'s.

PyTorch's adaptive window i along a dim of size L pooled to O covers ``[floor(i L / O), ceil((i + 1) L / O))``.
Adaptive max pooling reuses max pooling's argmax and recorded Gather (pooling.py) on these windows, padded to
the longest one and masked. Adaptive average pooling sums each dim's windows with one recorded matmul by a 0/1
window matrix (exact sums; the windows of a box factor by dims) and divides once by the product of the window
lengths, as PyTorch divides each window's sum by its size. Max unpooling is one recorded ``scatter`` of the
values into zeros at the indices max pooling returned.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..tensor import Tensor
from ._util import shape_str
from .pooling import batched, check_dtype, gather_max, ntuple, unbatched, window_positions
from .scatter import scatter

_INTEGERS = (int, np.integer)


def _output_size(op, x, n, output_size):
    """The requested output size as n ints (None: the input's size there), with PyTorch's checks."""
    if not isinstance(output_size, _INTEGERS):
        output_size = tuple(output_size)
        if isinstance(x, Tensor) and x.ndim <= len(output_size):
            raise ValueError(f"{op}: Input dimension should be at least {len(output_size) + 1}, got input of "
                             f"shape {shape_str(x.shape)}")
        if len(output_size) != n and len(output_size) != 1:
            raise RuntimeError(f"{op}: output_size must be {n} ints, got {output_size}")
        output_size = tuple(x.shape[i - n] if o is None else o for i, o in
                            enumerate(output_size * (n if len(output_size) == 1 else 1)))
    o = ntuple(op, output_size, n, "output_size")
    if builtins.any(a < 0 for a in o):
        raise RuntimeError(f"{op}: output_size must be non-negative, got {o}")
    return o


def _windows(size, o):
    """Starts and ends of PyTorch's adaptive windows of a dim of ``size`` pooled to ``o`` (host arrays)."""
    i = np.arange(o, dtype=np.int64)
    return (i * size) // o, -((-(i + 1) * size) // o)


def _adaptive_max(op, n, input, output_size, return_indices):
    o = _output_size(op, input, n, output_size)
    x, batchless = batched(op, input, n)
    check_dtype(op, x)
    starts, lengths = [], []
    for size, oi in zip(x.shape[-n:], o):
        st, en = _windows(size, oi)
        starts.append(st)
        lengths.append(en - st)
    spans = [int(ln.max()) if ln.size else 1 for ln in lengths]
    coords, inside = window_positions(n, starts, lengths, spans)
    return gather_max(x, n, coords, inside, o, batchless, return_indices)


def _adaptive_avg(op, n, input, output_size):
    o = _output_size(op, input, n, output_size)
    x, batchless = batched(op, input, n)
    check_dtype(op, x)
    xp = x.xp
    count = np.ones((), np.float64)
    y = x
    for dim, (size, oi) in enumerate(zip(x.shape[-n:], o)):
        st, en = _windows(size, oi)
        j = np.arange(size)
        ind = ((j[None, :] >= st[:, None]) & (j[None, :] < en[:, None])).T      # (size, o): a 0/1 matrix
        m = Tensor._make(xp.asarray(ind.astype(x.dtype)), None)
        axis = dim - n
        y = (y.movedim(axis, -1) @ m).movedim(-1, axis) if axis != -1 else y @ m
        count = count[..., None] * (en - st) if dim else (en - st).astype(np.float64)
    y = y / Tensor._make(xp.asarray(count.astype(x.dtype)), None)
    return unbatched(y, batchless)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of ``(N, C, L)`` or ``(C, L)`` input to ``output_size`` windows, sized as PyTorch sizes
    them (``torch.nn.functional.adaptive_avg_pool1d``).

    Args:
        input: the input tensor.
        output_size: the output length.

    Returns:
        The pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.adaptive_avg_pool1d(gg.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]]), 2)
    tensor([[2., 4.]])
    """
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling of ``(N, C, H, W)`` or ``(C, H, W)`` input to ``output_size``
    (``torch.nn.functional.adaptive_avg_pool2d``).

    Args:
        input: the input tensor.
        output_size: the output size (an int or 2 ints; None keeps the input's size in that dim).

    Returns:
        The pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.adaptive_avg_pool2d(gg.arange(16.0).reshape(1, 4, 4), 1)
    tensor([[[7.5000]]])
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input to ``output_size``
    (``torch.nn.functional.adaptive_avg_pool3d``).

    Args:
        input: the input tensor.
        output_size: the output size (an int or 3 ints; None keeps the input's size in that dim).

    Returns:
        The pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.adaptive_avg_pool3d(gg.ones(1, 2, 2, 2), (1, None, 1)).shape
    gpugrad.Size([1, 1, 2, 1])
    """
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, L)`` or ``(C, L)`` input to ``output_size`` windows
    (``torch.nn.functional.adaptive_max_pool1d``, its indices and tie-breaking).

    Args:
        input: the input tensor.
        output_size: the output length.
        return_indices: also return the maxima's indices.

    Returns:
        The pooled tensor, or ``(pooled, indices)``.

    >>> import gpugrad as gg
    >>> gg.nn.functional.adaptive_max_pool1d(gg.tensor([[1.0, 5.0, 3.0, 4.0, 2.0]]), 2, return_indices=True)
    (tensor([[5., 4.]]), tensor([[1, 3]]))
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, H, W)`` or ``(C, H, W)`` input to ``output_size``
    (``torch.nn.functional.adaptive_max_pool2d``).

    Args:
        input: the input tensor.
        output_size: the output size (an int or 2 ints; None keeps the input's size in that dim).
        return_indices: also return the maxima's flat indices in their planes.

    Returns:
        The pooled tensor, or ``(pooled, indices)``.

    >>> import gpugrad as gg
    >>> gg.nn.functional.adaptive_max_pool2d(gg.arange(16.0).reshape(1, 4, 4), 1)
    tensor([[[15.]]])
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input to ``output_size``
    (``torch.nn.functional.adaptive_max_pool3d``).

    Args:
        input: the input tensor.
        output_size: the output size (an int or 3 ints; None keeps the input's size in that dim).
        return_indices: also return the maxima's flat indices in their volumes.

    Returns:
        The pooled tensor, or ``(pooled, indices)``.

    >>> import gpugrad as gg
    >>> gg.nn.functional.adaptive_max_pool3d(gg.arange(8.0).reshape(1, 2, 2, 2), 1)
    tensor([[[[7.]]]])
    """
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def _with_indices(fn):
    def f(input, output_size, return_indices=False):
        return fn(input, output_size, True)
    f.__name__ = f.__qualname__ = fn.__name__ + "_with_indices"
    f.__doc__ = f"""``{fn.__name__}`` returning ``(pooled, indices)`` (PyTorch's ``{f.__name__}``).

    Args:
        input: the input tensor.
        output_size: the output size.
        return_indices: ignored (always True).

    Returns:
        ``(pooled, indices)``.

    >>> import gpugrad as gg
    >>> gg.nn.functional.{f.__name__}(gg.ones(1, {", ".join(["2"] * int(fn.__name__[-2]))}), 1)[1].sum().item()
    0
    """
    return f


adaptive_max_pool1d_with_indices = _with_indices(adaptive_max_pool1d)
adaptive_max_pool2d_with_indices = _with_indices(adaptive_max_pool2d)
adaptive_max_pool3d_with_indices = _with_indices(adaptive_max_pool3d)


# -- max unpooling --------------------------------------------------------------------------------------------------
def _unpool_size(op, x, k, s, p, output_size):
    """PyTorch's _unpool_output_size: the default size, or a requested one within a stride of it."""
    n = len(k)
    default = [(x.shape[-n + d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(n)]
    if output_size is None:
        ret = default
    else:
        output_size = list(output_size)
        if len(output_size) == n + 2:
            output_size = output_size[2:]
        if len(output_size) != n:
            raise ValueError(f"{op}: output_size should be a sequence containing {n} or {n + 2} elements, but it "
                             f"has a length of '{len(output_size)}'")
        for d in range(n):
            lo, hi = default[d] - s[d], default[d] + s[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'{op}: invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
        ret = output_size
    if builtins.any(r < 0 for r in ret):
        raise ValueError(f"{op}: output_size must contain non-negative spatial dimensions, got {ret}")
    return tuple(int(r) for r in ret)


def _max_unpool(op, n, input, indices, kernel_size, stride, padding, output_size):
    k = ntuple(op, kernel_size, n, "kernel_size")
    s = k if stride is None else ntuple(op, stride, n, "stride")
    p = ntuple(op, padding, n, "padding")
    size = _unpool_size(op, input, k, s, p, output_size)
    x, batchless = batched(op, input, n)
    if not isinstance(indices, Tensor) or indices.dtype != np.int64:
        raise RuntimeError(f"{op}: expected indices to be an int64 tensor, got "
                           f"{indices.dtype if isinstance(indices, Tensor) else type(indices).__name__}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}: Expected shape of indices to be same as that of the input tensor "
                           f"({shape_str(input.shape)}) but got indices tensor with shape: {shape_str(indices.shape)}")
    total = int(np.prod(size))
    idx = indices.reshape(tuple(x.shape[:2]) + (-1,))
    a = idx._data
    if type(a) is np.ndarray and a.size and (a.min() < 0 or a.max() >= total):   # a host check on the CPU only
        bad = int(a.max() if a.max() >= total else a.min())
        raise RuntimeError(f"{op}: Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, size))})")
    out = Tensor._make(x.xp.zeros(tuple(x.shape[:2]) + (total,), x.dtype), None)
    y = scatter(out, 2, idx, x.reshape(tuple(x.shape[:2]) + (-1,)))
    return unbatched(y.reshape(tuple(x.shape[:2]) + size), batchless)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d: each value written at its index in a zero tensor
    (``torch.nn.functional.max_unpool1d``).

    Args:
        input: pooled ``(N, C, L)`` or ``(C, L)`` values.
        indices: the indices max_pool1d returned.
        kernel_size: the pooling's kernel size.
        stride: the pooling's stride (default: ``kernel_size``).
        padding: the pooling's padding.
        output_size: the size to restore (default: from the other arguments).

    Returns:
        The unpooled tensor.

    >>> import gpugrad as gg
    >>> F = gg.nn.functional
    >>> y, i = F.max_pool1d(gg.tensor([[1.0, 3.0, 2.0, 0.0]]), 2, return_indices=True)
    >>> F.max_unpool1d(y, i, 2)
    tensor([[0., 3., 2., 0.]])
    """
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d: each value written at its flat index in a zero tensor
    (``torch.nn.functional.max_unpool2d``).

    Args:
        input: pooled ``(N, C, H, W)`` or ``(C, H, W)`` values.
        indices: the indices max_pool2d returned.
        kernel_size: the pooling's kernel size.
        stride: the pooling's stride (default: ``kernel_size``).
        padding: the pooling's padding.
        output_size: the size to restore (default: from the other arguments).

    Returns:
        The unpooled tensor.

    >>> import gpugrad as gg
    >>> F = gg.nn.functional
    >>> y, i = F.max_pool2d(gg.arange(4.0).reshape(1, 2, 2), 2, return_indices=True)
    >>> F.max_unpool2d(y, i, 2)
    tensor([[[0., 0.],
             [0., 3.]]])
    """
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool3d: each value written at its flat index in a zero tensor
    (``torch.nn.functional.max_unpool3d``).

    Args:
        input: pooled ``(N, C, D, H, W)`` or ``(C, D, H, W)`` values.
        indices: the indices max_pool3d returned.
        kernel_size: the pooling's kernel size.
        stride: the pooling's stride (default: ``kernel_size``).
        padding: the pooling's padding.
        output_size: the size to restore (default: from the other arguments).

    Returns:
        The unpooled tensor.

    >>> import gpugrad as gg
    >>> F = gg.nn.functional
    >>> y, i = F.max_pool3d(gg.arange(8.0).reshape(1, 2, 2, 2), 2, return_indices=True)
    >>> F.max_unpool3d(y, i, 2).sum().item()
    7.0
    """
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
