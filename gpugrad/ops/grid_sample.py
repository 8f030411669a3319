"""Spatial transformers, as ``torch.nn.functional``'s: ``affine_grid`` (the sampling grid of a batch of affine
maps) and ``grid_sample`` (read an image at the grid's points: bilinear/trilinear, nearest or bicubic, with
zeros, border or reflection padding), in 2-D and 3-D.

Built from recorded ops, so both input and grid get their gradients from the tape: a grid coordinate
g in [-1, 1] becomes a pixel position p = unnormalize(g), folded into the image by the padding (border:
clipped; reflection: reflected, then clipped). That map is piecewise linear, so it is computed on the raw
arrays (``xp``) as a value and a slope (PyTorch's conventions: a clipped position, or one on the border, has
slope 0; a reflected one slope -1), and recorded as ``value + (g - g.detach()) * slope``, exact forward and
that slope backward. Each tap (neighbour pixel) is then one recorded gather from the flattened image times
its weight, a product of per-dim factors of p; taps outside the image read 0 under zeros padding.
"""
from __future__ import annotations

import itertools
import warnings

from ..tensor import Tensor
from .arithmetic import where
from .shape import Gather

__all__ = ["affine_grid", "grid_sample", "affine_grid_generator", "grid_sampler"]

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}
_A = -0.75          # the bicubic convolution parameter (PyTorch's, OpenCV's)
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _const(xp, arr, dtype):
    return Tensor._make(xp.asarray(arr).astype(dtype, copy=False), None)


def _sizes(t):
    return list(t.shape)


# -- affine_grid ------------------------------------------------------------------------------------------------------
def _steps(xp, n, align_corners, dtype):
    """n points spread over [-1, 1] (pixel corners, align_corners) or their centres; one point: 0."""
    if n <= 1:
        return xp.zeros(max(n, 0), dtype)
    r = xp.linspace(-1.0, 1.0, n, dtype=dtype)
    return r if align_corners else r * ((n - 1) / n)


def affine_grid_generator(theta, size, align_corners):
    """The sampling grid of the affine maps ``theta`` (``torch.affine_grid_generator``, behind
    :func:`affine_grid`, without its checks): grid[n, ..., :] = theta[n] @ (x, y[, z], 1).

    Args:
        theta: (N, 2, 3) or (N, 3, 4) affine matrices.
        size: the output size (N, C, H, W) or (N, C, D, H, W).
        align_corners: whether -1 and 1 are the corner pixels' centres (True) or their outer edges.

    Returns:
        the grid, (N, H, W, 2) or (N, D, H, W, 3), differentiable in ``theta``.

    >>> import gpugrad as gg
    >>> theta = gg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> gg.nn.functional.affine_grid(theta, [1, 1, 2, 2], align_corners=True)[0, 0].tolist()
    [[-1.0, -1.0], [1.0, -1.0]]
    """
    xp, dtype = theta.xp, theta._data.dtype
    spatial = [int(s) for s in size[2:]]
    k = len(spatial)
    axes = [_steps(xp, n, align_corners, dtype) for n in reversed(spatial)]       # x (last dim) first
    mesh = xp.meshgrid(*axes[::-1], indexing="ij")                               # (D,) H, W order
    base = xp.stack([m for m in mesh[::-1]] + [xp.ones(mesh[0].shape, dtype)], axis=-1).reshape(-1, k + 1)
    grid = _const(xp, base, dtype) @ theta.transpose(1, 2)
    return grid.reshape(int(size[0]), *spatial, k)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps, for :func:`grid_sample` (spatial transformer networks), as
    ``torch.nn.functional.affine_grid``: each output point (x, y[, z]) in [-1, 1] coordinates maps to
    theta @ (x, y[, z], 1).

    Args:
        theta: (N, 2, 3) matrices for a 2-D size, (N, 3, 4) for a 3-D one (floating point).
        size: the target size, (N, C, H, W) or (N, C, D, H, W).
        align_corners: True: -1 and 1 are the centres of the corner pixels; False: their outer edges (the
            default, with a warning when not given, as PyTorch's).

    Returns:
        the grid, (N, H, W, 2) or (N, D, H, W, 3).

    >>> import gpugrad as gg
    >>> theta = gg.tensor([[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]])        # swap x and y
    >>> gg.nn.functional.affine_grid(theta, [1, 1, 2, 2], align_corners=False)[0, 0, 1].tolist()
    [-0.5, 0.5]
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta holds {theta.shape[0]} matrices but size asks for a batch of "
                           f"{size[0]}")
    return affine_grid_generator(theta, size, align_corners)


