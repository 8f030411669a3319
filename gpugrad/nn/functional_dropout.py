"""Channel-wise and alpha dropout for gpugrad.nn.functional: dropout1d/2d/3d, alpha_dropout and
feature_alpha_dropout, each the input times a random mask (plus a shift for alpha dropout), recorded as
ordinary multiply and add nodes, with PyTorch's input-rank rules and warnings.

>>> import gpugrad as gg
>>> gg.nn.functional.dropout2d(gg.ones(1, 2, 2, 2), p=0.5, training=False).shape
gpugrad.Size([1, 2, 2, 2])
"""
from __future__ import annotations

import math
import warnings

from ..ops._util import shape_str
from ..ops.nn_ops import _in_place, _user_stacklevel
from ..random_factories import _generator
from ..tensor import Tensor

__all__ = ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

# SELU's negative saturation value -scale * alpha: where alpha dropout sends a dropped activation
_SELU_SATURATION = 1.7580993408473766


def _check_p(op, p):
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _masked(input, p, training, inplace, op, channel_dims, alpha):
    """x * mask (and + shift for alpha dropout), the mask drawn over ``input.shape[:channel_dims]`` and
    broadcast over the remaining dims (every element when ``channel_dims`` is None). PyTorch's
    _dropout_impl: keep ~ Bernoulli(1 - p); plain: mask = keep / (1 - p); alpha, with a = 1/sqrt((alpha^2 p + 1)
    (1 - p)): y = a keep x + alpha a (keep - 1 + p), so that a unit Gaussian keeps its mean and variance."""
    _check_p(op, p)
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if not training or p == 0 or input.numel() == 0:
        return input
    if inplace:
        def out_of_place(x):
            return _masked(x, p, training, False, op, channel_dims, alpha)
        out_of_place.__name__ = op               # in-place errors name the op: "dropout2d_: ..."
        return _in_place(input, out_of_place)
    if p == 1:
        return input * 0.0
    x = input._data
    shape = x.shape if channel_dims is None else x.shape[:channel_dims] + (1,) * (x.ndim - channel_dims)
    draw_dtype = x.dtype if x.dtype.itemsize >= 4 else "float32"
    keep = (_generator(input.xp, x).random(shape, dtype=draw_dtype) >= p).astype(x.dtype)
    if not alpha:
        return input * Tensor._make(keep * (1.0 / (1.0 - p)), None, False)
    a = 1.0 / math.sqrt((_SELU_SATURATION ** 2 * p + 1) * (1 - p))
    shift = (keep - 1.0 + p) * (_SELU_SATURATION * a)
    return input * Tensor._make(keep * a, None, False) + Tensor._make(shift.astype(x.dtype, copy=False), None, False)


def _feature_dims(op, input):
    """The dims a feature mask spans on batched input (N, C, ...): N and C; PyTorch needs both."""
    if input.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the input, got input of "
                           f"shape {shape_str(input.shape)}")
    return 2


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (1-D feature maps) of ``(N, C, L)`` or unbatched ``(C, L)`` input, each with
    probability ``p``, and scale the rest by 1/(1-p), as torch.nn.functional.dropout1d.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        p: the probability of zeroing a channel.
        training: apply dropout (False: return the input).
        inplace: write the result into the input.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.dropout1d(gg.ones(8, 4, 5), p=0.5)
    >>> bool(((y == 0).all(-1) | (y == 2).all(-1)).all())      # each channel is dropped or kept whole
    True
    """
    _check_p("dropout1d", p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input of shape "
                           f"{shape_str(input.shape)}. Note that dropout1d exists to provide channel-wise dropout "
                           f"on inputs with 1 spatial dimension, a channel dimension, and an optional batch "
                           f"dimension (i.e. 2D or 3D inputs).")
    return _masked(input, p, training, inplace, "dropout1d", 2 if input.ndim == 3 else 1, False)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (2-D feature maps) of ``(N, C, H, W)`` input, each with probability ``p``, and scale
    the rest by 1/(1-p), as torch.nn.functional.dropout2d. As in PyTorch, other ranks warn: a 3-D input is taken
    as ``(N, C, L)`` (dropout1d's behaviour, not an unbatched ``(C, H, W)``).

    Args:
        input: ``(N, C, H, W)`` (or, with a warning, ``(N, C, L)`` or another rank of at least 2).
        p: the probability of zeroing a channel.
        training: apply dropout (False: return the input).
        inplace: write the result into the input.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.dropout2d(gg.ones(4, 3, 2, 2), p=0.5)
    >>> bool(((y == 0).all((-2, -1)) | (y == 2).all((-2, -1))).all())
    True
    """
    _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
                      f"result in an error in a future release. To retain the behavior and silence this warning, "
                      f"please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on "
                      f"inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension "
                      f"(i.e. 3D or 4D inputs).", UserWarning, stacklevel=_user_stacklevel())
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", UserWarning, stacklevel=_user_stacklevel())
    return _masked(input, p, training, inplace, "dropout2d", _feature_dims("dropout2d", input), False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (3-D feature maps) of ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input, each
    with probability ``p``, and scale the rest by 1/(1-p), as torch.nn.functional.dropout3d (other ranks warn,
    and are taken as unbatched, as in PyTorch).

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        p: the probability of zeroing a channel.
        training: apply dropout (False: return the input).
        inplace: write the result into the input.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.functional.dropout3d(gg.ones(2, 3, 1, 2, 2), p=1.0).sum().item()
    0.0
    """
    _check_p("dropout3d", p)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will "
                      f"result in an error in a future release. To retain the behavior and silence this warning, "
                      f"please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on "
                      f"inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension "
                      f"(i.e. 4D or 5D inputs).", UserWarning, stacklevel=_user_stacklevel())
    return _masked(input, p, training, inplace, "dropout3d", 2 if input.ndim == 5 else 1, False)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout, as torch.nn.functional.alpha_dropout (for SELU networks): each element is set, with
    probability ``p``, to SELU's negative saturation value, then all are scaled and shifted so that a
    zero-mean, unit-variance input keeps its mean and variance.

    Args:
        input: a floating point tensor.
        p: the probability of dropping an element.
        training: apply it (PyTorch's default here is False: the identity).
        inplace: write the result into the input.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.alpha_dropout(gg.randn(100000), p=0.2, training=True)
    >>> abs(y.mean().item()) < 0.02, abs(y.std().item() - 1) < 0.02
    (True, True)
    """
    return _masked(input, p, training, inplace, "alpha_dropout", None, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels of ``(N, C, *)`` input, as torch.nn.functional.feature_alpha_dropout:
    each channel is dropped with probability ``p`` (to SELU's negative saturation value), then everything is
    scaled and shifted to keep a unit Gaussian's mean and variance.

    Args:
        input: ``(N, C, *)``.
        p: the probability of dropping a channel.
        training: apply it (PyTorch's default here is False: the identity).
        inplace: write the result into the input.

    Returns:
        A tensor of the input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.feature_alpha_dropout(gg.zeros(2, 3, 4), p=0.5, training=True)
    >>> bool((y == y[:, :, :1]).all())                      # one value per channel
    True
    """
    _check_p("feature_alpha_dropout", p)
    return _masked(input, p, training, inplace, "feature_alpha_dropout",
                   _feature_dims("feature_alpha_dropout", input), True)
