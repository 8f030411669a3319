"""Tensor factories by size: ``zeros``, ``ones``, ``empty``, ``full`` and their ``*_like`` forms, ``arange``,
``linspace``, ``eye``, and PyTorch's legacy typed constructors (``FloatTensor(...)``, ``LongTensor(...)``...).
Tensors from data (``tensor``, ``as_tensor``, ``from_numpy``) are in :mod:`gpugrad.tensor`, random ones in
:mod:`gpugrad.random_factories`."""
from __future__ import annotations

import numpy as np

from . import _dtype
from ._formats import check_layout, check_memory_format
from .backend import device as _parse_device, default_device, module_for, device_context
from .tensor import Tensor, tensor, _check_requires_grad

__all__ = ["zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "arange",
           "linspace", "eye", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "BoolTensor",
           "ByteTensor"]


def _xp_dev(device):
    dev = _parse_device(device) if device is not None else default_device()
    return module_for(dev), dev


def _finish(arr, xp, requires_grad, op, out=None, layout=None, memory_format=None):
    """A factory's result: a leaf (requiring grad if asked), or written into ``out``; PyTorch's ``layout``
    and ``memory_format`` checked."""
    _check_requires_grad(arr, requires_grad, op)
    if layout is not None or memory_format is not None:
        _check_formats(op, layout, memory_format)
    res = Tensor._make(arr, None, bool(requires_grad))
    if out is None:
        return res
    from .ops._util import write_out
    return write_out(res, out, op)


def _shape(size, op="size"):
    """A factory's size arguments (``f(2, 3)`` or ``f((2, 3))``) as a tuple of non-negative ints, or a
    TypeError/RuntimeError naming the factory and the bad value."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor) and s.ndim == 0 and s.dtype.kind in "iu":
            s = int(s.item())
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}: sizes must be ints, got {s!r} ({type(s).__name__}) in size {tuple(size)!r}")
        if s < 0:
            raise RuntimeError(f"{op}: negative dimension {s} in size {tuple(size)!r}; sizes must be >= 0")
        out.append(int(s))
    return tuple(out)


def _float_dtype(dtype):
    return _dtype.as_dtype(dtype) or _dtype.get_default_dtype()


class _LegacyType(type):
    """The metaclass of ``FloatTensor``, ``DoubleTensor``, ``LongTensor``...: calling one builds a tensor of
    its dtype (from data, or uninitialized from sizes), and ``isinstance(x, FloatTensor)`` checks the dtype."""

    def __instancecheck__(cls, obj):      # torch.FloatTensor: float32 off the GPU; torch.cuda.FloatTensor: on it
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and (obj.device.type == "cuda") == cls.is_cuda

    def __call__(cls, *args, device=None):
        if device is None and cls.is_cuda:
            device = "cuda"
        if not args:
            return empty(0, dtype=cls.dtype, device=device)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return empty(*args, dtype=cls.dtype, device=device)
        if len(args) == 1:
            return tensor(args[0], dtype=cls.dtype, device=device)
        raise TypeError(f"{cls.__name__}: expected sizes (ints) or one sequence of data, got {args!r}")


def _legacy(name, dt, cuda=False):
    where = "cuda." if cuda else ""
    doc = (f"PyTorch's legacy ``torch.{where}{name}``: ``{name}(data)`` or ``{name}(*sizes)`` make a {dt} tensor "
           f"{'on the current GPU' if cuda else 'on the CPU'}; ``isinstance(x, {name})`` checks the dtype and "
           f"whether the tensor is on a GPU; ``x.type({name})`` converts to both.")
    if cuda:
        doc += (f"\n\n    >>> import gpugrad as gg\n    >>> if gg.cuda.is_available():\n    ...     assert "
                f"isinstance(gg.cuda.{name}([1, 2]), gg.cuda.{name})\n    ")
    else:
        doc += (f"\n\n    >>> import gpugrad as gg\n    >>> gg.{name}([1, 2]).dtype == gg.{name}.dtype\n    True"
                f"\n    ")
    cls = _LegacyType(name, (), {"dtype": dt, "is_cuda": cuda, "__doc__": doc})
    cls.__module__ = "gpugrad.cuda" if cuda else "gpugrad"
    return cls


FloatTensor = _legacy("FloatTensor", _dtype.float32)
DoubleTensor = _legacy("DoubleTensor", _dtype.float64)
HalfTensor = _legacy("HalfTensor", _dtype.float16)
LongTensor = _legacy("LongTensor", _dtype.int64)
IntTensor = _legacy("IntTensor", _dtype.int32)
BoolTensor = _legacy("BoolTensor", _dtype.bool_)
ByteTensor = _legacy("ByteTensor", _dtype.uint8)
#: the same types on the GPU (``gpugrad.cuda.FloatTensor`` & co.)
CUDA_LEGACY = {c.__name__: _legacy(c.__name__, c.dtype, cuda=True)
               for c in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, BoolTensor, ByteTensor)}


def zeros(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor filled with 0.

    Args:
        *args: the shape, as ints or one tuple.
        dtype: the dtype (default: the default float dtype).
        device: where to create it (default: the default device).
        requires_grad: record operations on it for autograd.
        size: the shape, by PyTorch's keyword (instead of positional sizes).
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 3).shape
    gpugrad.Size([2, 3])
    >>> gg.zeros((2,), dtype=gg.int64)
    tensor([0, 0])
    """
    xp, dev = _xp_dev(device)
    with device_context(dev):
        arr = xp.zeros(_shape(args if size is None else (size,), "zeros"), _float_dtype(dtype))
    return _finish(arr, xp, requires_grad, "zeros", out, layout)


