"""Function: one recorded op, with its forward and its backward side by side.

A subclass writes ``forward(self, *arrays, **options)`` on raw arrays of one array module (``self.xp``) and
``backward(self, grad)`` returning one gradient per positional argument (``None`` where there is none). The
instance is also the tape's node: ``apply`` links it to the nodes of its inputs (``next``) and keeps only
what ``save_for_backward`` named. Backward formulas are written against ``self.xp`` and the saved values so
that the same code runs on NumPy arrays, CuPy arrays, or (for higher-order derivatives) on Tensors.

Example::

    class Exp(Function):
        def forward(self, x):
            y = self.xp.exp(x)
            self.save_for_backward(y)
            return y

        def backward(self, g):
            (y,) = self.saved
            return g * y            # d/dx e^x = e^x
"""
from __future__ import annotations

from . import grad_mode
from ..backend import xp_of, device_of

_state = grad_mode._state
_OUTPUT = object()  # marks "the op's own output" among the saved sources


class Function:
    __slots__ = ("xp", "next", "saved", "needs_input_grad", "_sources", "_versions", "_freed", "_retained",
                 "_hooks", "_to_save", "__dict__", "__weakref__")

    #: every op class, for the test that each one is covered by the gradient-check table
    registry: list[type] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Function.registry.append(cls)

    # -- what subclasses write ------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__} is not differentiable")

    def save_for_backward(self, *values):
        self._to_save = values

    @property
    def name(self) -> str:
        return type(self).__name__ + "Backward"

    # -- recording ------------------------------------------------------------------------------------
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op on Tensors (and constants) and, if grad mode is on and an input requires grad,
        record it. Returns a Tensor."""
        node = cls.__new__(cls)
        node._to_save = None
        arrays = []
        requires = False
        first = None
        for a in args:
            if type(a) is Tensor or isinstance(a, Tensor):
                if first is None:
                    first = a.data
                elif type(a.data) is not type(first) or (type(first) is not _ndarray and
                                                          a.data.device != first.device):
                    _device_mismatch(cls, args)
                arrays.append(a.data)
                requires = requires or a.requires_grad
            else:
                arrays.append(a)
        node.xp = xp_of(first)
        out = node.forward(*arrays, **kwargs)
        if not (requires and _state.enabled):
            return Tensor._make(out, None)
        node.next = tuple((a.grad_fn or a) if isinstance(a, Tensor) and a.requires_grad else None
                          for a in args)
        node.needs_input_grad = tuple(e is not None for e in node.next)
        node._freed = False
        node._retained = None
        node._hooks = None
        result = Tensor._make(out, node)
        to_save = node._to_save
        if to_save:
            sources = []
            versions = []
            for s in to_save:
                src = 0
                if s is out:
                    src = _OUTPUT
                    versions.append((result._version, 0, "its output"))
                else:
                    for i, a in enumerate(arrays):
                        if s is a and isinstance(args[i], Tensor):
                            src = args[i]
                            versions.append((src._version, src._version[0], f"input {i}"))
                            break
                sources.append(src)
            node.saved = to_save
            node._sources = tuple(sources)
            node._versions = versions
        else:
            node.saved = ()
            node._sources = ()
            node._versions = None
        node._to_save = None
        return result

    def __repr__(self):
        return f"<{self.name}>"


def _device_mismatch(cls, args):
    from .. import Tensor as _T
    devs = [f"{device_of(a.data)} {tuple(a.shape)}" for a in args if isinstance(a, _T)]
    raise RuntimeError(f"{cls.__name__.lower()}: expected all tensors on the same device, got "
                       + " and ".join(devs) + "; move them with .to(device) first")


import numpy as _np  # noqa: E402

_ndarray = _np.ndarray
from ..tensor import Tensor  # noqa: E402  (tensor.py imports nothing from here at import time)
