"""The Binomial distribution (parameterized by probs or logits), its sampler (the array module's own: inversion
for small means, Hormann's BTRS rejection for large ones) and its KL divergences."""
from __future__ import annotations

import math

import numpy as np

from . import constraints
from ._params import _BinaryProbs
from .distribution import Distribution
from .kl import _inf_like, _where, register_kl
from .poisson import Poisson
from ..backend import special_fns, xp_of
from ..tensor import Tensor

__all__ = ["Binomial"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _stirling_tail(xp, k):
    """log k! - [(k + 1/2) log(k + 1) - (k + 1) + log(2 pi) / 2]: the error of Stirling's formula at k."""
    return special_fns.call("lgamma", xp, k + 1) - ((k + 0.5) * xp.log(k + 1) - (k + 1) + _HALF_LOG_2PI)


def _binomial_inversion(xp, n, q, active, uniform):
    """Successes in n trials of probability q (q <= 1/2, n q small) where ``active``: count the geometric
    waiting times ceil(log U / log(1 - q)) whose running sum stays within n. Expected n q + 1 rounds."""
    log1m_q = xp.log1p(-xp.where(active, q, 0.5))
    total = xp.zeros_like(n)
    k = xp.zeros_like(n)
    pending = active.copy()
    tiny = float(np.finfo(np.float64).tiny)
    while bool(pending.any()):
        u = xp.maximum(uniform(), tiny)
        total = total + xp.where(pending, xp.ceil(xp.log(u) / log1m_q), 0.0)
        done = total > n
        k = xp.where(pending & ~done, k + 1, k)
        pending = pending & ~done
    return k


def _binomial_btrs(xp, n, q, active, uniform):
    """Successes in n trials of probability q (q <= 1/2, n q >= 10) where ``active``: Hormann's transformed
    rejection with squeeze (BTRS, 1993), k = floor((2a / us + b) U + c), us = 1/2 - |U|, accepted at once when
    us >= 0.07 and V <= v_r, else when log(V alpha / (a / us^2 + b)) is under log f(k) / f(m)."""
    n = xp.where(active, n, 20.0)          # harmless stand-ins where inactive
    q = xp.where(active, q, 0.5)
    spq = xp.sqrt(n * q * (1 - q))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * q
    c = n * q + 0.5
    v_r = 0.92 - 4.2 / b
    r = q / (1 - q)
    alpha = (2.83 + 5.1 / b) * spq
    m = xp.floor((n + 1) * q)
    log_f_m = ((m + 0.5) * xp.log((m + 1) / (r * (n - m + 1))) + _stirling_tail(xp, m)
               + _stirling_tail(xp, n - m))
    out = xp.zeros_like(n)
    pending = active.copy()
    while bool(pending.any()):
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - xp.abs(u)
        with np.errstate(all="ignore"):           # us = 0 or k outside [0, n]: rejected below
            k = xp.floor((2 * a / us + b) * u + c)
            ok = (k >= 0) & (k <= n)
            kc = xp.clip(xp.where(ok, k, 0.0), 0, n)
            fast = ok & (us >= 0.07) & (v <= v_r)
            log_v = xp.log(v * alpha / (a / (us * us) + b))
            bound = (log_f_m + (n + 1) * xp.log((n - m + 1) / (n - kc + 1))
                     + (kc + 0.5) * xp.log(r * (n - kc + 1) / (kc + 1))
                     - _stirling_tail(xp, kc) - _stirling_tail(xp, n - kc))
            take = pending & ok & (fast | (log_v <= bound))
        out = xp.where(take, kc, out)
        pending = pending & ~take
    return out


def _binomial_draw(count, prob):
    """Binomial(count, prob) samples: raw float arrays of one shape and device in, float64 counts out. Draws
    from ``utils._noise`` (the device's generator). By symmetry it samples with min(p, 1 - p) and flips."""
    from . import utils
    xp = xp_of(count)
    n = xp.floor(count.astype(xp.float64))
    p = prob.astype(xp.float64)
    like = Tensor._make(n, None, False)

    def uniform():
        return utils._noise("uniform", n.shape, like)._data

    flip = p > 0.5
    q = xp.where(flip, 1 - p, p)
    live = (n > 0) & (q > 0)
    small = n * q < 10
    k = _binomial_inversion(xp, n, q, live & small, uniform)
    k = xp.where(small, k, _binomial_btrs(xp, n, q, live & ~small, uniform))
    k = xp.where(live, k, 0.0)
    return xp.where(xp.isnan(p), xp.nan, xp.where(flip, n - k, k))


def _clamp_by_zero(x):
    # max(x, 0) whose gradient at 0 is 1/2 (PyTorch's, so gradients agree there too)
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(_BinaryProbs, Distribution):
    """The number of successes in ``total_count`` independent trials of success probability ``probs`` (or
    sigmoid(``logits``)).

    Args:
        total_count: the number of trials (a non-negative integer, or a Tensor of them broadcastable with the
            probabilities).
        probs: the success probability (in [0, 1]).
        logits: the log-odds of success (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.binomial import Binomial
    >>> d = Binomial(4, gg.tensor([0.5]))
    >>> d.mean, d.log_prob(gg.tensor([2.0]))
    (tensor([2.]), tensor([-0.9808]))
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        self._init_count_and_probs(total_count, probs, logits, validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_binary(Binomial, batch_shape, _instance, "total_count")

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        """The integers 0 to ``total_count``.

        >>> from gpugrad.distributions.binomial import Binomial
        >>> Binomial(3, 0.5).support
        IntegerInterval(lower_bound=0, upper_bound=3.0)
        """
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        """The mean: total_count probs.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.binomial import Binomial
        >>> Binomial(10, gg.tensor([0.25])).mean
        tensor([2.5000])
        """
        return self.total_count * self.probs

    @property
    def mode(self):
        """The mode: floor((total_count + 1) probs), at most total_count.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.binomial import Binomial
        >>> Binomial(10, gg.tensor([0.25])).mode
        tensor([2.])
        """
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        """The variance: total_count probs (1 - probs).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.binomial import Binomial
        >>> Binomial(10, gg.tensor([0.5])).variance
        tensor([2.5000])
        """
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        probs = self.probs.detach()
        counts = _binomial_draw(self.total_count.detach().expand(shape)._data, probs.expand(shape)._data)
        return Tensor._make(counts.astype(probs.dtype, copy=False), None, False)

    def log_prob(self, value):
        # log C(n, k) + k logit - n log(1 + e^logit), the last written stably as n (max(l, 0) + log1p(e^-|l|))
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_choose = (n + 1).lgamma() - (value + 1).lgamma() - (n - value + 1).lgamma()
        log_normalizer = n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p()
        return log_choose + value * logits - log_normalizer

    def _homogeneous_count(self, what):
        total = int(self.total_count.max())
        if not bool(self.total_count.min() == total):
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total

    def entropy(self):
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        from ..factories import arange
        total = self._homogeneous_count("enumerate_support")
        values = arange(1 + total, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return _where(p.total_count > q.total_count, float("inf"), kl)


@register_kl(Poisson, Binomial)
def _kl_poisson_binomial(p, q):
    return _inf_like(p.rate)
