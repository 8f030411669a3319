"""Reductions with ``dim``/``keepdim`` (NumPy's ``axis``/``keepdims`` accepted as aliases)."""
from __future__ import annotations

import math

import numpy as _np

from .. import _dtype, return_types
from ..autograd.op import Op
from ..tensor import Tensor
from ._util import dims, keep, write_out
from .shape import Gather, reshape as _reshape


def _expand_back(g, shape, axes, keepdim, xp):
    """Reshape a reduced gradient so it broadcasts against the input shape."""
    if not keepdim and axes is not None:
        kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))
        g = g.reshape(kshape)
    return g


def _spread(xp, g, shape):
    """``g`` broadcast to ``shape``. On the CPU a small result is filled into a fresh array: NumPy's
    broadcast_to costs about 2 us of Python, more than writing 64K floats' worth of small gradients; large
    ones (and CuPy's, and Tensors under create_graph) stay zero-copy views."""
    if xp is _np and math.prod(shape) <= 65536:
        out = _np.empty(shape, g.dtype)
        out[...] = g
        return out
    return xp.broadcast_to(g, shape)


def _count(shape, axes):
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


def _reduction_jvp(node, t, axes, keepdim):
    """Forward mode for a reduction whose output k depends only on its own group of inputs: row k of the
    Jacobian is backward(1) on that group, so J t = sum over the reduced axes of backward(1) * t."""
    shape, dtype = node._out_meta
    d = node.backward(node.xp.ones(shape, dtype))
    return (d * t).sum(axis=(axes,) if isinstance(axes, int) else axes, keepdims=keepdim)


class Sum(Op):
    def forward(self, x, axes, keepdim):
        self.shape, self.axes, self.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim)

    def backward(self, g):      # every input element contributes once
        return _spread(self.xp, _expand_back(g, self.shape, self.axes, self.keepdim, self.xp), self.shape)

    def jvp(self, t, *args):        # linear: the same sum of the tangent
        return t.sum(axis=self.axes, keepdims=self.keepdim)


class Mean(Op):
    def forward(self, x, axes, keepdim):
        self.shape, self.axes, self.keepdim = x.shape, axes, keepdim
        return x.mean(axis=axes, keepdims=keepdim)

    def backward(self, g):
        n = _count(self.shape, self.axes)
        g = _expand_back(g, self.shape, self.axes, self.keepdim, self.xp) / (n or 1)   # builtin max is shadowed here
        return _spread(self.xp, g, self.shape)

    def jvp(self, t, *args):
        return t.mean(axis=self.axes, keepdims=self.keepdim)


class Var(Op):
    """var = sum((x - mean)^2) / (N - correction);  dvar/dx = 2 (x - mean) / (N - correction)."""

    def forward(self, x, axes, keepdim, correction):
        self.axes, self.keepdim, self.correction = axes, keepdim, correction
        self.save_for_backward(x)
        return x.var(axis=axes, ddof=correction, keepdims=keepdim)

    def backward(self, g):
        (x,) = self.saved
        n = _count(x.shape, self.axes)
        mean = x.mean(axis=self.axes, keepdims=True)
        g = _expand_back(g, x.shape, self.axes, self.keepdim, self.xp)
        return g * (2 * (x - mean) / (n - self.correction))

    def jvp(self, t, *args):
        return _reduction_jvp(self, t, self.axes, self.keepdim)


class Std(Op):
    """std = sqrt(var);  dstd/dx = (x - mean) / ((N - correction) std), taken as 0 where std = 0 (PyTorch's
    convention: a constant slice has no preferred direction; the composite sqrt(var) would give 0 * inf)."""

    def forward(self, x, axes, keepdim, correction):
        self.axes, self.keepdim, self.correction = axes, keepdim, correction
        xp = self.xp
        v = x.var(axis=axes, ddof=correction, keepdims=True)
        if x.size and _count(x.shape, axes) > correction:
            # a constant slice has std exactly 0 (as PyTorch's Welford sums give): NumPy's two-pass variance
            # can leave ~1e-32 there, and dstd/dx = (x - mean) / std would turn rounding noise into O(1)
            v = xp.where(x.max(axis=axes, keepdims=True) == x.min(axis=axes, keepdims=True), 0, v)
        y = xp.sqrt(v)
        self.save_for_backward(x, y)
        return y if keepdim else y.reshape(tuple(s for i, s in enumerate(x.shape)
                                                 if not (axes is None or i in axes)))

    def backward(self, g):
        x, yk = self.saved
        xp = self.xp
        if isinstance(x, Tensor):    # double backward: the saved keepdim std is not the output, recompute it
            yk = Std.apply(x, self.axes, True, self.correction)
        n = _count(x.shape, self.axes)
        g = _expand_back(g, x.shape, self.axes, self.keepdim, xp)
        safe = xp.where(yk == 0, 1, yk)
        return xp.where(yk == 0, g.dtype.type(0), g * (x - x.mean(axis=self.axes, keepdims=True)) / ((n - self.correction) * safe))

    def jvp(self, t, *args):
        return _reduction_jvp(self, t, self.axes, self.keepdim)


