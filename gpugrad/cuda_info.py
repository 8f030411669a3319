"""What a CUDA device is and holds, beyond :mod:`gpugrad.cuda`'s basics: ``get_device_properties``,
``mem_get_info``, ``memory_stats`` / ``memory_summary``, ``is_bf16_supported``, ``get_arch_list``, the CUDA
seeds, NVTX ranges and ``OutOfMemoryError`` -- as ``torch.cuda``'s functions of the same names, on CuPy.

Without CUDA they answer as PyTorch's CPU builds do: ``is_bf16_supported()`` is False, ``get_arch_list()``
and ``memory_stats()`` are empty, ``max_memory_reserved()`` is 0, and the queries that need a device raise a
RuntimeError naming the call.

>>> import gpugrad as gg
>>> gg.cuda.is_bf16_supported() in (True, False), isinstance(gg.cuda.get_arch_list(), list)
(True, True)
"""
from __future__ import annotations

import sys
import warnings

from .backend import cupy_or_none
from .cuda_streams import _cupy, _ordinal

__all__ = ["get_device_properties", "mem_get_info", "memory_stats", "memory_summary", "max_memory_reserved",
           "memory_cached", "max_memory_cached", "reset_max_memory_allocated", "reset_max_memory_cached",
           "is_bf16_supported", "is_tf32_supported", "get_arch_list", "get_gencode_flags", "is_initialized",
           "init", "ipc_collect", "initial_seed", "seed", "seed_all", "can_device_access_peer",
           "out_of_memory_error", "nvtx"]


class _OutOfMemoryError(RuntimeError):
    """An allocation found no memory left (PyTorch's ``torch.OutOfMemoryError``)."""


def out_of_memory_error():
    """The class of the error a GPU allocation raises when the device is full, for ``except
    gpugrad.OutOfMemoryError`` (also ``gpugrad.cuda.OutOfMemoryError``): CuPy's own
    ``cupy.cuda.memory.OutOfMemoryError`` where CuPy has a GPU -- the error gpugrad's GPU ops raise, which is a
    MemoryError, not a RuntimeError as PyTorch's is -- and otherwise a RuntimeError subclass of that name.

    Returns:
        An exception class.

    >>> import gpugrad as gg
    >>> issubclass(gg.OutOfMemoryError, Exception) and gg.OutOfMemoryError.__name__
    'OutOfMemoryError'
    """
    cp = cupy_or_none()
    return _OutOfMemoryError if cp is None else cp.cuda.memory.OutOfMemoryError


_OutOfMemoryError.__name__ = _OutOfMemoryError.__qualname__ = "OutOfMemoryError"
_OutOfMemoryError.__module__ = "gpugrad"


class _DeviceProperties:
    """``get_device_properties``' answer: PyTorch's ``_CudaDeviceProperties`` fields, read once."""

    _FIELDS = (("name", "name", ""), ("major", "major", 0), ("minor", "minor", 0),
               ("total_memory", "totalGlobalMem", 0), ("multi_processor_count", "multiProcessorCount", 0),
               ("is_integrated", "integrated", 0), ("is_multi_gpu_board", "isMultiGpuBoard", 0),
               ("max_threads_per_multi_processor", "maxThreadsPerMultiProcessor", 0),
               ("warp_size", "warpSize", 32), ("L2_cache_size", "l2CacheSize", 0),
               ("shared_memory_per_block", "sharedMemPerBlock", 0),
               ("shared_memory_per_block_optin", "sharedMemPerBlockOptin", 0),
               ("shared_memory_per_multiprocessor", "sharedMemPerMultiprocessor", 0),
               ("regs_per_multiprocessor", "regsPerMultiprocessor", 0), ("clock_rate", "clockRate", 0),
               ("memory_clock_rate", "memoryClockRate", 0), ("memory_bus_width", "memoryBusWidth", 0),
               ("pci_bus_id", "pciBusID", 0), ("pci_device_id", "pciDeviceID", 0),
               ("pci_domain_id", "pciDomainID", 0), ("uuid", "uuid", b""))

    def __init__(self, props):
        for ours, theirs, default in self._FIELDS:
            v = props.get(theirs, default)
            if ours == "name":
                v = v.decode(errors="replace").rstrip("\0") if isinstance(v, bytes) else str(v)
            elif ours == "uuid":
                v = _uuid_str(v)
            elif ours.startswith("is_"):
                v = bool(v)
            setattr(self, ours, v)

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count}, uuid={self.uuid}, "
                f"L2_cache_size={self.L2_cache_size // (1024 * 1024)}MB)")


