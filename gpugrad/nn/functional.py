"""gpugrad.nn.functional: the stateless forms of the layers (PyTorch's ``torch.nn.functional``).

Activations, softmax, linear, dropout and losses are the ops of :mod:`gpugrad.ops.nn_ops` (fused kernels
replace them underneath where a device has one); batch and layer normalization are defined here, each as
one tape node with its closed-form backward.

>>> import gpugrad as gg
>>> import gpugrad.nn.functional as F
>>> F.relu(gg.tensor([1.0, -2.0, 0.5]))
tensor([1.0000, 0.0000, 0.5000])
"""
from __future__ import annotations

from .. import _dtype
from ..autograd.op import Op
from ..ops import pad
from ..ops._util import shape_str
from ..ops.torch_more import one_hot
from ..ops.embedding import embedding, embedding_bag
from ..ops.activation_api import (relu6, hardtanh, hardtanh_, hardsigmoid, hardswish, mish, selu, selu_, celu, celu_,
                                  logsigmoid, softsign, softshrink, hardshrink, tanhshrink, threshold, threshold_,
                                  softmin, glu, prelu, rrelu, rrelu_, relu_, elu_, leaky_relu_)
from ..ops.nn_ops import (relu, leaky_relu, elu, gelu, silu, softplus, sigmoid, tanh, softmax, log_softmax,
                          linear, dropout, mse_loss, l1_loss, huber_loss, smooth_l1_loss, cross_entropy, nll_loss,
                          binary_cross_entropy, binary_cross_entropy_with_logits)
from ..ops.distance import normalize, cosine_similarity, pairwise_distance, pdist
from ..ops.losses_more import (kl_div, gaussian_nll_loss, poisson_nll_loss, soft_margin_loss,
                               multilabel_soft_margin_loss)
from ..ops.losses_margin import (margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss,
                                 multi_margin_loss, multilabel_margin_loss, triplet_margin_loss,
                                 triplet_margin_with_distance_loss)
from ..tensor import Tensor

__all__ = ["relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid", "tanh", "softmax", "log_softmax",
           "linear", "dropout", "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "pad", "batch_norm", "layer_norm", "one_hot",
           "embedding", "embedding_bag"]
__all__ += ["normalize", "cosine_similarity", "pairwise_distance", "pdist", "kl_div", "gaussian_nll_loss",
            "poisson_nll_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "margin_ranking_loss",
            "hinge_embedding_loss", "cosine_embedding_loss", "multi_margin_loss", "multilabel_margin_loss",
            "triplet_margin_loss", "triplet_margin_with_distance_loss"]
__all__ += ["relu6", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "mish", "selu", "selu_", "celu", "celu_",
            "logsigmoid", "softsign", "softshrink", "hardshrink", "tanhshrink", "threshold", "threshold_", "softmin",
            "glu", "prelu", "rrelu", "rrelu_", "relu_", "elu_", "leaky_relu_"]


class Normalize(Op):
    """y = (x - mu) * rstd * w + b, broadcasting w and b as ``pshape``.

    With ``from_x`` (batch norm in training, layer norm) mu and rstd = 1/sqrt(var + eps) are the biased
    moments of x over ``stat_axes``, and with xhat = (x - mu) rstd and dxhat = g w the input gradient is
        dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))       (means over stat_axes);
    otherwise (batch norm in eval) mu and rstd are constants and dx = dxhat rstd.
    dw = sum(g xhat), db = sum(g), both over ``red_axes`` (the axes w does not vary along).
    """

    def forward(self, x, w, b, mu, rstd, stat_axes, red_axes, pshape, eps, from_x):
        self.mu, self.rstd, self.eps, self.from_x = mu, rstd, eps, from_x
        self.stat_axes, self.red_axes, self.pshape = stat_axes, red_axes, pshape
        self.bshape = None if b is None else b.shape
        self.inv_n = 1.0 / _count(x.shape, stat_axes)
        self.save_for_backward(x, w)
        y = (x - mu) * rstd
        if w is not None:
            y *= w.reshape(pshape)             # y is a fresh array: scale and shift in place
        if b is not None:
            y += b.reshape(pshape)
        return y

    def backward(self, g):
        x, w = self.saved
        stat, red = self.stat_axes, self.red_axes
        mu, rstd = self.mu, self.rstd
        if isinstance(g, Tensor) and self.from_x:
            # double backward: mu and rstd are functions of x, so rebuild them from x as recorded ops
            mu = x.sum(axis=stat, keepdims=True) * self.inv_n
            xc = x - mu
            rstd = ((xc * xc).sum(axis=stat, keepdims=True) * self.inv_n + self.eps) ** -0.5
        xhat = (x - mu) * rstd
        n = self.needs_input_grad
        gw = _sum_over(g * xhat, red).reshape(w.shape) if n[1] else None
        gb = _sum_over(g, red).reshape(self.bshape) if n[2] else None
        gx = None
        if n[0]:
            dxhat = g * w.reshape(self.pshape) if w is not None else g
            if self.from_x:
                inv_n = self.inv_n          # means as sum * (1/n): xp.mean adds a Python layer per call
                s1, s2 = self.stat_sums(dxhat.sum(axis=stat, keepdims=True),
                                        (dxhat * xhat).sum(axis=stat, keepdims=True))
                gx = rstd * (dxhat - s1 * inv_n - xhat * s2 * inv_n)
            else:
                gx = dxhat * rstd
        return gx, gw, gb

    def stat_sums(self, s1, s2):
        """The sums of dxhat and dxhat xhat over the samples the statistics came from: this batch's
        (SyncBatchNorm's subclass adds the other ranks')."""
        return s1, s2


