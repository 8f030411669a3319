"""Module state: ``state_dict`` and ``load_state_dict`` (saving and restoring parameters and persistent
buffers by dotted name), as a base class of :class:`gpugrad.nn.Module`."""
from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from ..backend import device_array, is_device_array, to_device
from ..tensor import Tensor, as_tensor
from .parameter import Parameter, is_lazy

__all__ = ["IncompatibleKeys"]

_EXTRA_STATE = "_extra_state"         # PyTorch's key of get_extra_state's entry (torch.nn.modules.module)

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = """What ``Module.load_state_dict`` returns: the keys the state dict lacked (``missing_keys``) and those
the module does not have (``unexpected_keys``); with ``strict=True`` (the default) either is an error.

>>> import gpugrad as gg
>>> gg.nn.Linear(2, 1).load_state_dict({"weight": gg.zeros(1, 2)}, strict=False)
IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
"""


class _ModuleState:
    """The state dict of :class:`gpugrad.nn.Module` (a private base: Module is the public class)."""

    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """The module's state to save: parameters and persistent buffers by dotted name. The tensors share
        storage with the module (a later training step changes them): save them with ``gpugrad.save``.

        Args:
            destination: a dict to add the entries to (default: a new OrderedDict).
            prefix: put before every name.
            keep_vars: the Parameters themselves, rather than detached tensors.

        Returns:
            an OrderedDict of name -> Tensor.

        >>> import gpugrad as gg
        >>> sd = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.BatchNorm1d(3)).state_dict()
        >>> list(sd)[:3], sd["0.weight"].shape
        (['0.weight', '0.bias', '1.weight'], (3, 2))
        """
        out = OrderedDict() if destination is None else destination
        for key, m, name, kind, v in self._state_items(prefix):
            if kind == "extra":
                out[key] = m.get_extra_state()
            else:                              # (a lazy layer's UninitializedParameter is saved as itself)
                out[key] = v if keep_vars or is_lazy(v) else v.detach()
        return out

    def _state_items(self, prefix=""):
        """``(key, module, name, kind, tensor)`` of every state dict entry, in PyTorch's order: per module its
        parameters, persistent buffers and extra state (kind "extra", tensor None), then its children's."""
        for mod_name, m in self.named_modules(prefix=prefix.rstrip(".") if prefix else "", remove_duplicate=False):
            pre = f"{mod_name}." if mod_name else ""
            for k, p in m._parameters.items():
                if p is not None:
                    yield pre + k, m, k, "param", p
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent_buffers:
                    yield pre + k, m, k, "buffer", b
            if type(m).get_extra_state is not _ModuleState.get_extra_state:
                yield pre + _EXTRA_STATE, m, _EXTRA_STATE, "extra", None

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
        (cast to each one's dtype, moved to its device). Nothing is written if any entry does not fit.

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
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> bool((a.weight == b.weight).all())
        True
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a dict of name -> Tensor, got {type(state_dict).__name__}")
        own = {key: (m, name, kind, dst) for key, m, name, kind, dst in self._state_items()}
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, arrays = [], {}
        for k, (_, _, kind, dst) in own.items():
            if k not in state_dict or kind == "extra":
                continue
            if is_lazy(state_dict[k]):
                if not is_lazy(dst):
                    errors.append(f"for {k}: the checkpoint's value is an uninitialized parameter (a lazy layer "
                                  f"that was never called), the one in current model has shape {tuple(dst.shape)}")
                continue                        # uninitialized into uninitialized: nothing to copy
            arr, why = _checkpoint_array(state_dict[k])
            if arr is None:
                errors.append(f"for {k}: {why}")
                continue
            if not is_lazy(dst) and tuple(arr.shape) != tuple(dst.shape):   # (a lazy layer takes any shape)
                errors.append(f"size mismatch for {k}: copying a param with shape {tuple(arr.shape)} from "
                              f"checkpoint, the shape in current model is {tuple(dst.shape)}.")
            arrays[k] = arr
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
                              + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for k, (m, name, kind, dst) in own.items():     # nothing is written unless everything fits
            if kind == "extra":
                if k in state_dict:
                    m.set_extra_state(state_dict[k])
            elif k not in arrays:
                continue
            elif assign:
                _assign(m, name, kind, dst, state_dict[k], arrays[k])
            else:
                arr = arrays[k]
                if is_lazy(dst):
                    dst.materialize(arr.shape)
                dst._data[...] = to_device(arr, dst.device).astype(dst.dtype, copy=False)
                dst._vc[0] += 1
        return IncompatibleKeys(missing, unexpected)


def _assign(module, name, kind, dst, src, arr):
    """``load_state_dict(assign=True)`` of one entry: the checkpoint's tensor (or a Tensor over its array)
    takes ``dst``'s place in ``module``; a parameter stays a Parameter with ``dst``'s ``requires_grad``."""
    t = src if isinstance(src, Tensor) else as_tensor(arr)
    if kind == "param":
        if isinstance(t, Parameter):
            t.requires_grad_(dst.requires_grad)
        else:
            t = Parameter(t.detach(), requires_grad=dst.requires_grad)
    setattr(module, name, t)


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

