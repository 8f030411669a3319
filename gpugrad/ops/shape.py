"""Shape ops and indexing. Views keep the version counter of their base, so an in-place change through a
view is seen by every op that saved the base."""
from __future__ import annotations

import builtins

import numpy as np

from .._dtype import scalar_type_name
from ..autograd import op as _op
from ..autograd.forward_views import link_view
from ..autograd.op import Op
from ..tensor import Tensor
from ..backend import scatter_add
from ._util import unbroadcast, dims, shape_str, write_out, promote_types


class Reshape(Op):
    def forward(self, x, shape):
        self.shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.shape)

    def jvp(self, t, tshape):
        return t.reshape(self._out_meta[0])


class Permute(Op):
    def forward(self, x, perm):
        self.inv = tuple(sorted(range(len(perm)), key=perm.__getitem__))
        return x.transpose(perm)

    def backward(self, g):
        return g.transpose(self.inv)

    def jvp(self, t, tperm):
        return t.transpose(tuple(sorted(range(len(self.inv)), key=self.inv.__getitem__)))


class Expand(Op):
    def forward(self, x, shape):
        self.shape = x.shape
        return self.xp.broadcast_to(x, shape)

    def backward(self, g):
        return unbroadcast(g, self.shape)

    def jvp(self, t, tshape):
        return self.xp.broadcast_to(t, self._out_meta[0])


class Cat(Op):
    def forward(self, *xs, axis):
        self.axis = axis
        self.sizes = [x.shape[axis] for x in xs]
        return self.xp.concatenate(xs, axis=axis)

    def backward(self, g):
        out, start = [], 0
        for size, need in zip(self.sizes, self.needs_input_grad):
            idx = (builtins.slice(None),) * self.axis + (builtins.slice(start, start + size),)
            out.append(g[idx] if need else None)
            start += size
        return tuple(out)

    def jvp(self, *ts):             # the tangents side by side (zeros for inputs without one)
        xp, (shape, dtype) = self.xp, self._out_meta
        return xp.concatenate([t if t is not None else
                               xp.zeros(shape[:self.axis] + (n,) + shape[self.axis + 1:], dtype)
                               for t, n in zip(ts, self.sizes)], axis=self.axis)


class Stack(Op):
    def forward(self, *xs, axis):
        self.axis = axis
        return self.xp.stack(xs, axis=axis)

    def backward(self, g):
        return tuple(g[(builtins.slice(None),) * self.axis + (i,)] if need else None
                     for i, need in enumerate(self.needs_input_grad))

    def jvp(self, *ts):
        xp, (shape, dtype) = self.xp, self._out_meta
        part = shape[:self.axis] + shape[self.axis + 1:]
        return xp.stack([t if t is not None else xp.zeros(part, dtype) for t in ts], axis=self.axis)


class GetItem(Op):
    """x[key]; the gradient scatters back, summing over repeated integer indices."""

    def forward(self, x, key):
        self.shape, self.dtype, self.key = x.shape, x.dtype, key
        self.advanced = _is_advanced(key)
        return _index(x, key)

    def backward(self, g):
        xp = self.xp
        if isinstance(g, Tensor):
            return _index_backward_tensor(g, self.shape, self.key)
        z = xp.zeros(self.shape, g.dtype)
        if self.advanced:
            scatter_add(xp, z, self.key, g)
        else:
            z[self.key] = g
        return z

    def jvp(self, t, tkey):
        return t[self.key]


class SetItem(Op):
    """out = x with out[key] = v (out of place; Tensor.__setitem__ writes the result back in place)."""

    def forward(self, x, v, key):
        self.key = key
        self.vshape = v.shape if hasattr(v, "shape") else ()
        y = x.copy()
        put(y, key, v)
        return y

    def backward(self, g):
        n = self.needs_input_grad
        gx = gv = None
        if n[0]:
            gx = g.copy()
            put(gx, self.key, 0)
        if n[1]:
            gv = unbroadcast(at(g, self.key), self.vshape)
        return gx, gv

    def jvp(self, tx, tv, tkey):    # the tangent is assembled like the value
        xp = self.xp
        y = tx.copy() if tx is not None else xp.zeros(self._out_meta[0], self._out_meta[1])
        put(y, self.key, 0 if tv is None else tv)
        return y


