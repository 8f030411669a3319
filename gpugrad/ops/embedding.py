"""Lookup tables: ``embedding`` (the rows of a table at integer indices) and ``embedding_bag`` (the sum, mean or
maximum of bags of rows), as ``torch.nn.functional``'s, each one op with its backward beside its forward.

As in PyTorch, ``max_norm`` rescales the referenced rows of the table in place before the lookup, outside the
tape (its gradient is that of the lookup of the rescaled rows), ``padding_idx`` names a row that takes no
gradient (and that bags leave out), and ``scale_grad_by_freq`` divides each row's gradient by the number of
times its index occurs in the mini-batch. Index ranges and offsets are checked on the host for CPU tensors only:
on a GPU the check would wait for the device (as for ``gather`` and the losses' class indices).
"""
from __future__ import annotations

import warnings

import numpy as np

from ..autograd.op import Op
from ..backend import scatter_add
from ..tensor import Tensor
from ._util import shape_str
from .shape import _index_backward_tensor

_MODES = ("sum", "mean", "max")


# -- checks at the boundary ----------------------------------------------------------------------------------------
def _index_array(op, t, what):
    """The raw array of an index tensor, which PyTorch takes as int64 or int32 only."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor of int64 or int32 indices, got {type(t).__name__}")
    a = t._data
    if a.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}: expected {what} of dtype int64 or int32 (Long or Int), got {t.dtype}")
    return a


def _no_sparse(op, sparse):
    if sparse:
        raise NotImplementedError(f"{op}(sparse=True): gpugrad has no sparse tensors, so there is no sparse "
                                  f"gradient; use sparse=False (the gradient is a dense tensor of weight's shape)")


def _padding_index(op, padding_idx, num, error=AssertionError):
    """``padding_idx`` in ``[-num, num)`` as a row number (negative counts from the end), or None."""
    if padding_idx is None:
        return None
    p = int(padding_idx)
    if p >= num > 0 or p < -num or (num == 0 and p):
        raise error(f"{op}: padding_idx must be within the number of embeddings, {-num} through {num - 1}, "
                    f"but got {padding_idx}")
    return p + num if p < 0 else p


def _check_range(op, a, shape, weight, error):
    """Every index in ``[0, num_embeddings)`` (CPU only: on a GPU the read would wait for the device)."""
    num = weight.shape[0]
    if a.size and a.__class__ is np.ndarray:
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi >= num:
            raise error(f"{op}: index {lo if lo < 0 else hi} is out of range for weight of shape "
                        f"{shape_str(weight.shape)} (indices of shape {shape_str(shape)}; expected "
                        f"0 <= index < {num})")


def _pnorm(xp, rows, p):
    """The p-norm of each row (p = inf, -inf, 0 as ``torch.linalg.vector_norm``)."""
    a = xp.abs(rows)
    if p == float("inf"):
        return a.max(axis=1)
    if p == float("-inf"):
        return a.min(axis=1)
    if p == 0:
        return (a != 0).sum(axis=1).astype(rows.dtype)
    return (a ** p).sum(axis=1) ** (1.0 / p)


def _renorm_(weight, index, max_norm, norm_type):
    """PyTorch's ``embedding_renorm_``: each row of ``weight`` that ``index`` references and whose norm exceeds
    ``max_norm`` is scaled by max_norm / (norm + 1e-7), in place and without recording it."""
    xp = weight.xp
    w = weight._data
    rows = xp.unique(index)
    if not rows.size or not w.shape[1]:
        return
    r = w[rows]
    norm = _pnorm(xp, r.astype(np.float64) if r.dtype.itemsize < 4 else r, norm_type)
    scale = xp.where(norm > max_norm, max_norm / (norm + 1e-7), 1.0)
    w[rows] = (r * scale[:, None]).astype(w.dtype)
    weight._vc[0] += 1


# -- embedding -----------------------------------------------------------------------------------------------------
class Embedding(Op):
    """out[..., :] = weight[index[...], :]. Backward scatter-adds g into the rows it read, each occurrence
    times ``factor`` (0 at ``padding_idx``; 1/count of its index with ``scale_grad_by_freq``)."""

    def forward(self, weight, index, padding_idx, scale_grad_by_freq):
        xp = self.xp
        self.index, self.num = index.reshape(-1), weight.shape[0]
        self.factor = None
        if padding_idx is not None or scale_grad_by_freq:
            f = xp.ones(self.index.shape, weight.dtype)
            if scale_grad_by_freq:
                f /= xp.bincount(self.index, minlength=self.num)[self.index]
            if padding_idx is not None:
                f = xp.where(self.index == padding_idx, 0, f)
            self.factor = f[:, None]
        return xp.take(weight, index, axis=0)

    def backward(self, g):
        g2 = g.reshape((self.index.shape[0], g.shape[-1]))
        if self.factor is not None:
            g2 = g2 * self.factor
        shape = (self.num, g2.shape[1])
        if isinstance(g, Tensor):
            return _index_backward_tensor(g2, shape, (self.index,))
        z = self.xp.zeros(shape, g.dtype)
        scatter_add(self.xp, z, self.index, g2)
        return z

    def jvp(self, t, tindex, tpad, tscale):
        return self.xp.take(t, self.index, axis=0).reshape(self._out_meta[0])


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """The rows of ``weight`` at the indices ``input`` (a lookup table), as ``torch.nn.functional.embedding``.

    Args:
        input: an int64 or int32 tensor of row indices, any shape (0-d too).
        weight: the table ``(num_embeddings, embedding_dim)``.
        padding_idx: a row (negative: counted from the end) that takes no gradient; its value is still returned.
        max_norm: if given, each row that ``input`` references and whose ``norm_type``-norm exceeds it is
            rescaled to norm ``max_norm`` in place in ``weight`` first (not recorded: the gradient is that of
            the lookup of the rescaled rows).
        norm_type: the p of the p-norm for ``max_norm`` (``inf`` too).
        scale_grad_by_freq: divide each row's gradient by the number of times its index occurs in ``input``.
        sparse: must be False: gpugrad has no sparse tensors (the gradient is dense).

    Returns:
        A tensor of shape ``input.shape + (embedding_dim,)``, differentiable in ``weight``.

    >>> import gpugrad as gg
    >>> gg.nn.functional.embedding(gg.tensor([[0, 2]]), gg.eye(3))
    tensor([[[1., 0., 0.],
             [0., 0., 1.]]])
    """
    idx = _index_array("embedding", input, "input")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise RuntimeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                           f"{shape_str(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__}")
    _no_sparse("embedding", sparse)
    pad = _padding_index("embedding", padding_idx, weight.shape[0])
    _check_range("embedding", idx, input.shape, weight, IndexError)
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx, pad, bool(scale_grad_by_freq))


# -- embedding_bag -------------------------------------------------------------------------------------------------
class EmbeddingBag(Op):
    """out[b] = the sum, mean or (per column) maximum over the positions j of bag b that ``keep`` (not
    ``padding_idx``) of psw[j] * weight[index[j]]; an empty bag gives 0.

    sum/mean: d out[b] / d weight[index[j]] = psw[j] * ``fwd[j]`` (1, or 1/count(b) for mean) for j in b, and
    d out[b] / d psw[j] = weight[index[j]]; ``scale_grad_by_freq`` divides the weight gradient of each j by the
    count of index[j]. max: each column's gradient goes to the row that gave the maximum (the first of equal
    ones, as PyTorch's CPU kernel)."""

    def forward(self, weight, psw, index, bag, keep, num_bags, mode, scale_grad_by_freq):
        xp = self.xp
        num, dim = weight.shape
        self.index, self.bag, self.num, self.mode = index, bag, num, mode
        rows = xp.take(weight, index, axis=0)                                  # (n, dim)
        if mode == "max":
            return self._max(rows, keep, num_bags)
        if psw is not None:
            self.save_for_backward(weight, psw)
            rows = rows * psw[:, None]
        fwd = keep.astype(weight.dtype)
        out = xp.zeros((num_bags, dim), weight.dtype)
        scatter_add(xp, out, bag, xp.where(keep[:, None], rows, 0))
        if mode == "mean":
            count = xp.zeros(num_bags, weight.dtype)
            scatter_add(xp, count, bag, fwd)
            inv = 1 / xp.maximum(count, 1)
            out *= inv[:, None]
            fwd = fwd * inv[bag]
        self.fwd = self.factor = fwd[:, None]
        if scale_grad_by_freq:
            freq = xp.zeros(num, weight.dtype)
            scatter_add(xp, freq, index, keep.astype(weight.dtype))
            self.factor = self.fwd / xp.maximum(freq, 1)[index][:, None]
        return out

    def _max(self, rows, keep, num_bags):
        """The column maxima of each bag, and for each (bag, column) the row that gave it."""
        xp, bag = self.xp, self.bag
        n, dim = rows.shape
        work = rows if rows.dtype.char in "fd" else rows.astype(np.float32)    # (CUDA's atomicMax: no halves)
        vals = xp.where(keep[:, None], work, -np.inf)
        best = xp.full((num_bags, dim), -np.inf, work.dtype)
        xp.maximum.at(best, bag, vals)
        # the first position of each bag that holds its column's maximum (minimum.at over positions)
        pos = xp.where((vals == best[bag]) & keep[:, None], xp.arange(n, dtype=np.uint64)[:, None], n)
        first = xp.full((num_bags, dim), n, np.uint64)
        xp.minimum.at(first, bag, pos)
        self.valid = first < n
        self.arg = self.index[xp.minimum(first, max(n - 1, 0)).astype(np.int64)] if n else \
            xp.zeros((num_bags, dim), np.int64)
        return xp.where(self.valid, best, 0).astype(rows.dtype)

    def backward(self, g):
        xp = self.xp
        need_w, need_p = self.needs_input_grad[:2]
        dim = g.shape[1]
        gw = gp = None
        if self.mode == "max":
            key = (self.arg, xp.arange(dim)[None, :])
            gv = g * self.valid
            if isinstance(g, Tensor):
                return _index_backward_tensor(gv, (self.num, dim), key), None
            gw = xp.zeros((self.num, dim), g.dtype)
            scatter_add(xp, gw, key, gv)
            return gw, None
        gb = g[self.bag]                                                       # (n, dim): each position's bag
        if need_w:
            rows = gb * self.factor
            if self.saved:
                rows = rows * self.saved[1][:, None]
            if isinstance(g, Tensor):
                gw = _index_backward_tensor(rows, (self.num, dim), (self.index,))
            else:
                gw = xp.zeros((self.num, dim), g.dtype)
                scatter_add(xp, gw, self.index, rows)
        if need_p:
            weight = self.saved[0]
            gp = (gb * weight[self.index] * self.fwd).sum(1)
        return gw, gp

    def jvp(self, tw, tp, *rest):
        xp = self.xp
        num_bags, dim = self._out_meta[0]
        if self.mode == "max":
            if tw is None:
                return xp.zeros((num_bags, dim), self._out_meta[1])
            return xp.where(self.valid, tw[self.arg, xp.arange(dim)[None, :]], 0)
        rows = xp.zeros((self.index.shape[0], dim), self._out_meta[1])
        if tw is not None:
            rows = xp.take(tw, self.index, axis=0)
            if self.saved:
                rows = rows * self.saved[1][:, None]
        if tp is not None:
            rows = rows + xp.take(self.saved[0], self.index, axis=0) * tp[:, None]
        out = xp.zeros((num_bags, dim), self._out_meta[1])
        scatter_add(xp, out, self.bag, rows * self.fwd)
        return out


