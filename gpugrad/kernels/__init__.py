"""Fused kernels: one dispatch point choosing, per call, the reference (plain ``xp``), the Numba CPU kernel or
the CUDA kernel.

Each family has one stem everywhere -- ``kernels/<stem>.cu`` (CUDA C++), ``gpugrad/kernels/<stem>.py``
(the reference, which is the specification and the tests' oracle; the Numba twin; the CuPy wrapper):

- ``activation``: relu, leaky_relu, elu, gelu (exact and tanh), silu, tanh, sigmoid, softplus; forward with
  an optional fused bias add, backward in one pass (:func:`activation.act_forward`, :func:`activation.act_backward`)
- ``softmax_ce``: softmax + cross-entropy from class indices with ignore_index and label smoothing
- ``optim``: in-place SGD / Adam(W) / RMSprop / Adagrad steps over flat buffers, and ``fill_``/``zero_``

Every public kernel function takes ``impl="auto" | "reference" | "numba" | "cuda"``. ``"auto"`` picks CUDA for
CuPy arrays and, for NumPy arrays, Numba where it was measured to beat NumPy (BENCHMARKS.md), unless fused
kernels are switched off -- like PyTorch's ``fused=``/``foreach=`` flags, to force the reference path::

    >>> import numpy as np, gpugrad.kernels as K
    >>> from gpugrad.kernels import activation
    >>> with K.use_fused(False):
    ...     y, saved = activation.act_forward(np.array([-1.0, 2.0], dtype=np.float32), "relu")
    >>> y.tolist()
    [0.0, 2.0]

``GPUGRAD_FUSED=0`` in the environment switches them off for the whole process.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np

IMPLS = ("auto", "reference", "numba", "cuda")
_fused = [os.environ.get("GPUGRAD_FUSED", "1").strip().lower() not in ("0", "false", "no", "off")]


def set_fused(enabled: bool) -> None:
    """Use fused kernels where ``impl="auto"`` (the default), or always the reference."""
    _fused[0] = bool(enabled)


def fused_enabled() -> bool:
    return _fused[0]


@contextmanager
def use_fused(enabled: bool = True):
    """Context manager form of :func:`set_fused`."""
    prev = _fused[0]
    _fused[0] = bool(enabled)
    try:
        yield
    finally:
        _fused[0] = prev


def select(op: str, x, impl: str, numba_ok) -> str:
    """The implementation to run ``op`` with on array ``x``: ``impl`` checked against the array's module, or
    for ``"auto"`` CUDA on CuPy arrays, ``numba_ok()`` deciding on NumPy arrays (a callable, so the auto path
    costs nothing when fused kernels are off)."""
    cpu = isinstance(x, (np.ndarray, np.generic))      # 0-d NumPy results are often scalars
    if impl == "auto":
        if not _fused[0]:
            return "reference"
        if cpu:
            return "numba" if numba_ok() else "reference"
        if getattr(type(x), "is_strict", False):   # the strict test device (gpugrad.backend.strict): no GPU
            return "reference"
        return "cuda"
    if impl == "reference":
        return impl
    if impl == "numba":
        if not cpu:
            raise ValueError(f"{op}: impl='numba' runs on NumPy (CPU) arrays, got {type(x).__module__}."
                             f"{type(x).__name__}")
        return impl
    if impl == "cuda":
        if cpu:
            raise ValueError(f"{op}: impl='cuda' needs CuPy (GPU) arrays, got a NumPy array; move the data to "
                             "a CUDA device or use impl='auto'")
        return impl
    raise ValueError(f"{op}: impl must be one of {IMPLS}, got {impl!r}")


def __getattr__(name):
    if name in ("activation", "softmax_ce", "optim"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'gpugrad.kernels' has no attribute {name!r}")


FAMILIES = ("activation", "softmax_ce", "optim")


def all_kernels():
    """``{stem: [name expressions]}``: the explicit kernel list of every ``.cu`` family."""
    import importlib
    return {s: list(importlib.import_module(f".{s}", __name__).KERNELS) for s in FAMILIES}
