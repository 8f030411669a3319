"""NVTX ranges and marks for profilers (Nsight Systems), as ``torch.cuda.nvtx``; importable as
``gpugrad.cuda.nvtx``. They go through CuPy's NVTX bindings; without them (no GPU, or a CuPy built without
NVTX) each call raises a RuntimeError, as PyTorch's CPU builds do.

>>> import gpugrad as gg
>>> gg.cuda.nvtx is __import__("gpugrad.cuda_nvtx").cuda_nvtx
True
"""
from __future__ import annotations

import contextlib

from .backend import cupy_or_none

__all__ = ["range_push", "range_pop", "mark", "range"]


def _nv(op):
    cp = cupy_or_none()
    nv = getattr(getattr(cp, "cuda", None), "nvtx", None) if cp is not None else None
    if nv is None or not getattr(nv, "available", True):
        raise RuntimeError(f"gpugrad.cuda.nvtx.{op}: NVTX functions not installed (needs CuPy with NVTX on a "
                           f"CUDA machine)")
    return nv


def range_push(msg):
    """Open a named range in the profiler's timeline.

    Args:
        msg: the range's name.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     gg.cuda.nvtx.range_push("step"); gg.cuda.nvtx.range_pop()
    """
    _nv("range_push").RangePush(str(msg))


def range_pop():
    """Close the range opened last.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     gg.cuda.nvtx.range_push("step"); gg.cuda.nvtx.range_pop()
    """
    _nv("range_pop").RangePop()


def mark(msg):
    """An instant event in the profiler's timeline.

    Args:
        msg: the event's name.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     gg.cuda.nvtx.mark("checkpoint")
    """
    _nv("mark").Mark(str(msg))


@contextlib.contextmanager
def range(msg, *args, **kwargs):
    """``with nvtx.range("step {}", i):`` a range around the block.

    Args:
        msg: the range's name, a ``str.format`` pattern.
        *args: its positional fields.
        **kwargs: its named fields.

    Returns:
        A context manager.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     with gg.cuda.nvtx.range("step {}", 1):
    ...         pass
    """
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()
