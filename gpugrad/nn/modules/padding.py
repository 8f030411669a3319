"""Padding layers (torch.nn's ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and CircularPad, in 1, 2 and 3
dims): each holds its ``padding`` as PyTorch does (an int becomes 2n equal values) and calls
:func:`gpugrad.nn.functional.pad`."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class _PadNd(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        n = type(self)._n
        self.padding = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * (2 * n)

    def extra_repr(self):
        return f"{self.padding}"

    def forward(self, input):
        return F.pad(input, self.padding, type(self)._mode)


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input):
        n = type(self)._n
        if input.ndim not in (n + 1, n + 2):
            raise ValueError(f"{type(self).__name__}: expected {n + 1}D or {n + 2}D input (got {input.ndim}D input)")
        return F.pad(input, self.padding, "circular")


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim of ``(C, L)`` or ``(N, C, L)`` input with a constant ``value``
    (:func:`gpugrad.nn.functional.pad`, mode ``"constant"``).

    Args:
        padding: an int (the same on every side) or (left, right).
        value: the fill value.

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ConstantPad1d((1, 2), 3.5)(gg.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.5, 1.0, 2.0, 3.0, 3.5, 3.5]]
    """
    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims of ``(C, H, W)`` or ``(N, C, H, W)`` input with a constant ``value``
    (:func:`gpugrad.nn.functional.pad`, mode ``"constant"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom).
        value: the fill value.

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ConstantPad2d((1, 2, 0, 0), 3.5)(gg.tensor([[[1.0, 2.0, 3.0]]])).tolist()
    [[[3.5, 1.0, 2.0, 3.0, 3.5, 3.5]]]
    """
    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims of ``(C, D, H, W)`` or ``(N, C, D, H, W)`` input with a constant ``value``
    (:func:`gpugrad.nn.functional.pad`, mode ``"constant"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom, front, back).
        value: the fill value.

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ConstantPad3d((1, 2, 0, 0, 0, 0), 3.5)(gg.tensor([[[[1.0, 2.0, 3.0]]]])).tolist()
    [[[[3.5, 1.0, 2.0, 3.0, 3.5, 3.5]]]]
    """
    _n = 3


class ZeroPad1d(_ZeroPadNd):
    """Pads the last dim of ``(C, L)`` or ``(N, C, L)`` input with zeros
    (:func:`gpugrad.nn.functional.pad`, mode ``"constant"``).

    Args:
        padding: an int (the same on every side) or (left, right).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ZeroPad1d((1, 2))(gg.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[0.0, 1.0, 2.0, 3.0, 0.0, 0.0]]
    """
    _n = 1


class ZeroPad2d(_ZeroPadNd):
    """Pads the last 2 dims of ``(C, H, W)`` or ``(N, C, H, W)`` input with zeros
    (:func:`gpugrad.nn.functional.pad`, mode ``"constant"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ZeroPad2d((1, 2, 0, 0))(gg.tensor([[[1.0, 2.0, 3.0]]])).tolist()
    [[[0.0, 1.0, 2.0, 3.0, 0.0, 0.0]]]
    """
    _n = 2


class ZeroPad3d(_ZeroPadNd):
    """Pads the last 3 dims of ``(C, D, H, W)`` or ``(N, C, D, H, W)`` input with zeros
    (:func:`gpugrad.nn.functional.pad`, mode ``"constant"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom, front, back).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ZeroPad3d((1, 2, 0, 0, 0, 0))(gg.tensor([[[[1.0, 2.0, 3.0]]]])).tolist()
    [[[[0.0, 1.0, 2.0, 3.0, 0.0, 0.0]]]]
    """
    _n = 3


