"""The Transform base class, its inverse, and the transforms that combine others (ComposeTransform,
IndependentTransform)."""
from __future__ import annotations

import functools
import operator

from .. import constraints
from ..independent import _sum_rightmost
from ..utils import lazy_property

__all__ = ["ComposeTransform", "IndependentTransform", "Transform", "identity_transform"]


class Transform:
    """The base of invertible maps with a computable log |det Jacobian|. Subclasses write ``_call`` (x -> y),
    ``_inverse`` (y -> x) and :meth:`log_abs_det_jacobian`, and set ``domain``/``codomain`` (constraints) and
    ``bijective``; ``sign`` is +1 or -1 for monotone univariate maps.

    Args:
        cache_size: 0 (no caching) or 1 (remember the last x, y pair, so ``t.inv(t(x))`` returns ``x`` itself).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import ExpTransform
    >>> t = ExpTransform(cache_size=1)
    >>> x = gg.tensor([1.0])
    >>> t.inv(t(x)) is x, t.bijective, t.sign
    (True, True, 1)
    """

    bijective = False

    def __init__(self, cache_size=0):
        self._cache_size = cache_size
        self._inv = None
        if cache_size == 1:
            self._cached_x_y = None, None
        elif cache_size != 0:
            raise ValueError("cache_size must be 0 or 1")

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_inv"] = None
        return state

    @property
    def event_dim(self):
        """How many rightmost dims form one event (when domain and codomain agree).

        >>> from gpugrad.distributions.transforms import SoftmaxTransform
        >>> SoftmaxTransform().event_dim
        1
        """
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError("Please use either .domain.event_dim or .codomain.event_dim")

    @property
    def inv(self):
        """The inverse transform (``t.inv.inv is t``).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.transforms import ExpTransform
        >>> ExpTransform().inv(gg.tensor([1.0]))
        tensor([0.])
        """
        inv = self._inv
        if inv is None:
            inv = self._inv = _InverseTransform(self)
        return inv

    @property
    def sign(self):
        """The sign of the Jacobian's determinant (+1 increasing, -1 decreasing) of a bijective transform.

        >>> from gpugrad.distributions.transforms import AffineTransform
        >>> AffineTransform(0.0, -2.0).sign
        -1
        """
        raise NotImplementedError

    def with_cache(self, cache_size=1):
        """This transform with another cache size (itself when it already has it).

        Args:
            cache_size: 0 or 1.

        Returns:
            A Transform.

        >>> from gpugrad.distributions.transforms import ExpTransform
        >>> ExpTransform().with_cache(1)._cache_size
        1
        """
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self)}.with_cache is not implemented")

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return not self.__eq__(other)


    def __call__(self, x):
        if self._cache_size == 0:
            return self._call(x)
        x_old, y_old = self._cached_x_y
        if x is x_old:
            return y_old
        y = self._call(x)
        self._cached_x_y = x, y
        return y

    def _inv_call(self, y):
        if self._cache_size == 0:
            return self._inverse(y)
        x_old, y_old = self._cached_x_y
        if y is y_old:
            return x_old
        x = self._inverse(y)
        self._cached_x_y = x, y
        return x

    def _call(self, x):
        raise NotImplementedError

    def _inverse(self, y):
        raise NotImplementedError

    def log_abs_det_jacobian(self, x, y):
        """log |dy/dx| at the pair ``y = t(x)`` (summed over the event dims of the transform).

        Args:
            x: the input.
            y: the output ``t(x)``.

        Returns:
            A Tensor of the batch shape.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.transforms import ExpTransform
        >>> x = gg.tensor([2.0])
        >>> ExpTransform().log_abs_det_jacobian(x, x.exp())
        tensor([2.])
        """
        raise NotImplementedError

    def __repr__(self):
        return self.__class__.__name__ + "()"

    def forward_shape(self, shape):
        """The shape of ``t(x)`` for an ``x`` of ``shape``.

        Args:
            shape: the input's shape.

        Returns:
            A tuple.

        >>> from gpugrad.distributions.transforms import StickBreakingTransform
        >>> StickBreakingTransform().forward_shape((2, 3))
        (2, 4)
        """
        return shape

    def inverse_shape(self, shape):
        """The shape of ``t.inv(y)`` for a ``y`` of ``shape``.

        Args:
            shape: the output's shape.

        Returns:
            A tuple.

        >>> from gpugrad.distributions.transforms import StickBreakingTransform
        >>> StickBreakingTransform().inverse_shape((2, 4))
        (2, 3)
        """
        return shape


