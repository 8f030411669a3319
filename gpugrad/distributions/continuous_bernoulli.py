"""The ContinuousBernoulli distribution on [0, 1] (Loaiza-Ganem and Cunningham, 2019), parameterized by probs or
logits, and its KL divergences with the families PyTorch pairs it with."""
from __future__ import annotations

import math

from . import constraints, kl as _kl
from ._params import _BinaryProbs
from .dirichlet import Beta
from .distribution import Distribution, ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .kl import _inf_like, _where, register_kl
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform
from .utils import broadcast_all, clamp_probs, lazy_property, logits_to_probs

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(_BinaryProbs, ExponentialFamily):
    """The density C(p) p^x (1 - p)^(1 - x) on x in [0, 1], C(p) its normaliser (2 artanh(1 - 2p) / (1 - 2p),
    2 at p = 1/2). Near p = 1/2 (inside ``lims``) the normaliser, mean and variance use Taylor expansions.

    Args:
        probs: the parameter p (in [0, 1]; clamped into [eps, 1 - eps]).
        logits: log(p) - log(1 - p) (give exactly one of ``probs`` and ``logits``).
        lims: the interval around 1/2 where Taylor expansions replace the closed forms.
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.continuous_bernoulli import ContinuousBernoulli
    >>> ContinuousBernoulli(gg.tensor([0.5])).log_prob(gg.tensor([0.3]))
    tensor([0.])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        batch_shape, _ = self._set_probs_or_logits(probs, logits)
        if probs is not None:
            # as PyTorch: checked only when validate_args is given (either value), then clamped
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(self.probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = self._param = clamp_probs(self.probs)
        self._lims = lims
        Distribution.__init__(self, batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_binary(ContinuousBernoulli, batch_shape, _instance)
        new._lims = self._lims
        return new

    @lazy_property
    def probs(self):
        """The parameter p, sigmoid(logits) clamped into [eps, 1 - eps] (computed from ``logits`` when those were
        given).

        Returns:
            A Tensor.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.continuous_bernoulli import ContinuousBernoulli
        >>> ContinuousBernoulli(logits=gg.tensor([0.0])).probs
        tensor([0.5000])
        """
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    def _outside_unstable_region(self):
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self):
        # probs away from 1/2 (the closed forms divide by 1 - 2p); inside the region the Taylor branch is used
        from ..ops import where
        return where(self._outside_unstable_region(), self.probs, self._lims[0])

    def _cont_bern_log_norm(self):
        """log C(p): log |log(1 - p) - log p| - log |1 - 2p|, log 2 + 4/3 x + 104/45 x^2 (x = (p - 1/2)^2) near
        p = 1/2."""
        from ..ops import where
        cut = self._cut_probs()
        below = where(cut <= 0.5, cut, 0.0)
        above = where(cut >= 0.5, cut, 1.0)
        log_norm = ((-cut).log1p() - cut.log()).abs().log() - where(cut <= 0.5, (-2.0 * below).log1p(),
                                                                    (2.0 * above - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self):
        """The mean: p / (2p - 1) + 1 / (log(1 - p) - log p) (1/2 + x/3 + 16/45 x^3 near p = 1/2, x = p - 1/2).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.continuous_bernoulli import ContinuousBernoulli
        >>> ContinuousBernoulli(gg.tensor([0.5])).mean
        tensor([0.5000])
        """
        from ..ops import where
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return where(self._outside_unstable_region(), mus, taylor)

    @property
    def variance(self):
        """The variance: p (p - 1) / (1 - 2p)^2 + 1 / (log(1 - p) - log p)^2 (1/12 - x/15 + 128/945 x^2 near
        p = 1/2, x = (p - 1/2)^2).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.continuous_bernoulli import ContinuousBernoulli
        >>> round(ContinuousBernoulli(gg.tensor([0.5])).variance.item(), 6)
        0.083333
        """
        from ..ops import where
        cut = self._cut_probs()
        var = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / ((-cut).log1p() - cut.log()).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return where(self._outside_unstable_region(), var, taylor)

    def rsample(self, sample_shape=()):
        from . import utils
        return self.icdf(utils._noise("uniform", self._extended_shape(sample_shape), self.probs))

    def log_prob(self, value):
        from ..ops.nn_ops import binary_cross_entropy_with_logits
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none") + self._cont_bern_log_norm()

    def cdf(self, value):
        # (p^x (1 - p)^(1 - x) + p - 1) / (2p - 1), clamped to 0 below 0 and 1 above 1; x near p = 1/2
        from ..ops import where
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = where(self._outside_unstable_region(), cdfs, value)
        return where(value <= 0.0, 0.0, where(value >= 1.0, 1.0, unbounded))

    def icdf(self, value):
        # (log1p(-p + u (2p - 1)) - log1p(-p)) / (log p - log1p(-p)); u itself near p = 1/2
        from ..ops import where
        cut = self._cut_probs()
        x = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (cut.log() - (-cut).log1p())
        return where(self._outside_unstable_region(), x, value)

    def entropy(self):
        log_probs0 = (-self.probs).log1p()
        log_probs1 = self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q._cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3


def _cross_entropy_with(p, q):
    """-E_p[log q(x)] for q continuous Bernoulli and p any distribution on [0, 1] with a mean."""
    return -p.mean * q.logits - (-q.probs).log1p() - q._cont_bern_log_norm()


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() + _cross_entropy_with(p, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    result = -p.entropy() + _cross_entropy_with(p, q)
    outside = (p.high >= q.support.upper_bound) | (p.low <= q.support.lower_bound)
    return _where(outside, float("inf"), result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    t1 = -p.entropy()
    t2 = 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).pow(2)) + q.scale.log()
    t3 = (p.variance + p.mean.pow(2) - 2.0 * q.loc * p.mean) / (2.0 * q.scale.pow(2))
    return t1 + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    outside = (q.low >= p.support.lower_bound) | (q.high <= p.support.upper_bound)
    return _where(outside, float("inf"), result)


# the families whose support leaves [0, 1] (and Pareto's, above 1): infinite, as kl.py's against Beta and Uniform
register_kl(Exponential, ContinuousBernoulli)(_kl._kl_exponential_infinity)
register_kl(Gamma, ContinuousBernoulli)(_kl._kl_gamma_infinity)
register_kl(Laplace, ContinuousBernoulli)(_kl._kl_loc_infinity)
register_kl(Normal, ContinuousBernoulli)(_kl._kl_loc_infinity)
register_kl(Gumbel, ContinuousBernoulli)(_kl._kl_loc_infinity)


@register_kl(Pareto, ContinuousBernoulli)
def _kl_pareto_infinity(p, q):
    return _inf_like(p.scale)


@register_kl(ContinuousBernoulli, Pareto)
def _kl_continuous_bernoulli_infinity(p, q):
    return _inf_like(p.probs)
