"""``torch.binomial``: the number of successes in ``count`` trials of probability ``prob``, elementwise.

>>> import gpugrad as gg
>>> gg.binomial(gg.tensor([3.0, 4.0]), gg.tensor([1.0, 0.0]))
tensor([3., 0.])
"""
from __future__ import annotations

from .. import _dtype
from ..tensor import Tensor
from ..random_factories import _gen
from .random_more import Sampled


def binomial(count, prob, generator=None):
    """Samples of Binomial(count, prob), as ``torch.binomial``: ``count`` and ``prob`` broadcast together.
    As PyTorch's, a count below zero gives 0, prob is clamped to [0, 1] and prob 1 gives the count itself; a
    NaN or infinite count, or a NaN prob, gives NaN (PyTorch's sampler does not return there).

    Args:
        count: the numbers of trials, a floating point tensor (whole numbers: a fraction is dropped where
            0 < prob < 1).
        prob: the success probabilities, a tensor of count's dtype.
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from (CPU only).

    Returns:
        A tensor of the broadcast shape in count's dtype (requiring grad, with zero gradient, where an input
        does; PyTorch records a node whose backward is not implemented).

    >>> import gpugrad as gg
    >>> gg.binomial(gg.tensor([5.0]), gg.tensor([1.0]))
    tensor([5.])
    """
    for name, t in (("count", count), ("prob", prob)):
        if not isinstance(t, Tensor):
            raise TypeError(f"binomial(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if not _dtype.is_float(count.dtype):
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {count.dtype}")
    if prob.dtype != count.dtype:
        raise RuntimeError(f"binomial: expected prob of dtype {count.dtype} (count's), but got {prob.dtype}")
    xp = count.xp
    n, p = xp.broadcast_arrays(count._data.astype("float64"), prob._data.astype("float64"))
    bad = xp.isnan(p) | ~xp.isfinite(n)
    n, p = xp.where(bad, 0, xp.clip(n, 0, None)), xp.where(bad, 0, xp.clip(p, 0, 1))
    draws = _gen(generator, count.device, "binomial").binomial(xp.floor(n).astype("int64"), p)
    # as ATen's sampler: prob 1 gives the count itself (a fraction kept), a count or prob of 0 gives 0
    arr = xp.where(bad, xp.nan, xp.where(p >= 1, n, draws)).astype(count._data.dtype)
    if count.requires_grad or prob.requires_grad:
        return Sampled.apply(arr, count, prob)
    return Tensor._make(arr, None, False)
