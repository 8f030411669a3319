"""``F.pad``'s non-constant modes, ``'reflect'``, ``'replicate'`` and ``'circular'`` (what ``nn.Conv*d``'s
``padding_mode`` uses), as one recorded ``index_select`` per padded dim: the gradient adds each output position
back into the input position it copied (PyTorch's reflection/replication/circular backward).

As in PyTorch, ``pad`` lists (left, right) pairs from the last dim backwards and k pairs need an input of k + 1 or
k + 2 dims (one or two leading batch/channel dims); reflection needs each pad smaller than its dim, circular
padding at most the dim's size.
"""
from __future__ import annotations

import numpy as np

from ..tensor import tensor
from ._util import shape_str

MODES = ("reflect", "replicate", "circular")


def _source(mode, n, lo, hi):
    """The input position each of the n + lo + hi output positions copies, along one dim (host int64)."""
    i = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    i = np.abs(i)                                 # reflect: mirror at 0 and at n - 1, the edge not repeated
    return np.where(i >= n, 2 * (n - 1) - i, i)


def pad_mode(input, pad, mode):
    """``F.pad(input, pad, mode)`` for mode 'reflect', 'replicate' or 'circular' (see the module).

    Args:
        input: the tensor.
        pad: (left, right) pairs, last dim first; k pairs for an input of k + 1 or k + 2 dims (k = 1, 2, 3).
        mode: ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Returns:
        The padded tensor (differentiable).

    >>> import gpugrad as gg
    >>> from gpugrad.ops.pad_modes import pad_mode
    >>> pad_mode(gg.tensor([[1.0, 2.0, 3.0]]), (2, 1), "reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    """
    from .shape import index_select            # (shape.pad dispatches here: import at call time)
    if mode not in MODES:
        raise NotImplementedError(f"pad: unknown padding mode {mode!r}; expected 'constant', 'reflect', "
                                  f"'replicate' or 'circular'")
    pad = tuple(int(p) for p in pad)
    k = len(pad) // 2
    if len(pad) % 2 or not 1 <= k <= 3 or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: padding size {len(pad)} is not supported for {input.ndim}D input tensor "
                                  f"of shape {shape_str(input.shape)} in mode {mode!r}; non-constant padding "
                                  f"takes 2 values for a 2D or 3D input, 4 for 3D or 4D, 6 for 4D or 5D")
    x = input
    for i in range(k):
        lo, hi = pad[2 * i], pad[2 * i + 1]
        d = x.ndim - 1 - i
        n = x.shape[d]
        if lo < 0 or hi < 0:
            raise NotImplementedError(f"pad: negative padding {(lo, hi)} is not supported in mode {mode!r}")
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: Padding size should be less than the corresponding input dimension, but got: "
                               f"padding ({lo}, {hi}) at dimension {d} of input {shape_str(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError(f"pad: Padding value causes wrapping around more than once: padding ({lo}, {hi}) "
                               f"at dimension {d} of input {shape_str(input.shape)}")
        if mode == "replicate" and n == 0 and lo + hi:
            raise RuntimeError(f"pad: cannot replicate-pad the empty dimension {d} of input "
                               f"{shape_str(input.shape)}")
        if lo or hi:
            x = index_select(x, d, tensor(_source(mode, n, lo, hi), device=x.device))
    return x
