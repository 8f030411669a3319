"""``Variable``: the wrapper of PyTorch before 0.4, kept by PyTorch for old code. ``Variable(t)`` is a tensor
sharing ``t``'s data, detached from its graph, and every tensor is an instance of ``Variable``."""
from __future__ import annotations

import warnings

from ..tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: ``data`` detached (the same storage), requiring grad if asked;
    the result is a plain Tensor, as in PyTorch since 0.4.

    Args:
        data: a Tensor.
        requires_grad: make the result a leaf that requires grad.
        volatile: removed in PyTorch 0.4; True warns and changes nothing (use ``no_grad()``).

    Returns:
        A Tensor.

    >>> import gpugrad as gg
    >>> from gpugrad.autograd import Variable
    >>> w = Variable(gg.ones(2), requires_grad=True)
    >>> w.requires_grad, isinstance(w, Variable), type(w).__name__
    (True, True, 'Tensor')
    """

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        return data.detach().requires_grad_(requires_grad)

    def __init__(self, data, requires_grad=False, volatile=False):   # (never runs: __new__ returns a Tensor)
        pass
