"""The concrete transforms: elementwise maps (exp, affine, power, sigmoid, softplus, tanh, abs) and the maps
onto the simplex (softmax, stick-breaking), with PyTorch's formulas for their inverses and log-Jacobians."""
from __future__ import annotations

import math
import numbers

from .. import constraints
from ..utils import _finfo, broadcast_all, lazy_property
from ...ops.activation_api import logsigmoid
from ...ops.nn_ops import softplus
from ...ops.shape import cat
from ...ops.stacking import broadcast_shapes
from .base import Transform

__all__ = ["AbsTransform", "AffineTransform", "ExpTransform", "PowerTransform", "SigmoidTransform",
           "SoftmaxTransform", "SoftplusTransform", "StickBreakingTransform", "TanhTransform"]


class _Stateless(Transform):
    """A transform without parameters: any two instances of one class are equal."""

    def __eq__(self, other):
        return isinstance(other, type(self))


class ExpTransform(_Stateless):
    """y = exp(x).

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import ExpTransform
    >>> ExpTransform()(gg.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def _call(self, x):
        return x.exp()

    def _inverse(self, y):
        return y.log()

    def log_abs_det_jacobian(self, x, y):
        return x


class PowerTransform(Transform):
    """y = x ** exponent, on positive numbers.

    Args:
        exponent: a Tensor or number.
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import PowerTransform
    >>> PowerTransform(2.0)(gg.tensor([3.0]))
    tensor([9.])
    """

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size=cache_size)
        (self.exponent,) = broadcast_all(exponent)
        # a number stays a number in the arithmetic (a 0-d Tensor lives on the default device, maybe not x's)
        self._power = exponent if isinstance(exponent, numbers.Number) else self.exponent

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return PowerTransform(self._power, cache_size=cache_size)

    @lazy_property
    def sign(self):
        """The sign of the exponent.

        Returns:
            A Tensor.

        >>> from gpugrad.distributions.transforms import PowerTransform
        >>> PowerTransform(-2.0).sign
        tensor(-1.)
        """
        return self.exponent.sign()

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and bool(self.exponent.eq(other.exponent).all().item())


    def _call(self, x):
        return x.pow(self._power)

    def _inverse(self, y):
        return y.pow(1 / self._power)

    def log_abs_det_jacobian(self, x, y):
        return (self._power * y / x).abs().log()

    def forward_shape(self, shape):
        return broadcast_shapes(shape, getattr(self.exponent, "shape", ()))

    def inverse_shape(self, shape):
        return broadcast_shapes(shape, getattr(self.exponent, "shape", ()))


def _clipped_sigmoid(x):
    """sigmoid(x) kept inside [tiny, 1 - eps] of x's dtype (so its logit is finite)."""
    finfo = _finfo(x.dtype)
    return x.sigmoid().clamp(min=float(finfo.tiny), max=1.0 - float(finfo.eps))


class SigmoidTransform(_Stateless):
    """y = 1 / (1 + exp(-x)); its inverse is the logit.

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import SigmoidTransform
    >>> SigmoidTransform()(gg.tensor([0.0]))
    tensor([0.5000])
    """

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = +1

    def _call(self, x):
        return _clipped_sigmoid(x)

    def _inverse(self, y):
        finfo = _finfo(y.dtype)
        y = y.clamp(min=float(finfo.tiny), max=1.0 - float(finfo.eps))
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x, y):
        # log sigmoid'(x) = log sigmoid(x) + log sigmoid(-x)
        return -softplus(-x) - softplus(x)


