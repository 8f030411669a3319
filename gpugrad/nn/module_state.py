"""Module state: ``state_dict`` and ``load_state_dict`` (saving and restoring parameters and persistent
buffers by dotted name) and their hooks, as a base class of :class:`gpugrad.nn.Module`.

PyTorch's protocol, so that a module overriding it behaves as there: ``state_dict`` calls each module's
``_save_to_state_dict`` (its own entries) and then its children's, ``load_state_dict`` each module's
``_load_from_state_dict`` with the entries under its prefix. One difference: the default
``_load_from_state_dict`` only checks an entry and queues the copy, and ``load_state_dict`` copies once
every entry has passed, so a failed load writes nothing (PyTorch copies the entries that fit, then raises).
With a load post-hook registered anywhere in the module, each module copies as the walk reaches it, as in
PyTorch (the post-hooks may look at the loaded values).
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from ..backend import device_array, is_device_array, to_device
from ..tensor import Tensor, as_tensor
from .module_hooks import RemovableHandle
from .parameter import Parameter, is_lazy

__all__ = ["IncompatibleKeys"]

_EXTRA_STATE = "_extra_state"         # PyTorch's key of get_extra_state's entry (torch.nn.modules.module)
_PENDING = "_gpugrad_pending_copies"  # local_metadata entry: where _load_from_state_dict queues its copies
_HOOK_KINDS = ("save_pre", "save_post", "load_pre", "load_post")

class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"      # PyTorch's _IncompatibleKeys.__repr__
        return super().__repr__()

    __str__ = __repr__


IncompatibleKeys.__doc__ = """What ``Module.load_state_dict`` returns: the keys the state dict lacked (``missing_keys``) and those
the module does not have (``unexpected_keys``); with ``strict=True`` (the default) either is an error.

