"""Tensor: an array (NumPy on the CPU, CuPy on CUDA) plus what autograd needs to know about it."""
from __future__ import annotations

import numpy as np

from . import _dtype
from ._dtype import wrap as _wrap_dtype
from ._formats import check_memory_format
from .backend import device_of, xp_of, to_device, device as _parse_device, default_device, is_device_array, device_array
from ._tensor_str import tensor_repr as _tensor_repr

_ndarray = np.ndarray
_autograd_backward = []


class Size(tuple):
    """A tensor's shape: a tuple of ints (what ``.shape`` and ``.size()`` return, as torch.Size), with
    ``numel()``.

    >>> import gpugrad as gg
    >>> s = gg.ones(2, 3).shape
    >>> isinstance(s, gg.Size), s == (2, 3), s.numel()
    (True, True, 6)
    >>> s, s[1:], (1,) + s
    (gpugrad.Size([2, 3]), gpugrad.Size([3]), gpugrad.Size([1, 2, 3]))
    """

    __slots__ = ()

    def __repr__(self):
        return f"gpugrad.Size([{', '.join(map(str, self))}])"

    # as torch.Size: slicing, joining and repeating give a Size (tuple's own would give a plain tuple)
    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self):
        """The number of elements of a tensor of this shape: the product of the sizes (1 for ``()``).

        Returns:
            the product of the entries, an int.

        >>> import gpugrad as gg
        >>> gg.Size((2, 3, 4)).numel(), gg.Size(()).numel()
        (24, 1)
        """
        n = 1
        for s in self:
            n *= s
        return n


#: the legacy tensor-type names of the dtypes (what ``x.type()`` returns, as in PyTorch)
_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
               "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
               "bool": "BoolTensor"}


def legacy_type_dtype(spec):
    """The dtype that ``type(spec)`` casts to (Tensor.type, Module.type): a dtype, a legacy tensor type
    (``gpugrad.DoubleTensor``, which carries ``.dtype``) or its name (``"torch.cuda.DoubleTensor"``)."""
    if isinstance(spec, str) and spec.startswith("torch."):
        kind = spec.split(".")[-1]
        names = {v: k for k, v in _TYPE_NAMES.items()}
        if kind not in names:
            raise TypeError(f"type: unknown tensor type {spec!r}")
        return names[kind]
    return getattr(spec, "dtype", spec)


def legacy_type_device(spec):
    """Where ``type(spec)`` moves a tensor: "cuda" for ``gpugrad.cuda.FloatTensor`` (or "torch.cuda.FloatTensor"),
    "cpu" for ``gpugrad.FloatTensor`` (or "torch.FloatTensor"), None for a dtype (no move)."""
    if isinstance(spec, str):
        return ("cuda" if spec.startswith("torch.cuda.") else "cpu") if spec.startswith("torch.") else None
    cuda = getattr(spec, "is_cuda", None)
    return None if cuda is None or not isinstance(cuda, bool) else "cuda" if cuda else "cpu"


