"""The scatter family, PyTorch's ops that write into a copy of a tensor at the positions an index gives:
``scatter``/``scatter_add``/``scatter_reduce`` (element by element along a dim, the inverse of ``gather``),
``index_add``/``index_copy``/``index_fill``/``index_reduce`` (whole slices along a dim, at a vector of
indices) and ``masked_scatter`` (the elements of a source, in order, where a mask is true).

Each has PyTorch's gradients: most are compositions of indexing ops (``IndexPut``, ``where``,
``index_select``); ``scatter_reduce`` is its own op, whose backward is PyTorch's formula written on Tensors
(so that it is differentiable again). ``scatter(..., reduce=)`` computes as PyTorch's and, as there, has no
derivative. Index checks (range, dtype, shapes) run where the user calls, with the op and the shapes named;
the range check reads the index, so it runs on the CPU only (on a GPU it would wait for the device)."""
from __future__ import annotations

import warnings

import numpy as np

from ..autograd.op import Op
from ..backend import scatter_reduce as _reduce_at, scatter_add as _add_at
from ..tensor import Tensor
from ._util import dims, shape_str, write_out
from . import arithmetic as A, shape as S

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


# -- checks ---------------------------------------------------------------------------------------------------
def _dim(op, x, dim):
    return dims(op, x.ndim, dim)[0]


def _index_array(op, index, x, kinds=("int32", "int64")):
    idx = index._data if isinstance(index, Tensor) else x.xp.asarray(index)
    if str(idx.dtype) not in kinds:
        raise RuntimeError(f"{op}(): expected dtype {'/'.join(kinds)} for index, got {idx.dtype}")
    return idx


def _same_dtype(op, x, src, what="src"):
    if isinstance(src, Tensor) and src.dtype != x.dtype:
        raise RuntimeError(f"{op}(): expected self.dtype to be equal to {what}.dtype, got self {x.dtype} and "
                           f"{what} {src.dtype}")


def _shape1(t):
    """A shape with 0-d counted as (1,), as PyTorch's scatter checks count it."""
    return tuple(t.shape) or (1,)


def _along(op, x, dim, index, src):
    """The operands of scatter and scatter_reduce, checked by PyTorch's rule (index has input's number of dims,
    0-d counting as 1-d; it is no larger than input but in ``dim`` nor than a src tensor in any dim; it
    addresses [0, input.shape[dim])) and made at least 1-d: ``(x, d, idx, v)`` with ``v`` src read where the
    index has elements (or the number filled in), or None for an empty index."""
    d = _dim(op, x, dim)
    idx = _index_array(op, index, x)
    _same_dtype(op, x, src)
    if not idx.size:
        return None
    xs, ishape = _shape1(x), _shape1(idx)
    sshape = _shape1(src) if isinstance(src, Tensor) else ishape
    if len(ishape) != len(xs) or len(sshape) != len(xs):
        raise RuntimeError(f"{op}(): index {shape_str(idx.shape)} must have the number of dims of input "
                           f"{shape_str(x.shape)}" + (f" and of src {shape_str(src.shape)}"
                                                      if isinstance(src, Tensor) else ""))
    if any(n > s for i, (n, s) in enumerate(zip(ishape, xs)) if i != d) or \
            any(n > s for n, s in zip(ishape, sshape)):
        raise RuntimeError(f"{op}(): expected index {shape_str(idx.shape)} to be no larger than input "
                           f"{shape_str(x.shape)} apart from dim {d}" +
                           (f" and no larger than src {shape_str(src.shape)}" if isinstance(src, Tensor) else ""))
    S._check_index_range(op, idx, d, xs[d], context=f" (input {shape_str(x.shape)}, index {shape_str(idx.shape)})")
    if isinstance(src, Tensor):
        v = src if tuple(src.shape) == sshape else S.reshape(src, sshape)
        if sshape != ishape:                 # PyTorch reads src where the index has elements
            v = v[tuple(slice(0, n) for n in ishape)]
    else:
        v = Tensor._make(x.xp.full(ishape, src, x.dtype), None, False)
    return _at_least_1d(x), d, idx.reshape(ishape), v