class MaxMin(Op):
    """max/min values; the gradient goes to the extremal elements, split evenly among ties."""

    def forward(self, x, axes, keepdim, kind):
        self.axes, self.keepdim = axes, keepdim
        y = (x.max if kind == "max" else x.min)(axis=axes, keepdims=keepdim)
        self.save_for_backward(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp = self.xp
        yk = _expand_back(y, x.shape, self.axes, self.keepdim, xp)
        gk = _expand_back(g, x.shape, self.axes, self.keepdim, xp)
        mask = (x == yk)
        count = mask.sum(axis=self.axes, keepdims=True, dtype=gk.dtype)   # (an int64 count would upcast)
        return xp.where(mask, gk / count, gk.dtype.type(0))    # select: NaN upstream stays put

    def jvp(self, t, *args):
        return _reduction_jvp(self, t, self.axes, self.keepdim)


class LogSumExp(Op):
    """y = m + log(sum(exp(x - m))) with m = max(x): stable for any magnitude; dy/dx = exp(x - y)."""

    _node_name = "Logsumexp"      # PyTorch's spelling of the node

    def forward(self, x, axes, keepdim):
        xp = self.xp
        self.axes, self.keepdim = axes, keepdim
        m = x.max(axis=axes, keepdims=True) if x.size else xp.zeros((1,) * x.ndim, x.dtype)
        m = xp.where(xp.isfinite(m), m, 0)
        y = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        self.save_for_backward(x, y)
        if not keepdim:
            y = y.reshape(tuple(s for i, s in enumerate(y.shape) if not (axes is None or i in axes)))
        return y

    def backward(self, g):
        x, yk = self.saved
        if isinstance(x, Tensor):    # double backward: the saved keepdim y is not the output, recompute it
            yk = LogSumExp.apply(x, self.axes, True)
        g = _expand_back(g, x.shape, self.axes, self.keepdim, self.xp)
        return g * self.xp.exp(x - yk)

    def jvp(self, t, *args):
        return _reduction_jvp(self, t, self.axes, self.keepdim)


class Prod(Op):
    """d(prod x)/dx_i = prod_{j != i} x_j, computed from exclusive cumulative products (exact with zeros)."""

    def forward(self, x, axis, keepdim):
        self.axis, self.keepdim = axis, keepdim
        self.save_for_backward(x)
        return x.prod(axis=axis, keepdims=keepdim)

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        excl = _exclusive_prod_graph if isinstance(x, Tensor) else _exclusive_prod
        if self.axis is None:
            flat = x.reshape(-1)
            others = excl(xp, flat, 0).reshape(x.shape)
            return g * others
        others = excl(xp, x, self.axis)
        return _expand_back(g, x.shape, (self.axis,), self.keepdim, xp) * others

    def jvp(self, t, *args):
        return _reduction_jvp(self, t, self.axis, self.keepdim)


def _exclusive_prod(xp, x, axis):
    if x.size == 0:                      # no element: nothing to differentiate
        return xp.zeros_like(x)
    x = xp.moveaxis(x, axis, -1)
    ones = xp.ones(x.shape[:-1] + (1,), x.dtype)
    left = xp.cumprod(xp.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(x, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return xp.moveaxis(left * right, -1, axis)


def _exclusive_prod_graph(ns, x, axis):
    """prod_{j != i} x_j through recorded ops (double backward): row i of an (n, n) matrix is x with x_i
    replaced by 1, and its product is the i-th exclusive product. O(n^2) work, only on this rare path."""
    if x.numel() == 0:
        return x * 0
    xm = ns.moveaxis(x, axis, -1)
    n = xm.shape[-1]
    eye = ns.asarray(ns.raw.eye(n, dtype=x.dtype))
    rows = ns.expand_dims(xm, -2) * (1 - eye) + eye             # (..., n, n)
    return ns.moveaxis(Prod.apply(rows, rows.ndim - 1, False), -1, axis)


class Norm(Op):
    """p-norm: ||x||_p = (sum |x|^p)^(1/p); d/dx = sign(x) |x|^(p-1) / ||x||^(p-1), with PyTorch's choices
    where that is undefined: 0 where the norm is 0, 0 at x_i = 0 for p < 1. p = +-inf: max (min) |x|, the
    gradient split among ties (``split_ties``, linalg.vector_norm's rule) or given to each of them (cdist and
    pdist's rule)."""

    def forward(self, x, p, axes, keepdim, split_ties=True):
        xp = self.xp
        self.p, self.axes, self.keepdim, self.split_ties = p, axes, keepdim, split_ties
        a = xp.abs(x)
        if p == float("inf"):
            y = a.max(axis=axes, keepdims=True)
        elif p == -float("inf"):
            y = a.min(axis=axes, keepdims=True)
        elif p == 2:
            y = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        elif p == 1:
            y = a.sum(axis=axes, keepdims=True)
        else:
            y = (a ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
        self.save_for_backward(x, y)
        if not keepdim:
            y = y.reshape(tuple(s for i, s in enumerate(x.shape) if not (axes is None or i in axes)))
        return y

    def backward(self, g):
        x, y = self.saved
        xp = self.xp
        if isinstance(x, Tensor):    # double backward: the saved keepdim y is not the output, recompute it
            y = Norm.apply(x, self.p, self.axes, True, self.split_ties)
        g = _expand_back(g, x.shape, self.axes, self.keepdim, xp)
        p = self.p
        if p == 2:
            return g * x / xp.where(y == 0, 1, y)
        if p == 1:
            return g * xp.sign(x)
        if p in (float("inf"), -float("inf")):
            a = xp.abs(x)
            mask = a == y
            if not self.split_ties:
                return g * xp.sign(x) * mask
            return g * xp.sign(x) * mask / mask.sum(axis=self.axes, keepdims=True, dtype=x.dtype)   # (not int64)
        a = xp.abs(x)
        if p < 1:                    # |x|^(p-1) is infinite at 0: PyTorch takes 0 there
            zero = x == 0
            return xp.where(zero, 0, g * xp.sign(x) * xp.where(zero, 1, a) ** (p - 1) * y ** (1 - p))
        return g * xp.sign(x) * a ** (p - 1) / xp.where(y == 0, 1, y) ** (p - 1)

    def jvp(self, t, *args):
        return _reduction_jvp(self, t, self.axes, self.keepdim)


# -- the functions users call ------------------------------------------------------------------------------
def _rdims(op, ndim, dim=None, axis=None):
    """A reduction's dims: an empty tuple or list means every dim, as in PyTorch (NumPy reduces none); on a
    0-d tensor dim 0 or -1 is the whole (one-element) tensor, as in PyTorch."""
    d = dims(op, ndim, dim, axis)
    if d is not None and len(set(d)) != len(d):
        raise RuntimeError(f"{op}: dim {dim if axis is None else axis} appears more than once in the list of "
                           f"dims to reduce")
    return None if d == () or ndim == 0 else d


class _NoDim:
    """The default of sum's and mean's ``dim``, told apart from ``dim=None`` given explicitly, which PyTorch
    records as its dim overload (SumBackward1, not SumBackward0). Shown as None in signatures."""
    __slots__ = ()

    def __repr__(self):
        return "None"


NO_DIM = _NoDim()


def sum(input, dim=NO_DIM, keepdim=False, dtype=None, *, axis=None, keepdims=False, out=None):
    """The sum over ``dim`` (all elements by default).

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.
        dtype: the result's dtype (default: the input's; integers and bools sum in int64).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor (0-d without dim).

    >>> import gpugrad as gg
    >>> m = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> gg.sum(m)
    tensor(10.)
    >>> gg.sum(m, dim=0)
    tensor([4., 6.])
    >>> m.sum(axis=1, keepdims=True).shape
    gpugrad.Size([2, 1])
    """
    x = input
    given, dim = dim is not NO_DIM, (None if dim is NO_DIM else dim)
    axes = None if dim is None and axis is None else _rdims("sum", x.ndim, dim, axis)
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "iub":
        x = x.to("int64")
    res = Sum.apply(x, axes, bool(keepdim or keepdims))
    if given or axis is not None:
        _named(res, overload="1")          # sum.dim_IntList (a dim, None included): SumBackward1
    return res if out is None else write_out(res, out, "sum")


def _named(res, stem=None, overload=None):
    """``res``, its node (if recorded) named as PyTorch names its own for this call: ``stem`` and ``overload``
    of the ``<stem>Backward<overload>`` name (MaxMin's node is MaxBackward1 for max(), AmaxBackward0 for amax)."""
    node = res.grad_fn
    if node is not None:
        if stem is not None:
            node._node_name = stem
        if overload is not None:
            node._overload = overload
    return res


def _need_float(op, x):
    if not _dtype.is_float(x.dtype):
        raise RuntimeError(f"{op}: expected a floating point tensor, got dtype {x.dtype}; use .float() first")


def _as_float(op, x, dtype):
    """x cast to ``dtype=`` (PyTorch's reductions' keyword), which must be a floating dtype."""
    dt = _dtype.as_dtype(dtype)
    if not _dtype.is_float(dt):
        raise RuntimeError(f"{op}: dtype= must be a floating point dtype, got {dt}")
    return x.to(dt)


def mean(input, dim=NO_DIM, keepdim=False, *, dtype=None, axis=None, keepdims=False, out=None):
    """The mean over ``dim`` (all elements by default).

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.
        dtype: a floating dtype to compute in (the input is cast to it first).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor (0-d without dim).

    >>> import gpugrad as gg
    >>> m = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> gg.mean(m)
    tensor(2.5000)
    >>> gg.mean(m, dim=1)
    tensor([1.5000, 3.5000])
    """
    x = input if dtype is None else _as_float("mean", input, dtype)
    _need_float("mean", x)
    given, dim = dim is not NO_DIM, (None if dim is NO_DIM else dim)
    res = Mean.apply(x, _rdims("mean", x.ndim, dim, axis), keep(keepdim, keepdims))
    if given or axis is not None:
        _named(res, overload="1")          # mean.dim (a dim, None included): MeanBackward1
    return res if out is None else write_out(res, out, "mean")


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=False,
        out=None):
    """The variance over ``dim``, Bessel-corrected by default (``correction=1``), as in PyTorch.

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.
        unbiased: True divides by n - 1 (the default), False by n (PyTorch's older spelling of ``correction``).
        correction: the divisor is n - correction.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor (0-d without dim).

    >>> import gpugrad as gg
    >>> gg.var(gg.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor(1.6667)
    >>> gg.var(gg.tensor([1.0, 2.0, 3.0, 4.0]), correction=0)
    tensor(1.2500)
    """
    x = input
    _need_float("var", x)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    res = Var.apply(x, _rdims("var", x.ndim, dim, axis), keep(keepdim, keepdims), correction)
    return res if out is None else write_out(res, out, "var")


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=False,
        out=None):
    """The standard deviation over ``dim``, Bessel-corrected by default (``correction=1``), as in PyTorch.

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.
        unbiased: True divides by n - 1 (the default), False by n (PyTorch's older spelling of ``correction``).
        correction: the divisor is n - correction.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor (0-d without dim).

    >>> import gpugrad as gg
    >>> gg.std(gg.tensor([1.0, 3.0]))
    tensor(1.4142)
    """
    x = input
    _need_float("std", x)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    res = Std.apply(x, _rdims("std", x.ndim, dim, axis), keep(keepdim, keepdims), correction)
    return res if out is None else write_out(res, out, "std")




def _extreme(kind, x, dim, keepdim, axis, keepdims):
    if x.numel() == 0:
        raise RuntimeError(f"{kind}: cannot reduce an empty tensor of shape {tuple(x.shape)}")
    if dim is None and axis is None:
        return _named(MaxMin.apply(x, None, False, kind), kind.capitalize(), "1")
    axes = dims(kind, x.ndim, dim, axis)
    k = keep(keepdim, keepdims)
    if x.ndim == 0:                      # dim 0 or -1 of a 0-d tensor: the value itself, at index 0
        return getattr(return_types, kind)(_named(MaxMin.apply(x, None, False, kind), kind.capitalize()),
                         Tensor._make(x.xp.zeros((), "int64"), None, False))
    if len(axes) != 1:
        return MaxMin.apply(x, axes, k, kind)
    d = axes[0]
    idx = (x._data.argmax if kind == "max" else x._data.argmin)(axis=d, keepdims=True).astype("int64")
    # the values are gathered at the returned indices, so the whole gradient goes to that one element, as
    # in PyTorch's max(dim); amax/amin and the full reduction split it among ties instead
    values = Gather.apply(x, idx, d)
    if not k:
        idx = idx.reshape(idx.shape[:d] + idx.shape[d + 1:])
        values = _reshape(values, idx.shape)
    return getattr(return_types, kind)(values, Tensor._make(idx, None, False))


def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=False, out=None):
    """The largest value; with ``dim``, the pair (values, indices) along it, as in PyTorch. (The elementwise maximum of two tensors is :func:`maximum`.)

    Args:
        input: the input tensor.
        dim: the dim to reduce (None: all elements).
        keepdim: keep the reduced dims with size 1.
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.
        other: a tensor: ``max(input, other)`` is the elementwise :func:`maximum`.
        out: an optional tensor the result is written into (returned).

    Returns:
        A 0-d tensor, or a named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> m = gg.tensor([[1.0, 5.0], [3.0, 4.0]])
    >>> gg.max(m)
    tensor(5.)
    >>> gg.max(m, dim=1).indices
    tensor([1, 1])
    """
    x = input
    if isinstance(dim, Tensor) or other is not None:      # max(a, b): the elementwise maximum
        from .arithmetic import maximum
        return maximum(x, dim if other is None else other, out=out)
    res = _extreme("max", x, dim, keepdim, axis, keepdims)
    return res if out is None else write_out(res, out, "max")


def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=False, out=None):
    """The smallest value; with ``dim``, the pair (values, indices) along it, as in PyTorch.

    Args:
        input: the input tensor.
        dim: the dim to reduce (None: all elements).
        keepdim: keep the reduced dims with size 1.
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.
        other: a tensor: ``min(input, other)`` is the elementwise :func:`minimum`.
        out: an optional tensor the result is written into (returned).

    Returns:
        A 0-d tensor, or a named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> m = gg.tensor([[1.0, 5.0], [3.0, 4.0]])
    >>> gg.min(m)
    tensor(1.)
    >>> gg.min(m, dim=0).values
    tensor([1., 4.])
    """
    x = input
    if isinstance(dim, Tensor) or other is not None:      # min(a, b): the elementwise minimum
        from .arithmetic import minimum
        return minimum(x, dim if other is None else other, out=out)
    res = _extreme("min", x, dim, keepdim, axis, keepdims)
    return res if out is None else write_out(res, out, "min")


