"""Convolutions as ``torch.nn.functional``'s: ``conv1d``/``conv2d``/``conv3d`` and ``conv_transpose1d``/``2d``/``3d``.

The arguments are checked here, at the boundary, with PyTorch's exception classes and messages that name the call
and the shapes; the arithmetic is one N-d op pair in :mod:`gpugrad.ops.conv_core`. As in PyTorch, an input without
its batch dim, ``(C, *spatial)``, is accepted and returns a result without one, and ``padding='same'`` with an odd
total padding puts the extra zero after the input.
"""
from __future__ import annotations

from ..autograd import op as _op
from ..tensor import Tensor
from .conv_core import Convolution, Geometry

_DIMS = ("1D", "2D", "3D", "4D", "5D")


def _shape(t):
    return "[" + ", ".join(str(n) for n in t) + "]"


def ntuple(op, name, v, nd):
    """``v`` (an int or a sequence of 1 or ``nd`` ints) as a tuple of ``nd`` ints, else PyTorch's error."""
    if isinstance(v, bool) or not isinstance(v, (int, tuple, list)) and not hasattr(v, "__index__"):
        raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of {nd} ints, got "
                        f"{type(v).__name__} ({v!r})")
    if not isinstance(v, (tuple, list)):
        return (int(v),) * nd
    if any(isinstance(e, bool) or not hasattr(e, "__index__") for e in v):
        raise TypeError(f"{op}(): argument '{name}' must be a tuple of ints, got {v!r}")
    v = tuple(int(e) for e in v)
    if len(v) == 1:
        return v * nd
    if len(v) != nd:
        raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list of {nd} values to match "
                           f"the convolution dimensions, but got {name}={list(v)}")
    return v


def _check_int(op, name, v):
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(v).__name__}")
    return int(v)


def _check_tensors(op, nd, input, weight, bias):
    """The input's batch-less form, weight/bias dims and dtypes; returns whether the input has its batch dim."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be a Tensor, not {type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{op}(): argument 'bias' must be a Tensor or None, not {type(bias).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {_DIMS[nd]} (unbatched) or {_DIMS[nd + 1]} (batched) input to {op}, but got "
                           f"input of size: {_shape(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-dimensional weight (out, in/groups, *kernel) for {nd}-d "
                           f"convolution, but got weight of size {_shape(weight.shape)}")
    if _op._autocast is not None:        # inside an autocast region the op casts its operands to one dtype
        pass
    elif input.dtype != weight.dtype:
        raise RuntimeError(f"{op}: Input type ({input.dtype}) and weight type ({weight.dtype}) should be the same")
    elif bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"{op}: Input type ({input.dtype}) and bias type ({bias.dtype}) should be the same")
    if input.dtype.kind == "b":
        raise NotImplementedError(f"{op}: not implemented for 'Bool' tensors (input of dtype {input.dtype})")
    return input.ndim == nd + 2


def _check_geometry(op, stride, dilation, groups, padding):
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported (stride={list(stride)})")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}: non-positive dilation is not supported (dilation={list(dilation)})")
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (groups={groups})")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op}: negative padding is not supported (padding={list(padding)})")


def _check_channels(op, x, weight, bias, groups, transposed):
    """PyTorch's channel checks; returns the number of output channels."""
    w0 = weight.shape[0]
    if w0 < groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be at least {groups} at dimension 0, "
                           f"but got weight of size {_shape(weight.shape)} instead")
    if w0 % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {_shape(weight.shape)} instead")
    expect = w0 if transposed else weight.shape[1] * groups
    if x.shape[1] != expect:
        given = "transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(f"{op}: Given {given}, weight of size {_shape(weight.shape)}, expected input"
                           f"{_shape(x.shape)} to have {expect} channels, but got {x.shape[1]} channels instead")
    out = weight.shape[1] * groups if transposed else w0
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out):
        raise RuntimeError(f"{op}: Given weight of size {_shape(weight.shape)}, expected bias to be 1-dimensional "
                           f"with {out} elements, but got bias of size {_shape(bias.shape)} instead")
    return out


