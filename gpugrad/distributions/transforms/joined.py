"""Transforms applied piecewise along one dim: CatTransform (consecutive slices of given lengths, joined as
``cat``) and StackTransform (one transform per index, joined as ``stack``)."""
from __future__ import annotations

import functools
import operator

from .. import constraints
from ..independent import _sum_rightmost
from ...ops.shape import cat, stack
from .base import Transform

__all__ = ["CatTransform", "StackTransform"]


class _Joined(Transform):
    """The transforms ``tseq`` on slices of dim ``dim`` (the base of CatTransform and StackTransform).

    Args:
        tseq: a sequence of Transforms.
        dim: the dim the slices lie along.
        cache_size: 0 or 1 (passed on to the parts).

    >>> from gpugrad.distributions.transforms import ExpTransform, StackTransform
    >>> StackTransform([ExpTransform()], cache_size=1).transforms[0]._cache_size
    1
    """

    def __init__(self, tseq, dim=0, cache_size=0):
        tseq = list(tseq)
        if not all(isinstance(t, Transform) for t in tseq):
            raise AssertionError("All elements of tseq must be Transform instances")
        super().__init__(cache_size=cache_size)
        self.transforms = [t.with_cache(cache_size) for t in tseq] if cache_size else tseq
        self.dim = dim

    @property
    def bijective(self):
        """Whether every part is bijective.

        >>> from gpugrad.distributions.transforms import AbsTransform, CatTransform, ExpTransform
        >>> CatTransform([ExpTransform(), AbsTransform()]).bijective
        False
        """
        return all(t.bijective for t in self.transforms)


def _check_size(dim, value, size, name, what, holder):
    """PyTorch's AssertionErrors: ``dim`` must index ``value`` (called ``holder`` in the message) and have
    ``size`` entries."""
    if not -value.dim() <= dim < value.dim():
        raise AssertionError(f"dim {dim} out of range for {holder} with {value.dim()} dimensions")
    if value.shape[dim] != size:
        raise AssertionError(f"{name}.size({dim}) = {value.shape[dim]} must equal {what} {size}")


class CatTransform(_Joined):
    """Transforms ``tseq`` applied to consecutive slices of dim ``dim`` of lengths ``lengths`` (as ``torch.cat``
    joins them); each part does its own caching.

    Args:
        tseq: a sequence of Transforms.
        dim: the dim the slices lie along.
        lengths: the slices' lengths (default: 1 each).
        cache_size: 0 or 1 (passed on to the parts).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import CatTransform, ExpTransform, identity_transform
    >>> t = CatTransform([ExpTransform(), identity_transform], dim=0, lengths=[1, 2])
    >>> x = gg.tensor([0.0, 1.0, 2.0])
    >>> t(x), t.log_abs_det_jacobian(x, t(x))
    (tensor([1., 1., 2.]), tensor([0., 0., 0.]))
    """

    def __init__(self, tseq, dim=0, lengths=None, cache_size=0):
        super().__init__(tseq, dim, cache_size)
        self.lengths = [1] * len(self.transforms) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise AssertionError(f"lengths ({len(self.lengths)}) must match transforms ({len(self.transforms)})")

    @property
    def event_dim(self):
        """The largest event dim of the parts.

        >>> from gpugrad.distributions.transforms import CatTransform, ExpTransform, SoftmaxTransform
        >>> CatTransform([ExpTransform(), SoftmaxTransform()], -1, [1, 2]).event_dim
        1
        """
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self):
        """The total length of the slices (the size ``dim`` must have).

        >>> from gpugrad.distributions.transforms import CatTransform, ExpTransform
        >>> CatTransform([ExpTransform(), ExpTransform()], 0, [2, 3]).length
        5
        """
        return sum(self.lengths)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _pieces(self, value, name, holder="tensor"):
        """(transform, slice of ``value``) for each part."""
        _check_size(self.dim, value, self.length, name, "length", holder)
        starts = [0]
        for length in self.lengths:
            starts.append(starts[-1] + length)
        return [(t, value.narrow(self.dim, start, length))
                for t, start, length in zip(self.transforms, starts, self.lengths)]

    def _call(self, x):
        return cat([t(v) for t, v in self._pieces(x, "x")], self.dim)

    def _inverse(self, y):
        return cat([t.inv(v) for t, v in self._pieces(y, "y")], self.dim)

    def log_abs_det_jacobian(self, x, y):
        event_dim = self.event_dim
        terms = [_sum_rightmost(t.log_abs_det_jacobian(a, b), event_dim - t.event_dim)
                 for (t, a), (_, b) in zip(self._pieces(x, "x", "x"), self._pieces(y, "y", "y"))]
        # a dim left of the event dims is still there: join along it; inside the event the terms add up
        dim = (self.dim - x.dim() if self.dim >= 0 else self.dim) + event_dim
        if dim < 0:
            return cat(terms, dim)
        return functools.reduce(operator.add, terms)

    @constraints.dependent_property
    def domain(self):
        """The parts' domains, joined by ``constraints.cat``.

        >>> from gpugrad.distributions.transforms import CatTransform, ExpTransform
        >>> CatTransform([ExpTransform()]).domain.cseq
        [Real()]
        """
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @constraints.dependent_property
    def codomain(self):
        """The parts' codomains, joined by ``constraints.cat``.

        >>> from gpugrad.distributions.transforms import CatTransform, ExpTransform
        >>> CatTransform([ExpTransform()]).codomain.cseq
        [GreaterThan(lower_bound=0.0)]
        """
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(_Joined):
    """Transform ``tseq[i]`` applied to the slice ``x.select(dim, i)`` (the results joined as ``torch.stack``
    does); each part does its own caching.

    Args:
        tseq: a sequence of Transforms, one per index of ``dim``.
        dim: the dim the slices are stacked along.
        cache_size: 0 or 1 (passed on to the parts).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import ExpTransform, StackTransform, identity_transform
    >>> t = StackTransform([ExpTransform(), identity_transform], dim=1)
    >>> t(gg.tensor([[0.0, 1.0], [1.0, 2.0]]))
    tensor([[1.0000, 1.0000],
            [2.7183, 2.0000]])
    """

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slice(self, z):
        return [z.select(self.dim, i) for i in range(z.shape[self.dim])]

    def _pieces(self, value, name, holder="tensor"):
        _check_size(self.dim, value, len(self.transforms), name, "len(transforms)", holder)
        return zip(self.transforms, self._slice(value))

    def _call(self, x):
        return stack([t(v) for t, v in self._pieces(x, "x")], self.dim)

    def _inverse(self, y):
        return stack([t.inv(v) for t, v in self._pieces(y, "y")], self.dim)

    def log_abs_det_jacobian(self, x, y):
        return stack([t.log_abs_det_jacobian(a, b)
                      for (t, a), (_, b) in zip(self._pieces(x, "x", "x"), self._pieces(y, "y", "y"))], self.dim)

    @constraints.dependent_property
    def domain(self):
        """The parts' domains, joined by ``constraints.stack``.

        >>> from gpugrad.distributions.transforms import ExpTransform, StackTransform
        >>> StackTransform([ExpTransform()], dim=1).domain.dim
        1
        """
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @constraints.dependent_property
    def codomain(self):
        """The parts' codomains, joined by ``constraints.stack``.

        >>> from gpugrad.distributions.transforms import ExpTransform, StackTransform
        >>> StackTransform([ExpTransform()]).codomain.cseq
        [GreaterThan(lower_bound=0.0)]
        """
        return constraints.stack([t.codomain for t in self.transforms], self.dim)
