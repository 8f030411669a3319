"""Order statistics: ``median``/``nanmedian``, ``kthvalue``, ``mode``, ``quantile``/``nanquantile`` and ``msort``.
Along a dim the index comes from a stable sort (PyTorch's CPU median breaks ties by index, so it is the same;
kthvalue's quickselect and mode's std::sort are replayed on the CPU rows with ties, see ``_cpu_select``) and the
values are gathered there, so the gradient goes to that index. Over all elements, median's gradient is shared
evenly among the elements equal to it (``EvenSplit``, PyTorch's evenly_distribute_backward)."""
from __future__ import annotations

import numpy as _np

from .. import _dtype, return_types
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.op import Op
from ..tensor import Tensor
from ._util import dims, write_out
from . import arithmetic as A, shape as S
from ._cpu_select import nth_element_first_of_equals, quick_select, std_sort, torch_sort_order
from .scan_more import _scan
from .torch_more import sort


class EvenSplit(Op):
    """A value picked among the elements of x (``value``, a constant computed by the caller): the gradient is
    shared evenly by every element equal to it, by the NaNs when it is NaN."""

    def forward(self, x, value):
        xp = self.xp
        self.mask = (x == value) | (xp.isnan(x) & xp.isnan(value)) if x.dtype.kind == "f" else x == value
        self.count = self.mask.sum()
        return xp.asarray(value, x.dtype)

    def backward(self, g):
        return self.xp.where(self.mask, g / self.count.astype(g.dtype), 0)    # (int64 / float32 is float64)

    def jvp(self, t, tvalue):
        return (self.xp.where(self.mask, t, 0).sum() / self.count).astype(t.dtype)


def _index_result(rt, x, idx, d, keepdim):
    """``rt(values, indices)`` from ``idx`` (a raw int array of x's dims moved so ``d`` is last, size 1 there):
    values gathered from x at it (the gradient goes to that index)."""
    idx = x.xp.moveaxis(idx.astype("int64"), -1, d)
    values = S.Gather.apply(x, idx, d)
    if not keepdim:
        idx = idx.reshape(idx.shape[:d] + idx.shape[d + 1:])
        values = S.reshape(values, idx.shape)
    return rt(values, Tensor._make(idx, None, False))


def _rows(op, x, dim, empty_error=True):
    """(d, the raw data with ``d`` moved last, its stable argsort) for a reduction along one dim."""
    d = dims(op, x.ndim, dim)[0]
    a = x.xp.moveaxis(x._data, d, -1)
    if empty_error and a.shape[-1] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return d, a, x.xp.argsort(a, axis=-1, kind="stable")


def _scalar_result(rt, x):
    return rt(x.clone(), Tensor._make(x.xp.zeros((), "int64"), None, False))