class Gather(Op):
    """out[i][j] = x[index[i][j]][j] (dim 0), as torch.gather; backward scatter-adds."""

    def forward(self, x, index, axis):
        self.shape, self.index, self.axis = x.shape, index, axis
        return self.xp.take_along_axis(_fit_to_index(x, index, axis), index, axis=axis)

    def backward(self, g):
        xp = self.xp
        if isinstance(g, Tensor):
            return _index_backward_tensor(g, self.shape, _along_axis_key(g.xp, self.index, self.axis))
        z = xp.zeros(self.shape, g.dtype)
        scatter_add(xp, z, _along_axis_key(xp, self.index, self.axis), g)
        return z

    def jvp(self, t, tindex, taxis):
        return self.xp.take_along_axis(_fit_to_index(t, self.index, self.axis), self.index, axis=self.axis)


def _fit_to_index(x, index, axis):
    """x cut to index's sizes in the dims other than ``axis``: torch.gather's output has the index's shape
    (an index smaller than x reads only x's leading part there), where take_along_axis would broadcast."""
    if builtins.all(i == s or d == axis for d, (i, s) in enumerate(zip(index.shape, x.shape))):
        return x
    return x[tuple(builtins.slice(None) if d == axis else builtins.slice(0, n) for d, n in enumerate(index.shape))]


class IndexSelect(Op):
    def forward(self, x, index, axis):
        self.shape, self.index, self.axis = x.shape, index, axis
        return self.xp.take(x, index, axis=axis)

    def backward(self, g):
        xp = self.xp
        key = (builtins.slice(None),) * self.axis + (self.index,)
        if isinstance(g, Tensor):
            return _index_backward_tensor(g, self.shape, key)
        z = xp.zeros(self.shape, g.dtype)
        scatter_add(xp, z, key, g)
        return z

    def jvp(self, t, tindex, taxis):
        return self.xp.take(t, self.index, axis=self.axis)


class Pad(Op):
    def forward(self, x, widths, value):
        self.slices = tuple(builtins.slice(lo, lo + s) for (lo, _), s in zip(widths, x.shape))
        return self.xp.pad(x, widths, mode="constant", constant_values=value)

    def backward(self, g):
        return g[self.slices]

    def jvp(self, t, twidths, tvalue):   # the padding is constant: its tangent is 0
        y = self.xp.zeros(self._out_meta[0], t.dtype)
        y[self.slices] = t
        return y


def _along_axis_key(xp, index, axis):
    """The advanced-index tuple that addresses x[..., index[...], ...] along ``axis``."""
    # open grids (what np.indices(..., sparse=True) gives, which CuPy's indices lacks): arange along dim i
    nd = index.ndim
    return tuple(index if i == axis else xp.arange(n).reshape((1,) * i + (n,) + (1,) * (nd - i - 1))
                 for i, n in enumerate(index.shape))


