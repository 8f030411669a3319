"""The Categorical and OneHotCategorical distributions, parameterized by probs or logits."""
from __future__ import annotations

import numpy as np

from . import constraints
from .bernoulli import _probs_or_logits
from .distribution import Distribution
from .utils import lazy_property, logits_to_probs, probs_to_logits
from ..tensor import Tensor

__all__ = ["Categorical", "OneHotCategorical"]


class Categorical(Distribution):
    """A category in 0..K-1 with probabilities ``probs`` (normalised over the last dim) or softmax(``logits``).

    Args:
        probs: non-negative weights over the last dim (normalised to sum to 1).
        logits: unnormalised log-probabilities over the last dim (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Categorical
    >>> Categorical(gg.tensor([1.0, 3.0])).probs
    tensor([0.2500, 0.7500])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _probs_or_logits(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        batch_shape = self._param.shape[:-1] if self._param.dim() > 1 else ()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = tuple(batch_shape)
        param_shape = batch_shape + (self._num_events,)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(param_shape))
                new._param = getattr(new, name)
        new._num_events = self._num_events
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        """The integers 0 to K - 1 (K the number of categories).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical
        >>> Categorical(gg.tensor([0.2, 0.5, 0.3])).support
        IntegerInterval(lower_bound=0, upper_bound=2)
        """
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        """The normalised log-probabilities (computed from ``probs`` when those were given).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical
        >>> Categorical(logits=gg.tensor([0.0, 0.0])).logits
        tensor([-0.6931, -0.6931])
        """
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        """The normalised probabilities (computed from ``logits`` when those were given).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical
        >>> Categorical(logits=gg.tensor([0.0, 0.0])).probs
        tensor([0.5000, 0.5000])
        """
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        """The shape of the parameter given (``probs`` or ``logits``).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical
        >>> Categorical(gg.ones(2, 3)).param_shape
        gpugrad.Size([2, 3])
        """
        return self._param.shape

    def _nan(self):
        from ..factories import full
        return full(self._extended_shape(), float("nan"), dtype=self.probs.dtype, device=self.probs.device)

    @property
    def mean(self):
        """NaN (a category has no mean), as PyTorch.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical
        >>> Categorical(gg.tensor([0.2, 0.5, 0.3])).mean
        tensor(nan)
        """
        return self._nan()

    @property
    def mode(self):
        """The most probable category.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical
        >>> Categorical(gg.tensor([0.2, 0.5, 0.3])).mode
        tensor(1)
        """
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        """NaN (a category has no variance), as PyTorch.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Categorical
        >>> Categorical(gg.tensor([0.2, 0.5, 0.3])).variance
        tensor(nan)
        """
        return self._nan()

    def sample(self, sample_shape=()):
        # inverse CDF: the index of the first cumulative probability above u (u uniform on [0, total))
        from .utils import _noise
        from ..backend import xp_of
        probs = self.probs.detach()
        p = probs._data
        xp = xp_of(p)
        cdf = xp.cumsum(p, axis=-1)
        shape = tuple(self._extended_shape(sample_shape))
        u = _noise("uniform", shape + (1,), probs)._data * cdf[..., -1:]
        idx = (cdf <= u).sum(axis=-1)
        idx = xp.minimum(idx, self._num_events - 1).astype(np.int64)
        return Tensor._make(xp.asarray(idx), None, False)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        shape = tuple(np.broadcast_shapes(tuple(value.shape), tuple(self.logits.shape)))
        log_pmf = self.logits.expand(shape)
        value = value.expand(shape[:-1] + (1,))
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        min_real = float(np.finfo(np.dtype(self.logits.dtype)).min)
        p_log_p = self.logits.clamp(min=min_real) * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand=True):
        from ..factories import arange
        values = arange(self._num_events, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values


class OneHotCategorical(Distribution):
    """A :class:`Categorical` whose samples are one-hot vectors of length K (event shape ``(K,)``).

    Args:
        probs: non-negative weights over the last dim (normalised to sum to 1).
        logits: unnormalised log-probabilities over the last dim (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import OneHotCategorical
    >>> _ = gg.manual_seed(0)
    >>> OneHotCategorical(gg.tensor([0.0, 1.0, 0.0])).sample()
    tensor([0., 1., 0.])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(OneHotCategorical, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, tuple(batch_shape), self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def _param(self):
        return self._categorical._param

    @property
    def probs(self):
        """The normalised probabilities.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import OneHotCategorical
        >>> OneHotCategorical(gg.tensor([1.0, 1.0])).probs
        tensor([0.5000, 0.5000])
        """
        return self._categorical.probs

    @property
    def logits(self):
        """The normalised log-probabilities.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import OneHotCategorical
        >>> OneHotCategorical(gg.tensor([1.0, 1.0])).logits
        tensor([-0.6931, -0.6931])
        """
        return self._categorical.logits

    @property
    def param_shape(self):
        """The shape of the parameter given (``probs`` or ``logits``).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import OneHotCategorical
        >>> OneHotCategorical(gg.ones(2, 3)).param_shape
        gpugrad.Size([2, 3])
        """
        return self._categorical.param_shape

    @property
    def mean(self):
        """The mean: the probabilities.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import OneHotCategorical
        >>> OneHotCategorical(gg.tensor([0.2, 0.5, 0.3])).mean
        tensor([0.2000, 0.5000, 0.3000])
        """
        return self._categorical.probs

    @property
    def mode(self):
        """The one-hot vector of the most probable category.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import OneHotCategorical
        >>> OneHotCategorical(gg.tensor([0.2, 0.5, 0.3])).mode
        tensor([0., 1., 0.])
        """
        return self._one_hot(self._categorical.probs.argmax(dim=-1))

    @property
    def variance(self):
        """The variance of each coordinate: p (1 - p).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import OneHotCategorical
        >>> OneHotCategorical(gg.tensor([0.2, 0.5, 0.3])).variance
        tensor([0.1600, 0.2500, 0.2100])
        """
        return self._categorical.probs * (1 - self._categorical.probs)

    def _one_hot(self, index):
        from ..ops.torch_more import one_hot
        return one_hot(index, self._categorical._num_events).to(self.probs.dtype)

    def sample(self, sample_shape=()):
        return self._one_hot(self._categorical.sample(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.max(-1)[1])

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        from ..factories import eye
        n = self.event_shape[0]
        values = eye(n, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((n,) + (1,) * len(self.batch_shape) + (n,))
        if expand:
            values = values.expand((n,) + tuple(self.batch_shape) + (n,))
        return values
