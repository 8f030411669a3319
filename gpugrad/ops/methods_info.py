"""Tensor introspection and conversion methods of PyTorch's that scripts use: sizes in bytes and elements
(``element_size``, ``nelement``, ``nbytes``...), where the memory is (``is_cpu``, ``get_device``,
``data_ptr``, ``pin_memory``, ``share_memory_``), the legacy casts (``byte``, ``char``, ``short``,
``bfloat16``), the legacy constructor ``new``, the Python-callback fills ``apply_``/``map_`` (CPU only, as in
PyTorch), the conjugate transposes ``H``/``mH`` and ``output_nr``. Merged into Tensor by methods.py."""
from __future__ import annotations

import builtins
import mmap

import numpy as np

from .. import _dtype
from .._formats import check_memory_format
from ..tensor import Tensor, Size, tensor as _tensor
from ..backend import cupy_or_none, device as _parse_device
from . import shape as S


def element_size(self):
    """The size of one element in bytes.

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> gg.ones(2).element_size(), gg.ones(2, dtype=gg.int64).element_size()
    (4, 8)
    """
    return self.dtype.itemsize


def nelement(self):
    """The number of elements (PyTorch's alias of ``numel``).

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> gg.ones(2, 3).nelement()
    6
    """
    return self.numel()


def ndimension(self):
    """The number of dims (PyTorch's alias of ``dim``).

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> gg.ones(2, 3).ndimension()
    2
    """
    return self.ndim


def _nbytes(self):
    """The bytes of the elements: ``numel() * element_size()`` (of the view, not of the memory behind it).

    >>> import gpugrad as gg
    >>> gg.ones(2, 3).nbytes
    24
    """
    return self.numel() * self.dtype.itemsize


def _itemsize(self):
    """The size of one element in bytes (as ``element_size()``).

    >>> import gpugrad as gg
    >>> gg.ones(2, dtype=gg.float64).itemsize
    8
    """
    return self.dtype.itemsize


def _is_cpu(self):
    """Whether the tensor is in host memory.

    >>> import gpugrad as gg
    >>> gg.ones(2).is_cpu
    True
    """
    return self.device.type == "cpu"


def get_device(self):
    """The index of the GPU the tensor is on, or -1 for a CPU tensor, as PyTorch's.

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> gg.ones(2).get_device()
    -1
    """
    dev = self.device
    return -1 if dev.type == "cpu" else (dev.index or 0)


def is_signed(self):
    """Whether the dtype holds negative numbers (floating, complex and signed integer dtypes; not uint8 or
    bool).

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.ones(1).is_signed(), gg.ones(1, dtype=gg.uint8).is_signed()
    (True, False)
    """
    return self.dtype.kind not in "ub"


def is_inference(self):
    """Whether this is an inference tensor. gpugrad has none (``inference_mode`` is ``no_grad``; see its
    docstring), so always False: tensors made under ``inference_mode`` are ordinary tensors.

    Returns:
        False.

    >>> import gpugrad as gg
    >>> with gg.inference_mode():
    ...     x = gg.ones(2)
    >>> x.is_inference()
    False
    """
    return False


def is_complex(self):
    """Whether the dtype is a complex one.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.ones(2).is_complex()
    False
    """
    return self.dtype.kind == "c"


def is_nonzero(self):
    """Whether a one-element tensor is non-zero; see :func:`gpugrad.is_nonzero`.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.tensor([2]).is_nonzero()
    True
    """
    from .._typeinfo import is_nonzero as _is_nonzero
    return _is_nonzero(self)


# -- where the memory is ---------------------------------------------------------------------------------------
def _owners(a):
    """The objects that own ``a``'s memory: its chain of bases (through memoryviews to the buffer)."""
    while a is not None:
        yield a
        a = a.obj if isinstance(a, memoryview) else getattr(a, "base", None)


