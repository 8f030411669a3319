"""More of PyTorch's everyday functions, each a composition of the op library (no new op, so each gradient is
that of the ops it is made of; ``cumsum`` is its own op, in scan.py): ``sort``/``argsort``/``topk`` (indices from the array module, values gathered
at them), ``repeat``, ``narrow``, ``unbind``, ``square``, ``isclose``, ``var_mean``/``std_mean``,
``rand_like``/``randn_like``, and ``one_hot`` for ``nn.functional``."""
from __future__ import annotations


import numpy as np

from ..tensor import Tensor

from ..random_factories import rand, randn
from ._util import dims, write_out, shape_str
from ._cpu_select import torch_sort_order, torch_topk_order
from . import arithmetic as A, shape as S, reduction as R
from .. import return_types

SortResult = return_types.sort


# PyTorch's CPU sort of a 1-D integer tensor this long is fbgemm's radix sort: stable, ascending
_RADIX_MIN = 32768


def _stable_order(x, d, descending, stable=True):
    """The stable argsort of x's data along d in PyTorch's order (NaN last, or first when descending); the
    caller replays PyTorch's order among ties on the CPU when it can (``stable`` is kept for the callers)."""
    a, xp = x._data, x.xp
    # a stable sort of -x gives the descending order with ties in their original order, as PyTorch's stable one
    # (~x for integers and bools: order-reversing too, without -x's overflow of unsigned ints)
    key = (-a if a.dtype.kind == "f" else ~a) if descending else a
    order = xp.argsort(key, axis=d, kind="stable")
    if descending and a.dtype.kind == "f":          # NaN (last in the key's order) first, in its original order
        nan = xp.isnan(xp.take_along_axis(a, order, d))
        order = xp.take_along_axis(order, xp.argsort(~nan, axis=d, kind="stable"), d)
    return order.astype("int64", copy=False)


def _sorted_indices(op, x, dim, descending, stable):
    d = dims(op, x.ndim, dim)[0] if x.ndim else 0
    if x.ndim == 0:
        return d, x.xp.zeros((), "int64")
    a = x._data
    radix = x.ndim == 1 and a.dtype.kind in "iu" and not descending and a.size >= _RADIX_MIN
    order = _stable_order(x, d, descending, stable or radix)
    if not stable and x.xp is np and not radix:       # ties on the CPU: the indices of PyTorch's std::sort
        torch_sort_order(np.moveaxis(a, d, -1), np.moveaxis(order, d, -1), descending)
    return d, order


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """The elements sorted along ``dim``, with the indices they came from (differentiable in the values).

    Args:
        input: the input tensor.
        dim: the dim to sort along.
        descending: largest first.
        stable: keep equal elements in their original order (always so when descending).
        out: an optional pair of tensors ``(values, indices)`` the result is written into.

    Returns:
        A named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> gg.sort(gg.tensor([3.0, 1.0, 2.0]), descending=True)
    gpugrad.return_types.sort(
    values=tensor([3., 2., 1.]),
    indices=tensor([0, 2, 1]))
    """
    d, idx = _sorted_indices("sort", input, dim, descending, stable)
    if input.ndim == 0:
        res = SortResult(input, Tensor._make(idx, None, False))
    else:
        res = SortResult(S.gather(input, d, Tensor._make(idx, None, False)), Tensor._make(idx, None, False))
    return res if out is None else write_out(res, out, "sort")


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim``.

    Args:
        input: the input tensor.
        dim: the dim to sort along.
        descending: largest first.
        stable: keep equal elements in their original order.

    Returns:
        An int64 tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.argsort(gg.tensor([3.0, 1.0, 2.0]))
    tensor([1, 2, 0])
    """
    return Tensor._make(_sorted_indices("argsort", input, dim, descending, stable)[1], None, False)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices (differentiable in the values).

    Args:
        input: the input tensor.
        k: how many.
        dim: the dim to search along.
        largest: the largest (True) or the smallest (False).
        sorted: return them in sorted order (unsorted, the order is unspecified, as in PyTorch: here sorted, except
            on CPU rows with ties, which take PyTorch's order).
        out: an optional pair of tensors ``(values, indices)`` the result is written into.

    Returns:
        A named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> gg.topk(gg.tensor([1.0, 5.0, 3.0]), 2).values
    tensor([5., 3.])
    """
    x = input
    n = x.shape[dims("topk", x.ndim, dim)[0]] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dim {dim} of size {n} (shape {shape_str(x.shape)})")
    if x.ndim == 0:
        res = return_types.topk(*sort(x))                  # (k = 0 too, as PyTorch)
    else:
        d = dims("topk", x.ndim, dim)[0]
        order = _stable_order(x, d, largest)
        if x.xp is np:          # ties on the CPU: the indices of PyTorch's partial_sort / nth_element
            top = np.moveaxis(torch_topk_order(x._data if d == x.ndim - 1 else np.moveaxis(x._data, d, -1),
                                               np.moveaxis(order, d, -1), k, largest, sorted), -1, d)
        else:
            top = order[(slice(None),) * d + (slice(0, k),)]
        idx = Tensor._make(top, None, False)
        res = return_types.topk(S.gather(x, d, idx), idx)
    return res if out is None else write_out(res, out, "topk")


