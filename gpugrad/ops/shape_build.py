"""PyTorch's shape ops that build a new tensor from recorded ops (their gradients come from those ops): flips
and rotations, triangles, diagonal matrices, tiling and repeating (joining and grids: :mod:`.stacking`)."""
from __future__ import annotations

import builtins

from ..tensor import Tensor
from ._util import dims, write_out
from .shape import reshape, getitem, cat, index_select, flatten, transpose
from .views import diagonal, DiagonalScatter

_ALL = builtins.slice(None)


def _const(x, arr):
    return Tensor._make(arr, None, False)


def _dims_arg(d):
    return (d,) if isinstance(d, int) else tuple(d)


def flip(input, dims):
    """The elements in reverse order along ``dims`` (a copy, as in PyTorch).

    Args:
        input: the tensor.
        dims: a dim or a sequence of dims.

    Returns:
        A new tensor of the same shape.

    >>> import gpugrad as gg
    >>> gg.flip(gg.tensor([[1, 2], [3, 4]]), [0])
    tensor([[3, 4],
            [1, 2]])
    """
    from .arithmetic import clone
    x = input
    ds = _norm_dims("flip", x.ndim, _dims_arg(dims))
    if len(set(ds)) != len(ds):
        raise RuntimeError(f"flip: dim {ds} appears multiple times in the list of dims")
    key = tuple(builtins.slice(None, None, -1) if i in ds else _ALL for i in range(x.ndim))
    return clone(getitem(x, key)) if x.ndim else clone(x)


def fliplr(input):
    """Columns in reverse order: ``flip(input, [1])`` (at least 2 dims).

    Args:
        input: a tensor of at least 2 dims.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.fliplr(gg.tensor([[1, 2], [3, 4]]))
    tensor([[2, 1],
            [4, 3]])
    """
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input):
    """Rows in reverse order: ``flip(input, [0])`` (at least 1 dim).

    Args:
        input: a tensor of at least 1 dim.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.flipud(gg.tensor([1, 2, 3]))
    tensor([3, 2, 1])
    """
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


def roll(input, shifts, dims=None):
    """Elements shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor when dims is None).

    Args:
        input: the tensor.
        shifts: an int or a sequence of ints (one per dim).
        dims: a dim or a sequence of dims (None: roll the flattened tensor and restore the shape).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.roll(gg.arange(5), 2)
    tensor([3, 4, 0, 1, 2])
    """
    from .arithmetic import clone
    x = input
    sh = _dims_arg(shifts)
    if dims is None:
        if len(sh) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:0")
        return reshape(roll(flatten(x), sh[0], 0), x.shape)
    ds = _dims_arg(dims)
    if x.ndim == 0:
        raise IndexError(f"Dimension specified as {ds[0]} but tensor has no dimensions")
    if len(sh) != len(ds):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(ds)}")
    ds = _norm_dims("roll", x.ndim, ds)
    out = x
    for s, d in zip(sh, ds):
        n = out.shape[d] if out.ndim else 1
        if n == 0 or s % n == 0:
            continue
        k = n - s % n
        head = (_ALL,) * d
        out = cat([getitem(out, head + (builtins.slice(k, None),)), getitem(out, head + (builtins.slice(0, k),))], d)
    return clone(out) if out is x else out


def _norm_dims(op, ndim, ds):
    """dims() under another name, for the functions whose ``dims`` argument hides it."""
    return dims(op, ndim, ds)


