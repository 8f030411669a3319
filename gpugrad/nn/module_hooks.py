"""Module hooks: the forward pre-hooks and hooks, and the registration of the full backward hooks (which
:mod:`gpugrad.nn.backward_hooks` wires into the tape), as a base class of :class:`gpugrad.nn.Module`.

A module's hooks live in ``module.__dict__["_forward_hooks"]`` (all four kinds), which exists only while the
module has a hook: ``Module.__call__`` tests for that key and otherwise calls ``forward`` directly. Its
entries: one dict ``id -> hook`` per kind (in calling order) and the sets of ids registered ``with_kwargs``
or ``always_call``.

The global hooks (PyTorch's ``torch.nn.modules.module.register_module_*_hook``, for every module) are kept
the same way in ``_GLOBAL.__dict__``; while there are any, ``Module.__call__`` is the variant that always
looks, so that without them a call pays nothing for their existence.
"""
from __future__ import annotations

import types
import warnings

_KINDS = ("pre", "post", "backward", "backward_pre")
__all__ = ["RemovableHandle", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_pre_hook", "register_module_full_backward_hook"]

_GLOBAL = types.SimpleNamespace()       # holds "_forward_hooks" (as a module's __dict__ does) while it has any
_NO_HOOKS = {**{k: {} for k in _KINDS}, "with_kwargs": frozenset(), "always_call": frozenset()}


class RemovableHandle:
    """What the ``register_*_hook`` methods return: ``handle.remove()`` unregisters the hook. ``store`` is the
    module ``__dict__`` entry that holds the hook (``_forward_hooks``, or ``_state_hooks`` for the state dict
    hooks), ``kind`` its table there."""

    _next_id = [0]

    def __init__(self, module, kind, store="_forward_hooks"):
        self.module, self.kind, self.store = module, kind, store
        self.id = RemovableHandle._next_id[0]
        RemovableHandle._next_id[0] += 1

    def remove(self):
        """Take the hook off (again: nothing happens).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> m = gg.nn.Identity()
        >>> h = m.register_forward_hook(lambda mod, args, out: out * 0)
        >>> h.remove(); m(gg.ones(1))
        tensor([1.])
        """
        d = self.module.__dict__
        hooks = d.get(self.store)
        if hooks is None:
            return
        hooks[self.kind].pop(self.id, None)
        for flags in hooks.values():               # (the sets of ids registered with an option)
            if isinstance(flags, set):
                flags.discard(self.id)
        if not any(table for table in hooks.values() if isinstance(table, dict)):
            del d[self.store]                     # back to the hook-free fast path
            if self.module is _GLOBAL:
                _sync_call()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _call(self, *args, **kwargs):
    if "_forward_hooks" in self.__dict__:        # only modules that were given hooks pay for them
        return self._call_with_hooks(args, kwargs)
    return self.forward(*args, **kwargs)


def _call_global(self, *args, **kwargs):         # Module.__call__ while there are global hooks
    return self._call_with_hooks(args, kwargs)


def _sync_call():
    _ModuleHooks.__call__ = _call_global if "_forward_hooks" in _GLOBAL.__dict__ else _call


def has_forward_hooks(module) -> bool:
    """Whether calling ``module`` runs hooks (its own or global ones): a fused path that skips the call of a
    sub-module must not skip them."""
    return "_forward_hooks" in module.__dict__ or "_forward_hooks" in _GLOBAL.__dict__


class _ModuleHooks:
    """The hooks of :class:`gpugrad.nn.Module` (a private base: Module is the public class)."""

    __call__ = _call

    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """Run ``hook(module, args)`` before every ``forward`` call.

        Args:
            hook: called with the module and the tuple of positional inputs; may return new inputs (a tuple,
                or a single value), or None to keep them.
            prepend: run it before the pre-hooks registered so far (default: after them).
            with_kwargs: call ``hook(module, args, kwargs)`` instead; it returns None or ``(args, kwargs)``.

        Returns:
            a :class:`RemovableHandle`; its ``remove()`` (or leaving a ``with`` block) takes the hook off.

        >>> import gpugrad as gg
        >>> m = gg.nn.Identity()
        >>> h = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        >>> m(gg.ones(2))
        tensor([2., 2.])
        >>> h.remove()
        """
        return self._add_hook("pre", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False):
        """Run ``hook(module, args, output)`` after every ``forward`` call (activation statistics, feature
        extraction).

        Args:
            hook: called with the module, the tuple of positional inputs and the output; may return a new
                output, or None to keep it.
            prepend: run it before the hooks registered so far (default: after them).
            with_kwargs: call ``hook(module, args, kwargs, output)`` instead.
            always_call: run it also when the call raises (with the output None, as far as it got), before
                the error propagates; an error of the hook itself is then a warning.

        Returns:
            a :class:`RemovableHandle`; its ``remove()`` (or leaving a ``with`` block) takes the hook off.

        >>> import gpugrad as gg
        >>> m, shapes = gg.nn.Linear(3, 2), []
        >>> with m.register_forward_hook(lambda mod, args, out: shapes.append(out.shape)):
        ...     _ = m(gg.ones(4, 3))
        >>> shapes
        [gpugrad.Size([4, 2])]
        """
        return self._add_hook("post", hook, prepend, with_kwargs, always_call)

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """Run ``hook(module, grad_input, grad_output)`` when the gradients with respect to the module's
        positional tensor inputs are computed (``grad_output``: those of its outputs); it may return new
        ``grad_input``. See :mod:`gpugrad.nn.backward_hooks`.

        Args:
            hook: the function.
            prepend: run it before the hooks of this kind registered so far (default: after them).

        Returns:
            a :class:`RemovableHandle`.

        >>> import gpugrad as gg
        >>> m, seen = gg.nn.Linear(3, 2), []
        >>> h = m.register_full_backward_hook(lambda mod, gin, gout: seen.append(gout[0].shape))
        >>> m(gg.ones(4, 3, requires_grad=True)).sum().backward(); seen
        [gpugrad.Size([4, 2])]
        """
        return self._add_hook("backward", hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """Run ``hook(module, grad_output)`` when the gradients with respect to the module's outputs are known;
        it may return new ones.

        Args:
            hook: the function.
            prepend: run it before the hooks of this kind registered so far (default: after them).

        Returns:
            a :class:`RemovableHandle`.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(3, 2)
        >>> h = m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 0,))
        >>> m(gg.ones(1, 3)).sum().backward(); m.bias.grad.tolist()
        [0.0, 0.0]
        """
        return self._add_hook("backward_pre", hook, prepend)

    def _add_hook(self, kind, hook, prepend=False, with_kwargs=False, always_call=False):
        d = self.__dict__
        hooks = d.get("_forward_hooks")
        if hooks is None:
            hooks = d["_forward_hooks"] = {k: {} for k in _KINDS}
            hooks["with_kwargs"], hooks["always_call"] = set(), set()
        handle = RemovableHandle(self, kind)
        table = hooks[kind]
        if prepend:                               # in place: a call in flight holds this dict
            rest = list(table.items())
            table.clear()
            table[handle.id] = hook
            table.update(rest)
        else:
            table[handle.id] = hook
        if with_kwargs:
            hooks["with_kwargs"].add(handle.id)
        if always_call:
            hooks["always_call"].add(handle.id)
        return handle

    def _call_with_hooks(self, args, kwargs):
        # PyTorch's Module._call_impl, less its tracing: the global hooks run before the module's own
        hooks = self.__dict__.get("_forward_hooks", _NO_HOOKS)
        glob = _GLOBAL.__dict__.get("_forward_hooks")
        if glob is not None:
            hooks = {**{k: {**glob[k], **hooks[k]} for k in _KINDS},
                     "with_kwargs": glob["with_kwargs"] | hooks["with_kwargs"],
                     "always_call": glob["always_call"] | hooks["always_call"]}
        with_kwargs, always = hooks["with_kwargs"], hooks["always_call"]
        out, called = None, set()
        try:
            for hook_id, hook in list(hooks["pre"].items()):
                if hook_id in with_kwargs:
                    new = hook(self, args, kwargs)
                    if new is not None:
                        if not (isinstance(new, tuple) and len(new) == 2):
                            raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, "
                                               f"new_kwargs), but got {new}.")
                        args, kwargs = new
                else:
                    new = hook(self, args)
                    if new is not None:
                        args = new if isinstance(new, tuple) else (new,)
            if hooks["backward"] or hooks["backward_pre"]:
                from .backward_hooks import call_with_backward_hooks
                out = call_with_backward_hooks(self, lambda *a: self.forward(*a, **kwargs), args,
                                               hooks["backward"], hooks["backward_pre"])
            else:
                out = self.forward(*args, **kwargs)
            for hook_id, hook in list(hooks["post"].items()):
                if hook_id in always:
                    called.add(hook_id)
                new = hook(self, args, kwargs, out) if hook_id in with_kwargs else hook(self, args, out)
                if new is not None:
                    out = new
            return out
        except Exception:
            for hook_id, hook in list(hooks["post"].items()):
                if hook_id not in always or hook_id in called:
                    continue
                try:
                    new = hook(self, args, kwargs, out) if hook_id in with_kwargs else hook(self, args, out)
                    if new is not None:
                        out = new
                except Exception as e:
                    warnings.warn(f"module forward hook with ``always_call=True`` raised an exception that was "
                                  f"silenced as another error was raised in forward: {e}", stacklevel=3)
            raise


def register_module_forward_pre_hook(hook):
    """Run ``hook(module, args)`` before the ``forward`` of every module (PyTorch's
    ``torch.nn.modules.module.register_module_forward_pre_hook``); it runs before the module's own pre-hooks
    and may return new inputs, as those do (:meth:`gpugrad.nn.Module.register_forward_pre_hook`).

    Args:
        hook: the function.

    Returns:
        a :class:`RemovableHandle`; while any global hook is registered, every module call goes through the
        hook machinery (slower), so remove it when done.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.modules.module import register_module_forward_pre_hook
    >>> seen = []
    >>> with register_module_forward_pre_hook(lambda mod, args: seen.append(type(mod).__name__)):
    ...     _ = gg.nn.Sequential(gg.nn.Linear(2, 2), gg.nn.ReLU())(gg.ones(1, 2))
    >>> seen
    ['Sequential', 'Linear', 'ReLU']
    """
    return _add_global("pre", hook)


def register_module_forward_hook(hook, *, with_kwargs: bool = False, always_call: bool = False):
    """Run ``hook(module, args, output)`` after the ``forward`` of every module (PyTorch's
    ``torch.nn.modules.module.register_module_forward_hook``), before the module's own forward hooks.

    Args:
        hook: the function; it may return a new output.
        with_kwargs: call ``hook(module, args, kwargs, output)`` instead.
        always_call: run it also when the call raises.

    Returns:
        a :class:`RemovableHandle` (see :func:`register_module_forward_pre_hook`).

    >>> import gpugrad as gg
    >>> from gpugrad.nn.modules.module import register_module_forward_hook
    >>> shapes = []
    >>> with register_module_forward_hook(lambda mod, args, out: shapes.append(tuple(out.shape))):
    ...     _ = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.Linear(3, 1))(gg.ones(4, 2))
    >>> shapes
    [(4, 3), (4, 1), (4, 1)]
    """
    return _add_global("post", hook, with_kwargs, always_call)


def register_module_full_backward_pre_hook(hook):
    """Run ``hook(module, grad_output)`` for every module once the gradients of its outputs are known
    (PyTorch's ``torch.nn.modules.module.register_module_full_backward_pre_hook``), before its own.

    Args:
        hook: the function; it may return new gradients.

    Returns:
        a :class:`RemovableHandle` (see :func:`register_module_forward_pre_hook`).

    >>> import gpugrad as gg
    >>> from gpugrad.nn.modules.module import register_module_full_backward_pre_hook
    >>> m, seen = gg.nn.Linear(2, 1), []
    >>> with register_module_full_backward_pre_hook(lambda mod, gout: seen.append(gout[0].shape)):
    ...     m(gg.ones(3, 2)).sum().backward()
    >>> seen
    [gpugrad.Size([3, 1])]
    """
    return _add_global("backward_pre", hook)


def register_module_full_backward_hook(hook):
    """Run ``hook(module, grad_input, grad_output)`` for every module once the gradients of its inputs are
    known (PyTorch's ``torch.nn.modules.module.register_module_full_backward_hook``), before its own.

    Args:
        hook: the function; it may return new ``grad_input``.

    Returns:
        a :class:`RemovableHandle` (see :func:`register_module_forward_pre_hook`).

    >>> import gpugrad as gg
    >>> from gpugrad.nn.modules.module import register_module_full_backward_hook
    >>> m, seen = gg.nn.Linear(2, 1), []
    >>> with register_module_full_backward_hook(lambda mod, gin, gout: seen.append(gin[0].shape)):
    ...     m(gg.ones(3, 2, requires_grad=True)).sum().backward()
    >>> seen
    [gpugrad.Size([3, 2])]
    """
    return _add_global("backward", hook)


def _add_global(kind, hook, with_kwargs=False, always_call=False):
    handle = _ModuleHooks._add_hook(_GLOBAL, kind, hook, False, with_kwargs, always_call)
    _sync_call()
    return handle