def data_ptr(self):
    """The address of the tensor's first element (host or device memory; 0 for a tensor of no elements), as
    PyTorch's.

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> x = gg.ones(2, 3)
    >>> x[1].data_ptr() - x.data_ptr()
    12
    """
    a = self._data
    if a.size == 0:
        return 0
    if isinstance(a, np.ndarray):
        return a.__array_interface__["data"][0]
    if hasattr(a, "data") and hasattr(a.data, "ptr"):       # CuPy
        return a.data.ptr
    return a._a.__array_interface__["data"][0]             # the strict test device wraps a NumPy array


def is_pinned(self, device=None):
    """Whether the tensor is in page-locked host memory (made by :meth:`pin_memory`).

    Args:
        device: accepted, as PyTorch's (the accelerator the memory is pinned for).

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.ones(2).is_pinned()
    False
    """
    if not isinstance(self._data, np.ndarray):
        return False
    cp = cupy_or_none()
    if cp is None:
        return False
    return any(isinstance(o, cp.cuda.PinnedMemoryPointer) for o in _owners(self._data))


def pin_memory(self, device=None):
    """A copy in page-locked (pinned) host memory, which a GPU reads faster and asynchronously; self if it is
    pinned already. As in PyTorch, an error (RuntimeError) without a GPU, and for a tensor not on the CPU.

    Args:
        device: accepted, as PyTorch's (the accelerator to pin for).

    Returns:
        A CPU tensor in pinned memory.

    >>> import gpugrad as gg
    >>> x = gg.ones(2)
    >>> y = x.pin_memory() if gg.cuda.is_available() else x      # needs a GPU
    >>> y.tolist()
    [1.0, 1.0]
    """
    if self.device.type != "cpu":
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if is_pinned(self):
        return self
    import cupyx
    out = self.clone() if self.requires_grad else Tensor._make(self._data, None, False)   # (recorded: a copy)
    pinned = cupyx.empty_pinned(self._data.shape, self._data.dtype)
    pinned[...] = self._data
    out._data = pinned
    return out


def share_memory_(self):
    """Move the tensor's memory into shared memory (an anonymous ``MAP_SHARED`` mapping), so that processes
    forked afterwards (``multiprocessing`` with the fork start method, as in Hogwild training) read and write
    the same values, as PyTorch's; a no-op for a tensor already shared or on a GPU. Views of this tensor taken
    *before* the call keep the old memory (PyTorch's views follow the storage).

    Returns:
        self.

    >>> import gpugrad as gg
    >>> x = gg.ones(3).share_memory_()
    >>> x.is_shared(), x.tolist()
    (True, [1.0, 1.0, 1.0])
    """
    if self.device.type != "cpu" or is_shared(self):
        return self
    a = self._data
    buf = mmap.mmap(-1, max(a.nbytes, 1))          # anonymous and MAP_SHARED: children of a fork share it
    shared = np.frombuffer(buf, dtype=a.dtype, count=a.size).reshape(a.shape)
    shared[...] = a
    self._data = shared
    return self


def is_shared(self):
    """Whether the tensor is in shared memory (:meth:`share_memory_`, or a view of such a tensor); GPU tensors
    count as shared, as in PyTorch.

    Returns:
        A bool.

    >>> import gpugrad as gg
    >>> gg.ones(2).is_shared()
    False
    """
    if self.device.type != "cpu":
        return True
    return any(isinstance(o, mmap.mmap) for o in _owners(self._data))


# -- legacy casts --------------------------------------------------------------------------------------------
def _cast(name, dt):
    def cast(self, memory_format=None):
        check_memory_format(name, memory_format)
        return self.to(dt)
    cast.__name__ = cast.__qualname__ = name
    cast.__doc__ = f"""``self.to({dt})``, as PyTorch's ``{name}()``.

    Args:
        memory_format: None, ``preserve_format`` or ``contiguous_format``.

    Returns:
        The tensor as {dt} (self if it is already).

    >>> import gpugrad as gg
    >>> gg.tensor([1.5, -2.7]).{name}().dtype
    {dt}
    """
    return cast


byte, char, short = _cast("byte", _dtype.uint8), _cast("char", _dtype.int8), _cast("short", _dtype.int16)


