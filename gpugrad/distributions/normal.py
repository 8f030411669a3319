"""The Normal and LogNormal distributions."""
from __future__ import annotations

import math

from . import constraints
from .distribution import ExponentialFamily, _LocIsMeanAndMode
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform
from ..ops.umath_unary import erfinv

__all__ = ["Normal", "LogNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _log(x):
    return x.log() if hasattr(x, "log") else math.log(x)


class Normal(_LocIsMeanAndMode, ExponentialFamily):
    """The normal (Gaussian) distribution N(loc, scale^2).

    Args:
        loc: the mean (a Tensor or number).
        scale: the standard deviation (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Normal
    >>> d = Normal(gg.tensor([0.0, 1.0]), gg.tensor([1.0, 2.0]))
    >>> d.log_prob(gg.tensor([0.0, 1.0]))
    tensor([-0.9189, -1.6121])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self._init_params(validate_args, loc=loc, scale=scale)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Normal, batch_shape, _instance, "loc", "scale")

    @property
    def stddev(self):
        """The standard deviation: ``scale``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(0.0, gg.tensor([2.0])).stddev
        tensor([2.])
        """
        return self.scale

    @property
    def variance(self):
        """The variance: scale^2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Normal
        >>> Normal(0.0, gg.tensor([2.0])).variance
        tensor([4.])
        """
        return self.stddev.pow(2)

    def rsample(self, sample_shape=()):
        from .utils import _noise
        eps = _noise("normal", self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - _log(self.scale) - _HALF_LOG_2PI

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def icdf(self, value):
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + _HALF_LOG_2PI + self.scale.log()


class LogNormal(TransformedDistribution):
    """exp(X) for X ~ N(loc, scale^2): a :class:`TransformedDistribution` of a Normal by ``ExpTransform``, as
    PyTorch's.

    Args:
        loc: the mean of log(X).
        scale: the standard deviation of log(X) (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import LogNormal
    >>> LogNormal(gg.tensor([0.0]), 1.0).mean
    tensor([1.6487])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(Normal(loc, scale, validate_args=validate_args), ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(LogNormal, _instance))

    @property
    def loc(self):
        """The mean of log(X).

        >>> from gpugrad.distributions import LogNormal
        >>> LogNormal(0.5, 1.0).loc
        tensor(0.5000)
        """
        return self.base_dist.loc

    @property
    def scale(self):
        """The standard deviation of log(X).

        >>> from gpugrad.distributions import LogNormal
        >>> LogNormal(0.5, 2.0).scale
        tensor(2.)
        """
        return self.base_dist.scale

    @property
    def mean(self):
        """The mean: exp(loc + scale^2 / 2).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import LogNormal
        >>> LogNormal(gg.tensor([0.0]), gg.tensor([0.5])).mean
        tensor([1.1331])
        """
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self):
        """The mode: exp(loc - scale^2).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import LogNormal
        >>> LogNormal(gg.tensor([0.0]), gg.tensor([0.5])).mode
        tensor([0.7788])
        """
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self):
        """The variance: (exp(scale^2) - 1) exp(2 loc + scale^2).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import LogNormal
        >>> LogNormal(gg.tensor([0.0]), gg.tensor([0.5])).variance
        tensor([0.3647])
        """
        scale_sq = self.scale.pow(2)
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def entropy(self):
        return self.base_dist.entropy() + self.loc
