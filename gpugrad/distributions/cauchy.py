"""The Cauchy (Lorentz) distribution."""
from __future__ import annotations

import math

from . import constraints
from .distribution import Distribution

__all__ = ["Cauchy"]


def _filled(d, value):
    """A Tensor of ``d``'s batch shape filled with ``value``, of its parameters' dtype and device (the moments a
    heavy tail leaves undefined or infinite)."""
    from ..factories import full
    like = d.scale
    return full(tuple(d._extended_shape()), value, dtype=like.dtype, device=like.device)


class Cauchy(Distribution):
    """The Cauchy distribution: density 1 / (pi scale (1 + ((x - loc) / scale)^2)), the ratio of two independent
    centred normal variables. Its mean is undefined (NaN) and its variance infinite, as PyTorch reports.

    Args:
        loc: the median and mode.
        scale: the half width at half maximum (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Cauchy
    >>> d = Cauchy(gg.tensor([0.0]), gg.tensor([1.0]))
    >>> d.log_prob(gg.tensor([1.0])), d.cdf(gg.tensor([1.0]))
    (tensor([-1.8379]), tensor([0.7500]))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self._init_params(validate_args, loc=loc, scale=scale)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Cauchy, batch_shape, _instance, "loc", "scale")

    @property
    def mean(self):
        """Undefined: NaN.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Cauchy
        >>> Cauchy(gg.zeros(2), 1.0).mean
        tensor([nan, nan])
        """
        return _filled(self, math.nan)

    @property
    def mode(self):
        """The mode: ``loc``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Cauchy
        >>> Cauchy(gg.tensor([1.5]), 1.0).mode
        tensor([1.5000])
        """
        return self.loc

    @property
    def variance(self):
        """Infinite.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Cauchy
        >>> Cauchy(gg.zeros(2), 1.0).variance
        tensor([inf, inf])
        """
        return _filled(self, math.inf)

    def rsample(self, sample_shape=()):
        # the inverse cdf at a uniform draw, as PyTorch's cauchy_: loc + scale tan(pi (u - 1/2))
        from .utils import _noise
        u = _noise("uniform", self._extended_shape(sample_shape), self.loc)
        return self.loc + (math.pi * (u - 0.5)).tan() * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - ((value - self.loc) / self.scale).pow(2).log1p()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
