"""NAdam (Adam with Nesterov momentum), PyTorch's ``NAdam``: ``nadam_step`` is its update, the class its
optimizer (the per-parameter path; there is no fused kernel)."""
from __future__ import annotations

from ..backend import xp_of
from ..kernels.optim import _adam_moments
from .optimizer import Optimizer

__all__ = ["NAdam", "nadam_step"]


def nadam_step(param, grad, exp_avg, exp_avg_sq, mu_product, *, step, lr, beta1, beta2, eps, weight_decay,
               momentum_decay, decoupled_weight_decay, maximize):
    """One NAdam update, in place on raw arrays (NumPy or CuPy), as torch's single-tensor ``nadam``:
    mu_t = b1 (1 - 0.96^(t psi)/2);  P <- P mu_t;  m <- lerp(m, g, 1-b1);  v <- b2 v + (1-b2) g^2;
    p <- p - lr (1-mu_t)/(1-P) g/d - lr mu_{t+1}/(1 - P mu_{t+1}) m/d, with d = sqrt(v/(1-b2^t)) + eps.

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        exp_avg: the first moment average m (in place).
        exp_avg_sq: the second moment average v (in place).
        mu_product: P, the product of the momentum coefficients so far: a 0-d host array (in place).
        step: the step number t, from 1.
        lr: the learning rate.
        beta1: the decay of m.
        beta2: the decay of v.
        eps: added to the denominator.
        weight_decay: L2 penalty (or decoupled decay).
        momentum_decay: psi, the momentum schedule's decay.
        decoupled_weight_decay: shrink p by (1 - lr weight_decay) instead of adding an L2 gradient.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np
    >>> p, m, v, P = np.array([1.0]), np.zeros(1), np.zeros(1), np.ones((), np.float32)
    >>> nadam_step(p, np.array([2.0]), m, v, P, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8,
    ...            weight_decay=0.0, momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False)
    >>> round(float(p[0]), 4), round(float(P), 4)
    (0.8944, 0.4501)
    """
    xp = xp_of(param)
    g = _adam_moments(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay,
                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
    bias_correction2 = 1 - beta2 ** step
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    mu_product *= mu                                   # as torch's state: float32 until loaded from a checkpoint
    product = float(mu_product)
    denom = xp.sqrt(exp_avg_sq / bias_correction2) + eps
    param += (-lr * (1.0 - mu) / (1.0 - product)) * g / denom
    param += ((-lr * mu_next) / (1.0 - product * mu_next)) * exp_avg / denom


class NAdam(Optimizer):
    """NAdam: Adam whose first moment looks one step ahead (Nesterov momentum), with the momentum schedule
    mu_t = b1 (1 - 0.96^(t momentum_decay)/2). State per parameter: ``step``, ``mu_product``, ``exp_avg``,
    ``exp_avg_sq``, as PyTorch's.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the learning rate.
        betas: (b1, b2), the decay rates of the moment averages.
        eps: added to the denominator.
        weight_decay: L2 penalty added to the gradient (decoupled: see ``decoupled_weight_decay``).
        momentum_decay: the momentum schedule's decay.
        decoupled_weight_decay: shrink the parameters directly, as AdamW (NAdamW).
        foreach: accepted for PyTorch compatibility (the step is the per-parameter loop either way: its
            scalar state is per parameter).
        maximize: ascend the objective instead of descending.
        capturable: only False (CUDA graph capture is not supported).
        differentiable: only False (PyTorch's autograd through the step is not supported).

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.detach().numpy().round(4)
    array([ 0.8944, -1.8944], dtype=float32)
    """

    _step_name = "nadam_step"
    _reference = staticmethod(nadam_step)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        self._check_adam_args("NAdam", lr, betas, eps, weight_decay)
        self._require("NAdam", 0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        return ("exp_avg", "exp_avg_sq")

    def _scalar_state(self, group):
        return (("mu_product", 1.0),)

    def _update(self, group, fn, param, grad, bufs, step, first):
        beta1, beta2 = group["betas"]
        fn(param, grad, bufs["exp_avg"], bufs["exp_avg_sq"], bufs["mu_product"], step=step, lr=group["lr"],
           beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
           momentum_decay=group["momentum_decay"], decoupled_weight_decay=group["decoupled_weight_decay"],
           maximize=group["maximize"])
