"""Module state: ``state_dict`` and ``load_state_dict`` (saving and restoring parameters and persistent
buffers by dotted name), as a base class of :class:`gpugrad.nn.Module`."""
from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from ..backend import device_array, is_device_array, to_device
from ..tensor import Tensor
from .parameter import is_lazy

__all__ = ["IncompatibleKeys"]

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
        for mod_name, m in self.named_modules(prefix=prefix.rstrip(".") if prefix else "",
                                              remove_duplicate=False):
            pre = f"{mod_name}." if mod_name else ""
            for k, p in m._parameters.items():
                if p is not None:              # (a lazy layer's UninitializedParameter is saved as itself)
                    out[pre + k] = p if keep_vars or is_lazy(p) else p.detach()
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent_buffers:
                    out[pre + k] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy tensors from ``state_dict`` into this module's parameters and persistent buffers, in place
        (cast to each one's dtype, moved to its device). Nothing is written if any entry does not fit.

        Args:
            state_dict: name -> Tensor or array (NumPy, CuPy, a PyTorch tensor), as :meth:`state_dict` or
                ``gpugrad.load`` returns.
            strict: raise on missing and unexpected keys (mis-shaped entries always raise).

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
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, arrays = [], {}
        for k, dst in own.items():
            if k not in state_dict:
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
            if is_lazy(dst):                    # a lazy layer takes the checkpoint's shape (materialized below)
                arrays[k] = arr
                continue
            if tuple(arr.shape) != tuple(dst.shape):
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
        for k, arr in arrays.items():           # nothing is written unless everything fits
            dst = own[k]
            if is_lazy(dst):
                dst.materialize(arr.shape)
            dst._data[...] = to_device(arr, dst.device).astype(dst.dtype, copy=False)
            dst._vc[0] += 1
        return IncompatibleKeys(missing, unexpected)


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

