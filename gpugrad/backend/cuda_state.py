"""Process-wide CUDA settings that CuPy keeps: the float32 matmul math mode (TF32) and memory statistics.

Both are applied once CuPy has answered (see :func:`gpugrad.backend.cupy_or_none`), and again whenever the
user changes them.

TF32. cuBLAS can run float32 GEMMs on tensor cores with TF32 inputs (10-bit mantissa: relative rounding
~5e-4 instead of ~6e-8), several times faster on Ampere and later GPUs. CuPy decides per dtype through
``cupy._core._routines_linalg.set_compute_type(dtype, COMPUTE_TYPE_TF32 | COMPUTE_TYPE_DEFAULT)``; if
nobody sets it, CuPy reads the ``CUPY_TF32`` environment variable at the first float32 matmul and caches the
answer. gpugrad sets it explicitly, so :func:`matmul_tf32` (``gpugrad.backends.cuda.matmul.allow_tf32``)
is what holds: off by default (so float32 results and gradients agree with the CPU to float32 rounding),
on from the start only if ``CUPY_TF32=1`` is in the environment. It is one setting for the whole process,
as CuPy keeps it (PyTorch's flag is global too). On GPUs older than compute capability 8.0 CuPy warns and
keeps the default math. ``NVIDIA_TF32_OVERRIDE=0`` in the environment forbids TF32 in cuBLAS whatever is
set here.

Peak memory. CuPy's pool reports the bytes in use now (``used_bytes``) and held (``total_bytes``), but keeps
no high-water mark. :class:`_PeakHook` (a ``cupy.cuda.MemoryHook``) sees every pool malloc and free and keeps
the in-use bytes and their maximum per device. CuPy's hooks are per thread: allocations made by other
threads (a data-loading thread that builds CUDA arrays) are not counted.
"""
from __future__ import annotations

import os

_ready = []                 # [cupy] once CUDA answered


def _apply_tf32(cp, on: bool):
    import importlib
    lin = importlib.import_module("cupy._core._routines_linalg")
    mode = lin.COMPUTE_TYPE_TF32 if on else lin.COMPUTE_TYPE_DEFAULT
    lin.set_compute_type(cp.float32, mode)
    lin.set_compute_type(cp.complex64, mode)


#: [bool] float32 (and complex64) matmul on TF32 tensor cores; see the module docstring
_tf32 = [int(os.environ.get("CUPY_TF32", "0") or 0) > 0]


def matmul_tf32() -> bool:
    return _tf32[0]


def set_matmul_tf32(on: bool) -> None:
    _tf32[0] = bool(on)
    if _ready:
        _apply_tf32(_ready[0], _tf32[0])


# -- peak memory --------------------------------------------------------------------------------------------
_hook = []


def _make_hook(cp):
    class _PeakHook(cp.cuda.MemoryHook):
        """In-use bytes of the pool per device and their maximum since the last reset."""
        name = "gpugrad_peak_memory"

        def __init__(self):
            self.live = {}           # pointer -> (device, rounded size)
            self.used = {}           # device -> bytes in use
            self.peak = {}           # device -> high-water mark

        def malloc_postprocess(self, device_id, size, mem_size, mem_ptr, pmem_id):
            # CuPy calls the hooks with keyword arguments; mem_ptr is 0 when the allocation failed
            if not mem_ptr:
                return
            self.live[mem_ptr] = (device_id, mem_size)
            u = self.used[device_id] = self.used.get(device_id, 0) + mem_size
            if u > self.peak.get(device_id, 0):
                self.peak[device_id] = u

        def free_postprocess(self, device_id, mem_size, mem_ptr, pmem_id):
            rec = self.live.pop(mem_ptr, None)
            if rec is not None:      # freed blocks allocated before the hook was installed are ignored
                self.used[rec[0]] -= rec[1]

    return _PeakHook()


def peak_hook():
    """The installed peak-memory hook, or None before CUDA answered."""
    return _hook[0] if _hook else None


def on_cuda_ready(cp) -> None:
    """Called once, when CuPy imported and a device answered."""
    _ready.append(cp)
    _apply_tf32(cp, _tf32[0])
    hook = _make_hook(cp)
    hook.__enter__()                 # installed for this (the main) thread for the life of the process
    _hook.append(hook)
