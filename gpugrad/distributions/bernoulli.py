"""The Bernoulli distribution, parameterized by probs or logits."""
from __future__ import annotations

from . import constraints
from .distribution import Distribution, ExponentialFamily
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli"]


def _probs_or_logits(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class Bernoulli(ExponentialFamily):
    """1 with probability ``probs`` (or sigmoid(``logits``)), else 0.

    Args:
        probs: the probability of 1 (in [0, 1]).
        logits: the log-odds of 1 (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Bernoulli
    >>> Bernoulli(logits=gg.tensor([0.0])).log_prob(gg.tensor([1.0]))
    tensor([-0.6931])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _probs_or_logits(probs, logits)
        if probs is not None:
            self._init_params(validate_args, probs=probs)
            self._param = self.probs
        else:
            self._init_params(validate_args, logits=logits)
            self._param = self.logits

    def expand(self, batch_shape, _instance=None):
        names = [n for n in ("probs", "logits") if n in self.__dict__]
        new = self._expand_params(Bernoulli, batch_shape, _instance, *names)
        new._param = getattr(new, names[-1])
        return new

    @property
    def mean(self):
        """The mean: ``probs``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Bernoulli
        >>> Bernoulli(gg.tensor([0.3, 0.8])).mean
        tensor([0.3000, 0.8000])
        """
        return self.probs

    @property
    def mode(self):
        """The mode: 1 where ``probs`` > 0.5, 0 where below, NaN at exactly 0.5.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Bernoulli
        >>> Bernoulli(gg.tensor([0.3, 0.8])).mode
        tensor([0., 1.])
        """
        from ..ops import where
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return where(self.probs == 0.5, float("nan"), mode)

    @property
    def variance(self):
        """The variance: probs (1 - probs).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Bernoulli
        >>> Bernoulli(gg.tensor([0.3, 0.8])).variance
        tensor([0.2100, 0.1600])
        """
        return self.probs * (1 - self.probs)

    @lazy_property
    def logits(self):
        """The log-odds, log(p) - log(1 - p) (computed from ``probs`` when those were given).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Bernoulli
        >>> Bernoulli(gg.tensor([0.5])).logits
        tensor([0.])
        """
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        """The probability of 1 (computed from ``logits`` when those were given).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Bernoulli
        >>> Bernoulli(logits=gg.tensor([0.0])).probs
        tensor([0.5000])
        """
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        """The shape of the parameter given (``probs`` or ``logits``).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Bernoulli
        >>> Bernoulli(gg.tensor([0.5, 0.2])).param_shape
        gpugrad.Size([2])
        """
        return self._param.shape

    def sample(self, sample_shape=()):
        from .. import autograd
        from .utils import _noise
        with autograd.no_grad():
            probs = self.probs
            u = _noise("uniform", self._extended_shape(sample_shape), probs)
            return (u < probs).to(probs.dtype)

    def log_prob(self, value):
        from ..ops.nn_ops import binary_cross_entropy_with_logits
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        from ..ops.nn_ops import binary_cross_entropy_with_logits
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        from ..factories import arange
        values = arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values

