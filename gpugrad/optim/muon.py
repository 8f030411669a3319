"""Muon, PyTorch's ``Muon``: SGD with (Nesterov) momentum whose update for each weight matrix is replaced by
the nearest semi-orthogonal matrix, approximated by a quintic Newton-Schulz iteration in bfloat16.

``muon_step`` is the update of one matrix. As in PyTorch the iteration runs in bfloat16: each matmul rounds
its float32 result to bfloat16 (PyTorch's CPU bfloat16 matmuls accumulate in float32 and round once), so
updates match PyTorch's to bfloat16's precision, not bit for bit."""
from __future__ import annotations

import math

import numpy as np

from ..backend import xp_of
from ..tensor import Tensor
from .optimizer import Optimizer

__all__ = ["Muon", "muon_step", "zeropower_via_newtonschulz"]

#: Keller Jordan's coefficients of the quintic iteration and its defaults, as PyTorch's
NS_COEFFICIENTS = (3.4445, -4.775, 2.0315)
NS_STEPS = 5
EPS = 1e-7


def _bf16(xp, a):
    """Round float32 values to bfloat16's 8-bit mantissa (round to nearest even), kept as float32: what a
    bfloat16 tensor holds, on NumPy and CuPy alike."""
    bits = a.astype(np.float32, copy=True).view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
    return xp.where(xp.isnan(a), a, rounded.view(np.float32))