class DeviceDtypeShorthands:
    """``cpu()``, ``cuda()``, ``float()``, ``double()``, ``half()`` as calls of ``self.to``: shared by
    Tensor and nn.Module, as in PyTorch."""

    __slots__ = ()

    def cpu(self, memory_format=None):
        """``self.to("cpu")``: a copy in host memory, or ``self`` if already there.

        Args:
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            the tensor (or module, moved in place) on the CPU.

        >>> import gpugrad as gg
        >>> gg.ones(2).cpu().device
        device(type='cpu')
        """
        if memory_format is not None:
            check_memory_format("cpu", memory_format)
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """``self.to("cuda")``, or ``self.to(f"cuda:{device}")``: a copy in GPU memory.

        Args:
            device: the GPU's index (default: the current CUDA device).
            non_blocking: accepted for PyTorch's sake; the copy is synchronous.
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            the tensor (or module, moved in place) on that GPU; without CUDA, an error says why.

        >>> import gpugrad as gg
        >>> x = gg.ones(2)
        >>> y = x.cuda() if gg.cuda.is_available() else x     # needs a GPU
        >>> y.shape
        gpugrad.Size([2])
        """
        if memory_format is not None:
            check_memory_format("cuda", memory_format)
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def float(self, memory_format=None):
        """``self.to(gpugrad.float32)``.

        Args:
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            the tensor (or module's floating point parameters and buffers) as float32.

        >>> import gpugrad as gg
        >>> gg.tensor([1, 2]).float()
        tensor([1., 2.])
        """
        if memory_format is not None:
            check_memory_format("float", memory_format)
        return self.to(_dtype.float32)

    def double(self, memory_format=None):
        """``self.to(gpugrad.float64)``.

        Args:
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            the tensor (or module's floating point parameters and buffers) as float64.

        >>> import gpugrad as gg
        >>> gg.ones(2).double().dtype
        gpugrad.float64
        """
        if memory_format is not None:
            check_memory_format("double", memory_format)
        return self.to(_dtype.float64)

    def half(self, memory_format=None):
        """``self.to(gpugrad.float16)``.

        Args:
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            the tensor (or module's floating point parameters and buffers) as float16.

        >>> import gpugrad as gg
        >>> gg.ones(2).half().dtype
        gpugrad.float16
        """
        if memory_format is not None:
            check_memory_format("half", memory_format)
        return self.to(_dtype.float16)


