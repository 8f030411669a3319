"""The Fisher-Snedecor (F) distribution."""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_all
from ..ops.umath_unary import lgamma

__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    """The F distribution with ``df1`` and ``df2`` degrees of freedom: the ratio (U1 / df1) / (U2 / df2) of
    independent chi-squared variables, sampled (and reparameterized) through two Gammas, as PyTorch.

    Args:
        df1: the numerator's degrees of freedom (positive).
        df2: the denominator's degrees of freedom (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import FisherSnedecor
    >>> d = FisherSnedecor(gg.tensor([4.0]), gg.tensor([6.0]))
    >>> d.mean, d.log_prob(gg.tensor([1.0]))
    (tensor([1.5000]), tensor([-0.8802]))
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = broadcast_all(df1, df2)
        # chi2(df) / df = Gamma(df / 2, df / 2); built before the checks, as PyTorch (they report a bad df first)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1, validate_args=validate_args)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2, validate_args=validate_args)
        scalar = isinstance(df1, numbers.Number) and isinstance(df2, numbers.Number)
        super().__init__(() if scalar else self.df1.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(FisherSnedecor, batch_shape, _instance, "df1", "df2")
        new._gamma1 = self._gamma1.expand(batch_shape)
        new._gamma2 = self._gamma2.expand(batch_shape)
        return new

    @property
    def mean(self):
        """The mean: df2 / (df2 - 2), undefined (NaN) for df2 <= 2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import FisherSnedecor
        >>> FisherSnedecor(1.0, gg.tensor([4.0, 2.0])).mean
        tensor([2., nan])
        """
        from ..ops import where
        df2 = where(self.df2 <= 2, math.nan, self.df2)
        return df2 / (df2 - 2)

    @property
    def mode(self):
        """The mode: (df1 - 2) / df1 * df2 / (df2 + 2), undefined (NaN) for df1 <= 2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import FisherSnedecor
        >>> FisherSnedecor(gg.tensor([4.0, 1.0]), 6.0).mode
        tensor([0.3750,    nan])
        """
        from ..ops import where
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return where(self.df1 <= 2, math.nan, mode)

    @property
    def variance(self):
        """The variance: 2 df2^2 (df1 + df2 - 2) / (df1 (df2 - 2)^2 (df2 - 4)), undefined (NaN) for df2 <= 4.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import FisherSnedecor
        >>> FisherSnedecor(gg.tensor([4.0]), gg.tensor([6.0])).variance
        tensor([4.5000])
        """
        from ..ops import where
        df2 = where(self.df2 <= 4, math.nan, self.df2)
        return 2 * df2.pow(2) * (self.df1 + df2 - 2) / (self.df1 * (df2 - 2).pow(2) * (df2 - 4))

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        x1 = self._gamma1.rsample(sample_shape).view(shape)
        x2 = self._gamma2.rsample(sample_shape).view(shape)
        tiny = float(np.finfo(np.dtype(x2.dtype)).tiny)
        return (x1 / x2.clamp(min=tiny)).clamp(min=tiny)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        ct1, ct2 = self.df1 * 0.5, self.df2 * 0.5
        ct3 = self.df1 / self.df2
        t1 = lgamma(ct1 + ct2) - lgamma(ct1) - lgamma(ct2)
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3