>>> import gpugrad as gg
>>> gg.nn.Linear(2, 1).load_state_dict({"weight": gg.zeros(1, 2)}, strict=False)
IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
"""


class _ModuleState:
    """The state dict of :class:`gpugrad.nn.Module` (a private base: Module is the public class)."""

    _version = 1        # PyTorch's class attribute: the state dict format's version, in the hooks' metadata

    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """The module's state to save: parameters and persistent buffers by dotted name. The tensors share
        storage with the module (a later training step changes them): save them with ``gpugrad.save``.

        Args:
            destination: a dict to add the entries to (default: a new OrderedDict).
            prefix: put before every name, as given (``"encoder."``).
            keep_vars: the Parameters themselves, rather than detached tensors.

        Returns:
            an OrderedDict of name -> Tensor.

        >>> import gpugrad as gg
        >>> sd = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.BatchNorm1d(3)).state_dict()
        >>> list(sd)[:3], sd["0.weight"].shape
        (['0.weight', '0.bias', '1.weight'], gpugrad.Size([3, 2]))
        """
        out = OrderedDict() if destination is None else destination
        hooks = self.__dict__.get("_state_hooks")
        if hooks:
            for hook in list(hooks["save_pre"].values()):
                hook(self, prefix, keep_vars)
        self._save_to_state_dict(out, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=out, prefix=f"{prefix}{name}.", keep_vars=keep_vars)
        if hooks:
            for hook_id, hook in list(hooks["save_post"].items()):
                result = hook(self, out, prefix, {"version": self._version})
                if result is None:
                    continue
                if hook_id not in hooks["returns_dict"]:
                    raise RuntimeError("state_dict post-hook must return None")
                out = result                       # (_register_state_dict_hook's: kept at the root only)
        return out

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        # this module's own entries (PyTorch's hook for a module that saves more or otherwise)
        for k, p in self._parameters.items():
            if p is not None:                  # (a lazy layer's UninitializedParameter is saved as itself)
                destination[prefix + k] = p if keep_vars or is_lazy(p) else p.detach()
        for k, b in self._buffers.items():
            if b is not None and k not in self._non_persistent_buffers:
                destination[prefix + k] = b if keep_vars else b.detach()
        if type(self).get_extra_state is not _ModuleState.get_extra_state:
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def get_extra_state(self):
        """State beyond parameters and buffers to save in :meth:`state_dict`, under ``<prefix>_extra_state``:
        a module that has such state overrides this and :meth:`set_extra_state` (the base class has none, and
        its ``state_dict`` no such entry).

        Returns:
            any picklable object (the override's); the base method raises RuntimeError.

        >>> import gpugrad as gg
        >>> class Counter(gg.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.steps = 0
        ...     def get_extra_state(self):
        ...         return {"steps": self.steps}
        ...     def set_extra_state(self, state):
        ...         self.steps = state["steps"]
        >>> a, b = Counter(), Counter()
        >>> a.steps = 7
        >>> dict(a.state_dict())
        {'_extra_state': {'steps': 7}}
        >>> _ = b.load_state_dict(a.state_dict()); b.steps
        7
        """
        raise RuntimeError("Module.get_extra_state was called on a module that does not override it")

    def set_extra_state(self, state) -> None:
        """Take back what :meth:`get_extra_state` saved; :meth:`load_state_dict` calls it with the entry
        ``<prefix>_extra_state`` (see :meth:`get_extra_state` for an example).

        Args:
            state: the saved object.

        Returns:
            None; the base method raises RuntimeError.

        >>> import gpugrad as gg
        >>> gg.nn.Module().set_extra_state({})
        Traceback (most recent call last):
        RuntimeError: Module.set_extra_state was called on a module that does not override it
        """
        raise RuntimeError("Module.set_extra_state was called on a module that does not override it")

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy tensors from ``state_dict`` into this module's parameters and persistent buffers, in place
        (cast to each one's dtype, moved to its device). Nothing is written if any entry does not fit (with a
        load post-hook registered, PyTorch's order instead: what fits is copied, then the error is raised).

        Args:
            state_dict: name -> Tensor or array (NumPy, CuPy, a PyTorch tensor), as :meth:`state_dict` or
                ``gpugrad.load`` returns.
            strict: raise on missing and unexpected keys (mis-shaped entries always raise).
            assign: put the state dict's tensors themselves in the module (their dtype and device; a
                parameter stays a Parameter with its ``requires_grad``) instead of copying into the existing
                ones. An optimizer built on the old parameters no longer sees the module's.

        Returns:
            :class:`IncompatibleKeys` ``(missing_keys, unexpected_keys)``.

        >>> import gpugrad as gg
        >>> a, b = gg.nn.Linear(2, 1), gg.nn.Linear(2, 1)
        >>> b.load_state_dict(a.state_dict())
        <All keys matched successfully>
        >>> bool((a.weight == b.weight).all())
        True
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a dict of name -> Tensor, got {type(state_dict).__name__}")
        metadata = getattr(state_dict, "_metadata", None)
        missing, unexpected, errors = [], [], []
        keys = IncompatibleKeys(missing, unexpected)
        # with a load post-hook anywhere, PyTorch's way: each module copies what fits as the walk reaches it,
        # and its post-hooks run once its children are loaded; else the copies wait until everything fits
        posts = any(m.__dict__.get("_state_hooks") and m._state_hooks["load_post"]
                    for _, m in self.named_modules(remove_duplicate=False))
        pending = None if posts else []
        stack = [(self, OrderedDict(state_dict), "", False)]
        while stack:                               # PyTorch's order: a module, then its children
            m, local, prefix, children_done = stack.pop()
            if children_done:
                for hook in list(m._state_hooks["load_post"].values()):
                    if hook(m, keys) is not None:
                        raise RuntimeError("load_state_dict post-hook must return None: it may change "
                                           "incompatible_keys in place")
                continue
            md = dict(metadata.get(prefix[:-1], {})) if metadata is not None else {}
            if assign:
                md["assign_to_params_buffers"] = True
            if pending is not None:
                md[_PENDING] = pending
            m._load_from_state_dict(local, prefix, md, True, missing, unexpected, errors)
            if posts and m.__dict__.get("_state_hooks") and m._state_hooks["load_post"]:
                stack.append((m, None, prefix, True))
            children = [(c, {k: v for k, v in local.items() if k.startswith(f"{prefix}{n}.")}, f"{prefix}{n}.",
                         False) for n, c in m._modules.items() if c is not None]
            stack.extend(reversed(children))
        if pending and not errors and not (strict and (missing or unexpected)):
            for op in pending:                     # nothing is written unless everything fits
                _write(*op)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
                              + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        # PyTorch's per-module step of load_state_dict (a module that loads otherwise overrides it): checks
        # this module's own entries and queues their copies (see the module docstring)
        hooks = self.__dict__.get("_state_hooks")
        if hooks:
            for hook in list(hooks["load_pre"].values()):
                hook(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        assign = local_metadata.get("assign_to_params_buffers", False)
        pending = local_metadata.get(_PENDING)
        queue = pending.append if pending is not None else (lambda op: _write(*op))
        local = [(k, "param", p) for k, p in self._parameters.items() if p is not None]
        local += [(k, "buffer", b) for k, b in self._buffers.items()
                  if b is not None and k not in self._non_persistent_buffers]
        for name, kind, dst in local:
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            src = state_dict[key]
            if is_lazy(src):
                if not is_lazy(dst):
                    error_msgs.append(f"for {key}: the checkpoint's value is an uninitialized parameter (a lazy "
                                      f"layer that was never called), the one in current model has shape "
                                      f"{tuple(dst.shape)}")
                continue                           # uninitialized into uninitialized: nothing to copy
            arr, why = _checkpoint_array(src)
            if arr is None:
                error_msgs.append(f"for {key}: {why}")
            elif not is_lazy(dst) and tuple(arr.shape) != tuple(dst.shape):   # (a lazy layer takes any shape)
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)} from "
                                  f"checkpoint, the shape in current model is {tuple(dst.shape)}.")
            else:
                queue((self, name, kind, dst, src, arr, assign))
        extra_key = prefix + _EXTRA_STATE
        if type(self).set_extra_state is not _ModuleState.set_extra_state:
            if extra_key in state_dict:
                queue((self, _EXTRA_STATE, "extra", None, state_dict[extra_key], None, assign))
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            own = {name for name, _, _ in local}
            for key in state_dict:
                if key.startswith(prefix) and key != extra_key:
                    head, dot, _ = key[len(prefix):].partition(".")
                    if (dot and head not in self._modules) or (not dot and head not in own):
                        unexpected_keys.append(key)

    # -- hooks --------------------------------------------------------------------------------------------
    def register_state_dict_pre_hook(self, hook):
        """Run ``hook(module, prefix, keep_vars)`` before :meth:`state_dict` collects this module's entries.

        Args:
            hook: the function; its return value is ignored.

        Returns:
            a :class:`~gpugrad.nn.module_hooks.RemovableHandle`.

        >>> import gpugrad as gg
        >>> m, seen = gg.nn.Sequential(gg.nn.Linear(2, 1)), []
        >>> h = m[0].register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(prefix))
        >>> _ = m.state_dict(); seen
        ['0.']
        """
        return self._add_state_hook("save_pre", hook)

    def register_state_dict_post_hook(self, hook):
        """Run ``hook(module, state_dict, prefix, local_metadata)`` once :meth:`state_dict` has collected this
        module's entries and its children's; it may change ``state_dict`` in place (and must return None).

        Args:
            hook: the function.

        Returns:
            a :class:`~gpugrad.nn.module_hooks.RemovableHandle`.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(2, 1)
        >>> h = m.register_state_dict_post_hook(lambda mod, sd, prefix, md: sd.pop(prefix + "bias") and None)
        >>> list(m.state_dict())
        ['weight']
        """
        return self._add_state_hook("save_post", hook)

    def register_load_state_dict_pre_hook(self, hook):
        """Run ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` before :meth:`load_state_dict` reads this module's entries: it may rename or convert
        entries of ``state_dict`` (this module's part of it) in place.

        Args:
            hook: the function; its return value is ignored.

        Returns:
            a :class:`~gpugrad.nn.module_hooks.RemovableHandle`.

        >>> import gpugrad as gg
        >>> def rename(mod, sd, prefix, *rest):
        ...     if prefix + "w" in sd:
        ...         sd[prefix + "weight"] = sd.pop(prefix + "w")
        >>> m = gg.nn.Linear(2, 1)
        >>> h = m.register_load_state_dict_pre_hook(rename)
        >>> m.load_state_dict({"w": gg.zeros(1, 2), "bias": gg.zeros(1)})
        <All keys matched successfully>
        """
        return self._add_state_hook("load_pre", hook)

    def register_load_state_dict_post_hook(self, hook):
        """Run ``hook(module, incompatible_keys)`` after :meth:`load_state_dict` has loaded this module and its
        children: it may clear ``incompatible_keys.missing_keys`` or ``.unexpected_keys`` in place (what
        ``strict=True`` then reports), and must return None.

        Args:
            hook: the function.

        Returns:
            a :class:`~gpugrad.nn.module_hooks.RemovableHandle`.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(2, 1)
        >>> h = m.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
        >>> m.load_state_dict({"weight": gg.zeros(1, 2)})
        <All keys matched successfully>
        """
        return self._add_state_hook("load_post", hook)

    def _register_state_dict_hook(self, hook):
        # PyTorch's private form of register_state_dict_post_hook, which libraries use: the hook may return a
        # new state dict, which state_dict returns when called on this module itself
        handle = self._add_state_hook("save_post", hook)
        self._state_hooks["returns_dict"].add(handle.id)
        return handle

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        # PyTorch's private form of register_load_state_dict_pre_hook: without ``with_module`` the hook is
        # called without the module, as hook(state_dict, prefix, local_metadata, strict, missing_keys, ...)
        return self._add_state_hook("load_pre", hook if with_module else lambda module, *rest: hook(*rest))

    def _add_state_hook(self, kind, hook):
        d = self.__dict__
        hooks = d.get("_state_hooks")
        if hooks is None:
            hooks = d["_state_hooks"] = {k: {} for k in _HOOK_KINDS}
            hooks["returns_dict"] = set()
        handle = RemovableHandle(self, kind, "_state_hooks")
        hooks[kind][handle.id] = hook
        return handle


def _write(module, name, kind, dst, src, arr, assign):
    """One queued copy of ``load_state_dict``: into ``dst`` in place, or (``assign``) the checkpoint's tensor
    (or a Tensor over its array) in ``dst``'s place, a parameter staying a Parameter with ``dst``'s
    ``requires_grad``; the extra state goes to ``set_extra_state``."""
    if kind == "extra":
        module.set_extra_state(src)
    elif assign:
        t = src if isinstance(src, Tensor) else as_tensor(arr)
        if kind == "param":
            if isinstance(t, Parameter):
                t.requires_grad_(dst.requires_grad)
            else:
                t = Parameter(t.detach(), requires_grad=dst.requires_grad)
        setattr(module, name, t)
    else:
        if is_lazy(dst):
            dst.materialize(arr.shape)
        dst._data[...] = to_device(arr, dst.device).astype(dst.dtype, copy=False)
        dst._vc[0] += 1


def _checkpoint_array(src):
    """(array, None) for a state_dict entry: a Tensor, a NumPy or device array (CuPy, a CUDA tensor of
    PyTorch), or a host array of another library (a PyTorch CPU tensor); (None, why) for anything else."""
    if isinstance(src, Tensor):
        return src._data, None
    if isinstance(src, np.ndarray):
        return src, None
    kind = f"{type(src).__module__}.{type(src).__qualname__}"
    try:
        if is_device_array(src):
            return device_array(src), None
        if hasattr(src, "__array__") and hasattr(src, "shape"):
            return np.asarray(src), None
    except (TypeError, ValueError, RuntimeError) as e:
        return None, f"cannot read the {kind} as an array ({e})"
    return None, f"expected a Tensor or an array, got {kind}"