class Tensor(DeviceDtypeShorthands):
    """A multi-dimensional array that can record the ops applied to it and backpropagate through them.

    ``Tensor(...)`` itself is PyTorch's legacy constructor: ``Tensor(2, 3)`` or ``Tensor(size)`` an uninitialized
    tensor of that shape, ``Tensor([1, 2])`` (or a NumPy array) the data in the default float dtype,
    ``Tensor(t)`` the same data as ``t``, ``Tensor()`` an empty one; :func:`gpugrad.tensor` is the everyday
    factory.

    Args:
        args: sizes, a Size, a sequence of values, a Tensor, or nothing.
        device: where to put it.
        dtype: the dtype (a gpugrad extension; PyTorch's constructor always gives the default float dtype).
        requires_grad: record operations on it (a gpugrad extension).

    >>> import gpugrad as gg
    >>> x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    >>> gg.Tensor(2, 3).shape, gg.Tensor([1, 2]).dtype
    (gpugrad.Size([2, 3]), gpugrad.float32)
    """

    __slots__ = ("_data", "requires_grad", "grad", "grad_fn", "_vc", "_hooks", "_grad_buffer",
                 "_retains_grad", "_fw_tangent", "_view", "_post_hooks", "_fw_view", "__weakref__")
    # _vc: the version counter, a one-element list shared by a tensor and its views (an in-place change of
    # either bumps ``_vc[0]``); ``_version`` reads it as PyTorch's int. Internal code uses ``_vc`` directly.
    # _post_hooks is left unset (no cost per op) until register_post_accumulate_grad_hook
    # _fw_view is left unset unless a forward-AD dual level links a view to its base (autograd.forward_views)
    __array_priority__ = 1000  # so that ndarray OP Tensor defers to Tensor's reflected operator

    def __init__(self, *args, device=None, dtype=None, requires_grad=False):
        t = _legacy_new(args, dtype, device, requires_grad)
        self._data = t._data
        self.requires_grad = t.requires_grad
        self.grad = None
        self.grad_fn = None
        self._vc = [0]
        self._hooks = None
        self._grad_buffer = None
        self._retains_grad = False
        self._fw_tangent = None
        self._view = None

    @staticmethod
    def _make(data, grad_fn, requires_grad=None, version=None):
        """Wrap an array without copying (internal; the hot path of every op)."""
        t = object.__new__(Tensor)
        if data.__class__ is not _ndarray and isinstance(data, np.generic):
            data = np.asarray(data)    # NumPy returns scalars from 0-d arithmetic; keep arrays throughout
        t._data = data
        t.grad_fn = grad_fn
        t.requires_grad = grad_fn is not None if requires_grad is None else requires_grad
        t.grad = None
        t._vc = [0] if version is None else version
        t._hooks = None
        t._grad_buffer = None
        t._retains_grad = False
        t._fw_tangent = None
        t._view = None           # (base, view node) for a recorded view: in-place ops on it update the base
        return t

    # -- properties ------------------------------------------------------------------------------------
    @property
    def data(self):
        """This tensor's storage as another Tensor: detached, never recorded, with its own version counter
        (PyTorch's ``.data``), so ``w.data -= lr * w.grad`` or ``w.data.zero_()`` change ``w`` unseen by
        autograd. Assigning a Tensor replaces the storage (its shape and dtype may differ).

        >>> import gpugrad as gg
        >>> w = gg.ones(2, requires_grad=True)
        >>> _ = w.data.mul_(3)
        >>> w
        tensor([3., 3.], requires_grad=True)
        >>> w.data = gg.zeros(3); w.shape
        gpugrad.Size([3])
        """
        return Tensor._make(self._data, None, False)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data: can only assign a Tensor to .data, got {type(value).__name__}")
        self._data = value._data

    @property
    def shape(self):
        """The length of each dimension, a :class:`Size` (a tuple of ints).

        >>> import gpugrad as gg
        >>> gg.zeros(2, 3).shape
        gpugrad.Size([2, 3])
        """
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape (PyTorch's ``size()``), or one dimension's length.

        Args:
            dim: a dimension (negative counts from the end); None for the whole shape.

        Returns:
            a :class:`Size` without ``dim``, else the int length of dimension ``dim``.

        >>> import gpugrad as gg
        >>> x = gg.zeros(2, 3)
        >>> x.size(), x.size(-1)
        (gpugrad.Size([2, 3]), 3)
        """
        if dim is None:
            return Size(self._data.shape)
        nd = self._data.ndim
        if not -max(nd, 1) <= dim < max(nd, 1):
            raise IndexError(f"size: dim {dim} is out of range for a tensor of {nd} dimension(s)")
        return self._data.shape[dim] if nd else 1

    @property
    def ndim(self):
        """The number of dimensions (0 for a scalar).

        >>> import gpugrad as gg
        >>> gg.zeros(2, 3).ndim, gg.tensor(1.0).ndim
        (2, 0)
        """
        return self._data.ndim

    def dim(self):
        """The number of dimensions, as :attr:`ndim`.

        Returns:
            ``len(self.shape)``, an int.

        >>> import gpugrad as gg
        >>> gg.zeros(2, 3, 4).dim()
        3
        """
        return self._data.ndim

    def numel(self):
        """The number of elements.

        Returns:
            the product of the shape, an int.

        >>> import gpugrad as gg
        >>> gg.zeros(2, 3).numel()
        6
        """
        return self._data.size

    @property
    def dtype(self):
        """The element type, a :class:`gpugrad.dtype` (equal to NumPy's: ``x.dtype == numpy.float32`` holds).

        >>> import gpugrad as gg
        >>> gg.zeros(2).dtype, gg.tensor([1, 2]).dtype
        (gpugrad.float32, gpugrad.int64)
        """
        return _wrap_dtype(self._data.dtype)

    @property
    def device(self):
        """Where the data lives: a :class:`gpugrad.Device` (``cpu`` or ``cuda:N``).

        >>> import gpugrad as gg
        >>> gg.zeros(2).device
        device(type='cpu')
        """
        return device_of(self._data)

    @property
    def xp(self):
        """The array module of the data: ``numpy`` on the CPU, ``cupy`` on CUDA (what the ops compute with).

        >>> import gpugrad as gg
        >>> gg.zeros(2).xp.__name__
        'numpy'
        """
        return xp_of(self._data)

    @property
    def _version(self):
        """The version counter as an int, as PyTorch's ``Tensor._version``: bumped by every in-place change of
        this tensor or of one sharing its memory as a view (read-only).

        Returns:
            int.

        >>> import gpugrad as gg
        >>> x = gg.zeros(3)
        >>> _ = x[1:].add_(1.0)
        >>> x._version
        1
        """
        return self._vc[0]

    @property
    def is_leaf(self):
        """True for a tensor no recorded op made (``grad_fn`` is None): created by the user, a parameter, or
        one that does not require grad. ``backward()`` fills ``.grad`` of leaves only.

        >>> import gpugrad as gg
        >>> w = gg.ones(2, requires_grad=True)
        >>> w.is_leaf, (w * 2).is_leaf
        (True, False)
        """
        return self.grad_fn is None

    @property
    def is_cuda(self):
        """True if the tensor is in GPU memory.

        >>> import gpugrad as gg
        >>> gg.zeros(2).is_cuda
        False
        """
        return self.device.type == "cuda"

    def is_floating_point(self):
        """Whether the dtype is a floating point one (float16/bfloat16/float32/float64), as PyTorch's method.

        Returns:
            A bool.

        >>> import gpugrad as gg
        >>> gg.zeros(2).is_floating_point(), gg.tensor([1, 2]).is_floating_point()
        (True, False)
        """
        return _dtype.is_float(self._data.dtype)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    # -- autograd ---------------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Backpropagate from this tensor: add d(self)/d(leaf), contracted with ``gradient``, to the ``.grad``
        of every leaf that requires grad (and of non-leaves that :meth:`retain_grad`).

        Args:
            gradient: the vector of the vector-Jacobian product, shaped like ``self``; required unless
                ``self`` has one element (then it is 1).
            retain_graph: keep the graph's saved tensors so that backward can run through it again (default:
                ``create_graph``).
            create_graph: record the backward pass itself, so the gradients can be differentiated again.
            inputs: accumulate into these tensors' ``.grad`` only (default: every leaf of the graph).

        Returns:
            None; the gradients are accumulated (``+=``) into ``.grad``.

        >>> import gpugrad as gg
        >>> x = gg.tensor([1.0, 2.0], requires_grad=True)
        >>> (x ** 2).sum().backward()
        >>> x.grad
        tensor([2., 4.])
        >>> (x ** 2).backward(gg.tensor([1.0, 0.0])); x.grad      # accumulates
        tensor([4., 4.])
        """
        if not _autograd_backward:        # bound on first use: gpugrad.autograd imports this module
            from .autograd import backward as _backward
            _autograd_backward.append(_backward)
        _autograd_backward[0](self, gradient, retain_graph, create_graph, inputs)

    def requires_grad_(self, requires_grad=True):
        """Turn gradient recording for this leaf on or off, in place.

        Args:
            requires_grad: record ops on this tensor (only a floating point tensor can), or stop doing so
                (only for a leaf: use :meth:`detach` for the result of an op).

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> gg.zeros(2).requires_grad_()
        tensor([0., 0.], requires_grad=True)
        """
        if requires_grad and not _dtype.is_float_or_complex(self._data.dtype):
            raise RuntimeError(f"requires_grad_: only floating point tensors can require gradients, "
                               f"got dtype {self._data.dtype}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False): only leaf tensors can be switched off; use .detach()")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward (only leaves get one otherwise); a no-op on a
        leaf.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> x = gg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3; y.retain_grad()
        >>> (y ** 2).sum().backward(); y.grad
        tensor([ 6., 12.])
        """
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that does not require grad")
        if self.grad_fn is not None and not self._retains_grad:
            import weakref
            self.grad_fn._retained = weakref.ref(self)
            self._retains_grad = True

    @property
    def retains_grad(self):
        """True once :meth:`retain_grad` was called on this non-leaf tensor.

        >>> import gpugrad as gg
        >>> y = gg.ones(2, requires_grad=True) * 2
        >>> y.retains_grad, (y.retain_grad(), y.retains_grad)[1]
        (False, True)
        """
        return self._retains_grad

    def register_hook(self, hook):
        """Run ``hook(grad)`` whenever this tensor's gradient is computed in a backward pass.

        Args:
            hook: called with the gradient; if it returns a tensor, that replaces the gradient (for what flows
                further back and what a leaf accumulates), None leaves it as is.

        Returns:
            a handle whose ``remove()`` unregisters the hook.

        >>> import gpugrad as gg
        >>> x = gg.ones(2, requires_grad=True)
        >>> h = x.register_hook(lambda g: g * 10)
        >>> (x * 2).sum().backward(); x.grad
        tensor([20., 20.])
        >>> h.remove()
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require grad")
        if self.grad_fn is not None:
            owner = self.grad_fn
            if owner._hooks is None:
                owner._hooks = []
            hooks = owner._hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs on a leaf tensor after a backward pass has accumulated its ``.grad`` (what
        DistributedDataParallel uses to all-reduce gradients as they become ready). Returns a handle with
        ``remove()``.

        >>> import gpugrad as gg
        >>> w = gg.ones(2, requires_grad=True); seen = []
        >>> h = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
        >>> (w * 3).sum().backward(); seen
        [[3.0, 3.0]]
        """
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on a tensor that "
                               "doesn't require grad")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        hooks = getattr(self, "_post_hooks", None)
        if hooks is None:
            hooks = self._post_hooks = []
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def detach(self):
        """The same data, cut from the graph: a new tensor that does not require grad and shares storage and
        version counter with ``self`` (an in-place change of one is seen by the other).

        Returns:
            the detached tensor.

        >>> import gpugrad as gg
        >>> y = gg.ones(2, requires_grad=True) * 2
        >>> y.detach()
        tensor([2., 2.])
        """
        return Tensor._make(self._data, None, False, self._vc)

    def detach_(self):
        """Cut this tensor from the graph in place: it becomes a leaf that does not require grad.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> y = gg.ones(2, requires_grad=True) * 2
        >>> y.detach_().requires_grad, y.is_leaf
        (False, True)
        """
        self.grad_fn = None
        self.requires_grad = False
        return self

    # -- conversion --------------------------------------------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number (on a GPU, this waits for the device).

        Returns:
            float, int or bool, by dtype.

        >>> import gpugrad as gg
        >>> gg.tensor([[2.5]]).item()
        2.5
        """
        if self._data.size != 1:
            raise RuntimeError(f"item: only one-element tensors can be converted to Python scalars, "
                               f"got shape {tuple(self.shape)}")
        return self._data.reshape(()).item() if isinstance(self._data, _ndarray) else self._data.item()

    def numpy(self, *, force=False):
        """The data as a NumPy array: the tensor's own array on the CPU (shared memory), a copy from a GPU.

        Args:
            force: also for a tensor that requires grad (as PyTorch's ``numpy(force=True)``); otherwise that
                is an error (use ``detach().numpy()``).

        Returns:
            numpy.ndarray.

        >>> import gpugrad as gg
        >>> gg.tensor([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
        """
        if self.requires_grad and not force:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self._data if isinstance(self._data, _ndarray) else self._data.get()

    def tolist(self):
        """The values as (nested) Python lists of numbers; a scalar for a 0-d tensor.

        Returns:
            list (or a number).

        >>> import gpugrad as gg
        >>> gg.tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return (self._data if isinstance(self._data, _ndarray) else self._data.get()).tolist()

    def __array__(self, dtype=None, copy=None):
        # NumPy 2 passes copy: np.array(t) (copy=True) copies, np.asarray(t) (copy=None) may share memory
        if self.requires_grad:
            raise RuntimeError("__array__: can't convert a tensor that requires grad to a NumPy array; "
                               "use tensor.detach().numpy()")
        a = self._data if isinstance(self._data, _ndarray) else self._data.get()
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        if copy is False and a is not self._data:
            raise ValueError("__array__: a CUDA tensor cannot be viewed as a NumPy array without a copy")
        return a.copy() if copy else a

    def _scalar(self):
        # PyTorch's int()/float() of a tensor raise ValueError where item() raises RuntimeError
        if self._data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars, got shape "
                             f"{tuple(self.shape)}")
        return self.item()

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            what = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous (shape {tuple(self.shape)})")
        return bool(self.item())

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, memory_format=None):
        """Convert to another device and/or dtype: ``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or
        ``to(other_tensor)`` (its device and dtype). Differentiable: the gradient flows back converted.

        Args:
            *args: a device (``"cpu"``, ``"cuda:0"``, a :class:`gpugrad.Device`), a dtype, or a tensor.
            dtype: the dtype, by keyword.
            device: the device, by keyword.
            copy: return a new tensor even when nothing changes.
            non_blocking: accepted for PyTorch's sake (a host-to-device copy is synchronous here).
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            ``self`` if it already has that device and dtype (and not ``copy``), else a converted copy.

        >>> import gpugrad as gg
        >>> x = gg.tensor([1.5, 2.5])
        >>> x.to(gg.int64), x.to("cpu") is x
        (tensor([1, 2]), True)
        """
        if memory_format is not None:
            check_memory_format("to", memory_format)
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif a.__class__ is _dtype.dtype:
                dtype = a
            elif isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "strict"):
                device = a
            elif hasattr(a, "type") and hasattr(a, "index"):
                device = a
            else:
                dtype = a
        from . import ops
        out = self
        if dtype is not None:
            try:
                dtype = _dtype.as_dtype(dtype)
            except TypeError as e:
                raise TypeError(f"to: {dtype!r} is neither a device ('cpu', 'cuda', 'cuda:N') nor a dtype ({e})") \
                    from None
            if dtype != self.dtype:
                out = ops.cast(out, dtype)
        if device is not None:
            device = _parse_device(device)
            if device != self.device:
                out = ops.to_device(out, device)
        if copy and out is self:
            out = ops.clone(self)
        return out

    def long(self, memory_format=None):
        """``self.to(gpugrad.int64)`` (a float is truncated toward zero).

        Args:
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            the tensor as int64.

        >>> import gpugrad as gg
        >>> gg.tensor([1.7, -1.7]).long()
        tensor([ 1, -1])
        """
        if memory_format is not None:
            check_memory_format("long", memory_format)
        return self.to(_dtype.int64)

    def int(self, memory_format=None):
        """``self.to(gpugrad.int32)`` (a float is truncated toward zero).

        Args:
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            the tensor as int32.

        >>> import gpugrad as gg
        >>> gg.tensor([1.7, 2.0]).int().dtype
        gpugrad.int32
        """
        if memory_format is not None:
            check_memory_format("int", memory_format)
        return self.to(_dtype.int32)

    def bool(self, memory_format=None):
        """``self.to(gpugrad.bool)``: True where the value is nonzero.

        Args:
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            the tensor as bool.

        >>> import gpugrad as gg
        >>> gg.tensor([0.0, 0.5]).bool()
        tensor([False,  True])
        """
        if memory_format is not None:
            check_memory_format("bool", memory_format)
        return self.to(_dtype.bool_)

    def type(self, dtype=None, non_blocking=False):
        """Without an argument, PyTorch's type name (``'torch.FloatTensor'``, ``'torch.cuda.LongTensor'``...);
        with a dtype, a legacy type (``gpugrad.DoubleTensor``) or its name, the tensor converted to it.

        Args:
            dtype: a dtype, a legacy tensor type or its name (``"torch.LongTensor"``); None to ask for the name.
            non_blocking: accepted for PyTorch's sake.

        Returns:
            the type name (str) without ``dtype``; else the tensor converted to that dtype.

        >>> import gpugrad as gg
        >>> gg.ones(2).type(), gg.ones(2).type(gg.LongTensor).dtype
        ('torch.FloatTensor', gpugrad.int64)
        """
        if dtype is None:
            name = _TYPE_NAMES.get(self.dtype.name, self.dtype.name)
            return f"torch.{'cuda.' if self.device.type == 'cuda' else ''}{name}"
        dev = legacy_type_device(dtype)
        if dev is not None and (dev == "cuda") != (self.device.type == "cuda"):
            return self.to(dev, legacy_type_dtype(dtype))       # torch.cuda.FloatTensor moves to the GPU
        return self.to(legacy_type_dtype(dtype))

    # -- printing ------------------------------------------------------------------------------------------
    def __repr__(self):
        return _tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0 and type(self) is Tensor:   # f"{loss:.4f}" formats the number, as in PyTorch
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __hash__(self):
        return id(self)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __dlpack__(self, *args, **kwargs):
        if self.requires_grad:
            raise RuntimeError("__dlpack__: can't export a tensor that requires grad; use tensor.detach()")
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    @property
    def __cuda_array_interface__(self):
        if isinstance(self._data, _ndarray):
            raise AttributeError("__cuda_array_interface__: tensor is on the CPU")
        return self._data.__cuda_array_interface__


class _HookHandle:
    __slots__ = ("hooks", "hook")

    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


# ---------------------------------------------------------------------------------------------------------
# creation
# ---------------------------------------------------------------------------------------------------------
def _legacy_new(args, dtype, device, requires_grad):
    """PyTorch's ``torch.Tensor(*args)``: sizes (ints or one Size) give an uninitialized tensor, one sequence
    or array its values in the default float dtype, one Tensor the same data."""
    if len(args) == 1 and isinstance(args[0], Tensor):
        t = args[0]
        if (dtype is None or _dtype.as_dtype(dtype) == t.dtype) and (device is None or _parse_device(device) == t.device):
            return Tensor._make(t._data, None, requires_grad, t._vc)    # shares the data, as PyTorch
        return tensor(t, dtype=dtype, device=device, requires_grad=requires_grad)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args) or (
            len(args) == 1 and isinstance(args[0], Size)):
        from .factories import empty            # factories builds on this module
        return empty(*args if args else (0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if len(args) != 1:
        raise TypeError(f"Tensor(): expected sizes (ints), a Size, one sequence of values or one Tensor, got "
                        f"{tuple(type(a).__name__ for a in args)}")
    data = args[0]
    if not (isinstance(data, (list, tuple)) or hasattr(data, "__array__") or hasattr(data, "__cuda_array_interface__")) \
            or getattr(data, "ndim", 1) == 0:
        raise TypeError(f"Tensor(): data must be a sequence (got {type(data).__name__})")
    return tensor(data, dtype=_dtype.get_default_dtype() if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


def _check_requires_grad(arr, requires_grad, op):
    if requires_grad and not _dtype.is_float_or_complex(arr.dtype):
        raise RuntimeError(f"{op}: only floating point tensors can require gradients, got dtype {arr.dtype}")


def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Make a tensor from data (nested lists, scalars, NumPy or CuPy arrays, Tensors); always copies.

    Python floats become the default float dtype (float32); a float64 NumPy array keeps float64, as in
    PyTorch.

    Args:
        data: the values.
        dtype: the dtype (default: inferred: Python floats give the default float dtype, ints int64, bools bool).
        device: where to put it (default: the default device).
        requires_grad: record operations on it for autograd (floating dtypes only).

    Returns:
        A new Tensor (a copy of ``data``).

    >>> import gpugrad as gg
    >>> str(gg.tensor([[1, 2], [3, 4]]).dtype), str(gg.tensor(1.5).dtype)
    ('gpugrad.int64', 'gpugrad.float32')
    >>> gg.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    """
    dtype = _dtype.as_dtype(dtype)
    dev = _parse_device(device) if device is not None else None
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in _flat_first(data)):
        # the elements' arrays, not Python numbers: float32 tensors make a float32 tensor, as in PyTorch
        arr = np.array([(d._data if isinstance(d._data, _ndarray) else d._data.get()) if isinstance(d, Tensor) else d
                        for d in data])
        if arr.dtype == np.float64 and not any(isinstance(d, Tensor) and d.dtype == np.float64 for d in data):
            arr = arr.astype(_dtype.get_default_dtype())     # Python floats beside float32 tensors
    else:
        arr = data
    if isinstance(arr, (np.ndarray, np.generic)) or not is_device_array(arr):
        src_is_py = not isinstance(arr, (np.ndarray, np.generic))
        try:
            arr = np.array(arr, copy=True)
        except ValueError as e:              # ragged nesting: PyTorch raises ValueError too
            raise ValueError(f"tensor: expected nested sequences of equal lengths, got ragged "
                             f"{type(data).__name__} ({e})") from None
        except TypeError as e:
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__}: {e}") from None
        if arr.dtype.kind in "USa":
            raise TypeError(f"tensor: invalid data type {'str' if arr.dtype.kind == 'U' else 'bytes'!r}: "
                            f"tensors hold numbers and bools")
        if arr.dtype == object:
            bad = next((type(v).__name__ for v in _leaves(data)), type(data).__name__)
            raise RuntimeError(f"tensor: could not infer dtype of {bad} (data of type {type(data).__name__})")
        if src_is_py and dtype is None and arr.dtype in (np.float64, np.complex128) and not _holds_numpy(data, arr.dtype):
            # Python floats (complex numbers) take the default float (complex) dtype; NumPy float64 values
            # among them keep float64, as in PyTorch
            default = _dtype.get_default_dtype()
            arr = arr.astype(default if arr.dtype == np.float64 else np.result_type(default, np.complex64))
        if dev is None:
            dev = default_device()
    else:
        arr = device_array(arr, copy=True)
        if dev is None:
            dev = device_of(arr)
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    arr = to_device(arr, dev)
    _check_requires_grad(arr, requires_grad, "tensor")
    return Tensor._make(arr, None, bool(requires_grad))


