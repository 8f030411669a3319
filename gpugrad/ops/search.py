"""Searching and counting, none of them differentiable (PyTorch records none): ``searchsorted``/``bucketize``
(a vectorized binary search with ATen's comparisons, so NaN sorts last), ``bincount``, ``histc``/``histogram``
(ATen's binning rules: out-of-range values ignored, the last bin closed on the right), and ``unique``/
``unique_consecutive`` (sort-based, so the output is always sorted, as PyTorch's CPU one is; each NaN is
distinct). Sizes that depend on the data (unique, bincount, a histogram range taken from the data) read the
device once, as PyTorch does."""
from __future__ import annotations

import math

from .. import _dtype, return_types
from ..tensor import Tensor
from ._util import dims, write_out


def _const(xp, a):
    return Tensor._make(xp.asarray(a), None, False)


def _binary_search(xp, seq, vals, right):
    """For each of ``vals`` (..., m), the insertion point into the sorted rows ``seq`` (..., n): ATen's
    cus_lower_bound / cus_upper_bound, step for step (``!(mid >= v)`` and ``!(mid > v)`` move right)."""
    n = seq.shape[-1]
    start = xp.zeros(vals.shape, "int64")
    end = xp.full(vals.shape, n, "int64")
    if n == 0:
        return start
    for _ in range(n.bit_length() + 1):
        active = start < end
        mid = start + (end - start) // 2
        mv = xp.take_along_axis(seq, xp.minimum(mid, n - 1), -1)
        go = ~(mv > vals) if right else ~(mv >= vals)
        start = xp.where(active & go, mid + 1, start)
        end = xp.where(active & ~go, mid, end)
    return start


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    """Where each value of ``input`` would be inserted into the sorted last dim of ``sorted_sequence`` to keep it
    sorted (the first such place, or the last with ``right``). Not differentiable.

    Args:
        sorted_sequence: a tensor sorted along its last dim (1-d, or with input's leading dims).
        input: the values, a tensor or a number.
        out_int32: return int32 indices instead of int64.
        right: the last suitable place instead of the first.
        side: ``"left"`` or ``"right"`` (the same as ``right``).
        sorter: indices that sort ``sorted_sequence`` along its last dim, if it is not sorted itself.
        out: an optional tensor the result is written into (returned).

    Returns:
        An int64 (int32) tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> seq = gg.tensor([1.0, 3.0, 5.0, 7.0])
    >>> gg.searchsorted(seq, gg.tensor([3.0, 6.0])), gg.searchsorted(seq, 3.0, right=True)
    (tensor([1, 3]), tensor(2))
    """
    seq = sorted_sequence
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    xp = seq.xp
    scalar = not isinstance(input, Tensor)
    v = xp.asarray(input) if scalar else input._data
    if scalar and seq.ndim != 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                           f"dimension is 1, but we got boundaries tensor dim({seq.ndim})")
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if seq.ndim > 1 and (v.ndim != seq.ndim or v.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(v.shape)}")
    s = seq._data
    if sorter is not None:
        if sorter.shape != seq.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(seq.shape)} and sorter tensor {list(sorter.shape)}")
        s = xp.take_along_axis(s, sorter._data.astype("int64"), -1)
    common = xp.result_type(s, input if scalar else v)      # (a Python number: a weak type, as in NumPy 2)
    s, v = s.astype(common, copy=False), v.astype(common, copy=False)
    if seq.ndim == 1:
        res = _binary_search(xp, s[None], v.reshape(1, -1), right).reshape(v.shape)
    else:
        res = _binary_search(xp, s, v, right)
    res = _const(xp, res.astype("int32" if out_int32 else "int64"))
    return write_out(res, out, "searchsorted")


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The index of the bucket each value of ``input`` falls in, buckets bounded by the sorted 1-d
    ``boundaries`` (``right=False``: boundaries[i-1] < x <= boundaries[i]). Not differentiable.

    Args:
        input: the values, a tensor or a number.
        boundaries: a sorted 1-d tensor.
        out_int32: return int32 indices instead of int64.
        right: boundaries[i-1] <= x < boundaries[i] instead.
        out: an optional tensor the result is written into (returned).

    Returns:
        An int64 (int32) tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.bucketize(gg.tensor([1, 5, 9]), gg.tensor([1, 3, 5, 7]))
    tensor([0, 2, 4])
    """
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def bincount(input, weights=None, minlength=0):
    """How often each non-negative integer occurs in the 1-d ``input`` (the sum of ``weights`` at its
    occurrences, if given). Not differentiable.

    Args:
        input: a 1-d tensor of non-negative integers.
        weights: an optional 1-d tensor of the same length.
        minlength: the least length of the result.

    Returns:
        A 1-d tensor of length max(input.max() + 1, minlength): int64, or the weights' dtype (float64 for
        integer weights).

    >>> import gpugrad as gg
    >>> gg.bincount(gg.tensor([0, 2, 2, 3]))
    tensor([1, 0, 2, 1])
    """
    x = input
    if x._data.dtype.kind == "f":
        raise NotImplementedError(f'"bincount" not implemented for {x.dtype} (integer input expected)')
    if x.ndim != 1 or x._data.dtype.kind not in "iu":
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs (got shape "
                           f"{tuple(x.shape)}, dtype {x.dtype})")
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0, got {minlength}")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != x.shape[0]):
        raise RuntimeError(f"weights should be 1-d and have the same length as input (input {tuple(x.shape)}, "
                           f"weights {tuple(weights.shape)})")
    xp = x.xp
    if x.shape[0] and bool((x._data < 0).any()):               # a sync, as in PyTorch
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs (got a negative value)")
    w = None if weights is None else weights._data
    res = xp.bincount(x._data, w, minlength=minlength)
    if w is None:
        res = res.astype("int64")
    elif w.dtype.kind == "f":
        res = res.astype(w.dtype)
    return _const(xp, res)


def _need_float_hist(op, x):
    if not _dtype.is_float(x.dtype):
        raise NotImplementedError(f'"{op}" not implemented for {x.dtype} (a floating point input is expected)')


def _count_bins(xp, pos, keep, nbins, weights, dtype):
    """The histogram of bin numbers ``pos`` where ``keep``, with optional weights, as ``dtype``. Unweighted:
    sorted positions searched for each bin's bounds (no host sync); weighted: bincount."""
    p = xp.where(keep, pos, nbins).reshape(-1)
    if weights is None:
        b = xp.searchsorted(xp.sort(p), xp.arange(nbins + 1))
        return (b[1:] - b[:-1]).astype(dtype)
    w = xp.where(keep, weights, 0).reshape(-1)
    return xp.bincount(p, w, minlength=nbins + 1)[:nbins].astype(dtype)


