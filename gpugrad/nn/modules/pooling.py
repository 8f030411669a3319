"""Pooling layers (torch.nn's MaxPool, AvgPool, LPPool, AdaptiveAvgPool, AdaptiveMaxPool and MaxUnpool, in
1, 2 and 3 dims): each keeps its settings under PyTorch's attribute names, with its repr, and calls the
functional form in gpugrad.nn.functional."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


def _single(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _ntuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _MaxPoolNd(Module):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

    def forward(self, input):
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                              ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """Max pooling over ``(N, C, L)`` or ``(C, L)`` input (:func:`gpugrad.nn.functional.max_pool1d`).

    Args:
        kernel_size: the window's length.
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit ``-inf`` padding on both sides.
        dilation: the distance between a window's elements.
        return_indices: also return the maxima's indices (for MaxUnpool1d).
        ceil_mode: round the output size up.

    Returns:
        Called on a tensor, the pooled tensor (and the indices).

    >>> import gpugrad as gg
    >>> gg.nn.MaxPool1d(2)(gg.tensor([[1.0, 3.0, 2.0, 0.0]]))
    tensor([[3., 2.]])
    """
    _fn = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max pooling over ``(N, C, H, W)`` or ``(C, H, W)`` input (:func:`gpugrad.nn.functional.max_pool2d`).

    Args:
        kernel_size: the window's size (an int or 2 ints).
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit ``-inf`` padding on both sides.
        dilation: the distance between a window's elements.
        return_indices: also return the maxima's flat indices (for MaxUnpool2d).
        ceil_mode: round the output size up.

    Returns:
        Called on a tensor, the pooled tensor (and the indices).

    >>> import gpugrad as gg
    >>> gg.nn.MaxPool2d(2)(gg.arange(16.0).reshape(1, 4, 4))
    tensor([[[ 5.,  7.],
             [13., 15.]]])
    """
    _fn = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """Max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input
    (:func:`gpugrad.nn.functional.max_pool3d`).

    Args:
        kernel_size: the window's size (an int or 3 ints).
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit ``-inf`` padding on both sides.
        dilation: the distance between a window's elements.
        return_indices: also return the maxima's flat indices (for MaxUnpool3d).
        ceil_mode: round the output size up.

    Returns:
        Called on a tensor, the pooled tensor (and the indices).

    >>> import gpugrad as gg
    >>> gg.nn.MaxPool3d(2)(gg.arange(8.0).reshape(1, 2, 2, 2))
    tensor([[[[7.]]]])
    """
    _fn = staticmethod(F.max_pool3d)


