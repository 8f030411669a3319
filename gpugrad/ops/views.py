"""PyTorch's view ops beyond reshape/permute/getitem: ``diagonal`` and ``unfold`` (strided views), ``select``,
``movedim``, ``unflatten``, their out-of-place ``*_scatter`` twins, the view introspection (``stride``,
``storage_offset``) and the in-place shape methods (``squeeze_``, ``t_``...). A view shares its base's memory and version counter, and
records itself (``_view``) so that an in-place op through it updates the base's graph (ops._rebase_views asks
the view's node for ``scatter_back``)."""
from __future__ import annotations

import builtins

from ..autograd import op as _op
from ..autograd.forward_views import link_view
from ..autograd.op import Op
from ..tensor import Tensor
from ..backend import scatter_add
from ._util import dims
from .splits import tensor_split, hsplit, vsplit, dsplit, split_with_sizes, narrow_copy
from .shape import (getitem, reshape, permute, squeeze, unsqueeze, transpose, SetItem,
                    _storage_offset, _index_backward_tensor)

_ALL = builtins.slice(None)


def _diag_view(a, offset, d1, d2):
    """The writable diagonal view of the array ``a`` (NumPy marks diagonals read-only; CuPy's are writable)."""
    v = a.diagonal(offset, d1, d2)
    flags = getattr(v, "flags", None)
    if not getattr(flags, "writeable", True):                 # (CuPy's flags have no writeable)
        try:
            flags.writeable = True           # allowed where a is writable (not for a broadcast input)
        except (AttributeError, ValueError):
            pass
    return v


class Diagonal(Op):
    """out = x.diagonal(offset, d1, d2): a view; backward writes g onto the diagonal of zeros."""

    def forward(self, x, offset, d1, d2):
        self.shape, self.args = x.shape, (offset, d1, d2)
        return _diag_view(x, offset, d1, d2)

    def backward(self, g):
        if isinstance(g, Tensor):
            from ..factories import zeros
            return DiagonalScatter.apply(zeros(self.shape, dtype=g.dtype, device=g.device), g, *self.args)
        z = self.xp.zeros(self.shape, g.dtype)
        _diag_view(z, *self.args)[...] = g
        return z

    def jvp(self, t, *targs):
        return t.diagonal(*self.args).copy()

    def scatter_back(self, base, view):
        """The base's new value after an in-place change of this view (see ops._rebase_views)."""
        return DiagonalScatter.apply(base, view, *self.args)

    def scatter_tangent(self, bt, vt):
        _diag_view(bt, *self.args)[...] = vt
        return bt


class DiagonalScatter(Op):
    """out = x with out.diagonal(offset, d1, d2) = src (out of place)."""

    def forward(self, x, src, offset, d1, d2):
        self.args = (offset, d1, d2)
        y = x.copy()
        _diag_view(y, *self.args)[...] = src
        return y

    def backward(self, g):
        n = self.needs_input_grad
        gx = gs = None
        if isinstance(g, Tensor):
            from ..factories import zeros
            if n[0]:
                d = Diagonal.apply(g, *self.args)
                gx = DiagonalScatter.apply(g, zeros(d.shape, dtype=g.dtype, device=g.device), *self.args)
            if n[1]:
                gs = Diagonal.apply(g, *self.args)
            return gx, gs
        if n[0]:
            gx = g.copy()
            _diag_view(gx, *self.args)[...] = 0
        if n[1]:
            gs = g.diagonal(*self.args).copy()
        return gx, gs

    def jvp(self, tx, ts, *targs):
        xp = self.xp
        y = tx.copy() if tx is not None else xp.zeros(self._out_meta[0], self._out_meta[1])
        _diag_view(y, *self.args)[...] = 0 if ts is None else ts
        return y


def _unfold_key(xp, d, n_win, size, step):
    """The advanced key that reads x's windows along dim d: x[..., idx, ...] with idx[i, j] = i * step + j."""
    idx = xp.arange(n_win).reshape(-1, 1) * step + xp.arange(size).reshape(1, -1)
    return (_ALL,) * d + (idx,)


