"""The Kumaraswamy distribution."""
from __future__ import annotations

import math

import numpy as np

from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .uniform import Uniform
from .utils import broadcast_all
from ..ops.umath_unary import digamma, lgamma

__all__ = ["Kumaraswamy"]

_EULER_GAMMA = float(np.euler_gamma)


def _moment(a, b, n):
    """E[X^n] = b B(1 + n / a, b) for X ~ Kumaraswamy(a, b)."""
    arg1 = 1 + n / a
    return b * (lgamma(arg1) + lgamma(b) - lgamma(arg1 + b)).exp()


class Kumaraswamy(TransformedDistribution):
    """The Kumaraswamy distribution on [0, 1]: density a b x^(a - 1) (1 - x^a)^(b - 1), a Beta-like law with a
    closed-form cdf 1 - (1 - x^a)^b. As PyTorch's, a :class:`TransformedDistribution` of U ~ Uniform(0, 1):
    X = (1 - U^(1 / b))^(1 / a).

    Args:
        concentration1: a (alpha, positive).
        concentration0: b (beta, positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Kumaraswamy
    >>> d = Kumaraswamy(gg.tensor([2.0]), gg.tensor([3.0]))
    >>> d.log_prob(gg.tensor([0.5])), d.cdf(gg.tensor([0.5])), d.mean
    (tensor([0.5232]), tensor([0.5781]), tensor([0.4571]))
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        from ..factories import full_like
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        c0 = self.concentration0
        base = Uniform(full_like(c0, 0), full_like(c0, 1), validate_args=validate_args)
        transforms = [PowerTransform(exponent=c0.reciprocal()), AffineTransform(loc=1.0, scale=-1.0),
                      PowerTransform(exponent=self.concentration1.reciprocal())]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = self.concentration1.expand(batch_shape)
        new.concentration0 = self.concentration0.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        """The mean: b B(1 + 1 / a, b).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Kumaraswamy
        >>> Kumaraswamy(gg.tensor([1.0]), gg.tensor([1.0])).mean
        tensor([0.5000])
        """
        return _moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        """The mode: ((a - 1) / (a b - 1))^(1 / a), undefined (NaN) where a < 1 or b < 1 (and at a = b = 1, the
        uniform). PyTorch's formula is NaN for every a, b; this is the density's maximum.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Kumaraswamy
        >>> Kumaraswamy(gg.tensor([2.0, 0.5]), gg.tensor([3.0, 2.0])).mode
        tensor([0.4472,    nan])
        """
        from ..ops import where
        a, b = self.concentration1, self.concentration0
        valid = (a >= 1) & (b >= 1) & ((a > 1) | (b > 1))
        sa, sb = where(valid, a, 2.0), where(valid, b, 2.0)    # no NaN in the masked branch's gradient
        log_mode = ((sa - 1).log() - (sa * sb - 1).log()) / sa
        return where(valid, log_mode.exp(), math.nan)

    @property
    def variance(self):
        """The variance: E[X^2] - E[X]^2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Kumaraswamy
        >>> Kumaraswamy(gg.tensor([1.0]), gg.tensor([1.0])).variance
        tensor([0.0833])
        """
        return _moment(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self):
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        h0 = digamma(self.concentration0 + 1) + _EULER_GAMMA
        return t0 + t1 * h0 - self.concentration1.log() - self.concentration0.log()
