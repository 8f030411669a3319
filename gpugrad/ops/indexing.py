"""PyTorch's indexing functions beyond ``x[key]``: take/put on the flattened tensor, index_put with a tuple of
index tensors, masked_fill/masked_select, nonzero/argwhere, unravel_index; and the Tensor methods of this
family and of :mod:`.shape_build` / :mod:`.views` / :mod:`.splits` (``VIEW_METHODS`` merged in, attached by
ops.methods)."""
from __future__ import annotations

from ..tensor import Tensor
from ._util import shape_str
from .shape import reshape, getitem, expand, index_put as _key_put, _check_index_range
from .stacking import broadcast_shapes
from .shape_build import flip, tril, triu, roll, rot90, fliplr, flipud, tile, \
    repeat_interleave, diag, diag_embed, diagflat
from .views import VIEW_METHODS


def _long_index(op, index):
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got "
                           f"{getattr(index, 'dtype', type(index).__name__)}")
    return index


def take(input, index):
    """The elements of the flattened ``input`` at ``index`` (negative counts from the end).

    Args:
        input: the tensor.
        index: an integer tensor; the result has its shape.

    Returns:
        A new tensor, differentiable in input.

    >>> import gpugrad as gg
    >>> gg.take(gg.tensor([[1, 2], [3, 4]]), gg.tensor([0, -1]))
    tensor([1, 4])
    """
    idx = _long_index("take", index)._data
    flat = reshape(input, (-1,))
    _check_index_range("take", idx, 0, flat.shape[0], negative=True)
    return getitem(flat, Tensor._make(idx, None, False)) if idx.ndim else \
        reshape(getitem(flat, Tensor._make(idx.reshape(1), None, False)), ())


