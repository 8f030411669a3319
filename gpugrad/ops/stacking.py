"""PyTorch's joining and grid ops built from recorded ones: ``atleast_*d``, ``hstack``/``vstack``/``dstack``/
``column_stack``, ``meshgrid``, ``cartesian_prod``, ``combinations``, ``block_diag`` and broadcasting."""
from __future__ import annotations

import builtins
import itertools
import warnings

from ..tensor import Tensor
from ._util import promote_types
from .shape import reshape, getitem, cat, stack, expand, pad


# -- stacking --------------------------------------------------------------------------------------------------
def _seq(tensors, op):
    ts = list(tensors)
    if not ts:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return ts


def _atleast(fn, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(fn(t) for t in tensors[0])
    return fn(tensors[0]) if len(tensors) == 1 else tuple(fn(t) for t in tensors)


def _one_d(x):
    return reshape(x, (1,)) if x.ndim == 0 else x


def _two_d(x):
    return reshape(x, (1,) * (2 - x.ndim) + tuple(x.shape)) if x.ndim < 2 else x


def _three_d(x):
    if x.ndim == 0:
        return reshape(x, (1, 1, 1))
    if x.ndim == 1:
        return reshape(x, (1, x.shape[0], 1))
    return reshape(x, tuple(x.shape) + (1,)) if x.ndim == 2 else x


_ATLEAST_DOC = """Each tensor with at least {n} dim{s} ({rule}).

    Args:
        *tensors: tensors, or one sequence of them.

    Returns:
        One tensor for one argument, else a tuple.

    >>> import gpugrad as gg
    >>> gg.atleast_{n}d(gg.tensor({x})).shape
    {shape}
    """


def _atleast_fn(n, fn, rule, x, shape):
    """The function ``atleast_<n>d``: ``fn`` applied to each tensor, with its docstring."""
    def atleast(*tensors):
        return _atleast(fn, tensors)
    atleast.__name__ = atleast.__qualname__ = f"atleast_{n}d"
    atleast.__doc__ = _ATLEAST_DOC.format(n=n, s="" if n == 1 else "s", rule=rule, x=x, shape=shape)
    return atleast


atleast_1d = _atleast_fn(1, _one_d, "a 0-d one becomes shape (1,)", "1.0", "gpugrad.Size([1])")
atleast_2d = _atleast_fn(2, _two_d, "leading size-1 dims added", "[1, 2]", "gpugrad.Size([1, 2])")
atleast_3d = _atleast_fn(3, _three_d, "NumPy's rule: (n,) -> (1, n, 1), (m, n) -> (m, n, 1)", "[1, 2]",
                        "gpugrad.Size([1, 2, 1])")


_STACK_DOC = """Join {what}.

    Args:
        tensors: a sequence of tensors.
        out: an optional tensor the result is written into (returned).

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.{op}([gg.tensor([1, 2]), gg.tensor([3, 4])]){attr}
    {result}
    """


def _column(t):
    return reshape(t, (t.numel(), 1)) if t.ndim < 2 else t


def _stacker(op, prepare, dim, what, attr, result):
    """The function ``op`` (hstack...): each tensor made ``prepare(t)``, then cat along ``dim(first)``."""
    def join(tensors, *, out=None):
        ts = [prepare(t) for t in _seq(tensors, op)]
        return cat(ts, dim(ts[0]), out=out)
    join.__name__ = join.__qualname__ = op
    join.__doc__ = _STACK_DOC.format(what=what, op=op, attr=attr, result=result)
    return join


hstack = _stacker("hstack", _one_d, lambda t: 0 if t.ndim == 1 else 1, "along dim 1 (dim 0 for 1-D tensors)", "",
                  "tensor([1, 2, 3, 4])")
vstack = _stacker("vstack", _two_d, lambda t: 0, "along dim 0, after making each tensor at least 2-D "
                  "(``row_stack`` is an alias)", ".shape", "gpugrad.Size([2, 2])")
row_stack = vstack
dstack = _stacker("dstack", _three_d, lambda t: 2, "along dim 2, after making each tensor at least 3-D", ".shape",
                  "gpugrad.Size([1, 2, 2])")
column_stack = _stacker("column_stack", _column, lambda t: 1, "as columns: 0-d and 1-D tensors become columns "
                        "(n, 1), then all join along dim 1", ".tolist()", "[[1, 3], [2, 4]]")


# -- grids and broadcasting -------------------------------------------------------------------------------------
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: with ``indexing='ij'`` output i varies along dim i; ``'xy'`` swaps
    the first two dims (NumPy's default). Without ``indexing`` it is 'ij', with PyTorch's warning.

    Args:
        *tensors: 0-d or 1-D tensors of one dtype and device (or one sequence of them).
        indexing: ``'ij'`` or ``'xy'``.

    Returns:
        A tuple of tensors of the grid's shape (broadcast views of the inputs).

    >>> import gpugrad as gg
    >>> a, b = gg.meshgrid(gg.tensor([1, 2]), gg.tensor([3, 4, 5]), indexing="ij")
    >>> a.shape, b[0]
    (gpugrad.Size([2, 3]), tensor([3, 4, 5]))
    """
    ts = list(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else list(tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not ts:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D")
        if t.dtype != ts[0].dtype:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype")
    pos = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        pos[0], pos[1] = 1, 0
    sizes = [t.numel() for t in ts]
    shape = [0] * len(ts)
    for i, p in enumerate(pos):
        shape[p] = sizes[i]
    out = []
    for t, p in zip(ts, pos):
        s = [1] * len(ts)
        s[p] = sizes[pos.index(p)]
        out.append(expand(reshape(t, tuple(s)), tuple(shape)))
    return tuple(out)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, as rows (``itertools.product``).

    Args:
        *tensors: 1-D tensors.

    Returns:
        A 2-D tensor with one column per input (a single input comes back as is).

    >>> import gpugrad as gg
    >>> gg.cartesian_prod(gg.tensor([1, 2]), gg.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of a 1-D tensor's elements, as rows (``itertools.combinations``).

    Args:
        input: a 1-D tensor.
        r: the number of elements per combination.
        with_replacement: allow an element more than once (``combinations_with_replacement``).

    Returns:
        A 2-D tensor of shape (number of combinations, r) (shape (0,) for r = 0).

    >>> import gpugrad as gg
    >>> gg.combinations(gg.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    x = input
    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return getitem(x, builtins.slice(0, 0))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = list(pick(range(x.shape[0]), r))          # positions only: the data stays on its device
    arr = x.xp.asarray(idx, dtype="int64").reshape(-1, r) if idx else x.xp.zeros((0, r), "int64")
    return getitem(x, Tensor._make(arr, None, False))


def block_diag(*tensors):
    """A block-diagonal matrix of the inputs (0-d -> 1x1, 1-D -> one row), zeros elsewhere.

    Args:
        *tensors: tensors of at most 2 dims (their dtypes are promoted).

    Returns:
        A new 2-D tensor.

    >>> import gpugrad as gg
    >>> gg.block_diag(gg.tensor([[1, 2]]), gg.tensor(3))
    tensor([[1, 2, 0],
            [0, 0, 3]])
    """
    from ..factories import zeros
    mats = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        mats.append(_two_d(t))
    if not mats:
        return zeros((1, 0))
    dt = mats[0].dtype
    for m in mats[1:]:
        dt = promote_types(dt, m.dtype)
    mats = [m if m.dtype == dt else m.to(dt) for m in mats]
    width = builtins.sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        rows.append(pad(m, (left, width - left - m.shape[1])))
        left += m.shape[1]
    return cat(rows, 0)



def broadcast_shapes(*shapes):
    """The shape that tensors of the given shapes broadcast to.

    Args:
        *shapes: shapes (tuples) or ints (1-D sizes).

    Returns:
        A tuple.

    >>> import gpugrad as gg
    >>> gg.broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    ss = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    nd = builtins.max((len(s) for s in ss), default=0)
    out = [1] * nd
    for s in ss:
        for i, n in enumerate(s):
            j = nd - len(s) + i
            if n < 0:
                raise ValueError(f"Attempting to broadcast a dimension with negative length! (shape {list(s)})")
            if n != 1 and out[j] != 1 and n != out[j]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is at "
                                   f"dim {j - nd}")
            if n != 1:
                out[j] = n
    return tuple(out)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views).

    Args:
        *tensors: tensors whose shapes broadcast together.

    Returns:
        A tuple of tensors of one shape.

    >>> import gpugrad as gg
    >>> [t.shape for t in gg.broadcast_tensors(gg.zeros(2, 1), gg.zeros(3))]
    [gpugrad.Size([2, 3]), gpugrad.Size([2, 3])]
    """
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)