def _uuid_str(raw):
    """The device UUID as PyTorch prints it (8-4-4-4-12 hex digits), from CuPy's 16 bytes."""
    if isinstance(raw, str):
        return raw
    h = bytes(raw).hex()
    return "-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:32])) if len(h) == 32 else h


def get_device_properties(device=None):
    """The properties of a CUDA device: ``name``, ``major``/``minor`` (compute capability), ``total_memory``
    (bytes), ``multi_processor_count``, ``L2_cache_size``, ``warp_size``, ``uuid``... as PyTorch's.

    Args:
        device: an index, ``'cuda[:N]'`` or a Device (default: the current one).

    Returns:
        An object with those attributes.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     assert gg.cuda.get_device_properties(0).total_memory > 0
    """
    cp = _cupy("get_device_properties")
    return _DeviceProperties(cp.cuda.runtime.getDeviceProperties(_ordinal("get_device_properties", cp, device)))


def mem_get_info(device=None):
    """The device's free and total memory, from the driver (other processes' use included).

    Args:
        device: an index, ``'cuda[:N]'`` or a Device (default: the current one).

    Returns:
        ``(free, total)`` in bytes.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     free, total = gg.cuda.mem_get_info()
    ...     assert 0 <= free <= total
    """
    cp = _cupy("mem_get_info")
    with cp.cuda.Device(_ordinal("mem_get_info", cp, device)):
        free, total = cp.cuda.runtime.memGetInfo()
    return int(free), int(total)


def memory_stats(device=None):
    """PyTorch's allocator statistics, for what CuPy's pool can tell: ``allocated_bytes.all.current`` /
    ``.peak``, ``reserved_bytes.all.current`` / ``.peak`` (the peak of reserved is the current value:
    CuPy keeps no such mark), ``active_bytes.all.current``.

    Args:
        device: an index, ``'cuda[:N]'`` or a Device (default: the current one).

    Returns:
        A dict (empty without CUDA, as PyTorch's).

    >>> import gpugrad as gg
    >>> stats = gg.cuda.memory_stats()
    >>> stats == {} or stats["allocated_bytes.all.current"] >= 0
    True
    """
    from . import cuda
    if cupy_or_none() is None:
        return {}
    used, reserved = cuda.memory_allocated(device), cuda.memory_reserved(device)
    return {"allocated_bytes.all.current": used, "allocated_bytes.all.peak": cuda.max_memory_allocated(device),
            "active_bytes.all.current": used, "reserved_bytes.all.current": reserved,
            "reserved_bytes.all.peak": reserved}


def memory_summary(device=None, abbreviated=False):
    """A printable table of :func:`memory_stats` (PyTorch's is longer: CuPy's pool tracks less).

    Args:
        device: the device (default: the current one).
        abbreviated: accepted for PyTorch's sake.

    Returns:
        A str (a RuntimeError without CUDA).

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     assert "Allocated memory" in gg.cuda.memory_summary()
    """
    stats = memory_stats(device)
    if not stats:
        raise RuntimeError("gpugrad.cuda.memory_summary: CUDA is not available (CuPy is not installed or no GPU "
                           "answered)")

    def mb(v):
        return f"{v / 2**20:12.1f} MiB"
    rows = [("Allocated memory", stats["allocated_bytes.all.current"], stats["allocated_bytes.all.peak"]),
            ("Reserved memory (pool)", stats["reserved_bytes.all.current"], stats["reserved_bytes.all.peak"])]
    lines = [f"gpugrad CUDA memory summary, device {_ordinal('memory_summary', cupy_or_none(), device)}",
             f"{'':28s}{'current':>16s}{'peak':>16s}"]
    lines += [f"{name:28s}{mb(cur):>16s}{mb(peak):>16s}" for name, cur, peak in rows]
    return "\n".join(lines) + "\n"


