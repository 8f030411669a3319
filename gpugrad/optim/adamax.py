"""Adamax (Adam with the infinity norm), PyTorch's ``Adamax``: ``adamax_step`` is its update, the class its
optimizer (no fused kernel: the update in plain xp runs once over each flat buffer, or per parameter with
``foreach=False``)."""
from __future__ import annotations

from ..backend import xp_of
from .optimizer import Optimizer

__all__ = ["Adamax", "adamax_step"]


def adamax_step(param, grad, exp_avg, exp_inf, *, step, lr, beta1, beta2, eps, weight_decay, maximize):
    """One Adamax update, in place on raw arrays (NumPy or CuPy), as torch's single-tensor ``adamax``:
    m <- lerp(m, g, 1-b1);  u <- max(b2*u, |g| + eps);  p <- p - lr/(1-b1^t) * m/u, with
    g = +-grad + weight_decay*p.

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        exp_avg: the first moment average m (in place).
        exp_inf: the exponentially weighted infinity norm u (in place).
        step: the step number t, from 1.
        lr: the learning rate.
        beta1: the decay of m.
        beta2: the decay of u.
        eps: added to |g|.
        weight_decay: L2 penalty.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np
    >>> p, m, u = np.array([1.0]), np.zeros(1), np.zeros(1)
    >>> adamax_step(p, np.array([2.0]), m, u, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8,
    ...             weight_decay=0.0, maximize=False)
    >>> round(float(p[0]), 6)                  # the first step moves lr against the gradient's sign
    0.9
    """
    xp = xp_of(param)
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    exp_avg += (1 - beta1) * (g - exp_avg)             # torch's lerp(m, g, 1 - beta1)
    exp_inf *= beta2
    xp.maximum(exp_inf, xp.abs(g) + eps, out=exp_inf)
    clr = lr / (1 - beta1 ** step)
    param -= clr * exp_avg / exp_inf


class Adamax(Optimizer):
    """Adamax, the infinity-norm variant of Adam: m <- lerp(m, g, 1-b1), u <- max(b2*u, |g| + eps),
    p <- p - lr/(1-b1^t) * m/u. State per parameter: ``step``, ``exp_avg``, ``exp_inf``, as PyTorch's.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the learning rate.
        betas: (b1, b2), the decay rates of the first moment and of the infinity norm.
        eps: added to |g| in the infinity norm.
        weight_decay: L2 penalty added to the gradient.
        foreach: None or True: the update runs once over each flat buffer (see gpugrad.optim); False:
            PyTorch's per-parameter loop.
        maximize: ascend the objective instead of descending.
        differentiable: only False (PyTorch's autograd through the step is not supported).
        capturable: only False (CUDA graph capture is not supported).

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.Adamax([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _step_name = "adamax_step"
    _reference = staticmethod(adamax_step)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        self._check_adam_args("Adamax", lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        return ("exp_avg", "exp_inf")

    def _update(self, group, fn, param, grad, bufs, step, first):
        beta1, beta2 = group["betas"]
        fn(param, grad, bufs["exp_avg"], bufs["exp_inf"], step=step, lr=group["lr"], beta1=beta1, beta2=beta2,
           eps=group["eps"], weight_decay=group["weight_decay"], maximize=group["maximize"])
