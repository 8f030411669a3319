"""The Geometric distribution (failures before the first success), parameterized by probs or logits."""
from __future__ import annotations

import numpy as np

from . import constraints
from ._params import _BinaryProbs
from .distribution import Distribution
from .kl import register_kl
from .utils import broadcast_all

__all__ = ["Geometric"]


class Geometric(_BinaryProbs, Distribution):
    """The number k = 0, 1, 2, ... of failures before the first success in independent trials of success
    probability ``probs`` (or sigmoid(``logits``)): P(k) = (1 - p)^k p.

    Args:
        probs: the success probability (in (0, 1]).
        logits: the log-odds of success (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.geometric import Geometric
    >>> Geometric(gg.tensor([0.5])).log_prob(gg.tensor([2.0]))
    tensor([-2.0794])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        batch_shape, _ = self._set_probs_or_logits(probs, logits)
        Distribution.__init__(self, batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all()):
                raise ValueError(f"Expected parameter probs ({type(value).__name__} of shape {tuple(value.shape)}) "
                                 f"of distribution {self!r} to be positive but found invalid values:\n"
                                 f"{value.detach()[~valid]}")

    def expand(self, batch_shape, _instance=None):
        return self._expand_binary(Geometric, batch_shape, _instance)

    @property
    def mean(self):
        """The mean: 1 / probs - 1.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.geometric import Geometric
        >>> Geometric(gg.tensor([0.25])).mean
        tensor([3.])
        """
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        """The mode: 0.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.geometric import Geometric
        >>> Geometric(gg.tensor([0.25])).mode
        tensor([0.])
        """
        from ..factories import zeros_like
        return zeros_like(self.probs)

    @property
    def variance(self):
        """The variance: (1 / probs - 1) / probs.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.geometric import Geometric
        >>> Geometric(gg.tensor([0.25])).variance
        tensor([12.])
        """
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()):
        # inversion: floor(log U / log(1 - p)), U uniform on [tiny, 1)
        from . import utils
        from .. import autograd
        with autograd.no_grad():
            probs = self.probs.detach()
            tiny = float(np.finfo(np.dtype(probs.dtype)).tiny)
            u = utils._noise("uniform", self._extended_shape(sample_shape), probs).clamp(min=tiny)
            return (u.log() / (-probs).log1p()).floor()

    def log_prob(self, value):
        # k log(1 - p) + log p, with 0 log 0 = 0 at p = 1, k = 0
        from ..ops import where
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        from ..ops.nn_ops import binary_cross_entropy_with_logits
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits
