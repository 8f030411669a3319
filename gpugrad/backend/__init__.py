"""The one place that says "cpu" or "cuda".

A tensor's device fixes its array module (``xp``): NumPy on the CPU, CuPy on CUDA devices. Op code asks
:func:`xp_of` for the module of its arrays and never imports CuPy itself. CuPy is imported lazily, so the
CPU path works on machines where it is not installed.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Device", "device", "cpu", "xp_of", "device_of", "to_device", "cupy_or_none",
           "cuda_available", "default_device", "set_default_device", "scatter_add"]


class Device:
    """A device: ``'cpu'``, ``'cuda'`` or ``'cuda:N'``. Compares equal to its string form."""

    __slots__ = ("type", "index")

    def __init__(self, type: str, index: int | None = None):
        self.type = type
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, Device):
            return NotImplemented
        if self.type != other.type:
            return False
        return self.type == "cpu" or (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))

    def __str__(self):
        return self.type if self.index is None or self.type == "cpu" else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"


cpu = Device("cpu")
_CUDA_DEVICES: dict[int, Device] = {}


def device(spec) -> Device:
    """Parse ``'cpu'``, ``'cuda'``, ``'cuda:1'``, an int (a CUDA ordinal) or a :class:`Device`."""
    if isinstance(spec, Device):
        return spec
    if spec is None:
        return _default[0]
    if isinstance(spec, int):
        return _cuda_device(spec)
    if isinstance(spec, str):
        s = spec.strip().lower()
        if s == "cpu":
            return cpu
        if s == "cuda":
            return _cuda_device(_current_cuda_ordinal())
        if s.startswith("cuda:") and s[5:].isdigit():
            return _cuda_device(int(s[5:]))
    raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {spec!r}")


def _cuda_device(i: int) -> Device:
    d = _CUDA_DEVICES.get(i)
    if d is None:
        d = _CUDA_DEVICES[i] = Device("cuda", i)
    return d


def _current_cuda_ordinal() -> int:
    cp = cupy_or_none()
    if cp is None:
        return 0
    return cp.cuda.Device().id


_cupy = []  # [module or None] once probed


def cupy_or_none():
    """CuPy if it imports and a CUDA device answers, else None (probed once)."""
    if not _cupy:
        try:
            import cupy
            cupy.cuda.runtime.getDeviceCount()
            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError("no CUDA device")
            _cupy.append(cupy)
        except Exception:  # ImportError, CUDARuntimeError, missing driver: all mean "no GPU here"
            _cupy.append(None)
    return _cupy[0]


def cuda_available() -> bool:
    return cupy_or_none() is not None


def xp_of(arr):
    """The array module (numpy or cupy) that owns ``arr``."""
    if type(arr) is np.ndarray or isinstance(arr, (np.ndarray, np.generic)):
        return np
    cp = cupy_or_none()
    if cp is not None and isinstance(arr, cp.ndarray):
        return cp
    return np


def device_of(arr) -> Device:
    if isinstance(arr, np.ndarray):
        return cpu
    return _cuda_device(arr.device.id)


def module_for(dev: Device):
    """The array module serving ``dev``; a clear error when CUDA is asked for but absent."""
    if dev.type == "cpu":
        return np
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError(f"device {dev}: CUDA is not available (CuPy is not installed or no GPU answered); "
                           "install gpugrad[cuda12] or gpugrad[cuda13] on a machine with an NVIDIA GPU")
    return cp


def to_device(arr, dev: Device):
    """Move (or keep) ``arr`` on ``dev``; no copy when it is already there."""
    src = device_of(arr)
    if src == dev:
        return arr
    if dev.type == "cpu":
        return arr.get()
    cp = module_for(dev)
    with cp.cuda.Device(dev.index or 0):
        return cp.asarray(arr)


_default = [cpu]


def default_device() -> Device:
    return _default[0]


def set_default_device(spec) -> None:
    """Set the device that factories use when ``device=`` is not given (like ``torch.set_default_device``)."""
    d = device(spec)
    module_for(d)
    _default[0] = d


def scatter_add(xp, target, index, values):
    """``target[index] += values`` with repeated indices summed (unbuffered), on NumPy and CuPy."""
    if xp is np:
        np.add.at(target, index, values)
    else:
        import cupyx
        cupyx.scatter_add(target, index, values)
    return target
