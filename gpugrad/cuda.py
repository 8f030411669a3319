"""``gpugrad.cuda``: is a GPU here, which one is current, and what its memory pool holds (as ``torch.cuda``).

A GPU counts as available only when CuPy imports and a device answers (:func:`gpugrad.backend.cupy_or_none`);
every function here works without one (counts are 0, queries that need a device raise a clear error).

Several GPUs: a tensor made with ``device="cuda:1"`` lives on GPU 1, and every recorded op (and its backward)
runs on its inputs' GPU whichever device is current, as in PyTorch. CuPy itself creates arrays on the
*current* device, so code that calls CuPy directly, and gpugrad's few unrecorded helpers (comparisons,
``floor``/``ceil``/``round``, ``isfinite``), should run inside ``with gpugrad.cuda.device(1):``. Tensors of
two GPUs never meet in one op: that raises an error naming both.

>>> import gpugrad as gg
>>> gg.cuda.is_available() in (True, False)
True
"""
from __future__ import annotations

from .backend import cupy_or_none, device as _parse_device
from .backend import cuda_state as _state
from . import cuda_streams as _streams, cuda_info as _info
from .cuda_streams import (Stream, ExternalStream, Event, StreamContext, stream, current_stream,  # noqa: F401
                           default_stream, set_stream)
from .cuda_info import (get_device_properties, mem_get_info, memory_stats, memory_summary,  # noqa: F401
                        max_memory_reserved, memory_cached, max_memory_cached, reset_max_memory_allocated,
                        reset_max_memory_cached, is_bf16_supported, is_tf32_supported, get_arch_list,
                        get_gencode_flags, is_initialized, init, ipc_collect, initial_seed, seed, seed_all,
                        can_device_access_peer, nvtx)
from .factories import CUDA_LEGACY as _LEGACY

globals().update(_LEGACY)

__all__ = ["is_available", "device_count", "current_device", "set_device", "device", "synchronize",
           "get_device_name", "get_device_capability", "memory_allocated", "max_memory_allocated",
           "reset_peak_memory_stats", "memory_reserved", "empty_cache", "get_rng_state", "get_rng_state_all",
           "set_rng_state", "set_rng_state_all", "manual_seed", "manual_seed_all"]
# streams and events, device properties, memory statistics, seeds, NVTX (one concept per module)
__all__ += _streams.__all__ + [n for n in _info.__all__ if n != "out_of_memory_error"]
# (and OutOfMemoryError, through __getattr__: CuPy's class on a GPU machine)
__all__ += list(_LEGACY)                          # FloatTensor, LongTensor... on the GPU


def is_available() -> bool:
    """True when CuPy imports and a CUDA device answers.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> device = "cuda" if gg.cuda.is_available() else "cpu"
    >>> gg.zeros(2, device=device).device.type == device
    True
    """
    return cupy_or_none() is not None


def device_count() -> int:
    """The number of visible CUDA devices.

    Returns:
        The number of CUDA devices that answer (0 without CuPy or a GPU).

    >>> import gpugrad as gg
    >>> gg.cuda.device_count() >= (1 if gg.cuda.is_available() else 0)
    True
    """
    cp = cupy_or_none()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def _cupy(op):
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError(f"gpugrad.cuda.{op}: CUDA is not available (CuPy is not installed or no GPU answered)")
    return cp


def _index(op, dev) -> int:
    """A CUDA ordinal from None (the current device), an int, 'cuda[:N]' or a Device; checked against the
    devices there are (CuPy would answer an out-of-range ordinal with a bare 'invalid device ordinal')."""
    if dev is None:
        return _cupy(op).cuda.runtime.getDevice()
    if isinstance(dev, int) and not isinstance(dev, bool):
        i = dev
    else:
        d = _parse_device(dev)
        if d.type != "cuda":
            raise ValueError(f"gpugrad.cuda.{op}: expected a CUDA device, got {d}")
        i = d.index or 0
    n = device_count()
    if n and not 0 <= i < n:
        raise ValueError(f"gpugrad.cuda.{op}: no CUDA device {i}; this machine has {n} (0 to {n - 1})")
    return i


def current_device() -> int:
    """The ordinal of the current CUDA device (where ``'cuda'`` without an index points).

    Returns:
        An int (an error without CUDA).

    >>> import gpugrad as gg
    >>> gg.cuda.current_device() if gg.cuda.is_available() else 0
    0
    """
    return _cupy("current_device").cuda.runtime.getDevice()


