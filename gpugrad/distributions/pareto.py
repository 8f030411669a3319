"""The Pareto (type I) distribution."""
from __future__ import annotations

from . import constraints
from .exponential import Exponential
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .utils import broadcast_all

__all__ = ["Pareto"]


class Pareto(TransformedDistribution):
    """The Pareto distribution: density alpha scale^alpha / x^(alpha + 1) on x >= scale. As PyTorch's, a
    :class:`TransformedDistribution` of E ~ Exponential(alpha): X = scale exp(E).

    Args:
        scale: the scale, the lower end of the support (positive).
        alpha: the shape (tail index, positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Pareto
    >>> d = Pareto(gg.tensor([1.0]), gg.tensor([3.0]))
    >>> d.log_prob(gg.tensor([2.0])), d.cdf(gg.tensor([2.0])), d.mean
    (tensor([-1.6740]), tensor([0.8750]), tensor([1.5000]))
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base = Exponential(self.alpha, validate_args=validate_args)
        super().__init__(base, [ExpTransform(), AffineTransform(loc=0, scale=self.scale)], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Pareto, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.alpha = self.alpha.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        """The mean: alpha scale / (alpha - 1), infinite for alpha <= 1.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Pareto
        >>> Pareto(1.0, gg.tensor([3.0, 0.5])).mean
        tensor([1.5000,    inf])
        """
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self):
        """The mode: ``scale``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Pareto
        >>> Pareto(gg.tensor([2.0]), 3.0).mode
        tensor([2.])
        """
        return self.scale

    @property
    def variance(self):
        """The variance: scale^2 alpha / ((alpha - 1)^2 (alpha - 2)), infinite for alpha <= 2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Pareto
        >>> Pareto(1.0, gg.tensor([3.0, 1.5])).variance
        tensor([0.7500,    inf])
        """
        a = self.alpha.clamp(min=2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        """x >= ``scale``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Pareto
        >>> Pareto(gg.tensor([2.0]), 3.0).support
        GreaterThanEq(lower_bound=tensor([2.]))
        """
        return constraints.greater_than_eq(self.scale)

    def entropy(self):
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