def _at_least_1d(x):
    """x, or a 0-d x as shape (1,): of a copy, not a view, so that an op saving it is not invalidated when the
    in-place form of the op writes into x."""
    return x if x.ndim else S.reshape(A.clone(x), (1,))


def _untouched(x, src):
    """A copy of x, for an index with no elements; a src tensor takes part with a zero gradient (as in
    PyTorch, where the op is recorded whatever the index)."""
    if not isinstance(src, Tensor):
        return A.clone(x)
    y = S.reshape(x, (-1,))
    out = S.IndexPut.apply(y, S.reshape(src, (-1,))[:0], (x.xp.zeros(0, np.int64),), False)
    return S.reshape(out, tuple(x.shape))


# -- scatter, scatter_add -------------------------------------------------------------------------------------
class ScatterWithReduce(Op, register=False):
    """``scatter(..., reduce='add'|'multiply')``, PyTorch's deprecated form: as there, its output takes part
    in the graph but has no derivative (backward through it is an error; ``scatter_reduce`` has one).
    (Unregistered: there is no derivative for the gradient-check table to check.)"""

    def forward(self, x, src, key, reduce):
        out = x.copy()
        _reduce_at(self.xp, out, key, src, reduce)
        return out

    def backward(self, g):
        raise RuntimeError("derivative for aten::scatter is not implemented (scatter with reduce=, as in "
                           "PyTorch); use scatter_reduce, whose gradient is")


def _scatter(op, input, dim, index, src, reduce):
    args = _along(op, input, dim, index, src)
    if args is None:
        return _untouched(input, src)
    x, d, idx, v = args
    key = S._along_axis_key(x.xp, idx, d)
    if reduce is None or op == "scatter_add":
        out = S.IndexPut.apply(x, v, key, reduce is not None)
    else:
        out = ScatterWithReduce.apply(x, v, key, "sum" if reduce == "add" else "prod")
    return out if input.ndim else S.reshape(out, ())


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``: out[..., index[i], ...] =
    src[i] (the inverse of :func:`gpugrad.gather`). Differentiable in input (zero where written) and src;
    with ``reduce`` not differentiable (as in PyTorch, backward through it is an error).

    Args:
        input: the tensor written into (not changed: the result is a copy).
        dim: the dim that ``index`` addresses.
        index: an int64 (or int32) tensor of the same number of dims as input (and no larger than src).
        src: the values, a tensor of input's dtype (read where index has elements) or a number.
        value: a number, by keyword (instead of src).
        reduce: ``"add"`` or ``"multiply"`` combine with what is there (PyTorch's deprecated form of
            :func:`scatter_reduce`); None replaces.
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 3).scatter(1, gg.tensor([[2], [0]]), 1.0)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce!r}")
    if (src is None) == (value is None):
        raise TypeError("scatter(): expected one of src (a tensor or a number) and value")
    if reduce is not None and isinstance(src, Tensor):
        warnings.warn("scatter(): the reduce argument with a Tensor src is deprecated (as in PyTorch); use "
                      "scatter_reduce, which has more reductions and a gradient", UserWarning, stacklevel=2)
    res = _scatter("scatter", input, dim, index, value if src is None else src, reduce)
    return write_out(res, out, "scatter")


def scatter_add(input, dim, index, src, *, out=None):
    """``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices add up). Differentiable in
    input and src.

    Args:
        input: the tensor added into (not changed: the result is a copy).
        dim: the dim that ``index`` addresses.
        index: an int64 (or int32) tensor of the same number of dims as input (and no larger than src).
        src: the values added, a tensor of input's dtype read where index has elements.
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.scatter_add(gg.zeros(3), 0, gg.tensor([0, 2, 0]), gg.tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
    """
    return write_out(_scatter("scatter_add", input, dim, index, src, "add"), out, "scatter_add")


