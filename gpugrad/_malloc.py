"""The C heap's policy for the large arrays of a training step (Linux, glibc).

A training step allocates and frees the same large arrays every time: activations, matmul outputs, gradients
(a (512, 784) float32 weight gradient is 1.6 MB). glibc serves an allocation above ``M_MMAP_THRESHOLD``
(128 KiB at first, raised as such blocks are freed) with a fresh ``mmap`` and gives the top of the heap back
to the OS once more than ``M_TRIM_THRESHOLD`` is free there. Either way the next step writes into pages the
kernel must fault in and zero again. On the project's 2-core dev machine that cost more than the arithmetic:
the (512, 784) weight-gradient matmul of an MLP step at batch 32 took 0.65-1.0 ms inside the step and
0.22-0.26 ms writing into memory used before, and with these thresholds the ReLU MLP's backward at batch 128
went from 4.9-6.0 ms to 3.0-3.7 ms (three alternating runs each, other work on the machine).

So at import gpugrad keeps the heap: blocks up to 32 MiB come from the heap (glibc's ceiling for this
setting) and the heap is trimmed only when more than 256 MiB is free at its top. The cost is that up to that
much freed memory stays with the process instead of going back to the OS. Nothing changes when the user has
set glibc's own knobs (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, ``GLIBC_TUNABLES``), with
``GPUGRAD_MALLOC_TUNE=0``, or away from glibc.

    >>> isinstance(tune(), bool)
    True
"""
from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1          # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20      # glibc refuses more (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit)
TRIM_THRESHOLD = 256 << 20

_USER_KNOBS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES")


def tune() -> bool:
    """Set glibc's heap thresholds as the module docstring says, unless the user has chosen (then, or on
    another C library, do nothing).

    Returns:
        Whether the thresholds were set.

    >>> import gpugrad._malloc as m
    >>> m.tune() in (True, False)
    True
    """
    if not sys.platform.startswith("linux") or os.environ.get("GPUGRAD_MALLOC_TUNE", "1").strip() == "0":
        return False
    if any(k in os.environ for k in _USER_KNOBS):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version          # glibc only: musl's mallopt does nothing useful
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


TUNED = tune()
