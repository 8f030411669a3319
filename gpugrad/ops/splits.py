"""PyTorch's splits beyond ``split``/``chunk``: ``tensor_split`` (NumPy's array_split), ``hsplit``/``vsplit``/
``dsplit``, ``split_with_sizes``, and ``narrow_copy``. The pieces are views (basic slices of the input)."""
from __future__ import annotations

import builtins

from ..tensor import Tensor
from ._util import dims
from .shape import getitem

_ALL = builtins.slice(None)


def _pieces(x, d, bounds):
    """x cut along d at the (start, end) pairs (views)."""
    return tuple(getitem(x, (_ALL,) * d + (builtins.slice(s, e),)) for s, e in bounds)


def tensor_split(input, sections=None, dim=0, indices=None, tensor_indices_or_sections=None):
    """Split into ``sections`` nearly equal pieces (the first ``n % sections`` one longer), or at the given
    indices, along ``dim`` (NumPy's ``array_split``).

    Args:
        input: a tensor of at least 1 dim.
        sections: an int (the number of pieces), a sequence of indices, or a 0-d / 1-d integer tensor of
            either (PyTorch's overloads name it ``sections``, ``indices`` or ``tensor_indices_or_sections``).
        dim: the dim to split.
        indices: the indices to split at, by keyword.
        tensor_indices_or_sections: a 0-d (sections) or 1-d (indices) integer tensor, by keyword.

    Returns:
        A tuple of views.

    >>> import gpugrad as gg
    >>> gg.tensor_split(gg.arange(5), 3)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    >>> gg.tensor_split(gg.arange(5), [1, 4])
    (tensor([0]), tensor([1, 2, 3]), tensor([4]))
    """
    x = input
    if x.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = dims("tensor_split", x.ndim, dim)[0]
    n = x.shape[d]
    ios = _overload("tensor_split", sections, indices, tensor_indices_or_sections)
    if isinstance(ios, Tensor):
        if ios.dtype.kind not in "iu" or ios.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor of integers, but got a tensor with {ios.ndim} dims and "
                               f"dtype {ios.dtype}")
        ios = ios.tolist()                  # sizes decide the output's structure: a host read, as in PyTorch
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(n, ios)
        sizes = [q + 1] * r + [q] * (ios - r)
        starts = [builtins.sum(sizes[:i]) for i in range(ios)]
        return _pieces(x, d, [(s, s + k) for s, k in zip(starts, sizes)])
    idx = [int(i) for i in ios]
    edges = [0] + idx + [n]
    return _pieces(x, d, [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)])


def _overload(op, *args):
    """The one argument given among an overloaded function's alternative names (sections / indices...)."""
    given = [a for a in args if a is not None]
    if len(given) != 1:
        raise TypeError(f"{op}() takes exactly one of sections, indices (or tensor_indices_or_sections), got "
                        f"{len(given)}")
    return given[0]


def _directional_split(op, need, d, x, sections, indices):
    ios = _overload(op, sections, indices)
    if x.ndim < need:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {need} dimension, but got a tensor with "
                           f"{x.ndim} dimensions!")
    if isinstance(ios, int) and ios and x.shape[d] % ios:
        raise RuntimeError(f"torch.{op} attempted to split along dimension {d}, but the size of the dimension "
                           f"{x.shape[d]} is not divisible by the split_size {ios}!")
    if isinstance(ios, int) and ios == 0:
        raise RuntimeError("number of sections must be larger than 0, got 0")
    return tensor_split(x, ios, d)


_DIRECTIONAL_DOC = """``tensor_split`` along {where}; an int must divide the dim evenly.

    Args:
        input: a tensor of at least {need} dim{s}.
        sections: the number of equal pieces, or the indices to split at.
        indices: the indices to split at, by PyTorch's keyword.

    Returns:
        A tuple of views.

    >>> import gpugrad as gg
    >>> [t.shape for t in gg.{op}(gg.zeros{shape}, 2)]
    {result}
    """


def _directional(op, need, dim, where, shape, result):
    """The function ``op`` (hsplit, vsplit, dsplit): tensor_split along ``dim`` (a function of ndim)."""
    def split(input, sections=None, indices=None):
        return _directional_split(op, need, dim(input.ndim), input, sections, indices)
    split.__name__ = split.__qualname__ = op
    split.__doc__ = _DIRECTIONAL_DOC.format(where=where, need=need, s="" if need == 1 else "s", op=op,
                                            shape=shape, result=result)
    return split


hsplit = _directional("hsplit", 1, lambda nd: 1 if nd > 1 else 0, "dim 1 (dim 0 of a 1-D tensor)", "(2, 4)",
                      "[gpugrad.Size([2, 2]), gpugrad.Size([2, 2])]")
vsplit = _directional("vsplit", 2, lambda nd: 0, "dim 0", "(4, 2)", "[gpugrad.Size([2, 2]), gpugrad.Size([2, 2])]")
dsplit = _directional("dsplit", 3, lambda nd: 2, "dim 2", "(1, 2, 4)", "[gpugrad.Size([1, 2, 2]), gpugrad.Size([1, 2, 2])]")


def split_with_sizes(input, split_sizes, dim=0):
    """Split into pieces of the listed sizes along ``dim`` (they must add up to the dim's size).

    Args:
        input: the tensor.
        split_sizes: the pieces' sizes.
        dim: the dim to split.

    Returns:
        A tuple of views.

    >>> import gpugrad as gg
    >>> gg.split_with_sizes(gg.arange(5), [2, 3])
    (tensor([0, 1]), tensor([2, 3, 4]))
    """
    x = input
    d = dims("split_with_sizes", x.ndim, dim)[0]
    sizes = [int(s) for s in split_sizes]
    n = x.shape[d] if x.ndim else 1
    if builtins.sum(sizes) != n or builtins.any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={sizes}")
    starts = [builtins.sum(sizes[:i]) for i in range(len(sizes))]
    return _pieces(x, d, [(s, s + k) for s, k in zip(starts, sizes)])


def narrow_copy(input, dim, start, length):
    """A copy of ``narrow(input, dim, start, length)`` (not a view).

    Args:
        input: the tensor.
        dim: the dim to narrow.
        start: the first index (negative counts from the end).
        length: how many elements.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.narrow_copy(gg.arange(5), 0, 1, 2)
    tensor([1, 2])
    """
    from .torch_more import narrow
    from .arithmetic import clone
    return clone(narrow(input, dim, start, length))