def _sum_over(a, axes):
    """a summed over ``axes``; none (layer norm over the whole shape) leaves it as is. (The Tensor namespace
    of double backward reads an empty ``axis`` as PyTorch's "every dim", NumPy as "no dim".)"""
    return a.sum(axis=axes) if axes else a


def _moments(x, axes):
    """Biased mean and variance of array x over axes (kept), in at least float32 (float16 sums lose digits)."""
    xs = x if x.dtype.itemsize >= 4 else x.astype("float32")
    inv_n = 1.0 / _count(x.shape, axes)
    mu = xs.sum(axis=axes, keepdims=True) * inv_n
    xc = xs - mu
    return mu, (xc * xc).sum(axis=axes, keepdims=True) * inv_n


def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return max(n, 1)


def _check_param(op, name, t, shape, x):
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor or None, got {type(t).__name__}")
    if tuple(t.shape) != tuple(shape):
        raise RuntimeError(f"{op}: {name} has shape {shape_str(t.shape)}, expected {shape_str(shape)} for input "
                           f"{shape_str(x.shape)}")
    if t.device != x.device:
        raise RuntimeError(f"{op}: {name} is on {t.device} but the input is on {x.device}")


def _float_input(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if not _dtype.is_float(x.dtype):
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {x.dtype}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalize each channel (dim 1) of ``(N, C)`` or ``(N, C, L)`` input, as torch.nn.functional.batch_norm.

    In training the batch's biased moments normalize, and the running stats (if given) move in place:
    ``running = (1 - momentum) running + momentum stat``, with the variance made unbiased by n / (n - 1).
    ``momentum`` may be an array on the input's device (a cumulative average's 1 / batches), so nothing
    here syncs with the host. In eval the running stats normalize.

    Args:
        input: ``(N, C)`` or ``(N, C, L)``.
        running_mean: ``(C,)`` running mean (updated in place in training), or None.
        running_var: ``(C,)`` running variance, or None.
        weight: ``(C,)`` scale, or None.
        bias: ``(C,)`` shift, or None.
        training: normalize with the batch's statistics (and update the running ones).
        momentum: the running averages' update factor.
        eps: added to the variance.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.batch_norm(gg.tensor([[1.0], [3.0]]), None, None, training=True)
    >>> [round(v, 3) for v in y.view(-1).tolist()]
    [-1.0, 1.0]
    """
    _float_input("batch_norm", input)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C) or (N, C, L), got {shape_str(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_param("batch_norm", name, t, (c,), input)
    axes = (0,) + tuple(range(2, input.ndim))
    pshape = (1, c) + (1,) * (input.ndim - 2)
    x = input._data
    xp = input.xp
    if training:
        n = input.numel() // c if c else 0
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of "
                             f"shape {shape_str(input.shape)}")
        mu, var = _moments(x, axes)
        if running_mean is not None:
            rm, rv = running_mean._data, running_var._data
            rm *= 1 - momentum
            rm += (momentum * mu.reshape(c)).astype(rm.dtype, copy=False)
            rv *= 1 - momentum
            rv += (momentum * (n / (n - 1)) * var.reshape(c)).astype(rv.dtype, copy=False)
            running_mean._vc[0] += 1
            running_var._vc[0] += 1
        from_x = True
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are required when training=False")
        mu, var = running_mean._data.reshape(pshape), running_var._data.reshape(pshape)
        from_x = False
    rstd = (1 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
    return Normalize.apply(input, weight, bias, mu.astype(x.dtype, copy=False), rstd, axes, axes, pshape, eps,
                           from_x)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the last ``len(normalized_shape)`` dims, as torch.nn.functional.layer_norm.

    Args:
        input: a tensor ending in ``normalized_shape``.
        normalized_shape: the trailing shape to normalize over.
        weight: optional scale of ``normalized_shape``.
        bias: optional shift of ``normalized_shape``.
        eps: added to the variance.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.layer_norm(gg.tensor([[1.0, 3.0]]), (2,))
    >>> [round(v, 3) for v in y.view(-1).tolist()]
    [-1.0, 1.0]
    """
    _float_input("layer_norm", input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(f"layer_norm: input of shape {shape_str(input.shape)} does not end with "
                           f"normalized_shape {shape_str(shape)}")
    _check_param("layer_norm", "weight", weight, shape, input)
    _check_param("layer_norm", "bias", bias, shape, input)
    stat = tuple(range(input.ndim - k, input.ndim))
    red = tuple(range(input.ndim - k))
    x = input._data
    mu, var = _moments(x, stat)
    rstd = (1 / input.xp.sqrt(var + eps)).astype(x.dtype, copy=False)
    return Normalize.apply(input, weight, bias, mu.astype(x.dtype, copy=False), rstd, stat, red, shape, eps, True)


# more layers' functions, each family in its own module (they build on Normalize and the helpers above)
from .functional_norm import rms_norm, group_norm, instance_norm  # noqa: E402
from .functional_bilinear import bilinear  # noqa: E402
from .functional_dropout import dropout1d, dropout2d, dropout3d, alpha_dropout, feature_alpha_dropout  # noqa: E402

__all__ += ["rms_norm", "group_norm", "instance_norm", "bilinear", "dropout1d", "dropout2d", "dropout3d",
            "alpha_dropout", "feature_alpha_dropout"]
from .functional_attention import scaled_dot_product_attention, multi_head_attention_forward  # noqa: E402
__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]
from ..ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: E402
                        conv_transpose3d)

