"""``torch.func.functional_call``: call a module with some of its parameters and buffers replaced by given
tensors, for the duration of the call (the module is left as it was)."""
from __future__ import annotations

from ..tensor import Tensor

__all__ = ["functional_call", "stack_module_state"]


def _merge(parameter_and_buffer_dicts):
    if isinstance(parameter_and_buffer_dicts, dict):
        return dict(parameter_and_buffer_dicts)
    if not isinstance(parameter_and_buffer_dicts, (tuple, list)):
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    merged = {}
    for d in parameter_and_buffer_dicts:
        if not isinstance(d, dict):
            raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but "
                             f"got {type(d)}")
        repeated = sorted(set(merged) & set(d))
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
                             f"ambiguous")
        merged.update(d)
    return merged


def _tied_names(module, values):
    """Add, for every given name, the other names of the same (tied) parameter or buffer."""
    groups = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        groups.setdefault(id(t), []).append(name)
    out = dict(values)
    for names in groups.values():
        given = [n for n in names if n in values]
        if not given or len(names) == 1:
            continue
        if any(values[n] is not values[given[0]] for n in given[1:]):
            raise ValueError(f"functional_call got multiple values for keys {given}, which are tied. Consider "
                             f"using tie_weights=False")
        for n in names:
            out.setdefault(n, values[given[0]])
    return out


def _swap(module, name, value):
    """Put ``value`` at dotted ``name``; return what undoes it."""
    path, _, leaf = name.rpartition(".")
    owner = module
    for part in path.split(".") if path else ():
        child = getattr(owner, part, None)
        if child is None or not hasattr(child, "_parameters"):
            raise TypeError(f"submodule `{part}`: {child} is not an instance of Module")
        owner = child
    for store in (owner._parameters, owner._buffers):
        if leaf in store:
            old = store[leaf]
            store[leaf] = value
            return lambda: store.__setitem__(leaf, old)
    missing = object()
    old = owner.__dict__.get(leaf, missing)
    owner.__dict__[leaf] = value
    return lambda: owner.__dict__.pop(leaf) if old is missing else owner.__dict__.__setitem__(leaf, old)


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True,
                    strict=False):
    """Call ``module`` with the parameters and buffers named in ``parameter_and_buffer_dicts`` replaced by the
    given tensors, as ``torch.func.functional_call``; the module is restored afterwards. With ``grad`` and
    ``vmap`` this gives per-sample gradients of a model.

    Args:
        module: the ``gpugrad.nn.Module`` to call.
        parameter_and_buffer_dicts: a dict from dotted names (as ``named_parameters`` gives) to tensors, or a
            tuple/list of such dicts (no name in two of them).
        args: the positional argument(s) of the call: a tuple, or a single value.
        kwargs: the keyword arguments of the call.
        tie_weights: a value given for one name of a tied parameter (the same tensor under several names) is
            used for all its names.
        strict: every parameter and buffer must be given, and no other name (RuntimeError otherwise).

    Returns:
        What ``module(*args, **kwargs)`` returns.

    >>> import gpugrad as gg
    >>> m = gg.nn.Linear(2, 1)
    >>> gg.func.functional_call(m, {"weight": gg.ones(1, 2), "bias": gg.zeros(1)}, (gg.tensor([[1.0, 2.0]]),))
    tensor([[3.]])
    """
    values = _merge(parameter_and_buffer_dicts)
    for k, v in values.items():
        if not isinstance(k, str):
            raise TypeError(f"functional_call: keys must be strings, got {type(k).__name__}")
    if strict:
        names = [n for n, _ in module.named_parameters(remove_duplicate=not tie_weights)] + \
                [n for n, _ in module.named_buffers(remove_duplicate=not tie_weights)]
        missing = sorted(set(names) - set(values)) if not tie_weights else \
            sorted(set(names) - set(_tied_names(module, values)))
        unexpected = sorted(set(values) - set(n for n, _ in module.named_parameters(remove_duplicate=False))
                            - set(n for n, _ in module.named_buffers(remove_duplicate=False)))
        if missing or unexpected:
            lines = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
            if unexpected:
                lines.append(f"\tUnexpected key(s): {', '.join(repr(k) for k in unexpected)}.")
            if missing:
                lines.append(f"\tMissing key(s): {', '.join(repr(k) for k in missing)}.")
            raise RuntimeError("\n".join(lines))
    if tie_weights:
        values = _tied_names(module, values)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    undo = []
    try:
        for name, value in values.items():
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"functional_call: the value for {name!r} must be a Tensor, got "
                                f"{type(value).__name__}")
            undo.append(_swap(module, name, value))
        return module(*args, **(kwargs or {}))
    finally:
        for u in reversed(undo):
            u()


def stack_module_state(models):
    """The parameters and buffers of several models of one class, stacked along a new first dim, as
    ``torch.func.stack_module_state``: with ``vmap`` over :func:`functional_call` they run an ensemble.

    Args:
        models: a sequence (or ModuleList) of modules of the same class and training mode.

    Returns:
        ``(params, buffers)``: dicts from names to stacked tensors; stacked parameters are new leaves
        (requiring grad where the models' do), unrelated to the models' own.

    >>> import gpugrad as gg
    >>> params, buffers = gg.func.stack_module_state([gg.nn.Linear(3, 2) for _ in range(4)])
    >>> params["weight"].shape, params["weight"].requires_grad, buffers
    (gpugrad.Size([4, 2, 3]), True, {})
    """
    from ..ops import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(per_model):
        out = {}
        for k in per_model[0]:
            ts = [d[k] for d in per_model]
            grads = {t.requires_grad for t in ts}
            if len(grads) > 1:
                raise RuntimeError(f"Expected {k} from each model to have the same .requires_grad")
            out[k] = stack(ts).detach().requires_grad_() if grads == {True} else stack(ts)
        return out

    return (stacked([dict(m.named_parameters()) for m in models]),
            stacked([dict(m.named_buffers()) for m in models]))
