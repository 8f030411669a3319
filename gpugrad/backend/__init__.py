"""The one place that says "cpu" or "cuda".

A tensor's device fixes its array module (``xp``): NumPy on the CPU, CuPy on CUDA devices. Op code asks
:func:`xp_of` for the module of its arrays and never imports CuPy itself. CuPy is imported lazily, so the
CPU path works on machines where it is not installed.

A third device type, ``'strict'`` (``'strict:N'``), exists for the tests only: its arrays are NumPy arrays
behind a wrapper that refuses the ``numpy`` module, host arrays and silent host copies, as a GPU would (see
:mod:`gpugrad.backend.strict`). Running the op tests on it proves on a CPU-only machine that op code is
written against ``xp`` and never synchronises where it should not.
"""
from __future__ import annotations

import contextlib

import numpy as np

from .rng import generator, manual_seed, cpu_generator
from . import strict as _strict
from .strict import StrictArray as _StrictArray

__all__ = ["Device", "device", "cpu", "xp_of", "device_of", "to_device", "module_for", "device_context",
           "is_device_array", "device_array", "cupy_or_none", "cuda_available", "default_device", "set_default_device",
           "scatter_add", "scatter_reduce", "generator", "manual_seed", "cpu_generator"]

_TYPES = ("cpu", "cuda", "strict")


class Device:
    """A device: ``'cpu'``, ``'cuda'`` or ``'cuda:N'`` (and ``'strict[:N]'`` in tests). Compares equal to its
    string form.

    Args:
        type: ``'cpu'`` or ``'cuda'``.
        index: the CUDA ordinal (None: the current device).

    >>> import gpugrad as gg
    >>> d = gg.device("cuda:1")
    >>> d.type, d.index, str(d)
    ('cuda', 1, 'cuda:1')
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str, index: int | None = None):
        self.type = type
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, Device):
            return NotImplemented
        if self.type != other.type:
            return False
        return self.type == "cpu" or (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, 0 if self.type == "cpu" else self.index or 0))

    def __str__(self):
        return self.type if self.index is None or self.type == "cpu" else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"

    def __enter__(self):
        """``with gg.device("cuda"):`` makes this the default device of factories inside the block (as a torch
        device used as a context manager); the previous default comes back at the end.

        >>> import gpugrad as gg
        >>> with gg.device("cpu"):
        ...     gg.nn.Linear(2, 2).weight.device
        device(type='cpu')
        """
        _entered.append(_default[0])
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        _default[0] = _entered.pop()
        return False


_entered: list = []      # the defaults that ``with device:`` blocks replaced, innermost last
cpu = Device("cpu")
_INDEXED: dict[tuple, Device] = {}


def device(spec) -> Device:
    """Parse ``'cpu'``, ``'cuda'``, ``'cuda:1'``, an int (a CUDA ordinal) or a :class:`Device`.

    Args:
        spec: a string, an int or a Device.

    Returns:
        A :class:`Device`.

    >>> import gpugrad as gg
    >>> gg.device("cpu"), gg.device(0)
    (device(type='cpu'), device(type='cuda', index=0))
    """
    if isinstance(spec, Device):
        return spec
    if spec is None:
        return _default[0]
    if isinstance(spec, int) and not isinstance(spec, bool):
        return _indexed("cuda", spec)
    if isinstance(spec, str):
        s = spec.strip().lower()
        if s == "cpu":
            return cpu
        if s == "cuda":
            return _indexed("cuda", _current_cuda_ordinal())
        if s == "strict":
            return _indexed("strict", 0)
        kind, _, idx = s.partition(":")
        if kind in ("cuda", "strict") and idx.isdigit():
            return _indexed(kind, int(idx))
    raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {spec!r}")


def _indexed(kind: str, i: int) -> Device:
    d = _INDEXED.get((kind, i))
    if d is None:
        d = _INDEXED[(kind, i)] = Device(kind, i)
    return d


def _current_cuda_ordinal() -> int:
    cp = cupy_or_none()
    if cp is None:
        return 0
    return cp.cuda.runtime.getDevice()


# -- CuPy, probed once ----------------------------------------------------------------------------------------
_cupy = []  # [module or None] once probed
_cuda_count = [0]   # devices visible to this process (CUDA_VISIBLE_DEVICES is read once, at CUDA's start)


def cupy_or_none():
    """CuPy if it imports and a CUDA device answers, else None (probed once).

    "Answers" means the runtime reports at least one device and the first one can be opened (its compute
    capability read): an installed CuPy with no driver, or a driver with no visible GPU, counts as no GPU."""
    if not _cupy:
        try:
            import cupy
            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError("no CUDA device")
            cupy.cuda.Device(0).compute_capability
        except Exception:  # ImportError, CUDARuntimeError, missing driver: all mean "no GPU here"
            _cupy.append(None)
        else:
            _cupy.append(cupy)
            _cuda_count[0] = cupy.cuda.runtime.getDeviceCount()
            from . import cuda_state
            cuda_state.on_cuda_ready(cupy)
    return _cupy[0]


def cuda_available() -> bool:
    return cupy_or_none() is not None


# -- arrays and their devices -----------------------------------------------------------------------------------
def xp_of(arr):
    """The array module (numpy or cupy, or the strict test namespace) that owns ``arr``."""
    if type(arr) is np.ndarray or isinstance(arr, (np.ndarray, np.generic)):
        return np
    if type(arr) is _StrictArray:
        return _strict.namespace
    cp = cupy_or_none()
    if cp is not None and isinstance(arr, cp.ndarray):
        return cp
    return np


def device_of(arr) -> Device:
    if isinstance(arr, (np.ndarray, np.generic)):
        return cpu
    if type(arr) is _StrictArray:
        return _indexed("strict", arr.device.id)
    return _indexed("cuda", arr.device.id)


def is_device_array(obj) -> bool:
    """True for arrays that live on an accelerator: CuPy's, anything exposing ``__cuda_array_interface__``
    (Numba, PyTorch CUDA tensors), and the strict test device's."""
    return type(obj) is _StrictArray or hasattr(obj, "__cuda_array_interface__")


