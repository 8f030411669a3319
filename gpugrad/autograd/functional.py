"""Higher-level derivatives of functions, with ``torch.autograd.functional``'s signatures: vjp, jvp, jacobian,
hessian, vhp, hvp.

``func`` takes a Tensor (or a tuple of Tensors) and returns a Tensor (or a tuple). Results mirror the structure
of ``inputs`` and of the outputs, as in PyTorch. With ``create_graph=False`` results are detached; with
``create_graph=True`` they are recorded and can be differentiated again. ``strict=True`` raises when an output
does not depend on an input instead of returning zeros. ``vectorize`` is accepted and ignored (there is no
vmap; rows are computed one after another).

>>> import gpugrad as gg
>>> from gpugrad.autograd.functional import hessian
>>> hessian(lambda x: (x ** 3).sum(), gg.tensor([1.0, 2.0]))     # diag(6 x)
tensor([[ 6.,  0.],
        [ 0., 12.]])
"""
from __future__ import annotations

from ..tensor import Tensor
from .grad_mode import enable_grad
from . import grad as _grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


# -- argument handling ---------------------------------------------------------------------------------------
def _as_tuple(op, x, what):
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {what} {i} must be a Tensor, got {type(t).__name__}")
    return is_tuple, xs


def _prepare_inputs(op, inputs, create_graph):
    """Fresh views of the inputs that require grad: recorded views when the caller wants a graph through
    them (create_graph with inputs that require grad), detached leaves otherwise."""
    is_tuple, xs = _as_tuple(op, inputs, "input")
    out = []
    for i, t in enumerate(xs):
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: input {i} must be floating point, got dtype {t.dtype}")
        if create_graph and t.requires_grad:
            from ..ops.shape import Reshape
            out.append(Reshape.apply(t, t.shape))
        else:
            out.append(t.detach().requires_grad_(True))
    return is_tuple, tuple(out)


def _check_v(op, v, refs, what):
    """``v`` as a tuple matching ``refs`` in shape; None is allowed only when every ref has one element."""
    if v is None:
        if any(r.numel() != 1 for r in refs):
            raise RuntimeError(f"{op}: v can be omitted only when every {what} has a single element; got shapes "
                               f"{[tuple(r.shape) for r in refs]}")
        return tuple(r.xp.ones(r.shape, r.dtype) for r in refs), True
    _, vs = _as_tuple(op, v, "v")
    if len(vs) != len(refs):
        raise RuntimeError(f"{op}: v has {len(vs)} entries but there are {len(refs)} {what}s")
    for i, (a, r) in enumerate(zip(vs, refs)):
        if tuple(a.shape) != tuple(r.shape):
            raise RuntimeError(f"{op}: entry {i} of v has shape {tuple(a.shape)}, expected the {what}'s shape "
                               f"{tuple(r.shape)}")
    return tuple(a._data for a in vs), False


def _outputs(op, func, xs):
    with enable_grad():
        out = func(*xs)
    is_tuple, outs = _as_tuple(op, out, "output")
    return is_tuple, outs


def _finish(ts, create_graph):
    return tuple(t if create_graph else t.detach() for t in ts)


def _zeros_for(t):
    return Tensor._make(t.xp.zeros(t.shape, t.dtype), None, False)


def _grads(op, outs, xs, vs, create_graph, strict, retain_graph=True):
    """sum_k v_k^T d out_k / d x_i for every input i (zeros, or an error under strict, where independent)."""
    pairs = [(o, Tensor._make(v, None) if not isinstance(v, Tensor) else v) for o, v in zip(outs, vs)
             if o.requires_grad]
    if pairs:
        gs = _grad([o for o, _ in pairs], list(xs), grad_outputs=[v for _, v in pairs],
                   retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)
    else:
        gs = (None,) * len(xs)
    return _fill_unused(op, gs, xs, strict)


