"""Unfold and Fold: the layers of ``F.unfold`` (im2col) and ``F.fold`` (col2im)."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class Unfold(Module):
    """Extracts sliding windows as columns: see :func:`gpugrad.nn.functional.unfold`.

    Args:
        kernel_size: the window's size (an int or 2 ints).
        dilation: the spacing between window elements.
        padding: zeros added on both sides of each spatial dim.
        stride: the step between windows.

    Returns:
        Called on ``(N, C, H, W)``, a tensor ``(N, C * kH * kW, L)``.

    >>> import gpugrad as gg
    >>> gg.nn.Unfold(2, padding=1)(gg.ones(1, 3, 4, 4)).shape
    gpugrad.Size([1, 12, 25])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Adds columns of sliding windows back into an image: see :func:`gpugrad.nn.functional.fold`.

    Args:
        output_size: the image's spatial size (an int or 2 ints).
        kernel_size: the window's size.
        dilation: the spacing between window elements.
        padding: the padding the columns were taken with.
        stride: the step between windows.

    Returns:
        Called on ``(N, C * kH * kW, L)``, a tensor ``(N, C, H, W)``.

    >>> import gpugrad as gg
    >>> gg.nn.Fold((4, 5), 2)(gg.ones(1, 12, 12)).shape
    gpugrad.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
