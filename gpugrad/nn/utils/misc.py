"""``torch.nn.utils``' small helpers: ``skip_init`` and folding an eval-mode BatchNorm into the Linear before it
(``fuse_linear_bn_eval`` / ``fuse_linear_bn_weights``)."""
from __future__ import annotations

import copy
import inspect

from ...autograd import no_grad
from ...ops import rsqrt
from ..module import Module
from ..parameter import Parameter

__all__ = ["skip_init", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def skip_init(module_cls, *args, **kwargs):
    """Build ``module_cls(*args, **kwargs)`` whose parameter values are not to be relied on (PyTorch builds it
    on the meta device and gives it uninitialized storage): the step before loading or initializing them.

    gpugrad has no meta device: the module is built on its ``device`` (default CPU) and ``to_empty`` then gives
    it fresh uninitialized storage, so the values are unspecified, as in PyTorch.

    Args:
        module_cls: a :class:`gpugrad.nn.Module` subclass whose constructor takes ``device``.
        *args: its positional arguments.
        **kwargs: its keyword arguments (``device``: where the storage goes).

    Returns:
        The module.

    >>> import gpugrad as gg
    >>> gg.nn.utils.skip_init(gg.nn.Linear, 2, 3).weight.shape
    gpugrad.Size([3, 2])
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    device = kwargs.pop("device", "cpu")
    kwargs["device"] = device
    return module_cls(*args, **kwargs).to_empty(device=device)


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """The weight and bias of one Linear equal to ``Linear(w, b)`` followed by an eval-mode BatchNorm:
    s = bn_w / sqrt(bn_rv + bn_eps); w' = w * s[:, None]; b' = (b - bn_rm) * s + bn_b.

    Args:
        linear_w: the Linear's weight, shape (out, in).
        linear_b: its bias, or None (zeros).
        bn_rm: the BatchNorm's running mean.
        bn_rv: its running variance.
        bn_eps: its eps.
        bn_w: its weight (gamma).
        bn_b: its bias (beta).

    Returns:
        ``(weight, bias)`` as two Parameters (with the Linear's dtypes and ``requires_grad``).

    >>> import gpugrad as gg
    >>> w, b = gg.nn.utils.fuse_linear_bn_weights(gg.ones(1, 2), None, gg.zeros(1), gg.ones(1), 0.0,
    ...                                          gg.full((1,), 2.0), gg.ones(1))
    >>> w.tolist(), b.tolist()
    ([[2.0, 2.0]], [1.0])
    """
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    if linear_b is None:
        from ...factories import zeros_like
        linear_b = zeros_like(bn_rm)
    scale = bn_w * rsqrt(bn_rv + bn_eps)
    fused_w = linear_w * scale.unsqueeze(-1).to(dtype=w_dtype)
    fused_b = ((linear_b - bn_rm) * scale + bn_b).to(dtype=b_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, linear_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` that computes ``bn(linear(x))`` in one matmul, both modules in eval mode (the
    BatchNorm's running statistics folded into the weight and bias, :func:`fuse_linear_bn_weights`).

    Args:
        linear: a :class:`gpugrad.nn.Linear` in eval mode.
        bn: a BatchNorm over its ``out_features`` (or over 1 feature), in eval mode, with running statistics.

    Returns:
        A new Linear (the arguments are not changed).

    >>> import gpugrad as gg
    >>> fc, bn = gg.nn.Linear(3, 2).eval(), gg.nn.BatchNorm1d(2).eval()
    >>> x = gg.randn(4, 3)
    >>> bool(gg.allclose(gg.nn.utils.fuse_linear_bn_eval(fc, bn)(x), bn(fc(x)), atol=1e-6))
    True
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(linear)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(f"To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
                             f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    with no_grad():
        fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean,
                                                          bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused
