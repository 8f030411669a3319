"""The Tensor methods of the reductions, scans, order statistics and searches in reduce_more, scan_more,
order_stats, search and stats (PyTorch has ``trapezoid``, ``searchsorted`` and ``bucketize`` as functions only),
with the in-place scans ``cumsum_``/``cumprod_`` and ``renorm_``. Attached to Tensor by :mod:`gpugrad.ops.methods`."""
from __future__ import annotations

from . import _inplace
from .scan import cumsum
from .reduce_more import all, any, aminmax, count_nonzero, nansum, nanmean, dist, renorm
from .scan_more import cumprod, cummax, cummin, logcumsumexp, diff
from .order_stats import median, nanmedian, kthvalue, mode, quantile, nanquantile, msort
from .search import bincount, histc, histogram, unique, unique_consecutive
from .stats import cov, corrcoef


def _cumsum_(self, dim, *, dtype=None):
    """In place: the running sum along ``dim`` (:func:`gpugrad.cumsum`) written into this tensor; returns it.

    Args:
        dim: the dim to sum along.
        dtype: the dtype to compute in (the result is written back in this tensor's dtype).

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0, 2.0, 3.0]).cumsum_(0)
    tensor([1., 3., 6.])
    """
    def cumsum_(t):
        return cumsum(t, dim, dtype=dtype)
    return _inplace(self, cumsum_)


def _cumprod_(self, dim, *, dtype=None):
    """In place: the running product along ``dim`` (:func:`gpugrad.cumprod`) written into this tensor; returns it.

    Args:
        dim: the dim to multiply along.
        dtype: the dtype to compute in (the result is written back in this tensor's dtype).

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0, 2.0, 3.0]).cumprod_(0)
    tensor([1., 2., 6.])
    """
    def cumprod_(t):
        return cumprod(t, dim, dtype=dtype)
    return _inplace(self, cumprod_)


def _renorm_(self, p, dim, maxnorm):
    """In place: :func:`gpugrad.renorm` written into this tensor; returns it.

    Args:
        p: the norm's order.
        dim: the dim whose slices are renormalized.
        maxnorm: the largest norm a slice keeps.

    Returns:
        This tensor, changed in place.

    >>> import gpugrad as gg
    >>> gg.tensor([[3.0, 4.0], [0.3, 0.4]]).renorm_(2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    def renorm_(t):               # (a copy: the norm's node keeps the old values, which the write replaces)
        return renorm(t.clone(), p, dim, maxnorm)
    return _inplace(self, renorm_)


REDUCE_METHODS = dict(
    all=all, any=any, aminmax=aminmax, count_nonzero=count_nonzero, nansum=nansum, nanmean=nanmean, dist=dist,
    renorm=renorm, renorm_=_renorm_, cumprod=cumprod, cumprod_=_cumprod_, cumsum_=_cumsum_, cummax=cummax,
    cummin=cummin, logcumsumexp=logcumsumexp, diff=diff, median=median, nanmedian=nanmedian, kthvalue=kthvalue,
    mode=mode, quantile=quantile, nanquantile=nanquantile, msort=msort, bincount=bincount, histc=histc,
    histogram=histogram, unique=unique, unique_consecutive=unique_consecutive, cov=cov, corrcoef=corrcoef,
)
