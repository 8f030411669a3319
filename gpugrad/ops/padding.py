"""``torch.nn.functional.pad``'s other modes (reflect, replicate, circular) and negative (cropping) pads, for
:func:`gpugrad.ops.shape.pad`, which keeps the plain constant case.

Negative pads crop first (as PyTorch, whose circular mode then wraps around the cropped tensor). Each padded
dim is then one recorded ``index_select`` of host-computed source positions: ``reflect`` mirrors without
repeating the edge, ``replicate`` repeats it, ``circular`` wraps. The backward of index_select scatter-adds,
so an element read several times gets the sum of its gradients, as PyTorch's padding backward kernels do.
"""
from __future__ import annotations

import builtins

import numpy as np

from ._util import shape_str

MODES = ("constant", "reflect", "replicate", "circular")


class PadError(ValueError, RuntimeError):
    """A bad pad length: PyTorch raises RuntimeError; gpugrad raised ValueError before, so it is both."""


def _source(mode, size, lo, hi):
    """Source positions (host int64) of a dim of ``size`` padded by lo before and hi after (both >= 0)."""
    i = np.arange(-lo, size + hi, dtype=np.int64)
    if mode == "reflect":
        i = np.abs(i)
        return np.where(i >= size, 2 * (size - 1) - i, i)
    if mode == "replicate":
        return np.clip(i, 0, size - 1)
    return i % size                                   # circular


def _check_modes(x, pad, mode, value):
    if mode not in MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    if mode == "constant":
        return
    if value is not None and value != 0:
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pad) // 2
    if len(pad) not in (2, 4, 6) or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad: Padding size {len(pad)} is not supported for {x.ndim}D input tensor (shape {shape_str(x.shape)}). "
            "Supported combinations for non-constant padding: 2D or 3D input: padding size = 2 (pads last "
            "dimension); 3D or 4D input: padding size = 4 (pads last 2 dimensions); 4D or 5D input: padding "
            "size = 6 (pads last 3 dimensions)")
    if mode != "circular" and builtins.any(s == 0 for s in x.shape[-k - 1 if x.ndim == k + 1 else 1:]):
        raise RuntimeError(f"pad: Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {shape_str(x.shape)}")
    for i in range(k):
        lo, hi = pad[2 * i], pad[2 * i + 1]
        d = x.ndim - 1 - i
        if mode == "reflect" and (lo >= x.shape[d] or hi >= x.shape[d]):
            raise RuntimeError(f"pad: Argument #4: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                               f"{shape_str(x.shape)}")
        if mode == "circular" and (lo > x.shape[d] or hi > x.shape[d]):
            raise RuntimeError(f"pad: Padding value causes wrapping around more than once (padding ({lo}, {hi}) "
                               f"at dimension {d} of input {shape_str(x.shape)})")


def pad(x, pad, mode="constant", value=None):
    """F.pad with every mode and with negative pads (see the module docstring); x is a Tensor."""
    from .shape import Pad, getitem, index_select
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise PadError(f"pad: expected an even number of values: Padding length must be divisible by 2, got {pad}")
    if len(pad) // 2 > x.ndim:
        raise PadError(f"pad: expected an even number of values, at most 2 per dim of {shape_str(x.shape)}: Padding "
                       f"length should be less than or equal to two times the input dimension but got padding "
                       f"length {len(pad)} and input of dimension {x.ndim}")
    _check_modes(x, pad, mode, value)
    key = [builtins.slice(None)] * x.ndim
    for i in range(len(pad) // 2):                         # negative pads crop first
        lo, hi = pad[2 * i], pad[2 * i + 1]
        d = x.ndim - 1 - i
        if lo < 0 or hi < 0:
            if x.shape[d] + builtins.min(lo, 0) + builtins.min(hi, 0) < 0:
                raise RuntimeError(f"pad: padding {pad} crops dim {d} of {shape_str(x.shape)} below size 0")
            key[d] = builtins.slice(-builtins.min(lo, 0), x.shape[d] - (-builtins.min(hi, 0)))
    if builtins.any(k != builtins.slice(None) for k in key):
        x = getitem(x, tuple(key))
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (builtins.max(pad[2 * i], 0), builtins.max(pad[2 * i + 1], 0))
    if mode == "constant":
        return Pad.apply(x, tuple(widths), 0.0 if value is None else value) if builtins.any(
            lo or hi for lo, hi in widths) else x * 1
    for d, (lo, hi) in enumerate(widths):
        if lo or hi:
            x = index_select(x, d, x.xp.asarray(_source(mode, x.shape[d], lo, hi)))
    return x