class AvgPool1d(Module):
    """Average pooling over ``(N, C, L)`` or ``(C, L)`` input (:func:`gpugrad.nn.functional.avg_pool1d`).

    Args:
        kernel_size: the window's length.
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit zero padding on both sides.
        ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.

    Returns:
        Called on a tensor, the pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.AvgPool1d(2)(gg.tensor([[1.0, 3.0, 2.0, 0.0]]))
    tensor([[2., 1.]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class _AvgPoolNd(Module):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad, self.divisor_override)


class AvgPool2d(_AvgPoolNd):
    """Average pooling over ``(N, C, H, W)`` or ``(C, H, W)`` input (:func:`gpugrad.nn.functional.avg_pool2d`).

    Args:
        kernel_size: the window's size (an int or 2 ints).
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit zero padding on both sides.
        ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.
        divisor_override: divide by this instead of the window's size.

    Returns:
        Called on a tensor, the pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.AvgPool2d(2)(gg.arange(16.0).reshape(1, 4, 4))
    tensor([[[ 2.5000,  4.5000],
             [10.5000, 12.5000]]])
    """
    _fn = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """Average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input
    (:func:`gpugrad.nn.functional.avg_pool3d`).

    Args:
        kernel_size: the window's size (an int or 3 ints).
        stride: the distance between windows (default: ``kernel_size``).
        padding: implicit zero padding on both sides.
        ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.
        divisor_override: divide by this instead of the window's size.

    Returns:
        Called on a tensor, the pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.AvgPool3d(2)(gg.arange(8.0).reshape(1, 2, 2, 2))
    tensor([[[[3.5000]]]])
    """
    _fn = staticmethod(F.avg_pool3d)


class _LPPoolNd(Module):
    _fn = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")

    def forward(self, input):
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    """Power-average pooling over the last dim (:func:`gpugrad.nn.functional.lp_pool1d`).

    Args:
        norm_type: the power p.
        kernel_size: the window's length.
        stride: the distance between windows (default: ``kernel_size``).
        ceil_mode: round the output size up.

    Returns:
        Called on a tensor, the pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.LPPool1d(2, 2)(gg.tensor([[3.0, 4.0]]))
    tensor([[5.]])
    """
    _fn = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over the last 2 dims (:func:`gpugrad.nn.functional.lp_pool2d`).

    Args:
        norm_type: the power p.
        kernel_size: the window's size.
        stride: the distance between windows (default: ``kernel_size``).
        ceil_mode: round the output size up.

    Returns:
        Called on a tensor, the pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.LPPool2d(1, 2)(gg.ones(1, 2, 2))
    tensor([[[4.]]])
    """
    _fn = staticmethod(F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over the last 3 dims (:func:`gpugrad.nn.functional.lp_pool3d`).

    Args:
        norm_type: the power p.
        kernel_size: the window's size.
        stride: the distance between windows (default: ``kernel_size``).
        ceil_mode: round the output size up.

    Returns:
        Called on a tensor, the pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.LPPool3d(1, 2)(gg.ones(1, 2, 2, 2))
    tensor([[[[8.]]]])
    """
    _fn = staticmethod(F.lp_pool3d)


class _AdaptivePoolNd(Module):
    _fn = None

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"

    def forward(self, input):
        return type(self)._fn(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Average pooling to a given output length (:func:`gpugrad.nn.functional.adaptive_avg_pool1d`).

    Args:
        output_size: the output length.

    Returns:
        Called on a tensor, the pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.AdaptiveAvgPool1d(1)(gg.tensor([[1.0, 2.0, 6.0]]))
    tensor([[3.]])
    """
    _fn = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a given output size (:func:`gpugrad.nn.functional.adaptive_avg_pool2d`).

    Args:
        output_size: the output size (an int or 2 ints, None keeps the input's size).

    Returns:
        Called on a tensor, the pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.AdaptiveAvgPool2d(1)(gg.arange(4.0).reshape(1, 2, 2))
    tensor([[[1.5000]]])
    """
    _fn = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Average pooling to a given output size (:func:`gpugrad.nn.functional.adaptive_avg_pool3d`).

    Args:
        output_size: the output size (an int or 3 ints, None keeps the input's size).

    Returns:
        Called on a tensor, the pooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.AdaptiveAvgPool3d(1)(gg.arange(8.0).reshape(1, 2, 2, 2))
    tensor([[[[3.5000]]]])
    """
    _fn = staticmethod(F.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return type(self)._fn(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a given output length (:func:`gpugrad.nn.functional.adaptive_max_pool1d`).

    Args:
        output_size: the output length.
        return_indices: also return the maxima's indices.

    Returns:
        Called on a tensor, the pooled tensor (and the indices).

    >>> import gpugrad as gg
    >>> gg.nn.AdaptiveMaxPool1d(1)(gg.tensor([[1.0, 2.0, 6.0]]))
    tensor([[6.]])
    """
    _fn = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a given output size (:func:`gpugrad.nn.functional.adaptive_max_pool2d`).

    Args:
        output_size: the output size (an int or 2 ints, None keeps the input's size).
        return_indices: also return the maxima's flat indices.

    Returns:
        Called on a tensor, the pooled tensor (and the indices).

    >>> import gpugrad as gg
    >>> gg.nn.AdaptiveMaxPool2d(1)(gg.arange(4.0).reshape(1, 2, 2))
    tensor([[[3.]]])
    """
    _fn = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a given output size (:func:`gpugrad.nn.functional.adaptive_max_pool3d`).

    Args:
        output_size: the output size (an int or 3 ints, None keeps the input's size).
        return_indices: also return the maxima's flat indices.

    Returns:
        Called on a tensor, the pooled tensor (and the indices).

    >>> import gpugrad as gg
    >>> gg.nn.AdaptiveMaxPool3d(1)(gg.arange(8.0).reshape(1, 2, 2, 2))
    tensor([[[[7.]]]])
    """
    _fn = staticmethod(F.adaptive_max_pool3d)


class _MaxUnpoolNd(Module):
    _fn = None
    _n = 1

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        n = type(self)._n
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride if stride is not None else kernel_size, n)
        self.padding = _ntuple(padding, n)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input, indices, output_size=None):
        """Unpool ``input`` at ``indices``.

        Args:
            input: the pooled values.
            indices: the indices the max pooling returned.
            output_size: the size to restore (default: from the layer's settings).

        Returns:
            The unpooled tensor.

        >>> import gpugrad as gg
        >>> y, i = gg.nn.MaxPool1d(2, return_indices=True)(gg.tensor([[1.0, 3.0]]))
        >>> gg.nn.MaxUnpool1d(2)(y, i)
        tensor([[0., 3.]])
        """
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """The inverse of MaxPool1d: values written at their indices in zeros
    (:func:`gpugrad.nn.functional.max_unpool1d`).

    Args:
        kernel_size: the pooling's kernel size.
        stride: the pooling's stride (default: ``kernel_size``).
        padding: the pooling's padding.

    Returns:
        Called on ``(input, indices)``, the unpooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.MaxUnpool1d(2)
    MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """
    _fn = staticmethod(F.max_unpool1d)
    _n = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """The inverse of MaxPool2d: values written at their flat indices in zeros
    (:func:`gpugrad.nn.functional.max_unpool2d`).

    Args:
        kernel_size: the pooling's kernel size.
        stride: the pooling's stride (default: ``kernel_size``).
        padding: the pooling's padding.

    Returns:
        Called on ``(input, indices)``, the unpooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.MaxUnpool2d(2)
    MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    """
    _fn = staticmethod(F.max_unpool2d)
    _n = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """The inverse of MaxPool3d: values written at their flat indices in zeros
    (:func:`gpugrad.nn.functional.max_unpool3d`).

    Args:
        kernel_size: the pooling's kernel size.
        stride: the pooling's stride (default: ``kernel_size``).
        padding: the pooling's padding.

    Returns:
        Called on ``(input, indices)``, the unpooled tensor.

    >>> import gpugrad as gg
    >>> gg.nn.MaxUnpool3d(2)
    MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))
    """
    _fn = staticmethod(F.max_unpool3d)
    _n = 3
