"""PyTorch's ``*_copy`` functions (``torch.permute_copy``, ``torch.view_copy``...): each is its view op with
the result copied out, a new contiguous tensor that shares no memory with the input, differentiable with the
view op's gradient (the copy passes the gradient through unchanged). Their signatures are ATen's:
``permute_copy(input, dims)`` takes the dims as one sequence, ``split_copy`` an int size only.

>>> import gpugrad as gg
>>> x = gg.arange(6.0).reshape(2, 3)
>>> y = gg.transpose_copy(x, 0, 1)
>>> y.is_contiguous(), y.data_ptr() != x.data_ptr()
(True, True)
"""
from __future__ import annotations

from .._formats import contiguous_format
from ._util import write_out
from . import (clone, diagonal, expand, permute, select, split, split_with_sizes, squeeze, t, transpose, unbind,
               unsqueeze)
from .shape import view, view_dtype
from .views import unfold


def _fresh(res, out, op):
    """``res`` (a tensor or a tuple of them) copied into new contiguous memory, or written into ``out``."""
    if isinstance(res, (tuple, list)):
        res = tuple(clone(r, memory_format=contiguous_format) for r in res)
        if out is None:
            return res
        if not isinstance(out, (tuple, list)) or len(out) != len(res):
            raise TypeError(f"{op}: out= must be a sequence of {len(res)} tensors for this call")
        return tuple(write_out(r, o, op) for r, o in zip(res, out))
    return write_out(clone(res, memory_format=contiguous_format), out, op)


def _doc(base, args, example, value, returns="A new contiguous tensor (differentiable as ``{base}``)."):
    """Attach the docstring of ``{base}_copy``: ``args`` the lines of its Args section (input and out added)."""
    def deco(fn):
        lines = "".join(f"\n        {a}" for a in args)
        fn.__doc__ = f"""``{base}`` copied out, as PyTorch's ``torch.{fn.__name__}``: the same values in new memory.

    Args:
        input: the tensor.{lines}
        out: an optional tensor (a tuple of them for a tuple result) the result is written into (returned).

    Returns:
        {returns.format(base=base)}

    >>> import gpugrad as gg
    >>> {example}
    {value}
    """
        return fn
    return deco


@_doc("alias", [], "gg.alias_copy(gg.tensor([1.0, 2.0]))", "tensor([1., 2.])")
def alias_copy(input, *, out=None):
    return _fresh(input, out, "alias_copy")


@_doc("detach", [], "gg.detach_copy(gg.ones(2, requires_grad=True))", "tensor([1., 1.])",
      "A new tensor that does not require grad.")
def detach_copy(input, *, out=None):
    return _fresh(input.detach(), out, "detach_copy")


@_doc("diagonal", ["offset: the diagonal (0 the main one, > 0 above, < 0 below).", "dim1: the first dim.",
                   "dim2: the second dim."], "gg.diagonal_copy(gg.arange(6.0).reshape(2, 3), 1)", "tensor([1., 5.])")
def diagonal_copy(input, offset=0, dim1=0, dim2=1, *, out=None):
    return _fresh(diagonal(input, offset, dim1, dim2), out, "diagonal_copy")


@_doc("expand", ["size: the new shape (-1 keeps a dim's size).", "implicit: accepted (no effect), as ATen's."],
      "gg.expand_copy(gg.tensor([[1.0], [2.0]]), [2, 2])", "tensor([[1., 1.],\n            [2., 2.]])")
def expand_copy(input, size, *, implicit=False, out=None):
    return _fresh(expand(input, tuple(size)), out, "expand_copy")


@_doc("permute", ["dims: the new order of the dims, one sequence."], "gg.permute_copy(gg.zeros(2, 3), [1, 0]).shape",
      "gpugrad.Size([3, 2])")
def permute_copy(input, dims, *, out=None):
    if isinstance(dims, int):
        raise TypeError(f"permute_copy(): argument 'dims' must be a sequence of ints, not {type(dims).__name__}")
    return _fresh(permute(input, tuple(dims)), out, "permute_copy")


@_doc("select", ["dim: the dim indexed.", "index: the position along it (negative counts from the end)."],
      "gg.select_copy(gg.arange(6.0).reshape(2, 3), 1, -1)", "tensor([2., 5.])")
def select_copy(input, dim, index, *, out=None):
    return _fresh(select(input, dim, index), out, "select_copy")


@_doc("slice", ["dim: the dim sliced.", "start: the first position (None: 0; clamped to the dim).",
                "end: one past the last (None: the end; clamped).", "step: the step, positive."],
      "gg.slice_copy(gg.arange(5.0), 0, 1, None, 2)", "tensor([1., 3.])")
def slice_copy(input, dim=0, start=None, end=None, step=1, *, out=None):
    if step <= 0:
        raise RuntimeError(f"slice_copy: slice step must be positive, got {step}")
    if input.ndim == 0:
        raise IndexError("slice_copy: slice() cannot be applied to a 0-dim tensor.")
    d = dim + input.ndim if dim < 0 else dim
    if not 0 <= d < input.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-input.ndim}, {input.ndim - 1}], "
                         f"but got {dim})")
    return _fresh(input[(slice(None),) * d + (slice(start, end, step),)], out, "slice_copy")


