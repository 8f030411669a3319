"""The Tensor methods that take a shape, dtype or device from a tensor: the ``new_*`` factories (a new tensor
with this tensor's dtype and device) and the ``*_as`` methods (this tensor in another tensor's shape or dtype).
Attached to Tensor by :mod:`gpugrad.ops.methods`."""
from __future__ import annotations

from . import expand, reshape
from ..tensor import tensor
from ..factories import empty, full, ones, zeros

_NEW_DOC = '''A new tensor {what} (:func:`gpugrad.{factory}`), with this tensor's dtype and device unless given
    (not this tensor's values, nor its ``requires_grad``).

    Args:
        *args: {args}.
        size: the size, by PyTorch's keyword (instead of the leading ints or tuple).
        dtype: the dtype (default: ``self.dtype``).
        device: the device (default: ``self.device``).
        requires_grad: whether the new tensor is a leaf that requires grad.
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted for PyTorch's signature (no effect).

    Returns:
        A new tensor of that size.

    >>> import gpugrad as gg
    >>> x = gg.tensor([1.0, 2.0], dtype=gg.float64)
{example}
    '''


def _new(factory, what, args, example):
    """The method ``new_<factory>``: ``factory`` with the dtype and device of ``self`` by default; its docstring
    says ``what`` it makes and how the positional ``args`` read, and shows the doctest lines ``example``."""
    def op(self, *args, size=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        if size is not None:                                  # PyTorch's keyword: x.new_zeros(size=(2, 3))
            args = (size,) + args
        return factory(*args, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad,
                       layout=layout)
    name = f"new_{factory.__name__}"
    op.__name__, op.__qualname__ = name, f"Tensor.{name}"
    op.__doc__ = _NEW_DOC.format(what=what, factory=factory.__name__, args=args, example=example)
    return op


_SIZE = "the size, as ints or one tuple"
_new_zeros = _new(zeros, "filled with zeros", _SIZE, """\
    >>> x.new_zeros(2, 2)
    tensor([[0., 0.],
            [0., 0.]], dtype=gpugrad.float64)""")
_new_ones = _new(ones, "filled with ones", _SIZE, """\
    >>> x.new_ones((3,), dtype=gg.int32)
    tensor([1, 1, 1], dtype=gpugrad.int32)""")
_new_empty = _new(empty, "with uninitialized values (whatever the memory held)", _SIZE, """\
    >>> y = x.new_empty(size=(2, 3))
    >>> y.shape, y.dtype
    (gpugrad.Size([2, 3]), gpugrad.float64)""")


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False):
    """A new tensor filled with ``fill_value`` (:func:`gpugrad.full`), with this tensor's dtype and device
    unless given (not this tensor's values, nor its ``requires_grad``), as ``torch.Tensor.new_full``.

    Args:
        size: the size (a tuple of ints).
        fill_value: the value of every element.
        dtype: the dtype (default: ``self.dtype``).
        device: the device (default: ``self.device``).
        requires_grad: whether the new tensor is a leaf that requires grad.
        layout: PyTorch's layout: None or ``gpugrad.strided`` (the only one).
        pin_memory: accepted for PyTorch's signature (no effect).

    Returns:
        A new tensor of that size.

    >>> import gpugrad as gg
    >>> x = gg.tensor([1.0, 2.0], dtype=gg.float64)
    >>> x.new_full((2,), 7)
    tensor([7., 7.], dtype=gpugrad.float64)
    >>> x.new_full(size=(1,), fill_value=0.5, dtype=gg.float32)
    tensor([0.5000])
    """
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad, layout=layout)


_new_full.__name__, _new_full.__qualname__ = "new_full", "Tensor.new_full"


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data``, with this tensor's dtype and device unless given (PyTorch's
    ``new_tensor``: the dtype is ``self.dtype``, not the one :func:`gpugrad.tensor` would infer from data).

    Args:
        data: the values: a number, a (nested) list, a NumPy array or a tensor (copied, detached).
        dtype: the dtype (default: ``self.dtype``).
        device: the device (default: ``self.device``).
        requires_grad: whether the new tensor is a leaf that requires grad.

    Returns:
        A new tensor of data's shape.

    >>> import gpugrad as gg
    >>> gg.zeros(1, dtype=gg.float64).new_tensor([1, 2])
    tensor([1., 2.], dtype=gpugrad.float64)
    """
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _expand_as(self, other):
    """``self.expand(other.shape)``: a broadcast view of this tensor in ``other``'s shape (size-1 dims repeated
    without copying; read-only, as its elements share memory).

    Args:
        other: a tensor whose shape this tensor broadcasts to.

    Returns:
        A view of shape ``other.shape``; its gradient is summed back over the expanded dims.

    >>> import gpugrad as gg
    >>> gg.tensor([[1], [2]]).expand_as(gg.zeros(2, 3))
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    return expand(self, other.shape)


def _view_as(self, other):
    """``self.view(other.shape)``: this tensor's elements in ``other``'s shape.

    Args:
        other: a tensor with as many elements as this one (only its shape is used).

    Returns:
        A tensor of shape ``other.shape`` (a view when the layout allows, else a copy, as ``reshape``).

    >>> import gpugrad as gg
    >>> gg.arange(6).view_as(gg.zeros(2, 3))
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    return reshape(self, other.shape)


def _reshape_as(self, other):
    """``self.reshape(other.shape)``: this tensor's elements in ``other``'s shape.

    Args:
        other: a tensor with as many elements as this one (only its shape is used).

    Returns:
        A tensor of shape ``other.shape``: a view when the layout allows, else a copy.

    >>> import gpugrad as gg
    >>> gg.arange(6).reshape_as(gg.zeros(3, 2))
    tensor([[0, 1],
            [2, 3],
            [4, 5]])
    """
    return reshape(self, other.shape)


def _type_as(self, other):
    """``self.to(other.dtype)``: this tensor in ``other``'s dtype (the device stays this tensor's).

    Args:
        other: a tensor whose dtype to take.

    Returns:
        This tensor if the dtypes agree, else a converted copy (differentiable between floating point dtypes).

    >>> import gpugrad as gg
    >>> gg.tensor([1, 2]).type_as(gg.zeros(1, dtype=gg.float64))
    tensor([1., 2.], dtype=gpugrad.float64)
    """
    return self.to(other.dtype)


LIKE_METHODS = dict(new_zeros=_new_zeros, new_ones=_new_ones, new_empty=_new_empty, new_full=_new_full,
                    new_tensor=_new_tensor, expand_as=_expand_as, view_as=_view_as, reshape_as=_reshape_as,
                    type_as=_type_as)