def _index(a, key):
    """``a[key]``, a view wherever basic indexing gives one: NumPy returns a scalar copy when integers
    address a single element, a[(..., ...)] its 0-d view (so that ``x[0].add_(1)`` writes into x, as in
    PyTorch and CuPy). A key that picks a scalar holds no Ellipsis, so adding one is safe."""
    out = a[key]
    if out.ndim == 0 and out.base is None:     # a copy (NumPy's scalar; the strict device's 0-d copy of it)
        out = a[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
    return out


def _is_advanced(key):
    keys = key if isinstance(key, tuple) else (key,)
    return builtins.any(hasattr(k, "shape") and getattr(k, "ndim", 0) > 0 or isinstance(k, (list,)) for k in keys)


def _index_backward_tensor(g, shape, key):
    """Graph-mode backward of indexing: scatter through a recorded op (for double backward)."""
    from .. import zeros
    z = zeros(shape, dtype=g.dtype, device=g.device)
    return index_put(z, key, g, accumulate=True)


class IndexPut(Op):
    """out = x; out[key] += v (accumulate) or = v; differentiable in x and v."""

    def forward(self, x, v, key, accumulate):
        self.key, self.accumulate = key, accumulate
        self.vshape = v.shape
        y = x.copy()
        if accumulate:
            scatter_add(self.xp, y, key, v)
        else:
            y[key] = v
        return y

    def backward(self, g):
        n = self.needs_input_grad
        gx = gv = None
        if n[0]:
            if self.accumulate:
                gx = g
            else:
                gx = g.copy()
                gx[self.key] = 0
        if n[1]:
            gv = unbroadcast(g[self.key], self.vshape)
        return gx, gv

    def jvp(self, tx, tv, tkey, tacc):
        xp = self.xp
        y = tx.copy() if tx is not None else xp.zeros(self._out_meta[0], self._out_meta[1])
        if tv is not None and self.accumulate:
            scatter_add(xp, y, self.key, xp.broadcast_to(tv, self.vshape))
        elif not self.accumulate:
            y[self.key] = 0 if tv is None else tv
        return y


def index_put(x, key, v, accumulate=False):
    return IndexPut.apply(x, v, _convert_key(key, x), accumulate)


# -- user functions ------------------------------------------------------------------------------------------
def _view_of(out, x):
    """A result that aliases x's memory shares x's version counter, so that an in-place change through
    either one is caught by every op that saved the other. A recorded view also remembers its base; when
    the base is itself computed, the view is refused as an input (or a backward root) once the base was
    changed in place behind it (a recorded in-place op gives the base a new graph that the view's graph would
    not see; an in-place op through the view itself updates the base's graph instead, see
    ops._rebase_views), see autograd.op._check_view. The check is on the view tensor, not on its node:
    graphs that used the view before the change (the base's own rebuilt graph among them) stay valid. A leaf
    base's graph never changes (in-place updates of a leaf run under no_grad), so views of parameters stay
    usable."""
    base = x._data.base if x._data.base is not None else x._data
    if out._data.base is base or out._data.base is x._data:    # (the latter: a view of unfold's strided view)
        out._vc = x._vc
        node = out.grad_fn
        if node is not None:
            out._view = (x, node)
            node._base_version = x._vc[0]
        elif _op._fw_level:
            link_view(out, x)            # forward AD: tangents follow writes between out and x
    return out


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def reshape(input, *args, shape=None):
    """The same elements in a new shape (a view when possible); one dim may be -1.

    Args:
        input: the input tensor.
        *args: the new shape, as ints or one tuple.
        shape: the new shape, by PyTorch's keyword (instead of ``args``).

    Returns:
        A tensor with ``x.numel()`` elements.

    >>> import gpugrad as gg
    >>> gg.reshape(gg.arange(6), 2, 3)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    >>> gg.arange(6).reshape(-1, 2).shape
    gpugrad.Size([3, 2])
    """
    x = input
    shape = _shape_args(args) if shape is None else tuple(shape)
    known = 1
    unknown = 0
    for s in shape:
        if s == -1:
            unknown += 1
        else:
            known *= s
    n = x.numel()
    if unknown > 1 or (unknown == 0 and known != n) or (unknown == 1 and (known == 0 or n % known)):
        raise RuntimeError(f"reshape: shape {shape_str(shape)} is invalid for input of size {n} "
                           f"(shape {shape_str(x.shape)})")
    if shape == x.shape:
        return x
    return _view_of(Reshape.apply(x, shape), x)


def view(input, *args, size=None):
    """``reshape`` that refuses to copy: a tensor whose strides don't allow the new shape (a transpose
    flattened, say) raises, as in PyTorch; use ``reshape`` (or ``contiguous()`` first) there. (The method
    ``x.view(dtype)`` reinterprets the bits instead: :func:`view_dtype`.)

    Args:
        input: the tensor.
        *args: the new shape (ints or one tuple; one -1 is inferred).
        size: the new shape, by PyTorch's keyword (instead of ``args``).

    Returns:
        A view of x sharing its storage.

    >>> import gpugrad as gg
    >>> gg.arange(6.0).view(2, 3).shape
    gpugrad.Size([2, 3])
    """
    x = input
    shape = _shape_args(args) if size is None else tuple(size)
    out = reshape(x, shape)
    if out is not x and x._data.size:
        base = x._data.base if x._data.base is not None else x._data
        if out._data.base is not base:
            raise RuntimeError(f"view: shape {shape_str(shape)} is not compatible with the size and "
                               f"strides of the non-contiguous input {shape_str(x.shape)} (at least one dimension "
                               f"spans across two contiguous subspaces); use .reshape(...) instead")
    return out


def view_dtype(input, dtype):
    """The same bytes read as another dtype, sharing storage (PyTorch's ``x.view(dtype)``). With the same
    element size the shape is kept; otherwise the last dim scales by the ratio of the sizes, which needs a
    last dim of stride 1 (and, to widen, a size, an offset and strides divisible by the ratio). As in
    PyTorch, the result is not differentiable (it doesn't require grad).

    Args:
        input: the tensor.
        dtype: the dtype to read the bytes as.

    Returns:
        A tensor sharing ``input``'s storage (and its version counter).

    >>> import gpugrad as gg
    >>> gg.tensor([1.0]).view(gg.int32)
    tensor([1065353216], dtype=gpugrad.int32)
    >>> gg.zeros(2, 4).view(gg.float64).shape
    gpugrad.Size([2, 2])
    """
    from .. import _dtype
    a = input._data
    dt = _dtype.as_dtype(dtype)
    old, new = a.dtype.itemsize, dt.itemsize
    if old != new:
        what = f"to view {scalar_type_name(a.dtype)} as {scalar_type_name(dt)} (different element sizes)"
        if a.ndim == 0:
            raise RuntimeError(f"view: self.dim() cannot be 0 {what}")
        strides = [st // old for st in a.strides]
        r = new // old
        if new > old and a.shape[-1] % r:          # PyTorch's order of checks: size, stride, offset, strides
            raise RuntimeError(f"view: self.size(-1) must be divisible by {r} {what}, but got {a.shape[-1]}")
        if strides[-1] != 1 and a.shape[-1] != 1:
            raise RuntimeError(f"view: self.stride(-1) must be 1 {what}, but got {strides[-1]}")
        if new > old:
            offset = _storage_offset(a) // old
            if offset % r:
                raise RuntimeError(f"view: self.storage_offset() must be divisible by {r} {what}, but got {offset}")
            for i, st in enumerate(strides[:-1]):
                if st % r:
                    raise RuntimeError(f"view: self.stride({i}) must be divisible by {r} {what}, but got {st}")
    return Tensor._make(a.view(dt), None, False, input._vc)


def _storage_offset(a):
    """The byte offset of ``a``'s first element from the start of the array it views (0 for an owner)."""
    root = a
    while True:
        b = getattr(root, "base", None)
        if b is not None and not hasattr(b, "dtype"):   # as_strided's holder of the array interface (unfold)
            b = getattr(b, "base", None)
        if b is None or not hasattr(b, "dtype"):
            break
        root = b
    if root is a:
        return 0
    if isinstance(a, np.ndarray):
        return a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    ptr, root_ptr = getattr(a.data, "ptr", None), getattr(root.data, "ptr", None)    # CuPy's MemoryPointer
    return 0 if ptr is None or root_ptr is None else ptr - root_ptr     # (the strict test device has none)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one.

    Args:
        input: the input tensor.
        start_dim: the first dim to merge.
        end_dim: the last (inclusive).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.flatten(gg.zeros(2, 3, 4), start_dim=1).shape
    gpugrad.Size([2, 12])
    """
    x = input
    if x.ndim == 0:
        return reshape(x, 1)
    s = start_dim % x.ndim
    e = end_dim % x.ndim
    n = 1
    for d in x.shape[s:e + 1]:
        n *= d
    return reshape(x, x.shape[:s] + (n,) + x.shape[e + 1:])


def permute(input, *args, dims=None):
    """Reorder the dims (a view).

    Args:
        input: the input tensor.
        *args: the new order of the dims, as ints or one tuple.
        dims: the new order, by PyTorch's keyword (instead of ``args``).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.permute(gg.zeros(2, 3, 4), 2, 0, 1).shape
    gpugrad.Size([4, 2, 3])
    """
    x = input
    perm = _shape_args(args) if dims is None else tuple(dims)
    if sorted(p % builtins.max(x.ndim, 1) for p in perm) != list(range(x.ndim)):
        raise RuntimeError(f"permute: {perm} is not a permutation of the {x.ndim} dims of {shape_str(x.shape)}")
    return _view_of(Permute.apply(x, tuple(p % x.ndim for p in perm)), x)


def transpose(input, dim0=-2, dim1=-1):
    """Swap two dims (a view).

    Args:
        input: the input tensor.
        dim0: one dim.
        dim1: the other.

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.transpose(gg.zeros(2, 3), 0, 1).shape
    gpugrad.Size([3, 2])
    """
    x = input
    if x.ndim < 2:
        return x
    d0, d1 = dims("transpose", x.ndim, (dim0, dim1))
    perm = list(range(x.ndim))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _view_of(Permute.apply(x, tuple(perm)), x)


def squeeze(input, dim=None):
    """Remove dims of size 1 (all of them, or ``dim`` only).

    Args:
        input: the input tensor.
        dim: the dim to remove (None: every size-1 dim).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.squeeze(gg.zeros(1, 3, 1)).shape
    gpugrad.Size([3])
    >>> gg.squeeze(gg.zeros(1, 3, 1), 0).shape
    gpugrad.Size([3, 1])
    """
    x = input
    if dim is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    ds = dims("squeeze", x.ndim, dim)
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if not (i in ds and s == 1)))


def unsqueeze(input, dim):
    """Insert a dim of size 1 at ``dim``.

    Args:
        input: the input tensor.
        dim: where the new dim goes (negative counts from the end).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.unsqueeze(gg.zeros(3), 0).shape
    gpugrad.Size([1, 3])
    >>> gg.unsqueeze(gg.zeros(3), -1).shape
    gpugrad.Size([3, 1])
    """
    x = input
    nd = x.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"unsqueeze: dim {dim} out of range for a tensor of {x.ndim} dims")
    d = dim % nd
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def expand(input, *args, size=None):
    """A broadcast view with size-1 dims repeated (-1 keeps a dim); the gradient sums back.

    Args:
        input: the input tensor.
        *args: the target shape, as ints or one tuple.
        size: the target shape, by PyTorch's keyword (instead of ``args``).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.expand(gg.tensor([[1.0], [2.0]]), 2, 3)
    tensor([[1., 1., 1.],
            [2., 2., 2.]])
    """
    x = input
    shape = _shape_args(args) if size is None else tuple(size)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: cannot expand {shape_str(x.shape)} to fewer dims {shape_str(shape)}")
    full = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    for i, s in enumerate(x.shape):
        if s != 1 and s != full[i + lead]:
            raise RuntimeError(f"expand: the size of dim {i} ({s}) must match {full[i + lead]} or be 1 "
                               f"(expanding {shape_str(x.shape)} to {shape_str(full)})")
    if full == x.shape:
        return x
    return Expand.apply(x, full)


def broadcast_to(input, size):
    """A broadcast view of ``input`` with shape ``size`` (NumPy's rules).

    Args:
        input: the input tensor.
        size: the target shape.

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.broadcast_to(gg.tensor([1.0, 2.0]), (2, 2))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return expand(input, tuple(size))


def _check_same(op, xs, axis, stacking, ndims=False):
    """PyTorch's checks (and messages) that ``xs`` are tensors that can be stacked (one shape), or
    concatenated: no 0-d one, and with ``ndims`` (after the dim was checked, as PyTorch does) the same number
    of dims and sizes except along ``axis``."""
    if not xs:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    ref = xs[0]
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: element {i} is {type(t).__name__}, expected a Tensor")
    if stacking:
        for i, t in enumerate(xs):
            if t.shape != ref.shape:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref.shape)} at entry 0 "
                                   f"and {list(t.shape)} at entry {i}")
        return
    for i, t in enumerate(xs):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    for i, t in enumerate(xs if ndims else ()):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for d, (a, b) in enumerate(zip(ref.shape, t.shape)):
            if d != axis and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {axis}. Expected size {a} but "
                                   f"got size {b} for tensor number {i} in the list.")