def repeat(input, *sizes, repeats=None):
    """The tensor tiled ``sizes[i]`` times along each dim (PyTorch's ``Tensor.repeat``, NumPy's ``tile``).

    Args:
        input: the input tensor.
        *sizes: the number of copies per dim, as ints or one tuple; at least ``input.ndim`` of them (extra
            leading ones add dims).
        repeats: the same, by PyTorch's keyword (instead of ``sizes``).

    Returns:
        A new tensor (its gradient sums over the copies).

    >>> import gpugrad as gg
    >>> gg.tensor([1.0, 2.0]).repeat(2, 2)
    tensor([[1., 2., 1., 2.],
            [1., 2., 1., 2.]])
    """
    reps = S._shape_args(sizes) if repeats is None else tuple(repeats)
    x = input
    if len(reps) < x.ndim:
        raise RuntimeError(f"repeat: the number of repeats ({len(reps)}) can't be smaller than the number of "
                           f"dims of the tensor ({x.ndim}, shape {shape_str(x.shape)})")
    shape = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
    inter = tuple(v for s in shape for v in (1, s))                    # (1, s0, 1, s1, ...)
    big = tuple(v for r, s in zip(reps, shape) for v in (r, s))         # (r0, s0, r1, s1, ...)
    tiled = S.expand(S.reshape(x, inter), big)
    return S.reshape(tiled, tuple(r * s for r, s in zip(reps, shape)))


def narrow(input, dim, start, length):
    """The slice ``start:start + length`` of ``dim`` (a view).

    Args:
        input: the input tensor.
        dim: the dim to narrow.
        start: the first index (negative counts from the end).
        length: how many elements.

    Returns:
        A view of ``input``.

    >>> import gpugrad as gg
    >>> gg.narrow(gg.arange(5), 0, 1, 3)
    tensor([1, 2, 3])
    """
    d = dims("narrow", input.ndim, dim)[0]
    n = input.shape[d]
    s = start + n if start < 0 else start
    if not 0 <= s <= n or length < 0 or s + length > n:
        raise IndexError(f"narrow: start {start} and length {length} are out of range for dim {dim} of size {n}")
    return input[(slice(None),) * d + (slice(s, s + length),)]