def amax(input, dim=None, keepdim=False, *, out=None):
    """The largest values over ``dim`` (values only; the gradient is shared among ties).

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims (None: all).
        keepdim: keep the reduced dims with size 1.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.amax(gg.tensor([[1.0, 5.0], [3.0, 4.0]]), dim=0)
    tensor([3., 5.])
    """
    x = input
    res = _named(MaxMin.apply(x, _rdims("amax", x.ndim, dim), keepdim, "max"), "Amax")
    return res if out is None else write_out(res, out, "amax")


def amin(input, dim=None, keepdim=False, *, out=None):
    """The smallest values over ``dim`` (values only).

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims (None: all).
        keepdim: keep the reduced dims with size 1.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.amin(gg.tensor([[1.0, 5.0], [3.0, 4.0]]), dim=0)
    tensor([1., 4.])
    """
    x = input
    res = _named(MaxMin.apply(x, _rdims("amin", x.ndim, dim), keepdim, "min"), "Amin")
    return res if out is None else write_out(res, out, "amin")


def argmax(input, dim=None, keepdim=False, *, axis=None, out=None):
    """The index of the largest value (the first one on ties).

    Args:
        input: the input tensor.
        dim: the dim (None: over the flattened tensor).
        keepdim: keep the reduced dim with size 1.
        axis: NumPy's name for ``dim``.
        out: an optional tensor the result is written into (returned).

    Returns:
        An int64 tensor.

    >>> import gpugrad as gg
    >>> gg.argmax(gg.tensor([[1.0, 5.0], [3.0, 4.0]]), dim=1)
    tensor([1, 1])
    """
    x = input
    d = dims("argmax", x.ndim, dim, axis)
    if d is None or x.ndim == 0:
        res = Tensor._make(x._data.argmax().astype("int64"), None, False)
    else:
        res = Tensor._make(x._data.argmax(axis=d[0], keepdims=keepdim).astype("int64"), None, False)
    return res if out is None else write_out(res, out, "argmax")


