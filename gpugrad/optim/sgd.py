"""SGD with momentum, dampening, Nesterov momentum, L2 weight decay and ``maximize`` (PyTorch's ``SGD``)."""
from __future__ import annotations

from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum.

    With g = grad (+ weight_decay * p): b <- g on the first step, else b <- momentum*b + (1-dampening)*g;
    p <- p - lr * (g + momentum*b if nesterov else b).

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the learning rate.
        momentum: the momentum factor (0: plain SGD).
        dampening: dampening of the momentum.
        weight_decay: L2 penalty added to the gradient.
        nesterov: Nesterov momentum.
        maximize: ascend the objective instead of descending.
        foreach: accepted for PyTorch compatibility; ``foreach=False`` selects the per-parameter reference loop.
        differentiable: only False (PyTorch's autograd through the step is not supported).
        fused: None or True: one fused step over flat buffers (see gpugrad.optim); False: PyTorch's per-parameter loop.

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    _step_name = "sgd_step"
    _has_step = False

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        self._check_nonneg("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got "
                             f"momentum={momentum}, dampening={dampening}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        return ("momentum_buffer",) if group["momentum"] != 0 else ()

    def _counts(self, group):
        return group["momentum"] != 0

    def _update(self, group, fn, param, grad, bufs, step, first):
        fn(param, grad, bufs.get("momentum_buffer"), lr=group["lr"], momentum=group["momentum"],
           dampening=group["dampening"], nesterov=group["nesterov"], weight_decay=group["weight_decay"],
           maximize=group["maximize"], first_step=first)
