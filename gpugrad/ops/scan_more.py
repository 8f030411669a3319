"""More scans along a dim: ``cumprod`` and ``logcumsumexp`` (their own ops, derivatives beside them), ``cummax``/
``cummin`` (indices from a scan, values gathered at them, so the gradient goes to the index), and the running
differences and integrals ``diff``, ``trapezoid``/``trapz`` and ``cumulative_trapezoid`` (compositions)."""
from __future__ import annotations

from .. import return_types
from ..autograd.op import Op
from ..tensor import Tensor
from ._util import dims, write_out
from . import arithmetic as A, reduction as R, shape as S
from .scan import cumsum


def _scan(xp, a, fn):
    """The inclusive scan of ``fn`` (an associative binary ufunc: maximum, logaddexp...) along the last axis,
    in log2(n) vectorized steps (Hillis-Steele), the same code on NumPy and CuPy."""
    a = a.copy()
    n, s = a.shape[-1], 1
    while s < n:
        a[..., s:] = fn(a[..., s:], a[..., :-s].copy())
        s *= 2
    return a


def _rev_cumsum(xp, v):
    """sum_{i >= j} v_i along the last axis (works on arrays and, through the tensor namespace, on Tensors)."""
    return xp.flip(xp.cumsum(xp.flip(v, -1), -1), -1)


