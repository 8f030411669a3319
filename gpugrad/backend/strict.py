"""The "strict" device: a stand-in for a GPU that enforces, on a CPU-only machine, what CuPy would enforce.

Used only by tests (device ``'strict'`` or ``'strict:N'``). Its arrays are :class:`StrictArray` objects: a
NumPy array behind a wrapper that behaves like a ``cupy.ndarray`` seen from Python, only stricter:

* Calling the ``numpy`` module on one (``np.exp(x)``, ``np.where(c, x, y)``, ``np.add.at(x, ...)``,
  ``np.asarray(x)``) raises :class:`StrictNumpyError`: op code must take its array module from
  :func:`gpugrad.backend.xp_of`, which returns :data:`namespace` for these arrays. (CuPy would route some
  of those calls back to itself through ``__array_function__``, and fail or copy to the host on others;
  the rule is simply "no ``np.`` on device data".)
* Mixing one with a plain ``np.ndarray`` in an operator or a namespace call raises, as CuPy raises
  ``TypeError: Unsupported type <class 'numpy.ndarray'>``. NumPy scalars and Python scalars are fine.
* Arrays of two strict devices (``strict:0`` and ``strict:1``) never meet in one call, as arrays of two GPUs
  must not without peer access.
* Everything that copies device data to the host -- ``bool(x)``, ``int(x)``, ``float(x)``, ``x.item()``,
  ``x.tolist()``, ``x.get()``, using a 0-d array as an index or a size -- counts as a host synchronisation.
  :func:`allow_synchronize` ``(False)`` turns each one into a :class:`HostSyncError`, as
  ``cupyx.allow_synchronize(False)`` does on a GPU, so a CPU test can prove that a training step never
  waits for the device.

The wrapper costs a few microseconds a call; nothing outside the tests creates one.
"""
from __future__ import annotations

import contextlib
import operator
import weakref

import numpy as np

__all__ = ["StrictArray", "StrictDevice", "StrictNumpyError", "HostSyncError", "namespace", "wrap", "unwrap",
           "allow_synchronize", "sync_count"]


class StrictNumpyError(TypeError):
    """The numpy module was called on strict (device) data, or host and device arrays were mixed."""


class HostSyncError(RuntimeError):
    """Device data was copied to the host while synchronisation was disallowed."""


class StrictDevice:
    """What ``x.device`` returns for a strict array (the analogue of ``cupy.cuda.Device``)."""

    __slots__ = ("id",)
    _all: dict = {}

    def __new__(cls, id: int = 0):
        d = cls._all.get(id)
        if d is None:
            d = cls._all[id] = object.__new__(cls)
            d.id = id
        return d

    def __repr__(self):
        return f"<StrictDevice {self.id}>"

    # ``with x.device:`` makes it the device new arrays go to, as ``with cupy.cuda.Device(n):`` does
    def __enter__(self):
        _entered.append(_creation_device[0])
        _creation_device[0] = self
        return self

    def __exit__(self, *exc):
        _creation_device[0] = _entered.pop()


# The device that creation functions (xp.zeros, xp.arange, ...) put their result on, like CuPy's current
# device; ``with StrictDevice(n):`` switches it.
_creation_device = [StrictDevice(0)]
_entered = []


# -- host synchronisation accounting ---------------------------------------------------------------------------
_sync = {"allowed": True, "count": 0}


def _host_sync(what):
    _sync["count"] += 1
    if not _sync["allowed"]:
        raise HostSyncError(f"{what} copies device data to the host (a synchronisation), which is disallowed "
                            "here; keep the value on the device or call .item()/.numpy() outside the hot path")


@contextlib.contextmanager
def allow_synchronize(allow: bool):
    """Like ``cupyx.allow_synchronize``: inside ``allow_synchronize(False)`` any host copy raises."""
    prev = _sync["allowed"]
    _sync["allowed"] = allow
    try:
        yield
    finally:
        _sync["allowed"] = prev


def sync_count() -> int:
    """How many host synchronisations strict arrays have seen (for tests that count rather than forbid)."""
    return _sync["count"]


