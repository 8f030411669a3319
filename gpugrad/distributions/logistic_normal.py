"""The logistic-normal distribution on the simplex."""
from __future__ import annotations

from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import StickBreakingTransform

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """A Normal over K - 1 dims pushed onto the K-simplex by ``StickBreakingTransform``, as PyTorch's: for
    Y ~ LogisticNormal(loc, scale), log(Y / (1 - Y.cumsum(-1)))[..., :-1] ~ Normal(loc, scale). The last dim of
    ``loc``/``scale`` is the event (a number or 0-d Tensor is taken as one dim of size 1).

    Args:
        loc: the mean of the base Normal.
        scale: its standard deviation (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import LogisticNormal
    >>> d = LogisticNormal(gg.zeros(2), gg.ones(2))
    >>> d.event_shape, tuple(d.sample((5,)).shape), d.log_prob(gg.tensor([0.2, 0.3, 0.5]))
    (gpugrad.Size([3]), (5, 3), tensor(1.2980))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand([1])
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(LogisticNormal, _instance))

    @property
    def loc(self):
        """The mean of the base Normal.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import LogisticNormal
        >>> LogisticNormal(gg.tensor([0.5, 1.0]), 1.0).loc
        tensor([0.5000, 1.0000])
        """
        return self.base_dist.base_dist.loc

    @property
    def scale(self):
        """The standard deviation of the base Normal.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import LogisticNormal
        >>> LogisticNormal(0.0, gg.tensor([2.0, 3.0])).scale
        tensor([2., 3.])
        """
        return self.base_dist.base_dist.scale
