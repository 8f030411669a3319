"""``as_strided`` and its family (``as_strided_``, ``as_strided_scatter``, ``as_strided_copy``,
``Tensor.new_empty_strided``), as PyTorch: a view of the tensor's storage with any sizes and strides (in
elements) from a storage offset (by default the tensor's own), the storage being the memory of the array the
tensor views. Gradients go through storage positions: an output element's gradient reaches every input
element at the same position (divided among the input's own repeats, as PyTorch's as_strided_backward)."""
from __future__ import annotations

import math

from ..autograd.op import Op
from ..backend import xp_of, scatter_add
from ..tensor import Tensor
from .views import _as_view
from .shape import _storage_offset


def _root(a):
    """The array whose memory ``a`` views (``a`` itself for an owner); see shape._storage_offset."""
    root = a
    while True:
        b = getattr(root, "base", None)
        if b is not None and not hasattr(b, "dtype"):     # as_strided's holder of the array interface
            b = getattr(b, "base", None)
        if b is None or not hasattr(b, "dtype"):
            return root
        root = b


def _storage(a):
    """(the storage of ``a`` as a flat array of a's dtype, a's offset in it in elements)."""
    root = _root(a)
    if root is not a and (root.flags.c_contiguous or root.flags.f_contiguous) and root.nbytes % a.itemsize == 0:
        flat = root.reshape(-1, order="C" if root.flags.c_contiguous else "F").view(a.dtype)
        return flat, _storage_offset(a) // a.itemsize
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return a.reshape(-1, order="C" if a.flags.c_contiguous else "F"), 0
    return None, 0          # a strided view of no contiguous owner: its own elements (see as_strided)


