"""The Gamma distribution, and the reparameterized standard Gamma sample the Beta and Dirichlet build on."""
from __future__ import annotations

import numpy as np

from . import constraints
from .distribution import ExponentialFamily
from ._gammainc import gammainc
from ..backend import special_fns
from ..ops.umath_unary import digamma, lgamma
from ..autograd.op import Op

__all__ = ["Gamma"]

# PyTorch's bivariate rational approximation of d sample / d alpha (aten/src/ATen/native/Distributions.h)
_COEF_UV = ((0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084),
            (0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915,
             -0.00058392623),
            (0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367,
             -1.5247877e-07))


def standard_gamma_grad(xp, alpha, x):
    """d x / d alpha for x ~ Gamma(alpha, 1) at fixed quantile (implicit reparameterization:
    -(d CDF / d alpha) / pdf), with PyTorch's three approximations: a Taylor series of the CDF for x < 0.8, Rice's
    saddle-point expansion for alpha > 8, a rational fit otherwise. Raw float arrays in, float64 out."""
    a = alpha.astype(xp.float64)
    x = x.astype(xp.float64)
    # x < 0.8: CDF ~ x^a sum_i (-x)^i / (i! (a + i)); its a-derivative by the series with squared denominators
    numer = xp.ones_like(x)
    denom = a
    s1, s2 = 1 / denom, 1 / (denom * denom)
    for i in range(1, 6):
        numer = numer * (-x / i)
        denom = denom + 1
        s1 = s1 + numer / denom
        s2 = s2 + numer / (denom * denom)
    xa = x ** a
    pdf = x ** (a - 1) * xp.exp(-x)
    cdf_a = (xp.log(x) - special_fns.call("digamma", xp, a)) * xa * s1 - xa * s2
    small = -cdf_a / pdf
    small = xp.where(xp.isnan(small), 0.0, small)
    # alpha > 8: Rice saddle point, with a polynomial near x = alpha
    near = (1 + 24 * a * (1 + 12 * a)) * (1440 * a * a + 6 * x * (53 - 120 * x) - 65 * x * x / a
                                          + a * (107 + 3600 * x)) / (1244160 * a ** 4)
    den = xp.sqrt(8 * a)
    diff = xp.where(a == x, 1.0, a - x)
    term2 = den / diff
    term3 = xp.abs(x - a - a * xp.log(x / a)) ** -1.5
    term23 = xp.where(x < a, term2 - term3, term2 + term3)
    term1 = xp.log(x / a) * term23 - xp.sqrt(2 / a) * (a + x) / (diff * diff)
    stirling = 1 + 1 / (12 * a) * (1 + 1 / (24 * a))
    far = -stirling * x * term1 / den
    large = xp.where((0.9 * a <= x) & (x <= 1.1 * a), near, far)
    # otherwise: exp(p(u, v) / q(u, v)), u = log(x / alpha), v = log(alpha)
    u, v = xp.log(x / a), xp.log(a)
    c = [cu0 + u * (cu1 + u * cu2) for cu0, cu1, cu2 in zip(*_COEF_UV)]
    p = c[0] + v * (c[1] + v * (c[2] + v * c[3]))
    q = c[4] + v * (c[5] + v * (c[6] + v * c[7]))
    mid = xp.exp(p / q)
    return xp.where(x < 0.8, small, xp.where(a > 8, large, mid))


class StandardGammaSample(Op, register=False):
    """Passes a standard Gamma(alpha) sample ``x`` through with the implicit reparameterization gradient
    d x / d alpha. Not in the op table: its forward is a constant draw, so finite differences cannot check
    its gradient; tests compare it with PyTorch's ``_standard_gamma_grad`` on the same samples."""

    def forward(self, alpha, x):
        self.save_for_backward(alpha, x)
        return x

    def backward(self, g):
        alpha, x = self.saved
        return g * standard_gamma_grad(self.xp, alpha, x).astype(g.dtype, copy=False), None


def standard_gamma(alpha):
    """Gamma(alpha, 1) samples of ``alpha``'s shape, differentiable in ``alpha`` (implicit reparameterization)."""
    from .utils import _standard_gamma_draw
    return StandardGammaSample.apply(alpha, _standard_gamma_draw(alpha.detach()._data))


def _xlogy(a, b):
    """a log b, 0 where a is 0."""
    from ..ops import where
    return a * where(a == 0, 1.0, b).log()


class Gamma(ExponentialFamily):
    """The Gamma distribution with shape ``concentration`` and ``rate`` (density proportional to
    x^(concentration - 1) e^(-rate x)).

    Args:
        concentration: the shape parameter (positive).
        rate: the rate (positive; the scale is 1 / rate).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions import Gamma
    >>> Gamma(gg.tensor([2.0]), gg.tensor([1.0])).log_prob(gg.tensor([1.0]))
    tensor([-1.])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self._init_params(validate_args, concentration=concentration, rate=rate)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Gamma, batch_shape, _instance, "concentration", "rate")

    @property
    def mean(self):
        """The mean: concentration / rate.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Gamma
        >>> Gamma(gg.tensor([3.0]), gg.tensor([2.0])).mean
        tensor([1.5000])
        """
        return self.concentration / self.rate

    @property
    def mode(self):
        """The mode: (concentration - 1) / rate, clamped at 0.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Gamma
        >>> Gamma(gg.tensor([3.0]), gg.tensor([2.0])).mode
        tensor([1.])
        """
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        """The variance: concentration / rate^2.

        >>> import gpugrad as gg
        >>> from gpugrad.distributions import Gamma
        >>> Gamma(gg.tensor([3.0]), gg.tensor([2.0])).variance
        tensor([0.7500])
        """
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        tiny = float(np.finfo(np.dtype(value.dtype)).tiny)
        value._data[...] = value._data.clip(min=tiny)      # as PyTorch: clamp the value, not the gradient
        return value

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (_xlogy(self.concentration, self.rate) + _xlogy(self.concentration - 1, value)
                - self.rate * value - lgamma(self.concentration))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self):
        c = self.concentration
        return c - self.rate.log() + lgamma(c) + (1.0 - c) * digamma(c)

