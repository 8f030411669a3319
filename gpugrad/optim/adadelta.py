"""Adadelta, PyTorch's ``Adadelta``: ``adadelta_step`` is its update, the class its optimizer (no
fused kernel: the update in plain xp runs once over each flat buffer, or per parameter with
``foreach=False``)."""
from __future__ import annotations

from ..backend import xp_of
from .optimizer import Optimizer

__all__ = ["Adadelta", "adadelta_step"]


def adadelta_step(param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay, maximize):
    """One Adadelta update, in place on raw arrays (NumPy or CuPy), as torch's single-tensor ``adadelta``:
    s <- rho s + (1-rho) g^2;  delta = sqrt(a + eps)/sqrt(s + eps) * g;  a <- rho a + (1-rho) delta^2;
    p <- p - lr delta, with g = +-grad + weight_decay p.

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        square_avg: the squared-gradient average s (in place).
        acc_delta: the squared-update average a (in place).
        lr: the learning rate (a scale of delta).
        rho: the decay of both averages.
        eps: added inside both square roots.
        weight_decay: L2 penalty.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np
    >>> p, s, a = np.array([1.0]), np.zeros(1), np.zeros(1)
    >>> adadelta_step(p, np.array([2.0]), s, a, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False)
    >>> round(float(p[0]), 6)                  # the first step is tiny: sqrt(eps / s) g
    0.996838
    """
    xp = xp_of(param)
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    square_avg *= rho
    square_avg += (1 - rho) * g * g
    std = xp.sqrt(square_avg + eps)
    delta = xp.sqrt(acc_delta + eps)
    delta /= std
    delta *= g
    acc_delta *= rho
    acc_delta += (1 - rho) * delta * delta
    param -= lr * delta


class Adadelta(Optimizer):
    """Adadelta: a step of the RMS of past updates over the RMS of past gradients, scaled by ``lr``.
    State per parameter: ``step``, ``square_avg``, ``acc_delta``, as PyTorch's.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the scale of the update.
        rho: the decay rate of the running averages.
        eps: added inside the square roots.
        weight_decay: L2 penalty added to the gradient.
        foreach: None or True: the update runs once over each flat buffer (see gpugrad.optim); False:
            PyTorch's per-parameter loop.
        capturable: only False (CUDA graph capture is not supported).
        maximize: ascend the objective instead of descending.
        differentiable: only False (PyTorch's autograd through the step is not supported).

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.Adadelta([w])
    >>> (w * w).sum().backward(); opt.step()
    >>> w.detach().numpy().round(4)
    array([ 0.9968, -1.9968], dtype=float32)
    """

    _step_name = "adadelta_step"
    _reference = staticmethod(adadelta_step)

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        name = "Adadelta"
        self._require(name, 0.0 <= lr, f"Invalid learning rate: {lr}")
        self._require(name, 0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        self._require(name, 0.0 <= eps, f"Invalid epsilon value: {eps}")
        self._require(name, 0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        return ("square_avg", "acc_delta")

    def _update(self, group, fn, param, grad, bufs, step, first):
        fn(param, grad, bufs["square_avg"], bufs["acc_delta"], lr=group["lr"], rho=group["rho"], eps=group["eps"],
           weight_decay=group["weight_decay"], maximize=group["maximize"])