def module_for(dev: Device):
    """The array module serving ``dev``; a clear error when CUDA is asked for but absent."""
    if dev.type == "cpu":
        return np
    if dev.type == "strict":
        return _strict.namespace
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError(f"device {dev}: CUDA is not available (CuPy is not installed or no GPU answered); "
                           "install gpugrad[cuda12] or gpugrad[cuda13] on a machine with an NVIDIA GPU")
    n = _cuda_count[0]
    if (dev.index or 0) >= n:
        raise RuntimeError(f"device {dev}: invalid device ordinal, this machine has {n} CUDA device(s)")
    return cp


_no_context = contextlib.nullcontext()


def device_context(dev: Device):
    """A context in which new arrays of ``dev``'s module are created on ``dev`` (``with
    cupy.cuda.Device(n)`` for CUDA; nothing to do on the CPU)."""
    if dev.type == "cpu":
        return _no_context
    if dev.type == "strict":
        return _strict.StrictDevice(dev.index or 0)
    return module_for(dev).cuda.Device(dev.index or 0)


def to_device(arr, dev: Device):
    """Move (or keep) ``arr`` on ``dev``; no copy when it is already there. CPU to GPU copies the host data;
    GPU to GPU copies device to device (peer to peer where the GPUs allow it)."""
    src = device_of(arr)
    if src == dev:
        return arr
    if dev.type == "cpu":
        return arr.get()                      # CuPy and strict arrays: an explicit device-to-host copy
    if dev.type == "strict":
        host = arr if src.type == "cpu" else arr.get()
        return _StrictArray(np.array(host, copy=True), _strict.StrictDevice(dev.index or 0))
    cp = module_for(dev)
    if src.type == "cuda":
        return _cuda_peer_copy(cp, arr, dev.index or 0)
    host = arr if src.type == "cpu" else arr.get()
    with cp.cuda.Device(dev.index or 0):
        return cp.asarray(host)


def _cuda_peer_copy(cp, arr, index):
    """Copy a CuPy array to GPU ``index``: a contiguous buffer on the target, filled by one cudaMemcpy that
    unified addressing routes between the two devices."""
    with arr.device:
        src = cp.ascontiguousarray(arr)
    with cp.cuda.Device(index):
        out = cp.empty(src.shape, src.dtype)
        if src.nbytes:
            out.data.copy_from_device(src.data, src.nbytes)
    return out


def device_array(obj, copy=False):
    """A device array of any producer as an array gpugrad can hold: CuPy and strict arrays as they are (or a
    copy on their device), other ``__cuda_array_interface__`` objects (Numba arrays, PyTorch CUDA tensors)
    wrapped by CuPy without a copy (or copied on their device)."""
    if type(obj) is _StrictArray:
        return obj.copy() if copy else obj
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError(f"{type(obj).__name__} lives on a GPU but CUDA is not available here")
    if isinstance(obj, cp.ndarray):
        dev = obj.device
    else:
        dev = cp.cuda.Device(cp.cuda.runtime.pointerGetAttributes(obj.__cuda_array_interface__["data"][0]).device)
    with dev:
        return cp.array(obj, copy=True) if copy else cp.asarray(obj)


_default = [cpu]


def default_device() -> Device:
    """The device factories use when ``device=`` is not given (see :func:`set_default_device`).

    Returns:
        A :class:`Device`.

    >>> import gpugrad as gg
    >>> gg.default_device()
    device(type='cpu')
    """
    return _default[0]


_parse = device          # set_default_device's parameter is named device, as PyTorch's


