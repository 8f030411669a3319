"""The NegativeBinomial distribution, parameterized by probs or logits, sampled as a Gamma-Poisson mixture."""
from __future__ import annotations

from . import constraints
from ._params import _BinaryProbs
from .distribution import Distribution
from .gamma import Gamma
from .utils import lazy_property

__all__ = ["NegativeBinomial"]


class NegativeBinomial(_BinaryProbs, Distribution):
    """The number of successes before ``total_count`` failures in independent trials of success probability
    ``probs`` (or sigmoid(``logits``)): P(k) = C(k + r - 1, k) p^k (1 - p)^r, r = total_count (real r > 0
    allowed).

    Args:
        total_count: the number of failures r (non-negative; need not be an integer).
        probs: the success probability (in [0, 1)).
        logits: the log-odds of success (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.negative_binomial import NegativeBinomial
    >>> d = NegativeBinomial(3.0, gg.tensor([0.5]))
    >>> d.mean, d.log_prob(gg.tensor([1.0]))
    (tensor([3.]), tensor([-1.6740]))
    """

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        self._init_count_and_probs(total_count, probs, logits, validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_binary(NegativeBinomial, batch_shape, _instance, "total_count")

    @property
    def mean(self):
        """The mean: total_count p / (1 - p) = total_count exp(logits).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.negative_binomial import NegativeBinomial
        >>> NegativeBinomial(2.0, gg.tensor([0.2])).mean
        tensor([0.5000])
        """
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        """The mode: floor((total_count - 1) p / (1 - p)), at least 0.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.negative_binomial import NegativeBinomial
        >>> NegativeBinomial(5.0, gg.tensor([0.5])).mode
        tensor([4.])
        """
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        """The variance: mean / (1 - p).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.negative_binomial import NegativeBinomial
        >>> NegativeBinomial(2.0, gg.tensor([0.5])).variance
        tensor([4.])
        """
        return self.mean / (-self.logits).sigmoid()

    @lazy_property
    def _gamma(self):
        # the Poisson rate of the mixture: Gamma(total_count, rate = (1 - p) / p)
        return Gamma(self.total_count, (-self.logits).exp(), validate_args=False)

    def sample(self, sample_shape=()):
        from .. import autograd
        from ..ops.random_more import poisson
        with autograd.no_grad():
            return poisson(self._gamma.sample(sample_shape))

    def log_prob(self, value):
        # r log(1 - p) + k log p - log B(r, k) k, written with lgamma; 0 where r + k = 0
        from ..ops.activation_api import logsigmoid
        from ..ops import where
        if self._validate_args:
            self._validate_sample(value)
        r = self.total_count
        log_unnormalized = r * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        log_normalization = -(r + value).lgamma() + (1.0 + value).lgamma() + r.lgamma()
        log_normalization = where(r + value == 0.0, 0.0, log_normalization)
        return log_unnormalized - log_normalization
