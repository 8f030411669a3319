"""Resampling layers (torch.nn's Upsample, UpsamplingNearest2d, UpsamplingBilinear2d) and the rearranging ones
(PixelShuffle, PixelUnshuffle, ChannelShuffle), each a thin holder of its settings around the functional form
in gpugrad.nn.functional."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class Upsample(Module):
    """Resamples ``(N, C, *spatial)`` input to ``size`` or by ``scale_factor``
    (:func:`gpugrad.nn.functional.interpolate`).

    Args:
        size: the output's spatial size.
        scale_factor: the multiplier of the spatial size (kept as a float, or a tuple of floats).
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"``, ``"bilinear"``, ``"bicubic"`` or ``"trilinear"``.
        align_corners: the linear modes' corner convention.
        recompute_scale_factor: derive the scales from the computed output size.

    Returns:
        Called on a tensor, the resampled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.Upsample(scale_factor=2)(gg.tensor([[[1.0, 2.0]]]))
    tensor([[[1., 1., 2., 2.]]])
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def extra_repr(self):
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of ``(N, C, H, W)`` input (PyTorch's deprecated layer, ``Upsample`` with
    ``mode="nearest"``).

    Args:
        size: the output's spatial size.
        scale_factor: the multiplier of the spatial size.

    Returns:
        Called on a tensor, the upsampled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.UpsamplingNearest2d(scale_factor=2)(gg.tensor([[[[1.0, 2.0]]]])).shape
    gpugrad.Size([1, 1, 2, 4])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of ``(N, C, H, W)`` input with aligned corners (PyTorch's deprecated layer,
    ``Upsample`` with ``mode="bilinear", align_corners=True``).

    Args:
        size: the output's spatial size.
        scale_factor: the multiplier of the spatial size.

    Returns:
        Called on a tensor, the upsampled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.UpsamplingBilinear2d((1, 3))(gg.tensor([[[[1.0, 2.0]]]]))
    tensor([[[[1.0000, 1.5000, 2.0000]]]])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """``(*, C r^2, H, W)`` to ``(*, C, H r, W r)`` (:func:`gpugrad.nn.functional.pixel_shuffle`).

    Args:
        upscale_factor: r.

    Returns:
        Called on a tensor, the rearranged tensor.

    >>> import gpugrad as gg
    >>> gg.nn.PixelShuffle(2)(gg.ones(1, 8, 2, 3)).shape
    gpugrad.Size([1, 2, 4, 6])
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)


class PixelUnshuffle(Module):
    """``(*, C, H r, W r)`` to ``(*, C r^2, H, W)`` (:func:`gpugrad.nn.functional.pixel_unshuffle`).

    Args:
        downscale_factor: r.

    Returns:
        Called on a tensor, the rearranged tensor.

    >>> import gpugrad as gg
    >>> gg.nn.PixelUnshuffle(2)(gg.ones(1, 2, 4, 6)).shape
    gpugrad.Size([1, 8, 2, 3])
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)


class ChannelShuffle(Module):
    """Regroups the channels of ``(N, C, *)`` input (:func:`gpugrad.nn.functional.channel_shuffle`).

    Args:
        groups: the number of groups (dividing C).

    Returns:
        Called on a tensor, the shuffled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ChannelShuffle(2)(gg.arange(4.0).reshape(1, 4, 1)).flatten()
    tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def extra_repr(self):
        return f"groups={self.groups}"

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)
