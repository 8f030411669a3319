"""Two halves of a CPU kernel's work on two threads: the caller's and one long-lived pool worker. The Numba
kernels that use it are plain ``nogil=True`` functions (each loop compiled once, not a ``parallel=True`` copy),
so both halves run at once; Numba's workqueue layer may not be entered from two threads at once. A handoff
costs about as much as waking Numba's pool: an empty kernel took 39 us median (p90 56) through
:func:`run_halves` and a tiny ``prange`` loop 51 us (p90 71) on the project's idle 2-core AVX2 machine; more
when the machine is busy.

    >>> import numpy as np
    >>> out = np.zeros(6)
    >>> def fill(o, v):
    ...     o[:] = v
    >>> run_halves(fill, (out[:3], 1.0), (out[3:], 2.0))
    >>> out.tolist()
    [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    >>> def check(v):
    ...     if v:
    ...         raise ValueError(f"bad half {v}")
    >>> run_halves(check, (0,), (2,))           # the worker's exception reaches the caller
    Traceback (most recent call last):
    ...
    ValueError: bad half 2
    >>> run_halves(check, (1,), (2,))           # both fail: the caller's own first
    Traceback (most recent call last):
    ...
    ValueError: bad half 1
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

_POOL = []


def pool():
    """The one-worker pool that runs second halves (started on first use)."""
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(1, thread_name_prefix="gpugrad-half"))
    return _POOL[0]


def run_halves(kernel, first, second):
    """``kernel(*second)`` on the pool's worker while ``kernel(*first)`` runs here; returns when both are done.
    An exception of the first half is raised here (after the second half has finished), else the second's."""
    job = pool().submit(kernel, *second)
    try:
        kernel(*first)
    finally:
        err = job.exception()                    # (waits for the worker)
    if err is not None:
        raise err
