"""Pooling over the last 1, 2 or 3 dims, as ``torch.nn.functional``'s: max pooling (with PyTorch's indices and
tie-breaking), average pooling and power-average (LP) pooling. Adaptive pooling and max unpooling live in
pooling_adaptive.py.

Max pooling finds each window's argmax on the raw arrays (no tape), then records one :class:`Gather` of the
input at those flat indices: its backward scatter-adds each output gradient to the element the index names,
so overlapping windows accumulate, and its forward-mode rule gathers the tangent. The argmax follows PyTorch's
kernels, which scan a window in row-major order and replace the running maximum when ``v > max or isnan(v)``:
the first maximum wins a tie, the last NaN wins over everything, and a window of ``-inf`` only (or of padding)
names its first element inside the input.

Average pooling is recorded from existing ops, all exact: ``pad`` (zeros), one ``unfold`` per pooled dim (views
of the windows), a sum over the window dims and a division by PyTorch's divisor, which is a per-dim product
(the window's extent clipped to the padded or to the unpadded input) and so is computed per dim from the shapes.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..tensor import Tensor
from ._util import shape_str
from .shape import Gather, pad as _pad

_INTEGERS = (int, np.integer)


# -- arguments and shapes -----------------------------------------------------------------------------------------
def ntuple(op, value, n, name):
    """An int or a sequence of 1 or n ints as an n-tuple (PyTorch's ``_pair``/``_triple`` plus its check)."""
    if isinstance(value, _INTEGERS):
        return (int(value),) * n
    v = tuple(int(a) for a in value)
    if len(v) == 1:
        return v * n
    if len(v) != n:
        what = "a single int" if n == 1 else f"a single int, or a tuple of {n} ints"
        raise RuntimeError(f"{op}: {name} must either be {what}, got {tuple(value)}")
    return v


def batched(op, x, n):
    """``(x as (N, C, *spatial), batchless)``: PyTorch takes ``(C, *spatial)`` too and drops the batch dim again."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim not in (n + 1, n + 2) or builtins.any(s == 0 for s in x.shape[-n - 1 if x.ndim == n + 1 else 1:]):
        raise RuntimeError(f"{op}: non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input, got "
                           f"shape {shape_str(x.shape)}")
    if x.ndim == n + 1:
        return x.reshape((1,) + tuple(x.shape)), True
    return x, False


def check_dtype(op, x, integers=()):
    """PyTorch's NotImplementedError for dtypes its pooling kernels lack: bool always, integers other than the
    dtype kinds in ``integers`` ("all", or a tuple of dtype names)."""
    dt = x.dtype
    if dt.kind == "b" or (dt.kind in "iu" and integers != "all" and dt.name not in integers):
        raise NotImplementedError(f"{op}: not implemented for dtype {x.dtype} (floating point"
                                  f"{'' if not integers else ' or integer' if integers == 'all' else ' or int64'}"
                                  " inputs)")


def unbatched(y, batchless):
    return y.reshape(tuple(y.shape[1:])) if batchless else y


def out_size(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape: windows may run past the end in ceil mode, but none starts in the right
    padding."""
    o = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= size + p:
        o -= 1
    return o


def geometry(op, x, n, kernel_size, stride, padding, dilation, ceil_mode):
    """Checked ``(k, s, p, d, out)`` tuples (one entry per pooled dim) with PyTorch's errors."""
    k = ntuple(op, kernel_size, n, "kernel_size")
    s = k if stride is None or (not isinstance(stride, _INTEGERS) and len(stride) == 0) else \
        ntuple(op, stride, n, "stride")
    p = ntuple(op, padding, n, "padding")
    d = ntuple(op, dilation, n, "dilation")
    for name, v in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if builtins.any(a <= 0 for a in v):
            raise RuntimeError(f"{op}: {name} should be greater than zero, but got {name}={v}")
    if builtins.any(a < 0 for a in p) or builtins.any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                           f"kernel_size={k} and dilation={d}")
    sizes = tuple(x.shape[-n:])
    o = tuple(out_size(*a, ceil_mode) for a in zip(sizes, k, s, p, d))
    if builtins.any(a < 1 for a in o):
        c = x.shape[-n - 1]
        raise RuntimeError(f"{op}: Given input size: ({'x'.join(map(str, (c,) + sizes))}). Calculated output size: "
                           f"({'x'.join(map(str, (c,) + o))}). Output size is too small")
    return k, s, p, d, o