def _promoted(tensors):
    """The tensors cast to one dtype by PyTorch's promotion (int64 with float32 is float32, not NumPy's
    float64)."""
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = dt if t.dtype == dt else promote_types(dt, t.dtype)
    return [t if t.dtype == dt else t.to(dt) for t in tensors]


def cat(tensors, dim=0, *, axis=None, out=None):
    """Join tensors along an existing dim (``concatenate`` is an alias).

    Args:
        tensors: a sequence of tensors with the same shape except along ``dim`` (1-D empty ones, such as an
            accumulator started as ``tensor([])``, are skipped, as in PyTorch).
        dim: the dim to join along.
        axis: NumPy's name for ``dim``.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.cat([gg.zeros(2, 3), gg.ones(1, 3)]).shape
    gpugrad.Size([3, 3])
    >>> gg.cat([gg.tensor([1.0]), gg.tensor([2.0, 3.0])], dim=0)
    tensor([1., 2., 3.])
    """
    tensors = list(tensors)
    if builtins.any(isinstance(t, Tensor) and t.ndim != 1 for t in tensors):
        # PyTorch's legacy rule: 1-D empty tensors (an accumulator started as tensor([])) are skipped, though
        # their dtype still takes part in the result's
        if builtins.any(isinstance(t, Tensor) and t.shape == (0,) for t in tensors) and \
                builtins.all(isinstance(t, Tensor) for t in tensors):
            kept = [t for t in _promoted(tensors) if t.shape != (0,)]
            if kept:
                return cat(kept, dim, axis=axis, out=out)
    _check_same("cat", tensors, None, False)
    ax = dims("cat", tensors[0].ndim, dim if axis is None else axis)[0]
    _check_same("cat", tensors, ax, False, ndims=True)
    res = Cat.apply(*_promoted(tensors), axis=ax)
    return res if out is None else write_out(res, out, "cat")