def rot90(input, k=1, dims=(0, 1)):
    """Rotation by ``k`` quarter turns in the plane of ``dims``, from the first dim towards the second.

    Args:
        input: a tensor of at least 2 dims.
        k: the number of quarter turns (negative turns the other way).
        dims: the two dims of the plane.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.rot90(gg.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    from .arithmetic import clone
    x = input
    ds = list(dims)
    if len(ds) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(ds)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = _norm_dims("rot90", x.ndim, ds)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(x, [d1]), d0, d1)
    if k == 2:
        return flip(x, [d0, d1])
    if k == 3:
        return transpose(flip(x, [d0]), d0, d1)
    return clone(x)


def _triangle(op, x, diagonal, lower):
    from .arithmetic import where
    if x.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    n, m = x.shape[-2:]
    xp = x.xp
    mask = xp.tri(n, m, diagonal, dtype=bool) if lower else ~xp.tri(n, m, diagonal - 1, dtype=bool)
    zero = Tensor._make(xp.zeros((), x.dtype), None, False)
    return where(_const(x, mask), x, zero)


def tril(input, diagonal=0, *, out=None):
    """The lower triangle of the matrices in the last two dims (elements above ``diagonal`` set to 0).

    Args:
        input: a tensor of at least 2 dims.
        diagonal: the last diagonal kept (0 the main one, > 0 above it, < 0 below).
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor of input's shape and dtype.

    >>> import gpugrad as gg
    >>> gg.tril(gg.ones(2, 2))
    tensor([[1., 0.],
            [1., 1.]])
    """
    return write_out(_triangle("tril", input, diagonal, True), out, "tril")


def triu(input, diagonal=0, *, out=None):
    """The upper triangle of the matrices in the last two dims (elements below ``diagonal`` set to 0).

    Args:
        input: a tensor of at least 2 dims.
        diagonal: the first diagonal kept (0 the main one, > 0 above it, < 0 below).
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor of input's shape and dtype.

    >>> import gpugrad as gg
    >>> gg.triu(gg.ones(2, 2))
    tensor([[1., 1.],
            [0., 1.]])
    """
    return write_out(_triangle("triu", input, diagonal, False), out, "triu")


def _tri_indices(op, row, col, offset, dtype, device, lower):
    from ..factories import _xp_dev
    from .. import _dtype
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row must be non-negative, got {row}" if row < 0 else
                           f"{op}: col must be non-negative, got {col}")
    from ..backend import device_context
    xp, dev = _xp_dev(device)
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.as_dtype("int64")
    with device_context(dev):
        mask = xp.tri(row, col, offset, dtype=bool) if lower else ~xp.tri(row, col, offset - 1, dtype=bool)
        ij = xp.stack(xp.nonzero(mask)) if row and col else xp.zeros((2, 0), "int64")
        return Tensor._make(ij.astype(dt), None, False)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    """The (row, column) indices of the lower triangle of a ``row x col`` matrix, row by row.

    Args:
        row: the number of rows.
        col: the number of columns.
        offset: the last diagonal included (0 the main one).
        dtype: the indices' dtype (default int64).
        device: where the result goes.
        layout: accepted for PyTorch compatibility (strided).
        pin_memory: accepted for PyTorch compatibility.

    Returns:
        A 2 x N integer tensor.

    >>> import gpugrad as gg
    >>> gg.tril_indices(2, 2)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return _tri_indices("tril_indices", row, col, offset, dtype, device, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
    """The (row, column) indices of the upper triangle of a ``row x col`` matrix, row by row.

    Args:
        row: the number of rows.
        col: the number of columns.
        offset: the first diagonal included (0 the main one).
        dtype: the indices' dtype (default int64).
        device: where the result goes.
        layout: accepted for PyTorch compatibility (strided).
        pin_memory: accepted for PyTorch compatibility.

    Returns:
        A 2 x N integer tensor.

    >>> import gpugrad as gg
    >>> gg.triu_indices(2, 2)
    tensor([[0, 0, 1],
            [0, 1, 1]])
    """
    return _tri_indices("triu_indices", row, col, offset, dtype, device, False)


def diag_embed(input, offset=0, dim1=-2, dim2=-1, *, out=None):
    """Matrices (in dims ``dim1``, ``dim2`` of the result) whose ``offset`` diagonal holds the last dim of
    ``input``, zeros elsewhere.

    Args:
        input: a tensor of at least 1 dim.
        offset: which diagonal (0 main, > 0 above, < 0 below).
        dim1: the result's rows' dim.
        dim2: the result's columns' dim.
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor with one dim more.

    >>> import gpugrad as gg
    >>> gg.diag_embed(gg.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    from ..factories import zeros
    x = input
    nd = x.ndim + 1
    d1, d2 = dims("diag_embed", nd, (dim1, dim2))
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = x.shape[-1] + builtins.abs(offset)
    shape = list(x.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    z = zeros(tuple(shape), dtype=x.dtype, device=x.device)
    return write_out(DiagonalScatter.apply(z, x, offset, d1, d2), out, "diag_embed")


def diag(input, diagonal=0, *, out=None):
    """A 1-D tensor made the ``diagonal`` of a square matrix, or the ``diagonal`` of a matrix copied out.

    Args:
        input: a 1-D or 2-D tensor.
        diagonal: which diagonal (0 main, > 0 above, < 0 below).
        out: an optional tensor the result is written into (returned).

    Returns:
        A new 2-D tensor (from a vector) or 1-D tensor (from a matrix).

    >>> import gpugrad as gg
    >>> gg.diag(gg.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    from .arithmetic import clone
    x = input
    if x.ndim == 1:
        res = diag_embed(x, diagonal)
    elif x.ndim == 2:
        res = clone(_diagonal(x, diagonal))
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    return write_out(res, out, "diag")


_diagonal = diagonal


def diagflat(input, offset=0):
    """A square matrix with the flattened input on its ``offset`` diagonal.

    Args:
        input: the tensor (flattened).
        offset: which diagonal (0 main, > 0 above, < 0 below).

    Returns:
        A new 2-D tensor.

    >>> import gpugrad as gg
    >>> gg.diagflat(gg.tensor([[1, 2]]))
    tensor([[1, 0],
            [0, 2]])
    """
    return diag_embed(reshape(input, (-1,)), offset)


def tile(input, dims):
    """The tensor repeated ``dims[i]`` times along each dim (missing leading reps count as 1; NumPy's tile).

    Args:
        input: the tensor.
        dims: the number of copies per dim.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.tile(gg.tensor([1, 2]), (2,))
    tensor([1, 2, 1, 2])
    """
    from .torch_more import repeat
    reps = _dims_arg(dims)
    reps = (1,) * (input.ndim - len(reps)) + reps
    return repeat(input, reps)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (slice along ``dim``) repeated ``repeats`` times in place; ``repeat_interleave(r)`` of an
    integer tensor alone repeats ``arange(len(r))``.

    Args:
        input: the tensor (or the repeats, when ``repeats`` is None).
        repeats: an int, or an integer tensor with one count per slice (or one count for all).
        dim: the dim to repeat along (None: the flattened tensor).
        output_size: the result's size along dim, when known (saves reading the counts' sum).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.repeat_interleave(gg.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    >>> gg.repeat_interleave(gg.tensor([[1, 2], [3, 4]]), gg.tensor([1, 2]), dim=0)
    tensor([[1, 2],
            [3, 4],
            [3, 4]])
    """
    x = input
    xp = x.xp
    if repeats is None:                       # repeat_interleave(counts): arange(len(counts)) repeated
        if x.ndim > 1 or x.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return repeat_interleave(Tensor._make(xp.arange(x.shape[0] if x.ndim else 1), None, False),
                                 reshape(x, (-1,)), 0, output_size=output_size)
    if dim is None:
        x, d = reshape(x, (-1,)), 0
    else:
        d = dims("repeat_interleave", x.ndim, dim)[0]
        if x.ndim == 0:
            x = reshape(x, (1,))
    n = x.shape[d]
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: repeats must be an integer tensor, got {repeats.dtype}")
        if r.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if r.size == 1:
            r = xp.broadcast_to(r.reshape(1), (n,))
        elif r.shape[0] != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{r.shape[0]} and input.size({d}) = {n}")
        if r.__class__.__module__.startswith("numpy") and r.size and int(r.min()) < 0:
            raise RuntimeError("repeats can not be negative")
    else:
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        r = xp.full((n,), int(repeats), "int64")
    ends = xp.cumsum(r)
    total = output_size if output_size is not None else (int(ends[-1]) if n else 0)
    idx = xp.searchsorted(ends, xp.arange(total), side="right")
    return index_select(x, d, Tensor._make(idx.astype("int64"), None, False))
