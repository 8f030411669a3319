"""Resampling, as ``torch.nn.functional``'s: ``interpolate`` (nearest, nearest-exact, linear, bilinear, trilinear,
bicubic, area) with its deprecated ``upsample`` forms, and the rearrangements ``pixel_shuffle``,
``pixel_unshuffle`` and ``channel_shuffle`` (reshape and permute: views where PyTorch's are).

Every interpolation mode is separable, so it runs one spatial dim at a time, the last dim first (the order in
which PyTorch's CPU kernel nests its sums; values agree to a few ulps, indices exactly): the source
positions and weights of a dim depend on the sizes only, so they are computed on the host, in PyTorch's own
arithmetic (``float`` for nearest indices, the input's "opmath" type for weights: float32 for float16/32
inputs, float64 for float64), then each tap is one recorded ``index_select`` times its weights. The backward
of index_select scatter-adds, which is the transposed interpolation PyTorch's backward kernels compute.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..tensor import Tensor
from ._util import shape_str
from .shape import index_select

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area")
_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
_A = -0.75       # PyTorch's (and OpenCV's) bicubic convolution parameter


# -- per-dim source positions and weights (host arrays) ----------------------------------------------------------------
def _nearest_index(in_size, out_size, scale, exact, shortcuts):
    """PyTorch's nearest_idx / nearest_exact_idx, in float32 as its kernel computes them; its 2-D nearest kernel
    (only) takes the shortcuts ``out == in`` (the identity) and ``out == 2 in`` (halve), whatever the scale."""
    dst = np.arange(out_size, dtype=np.float32)
    if shortcuts and not exact and out_size == in_size:
        return np.arange(out_size, dtype=np.int64)
    if shortcuts and not exact and out_size == 2 * in_size:
        return np.arange(out_size, dtype=np.int64) >> 1
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(in_size) / np.float32(out_size)
    src = np.floor((dst + np.float32(0.5)) * s if exact else dst * s).astype(np.int64)
    return np.minimum(src, in_size - 1)


def _source_position(in_size, out_size, scale, align_corners, cubic, op):
    """area_pixel_compute_scale and area_pixel_compute_source_index, in the opmath type ``op``."""
    dst = np.arange(out_size, dtype=op)
    if align_corners:
        s = op(in_size - 1) / op(out_size - 1) if out_size > 1 else op(0)
        return s * dst
    s = op(1.0 / scale) if scale is not None and scale > 0 else op(in_size) / op(out_size)
    src = s * (dst + op(0.5)) - op(0.5)
    return src if cubic else np.maximum(src, op(0))


def _taps(mode, in_size, out_size, scale, align_corners, op, dim):
    """[(source index array, weight array or None), ...]: the output along a dim is sum of x[index] * weight."""
    if mode in ("nearest", "nearest-exact"):
        return [(_nearest_index(in_size, out_size, scale, mode == "nearest-exact", dim == 2), None)]
    if mode != "bicubic" and out_size == in_size:          # PyTorch's shortcut: the identity
        return []
    real = _source_position(in_size, out_size, scale, align_corners, mode == "bicubic", op)
    i0 = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
    t = np.clip(real - i0.astype(op), op(0), op(1))
    if mode != "bicubic":
        return [(i0, op(1) - t), (i0 + (i0 < in_size - 1), t)]
    a = op(_A)

    def near(x):      # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):       # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    return [(np.clip(i0 - 1 + j, 0, in_size - 1), w) for j, w in enumerate(weights)]


def _resample_dim(x, axis, taps):
    if not taps:
        return x
    xp = x.xp
    out = None
    shape = [1] * x.ndim
    for idx, w in taps:
        v = index_select(x, axis, xp.asarray(idx))
        if w is not None:
            shape[axis] = w.shape[0]
            v = v * Tensor._make(xp.asarray(w.astype(x.dtype).reshape(shape)), None)
        out = v if out is None else out + v
    return out


# -- interpolate -----------------------------------------------------------------------------------------------------
def _sizes(x, dim, size, scale_factor, recompute_scale_factor):
    """PyTorch's interpolate argument logic: (output sizes, scales passed to the kernel or None per dim)."""
    spatial = list(x.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"interpolate: Input and output must have the same number of spatial dimensions, "
                                 f"but got input with spatial dimensions of {spatial} and output size of {size}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            out = [int(s) for s in size]
        else:
            out = [int(size)] * dim
        scales = [None] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"interpolate: Input and scale_factor must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of {spatial} and scale_factor "
                                 f"of shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 "format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out = [int(math.floor(n * s)) for n, s in zip(spatial, scales)]
        if recompute_scale_factor:
            scales = [None] * dim
    else:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("interpolate: recompute_scale_factor is not meaningful with an explicit size.")
    if any(o <= 0 for o in out):
        raise RuntimeError(f"interpolate: Input and output sizes should be greater than 0, but got input "
                           f"{shape_str(x.shape)} and output sizes {out}")
    return out, scales


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resamples the spatial dims of ``(N, C, *spatial)`` input to ``size`` or by ``scale_factor``, as
    ``torch.nn.functional.interpolate`` (same sizes, source positions and weights).

    Args:
        input: a 3-D, 4-D or 5-D tensor (1, 2 or 3 spatial dims).
        size: the output's spatial size (an int or one per spatial dim).
        scale_factor: the multiplier of the spatial size (a number or one per spatial dim).
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"`` (3-D), ``"bilinear"`` (4-D), ``"trilinear"`` (5-D),
            ``"bicubic"`` (4-D) or ``"area"`` (adaptive average pooling).
        align_corners: the linear modes' corner convention (None: False); not for nearest and area.
        recompute_scale_factor: derive the scales from the computed output size, not ``scale_factor``.
        antialias: not supported (must be False).

    Returns:
        The resampled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.interpolate(gg.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear")
    tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    x = input
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{x.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | "
                                  f"area | nearest-exact (got {mode})")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = x.ndim - 2
    if dim not in (1, 2, 3):
        raise NotImplementedError(f"interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{x.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | "
                                  f"area | nearest-exact (got {mode})")
    out, scales = _sizes(x, dim, size, scale_factor, recompute_scale_factor or (
        mode == "area" and size is None))
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by gpugrad")
    if mode in _LINEAR and _LINEAR[mode] != x.ndim:
        raise NotImplementedError(f"interpolate: Got {x.ndim}D input, but {mode} mode needs {_LINEAR[mode]}D input")
    if mode == "area":
        from .pooling_adaptive import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](x, out)
    dt = x.dtype
    if dt.kind == "b" or (dt.kind in "iu" and (mode not in ("nearest", "nearest-exact") or dt != np.uint8)):
        raise NotImplementedError(f"interpolate: mode {mode!r} is not implemented for dtype {x.dtype}")
    op = np.float64 if dt == np.float64 else np.float32
    y = x
    for d in reversed(range(dim)):        # the last dim first: PyTorch's kernel nests its sums this way
        y = _resample_dim(y, 2 + d, _taps(mode, x.shape[2 + d], out[d], scales[d], align_corners, op, dim))
    return y if y is not x else y * 1 if dt.kind == "f" else y.clone()


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated form of :func:`interpolate` (warns, as PyTorch's).

    Args:
        input: a 3-D, 4-D or 5-D tensor.
        size: the output's spatial size.
        scale_factor: the multiplier of the spatial size.
        mode: the interpolation mode (see :func:`interpolate`).
        align_corners: the linear modes' corner convention.

    Returns:
        The resampled tensor.

    >>> import gpugrad as gg
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.nn.functional.upsample(gg.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode="nearest")`` (warns, as PyTorch's).

    Args:
        input: a 3-D, 4-D or 5-D tensor.
        size: the output's spatial size.
        scale_factor: the multiplier of the spatial size.

    Returns:
        The resampled tensor.

    >>> import gpugrad as gg
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.nn.functional.upsample_nearest(gg.tensor([[[1.0, 2.0]]]), 3)
    tensor([[[1., 1., 2.]]])
    """
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)`` (warns, as
    PyTorch's).

    Args:
        input: a 4-D tensor.
        size: the output's spatial size.
        scale_factor: the multiplier of the spatial size.

    Returns:
        The resampled tensor.

    >>> import gpugrad as gg
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.nn.functional.upsample_bilinear(gg.tensor([[[[1.0, 2.0]]]]), (1, 3))
    tensor([[[[1.0000, 1.5000, 2.0000]]]])
    """
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- rearrangements --------------------------------------------------------------------------------------------------
def _check_rank(op, x):
    if x.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with {x.ndim} "
                           f"dimension(s) (shape {shape_str(x.shape)})")


def pixel_shuffle(input, upscale_factor):
    """``(*, C r^2, H, W)`` to ``(*, C, H r, W r)``: each group of r^2 channels becomes an r x r block
    (``torch.nn.functional.pixel_shuffle``).

    Args:
        input: a tensor of at least 3 dims.
        upscale_factor: r.

    Returns:
        The rearranged tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.pixel_shuffle(gg.arange(4.0).reshape(4, 1, 1), 2)
    tensor([[[0., 1.],
             [2., 3.]]])
    """
    x, r = input, int(upscale_factor)
    _check_rank("pixel_shuffle", x)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    y = x.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    y = y.permute(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return y.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """``(*, C, H r, W r)`` to ``(*, C r^2, H, W)``, the inverse of :func:`pixel_shuffle`
    (``torch.nn.functional.pixel_unshuffle``).

    Args:
        input: a tensor of at least 3 dims.
        downscale_factor: r.

    Returns:
        The rearranged tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.pixel_unshuffle(gg.arange(4.0).reshape(1, 2, 2), 2).flatten()
    tensor([0., 1., 2., 3.])
    """
    x, r = input, int(downscale_factor)
    _check_rank("pixel_unshuffle", x)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = x.shape
    for what, v in (("height", h), ("width", w)):
        if v % r:
            raise RuntimeError(f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but input.size("
                               f"{-2 if what == 'height' else -1})={v} is not divisible by {r}")
    n = len(lead)
    y = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    y = y.permute(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return y.reshape(tuple(lead) + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    """``(N, C, *)`` with its channels regrouped: split into ``groups`` groups, channel i of each group placed
    together (``torch.nn.functional.channel_shuffle``, ShuffleNet's shuffle).

    Args:
        input: a tensor of at least 3 dims.
        groups: the number of groups (dividing C).

    Returns:
        The shuffled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.functional.channel_shuffle(gg.arange(4.0).reshape(1, 4, 1), 2).flatten()
    tensor([0., 2., 1., 3.])
    """
    x, g = input, int(groups)
    _check_rank("channel_shuffle", x)
    if g <= 0:
        raise RuntimeError(f"channel_shuffle: Number of groups to divide channels in must be positive. Value of "
                           f"groups:{g}")
    n, c, *rest = x.shape
    if c % g:
        raise RuntimeError(f"channel_shuffle: Number of channels must be divisible by groups. Got {c} channels and "
                           f"{g} groups.")
    y = x.reshape((n, g, c // g) + tuple(rest)).transpose(1, 2)
    return y.reshape(tuple(x.shape))