def zeropower_via_newtonschulz(grad, ns_coefficients=NS_COEFFICIENTS, ns_steps=NS_STEPS, eps=EPS):
    """The semi-orthogonal matrix nearest to ``grad`` (about U V^T of its SVD, singular values pushed into
    about [0.5, 1.5]), by ``ns_steps`` quintic Newton-Schulz steps X <- a X + (b G + c G^2) X with G = X X^T,
    in bfloat16 as PyTorch's Muon. Raw 2-d array in, float32 array out.

    Args:
        grad: a 2-d array.
        ns_coefficients: (a, b, c).
        ns_steps: how many steps (< 100).
        eps: the floor of the norm the input is divided by.

    Returns:
        A float32 array of grad's shape (values on bfloat16's grid).

    >>> import numpy as np
    >>> o = zeropower_via_newtonschulz(np.diag([3.0, 0.5]).astype(np.float32))
    >>> bool(np.all((np.diag(o) > 0.5) & (np.diag(o) < 1.5)))
    True
    """
    if ns_steps >= 100:
        raise ValueError("Muon: number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError(f"Muon: input tensor gradient must be a 2D matrix, got shape {tuple(grad.shape)}")
    if len(ns_coefficients) != 3:
        raise ValueError("Muon: coefficients must be a tuple of exactly 3 values")
    xp = xp_of(grad)
    a, b, c = ns_coefficients
    x = _bf16(xp, grad.astype(np.float32))
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = _bf16(xp, xp.sqrt(xp.sum(x * x, dtype=np.float32)))
    x = _bf16(xp, x / max(float(norm), eps))
    for _ in range(ns_steps):
        gram = _bf16(xp, x @ x.T)
        update = _bf16(xp, b * gram + c * (gram @ gram))
        x = _bf16(xp, a * x + update @ x)
    return x.T if tall else x


def _adjust_lr(lr, adjust_lr_fn, shape):
    rows, cols = shape[:2]
    if adjust_lr_fn in (None, "original"):
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


def muon_step(param, grad, momentum_buffer, *, lr, weight_decay, momentum, nesterov, ns_coefficients, eps,
              ns_steps, adjust_lr_fn):
    """One Muon update of a matrix, in place on raw arrays (NumPy or CuPy), as torch's single-tensor ``muon``:
    b <- lerp(b, g, 1 - momentum); u = lerp(g, b, momentum) (Nesterov) or b; O = NewtonSchulz(u);
    p <- p (1 - lr wd) - lr' O, with lr' = lr sqrt(max(1, R/C)) ("original") or 0.2 lr sqrt(max(R, C))
    ("match_rms_adamw").

    Args:
        param: the (R, C) parameter array, updated in place.
        grad: its gradient.
        momentum_buffer: the momentum b (in place).
        lr: the learning rate.
        weight_decay: decoupled weight decay.
        momentum: the momentum factor.
        nesterov: use Nesterov momentum.
        ns_coefficients: (a, b, c) of the Newton-Schulz iteration.
        eps: the floor of the norm in the iteration.
        ns_steps: how many Newton-Schulz steps.
        adjust_lr_fn: None or "original", or "match_rms_adamw".

    Returns:
        None.

    >>> import numpy as np
    >>> p, b = np.eye(2, dtype=np.float32), np.zeros((2, 2), np.float32)
    >>> muon_step(p, np.eye(2, dtype=np.float32), b, lr=0.1, weight_decay=0.0, momentum=0.95, nesterov=True,
    ...           ns_coefficients=NS_COEFFICIENTS, eps=EPS, ns_steps=5, adjust_lr_fn=None)
    >>> bool(np.all(np.diag(p) < 1))
    True
    """
    momentum_buffer[...] = _lerp(momentum_buffer, grad, 1 - momentum)
    update = _lerp(grad, momentum_buffer, momentum) if nesterov else momentum_buffer
    ortho = zeropower_via_newtonschulz(update, ns_coefficients, ns_steps, eps)
    param *= 1 - lr * weight_decay
    param -= _adjust_lr(lr, adjust_lr_fn, param.shape) * ortho.astype(param.dtype, copy=False)


def _lerp(a, b, w):
    """a + w (b - a) rounded as PyTorch's lerp: from the nearer end."""
    return a + w * (b - a) if w < 0.5 else b - (b - a) * (1 - w)


class Muon(Optimizer):
    """Muon (MomentUm Orthogonalized by Newton-Schulz) as PyTorch's ``torch.optim.Muon``: for 2-d parameters
    only (use another optimizer for biases and embeddings). State per parameter: ``momentum_buffer``.

    Args:
        params: an iterable of 2-d tensors to optimize, or of dicts (parameter groups).
        lr: the learning rate.
        weight_decay: decoupled weight decay.
        momentum: the momentum factor.
        nesterov: use Nesterov momentum.
        ns_coefficients: (a, b, c) of the quintic Newton-Schulz iteration.
        eps: the floor of the norm the update is divided by before the iteration.
        ns_steps: how many Newton-Schulz steps (< 100).
        adjust_lr_fn: None or "original" (lr sqrt(max(1, R/C))), or "match_rms_adamw" (0.2 lr sqrt(max(R, C))).

    >>> import gpugrad as gg
    >>> w = gg.nn.Parameter(gg.eye(3))
    >>> opt = gg.optim.Muon([w], lr=0.02)
    >>> (w * w).sum().backward(); opt.step()
    >>> sorted(opt.state[w])
    ['momentum_buffer']
    """

    _has_step = False

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=NS_COEFFICIENTS, eps=EPS, ns_steps=NS_STEPS, adjust_lr_fn=None):
        lr = float(lr.item() if isinstance(lr, Tensor) else lr)
        self._require("Muon", lr >= 0, f"Learning rate should be >= 0 but is: {lr}")
        self._require("Muon", momentum >= 0, f"momentum should be >= 0 but is: {momentum}")
        self._require("Muon", weight_decay >= 0, f"weight decay should be >= 0 but is: {weight_decay}")
        self._require("Muon", adjust_lr_fn in (None, "original", "match_rms_adamw"),
                      f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{tuple(p.shape)}")

    def _step_loose(self, group, params):
        for p in params:
            if p.grad is None:
                continue
            st = self.state.get(p)
            if not st:
                st = self.state[p] = {"momentum_buffer": Tensor._make(xp_of(p._data).zeros_like(p._data), None)}
            muon_step(p._data, p.grad._data, st["momentum_buffer"]._data, lr=group["lr"],
                      weight_decay=group["weight_decay"], momentum=group["momentum"], nesterov=group["nesterov"],
                      ns_coefficients=group["ns_coefficients"], eps=group["eps"], ns_steps=group["ns_steps"],
                      adjust_lr_fn=group["adjust_lr_fn"])
            p._vc[0] += 1