# -- wrapping and unwrapping -------------------------------------------------------------------------------------
def wrap(r, dev):
    """NumPy results back onto the strict device (scalars become 0-d arrays, as CuPy returns them)."""
    if isinstance(r, np.ndarray):
        return StrictArray(r, dev)
    if isinstance(r, np.generic):
        return StrictArray(np.asarray(r), dev)
    if isinstance(r, tuple):
        return tuple(wrap(x, dev) for x in r)
    if isinstance(r, list):
        return [wrap(x, dev) for x in r]
    return r


def unwrap(x, found, where, host_ok=False):
    """The NumPy arrays behind strict ones (recursing into lists, tuples and slices); ``found`` collects the
    devices met. A bare ``np.ndarray`` is refused unless ``host_ok`` (host-to-device copies)."""
    cls = x.__class__
    if cls is StrictArray:
        found.add(x._dev)
        return x._a
    if cls is tuple or cls is list:
        return cls(unwrap(v, found, where, host_ok) for v in x)
    if cls is slice:
        return slice(unwrap(x.start, found, where), unwrap(x.stop, found, where), unwrap(x.step, found, where))
    if cls is dict:
        return {k: unwrap(v, found, where, host_ok) for k, v in x.items()}
    if isinstance(x, np.ndarray) and not host_ok:
        raise StrictNumpyError(f"{where}: got a host numpy.ndarray {x.shape} {x.dtype} where device arrays are "
                               "expected (CuPy raises 'Unsupported type'); move it with xp.asarray first")
    return x


def _one_device(found, where):
    if len(found) > 1:
        ids = sorted(d.id for d in found)
        raise StrictNumpyError(f"{where}: arrays on devices strict:{ids[0]} and strict:{ids[1]} met in one call; "
                               "move them to one device first")
    return next(iter(found)) if found else None


def _unwrap_call(where, args, kwargs=None, dev=None, host_ok=False):
    """A call's arguments unwrapped, checked to live on one device (``dev`` included): (args, kwargs, device)."""
    found = set() if dev is None else {dev}
    a = unwrap(args, found, where, host_ok)
    k = unwrap(kwargs, found, where, host_ok) if kwargs else {}
    return a, k, _one_device(found, where)


# id(ndarray) -> the first StrictArray made around it, while that wrapper lives (it keeps the array alive, so
# the id cannot be reused meanwhile)
_owner = weakref.WeakValueDictionary()


