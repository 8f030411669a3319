"""Random-number state, as ``torch.random``: seed every generator, save and restore the CPU generator's
state, and fork the generators for a block of code.

States are uint8 tensors (PyTorch's ByteTensor convention): 40 bytes for the CPU's NumPy PCG64 generator,
16 bytes (seed, draws so far) for a CUDA device's (see :mod:`gpugrad.cuda`). They restore the generators of
this library only; a PyTorch state cannot be given to gpugrad nor the other way round.

>>> import gpugrad as gg
>>> s = gg.get_rng_state()
>>> a = gg.rand(3)
>>> gg.set_rng_state(s)
>>> bool((gg.rand(3) == a).all())
True
"""
from __future__ import annotations

import contextlib

import numpy as np

from . import backend as _backend
from .backend import rng as _rng

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng"]


def manual_seed(seed: int) -> int:
    """Seed the CPU generator and every device's with ``seed`` (as ``torch.manual_seed``); returns it.

    >>> import gpugrad as gg
    >>> gg.random.manual_seed(0)
    0
    """
    return _rng.manual_seed(seed)


def seed() -> int:
    """Seed every generator from fresh OS entropy; return the seed chosen (as ``torch.seed``).

    >>> import gpugrad as gg
    >>> s = gg.random.seed()
    >>> gg.random.initial_seed() == s
    True
    """
    s = int(np.random.SeedSequence().entropy % 2**63)
    _rng.manual_seed(s)
    return s


def initial_seed():
    """The seed last given to :func:`manual_seed` or :func:`seed` (None if neither was called).

    Returns:
        An int, or None.

    >>> import gpugrad as gg
    >>> _ = gg.manual_seed(3)
    >>> gg.random.initial_seed()
    3
    """
    return _rng.initial_seed()


def get_rng_state():
    """The CPU generator's state as a uint8 tensor (40 bytes), for :func:`set_rng_state`.

    Returns:
        A uint8 Tensor of 40 bytes.

    >>> import gpugrad as gg
    >>> gg.get_rng_state().shape
    gpugrad.Size([40])
    """
    from .tensor import Tensor
    return Tensor._make(_rng.get_state(_backend.cpu), None, False)


def set_rng_state(new_state) -> None:
    """Restore the CPU generator from ``new_state`` (a :func:`get_rng_state` uint8 tensor of 40 bytes).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> s = gg.get_rng_state()
    >>> a = gg.rand(2)
    >>> gg.set_rng_state(s)
    >>> bool((gg.rand(2) == a).all())
    True
    """
    _rng.set_state(_backend.cpu, new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Save the CPU generator and the generators of ``devices`` (CUDA indices; default: every visible CUDA
    device) and restore them when the block ends, as ``torch.random.fork_rng``: random numbers drawn inside
    do not change what is drawn after it. ``enabled=False`` makes it a no-op; ``device_type`` is "cuda" (the
    only accelerator kind here) or "cpu" (no device generators).

    Returns:
        A context manager (yields nothing).

    >>> import gpugrad as gg
    >>> _ = gg.manual_seed(0)
    >>> with gg.random.fork_rng():
    ...     _ = gg.rand(5)
    >>> after = gg.rand(2).tolist()
    >>> _ = gg.manual_seed(0)
    >>> gg.rand(2).tolist() == after
    True
    """
    if not enabled:
        yield
        return
    if device_type not in ("cuda", "cpu"):
        raise ValueError(f"{_caller}: device_type must be 'cuda' (or 'cpu'), got {device_type!r}")
    from . import cuda
    if devices is None:
        devices = range(cuda.device_count()) if device_type == "cuda" else []
    devices = [int(d) for d in devices]
    cpu_state = get_rng_state()
    gpu_states = [cuda.get_rng_state(d) for d in devices]
    try:
        yield
    finally:
        set_rng_state(cpu_state)
        for d, st in zip(devices, gpu_states):
            cuda.set_rng_state(st, d)
