"""The Multinomial distribution: counts of ``total_count`` categorical draws, parameterized by probs or logits."""
from __future__ import annotations

import math

from . import constraints
from ._params import _CategoricalParams
from .binomial import Binomial, _binomial_draw
from .categorical import Categorical
from .distribution import Distribution
from .utils import broadcast_all
from ..tensor import Tensor

__all__ = ["Multinomial"]


class _Multinomial(constraints.Constraint):
    """Non-negative counts summing to at most ``upper_bound`` (PyTorch's weaker check, over the last dim).

    Args:
        upper_bound: the largest total.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.multinomial import _Multinomial
    >>> _Multinomial(3).check(gg.tensor([[1.0, 2.0], [2.0, 2.0]]))
    tensor([ True, False])
    """

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return (value >= 0).all(-1) & (value.sum(-1) <= self.upper_bound)


class Multinomial(_CategoricalParams, Distribution):
    """Counts over K categories of ``total_count`` independent draws with probabilities ``probs``
    (normalised over the last dim) or softmax(``logits``). Event shape ``(K,)``.

    Args:
        total_count: the number of draws (an int, the same for the whole batch).
        probs: non-negative weights over the last dim (normalised to sum to 1).
        logits: unnormalised log-probabilities over the last dim (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.multinomial import Multinomial
    >>> d = Multinomial(4, gg.tensor([1.0, 1.0]))
    >>> d.mean, d.log_prob(gg.tensor([2.0, 2.0]))
    (tensor([2., 2.]), tensor(-0.9808))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_categorical(Multinomial, batch_shape, _instance)
        new.total_count = self.total_count
        new._binomial = Binomial(total_count=self.total_count, probs=new._categorical.probs, validate_args=False)
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        """Non-negative integer vectors summing to at most ``total_count``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.multinomial import Multinomial
        >>> Multinomial(3, gg.tensor([0.5, 0.5])).support
        Multinomial()
        """
        return _Multinomial(self.total_count)

    @property
    def mean(self):
        """The mean: total_count probs.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.multinomial import Multinomial
        >>> Multinomial(4, gg.tensor([1.0, 3.0])).mean
        tensor([1., 3.])
        """
        return self.probs * self.total_count

    @property
    def variance(self):
        """The variance of each count: total_count p (1 - p).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.multinomial import Multinomial
        >>> Multinomial(4, gg.tensor([1.0, 1.0])).variance
        tensor([1., 1.])
        """
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        # one Binomial per category, conditioned on the ones before: n_k ~ Bin(n - sum_{j<k} n_j,
        # p_k / (1 - sum_{j<k} p_j)), the last category takes what is left
        probs = self.probs.detach()
        xp = probs.xp
        shape = tuple(sample_shape) + tuple(self._batch_shape)
        p = xp.broadcast_to(probs._data.astype(xp.float64), shape + tuple(self._event_shape))
        left_n = xp.full(shape, float(self.total_count))
        left_p = xp.ones(shape)
        counts = []
        for k in range(p.shape[-1] - 1):
            cond = xp.clip(p[..., k] / xp.where(left_p > 0, left_p, 1.0), 0.0, 1.0)
            c = _binomial_draw(left_n, xp.where(left_p > 0, cond, 0.0))
            counts.append(c)
            left_n = left_n - c
            left_p = left_p - p[..., k]
        counts.append(left_n)
        return Tensor._make(xp.stack(counts, -1).astype(probs.dtype), None, False)

    def entropy(self):
        # n H(categorical) - log n! + sum_k E[log n_k!], the marginals n_k ~ Binomial(n, p_k)
        n = float(self.total_count)
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        return term1 + (binomial_probs * weights).sum((0, -1))

    def log_prob(self, value):
        # log n! - sum log x_k! + sum x_k logits_k (a -inf logit times a zero count is 0)
        from ..ops import where
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        logits = where((value == 0) & (logits == float("-inf")), 0.0, logits)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)