class StrictArray:
    """A device array of the strict test device (see the module docstring)."""

    __slots__ = ("_a", "_dev", "__weakref__")
    __array_priority__ = 100   # ndarray OP StrictArray defers to our reflected operator
    is_strict = True           # fused-kernel dispatch runs the plain-xp references for these arrays

    def __init__(self, a: np.ndarray, dev: StrictDevice):
        self._a = a
        self._dev = dev
        _owner.setdefault(id(a), self)    # the first wrapper of an array stands for it as a view's .base

    # -- what NumPy calls when the numpy module is applied to us: refuse --------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # A NumPy scalar on the left of an operator (np.float32(2) * x) reaches us here too; CuPy serves
        # that case, so do we. Any other route here is op code calling numpy on device data.
        if method == "__call__" and len(inputs) == 2 and isinstance(inputs[0], np.generic) and \
                inputs[1] is self and ufunc.__name__ in _OPERATOR_UFUNCS:
            return _apply2(getattr(operator, _OPERATOR_UFUNCS[ufunc.__name__]), inputs[0], self)
        raise StrictNumpyError(f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method} called on "
                               f"a device array {self.shape} {self.dtype}: use the array module from "
                               "gpugrad.backend.xp_of(x) (numpy on the CPU, cupy on CUDA)")

    def __array_function__(self, func, types, args, kwargs):
        raise StrictNumpyError(f"numpy.{func.__name__} called on a device array {self.shape} {self.dtype}: use "
                               "the array module from gpugrad.backend.xp_of(x) (numpy on the CPU, cupy on CUDA)")

    def __array__(self, dtype=None, copy=None):
        raise StrictNumpyError(f"implicit conversion of a device array {self.shape} {self.dtype} to a "
                               "numpy.ndarray is not allowed (as in CuPy); use .get() explicitly")

    # -- metadata (host-side, no synchronisation) ---------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    ndim = property(lambda self: self._a.ndim)
    dtype = property(lambda self: self._a.dtype)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    device = property(lambda self: self._dev)
    T = property(lambda self: StrictArray(self._a.T, self._dev))
    mT = property(lambda self: StrictArray(np.swapaxes(self._a, -1, -2), self._dev))

    @property
    def base(self):
        """As NumPy's and CuPy's: the array a view was taken from, the same object every time (views share
        their base's version counter through ``x.base is y.base``)."""
        b = self._a.base
        if b is None:
            return None
        w = _owner.get(id(b))
        return w if w is not None and w._a is b else StrictArray(b, self._dev)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (StrictArray(self._a[i], self._dev) for i in range(len(self._a)))

    def __repr__(self):
        return f"StrictArray({self._a!r}, device=strict:{self._dev.id})"

    __hash__ = None

    # -- host copies: each one is a synchronisation ------------------------------------------------------------
    def get(self, stream=None, order="C", out=None, blocking=True):
        _host_sync("StrictArray.get()")
        return self._a.copy()

    def item(self):
        _host_sync("StrictArray.item()")
        return self._a.item()

    def tolist(self):
        _host_sync("StrictArray.tolist()")
        return self._a.tolist()

    def __bool__(self):
        _host_sync("bool(device array)")
        return bool(self._a)

    def __int__(self):
        _host_sync("int(device array)")
        return int(self._a)

    def __float__(self):
        _host_sync("float(device array)")
        return float(self._a)

    def __index__(self):
        _host_sync("using a device array as an index or size")
        return operator.index(self._a)

    # -- indexing --------------------------------------------------------------------------------------------
    def __getitem__(self, key):
        (k,), _, _ = _unwrap_call("getitem", (key,), dev=self._dev)
        return wrap(self._a[k], self._dev)

    def __setitem__(self, key, value):
        (k, v), _, _ = _unwrap_call("setitem", (key, value), dev=self._dev)
        self._a[k] = v

    # -- every other method (sum, reshape, astype, copy, transpose, fill, ...) runs on the NumPy array ---------
    def __getattr__(self, name):
        if name.startswith("__"):   # __array_interface__, __array_struct__, buffer: NumPy's back doors to the data
            raise AttributeError(f"StrictArray has no attribute {name!r}")
        attr = getattr(self._a, name)
        if not callable(attr):
            return attr
        dev = self._dev

        def method(*args, **kwargs):
            a, k, _ = _unwrap_call(f"StrictArray.{name}", args, kwargs, dev=dev)
            return wrap(attr(*a, **k), dev)
        method.__name__ = name
        return method


_OPERATOR_UFUNCS = {"add": "add", "subtract": "sub", "multiply": "mul", "true_divide": "truediv",
                    "divide": "truediv", "floor_divide": "floordiv", "remainder": "mod", "power": "pow",
                    "matmul": "matmul", "less": "lt", "less_equal": "le", "greater": "gt",
                    "greater_equal": "ge", "equal": "eq", "not_equal": "ne", "bitwise_and": "and_",
                    "bitwise_or": "or_", "bitwise_xor": "xor"}


def _install_operators():
    """The arithmetic, comparison and in-place operators, each unwrapping, computing, rewrapping."""
    binary = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
              "lshift", "rshift"]
    for name in binary:
        op_name = name + "_" if name in ("and", "or") else name
        fn = getattr(operator, op_name)

        def fwd(self, other, fn=fn):
            return _apply2(fn, self, other)

        def rev(self, other, fn=fn):
            return _apply2(fn, other, self)

        def inplace(self, other, fn=getattr(operator, "i" + name)):
            (o,), _, _ = _unwrap_call(f"__i{name}__", (other,), dev=self._dev)
            fn(self._a, o)        # writes into our array in place
            return self

        setattr(StrictArray, f"__{name}__", fwd)
        setattr(StrictArray, f"__r{name}__", rev)
        setattr(StrictArray, f"__i{name}__", inplace)
    for name in ("lt", "le", "gt", "ge", "eq", "ne"):
        setattr(StrictArray, f"__{name}__", lambda self, other, fn=getattr(operator, name): _apply2(fn, self, other))
    for name in ("neg", "pos", "abs", "invert"):
        setattr(StrictArray, f"__{name}__", lambda self, fn=getattr(operator, name): wrap(fn(self._a), self._dev))


