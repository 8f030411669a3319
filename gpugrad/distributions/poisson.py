"""The Poisson distribution, and its KL divergences with itself and with Bernoulli."""
from __future__ import annotations

from . import constraints
from .bernoulli import Bernoulli
from .distribution import ExponentialFamily
from .kl import _inf_like, register_kl
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """Counts k = 0, 1, 2, ... with probability rate^k e^(-rate) / k!.

    Args:
        rate: the rate (mean), non-negative.
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.poisson import Poisson
    >>> Poisson(gg.tensor([2.0])).log_prob(gg.tensor([1.0]))
    tensor([-1.3069])
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        self._init_params(validate_args, rate=rate)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Poisson, batch_shape, _instance, "rate")

    @property
    def mean(self):
        """The mean: ``rate``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.poisson import Poisson
        >>> Poisson(gg.tensor([2.5])).mean
        tensor([2.5000])
        """
        return self.rate

    @property
    def mode(self):
        """The mode: floor(rate).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.poisson import Poisson
        >>> Poisson(gg.tensor([2.5])).mode
        tensor([2.])
        """
        return self.rate.floor()

    @property
    def variance(self):
        """The variance: ``rate``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.poisson import Poisson
        >>> Poisson(gg.tensor([2.5])).variance
        tensor([2.5000])
        """
        return self.rate

    def sample(self, sample_shape=()):
        from .. import autograd
        from ..ops.random_more import poisson
        with autograd.no_grad():
            return poisson(self.rate.detach().expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        # k log(rate) - rate - log k!  (0 log 0 = 0: rate 0 gives probability 1 to k = 0)
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    return -p.entropy() - (p.probs * q.rate.log() - q.rate)


@register_kl(Poisson, Bernoulli)
def _kl_poisson_infinity(p, q):
    return _inf_like(p.rate)