# -- scatter_reduce -------------------------------------------------------------------------------------------
def _identity(dtype, reduce):
    """The value that leaves a reduction unchanged (what an excluded self is replaced by)."""
    if reduce in ("sum", "mean", "prod"):
        return int(reduce == "prod")
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(Op):
    """out = input with src reduced in at index along dim (sum, prod, mean, amax, amin), ``input`` itself
    taking part or not (include_self). Backward is PyTorch's (``scatter_reduce_backward``), on Tensors:
    sum: g, gather(g); mean: g / N and gather(g / N), N the count per position; prod: g * (the product without
    the element) -- one zero: the product of the others, two or more: 0; amax/amin: g shared evenly among the
    elements (of self and src) equal to the result. An excluded self takes no gradient where written."""

    def forward(self, x, src, index, dim, reduce, include_self):
        xp = self.xp
        key = S._along_axis_key(xp, index, dim)
        self.index, self.dim, self.reduce, self.include_self = index, dim, reduce, include_self
        out = x.copy()
        if not include_self:
            out[key] = _identity(x.dtype, reduce)
        _reduce_at(xp, out, key, src, "sum" if reduce == "mean" else reduce)
        self.count = None
        if reduce == "mean":      # PyTorch counts in the input's dtype (it wraps as the sums do)
            count = xp.ones(x.shape, x.dtype) if include_self else xp.zeros(x.shape, x.dtype)
            _add_at(xp, count, key, xp.ones(index.shape, x.dtype))
            count = xp.where(count == 0, xp.ones((), x.dtype), count)
            out = out / count if x.dtype.kind == "f" else xp.floor_divide(out, count)
            self.count = count
        if reduce in ("prod", "amax", "amin"):
            self.save_for_backward(x, src, out)
        return out

    def backward(self, g):
        graph = isinstance(g, Tensor)
        wrap = (lambda a: a) if graph else (lambda a: None if a is None else Tensor._make(a, None, False))
        x, src, out = (wrap(a) for a in self.saved) if self.saved else (None, None, None)
        gx, gs = _scatter_reduce_backward(wrap(g), x, src, out, wrap(self.index), self.dim, self.reduce,
                                          self.include_self, wrap(self.count))
        return (gx if graph else gx._data), (gs if graph else gs._data)

    def jvp(self, tx, ts, *rest):
        # backward is g -> (g * wx, gather(g) * ws) for weights wx, ws of each reduction: at g = 1 it gives
        # them, and the tangent is tx * wx + ts * ws summed into place
        xp = self.xp
        shape, dtype = self._out_meta
        wx, ws = self.backward(xp.ones(shape, dtype))
        t = tx * wx if tx is not None else xp.zeros(shape, dtype)
        if ts is not None:
            _add_at(xp, t, S._along_axis_key(xp, self.index, self.dim), ts * ws)
        return t


class NoDoubleBackward(Op, register=False):
    """Identity whose backward is an error: marks a gradient that has no derivative of its own (PyTorch's
    ``DelayedError``). (Unregistered: no derivative to check.)"""

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        raise RuntimeError("scatter_reduce(): double backward is not supported for src when more than one zero "
                           "of src is scattered to the same position (as in PyTorch)")


