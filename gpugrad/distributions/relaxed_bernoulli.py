"""The relaxed (concrete) Bernoulli distributions of Maddison et al. (2017) and Jang et al. (2017): a
reparameterizable stand-in for a Bernoulli on (0, 1) (``RelaxedBernoulli``) or on the logit scale
(``LogitRelaxedBernoulli``), sharper as ``temperature`` goes to 0."""
from __future__ import annotations

from . import constraints
from ._params import _BinaryProbs, _RelaxedParams
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms import SigmoidTransform
from .utils import broadcast_all, clamp_probs

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(_BinaryProbs, Distribution):
    """The logit of a :class:`RelaxedBernoulli` sample: (logit(U) + logits) / temperature, U uniform on (0, 1).

    Args:
        temperature: the relaxation temperature (a positive Tensor).
        probs: the probability of 1 of the Bernoulli relaxed (in [0, 1]).
        logits: its log-odds (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
    >>> LogitRelaxedBernoulli(gg.tensor(1.0), logits=gg.tensor([0.0])).log_prob(gg.tensor([0.0]))
    tensor([-1.3863])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.temperature = temperature
        batch_shape, _ = self._set_probs_or_logits(probs, logits)
        Distribution.__init__(self, batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_binary(LogitRelaxedBernoulli, batch_shape, _instance)
        new.temperature = self.temperature
        return new

    def rsample(self, sample_shape=()):
        from . import utils
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        u = clamp_probs(utils._noise("uniform", shape, probs))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value):
        # log t + d - 2 log(1 + e^d), d = logits - t x: the logistic density of (logits, 1/t) at x
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(_RelaxedParams, TransformedDistribution):
    """A relaxed Bernoulli on (0, 1): sigmoid of a :class:`LogitRelaxedBernoulli` sample. Its ``rsample`` is
    differentiable in ``probs``/``logits`` (and ``temperature``).

    Args:
        temperature: the relaxation temperature (a positive Tensor).
        probs: the probability of 1 of the Bernoulli relaxed (in [0, 1]).
        logits: its log-odds (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.relaxed_bernoulli import RelaxedBernoulli
    >>> d = RelaxedBernoulli(gg.tensor(0.5), probs=gg.tensor([0.3, 0.9]))
    >>> tuple(d.rsample((4,)).shape), d.support
    ((4, 2), Interval(lower_bound=0.0, upper_bound=1.0))
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)
