"""FractionalMaxPool2d and FractionalMaxPool3d (PyTorch's), over
:func:`gpugrad.nn.functional.fractional_max_pool2d` and ``fractional_max_pool3d``."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


def _ntuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _FractionalMaxPoolNd(Module):
    _n = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                 _random_samples=None):
        super().__init__()
        name = type(self).__name__
        if self._n == 3 and any(k <= 0 for k in _ntuple(kernel_size, 3)):
            raise ValueError(f"kernel_size must be greater than 0, but got {kernel_size}")
        self.kernel_size = _ntuple(kernel_size, self._n)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, self._n) if output_size is not None else None
        self.output_ratio = _ntuple(output_ratio, self._n) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        fn = F.fractional_max_pool2d if self._n == 2 else F.fractional_max_pool3d
        return fn(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                  _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling over ``(N, C, H, W)`` or ``(C, H, W)`` input: see
    :func:`gpugrad.nn.functional.fractional_max_pool2d`.

    Args:
        kernel_size: the window's size (an int or 2 ints).
        output_size: the output's size (an int or 2 ints).
        output_ratio: the output's size as a fraction in (0, 1) of the input's (a number or 2), instead.
        return_indices: also return each maximum's flat index in its input plane.
        _random_samples: fixed ``(N, C, 2)`` samples that place the windows (a buffer; drawn per call when
            None).

    >>> import gpugrad as gg
    >>> gg.nn.FractionalMaxPool2d(2, output_ratio=0.5)(gg.randn(1, 3, 8, 6)).shape
    gpugrad.Size([1, 3, 4, 3])
    """

    _n = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling over ``(N, C, T, H, W)`` or ``(C, T, H, W)`` input: see
    :func:`gpugrad.nn.functional.fractional_max_pool3d`.

    Args:
        kernel_size: the window's size (an int or 3 ints, each above 0).
        output_size: the output's size (an int or 3 ints).
        output_ratio: the output's size as a fraction in (0, 1) of the input's (a number or 3), instead.
        return_indices: also return each maximum's flat index in its input plane.
        _random_samples: fixed ``(N, C, 3)`` samples that place the windows (a buffer; drawn per call when
            None).

    >>> import gpugrad as gg
    >>> gg.nn.FractionalMaxPool3d(2, output_size=2)(gg.randn(2, 4, 4, 4)).shape
    gpugrad.Size([2, 2, 2, 2])
    """

    _n = 3
