"""Helpers shared by the distributions, as ``torch.distributions.utils``: broadcasting parameters, the
probs/logits conversions, ``lazy_property``, and the one place random noise is drawn (``_noise``, which the
tests patch to feed PyTorch's noise)."""
from __future__ import annotations

import numbers

import numpy as np

from .. import backend as _backend
from ..tensor import Tensor, tensor as _tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values):
    """Numbers and Tensors broadcast to one shape (numbers become Tensors of the others' dtype and device, or
    of the default float dtype), as ``torch.distributions.utils.broadcast_all``.

    Args:
        *values: Tensors and numbers.

    Returns:
        A tuple of Tensors of one shape.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.utils import broadcast_all
    >>> [tuple(v.shape) for v in broadcast_all(gg.zeros(2, 1), gg.zeros(3), 1.0)]
    [(2, 3), (2, 3), (2, 3)]
    """
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        like = next((v for v in values if isinstance(v, Tensor)), None)
        kw = {} if like is None else {"dtype": like.dtype, "device": like.device}
        values = [v if isinstance(v, Tensor) else _tensor(float(v), **kw) for v in values]
    shape = tuple(np.broadcast_shapes(*[tuple(v.shape) for v in values]))
    return tuple(v if tuple(v.shape) == shape else v.expand(shape) for v in values)


def _finfo(dtype):
    return np.finfo(np.dtype(dtype))


def clamp_probs(probs):
    """Probabilities clamped into [eps, 1 - eps] (eps: the dtype's machine epsilon).

    Args:
        probs: a Tensor of probabilities.

    Returns:
        The clamped Tensor.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.utils import clamp_probs
    >>> clamp_probs(gg.tensor([0.0, 0.5])).tolist()[1]
    0.5
    """
    eps = float(_finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """Logits to probabilities: the sigmoid (``is_binary``) or the softmax over the last dim.

    Args:
        logits: a Tensor.
        is_binary: one logit per Bernoulli event instead of one per category.

    Returns:
        A Tensor of probabilities.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.utils import logits_to_probs
    >>> logits_to_probs(gg.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """
    from ..ops import softmax
    return logits.sigmoid() if is_binary else softmax(logits, -1)


def probs_to_logits(probs, is_binary=False):
    """Probabilities to logits: log(p) - log(1 - p) (``is_binary``) or log(p), after clamping into
    [eps, 1 - eps].

    Args:
        probs: a Tensor of probabilities.
        is_binary: one probability per Bernoulli event instead of one per category.

    Returns:
        A Tensor of logits.

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.utils import probs_to_logits
    >>> probs_to_logits(gg.tensor([0.5]), is_binary=True)
    tensor([0.])
    """
    ps = clamp_probs(probs)
    if is_binary:
        return ps.log() - (-ps).log1p()
    return ps.log()


class lazy_property:
    """A property computed on first access and then stored on the instance (``probs`` from ``logits``...).

    Args:
        wrapped: the method computing the value.

    >>> from gpugrad.distributions.utils import lazy_property
    >>> class A:
    ...     @lazy_property
    ...     def x(self):
    ...         return 3
    >>> A().x
    3
    """

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def _noise(kind, shape, like):
    """Standard noise of ``like``'s dtype and device from gpugrad's generator of that device (seeded by
    ``gpugrad.manual_seed``): ``kind`` is "normal" (N(0, 1)) or "uniform" ([0, 1)). The one place the
    distributions draw, so tests can substitute PyTorch's draws."""
    dt = np.dtype(like.dtype)
    draw = np.float64 if dt == np.float16 or dt.kind != "f" else dt
    g = _backend.generator(like.device)
    shape = tuple(shape)
    arr = g.standard_normal(shape, dtype=draw) if kind == "normal" else g.random(shape, dtype=draw)
    return Tensor._make(arr.astype(dt if dt.kind == "f" else draw, copy=False), None, False)


def _standard_gamma_draw(alpha):
    """Standard Gamma(alpha) samples (a raw array of ``alpha``'s shape, dtype and device; ``alpha`` a raw array),
    by Marsaglia and Tsang's method: for a >= 1, d = a - 1/3, c = 1/sqrt(9d), X = d (1 + c Z)^3 accepted when
    log U < Z^2/2 + d - d (1 + c Z)^3 + d log (1 + c Z)^3; for a < 1, Gamma(a + 1) U^(1/a). Draws from ``_noise``
    until every element is accepted."""
    from ..backend import xp_of
    xp = xp_of(alpha)
    like = Tensor._make(alpha, None, False)
    a = alpha.astype(xp.float64)
    boost = a < 1
    d = xp.where(boost, a + 1, a) - 1.0 / 3
    c = 1.0 / xp.sqrt(9.0 * d)
    out = xp.zeros_like(a)
    pending = xp.ones(a.shape, dtype=bool)
    f64 = Tensor._make(a, None, False)
    while bool(pending.any()):
        z = _noise("normal", a.shape, f64)._data
        u = _noise("uniform", a.shape, f64)._data
        v = (1 + c * z) ** 3
        ok = (v > 0) & (xp.log(xp.maximum(u, 1e-300)) < 0.5 * z * z + d - d * v + d * xp.log(xp.where(v > 0, v, 1.0)))
        take = pending & ok
        out = xp.where(take, d * v, out)
        pending = pending & ~take
    u = _noise("uniform", a.shape, f64)._data
    out = xp.where(boost, out * (1 - u) ** (1.0 / xp.where(boost, a, 1.0)), out)
    return out.astype(like.dtype)