class Cumprod(Op):
    """y_i = prod_{j <= i} x_j along ``axis``. Without zeros dL/dx_j = sum_{i >= j} g_i y_i / x_j; with zeros
    (PyTorch's exact formula) that holds before the first zero z, the gradient at z is
    y_{z-1} sum_{i >= z} g_i prod_{z < k <= i} x_k, and it is 0 after z."""

    def forward(self, x, axis):
        self.axis = axis
        y = self.xp.cumprod(x, axis=axis)
        self.save_for_backward(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp, a = self.xp, self.axis
        if x.shape[a] == 0:
            return g * 0
        graph = isinstance(g, Tensor)
        raw = getattr(xp, "raw", xp)
        xm, ym, gm = (xp.moveaxis(v, a, -1) for v in (x, y, g))
        zero = (xm._data if graph else xm) == 0
        seen = raw.cumsum(zero, axis=-1)
        before, first = seen == 0, zero & (seen == 1)
        part1 = xp.where(before, _rev_cumsum(xp, gm * ym) / xp.where(before, xm, 1), 0)
        after = xp.where(before | first, 1, xm)           # prod_{z < k <= i} x_k is the running product of
        cp = Cumprod.apply(after, after.ndim - 1) if graph else raw.cumprod(after, axis=-1)   # this
        shifted = xp.concatenate([xp.ones(ym.shape[:-1] + (1,), ym.dtype), ym[..., :-1]], -1)   # y_{z-1}
        part2 = xp.where(first, shifted * _rev_cumsum(xp, gm * cp), 0)
        return xp.moveaxis(part1 + part2, -1, a)

    def jvp(self, t, taxis):
        """dy_i = dy_{i-1} x_i + y_{i-1} t_i (the product rule along the scan): y cumsum(t / x) without zeros,
        else the recurrence step by step, exact at the zeros."""
        x, y = self.saved
        xp, a = self.xp, self.axis
        if x.shape[a] == 0:
            return t * 0
        if not bool((x == 0).any()):
            return y * xp.cumsum(t / x, axis=a)
        xm, ym, tm = (xp.moveaxis(v, a, 0) for v in (x, y, t))
        steps = [tm[0]]
        for i in range(1, xm.shape[0]):
            steps.append(steps[-1] * xm[i] + ym[i - 1] * tm[i])
        return xp.moveaxis(xp.stack(steps), 0, a)


def _logcumsumexp(v, axis):
    return LogCumSumExp.apply(v, axis) if isinstance(v, Tensor) else LogCumSumExp._scan(v, axis)


class LogCumSumExp(Op):
    """y_i = log sum_{j <= i} exp(x_j), by a scan of logaddexp (stable at any magnitude). dL/dx_j =
    sum_{i >= j} g_i exp(x_j - y_i), computed as PyTorch does in log space, positive and negative parts of g
    apart: exp(x_j + rlcse(log g+ - y)_j) - exp(x_j + rlcse(log g- - y)_j), rlcse the reversed logcumsumexp."""

    _node_name = "Logcumsumexp"      # PyTorch's spelling of the node

    @staticmethod
    def _scan(x, axis):
        from ..backend import xp_of
        xp = xp_of(x)
        return xp.moveaxis(_scan(xp, xp.moveaxis(x, axis, -1), xp.logaddexp), -1, axis)

    def forward(self, x, axis):
        self.axis = axis
        y = self._scan(x, axis)
        self.save_for_backward(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp, a = self.xp, self.axis
        raw = getattr(xp, "raw", xp)
        lowest = raw.finfo(x.dtype).min
        log_abs = xp.log(xp.where(g != 0, xp.abs(g), 1))

        def part(mask):
            lg = xp.where(mask, log_abs, lowest) - y
            return xp.exp(xp.flip(_logcumsumexp(xp.flip(lg, a), a), a) + x)
        return part(g > 0) - part(g < 0)

    def jvp(self, t, taxis):
        """dy_i = sum_{j <= i} t_j exp(x_j - y_i), in log space with t's signs apart, as backward."""
        x, y = self.saved
        xp, a = self.xp, self.axis
        lowest = xp.finfo(x.dtype).min
        log_abs = xp.log(xp.where(t != 0, xp.abs(t), 1))

        def part(mask):
            return xp.exp(self._scan(xp.where(mask, log_abs, lowest) + x, a) - y)
        return part(t > 0) - part(t < 0)


def cumprod(input, dim, *, dtype=None, out=None):
    """The running product along ``dim``: element i is the product of elements 0..i (exact gradients with zeros).

    Args:
        input: the input tensor.
        dim: the dim to multiply along.
        dtype: the result's dtype (the input is cast to it first; integers and bools default to int64).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.cumprod(gg.tensor([1.0, 2.0, 3.0, 0.5]), dim=0)
    tensor([1., 2., 6., 3.])
    """
    x = input
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "iub":        # as in PyTorch, integers and bools multiply in int64
        x = x.to("int64")
    d = dims("cumprod", x.ndim, dim)[0]
    res = x.clone() if x.ndim == 0 else Cumprod.apply(x, d)
    return write_out(res, out, "cumprod")


def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(x))) along ``dim``, computed without overflow.

    Args:
        input: a floating point tensor.
        dim: the dim to accumulate along.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.logcumsumexp(gg.tensor([1000.0, 1000.0, 1000.0]), dim=0)
    tensor([1000.0000, 1000.6932, 1001.0986])
    """
    x = input
    if not x.is_floating_point():
        raise NotImplementedError(f'"logcumsumexp" not implemented for {x.dtype} (a floating point tensor '
                                  f"is expected)")
    d = dims("logcumsumexp", x.ndim, dim)[0]
    res = x.clone() if x.ndim == 0 else LogCumSumExp.apply(x, d)
    return write_out(res, out, "logcumsumexp")


def _cumext(kind, x, dim):
    """cummax/cummin: PyTorch's index is the last position reaching the running extreme (``>=``/``<=``), or the
    last NaN once one is seen; values are gathered there so the gradient goes to that index."""
    d = dims(kind, x.ndim, dim)[0]
    rt = getattr(return_types, kind)
    if x.ndim == 0:
        return rt(x.clone(), Tensor._make(x.xp.zeros((), "int64"), None, False))
    xp = x.xp
    a = xp.moveaxis(x._data, d, -1)
    run = _scan(xp, a, xp.maximum if kind == "cummax" else xp.minimum)
    hit = (a == run) | (a != a)                                     # (a != a): NaN
    pos = xp.where(hit, xp.arange(a.shape[-1]), -1)
    idx = xp.moveaxis(_scan(xp, pos, xp.maximum), -1, d).astype("int64")
    return rt(S.Gather.apply(x, idx, d), Tensor._make(idx, None, False))


def cummax(input, dim, *, out=None):
    """The running maximum along ``dim`` and the index where each was reached (the latest on ties, as
    PyTorch; NaN propagates). The gradient goes to that index.

    Args:
        input: the input tensor.
        dim: the dim to scan.
        out: an optional pair of tensors ``(values, indices)`` the result is written into.

    Returns:
        A named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> gg.cummax(gg.tensor([1.0, 3.0, 2.0, 3.0]), 0)
    gpugrad.return_types.cummax(
    values=tensor([1., 3., 3., 3.]),
    indices=tensor([0, 1, 1, 3]))
    """
    return write_out(_cumext("cummax", input, dim), out, "cummax")


def cummin(input, dim, *, out=None):
    """The running minimum along ``dim`` and the index where each was reached (the latest on ties, as
    PyTorch; NaN propagates). The gradient goes to that index.

    Args:
        input: the input tensor.
        dim: the dim to scan.
        out: an optional pair of tensors ``(values, indices)`` the result is written into.

    Returns:
        A named pair ``(values, indices)``.

    >>> import gpugrad as gg
    >>> gg.cummin(gg.tensor([2.0, 1.0, 3.0, 1.0]), 0)
    gpugrad.return_types.cummin(
    values=tensor([2., 1., 1., 1.]),
    indices=tensor([0, 1, 1, 3]))
    """
    return write_out(_cumext("cummin", input, dim), out, "cummin")


def _slices(y, d):
    """y's elements 1..n-1 and 0..n-2 along ``d``."""
    n = y.shape[d]
    return S.getitem(y, (slice(None),) * d + (slice(1, n),)), S.getitem(y, (slice(None),) * d + (slice(0, n - 1),))


