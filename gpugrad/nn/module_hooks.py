"""Module hooks: the forward pre-hooks and hooks, and the registration of the full backward hooks (which
:mod:`gpugrad.nn.backward_hooks` wires into the tape), as a base class of :class:`gpugrad.nn.Module`.

A module's hooks live in ``module.__dict__["_forward_hooks"]`` (all four kinds), which exists only while the
module has a hook: ``Module.__call__`` tests for that key and otherwise calls ``forward`` directly.
"""
from __future__ import annotations

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """What ``register_forward_hook`` returns: ``handle.remove()`` unregisters the hook."""

    _next_id = [0]

    def __init__(self, module, kind):
        self.module, self.kind = module, kind
        self.id = RemovableHandle._next_id[0]
        RemovableHandle._next_id[0] += 1

    def remove(self):
        d = self.module.__dict__
        hooks = d.get("_forward_hooks")
        if hooks is None:
            return
        hooks[self.kind].pop(self.id, None)
        if not any(hooks.values()):
            del d["_forward_hooks"]               # back to the hook-free fast path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _ModuleHooks:
    """The hooks of :class:`gpugrad.nn.Module` (a private base: Module is the public class)."""

    def register_forward_pre_hook(self, hook):
        """Run ``hook(module, args)`` before every ``forward`` call.

        Args:
            hook: called with the module and the tuple of positional inputs; may return new inputs (a tuple,
                or a single value), or None to keep them.

        Returns:
            a :class:`RemovableHandle`; its ``remove()`` (or leaving a ``with`` block) takes the hook off.

        >>> import gpugrad as gg
        >>> m = gg.nn.Identity()
        >>> h = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        >>> m(gg.ones(2))
        tensor([2., 2.])
        >>> h.remove()
        """
        return self._add_hook("pre", hook)

    def register_forward_hook(self, hook):
        """Run ``hook(module, args, output)`` after every ``forward`` call (activation statistics, feature
        extraction).

        Args:
            hook: called with the module, the tuple of positional inputs and the output; may return a new
                output, or None to keep it.

        Returns:
            a :class:`RemovableHandle`; its ``remove()`` (or leaving a ``with`` block) takes the hook off.

        >>> import gpugrad as gg
        >>> m, shapes = gg.nn.Linear(3, 2), []
        >>> with m.register_forward_hook(lambda mod, args, out: shapes.append(out.shape)):
        ...     _ = m(gg.ones(4, 3))
        >>> shapes
        [(4, 2)]
        """
        return self._add_hook("post", hook)

    def register_full_backward_hook(self, hook):
        """Run ``hook(module, grad_input, grad_output)`` when the gradients with respect to the module's
        positional tensor inputs are computed (``grad_output``: those of its outputs); it may return new
        ``grad_input``. See :mod:`gpugrad.nn.backward_hooks`.

        Args:
            hook: the function.

        Returns:
            a :class:`RemovableHandle`.

        >>> import gpugrad as gg
        >>> m, seen = gg.nn.Linear(3, 2), []
        >>> h = m.register_full_backward_hook(lambda mod, gin, gout: seen.append(gout[0].shape))
        >>> m(gg.ones(4, 3, requires_grad=True)).sum().backward(); seen
        [(4, 2)]
        """
        return self._add_hook("backward", hook)

    def register_full_backward_pre_hook(self, hook):
        """Run ``hook(module, grad_output)`` when the gradients with respect to the module's outputs are known;
        it may return new ones.

        Args:
            hook: the function.

        Returns:
            a :class:`RemovableHandle`.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(3, 2)
        >>> h = m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 0,))
        >>> m(gg.ones(1, 3)).sum().backward(); m.bias.grad.tolist()
        [0.0, 0.0]
        """
        return self._add_hook("backward_pre", hook)

    def _add_hook(self, kind, hook):
        d = self.__dict__
        hooks = d.setdefault("_forward_hooks", {"pre": {}, "post": {}, "backward": {}, "backward_pre": {}})
        handle = RemovableHandle(self, kind)
        hooks[kind][handle.id] = hook
        return handle

    def _call_with_hooks(self, args, kwargs):
        hooks = self.__dict__["_forward_hooks"]
        for hook in list(hooks["pre"].values()):
            new = hook(self, args)
            if new is not None:
                args = new if isinstance(new, tuple) else (new,)
        if hooks["backward"] or hooks["backward_pre"]:
            from .backward_hooks import call_with_backward_hooks
            out = call_with_backward_hooks(self, lambda *a: self.forward(*a, **kwargs), args, hooks["backward"],
                                           hooks["backward_pre"])
        else:
            out = self.forward(*args, **kwargs)
        for hook in list(hooks["post"].values()):
            new = hook(self, args, out)
            if new is not None:
                out = new
        return out
