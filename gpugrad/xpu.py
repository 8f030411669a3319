"""``gpugrad.xpu``: the answers PyTorch gives for Intel GPUs on a build without them -- gpugrad runs on NVIDIA
GPUs (CuPy) and CPUs only, so there is never an XPU. Present so that device-selection code written for
PyTorch (``elif torch.xpu.is_available(): ...``) runs unchanged.

>>> import gpugrad as gg
>>> gg.xpu.is_available(), gg.xpu.device_count()
(False, 0)
"""
from __future__ import annotations

__all__ = ["is_available", "device_count", "is_initialized", "current_device", "synchronize", "manual_seed",
           "manual_seed_all", "empty_cache"]


def is_available() -> bool:
    """Whether an Intel GPU can be used: never, in gpugrad.

    Returns:
        False.

    >>> import gpugrad as gg
    >>> gg.xpu.is_available()
    False
    """
    return False


def device_count() -> int:
    """The number of Intel GPUs gpugrad can use.

    Returns:
        0.

    >>> import gpugrad as gg
    >>> gg.xpu.device_count()
    0
    """
    return 0


def is_initialized() -> bool:
    """Whether the XPU runtime is set up: never.

    Returns:
        False.

    >>> import gpugrad as gg
    >>> gg.xpu.is_initialized()
    False
    """
    return False


def _unavailable(op):
    raise RuntimeError(f"gpugrad.xpu.{op}: gpugrad has no Intel GPU (XPU) support; use 'cuda' (NVIDIA, through "
                       f"CuPy) or 'cpu'")


def current_device() -> int:
    """The current XPU: there is none, so a RuntimeError (PyTorch's CPU build raises too).

    Returns:
        Never returns.

    >>> import gpugrad as gg
    >>> gg.xpu.current_device()
    Traceback (most recent call last):
    ...
    RuntimeError: gpugrad.xpu.current_device: gpugrad has no Intel GPU (XPU) support; use 'cuda' (NVIDIA, through CuPy) or 'cpu'
    """
    _unavailable("current_device")


def synchronize(device=None) -> None:
    """Wait for an XPU: there is none, so a RuntimeError (PyTorch's CPU build raises too).

    Args:
        device: ignored.

    Returns:
        Never returns.

    >>> import gpugrad as gg
    >>> gg.xpu.synchronize()
    Traceback (most recent call last):
    ...
    RuntimeError: gpugrad.xpu.synchronize: gpugrad has no Intel GPU (XPU) support; use 'cuda' (NVIDIA, through CuPy) or 'cpu'
    """
    _unavailable("synchronize")


def manual_seed(seed) -> None:
    """Seed the XPU generators: there are none, so nothing happens (as PyTorch's CPU build).

    Args:
        seed: ignored.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.xpu.manual_seed(0)
    """


def manual_seed_all(seed) -> None:
    """The same as :func:`manual_seed`.

    Args:
        seed: ignored.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.xpu.manual_seed_all(0)
    """


def empty_cache() -> None:
    """Free cached XPU memory: there is none, so nothing happens (as PyTorch's CPU build).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.xpu.empty_cache()
    """
