"""``torch.func``'s differentiation transforms on gpugrad's tape: grad, grad_and_value, vjp, jvp, jacrev,
jacfwd, hessian. Each returns a function (or, for vjp/jvp, values) and composes with the others and with
``vmap``: ``jacfwd(jacrev(f))``, ``vmap(grad(f))``, ``grad(grad(f))``.

``jvp`` and ``jacfwd`` are computed with reverse passes (the double-backward trick for ``jvp``: u -> J^T u is
linear in u, so J v = d<J^T u, v>/du); the values are those of forward mode.
"""
from __future__ import annotations

import functools

from ..tensor import Tensor
from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad
from ._core import nested, fresh, keep_graph, argnums_tuple, zeros_for, _depth
from ._tree import flatten, unflatten

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian"]


def _detach_tree(tree):
    leaves, spec = flatten(tree)
    return unflatten([t.detach() if isinstance(t, Tensor) else t for t in leaves], spec)


def _grads(outs, xs, vs, create_graph):
    """sum_k v_k^T d out_k / d x_i for every i, zeros where out does not depend on x_i."""
    pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    if pairs:
        gs = _autograd_grad([o for o, _ in pairs], list(xs), grad_outputs=[v for _, v in pairs],
                            retain_graph=True, create_graph=create_graph, allow_unused=True)
    else:
        gs = (None,) * len(xs)
    return [zeros_for(x) if g is None else g for g, x in zip(gs, xs)]


def _split_aux(out, has_aux, op):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{op}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return out


def _replace_args(args, nums, op):
    """args with the leaves of the args at ``nums`` swapped for fresh differentiable stand-ins; returns
    (new args, stand-ins, spec of the differentiated args)."""
    leaves, spec = flatten(tuple(args[i] for i in nums))
    xs = [fresh(t, op) for t in leaves]
    new = list(args)
    for i, v in zip(nums, unflatten(xs, spec)):
        new[i] = v
    return new, xs, spec


def _out_tensors(out, op):
    leaves, spec = flatten(out)
    for t in leaves:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"{op}: Expected f(*args) to return only Tensors, got {type(t)}")
    return leaves, spec