def _apply2(fn, a, b):
    (x, y), _, dev = _unwrap_call(fn.__name__, (a, b))
    return wrap(fn(x, y), dev)


_install_operators()


# -- the namespace xp_of returns for strict arrays ---------------------------------------------------------------
# NumPy keyword arguments that CuPy's function of the same name lacks (found reading CuPy's source; add more
# as they turn up), refused here so that the CPU run fails where the GPU run would.
_NOT_IN_CUPY = {"indices": {"sparse"}}

# ufunc.at methods CuPy runs with CUDA atomics, and the target dtypes (characters) they take: CuPy raises
# TypeError for the others (int64, int8/16, uint8/16, bool).
_ATOMIC_AT = {"add.at": "efdiIQL", "maximum.at": "fdiIQL", "minimum.at": "fdiIQL"}

# Functions that take host data on purpose (host-to-device copies), as cupy.asarray(numpy_array) does.
_HOST_OK = {"array", "asarray", "asanyarray", "ascontiguousarray"}


class _Function:
    """A numpy function or ufunc seen through the strict namespace: unwrap, call, rewrap."""

    __slots__ = ("f", "name", "host_ok")

    def __init__(self, f, name):
        self.f, self.name, self.host_ok = f, name, name in _HOST_OK

    def __call__(self, *args, **kwargs):
        unsupported = _NOT_IN_CUPY.get(self.name, ()) and _NOT_IN_CUPY[self.name] & kwargs.keys()
        if unsupported:
            raise StrictNumpyError(f"xp.{self.name}: CuPy does not accept {sorted(unsupported)}")
        return self._call(self.f, self.name, args, kwargs)

    def _call(self, f, where, args, kwargs):
        a, k, dev = _unwrap_call(f"xp.{where}", args, kwargs, host_ok=self.host_ok)
        return wrap(f(*a, **k), dev or _creation_device[0])

    def __getattr__(self, name):            # ufunc methods: xp.add.at, xp.maximum.reduce, ...
        attr = getattr(self.f, name)
        if not callable(attr):
            return attr
        where = f"{self.name}.{name}"
        atomic = _ATOMIC_AT.get(where)

        def method(*args, **kwargs):
            if atomic is not None and args and args[0].dtype.char not in atomic:
                raise StrictNumpyError(f"xp.{where}: CuPy adds with CUDA atomics, which take no "
                                       f"{args[0].dtype} target")
            return self._call(attr, where, args, kwargs)
        return method




class StrictNamespace:
    """``numpy`` seen from the strict device: the same functions, taking and returning StrictArrays."""

    __name__ = "gpugrad.backend.strict.namespace"
    ndarray = StrictArray
    is_strict = True

    def host_kernel(self, f, name=None):
        """``f`` (a CPU function of NumPy arrays, e.g. a Numba ufunc standing in for a CUDA kernel) made
        callable on strict arrays."""
        return _Function(f, name or getattr(f, "__name__", "kernel"))

    def __init__(self):
        self._cache = {}

    def __getattr__(self, name):
        try:
            return self._cache[name]
        except KeyError:
            pass
        attr = getattr(np, name)
        if isinstance(attr, (np.ufunc,)) or (callable(attr) and not isinstance(attr, type)):
            attr = _Function(attr, name)
        elif isinstance(attr, type(np)) and name != "random":   # np.linalg, np.fft
            attr = _Submodule(attr, name)
        elif name == "random":
            raise AttributeError("xp.random on the strict device: draw random numbers through "
                                 "gpugrad.backend.generator(device), which is seeded by manual_seed")
        self._cache[name] = attr
        return attr

    def __repr__(self):
        return "<strict namespace over numpy>"


class _Submodule:
    def __init__(self, mod, name):
        self._mod, self._name = mod, name

    def __getattr__(self, name):
        attr = getattr(self._mod, name)
        if isinstance(attr, type(np)):          # xp.lib.stride_tricks (CuPy has it too)
            return _Submodule(attr, f"{self._name}.{name}")
        return _Function(attr, f"{self._name}.{name}") if callable(attr) and not isinstance(attr, type) else attr


namespace = StrictNamespace()