from ..ops.fold import unfold, fold  # noqa: E402

__all__ += ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold",
            "fold"]
from .functional_misc import local_response_norm, gumbel_softmax  # noqa: E402

# pooling (gpugrad/ops/pooling.py, pooling_adaptive.py)
from ..ops.pooling import (max_pool1d, max_pool2d, max_pool3d, max_pool1d_with_indices,  # noqa: E402
                           max_pool2d_with_indices, max_pool3d_with_indices, avg_pool1d, avg_pool2d, avg_pool3d,
                           lp_pool1d, lp_pool2d, lp_pool3d)

__all__ += ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
            "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "lp_pool1d", "lp_pool2d",
            "lp_pool3d"]
from ..ops.pooling_adaptive import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,  # noqa: E402
                                    adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d,
                                    adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
                                    adaptive_max_pool3d_with_indices, max_unpool1d, max_unpool2d, max_unpool3d)

__all__ += ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
            "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
            "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d",
            "max_unpool3d"]
from ..ops.resample import (interpolate, upsample, upsample_nearest, upsample_bilinear, pixel_shuffle,  # noqa: E402
                            pixel_unshuffle, channel_shuffle)

__all__ += ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle",
            "channel_shuffle"]
from ..ops.grid_sample import affine_grid, grid_sample  # noqa: E402
__all__ += ["affine_grid", "grid_sample"]
from ..ops.ctc import ctc_loss  # noqa: E402
__all__ += ["ctc_loss"]
from ..ops.fractional_pool import (fractional_max_pool2d, fractional_max_pool3d,  # noqa: E402
                                   fractional_max_pool2d_with_indices, fractional_max_pool3d_with_indices)
__all__ += ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
            "fractional_max_pool3d_with_indices"]
