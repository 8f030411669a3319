"""Random number generators, one per device, all seeded by :func:`manual_seed` (as ``torch.manual_seed``).

The CPU draws from a NumPy ``Generator`` (PCG64). Each CUDA device draws from its own
``cupy.random.RandomState`` (cuRAND XORWOW), created on that device the first time it is asked for, with
the last seed given: the same seed reproduces the same numbers on the same device, but CPU and GPU streams
differ (as in PyTorch). The strict test device draws from a NumPy generator with the same seed, so its
numbers equal the CPU's. Every generator answers the NumPy ``Generator`` calls gpugrad uses:
``random(shape, dtype)``, ``standard_normal(shape, dtype)``, ``integers(low, high, size, dtype)``,
``permutation(n)`` and ``poisson(lam)`` (an array of rates on its device), and returns arrays on its device.
"""
from __future__ import annotations

import numpy as np

_seed = [None]                     # None: fresh entropy from the OS, until manual_seed is called
_cpu = [np.random.default_rng()]
_per_device: dict = {}             # Device -> generator, created lazily
#: a message while random draws are forbidden (``torch.func.vmap(..., randomness="error")``), else None
forbid = [None]


def manual_seed(seed: int) -> int:
    """Seed the CPU generator and (lazily, on first use) every device's generator."""
    seed = int(seed)
    _seed[0] = seed
    _cpu[0] = np.random.default_rng(seed)
    _per_device.clear()            # each device's generator is re-created from the new seed when next used
    return seed


def cpu_generator() -> np.random.Generator:
    if forbid[0] is not None:
        raise RuntimeError(forbid[0])
    return _cpu[0]


def initial_seed():
    """The last seed given to :func:`manual_seed` (None before any)."""
    return _seed[0]


# -- states as uint8 arrays (PyTorch's ByteTensor convention) ----------------------------------------------
# A NumPy PCG64 state: 128-bit state and increment, the has_uint32 flag and the buffered uint32: 40 bytes.
def numpy_state_bytes(g: np.random.Generator) -> np.ndarray:
    """The state of a NumPy ``Generator`` (PCG64) as 40 little-endian bytes."""
    st = g.bit_generator.state
    if st.get("bit_generator") != "PCG64":
        raise TypeError(f"get_rng_state: only PCG64 generators can be saved, got {st.get('bit_generator')}")
    raw = (st["state"]["state"].to_bytes(16, "little") + st["state"]["inc"].to_bytes(16, "little")
           + int(st["has_uint32"]).to_bytes(4, "little") + int(st["uinteger"]).to_bytes(4, "little"))
    return np.frombuffer(raw, dtype=np.uint8).copy()


def _state_bytes(state, n, what) -> np.ndarray:
    a = np.asarray(getattr(state, "_data", state))
    if hasattr(a, "get"):
        a = a.get()
    if a.dtype != np.uint8 or a.shape != (n,):
        raise ValueError(f"set_rng_state: a {what} generator state is a uint8 tensor of {n} bytes (from "
                         f"get_rng_state), got dtype {a.dtype} and shape {tuple(a.shape)}")
    return np.ascontiguousarray(a)


def set_numpy_state(g: np.random.Generator, state) -> None:
    """Restore a NumPy ``Generator`` (PCG64) from :func:`numpy_state_bytes`."""
    raw = _state_bytes(state, 40, "CPU").tobytes()
    g.bit_generator.state = {"bit_generator": "PCG64",
                             "state": {"state": int.from_bytes(raw[:16], "little"),
                                       "inc": int.from_bytes(raw[16:32], "little")},
                             "has_uint32": int.from_bytes(raw[32:36], "little"),
                             "uinteger": int.from_bytes(raw[36:40], "little")}


def get_state(dev) -> np.ndarray:
    """The state of ``dev``'s generator as a uint8 array (creating the generator if it does not exist)."""
    g = generator(dev)
    if isinstance(g, np.random.Generator):
        return numpy_state_bytes(g)
    if isinstance(g, _StrictGenerator):
        return numpy_state_bytes(g.g)
    return g.get_state()


