"""RMSprop (centered, with momentum, L2 weight decay and ``maximize``), PyTorch's ``RMSprop``."""
from __future__ import annotations

from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: s <- alpha*s + (1-alpha)*g^2; p <- p - lr * g / (sqrt(s) + eps) (centered: s - mean(g)^2;
    with momentum the step goes through a buffer b <- momentum*b + g/(...)).

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the learning rate.
        alpha: the decay rate of the squared-gradient average.
        eps: added to the denominator.
        weight_decay: L2 penalty added to the gradient.
        momentum: momentum factor.
        centered: normalize by the variance estimate instead of the second moment.
        capturable: only False (CUDA graph capture is not supported).
        maximize: ascend the objective instead of descending.
        foreach: accepted for PyTorch compatibility; ``foreach=False`` selects the per-parameter reference loop.
        differentiable: only False (PyTorch's autograd through the step is not supported).
        fused: None or True: one fused step over flat buffers (see gpugrad.optim); False: PyTorch's per-parameter loop.

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _step_name = "rmsprop_step"

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False, *, fused=None):
        self._check_nonneg("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        keys = ("square_avg",)
        if group["momentum"] > 0:
            keys += ("momentum_buffer",)
        if group["centered"]:
            keys += ("grad_avg",)
        return keys

    def _update(self, group, fn, param, grad, bufs, step, first):
        fn(param, grad, bufs["square_avg"], bufs.get("momentum_buffer"), bufs.get("grad_avg"), lr=group["lr"],
           alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"],
           momentum=group["momentum"], centered=group["centered"], maximize=group["maximize"])
