"""The Laplace distribution."""
from __future__ import annotations

import numpy as np

from . import constraints
from .distribution import Distribution, _LocIsMeanAndMode

__all__ = ["Laplace"]


class Laplace(_LocIsMeanAndMode, Distribution):
    """The Laplace (double exponential) distribution: density exp(-|x - loc| / scale) / (2 scale).

    Args:
        loc: the location (mean and median).
        scale: the scale (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Laplace
    >>> Laplace(gg.tensor([0.0]), gg.tensor([1.0])).log_prob(gg.tensor([1.0]))
    tensor([-1.6931])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self._init_params(validate_args, loc=loc, scale=scale)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Laplace, batch_shape, _instance, "loc", "scale")

    @property
    def variance(self):
        """The variance: 2 scale^2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Laplace
        >>> Laplace(0.0, gg.tensor([2.0])).variance
        tensor([8.])
        """
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        """The standard deviation: sqrt(2) scale.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Laplace
        >>> Laplace(0.0, gg.tensor([2.0])).stddev
        tensor([2.8284])
        """
        return (2 ** 0.5) * self.scale

    def rsample(self, sample_shape=()):
        # u uniform on [eps - 1, 1), as PyTorch: X = loc - scale sign(u) log(1 - |u|)
        from .utils import _noise
        eps = float(np.finfo(np.dtype(self.loc.dtype)).eps)
        u = (eps - 1) + _noise("uniform", self._extended_shape(sample_shape), self.loc) * (2 - eps)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * (-(value - self.loc).abs() / self.scale).expm1()

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self):
        return 1 + (2 * self.scale).log()
