"""The Dirichlet and Beta distributions (the Beta is a Dirichlet over two components, as in PyTorch)."""
from __future__ import annotations

import numbers

from . import constraints
from .distribution import Distribution, ExponentialFamily
from .gamma import _xlogy, standard_gamma
from ..ops.umath_unary import digamma, lgamma
from .utils import broadcast_all

__all__ = ["Beta", "Dirichlet"]


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution over the probability simplex, with ``concentration`` over the last dim.

    Samples are normalised standard Gamma draws; ``rsample`` differentiates them by the Gamma's implicit
    reparameterization gradient and the normalisation (an unbiased pathwise gradient; PyTorch uses its own
    approximation of the Dirichlet's, so single-sample gradients differ while their expectations agree).

    Args:
        concentration: positive concentrations, at least one-dimensional (the last dim is the event).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Dirichlet
    >>> Dirichlet(gg.tensor([1.0, 3.0])).mean
    tensor([0.2500, 0.7500])
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = tuple(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + tuple(self.event_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        g = standard_gamma(self.concentration.expand(shape))
        return g / g.sum(-1, keepdim=True)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return _xlogy(c - 1.0, value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1)

    @property
    def mean(self):
        """The mean: the concentrations normalised to sum to one.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Dirichlet
        >>> Dirichlet(gg.tensor([2.0, 3.0, 5.0])).mean
        tensor([0.2000, 0.3000, 0.5000])
        """
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        """The mode: (alpha - 1) / sum(alpha - 1), the concentrations below one clamped at 0 (the corner of the
        largest concentration when all are below one).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Dirichlet
        >>> Dirichlet(gg.tensor([2.0, 3.0, 5.0])).mode
        tensor([0.1429, 0.2857, 0.5714])
        """
        from ..ops import where
        from ..ops.torch_more import one_hot
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, True)
        all_small = (self.concentration < 1).all(dim=-1, keepdim=True)
        corner = one_hot(mode.detach().argmax(dim=-1), cm1.shape[-1]).to(mode.dtype)
        return where(all_small, corner, mode)

    @property
    def variance(self):
        """The variance of each coordinate: alpha (alpha_0 - alpha) / (alpha_0^2 (alpha_0 + 1)), alpha_0 the sum.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Dirichlet
        >>> Dirichlet(gg.tensor([2.0, 3.0, 5.0])).variance
        tensor([0.0145, 0.0191, 0.0227])
        """
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        c = self.concentration
        k = c.shape[-1]
        a0 = c.sum(-1)
        return lgamma(c).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0) - ((c - 1.0) * digamma(c)).sum(-1)


class Beta(ExponentialFamily):
    """The Beta distribution on [0, 1] with density proportional to x^(concentration1 - 1)
    (1 - x)^(concentration0 - 1).

    Args:
        concentration1: the first concentration (alpha, positive).
        concentration0: the second concentration (beta, positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Beta
    >>> Beta(gg.tensor([2.0]), gg.tensor([2.0])).mean
    tensor([0.5000])
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        from ..ops import stack
        from ..tensor import tensor
        if isinstance(concentration1, numbers.Real) and isinstance(concentration0, numbers.Real):
            c10 = tensor([float(concentration1), float(concentration0)])
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            c10 = stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(c10, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, tuple(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        """The first concentration (alpha).

        >>> from gpugrad.distributions import Beta
        >>> Beta(2.0, 3.0).concentration1
        tensor(2.)
        """
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        """The second concentration (beta).

        >>> from gpugrad.distributions import Beta
        >>> Beta(2.0, 3.0).concentration0
        tensor(3.)
        """
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        """The mean: alpha / (alpha + beta).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Beta
        >>> Beta(gg.tensor([2.0]), gg.tensor([3.0])).mean
        tensor([0.4000])
        """
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        """The mode: (alpha - 1) / (alpha + beta - 2) (clamped as :class:`Dirichlet`'s).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Beta
        >>> Beta(gg.tensor([2.0]), gg.tensor([3.0])).mode
        tensor([0.3333])
        """
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        """The variance: alpha beta / ((alpha + beta)^2 (alpha + beta + 1)).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Beta
        >>> Beta(gg.tensor([2.0]), gg.tensor([3.0])).variance
        tensor([0.0400])
        """
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value):
        from ..ops import stack
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self):
        return self._dirichlet.entropy()
