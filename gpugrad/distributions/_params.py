"""Parameter mixins the count and relaxed families share: ``_BinaryProbs`` (one success probability per batch
element, given as ``probs`` or ``logits``, the other lazy: Binomial, Geometric, NegativeBinomial,
ContinuousBernoulli, LogitRelaxedBernoulli), ``_CategoricalParams`` (probs/logits of a wrapped Categorical:
Multinomial, ExpRelaxedCategorical) and ``_RelaxedParams`` (temperature/probs/logits of the base distribution of
RelaxedBernoulli and RelaxedOneHotCategorical)."""
from __future__ import annotations

import numbers

from .bernoulli import _probs_or_logits
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = []


class _BinaryProbs:
    """A mixin: ``probs`` and ``logits`` (sigmoid(logits) = probs), one given, the other lazy."""

    def _set_probs_or_logits(self, probs, logits, *others):
        """Check that exactly one of ``probs``/``logits`` is given, broadcast it with the numbers/Tensors
        ``others`` and set it (and ``_param``). Returns ``(batch_shape, others broadcast)``: empty when the
        parameter is a number, as PyTorch."""
        _probs_or_logits(probs, logits)
        name, given = ("probs", probs) if probs is not None else ("logits", logits)
        param, *others = broadcast_all(given, *others)
        setattr(self, name, param)
        self._param = param
        batch_shape = () if isinstance(given, numbers.Number) and not others else param.shape
        return batch_shape, others

    def _init_count_and_probs(self, total_count, probs, logits, validate_args):
        """``__init__`` of the families with a ``total_count`` (of the probabilities' dtype) beside them."""
        batch_shape, (total_count,) = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.type_as(self._param)
        Distribution.__init__(self, batch_shape, validate_args=validate_args)

    def _expand_binary(self, cls, batch_shape, _instance, *names):
        """``expand``: ``probs``/``logits`` (whichever exist) and the parameters ``names`` expanded to
        ``batch_shape``."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = tuple(batch_shape)
        for name in names + ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(batch_shape))
        new._param = getattr(new, "logits" if "logits" in self.__dict__ else "probs")
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def logits(self):
        """The log-odds, log(p) - log(1 - p) (computed from ``probs`` when those were given).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.geometric import Geometric
        >>> Geometric(gg.tensor([0.5])).logits
        tensor([0.])
        """
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        """The success probability, sigmoid(logits) (computed from ``logits`` when those were given).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.geometric import Geometric
        >>> Geometric(logits=gg.tensor([0.0])).probs
        tensor([0.5000])
        """
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        """The shape of the parameter given (``probs`` or ``logits``).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.binomial import Binomial
        >>> Binomial(3, gg.tensor([0.5, 0.2])).param_shape
        gpugrad.Size([2])
        """
        return self._param.shape


class _CategoricalParams:
    """A mixin: ``probs``, ``logits`` and ``param_shape`` of the wrapped ``self._categorical``."""

    def _expand_categorical(self, cls, batch_shape, _instance):
        """``expand``: the wrapped Categorical expanded to ``batch_shape``."""
        new = self._get_checked_instance(cls, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, tuple(batch_shape), self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def logits(self):
        """The normalised log-probabilities of the categories.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.multinomial import Multinomial
        >>> Multinomial(3, gg.tensor([1.0, 1.0])).logits
        tensor([-0.6931, -0.6931])
        """
        return self._categorical.logits

    @property
    def probs(self):
        """The normalised probabilities of the categories.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.multinomial import Multinomial
        >>> Multinomial(3, gg.tensor([1.0, 3.0])).probs
        tensor([0.2500, 0.7500])
        """
        return self._categorical.probs

    @property
    def param_shape(self):
        """The shape of the parameter given (``probs`` or ``logits``).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.multinomial import Multinomial
        >>> Multinomial(3, gg.ones(2, 4)).param_shape
        gpugrad.Size([2, 4])
        """
        return self._categorical.param_shape


class _RelaxedParams:
    """A mixin: ``temperature``, ``probs`` and ``logits`` of ``self.base_dist``."""

    @property
    def temperature(self):
        """The relaxation temperature.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.relaxed_bernoulli import RelaxedBernoulli
        >>> RelaxedBernoulli(gg.tensor(0.5), probs=gg.tensor([0.3])).temperature
        tensor(0.5000)
        """
        return self.base_dist.temperature

    @property
    def logits(self):
        """The logits of the distribution relaxed.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.relaxed_bernoulli import RelaxedBernoulli
        >>> RelaxedBernoulli(gg.tensor(0.5), probs=gg.tensor([0.5])).logits
        tensor([0.])
        """
        return self.base_dist.logits

    @property
    def probs(self):
        """The probabilities of the distribution relaxed.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.relaxed_categorical import RelaxedOneHotCategorical
        >>> RelaxedOneHotCategorical(gg.tensor(0.5), gg.tensor([1.0, 3.0])).probs
        tensor([0.2500, 0.7500])
        """
        return self.base_dist.probs