def set_default_device(device) -> None:
    """Set the device that factories use when ``device=`` is not given (like ``torch.set_default_device``).

    Args:
        device: a device spec (see :func:`device`), or None for the CPU.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.set_default_device("cpu")
    >>> gg.zeros(1).device
    device(type='cpu')
    """
    d = _parse(device)              # the parameter shadows this module's device()
    module_for(d)
    _default[0] = d


def scatter_add(xp, target, index, values):
    """``target[index] += values`` with repeated indices summed (unbuffered), on NumPy and CuPy: ``add.at``.

    CuPy's ``add.at`` adds with CUDA's atomicAdd, so it takes floats, int32, uint32 and uint64 targets only.
    An int64 target is added as uint64 (two's complement: the same bits, the same wrap-around as NumPy); other
    integer and bool targets through an int64 copy, cast back (NumPy's wrap-around and bool's logical or)."""
    if xp is np or target.dtype.kind not in "biu" or target.dtype.char in "iIQL":     # (strict: as CuPy)
        xp.add.at(target, index, values)
    elif target.dtype == np.int64:
        xp.add.at(target.view(np.uint64), index, xp.asarray(values, dtype=np.int64).view(np.uint64))
    else:
        wide = target.astype(np.int64)
        scatter_add(xp, wide, index, values)
        target[...] = wide.astype(target.dtype)
    return target


# ufunc.at per reduction; CuPy runs add/maximum/minimum.at with CUDA atomics (for the dtypes below) and has no
# multiply.at: a product on a device goes through _segment_prod
_AT = {"sum": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}
_ATOMIC_MAXMIN = "fdiIQL"


def scatter_reduce(xp, target, index, values, reduce):
    """``target[index] = reduce(target[index], values)``, unbuffered (repeated indices all take part), on NumPy
    and CuPy; ``reduce`` is ``"sum"``, ``"prod"``, ``"amax"`` or ``"amin"`` (NaN propagates through the last
    two, as in PyTorch). ``index`` is an advanced-index tuple, ``values`` broadcasts to its shape.

    On NumPy: ``add.at``/``multiply.at``/``maximum.at``/``minimum.at``. On a device: the sum as
    :func:`scatter_add`; max and min with CuPy's atomics, an int64 target through uint64 with the sign bit
    flipped (the same order), smaller integers, bools and float16 through a wider copy; the product (which CuPy
    has no ``multiply.at`` for) by a segmented scan, :func:`_segment_prod`."""
    if reduce == "sum":
        return scatter_add(xp, target, index, values)
    if xp is np:
        getattr(np, _AT[reduce]).at(target, index, values)
    elif reduce == "prod":
        _segment_prod(xp, target, index, values)
    elif target.dtype.char in _ATOMIC_MAXMIN:
        getattr(xp, _AT[reduce]).at(target, index, values)
    elif target.dtype == np.int64:
        flip = np.uint64(1 << 63)       # x -> x ^ 2**63 maps int64's order onto uint64's
        u = target.view(np.uint64) ^ flip
        getattr(xp, _AT[reduce]).at(u, index, xp.asarray(values, dtype=np.int64).view(np.uint64) ^ flip)
        target[...] = (u ^ flip).view(np.int64)
    else:
        wide = target.astype(np.float32 if target.dtype.kind == "f" else np.int32)    # exact for these dtypes
        getattr(xp, _AT[reduce]).at(wide, index, xp.asarray(values).astype(wide.dtype))
        target[...] = wide.astype(target.dtype)
    return target


def _segment_prod(xp, target, index, values):
    """``multiply.at`` without it: sort the values by target position, take the product of each run of equal
    positions by a doubling (Hillis-Steele) segmented scan, log2(n) passes of O(n), then multiply each position
    by the last product of its run. No host synchronisation."""
    shape = np.broadcast_shapes(*(getattr(i, "shape", ()) for i in index))
    flat = xp.zeros(shape, np.int64)
    stride = 1
    for i, n in zip(reversed(index), reversed(target.shape)):       # the row-major position of each value
        flat = flat + xp.asarray(i, dtype=np.int64) * stride
        stride *= n
    flat = flat.reshape(-1)
    order = xp.argsort(flat, kind="stable")
    pos = flat[order]
    v = xp.broadcast_to(xp.asarray(values, dtype=target.dtype), shape).reshape(-1)[order]
    step, n = 1, pos.size
    while step < n:
        same = pos[step:] == pos[:-step]
        v[step:] = xp.where(same, v[step:] * v[:-step], v[step:])   # (the right side is read before the write)
        step *= 2
    last = xp.concatenate([pos[1:] != pos[:-1], xp.ones(min(n, 1), bool)])
    # each position's product lands once, in its own slot; the other elements of a run write to a spare slot
    prods = xp.ones(target.size + 1, target.dtype)
    prods[xp.where(last, pos, target.size)] = v
    target *= prods[:-1].reshape(target.shape)
    return target