def _leaves(data):
    """The elements of nested lists/tuples ``data`` that are not numbers (what NumPy keeps as objects)."""
    if isinstance(data, (list, tuple)):
        for d in data:
            yield from _leaves(d)
    elif not isinstance(data, (int, float, complex, bool, np.generic, np.ndarray)):
        yield data


def _holds_numpy(data, dt):
    """Whether nested lists/tuples ``data`` hold a NumPy scalar or array of dtype ``dt``."""
    if isinstance(data, (np.ndarray, np.generic)):
        return data.dtype == dt
    if isinstance(data, (list, tuple)):
        return any(_holds_numpy(d, dt) for d in data)
    return False


def _flat_first(data):
    return data if not data or not isinstance(data[0], (list, tuple)) else _flat_first(data[0])


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like :func:`tensor` but shares memory when ``data`` already is an array of the right kind.

    Args:
        data: the values.
        dtype: the dtype (default: kept).
        device: the device (default: where ``data`` is, or the default device).

    Returns:
        A Tensor, sharing memory with ``data`` when it can.

    >>> import numpy as np, gpugrad as gg
    >>> a = np.zeros(2, dtype=np.float32)
    >>> t = gg.as_tensor(a)
    >>> a[0] = 1.0
    >>> t.tolist()
    [1.0, 0.0]
    """
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device or dtype) else data
    if isinstance(data, np.ndarray) or is_device_array(data):
        t = Tensor._make(data if isinstance(data, np.ndarray) else device_array(data), None, False)
        return t.to(device=device, dtype=dtype) if (device or dtype) else t
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr) -> Tensor:
    """Wrap a NumPy array without copying (the tensor and the array share memory).

    Args:
        arr: a NumPy array.

    Returns:
        A CPU Tensor sharing ``arr``'s memory.

    >>> import numpy as np, gpugrad as gg
    >>> a = np.arange(3.0)
    >>> t = gg.from_numpy(a)
    >>> t[0] = 5.0
    >>> a.tolist()
    [5.0, 1.0, 2.0]
    """
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(arr).__name__}")
    return Tensor._make(arr, None, False)
