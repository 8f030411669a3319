"""Random number generators, one per device, all seeded by :func:`manual_seed` (as ``torch.manual_seed``).

The CPU draws from a NumPy ``Generator`` (PCG64). Each CUDA device draws from its own
``cupy.random.RandomState`` (cuRAND XORWOW), created on that device the first time it is asked for, with
the last seed given: the same seed reproduces the same numbers on the same device, but CPU and GPU streams
differ (as in PyTorch). The strict test device draws from a NumPy generator with the same seed, so its
numbers equal the CPU's. Every generator answers the NumPy ``Generator`` calls gpugrad uses:
``random(shape, dtype)``, ``standard_normal(shape, dtype)``, ``integers(low, high, size, dtype)`` and
``permutation(n)``, and returns arrays on its device.
"""
from __future__ import annotations

import numpy as np

_seed = [None]                     # None: fresh entropy from the OS, until manual_seed is called
_cpu = [np.random.default_rng()]
_per_device: dict = {}             # Device -> generator, created lazily


def manual_seed(seed: int) -> int:
    """Seed the CPU generator and (lazily, on first use) every device's generator."""
    seed = int(seed)
    _seed[0] = seed
    _cpu[0] = np.random.default_rng(seed)
    _per_device.clear()            # each device's generator is re-created from the new seed when next used
    return seed


def cpu_generator() -> np.random.Generator:
    return _cpu[0]


def generator(dev):
    """The generator that draws random arrays on ``dev`` (a :class:`gpugrad.backend.Device`)."""
    if dev.type == "cpu":
        return _cpu[0]
    g = _per_device.get(dev)
    if g is None:
        g = _per_device[dev] = _CupyGenerator(dev.index or 0) if dev.type == "cuda" else _StrictGenerator(dev)
    return g


class _CupyGenerator:
    """A CUDA device's ``cupy.random.RandomState``, behind the NumPy ``Generator`` method names; every call
    runs with its device current, so the arrays land there."""

    def __init__(self, index: int):
        from . import cupy_or_none
        self.cp = cp = cupy_or_none()
        self.device = cp.cuda.Device(index)
        with self.device:
            self.state = cp.random.RandomState(_seed[0])

    def random(self, size, dtype=np.float64):
        with self.device:
            return self.state.random_sample(size, dtype=dtype)

    def standard_normal(self, size, dtype=np.float64):
        with self.device:
            return self.state.standard_normal(size, dtype=dtype)

    def integers(self, low, high=None, size=None, dtype=np.int64):
        with self.device:
            return self.state.randint(low, high, size=size, dtype=dtype)

    def permutation(self, n):
        with self.device:
            return self.state.permutation(n)


class _StrictGenerator:
    """NumPy's generator, seeded like the CPU's, returning arrays of the strict test device."""

    def __init__(self, dev):
        from .strict import StrictDevice
        self.g = np.random.default_rng(_seed[0])
        self.dev = StrictDevice(dev.index or 0)

    def __getattr__(self, name):
        from .strict import wrap
        f = getattr(self.g, name)
        return lambda *args, **kwargs: wrap(f(*args, **kwargs), self.dev)
