"""The Tensor methods that change which memory a tensor is: ``set_`` (share another tensor's storage, or a
window of it; or become empty), ``is_set_to`` and ``resize_`` / ``resize_as_``, with PyTorch's rules. A
tensor's storage is the memory of the array its own array views (see :mod:`gpugrad.ops.strided`).

None of them is differentiable, as in PyTorch: ``resize_`` refuses any tensor that requires grad; ``set_``
refuses, with grad mode on, a leaf that requires grad (PyTorch's in-place rule) and any other case where a
gradient would have to pass (PyTorch records a node whose backward is not implemented there).

>>> import gpugrad as gg
>>> a, b = gg.arange(4.0), gg.zeros(1)
>>> b.set_(a).is_set_to(a)
True
>>> b[0] = 9.0; a
tensor([9., 1., 2., 3.])
"""
from __future__ import annotations

import math

from ..tensor import Tensor
from .strided import _storage, _root, _check_geometry, _args


def _no_grad_through(self, source, op):
    from ..autograd import grad_mode
    if not grad_mode._state.enabled:
        return
    if self.requires_grad and self.grad_fn is None:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation.")
    if self.requires_grad or (source is not None and source.requires_grad):
        raise RuntimeError(f"{op}: gradients do not flow through set_; call it under gpugrad.no_grad() or on "
                           f"tensors that do not require grad")


def _become(self, arr):
    """``self`` now holds ``arr`` (no longer a view of what it viewed); one in-place change of its version."""
    self._data = arr
    self._view = None
    self._vc[0] += 1
    return self


def set_(self, source=None, storage_offset=None, size=None, stride=None):
    """In place: make this tensor share ``source``'s memory, as PyTorch's ``Tensor.set_``. ``set_(source)``
    takes source's storage, shape and strides (writes through either are seen by both); ``set_(source,
    storage_offset, size, stride)`` views source's storage from ``storage_offset`` (in elements) with the given
    size and strides (default: contiguous ones); ``set_()`` leaves it empty, of shape ``(0,)``.

    Args:
        source: a tensor of this tensor's dtype and device (gpugrad has no Storage objects), or None.
        storage_offset: the first element's position in source's storage (with size).
        size: the new shape (with storage_offset).
        stride: the new strides in elements (default: C-contiguous for size).

    Returns:
        This tensor.

    >>> import gpugrad as gg
    >>> gg.zeros(1).set_(gg.arange(6.0), 1, (2, 2))
    tensor([[1., 2.],
            [3., 4.]])
    """
    if source is None:
        if storage_offset is not None or size is not None:
            raise TypeError("set_(): without source it takes no other argument")
        _no_grad_through(self, None, "set_")
        return _become(self, self.xp.empty((0,), dtype=self._data.dtype))
    if not isinstance(source, Tensor):
        raise TypeError(f"set_(): argument 'source' must be Tensor (gpugrad has no Storage objects), not "
                        f"{type(source).__name__}")
    if source.dtype != self.dtype:
        raise RuntimeError(f"Could not set tensor of type {source.dtype} to a tensor of type {self.dtype}")
    if source.device != self.device:
        raise RuntimeError(f"Attempted to set the storage of a tensor on device {self.device} to a storage on "
                           f"different device {source.device}.")
    if (storage_offset is None) != (size is None):
        raise TypeError("set_(): storage_offset and size go together")
    _no_grad_through(self, source, "set_")
    a = source._data
    if size is None:
        return _become(self, a)
    if stride is None or len(stride) == 0:
        size = tuple(int(s) for s in size)
        stride = tuple(math.prod(size[k + 1:]) for k in range(len(size)))
    size, stride, offset = _args(size, stride, storage_offset, 0)
    flat, _ = _storage(a)
    if flat is None:
        raise RuntimeError("set_: source's memory is not one dense storage (an as_strided view of a strided "
                           "view); set_ its base instead")
    _check_geometry(size, stride, offset, flat.size, a.itemsize)
    isz = a.itemsize
    view = self.xp.lib.stride_tricks.as_strided(flat[offset:] if flat.size > offset else flat[:0], size,
                                                tuple(s * isz for s in stride))
    return _become(self, view)


def is_set_to(self, tensor):
    """Whether this tensor and ``tensor`` are the same view of the same storage: the same memory, first element,
    shape and strides (PyTorch's ``Tensor.is_set_to``; a view of another shape, or a copy, is not).

    Args:
        tensor: the other tensor.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> x = gg.arange(6.0)
    >>> x.is_set_to(x[:]), x.is_set_to(x.view(2, 3)), x.is_set_to(x.clone())
    (True, False, False)
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"is_set_to(): argument 'tensor' (position 1) must be Tensor, not {type(tensor).__name__}")
    a, b = self._data, tensor._data
    if a.shape != b.shape or a.strides != b.strides or a.itemsize != b.itemsize:
        return False
    if a.size == 0:            # no first element to compare: the same storage object
        return _root(a) is _root(b)
    return self.data_ptr() == tensor.data_ptr()


def resize_(self, *size, memory_format=None):
    """In place: give this tensor the shape ``size``, contiguous from its first element in its storage
    (PyTorch's ``resize_``): the same shape changes nothing; a smaller tensor keeps its memory (writes are seen
    by other views of it), a larger one than its storage holds gets new memory with the old elements first,
    the rest uninitialized. Refused on a tensor that requires grad, even under no_grad, as in PyTorch.

    Args:
        *size: the new size, as ints or one tuple.
        memory_format: None or ``gpugrad.contiguous_format``.

    Returns:
        This tensor.

    >>> import gpugrad as gg
    >>> gg.arange(6).resize_(2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if memory_format is not None:
        from .._formats import check_memory_format
        check_memory_format("resize_", memory_format)
    sizes = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    sizes = tuple(int(s) for s in sizes)
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: {list(sizes)}")
    a = self._data
    if sizes == a.shape:
        return self
    xp = self.xp
    n = math.prod(sizes)
    flat, offset = _storage(a)
    if flat is None:                       # an as_strided view of a strided view: its elements in C order
        flat, offset = a.reshape(-1), 0
    if offset + n <= flat.size:
        new = flat[offset:offset + n].reshape(sizes)
    else:
        new = xp.empty(n, dtype=a.dtype)
        kept = flat[offset:offset + n]
        new[:kept.size] = kept
        new = new.reshape(sizes)
    self._data = new
    self._vc[0] += 1
    return self


def resize_as_(self, the_template, memory_format=None):
    """In place: ``self.resize_(the_template.shape)`` (PyTorch's ``resize_as_``).

    Args:
        the_template: the tensor whose shape this one takes.
        memory_format: None or ``gpugrad.contiguous_format``.

    Returns:
        This tensor.

    >>> import gpugrad as gg
    >>> gg.zeros(4).resize_as_(gg.ones(2, 2)).shape
    gpugrad.Size([2, 2])
    """
    return resize_(self, tuple(the_template.shape), memory_format=memory_format)


#: the Tensor methods of this module
STORAGE_METHODS = dict(set_=set_, is_set_to=is_set_to, resize_=resize_, resize_as_=resize_as_)
