"""Student's t distribution."""
from __future__ import annotations

import math

from . import constraints
from .chi2 import Chi2
from .distribution import Distribution
from .utils import broadcast_all
from ..ops.umath_unary import digamma, lgamma

__all__ = ["StudentT"]

_HALF_LOG_PI = 0.5 * math.log(math.pi)


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, location ``loc`` and scale ``scale``: density
    proportional to (1 + ((x - loc) / scale)^2 / df)^(-(df + 1) / 2).

    Samples are loc + scale X / sqrt(Z / df), X ~ N(0, 1), Z ~ Chi2(df), reparameterized through the Gamma's
    implicit gradient (as PyTorch).

    Args:
        df: the degrees of freedom (positive).
        loc: the location (the mean where df > 1).
        scale: the scale (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import StudentT
    >>> d = StudentT(gg.tensor([3.0]), 1.0, 2.0)
    >>> d.log_prob(gg.tensor([1.0])), d.variance
    (tensor([-1.6940]), tensor([12.]))
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        # built before the checks, as PyTorch: an invalid df is reported by the Chi2
        self._chi2 = Chi2(self.df, validate_args=validate_args)
        super().__init__(self.df.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(StudentT, batch_shape, _instance, "df", "loc", "scale")
        new._chi2 = self._chi2.expand(batch_shape)
        return new

    @property
    def mean(self):
        """The mean: ``loc`` where df > 1, else undefined (NaN).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import StudentT
        >>> StudentT(gg.tensor([3.0, 0.5]), 1.0).mean
        tensor([1., nan])
        """
        from ..ops import where
        return where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self):
        """The mode: ``loc``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import StudentT
        >>> StudentT(gg.tensor([3.0]), 1.0).mode
        tensor([1.])
        """
        return self.loc

    @property
    def variance(self):
        """The variance: scale^2 df / (df - 2) where df > 2, infinite for 1 < df <= 2, undefined (NaN) for df <= 1.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import StudentT
        >>> StudentT(gg.tensor([4.0, 1.5, 1.0])).variance
        tensor([2., inf, nan])
        """
        from ..ops import where
        df = self.df
        safe = where(df > 2, df, 3.0)      # no inf or NaN in the masked branch (nor in its gradient)
        return where(df > 2, self.scale.pow(2) * safe / (safe - 2), where(df > 1, math.inf, math.nan))

    def rsample(self, sample_shape=()):
        from .utils import _noise
        x = _noise("normal", self._extended_shape(sample_shape), self.df)
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (x * (z / self.df).rsqrt())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + _HALF_LOG_PI + lgamma(0.5 * self.df)
             - lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * (y.pow(2) / self.df).log1p() - z

    def entropy(self):
        df = self.df
        lbeta = lgamma(0.5 * df) + math.lgamma(0.5) - lgamma(0.5 * (df + 1))
        return (self.scale.log() + 0.5 * (df + 1) * (digamma(0.5 * (df + 1)) - digamma(0.5 * df))
                + 0.5 * df.log() + lbeta)