def bfloat16(self, memory_format=None):
    """``self.to(gpugrad.bfloat16)``; bfloat16 in NumPy needs the optional ml_dtypes package (``pip install
    ml_dtypes``): without it, a RuntimeError says so.

    Args:
        memory_format: None, ``preserve_format`` or ``contiguous_format``.

    Returns:
        The tensor as bfloat16.

    >>> import gpugrad as gg
    >>> gg.tensor([1.5, -2.7]).bfloat16().float()
    tensor([ 1.5000, -2.7031])
    """
    check_memory_format("bfloat16", memory_format)
    try:
        import ml_dtypes
    except ImportError:
        raise RuntimeError("Tensor.bfloat16() needs the ml_dtypes package, which gives NumPy its bfloat16 type "
                           "(pip install ml_dtypes)") from None
    return self.to(np.dtype(ml_dtypes.bfloat16))


# -- the legacy constructor -------------------------------------------------------------------------------------
def new(self, *args, device=None):
    """PyTorch's legacy constructor, with this tensor's dtype and device: ``x.new()`` (empty),
    ``x.new(2, 3)`` or ``x.new(gpugrad.Size([2, 3]))`` (uninitialized, of that shape), ``x.new([1, 2])`` (from
    data, a list or tuple) and ``x.new(other)`` (``other`` itself, which must have this dtype: memory shared).
    New code uses ``new_empty``, ``new_tensor`` and friends.

    Args:
        *args: nothing, sizes (ints or a Size), data (a list or tuple) or a tensor.
        device: the device, which must be this tensor's (as in PyTorch).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> x = gg.ones(2, dtype=gg.int32)
    >>> x.new([1.5, 2]), x.new(2, 3).shape
    (tensor([1, 2], dtype=gpugrad.int32), gpugrad.Size([2, 3]))
    """
    dev = self.device
    if device is not None and _parse_device(device) != dev:
        raise RuntimeError(f"legacy constructor expects device {dev} but device {_parse_device(device)} was passed")
    from ..factories import empty
    if not args:
        return empty((0,), dtype=self.dtype, device=dev)
    if len(args) == 1:
        a = args[0]
        if isinstance(a, Tensor):
            if a.dtype != self.dtype or a.device != dev:
                raise TypeError(f"new(): expected a tensor of dtype {self.dtype} on {dev}, got {a.dtype} on "
                                f"{a.device}")
            return S.view(a, a.shape)
        if isinstance(a, Size):
            return empty(tuple(a), dtype=self.dtype, device=dev)
        if isinstance(a, (list, tuple, np.ndarray)):
            return _tensor(a, dtype=self.dtype, device=dev)
        if isinstance(a, (float, complex, bool, str)) or a is None:
            raise TypeError(f"new(): data must be a sequence (got {type(a).__name__})")
    return empty(args, dtype=self.dtype, device=dev)


# -- fills by a Python callable (CPU only) -----------------------------------------------------------------------
def _python_value(kind):
    return {"f": float, "c": complex, "b": bool}.get(kind, int)


def _check_callback_target(self, op):
    if self.device.type != "cpu":
        raise RuntimeError(f"{op} is only implemented on CPU tensors")
    if self.requires_grad:
        raise RuntimeError(f"Can't call {op}() on Variable that requires grad. Use var.detach().{op}() instead.")


def _write_values(self, values):
    conv = _python_value(self.dtype.kind)
    for v in values:
        if isinstance(v, (str, bytes)) or v is None:      # (int("3") would pass: PyTorch refuses strings)
            raise TypeError(f"the callable must return a number, got {type(v).__name__}")
    self._data[...] = np.array([conv(v) for v in values], dtype=self.dtype).reshape(self._data.shape)
    self._vc[0] += 1
    return self


def apply_(self, callable):
    """In place: replace each element ``v`` by ``callable(v)`` (a Python number in, one out), as PyTorch's
    ``apply_``: CPU tensors only, slow (a Python call per element), and refused on a tensor that requires
    grad.

    Args:
        callable: a function of one number.

    Returns:
        self, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0, 2.0]).apply_(lambda v: v * 10)
    tensor([10., 20.])
    """
    if not builtins.callable(callable):
        raise TypeError(f"'{type(callable).__name__}' object is not callable")
    _check_callback_target(self, "apply_")
    return _write_values(self, [callable(v) for v in self._data.ravel().tolist()])


