"""``gpugrad.cuda``: is a GPU here, and what is it doing."""
from __future__ import annotations

from .backend import cupy_or_none


def is_available() -> bool:
    """True when CuPy imports and a CUDA device answers."""
    return cupy_or_none() is not None


def device_count() -> int:
    cp = cupy_or_none()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def synchronize(device=None) -> None:
    cp = cupy_or_none()
    if cp is not None:
        cp.cuda.Device(device or 0).synchronize()


def current_device() -> int:
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError("current_device: CUDA is not available")
    return cp.cuda.Device().id


def get_device_name(device=None) -> str:
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError("get_device_name: CUDA is not available")
    props = cp.cuda.runtime.getDeviceProperties(device or 0)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else name


def memory_allocated() -> int:
    cp = cupy_or_none()
    return 0 if cp is None else cp.get_default_memory_pool().used_bytes()


def max_memory_allocated() -> int:
    """Bytes held by CuPy's pool (the pool's high-water mark is its total size)."""
    cp = cupy_or_none()
    return 0 if cp is None else cp.get_default_memory_pool().total_bytes()


def empty_cache() -> None:
    cp = cupy_or_none()
    if cp is not None:
        cp.get_default_memory_pool().free_all_blocks()