def _outer_edges(a, lo, hi, widen):
    """PyTorch's outer bin edges: (lo, hi), the data's range where those are None (0 and 1 for no data),
    widened by ``widen`` on each side when the two are equal."""
    if lo is None:
        lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 1.0)
    if lo == hi:
        lo, hi = lo - widen, hi + widen
    if not (abs(lo) != float("inf") and abs(hi) != float("inf") and lo == lo and hi == hi):
        raise RuntimeError(f"range of [{lo}, {hi}] is not finite")
    return lo, hi


def histc(input, bins=100, min=0, max=0, *, out=None):
    """The histogram of ``input`` in ``bins`` equal bins over [min, max] (the data's range when min == max);
    values outside are ignored, the last bin includes max. Not differentiable.

    Args:
        input: a floating point tensor.
        bins: the number of bins.
        min: the lower end of the range.
        max: the upper end.
        out: an optional tensor the result is written into (returned).

    Returns:
        A 1-d tensor of ``bins`` counts, in input's dtype.

    >>> import gpugrad as gg
    >>> gg.histc(gg.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=4)
    tensor([0., 2., 1., 1.])
    """
    x = input
    _need_float_hist("histc", x)
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for bins")
    if min > max:
        raise RuntimeError(f"torch.histc: max must be larger than min (got min {min}, max {max})")
    xp, a = x.xp, x._data
    lo, hi = (None, None) if min == max and a.size else (float(min), float(max))
    lo, hi = _outer_edges(a, lo, hi, 1.0)
    t = a.dtype.type
    lo_t, hi_t = t(lo), t(hi)
    keep = (a >= lo_t) & (a <= hi_t)
    # ATen's linear interpolation, in the input's dtype: pos = (x - lo) * bins / (hi - lo)
    pos = xp.where(keep, (a - lo_t) * t(bins) / (hi_t - lo_t), 0).astype("int64")
    pos = xp.where(pos == bins, bins - 1, pos)
    return write_out(_const(xp, _count_bins(xp, pos, keep, bins, None, a.dtype)), out, "histc")


