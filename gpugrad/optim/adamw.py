"""AdamW: Adam with decoupled weight decay (PyTorch's ``AdamW``, default ``weight_decay=1e-2``)."""
from __future__ import annotations

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam whose weight decay shrinks the parameters directly, p <- p*(1 - lr*weight_decay), instead of
    entering the moments through the gradient.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the learning rate.
        betas: (b1, b2), the decay rates of the moment averages.
        eps: added to the denominator.
        weight_decay: the decoupled decay rate.
        amsgrad: use the running maximum of the second moment.
        maximize: ascend the objective instead of descending.
        foreach: accepted for PyTorch compatibility; ``foreach=False`` selects the per-parameter reference loop.
        capturable: only False (CUDA graph capture is not supported).
        differentiable: only False (PyTorch's autograd through the step is not supported).
        fused: None or True: one fused step over flat buffers (see gpugrad.optim); False: PyTorch's per-parameter loop.

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.8500, -1.8000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for g in self.param_groups:      # an AdamW stays decoupled whatever the checkpoint says
            g["decoupled_weight_decay"] = True