# -- max pooling ----------------------------------------------------------------------------------------------------
def window_positions(n, starts, lengths, spans, dil=None):
    """Per pooled dim an (O_d, K_d) host array of input coordinates: window i holds ``starts[i] + j * dil``
    for ``j < spans``; positions at or past ``starts[i] + lengths[i]`` are marked -1 in a second array
    (adaptive windows of different lengths). Returns (coords, in_window) lists."""
    coords, inside = [], []
    for dim in range(n):
        st = np.asarray(starts[dim], dtype=np.int64)[:, None]
        j = np.arange(spans[dim], dtype=np.int64)[None, :]
        coords.append(st + j * (1 if dil is None else dil[dim]))
        inside.append(j < np.asarray(lengths[dim], dtype=np.int64)[:, None] if lengths is not None
                      else np.ones((st.shape[0], spans[dim]), bool))
    return coords, inside


def argmax_indices(x, sizes, coords, inside):
    """Flat indices (into the last ``len(sizes)`` dims of x, which is (B, *sizes)) of each window's maximum, by
    PyTorch's rule (first maximum, last NaN, a window without a value above -inf names its first element in the
    input). ``coords``/``inside`` come from :func:`window_positions`. Returns a (B, O_1 * ... * O_n) array on
    x's device (int64)."""
    xp = x.xp
    n = len(sizes)
    flat = np.zeros((), np.int64)
    valid = np.ones((), bool)
    step = 1
    for dim in reversed(range(n)):          # coordinates broadcast to (O_1..O_n, K_1..K_n)
        c = coords[dim]
        shape = [1] * (2 * n)
        shape[dim], shape[n + dim] = c.shape
        c = c.reshape(shape)
        valid = valid & (c >= 0) & (c < sizes[dim]) & inside[dim].reshape(shape)
        flat = flat + np.clip(c, 0, sizes[dim] - 1) * step
        step *= sizes[dim]
    n_out, n_win = int(np.prod(valid.shape[:n])), int(np.prod(valid.shape[n:]))
    flat = np.broadcast_to(flat, valid.shape).reshape(n_out, n_win)
    valid = valid.reshape(n_out, n_win)
    first_valid = valid.argmax(1)
    a = x._data.reshape(x.shape[0], -1)
    vals = a[:, xp.asarray(flat)]                           # (B, O, K)
    if a.dtype.kind == "f":
        fill = -np.inf
    elif a.dtype.kind in "iu":
        fill = np.iinfo(a.dtype).min
    else:
        raise NotImplementedError(f"max_pool: not implemented for dtype {x.dtype}")
    dvalid = xp.asarray(valid)
    w = xp.where(dvalid, vals, xp.asarray(fill, a.dtype))
    am = w.argmax(-1)
    if a.dtype.kind == "f":                                 # the last NaN of a window wins
        isnan = xp.isnan(w)
        last_nan = (w.shape[-1] - 1) - isnan[..., ::-1].argmax(-1)
        am = xp.where(isnan.any(-1), last_nan, am)
    rows = xp.arange(n_out)
    am = xp.where(dvalid[rows, am], am, xp.asarray(first_valid))
    return xp.asarray(flat)[rows, am]