def _linspace_like_torch(xp, lo, hi, steps, dtype):
    """ATen's CPU linspace in ``dtype``: the first half counted up from lo, the second down from hi."""
    t = xp.dtype(dtype).type
    start, end = t(lo), t(hi)
    step = (end - start) / t(steps - 1) if steps > 1 else t(0)
    i = xp.arange(steps)
    half = steps // 2
    return xp.where(i < half, start + step * i.astype(dtype), end - step * (steps - i - 1).astype(dtype)).astype(dtype)


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """The histogram of ``input``: ``bins`` equal bins over ``range`` (the data's range by default), or the bins
    between the sorted edges of a 1-d tensor ``bins``; values outside are ignored, the last bin is closed.

    Args:
        input: a floating point tensor.
        bins: the number of bins, or a 1-d tensor of increasing bin edges.
        range: (min, max) of the bins (with an int ``bins``).
        weight: an optional tensor of input's shape: each value counts its weight.
        density: normalize so the histogram integrates to 1 over the range.
        out: an optional pair of tensors ``(hist, bin_edges)`` the result is written into.

    Returns:
        A named pair ``(hist, bin_edges)``, in input's dtype.

    >>> import gpugrad as gg
    >>> gg.histogram(gg.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0))
    gpugrad.return_types.histogram(
    hist=tensor([0., 2., 1., 0.]),
    bin_edges=tensor([0.0000, 0.7500, 1.5000, 2.2500, 3.0000]))
    """
    x = input
    _need_float_hist("histogram", x)
    xp, a = x.xp, x._data
    if weight is not None and weight.shape != x.shape:
        raise RuntimeError(f"histogram: weight should have the same shape as input ({tuple(x.shape)}), got "
                           f"{tuple(weight.shape)}")
    if isinstance(bins, Tensor):
        if bins.ndim != 1 or bins.shape[0] < 1:
            raise RuntimeError(f"histogram: bins tensor should have one dimension and at least 1 element, got "
                               f"shape {tuple(bins.shape)}")
        if bins.dtype != x.dtype:
            raise RuntimeError(f"histogram: input tensor and bins tensors should have the same dtype, got "
                               f"{x.dtype} and {bins.dtype}")
        edges = bins._data
    else:
        if bins <= 0:
            raise RuntimeError(f"histogram: bins must be > 0, but got {bins}")
        lo, hi = (None, None) if range is None else (float(range[0]), float(range[1]))
        if lo is not None and lo > hi:
            raise RuntimeError(f"histogram: min should not exceed max, got min {lo} max {hi}")
        lo, hi = _outer_edges(a, lo, hi, 0.5)
        edges = _linspace_like_torch(xp, lo, hi, bins + 1, a.dtype)
    nb = edges.shape[0] - 1
    keep = (a >= edges[0]) & (a <= edges[-1])
    pos = xp.searchsorted(edges, a.reshape(-1), side="right").reshape(a.shape) - 1
    pos = xp.clip(pos, 0, max(nb - 1, 0))
    hist = _count_bins(xp, pos, keep, nb, None if weight is None else weight._data, a.dtype)
    if density:
        hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    res = return_types.histogram(_const(xp, hist.astype(a.dtype)), _const(xp, edges.copy()))
    return write_out(res, out, "histogram")


