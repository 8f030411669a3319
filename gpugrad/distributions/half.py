"""The half-normal and half-Cauchy distributions: |X| for a centred Normal or Cauchy X, as PyTorch builds them
(a :class:`TransformedDistribution` of the full distribution by ``AbsTransform``). Folding doubles the density
on x >= 0: log p(x) = log p_X(x) + log 2, cdf(x) = 2 cdf_X(x) - 1."""
from __future__ import annotations

import math

from . import constraints
from .cauchy import Cauchy, _filled
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform

__all__ = ["HalfCauchy", "HalfNormal"]


class _Half(TransformedDistribution):
    """|X| for X of the centred ``base`` family, parameterized by its ``scale``."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, base, scale, validate_args=None):
        super().__init__(base(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(type(self), _instance))

    @property
    def scale(self):
        """The scale of the full (unfolded) distribution.

        >>> from gpugrad.distributions import HalfNormal
        >>> HalfNormal(2.0).scale
        tensor(2.)
        """
        return self.base_dist.scale

    @property
    def mode(self):
        """The mode: 0.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import HalfCauchy
        >>> HalfCauchy(gg.tensor([2.0])).mode
        tensor([0.])
        """
        from ..factories import zeros_like
        return zeros_like(self.scale)

    def log_prob(self, value):
        from ..ops import where
        if self._validate_args:
            self._validate_sample(value)
        return where(value >= 0, self.base_dist.log_prob(value) + math.log(2), -math.inf)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_Half):
    """|X| for X ~ Normal(0, scale^2).

    Args:
        scale: the scale of the full Normal (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import HalfNormal
    >>> d = HalfNormal(gg.tensor([1.0]))
    >>> d.log_prob(gg.tensor([1.0])), d.mean
    (tensor([-0.7258]), tensor([0.7979]))
    """

    def __init__(self, scale, validate_args=None):
        super().__init__(Normal, scale, validate_args=validate_args)

    @property
    def mean(self):
        """The mean: scale sqrt(2 / pi).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import HalfNormal
        >>> HalfNormal(gg.tensor([2.0])).mean
        tensor([1.5958])
        """
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        """The variance: scale^2 (1 - 2 / pi).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import HalfNormal
        >>> HalfNormal(gg.tensor([2.0])).variance
        tensor([1.4535])
        """
        return self.scale.pow(2) * (1 - 2 / math.pi)


class HalfCauchy(_Half):
    """|X| for X ~ Cauchy(0, scale): a heavy-tailed prior on scales (its mean and variance are infinite).

    Args:
        scale: the scale of the full Cauchy (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import HalfCauchy
    >>> HalfCauchy(gg.tensor([1.0])).cdf(gg.tensor([1.0]))
    tensor([0.5000])
    """

    def __init__(self, scale, validate_args=None):
        super().__init__(Cauchy, scale, validate_args=validate_args)

    @property
    def mean(self):
        """Infinite.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import HalfCauchy
        >>> HalfCauchy(gg.tensor([1.0])).mean
        tensor([inf])
        """
        return _filled(self, math.inf)

    @property
    def variance(self):
        """Infinite (the full Cauchy's).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import HalfCauchy
        >>> HalfCauchy(gg.tensor([1.0])).variance
        tensor([inf])
        """
        return self.base_dist.variance
