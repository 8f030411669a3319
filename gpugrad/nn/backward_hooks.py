"""Module backward hooks, as PyTorch's ``register_full_backward_hook`` / ``register_full_backward_pre_hook``:
``hook(module, grad_input, grad_output)`` runs once the gradients with respect to the module's positional
tensor inputs are known, ``pre_hook(module, grad_output)`` once those of its outputs are; either may return
replacements.

How: the module's call passes its inputs that require grad, and then its outputs, through an identity
Function each (one node for all inputs, one for all outputs). The outputs' node sees ``grad_output`` first
(backward runs outputs before inputs), keeps it, and runs the pre-hooks; the inputs' node sees
``grad_input`` and runs the hooks. With no input requiring grad, the hooks run at the outputs' node with
``grad_input`` all None, as in PyTorch."""
from __future__ import annotations

import warnings

from ..autograd.function import Function
from ..ops.nn_ops import _user_stacklevel
from ..tensor import Tensor


class _Identity(Function):
    """y_i = x_i for each tensor; backward hands the gradients to ``on_grads`` (which may replace them)."""

    @staticmethod
    def forward(ctx, on_grads, *tensors):
        ctx.on_grads = on_grads
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.on_grads(grads))


def _through(tensors, on_grads):
    """``tensors`` (a list, Tensors or not) with those that require grad passed through one _Identity node."""
    idx = [i for i, t in enumerate(tensors) if isinstance(t, Tensor) and t.requires_grad]
    if not idx:
        return tensors, idx
    out = _Identity.apply(on_grads, *[tensors[i] for i in idx])
    tensors = list(tensors)
    for i, t in zip(idx, out):
        tensors[i] = t
    return tensors, idx


def call_with_backward_hooks(module, forward, args, hooks, pre_hooks):
    """Run ``forward(*args)`` so that the module's backward hooks see its gradients (see the module docstring)."""
    state = {"grad_output": None}
    n_in = sum(isinstance(a, Tensor) for a in args)

    def run_hooks(grad_input):
        for hook in list(hooks.values()):
            new = hook(module, grad_input, state["grad_output"])
            if new is not None:
                grad_input = tuple(new)
        return grad_input

    def on_input_grads(grads):
        full = [None] * len(args)
        for i, g in zip(in_idx, grads):
            full[i] = g
        tensor_slots = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        new = run_hooks(tuple(full[i] for i in tensor_slots))
        return [new[tensor_slots.index(i)] for i in in_idx]

    def on_output_grads(grads):
        full = [None] * len(outs)
        for i, g in zip(out_idx, grads):
            full[i] = g
        grad_output = tuple(full)
        for hook in list(pre_hooks.values()):
            new = hook(module, grad_output)
            if new is not None:
                grad_output = tuple(new)
        state["grad_output"] = grad_output
        if not in_idx and hooks:                 # no input needs a gradient: the hooks run now
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
                          "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.",
                          UserWarning, stacklevel=_user_stacklevel())
            run_hooks((None,) * n_in)
        return [grad_output[i] for i in out_idx]

    args, in_idx = _through(list(args), on_input_grads)
    out = forward(*args)
    single = isinstance(out, Tensor)
    outs = [out] if single else list(out) if isinstance(out, (tuple, list)) else None
    if outs is None:
        return out
    outs, out_idx = _through(outs, on_output_grads)
    return outs[0] if single else type(out)(outs)