def max_memory_reserved(device=None) -> int:
    """The pool's reserved bytes: CuPy keeps no high-water mark of them, so this is the current
    :func:`gpugrad.cuda.memory_reserved` (which never exceeds the peak PyTorch would report).

    Args:
        device: an index, ``'cuda[:N]'`` or a Device (default: the current one).

    Returns:
        Bytes, an int (0 without CUDA).

    >>> import gpugrad as gg
    >>> gg.cuda.max_memory_reserved() >= 0
    True
    """
    from . import cuda
    return cuda.memory_reserved(device)


def _deprecated(old, new, message, target):
    """PyTorch's deprecated ``torch.cuda.<old>``: a FutureWarning with PyTorch's ``message``, then ``target``."""
    def fn(device=None):
        warnings.warn(message, FutureWarning, stacklevel=2)
        return target(device)
    shows = "gg.cuda.{}(){}".format(old, "" if old.startswith("reset") else " >= 0")
    fn.__name__ = fn.__qualname__ = old
    fn.__doc__ = f"""Deprecated name of {new} (a FutureWarning, as PyTorch's).

    Args:
        device: an index, ``'cuda[:N]'`` or a Device (default: the current one).

    Returns:
        {"None" if old.startswith("reset") else "Bytes, an int"}.

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     {shows}{"" if old.startswith("reset") else chr(10) + "    True"}
    """
    return fn


def _reserved(device):
    from . import cuda
    return cuda.memory_reserved(device)


def _reset_peak(device):
    from . import cuda
    return cuda.reset_peak_memory_stats(device)


_RESET = "torch.cuda.{} now calls torch.cuda.reset_peak_memory_stats, which resets /all/ peak memory stats."
memory_cached = _deprecated("memory_cached", ":func:`gpugrad.cuda.memory_reserved`",
                            "torch.cuda.memory_cached has been renamed to torch.cuda.memory_reserved", _reserved)
max_memory_cached = _deprecated("max_memory_cached", ":func:`max_memory_reserved`",
                                "torch.cuda.max_memory_cached has been renamed to torch.cuda.max_memory_reserved",
                                max_memory_reserved)
reset_max_memory_allocated = _deprecated("reset_max_memory_allocated", ":func:`gpugrad.cuda.reset_peak_memory_stats`",
                                         _RESET.format("reset_max_memory_allocated"), _reset_peak)
reset_max_memory_cached = _deprecated("reset_max_memory_cached", ":func:`gpugrad.cuda.reset_peak_memory_stats`",
                                      _RESET.format("reset_max_memory_cached"), _reset_peak)


def is_bf16_supported(including_emulation=True) -> bool:
    """Whether the current device computes in bfloat16 natively (compute capability 8.0 or newer); with
    ``including_emulation``, any CUDA device (the arithmetic is emulated in float32).

    Args:
        including_emulation: count emulated bfloat16 too.

    Returns:
        A bool (False without CUDA).

    >>> import gpugrad as gg
    >>> gg.cuda.is_bf16_supported() == gg.cuda.is_available()
    True
    """
    cp = cupy_or_none()
    if cp is None:
        return False
    if including_emulation:
        return True
    return int(cp.cuda.Device().compute_capability) >= 80