def grad_and_value(func, argnums=0, has_aux=False):
    """``grad`` that also returns the value of ``func``, as ``torch.func.grad_and_value``.

    Args:
        func: a function returning a 0-d Tensor (with ``has_aux``: a pair ``(tensor, aux)``).
        argnums: which positional argument(s) to differentiate: an int or a tuple of ints; each may be a
            Tensor or a nested tuple/list/dict of Tensors (e.g. a dict of parameters).
        has_aux: ``func`` returns ``(output, aux)``; aux is passed through.

    Returns:
        A function returning ``(gradients, value)`` or, with ``has_aux``, ``(gradients, (value, aux))``;
        gradients mirror the argument(s) at ``argnums`` (a tuple when ``argnums`` is a tuple).

    >>> import gpugrad as gg
    >>> g, v = gg.func.grad_and_value(lambda x: (x ** 2).sum())(gg.tensor([1.0, 2.0]))
    >>> g, v
    (tensor([2., 4.]), tensor(5.))
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        op = "grad_and_value(f)(*args)"
        nums = argnums_tuple(argnums, len(args), op)
        with nested(), enable_grad():
            new, xs, spec = _replace_args(args, nums, op)
            out, aux = _split_aux(func(*new, **kwargs), has_aux, op)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{op}: Expected f(*args) to return a Tensor, got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError(f"{op}: Expected f(*args) to return a scalar Tensor, got tensor with "
                                   f"{out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
            keep = keep_graph([out], xs)
            gs = _grads([out], xs, [None], keep)
        grads = unflatten(gs, spec)
        grads = grads[0] if isinstance(argnums, int) else grads
        if not keep:
            out, aux = out.detach(), _detach_tree(aux)
        return (grads, (out, aux)) if has_aux else (grads, out)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of a scalar function, as a function: ``grad(f)(x)`` is df/dx, as ``torch.func.grad``.

    Args:
        func: a function returning a 0-d Tensor (with ``has_aux``: a pair ``(tensor, aux)``).
        argnums: which positional argument(s) to differentiate (an int or a tuple of ints).
        has_aux: ``func`` returns ``(output, aux)``; the result is then ``(gradients, aux)``.

    Returns:
        A function with ``func``'s arguments returning the gradient(s).

    >>> import gpugrad as gg
    >>> gg.func.grad(lambda x: x.sin().sum())(gg.tensor([0.0]))
    tensor([1.])
    >>> gg.func.grad(gg.func.grad(lambda x: x ** 3))(gg.tensor(2.0))      # 6 x
    tensor(12.)
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """``func(*primals)`` and a function computing vector-Jacobian products there, as ``torch.func.vjp``.

    Args:
        func: a function of Tensors (or nested tuples/lists/dicts of them) returning Tensors likewise.
        *primals: the point.
        has_aux: ``func`` returns ``(output, aux)``.

    Returns:
        ``(output, vjp_fn)`` or ``(output, vjp_fn, aux)``; ``vjp_fn(cotangents)`` (shaped like the output)
        returns a tuple with one gradient per primal.

    >>> import gpugrad as gg
    >>> out, vjp_fn = gg.func.vjp(lambda x: x ** 2, gg.tensor([1.0, 2.0]))
    >>> vjp_fn(gg.ones(2))
    (tensor([2., 4.]),)
    """
    op = "vjp(f, *primals)"
    with nested(), enable_grad():
        new, xs, spec = _replace_args(primals, tuple(range(len(primals))), op)
        out, aux = _split_aux(func(*new), has_aux, op)
        outs, out_spec = _out_tensors(out, op)
        keep = keep_graph(outs, xs)

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        cts, ct_spec = flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {ct_spec}, primal output: {out_spec}")
        for i, (c, o) in enumerate(zip(cts, outs)):
            if not isinstance(c, Tensor) or tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{getattr(c, 'shape', type(c).__name__)} and output[{i}] has a shape of "
                                   f"{tuple(o.shape)}.")
        with nested(), enable_grad():
            cg = keep or _depth[0] > 1 or any(c.requires_grad for c in cts) if create_graph is None else create_graph
            gs = _grads(outs, xs, cts, cg)
        return tuple(unflatten(gs, spec))

    result_out = out if keep else _detach_tree(out)
    return (result_out, vjp_fn, aux if keep else _detach_tree(aux)) if has_aux else (result_out, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``func(*primals)`` and the Jacobian-vector product J v, as ``torch.func.jvp`` (computed with two
    reverse passes; see the module docstring).

    Args:
        func: a function of Tensors returning Tensors (or nested tuples/lists/dicts of them).
        primals: a tuple: the point.
        tangents: a tuple shaped like ``primals``: the direction v.
        strict: accepted for compatibility and ignored, as torch.func does.
        has_aux: ``func`` returns ``(output, aux)``.

    Returns:
        ``(output, jvp_out)`` or ``(output, jvp_out, aux)``, ``jvp_out`` shaped like the output.

    >>> import gpugrad as gg
    >>> gg.func.jvp(lambda x: x ** 2, (gg.tensor([1.0, 2.0]),), (gg.ones(2),))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    op = "jvp(f, primals, tangents)"
    for name, v in (("primals", primals), ("tangents", tangents)):
        if not isinstance(v, tuple):
            raise RuntimeError(f"{op}: Expected {name} to be a tuple. E.g. it should be valid to call f(*{name}).")
    t_leaves = _check_tangents(op, primals, tangents)
    out, aux, outs, out_spec, keep, us, gs = _transposed(op, func, primals, has_aux)
    keep = keep or any(t.requires_grad for t in t_leaves)
    with nested(), enable_grad():
        jv = unflatten(_jvp_from_transposed(gs, us, outs, t_leaves, keep), out_spec)
    out = out if keep else _detach_tree(out)
    return (out, jv, aux if keep else _detach_tree(aux)) if has_aux else (out, jv)


def _check_tangents(op, primals, tangents):
    """The leaves of ``tangents``, checked to mirror ``primals`` (structure and shapes)."""
    p_leaves, p_spec = flatten(primals)
    t_leaves, t_spec = flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(f"{op}: Expected primals and tangents to have the same python structure. For example, "
                           f"if primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
                           f"{p_spec} and tangents with structure {t_spec}")
    for p, t in zip(p_leaves, t_leaves):
        if not isinstance(p, Tensor) or not isinstance(t, Tensor):
            raise RuntimeError(f"{op}: Expected primals and tangents to only contain Tensors")
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"{op}: Expected primals and tangents to have the same shape, got {tuple(p.shape)} "
                               f"and {tuple(t.shape)}")
    return t_leaves


def _transposed(op, func, primals, has_aux):
    """Run ``func`` at ``primals`` and record u -> J^T u for outputs-shaped leaves u (zeros: only the graph
    matters), the first half of the double-backward trick."""
    with nested(), enable_grad():
        new, xs, _ = _replace_args(primals, tuple(range(len(primals))), op)
        out, aux = _split_aux(func(*new), has_aux, op)
        outs, out_spec = _out_tensors(out, op)
        keep = keep_graph(outs, xs)
        us = [Tensor._make(o.xp.zeros(o.shape, o.dtype), None, True) for o in outs]
        gs = _grads(outs, xs, us, True)
    return out, aux, outs, out_spec, keep, us, gs


def _jvp_from_transposed(gs, us, outs, t_leaves, keep):
    """J v = d<J^T u, v>/du: the second half of the double-backward trick (the graph is kept for more calls)."""
    pairs = [(g, t) for g, t in zip(gs, t_leaves) if g.requires_grad]
    if pairs:
        jv = _autograd_grad([g for g, _ in pairs], us, grad_outputs=[t for _, t in pairs], retain_graph=True,
                            create_graph=keep, allow_unused=True)
    else:
        jv = (None,) * len(us)
    return [zeros_for(o) if j is None else j for j, o in zip(jv, outs)]


def linearize(func, *primals):
    """``func(*primals)`` and a function computing Jacobian-vector products there, as ``torch.func.linearize``:
    ``func`` runs once; each call of the returned function is one reverse pass through the recorded J^T u.

    Args:
        func: a function of Tensors returning Tensors (or nested tuples/lists/dicts of them).
        *primals: the point.

    Returns:
        ``(output, jvp_fn)``; ``jvp_fn(*tangents)`` (shaped like ``primals``) returns J v shaped like the output.

    >>> import gpugrad as gg
    >>> out, jvp_fn = gg.func.linearize(lambda x: x.sin(), gg.tensor([0.0, 1.0]))
    >>> jvp_fn(gg.ones(2))
    tensor([1.0000, 0.5403])
    """
    op = "linearize(func, *primals)"
    out, _, outs, out_spec, keep, us, gs = _transposed(op, func, primals, False)

    def jvp_fn(*tangents):
        t_leaves = _check_tangents(op, primals, tangents)
        with nested(), enable_grad():
            cg = keep or _depth[0] > 1 or any(t.requires_grad for t in t_leaves)
            return unflatten(_jvp_from_transposed(gs, us, outs, t_leaves, cg), out_spec)

    return (out if keep else _detach_tree(out)), jvp_fn


def _jacobian(op, func, argnums, has_aux):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = argnums_tuple(argnums, len(args), op)
        with nested(), enable_grad():
            new, xs, spec = _replace_args(args, nums, op)
            out, aux = _split_aux(func(*new, **kwargs), has_aux, op)
            outs, out_spec = _out_tensors(out, op)
            keep = keep_graph(outs, xs)
            per_out = [_jac_of(o, xs, keep) for o in outs]
        per_out = [unflatten(j, spec) for j in per_out]
        per_out = [j[0] for j in per_out] if isinstance(argnums, int) else per_out
        result = unflatten(per_out, out_spec)
        return (result, aux if keep else _detach_tree(aux)) if has_aux else result
    return wrapper


def _jac_of(o, xs, keep):
    """d o / d x for every x: one reverse pass per element of o, rows stacked to o.shape + x.shape."""
    from ..ops import stack, reshape
    n = o.numel()
    rows = []
    if o.requires_grad:
        for k in range(n):
            e = o.xp.zeros(n, o.dtype)
            e[k] = 1
            rows.append(_grads([o], xs, [Tensor._make(e.reshape(o.shape), None, False)], keep))
    jacs = []
    for i, x in enumerate(xs):
        shape = tuple(o.shape) + tuple(x.shape)
        if not rows:
            jacs.append(Tensor._make(o.xp.zeros(shape, x.dtype), None, False))
        elif keep:
            jacs.append(reshape(stack([r[i] for r in rows], 0), shape))
        else:
            jacs.append(Tensor._make(o.xp.stack([r[i]._data for r in rows]).reshape(shape), None, False))
    return jacs


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """The Jacobian of ``func`` by reverse mode, as ``torch.func.jacrev``: one reverse pass per output element.

    Args:
        func: a function of Tensors returning a Tensor (or nested tuples/lists/dicts of them).
        argnums: which positional argument(s) to differentiate (an int or a tuple of ints).
        has_aux: ``func`` returns ``(output, aux)``; the result is then ``(jacobian, aux)``.
        chunk_size: accepted for compatibility (rows are computed one at a time); must be None or positive.

    Returns:
        A function returning the Jacobian: for each output, ``output.shape + input.shape`` per input, nested
        as the outputs and (for a tuple ``argnums``) the inputs are.

    >>> import gpugrad as gg
    >>> gg.func.jacrev(lambda x: x ** 2)(gg.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian("jacrev(f, argnums)", func, argnums, has_aux)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func``, as ``torch.func.jacfwd``. Computed here with reverse passes (one per output
    element): the same values as forward mode, and it composes with every other transform.

    Args:
        func: a function of Tensors returning a Tensor (or nested tuples/lists/dicts of them).
        argnums: which positional argument(s) to differentiate (an int or a tuple of ints).
        has_aux: ``func`` returns ``(output, aux)``; the result is then ``(jacobian, aux)``.
        randomness: "error", "different" or "same", as torch's (checked; random draws run as usual).

    Returns:
        A function returning the Jacobian, shaped as :func:`jacrev`'s.

    >>> import gpugrad as gg
    >>> gg.func.jacfwd(lambda x: x.sum() * x)(gg.tensor([1.0, 2.0]))
    tensor([[4., 1.],
            [2., 5.]])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    return _jacobian("jacfwd(f, argnums)", func, argnums, has_aux)


def hessian(func, argnums=0):
    """The Hessian of a scalar function, ``jacfwd(jacrev(func))``, as ``torch.func.hessian``.

    Args:
        func: a function returning a 0-d Tensor.
        argnums: which positional argument(s) to differentiate (an int or a tuple of ints).

    Returns:
        A function returning the Hessian, of shape ``input.shape + input.shape`` for one input.

    >>> import gpugrad as gg
    >>> gg.func.hessian(lambda x: (x ** 3).sum())(gg.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)