def _scatter_reduce_backward(g, x, src, out, index, d, reduce, include_self, count):
    """PyTorch's ``scatter_reduce_backward`` (torch/csrc/autograd/FunctionsManual.cpp), on Tensors."""
    if reduce == "sum":
        gx, gs = g, S.gather(g, d, index)
    elif reduce == "mean":
        gx = g / count
        gs = S.gather(gx, d, index)
    elif reduce == "prod":
        # the product without an element: result / element, unless it is 0 (then recompute with a 1 there)
        masked_x = A.where(x == 0, 1.0, x)
        gx = g * scatter_reduce(masked_x, d, index, src, "prod", include_self=include_self) / masked_x
        zero = src == 0
        zeros_at = S.gather(scatter_add(x.new_zeros(x.shape), d, index, zero.to(x.dtype)), d, index)
        single = zero & (zeros_at == 1)
        without = scatter_reduce(x, d, index, A.where(single, 1.0, src), "prod", include_self=include_self)
        gs = A.where(single, S.gather(g * without, d, index),
                     S.gather(g * out, d, index) / A.where(zero, 1.0, src))
        if gs.requires_grad and bool((zeros_at._data > 1).any()):      # (graph mode only: a host sync)
            # the second derivative in an element with another zero at its position is not computed, as in
            # PyTorch: an error if a double backward reaches it (not a silent 0)
            gs = NoDoubleBackward.apply(gs)
    else:
        # amax/amin: the gradient shared evenly among the elements equal to the result (self's counted even
        # when excluded, as in PyTorch)
        x_is = (x == out).to(x.dtype)
        src_is = (src == S.gather(out, d, index)).to(x.dtype)
        shared = g / scatter_add(x_is, d, index, src_is)
        gx, gs = x_is * shared, src_is * S.gather(shared, d, index)
    if not include_self:
        gx = scatter(gx, d, index, 0.0)
    return gx, gs


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """``input`` with the values of ``src`` reduced in at ``index`` along ``dim``: for dim 0,
    ``out[index[i][j]][j] = reduce(out[index[i][j]][j], src[i][j])`` over every i, j, as ``torch.scatter_reduce``.
    Differentiable in input and src (floating point) with PyTorch's gradients: amax/amin share the gradient
    evenly among ties, prod handles zeros, mean divides by the count.

    Args:
        input: the tensor reduced into (not changed: the result is a copy).
        dim: the dim that ``index`` addresses.
        index: an int64 (or int32) tensor of the same number of dims as input, no larger than src.
        src: a tensor of input's dtype, read where index has elements.
        reduce: ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
        include_self: whether input's own values at the written positions take part (False: only src's).
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor of ``input``'s shape (integer means round down, as in PyTorch).

    >>> import gpugrad as gg
    >>> x = gg.tensor([1.0, 2.0, 3.0])
    >>> x.scatter_reduce(0, gg.tensor([0, 0, 2]), gg.tensor([5.0, 7.0, 1.0]), "amax")
    tensor([7., 2., 3.])
    >>> x.scatter_reduce(0, gg.tensor([0, 0, 2]), gg.tensor([5.0, 7.0, 1.0]), "mean", include_self=False)
    tensor([6., 2., 1.])
    """
    op = "scatter_reduce"
    if reduce not in _REDUCES:
        raise RuntimeError(f"{op}(): reduce argument must be either sum, prod, mean, amax or amin, got {reduce!r}")
    x = input
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}(): src must be a Tensor, got {type(src).__name__}")
    if reduce == "mean" and x.dtype.kind == "b":
        raise NotImplementedError(f"{op}(): reduce='mean' is not implemented for bool tensors (as in PyTorch)")
    args = _along(op, x, dim, index, src)
    if args is None:
        return write_out(_untouched(x, src), out, op)
    y, d, idx, v = args
    res = ScatterReduce.apply(y, v, idx.astype(np.int64, copy=False), d, reduce, bool(include_self))
    return write_out(res if x.ndim else S.reshape(res, ()), out, op)


# -- index_add, index_copy, index_fill ------------------------------------------------------------------------
def _index_vector(op, x, dim, index, kinds, negative=False):
    """(dim, the index as a 1-d array of non-negative ints) for the index_* ops, checked by PyTorch's rules."""
    d = _dim(op, x, dim)
    idx = _index_array(op, index, x, kinds)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): index must be a vector (0-d or 1-d), got shape {shape_str(idx.shape)}")
    size = x.shape[d] if x.ndim else 1
    S._check_index_range(op, idx, d, size, negative=negative,
                         context=f" (input {shape_str(x.shape)}, index {shape_str(idx.shape)})")
    idx = idx.reshape(-1)
    if negative:
        idx = idx % size if size else idx
    return d, idx


def _check_slices(op, x, d, idx, source):
    """source must be a tensor of x's dtype and shape, but in d, where it has len(idx) (0-d counting as
    1-d)."""
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}(): source must be a Tensor, got {type(source).__name__}")
    xs, ss = _shape1(x), _shape1(source)
    if len(ss) == len(xs) and ss[d] != idx.size:
        raise S.IndexRangeError(f"{op}(): the number of indices ({idx.size}) must equal source.shape[{d}] "
                                f"({ss[d]}), source {shape_str(source.shape)}")
    if len(ss) != len(xs) or any(a != b for i, (a, b) in enumerate(zip(xs, ss)) if i != d) or \
            (x.ndim == 0) != (source.ndim == 0):
        raise RuntimeError(f"{op}(): source {shape_str(source.shape)} must have the shape of input "
                           f"{shape_str(x.shape)} but in dim {d}, where it has the number of indices ({idx.size})")
    _same_dtype(op, x, source, "source")


