"""``torch.histogramdd``: the histogram of N-dimensional points, each coordinate binned on its own edges (like
:func:`gpugrad.histogram` per dim), the N bin numbers combined into one flat bin and counted at once.

>>> import gpugrad as gg
>>> gg.histogramdd(gg.tensor([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), bins=2).hist
tensor([[1., 0.],
        [1., 1.]])
"""
from __future__ import annotations

import math

from .. import return_types
from ..tensor import Tensor
from ._util import write_out
from .search import _const, _count_bins, _linspace_like_torch, _need_float_hist, _outer_edges

#: the named pair ``(hist, bin_edges)`` of histogramdd (bin_edges a tuple of 1-d tensors, one per dim)
histogramdd_result = return_types._seq("histogramdd", ["hist", "bin_edges"])
if not hasattr(return_types, "histogramdd"):
    return_types.histogramdd = histogramdd_result


def _edges(xp, pts, bins, range, dtype):
    """The bin edges of each of the N dims (arrays of ``dtype``), from ``bins`` (an int, N ints or N tensors)
    and ``range`` (None or 2N numbers)."""
    n = pts.shape[1]
    if isinstance(bins, int):
        bins = [bins] * n
    bins = list(bins)
    if len(bins) != n:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None and len(range) != 2 * n:
        raise RuntimeError(f"torch.histogramdd: for a {n}-dimensional histogram range should have {2 * n} elements, "
                           f"but got {len(range)}")
    edges = []
    for d, b in enumerate(bins):
        if isinstance(b, Tensor):
            if b.ndim != 1 or b.shape[0] < 1:
                raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension and at least 1 "
                                   f"element, but got {b.ndim} dimensions for dimension {d}")
            if b.dtype != dtype:
                raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                                   f"but got input {dtype} and bins {b.dtype} for dimension {d}")
            edges.append(b._data)
            continue
        if b <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {b} for dimension {d}")
        lo, hi = (None, None) if range is None else (float(range[2 * d]), float(range[2 * d + 1]))
        if lo is not None and lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo} max {hi} for "
                               f"dimension {d}")
        lo, hi = _outer_edges(pts[:, d], lo, hi, 0.5)
        edges.append(_linspace_like_torch(xp, lo, hi, b + 1, dtype))
    return edges


def histogramdd(input, bins, range=None, weight=None, density=False, *, out=None):
    """The histogram of the points in ``input`` (its last dim holds each point's N coordinates), as
    ``torch.histogramdd``: per dim, ``bins`` equal bins over ``range`` (the data's range by default) or the bins
    between given edges; every bin holds its left edge, the last of each dim its right edge too; points outside
    are ignored. Not differentiable.

    Args:
        input: a floating point tensor of shape ``(..., N)``, at least 2-D (the leading dims are flattened).
        bins: an int (that many bins in every dim), N ints, or N 1-d tensors of increasing edges.
        range: None, or 2N numbers: (min, max) of each dim's bins (with int bins).
        weight: an optional tensor of input's shape without its last dim: each point counts its weight.
        density: normalize so the histogram integrates to 1 over the bins.
        out: an optional pair ``(hist, bin_edges)`` the result is written into.

    Returns:
        A named pair ``(hist, bin_edges)``: an N-d tensor of counts and a tuple of N 1-d tensors, in input's
        dtype.

    >>> import gpugrad as gg
    >>> gg.histogramdd(gg.tensor([[0.5, 2.0]]), bins=[1, 2], range=[0.0, 1.0, 0.0, 4.0]).hist
    tensor([[0., 1.]])
    """
    _need_float_hist("histogramdd", input)
    if input.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    xp, a = input.xp, input._data
    pts = a.reshape(-1, a.shape[-1])
    if weight is not None and tuple(weight.shape) != tuple(input.shape[:-1]):
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                           f"input tensor excluding its innermost dimension, but got input with shape "
                           f"{list(input.shape)} and weight with shape {list(weight.shape)}")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should "
                           f"have the same dtype, but got input({input.dtype}), and weight({weight.dtype})")
    edges = _edges(xp, pts, bins, range, a.dtype)
    sizes = [e.shape[0] - 1 for e in edges]
    keep = xp.ones(pts.shape[0], dtype=bool)
    flat = xp.zeros(pts.shape[0], dtype="int64")
    for d, e in enumerate(edges):        # the flat bin: the dims' bin numbers in C order
        col = pts[:, d]
        keep &= (col >= e[0]) & (col <= e[-1])
        pos = xp.clip(xp.searchsorted(e, col, side="right") - 1, 0, max(sizes[d] - 1, 0))
        flat = flat * sizes[d] + pos
    total = math.prod(sizes)
    w = None if weight is None else weight._data.reshape(-1)
    hist = _count_bins(xp, flat, keep, total, w, a.dtype).reshape(sizes)
    if density:
        volume = xp.ones((), dtype=a.dtype)
        for d, e in enumerate(edges):
            widths = e[1:] - e[:-1]
            volume = volume[..., None] * widths if d else widths
        hist = hist / (hist.sum() * volume)
    res = histogramdd_result(_const(xp, hist.astype(a.dtype)), tuple(_const(xp, e.copy()) for e in edges))
    if out is None:
        return res
    if len(out) != 2 or len(out[1]) != len(edges):
        raise TypeError(f"histogramdd: out= must be (hist, a sequence of {len(edges)} bin_edges tensors)")
    return histogramdd_result(write_out(res.hist, out[0], "histogramdd"),
                              tuple(write_out(r, o, "histogramdd") for r, o in zip(res.bin_edges, out[1])))
