"""``gpugrad.accelerator``: the device-agnostic front of :mod:`gpugrad.cuda`, as ``torch.accelerator``.

PyTorch's tutorials pick their device with ``torch.accelerator``; gpugrad's only accelerator is CUDA (through
CuPy), so every function here answers for CUDA, and without a GPU behaves as PyTorch's CPU-only build:
:func:`is_available` is False, :func:`current_accelerator` None, :func:`device_count` 0, and the calls that
need a device raise ``RuntimeError``.

>>> import gpugrad as gg
>>> device = gg.accelerator.current_accelerator().type if gg.accelerator.is_available() else "cpu"
>>> gg.ones(2, device=device).device.type == device
True
"""
from __future__ import annotations

from . import cuda as _cuda
from .backend import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "current_device_idx",
           "set_device_index", "set_device_idx", "device_index", "synchronize", "empty_cache",
           "memory_allocated", "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats",
           "get_memory_info"]

_NONE = "Cannot access accelerator device when none is available."


def _need(op):
    if not _cuda.is_available():
        raise RuntimeError(f"gpugrad.accelerator.{op}: {_NONE}")


def _index(op, dev):
    """A CUDA ordinal from None (the current one), an int, ``'cuda[:N]'`` or a Device; a CPU device is an error,
    as PyTorch's ``'cpu' is not the current accelerator``."""
    _need(op)
    if dev is None:
        return _cuda.current_device()
    if not isinstance(dev, int) or isinstance(dev, bool):
        d = _device(dev)
        if d.type != "cuda":
            raise ValueError(f"gpugrad.accelerator.{op}: {d.type} doesn't match the current accelerator cuda")
        return _cuda._index(op, d)
    return _cuda._index(op, dev)


def is_available() -> bool:
    """True when an accelerator (a CUDA GPU, through CuPy) can be used.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.accelerator.is_available() == gg.cuda.is_available()
    True
    """
    return _cuda.is_available()


def current_accelerator(check_available: bool = False):
    """The accelerator's device type as a device without an index (``device(type='cuda')``), or None when this
    build or machine has none.

    Args:
        check_available: also return None when the accelerator is built in but no device answers (gpugrad
            finds CUDA only through a working device, so both settings agree).

    Returns:
        A :class:`gpugrad.device` or None.

    >>> import gpugrad as gg
    >>> gg.accelerator.current_accelerator() is None or gg.accelerator.current_accelerator().type == "cuda"
    True
    """
    return _device("cuda") if _cuda.is_available() else None


def device_count() -> int:
    """How many accelerator devices there are (0 without one).

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> gg.accelerator.device_count() == gg.cuda.device_count()
    True
    """
    return _cuda.device_count() if _cuda.is_available() else 0


def current_device_index() -> int:
    """The index of the current accelerator device.

    Returns:
        An int (RuntimeError without an accelerator).

    >>> import gpugrad as gg
    >>> gg.accelerator.current_device_index() if gg.accelerator.is_available() else 0
    0
    """
    _need("current_device_index")
    return _cuda.current_device()


def set_device_index(device, /) -> None:
    """Make ``device`` (an index, ``'cuda:N'`` or a device) the current accelerator device.

    Args:
        device: the device to make current.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> if gg.accelerator.is_available():
    ...     gg.accelerator.set_device_index(0)
    """
    _cuda.set_device(_index("set_device_index", device))


current_device_idx = current_device_index
set_device_idx = set_device_index


class device_index:
    """Context manager that makes accelerator device ``device`` current inside its block and restores the
    previous one after; ``device_index(None)`` does nothing (as ``torch.accelerator.device_index``).

    Args:
        device: an index or None.

    >>> import gpugrad as gg
    >>> with gg.accelerator.device_index(None):
    ...     pass
    """

    def __init__(self, device, /):
        self.idx = device
        self.prev = None

    def __enter__(self):
        if self.idx is not None:
            self.prev = current_device_index()
            set_device_index(self.idx)
        return self

    def __exit__(self, *exc):
        if self.prev is not None:
            _cuda.set_device(self.prev)
        return False


def synchronize(device=None, /) -> None:
    """Wait for every kernel queued on ``device`` (default: the current one).

    Args:
        device: an index, ``'cuda:N'``, a device or None.

    Returns:
        None (RuntimeError without an accelerator).

    >>> import gpugrad as gg
    >>> if gg.accelerator.is_available():
    ...     gg.accelerator.synchronize()
    """
    _cuda.synchronize(_index("synchronize", device))


def empty_cache() -> None:
    """Give the memory pool's cached, unused blocks back to the driver.

    Returns:
        None (RuntimeError without an accelerator, as PyTorch).

    >>> import gpugrad as gg
    >>> if gg.accelerator.is_available():
    ...     gg.accelerator.empty_cache()
    """
    _need("empty_cache")
    _cuda.empty_cache()


def memory_allocated(device_index=None, /) -> int:
    """Bytes of accelerator memory held by live arrays.

    Args:
        device_index: an index, ``'cuda:N'``, a device or None (the current one).

    Returns:
        An int (RuntimeError without an accelerator).

    >>> import gpugrad as gg
    >>> gg.accelerator.memory_allocated() >= 0 if gg.accelerator.is_available() else True
    True
    """
    return _cuda.memory_allocated(_index("memory_allocated", device_index))


def max_memory_allocated(device_index=None, /) -> int:
    """The high-water mark of :func:`memory_allocated` (see :func:`gpugrad.cuda.max_memory_allocated`).

    Args:
        device_index: an index, ``'cuda:N'``, a device or None (the current one).

    Returns:
        An int (RuntimeError without an accelerator).

    >>> import gpugrad as gg
    >>> gg.accelerator.max_memory_allocated() >= 0 if gg.accelerator.is_available() else True
    True
    """
    return _cuda.max_memory_allocated(_index("max_memory_allocated", device_index))


def memory_reserved(device_index=None, /) -> int:
    """Bytes the memory pool holds from the driver, in use or cached.

    Args:
        device_index: an index, ``'cuda:N'``, a device or None (the current one).

    Returns:
        An int (RuntimeError without an accelerator).

    >>> import gpugrad as gg
    >>> gg.accelerator.memory_reserved() >= 0 if gg.accelerator.is_available() else True
    True
    """
    return _cuda.memory_reserved(_index("memory_reserved", device_index))


def reset_peak_memory_stats(device_index=None, /) -> None:
    """Start a new high-water mark for :func:`max_memory_allocated`.

    Args:
        device_index: an index, ``'cuda:N'``, a device or None (the current one).

    Returns:
        None (RuntimeError without an accelerator).

    >>> import gpugrad as gg
    >>> if gg.accelerator.is_available():
    ...     gg.accelerator.reset_peak_memory_stats()
    """
    _cuda.reset_peak_memory_stats(_index("reset_peak_memory_stats", device_index))


def get_memory_info(device_index=None, /) -> tuple[int, int]:
    """(free, total) bytes of the device's memory, as the driver reports them.

    Args:
        device_index: an index, ``'cuda:N'``, a device or None (the current one).

    Returns:
        A tuple of two ints (RuntimeError without an accelerator).

    >>> import gpugrad as gg
    >>> len(gg.accelerator.get_memory_info()) if gg.accelerator.is_available() else 2
    2
    """
    i = _index("get_memory_info", device_index)
    cp = _cuda._cupy("get_memory_info")
    with cp.cuda.Device(i):
        free, total = cp.cuda.runtime.memGetInfo()
    return int(free), int(total)