def _slices_put(op, x, d, idx, source, accumulate):
    """x with source written (or added) at the slices idx of dim d."""
    _check_slices(op, x, d, idx, source)
    y, v = (x, source) if x.ndim else (S.reshape(x, (1,)), S.reshape(source, (1,)))
    out = S.IndexPut.apply(y, v, (slice(None),) * d + (idx,), accumulate)
    return out if x.ndim else S.reshape(out, ())


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """``input`` with ``alpha * source`` added to the slices ``index`` of ``dim`` (repeated indices add up):
    for dim 0, out[index[i]] += alpha * source[i]. Differentiable in input and source.

    Args:
        input: the tensor added into (not changed: the result is a copy).
        dim: the dim that ``index`` addresses.
        index: a 1-d (or 0-d) int64 or int32 tensor of indices in [0, input.shape[dim]).
        source: a tensor of input's dtype and shape, but for ``dim``, where it has ``len(index)`` elements.
        alpha: the factor of ``source`` (truncated to an int for integer tensors, as in PyTorch).
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.zeros(3, 2).index_add(0, gg.tensor([0, 2, 0]), gg.ones(3, 2), alpha=2)
    tensor([[4., 4.],
            [0., 0.],
            [2., 2.]])
    """
    op = "index_add"
    x = input
    d, idx = _index_vector(op, x, dim, index, ("int32", "int64"))
    if alpha != 1 and isinstance(source, Tensor):
        source = A.mul(source, int(alpha) if x.dtype.kind in "iub" else alpha)
    return write_out(_slices_put(op, x, d, idx, source, True), out, op)


def index_copy(input, dim, index, source, *, out=None):
    """``input`` with the slices ``index`` of ``dim`` replaced by those of ``source``: for dim 0,
    out[index[i]] = source[i] (with a repeated index, which slice lands is unspecified, as in PyTorch).
    Differentiable in input (zero where replaced) and source.

    Args:
        input: the tensor copied into (not changed: the result is a copy).
        dim: the dim that ``index`` addresses.
        index: a 1-d (or 0-d) int64 tensor of indices in [0, input.shape[dim]).
        source: a tensor of input's dtype and shape, but for ``dim``, where it has ``len(index)`` elements.
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.zeros(3, 2).index_copy(0, gg.tensor([2, 0]), gg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[3., 4.],
            [0., 0.],
            [1., 2.]])
    """
    op = "index_copy"
    d, idx = _index_vector(op, input, dim, index, ("int64",))
    return write_out(_slices_put(op, input, d, idx, source, False), out, op)


def index_fill(input, dim, index, value):
    """``input`` with the slices ``index`` of ``dim`` set to ``value`` (negative indices count from the end).
    Differentiable in input (zero where filled) and in a 0-d tensor ``value`` (the sum over the filled
    elements, each counted once).

    Args:
        input: the tensor filled (not changed: the result is a copy).
        dim: the dim that ``index`` addresses.
        index: a 1-d (or 0-d) int64 tensor of indices in [-input.shape[dim], input.shape[dim]).
        value: a number or a 0-d tensor.

    Returns:
        A new tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 3).index_fill(1, gg.tensor([0, -1]), 5.0)
    tensor([[5., 0., 5.],
            [5., 0., 5.]])
    """
    op = "index_fill"
    x = input
    d, idx = _index_vector(op, x, dim, index, ("int64",), negative=True)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"{op}(): only a 0-d value tensor is supported, got shape {shape_str(value.shape)}")
        v = value if value.dtype == x.dtype else A.cast(value, x.dtype)
    else:
        v = Tensor._make(x.xp.asarray(value, dtype=x.dtype), None, False)
    if not idx.size:
        return _untouched(x, S.reshape(v, (1,)))
    # each position filled once: value's gradient sums the filled elements, as PyTorch's (over unique indices)
    idx = x.xp.unique(idx)
    flat = x.ndim == 0
    y = S.reshape(x, (1,)) if flat else x
    res = S.IndexPut.apply(y, v, (slice(None),) * d + (idx,), False)
    return S.reshape(res, ()) if flat else res


