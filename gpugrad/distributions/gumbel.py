"""The Gumbel (type I extreme value) distribution."""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .uniform import Uniform
from .utils import _finfo, broadcast_all

__all__ = ["Gumbel"]

_EULER_GAMMA = float(np.euler_gamma)


class Gumbel(TransformedDistribution):
    """The Gumbel distribution: density exp(-(z + exp(-z))) / scale, z = (x - loc) / scale, the limit law of
    maxima. As PyTorch's, a :class:`TransformedDistribution` of U ~ Uniform(tiny, 1 - eps): X = loc - scale
    log(-log U) (so cdf and icdf come from the transforms), with its own log_prob for accuracy.

    Args:
        loc: the location (the mode).
        scale: the scale (positive).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Gumbel
    >>> d = Gumbel(gg.tensor([1.0]), gg.tensor([2.0]))
    >>> d.log_prob(gg.tensor([1.0])), d.cdf(gg.tensor([1.0])), d.mean
    (tensor([-1.6931]), tensor([0.3679]), tensor([2.1544]))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        from ..factories import full_like, ones_like
        self.loc, self.scale = broadcast_all(loc, scale)
        finfo = _finfo(self.loc.dtype)
        tiny, top = float(finfo.tiny), 1 - float(finfo.eps)
        if isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number):
            base = Uniform(tiny, top, validate_args=validate_args)
        else:
            base = Uniform(full_like(self.loc, tiny), full_like(self.loc, top), validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(0, -ones_like(self.scale)), ExpTransform().inv,
                      AffineTransform(loc, -self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self):
        """The mean: loc + scale * Euler's gamma.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Gumbel
        >>> Gumbel(gg.tensor([0.0]), 1.0).mean
        tensor([0.5772])
        """
        return self.loc + self.scale * _EULER_GAMMA

    @property
    def mode(self):
        """The mode: ``loc``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Gumbel
        >>> Gumbel(gg.tensor([1.0]), 1.0).mode
        tensor([1.])
        """
        return self.loc

    @property
    def stddev(self):
        """The standard deviation: pi / sqrt(6) scale.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Gumbel
        >>> Gumbel(0.0, gg.tensor([1.0])).stddev
        tensor([1.2825])
        """
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        """The variance: pi^2 / 6 scale^2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Gumbel
        >>> Gumbel(0.0, gg.tensor([1.0])).variance
        tensor([1.6449])
        """
        return self.stddev.pow(2)

    def entropy(self):
        return self.scale.log() + (1 + _EULER_GAMMA)
