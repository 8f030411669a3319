"""Forward-mode automatic differentiation with dual numbers, as ``torch.autograd.forward_ad``.

Inside a :class:`dual_level`, a tensor made by :func:`make_dual` carries a tangent t beside its value x
(the dual number x + t eps, eps^2 = 0). Every op that sees a tangent on an input also computes its output's
tangent, J t, with the op's ``jvp`` rule, in the same pass as its value: one forward pass gives a
Jacobian-vector product, with no tape and no backward pass. :func:`unpack_dual` reads it back.

>>> import gpugrad as gg
>>> import gpugrad.autograd.forward_ad as fwAD
>>> x = gg.tensor([1.0, 2.0])
>>> with fwAD.dual_level():
...     y = (fwAD.make_dual(x, gg.tensor([1.0, 0.0])) ** 2).sum()
...     fwAD.unpack_dual(y).tangent        # d/dx0 of x0^2 + x1^2 at (1, 2)
tensor(2.)

Tangents are raw arrays (the same module as the value) and are not themselves recorded for reverse mode.
One level is active at a time; on leaving it every tangent made inside is dropped.
"""
from __future__ import annotations

from collections import namedtuple

from ..tensor import Tensor
from . import op as _function
from .forward_views import tangent_of
from .op import _attach_tangent

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = """What :func:`unpack_dual` returns: a named tuple ``(primal, tangent)``.

>>> import gpugrad as gg
>>> import gpugrad.autograd.forward_ad as fwAD
>>> fwAD.unpack_dual(gg.tensor(1.0)).tangent is None
True
"""


def enter_dual_level():
    """Start the forward-AD level (prefer ``with dual_level():``). Returns its number, 0.

    Returns:
        The level's number (0).

    >>> import gpugrad.autograd.forward_ad as fwAD
    >>> level = fwAD.enter_dual_level()
    >>> fwAD.exit_dual_level(level=level)
    """
    if _function._fw_level:
        raise RuntimeError("forward_ad: nested dual levels are not supported; leave the current dual_level "
                           "before entering another")
    _function._fw_duals.clear()
    _function._fw_level = 1
    _function._update_slow()
    return 0


def exit_dual_level(*, level=None):
    """Leave the forward-AD level: every tangent made inside it is dropped.

    Args:
        level: the level to leave (default: the current one).

    Returns:
        None.

    >>> import gpugrad.autograd.forward_ad as fwAD
    >>> fwAD.exit_dual_level(level=fwAD.enter_dual_level())
    """
    if not _function._fw_level:
        raise RuntimeError("forward_ad: exit_dual_level called with no dual level active")
    for ref in _function._fw_duals:
        t = ref()
        if t is not None:
            t._fw_tangent = None
    _function._fw_duals.clear()
    _function._fw_level = 0
    _function._update_slow()


class dual_level:
    """Context manager for a forward-AD level: ``with dual_level(): ...``.

    >>> import gpugrad as gg
    >>> import gpugrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(gg.tensor(3.0), gg.tensor(1.0))
    ...     print(fwAD.unpack_dual(x ** 2).tangent.item())
    6.0
    """

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _check_active(op):
    if not _function._fw_level:
        raise RuntimeError(f"forward_ad.{op}: no dual level is active; use it inside `with dual_level():`")


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` that carries ``tangent`` (same shape, a floating dtype, same device).

    The result is still differentiable in reverse mode with respect to ``tensor``.

    Args:
        tensor: the primal value.
        tangent: its tangent (the direction of the derivative).
        level: the forward-AD level (default: the current one).

    Returns:
        A Tensor carrying the tangent.

    >>> import gpugrad as gg
    >>> import gpugrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     y = fwAD.make_dual(gg.tensor([0.0, 1.0]), gg.ones(2)).exp()
    ...     print(fwAD.unpack_dual(y).tangent.tolist()[0])
    1.0
    """
    _check_active("make_dual")
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError(f"make_dual: expected two Tensors, got {type(tensor).__name__} and "
                        f"{type(tangent).__name__}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise ValueError(f"make_dual: tangent shape {tuple(tangent.shape)} must match the primal's "
                         f"{tuple(tensor.shape)}")
    if tensor.dtype.kind != "f" or tangent.dtype.kind != "f":
        raise ValueError(f"make_dual: primal and tangent must be floating point, got {tensor.dtype} and "
                         f"{tangent.dtype}")
    if tangent.device != tensor.device:
        raise ValueError(f"make_dual: tangent is on {tangent.device} but the primal is on {tensor.device}")
    t = tangent._data if tangent.dtype == tensor.dtype else tangent._data.astype(tensor.dtype)
    if tensor.requires_grad:
        from ..ops.shape import Reshape, _view_of
        # a recorded view: reverse mode flows to tensor, and in-place ops on it follow the view rules
        out = _view_of(Reshape.apply(tensor, tensor.shape), tensor)
        out._fw_view = False      # for forward AD a new family: its tangent is its own, not tensor's
    else:
        out = Tensor._make(tensor._data.view(), None, False, tensor._vc)
    _attach_tangent(out, t)
    return out


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``: a view of ``tensor`` without tangent, and the tangent as a Tensor (or None).

    Args:
        tensor: a tensor (dual or not).
        level: the forward-AD level (default: the current one).

    Returns:
        An :class:`UnpackedDualTensor` ``(primal, tangent)``.

    >>> import gpugrad as gg
    >>> import gpugrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     p, t = fwAD.unpack_dual(fwAD.make_dual(gg.tensor(2.0), gg.tensor(5.0)) * 3)
    >>> p.item(), t.item()
    (6.0, 15.0)
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual: expected a Tensor, got {type(tensor).__name__}")
    t = tangent_of(tensor)
    if t is None:
        return UnpackedDualTensor(tensor, None)
    primal = Tensor._make(tensor._data, tensor.grad_fn, tensor.requires_grad, tensor._vc)
    return UnpackedDualTensor(primal, Tensor._make(t, None, False))
