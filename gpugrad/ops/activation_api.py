"""PyTorch's other activation functions (``torch.nn.functional.hardtanh`` ... ``rrelu``) and the in-place
forms (``relu_``, ``elu_``, ...), over the ops of :mod:`gpugrad.ops.activation_more`. Exported by
:mod:`gpugrad.nn.functional`; those PyTorch also has at the top level (``torch.selu``...) by :mod:`gpugrad`.

softsign, tanhshrink, softmin and glu are compositions of recorded ops, as in PyTorch, so their values and
gradients (at infinities too) are PyTorch's. ``inplace=True`` writes the result into the input, with
PyTorch's rules (refused on a leaf that requires grad, version counter bumped).
"""
from __future__ import annotations

import warnings

from . import activation_more as A
from . import elementwise as E
from ..tensor import Tensor
from ._util import shape_str
from .nn_ops import _need_float, _on_integers, _in_place, _axis, relu, leaky_relu, elu, softmax, ELU, LeakyReLU
from .torch_api import _draw

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _unary(fn, op, input, inplace, *args):
    """``op.apply(input, *args)``, or with ``inplace`` ``fn(input, *args)`` written into the input (after the
    float check, in the name of ``fn``)."""
    _need_float(fn.__name__, input)
    if inplace:
        return _in_place(input, fn, *args)
    return op.apply(input, *args)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val); the gradient is 1 strictly between the bounds, 0 at and beyond them.

    Args:
        input: the input tensor (floating point).
        min_val: the lower bound.
        max_val: the upper bound (not below ``min_val``).
        inplace: write the result into ``input`` and return it.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.hardtanh(gg.tensor([-2.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if isinstance(input, Tensor) and min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val (got min_val={min_val}, "
                         f"max_val={max_val}) for input of shape {shape_str(input.shape)}")
    res = _on_integers(input, inplace, lambda a: input.xp.clip(a, int(min_val), int(max_val)))
    if res is not None:
        return res
    _need_float("hardtanh", input)
    return _unary(hardtanh, A.Hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In place: :func:`hardtanh` written into ``input``; returns it.

    Args:
        input: the tensor to change (floating point).
        min_val: the lower bound.
        max_val: the upper bound.

    Returns:
        ``input``, changed in place.

    >>> import gpugrad as gg
    >>> gg.nn.functional.hardtanh_(gg.tensor([-2.0, 0.5]))
    tensor([-1.0000,  0.5000])
    """
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """min(max(0, x), 6): :func:`hardtanh` between 0 and 6.

    Args:
        input: the input tensor (floating point).
        inplace: write the result into ``input`` and return it.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.relu6(gg.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """
    res = _on_integers(input, inplace, lambda a: input.xp.clip(a, 0, 6))
    if res is not None:
        return res
    _need_float("relu6", input)
    if inplace:
        return _in_place(input, relu6)
    return A.Hardtanh.apply(input, 0.0, 6.0)


def hardsigmoid(input, inplace=False):
    """min(max(x + 3, 0), 6) / 6: 0 below -3, 1 above 3, linear between (gradient 1/6 strictly inside).

    Args:
        input: the input tensor (floating point).
        inplace: write the result into ``input`` and return it.

    Returns:
        A tensor of the input's shape, in [0, 1].

    >>> import gpugrad as gg
    >>> gg.nn.functional.hardsigmoid(gg.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    return _unary(hardsigmoid, A.Hardsigmoid, input, inplace)


def hardswish(input, inplace=False):
    """x hardsigmoid(x): 0 below -3, x above 3, x (x + 3) / 6 between.

    Args:
        input: the input tensor (floating point).
        inplace: write the result into ``input`` and return it.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.hardswish(gg.tensor([-4.0, 0.0, 4.0]))
    tensor([-0., 0., 4.])
    """
    return _unary(hardswish, A.Hardswish, input, inplace)


def mish(input, inplace=False):
    """x tanh(softplus(x)), with softplus computed without overflow for large x.

    Args:
        input: the input tensor (floating point).
        inplace: write the result into ``input`` and return it.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> round(gg.nn.functional.mish(gg.tensor(1.0)).item(), 4)
    0.8651
    """
    return _unary(mish, A.Mish, input, inplace)


def selu(input, inplace=False):
    """scale (max(0, x) + min(0, alpha (e^x - 1))) with alpha = 1.6733 and scale = 1.0507.

    Args:
        input: the input tensor (floating point).
        inplace: write the result into ``input`` and return it.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> [round(v, 4) for v in gg.nn.functional.selu(gg.tensor([-1.0, 1.0])).tolist()]
    [-1.1113, 1.0507]
    """
    _need_float("selu", input)
    if inplace:
        return _in_place(input, selu)
    return A.ScaledELU.apply(input, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input):
    """In place: :func:`selu` written into ``input``; returns it.

    Args:
        input: the tensor to change (floating point).

    Returns:
        ``input``, changed in place.

    >>> import gpugrad as gg
    >>> x = gg.tensor([0.0, 2.0])
    >>> gg.selu_(x) is x, round(x[1].item(), 4)
    (True, 2.1014)
    """
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)): an ELU with a gradient continuous at 0.

    Args:
        input: the input tensor (floating point).
        alpha: the negative saturation value is ``-alpha`` (not 0).
        inplace: write the result into ``input`` and return it.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> [round(v, 4) for v in gg.nn.functional.celu(gg.tensor([-1.0, 1.0]), alpha=2.0).tolist()]
    [-0.7869, 1.0]
    """
    _need_float("celu", input)
    if alpha == 0:
        raise RuntimeError(f"celu: alpha cannot be 0 (it divides the input; ZeroDivisionError in PyTorch), "
                           f"input of shape {shape_str(input.shape)}")
    if inplace:
        return _in_place(input, celu, alpha)
    return A.ScaledELU.apply(input, alpha, 1.0, 1.0 / alpha)


def celu_(input, alpha=1.0):
    """In place: :func:`celu` written into ``input``; returns it.

    Args:
        input: the tensor to change (floating point).
        alpha: the negative saturation value is ``-alpha``.

    Returns:
        ``input``, changed in place.

    >>> import gpugrad as gg
    >>> gg.celu_(gg.tensor([0.0, 2.0]))
    tensor([0., 2.])
    """
    return celu(input, alpha, inplace=True)


def logsigmoid(input):
    """log(1 / (1 + e^-x)), computed as min(x, 0) - log1p(e^-|x|): finite for every finite x.

    Args:
        input: the input tensor (floating point).

    Returns:
        A tensor of the input's shape, at most 0.

    >>> import gpugrad as gg
    >>> gg.nn.functional.logsigmoid(gg.tensor([-1000.0, 0.0])).tolist()[0]
    -1000.0
    """
    _need_float("logsigmoid", input)
    return A.LogSigmoid.apply(input)


def softsign(input):
    """x / (1 + |x|) (recorded as PyTorch composes it).

    Args:
        input: the input tensor (floating point).

    Returns:
        A tensor of the input's shape, in (-1, 1).

    >>> import gpugrad as gg
    >>> gg.nn.functional.softsign(gg.tensor([-3.0, 1.0]))
    tensor([-0.7500,  0.5000])
    """
    _need_float("softsign", input)
    return input / (input.abs() + 1)


def tanhshrink(input):
    """x - tanh(x) (recorded as PyTorch composes it).

    Args:
        input: the input tensor (floating point).

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.tanhshrink(gg.tensor([0.0])).tolist()
    [0.0]
    """
    _need_float("tanhshrink", input)
    return input - E.tanh(input)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between.

    Args:
        input: the input tensor (floating point).
        lambd: the half-width of the dead zone (at least 0).

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.softshrink(gg.tensor([-2.0, 0.25, 1.5]), 0.5)
    tensor([-1.5000,  0.0000,  1.0000])
    """
    _need_float("softshrink", input)
    if not lambd >= 0:
        raise RuntimeError(f"softshrink: lambd must be at least 0, got {lambd} (input of shape "
                           f"{shape_str(input.shape)})")
    return A.Shrink.apply(input, lambd, True)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, 0 elsewhere.

    Args:
        input: the input tensor (floating point).
        lambd: the half-width of the zeroed band.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.hardshrink(gg.tensor([-2.0, 0.25, 1.5]), 0.5)
    tensor([-2.0000,  0.0000,  1.5000])
    """
    _need_float("hardshrink", input)
    return A.Shrink.apply(input, lambd, False)


def threshold(input, threshold, value, inplace=False):
    """``value`` where x <= threshold, x elsewhere.

    Args:
        input: the input tensor (floating point).
        threshold: elements at or below it are replaced.
        value: what replaces them.
        inplace: write the result into ``input`` and return it.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.threshold(gg.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    res = _on_integers(input, inplace, lambda a: input.xp.where(a > int(threshold), a, int(value)))
    if res is not None:
        return res
    _need_float("threshold", input)
    if inplace:
        return _in_place(input, globals()["threshold"], threshold, value)
    return A.Threshold.apply(input, threshold, value)


def threshold_(input, threshold, value):
    """In place: :func:`threshold` written into ``input``; returns it.

    Args:
        input: the tensor to change (floating point).
        threshold: elements at or below it are replaced.
        value: what replaces them.

    Returns:
        ``input``, changed in place.

    >>> import gpugrad as gg
    >>> gg.threshold_(gg.tensor([0.5, 2.0]), 1.0, 0.0)
    tensor([0., 2.])
    """
    return globals()["threshold"](input, threshold, value, inplace=True)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``: each slice becomes a probability vector, largest where x is smallest.

    Args:
        input: the input tensor (floating point).
        dim: the dimension to normalize over (None: PyTorch's deprecated implicit choice, with a warning).
        dtype: cast to this dtype before the softmax.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.softmin(gg.zeros(1, 2), dim=1).tolist()
    [[0.5, 0.5]]
    """
    _need_float("softmin", input)
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the call to include "
                      "dim=X as an argument.", stacklevel=_stacklevel)
        dim = _axis("softmin", input, None)
    return softmax(-input, dim, dtype)


def glu(input, dim=-1):
    """The gated linear unit: ``a * sigmoid(b)`` with a and b the two halves of ``input`` along ``dim``.

    Args:
        input: the input tensor (floating point); its size along ``dim`` must be even.
        dim: the dimension to halve.

    Returns:
        A tensor of the input's shape with ``dim`` halved.

    >>> import gpugrad as gg
    >>> gg.nn.functional.glu(gg.tensor([[2.0, 0.0]])).tolist()
    [[1.0]]
    """
    _need_float("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu: does not support scalars (0-d input) because halving size must be even")
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"glu: dim {dim} out of range for input of shape {shape_str(input.shape)} (expected "
                         f"in [{-input.ndim}, {input.ndim - 1}])")
    n = input.shape[dim]
    if n % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {dim % input.ndim} of input "
                           f"{shape_str(input.shape)} is size {n}")
    h, lead = n // 2, (slice(None),) * (dim % input.ndim)
    return input[lead + (slice(0, h),)] * E.sigmoid(input[lead + (slice(h, n),)])


def prelu(input, weight):
    """x where x > 0, weight x elsewhere: ``weight`` holds one slope, or one per channel (dim 1).

    Args:
        input: the input tensor (floating point).
        weight: a 0-d or 1-d tensor of the input's dtype with 1 element or ``input.shape[1]`` elements.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.prelu(gg.tensor([[-2.0, 1.0]]), gg.tensor([0.25]))
    tensor([[-0.5000,  1.0000]])
    """
    _need_float("prelu", input)
    _need_float("prelu", weight)
    x, w = input, weight
    if x.dtype != w.dtype:
        raise RuntimeError(f"prelu: type promoting is not supported: input is {x.dtype}, weight is {w.dtype}")
    if w.ndim > 1:
        raise RuntimeError(f"prelu: expected weight to be a scalar or 1-d tensor, got weight of shape "
                           f"{shape_str(w.shape)}")
    k = w.numel()
    if k != 1:
        if x.ndim == 0:
            raise RuntimeError(f"prelu: a 0-d input takes a weight of 1 element, got weight of shape "
                               f"{shape_str(w.shape)}")
        c = x.shape[1] if x.ndim > 1 else 1
        if k != c:
            raise RuntimeError(f"prelu: mismatch of parameter numbers and input channel size: weight of shape "
                               f"{shape_str(w.shape)} has {k} parameters, input of shape {shape_str(x.shape)} "
                               f"has {c} channel(s) (dim 1)")
    if w.ndim != x.ndim:                        # (1, C, 1, ...): one slope per channel of dim 1
        w = w.reshape(tuple(k if i == 1 else 1 for i in range(x.ndim)))
    return A.PReLU.apply(x, w)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, *, generator=None):
    """Randomized leaky ReLU: in training x r where x <= 0, with r ~ U(lower, upper) drawn per element from
    gpugrad's generator; in eval the fixed slope (lower + upper) / 2.

    Args:
        input: the input tensor (floating point).
        lower: the lower bound of the slopes.
        upper: the upper bound of the slopes (not below ``lower``).
        training: draw random slopes (else use their mean).
        inplace: write the result into ``input`` and return it.
        generator: a ``gpugrad.Generator`` to draw from instead of gpugrad's seeded one (CPU tensors only).

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.rrelu(gg.tensor([-1.0, 2.0]), 0.1, 0.3)
    tensor([-0.2000,  2.0000])
    """
    _need_float("rrelu", input)
    if lower > upper:
        raise RuntimeError(f"rrelu: lower bound should be less than or equal to the upper bound (got "
                           f"lower={lower}, upper={upper}) for input of shape {shape_str(input.shape)}")
    if inplace:
        return _in_place(input, _rrelu, lower, upper, training, generator)
    return _rrelu(input, lower, upper, training, generator)


def _rrelu(x, lower, upper, training, generator):
    if not training:
        return LeakyReLU.apply(x, (lower + upper) / 2)
    r = _draw("uniform", tuple(x.shape), x.dtype, x.device, generator, low=lower, high=upper)
    return A.RReLU.apply(x, r)


_rrelu.__name__ = "rrelu"       # (in-place errors name the function: rrelu_)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, *, generator=None):
    """In place: :func:`rrelu` written into ``input``; returns it.

    Args:
        input: the tensor to change (floating point).
        lower: the lower bound of the slopes.
        upper: the upper bound of the slopes.
        training: draw random slopes (else use their mean).
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only).

    Returns:
        ``input``, changed in place.

    >>> import gpugrad as gg
    >>> gg.rrelu_(gg.tensor([-1.0, 2.0]), 0.1, 0.3)
    tensor([-0.2000,  2.0000])
    """
    return rrelu(input, lower, upper, training, True, generator=generator)


def relu_(input):
    """In place: max(0, x) written into ``input``; returns it.

    Args:
        input: the tensor to change (floating point).

    Returns:
        ``input``, changed in place.

    >>> import gpugrad as gg
    >>> gg.relu_(gg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return relu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """In place: :func:`gpugrad.nn.functional.leaky_relu` written into ``input``; returns it.

    Args:
        input: the tensor to change (floating point).
        negative_slope: the slope for negative inputs.

    Returns:
        ``input``, changed in place.

    >>> import gpugrad as gg
    >>> gg.nn.functional.leaky_relu_(gg.tensor([-1.0, 2.0]), 0.5)
    tensor([-0.5000,  2.0000])
    """
    return leaky_relu(input, negative_slope, inplace=True)


def _elu_scaled(input, alpha, scale, input_scale):
    if scale == 1 and input_scale == 1:
        return ELU.apply(input, alpha)
    return A.ScaledELU.apply(input, alpha, scale, input_scale)


_elu_scaled.__name__ = "elu"    # (in-place errors name the function: elu_)


def elu_(input, alpha=1.0, scale=1.0, input_scale=1.0):
    """In place: :func:`gpugrad.nn.functional.elu` written into ``input``; returns it. ``scale`` and
    ``input_scale`` are PyTorch's native schema's: scale x for x > 0, alpha scale (e^(input_scale x) - 1)
    elsewhere.

    Args:
        input: the tensor to change (floating point).
        alpha: the negative saturation value is ``-alpha scale``.
        scale: the factor of the whole output.
        input_scale: the factor of x inside the exponential.

    Returns:
        ``input``, changed in place.

    >>> import gpugrad as gg
    >>> gg.nn.functional.elu_(gg.tensor([0.0, 2.0]))
    tensor([0., 2.])
    """
    _need_float("elu_", input)
    if scale == 1 and input_scale == 1:
        return elu(input, alpha, inplace=True)
    return _in_place(input, _elu_scaled, alpha, scale, input_scale)
