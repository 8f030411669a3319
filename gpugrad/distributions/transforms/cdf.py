"""CumulativeDistributionTransform: a distribution's CDF as a transform onto the unit interval (its inverse
is the ICDF and its log-Jacobian the log-density), the building block of copulas."""
from __future__ import annotations

from .. import constraints
from .base import Transform

__all__ = ["CumulativeDistributionTransform"]


class CumulativeDistributionTransform(Transform):
    """y = distribution.cdf(x), from the distribution's support onto [0, 1].

    Args:
        distribution: a Distribution with ``cdf`` (and ``icdf`` for the inverse).
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Normal
    >>> from gpugrad.distributions.transforms import CumulativeDistributionTransform
    >>> t = CumulativeDistributionTransform(Normal(0.0, 1.0))
    >>> x = gg.tensor([0.0])
    >>> t(x), t.log_abs_det_jacobian(x, t(x)), t.inv(gg.tensor([0.5]))
    (tensor([0.5000]), tensor([-0.9189]), tensor([0.]))
    """

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self):
        """The distribution's support.

        >>> from gpugrad.distributions import Exponential
        >>> from gpugrad.distributions.transforms import CumulativeDistributionTransform
        >>> CumulativeDistributionTransform(Exponential(1.0)).domain
        GreaterThanEq(lower_bound=0.0)
        """
        return self.distribution.support

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)
