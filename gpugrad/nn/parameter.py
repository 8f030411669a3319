"""Parameter: a leaf Tensor that a Module registers as one of its trainable weights."""
from __future__ import annotations

from .. import _dtype
from ..tensor import Tensor, tensor as _tensor

from ..factories import empty as _empty


class Parameter(Tensor):
    """A Tensor that is a module's parameter: assigning one to a Module attribute registers it, and it
    requires grad by default. It is a real Tensor subclass, so every op accepts it (their results are plain
    Tensors, as in PyTorch). Built from a Tensor it shares that tensor's storage.

    Args:
        data: the initial value (a Tensor, whose storage is shared, or anything ``gpugrad.tensor`` accepts;
            None: an empty float tensor).
        requires_grad: whether the parameter is trained (default True).

    >>> import gpugrad as gg
    >>> p = gg.nn.Parameter(gg.zeros(2, 3))
    >>> p.requires_grad, p.is_leaf, isinstance(p, gg.Tensor)
    (True, True, True)
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            src = _empty(0)
        elif isinstance(data, Tensor):
            src = data
        else:
            src = _tensor(data)
        if requires_grad and not _dtype.is_float_or_complex(src._data.dtype):
            raise RuntimeError(f"Parameter: only floating point tensors can require gradients, got dtype "
                               f"{src._data.dtype}; pass requires_grad=False for integer data")
        self._data = src._data
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.grad_fn = None                    # always a leaf, even when built from a computed tensor
        self._vc = src._vc if isinstance(data, Tensor) else [0]
        self._hooks = None
        self._grad_buffer = None
        self._retains_grad = False
        self._fw_tangent = None
        self._view = None                      # every Tensor slot is set (ops read _view on their inputs)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        # copy.deepcopy(module) keeps Parameters as Parameters (with a fresh version counter and no grad)
        return (_rebuild_parameter, (self._data.copy(), self.requires_grad, self.grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        from copy import deepcopy
        p = Parameter(Tensor._make(self._data.copy(), None, False), self.requires_grad)
        memo[id(self)] = p
        if self.grad is not None:
            p.grad = deepcopy(self.grad, memo)
        return p


def _rebuild_parameter(data, requires_grad, grad):
    p = Parameter(Tensor._make(data, None, False), requires_grad)
    p.grad = grad
    return p


class UninitializedParameter(Parameter):
    """A Parameter whose shape is not known yet (what a lazy layer such as :class:`gpugrad.nn.LazyLinear`
    holds until its first call). It holds no values: its shape raises, and :meth:`materialize` turns it, in
    place, into a regular :class:`Parameter` of a given shape (the same object, so references stay valid).
    ``Module.to`` still moves and casts it: the materialized parameter takes its device and dtype.

    Args:
        requires_grad: whether the materialized parameter is trained (default True).
        device: where to create it once materialized (default: the default device).
        dtype: its dtype (default: the default float dtype).

    >>> import gpugrad as gg
    >>> p = gg.nn.UninitializedParameter()
    >>> p
    <UninitializedParameter>
    >>> p.materialize((2, 3)); type(p).__name__, p.shape
    ('Parameter', gpugrad.Size([2, 3]))
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(_empty(0, device=device, dtype=dtype), requires_grad)

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the parameter storage of ``shape`` (uninitialized values) and make it a :class:`Parameter`.

        Args:
            shape: the shape (a tuple of ints).
            device: where (default: this parameter's device).
            dtype: which dtype (default: this parameter's dtype).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> p = gg.nn.UninitializedParameter(dtype=gg.float64)
        >>> p.materialize((4,)); p.dtype, isinstance(p, gg.nn.UninitializedParameter)
        (gpugrad.float64, False)
        """
        src = self._data
        self._data = _empty(tuple(shape), device=self.device if device is None else device,
                            dtype=src.dtype if dtype is None else dtype)._data
        self._vc[0] += 1
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        """Not known yet: reading it raises RuntimeError (call the lazy layer, or :meth:`materialize`, first).

        >>> import gpugrad as gg
        >>> try:
        ...     gg.nn.UninitializedParameter().shape
        ... except RuntimeError:
        ...     print("not materialized")
        not materialized
        """
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def size(self, dim=None):
        return self.shape

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_uninitialized, (self.requires_grad, str(self.device), str(self._data.dtype)))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = UninitializedParameter(self.requires_grad, self.device, self._data.dtype)
        return memo[id(self)]


def _rebuild_uninitialized(requires_grad, device, dtype):
    return UninitializedParameter(requires_grad, device, dtype)


def is_lazy(param) -> bool:
    """Whether ``param`` is an :class:`UninitializedParameter` (not materialized yet).

    Args:
        param: any object.

    Returns:
        bool.

    >>> import gpugrad as gg
    >>> gg.nn.parameter.is_lazy(gg.nn.UninitializedParameter()), gg.nn.parameter.is_lazy(gg.ones(1))
    (True, False)
    """
    return isinstance(param, UninitializedParameter)


class Buffer(Tensor):
    """A Tensor that a Module registers as a buffer when assigned to one of its attributes (PyTorch >= 2.5):
    ``self.running = gg.nn.Buffer(t)`` is ``self.register_buffer("running", t)``. It shares ``data``'s
    storage, detached from its graph.

    Args:
        data: the buffer's value (a Tensor; None: an empty float tensor).
        persistent: whether ``state_dict()`` saves it (default True).

    >>> import gpugrad as gg
    >>> m = gg.nn.Module()
    >>> m.steps = gg.nn.Buffer(gg.zeros(1))
    >>> m.cache = gg.nn.Buffer(gg.ones(2), persistent=False)
    >>> [n for n, _ in m.named_buffers()], list(m.state_dict())
    (['steps', 'cache'], ['steps'])
    """

    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent=True):
        src = _empty(0) if data is None else data
        if not isinstance(src, Tensor):
            raise TypeError(f"Buffer: expected a Tensor, got {type(src).__name__}")
        self._data = src._data
        self.requires_grad = src.requires_grad
        self.grad = None
        self.grad_fn = None
        self._vc = src._vc
        self._hooks = None
        self._grad_buffer = None
        self._retains_grad = False
        self._fw_tangent = None
        self._view = None
        self.persistent = bool(persistent)

    def __repr__(self):           # PyTorch's Buffer is a plain tensor, and prints as one
        return repr(Tensor._make(self._data, None, self.requires_grad))

    __str__ = __repr__
