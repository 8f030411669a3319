"""What :func:`gpugrad.ops.shape.pad` does not do itself (it keeps the plain constant case): PyTorch's errors for
bad pad lengths and arguments, negative (cropping) pads in every mode, and the dispatch of the other modes to
:func:`gpugrad.ops.pad_modes.pad_mode` (one recorded ``index_select`` per padded dim).

Negative pads crop first, as PyTorch's (whose circular mode then wraps around the cropped tensor); the
positive parts are then padded.
"""
from __future__ import annotations

import builtins

from ._util import shape_str
from .pad_modes import MODES as _OTHER_MODES, pad_mode


class PadError(ValueError, RuntimeError):
    """A bad pad length: PyTorch raises RuntimeError; gpugrad raised ValueError before, so it is both."""


def _check(x, pad, mode, value):
    if len(pad) % 2:
        raise PadError(f"pad: expected an even number of values: Padding length must be divisible by 2, got {pad}")
    if len(pad) // 2 > x.ndim:
        raise PadError(f"pad: expected an even number of values, at most 2 per dim of {shape_str(x.shape)}: Padding "
                       f"length should be less than or equal to two times the input dimension but got padding "
                       f"length {len(pad)} and input of dimension {x.ndim}")
    if mode != "constant" and mode not in _OTHER_MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    if mode == "constant":
        return
    if value is not None and value != 0:
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pad) // 2
    if mode != "circular" and x.ndim in (k + 1, k + 2) and builtins.any(
            s == 0 for s in x.shape[-k - 1 if x.ndim == k + 1 else 1:]):
        raise RuntimeError(f"pad: Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {shape_str(x.shape)}")


def pad(x, pad, mode="constant", value=None):
    """``F.pad`` with PyTorch's checks and negative pads (see the module docstring); x is a Tensor.

    Args:
        x: the input tensor.
        pad: (left, right) pairs, last dim first; negative values crop.
        mode: ``"constant"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        value: the fill value in constant mode (None: 0).

    Returns:
        The padded (or cropped) tensor, differentiable.

    >>> import gpugrad as gg
    >>> from gpugrad.ops.padding import pad
    >>> pad(gg.tensor([[0.0, 1.0, 2.0, 3.0]]), (-1, 2), "circular").tolist()
    [[1.0, 2.0, 3.0, 1.0, 2.0]]
    """
    from .shape import Pad, getitem
    pad = tuple(int(p) for p in pad)
    _check(x, pad, mode, value)
    key = [builtins.slice(None)] * x.ndim
    for i in range(len(pad) // 2):                         # negative pads crop first
        lo, hi = builtins.min(pad[2 * i], 0), builtins.min(pad[2 * i + 1], 0)
        d = x.ndim - 1 - i
        if lo or hi:
            if x.shape[d] + lo + hi < 0:
                raise RuntimeError(f"pad: padding {pad} crops dim {d} of {shape_str(x.shape)} below size 0")
            key[d] = builtins.slice(-lo, x.shape[d] + hi)
    if builtins.any(k != builtins.slice(None) for k in key):
        x = getitem(x, tuple(key))
    pos = tuple(builtins.max(p, 0) for p in pad)
    if mode != "constant":
        return pad_mode(x, pos, mode)
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pos[2 * i], pos[2 * i + 1])
    if not builtins.any(lo or hi for lo, hi in widths):
        return x * 1 if x.dtype.kind in "fc" else x.clone()
    return Pad.apply(x, tuple(widths), 0.0 if value is None else value)
