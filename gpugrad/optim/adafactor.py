"""Adafactor, PyTorch's ``Adafactor``: Adam's second moment kept as a row factor and a column factor for
every matrix (O(R + C) memory instead of O(R C)), a relative step size, no first moment.

``adafactor_step`` is the update of one parameter; the class runs it per parameter (its state has other
shapes than the parameter, so it has no flat path)."""
from __future__ import annotations

import math

import numpy as np

from ..backend import xp_of
from ..tensor import Tensor
from .optimizer import Optimizer

__all__ = ["Adafactor", "adafactor_step"]


def _rms(a):
    xp = xp_of(a)
    return float(xp.sqrt(xp.sum(a.astype(np.float64) ** 2))) / math.sqrt(a.size) if a.size else 0.0


def adafactor_step(param, grad, row_var, col_var, variance, *, step, lr, beta2_decay, eps1, eps2, d,
                   weight_decay, maximize):
    """One Adafactor update, in place on raw arrays (NumPy or CuPy), as torch's single-tensor ``adafactor``:
    with b = 1 - t^beta2_decay, rho = min(lr, 1/sqrt(t)) and alpha = max(eps2, RMS(p)) rho, a matrix's
    factors r <- lerp(r, mean over columns of g^2, b), c <- lerp(c, mean over rows of g^2, b) estimate
    v = r c / mean(r); a vector keeps v <- lerp(v, g^2, b). Then u = g / sqrt(max(v, eps1^2)) and
    p <- p (1 - lr wd) - alpha u / max(1, RMS(u)/d).

    Args:
        param: the parameter array, updated in place.
        grad: its gradient.
        row_var: the row factor (..., R, 1) of a matrix (None for a vector), in place.
        col_var: the column factor (..., 1, C) of a matrix (None for a vector), in place.
        variance: the second moment of a vector (None for a matrix), in place.
        step: the step number t, from 1.
        lr: the learning rate (the cap of the relative step size).
        beta2_decay: the exponent of the second-moment decay.
        eps1: the floor of the variance estimate (None: the dtype's machine epsilon).
        eps2: the floor of RMS(p) in the step size.
        d: the clipping threshold of RMS(u).
        weight_decay: decoupled weight decay.
        maximize: ascend instead.

    Returns:
        None.

    >>> import numpy as np
    >>> p, v = np.array([1.0, -1.0]), np.zeros(2)
    >>> adafactor_step(p, np.array([0.5, -2.0]), None, None, v, step=1, lr=0.01, beta2_decay=-0.8,
    ...                eps1=None, eps2=1e-3, d=1.0, weight_decay=0.0, maximize=False)
    >>> p.round(4)                          # alpha = min(lr, 1) * RMS(p) = 0.01 against the sign of g
    array([ 0.99, -0.99])
    """
    xp = xp_of(param)
    g = -grad if maximize else grad
    if eps1 is None:
        eps1 = float(np.finfo(param.dtype).eps)
    b = step ** beta2_decay
    rho = min(lr, 1 / math.sqrt(step))
    alpha = max(eps2, _rms(param)) * rho
    if weight_decay:
        param *= 1 - lr * weight_decay
    if g.ndim > 1:
        g2 = g * g
        row_var += b * (g2.mean(axis=-1, keepdims=True) - row_var)
        col_var += b * (g2.mean(axis=-2, keepdims=True) - col_var)
        v = (row_var @ col_var) / xp.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
    else:
        variance += b * (g * g - variance)
        v = variance.copy()
    u = g / xp.sqrt(xp.maximum(v, eps1 * eps1))
    param -= (alpha / max(1.0, _rms(u) / d)) * u


class Adafactor(Optimizer):
    """Adafactor (Shazeer and Stern, 2018) as PyTorch's ``torch.optim.Adafactor``: factored second moments for
    matrices, a step size relative to the parameter's RMS, update clipping. State per parameter: ``step``,
    and ``row_var``/``col_var`` (a matrix, shapes (..., R, 1) and (..., 1, C)) or ``variance`` (a vector).

    Args:
        params: an iterable of tensors to optimize, or of dicts (parameter groups) with ``params`` and per-group options.
        lr: the cap of the relative step size min(lr, 1/sqrt(t)).
        beta2_decay: the second moment's decay is 1 - t^beta2_decay (<= 0).
        eps: (eps1, eps2): the floor of the variance estimate (None: the dtype's epsilon), and of RMS(p).
        d: the clipping threshold of the update's RMS (>= 1).
        weight_decay: decoupled weight decay.
        foreach: accepted for PyTorch's signature; the update runs per parameter.
        maximize: ascend the objective instead of descending.

    >>> import gpugrad as gg
    >>> w = gg.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    >>> opt = gg.optim.Adafactor([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.shape, sorted(opt.state[w])
    (gpugrad.Size([2, 2]), ['col_var', 'row_var', 'step'])
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        lr = float(lr.item() if isinstance(lr, Tensor) else lr)
        self._check_nonneg("Adafactor", lr=lr, weight_decay=weight_decay)
        self._require("Adafactor", beta2_decay <= 0, f"beta2_decay should be <= 0 but is: {beta2_decay}")
        self._require("Adafactor", eps[0] is None or eps[0] >= 0, f"epsilon1 should be >= 0 but is: {eps[0]}")
        self._require("Adafactor", eps[1] >= 0, f"epsilon2 should be >= 0 but is: {eps[1]}")
        self._require("Adafactor", d >= 1, f"Clipping threshold d should be >= 1 but is: {d}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    @staticmethod
    def _shapes(p):
        s = tuple(p.shape)
        if len(s) > 1:
            return {"row_var": s[:-1] + (1,), "col_var": s[:-2] + (1, s[-1])}
        return {"variance": s}

    def _step_loose(self, group, params):
        eps1, eps2 = group["eps"]
        for p in params:
            if p.grad is None:
                continue
            st = self.state.get(p)
            if not st:
                xp = xp_of(p._data)
                st = {"step": Tensor._make(np.zeros((), np.float32), None)}
                st.update({k: Tensor._make(xp.zeros(s, p._data.dtype), None) for k, s in self._shapes(p).items()})
                self.state[p] = st
            st["step"]._data += 1
            adafactor_step(p._data, p.grad._data, *(st[k]._data if k in st else None
                                                    for k in ("row_var", "col_var", "variance")),
                           step=float(st["step"]._data), lr=group["lr"], beta2_decay=group["beta2_decay"],
                           eps1=eps1, eps2=eps2, d=group["d"], weight_decay=group["weight_decay"],
                           maximize=group["maximize"])
            p._vc[0] += 1

    def _load_loose(self, p, st, scalars=()):
        shapes = self._shapes(p)
        super()._load_loose(p, {k: v for k, v in st.items() if k not in shapes}, scalars)
        if st:
            xp = xp_of(p._data)
            for k, s in shapes.items():
                if k in st:
                    v = st[k]
                    arr = v._data if isinstance(v, Tensor) else v
                    self.state[p][k] = Tensor._make(xp.asarray(arr, dtype=p._data.dtype).reshape(s).copy(), None)