def _max_pool(op, n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, batchless = batched(op, input, n)
    check_dtype(op, x, "all" if n > 1 else ())
    k, s, p, d, o = geometry(op, x, n, kernel_size, stride, padding, dilation, ceil_mode)
    coords, inside = window_positions(n, [np.arange(oi) * si - pi for oi, si, pi in zip(o, s, p)], None, k, d)
    return gather_max(x, n, coords, inside, o, batchless, return_indices)


def gather_max(x, n, coords, inside, o, batchless, return_indices):
    """The windows' maxima of (N, C, *spatial) x as one recorded Gather at their flat indices (its backward
    scatter-adds to the argmax), reshaped to (N, C, *o); with the indices when asked."""
    flat_x = x.reshape((x.shape[0] * x.shape[1], -1))
    idx = argmax_indices(flat_x, tuple(x.shape[-n:]), coords, inside)
    out_shape = tuple(x.shape[:2]) + tuple(o)
    y = unbatched(Gather.apply(flat_x, idx, 1).reshape(out_shape), batchless)
    if not return_indices:
        return y
    return y, unbatched(Tensor._make(idx.reshape(out_shape), None), batchless)


_MAX_POOL_DOC = """Max pooling over the last {n} dim(s) of ``(N, C, {dims})`` or ``(C, {dims})`` input: the
    maximum of each window (as ``torch.nn.functional.max_pool{n}d``, with its indices and tie-breaking; the
    gradient goes to the element the index names).

    Args:
        input: the input tensor.
        kernel_size: the window's size (an int or {n} ints).
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit ``-inf`` padding on both sides, at most half the kernel.
        dilation: the distance between a window's elements.
        ceil_mode: round the output size up (windows may run past the end, none starts in the right padding).
        return_indices: also return each maximum's flat index in its input plane (for ``max_unpool{n}d``).

    Returns:
        The pooled tensor, or ``(pooled, indices)`` with ``return_indices``.

    >>> import gpugrad as gg
    >>> gg.nn.functional.max_pool{n}d(gg.arange(16.0).reshape({example}), 2)
    {result}
    """


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


max_pool1d.__doc__ = _MAX_POOL_DOC.format(n=1, dims="L", example="1, 16",
                                          result="tensor([[ 1.,  3.,  5.,  7.,  9., 11., 13., 15.]])")
max_pool2d.__doc__ = _MAX_POOL_DOC.format(n=2, dims="H, W", example="1, 4, 4",
                                          result="tensor([[[ 5.,  7.],\n             [13., 15.]]])")
max_pool3d.__doc__ = _MAX_POOL_DOC.format(n=3, dims="D, H, W", example="1, 2, 2, 4",
                                          result="tensor([[[[13., 15.]]]])")


def _with_indices(fn):
    def f(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True):
        return fn(input, kernel_size, stride, padding, dilation, ceil_mode, True)
    n = fn.__name__[-2]
    f.__name__ = f.__qualname__ = fn.__name__ + "_with_indices"
    f.__doc__ = f"""``{fn.__name__}`` returning ``(pooled, indices)`` (PyTorch's ``{f.__name__}``).

    Args:
        input: the input tensor.
        kernel_size: the window's size.
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit ``-inf`` padding on both sides.
        dilation: the distance between a window's elements.
        ceil_mode: round the output size up.
        return_indices: ignored (always True).

    Returns:
        ``(pooled, indices)``.

    >>> import gpugrad as gg
    >>> gg.nn.functional.{f.__name__}(gg.ones({", ".join(["1"] + ["2"] * int(n))}), 2)[1].shape
    gpugrad.Size([1{", 1" * int(n)}])
    """
    return f


max_pool1d_with_indices = _with_indices(max_pool1d)
max_pool2d_with_indices = _with_indices(max_pool2d)
max_pool3d_with_indices = _with_indices(max_pool3d)


# -- average pooling ------------------------------------------------------------------------------------------------
def _divisor(xp, dtype, sizes, k, s, p, o, count_include_pad):
    """PyTorch's divisor per output position, a product over the pooled dims of the window's extent clipped to
    the padded input (count_include_pad) or to the input: an array of shape ``o``."""
    div = np.ones((), np.float64)
    for dim, (size, ki, si, pi, oi) in enumerate(zip(sizes, k, s, p, o)):
        start = np.arange(oi) * si - pi
        end = np.minimum(start + ki, size + pi)
        if count_include_pad:
            n = end - start
        else:
            n = np.minimum(end, size) - np.maximum(start, 0)
        div = div[..., None] * n if dim else n.astype(np.float64)
    return xp.asarray(div.astype(dtype, copy=False))


def _avg_pool(op, n, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    x, batchless = batched(op, input, n)
    check_dtype(op, x, ("int64",))
    k, s, p, _, o = geometry(op, x, n, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    sizes = tuple(x.shape[-n:])
    widths = []
    for size, ki, si, pi, oi in zip(sizes, k, s, p, o):     # ceil mode: zeros past the end for the last window
        widths = [pi, pi + builtins.max(0, (oi - 1) * si + ki - (size + 2 * pi))] + widths
    xpad = _pad(x, tuple(widths)) if builtins.any(widths) else x
    w = xpad
    for dim in range(n):
        w = w.unfold(2 + dim, k[dim], s[dim])
    total = w.sum(tuple(range(-n, 0)))
    xp = x.xp
    if x.dtype.kind in "iu":            # PyTorch divides integers in C++: truncation toward zero
        div = int(divisor_override) if divisor_override is not None else \
            _divisor(xp, np.int64, sizes, k, s, p, o, count_include_pad)
        a = total._data
        q = xp.abs(a) // div
        y = Tensor._make(xp.where(a < 0, -q, q).astype(x.dtype, copy=False), None)
    elif divisor_override is not None:
        y = total / divisor_override
    else:
        y = total / Tensor._make(_divisor(xp, x.dtype, sizes, k, s, p, o, count_include_pad), None)
    return unbatched(y, batchless)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average pooling over the last dim of ``(N, C, L)`` or ``(C, L)`` input (``torch.nn.functional.avg_pool1d``).

    Args:
        input: the input tensor.
        kernel_size: the window's length.
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit zero padding on both sides, at most half the kernel.
        ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.

    Returns:
        The pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.avg_pool1d(gg.tensor([[1.0, 2.0, 3.0, 4.0]]), 2)
    tensor([[1.5000, 3.5000]])
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average pooling over the last 2 dims of ``(N, C, H, W)`` or ``(C, H, W)`` input
    (``torch.nn.functional.avg_pool2d``).

    Args:
        input: the input tensor.
        kernel_size: the window's size (an int or 2 ints).
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit zero padding on both sides, at most half the kernel.
        ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.
        divisor_override: divide by this instead of the window's size.

    Returns:
        The pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.avg_pool2d(gg.arange(16.0).reshape(1, 4, 4), 2)
    tensor([[[ 2.5000,  4.5000],
             [10.5000, 12.5000]]])
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average pooling over the last 3 dims of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input
    (``torch.nn.functional.avg_pool3d``).

    Args:
        input: the input tensor.
        kernel_size: the window's size (an int or 3 ints).
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit zero padding on both sides, at most half the kernel.
        ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.
        divisor_override: divide by this instead of the window's size.

    Returns:
        The pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.avg_pool3d(gg.ones(1, 2, 2, 2), 2)
    tensor([[[[1.]]]])
    """
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# -- power-average pooling ------------------------------------------------------------------------------------------
def _lp_pool(n, input, norm_type, kernel_size, stride, ceil_mode):
    """PyTorch's formula: (sum of x^p over the window)^(1/p), as avg_pool of x^p times the window's size; +-inf
    norms are max pooling of |x|."""
    mp = (max_pool1d, max_pool2d, max_pool3d)[n - 1]
    ap = (avg_pool1d, avg_pool2d, avg_pool3d)[n - 1]
    if norm_type == float("inf"):
        return mp(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -mp(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = ap(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    size = int(np.prod(ntuple(f"lp_pool{n}d", kernel_size, n, "kernel_size")))
    return (out.sign() * out.abs().relu()).mul(size).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over the last dim: ``(sum of x^p over each window)^(1/p)``
    (``torch.nn.functional.lp_pool1d``).

    Args:
        input: ``(N, C, L)`` or ``(C, L)`` input.
        norm_type: the power p (``inf``: max of ``|x|``).
        kernel_size: the window's length.
        stride: the distance between windows (default: ``kernel_size``).
        ceil_mode: round the output size up.

    Returns:
        The pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.lp_pool1d(gg.tensor([[3.0, 4.0]]), 2, 2)
    tensor([[5.]])
    """
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over the last 2 dims (``torch.nn.functional.lp_pool2d``).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)`` input.
        norm_type: the power p (``inf``: max of ``|x|``).
        kernel_size: the window's size.
        stride: the distance between windows (default: ``kernel_size``).
        ceil_mode: round the output size up.

    Returns:
        The pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.lp_pool2d(gg.ones(1, 2, 2), 1, 2)
    tensor([[[4.]]])
    """
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over the last 3 dims (``torch.nn.functional.lp_pool3d``).

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input.
        norm_type: the power p (``inf``: max of ``|x|``).
        kernel_size: the window's size.
        stride: the distance between windows (default: ``kernel_size``).
        ceil_mode: round the output size up.

    Returns:
        The pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.lp_pool3d(gg.ones(1, 2, 2, 2), 1, 2)
    tensor([[[[8.]]]])
    """
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)
