"""Rprop (resilient backpropagation), PyTorch's ``Rprop``: ``rprop_step`` is its update, the class its
optimizer (no fused kernel: the update in plain xp runs once over each flat buffer, or per parameter with
``foreach=False``)."""
from __future__ import annotations

from ..backend import xp_of
from .optimizer import Optimizer

__all__ = ["Rprop", "rprop_step"]


def rprop_step(param, grad, prev, step_size, *, etaminus, etaplus, step_size_min, step_size_max, maximize):
    """One Rprop update, in place on raw arrays (NumPy or CuPy), as torch's single-tensor ``rprop``: where
    g prev > 0 the step size grows by etaplus, where g prev < 0 it shrinks by etaminus and that gradient
    counts as 0 (no move, and no sign change next time); step sizes are clamped to
    [step_size_min, step_size_max];  p <- p - sign(g) step_size;  prev <- g.

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        prev: the previous step's gradient (in place).
        step_size: the per-element step sizes (in place).
        etaminus: the decrease factor.
        etaplus: the increase factor.
        step_size_min: the smallest step size.
        step_size_max: the largest step size.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np
    >>> p, prev, size = np.array([1.0, 1.0]), np.array([1.0, -1.0]), np.full(2, 0.1)
    >>> rprop_step(p, np.array([2.0, 2.0]), prev, size, etaminus=0.5, etaplus=1.2, step_size_min=1e-6,
    ...            step_size_max=50, maximize=False)
    >>> p.tolist(), size.tolist(), prev.tolist()
    ([0.88, 1.0], [0.12, 0.05], [2.0, 0.0])
    """
    xp = xp_of(param)
    g = -grad if maximize else grad
    prod = g * prev
    down = prod < 0
    # torch: sign(g prev) mapped to etaplus / etaminus / 1 (a NaN stays NaN), in the parameters' dtype;
    # where() rather than masked assignment, which a 0-d parameter's scalar results would not take
    factor = xp.where(prod > 0, etaplus, xp.where(down, etaminus, xp.where(prod == 0, 1.0, prod)))
    step_size *= factor.astype(param.dtype, copy=False)
    xp.clip(step_size, step_size_min, step_size_max, out=step_size)
    g = xp.where(down, 0.0, g).astype(param.dtype, copy=False)
    param -= xp.sign(g) * step_size
    prev[...] = g

class Rprop(Optimizer):
    """Rprop: each element moves by its own step size against the sign of its gradient; the step size grows
    while the sign holds and shrinks when it flips. State per parameter: ``step``, ``prev``, ``step_size``
    (starting at ``lr``), as PyTorch's.

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the initial step size.
        etas: (etaminus, etaplus), the multiplicative decrease and increase factors.
        step_sizes: (min, max), the allowed step sizes.
        capturable: only False (CUDA graph capture is not supported).
        foreach: None or True: the update runs once over each flat buffer (see gpugrad.optim); False:
            PyTorch's per-parameter loop.
        maximize: ascend the objective instead of descending.
        differentiable: only False (PyTorch's autograd through the step is not supported).

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = gg.optim.Rprop([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _step_name = "rprop_step"
    _reference = staticmethod(rprop_step)

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        self._require("Rprop", 0.0 <= lr, f"Invalid learning rate: {lr}")
        self._require("Rprop", 0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _buffer_keys(self, group):
        return ("prev", "step_size")

    def _buffer_fill(self, group, key):
        return group["lr"] if key == "step_size" else 0.0

    def _update(self, group, fn, param, grad, bufs, step, first):
        (etaminus, etaplus), (lo, hi) = group["etas"], group["step_sizes"]
        fn(param, grad, bufs["prev"], bufs["step_size"], etaminus=etaminus, etaplus=etaplus, step_size_min=lo,
           step_size_max=hi, maximize=group["maximize"])
