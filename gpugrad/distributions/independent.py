"""Independent: reinterprets some batch dims of a distribution as event dims (log_prob sums over them)."""
from __future__ import annotations

from . import constraints
from .distribution import Distribution

__all__ = ["Independent"]


def _sum_rightmost(value, dim):
    """``value`` summed over its ``dim`` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


class Independent(Distribution):
    """A distribution whose ``reinterpreted_batch_ndims`` rightmost batch dims become event dims: e.g. a
    diagonal Gaussian over vectors from a batch of Normals.

    Args:
        base_distribution: the distribution to wrap.
        reinterpreted_batch_ndims: how many rightmost batch dims become event dims.
        validate_args: check values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Independent, Normal
    >>> d = Independent(Normal(gg.zeros(3), gg.ones(3)), 1)
    >>> d.batch_shape, d.event_shape, d.log_prob(gg.zeros(3))
    (gpugrad.Size([]), gpugrad.Size([3]), tensor(-2.7568))
    """

    arg_constraints = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError("Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual "
                             f"{reinterpreted_batch_ndims} vs {len(base_distribution.batch_shape)}")
        shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(shape[:len(shape) - event_dim], shape[len(shape) - event_dim:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Independent, _instance)
        batch_shape = tuple(batch_shape)
        new.base_dist = self.base_dist.expand(batch_shape + tuple(self.event_shape[:self.reinterpreted_batch_ndims]))
        new.reinterpreted_batch_ndims = self.reinterpreted_batch_ndims
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def has_rsample(self):
        """Whether the base distribution has ``rsample``.

        >>> from gpugrad.distributions import Independent, Normal
        >>> import gpugrad as gg
        >>> Independent(Normal(gg.zeros(2), 1.0), 1).has_rsample
        True
        """
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self):
        """Whether the support can be enumerated (only with no reinterpreted dims).

        >>> from gpugrad.distributions import Independent, Bernoulli
        >>> import gpugrad as gg
        >>> Independent(Bernoulli(gg.ones(2) / 2), 1).has_enumerate_support
        False
        """
        if self.reinterpreted_batch_ndims > 0:
            return False
        return self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self):
        """The base distribution's support over the reinterpreted dims too.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Independent, Normal
        >>> Independent(Normal(gg.tensor([[0.0, 1.0]]), 2.0), 1).support
        IndependentConstraint(Real(), 1)
        """
        result = self.base_dist.support
        if self.reinterpreted_batch_ndims:
            result = constraints.independent(result, self.reinterpreted_batch_ndims)
        return result

    @property
    def mean(self):
        """The base distribution's mean.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Independent, Normal
        >>> Independent(Normal(gg.tensor([[0.0, 1.0]]), 2.0), 1).mean
        tensor([[0., 1.]])
        """
        return self.base_dist.mean

    @property
    def mode(self):
        """The base distribution's mode.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Independent, Normal
        >>> Independent(Normal(gg.tensor([[0.0, 1.0]]), 2.0), 1).mode
        tensor([[0., 1.]])
        """
        return self.base_dist.mode

    @property
    def variance(self):
        """The base distribution's variance.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Independent, Normal
        >>> Independent(Normal(gg.tensor([[0.0, 1.0]]), 2.0), 1).variance
        tensor([[4., 4.]])
        """
        return self.base_dist.variance

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self):
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand=True):
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.base_dist}, {self.reinterpreted_batch_ndims})"