def _conv(op, nd, input, weight, bias, stride, padding, dilation, groups):
    batched = _check_tensors(op, nd, input, weight, bias)
    stride, dilation = ntuple(op, "stride", stride, nd), ntuple(op, "dilation", dilation, nd)
    groups = _check_int(op, "groups", groups)
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions "
                                   f"(stride={list(stride)})")
            total = tuple(d * (kk - 1) for d, kk in zip(dilation, k))
            lo = tuple(t // 2 for t in total)
            hi = tuple(t - a for t, a in zip(total, lo))
        else:
            raise RuntimeError(f"{op}: Invalid padding string: {padding!r} (expected 'same', 'valid' or ints)")
    else:
        lo = hi = ntuple(op, "padding", padding, nd)
    _check_geometry(op, stride, dilation, groups, lo)
    x = input if batched else input.unsqueeze(0)
    _check_channels(op, x, weight, bias, groups, False)
    image = tuple(x.shape[2:])
    padded = tuple(i + a + b for i, a, b in zip(image, lo, hi))
    reach = tuple(d * (kk - 1) + 1 for d, kk in zip(dilation, k))
    if any(p < r for p, r in zip(padded, reach)):
        raise RuntimeError(f"{op}: Calculated padded input size per channel: {tuple(padded)}. Kernel size: "
                           f"{tuple(reach)}. Kernel size can't be greater than actual input size (input of size "
                           f"{_shape(input.shape)}, weight of size {_shape(weight.shape)})")
    response = tuple((p - r) // s + 1 for p, r, s in zip(padded, reach, stride))
    geo = Geometry(k, stride, dilation, lo, image, response)
    y = Convolution.apply(x, weight, bias, geo, False, groups)
    return y if batched else y.squeeze(0)


def _conv_transpose(op, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    batched = _check_tensors(op, nd, input, weight, bias)
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str ({padding!r}); transposed "
                        f"convolutions take no 'same' or 'valid'")
    stride, dilation = ntuple(op, "stride", stride, nd), ntuple(op, "dilation", dilation, nd)
    padding, out_pad = ntuple(op, "padding", padding, nd), ntuple(op, "output_padding", output_padding, nd)
    groups = _check_int(op, "groups", groups)
    _check_geometry(op, stride, dilation, groups, padding)
    if any(p < 0 or (p >= s and p >= d) for p, s, d in zip(out_pad, stride, dilation)):
        raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={list(out_pad)}, stride={list(stride)}, dilation={list(dilation)}")
    x = input if batched else input.unsqueeze(0)
    _check_channels(op, x, weight, bias, groups, True)
    k = tuple(weight.shape[2:])
    response = tuple(x.shape[2:])
    image = tuple((r - 1) * s - 2 * p + d * (kk - 1) + q + 1
                  for r, s, p, d, kk, q in zip(response, stride, padding, dilation, k, out_pad))
    if any(i <= 0 for i in image):
        raise RuntimeError(f"{op}: Given input size per channel: {response}, the calculated output size per "
                           f"channel {image} is too small (weight of size {_shape(weight.shape)}, padding="
                           f"{list(padding)}); use less padding or a larger input")
    geo = Geometry(k, stride, dilation, padding, image, response)
    y = Convolution.apply(x, weight, bias, geo, True, groups)
    return y if batched else y.squeeze(0)


_CONV_DOC = """Applies a {nd}-d convolution (PyTorch's, a cross-correlation) over an input of shape
``(N, C_in, {sp})`` or ``(C_in, {sp})``.

Args:
    input: the input, ``(N, C_in, {sp})`` or without the batch dim.
    weight: the filters, ``(C_out, C_in / groups, {ks})``.
    bias: an optional ``(C_out,)`` tensor added to every output position.
    stride: the step between windows (an int or {nd} ints).
    padding: zeros added on both sides (an int or {nd} ints), or ``'valid'`` (none) or ``'same'`` (the output has
        the input's size; stride 1 only).
    dilation: the spacing between kernel elements.
    groups: split the channels into this many groups, each convolved with its own filters.

Returns:
    A tensor ``(N, C_out, {out})`` (without N when the input had none).

>>> import gpugrad as gg
>>> x = gg.ones({ex_x})
>>> gg.nn.functional.{name}(x, gg.ones({ex_w}), padding=1).shape
{ex_out}
"""

_CONVT_DOC = """Applies a {nd}-d transposed convolution (the gradient of ``conv{nd}d`` with respect to its input,
sometimes called a deconvolution) over an input of shape ``(N, C_in, {sp})`` or ``(C_in, {sp})``.

Args:
    input: the input, ``(N, C_in, {sp})`` or without the batch dim.
    weight: the filters, ``(C_in, C_out / groups, {ks})``.
    bias: an optional ``(C_out,)`` tensor added to every output position.
    stride: the stride of the corresponding convolution (an int or {nd} ints).
    padding: the corresponding convolution's padding: ``dilation * (kernel_size - 1) - padding`` zeros are added
        to both sides of the input.
    output_padding: extra size added to one side of each output dim (less than stride or dilation), to choose
        among the output sizes that a strided convolution maps to the same input size.
    groups: split the channels into this many groups.
    dilation: the spacing between kernel elements.

Returns:
    A tensor ``(N, C_out, {out})`` with out = (in - 1) stride - 2 padding + dilation (kernel_size - 1) +
    output_padding + 1 per dim (without N when the input had none).

>>> import gpugrad as gg
>>> x = gg.ones({ex_x})
>>> gg.nn.functional.{name}(x, gg.ones({ex_w}), stride=2).shape
{ex_out}
"""


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


_SP = {1: "L", 2: "H, W", 3: "D, H, W"}
_KS = {1: "kL", 2: "kH, kW", 3: "kD, kH, kW"}
_OUT = {1: "L_out", 2: "H_out, W_out", 3: "D_out, H_out, W_out"}
_EX = {  # input, weight, conv output with padding=1, transposed output with stride=2
    1: ("1, 2, 5", "4, 2, 3", "gpugrad.Size([1, 4, 5])", "1, 2, 5", "2, 3, 3", "gpugrad.Size([1, 3, 11])"),
    2: ("1, 2, 5, 5", "4, 2, 3, 3", "gpugrad.Size([1, 4, 5, 5])", "1, 2, 4, 4", "2, 3, 3, 3", "gpugrad.Size([1, 3, 9, 9])"),
    3: ("1, 2, 3, 3, 3", "4, 2, 3, 3, 3", "gpugrad.Size([1, 4, 3, 3, 3])", "1, 2, 2, 2, 2", "2, 3, 2, 2, 2", "gpugrad.Size([1, 3, 4, 4, 4])"),
}
for _nd, _f in ((1, conv1d), (2, conv2d), (3, conv3d)):
    _e = _EX[_nd]
    _f.__doc__ = _CONV_DOC.format(nd=_nd, sp=_SP[_nd], ks=_KS[_nd], out=_OUT[_nd], name=_f.__name__,
                                  ex_x=_e[0], ex_w=_e[1], ex_out=_e[2])
for _nd, _f in ((1, conv_transpose1d), (2, conv_transpose2d), (3, conv_transpose3d)):
    _e = _EX[_nd]
    _f.__doc__ = _CONVT_DOC.format(nd=_nd, sp=_SP[_nd], ks=_KS[_nd], out=_OUT[_nd], name=_f.__name__,
                                   ex_x=_e[3], ex_w=_e[4], ex_out=_e[5])

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