def set_device(dev) -> None:
    """Make ``dev`` the current CUDA device for this thread.

    Args:
        dev: an index, ``'cuda:N'`` or a Device.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     gg.cuda.set_device(0)
    """
    _cupy("set_device").cuda.runtime.setDevice(_index("set_device", dev))


class device:
    """Context manager that makes a CUDA device current inside its block (as ``torch.cuda.device``)::

    with gpugrad.cuda.device(1):
        x = gpugrad.zeros(3, device="cuda")   # on cuda:1

    Args:
        dev: an index, ``'cuda:N'`` or a Device (None: no change).

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     with gg.cuda.device(0):
    ...         x = gg.zeros(3, device="cuda")
    """

    def __init__(self, dev):
        self.index = _index("device", dev)
        self._ctx = None

    def __enter__(self):
        self._ctx = _cupy("device").cuda.Device(self.index)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)


def synchronize(dev=None) -> None:
    """Wait until every kernel queued on ``dev`` (default: the current device) has finished.

    Args:
        dev: the device (default: the current one).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     gg.cuda.synchronize()
    """
    cp = cupy_or_none()
    if cp is not None:
        cp.cuda.Device(_index("synchronize", dev)).synchronize()


def get_device_name(dev=None) -> str:
    """The name of a CUDA device.

    Args:
        dev: the device (default: the current one).

    Returns:
        The device's name, e.g. ``'NVIDIA H100 80GB HBM3'``.

    >>> import gpugrad as gg
    >>> isinstance(gg.cuda.get_device_name(), str) if gg.cuda.is_available() else True
    True
    """
    props = _cupy("get_device_name").cuda.runtime.getDeviceProperties(_index("get_device_name", dev))
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else name


def get_device_capability(dev=None) -> tuple[int, int]:
    """(major, minor) compute capability, e.g. (9, 0) for an H100.

    Args:
        dev: the device (default: the current one).

    Returns:
        A tuple ``(major, minor)``.

    >>> import gpugrad as gg
    >>> len(gg.cuda.get_device_capability()) if gg.cuda.is_available() else 2
    2
    """
    cc = _cupy("get_device_capability").cuda.Device(_index("get_device_capability", dev)).compute_capability
    return int(cc[:-1]), int(cc[-1])


# -- the memory pool -------------------------------------------------------------------------------------------
def _pool_bytes(dev, what):
    cp = cupy_or_none()
    if cp is None:
        return 0
    with cp.cuda.Device(_index(what, dev)):
        pool = cp.get_default_memory_pool()
        return pool.used_bytes() if what == "memory_allocated" else pool.total_bytes()


def memory_allocated(dev=None) -> int:
    """Bytes of device memory held by live arrays (CuPy's pool ``used_bytes``; blocks are rounded up to 512
    bytes).

    Args:
        dev: the device (default: the current one).

    Returns:
        An int (0 without CUDA).

    >>> import gpugrad as gg
    >>> gg.cuda.memory_allocated() >= 0
    True
    """
    return _pool_bytes(dev, "memory_allocated")


def memory_reserved(dev=None) -> int:
    """Bytes the pool holds from the driver, in use or cached for reuse (``total_bytes``).

    Args:
        dev: the device (default: the current one).

    Returns:
        An int (0 without CUDA).

    >>> import gpugrad as gg
    >>> gg.cuda.memory_reserved() >= gg.cuda.memory_allocated()
    True
    """
    return _pool_bytes(dev, "memory_reserved")


def max_memory_allocated(dev=None) -> int:
    """The high-water mark of :func:`memory_allocated` since CUDA was first used or the last
    :func:`reset_peak_memory_stats`. Counted by a CuPy memory hook on the thread that first probed CUDA
    (see :mod:`gpugrad.backend.cuda_state`); allocations of other threads are not seen.

    Args:
        dev: the device (default: the current one).

    Returns:
        An int (0 without CUDA).

    >>> import gpugrad as gg
    >>> gg.cuda.max_memory_allocated() >= gg.cuda.memory_allocated()
    True
    """
    hook = _state.peak_hook() if cupy_or_none() is not None else None
    if hook is None:
        return 0
    return hook.peak.get(_index("max_memory_allocated", dev), 0)


