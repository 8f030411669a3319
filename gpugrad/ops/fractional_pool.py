"""Fractional max pooling (Graham, 2014), as ``torch.nn.functional.fractional_max_pool2d/3d``.

Each (batch, channel) plane draws one number ``u`` in [0, 1) per pooled dim (``_random_samples``, shape
``(N, C, n)``; drawn with ``rand`` when not given). Along a dim of size L pooled to O windows of size K, window
i starts at ``int((i + u) * a) - int(u * a)`` with ``a = (L - K) / (O - 1)``, computed in the input's dtype as
PyTorch computes it, and the last window starts at ``L - K``. Which sample serves which dim is PyTorch's: in 2d
``[..., 0]`` the width and ``[..., 1]`` the height, in 3d ``[..., 0..2]`` time, height and width.

The maxima are one recorded Gather at their flat indices in the plane (its backward scatter-adds to the
argmax, as max pooling's), with PyTorch's tie rule: the first maximum of a window, or its last NaN.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..backend import xp_of
from ..tensor import Tensor
from .pooling import unbatched
from .shape import Gather

_DIMS = {2: ("height", "width"), 3: ("time", "height", "width")}


def _starts(xp, u, size, out, k):
    """(B, out) window starts along one dim of ``size`` for the (B,) samples ``u`` (in the input's dtype)."""
    last = xp.full((u.shape[0], 1), size - k, dtype=np.int64) if out > 0 else xp.zeros((u.shape[0], 0), np.int64)
    if out <= 1:
        return last
    dt = u.dtype.type
    alpha = dt(size - k) / dt(out - 1)
    i = xp.arange(out - 1, dtype=u.dtype)
    s = ((i[None, :] + u[:, None]) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)[:, None]
    return xp.concatenate([s, last], axis=1)


def _argmax_flat(a, flat):
    """For (B, P) values ``a`` and (B, O, K) flat positions in them: each window's argmax position (the first
    maximum, or the last NaN), (B, O)."""
    xp = xp_of(a)
    b, o, k = flat.shape
    rows = xp.arange(b)[:, None]
    w = a[rows, flat.reshape(b, o * k)].reshape(b, o, k)
    am = w.argmax(-1)
    if a.dtype.kind == "f":
        isnan = xp.isnan(w)
        last_nan = (k - 1) - isnan[..., ::-1].argmax(-1)
        am = xp.where(isnan.any(-1), last_nan, am)
    return xp.take_along_axis(flat, am[..., None], axis=-1)[..., 0]


def _sizes(op, v, n, name):
    """An int or n ints as an n-tuple, with PyTorch's error."""
    t = tuple(int(a) for a in v) if isinstance(v, (tuple, list)) else (int(v),)
    if len(t) == 1:
        t = t * n
    if len(t) != n:
        raise RuntimeError(f"{op}: {name} must either be a single Int or tuple of Ints")
    return t


def _fractional(n, input, kernel_size, output_size, output_ratio, _random_samples):
    op = f"fractional_max_pool{n}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{op}(): Expected {n + 1}D or {n + 2}D tensor, but got: {list(input.shape)}")
    k = _sizes(op, kernel_size, n, "kernel_size")
    if builtins.any(a <= 0 for a in k):
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, got {k}")
    if output_size is None:
        r = (float(output_ratio),) * n if not isinstance(output_ratio, (tuple, list)) else tuple(output_ratio)
        if len(r) == 1:
            r = r * n
        if len(r) != n:
            raise ValueError(f"{op} requires output_ratio to either be a single Int or tuple of Ints.")
        output_size = [int(s * ri) for s, ri in zip(input.shape[-n:], r)]
    o = _sizes(op, output_size, n, "output_size")
    batchless = input.ndim == n + 1
    x = input.reshape((1,) + tuple(input.shape)) if batchless else input
    for d in range(1, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but got"
                               f"{list(input.shape)} with dimension {d - batchless} being empty.")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for dtype {x.dtype} (floating point inputs)")
    if builtins.any(a < 0 for a in o):
        raise RuntimeError(f"{op}: output_size must be non-negative, got {o}")
    sizes = tuple(x.shape[-n:])
    for d in ((0, 2, 1) if n == 3 else (0, 1)):        # PyTorch's order of checks: 3d T, W, H; 2d H, W
        ok = o[d] + k[d] - 1 < sizes[d] if n == 3 else o[d] + k[d] - 1 <= sizes[d]
        if not ok:
            name = _DIMS[n][d]
            raise RuntimeError(f"{op}{'_out' if n == 3 else ''}(): pool {name} {k[d]} too large relative to "
                               f"input {name} {sizes[d]}")
    nb, c = x.shape[0], x.shape[1]
    if _random_samples is None:
        from ..random_factories import rand
        _random_samples = rand(nb, c, n, dtype=x.dtype, device=x.device)
    rs = _random_samples
    if rs.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {rs.ndim}")
    if rs.shape[0] < nb:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if rs.shape[1] != c:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if rs.shape[2] != n:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {n}; got {rs.shape[2]}.")
    if rs.dtype != x.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    xp = x.xp
    u = rs._data[:nb].reshape(nb * c, n)
    which = (1, 0) if n == 2 else (0, 1, 2)           # the sample each dim uses
    flat = xp.zeros((nb * c,) + (1,) * (2 * n), dtype=np.int64)
    step = 1
    for d in reversed(range(n)):                      # (B, O_1..O_n, K_1..K_n) flat positions in the plane
        st = _starts(xp, xp.ascontiguousarray(u[:, which[d]]), sizes[d], o[d], k[d])
        pos = st[:, :, None] + xp.arange(k[d], dtype=np.int64)[None, None, :]
        shape = [nb * c] + [1] * (2 * n)
        shape[1 + d], shape[1 + n + d] = o[d], k[d]
        flat = flat + pos.reshape(shape) * step
        step *= sizes[d]
    n_out, n_win = int(np.prod(o)), int(np.prod(k))
    flat = xp.broadcast_to(flat, (nb * c,) + tuple(o) + tuple(k)).reshape(nb * c, n_out, n_win)
    flat_x = x.reshape((nb * c, int(np.prod(sizes))))
    idx = _argmax_flat(flat_x._data, flat) if n_out else xp.zeros((nb * c, 0), np.int64)
    out_shape = (nb, c) + tuple(o)
    y = Gather.apply(flat_x, idx, 1).reshape(out_shape)
    return unbatched(y, batchless), unbatched(Tensor._make(idx.reshape(out_shape), None), batchless)