def _unique_rows(xp, rows, consecutive):
    """Distinct rows of a 2-d array (sorted lexicographically, or runs of equal neighbours when
    ``consecutive``): (order, the first row of each group in that order, a group id per sorted row)."""
    n = rows.shape[0]
    if consecutive:
        order = xp.arange(n)
    elif rows.shape[1] == 1:
        order = xp.argsort(rows[:, 0], kind="stable")
    else:
        order = xp.lexsort(rows.T[::-1])
    srt = rows[order]
    new = xp.ones(n, bool)
    if n > 1:
        new[1:] = (srt[1:] != srt[:-1]).any(axis=1)
    return order, srt, new


def _unique(op, x, consecutive, return_inverse, return_counts, dim):
    xp, a = x.xp, x._data
    if dim is None:
        rows, shape_back = a.reshape(-1, 1), None
    else:
        d = dims(op, x.ndim, dim)[0]
        m = xp.moveaxis(a, d, 0) if a.ndim else a.reshape(1)
        if m.size == 0 and m.shape[0] != 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                               "applied")
        rows, shape_back = m.reshape(m.shape[0], math.prod(m.shape[1:])), (d, m.shape[1:])
    order, srt, new = _unique_rows(xp, rows, consecutive)
    starts = xp.nonzero(new)[0]                                 # a sync: the output size depends on the data
    vals = srt[starts]
    if shape_back is None:
        out = vals.reshape(-1)
    else:
        d, rest = shape_back
        out = xp.moveaxis(vals.reshape((vals.shape[0],) + rest), 0, d)
    res = [_const(xp, out)]
    if return_inverse:
        inv = xp.empty(rows.shape[0], "int64")
        inv[order] = xp.cumsum(new) - 1
        res.append(_const(xp, inv.reshape(a.shape if dim is None else (rows.shape[0],))))
    if return_counts:
        bounds = xp.concatenate([starts, xp.asarray([rows.shape[0]])])
        res.append(_const(xp, (bounds[1:] - bounds[:-1]).astype("int64")))
    return res[0] if len(res) == 1 else tuple(res)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of ``input`` (or its distinct slices along ``dim``), sorted (also with
    ``sorted=False``, as PyTorch's CPU result is); NaNs are each distinct. Not differentiable.

    Args:
        input: the input tensor.
        sorted: accepted for PyTorch's signature (the result is sorted).
        return_inverse: also return, for each element (slice), the index of its value in the output.
        return_counts: also return how often each distinct value occurs.
        dim: the dim whose slices are compared (None: the flattened elements).

    Returns:
        The 1-d tensor of distinct values (the slices, stacked along ``dim``), or a tuple of it with the
        inverse indices and/or the counts.

    >>> import gpugrad as gg
    >>> gg.unique(gg.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    return _unique("unique", input, False, return_inverse, return_counts, dim)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """``input`` with each run of equal consecutive elements (or slices along ``dim``) kept once. Not
    differentiable.

    Args:
        input: the input tensor.
        return_inverse: also return, for each element (slice), the index of its run in the output.
        return_counts: also return the length of each run.
        dim: the dim whose slices are compared (None: the flattened elements).

    Returns:
        The tensor of run values, or a tuple of it with the inverse indices and/or the counts.

    >>> import gpugrad as gg
    >>> gg.unique_consecutive(gg.tensor([1, 1, 2, 2, 1]))
    tensor([1, 2, 1])
    """
    return _unique("unique_consecutive", input, True, return_inverse, return_counts, dim)
