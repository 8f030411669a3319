"""Adam (with AMSGrad, L2 or decoupled weight decay and ``maximize``), PyTorch's ``Adam``."""
from __future__ import annotations

from .optimizer import Optimizer

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam: m <- b1*m + (1-b1)*g, v <- b2*v + (1-b2)*g^2,
    p <- p - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps); AMSGrad uses the running maximum of v.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the learning rate.
        betas: (b1, b2), the decay rates of the first and second moment averages.
        eps: added to the denominator.
        weight_decay: L2 penalty added to the gradient (decoupled: see ``decoupled_weight_decay``).
        amsgrad: use the running maximum of the second moment.
        decoupled_weight_decay: shrink the parameters directly, as AdamW.
        maximize: ascend the objective instead of descending.
        foreach: accepted for PyTorch compatibility; ``foreach=False`` selects the per-parameter reference loop.
        capturable: only False (CUDA graph capture is not supported).
        differentiable: only False (PyTorch's autograd through the step is not supported).
        fused: None or True: one fused step over flat buffers (see gpugrad.optim); False: PyTorch's per-parameter loop.

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _step_name = "adam_step"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        name = type(self).__name__
        self._check_nonneg(name, lr=lr, eps=eps, weight_decay=weight_decay)
        betas = tuple(betas)
        if len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, b in enumerate(betas):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"{name}: invalid beta parameter at index {i}: {b} (expected 0 <= beta < 1)")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if group["amsgrad"] else ("exp_avg", "exp_avg_sq")

    def _update(self, group, fn, param, grad, bufs, step, first):
        beta1, beta2 = group["betas"]
        fn(param, grad, bufs["exp_avg"], bufs["exp_avg_sq"], bufs.get("max_exp_avg_sq"), step=step,
           lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
           decoupled_weight_decay=group["decoupled_weight_decay"], amsgrad=group["amsgrad"],
           maximize=group["maximize"])
