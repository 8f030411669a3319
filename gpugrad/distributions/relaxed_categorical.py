"""The relaxed one-hot categorical (concrete / Gumbel-softmax) distributions of Maddison et al. (2017) and Jang
et al. (2017): reparameterizable stand-ins for a one-hot categorical on the simplex
(``RelaxedOneHotCategorical``) or on the log scale (``ExpRelaxedCategorical``)."""
from __future__ import annotations

from . import constraints
from ._params import _CategoricalParams, _RelaxedParams
from .categorical import Categorical
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform
from .utils import broadcast_all, clamp_probs

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(_CategoricalParams, Distribution):
    """The log of a :class:`RelaxedOneHotCategorical` sample: log_softmax((logits + G) / temperature), G
    standard Gumbel noise. Event shape ``(K,)``.

    Args:
        temperature: the relaxation temperature (a positive Tensor).
        probs: non-negative weights over the last dim (normalised to sum to 1).
        logits: unnormalised log-probabilities over the last dim (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.relaxed_categorical import ExpRelaxedCategorical
    >>> d = ExpRelaxedCategorical(gg.tensor(1.0), logits=gg.zeros(2))
    >>> d.log_prob(gg.tensor([-0.6931, -0.6931]))
    tensor(-1.3863)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector            # in fact a submanifold: logsumexp of a sample is 0
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_categorical(ExpRelaxedCategorical, batch_shape, _instance)
        new.temperature = self.temperature
        return new

    def rsample(self, sample_shape=()):
        from . import utils
        shape = self._extended_shape(sample_shape)
        u = clamp_probs(utils._noise("uniform", shape, self.logits))
        gumbels = -(-(u.log())).log()
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value):
        # log (K - 1)! + (K - 1) log t + sum_k s_k - K logsumexp(s), s = logits - t x
        from ..factories import full_like
        K = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_scale = full_like(self.temperature, float(K)).lgamma() + self.temperature.log() * (K - 1)
        score = logits - value * self.temperature
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_RelaxedParams, TransformedDistribution):
    """A relaxed one-hot categorical on the simplex: exp of an :class:`ExpRelaxedCategorical` sample
    (softmax((logits + G) / temperature), the Gumbel-softmax). Its ``rsample`` is differentiable.

    Args:
        temperature: the relaxation temperature (a positive Tensor).
        probs: non-negative weights over the last dim (normalised to sum to 1).
        logits: unnormalised log-probabilities over the last dim (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.relaxed_categorical import RelaxedOneHotCategorical
    >>> d = RelaxedOneHotCategorical(gg.tensor(0.5), probs=gg.tensor([0.2, 0.3, 0.5]))
    >>> s = d.rsample((4,))
    >>> tuple(s.shape), bool(((s.sum(-1) - 1).abs() < 1e-6).all())
    ((4, 3), True)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)