def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    """The n-th forward difference along ``dim``: ``x[1:] - x[:-1]``, n times (``!=`` for bools), after
    ``prepend`` and ``append`` are joined on.

    Args:
        input: a tensor of at least one dim.
        n: how many times to difference.
        dim: the dim.
        prepend: a tensor joined before ``input`` along ``dim`` (same dims, matching sizes elsewhere).
        append: a tensor joined after it.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor, ``n`` shorter along ``dim`` (never below 0).

    >>> import gpugrad as gg
    >>> gg.diff(gg.tensor([1.0, 4.0, 9.0, 16.0])), gg.diff(gg.tensor([1.0, 4.0, 9.0]), n=2)
    (tensor([3., 5., 7.]), tensor([2.]))
    """
    x = input
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = dims("diff", x.ndim, dim)[0]
    parts = [p for p in (prepend, x, append) if p is not None]
    for p in parts:
        if p.ndim != x.ndim:
            raise RuntimeError(f"diff expects prepend or append to be the same dimension as input (input has "
                               f"{x.ndim} dims, got a tensor of shape {tuple(p.shape)})")
    if len(parts) > 1:
        x = S.cat(parts, d)
    for _ in range(n):
        if x.shape[d] == 0:
            break
        right, left = _slices(x, d)
        x = (right != left) if x.dtype == "bool" else A.sub(right, left)
    return write_out(x, out, "diff")


def _dx(y, x, dx, d, op):
    """The spacings for the trapezoid rules: a number, or x's differences shaped to broadcast against y's."""
    if x is None:
        return 1.0 if dx is None else dx
    if dx is not None:
        raise TypeError(f"{op}: pass x or dx, not both")
    if x.dtype == "bool" or y.dtype == "bool":
        raise RuntimeError(f"{op}: received a bool input, but bool is not supported")
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(f"{op}: There must be one `x` value for each sample point (x has {x.shape[0]}, y "
                               f"has {y.shape[d]} along dim {d})")
        x = x.reshape(tuple(x.shape[0] if i == d else 1 for i in range(y.ndim)))
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    right, left = _slices(x, d)
    return A.sub(right, left)


def _trapz_args(op, y, dim):
    if y.ndim == 0:
        raise IndexError(f"{op}: dimension {dim} is out of range for a 0-d tensor")
    if y.dtype == "bool":
        raise RuntimeError(f"{op}: received a bool input for `y`, but bool is not supported")
    return dims(op, y.ndim, dim)[0]


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of ``y`` along ``dim`` by the trapezoid rule, at points ``x`` or spaced ``dx`` (default 1).

    Args:
        y: the values.
        x: the sample points (1-d of y's length along ``dim``, or broadcastable with y).
        dx: the spacing, a number (when ``x`` is not given).
        dim: the dim to integrate along.

    Returns:
        A tensor with ``dim`` removed.

    >>> import gpugrad as gg
    >>> gg.trapezoid(gg.tensor([1.0, 2.0, 3.0])), gg.trapezoid(gg.tensor([1.0, 2.0, 3.0]), dx=0.5)
    (tensor(4.), tensor(2.))
    """
    d = _trapz_args("trapezoid", y, dim)
    if y.shape[d] == 0:
        from ..factories import zeros
        return zeros(tuple(s for i, s in enumerate(y.shape) if i != d), dtype=y.dtype, device=y.device)
    step = _dx(y, x, dx, d, "trapezoid")
    if not isinstance(step, Tensor):          # PyTorch: (sum(y) - (y_0 + y_-1) / 2) dx
        first = S.getitem(y, (slice(None),) * d + (0,))
        last = S.getitem(y, (slice(None),) * d + (-1,))
        return A.mul(A.sub(R.sum(y, d), A.mul(A.add(first, last), 0.5)), step)
    right, left = _slices(y, d)
    return A.div(R.sum(A.mul(step, A.add(left, right)), d), 2.0)


def trapz(y, x=None, *, dx=None, dim=-1):
    """PyTorch's older name of :func:`trapezoid`.

    Args:
        y: the values.
        x: the sample points.
        dx: the spacing, a number (when ``x`` is not given).
        dim: the dim to integrate along.

    Returns:
        A tensor with ``dim`` removed.

    >>> import gpugrad as gg
    >>> gg.trapz(gg.tensor([1.0, 2.0, 3.0]), gg.tensor([0.0, 1.0, 3.0]))
    tensor(6.5000)
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running integral of ``y`` along ``dim`` by the trapezoid rule (one element shorter than ``y``).

    Args:
        y: the values.
        x: the sample points (1-d of y's length along ``dim``, or broadcastable with y).
        dx: the spacing, a number (when ``x`` is not given).
        dim: the dim to integrate along.

    Returns:
        A tensor one shorter along ``dim``.

    >>> import gpugrad as gg
    >>> gg.cumulative_trapezoid(gg.tensor([1.0, 2.0, 3.0]))
    tensor([1.5000, 4.0000])
    """
    d = _trapz_args("cumulative_trapezoid", y, dim)
    if y.shape[d] == 0:
        return y.clone()
    step = _dx(y, x, dx, d, "cumulative_trapezoid")
    right, left = _slices(y, d)
    if isinstance(step, Tensor):
        return cumsum(A.div(A.mul(step, A.add(left, right)), 2.0), d)
    return cumsum(A.mul(A.add(left, right), step / 2.0), d)