def _positions(xp, size, stride, offset):
    """The storage position of every element of the geometry (size, stride, offset), an int64 array of
    shape ``size``: offset + sum_k i_k stride_k."""
    idx = xp.full((), offset, dtype=xp.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        idx = idx + (xp.arange(n, dtype=xp.int64) * s).reshape((n,) + (1,) * (len(size) - k - 1))
    return xp.broadcast_to(idx, size)


def _geometry(a):
    """a's (shape, strides in elements, storage offset in elements)."""
    return tuple(a.shape), tuple(s // a.itemsize for s in a.strides), _storage_offset(a) // a.itemsize


def _spread(g, idx, n):
    """A flat buffer of n zeros with g added at the positions idx (repeats add up); arrays or Tensors."""
    if isinstance(g, Tensor):
        from ..factories import zeros
        from .scatter import index_add
        pos = Tensor._make(idx.reshape(-1), None, False)
        return index_add(zeros(n, dtype=g.dtype, device=g.device), 0, pos, g.reshape(-1))
    xp = xp_of(g)
    buf = xp.zeros(n, g.dtype)
    scatter_add(xp, buf, idx.reshape(-1), g.reshape(-1))
    return buf


def _gather(buf, idx):
    if isinstance(buf, Tensor):
        return buf[Tensor._make(idx, None, False)]
    return buf[idx]


def _check_geometry(size, stride, offset, storage_n, itemsize):
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} strides for {len(size)} dims")
    if any(s < 0 for s in size):
        raise RuntimeError(f"as_strided: negative size in {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > storage_n:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {itemsize} requiring a storage size of {need * itemsize} are out of bounds "
                           f"for storage of size {storage_n * itemsize}")


class AsStrided(Op):
    """out = the view (size, stride, offset) of x's storage; backward: each output gradient is added at its
    storage position, and each input element reads its position (divided by how many input elements share
    it)."""

    def forward(self, x, size, stride, offset):
        xp = self.xp
        flat, x_off = _storage(x)
        if flat is None:                      # no contiguous storage to view: a copy of x's elements
            flat, x_off = xp.ascontiguousarray(x).reshape(-1), 0
        shape, xstride, _ = _geometry(x)
        self.in_idx = _positions(xp, shape, xstride, x_off)
        self.out_idx = _positions(xp, size, stride, offset)
        n = max(flat.size, 1)
        self.n, self.shape = n, shape
        cnt = xp.zeros(n, xp.int64)
        scatter_add(xp, cnt, self.in_idx.reshape(-1), 1)
        self.count = cnt[self.in_idx]           # (1 unless input elements share a position)
        isz = flat.itemsize
        return xp.lib.stride_tricks.as_strided(flat[offset:] if offset < flat.size else flat[:0], size,
                                               tuple(s * isz for s in stride))

    def backward(self, g):
        gin = _gather(_spread(g, self.out_idx, self.n), self.in_idx)
        cnt = self.count.astype(g.dtype)
        return gin / (Tensor._make(cnt, None, False) if isinstance(gin, Tensor) else cnt)

    def jvp(self, t, *rest):
        xp = self.xp
        buf = xp.zeros(self.n, t.dtype)
        buf[self.in_idx.reshape(-1)] = t.reshape(-1)
        return buf[self.out_idx]

    def scatter_back(self, base, view):
        """The base's new value after an in-place change through this view (see ops._rebase_views)."""
        return AsStridedScatter.apply(base, view, self.in_idx, self.out_idx, self.n)

    def scatter_tangent(self, bt, vt):
        buf = self.xp.zeros(self.n, bt.dtype)
        buf[self.in_idx.reshape(-1)] = bt.reshape(-1)
        buf[self.out_idx.reshape(-1)] = vt.reshape(-1)
        bt[...] = buf[self.in_idx]
        return bt


class AsStridedScatter(Op):
    """out = x with the storage positions ``out_idx`` (x's elements sit at ``in_idx`` of a storage of n) set
    to src; backward: x's gradient is g where not overwritten, src's is g read at its positions."""

    def forward(self, x, src, in_idx, out_idx, n):
        xp = self.xp
        self.in_idx, self.out_idx, self.n = in_idx, out_idx, n
        buf = xp.zeros(n, x.dtype)
        buf[in_idx.reshape(-1)] = x.reshape(-1)
        buf[out_idx.reshape(-1)] = xp.broadcast_to(src, out_idx.shape).reshape(-1)
        keep = xp.ones(n, x.dtype)
        keep[out_idx.reshape(-1)] = 0
        self.keep = keep[in_idx]
        return buf[in_idx]

    def backward(self, g):
        n = self.needs_input_grad
        gx = gs = None
        if n[0]:
            gx = g * (Tensor._make(self.keep, None, False) if isinstance(g, Tensor) else self.keep)
        if n[1]:
            gs = _gather(_spread(g, self.in_idx, self.n), self.out_idx)
        return gx, gs

    def jvp(self, tx, ts, *rest):
        xp = self.xp
        shape = self.in_idx.shape
        dt = (tx if tx is not None else ts).dtype
        buf = xp.zeros(self.n, dt)
        if tx is not None:
            buf[self.in_idx.reshape(-1)] = tx.reshape(-1)
        buf[self.out_idx.reshape(-1)] = 0 if ts is None else ts.reshape(-1)
        return buf[self.in_idx].reshape(shape)


def _args(size, stride, storage_offset, default):
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    return size, stride, default if storage_offset is None else int(storage_offset)


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage with the given sizes and strides (in elements), starting at
    ``storage_offset`` (default: input's own offset), as PyTorch's ``torch.as_strided``: elements may repeat
    (stride 0, overlapping windows); in-place writes through it reach ``input``.

    Args:
        input: the tensor whose storage is viewed.
        size: the view's shape.
        stride: the step in elements between neighbours along each dim (non-negative).
        storage_offset: the position of the view's first element in the storage (None: input's).

    Returns:
        A view; its gradient reaches the input elements at the same storage positions.

    >>> import gpugrad as gg
    >>> gg.arange(6.0).as_strided((2, 2), (1, 2), 1)
    tensor([[1., 3.],
            [2., 4.]])
    """
    a = input._data
    flat, x_off = _storage(a)
    size, stride, offset = _args(size, stride, storage_offset, x_off)
    storage_n = flat.size if flat is not None else math.prod(a.shape)
    _check_geometry(size, stride, offset, storage_n, a.itemsize)
    return _as_view(AsStrided.apply(input, size, stride, offset), input)


def as_strided_copy(input, size, stride, storage_offset=None, *, out=None):
    """:func:`as_strided` copied out (PyTorch's ``torch.as_strided_copy``): a new contiguous tensor.

    Args:
        input: the tensor whose storage is read.
        size: the shape.
        stride: the strides in elements.
        storage_offset: the first element's storage position (None: input's).
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.as_strided_copy(gg.arange(4), (2,), (2,))
    tensor([0, 2])
    """
    from . import clone
    res = clone(as_strided(input, size, stride, storage_offset))
    return res if out is None else out.copy_(res.detach() if res.requires_grad else res)


def as_strided_(input, size, stride, storage_offset=None):
    """In place: this tensor becomes :func:`as_strided` of itself (the same storage, new sizes and strides).

    Args:
        input: the tensor (``self`` as a method).
        size: the new shape.
        stride: the new strides in elements.
        storage_offset: the first element's storage position (None: the tensor's own).

    Returns:
        This tensor.

    >>> import gpugrad as gg
    >>> x = gg.arange(4.0)
    >>> x.as_strided_((2,), (2,))
    tensor([0., 2.])
    """
    from .views import _inplace_shape
    return _inplace_shape(input, lambda t: as_strided(t, size, stride, storage_offset), "as_strided_")


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of ``input`` with its :func:`as_strided` view (size, stride, storage_offset) replaced by
    ``src`` (PyTorch's ``torch.as_strided_scatter``; the geometry reads the copy's storage, whose offset is 0).

    Args:
        input: the tensor copied.
        src: the values written (of shape ``size``).
        size: the view's shape.
        stride: its strides in elements.
        storage_offset: its first element's position (None: 0).

    Returns:
        A new tensor of input's shape; differentiable in input and src.

    >>> import gpugrad as gg
    >>> gg.as_strided_scatter(gg.zeros(4), gg.ones(2), (2,), (2,))
    tensor([1., 0., 1., 0.])
    """
    xp = xp_of(input._data)
    a = input._data
    copy = a.copy(order="K") if a.size else a.copy()     # PyTorch's clone: strides kept where a is dense
    shape, cstride, _ = _geometry(copy)
    size, stride, offset = _args(size, stride, storage_offset, 0)
    n = math.prod(shape)
    _check_geometry(size, stride, offset, n, a.itemsize)
    if tuple(src.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(size)}")
    in_idx = _positions(xp, shape, cstride, 0)
    out_idx = _positions(xp, size, stride, offset)
    return AsStridedScatter.apply(input, src, in_idx, out_idx, max(n, 1))


def new_empty_strided(self, size, stride, dtype=None, device=None, requires_grad=False, layout=None,
                      pin_memory=False):
    """A new uninitialized tensor with the given sizes and strides (:func:`gpugrad.empty_strided`), with this
    tensor's dtype and device unless given.

    Args:
        size: the shape.
        stride: the strides in elements.
        dtype: the dtype (default: ``self.dtype``).
        device: the device (default: ``self.device``).
        requires_grad: whether the new tensor is a leaf that requires grad.
        layout: None or ``gpugrad.strided``.
        pin_memory: accepted for PyTorch's signature (no effect).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.zeros(1, dtype=gg.float64).new_empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    from ..array_factories import empty_strided
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad, layout=layout, pin_memory=pin_memory)


STRIDED_METHODS = dict(as_strided=as_strided, as_strided_=as_strided_, as_strided_scatter=as_strided_scatter,
                       new_empty_strided=new_empty_strided)
