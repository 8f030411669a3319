"""Gradient checks against central finite differences (float64)."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .grad_mode import no_grad


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree; the message names the worst element.

    >>> import gpugrad as gg
    >>> x = gg.randn(2, dtype=gg.float64, requires_grad=True)
    >>> def halved(t):
    ...     y = t * t
    ...     if y.requires_grad:
    ...         y.register_hook(lambda g: g * 0.5)
    ...     return y.sum()
    >>> try:
    ...     gg.autograd.gradcheck(halved, (x,))
    ... except gg.autograd.GradcheckError as e:
    ...     print(str(e).split(" with ")[0])
    gradcheck: Jacobian mismatch for output 0
    """


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
                orig = t._data[idx].item()
                t._data[idx] = orig + eps
                plus = [_host(o._data).astype(np.float64).ravel() for o in _outputs(fn, inputs)]
                t._data[idx] = orig - eps
                minus = [_host(o._data).astype(np.float64).ravel() for o in _outputs(fn, inputs)]
                t._data[idx] = orig
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
                    jac[k][i][r, :] = _host(g._data).astype(np.float64).ravel()
    return jac


def forward_jacobian(fn, inputs):
    """J[k][i] by forward mode: one dual-number pass of ``fn`` per element of each differentiable input,
    column j being the output tangent for the input tangent e_j."""
    from .forward_ad import dual_level, make_dual, unpack_dual
    diff = [j for j, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    with no_grad():
        outs = _outputs(fn, inputs)
    jac = [[np.zeros((o.numel(), inputs[j].numel())) for j in diff] for o in outs]
    for i, j in enumerate(diff):
        t = inputs[j]
        for c in range(t.numel()):
            e = t.xp.zeros(t.numel(), t.dtype)
            e[c] = 1
            with dual_level(), no_grad():       # tangents flow without a tape
                args = list(inputs)
                args[j] = make_dual(t, Tensor._make(e.reshape(t.shape), None))
                for k, o in enumerate(_outputs(fn, args)):
                    tangent = unpack_dual(o).tangent
                    if tangent is not None:
                        jac[k][i][:, c] = _host(tangent._data).astype(np.float64).ravel()
    return jac


def _compare(what, num, ana, atol, rtol, raise_exception):
    """Check two Jacobians (lists over outputs of lists over inputs) elementwise; the message names the
    worst element."""
    for k, (nk, ak) in enumerate(zip(num, ana)):
        for i, (n, a) in enumerate(zip(nk, ak)):
            if n.size == 0:
                continue
            err = np.abs(a - n) - (atol + rtol * np.abs(n))
            if (err > 0).any() or not np.isfinite(a).all():
                r, c = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(err), err, np.inf))), err.shape)
                msg = (f"{what}: Jacobian mismatch for output {k} with respect to input {i}: worst at output "
                       f"element {r}, input element {c}: analytical {a[r, c]:.8g} vs numerical {n[r, c]:.8g} "
                       f"(atol={atol}, rtol={rtol})\nanalytical:\n{a}\nnumerical:\n{n}")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def _as_inputs(op, inputs):
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t.dtype != np.float64:
            raise ValueError(f"{op}: input {i} has dtype {t.dtype}; finite differences need float64")
    return inputs


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, check_forward_ad=False,
              check_backward_ad=True):
    """Check ``fn``'s analytic gradients against central finite differences.

    Inputs that require grad must be float64. Returns True, or raises :class:`GradcheckError` naming the
    input, the output and the element where the two disagree most. ``check_forward_ad=True`` also checks
    the forward-mode Jacobian (dual numbers, one ``jvp`` pass per input element), as PyTorch's flag does.

    Args:
        fn: a function of the inputs returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of them (float64 where they require grad).
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise on failure (False: return False).
        check_forward_ad: also check forward mode.
        check_backward_ad: check reverse mode.

    >>> import gpugrad as gg
    >>> x = gg.randn(3, dtype=gg.float64, requires_grad=True)
    >>> gg.autograd.gradcheck(lambda t: (t * t.sin()).sum(), (x,), check_forward_ad=True)
    True
    """
    inputs = _as_inputs("gradcheck", inputs)
    num = numerical_jacobian(fn, inputs, eps)
    ok = True
    if check_backward_ad:
        ok = _compare("gradcheck", num, analytical_jacobian(fn, inputs), atol, rtol, raise_exception)
    if ok and check_forward_ad:
        ok = _compare("gradcheck (forward mode)", num, forward_jacobian(fn, inputs), atol, rtol,
                      raise_exception)
    return ok


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check second derivatives: gradcheck of the vector-Jacobian product (x, v) -> J(x)^T v, computed
    with ``create_graph=True``, as PyTorch's ``gradgradcheck``. ``grad_outputs`` (the v, one per output that
    requires grad) default to fixed random float64 tensors that require grad, so the check also covers
    the derivative with respect to v.

    Args:
        fn: a function of the inputs returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of them (float64).
        grad_outputs: the vectors v (default: fixed random ones).
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise on failure (False: return False).

    Returns:
        True, or raises :class:`GradcheckError`.

    >>> import gpugrad as gg
    >>> x = gg.randn(3, dtype=gg.float64, requires_grad=True)
    >>> gg.autograd.gradgradcheck(lambda t: t.sin() * t, (x,))
    True

    >>> import gpugrad as gg
    >>> x = gg.randn(3, dtype=gg.float64, requires_grad=True)
    >>> gg.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
    True
    """
    from . import grad
    from .grad_mode import enable_grad
    from ..backend import to_device
    inputs = _as_inputs("gradgradcheck", inputs)
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        with no_grad():
            outs = [o for o in _outputs(fn, inputs) if o.dtype.kind == "f"]
        grad_outputs = [Tensor._make(to_device(rng.standard_normal(o.shape), o.device), None, True)
                        for o in outs]
    grad_outputs = tuple(grad_outputs)
    n_in = len(inputs)

    def vjp(*args):
        with enable_grad():
            ins, vs = args[:n_in], args[n_in:]
            pairs = [(o, v) for o, v in zip((o for o in _outputs(fn, ins) if o.dtype.kind == "f"), vs)
                     if o.requires_grad]
            if not pairs:
                return ()
            gs = grad([o for o, _ in pairs], [t for t in ins if isinstance(t, Tensor) and t.requires_grad],
                      grad_outputs=[v for _, v in pairs], create_graph=True, allow_unused=True)
            return tuple(g for g in gs if g is not None)

    if not diff:
        return True
    return gradcheck(vjp, inputs + grad_outputs, eps, atol, rtol, raise_exception)
