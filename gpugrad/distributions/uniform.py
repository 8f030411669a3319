"""The continuous Uniform distribution."""
from __future__ import annotations

from . import constraints
from .distribution import Distribution

__all__ = ["Uniform"]


class Uniform(Distribution):
    """Uniform on the half-open interval [low, high).

    Args:
        low: the lower bound (included).
        high: the upper bound (excluded); each must exceed ``low``.
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Uniform
    >>> Uniform(gg.tensor([0.0]), gg.tensor([4.0])).variance
    tensor([1.3333])
    """

    has_rsample = True

    @property
    def arg_constraints(self):
        """``low`` < ``high``: each constraint depends on the other parameter.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Uniform
        >>> Uniform(gg.tensor([0.0]), gg.tensor([2.0])).arg_constraints["low"]
        LessThan(upper_bound=tensor([2.]))
        """
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    def __init__(self, low, high, validate_args=None):
        self._init_params(validate_args, low=low, high=high)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Uniform, batch_shape, _instance, "low", "high")

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        """The interval from ``low`` to ``high``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Uniform
        >>> Uniform(gg.tensor([0.0]), gg.tensor([2.0])).support
        Interval(lower_bound=tensor([0.]), upper_bound=tensor([2.]))
        """
        return constraints.interval(self.low, self.high)

    @property
    def mean(self):
        """The mean: (low + high) / 2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Uniform
        >>> Uniform(gg.tensor([0.0]), gg.tensor([2.0])).mean
        tensor([1.])
        """
        return (self.high + self.low) / 2

    @property
    def mode(self):
        """NaN (every point of the interval is a mode), as PyTorch.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Uniform
        >>> Uniform(gg.tensor([0.0]), gg.tensor([2.0])).mode
        tensor([nan])
        """
        from ..factories import full_like
        return full_like(self.high, float("nan"))

    @property
    def stddev(self):
        """The standard deviation: (high - low) / sqrt(12).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Uniform
        >>> Uniform(gg.tensor([0.0]), gg.tensor([2.0])).stddev
        tensor([0.5774])
        """
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        """The variance: (high - low)^2 / 12.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Uniform
        >>> Uniform(gg.tensor([0.0]), gg.tensor([2.0])).variance
        tensor([0.3333])
        """
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=()):
        from .utils import _noise
        rand = _noise("uniform", self._extended_shape(sample_shape), self.low)
        return self.low + rand * (self.high - self.low)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        lb = (self.low <= value).to(self.low.dtype)
        ub = (self.high > value).to(self.low.dtype)
        return (lb * ub).log() - (self.high - self.low).log()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return (self.high - self.low).log()