# -- positions: value and slope of the piecewise linear map from a grid coordinate -------------------------------------
def _unnormalize(xp, g, n, align_corners):
    if align_corners:
        return (g + 1) / 2 * (n - 1), (n - 1) / 2
    return ((g + 1) * n - 1) / 2, n / 2


def _clip(xp, v, n):
    """Into [0, n - 1]; the border itself counts as outside (slope 0), as in PyTorch's backward."""
    return xp.clip(v, 0, n - 1), ((v > 0) & (v < n - 1)).astype(v.dtype)


def _reflect(xp, v, twice_low, twice_high):
    """Reflected at the bounds twice_low / 2 and twice_high / 2 until inside."""
    if twice_low == twice_high:
        return xp.zeros_like(v), xp.zeros_like(v)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    d = v - low
    a = xp.abs(d)
    extra = xp.fmod(a, span)
    even = (xp.floor(a / span) % 2) == 0
    value = xp.where(even, extra + low, span - extra + low)
    slope = xp.where(even, 1.0, -1.0) * xp.where(d < 0, -1.0, 1.0)
    return value.astype(v.dtype, copy=False), slope.astype(v.dtype, copy=False)


def _fold(xp, v, n, padding_mode, align_corners):
    """(position, slope) of the positions ``v`` folded into [0, n - 1] by the padding (zeros: unchanged)."""
    if padding_mode == 0:
        return v, None
    slope = None
    if padding_mode == 2:
        v, slope = _reflect(xp, v, 0, 2 * (n - 1)) if align_corners else _reflect(xp, v, -1, 2 * n - 1)
    v, s = _clip(xp, v, n)
    return v, s if slope is None else s * slope


def _position(g, n, padding_mode, align_corners, fold):
    """The recorded pixel positions of grid coordinates ``g`` (a Tensor) along a dim of size ``n``."""
    xp, raw = g.xp, g._data
    v, slope = _unnormalize(xp, raw, n, align_corners)
    if fold:
        v, s = _fold(xp, v, n, padding_mode, align_corners)
        slope = slope if s is None else s * slope
    pos = Tensor._make(v.astype(raw.dtype, copy=False), None)
    if not g.requires_grad:
        return pos
    return pos + (g - g.detach()) * (slope if isinstance(slope, float) else _const(xp, slope, raw.dtype))


def _tap_index(xp, i, n, padding_mode, align_corners):
    """(index into [0, n), inside mask) of the integer positions ``i`` (bicubic taps, folded as positions)."""
    if padding_mode == 0:
        return xp.clip(i, 0, n - 1), (i >= 0) & (i < n)
    v, _ = _fold(xp, i.astype(xp.float64), n, padding_mode, align_corners)
    return v.astype(xp.int64), None


# -- grid_sample -------------------------------------------------------------------------------------------------------
def _check(input, grid, interpolation_mode):
    isz, gsz = _sizes(input), _sizes(grid)
    if input.device != grid.device:
        raise RuntimeError(f"grid_sampler(): expected input and grid to be on same device, but input is on "
                           f"{input.device} and grid is on {grid.device}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    if not input.is_floating_point():
        raise NotImplementedError(f"grid_sampler(): not implemented for input of dtype {input.dtype} (floating "
                                  f"point only)")
    if isz[0] != gsz[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {isz} and grid with sizes {gsz}")
    if gsz[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, but "
                           f"got grid with sizes {gsz}")
    for i in range(2, input.dim()):
        if isz[i] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                               f"has sizes {isz} with dimension {i} being empty")
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected {4 if input.dim() == 4 else 5}D input and grid with same "
                           f"number of dimensions, but got input with sizes {isz} and grid with sizes {gsz}")
    if interpolation_mode == 2 and input.dim() == 5:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if interpolation_mode not in (0, 1, 2):
        raise RuntimeError(f"grid_sampler(): unknown interpolation mode {interpolation_mode} (0: bilinear, "
                           f"1: nearest, 2: bicubic)")


