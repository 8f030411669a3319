"""Host arrays that start on a 64-byte boundary (a cache line; an AVX-512 register), as PyTorch's CPU
allocator gives them.

NumPy's arrays start wherever ``malloc`` puts them: glibc serves large blocks from ``mmap`` with a 16-byte
header, so every big NumPy array starts 16 bytes past a cache line. With two BLAS threads, an output that
starts mid-line makes the threads' tiles share cache lines at their borders; BENCHMARKS.md ("Alignment")
has what was measured. The flat optimizer buffers and the arrays the fused kernels and the Linear layer
write come from here.

    >>> import numpy as np
    >>> a = empty((3, 5), np.float32)
    >>> a.ctypes.data % ALIGN, a.shape, a.flags.c_contiguous
    (0, (3, 5), True)
"""
from __future__ import annotations

import numpy as np

ALIGN = 64


def empty(shape, dtype=np.float32):
    """An uninitialised C-contiguous NumPy array of ``shape`` and ``dtype`` whose data starts on a 64-byte
    boundary (``a.ctypes.data % 64 == 0``). Its ``.base`` is the larger byte buffer it was cut from.

    >>> empty(4).ctypes.data % 64
    0
    """
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    n = 1
    for s in shape:
        n *= s
    nbytes = n * dtype.itemsize
    raw = np.empty(nbytes + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def full(shape, fill, dtype=np.float32):
    """:func:`empty` filled with ``fill``.

    >>> full(3, 1.5).tolist()
    [1.5, 1.5, 1.5]
    """
    a = empty(shape, dtype)
    a.fill(fill)
    return a


def empty_like(x):
    """:func:`empty` with ``x``'s shape and dtype (C order).

    >>> empty_like(np.ones((2, 3), np.float64)).shape
    (2, 3)
    """
    return empty(x.shape, x.dtype)


def pad_to(n, itemsize):
    """``n`` elements of ``itemsize`` bytes rounded up so that the next element starts a 64-byte line
    (offsets in a flat buffer that starts on one).

    >>> pad_to(10, 4), pad_to(16, 4), pad_to(3, 8)
    (16, 16, 8)
    """
    per = max(ALIGN // itemsize, 1)
    return -(-n // per) * per
