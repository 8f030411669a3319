"""ReshapeTransform: the rightmost dims reshaped, a map with a unit Jacobian."""
from __future__ import annotations

import math

from .. import constraints
from ...tensor import Size
from .base import Transform

__all__ = ["ReshapeTransform"]


def _reshaped(shape, old, new):
    """``shape`` with its rightmost dims ``old`` replaced by ``new`` (PyTorch's errors when they are not)."""
    if len(shape) < len(old):
        raise ValueError("Too few dimensions on input")
    cut = len(shape) - len(old)
    if tuple(shape[cut:]) != tuple(old):
        raise ValueError(f"Shape mismatch: expected {shape[cut:]} but got {old}")
    return Size(tuple(shape[:cut]) + tuple(new))


class ReshapeTransform(Transform):
    """Reshapes the rightmost ``in_shape`` dims of the input to ``out_shape`` (the batch dims to their left are
    kept); the log-Jacobian is 0.

    Args:
        in_shape: the input's event shape.
        out_shape: the output's event shape (with as many elements).
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import ReshapeTransform
    >>> t = ReshapeTransform((2, 2), (4,))
    >>> x = gg.zeros(3, 2, 2)
    >>> tuple(t(x).shape), t.log_abs_det_jacobian(x, t(x)), t.inverse_shape((5, 4))
    ((3, 4), tensor([0., 0., 0.]), gpugrad.Size([5, 2, 2]))
    """

    bijective = True

    def __init__(self, in_shape, out_shape, cache_size=0):
        self.in_shape = Size(tuple(in_shape))
        self.out_shape = Size(tuple(out_shape))
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError("in_shape, out_shape have different numbers of elements")
        super().__init__(cache_size=cache_size)

    @constraints.dependent_property
    def domain(self):
        """``real`` over the ``in_shape`` dims.

        >>> from gpugrad.distributions.transforms import ReshapeTransform
        >>> ReshapeTransform((2, 3), (6,)).domain.event_dim
        2
        """
        return constraints.independent(constraints.real, len(self.in_shape))

    @constraints.dependent_property
    def codomain(self):
        """``real`` over the ``out_shape`` dims.

        >>> from gpugrad.distributions.transforms import ReshapeTransform
        >>> ReshapeTransform((2, 3), (6,)).codomain.event_dim
        1
        """
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x):
        return x.reshape(tuple(x.shape[:x.dim() - len(self.in_shape)]) + tuple(self.out_shape))

    def _inverse(self, y):
        return y.reshape(tuple(y.shape[:y.dim() - len(self.out_shape)]) + tuple(self.in_shape))

    def log_abs_det_jacobian(self, x, y):
        return x.new_zeros(tuple(x.shape[:x.dim() - len(self.in_shape)]))

    def forward_shape(self, shape):
        return _reshaped(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape):
        return _reshaped(shape, self.out_shape, self.in_shape)