_DOC = """Fractional max pooling over the last {n} dims of ``(N, C, {dims})`` or ``(C, {dims})`` input (as
    ``torch.nn.functional.{name}``): windows of ``kernel_size`` at pseudo-random, overlapping positions, one
    draw per plane, so that the output has ``output_size`` (or ``output_ratio`` times the input's size).

    Args:
        input: the input tensor (floating point).
        kernel_size: the window's size (an int or {n} ints).
        output_size: the output's size (an int or {n} ints).
        output_ratio: the output's size as a fraction of the input's (a number or {n}), when no output_size.
        return_indices: also return each maximum's flat index in its input plane{ignored}.
        _random_samples: ``(N, C, {n})`` numbers in [0, 1) of the input's dtype that place the windows
            (PyTorch's private argument; drawn with ``rand`` when None).

    Returns:
        {returns}

    >>> import gpugrad as gg
    >>> x = gg.arange({size}.0).reshape(1, 1, {shape})
    >>> {call}
    {result}
    """


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    y, i = _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)
    return (y, i) if return_indices else y


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    y, i = _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)
    return (y, i) if return_indices else y


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional(2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional(3, input, kernel_size, output_size, output_ratio, _random_samples)


def _document(f, n, with_indices):
    last = 8 if n == 2 else 26
    f.__doc__ = _DOC.format(
        n=n, name=f.__name__, dims="H, W" if n == 2 else "T, H, W", size=9 if n == 2 else 27,
        shape="3, 3" if n == 2 else "3, 3, 3",
        ignored=" (ignored: always returned)" if with_indices else " (for ``max_unpool``)",
        returns="``(pooled, indices)``." if with_indices else
        "The pooled tensor, or ``(pooled, indices)`` when ``return_indices``.",
        call=(f"[t.flatten().tolist() for t in gg.nn.functional.{f.__name__}(x, 2, output_size=1)]"
              if with_indices else f"gg.nn.functional.{f.__name__}(x, 2, output_size=1).flatten().tolist()"),
        result=f"[[{last}.0], [{last}]]" if with_indices else f"[{last}.0]")


_document(fractional_max_pool2d, 2, False)
_document(fractional_max_pool3d, 3, False)
_document(fractional_max_pool2d_with_indices, 2, True)
_document(fractional_max_pool3d_with_indices, 3, True)
