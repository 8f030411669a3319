"""The chi-squared distribution: Gamma(df / 2, 1 / 2)."""
from __future__ import annotations

from . import constraints
from .gamma import Gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: exactly ``Gamma(0.5 * df, 0.5)`` (a subclass of
    :class:`Gamma`, so Gamma's KL divergences apply), sampled by the Gamma's reparameterized sampler.

    Args:
        df: the degrees of freedom (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Chi2
    >>> d = Chi2(gg.tensor([3.0]))
    >>> d.mean, d.variance, d.concentration
    (tensor([3.]), tensor([6.]), tensor([1.5000]))
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, self._get_checked_instance(Chi2, _instance))

    @property
    def df(self):
        """The degrees of freedom: 2 concentration.

        >>> from gpugrad.distributions import Chi2
        >>> Chi2(4.0).df
        tensor(4.)
        """
        return self.concentration * 2