class SoftplusTransform(_Stateless):
    """y = log(1 + exp(x)) (linear above x = 20).

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import SoftplusTransform
    >>> SoftplusTransform()(gg.tensor([0.0]))
    tensor([0.6931])
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def _call(self, x):
        return softplus(x)

    def _inverse(self, y):
        return (-y).expm1().neg().log() + y

    def log_abs_det_jacobian(self, x, y):
        return -softplus(-x)


class TanhTransform(_Stateless):
    """y = tanh(x) (its inverse, atanh, is not clamped at +-1: use ``cache_size=1`` to reuse exact inputs).

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import TanhTransform
    >>> TanhTransform().inv(gg.tensor([0.5]))
    tensor([0.5493])
    """

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def _call(self, x):
        return x.tanh()

    def _inverse(self, y):
        return y.atanh()

    def log_abs_det_jacobian(self, x, y):
        # log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x)), stable for large |x|
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class AbsTransform(_Stateless):
    """y = |x| (not bijective: the inverse is the identity on the nonnegative half).

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import AbsTransform
    >>> AbsTransform()(gg.tensor([-2.0, 3.0]))
    tensor([2., 3.])
    """

    domain = constraints.real
    codomain = constraints.positive

    def _call(self, x):
        return x.abs()

    def _inverse(self, y):
        return y


def _real_over(event_dim):
    return constraints.real if event_dim == 0 else constraints.independent(constraints.real, event_dim)


def _same(a, b):
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return a == b
    return bool((a == b).all().item())


class AffineTransform(Transform):
    """y = loc + scale * x, elementwise.

    Args:
        loc: a Tensor or number.
        scale: a Tensor or number.
        event_dim: how many rightmost dims form one event (the log-Jacobian is summed over them).
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import AffineTransform
    >>> t = AffineTransform(1.0, gg.tensor([2.0, 3.0]), event_dim=1)
    >>> x = gg.tensor([1.0, 1.0])
    >>> t(x), t.log_abs_det_jacobian(x, t(x))
    (tensor([3., 4.]), tensor(1.7918))
    """

    bijective = True

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.loc = loc
        self.scale = scale
        self._event_dim = event_dim

    @property
    def event_dim(self):
        """How many rightmost dims form one event (as given).

        >>> from gpugrad.distributions.transforms import AffineTransform
        >>> AffineTransform(0.0, 1.0, event_dim=2).event_dim
        2
        """
        return self._event_dim

    @constraints.dependent_property(is_discrete=False)
    def domain(self):
        """``real`` over ``event_dim`` dims.

        >>> from gpugrad.distributions.transforms import AffineTransform
        >>> AffineTransform(0.0, 1.0).domain
        Real()
        """
        return _real_over(self.event_dim)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self):
        """``real`` over ``event_dim`` dims.

        >>> from gpugrad.distributions.transforms import AffineTransform
        >>> AffineTransform(0.0, 1.0, event_dim=1).codomain.event_dim
        1
        """
        return _real_over(self.event_dim)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self.event_dim, cache_size=cache_size)

    def __eq__(self, other):
        return isinstance(other, AffineTransform) and _same(self.loc, other.loc) and _same(self.scale, other.scale)


    @property
    def sign(self):
        """The sign of ``scale`` (a number for a number, else a Tensor).

        >>> import gpugrad as gg
        >>> from gpugrad.distributions.transforms import AffineTransform
        >>> AffineTransform(0.0, gg.tensor([-2.0, 3.0])).sign
        tensor([-1.,  1.])
        """
        if isinstance(self.scale, numbers.Number):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return self.scale.sign()

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        shape = tuple(x.shape)
        if isinstance(self.scale, numbers.Number):
            from ...factories import full_like
            result = full_like(x, math.log(abs(self.scale)))
        else:
            result = self.scale.abs().log()
        if self.event_dim:
            result = result.reshape(tuple(result.shape)[:-self.event_dim] + (-1,)).sum(-1)
            shape = shape[:-self.event_dim]
        return result.expand(shape)

    def forward_shape(self, shape):
        return broadcast_shapes(shape, getattr(self.loc, "shape", ()), getattr(self.scale, "shape", ()))

    def inverse_shape(self, shape):
        return broadcast_shapes(shape, getattr(self.loc, "shape", ()), getattr(self.scale, "shape", ()))


def _at_least_1d(shape):
    if len(shape) < 1:
        raise ValueError("Too few dimensions on input")


class SoftmaxTransform(_Stateless):
    """The softmax over the last dim, onto the simplex (not bijective: the inverse is the log, one of the
    preimages).

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import SoftmaxTransform
    >>> SoftmaxTransform()(gg.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def _call(self, x):
        probs = (x - x.max(-1, True)[0]).exp()
        return probs / probs.sum(-1, True)

    def _inverse(self, y):
        return y.log()

    def forward_shape(self, shape):
        _at_least_1d(shape)
        return shape

    def inverse_shape(self, shape):
        _at_least_1d(shape)
        return shape


class StickBreakingTransform(_Stateless):
    """From unconstrained vectors of length K onto the simplex of length K + 1, by breaking a stick: each
    coordinate (shifted by log of the remaining count) is a sigmoid fraction of what is left.

    Args:
        cache_size: 0 or 1 (see :class:`Transform`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.transforms import StickBreakingTransform
    >>> StickBreakingTransform()(gg.tensor([0.0, 0.0]))
    tensor([0.3333, 0.3333, 0.3333])
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    @staticmethod
    def _offset(x, k):
        # log(K + 1 - i) for i = 1..k: makes x = 0 the simplex's centre
        return (x.shape[-1] + 1 - x.new_ones(k).cumsum(-1)).log()

    def _call(self, x):
        z = _clipped_sigmoid(x - self._offset(x, x.shape[-1]))
        one = x.new_ones(tuple(x.shape[:-1]) + (1,))
        return cat([z, one], -1) * cat([one, (1 - z).cumprod(-1)], -1)

    def _inverse(self, y):
        y_crop = y[..., :-1]
        offset = (y.shape[-1] - y.new_ones(y_crop.shape[-1]).cumsum(-1)).log()
        # clamped: the remainder can round to <= 0 when y[-1] ~ 0
        sf = (1 - y_crop.cumsum(-1)).clamp(min=float(_finfo(y.dtype).tiny))
        return y_crop.log() - sf.log() + offset

    def log_abs_det_jacobian(self, x, y):
        x = x - self._offset(x, x.shape[-1])
        # 1 - sigmoid(x) = exp(-x) sigmoid(x)
        return (-x + logsigmoid(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape):
        _at_least_1d(shape)
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        _at_least_1d(shape)
        return tuple(shape[:-1]) + (shape[-1] - 1,)
