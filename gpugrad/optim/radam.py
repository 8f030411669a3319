"""RAdam (rectified Adam), PyTorch's ``RAdam``: ``radam_step`` is its update, the class its optimizer (no
fused kernel: the update in plain xp runs once over each flat buffer, or per parameter with
``foreach=False``)."""
from __future__ import annotations

from ..backend import xp_of
from ..kernels.optim import _adam_moments
from .optimizer import Optimizer

__all__ = ["RAdam", "radam_step"]


def radam_step(param, grad, exp_avg, exp_avg_sq, *, step, lr, beta1, beta2, eps, weight_decay,
               decoupled_weight_decay, maximize):
    """One RAdam update, in place on raw arrays (NumPy or CuPy), as torch's single-tensor ``radam``:
    m <- lerp(m, g, 1-b1);  v <- b2 v + (1-b2) g^2;  rho_inf = 2/(1-b2) - 1,
    rho_t = rho_inf - 2 t b2^t/(1-b2^t);  while rho_t <= 5 (torch's threshold) p <- p - lr m/(1-b1^t),
    after p <- p - lr m/(1-b1^t) * sqrt(1-b2^t)/(sqrt(v) + eps) * r_t with the rectification
    r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t)).

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        exp_avg: the first moment average m (in place).
        exp_avg_sq: the second moment average v (in place).
        step: the step number t, from 1.
        lr: the learning rate.
        beta1: the decay of m.
        beta2: the decay of v.
        eps: added to the denominator.
        weight_decay: L2 penalty (or decoupled decay).
        decoupled_weight_decay: shrink p by (1 - lr weight_decay) instead of adding an L2 gradient.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np
    >>> p, m, v = np.array([1.0]), np.zeros(1), np.zeros(1)
    >>> radam_step(p, np.array([2.0]), m, v, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8,
    ...            weight_decay=0.0, decoupled_weight_decay=False, maximize=False)
    >>> round(float(p[0]), 6)                  # no rectification yet: an SGD-with-momentum step, lr * g
    0.8
    """
    xp = xp_of(param)
    _adam_moments(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay,
                  decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    corrected = exp_avg / bias_correction1
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive_lr = (bias_correction2 ** 0.5) / (xp.sqrt(exp_avg_sq) + eps)
        param -= corrected * lr * adaptive_lr * rect
    else:
        param -= corrected * lr


class RAdam(Optimizer):
    """RAdam: Adam whose adaptive step is switched on, and scaled by a rectification term, only once the
    variance of the adaptive learning rate is tractable (rho_t > 5); before, an SGD-with-momentum step.
    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``, as PyTorch's.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the learning rate.
        betas: (b1, b2), the decay rates of the moment averages.
        eps: added to the denominator.
        weight_decay: L2 penalty added to the gradient (decoupled: see ``decoupled_weight_decay``).
        decoupled_weight_decay: shrink the parameters directly, as AdamW.
        foreach: None or True: the update runs once over each flat buffer (see gpugrad.optim); False:
            PyTorch's per-parameter loop.
        maximize: ascend the objective instead of descending.
        capturable: only False (CUDA graph capture is not supported).
        differentiable: only False (PyTorch's autograd through the step is not supported).

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.RAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    _step_name = "radam_step"
    _reference = staticmethod(radam_step)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        self._check_adam_args("RAdam", lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        return ("exp_avg", "exp_avg_sq")

    def _update(self, group, fn, param, grad, bufs, step, first):
        beta1, beta2 = group["betas"]
        fn(param, grad, bufs["exp_avg"], bufs["exp_avg_sq"], step=step, lr=group["lr"], beta1=beta1, beta2=beta2,
           eps=group["eps"], weight_decay=group["weight_decay"],
           decoupled_weight_decay=group["decoupled_weight_decay"], maximize=group["maximize"])