concatenate = cat


def stack(tensors, dim=0, *, axis=None, out=None):
    """Join tensors of one shape along a new dim.

    Args:
        tensors: a sequence of tensors of the same shape.
        dim: where the new dim goes.
        axis: NumPy's name for ``dim``.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor with one more dim.

    >>> import gpugrad as gg
    >>> gg.stack([gg.zeros(3), gg.ones(3)], dim=1).shape
    gpugrad.Size([3, 2])
    """
    tensors = list(tensors)
    if not tensors:
        _check_same("stack", tensors, None, True)
    nd = getattr(tensors[0], "ndim", 0) + 1
    d = dim if axis is None else axis
    if not -nd <= d < nd:
        raise IndexError(f"stack: dim {d} out of range for {nd - 1}-d tensors")
    _check_same("stack", tensors, None, True)
    res = Stack.apply(*_promoted(tensors), axis=d % nd)
    return res if out is None else write_out(res, out, "stack")


def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces along ``dim``: of ``split_size_or_sections`` each (the last may be smaller), or of the listed sizes.

    Args:
        tensor: the input tensor.
        split_size_or_sections: an int (the size of each piece) or a list of sizes.
        dim: the dim to split.

    Returns:
        A tuple of tensors (views).

    >>> import gpugrad as gg
    >>> [t.tolist() for t in gg.split(gg.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    >>> [t.shape for t in gg.split(gg.zeros(5, 2), [1, 4])]
    [gpugrad.Size([1, 2]), gpugrad.Size([4, 2])]
    """
    x = tensor
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = dims("split", x.ndim, dim)[0]
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [builtins.min(step, n - s) for s in range(0, n, step)] if step else []
        sizes = sizes or [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split: sections {sizes} do not add up to {n} (dim {d} of {shape_str(x.shape)})")
    out, start = [], 0
    for s in sizes:
        out.append(x[(builtins.slice(None),) * d + (builtins.slice(start, start + s),)])
        start += s
    return tuple(out)


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` pieces of (nearly) equal size along ``dim``.

    Args:
        input: the input tensor.
        chunks: the number of pieces.
        dim: the dim to split.

    Returns:
        A tuple of tensors (views).

    >>> import gpugrad as gg
    >>> [t.tolist() for t in gg.chunk(gg.arange(6), 3)]
    [[0, 1], [2, 3], [4, 5]]
    """
    x = input
    d = dims("chunk", x.ndim, dim)[0]
    if not isinstance(chunks, int) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    n = x.shape[d]
    if n == 0:                           # an empty dim: the requested number of empty chunks, as PyTorch
        return split(x, [0] * chunks, d)
    return split(x, -(-n // chunks), d)


class IndexRangeError(IndexError, RuntimeError):
    """An index out of range: PyTorch raises RuntimeError for some ops (gather, scatter, index_add) and
    IndexError for others (index_select, index_copy, index_fill); this is both."""


def _check_index_range(op, idx, d, size, negative=False, context=""):
    """Indices must lie in [0, size) (PyTorch refuses negative ones here; ``negative``: [-size, size)). Read
    on the host: CPU only (on a GPU it would be a sync per call). ``context`` ends the message (the shapes)."""
    if idx.size and idx.__class__ is np.ndarray:
        lo, hi = int(idx.min()), int(idx.max())
        low = -size if negative else 0
        if lo < low or hi >= size:
            bad = lo if lo < low else hi
            raise IndexRangeError(f"{op}: index {bad} is out of bounds for dim {d} with size {size} "
                                  f"(expected {low} <= index < {size}){context}")


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """``out[i][j] = x[index[i][j]][j]`` for dim 0 (and alike for other dims), as torch.gather: the output
    has the index's shape; the index may be smaller than x in the dims other than ``dim``.

    Args:
        input: the input tensor.
        dim: the dim to gather along.
        index: an int64 tensor with as many dims as ``x``; the result has its shape.
        sparse_grad: accepted for PyTorch compatibility (the gradient is dense).
        out: not supported (must be None).

    Returns:
        A tensor of ``index``'s shape, differentiable in ``x``.

    >>> import gpugrad as gg
    >>> gg.gather(gg.tensor([[1., 2.], [3., 4.]]), 0, gg.tensor([[1], [0]])).tolist()
    [[3.0], [1.0]]
    """
    x = input
    d = dims("gather", x.ndim, dim)[0]
    idx = index._data if isinstance(index, Tensor) else x.xp.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got dtype {idx.dtype}")
    if idx.ndim != x.ndim:
        raise RuntimeError(f"gather: index {shape_str(idx.shape)} and input {shape_str(x.shape)} must have the "
                           "same number of dimensions")
    for i, (n, s) in enumerate(zip(idx.shape, x.shape)):
        if i != d and n > s:
            raise RuntimeError(f"gather: index {shape_str(idx.shape)} is larger than the input "
                               f"{shape_str(x.shape)} in dim {i} (only dim {d} may be larger)")
    _check_index_range("gather", idx, d, x.shape[d] if x.ndim else 1)
    if x.ndim == 0:                      # a 0-d input is read as (1,): the result is 0-d again
        return write_out(reshape(Gather.apply(reshape(x, 1), idx.reshape(1), 0), ()), out)
    return write_out(Gather.apply(x, idx, d), out)


def index_select(input, dim, index, *, out=None):
    """The slices of x along ``dim`` at the positions of the 1-D (or 0-d) integer ``index``.

    Args:
        input: the input tensor.
        dim: the dim to select along.
        index: a 1-D (or 0-d) integer tensor.
        out: not supported (must be None).

    Returns:
        A tensor with ``len(index)`` slices along ``dim``.

    >>> import gpugrad as gg
    >>> gg.index_select(gg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), 0, gg.tensor([2, 0]))
    tensor([[5., 6.],
            [1., 2.]])
    """
    x = input
    d = dims("index_select", x.ndim, dim)[0]
    idx = index._data if isinstance(index, Tensor) else x.xp.asarray(index)
    if idx.dtype.kind not in "iu" or idx.ndim > 1:
        raise TypeError(f"index_select: index must be a 1-D integer tensor, got dtype {idx.dtype} and shape "
                        f"{shape_str(idx.shape)}")
    _check_index_range("index_select", idx, d, x.shape[d] if x.ndim else 1)
    if x.ndim == 0:                      # PyTorch: a 0-d input gives a 0-d result
        return write_out(reshape(IndexSelect.apply(reshape(x, 1), idx.reshape(-1), 0), ()), out)
    return write_out(IndexSelect.apply(x, idx.reshape(-1), d), out)


def pad(input, pad, mode="constant", value=None):
    """PyTorch's convention: ``pad`` lists (left, right) pairs starting from the last dimension.

    Args:
        input: the input tensor.
        pad: (left, right) pairs, last dim first, e.g. ``(1, 1)`` pads the last dim by one on each side.
        mode: ``"constant"``, ``"reflect"``, ``"replicate"`` or ``"circular"`` (see
            :func:`gpugrad.ops.pad_modes.pad_mode`; negative pads crop, as PyTorch's).
        value: the fill value in constant mode (None: 0).

    Returns:
        The padded tensor (differentiable).

    >>> import gpugrad as gg
    >>> gg.nn.functional.pad(gg.ones(2), (1, 2)).tolist()
    [0.0, 1.0, 1.0, 0.0, 0.0]
    """
    x = input
    if mode != "constant" or len(pad) % 2 or len(pad) // 2 > x.ndim or builtins.any(p < 0 for p in pad):
        from . import padding      # the other modes, cropping, and the errors of bad pads
        return padding.pad(x, pad, mode, value)
    value = 0.0 if value is None else value
    if not len(pad):                # nothing to pad (a 0-d tensor included): a copy, as PyTorch's
        from . import clone
        return clone(x)
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return Pad.apply(x, tuple(widths), value)


def _convert_key(key, x):
    """Turn Tensors inside an index into arrays of x's device and check integer indices' bounds."""
    keys = key if isinstance(key, tuple) else (key,)
    out = []
    for k in keys:
        if isinstance(k, Tensor):
            k = k._data
        if isinstance(k, list) or (k.__class__ is np.ndarray and x._data.__class__ is not np.ndarray):
            k = x.xp.asarray(k)            # host indices (lists, arrays, CPU tensors) onto x's device
        if hasattr(k, "dtype") and getattr(k, "ndim", 0) > 0 and k.dtype.kind == "f":
            raise IndexError(f"getitem: tensors used as indices must be integer or bool, got {k.dtype}")
        out.append(k)
    return tuple(out) if isinstance(key, tuple) else out[0]


def _torch_order(key):
    """NumPy counts an integer beside an index array as one more advanced index, so the indexed dims can
    move to the front (``x[1, :, [0, 2]]``); PyTorch applies integers first, as basic indexing. Such a key
    splits into a basic key (integers, slices, None, ...) and an advanced key for its result; None when
    NumPy and PyTorch agree."""
    if not isinstance(key, tuple):
        return None
    is_int = [isinstance(k, int) and not isinstance(k, bool) or
              (getattr(k, "ndim", None) == 0 and k.dtype.kind in "iu") for k in key]
    if not builtins.any(is_int) or not builtins.any(getattr(k, "ndim", 0) > 0 for k in key):
        return None
    basic, adv = [], []
    for k, integer in zip(key, is_int):
        if integer:
            basic.append(k)
        elif getattr(k, "ndim", 0) > 0:
            basic.extend([builtins.slice(None)] * (k.ndim if k.dtype.kind == "b" else 1))
            adv.append(k)
        else:                                  # a slice, None (a new dim, then taken whole) or Ellipsis
            basic.append(k)
            adv.append(k if k is Ellipsis else builtins.slice(None))
    return tuple(basic), tuple(adv)


class SplitKey(tuple):
    """(basic, advanced): a key applied in two steps, ``a[basic][advanced]`` (see _torch_order); basic
    indexing makes a view, so assigning through the second step writes into ``a``."""


def at(a, key):
    """``a[key]`` for a plain or a split key (arrays or Tensors)."""
    return a[key[0]][key[1]] if key.__class__ is SplitKey else a[key]


def put(a, key, v):
    """``a[key] = v`` for a plain or a split key (arrays or Tensors)."""
    if key.__class__ is SplitKey:
        a[key[0]][key[1]] = v
    else:
        a[key] = v


def _setitem_key(key, x):
    """The key for assigning into x: converted, and split as getitem splits it (PyTorch's dims)."""
    key = _convert_key(key, x)
    split = _torch_order(key)
    return key if split is None else SplitKey(split)


def getitem(x, key):
    key = _convert_key(key, x)
    split = _torch_order(key)
    if split is not None:
        return getitem(getitem(x, split[0]), split[1])
    try:
        if x.requires_grad or _op._fw_level:     # recorded, or inside a dual level (tangents, view links)
            return _view_of(GetItem.apply(x, key), x)
        out = _index(x._data, key)
        base = x._data.base if x._data.base is not None else x._data
        # a view shares x's version counter; a copy (advanced indexing) has its own
        return Tensor._make(out, None, False, x._vc if out.base is base or out.base is x._data else None)
    except IndexError as e:
        raise IndexError(f"getitem: index {key!r} is invalid for a tensor of shape {shape_str(x.shape)}: {e}") \
            from None