class _InverseTransform(Transform):
    """The inverse of one transform (``t.inv``): its call is the other's inverse and its log-Jacobian the
    negated one at the swapped pair."""

    def __init__(self, transform):
        super().__init__(cache_size=transform._cache_size)
        self._inv = transform

    @constraints.dependent_property(is_discrete=False)
    def domain(self):
        return self._inv.codomain

    @constraints.dependent_property(is_discrete=False)
    def codomain(self):
        return self._inv.domain

    @property
    def bijective(self):
        return self._inv.bijective

    @property
    def sign(self):
        return self._inv.sign

    @property
    def inv(self):
        return self._inv

    def with_cache(self, cache_size=1):
        return self.inv.with_cache(cache_size).inv

    def __eq__(self, other):
        return isinstance(other, _InverseTransform) and self._inv == other._inv


    def __repr__(self):
        return f"{self.__class__.__name__}({self._inv!r})"

    def __call__(self, x):
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x, y):
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape):
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape):
        return self._inv.forward_shape(shape)


def _event_dim(first, parts, into, out_of):
    """The event dim a chain of transforms covers at its ``first`` end: the largest any part needs, carried
    along the chain (``into``/``out_of`` name the side each part is entered and left by)."""
    event_dim = getattr(first, into).event_dim
    for part in parts:
        event_dim += getattr(part, out_of).event_dim - getattr(part, into).event_dim
        event_dim = max(event_dim, getattr(part, out_of).event_dim)
    return event_dim


class ComposeTransform(Transform):
    """Several transforms applied in order (``parts[0]`` first); each part does its own caching.

    Args:
        parts: a list of Transforms.
        cache_size: 0 or 1 (passed on to the parts).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import AffineTransform, ComposeTransform, ExpTransform
    >>> ComposeTransform([ExpTransform(), AffineTransform(1.0, 2.0)])(gg.tensor([0.0]))
    tensor([3.])
    """

    def __init__(self, parts, cache_size=0):
        if cache_size:
            parts = [part.with_cache(cache_size) for part in parts]
        super().__init__(cache_size=cache_size)
        self.parts = parts

    def __eq__(self, other):
        return isinstance(other, ComposeTransform) and self.parts == other.parts


    @constraints.dependent_property(is_discrete=False)
    def domain(self):
        """The first part's domain, over as many event dims as the chain needs (``real`` with no parts).

        >>> from gpugrad.distributions.transforms import ComposeTransform, ExpTransform, SoftmaxTransform
        >>> ComposeTransform([ExpTransform(), SoftmaxTransform()]).domain.event_dim
        1
        """
        if not self.parts:
            return constraints.real
        domain = self.parts[0].domain
        event_dim = _event_dim(self.parts[-1], reversed(self.parts), "codomain", "domain")
        if event_dim > domain.event_dim:
            domain = constraints.independent(domain, event_dim - domain.event_dim)
        return domain

    @constraints.dependent_property(is_discrete=False)
    def codomain(self):
        """The last part's codomain, over as many event dims as the chain needs (``real`` with no parts).

        >>> from gpugrad.distributions.transforms import ComposeTransform, ExpTransform, SoftmaxTransform
        >>> ComposeTransform([SoftmaxTransform(), ExpTransform()]).codomain.event_dim
        1
        """
        if not self.parts:
            return constraints.real
        codomain = self.parts[-1].codomain
        event_dim = _event_dim(self.parts[0], self.parts, "domain", "codomain")
        if event_dim > codomain.event_dim:
            codomain = constraints.independent(codomain, event_dim - codomain.event_dim)
        return codomain

    @lazy_property
    def bijective(self):
        """Whether every part is bijective.

        Returns:
            A bool.

        >>> from gpugrad.distributions.transforms import AbsTransform, ComposeTransform, ExpTransform
        >>> ComposeTransform([ExpTransform()]).bijective, ComposeTransform([AbsTransform()]).bijective
        (True, False)
        """
        return all(p.bijective for p in self.parts)

    @lazy_property
    def sign(self):
        """The product of the parts' signs.

        Returns:
            +1 or -1 (or a Tensor of signs).

        >>> from gpugrad.distributions.transforms import AffineTransform, ComposeTransform, ExpTransform
        >>> ComposeTransform([ExpTransform(), AffineTransform(0.0, -1.0)]).sign
        -1
        """
        sign = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    @property
    def inv(self):
        """The composition of the parts' inverses, in reverse order.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.transforms import AffineTransform, ComposeTransform, ExpTransform
        >>> ComposeTransform([ExpTransform(), AffineTransform(1.0, 2.0)]).inv(gg.tensor([3.0]))
        tensor([0.])
        """
        inv = self._inv
        if inv is None:
            inv = self._inv = ComposeTransform([p.inv for p in reversed(self.parts)])
            inv._inv = self
        return inv

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return ComposeTransform(self.parts, cache_size=cache_size)

    def __call__(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            from ...factories import zeros_like
            return zeros_like(x)
        xs = [x]                          # the intermediates (free when the parts cache)
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        xs.append(y)
        terms = []
        event_dim = self.domain.event_dim
        for part, a, b in zip(self.parts, xs[:-1], xs[1:]):
            terms.append(_sum_rightmost(part.log_abs_det_jacobian(a, b), event_dim - part.domain.event_dim))
            event_dim += part.codomain.event_dim - part.domain.event_dim
        return functools.reduce(operator.add, terms)

    def forward_shape(self, shape):
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape):
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return shape

    def __repr__(self):
        return self.__class__.__name__ + "(\n    " + ",\n    ".join(repr(p) for p in self.parts) + "\n)"


