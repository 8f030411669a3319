"""The inverse Gamma distribution: 1 / X for X ~ Gamma."""
from __future__ import annotations

import math

from . import constraints
from .gamma import Gamma
from .transformed_distribution import TransformedDistribution
from .transforms import PowerTransform
from ..ops.umath_unary import digamma, lgamma

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    """Y = 1 / X for X ~ Gamma(concentration, rate): a :class:`TransformedDistribution` of the Gamma by
    ``PowerTransform(-1)``, as PyTorch's (density rate^a / Gamma(a) y^(-a-1) exp(-rate / y)).

    Args:
        concentration: the shape (alpha, positive).
        rate: the Gamma's rate, the inverse Gamma's scale (beta, positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import InverseGamma
    >>> d = InverseGamma(gg.tensor([3.0]), gg.tensor([2.0]))
    >>> d.mean, d.log_prob(gg.tensor([1.0]))
    (tensor([1.]), tensor([-0.6137]))
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        from ..factories import ones
        base = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -ones((), dtype=base.rate.dtype, device=base.rate.device)
        super().__init__(base, PowerTransform(neg_one), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(InverseGamma, _instance))

    @property
    def concentration(self):
        """The shape (the base Gamma's concentration).

        >>> from gpugrad.distributions import InverseGamma
        >>> InverseGamma(3.0, 2.0).concentration
        tensor(3.)
        """
        return self.base_dist.concentration

    @property
    def rate(self):
        """The base Gamma's rate (the inverse Gamma's scale).

        >>> from gpugrad.distributions import InverseGamma
        >>> InverseGamma(3.0, 2.0).rate
        tensor(2.)
        """
        return self.base_dist.rate

    @property
    def mean(self):
        """The mean: rate / (concentration - 1), infinite for concentration <= 1.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import InverseGamma
        >>> InverseGamma(gg.tensor([3.0, 0.5]), 2.0).mean
        tensor([1., inf])
        """
        from ..ops import where
        return where(self.concentration > 1, self.rate / (self.concentration - 1), math.inf)

    @property
    def mode(self):
        """The mode: rate / (concentration + 1).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import InverseGamma
        >>> InverseGamma(gg.tensor([3.0]), 2.0).mode
        tensor([0.5000])
        """
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        """The variance: rate^2 / ((concentration - 1)^2 (concentration - 2)), infinite for concentration <= 2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import InverseGamma
        >>> InverseGamma(gg.tensor([3.0, 1.5]), 2.0).variance
        tensor([1., inf])
        """
        from ..ops import where
        c = self.concentration
        return where(c > 2, self.rate.square() / ((c - 1).square() * (c - 2)), math.inf)

    def entropy(self):
        c = self.concentration
        return c + self.rate.log() + lgamma(c) - (1 + c) * digamma(c)