def _fill_unused(op, gs, refs, strict, what="the output of the function is independent of input {}"):
    """Zeros shaped like ``refs[i]`` where ``gs[i]`` is None (no dependence), or an error under strict."""
    result = []
    for i, (g, r) in enumerate(zip(gs, refs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{op}: {what.format(i)}; this is not allowed in strict mode")
            g = _zeros_for(r)
        result.append(g)
    return tuple(result)


def _pack(is_tuple, ts):
    return tuple(ts) if is_tuple else ts[0]


# -- products ------------------------------------------------------------------------------------------------
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product, one reverse pass.

    Args:
        func: a function of the input tensor(s) returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of them.
        v: the vector(s) v, shaped like the outputs (None for a scalar output).
        create_graph: make the result differentiable.
        strict: raise if an output does not depend on an input (else zeros).

    >>> import gpugrad as gg
    >>> from gpugrad.autograd.functional import vjp
    >>> out, g = vjp(lambda x: (x ** 2).sum(), gg.tensor([1.0, 2.0]))
    >>> out.item(), g.tolist()
    (5.0, [2.0, 4.0])
    """
    in_tuple, xs = _prepare_inputs("vjp", inputs, create_graph)
    out_tuple, outs = _outputs("vjp", func, xs)
    vs, _ = _check_v("vjp", v, outs, "output")
    g = _grads("vjp", outs, xs, vs, create_graph, strict)
    return _pack(out_tuple, _finish(outs, create_graph)), _pack(in_tuple, _finish(g, create_graph))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product.

    Without ``create_graph`` this is forward mode: one pass with dual numbers (see ``forward_ad``). With
    ``create_graph`` it is the double-backward trick, which records: u -> J^T u is linear in u, so
    J v = d<J^T u, v>/du, two reverse passes.

    Args:
        func: a function of the input tensor(s) returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of them.
        v: the tangent vector(s), shaped like the inputs (None for a scalar input).
        create_graph: make the result differentiable (double-backward).
        strict: raise if an output does not depend on an input (else zeros).

    >>> import gpugrad as gg
    >>> from gpugrad.autograd.functional import jvp
    >>> out, jv = jvp(lambda x: x ** 2, gg.tensor([1.0, 2.0]), gg.tensor([1.0, 1.0]))
    >>> jv.tolist()
    [2.0, 4.0]
    """
    in_tuple, xs = _prepare_inputs("jvp", inputs, create_graph)
    vs, _ = _check_v("jvp", v, xs, "input")
    if not create_graph:
        from .forward_ad import dual_level, make_dual, unpack_dual
        with dual_level():      # no tape needed: the inputs are detached, only tangents flow
            duals = [make_dual(x.detach(), Tensor._make(t, None)) for x, t in zip(xs, vs)]
            out_tuple, outs = _outputs("jvp", func, duals)
            tangents = _fill_unused("jvp", [unpack_dual(o).tangent for o in outs], outs, strict,
                                    "output {} of the function is independent of the inputs")
            outs = [unpack_dual(o).primal.detach() for o in outs]
        return _pack(out_tuple, tuple(outs)), _pack(out_tuple, tangents)
    out_tuple, outs = _outputs("jvp", func, xs)
    us = [Tensor._make(o.xp.zeros(o.shape, o.dtype), None, True) for o in outs]
    gs = _grads("jvp", outs, xs, us, True, strict)
    pairs = [(g, Tensor._make(t, None)) for g, t in zip(gs, vs) if g.requires_grad]
    if pairs:
        jv = _grad([g for g, _ in pairs], us, grad_outputs=[t for _, t in pairs], create_graph=True,
                   allow_unused=True)
    else:
        jv = (None,) * len(us)
    jv = tuple(j if j is not None else _zeros_for(o) for j, o in zip(jv, outs))
    return _pack(out_tuple, outs), _pack(out_tuple, jv)


# -- full matrices ---------------------------------------------------------------------------------------------
def _stack_rows(rows, lead_shape, trail_shape, create_graph, like):
    """Rows (one per element of the leading shape, each of ``trail_shape``) as one Tensor of shape
    lead_shape + trail_shape."""
    from ..ops import stack, reshape
    if not rows:
        return Tensor._make(like.xp.zeros(tuple(lead_shape) + tuple(trail_shape), like.dtype), None, False)
    if create_graph:
        return reshape(stack(rows, 0), tuple(lead_shape) + tuple(trail_shape))
    xp = rows[0].xp
    return Tensor._make(xp.stack([r._data for r in rows]).reshape(tuple(lead_shape) + tuple(trail_shape)), None,
                        False)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: ``J[k][i]`` of shape ``out_k.shape + in_i.shape``, nested as
    PyTorch nests it (a Tensor for one input and one output, a tuple over whichever is a tuple, a tuple of
    tuples when both are).

    ``strategy='reverse-mode'`` takes one reverse pass per output element; ``'forward-mode'`` one dual-number
    pass per input element (cheaper when inputs are fewer than outputs; no ``create_graph``).

    Args:
        func: a function of the input tensor(s) returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of them.
        create_graph: make the result differentiable.
        strict: raise if an output does not depend on an input (else zeros).
        vectorize: accepted for PyTorch compatibility.
        strategy: ``"reverse-mode"`` (one backward per output element) or ``"forward-mode"`` (one forward pass per input element).

    >>> import gpugrad as gg
    >>> from gpugrad.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, gg.tensor([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}")
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError("jacobian: strategy='forward-mode' does not support create_graph=True "
                                  "(tangents are not recorded); use reverse-mode")
    in_tuple, xs = _prepare_inputs("jacobian", inputs, create_graph)
    if strategy == "forward-mode":
        jac = _jacobian_forward(func, xs, strict)
        out_tuple = jac[0]
        jac = jac[1]
    else:
        out_tuple, outs = _outputs("jacobian", func, xs)
        jac = []
        for k, o in enumerate(outs):
            rows = [[] for _ in xs]
            for r in range(o.numel()):
                seed = o.xp.zeros(o.numel(), o.dtype)
                seed[r] = 1
                gs = _grads("jacobian", (o,), xs, (seed.reshape(o.shape),), create_graph, strict)
                for i, g in enumerate(gs):
                    rows[i].append(g)
            jac.append(tuple(_stack_rows(rows[i], o.shape, x.shape, create_graph, o) for i, x in enumerate(xs)))
    per_out = [_pack(in_tuple, j) for j in jac]
    return _pack(out_tuple, per_out)


def _jacobian_forward(func, xs, strict):
    from .forward_ad import dual_level, make_dual, unpack_dual
    xs = tuple(x.detach() for x in xs)          # tangents flow without a tape
    cols = None
    out_tuple = False
    outs = None
    for i, x in enumerate(xs):
        for c in range(x.numel()):
            e = x.xp.zeros(x.numel(), x.dtype)
            e[c] = 1
            with dual_level():
                args = [make_dual(t, Tensor._make(e.reshape(t.shape), None)) if j == i else t
                        for j, t in enumerate(xs)]
                out_tuple, res = _outputs("jacobian", func, args)
                if cols is None:
                    outs = [r.detach() for r in res]
                    cols = [[[] for _ in xs] for _ in res]
                for k, r in enumerate(res):
                    t = unpack_dual(r).tangent
                    if t is None and strict:
                        raise RuntimeError(f"jacobian: output {k} is independent of input {i}; this is not "
                                           "allowed in strict mode")
                    cols[k][i].append(t._data if t is not None else r.xp.zeros(r.shape, r.dtype))
    if cols is None:      # every input is empty: call once for the output shapes
        out_tuple, res = _outputs("jacobian", func, xs)
        outs = [r.detach() for r in res]
        cols = [[[] for _ in xs] for _ in res]
    jac = []
    for k, o in enumerate(outs):
        per_in = []
        for i, x in enumerate(xs):
            xp = o.xp
            if cols[k][i]:
                # columns stacked last: (out..., n_in) -> out.shape + in.shape
                m = xp.stack([c.reshape(-1) for c in cols[k][i]], axis=1)
                arr = m.reshape(tuple(o.shape) + tuple(x.shape))
            else:
                arr = xp.zeros(tuple(o.shape) + tuple(x.shape), o.dtype)
            per_in.append(Tensor._make(arr, None, False))
        jac.append(tuple(per_in))
    return out_tuple, jac


def _scalar_output(op, func):
    def f(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor):
            raise RuntimeError(f"{op}: the function must return a single Tensor, got {type(out).__name__}")
        if out.numel() != 1:
            raise RuntimeError(f"{op}: the function must return a single-element Tensor, got shape "
                               f"{tuple(out.shape)}")
        return out
    return f


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: the Jacobian of its gradient. ``H[i][j]`` has shape
    ``in_i.shape + in_j.shape`` (a Tensor for a single input).

    Args:
        func: a function of the input tensor(s) returning a scalar tensor.
        inputs: a tensor or a tuple of them.
        create_graph: make the result differentiable.
        strict: raise if an output does not depend on an input (else zeros).
        vectorize: accepted for PyTorch compatibility.
        outer_jacobian_strategy: the strategy of the outer Jacobian (see :func:`jacobian`).

    >>> import gpugrad as gg
    >>> from gpugrad.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), gg.tensor([1.0, 2.0])).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    if outer_jacobian_strategy != "reverse-mode":
        raise NotImplementedError("hessian: only outer_jacobian_strategy='reverse-mode' is supported (forward "
                                  "over reverse would need tangents on the values a graph-mode backward saves)")
    f = _scalar_output("hessian", func)
    in_tuple, _ = _as_tuple("hessian", inputs, "input")

    def gradient(*xs):
        out = f(*xs)
        gs = _grads("hessian", (out,), xs, (out.xp.ones(out.shape, out.dtype),), True, strict)
        return _pack(in_tuple, gs)

    return jacobian(gradient, inputs, create_graph, strict, vectorize, outer_jacobian_strategy)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``: a double backward (two reverse passes).

    Args:
        func: a function of the input tensor(s) returning a scalar tensor.
        inputs: a tensor or a tuple of them.
        v: the vector(s), shaped like the inputs.
        create_graph: make the result differentiable.
        strict: raise if an output does not depend on an input (else zeros).

    >>> import gpugrad as gg
    >>> from gpugrad.autograd.functional import vhp
    >>> _, r = vhp(lambda x: (x ** 3).sum(), gg.tensor([1.0, 2.0]), gg.tensor([1.0, 1.0]))
    >>> r.tolist()
    [6.0, 12.0]
    """
    f = _scalar_output("vhp", func)
    in_tuple, xs = _prepare_inputs("vhp", inputs, create_graph)
    vs, _ = _check_v("vhp", v, xs, "input")
    _, (out,) = _outputs("vhp", f, xs)
    gs = _grads("vhp", (out,), xs, (out.xp.ones(out.shape, out.dtype),), True, strict)
    pairs = [(g, Tensor._make(t, None)) for g, t in zip(gs, vs) if g.requires_grad]
    if pairs:
        hv = _grad([g for g, _ in pairs], list(xs), grad_outputs=[t for _, t in pairs],
                   create_graph=create_graph, allow_unused=True)
    else:
        hv = (None,) * len(xs)
    res = _fill_unused("vhp", hv, xs, strict)
    return _finish((out,), create_graph)[0], _pack(in_tuple, _finish(res, create_graph))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func``.

    For the twice continuously differentiable functions this serves, H is symmetric, so H v = (v^T H)^T and
    one double backward (as :func:`vhp`) suffices; PyTorch's version spends a third reverse pass (the
    double-backward trick) to get H v without assuming symmetry.

    Args:
        func: a function of the input tensor(s) returning a scalar tensor.
        inputs: a tensor or a tuple of them.
        v: the vector(s), shaped like the inputs.
        create_graph: make the result differentiable.
        strict: raise if an output does not depend on an input (else zeros).

    >>> import gpugrad as gg
    >>> from gpugrad.autograd.functional import hvp
    >>> _, r = hvp(lambda x: (x ** 3).sum(), gg.tensor([1.0, 2.0]), gg.tensor([1.0, 0.0]))
    >>> r.tolist()
    [6.0, 0.0]
    """
    out, h = vhp(func, inputs, v, create_graph, strict)
    return out, h