def put(input, index, source, accumulate=False):
    """A copy of ``input`` with the elements of its flattened form at ``index`` set to (or, with
    ``accumulate``, increased by) ``source``.

    Args:
        input: the tensor.
        index: an integer tensor (negative counts from the end).
        source: a tensor with as many elements as index.
        accumulate: add instead of replacing (repeated indices add up).

    Returns:
        A new tensor, differentiable in input and source.

    >>> import gpugrad as gg
    >>> gg.put(gg.zeros(2, 2), gg.tensor([0, 3]), gg.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    idx = _long_index("put", index)._data
    if source.numel() != idx.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {idx.size}")
    flat = reshape(input, (-1,))
    _check_index_range("put", idx, 0, flat.shape[0], negative=True)
    out = _key_put(flat, (Tensor._make(idx.reshape(-1), None, False),), reshape(source, (-1,)),
                     accumulate=accumulate)
    return reshape(out, input.shape)


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``input[indices] = values`` (or ``+=`` with ``accumulate``, repeated indices
    adding up); ``indices`` is a tuple of integer or bool tensors, one per leading dim.

    Args:
        input: the tensor.
        indices: a tuple (or list) of index tensors (bool masks allowed).
        values: a tensor broadcastable to the indexed shape.
        accumulate: add instead of replacing.

    Returns:
        A new tensor, differentiable in input and values.

    >>> import gpugrad as gg
    >>> gg.index_put(gg.zeros(3), (gg.tensor([0, 0]),), gg.tensor(1.0), accumulate=True)
    tensor([2., 0., 0.])
    """
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' must be Tensor, not {type(values).__name__}")
    if len(indices) > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim} (got {len(indices)})")
    for k in indices:
        if isinstance(k, Tensor) and k.dtype.kind not in "iub":
            raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors, got {k.dtype}")
    if values.dtype != input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {input.dtype} for "
                           f"the destination and {values.dtype} for the source.")
    key = tuple(indices)
    try:
        return _key_put(input, key, values, accumulate=accumulate)
    except ValueError as e:
        raise RuntimeError(f"shape mismatch: value tensor of shape {shape_str(values.shape)} cannot be broadcast "
                           f"to indexing result of shape {shape_str(getitem(input, key).shape)} ({e})") from None


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where the bool ``mask`` is true (shapes broadcast).

    Args:
        input: the tensor.
        mask: a bool tensor broadcastable with input.
        value: a number or a 0-d tensor (converted to input's dtype).

    Returns:
        A new tensor of input's dtype; the gradient flows to input where mask is false (and to a tensor value
        where it is true).

    >>> import gpugrad as gg
    >>> gg.masked_fill(gg.tensor([1, 2, 3]), gg.tensor([True, False, True]), 0)
    tensor([0, 2, 0])
    """
    from .arithmetic import where
    if not isinstance(mask, Tensor) or mask.dtype.kind != "b":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{getattr(mask, 'dtype', type(mask).__name__)}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        v = value if value.dtype == input.dtype else value.to(input.dtype)
        if v.device != input.device:         # a 0-d CPU value serves a tensor on any device, as in PyTorch
            v = v.to(input.device)
    else:
        v = Tensor._make(input.xp.asarray(value).astype(input.dtype), None, False)
    return where(mask, v, input)


def masked_select(input, mask, *, out=None):
    """The elements of ``input`` where the bool ``mask`` is true (both broadcast first), in C order.

    Args:
        input: the tensor.
        mask: a bool tensor broadcastable with input.
        out: an optional tensor the result is written into (returned).

    Returns:
        A 1-D tensor, differentiable in input.

    >>> import gpugrad as gg
    >>> gg.masked_select(gg.tensor([[1, 2], [3, 4]]), gg.tensor([True, False]))
    tensor([1, 3])
    """
    from ._util import write_out
    if not isinstance(mask, Tensor) or mask.dtype.kind != "b":
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got "
                           f"{getattr(mask, 'dtype', type(mask).__name__)}")
    shape = broadcast_shapes(input.shape, mask.shape)
    x = expand(input, shape) if tuple(input.shape) != shape else input
    m = mask._data if tuple(mask.shape) == shape else input.xp.broadcast_to(mask._data, shape)
    if not shape:
        x, m = reshape(x, (1,)), m.reshape(1)
    return write_out(getitem(x, Tensor._make(m, None, False)), out, "masked_select")


def nonzero(input, *, out=None, as_tuple=False):
    """The indices of the nonzero elements: an (n, ndim) int64 tensor, or with ``as_tuple`` one 1-D tensor per
    dim (a 0-d input counts as 1-D there).

    Args:
        input: the tensor.
        out: an optional tensor the result is written into (returned; not with as_tuple).
        as_tuple: return a tuple of index tensors (usable as ``x[idx]``).

    Returns:
        An int64 tensor, or a tuple of them.

    >>> import gpugrad as gg
    >>> gg.nonzero(gg.tensor([[0, 1], [2, 0]]))
    tensor([[0, 1],
            [1, 0]])
    """
    from ._util import write_out
    a = input._data
    xp = input.xp
    if as_tuple:
        parts = xp.nonzero(a.reshape(1) if a.ndim == 0 else a)
        return tuple(Tensor._make(p.astype("int64"), None, False) for p in parts)
    if a.ndim == 0:
        res = xp.zeros((int(a != 0), 0), "int64")
    else:
        res = xp.stack(xp.nonzero(a), axis=1).astype("int64")
    return write_out(Tensor._make(res, None, False), out, "nonzero")


def argwhere(input):
    """The indices of the nonzero elements as rows: ``nonzero(input)``.

    Args:
        input: the tensor.

    Returns:
        An (n, ndim) int64 tensor.

    >>> import gpugrad as gg
    >>> gg.argwhere(gg.tensor([0.0, 3.0, 1.0]))
    tensor([[1],
            [2]])
    """
    return nonzero(input)


def unravel_index(indices, shape):
    """The coordinates in a tensor of ``shape`` of the flat (C-order) ``indices``.

    Args:
        indices: an integer tensor (or int) of flat indices (negative counts from the end).
        shape: the shape (an int or a sequence of ints).

    Returns:
        A tuple of int64 tensors of indices' shape, one per dim.

    >>> import gpugrad as gg
    >>> gg.unravel_index(gg.tensor([4, 1]), (2, 3))
    (tensor([1, 0]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        from ..tensor import tensor
        indices = tensor(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    for s in shape:
        if s < 0:
            raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    n = 1
    for s in shape:
        n *= s
    idx = indices._data.astype("int64")
    idx = idx % n if n else idx          # as PyTorch: out-of-range and negative indices wrap around
    out = []
    for s in reversed(shape):
        out.append(idx % s)
        idx = idx // s
    return tuple(Tensor._make(c, None, False) for c in reversed(out))


# -- the Tensor methods of this family --------------------------------------------------------------------------
def _flip(self, *dims_, dims=None):
    """The elements in reverse order along the given dims (a copy); see :func:`gpugrad.flip`.

    Args:
        *dims_: the dims, as ints or one tuple.
        dims: the dims, by PyTorch's keyword.

    Returns:
        A new tensor of the same shape.

    >>> import gpugrad as gg
    >>> gg.tensor([[1, 2], [3, 4]]).flip(dims=(1,))
    tensor([[2, 1],
            [4, 3]])
    """
    from .shape import _shape_args
    return flip(self, _shape_args(dims_) if dims is None else dims)


def _repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
    """:func:`gpugrad.repeat_interleave` of this tensor.

    Args:
        repeats: an int or an integer tensor of counts.
        dim: the dim (None: flattened).
        output_size: the result's size along dim, when known.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.tensor([1, 2]).repeat_interleave(2)
    tensor([1, 1, 2, 2])
    """
    return repeat_interleave(self, repeats, dim, output_size=output_size)


def _index_put_method(self, indices, values, accumulate=False):
    """:func:`gpugrad.index_put` of this tensor (out of place).

    Args:
        indices: a tuple of index tensors.
        values: the values.
        accumulate: add instead of replacing.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.zeros(2).index_put((gg.tensor([1]),), gg.tensor(5.0))
    tensor([0., 5.])
    """
    return index_put(self, indices, values, accumulate)


def _inplace_of(fn, example, result):
    def method(self, *args, **kwargs):
        from . import _inplace
        return _inplace(self, fn, *args, **kwargs) if not kwargs else \
            _inplace(self, lambda t, *a: fn(t, *a, **kwargs), *args)
    method.__name__ = method.__qualname__ = f"{fn.__name__}_"
    method.__doc__ = f'''In place: :func:`gpugrad.{fn.__name__}` written into this tensor; returns it.

    Args:
        *args: as :func:`gpugrad.{fn.__name__}` takes them after the tensor.

    Returns:
        This tensor, changed in place (its version goes up).

    >>> import gpugrad as gg
    >>> {example}
    {result}
    '''
    return method


index_put_ = _inplace_of(index_put, "gg.zeros(3).index_put_((gg.tensor([2]),), gg.tensor(1.0))",
                         "tensor([0., 0., 1.])")

INDEXING_METHODS = dict(
    flip=_flip, fliplr=fliplr, flipud=flipud, roll=roll, rot90=rot90, tril=tril, triu=triu, diag=diag,
    diag_embed=diag_embed, diagflat=diagflat, tile=tile, repeat_interleave=_repeat_interleave, take=take,
    put=put, index_put=_index_put_method, masked_fill=masked_fill, masked_select=masked_select, nonzero=nonzero,
    argwhere=argwhere,
    tril_=_inplace_of(tril, "gg.ones(2, 2).tril_()", "tensor([[1., 0.],\n            [1., 1.]])"),
    triu_=_inplace_of(triu, "gg.ones(2, 2).triu_(1)", "tensor([[0., 1.],\n            [0., 0.]])"),
    put_=_inplace_of(put, "gg.zeros(3).put_(gg.tensor([1]), gg.tensor([2.0]))", "tensor([0., 2., 0.])"),
    index_put_=index_put_,
    masked_fill_=_inplace_of(masked_fill, "gg.ones(2).masked_fill_(gg.tensor([True, False]), 0.0)",
                             "tensor([0., 1.])"),
    **VIEW_METHODS,
)
