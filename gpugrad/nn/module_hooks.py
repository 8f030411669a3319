"""Module hooks: the forward pre-hooks and hooks, and the registration of the full backward hooks (which
:mod:`gpugrad.nn.backward_hooks` wires into the tape), as a base class of :class:`gpugrad.nn.Module`.

A module's hooks live in ``module.__dict__["_forward_hooks"]`` (all four kinds), which exists only while the
module has a hook: ``Module.__call__`` tests for that key and otherwise calls ``forward`` directly. Its
entries: one dict ``id -> hook`` per kind (in calling order) and the sets of ids registered ``with_kwargs``
or ``always_call``.
"""
from __future__ import annotations

import warnings

_KINDS = ("pre", "post", "backward", "backward_pre")
__all__ = ["RemovableHandle"]


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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _ModuleHooks:
    """The hooks of :class:`gpugrad.nn.Module` (a private base: Module is the public class)."""

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
        [(4, 2)]
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
        [(4, 2)]
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
        # PyTorch's Module._call_impl, less its global hooks and tracing
        hooks = self.__dict__["_forward_hooks"]
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
