"""The Exponential distribution."""
from __future__ import annotations

from . import constraints
from .distribution import ExponentialFamily

__all__ = ["Exponential"]


class Exponential(ExponentialFamily):
    """The exponential distribution with density rate exp(-rate x) on x >= 0.

    Args:
        rate: the rate (positive; the mean is 1 / rate).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Exponential
    >>> Exponential(gg.tensor([2.0])).mean
    tensor([0.5000])
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        self._init_params(validate_args, rate=rate)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Exponential, batch_shape, _instance, "rate")

    @property
    def mean(self):
        """The mean: 1 / rate.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Exponential
        >>> Exponential(gg.tensor([2.0])).mean
        tensor([0.5000])
        """
        return self.rate.reciprocal()

    @property
    def mode(self):
        """The mode: 0.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Exponential
        >>> Exponential(gg.tensor([2.0])).mode
        tensor([0.])
        """
        from ..factories import zeros_like
        return zeros_like(self.rate)

    @property
    def stddev(self):
        """The standard deviation: 1 / rate.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Exponential
        >>> Exponential(gg.tensor([2.0])).stddev
        tensor([0.5000])
        """
        return self.rate.reciprocal()

    @property
    def variance(self):
        """The variance: 1 / rate^2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Exponential
        >>> Exponential(gg.tensor([2.0])).variance
        tensor([0.2500])
        """
        return self.rate.pow(-2)

    def rsample(self, sample_shape=()):
        # a standard exponential by inversion: -log(1 - U), U uniform on [0, 1)
        from .utils import _noise
        u = _noise("uniform", self._extended_shape(sample_shape), self.rate)
        return -(-u).log1p() / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value):
        return -(-value).log1p() / self.rate

    def entropy(self):
        return 1.0 - self.rate.log()