def argmin(input, dim=None, keepdim=False, *, axis=None, out=None):
    """The index of the smallest value (the first one on ties).

    Args:
        input: the input tensor.
        dim: the dim (None: over the flattened tensor).
        keepdim: keep the reduced dim with size 1.
        axis: NumPy's name for ``dim``.
        out: an optional tensor the result is written into (returned).

    Returns:
        An int64 tensor.

    >>> import gpugrad as gg
    >>> gg.argmin(gg.tensor([[1.0, 5.0], [3.0, 4.0]]), dim=1)
    tensor([0, 0])
    """
    x = input
    d = dims("argmin", x.ndim, dim, axis)
    if d is None or x.ndim == 0:
        res = Tensor._make(x._data.argmin().astype("int64"), None, False)
    else:
        res = Tensor._make(x._data.argmin(axis=d[0], keepdims=keepdim).astype("int64"), None, False)
    return res if out is None else write_out(res, out, "argmin")


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=False, out=None):
    """log(sum(exp(x))) over ``dim``, computed without overflow.

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.logsumexp(gg.tensor([1000.0, 1000.0]), dim=0)
    tensor(1000.6932)
    """
    x = input
    if x._data.dtype.kind in "iub":      # as in PyTorch: integers give the default float dtype
        from .. import _dtype
        x = x.to(_dtype.get_default_dtype())
    res = LogSumExp.apply(x, _rdims("logsumexp", x.ndim, dim, axis), keep(keepdim, keepdims))
    return res if out is None else write_out(res, out, "logsumexp")


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=False, out=None):
    """The product over ``dim`` (all elements by default).

    Args:
        input: the input tensor.
        dim: a dim or a tuple of dims to reduce (None: all).
        keepdim: keep the reduced dims with size 1.
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.
        dtype: the result's dtype (the input is cast to it first; integers and bools default to int64).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.prod(gg.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    tensor([ 2., 12.])
    """
    x = input
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "iub":     # as in PyTorch, integers and bools multiply in int64
        x = x.to("int64")
    d = dims("prod", x.ndim, dim, axis)
    if d is not None and len(d) != 1:
        raise ValueError("prod: reduce over one dimension at a time")
    res = Prod.apply(x, None if d is None or x.ndim == 0 else d[0], keep(keepdim, keepdims))
    if d is not None:
        _named(res, overload="1")          # prod.dim_int: ProdBackward1
    return res if out is None else write_out(res, out, "prod")


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None, *, axis=None, keepdims=False):
    """The vector p-norm over all elements or over ``dim`` (``p='fro'`` is 2; ``p=inf`` the largest absolute value).

    Args:
        input: the input tensor.
        p: the order.
        dim: a dim or tuple of dims (None: all).
        keepdim: keep the reduced dims with size 1.
        axis: NumPy's name for ``dim``.
        keepdims: NumPy's name for ``keepdim``.
        dtype: a floating dtype to compute in (the input is cast to it first).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor.

    >>> import gpugrad as gg
    >>> gg.norm(gg.tensor([3.0, 4.0]))
    tensor(5.)
    >>> gg.norm(gg.tensor([3.0, -4.0]), p=1)
    tensor(7.)
    """
    x = input if dtype is None else _as_float("norm", input, dtype)
    _need_float("norm", x)
    if p == "fro":
        p = 2
    p = float(p)
    if p <= 0:
        raise ValueError(f"norm: p must be positive, got {p}")
    res = Norm.apply(x, p, _rdims("norm", x.ndim, dim, axis), keep(keepdim, keepdims))
    return res if out is None else write_out(res, out, "norm")
