"""How a profile sees the work: while one records, ``Op.apply`` is swapped for a timed copy (every recorded
op's forward becomes an event), the autograd engine times each backward node (``autograd.op._profile_hook``,
read once per backward pass), and ``record_function`` blocks add named ranges. With no profile recording,
nothing is swapped and ``record_function`` costs one list check: the hot paths run as they always do.
"""
from __future__ import annotations

import functools
import threading
import time

from ..autograd import op as _op
from ..tensor import Tensor
from .events import FunctionEvent

__all__ = ["Recorder", "record_function"]

_recorders: list = []          # the recorders that are collecting now (nested profiles each get every event)
_original_apply = _op.Op.__dict__["apply"]


def _now():
    return time.perf_counter_ns() / 1e3


def _shapes(args):
    return [list(a.shape) if isinstance(a, Tensor) else [] for a in args]


def _emit(name, start, end, args=None):
    tid = threading.get_ident()
    for r in _recorders:
        r.events.append(FunctionEvent(name, start, end, tid, _shapes(args) if r.record_shapes and args else []))


@classmethod
def _timed_apply(cls, *args, **kwargs):
    start = _now()
    try:
        return _original_apply.__func__(cls, *args, **kwargs)
    finally:
        _emit(f"gpugrad::{cls._node_name or cls.__name__}", start, _now(), args)


class _EngineHook:
    """What the engine calls around each backward node while a profile records."""

    now = staticmethod(_now)

    @staticmethod
    def backward_event(node, start):
        _emit(f"autograd::engine::evaluate_function: {node.name()}", start, _now())


class Recorder:
    """One profile's event collection; ``start``/``stop`` may nest with other recorders."""

    def __init__(self, record_shapes=False):
        self.record_shapes = record_shapes
        self.events = []

    def start(self):
        if self not in _recorders:
            _recorders.append(self)
            if len(_recorders) == 1:
                _op.Op.apply = _timed_apply
                _op._profile_hook = _EngineHook

    def stop(self):
        if self in _recorders:
            _recorders.remove(self)
            if not _recorders:
                _op.Op.apply = _original_apply
                _op._profile_hook = None


class record_function:
    """A named range in the profile (as ``torch.profiler.record_function``): a context manager or a decorator.
    Without a profile recording it does nothing.

    Args:
        name: the range's name in the table and trace.
        args: accepted for PyTorch's signature.

    >>> import gpugrad as gg
    >>> with gg.profiler.profile() as prof:
    ...     with gg.profiler.record_function("my_block"):
    ...         y = gg.ones(2) * 3
    >>> [e.key for e in prof.key_averages()][:1]
    ['my_block']
    """

    def __init__(self, name, args=None):
        self.name, self.args = name, args
        self._start = None

    def __enter__(self):
        self._start = _now() if _recorders else None
        return self

    def __exit__(self, *exc):
        if self._start is not None:
            _emit(self.name, self._start, _now())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*a, **k):
            with record_function(self.name, self.args):
                return fn(*a, **k)
        return wrapped
