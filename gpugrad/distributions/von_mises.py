"""The von Mises distribution on the circle."""
from __future__ import annotations

import math

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["VonMises"]


def _log_i0(x):
    """log I0(x) = log i0e(x) + x for x > 0 (the scaled Bessel function keeps large x finite)."""
    from ..special import i0e
    return i0e(x).log() + x


def _proposal_r(xp, kappa):
    """Best and Fisher's wrapped-Cauchy envelope parameter r = (1 + rho^2) / (2 rho), rho = (tau - sqrt(2 tau)) /
    (2 kappa), tau = 1 + sqrt(1 + 4 kappa^2); its expansion 1 / kappa + kappa below 1e-5 (raw float64 arrays)."""
    tau = 1 + xp.sqrt(1 + 4 * kappa ** 2)
    rho = (tau - xp.sqrt(2 * tau)) / (2 * kappa)
    return xp.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho))


def _rejection_sample(loc, kappa, shape):
    """Von Mises draws of ``shape`` by Best and Fisher's (1979) rejection sampler, from three uniforms a round as
    PyTorch (float64 throughout: at small kappa float32 can fail to accept). Raw arrays in and out."""
    from ..backend import xp_of
    from ..tensor import Tensor
    from .utils import _noise
    xp = xp_of(loc)
    r = _proposal_r(xp, kappa)
    like = Tensor._make(loc, None, False)         # float64, on the parameters' device
    x = xp.zeros(shape, dtype=xp.float64)
    done = xp.zeros(shape, dtype=bool)
    while not bool(done.all()):
        u1, u2, u3 = _noise("uniform", (3,) + tuple(shape), like)._data
        z = xp.cos(math.pi * u1)
        f = (1 + r * z) / (r + z)
        c = kappa * (r - f)
        accept = ((c * (2 - c) - u2) > 0) | (xp.log(c / u2) + 1 - c >= 0)
        # as PyTorch, a later acceptance replaces an earlier one (each accepted draw has the target law)
        x = xp.where(accept, xp.sign(u3 - 0.5) * xp.arccos(f), x)
        done = done | accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """The von Mises (circular normal) distribution: density exp(concentration cos(x - loc)) / (2 pi
    I0(concentration)). ``loc`` and values may be any real numbers, read as angles modulo 2 pi; samples lie in
    [-pi, pi). Its mean and variance are the circular ones. Sampling is by rejection (no ``rsample``, as PyTorch).

    log I0 is computed from the scaled Bessel function ``gpugrad.special.i0e`` to full precision (PyTorch uses a
    polynomial fit, within about 3e-8 of it).

    Args:
        loc: the mean direction (radians).
        concentration: kappa (positive); 1 / kappa plays the part of a variance.
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import VonMises
    >>> d = VonMises(gg.tensor([1.0]), gg.tensor([2.0]))
    >>> d.log_prob(gg.tensor([1.0])), d.variance
    (tensor([-0.6619]), tensor([0.3022]))
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, (), validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(VonMises, batch_shape, _instance, "loc", "concentration")

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration * (value - self.loc).cos() - math.log(2 * math.pi)
                - _log_i0(self.concentration))

    def sample(self, sample_shape=()):
        from ..backend import xp_of
        from ..tensor import Tensor
        loc, kappa = self.loc.detach()._data, self.concentration.detach()._data
        xp = xp_of(loc)
        shape = tuple(self._extended_shape(sample_shape))
        out = _rejection_sample(loc.astype(xp.float64), kappa.astype(xp.float64), shape)
        return Tensor._make(out.astype(loc.dtype), None, False)

    @property
    def mean(self):
        """The circular mean: ``loc``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import VonMises
        >>> VonMises(gg.tensor([1.0]), 2.0).mean
        tensor([1.])
        """
        return self.loc

    @property
    def mode(self):
        """The mode: ``loc``.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import VonMises
        >>> VonMises(gg.tensor([1.0]), 2.0).mode
        tensor([1.])
        """
        return self.loc

    @property
    def variance(self):
        """The circular variance: 1 - I1(kappa) / I0(kappa).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import VonMises
        >>> VonMises(0.0, gg.tensor([2.0])).variance
        tensor([0.3022])
        """
        from ..special import i0e, i1e
        return 1 - i1e(self.concentration) / i0e(self.concentration)
