"""More normalization for gpugrad.nn.functional: rms_norm (its own tape node), group_norm and instance_norm
(batch and layer normalization's :class:`Normalize` node on a regrouped view of the input).

>>> import gpugrad as gg
>>> y = gg.nn.functional.rms_norm(gg.tensor([[3.0, 4.0]]), (2,))
>>> [round(v, 3) for v in y.view(-1).tolist()]
[0.849, 1.131]
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.op import Op
from ..ops._util import shape_str
from ..tensor import Tensor
from .functional import Normalize, _check_param, _count, _float_input, _moments, _sum_over, batch_norm

__all__ = ["rms_norm", "group_norm", "instance_norm"]


class RMSNormalize(Op):
    """y = x * rstd * w with rstd = 1/sqrt(mean(x^2) + eps) over ``stat_axes`` (no centering), w broadcast as
    ``pshape``. With xhat = x rstd and dxhat = g w:
        dx = rstd (dxhat - xhat mean(dxhat xhat)),     dw = sum(g xhat) over ``red_axes``.
    """

    def forward(self, x, w, rstd, stat_axes, red_axes, pshape, eps):
        self.rstd, self.eps, self.stat_axes, self.red_axes, self.pshape = rstd, eps, stat_axes, red_axes, pshape
        self.inv_n = 1.0 / _count(x.shape, stat_axes)
        self.save_for_backward(x, w)
        y = x * rstd
        if w is not None:
            y *= w.reshape(pshape)              # y is a fresh array: scale in place
        return y

    def backward(self, g):
        x, w = self.saved
        stat, rstd, inv_n = self.stat_axes, self.rstd, self.inv_n
        if isinstance(g, Tensor):
            # double backward: rstd is a function of x, so rebuild it from x as recorded ops
            rstd = ((x * x).sum(axis=stat, keepdims=True) * inv_n + self.eps) ** -0.5
        xhat = x * rstd
        n = self.needs_input_grad
        gw = _sum_over(g * xhat, self.red_axes).reshape(w.shape) if n[1] else None
        gx = None
        if n[0]:
            dxhat = g * w.reshape(self.pshape) if w is not None else g
            gx = rstd * (dxhat - xhat * ((dxhat * xhat).sum(axis=stat, keepdims=True) * inv_n))
        return gx, gw


def _normalized_shape(op, input, normalized_shape):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0:
        raise RuntimeError(f"{op}: normalized_shape must have at least one dim, got {shape_str(shape)}")
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"{op}: input of shape {shape_str(input.shape)} does not end with normalized_shape "
                           f"{shape_str(shape)}")
    return shape


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization over the last ``len(normalized_shape)`` dims, as
    torch.nn.functional.rms_norm: ``y = x / sqrt(mean(x^2) + eps) * weight`` (no centering, no shift).

    Args:
        input: a tensor ending in ``normalized_shape``.
        normalized_shape: the trailing shape to normalize over (an int or a tuple).
        weight: optional scale of ``normalized_shape``.
        eps: added to the mean square; None (PyTorch's default): the machine epsilon of the input's dtype
            (of float32 for float16 and bfloat16, which are computed in float32).

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.rms_norm(gg.tensor([[1.0, -1.0, 1.0, -1.0]]), (4,), eps=0.0)
    >>> y.tolist()
    [[1.0, -1.0, 1.0, -1.0]]
    """
    _float_input("rms_norm", input)
    shape = _normalized_shape("rms_norm", input, normalized_shape)
    _check_param("rms_norm", "weight", weight, shape, input)
    x = input._data
    xs = x if x.dtype.itemsize >= 4 else x.astype("float32")      # the mean square in at least float32
    if eps is None:
        eps = float(np.finfo(xs.dtype).eps)            # (a dtype query: no data leaves the device)
    stat = tuple(range(input.ndim - len(shape), input.ndim))
    ms = (xs * xs).sum(axis=stat, keepdims=True) * (1.0 / _count(x.shape, stat))
    rstd = (1 / input.xp.sqrt(ms + eps)).astype(x.dtype, copy=False)
    return RMSNormalize.apply(input, weight, rstd, stat, tuple(range(input.ndim - len(shape))), shape, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization, as torch.nn.functional.group_norm: the C channels of ``(N, C, *)`` input are split
    into ``num_groups`` groups, each sample's group is normalized by its own mean and (biased) variance, then
    ``weight`` and ``bias`` scale and shift each channel.

    Args:
        input: ``(N, C, *)``, C divisible by ``num_groups``.
        num_groups: the number of groups.
        weight: optional ``(C,)`` scale.
        bias: optional ``(C,)`` shift.
        eps: added to the variance.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.group_norm(gg.tensor([[1.0, 3.0, 0.0, 4.0]]), 2)
    >>> [round(v, 3) for v in y.view(-1).tolist()]
    [-1.0, 1.0, -1.0, 1.0]
    """
    _float_input("group_norm", input)
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected input of shape (N, C, *) with at least 2 dims, got "
                           f"{shape_str(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"group_norm: the {c} channels of input {shape_str(input.shape)} are not divisible "
                           f"into num_groups={num_groups!r} groups")
    _check_param("group_norm", "weight", weight, (c,), input)
    _check_param("group_norm", "bias", bias, (c,), input)
    grouped = input.reshape(n, num_groups, c // num_groups, math.prod(input.shape[2:]))
    stat, red, pshape = (2, 3), (0, 3), (1, num_groups, c // num_groups, 1)
    x = grouped._data
    mu, var = _moments(x, stat)
    rstd = (1 / input.xp.sqrt(var + eps)).astype(x.dtype, copy=False)
    y = Normalize.apply(grouped, weight, bias, mu.astype(x.dtype, copy=False), rstd, stat, red, pshape, eps, True)
    return y.reshape(input.shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance normalization, as torch.nn.functional.instance_norm: each channel of each sample of
    ``(N, C, *)`` input is normalized over its own spatial dims. With running stats and ``use_input_stats`` the
    running averages move by the mean of the samples' statistics; without ``use_input_stats`` they normalize.

    Args:
        input: ``(N, C, *)`` with at least one spatial dim.
        running_mean: optional ``(C,)`` running mean (updated in place when ``use_input_stats``).
        running_var: optional ``(C,)`` running variance.
        weight: optional ``(C,)`` scale.
        bias: optional ``(C,)`` shift.
        use_input_stats: normalize by each instance's statistics (False: by the running ones).
        momentum: the running averages' update factor.
        eps: added to the variance.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.instance_norm(gg.tensor([[[1.0, 3.0], [2.0, 2.0]]]))
    >>> [round(v, 3) for v in y.view(-1).tolist()]
    [-1.0, 1.0, 0.0, 0.0]
    """
    _float_input("instance_norm", input)
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected input of shape (N, C, L, ...) with at least 3 dims, got "
                         f"{shape_str(input.shape)}")
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when training, got input of shape "
                         f"{shape_str(input.shape)}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: running_mean and running_var are required when use_input_stats=False")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if running_mean is None and running_var is None:    # each (sample, channel) is a group of one channel
        return group_norm(input, input.shape[1], weight, bias, eps)
    # PyTorch's formulation: batch norm of the input seen as one sample with N*C channels, the running stats
    # repeated per sample and averaged back
    n, c = input.shape[0], input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        _check_param("instance_norm", name, t, (c,), input)
    rm = Tensor._make(running_mean._data[None].repeat(n, 0).reshape(n * c), None, False)
    rv = Tensor._make(running_var._data[None].repeat(n, 0).reshape(n * c), None, False)
    y = batch_norm(input.reshape((1, n * c) + tuple(input.shape[2:])), rm, rv, None, None, True, momentum, eps)
    for run, rep in ((running_mean, rm), (running_var, rv)):
        run._data[...] = rep._data.reshape(n, c).mean(axis=0).astype(run._data.dtype, copy=False)
        run._vc[0] += 1
    y = y.reshape(input.shape)
    pshape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(pshape)
    if bias is not None:
        y = y + bias.reshape(pshape)
    return y
