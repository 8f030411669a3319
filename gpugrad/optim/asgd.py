"""ASGD (averaged SGD), PyTorch's ``ASGD``: ``asgd_step`` is its update, the class its optimizer (the
per-parameter path; there is no fused kernel)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer

__all__ = ["ASGD", "asgd_step"]


def asgd_step(param, grad, ax, eta, mu, *, step, lr, lambd, alpha, t0, weight_decay, maximize):
    """One ASGD update, in place on raw arrays (NumPy or CuPy), as torch's single-tensor ``asgd``:
    p <- p (1 - lambd eta) - eta g;  ax <- ax + mu (p - ax) (ax <- p while mu = 1);  then
    eta <- lr / (1 + lambd lr t)^alpha and mu <- 1 / max(1, t - t0) for the next step.

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        ax: the averaged parameter (in place).
        eta: this step's learning rate, a 0-d host array (in place: the next step's, rounded to float32).
        mu: this step's averaging factor, a 0-d host array (in place: the next step's, rounded to float32).
        step: the step number t, from 1.
        lr: the initial learning rate.
        lambd: the decay term.
        alpha: the power of the eta schedule.
        t0: the step at which averaging starts.
        weight_decay: L2 penalty.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np
    >>> p, ax = np.array([1.0]), np.zeros(1)
    >>> eta, mu = np.full((), 0.1, np.float32), np.ones((), np.float32)
    >>> asgd_step(p, np.array([2.0]), ax, eta, mu, step=1, lr=0.1, lambd=0.0, alpha=0.75, t0=1e6,
    ...           weight_decay=0.0, maximize=False)
    >>> round(float(p[0]), 6), ax.tolist() == p.tolist()
    (0.8, True)
    """
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    eta_value, mu_value = float(eta), float(mu)
    param *= 1 - lambd * eta_value
    param -= eta_value * g
    if mu_value != 1:
        ax += (param - ax) * mu_value
    else:
        ax[...] = param
    # torch writes them through float32 tensors (torch.as_tensor of a Python float), whatever their dtype
    eta[...] = np.float32(lr / ((1 + lambd * lr * step) ** alpha))
    mu[...] = np.float32(1 / max(1, step - t0))


class ASGD(Optimizer):
    """Averaged stochastic gradient descent: SGD with a decaying step, and ``ax`` (in the state) the running
    average of the parameters from step ``t0`` on, to evaluate with. State per parameter: ``step``, ``eta``,
    ``mu``, ``ax``, as PyTorch's.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the learning rate.
        lambd: the decay term.
        alpha: the power of the eta update.
        t0: the step at which averaging starts.
        weight_decay: L2 penalty added to the gradient.
        foreach: accepted for PyTorch compatibility (the step is the per-parameter loop either way: its
            scalar state is per parameter).
        maximize: ascend the objective instead of descending.
        differentiable: only False (PyTorch's autograd through the step is not supported).
        capturable: only False (CUDA graph capture is not supported).

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.ASGD([w], lr=0.1, t0=0)
    >>> for _ in range(3):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> w.detach().numpy().round(3), opt.state[w]["ax"].numpy().round(3)    # ax: the mean of the iterates of steps 2, 3
    (array([ 0.512, -1.024], dtype=float32), array([ 0.576, -1.152], dtype=float32))
    """

    _step_name = "asgd_step"
    _reference = staticmethod(asgd_step)

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        self._require("ASGD", 0.0 <= lr, f"Invalid learning rate: {lr}")
        self._require("ASGD", 0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        return ("ax",)

    def _scalar_state(self, group):
        return (("eta", group["lr"]), ("mu", 1.0))

    def _update(self, group, fn, param, grad, bufs, step, first):
        fn(param, grad, bufs["ax"], bufs["eta"], bufs["mu"], step=step, lr=group["lr"], lambd=group["lambd"],
           alpha=group["alpha"], t0=group["t0"], weight_decay=group["weight_decay"], maximize=group["maximize"])