def reset_peak_memory_stats(dev=None) -> None:
    """Start a new high-water mark for :func:`max_memory_allocated` from the bytes in use now.

    Args:
        dev: the device (default: the current one).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.cuda.reset_peak_memory_stats()
    >>> gg.cuda.max_memory_allocated() == gg.cuda.memory_allocated()
    True
    """
    hook = _state.peak_hook() if cupy_or_none() is not None else None
    if hook is not None:
        i = _index("reset_peak_memory_stats", dev)
        hook.peak[i] = hook.used.get(i, 0)


def empty_cache() -> None:
    """Give the pool's cached, unused blocks (device and pinned host memory) back to the driver.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.cuda.empty_cache()          # a no-op without CUDA
    """
    cp = cupy_or_none()
    if cp is None:
        return
    for i in range(cp.cuda.runtime.getDeviceCount()):
        with cp.cuda.Device(i):
            cp.get_default_memory_pool().free_all_blocks()
    cp.get_default_pinned_memory_pool().free_all_blocks()


# -- random-number state (as torch.cuda.get_rng_state & co.) ---------------------------------------------------
def get_rng_state(device="cuda"):
    """The state of the generator of CUDA ``device`` (an index, "cuda:N" or "cuda" for the current one) as a
    uint8 tensor of 16 bytes (seed, draws so far), on the CPU, for :func:`set_rng_state`.

    Returns:
        A uint8 Tensor of 16 bytes.

    >>> import gpugrad as gg
    >>> states = [gg.cuda.get_rng_state(i) for i in range(gg.cuda.device_count())]
    """
    from .backend import Device
    from .backend.rng import get_state
    from .tensor import Tensor
    i = _index("get_rng_state", device if device != "cuda" else None)
    return Tensor._make(get_state(Device("cuda", i)), None, False)


def get_rng_state_all():
    """The generator states of every CUDA device, a list (empty without a GPU).

    Returns:
        A list of uint8 Tensors, one per device.

    >>> import gpugrad as gg
    >>> len(gg.cuda.get_rng_state_all()) == gg.cuda.device_count()
    True
    """
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state(new_state, device="cuda") -> None:
    """Restore the generator of CUDA ``device`` from ``new_state`` (a :func:`get_rng_state` tensor).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> for i in range(gg.cuda.device_count()):
    ...     gg.cuda.set_rng_state(gg.cuda.get_rng_state(i), i)
    """
    from .backend import Device
    from .backend.rng import set_state
    i = _index("set_rng_state", device if device != "cuda" else None)
    set_state(Device("cuda", i), new_state)


def set_rng_state_all(new_states) -> None:
    """Restore every CUDA device's generator from ``new_states`` (a :func:`get_rng_state_all` list).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.cuda.set_rng_state_all(gg.cuda.get_rng_state_all())
    """
    for i, st in enumerate(new_states):
        set_rng_state(st, i)


def manual_seed(seed) -> None:
    """Seed the generators with ``seed`` (gpugrad seeds the CPU's and every device's together, as
    :func:`gpugrad.manual_seed`).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.cuda.manual_seed(0)
    """
    from .backend.rng import manual_seed as _seed
    _seed(seed)


def manual_seed_all(seed) -> None:
    """The same as :func:`manual_seed`: one ``seed`` drives every generator.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.cuda.manual_seed_all(0)
    """
    manual_seed(seed)


def _legacy_amp_module():
    """``gpugrad.cuda.amp`` (PyTorch's deprecated ``torch.cuda.amp``): a module registered in ``sys.modules``
    so that ``import gpugrad.cuda.amp`` works, whose names load :mod:`gpugrad.amp.cuda_legacy` on first use
    (importing gpugrad stays light)."""
    import sys
    import types
    mod = types.ModuleType(__name__ + ".amp", "torch.cuda.amp's deprecated GradScaler and autocast.")

    def __getattr__(name):
        from .amp import cuda_legacy
        try:
            return getattr(cuda_legacy, name)
        except AttributeError:
            raise AttributeError(f"module 'gpugrad.cuda.amp' has no attribute {name!r}") from None

    mod.__getattr__ = __getattr__
    mod.__all__ = ["GradScaler", "autocast"]
    sys.modules[mod.__name__] = mod
    return mod


amp = _legacy_amp_module()


def __getattr__(name):
    if name == "OutOfMemoryError":        # CuPy's class where CuPy has a GPU (see gpugrad.cuda_info)
        return _info.out_of_memory_error()
    raise AttributeError(f"module 'gpugrad.cuda' has no attribute {name!r}")
