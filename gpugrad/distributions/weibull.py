"""The two-parameter Weibull distribution."""
from __future__ import annotations

import numpy as np

from . import constraints
from .exponential import Exponential
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .utils import broadcast_all
from ..ops.umath_unary import lgamma

__all__ = ["Weibull"]

_EULER_GAMMA = float(np.euler_gamma)


class Weibull(TransformedDistribution):
    """The Weibull distribution: cdf 1 - exp(-(x / scale)^concentration) on x > 0. As PyTorch's, a
    :class:`TransformedDistribution` of E ~ Exponential(1): X = scale E^(1 / concentration).

    Args:
        scale: the scale (lambda, positive).
        concentration: the shape (k, positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Weibull
    >>> d = Weibull(gg.tensor([2.0]), gg.tensor([3.0]))
    >>> d.log_prob(gg.tensor([1.0])), d.cdf(gg.tensor([1.0])), d.mean
    (tensor([-1.1058]), tensor([0.1175]), tensor([1.7860]))
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None):
        from ..factories import ones_like
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base = Exponential(ones_like(self.scale), validate_args=validate_args)
        super().__init__(base, self._transforms(), validate_args=validate_args)

    def _transforms(self):
        return [PowerTransform(exponent=self.concentration_reciprocal), AffineTransform(loc=0, scale=self.scale)]

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Weibull, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        TransformedDistribution.__init__(new, self.base_dist.expand(batch_shape), new._transforms(),
                                         validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        """The mean: scale Gamma(1 + 1 / concentration).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Weibull
        >>> Weibull(gg.tensor([1.0]), gg.tensor([1.0])).mean
        tensor([1.])
        """
        return self.scale * lgamma(1 + self.concentration_reciprocal).exp()

    @property
    def mode(self):
        """The mode: scale ((k - 1) / k)^(1 / k) for a concentration k > 1, and 0 for k <= 1 (where the density
        decreases from its supremum at 0; PyTorch's formula gives NaN or a meaningless value there).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Weibull
        >>> Weibull(gg.tensor([2.0, 2.0]), gg.tensor([3.0, 0.5])).mode
        tensor([1.7472, 0.0000])
        """
        from ..ops import where
        k = self.concentration
        safe = where(k > 1, k, 2.0)       # no NaN in the masked branch (nor in its gradient)
        return where(k > 1, self.scale * ((safe - 1) / safe) ** safe.reciprocal(), 0.0)

    @property
    def variance(self):
        """The variance: scale^2 (Gamma(1 + 2 / k) - Gamma(1 + 1 / k)^2).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Weibull
        >>> Weibull(gg.tensor([1.0]), gg.tensor([1.0])).variance
        tensor([1.])
        """
        r = self.concentration_reciprocal
        return self.scale.pow(2) * (lgamma(1 + 2 * r).exp() - (2 * lgamma(1 + r)).exp())

    def entropy(self):
        r = self.concentration_reciprocal
        return _EULER_GAMMA * (1 - r) + (self.scale * r).log() + 1
