"""Tensors from existing memory or with given strides: ``asarray`` (sharing memory with NumPy arrays, tensors
and buffers when it can, as ``torch.asarray``), ``frombuffer`` and ``empty_strided``."""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtype
from ._formats import check_layout
from .backend import device as _parse_device, device_context
from .tensor import Tensor, tensor, _check_requires_grad
from .factories import _xp_dev, _float_dtype

__all__ = ["asarray", "frombuffer", "empty_strided"]



def _set_requires_grad(t, requires_grad):
    if requires_grad and not (t.dtype.kind == "f" or _dtype.is_float(t.dtype)):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    if requires_grad:
        t.requires_grad_(True)
    return t


def _buffer_like(obj):
    return isinstance(obj, (bytes, bytearray, memoryview))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """``obj`` as a Tensor, sharing its memory when it can, as ``torch.asarray``.

    A Tensor comes back itself when neither dtype nor device changes; a NumPy array (or anything with
    ``__dlpack__``, or a bytes-like buffer, read as ``dtype``) is wrapped without copying; a sequence or a
    scalar is copied into a new tensor.

    Args:
        obj: a Tensor, a NumPy (or CuPy) array or scalar, a buffer (bytes, bytearray, memoryview), a
            (nested) sequence or a Python scalar.
        dtype: the dtype (default: ``obj``'s; for data, inferred as :func:`gpugrad.tensor` does).
        device: the device (default: ``obj``'s, or the default device for data).
        copy: None: copy only when needed; True: always copy; False: never (ValueError when a dtype or
            device change, or a Python sequence, would need one).
        requires_grad: make the result require grad (only floating dtypes); None keeps a Tensor's flag (with
            torch's warning when it is set) and means False otherwise.

    Returns:
        A Tensor.

    >>> import numpy as np, gpugrad as gg
    >>> a = np.zeros(3)
    >>> t = gg.asarray(a)
    >>> a[0] = 5.0
    >>> t
    tensor([5., 0., 0.], dtype=gpugrad.float64)
    """
    dtype = _dtype.as_dtype(dtype)
    dev = _parse_device(device) if device is not None else None
    if isinstance(obj, Tensor):
        return _from_tensor(obj, dtype, dev, copy, requires_grad)
    if _buffer_like(obj):
        t = frombuffer(obj, dtype=dtype or _dtype.get_default_dtype())
        return _from_tensor(t, None, dev, copy, requires_grad)
    if isinstance(obj, (np.ndarray, np.generic)) or hasattr(obj, "__dlpack__") \
            or hasattr(obj, "__cuda_array_interface__"):
        from . import from_dlpack
        t = (Tensor._make(np.asarray(obj), None, False) if isinstance(obj, (np.ndarray, np.generic))
             else from_dlpack(obj))
        return _from_tensor(t, dtype, dev, copy, requires_grad)
    if copy is False:
        raise ValueError("can't alias arbitrary sequence into a tensor.")
    t = tensor(obj, dtype=dtype, device=dev)
    if not (t.dtype.kind in "biuf" or _dtype.is_float(t.dtype)):
        raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
    return _set_requires_grad(t, requires_grad)


def _from_tensor(t, dtype, dev, copy, requires_grad):
    new_dtype = dtype is not None and dtype != t.dtype
    new_dev = dev is not None and dev != t.device
    if copy is False and new_dtype:
        raise ValueError(f"can't alias tensor with dtype '{_dtype.scalar_type_name(t.dtype)}' into dtype "
                         f"'{_dtype.scalar_type_name(_dtype.as_dtype(dtype))}'.")
    if copy is False and new_dev:
        raise ValueError(f"can't alias tensor from device '{t.device}' to '{dev}'.")
    if new_dtype or new_dev:
        t = t.to(device=dev if new_dev else None, dtype=dtype if new_dtype else None)
    elif copy:
        t = t.clone()
    if requires_grad is None:
        if t.requires_grad:
            warnings.warn("torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead of "
                          "False. Pass requires_grad=False explicitly to get the old behavior and silence this "
                          "warning.", UserWarning, stacklevel=3)
        return t
    if not requires_grad:
        return t.detach() if t.requires_grad else t
    return _set_requires_grad(t, True)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D CPU tensor over the bytes of a Python buffer (sharing its memory), as ``torch.frombuffer``.

    Args:
        buffer: an object with the buffer protocol (bytes, bytearray, memoryview, array.array, mmap).
        dtype: how to read the bytes.
        count: how many elements (-1: all that follow ``offset``).
        offset: bytes to skip at the start.
        requires_grad: make the result require grad (floating dtypes only).

    Returns:
        A 1-D Tensor; writing to it writes the buffer (a read-only buffer gives a read-only tensor, with
        torch's warning).

    >>> import gpugrad as gg
    >>> gg.frombuffer(bytearray([1, 0, 2, 0]), dtype=gg.int16)
    tensor([1, 2], dtype=gpugrad.int16)
    """
    dtype = _dtype.as_dtype(dtype)
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    length, size = view.nbytes, dtype.itemsize
    if length <= 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length ({length} "
                         f"bytes) minus 1")
    if count < 0:
        if (length - offset) % size:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({size})")
        count = (length - offset) // size
    elif offset + count * size > length:
        raise ValueError(f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) must not "
                         f"be greater than actual buffer length ({length} bytes)")
    if view.readonly:
        warnings.warn("The given buffer is not writable, and PyTorch does not support non-writable tensors. This "
                      "means you can write to the underlying (supposedly non-writable) buffer using the tensor. You "
                      "may want to copy the buffer to protect its data or make it writable before converting it to "
                      "a tensor. This type of warning will be suppressed for the rest of this program.", UserWarning,
                      stacklevel=2)
    arr = np.frombuffer(view, dtype=dtype, count=count, offset=offset)
    t = Tensor._make(arr, None, False)
    return _set_requires_grad(t, requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """An uninitialised tensor with the given strides (in elements), as ``torch.empty_strided``.

    Args:
        size: the shape.
        stride: the stride of each dimension, in elements (non-negative).
        dtype: the dtype (default: the default float dtype).
        layout: None or ``gpugrad.strided``.
        device: where to create it.
        requires_grad: make the result require grad.
        pin_memory: accepted and ignored.

    Returns:
        A Tensor over a buffer just large enough for ``size`` and ``stride``.

    >>> import gpugrad as gg
    >>> gg.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of strides "
                           f"({len(stride)})")
    if any(s < 0 for s in size):
        raise RuntimeError(f"empty_strided: negative dimension in size {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}")
    check_layout("empty_strided", layout)
    dt = _float_dtype(dtype)
    xp, dev = _xp_dev(device)
    n = 0 if 0 in size else 1 + sum((s - 1) * st for s, st in zip(size, stride))
    with device_context(dev):
        buf = xp.empty(n, dt)
        arr = xp.lib.stride_tricks.as_strided(buf, size, tuple(st * dt.itemsize for st in stride))
    _check_requires_grad(arr, requires_grad, "empty_strided")
    return Tensor._make(arr, None, bool(requires_grad))