class Unfold(Op):
    """out = x.unfold(d, size, step): windows of ``size`` every ``step`` along d, as a new last dim (a strided
    view); backward sums each window's gradient back (windows may overlap)."""

    def forward(self, x, d, size, step):
        xp = self.xp
        self.shape, self.d = x.shape, d
        n_win = (x.shape[d] - size) // step + 1
        self.key = _unfold_key(xp, d, n_win, size, step)
        shape = x.shape[:d] + (n_win,) + x.shape[d + 1:] + (size,)
        st = x.strides
        strides = st[:d] + (st[d] * step,) + st[d + 1:] + (st[d],)
        return xp.lib.stride_tricks.as_strided(x, shape, strides)

    def _to_index_layout(self, g):       # (..., n_win, ..., size) -> (..., n_win, size, ...): the key's layout
        nd = len(self.shape) + 1
        perm = tuple(range(self.d + 1)) + (nd - 1,) + tuple(range(self.d + 1, nd - 1))
        return permute(g, perm) if isinstance(g, Tensor) else g.transpose(perm)

    def backward(self, g):
        g = self._to_index_layout(g)
        if isinstance(g, Tensor):
            return _index_backward_tensor(g, self.shape, self.key)
        z = self.xp.zeros(self.shape, g.dtype)
        scatter_add(self.xp, z, self.key, g)
        return z

    def jvp(self, t, *targs):
        nd = len(self.shape) + 1
        perm = tuple(range(self.d + 1)) + tuple(range(self.d + 2, nd)) + (self.d + 1,)
        return t[self.key].transpose(perm)

    def scatter_back(self, base, view):
        return SetItem.apply(base, self._to_index_layout(view), self.key)

    def scatter_tangent(self, bt, vt):
        bt[self.key] = self._to_index_layout(vt)
        return bt


