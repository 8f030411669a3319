"""Module storage: moving and casting a module's parameters and buffers in place (``to``, ``type``,
``bfloat16``, ``to_empty``, ``share_memory``), as a base class of :class:`gpugrad.nn.Module`.

In place means the same Parameter objects get new arrays: an optimizer built on them keeps working. (A
parameter that was a view into a flat optimizer buffer then has storage of its own.)
"""
from __future__ import annotations

from .. import _dtype
from .._formats import check_memory_format
from ..backend import Device, device as _parse_device, device_context, module_for, to_device
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, legacy_type_device, legacy_type_dtype


class _ModuleMove:
    """The storage moves of :class:`gpugrad.nn.Module` (a private base: Module is the public class)."""

    def to(self, *args, device=None, dtype=None, non_blocking: bool = False, memory_format=None):
        """Move and/or cast the parameters and buffers IN PLACE: the same Parameter objects (an optimizer
        built on them keeps working) get new storage. ``to(device)``, ``to(dtype)``, ``to(device, dtype)``
        or ``to(tensor)``; a dtype applies to floating point tensors only, as in PyTorch.

        Args:
            *args: a device (``"cuda"``, ``"cpu"``, an index, a :class:`gpugrad.Device`), a floating point
                dtype, or a tensor whose device and dtype to take.
            device: the device, by keyword.
            dtype: the dtype, by keyword.
            non_blocking: accepted for PyTorch's sake; the copies are synchronous.
            memory_format: None, ``preserve_format`` or ``contiguous_format`` (``channels_last`` raises).

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(2, 1)
        >>> w = m.weight
        >>> m.to(gg.float64).weight is w, w.dtype
        (True, gpugrad.float64)
        """
        check_memory_format("Module.to", memory_format)
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (str, int, Device)) and not isinstance(a, bool) and _names_device(a):
                device = a
            else:
                dtype = a
        dev = _parse_device(device) if device is not None else None
        dt = _dtype.as_dtype(dtype) if dtype is not None else None
        if dt is not None and not _dtype.is_float(dt):
            raise TypeError(f"Module.to: only floating point dtypes are accepted, got {dt}")
        for t in self._own_tensors():
            _move_in_place(t, dev, dt)
        return self

    def type(self, dst_type):
        """Cast every parameter and buffer, integer ones too (unlike :meth:`to`), to ``dst_type``, in place.

        Args:
            dst_type: a dtype, a legacy tensor type (``gpugrad.DoubleTensor``) or its name
                (``"torch.DoubleTensor"``).

        Returns:
            ``self``. A parameter that requires grad cannot take an integer dtype (RuntimeError, nothing cast).

        >>> import gpugrad as gg
        >>> bn = gg.nn.BatchNorm1d(2).type(gg.float64)
        >>> bn.weight.dtype, bn.num_batches_tracked.dtype
        (gpugrad.float64, gpugrad.float64)
        """
        dt = _dtype.as_dtype(legacy_type_dtype(dst_type))
        tensors = self._own_tensors()
        if not _dtype.is_float(dt) and any(t.requires_grad for t in tensors):
            raise RuntimeError(f"Module.type: a parameter that requires gradients must stay floating point, "
                               f"got dtype {dt}")
        where = legacy_type_device(dst_type)     # gpugrad.cuda.FloatTensor (or its name) also moves to the GPU
        dev = None if where is None else _parse_device(where)
        for t in tensors:
            _move_in_place(t, None if dev is None or (dev.type == "cuda") == (t.device.type == "cuda") else dev, dt,
                           floats_only=False)
        return self

    def bfloat16(self):
        """Cast the floating point parameters and buffers to bfloat16, in place (``self.to(gpugrad.bfloat16)``);
        bfloat16 in NumPy needs the optional ml_dtypes package: without it, a RuntimeError says so.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> gg.nn.Linear(2, 1).bfloat16().weight.dtype
        gpugrad.bfloat16
        """
        try:
            import ml_dtypes
        except ImportError:
            raise RuntimeError("Module.bfloat16() needs the ml_dtypes package, which gives NumPy its bfloat16 "
                               "type (pip install ml_dtypes)") from None
        return self.to(ml_dtypes.bfloat16)

    def to_empty(self, *, device, recurse: bool = True):
        """Give every parameter and buffer new, uninitialized storage on ``device`` (same shapes and dtypes,
        values not copied), in place: the step after building a model whose values are about to be loaded
        or initialized.

        Args:
            device: where the new storage lives (None: the default device).
            recurse: also the descendants' parameters and buffers (default), or only this module's own.

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> m = gg.nn.Linear(2, 3)
        >>> w = m.weight
        >>> m.to_empty(device="cpu").weight is w, w.shape
        (True, gpugrad.Size([3, 2]))
        """
        dev = _parse_device(device)
        xp = module_for(dev)
        for t in self._own_tensors(recurse):
            for u in (t, t.grad) if t.grad is not None else (t,):
                with device_context(dev):
                    u._data = xp.empty(u._data.shape, u._data.dtype)
                u._grad_buffer = None
        return self

    def share_memory(self):
        """Move every parameter and buffer into shared memory (:meth:`gpugrad.Tensor.share_memory_`), so that
        processes forked afterwards see the same storage.

        Returns:
            This module.

        >>> import gpugrad as gg
        >>> net = gg.nn.Linear(2, 1).share_memory()
        >>> net.weight.is_shared()
        True
        """
        for t in self._own_tensors():
            t.share_memory_()
        return self

    def _apply(self, fn, recurse=True):
        # PyTorch's hook for a conversion of every tensor (``fn``: Tensor -> Tensor), children first: a
        # parameter (and its grad) keeps its object and takes the result's storage; a buffer is replaced
        if recurse:
            for child in self.children():
                child._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is not None:
                    for t in (p, p.grad) if p.grad is not None else (p,):
                        new = fn(t)
                        if new._data is not t._data:
                            t._data = new._data
                            t._grad_buffer = None
            for key, b in self._buffers.items():
                if b is not None:
                    self._buffers[key] = fn(b)
        return self

    def _own_tensors(self, recurse=True):
        return list(self.parameters(recurse)) + list(self.buffers(recurse))


def _names_device(spec) -> bool:
    """Whether ``spec`` ('cpu', 'cuda:1', 0, a Device) names a device rather than a dtype ('float64')."""
    try:
        _parse_device(spec)
        return True
    except ValueError:
        return False


def _move_in_place(t: Tensor, dev, dt, floats_only=True) -> None:
    """Replace t's storage by a copy on ``dev`` / in ``dt``, keeping the Tensor object (and its .grad's).
    ``floats_only``: cast floating point storage only (``to``); else any (``type``)."""
    arr = t._data
    changed = False
    if dt is not None and arr.dtype != dt and (_dtype.is_float(arr.dtype) or not floats_only):
        arr = arr.astype(dt)
        changed = True
    if dev is not None and t.device != dev:
        arr = to_device(arr, dev)
        changed = True
    if not changed:
        return
    t._data = arr
    t._grad_buffer = None            # a flat gradient buffer on the old device/dtype can't receive grads
    g = t.grad
    if g is not None:
        _move_in_place(g, dev, dt, floats_only)