identity_transform = ComposeTransform([])


class IndependentTransform(Transform):
    """``base_transform`` with ``reinterpreted_batch_ndims`` more rightmost dims counted as one event (its
    log-Jacobian is summed over them).

    Args:
        base_transform: a Transform.
        reinterpreted_batch_ndims: how many more rightmost dims form the event.
        cache_size: 0 or 1.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import ExpTransform, IndependentTransform
    >>> x = gg.tensor([1.0, 2.0])
    >>> IndependentTransform(ExpTransform(), 1).log_abs_det_jacobian(x, x.exp())
    tensor(3.)
    """

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims, cache_size=cache_size)

    @constraints.dependent_property(is_discrete=False)
    def domain(self):
        """The base transform's domain over the reinterpreted dims too.

        >>> from gpugrad.distributions.transforms import ExpTransform, IndependentTransform
        >>> IndependentTransform(ExpTransform(), 2).domain.event_dim
        2
        """
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self):
        """The base transform's codomain over the reinterpreted dims too.

        >>> from gpugrad.distributions.transforms import ExpTransform, IndependentTransform
        >>> IndependentTransform(ExpTransform(), 2).codomain.event_dim
        2
        """
        return constraints.independent(self.base_transform.codomain, self.reinterpreted_batch_ndims)

    @property
    def bijective(self):
        """Whether the base transform is bijective.

        >>> from gpugrad.distributions.transforms import ExpTransform, IndependentTransform
        >>> IndependentTransform(ExpTransform(), 1).bijective
        True
        """
        return self.base_transform.bijective

    @property
    def sign(self):
        """The base transform's sign.

        >>> from gpugrad.distributions.transforms import ExpTransform, IndependentTransform
        >>> IndependentTransform(ExpTransform(), 1).sign
        1
        """
        return self.base_transform.sign

    def _call(self, x):
        if x.dim() < self.domain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform(x)

    def _inverse(self, y):
        if y.dim() < self.codomain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return _sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y), self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.base_transform!r}, {self.reinterpreted_batch_ndims})"

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)