def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    """``input`` with the slices of ``source`` reduced into the slices ``index`` of ``dim``: for dim 0,
    out[index[i]] = reduce(out[index[i]], source[i]) over every i, as ``torch.index_reduce`` (which is
    :func:`scatter_reduce` with the index spread over source's shape, and has its gradients).

    Args:
        input: the tensor reduced into (not changed: the result is a copy).
        dim: the dim that ``index`` addresses.
        index: a 1-d (or 0-d) int64 or int32 tensor of indices in [0, input.shape[dim]).
        source: a tensor of input's dtype and shape, but for ``dim``, where it has ``len(index)`` elements.
        reduce: ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
        include_self: whether input's own values in the slices written take part (False: only source's).
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.ones(3, 2).index_reduce(0, gg.tensor([0, 0]), gg.tensor([[2.0, 3.0], [4.0, 5.0]]), "amax")
    tensor([[4., 5.],
            [1., 1.],
            [1., 1.]])
    """
    op = "index_reduce"
    if reduce not in _REDUCES[1:]:
        raise RuntimeError(f"{op}(): reduce must be one of prod, mean, amax or amin, got {reduce!r}")
    x = input
    d, idx = _index_vector(op, x, dim, index, ("int32", "int64"))
    _check_slices(op, x, d, idx, source)
    if reduce == "mean" and x.dtype.kind == "b":
        raise NotImplementedError(f"{op}(): reduce='mean' is not implemented for bool tensors (as in PyTorch)")
    if not idx.size:
        return write_out(_untouched(x, source), out, op)
    y, v = _at_least_1d(x), (source if x.ndim else S.reshape(source, (1,)))
    nd = y.ndim
    spread = x.xp.broadcast_to(idx.astype(np.int64).reshape((1,) * d + (-1,) + (1,) * (nd - d - 1)), tuple(v.shape))
    res = ScatterReduce.apply(y, v, spread, d, reduce, bool(include_self))
    return write_out(res if x.ndim else S.reshape(res, ()), out, op)


# -- masked_scatter -------------------------------------------------------------------------------------------
def masked_scatter(input, mask, source):
    """``input`` with the elements of ``source``, in row-major order, written where ``mask`` is true (input
    and mask broadcast). Differentiable in input (zero where written) and source (the elements used).

    Args:
        input: the tensor written into (not changed: the result is a copy).
        mask: a bool tensor broadcastable with input.
        source: a tensor of input's dtype with at least as many elements as mask has true ones.

    Returns:
        A new tensor of the broadcast shape of input and mask.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 2).masked_scatter(gg.tensor([[True, False], [True, True]]), gg.tensor([1.0, 2.0, 3.0]))
    tensor([[1., 0.],
            [2., 3.]])
    """
    return _masked_scatter(input, mask, source, False)


def _masked_scatter(x, mask, source, inplace):
    op = "masked_scatter"
    m = mask._data if isinstance(mask, Tensor) else x.xp.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"{op}(): only bool masks are supported, got mask dtype {m.dtype}")
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}(): source must be a Tensor, got {type(source).__name__}")
    _same_dtype(op, x, source, "source")
    try:
        shape = np.broadcast_shapes(tuple(x.shape), m.shape)
    except ValueError:
        raise RuntimeError(f"{op}(): mask {shape_str(m.shape)} and input {shape_str(x.shape)} don't "
                           f"broadcast") from None
    if inplace and shape != tuple(x.shape):
        raise RuntimeError(f"{op}_(): mask {shape_str(m.shape)} must broadcast to input {shape_str(x.shape)}")
    xp = x.xp
    m = xp.broadcast_to(m, shape)
    xb = x if tuple(x.shape) == shape else S.expand(x, shape)
    if m.__class__ is np.ndarray and int(m.sum()) > source.numel():       # (CPU only: a sync on a GPU)
        raise RuntimeError(f"{op}(): source {shape_str(source.shape)} has {source.numel()} elements, fewer than "
                           f"the {int(m.sum())} true ones of mask {shape_str(m.shape)}")
    if source.numel() == 0:
        return _untouched(xb, source)
    # the element of source each position would take: the number of true ones before it
    pos = xp.maximum(xp.cumsum(m.reshape(-1)) - 1, 0)
    picked = S.reshape(S.index_select(S.reshape(source, -1), 0, Tensor._make(pos, None, False)), shape)
    return A.where(Tensor._make(m, None, False), picked, xb)