def unbind(input, dim=0):
    """The slices of ``dim``, each without it.

    Args:
        input: the input tensor.
        dim: the dim to take apart.

    Returns:
        A tuple of ``input.shape[dim]`` tensors (views).

    >>> import gpugrad as gg
    >>> gg.unbind(gg.tensor([[1, 2], [3, 4]]), dim=1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    d = dims("unbind", input.ndim, dim)[0]
    return tuple(input[(slice(None),) * d + (i,)] for i in range(input.shape[d]))


def t(input):
    """The transpose of a tensor of at most 2 dims (a view; 0-d and 1-d tensors come back as they are).

    Args:
        input: a tensor with at most 2 dims.

    Returns:
        A view of ``input``.

    >>> import gpugrad as gg
    >>> gg.t(gg.zeros(2, 3)).shape
    gpugrad.Size([3, 2])
    """
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return S.transpose(input, 0, 1) if input.ndim == 2 else input


def numel(input):
    """The number of elements.

    Args:
        input: a tensor.

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> gg.numel(gg.zeros(2, 3))
    6
    """
    return input.numel()


def square(input, *, out=None):
    """x * x, elementwise.

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.square(gg.tensor([2.0, -3.0]))
    tensor([4., 9.])
    """
    res = A.mul(input, input)
    return res if out is None else write_out(res, out, "square")


def isclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether |input - other| <= atol + rtol |other|, elementwise (no gradient).

    Args:
        input: a tensor.
        other: a tensor or a number; the two broadcast.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: whether two NaNs count as close.

    Returns:
        A bool tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.isclose(gg.tensor([1.0, 2.0]), gg.tensor([1.0, 2.1]))
    tensor([ True, False])
    """
    b = other._data if isinstance(other, Tensor) else other
    return Tensor._make(input.xp.isclose(input._data, b, rtol=rtol, atol=atol, equal_nan=equal_nan), None, False)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The variance and the mean over ``dim`` (Bessel-corrected by default), as in PyTorch.

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        unbiased: True divides by n - 1 (the default), False by n.
        keepdim: keep the reduced dims with size 1.
        correction: the divisor is n - correction.

    Returns:
        A pair ``(var, mean)``.

    >>> import gpugrad as gg
    >>> gg.var_mean(gg.tensor([1.0, 2.0, 3.0]))
    (tensor(1.), tensor(2.))
    """
    return (R.var(input, dim, unbiased, keepdim, correction=correction),
            R.mean(input, dim, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The standard deviation and the mean over ``dim`` (Bessel-corrected by default), as in PyTorch.

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        unbiased: True divides by n - 1 (the default), False by n.
        keepdim: keep the reduced dims with size 1.
        correction: the divisor is n - correction.

    Returns:
        A pair ``(std, mean)``.

    >>> import gpugrad as gg
    >>> gg.std_mean(gg.tensor([1.0, 3.0]))
    (tensor(1.4142), tensor(2.))
    """
    return (R.std(input, dim, unbiased, keepdim, correction=correction),
            R.mean(input, dim, keepdim))


def _random_like(factory):
    def like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
             memory_format=None):
        from ..factories import _check_formats
        _check_formats(factory.__name__ + "_like", layout, memory_format)
        return factory(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                       requires_grad=requires_grad, generator=generator)
    like.__name__ = like.__qualname__ = factory.__name__ + "_like"
    like.__doc__ = f"""Samples from ``{factory.__name__}`` with the shape, dtype and device of ``input``.

    Args:
        input: the tensor whose shape (and, by default, dtype and device) to copy.
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from (CPU only).
        dtype: overrides the dtype.
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        device: overrides the device.
        requires_grad: record operations on the result.
        pin_memory: accepted and ignored, as by the other factories.
        memory_format: None, ``preserve_format`` or ``contiguous_format``.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.{factory.__name__}_like(gg.zeros(2, 3)).shape
    gpugrad.Size([2, 3])
    """
    return like


rand_like = _random_like(rand)
randn_like = _random_like(randn)


def one_hot(input, num_classes=-1):
    """Class indices as one-hot rows (int64), as ``torch.nn.functional.one_hot``.

    Args:
        input: an integer tensor of class indices (PyTorch documents it as ``tensor``; its keyword is ``input``).
        num_classes: the number of classes (-1: one more than the largest index).

    Returns:
        An int64 tensor of shape ``input.shape + (num_classes,)``.

    >>> import gpugrad as gg
    >>> gg.nn.functional.one_hot(gg.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    a = input._data
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: expected an integer (int64) tensor of class indices, got dtype {a.dtype}")
    xp = input.xp
    if num_classes == -1:
        if not a.size:
            raise RuntimeError("one_hot: can not infer the total number of classes from an empty tensor")
        num_classes = int(a.max()) + 1
    if a.size and a.__class__ is np.ndarray and (int(a.min()) < 0 or int(a.max()) >= num_classes):  # CPU only:
        # on a GPU the check would wait for the device (as the losses' class checks, it is skipped there)
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got {int(a.min())}.."
                           f"{int(a.max())}")
    return Tensor._make((a[..., None] == xp.arange(num_classes)).astype("int64"), None, False)