def _median(op, x, dim, keepdim, ignore_nan):
    xp, rt = x.xp, getattr(return_types, op)
    isf = x._data.dtype.kind == "f"
    if dim is None:
        s = xp.sort(x._data.reshape(-1))
        n = s.size
        if n == 0:
            return EvenSplit.apply(x, xp.asarray(_np.nan, x.dtype))
        if isf and ignore_nan:            # the lower middle of the non-NaN elements (NaN if all are)
            k = xp.maximum((n - xp.isnan(s).sum() - 1) // 2, 0)
            return EvenSplit.apply(x, xp.take(s, k))
        v = xp.where(xp.isnan(s[-1]), s[-1], s[(n - 1) // 2]) if isf else s[(n - 1) // 2]
        return EvenSplit.apply(x, v)
    if x.ndim == 0:
        dims(op, 0, dim)
        return _scalar_result(rt, x)
    d, a, order = _rows(op, x, dim)
    n = a.shape[-1]
    if isf and ignore_nan:
        nans = xp.isnan(a).sum(-1, keepdims=True)
        idx = xp.take_along_axis(order, xp.maximum((n - nans - 1) // 2, 0), -1)
        idx = xp.where(nans == n, nth_element_first_of_equals(n), idx)     # an all-NaN row
    else:
        idx = order[..., (n - 1) // 2:(n - 1) // 2 + 1]
        if isf:                           # median: the first NaN, if any
            nan = xp.isnan(a)
            idx = xp.where(nan.any(-1, keepdims=True), nan.argmax(-1)[..., None], idx)
    return _index_result(rt, x, idx, d, keepdim)


def median(input, dim=None, keepdim=False, *, out=None):
    """The median (the lower of the two middle elements for an even count; NaN if there is a NaN). Without
    ``dim`` a 0-d tensor whose gradient is shared by the elements equal to it; with ``dim`` the pair (values,
    indices), the gradient going to that index.

    Args:
        input: the input tensor.
        dim: the dim to reduce (None: all elements).
        keepdim: keep the reduced dim with size 1.
        out: an optional tensor (or pair of tensors, with ``dim``) the result is written into.

    Returns:
        A 0-d tensor, or a named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> gg.median(gg.tensor([4.0, 1.0, 3.0, 2.0]))
    tensor(2.)
    >>> gg.median(gg.tensor([[4.0, 1.0, 3.0], [0.0, 5.0, 6.0]]), dim=1)
    gpugrad.return_types.median(
    values=tensor([3., 5.]),
    indices=tensor([2, 1]))
    """
    return write_out(_median("median", input, dim, keepdim, False), out, "median")


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """The median of the elements that are not NaN (NaN where all are); see :func:`median`.

    Args:
        input: the input tensor.
        dim: the dim to reduce (None: all elements).
        keepdim: keep the reduced dim with size 1.
        out: an optional tensor (or pair of tensors, with ``dim``) the result is written into.

    Returns:
        A 0-d tensor, or a named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> gg.nanmedian(gg.tensor([4.0, float("nan"), 3.0, 2.0]))
    tensor(3.)
    """
    return write_out(_median("nanmedian", input, dim, keepdim, True), out, "nanmedian")


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The k-th smallest element along ``dim`` (k counts from 1) and its index; the gradient goes to that index.

    Args:
        input: the input tensor.
        k: the rank, 1 for the smallest.
        dim: the dim to reduce.
        keepdim: keep the reduced dim with size 1.
        out: an optional pair of tensors ``(values, indices)`` the result is written into.

    Returns:
        A named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> gg.kthvalue(gg.tensor([4.0, 1.0, 3.0, 2.0]), 2)
    gpugrad.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(3))
    """
    x = input
    d = dims("kthvalue", x.ndim, dim)[0]
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} (k={k}, size {n})")
    if x.ndim == 0:
        return write_out(_scalar_result(return_types.kthvalue, x), out, "kthvalue")
    d, a, order = _rows("kthvalue", x, d)
    idx = order[..., k - 1:k]
    if x.xp is _np and n > 2:             # ties at the k-th value: ATen's quickselect decides which index
        kv = _np.take_along_axis(a, idx, -1)
        same = (a == kv) | (_np.isnan(a) & _np.isnan(kv)) if a.dtype.kind == "f" else a == kv
        idx = idx.copy()
        for r in map(tuple, _np.argwhere(same.sum(-1) > 1)):
            idx[r + (0,)] = quick_select(a[r].tolist(), k - 1)
    return write_out(_index_result(return_types.kthvalue, x, idx, d, keepdim), out, "kthvalue")


def _std_sort_mode(row):
    """PyTorch's CPU mode of one row: std::sort on the values, then the first longest run's last element."""
    items = std_sort([(v, i) for i, v in enumerate(row.tolist())])
    best, best_i, run = 0, 0, 0
    for i, (v, j) in enumerate(items):
        run += 1
        if i == len(items) - 1 or v != items[i + 1][0]:
            if run > best:
                best, best_i = run, j
            run = 0
    return best_i


def mode(input, dim=-1, keepdim=False, *, out=None):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and an index where it
    occurs (PyTorch's choice); the gradient goes to that index.

    Args:
        input: the input tensor.
        dim: the dim to reduce.
        keepdim: keep the reduced dim with size 1.
        out: an optional pair of tensors ``(values, indices)`` the result is written into.

    Returns:
        A named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> gg.mode(gg.tensor([3.0, 1.0, 3.0, 1.0, 2.0]))
    gpugrad.return_types.mode(
    values=tensor(1.),
    indices=tensor(3))
    """
    x = input
    if x.ndim == 0:
        dims("mode", 0, dim)
        return write_out(_scalar_result(return_types.mode, x), out, "mode")
    d, a, order = _rows("mode", x, dim)
    xp, n = x.xp, a.shape[-1]
    s = xp.take_along_axis(a, order, -1)
    pos = xp.arange(n)
    brk = s[..., 1:] != s[..., :-1]
    edge = xp.ones(s.shape[:-1] + (1,), bool)
    start = _scan(xp, xp.where(xp.concatenate([edge, brk], -1), pos, 0), xp.maximum)
    count = xp.where(xp.concatenate([brk, edge], -1), pos - start + 1, 0)
    best = count.argmax(-1)[..., None]                 # the first longest run: the smallest value
    idx = xp.take_along_axis(order, best, -1)
    if xp is _np:                  # std::sort is not stable: replay it where it can change the index
        redo = (_np.take_along_axis(count, best, -1)[..., 0] > 1) & (n > 16)
        if a.dtype.kind == "f":
            redo |= _np.isnan(a).any(-1)
        idx = idx.copy()
        for r in map(tuple, _np.argwhere(redo)):
            idx[r + (0,)] = _std_sort_mode(a[r])
    return write_out(_index_result(return_types.mode, x, idx, d, keepdim), out, "mode")


def msort(input, *, out=None):
    """The elements sorted along dim 0 (``sort(input, dim=0).values``).

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.msort(gg.tensor([[3.0, 1.0], [2.0, 4.0]]))
    tensor([[2., 1.],
            [3., 4.]])
    """
    return write_out(sort(input, 0).values, out, "msort")


def _torch_sort_order(xp, a, replay=True):
    """The argsort along the last axis that PyTorch's sort(stable=False) gives: on the CPU (with ``replay``),
    std::sort's order on the rows with equal elements (see torch_sort_order)."""
    order = xp.argsort(a, axis=-1, kind="stable")
    return torch_sort_order(a, order) if replay and xp is _np else order


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_array(op, x, q):
    """q as an array on x's device, in x's dtype (as PyTorch computes the ranks), with its range checked."""
    xp = x.xp
    if isinstance(q, Tensor):
        if q.dtype != x.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor (input {x.dtype}, q "
                               f"{q.dtype})")
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {tuple(q.shape)}")
        qa = q._data
        if qa.size and not bool(((qa >= 0) & (qa <= 1)).all()):       # a sync, as in PyTorch
            raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
        return qa
    if not 0 <= q <= 1:
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {q}")
    return xp.asarray(q, x.dtype)


def _quantile(op, x, q, dim, keepdim, interpolation, ignore_nan):
    if not _dtype.is_float(x.dtype):     # (float16 is accepted, where PyTorch's CPU kernel refuses it)
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    if x.numel() == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    xp = x.xp
    qa = _q_array(op, x, q)
    if dim is None:
        xm, d = S.reshape(x, (-1,)), None
    else:
        d = dims(op, x.ndim, dim)[0]
        xm = S.permute(x, tuple(i for i in range(x.ndim) if i != d) + (d,)) if x.ndim else S.reshape(x, (1,))
    # sorted as PyTorch sorts: which of equal elements takes which rank decides where the gradient goes (so
    # without a gradient to send, the stable order does)
    order = _torch_sort_order(xp, xm._data, replay=xm.requires_grad and is_grad_enabled())
    srt = S.gather(xm, -1, Tensor._make(order, None, False))
    raw = srt._data
    n = raw.shape[-1]
    nan = xp.isnan(raw)
    qv = qa.reshape(-1)                                            # (Q,)
    if ignore_nan:                  # ranks among the non-NaN elements; all NaN: rank 0, a NaN
        cnt = (n - nan.sum(-1, keepdims=True)).astype(x.dtype)
        ranks = xp.maximum(qv * (cnt - 1), 0)
    else:                           # a NaN in the row: the last rank, a NaN
        ranks = xp.where(nan.any(-1, keepdims=True), x.dtype.type(n - 1), qv * x.dtype.type(n - 1))
    ranks = {"lower": xp.floor, "higher": xp.ceil, "nearest": xp.round}.get(interpolation, lambda r: r)(ranks)
    below = ranks.astype("int64")
    res = S.gather(srt, -1, Tensor._make(below, None, False))
    if interpolation in ("linear", "midpoint"):
        w = xp.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below.astype(ranks.dtype)
        above = S.gather(srt, -1, Tensor._make(xp.ceil(ranks).astype("int64"), None, False))
        span = A.sub(above, res)                  # PyTorch's lerp: the nearer end plus a fraction of the span
        res = A.where(Tensor._make(w < 0.5, None, False), A.add(res, A.mul(span, Tensor._make(w, None, False))),
                      A.sub(above, A.mul(span, Tensor._make(1 - w, None, False))))
    # res: (other dims..., Q); keepdim puts back d (or every dim) with size 1; a 1-d q leads the shape
    if keepdim:
        if d is None:
            res = S.reshape(res, (1,) * x.ndim + (qv.size,))
        elif x.ndim:
            res = S.unsqueeze(res, d)
    if qa.ndim == 0:
        return S.squeeze(res, -1)
    return S.permute(res, (res.ndim - 1,) + tuple(range(res.ndim - 1)))


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The q-th quantiles along ``dim`` (of all elements by default), interpolating between the two nearest
    sorted elements as PyTorch does (a NaN in the reduced elements gives NaN); differentiable.

    Args:
        input: a float32 or float64 tensor.
        q: a number in [0, 1], or a 0-d or 1-d tensor of them (input's dtype); a 1-d q adds a leading dim.
        dim: the dim to reduce (None: all elements).
        keepdim: keep the reduced dim(s) with size 1.
        interpolation: ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> x = gg.tensor([1.0, 2.0, 3.0, 4.0])
    >>> gg.quantile(x, 0.5), gg.quantile(x, gg.tensor([0.25, 0.75]))
    (tensor(2.5000), tensor([1.7500, 3.2500]))
    """
    return write_out(_quantile("quantile", input, q, dim, keepdim, interpolation, False), out, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """:func:`quantile` of the elements that are not NaN (NaN where all are).

    Args:
        input: a float32 or float64 tensor.
        q: a number in [0, 1], or a 0-d or 1-d tensor of them (input's dtype); a 1-d q adds a leading dim.
        dim: the dim to reduce (None: all elements).
        keepdim: keep the reduced dim(s) with size 1.
        interpolation: ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.nanquantile(gg.tensor([1.0, float("nan"), 3.0]), 0.5)
    tensor(2.)
    """
    return write_out(_quantile("nanquantile", input, q, dim, keepdim, interpolation, True), out, "nanquantile")