def set_state(dev, state) -> None:
    """Restore ``dev``'s generator from :func:`get_state`."""
    g = generator(dev)
    if isinstance(g, np.random.Generator):
        set_numpy_state(g, state)
    elif isinstance(g, _StrictGenerator):
        set_numpy_state(g.g, state)
    else:
        g.set_state(state)


def generator(dev):
    """The generator that draws random arrays on ``dev`` (a :class:`gpugrad.backend.Device`)."""
    if forbid[0] is not None:
        raise RuntimeError(forbid[0])
    if dev.type == "cpu":
        return _cpu[0]
    g = _per_device.get(dev)
    if g is None:
        g = _per_device[dev] = (_CupyGenerator(dev.index or 0, _seed[0]) if dev.type == "cuda"
                                else _StrictGenerator(dev))
    return g


def _call_seed(seed: int, calls: int) -> int:
    """The seed of a CUDA generator's ``calls``-th draw: a SeedSequence hash of (seed, calls), so that draws
    are independent streams and the state is just two integers, as PyTorch's CUDA (seed, offset)."""
    return int(np.random.SeedSequence([seed & (2**64 - 1), calls]).generate_state(1, np.uint64)[0] >> 1)


class _CupyGenerator:
    """A CUDA device's random numbers, behind the NumPy ``Generator`` method names; every call runs with its
    device current, so the arrays land there.

    Each draw uses a fresh cuRAND Philox generator (counter-based: creating one launches no setup kernel)
    seeded from (seed, number of draws so far), so the whole state is those two integers:
    :meth:`get_state`/:meth:`set_state` save and restore it exactly, as PyTorch's (seed, offset)."""

    def __init__(self, index: int, seed=None):
        from . import cupy_or_none
        self.cp = cupy_or_none()
        self.device = self.cp.cuda.Device(index)
        self.seed = int(np.random.SeedSequence().entropy % 2**63) if seed is None else int(seed)
        self.calls = 0

    def _next(self):
        from cupy.cuda import curand
        rs = self.cp.random.RandomState(_call_seed(self.seed, self.calls),
                                        method=curand.CURAND_RNG_PSEUDO_PHILOX4_32_10)
        self.calls += 1
        return rs

    def get_state(self) -> np.ndarray:
        return np.array([self.seed, self.calls], dtype="<i8").view(np.uint8)

    def set_state(self, state) -> None:
        self.seed, self.calls = (int(v) for v in _state_bytes(state, 16, "cuda").view("<i8"))

    def random(self, size, dtype=np.float64):
        with self.device:
            return self._next().random_sample(size, dtype=dtype)

    def standard_normal(self, size, dtype=np.float64):
        with self.device:
            return self._next().standard_normal(size, dtype=dtype)

    def integers(self, low, high=None, size=None, dtype=np.int64):
        with self.device:
            return self._next().randint(low, high, size=size, dtype=dtype)

    def permutation(self, n):
        with self.device:
            return self._next().permutation(n)

    def poisson(self, lam):
        with self.device:
            return self._next().poisson(lam, size=lam.shape)


class _StrictGenerator:
    """NumPy's generator, seeded like the CPU's, returning arrays of the strict test device."""

    def __init__(self, dev):
        from .strict import StrictDevice
        self.g = np.random.default_rng(_seed[0])
        self.dev = StrictDevice(dev.index or 0)

    def poisson(self, lam):
        from .strict import wrap, _unwrap_call
        (lam,), _, _ = _unwrap_call("poisson", (lam,), dev=self.dev)
        return wrap(self.g.poisson(lam), self.dev)

    def __getattr__(self, name):
        from .strict import wrap
        f = getattr(self.g, name)
        return lambda *args, **kwargs: wrap(f(*args, **kwargs), self.dev)