def is_tf32_supported() -> bool:
    """Whether the current device has TensorFloat-32 tensor cores (compute capability 8.0 or newer).

    Returns:
        A bool (False without CUDA).

    >>> import gpugrad as gg
    >>> gg.cuda.is_tf32_supported() in (True, False)
    True
    """
    cp = cupy_or_none()
    return cp is not None and int(cp.cuda.Device().compute_capability) >= 80


def get_arch_list() -> list:
    """The GPU architectures gpugrad's kernels can be compiled for: CuPy compiles them at run time with NVRTC,
    so these are NVRTC's supported ``sm_XX`` targets (PyTorch lists those its wheel was built for).

    Returns:
        A list of str (empty without CUDA, as PyTorch's).

    >>> import gpugrad as gg
    >>> all(a.startswith("sm_") for a in gg.cuda.get_arch_list())
    True
    """
    cp = cupy_or_none()
    if cp is None:
        return []
    try:
        archs = cp.cuda.nvrtc.getSupportedArchs()
    except Exception:        # an NVRTC older than 11.2 cannot list them: the device's own architecture
        archs = [int(cp.cuda.Device().compute_capability)]
    return [f"sm_{a}" for a in archs]


def get_gencode_flags() -> str:
    """:func:`get_arch_list` as nvcc's ``-gencode`` flags (PyTorch's format).

    Returns:
        A str (empty without CUDA).

    >>> import gpugrad as gg
    >>> isinstance(gg.cuda.get_gencode_flags(), str)
    True
    """
    return " ".join(f"-gencode compute=compute_{a[3:]},code={a}" for a in get_arch_list())


def is_initialized() -> bool:
    """Whether gpugrad has set up CUDA in this process (found a device).

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.cuda.is_initialized() == gg.cuda.is_available()
    True
    """
    from .backend import _cupy as probed
    return bool(probed) and probed[0] is not None


def init() -> None:
    """Set up CUDA now (it otherwise happens on first use); a RuntimeError without CUDA.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     gg.cuda.init()
    """
    _cupy("init")


def ipc_collect() -> None:
    """Free memory that other processes released over CUDA IPC: gpugrad shares no tensors between processes,
    so there is none; returns the pool's unused blocks to the driver (a RuntimeError without CUDA).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     gg.cuda.ipc_collect()
    """
    cp = _cupy("ipc_collect")
    cp.get_default_memory_pool().free_all_blocks()


def can_device_access_peer(device, peer_device) -> bool:
    """Whether one GPU can read another's memory directly (CUDA peer access).

    Args:
        device: the reading device (an index, ``'cuda[:N]'`` or a Device).
        peer_device: the device whose memory is read.

    Returns:
        A bool (False for a device and itself).

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     assert not gg.cuda.can_device_access_peer(0, 0)
    """
    cp = _cupy("can_device_access_peer")
    i, j = _ordinal("can_device_access_peer", cp, device), _ordinal("can_device_access_peer", cp, peer_device)
    return i != j and bool(cp.cuda.runtime.deviceCanAccessPeer(i, j))


def initial_seed() -> int:
    """The seed of the current CUDA device's generator (gpugrad seeds all generators together: the seed last
    given to ``manual_seed``/``seed``); a RuntimeError without CUDA, as PyTorch's CPU builds.

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     _ = gg.manual_seed(7); assert gg.cuda.initial_seed() == 7
    """
    _cupy("initial_seed")
    from . import random
    s = random.initial_seed()
    return 0 if s is None else s


def seed() -> None:
    """Seed the generators from fresh OS entropy (gpugrad's generators share one seed: all of them).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.cuda.seed()
    """
    from . import random
    random.seed()


def seed_all() -> None:
    """The same as :func:`seed`.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.cuda.seed_all()
    """
    seed()


def _nvtx_module():
    """``gpugrad.cuda.nvtx`` (importable under that name): :mod:`gpugrad.cuda_nvtx`."""
    from . import cuda_nvtx
    sys.modules[__name__.rsplit(".", 1)[0] + ".cuda.nvtx"] = cuda_nvtx
    return cuda_nvtx


nvtx = _nvtx_module()
