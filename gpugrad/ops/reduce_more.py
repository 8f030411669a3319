"""More of PyTorch's reductions, each a composition of recorded ops (no new Op, so each gradient is that of the
ops it is made of): ``all``/``any`` over dim tuples, ``aminmax``, ``count_nonzero``, ``nansum``/``nanmean``,
``dist`` and ``renorm``."""
from __future__ import annotations

from .. import _dtype, return_types
from ..tensor import Tensor
from ._util import dims, write_out
from . import arithmetic as A, reduction as R


def _bool_reduce(kind, input, dim, keepdim, out):
    d = None if input.ndim == 0 else dims(kind, input.ndim, dim)     # (an empty tuple reduces no dim)
    a = input._data
    r = input.xp.asarray(getattr(a, kind)(axis=d, keepdims=bool(keepdim)))
    if a.dtype == "uint8":                                 # PyTorch keeps uint8 for all/any of uint8
        r = r.astype("uint8")
    return write_out(Tensor._make(r, None, False), out, kind)


def all(input, dim=None, keepdim=False, *, out=None):
    """Whether every element is true (nonzero), over all elements or along ``dim``. Not differentiable.

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        out: an optional tensor the result is written into (returned).

    Returns:
        A bool tensor (uint8 for a uint8 input, as in PyTorch).

    >>> import gpugrad as gg
    >>> x = gg.tensor([[1, 0], [1, 1]])
    >>> gg.all(x), gg.all(x, dim=1), gg.all(x, dim=(0, 1))
    (tensor(False), tensor([False,  True]), tensor(False))
    """
    return _bool_reduce("all", input, dim, keepdim, out)


def any(input, dim=None, keepdim=False, *, out=None):
    """Whether any element is true (nonzero), over all elements or along ``dim``. Not differentiable.

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        out: an optional tensor the result is written into (returned).

    Returns:
        A bool tensor (uint8 for a uint8 input, as in PyTorch).

    >>> import gpugrad as gg
    >>> x = gg.tensor([[0, 0], [1, 0]])
    >>> gg.any(x), gg.any(x, dim=1)
    (tensor(True), tensor([False,  True]))
    """
    return _bool_reduce("any", input, dim, keepdim, out)


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """The smallest and the largest values, over all elements or along ``dim`` (the gradient of each is shared
    among its ties, as :func:`amin`/:func:`amax`).

    Args:
        input: the input tensor.
        dim: the dim to reduce (None: all elements).
        keepdim: keep the reduced dim with size 1.
        out: an optional pair of tensors ``(min, max)`` the result is written into.

    Returns:
        A named pair ``(min, max)``.

    >>> import gpugrad as gg
    >>> gg.aminmax(gg.tensor([[1.0, 5.0], [3.0, 4.0]]), dim=0)
    gpugrad.return_types.aminmax(
    min=tensor([1., 4.]),
    max=tensor([3., 5.]))
    """
    x = input
    d = None if dim is None else dims("aminmax", x.ndim, dim)
    if x.numel() == 0 and (d is None or x.ndim and x.shape[d[0]] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           f"identity (input of shape {tuple(x.shape)}, dim={dim})")
    axes = None if d is None or x.ndim == 0 else d
    k = bool(keepdim) and d is not None
    res = return_types.aminmax(R._named(R.MaxMin.apply(x, axes, k, "min"), "Aminmax"),
                               R._named(R.MaxMin.apply(x, axes, k, "max"), "Aminmax"))
    return write_out(res, out, "aminmax")


def count_nonzero(input, dim=None):
    """The number of nonzero elements, over all elements or along ``dim``. Not differentiable.

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims (None: all).

    Returns:
        An int64 tensor.

    >>> import gpugrad as gg
    >>> gg.count_nonzero(gg.tensor([[0.0, 1.0], [2.0, 3.0]]), dim=0)
    tensor([1, 2])
    """
    d = dims("count_nonzero", input.ndim, dim)
    if d is not None and len(set(d)) != len(d):
        raise RuntimeError(f"count_nonzero: dim {dim} appears multiple times in the list of dims")
    axes = None if d is None or input.ndim == 0 else d
    r = (input._data != 0).sum(axis=axes).astype("int64")
    return Tensor._make(input.xp.asarray(r), None, False)


def _without_nan(x):
    return A.where(x.isnan(), 0, x) if _dtype.is_float(x.dtype) else x


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """The sum over ``dim`` with NaNs counted as zero (their gradient is zero).

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        dtype: the result's dtype (the input is cast to it first; integers and bools sum in int64).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.nansum(gg.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    x = input if dtype is None else input.to(dtype)
    return R.sum(_without_nan(x), dim, keepdim, out=out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """The mean over ``dim`` of the elements that are not NaN (NaN where every one is).

    Args:
        input: a floating point tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        dtype: a floating dtype to compute in (the input is cast to it first).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.nanmean(gg.tensor([[1.0, float("nan")], [2.0, 4.0]]), dim=1)
    tensor([1., 3.])
    """
    x = input if dtype is None else input.to(dtype)
    if not _dtype.is_float(x.dtype):
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got {x.dtype}")
    count = R.sum(Tensor._make(~x.isnan()._data, None, False), dim, keepdim)
    return write_out(A.div(nansum(x, dim, keepdim), count), out, "nanmean")


def dist(input, other, p=2):
    """The p-norm of ``input - other`` (the two broadcast); ``p=0`` counts the nonzero differences.

    Args:
        input: a floating point tensor.
        other: a tensor broadcastable with it.
        p: the order (a non-negative number or inf).

    Returns:
        A 0-d tensor.

    >>> import gpugrad as gg
    >>> gg.dist(gg.tensor([1.0, 2.0]), gg.tensor([4.0, 6.0]))
    tensor(5.)
    """
    diff = A.sub(input, other)
    R._need_float("dist", diff)
    p = float(p)
    if p == 0:                  # a count of the nonzero differences, with a zero gradient as in PyTorch
        return R.sum(A.where(diff != 0, 1.0, A.mul(diff, 0.0)))
    if p < 0:
        raise RuntimeError(f"dist: p must be non-negative, got {p}")
    return R.Norm.apply(diff, p, None, False)


def renorm(input, p, dim, maxnorm, *, out=None):
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``
    (PyTorch's factor ``maxnorm / (norm + 1e-7)``); the others unchanged. Differentiable through the norm.

    Args:
        input: a floating point tensor of at least two dims.
        p: the norm's order (positive).
        dim: the dim whose slices are renormalized.
        maxnorm: the largest norm a slice keeps.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.renorm(gg.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    x = input
    R._need_float("renorm", x)
    if x.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} dimensions")
    if float(p) <= 0:
        raise RuntimeError(f"renorm: non-positive norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = dims("renorm", x.ndim, dim)[0]
    others = tuple(i for i in range(x.ndim) if i != d)
    norm = R.Norm.apply(x, float(p), others, True)
    factor = A.where(norm > maxnorm, A.div(maxnorm, A.add(norm, 1e-7)), 1.0)
    return write_out(A.mul(x, factor), out, "renorm")