def map_(self, tensor, callable):
    """In place: replace each element ``v`` by ``callable(v, w)``, ``w`` the matching element of ``tensor``
    (broadcast to this shape, same dtype), as PyTorch's ``map_``: CPU tensors only, refused on tensors that
    require grad.

    Args:
        tensor: a tensor of this dtype that broadcasts to this tensor's shape.
        callable: a function of two numbers.

    Returns:
        self, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0, 2.0]).map_(gg.tensor([10.0]), lambda v, w: v + w)
    tensor([11., 12.])
    """
    if not builtins.callable(callable):
        raise TypeError(f"'{type(callable).__name__}' object is not callable")
    _check_callback_target(self, "map_")
    if tensor.requires_grad:
        raise RuntimeError("Can't call map_() on Variable that requires grad. Use var.detach().map_() instead.")
    if tensor.dtype != self.dtype:
        raise TypeError(f"map_: expected {self.type()} for 'other' (got {tensor.type()})")
    other = S.expand(tensor, self.shape)._data.ravel().tolist()
    return _write_values(self, [callable(v, w) for v, w in zip(self._data.ravel().tolist(), other)])


# -- conjugate transposes and graph positions ------------------------------------------------------------------
def _conj_view(self, t):
    """``t`` (a transpose of self) conjugated when complex (no gradient through it: gpugrad's ops are real)."""
    if self.dtype.kind != "c":
        return t
    if self.requires_grad:
        raise NotImplementedError("the conjugate transpose of a complex tensor that requires grad is not "
                                  "supported (gpugrad differentiates real tensors)")
    return Tensor._make(t._data.conj(), None, False)


def _H(self):
    """The conjugate transpose of a matrix (2-D only; a 0-d tensor as is), as PyTorch's ``.H``: the transpose
    for real tensors.

    >>> import gpugrad as gg
    >>> gg.ones(2, 3).H.shape
    gpugrad.Size([3, 2])
    """
    if self.ndim == 0:
        return self
    if self.ndim != 2:
        hint = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.{hint}")
    return _conj_view(self, S.transpose(self, 0, 1))


def _mH(self):
    """The conjugate transpose of each matrix of a batch (the last two dims swapped; a 0-d tensor as is), as
    PyTorch's ``.mH``: ``.mT`` for real tensors.

    >>> import gpugrad as gg
    >>> gg.ones(5, 2, 3).mH.shape
    gpugrad.Size([5, 3, 2])
    """
    if self.ndim == 0:
        return self
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.ndim}-D "
                           f"tensor.")
    return _conj_view(self, S.transpose(self, -2, -1))


def _output_nr(self):
    """Which output of its ``grad_fn`` this tensor is: 0 for leaves and for every op of one output; ``i`` for
    the ``i``-th output of a custom ``autograd.Function`` of several. (gpugrad records ``unbind`` and
    ``split`` as one node per piece, so their pieces say 0 where PyTorch counts 0, 1, ...)

    >>> import gpugrad as gg
    >>> (gg.ones(2, requires_grad=True) * 2).output_nr
    0
    """
    return getattr(self.grad_fn, "index", 0) if type(self.grad_fn).__name__ == "_Select" else 0


#: the Tensor methods of this family (merged into Tensor by methods.py)
INFO_METHODS = dict(
    element_size=element_size, nelement=nelement, ndimension=ndimension, get_device=get_device, is_signed=is_signed,
    is_inference=is_inference, is_complex=is_complex, is_nonzero=is_nonzero, data_ptr=data_ptr,
    is_pinned=is_pinned, pin_memory=pin_memory, share_memory_=share_memory_, is_shared=is_shared, byte=byte,
    char=char, short=short, bfloat16=bfloat16, new=new, apply_=apply_, map_=map_)
#: the properties of this family
INFO_PROPERTIES = dict(nbytes=_nbytes, itemsize=_itemsize, is_cpu=_is_cpu, H=_H, mH=_mH, output_nr=_output_nr)