def _as_view(out, x):
    """Link the strided view ``out`` to its base x: one version counter, and (when recorded) the view link
    that in-place ops through it follow (see shape._view_of, which recognises views by their ``.base``; a
    strided view's base may be a helper object)."""
    out._vc = x._vc
    node = out.grad_fn
    if node is not None:
        out._view = (x, node)
        node._base_version = x._vc[0]
    elif _op._fw_level:
        link_view(out, x)                # forward AD: tangents follow writes between out and x
    return out


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the matrices in dims ``dim1``, ``dim2`` (a view, as in PyTorch), as a new last dim.

    Args:
        input: a tensor of at least 2 dims.
        offset: which diagonal: 0 the main one, > 0 above it, < 0 below.
        dim1: the rows' dim.
        dim2: the columns' dim.

    Returns:
        A view of ``input`` without dims dim1, dim2 and with the diagonal last (empty where offset is past
        the edge); writing into it writes into ``input``.

    >>> import gpugrad as gg
    >>> gg.diagonal(gg.arange(9).reshape(3, 3), 1)
    tensor([1, 5])
    """
    x = input
    d1, d2 = dims("diagonal", x.ndim, (dim1, dim2))
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _as_view(Diagonal.apply(x, offset, d1, d2), x)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with its diagonal (as :func:`diagonal` reads it) replaced by ``src``.

    Args:
        input: a tensor of at least 2 dims.
        src: the new diagonal, of the shape ``diagonal(input, offset, dim1, dim2)`` has.
        offset: which diagonal (0 main, > 0 above, < 0 below).
        dim1: the rows' dim.
        dim2: the columns' dim.

    Returns:
        A new tensor, differentiable in input and src.

    >>> import gpugrad as gg
    >>> gg.diagonal_scatter(gg.zeros(2, 2), gg.ones(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    x = input
    d1, d2 = dims("diagonal_scatter", x.ndim, (dim1, dim2))
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    want = x._data.diagonal(offset, d1, d2).shape
    _check_src("diagonal_scatter", src, want)
    return DiagonalScatter.apply(x, src, offset, d1, d2)


def _check_src(op, src, want):
    if tuple(src.shape) != tuple(want):
        raise RuntimeError(f"{op}: expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(want)}")


def select(input, dim, index):
    """The slice at ``index`` of dim ``dim``, without that dim (a view: ``x.select(0, i)`` is ``x[i]``).

    Args:
        input: a tensor of at least 1 dim.
        dim: the dim to select from.
        index: the position (negative counts from the end).

    Returns:
        A view of ``input`` with one dim less.

    >>> import gpugrad as gg
    >>> gg.select(gg.arange(6).reshape(2, 3), 1, -1)
    tensor([2, 5])
    """
    x = input
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = dims("select", x.ndim, dim)[0]
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at "
                         f"dimension {d}")
    return getitem(x, (_ALL,) * d + (index,))


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with the slice ``select(input, dim, index)`` replaced by ``src``.

    Args:
        input: the tensor.
        src: the new slice, of the slice's shape.
        dim: the dim.
        index: the position along dim.

    Returns:
        A new tensor, differentiable in input and src.

    >>> import gpugrad as gg
    >>> gg.select_scatter(gg.zeros(2, 2), gg.ones(2), 0, 0)
    tensor([[1., 1.],
            [0., 0.]])
    """
    x = input
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = dims("select_scatter", x.ndim, dim)[0]
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at "
                         f"dimension {d}")
    _check_src("select_scatter", src, x.shape[:d] + x.shape[d + 1:])
    return SetItem.apply(x, src, (_ALL,) * d + (index % n,))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with the slice ``start:end:step`` of ``dim`` replaced by ``src``.

    Args:
        input: the tensor.
        src: the new slice, of the slice's shape.
        dim: the dim.
        start: the slice's start (None: 0).
        end: its end (None: the dim's size).
        step: its step (positive).

    Returns:
        A new tensor, differentiable in input and src.

    >>> import gpugrad as gg
    >>> gg.slice_scatter(gg.zeros(4), gg.ones(2), start=1, step=2)
    tensor([0., 1., 0., 1.])
    """
    x = input
    d = dims("slice_scatter", x.ndim, dim)[0]
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (_ALL,) * d + (builtins.slice(start, end, step),)
    _check_src("slice_scatter", src, x._data[key].shape)
    return SetItem.apply(x, src, key)


def unfold(input, dimension, size, step):
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim (a view:
    PyTorch's ``Tensor.unfold``; windows may overlap).

    Args:
        input: the tensor (a 0-d one counts as size 1).
        dimension: the dim to slide along.
        size: the window's length.
        step: the distance between window starts (positive).

    Returns:
        A view of shape ``input.shape`` with ``dimension`` replaced by the number of windows, plus a last dim
        of ``size``.

    >>> import gpugrad as gg
    >>> gg.arange(5).unfold(0, 2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    x = input
    d = dims("unfold", x.ndim, dimension)[0]
    n = x.shape[d] if x.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if x.ndim == 0:
        return reshape(x, (1,))
    return _as_view(Unfold.apply(x, d, size, step), x)


def movedim(input, source, destination):
    """The dims ``source`` moved to the positions ``destination``, the others kept in order (a view).

    Args:
        input: the tensor.
        source: a dim or a sequence of dims.
        destination: their new positions (as many).

    Returns:
        A view of ``input``.

    >>> import gpugrad as gg
    >>> gg.movedim(gg.zeros(2, 3, 4), 0, -1).shape
    gpugrad.Size([3, 4, 2])
    """
    x = input
    if isinstance(source, int) != isinstance(destination, int):
        raise TypeError(f"movedim() received an invalid combination of arguments: source {source!r} and "
                        f"destination {destination!r} must both be ints or both be tuples of ints")
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    src = list(dims("movedim", x.ndim, src))
    dst = list(dims("movedim", x.ndim, dst))
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(destination)})")
    rest = iter(d for d in range(x.ndim) if d not in src)
    where = dict(zip(dst, src))
    perm = tuple(where[i] if i in where else next(rest) for i in range(x.ndim))
    return x if perm == tuple(range(x.ndim)) else permute(x, perm)


moveaxis = movedim


def unflatten(input, dim, sizes):
    """Dim ``dim`` split into several of ``sizes`` (one may be -1).

    Args:
        input: the tensor.
        dim: the dim to split.
        sizes: the new dims' sizes; their product must be ``input.shape[dim]``.

    Returns:
        A view of ``input`` (where reshape gives one).

    >>> import gpugrad as gg
    >>> gg.unflatten(gg.zeros(2, 6), 1, (3, -1)).shape
    gpugrad.Size([2, 3, 2])
    """
    x = input
    d = dims("unflatten", x.ndim, dim)[0]
    sizes = tuple(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = x.shape[d] if x.ndim else 1
    known = 1
    for s in sizes:
        known *= 1 if s == -1 else s
    if (-1 not in sizes and known != n) or (-1 in sizes and (known == 0 or n % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({n}) in the input tensor")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def ravel(input):
    """The elements in one dim, in C order (a view where the layout allows, else a copy).

    Args:
        input: the tensor.

    Returns:
        A 1-D tensor.

    >>> import gpugrad as gg
    >>> gg.ravel(gg.tensor([[1, 2], [3, 4]]))
    tensor([1, 2, 3, 4])
    """
    return reshape(input, (-1,))


# -- view introspection --------------------------------------------------------------------------------------
def stride(self, dim=None):
    """The step in elements between neighbours along each dim (PyTorch's ``Tensor.stride``).

    Args:
        dim: one dim (None: all of them, as a tuple).

    Returns:
        An int, or a tuple of ints.

    >>> import gpugrad as gg
    >>> gg.zeros(2, 3).stride(), gg.zeros(2, 3).t().stride(0)
    ((3, 1), 1)
    """
    a = self._data
    st = tuple(s // a.itemsize for s in a.strides)
    if dim is None:
        return st
    return st[dims("stride", a.ndim, dim)[0]] if a.ndim else _zero_dim_stride(dim)


def _zero_dim_stride(dim):
    raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")


def storage_offset(self):
    """Where this tensor's first element lies in its storage, in elements (0 unless a view starts later).

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> gg.arange(4)[1:].storage_offset()
    1
    """
    return _storage_offset(self._data) // self._data.itemsize


def is_same_size(input, other):
    """Whether two tensors have the same shape.

    Args:
        input: a tensor.
        other: another.

    Returns:
        A Python bool.

    >>> import gpugrad as gg
    >>> gg.is_same_size(gg.zeros(2, 3), gg.ones(2, 3))
    True
    """
    return tuple(input.shape) == tuple(other.shape)


# -- in-place shape methods: the tensor takes the view's shape and strides ----------------------------------
def _inplace_shape(t, fn, name, *args):
    """``t`` becomes ``fn(t, *args)`` (a view of its own memory): its array and graph node change, its
    version goes up by one, as in PyTorch."""
    from ..autograd import grad_mode
    if grad_mode._state.enabled and t.requires_grad and t.grad_fn is None:
        raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place operation.")
    new = fn(t, *args)
    t._data = new._data
    if new.grad_fn is not None:
        t.grad_fn = new.grad_fn
    t._vc[0] += 1
    return t


def _doc_inplace(name, example, shape, make="gg.zeros(1, 2, 3)"):
    return f'''In place: the tensor takes the shape of ``{name}`` (its own memory, new strides); returns it.

    Args:
        *args: as :func:`gpugrad.{name}`.

    Returns:
        This tensor.

    >>> import gpugrad as gg
    >>> x = {make}
    >>> x.{name}_({example}).shape
    {shape}
    '''


def _make_inplace(name, fn, example, shape, make="gg.zeros(1, 2, 3)"):
    def method(self, *args, **kwargs):
        return _inplace_shape(self, lambda t: fn(t, *args, **kwargs), f"{name}_")
    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = _doc_inplace(name, example, shape, make)
    return method


def _t(x):
    from .torch_more import t
    return t(x)


def _swap(x, axis0, axis1):
    return transpose(x, axis0, axis1)


VIEW_METHODS = dict(
    diagonal=diagonal, diagonal_scatter=diagonal_scatter, select=select, select_scatter=select_scatter,
    slice_scatter=slice_scatter, unfold=unfold, movedim=movedim, moveaxis=moveaxis, unflatten=unflatten,
    ravel=ravel, tensor_split=tensor_split, hsplit=hsplit, vsplit=vsplit, dsplit=dsplit,
    split_with_sizes=split_with_sizes, narrow_copy=narrow_copy, stride=stride, storage_offset=storage_offset,
    is_same_size=is_same_size,
    squeeze_=_make_inplace("squeeze", squeeze, "", "(2, 3)"),
    unsqueeze_=_make_inplace("unsqueeze", unsqueeze, "0", "(1, 1, 2, 3)"),
    t_=_make_inplace("t", _t, "", "(3, 2)", "gg.zeros(2, 3)"),
    transpose_=_make_inplace("transpose", transpose, "0, 2", "(3, 2, 1)"),
    swapaxes_=_make_inplace("swapaxes", _swap, "0, 2", "(3, 2, 1)"),
    swapdims_=_make_inplace("swapdims", _swap, "0, 2", "(3, 2, 1)"),
)