@_doc("split", ["split_size: the size of each piece (the last may be smaller), an int.", "dim: the dim split."],
      "[p.tolist() for p in gg.split_copy(gg.arange(3.0), 2)]", "[[0.0, 1.0], [2.0]]",
      "A tuple of new tensors.")
def split_copy(input, split_size, dim=0, *, out=None):
    if not isinstance(split_size, int) or isinstance(split_size, bool):
        raise TypeError(f"split_copy(): argument 'split_size' (position 2) must be int, not "
                        f"{type(split_size).__name__}")
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if split_size == 0 and input.shape[dim] == 0:
        return _fresh((input,), out, "split_copy")
    if split_size == 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of "
                           f"{input.shape[dim]}")
    return _fresh(split(input, split_size, dim), out, "split_copy")


@_doc("split_with_sizes", ["split_sizes: the size of each piece; they sum to the dim's size.", "dim: the dim split."],
      "[p.tolist() for p in gg.split_with_sizes_copy(gg.arange(3.0), [1, 2])]", "[[0.0], [1.0, 2.0]]",
      "A tuple of new tensors.")
def split_with_sizes_copy(input, split_sizes, dim=0, *, out=None):
    return _fresh(split_with_sizes(input, list(split_sizes), dim), out, "split_with_sizes_copy")


@_doc("squeeze", ["dim: the size-1 dim (or tuple of dims) removed (None: every size-1 dim)."],
      "gg.squeeze_copy(gg.zeros(1, 2, 1)).shape", "gpugrad.Size([2])")
def squeeze_copy(input, dim=None, *, out=None):
    return _fresh(squeeze(input, dim), out, "squeeze_copy")


@_doc("t", [], "gg.t_copy(gg.zeros(2, 3)).shape", "gpugrad.Size([3, 2])")
def t_copy(input, *, out=None):
    return _fresh(t(input), out, "t_copy")


@_doc("transpose", ["dim0: a dim.", "dim1: the dim it is swapped with."],
      "gg.transpose_copy(gg.zeros(2, 3), 0, 1).shape",
      "gpugrad.Size([3, 2])")
def transpose_copy(input, dim0, dim1, *, out=None):
    return _fresh(transpose(input, dim0, dim1), out, "transpose_copy")


@_doc("unbind", ["dim: the dim removed."], "[p.tolist() for p in gg.unbind_copy(gg.eye(2))]",
      "[[1.0, 0.0], [0.0, 1.0]]", "A tuple of new tensors, one per position along dim.")
def unbind_copy(input, dim=0, *, out=None):
    return _fresh(unbind(input, dim), out, "unbind_copy")


@_doc("unfold", ["dimension: the dim windows slide along.", "size: each window's length.",
                 "step: the step between windows."], "gg.unfold_copy(gg.arange(5.0), 0, 2, 2)",
      "tensor([[0., 1.],\n            [2., 3.]])")
def unfold_copy(input, dimension, size, step, *, out=None):
    return _fresh(unfold(input, dimension, size, step), out, "unfold_copy")


@_doc("unsqueeze", ["dim: where the new size-1 dim goes."], "gg.unsqueeze_copy(gg.zeros(2), -1).shape",
      "gpugrad.Size([2, 1])")
def unsqueeze_copy(input, dim, *, out=None):
    return _fresh(unsqueeze(input, dim), out, "unsqueeze_copy")


@_doc("view", ["size: the new shape (one -1 inferred), or a dtype whose bits reinterpret the elements.",
               "dtype: the dtype, by keyword (instead of size)."], "gg.view_copy(gg.arange(4.0), [2, 2]).shape",
      "gpugrad.Size([2, 2])")
def view_copy(input, size=None, *, dtype=None, out=None):
    if (size is None) == (dtype is None):
        raise TypeError("view_copy() takes a size or a dtype (exactly one of them)")
    if dtype is not None or not isinstance(size, (tuple, list, int)):
        return _fresh(view_dtype(input, size if dtype is None else dtype), out, "view_copy")
    if isinstance(size, int):
        raise TypeError("view_copy(): argument 'size' must be a tuple of ints, not int")
    # a copy needs no view of the input's layout: PyTorch's view_copy reshapes any strides
    return _fresh(view(input.contiguous(), tuple(size)), out, "view_copy")


def values_copy(input, *, out=None):
    """``values`` copied out (PyTorch's ``torch.values_copy``): the stored values of a sparse tensor. gpugrad's
    tensors are all strided, so it raises RuntimeError, as PyTorch does for a strided tensor.

    Args:
        input: the tensor.
        out: accepted, as PyTorch's.

    Returns:
        Nothing (it raises).

    >>> import gpugrad as gg
    >>> try:
    ...     gg.values_copy(gg.ones(2))
    ... except RuntimeError as e:
    ...     print(e)
    values expected sparse tensor layout but got Strided
    """
    raise RuntimeError("values expected sparse tensor layout but got Strided")


#: the top-level functions of this module, by name
COPY_FUNCTIONS = {f.__name__: f for f in (
    alias_copy, detach_copy, diagonal_copy, expand_copy, permute_copy, select_copy, slice_copy, split_copy,
    split_with_sizes_copy, squeeze_copy, t_copy, transpose_copy, unbind_copy, unfold_copy, unsqueeze_copy, view_copy,
    values_copy)}
