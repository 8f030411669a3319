"""Parameter: a leaf Tensor that a Module registers as one of its trainable weights."""
from __future__ import annotations

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
        if requires_grad and src._data.dtype.kind not in "fc":
            raise RuntimeError(f"Parameter: only floating point tensors can require gradients, got dtype "
                               f"{src._data.dtype}; pass requires_grad=False for integer data")
        self._data = src._data
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.grad_fn = None                    # always a leaf, even when built from a computed tensor
        self._version = src._version if isinstance(data, Tensor) else [0]
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