def _cubic_weights(t):
    """The 4 bicubic convolution weights of the taps at -1, 0, 1, 2 for fractions ``t``."""
    def near(x):      # |x| <= 1
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def far(x):       # 1 < |x| < 2
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A
    return far(t + 1), near(t), near(1 - t), far(2 - t)


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler``, :func:`grid_sample` with the modes as numbers (interpolation 0 bilinear,
    1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection).

    Args:
        input: (N, C, H, W) or (N, C, D, H, W).
        grid: (N, Ho, Wo, 2) or (N, Do, Ho, Wo, 3), coordinates (x, y[, z]) in [-1, 1].
        interpolation_mode: 0, 1 or 2.
        padding_mode: 0, 1 or 2.
        align_corners: whether -1 and 1 are the corner pixels' centres.

    Returns:
        (N, C, Ho, Wo) or (N, C, Do, Ho, Wo).

    >>> import gpugrad as gg
    >>> gg.nn.functional.grid_sample(gg.tensor([[[[1.0, 3.0]]]]), gg.tensor([[[[0.0, 0.0]]]]),
    ...                              align_corners=True).item()
    2.0
    """
    _check(input, grid, interpolation_mode)
    xp = input.xp
    n, c = input.shape[0], input.shape[1]
    sizes = [int(s) for s in input.shape[2:]]                 # (D,) H, W
    out_sp = [int(s) for s in grid.shape[1:-1]]
    k = len(sizes)
    length = 1
    for s in out_sp:
        length *= s
    strides = [1] * k
    for d in range(k - 2, -1, -1):
        strides[d] = strides[d + 1] * sizes[d + 1]
    flat = input.reshape(n, c, strides[0] * sizes[0])
    coords = grid.reshape(n, length, k)
    dtype = input._data.dtype
    bicubic = interpolation_mode == 2
    # per spatial dim d (input order), the grid component k - 1 - d (x is the last dim)
    pos = [_position(coords[:, :, k - 1 - d], sizes[d], padding_mode, align_corners, not bicubic) for d in range(k)]
    if interpolation_mode == 1:
        taps = [[(xp.rint(p._data).astype(xp.int64), None)] for p in pos]
    else:
        taps = []
        for d, p in enumerate(pos):
            i0 = xp.floor(p._data)
            if bicubic:
                ws = _cubic_weights(p - _const(xp, i0, dtype))
                taps.append([(i0.astype(xp.int64) + j - 1, w) for j, w in enumerate(ws)])
            else:
                taps.append([(i0.astype(xp.int64), _const(xp, i0 + 1, dtype) - p),
                             (i0.astype(xp.int64) + 1, p - _const(xp, i0, dtype))])
    out = None
    for combo in itertools.product(*taps):
        index, inside, weight = 0, None, None
        for d, (i, w) in enumerate(combo):
            if bicubic:
                i, ok = _tap_index(xp, i, sizes[d], padding_mode, align_corners)
            else:
                ok = (i >= 0) & (i < sizes[d])
                i = xp.clip(i, 0, sizes[d] - 1)
            index = index + i * strides[d]
            if ok is not None:
                inside = ok if inside is None else inside & ok
            if w is not None:
                weight = w if weight is None else weight * w
        if inside is not None:
            mask = _const(xp, inside, dtype)
            weight = mask if weight is None else weight * mask
        index = xp.broadcast_to(xp.asarray(index, dtype=xp.int64)[:, None, :], (n, c, length))
        value = Gather.apply(flat, index, 2)
        term = value if weight is None else value * weight.unsqueeze(1)
        out = term if out is None else out + term
    if interpolation_mode == 1 and grid.requires_grad:
        # nearest: the grid gets a zero gradient (PyTorch's), linked without touching the values
        never = _const(xp, xp.zeros((n, 1, length), bool), bool)
        out = out + where(never, coords[:, :, 0].unsqueeze(1), 0.0)
    return out.reshape(n, c, *out_sp)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` at the points of ``grid``, as ``torch.nn.functional.grid_sample``: grid[n, h, w] = (x, y)
    in [-1, 1] (-1: the left/top edge, 1: the right/bottom one) gives output[n, :, h, w]; 3-D alike with
    (x, y, z). Differentiable in ``input`` and (except for "nearest") in ``grid``.

    Args:
        input: (N, C, H, W) or (N, C, D, H, W).
        grid: (N, Ho, Wo, 2) or (N, Do, Ho, Wo, 3), of input's dtype.
        mode: "bilinear" (trilinear in 3-D), "nearest" (half-way points round to even) or "bicubic" (2-D only).
        padding_mode: what points outside read: "zeros", "border" (the nearest edge pixel) or "reflection"
            (the image mirrored at its edges).
        align_corners: True: -1 and 1 are the centres of the corner pixels; False: their outer edges (the
            default, with a warning when not given, as PyTorch's).

    Returns:
        (N, C, Ho, Wo) or (N, C, Do, Ho, Wo).

    >>> import gpugrad as gg
    >>> img = gg.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    >>> grid = gg.tensor([[[[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]]]])
    >>> gg.nn.functional.grid_sample(img, grid, align_corners=True).tolist()
    [[[[0.0, 1.5, 3.0]]]]
    """
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, _MODES[mode], _PADDINGS[padding_mode], align_corners)
