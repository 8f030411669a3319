"""Gradient checks against central finite differences (float64)."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .grad_mode import no_grad


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree; the message names the worst element."""


def _outputs(fn, inputs):
    out = fn(*inputs)
    return [out] if isinstance(out, Tensor) else [o for o in out if isinstance(o, Tensor)]


def _host(a):
    return a if isinstance(a, np.ndarray) else a.get()


def numerical_jacobian(fn, inputs, eps=1e-6):
    """J[k][i] (one matrix per differentiable input i, for output k) by central differences."""
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    with no_grad():
        outs = _outputs(fn, inputs)
        jac = [[np.zeros((o.numel(), t.numel())) for t in diff] for o in outs]
        for i, t in enumerate(diff):
            flat_index = list(np.ndindex(*t.shape)) if t.ndim else [()]
            for j, idx in enumerate(flat_index):
                orig = t.data[idx].item()
                t.data[idx] = orig + eps
                plus = [_host(o.data).astype(np.float64).ravel() for o in _outputs(fn, inputs)]
                t.data[idx] = orig - eps
                minus = [_host(o.data).astype(np.float64).ravel() for o in _outputs(fn, inputs)]
                t.data[idx] = orig
                for k in range(len(outs)):
                    jac[k][i][:, j] = (plus[k] - minus[k]) / (2 * eps)
    return jac


def analytical_jacobian(fn, inputs):
    from . import grad
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    outs = _outputs(fn, inputs)
    jac = [[np.zeros((o.numel(), t.numel())) for t in diff] for o in outs]
    for k, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for r in range(o.numel()):
            seed = o.xp.zeros(o.numel(), o.dtype)
            seed[r] = 1
            gs = grad(o, diff, grad_outputs=Tensor._make(seed.reshape(o.shape), None), retain_graph=True,
                      allow_unused=True)
            for i, g in enumerate(gs):
                if g is not None:
                    jac[k][i][r, :] = _host(g.data).astype(np.float64).ravel()
    return jac


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check ``fn``'s analytic gradients against central finite differences.

    Inputs that require grad must be float64. Returns True, or raises :class:`GradcheckError` naming the
    input, the output and the element where the two disagree most.

    >>> import gpugrad as gg
    >>> x = gg.randn(3, dtype=gg.float64, requires_grad=True)
    >>> gg.autograd.gradcheck(lambda t: (t * t.sin()).sum(), (x,))
    True
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t.dtype != np.float64:
            raise ValueError(f"gradcheck: input {i} has dtype {t.dtype}; finite differences need float64")
    num = numerical_jacobian(fn, inputs, eps)
    ana = analytical_jacobian(fn, inputs)
    for k, (nk, ak) in enumerate(zip(num, ana)):
        for i, (n, a) in enumerate(zip(nk, ak)):
            if n.size == 0:
                continue
            err = np.abs(a - n) - (atol + rtol * np.abs(n))
            if (err > 0).any() or not np.isfinite(a).all():
                r, c = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(err), err, np.inf))), err.shape)
                msg = (f"gradcheck: Jacobian mismatch for output {k} with respect to input {i}: worst at output "
                       f"element {r}, input element {c}: analytical {a[r, c]:.8g} vs numerical {n[r, c]:.8g} "
                       f"(atol={atol}, rtol={rtol})\nanalytical:\n{a}\nnumerical:\n{n}")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True
