"""The generalized Pareto distribution."""
from __future__ import annotations

import math

from . import constraints
from .distribution import Distribution

__all__ = ["GeneralizedPareto"]


def _safe_concentration(concentration):
    """(concentration == 0 within ``isclose``'s tolerances, the concentration with 1 there): the exponential
    limit is taken where the concentration vanishes, and the general formula elsewhere."""
    from ..factories import zeros_like
    from ..ops import isclose, where
    eq_zero = isclose(concentration, zeros_like(concentration))
    return eq_zero, where(eq_zero, 1.0, concentration)


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution: survival function (1 + c z)^(-1 / c), z = (x - loc) / scale, for a
    concentration c (exp(-z) at c = 0), on x >= loc (and x <= loc - scale / c where c < 0). It contains the
    Exponential (loc 0, c 0), the Pareto (c > 0, loc = scale / c) and the Uniform (c = -1).

    Args:
        loc: the location, the lower end of the support.
        scale: the scale (positive).
        concentration: the shape (real).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import GeneralizedPareto
    >>> d = GeneralizedPareto(gg.tensor([0.1]), gg.tensor([2.0]), gg.tensor([0.4]))
    >>> d.log_prob(gg.tensor([1.0])), d.cdf(gg.tensor([1.0])), d.mean
    (tensor([-1.2724]), tensor([0.3389]), tensor([3.4333]))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self._init_params(validate_args, loc=loc, scale=scale, concentration=concentration)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(GeneralizedPareto, batch_shape, _instance, "loc", "scale", "concentration")

    def rsample(self, sample_shape=()):
        from .utils import _noise
        return self.icdf(_noise("uniform", self._extended_shape(sample_shape), self.loc))

    def _z(self, x):
        return (x - self.loc) / self.scale

    def log_prob(self, value):
        from ..ops import where
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe = _safe_concentration(self.concentration)
        y = 1 / safe + 1          # -log p = log scale + (1 + 1 / c) log1p(c z); the uniform (y = 0) has no z term
        nonzero = where(y == 0, y, y * (safe * z).log1p())
        return -self.scale.log() - where(eq_zero, z, nonzero)

    def log_survival_function(self, value):
        """log(1 - cdf(value)) = -log1p(c z) / c (-z at c = 0).

        Args:
            value: a Tensor.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import GeneralizedPareto
        >>> GeneralizedPareto(0.0, 1.0, gg.tensor([0.0])).log_survival_function(gg.tensor([2.0]))
        tensor([-2.])
        """
        from ..ops import where
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe = _safe_concentration(self.concentration)
        return where(eq_zero, -z, -(safe * z).log1p() / safe)

    def log_cdf(self, value):
        """log cdf(value) = log1p(-exp(log survival)).

        Args:
            value: a Tensor.

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import GeneralizedPareto
        >>> GeneralizedPareto(0.0, 1.0, gg.tensor([0.0])).log_cdf(gg.tensor([2.0]))
        tensor([-0.1454])
        """
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        from ..ops import where
        eq_zero, safe = _safe_concentration(self.concentration)
        logu = (-value).log1p()
        nonzero = self.loc + self.scale / safe * (-safe * logu).expm1()
        return where(eq_zero, self.loc - self.scale * logu, nonzero)

    @property
    def mean(self):
        """The mean: loc + scale / (1 - c), undefined (NaN) for c >= 1.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import GeneralizedPareto
        >>> GeneralizedPareto(0.0, 1.0, gg.tensor([0.5, 1.0])).mean
        tensor([2., nan])
        """
        return self._where_finite(1.0, lambda c: self.loc + self.scale / (1 - c))

    @property
    def variance(self):
        """The variance: scale^2 / ((1 - c)^2 (1 - 2 c)), undefined (NaN) for c >= 1/2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import GeneralizedPareto
        >>> GeneralizedPareto(0.0, 1.0, gg.tensor([0.0, 0.5])).variance
        tensor([1., nan])
        """
        return self._where_finite(0.5, lambda c: self.scale ** 2 / ((1 - c) ** 2 * (1 - 2 * c)))

    def _where_finite(self, bound, moment):
        """``moment(c)`` where the concentration c < ``bound`` (the moment exists), else NaN; the formula only
        sees c / 2 past the bound, so neither it nor its gradient makes an inf or NaN there."""
        from ..ops import where
        valid = self.concentration < bound
        return where(valid, moment(where(valid, self.concentration, bound / 2)), math.nan)

    @property
    def mode(self):
        """The mode: ``loc``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import GeneralizedPareto
        >>> GeneralizedPareto(gg.tensor([1.0]), 1.0, 0.5).mode
        tensor([1.])
        """
        return self.loc

    def entropy(self):
        return (self.scale.log() + self.concentration + 1).broadcast_to(tuple(self._batch_shape))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        """[loc, loc - scale / c] for a concentration c < 0, else [loc, inf].

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import GeneralizedPareto
        >>> GeneralizedPareto(gg.tensor([0.0, 0.0]), 2.0, gg.tensor([-0.5, 0.5])).support
        Interval(lower_bound=tensor([0., 0.]), upper_bound=tensor([4., inf]))
        """
        from ..ops import where
        lower = self.loc
        negative = self.concentration < 0
        upper = where(negative, lower - self.scale / where(negative, self.concentration, -1.0), math.inf)
        return constraints.interval(lower, upper)