def ones(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor filled with 1.

    Args:
        *args: the shape, as ints or one tuple.
        dtype: the dtype (default: the default float dtype).
        device: where to create it (default: the default device).
        requires_grad: record operations on it for autograd.
        size: the shape, by PyTorch's keyword (instead of positional sizes).
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.ones(2)
    tensor([1., 1.])
    """
    xp, dev = _xp_dev(device)
    with device_context(dev):
        arr = xp.ones(_shape(args if size is None else (size,), "ones"), _float_dtype(dtype))
    return _finish(arr, xp, requires_grad, "ones", out, layout)


def empty(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    """A tensor with unspecified contents (allocation only).

    Args:
        *args: the shape, as ints or one tuple.
        dtype: the dtype (default: the default float dtype).
        device: where to create it (default: the default device).
        requires_grad: record operations on it for autograd.
        size: the shape, by PyTorch's keyword (instead of positional sizes).
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).
        memory_format: None, ``preserve_format`` or ``contiguous_format`` (the result is C-contiguous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.empty(2, 3).shape
    gpugrad.Size([2, 3])
    """
    xp, dev = _xp_dev(device)
    with device_context(dev):
        arr = xp.empty(_shape(args if size is None else (size,), "empty"), _float_dtype(dtype))
    return _finish(arr, xp, requires_grad, "empty", out, layout, memory_format)


def full(size, fill_value, dtype=None, device=None, requires_grad=False, *, out=None, layout=None,
         pin_memory=False):
    """A tensor filled with ``fill_value``.

    Args:
        size: the shape (a tuple).
        fill_value: the value.
        dtype: the dtype (default: inferred from fill_value as in PyTorch).
        device: where to create it.
        requires_grad: record operations on it.
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.full((2,), 7.0)
    tensor([7., 7.])
    """
    xp, dev = _xp_dev(device)
    if dtype is None:
        dtype = (_dtype.bool_ if isinstance(fill_value, bool) else _dtype.int64 if isinstance(fill_value, int)
                 else _dtype.get_default_dtype())
    size = _shape((size,) if isinstance(size, int) else tuple(size), "full")
    with device_context(dev):
        arr = xp.full(size, fill_value, _dtype.as_dtype(dtype))
    return _finish(arr, xp, requires_grad, "full", out, layout)


def zeros_like(input, dtype=None, device=None, requires_grad=False, *, layout=None, pin_memory=False,
               memory_format=None):
    """Zeros with the shape, dtype and device of ``t``.

    Args:
        input: the tensor whose shape (and, by default, dtype and device) to copy.
        dtype: overrides the dtype.
        device: overrides the device.
        requires_grad: record operations on the result.
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).
        memory_format: None, ``preserve_format`` or ``contiguous_format`` (the result is C-contiguous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.zeros_like(gg.ones(2, dtype=gg.float64))
    tensor([0., 0.], dtype=gpugrad.float64)
    """
    _check_formats("zeros_like", layout, memory_format)
    return zeros(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, *, layout=None, pin_memory=False,
              memory_format=None):
    """Ones with the shape, dtype and device of ``t``.

    Args:
        input: the tensor whose shape (and, by default, dtype and device) to copy.
        dtype: overrides the dtype.
        device: overrides the device.
        requires_grad: record operations on the result.
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).
        memory_format: None, ``preserve_format`` or ``contiguous_format`` (the result is C-contiguous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.ones_like(gg.zeros(2))
    tensor([1., 1.])
    """
    _check_formats("ones_like", layout, memory_format)
    return ones(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False, *, layout=None, pin_memory=False,
               memory_format=None):
    """An uninitialized tensor with the shape, dtype and device of ``t``.

    Args:
        input: the tensor whose shape (and, by default, dtype and device) to copy.
        dtype: overrides the dtype.
        device: overrides the device.
        requires_grad: record operations on the result.
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).
        memory_format: None, ``preserve_format`` or ``contiguous_format`` (the result is C-contiguous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.empty_like(gg.zeros(2, 2)).shape
    gpugrad.Size([2, 2])
    """
    _check_formats("empty_like", layout, memory_format)
    return empty(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, *, layout=None, pin_memory=False,
              memory_format=None):
    """``fill_value`` with the shape, dtype and device of ``t``.

    Args:
        input: the tensor whose shape (and, by default, dtype and device) to copy.
        fill_value: the value.
        dtype: overrides the dtype.
        device: overrides the device.
        requires_grad: record operations on the result.
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).
        memory_format: None, ``preserve_format`` or ``contiguous_format`` (the result is C-contiguous).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.full_like(gg.zeros(2), 3.0)
    tensor([3., 3.])
    """
    _check_formats("full_like", layout, memory_format)
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def _check_formats(op, layout, memory_format):
    check_layout(op, layout)
    check_memory_format(op, memory_format)


def arange(start=0, end=None, step=1, dtype=None, device=None, requires_grad=False, *, out=None, layout=None,
           pin_memory=False):
    """Values from ``start`` (inclusive) to ``end`` (exclusive) by ``step``; ``arange(n)`` is 0..n-1. Integer arguments give int64, floats the default float dtype.

    Args:
        start: the first value (or the end, when ``end`` is None).
        end: the bound, not included.
        step: the spacing.
        dtype: the dtype.
        device: where to create it.
        requires_grad: record operations on it.
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A 1-D tensor.

    >>> import gpugrad as gg
    >>> gg.arange(4)
    tensor([0, 1, 2, 3])
    >>> gg.arange(0.0, 1.0, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError(f"arange({start}, {end}, {step}): step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange({start}, {end}, {step}): upper bound and lower bound inconsistent with step "
                           f"sign")
    xp, dev = _xp_dev(device)
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dtype.int64 if is_int else _dtype.get_default_dtype()
    with device_context(dev):
        arr = xp.arange(start, end, step, dtype=_dtype.as_dtype(dtype))
    return _finish(arr, xp, requires_grad, "arange", out, layout)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False, *, out=None, layout=None,
             pin_memory=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Args:
        start: the first value.
        end: the last value.
        steps: how many.
        dtype: the dtype.
        device: where to create it.
        requires_grad: record operations on it.
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A 1-D tensor.

    >>> import gpugrad as gg
    >>> gg.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise RuntimeError(f"linspace({start}, {end}, {steps!r}): number of steps must be a non-negative int")
    xp, dev = _xp_dev(device)
    with device_context(dev):
        arr = xp.linspace(start, end, steps, dtype=_float_dtype(dtype))
    return _finish(arr, xp, requires_grad, "linspace", out, layout)


def eye(n, m=None, dtype=None, device=None, requires_grad=False, *, out=None, layout=None, pin_memory=False):
    """The identity matrix (ones on the main diagonal), n x m.

    Args:
        n: the number of rows.
        m: the number of columns (default n).
        dtype: the dtype.
        device: where to create it.
        requires_grad: record operations on it.
        out: an optional tensor the result is written into (returned).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted and ignored (host memory is not pinned; copies to a GPU are synchronous).

    Returns:
        A 2-D tensor.

    >>> import gpugrad as gg
    >>> gg.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    >>> gg.eye(2, 3).shape
    gpugrad.Size([2, 3])
    """
    xp, dev = _xp_dev(device)
    with device_context(dev):
        arr = xp.eye(n, m, dtype=_float_dtype(dtype))
    return _finish(arr, xp, requires_grad, "eye", out, layout)
