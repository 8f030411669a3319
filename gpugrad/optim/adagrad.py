"""Adagrad (with learning-rate decay, L2 weight decay and ``maximize``), PyTorch's ``Adagrad``."""
from __future__ import annotations

from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: S <- S + g^2; p <- p - lr/(1 + (t-1)*lr_decay) * g / (sqrt(S) + eps), S starting at
    ``initial_accumulator_value``. Its state exists from construction, as in PyTorch.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the learning rate.
        lr_decay: the learning rate decay.
        weight_decay: L2 penalty added to the gradient.
        initial_accumulator_value: the starting value of the sum of squares.
        eps: added to the denominator.
        maximize: ascend the objective instead of descending.
        foreach: accepted for PyTorch compatibility; ``foreach=False`` selects the per-parameter reference loop.
        differentiable: only False (PyTorch's autograd through the step is not supported).
        fused: None or True: one fused step over flat buffers (see gpugrad.optim); False: PyTorch's per-parameter loop.

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _step_name = "adagrad_step"
    _eager_state = True

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        self._check_nonneg("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        return ("sum",)

    def _buffer_fill(self, group, key):
        return group["initial_accumulator_value"]

    def _update(self, group, fn, param, grad, bufs, step, first):
        fn(param, grad, bufs["sum"], step=step, lr=group["lr"], lr_decay=group["lr_decay"],
           weight_decay=group["weight_decay"], initial_accumulator_value=group["initial_accumulator_value"],
           eps=group["eps"], maximize=group["maximize"])
