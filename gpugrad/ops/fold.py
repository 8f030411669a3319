"""``unfold`` (im2col: every sliding window of a batched image as a column) and ``fold`` (col2im: the columns added
back into an image), as ``torch.nn.functional``'s, each other's adjoint and so each other's backward. Both use the
window geometry of :mod:`gpugrad.ops.conv_core`; as in PyTorch they take 2-d images only, ``(N, C, H, W)`` or
``(C, H, W)``, and columns ``(N, C * kH * kW, L)`` or ``(C * kH * kW, L)`` ordered channel first, then kernel
row, then kernel column; L counts the windows, row-major.
"""
from __future__ import annotations

import math

from ..autograd.op import Op
from ..tensor import Tensor
from .conv import ntuple
from .conv_core import Geometry, col2im, columns
from .shape import IndexRangeError


class Im2Col(Op):
    """(N, C, H, W) -> (N, C prod(k), L); backward: col2im (PyTorch's Im2ColBackward0)."""

    def forward(self, x, geo):
        self.geo = geo
        n, c = x.shape[:2]
        return columns(self.xp, x, geo, 1).reshape(n, c * math.prod(geo.k), math.prod(geo.response))

    def backward(self, g):
        if isinstance(g, Tensor):
            return Col2Im.apply(g, self.geo), None
        return _col2im(self.xp, g, self.geo), None

    def jvp(self, t, _):
        return self.forward(t, self.geo)


class Col2Im(Op):
    """(N, C prod(k), L) -> (N, C, H, W), adding overlapping windows; backward: im2col (Col2ImBackward0)."""

    def forward(self, cols, geo):
        self.geo = geo
        return _col2im(self.xp, cols, geo)

    def backward(self, g):
        if isinstance(g, Tensor):
            return Im2Col.apply(g, self.geo), None
        n, c = g.shape[:2]
        geo = self.geo
        return columns(self.xp, g, geo, 1).reshape(n, c * math.prod(geo.k), math.prod(geo.response)), None

    def jvp(self, t, _):
        return _col2im(self.xp, t, self.geo)


def _col2im(xp, cols, geo):
    n, ck = cols.shape[:2]
    k = math.prod(geo.k)
    return col2im(xp, cols.reshape((n, ck // k, k) + geo.response), geo)


def _params(op, kernel_size, dilation, padding, stride):
    k, d, p, s = (ntuple(op, name, v, 2) for name, v in (("kernel_size", kernel_size), ("dilation", dilation),
                                                          ("padding", padding), ("stride", stride)))
    for name, v, ok in (("kernel size", k, "greater than zero"), ("dilation", d, "greater than zero"),
                        ("stride", s, "greater than zero"), ("padding", p, "non-negative")):
        if any(e < 0 if ok == "non-negative" else e <= 0 for e in v):
            raise RuntimeError(f"{op}: {name} should be {ok}, but got {name.replace(' ', '_')}={v}")
    return k, d, p, s


def _blocks(op, image, k, d, p, s):
    blocks = tuple((i + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for i, kk, dd, pp, ss in zip(image, k, d, p, s))
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"{op}: Given input with spatial size {tuple(image)}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as {blocks}, but its "
                           f"components must be at least one.")
    return blocks


def _check_float(op, t):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(t).__name__}")
    if t.dtype.kind not in "fc":
        raise NotImplementedError(f"{op}: not implemented for input of dtype {t.dtype} (floating point only, "
                                  f"as PyTorch's im2col/col2im)")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extracts every sliding window of a batched image as a column (im2col); the columns of ``fold``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: the window's size (an int or 2 ints).
        dilation: the spacing between window elements.
        padding: zeros added on both sides of each spatial dim.
        stride: the step between windows.

    Returns:
        ``(N, C * kH * kW, L)`` (without N for an input without batch dim), L the number of windows.

    >>> import gpugrad as gg
    >>> x = gg.arange(9.0).reshape(1, 1, 3, 3)
    >>> gg.nn.functional.unfold(x, 2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    op = "unfold"
    _check_float(op, input)
    if input.ndim not in (3, 4):
        # PyTorch: RuntimeError, but IndexError (its dim check) below 3 dims; IndexRangeError is both
        raise (IndexRangeError if input.ndim < 3 else RuntimeError)(
            f"{op}: Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions "
            f"for input, but got: {list(input.shape)}")
    k, d, p, s = _params(op, kernel_size, dilation, padding, stride)
    x = input if input.ndim == 4 else input.unsqueeze(0)
    image = tuple(x.shape[2:])
    geo = Geometry(k, s, d, p, image, _blocks(op, image, k, d, p, s))
    y = Im2Col.apply(x, geo)
    return y if input.ndim == 4 else y.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Adds columns of sliding windows back into a batched image (col2im), summing where windows overlap: the
    adjoint of ``unfold`` (``fold(unfold(x))`` multiplies each pixel by the number of windows covering it).

    Args:
        input: ``(N, C * kH * kW, L)`` or ``(C * kH * kW, L)``.
        output_size: the image's spatial size ``(H, W)`` (an int or 2 ints).
        kernel_size: the window's size.
        dilation: the spacing between window elements.
        padding: the zeros ``unfold`` added (cropped off again).
        stride: the step between windows.

    Returns:
        ``(N, C, H, W)`` (without N for an input without batch dim).

    >>> import gpugrad as gg
    >>> gg.nn.functional.fold(gg.ones(1, 4, 4), (3, 3), 2)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    op = "fold"
    _check_float(op, input)
    if input.ndim not in (2, 3) or 0 in input.shape[input.ndim - 2:]:
        raise RuntimeError(f"{op}: Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    image = ntuple(op, "output_size", output_size, 2)
    k, d, p, s = _params(op, kernel_size, dilation, padding, stride)
    x = input if input.ndim == 3 else input.unsqueeze(0)
    kk = math.prod(k)
    if x.shape[1] % kk:
        raise RuntimeError(f"{op}: Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={x.shape[1]} and kernel_size={k}.")
    blocks = _blocks(op, image, k, d, p, s)
    if x.shape[2] != math.prod(blocks):
        raise RuntimeError(f"{op}: Given output_size={image}, kernel_size={k}, dilation={d}, padding={p}, "
                           f"stride={s}, expected size of input's dimension 2 to match the calculated number of "
                           f"sliding blocks {blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but got "
                           f"input.size(2)={x.shape[2]}.")
    y = Col2Im.apply(x, Geometry(k, s, d, p, image, blocks))
    return y if input.ndim == 3 else y.squeeze(0)


__all__ = ["unfold", "fold"]