def _bags(op, idx, offsets, include_last_offset):
    """The bag of each position of the 1-D ``idx`` and whether it lies in one, from PyTorch's ``offsets``
    (the start of each bag; with ``include_last_offset`` one more, the end of the last bag, which PyTorch's
    kernels read as the end of ``idx``: the last bag runs to the end, as there)."""
    xp, n = offsets.xp, idx.shape[0]
    off = _index_array(op, offsets, "offsets")
    if include_last_offset and off.shape[0] < 1:
        raise RuntimeError(f"{op}: include_last_offset=True needs at least one offset (the end of the last bag)")
    if off.size and off.__class__ is np.ndarray:      # (CPU only, as the index range)
        if int(off[0]) != 0:
            raise RuntimeError(f"{op}: offsets[0] has to be 0, i.e., the first bag starts at position 0 of input; "
                               f"got offsets {shape_str(off.shape)} with offsets[0] = {int(off[0])}")
        if int(off[-1]) > n:
            raise RuntimeError(f"{op}: offsets[-1] can not be greater than input's length {n}, but got "
                               f"offsets[-1] = {int(off[-1])}")
        if off.size > 1 and bool((off[1:] < off[:-1]).any()):
            raise RuntimeError(f"{op}: offsets must be non-decreasing (the start of each bag), got "
                               f"{off.tolist() if off.size <= 10 else shape_str(off.shape)}")
    starts = off[:-1] if include_last_offset else off
    pos = xp.arange(n)
    bag = xp.searchsorted(starts, pos, side="right") - 1
    keep = bag >= 0                # (all of them, but with no bag at all: include_last_offset and one offset)
    return xp.where(keep, bag, 0), keep, starts.shape[0]


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """The sums, means or maxima of bags of rows of ``weight``, as ``torch.nn.functional.embedding_bag``: the
    same as :func:`embedding` followed by a reduction over each bag, without the intermediate rows.

    Args:
        input: the indices: 2-D ``(B, N)`` (B bags of N indices each) or 1-D (the bags one after another,
            cut by ``offsets``); int64 or int32.
        weight: the table ``(num_embeddings, embedding_dim)``.
        offsets: with a 1-D ``input``, the 1-D start position of each bag in it (offsets[0] == 0; an empty bag
            gives zeros); None with a 2-D ``input``.
        max_norm: if given, the referenced rows with a larger ``norm_type``-norm are rescaled to it in place in
            ``weight`` first (not recorded), as in :func:`embedding`.
        norm_type: the p of the p-norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by the number of times its index occurs in ``input``
            (not with mode 'max').
        mode: ``'sum'``, ``'mean'`` or ``'max'`` (per column) over each bag.
        sparse: must be False: gpugrad has no sparse tensors (the gradient is dense).
        per_sample_weights: a float tensor of ``input``'s shape and ``weight``'s dtype scaling each row before
            the sum (mode 'sum' only, as in PyTorch); differentiable.
        include_last_offset: ``offsets`` has one more element, the end of the last bag, which must be at most
            ``len(input)`` (as in PyTorch, the last bag runs to the end of ``input`` whatever it says).
        padding_idx: a row (negative: counted from the end) that bags leave out (it counts for no mean and
            takes no gradient).

    Returns:
        A tensor ``(B, embedding_dim)``, differentiable in ``weight`` and ``per_sample_weights``.

    >>> import gpugrad as gg
    >>> w = gg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> gg.nn.functional.embedding_bag(gg.tensor([0, 2, 1]), w, gg.tensor([0, 2]), mode="sum")
    tensor([[6., 8.],
            [3., 4.]])
    """
    op = "embedding_bag"
    if isinstance(weight, Tensor) and isinstance(input, Tensor) and weight.dtype == np.int64 \
            and input.dtype.kind == "f":          # PyTorch's old order embedding_bag(weight, input), still taken
        from .nn_ops import _user_stacklevel
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, "
                      "input, ...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.",
                      UserWarning, stacklevel=_user_stacklevel())
        weight, input = input, weight
    idx = _index_array(op, input, "input")
    psw = per_sample_weights
    if psw is not None and tuple(psw.shape) != tuple(input.shape):
        raise ValueError(f"{op}: If per_sample_weights ({shape_str(psw.shape)}) is not None, then it must have "
                         f"the same shape as the input ({shape_str(input.shape)})")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"{op}: weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.ndim if isinstance(weight, Tensor) else type(weight).__name__}")
    if weight.dtype.kind != "f":
        raise RuntimeError(f"{op}: weight must be a floating point tensor, got dtype {weight.dtype}")
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2D, then offsets has to be None, as input is treated as a "
                             f"mini-batch of fixed length sequences; got offsets of type {type(offsets).__name__}")
        xp = weight.xp
        b, n = idx.shape
        bag, keep, num_bags = xp.repeat(xp.arange(b), n), xp.ones(b * n, bool), b
        idx = idx.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError(f"{op}: offsets has to be a 1D Tensor but got None (input is 1-D)")
        if not isinstance(offsets, Tensor) or offsets.ndim != 1:
            raise ValueError(f"{op}: offsets has to be a 1D Tensor, got "
                             f"{shape_str(offsets.shape) if isinstance(offsets, Tensor) else type(offsets).__name__}")
        bag, keep, num_bags = _bags(op, idx, offsets, include_last_offset)
    else:
        raise ValueError(f"{op}: input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim} "
                         f"(shape {shape_str(idx.shape)})")
    if mode not in _MODES:
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError(f"{op}: max mode does not support scaling the gradient by the frequency")
    _no_sparse(op, sparse)
    pad = _padding_index(op, padding_idx, weight.shape[0], RuntimeError)
    _check_range(op, idx, input.shape, weight, RuntimeError)
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    if psw is not None:
        if mode != "sum":
            raise NotImplementedError(f"{op}: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode={mode!r}), as in PyTorch")
        if psw.dtype != weight.dtype:
            raise RuntimeError(f"{op}: per_sample_weights ({psw.dtype}) must have weight's dtype ({weight.dtype})")
        psw = psw.reshape(-1)
    if pad is not None:
        keep = keep & (idx != pad)
    return EmbeddingBag.apply(weight, psw, idx, bag, keep, num_bags, mode, bool(scale_grad_by_freq))
