"""What the function transforms share: the nesting depth, fresh differentiable copies of the inputs, and the
test of whether a result must stay on the tape.

The transforms run on gpugrad's tape (reverse mode), not on functorch's levels. ``grad(f)(x)`` differentiates
a copy of ``x`` that is a new leaf (or, when ``x`` itself requires grad, a recorded view of it, so an outer
``backward`` still reaches ``x``). Inside another transform, or when the output depends on some tensor
outside that requires grad, the gradients are taken with ``create_graph=True`` so that the enclosing
transform (or the caller's ``backward``) can differentiate them again; otherwise they come back detached, as
torch.func's do.
"""
from __future__ import annotations

from ..tensor import Tensor
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.op import _wref

_depth = [0]         # how many function transforms are running (nested ones see > 1)
_outer = [True]      # the grad mode the caller had when each running transform started (the transforms
                     # themselves run under enable_grad, as torch.func ignores an outer no_grad)


class nested:
    """``with nested():`` counts one more running transform and remembers the caller's grad mode (enter it
    before ``enable_grad``)."""

    def __enter__(self):
        _depth[0] += 1
        _outer.append(is_grad_enabled())

    def __exit__(self, *exc):
        _depth[0] -= 1
        _outer.pop()


def fresh(t, op):
    """A differentiable stand-in for input leaf ``t`` (a floating Tensor): a recorded view when ``t``
    requires grad, a new leaf otherwise."""
    if not isinstance(t, Tensor):
        raise RuntimeError(f"{op}: expected the differentiated inputs to be Tensors, got {type(t).__name__}")
    if not (t.dtype.kind == "f" or t.dtype.kind == "c"):
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    if t.requires_grad and _outer[-1]:
        from ..ops.shape import Reshape
        return Reshape.apply(t, t.shape)
    return t.detach().requires_grad_(True)


def keep_graph(outputs, inputs):
    """Whether gradients of ``outputs`` with respect to ``inputs`` (the fresh stand-ins) must be recorded: inside
    another transform, or when some output's graph reaches a tensor requiring grad that is not an input."""
    if not _outer[-1]:
        return False
    if _depth[0] > 1:
        return True
    ours = {id(t) for t in inputs}
    stack = []
    for o in outputs:
        if isinstance(o, Tensor) and o.requires_grad:
            if o.grad_fn is not None:
                stack.append(o.grad_fn)
            elif id(o) not in ours:
                return True
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for e in getattr(node, "next", ()):
            if e is None:
                continue
            if e.__class__ is _wref:
                leaf = e()
                if leaf is not None and id(leaf) not in ours:
                    return True
            else:
                stack.append(e)
    return False


def argnums_tuple(argnums, nargs, op):
    """``argnums`` (an int or a tuple of ints, negative counting from the end) checked against ``nargs``."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    if not nums:
        raise RuntimeError(f"{op}: argnums must be non-empty")
    out = []
    for a in nums:
        if not isinstance(a, int) or isinstance(a, bool):
            raise RuntimeError(f"{op}: argnums must be int or Tuple[int, ...], got: {type(a).__name__}")
        if not -nargs <= a < nargs:
            raise RuntimeError(f"Got argnum={a}, but only {nargs} positional inputs")
        out.append(a % nargs)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: argnums must be unique, got {argnums}")
    return tuple(out)


def zeros_for(t):
    return Tensor._make(t.xp.zeros(t.shape, t.dtype), None, False)