class ReflectionPad1d(_PadNd):
    """Pads the last dim of ``(C, L)`` or ``(N, C, L)`` input with the input's reflection at its edges (the edge not repeated)
    (:func:`gpugrad.nn.functional.pad`, mode ``"reflect"``).

    Args:
        padding: an int (the same on every side) or (left, right).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ReflectionPad1d((1, 2))(gg.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
    """
    _n = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last 2 dims of ``(C, H, W)`` or ``(N, C, H, W)`` input with the input's reflection at its edges (the edge not repeated)
    (:func:`gpugrad.nn.functional.pad`, mode ``"reflect"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ReflectionPad2d((1, 2, 0, 0))(gg.tensor([[[1.0, 2.0, 3.0]]])).tolist()
    [[[2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
    """
    _n = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Pads the last 3 dims of ``(C, D, H, W)`` or ``(N, C, D, H, W)`` input with the input's reflection at its edges (the edge not repeated)
    (:func:`gpugrad.nn.functional.pad`, mode ``"reflect"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom, front, back).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ReflectionPad3d((1, 2, 0, 0, 0, 0))(gg.tensor([[[[1.0, 2.0, 3.0]]]])).tolist()
    [[[[2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]]
    """
    _n = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pads the last dim of ``(C, L)`` or ``(N, C, L)`` input with copies of the input's edge values
    (:func:`gpugrad.nn.functional.pad`, mode ``"replicate"``).

    Args:
        padding: an int (the same on every side) or (left, right).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ReplicationPad1d((1, 2))(gg.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[1.0, 1.0, 2.0, 3.0, 3.0, 3.0]]
    """
    _n = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last 2 dims of ``(C, H, W)`` or ``(N, C, H, W)`` input with copies of the input's edge values
    (:func:`gpugrad.nn.functional.pad`, mode ``"replicate"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ReplicationPad2d((1, 2, 0, 0))(gg.tensor([[[1.0, 2.0, 3.0]]])).tolist()
    [[[1.0, 1.0, 2.0, 3.0, 3.0, 3.0]]]
    """
    _n = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Pads the last 3 dims of ``(C, D, H, W)`` or ``(N, C, D, H, W)`` input with copies of the input's edge values
    (:func:`gpugrad.nn.functional.pad`, mode ``"replicate"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom, front, back).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.ReplicationPad3d((1, 2, 0, 0, 0, 0))(gg.tensor([[[[1.0, 2.0, 3.0]]]])).tolist()
    [[[[1.0, 1.0, 2.0, 3.0, 3.0, 3.0]]]]
    """
    _n = 3
    _mode = "replicate"


class CircularPad1d(_CircularPadNd):
    """Pads the last dim of ``(C, L)`` or ``(N, C, L)`` input with the input wrapped around (circular padding)
    (:func:`gpugrad.nn.functional.pad`, mode ``"circular"``).

    Args:
        padding: an int (the same on every side) or (left, right).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.CircularPad1d((1, 2))(gg.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 1.0, 2.0, 3.0, 1.0, 2.0]]
    """
    _n = 1


class CircularPad2d(_CircularPadNd):
    """Pads the last 2 dims of ``(C, H, W)`` or ``(N, C, H, W)`` input with the input wrapped around (circular padding)
    (:func:`gpugrad.nn.functional.pad`, mode ``"circular"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.CircularPad2d((1, 2, 0, 0))(gg.tensor([[[1.0, 2.0, 3.0]]])).tolist()
    [[[3.0, 1.0, 2.0, 3.0, 1.0, 2.0]]]
    """
    _n = 2


class CircularPad3d(_CircularPadNd):
    """Pads the last 3 dims of ``(C, D, H, W)`` or ``(N, C, D, H, W)`` input with the input wrapped around (circular padding)
    (:func:`gpugrad.nn.functional.pad`, mode ``"circular"``).

    Args:
        padding: an int (the same on every side) or (left, right, top, bottom, front, back).

    Returns:
        Called on a tensor, the padded tensor.

    >>> import gpugrad as gg
    >>> gg.nn.CircularPad3d((1, 2, 0, 0, 0, 0))(gg.tensor([[[[1.0, 2.0, 3.0]]]])).tolist()
    [[[[3.0, 1.0, 2.0, 3.0, 1.0, 2.0]]]]
    """
    _n = 3
