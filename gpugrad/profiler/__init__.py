"""``gpugrad.profiler``: where a training step's time goes, per op, as ``torch.profiler``.

``with profile() as prof:`` records every op's forward (``gpugrad::<Op>``), every backward node
(``autograd::engine::evaluate_function: <Node>Backward``) and ``record_function`` ranges on the CPU clock;
``prof.key_averages().table(sort_by="cpu_time_total")`` prints PyTorch's table and
``prof.export_chrome_trace(path)`` writes a trace for chrome://tracing or Perfetto. ``schedule`` and
``on_trace_ready`` (e.g. :func:`tensorboard_trace_handler`) work across ``prof.step()`` calls as in PyTorch.

Differences from PyTorch: times are host wall-clock times; on a GPU an op's time is its launch (no device
timeline: ``ProfilerActivity.CUDA`` is accepted and adds nothing); ``profile_memory``, ``with_stack``,
``with_flops`` and ``with_modules`` are accepted and record nothing more; the op names are gpugrad's.

>>> import gpugrad as gg
>>> lin = gg.nn.Linear(4, 2)
>>> with gg.profiler.profile(record_shapes=True) as prof:
...     lin(gg.ones(3, 4)).sum().backward()
>>> "gpugrad::Linear" in [e.key for e in prof.key_averages()]
True
"""
from __future__ import annotations

import enum
import os
import socket
import time
import warnings

from .events import EventList, FunctionEvent, FunctionEventAvg
from .recorder import Recorder, record_function

__all__ = ["profile", "schedule", "ProfilerAction", "ProfilerActivity", "record_function",
           "tensorboard_trace_handler", "EventList", "FunctionEvent", "FunctionEventAvg"]


class ProfilerActivity(enum.Enum):
    """The kinds of activity a profile may ask for (PyTorch's names); gpugrad records CPU activity.

    >>> ProfilerActivity.CPU.name
    'CPU'
    """
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What a :func:`schedule` tells the profiler to do at a step.

    >>> schedule(wait=1, warmup=1, active=1)(0) is ProfilerAction.NONE
    True
    """
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """A profiling schedule over ``prof.step()`` calls, as PyTorch's: skip ``skip_first`` steps, then cycles
    of ``wait`` idle steps, ``warmup`` steps, and ``active`` recorded steps (the last of which hands the trace
    to ``on_trace_ready``), ``repeat`` times (0: until the profile ends).

    Args:
        wait: idle steps at the start of each cycle.
        warmup: warm-up steps (not recorded).
        active: recorded steps (> 0).
        repeat: cycles (0: no limit).
        skip_first: steps skipped before the first cycle.
        skip_first_wait: non-zero: the first cycle starts without its wait.

    Returns:
        A function from the step number to a :class:`ProfilerAction`.

    >>> s = schedule(wait=1, warmup=1, active=2)
    >>> [s(i).name for i in range(4)]
    ['NONE', 'WARMUP', 'RECORD', 'RECORD_AND_SAVE']
    """
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
                             f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
                             f"skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)

    def at(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        cycle = wait + warmup + active
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        k = step % cycle
        if k < wait:
            return ProfilerAction.NONE
        if k < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if k < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return at


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An ``on_trace_ready`` that writes each trace into ``dir_name`` as
    ``<worker>.<nanoseconds>.pt.trace.json`` (``.gz`` with ``use_gzip``), for TensorBoard's profiler plugin or
    Perfetto.

    Args:
        dir_name: the directory (created if missing).
        worker_name: the file name's first part (default: ``<host>_<pid>``).
        use_gzip: gzip the file.

    Returns:
        A function of the profile.

    >>> import os, tempfile, gpugrad as gg
    >>> d = tempfile.mkdtemp()
    >>> with gg.profiler.profile(on_trace_ready=tensorboard_trace_handler(d, "w")):
    ...     _ = gg.ones(2) * 2
    >>> [f.endswith(".pt.trace.json") for f in os.listdir(d)]
    [True]
    """
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        path = os.path.join(dir_name, f"{worker}.{time.time_ns()}.pt.trace.json")
        prof.export_chrome_trace(path + (".gz" if use_gzip else ""))
    return handler


def _always_record(step):
    return ProfilerAction.RECORD


_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)


class profile:
    """Record the ops, backward nodes and ``record_function`` ranges that run inside the block (or between
    :meth:`start` and :meth:`stop`), as ``torch.profiler.profile``.

    Args:
        activities: a list of :class:`ProfilerActivity` (CPU is what gpugrad records).
        schedule: a function step -> :class:`ProfilerAction` (see :func:`schedule`); None records throughout.
        on_trace_ready: called with the profile whenever a recorded span ends (RECORD_AND_SAVE, or stop).
        record_shapes: keep the input shapes of each op (``key_averages(group_by_input_shape=True)``).
        profile_memory: accepted; nothing is recorded about memory.
        with_stack: accepted; no stacks are recorded.
        with_flops: accepted; no FLOPs are counted.
        with_modules: accepted; no module hierarchy is recorded.
        experimental_config: accepted for PyTorch's signature.
        execution_trace_observer: accepted for PyTorch's signature.
        acc_events: keep the events of every recorded span, not only the last one's.
        custom_trace_id_callback: accepted for PyTorch's signature.
        post_processing_timeout_s: accepted for PyTorch's signature.

    >>> import gpugrad as gg
    >>> with profile(schedule=schedule(wait=0, warmup=1, active=1), on_trace_ready=lambda p: None) as prof:
    ...     for _ in range(2):
    ...         _ = gg.ones(2) + 1
    ...         prof.step()
    >>> prof.step_num
    2
    """

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False,
                 custom_trace_id_callback=None, post_processing_timeout_s=None):
        self.activities = set(activities) if activities is not None else {ProfilerActivity.CPU}
        self.schedule = schedule or _always_record
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.acc_events = acc_events
        self.step_num = 0
        self._recorder = None
        self._events = EventList()
        self._action = ProfilerAction.NONE

    # -- running ---------------------------------------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        """Begin profiling (at step 0 of the schedule): what ``with profile():`` does on entry.

        Returns:
            None.

        >>> p = profile(); p.start(); p.stop()
        """
        self._action = self.schedule(self.step_num)
        if self._action in _RECORDING:
            self._begin()

    def stop(self):
        """End profiling; a span still recording is finished and handed to ``on_trace_ready``.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> p = profile(); p.start(); _ = gg.ones(1) + 1; p.stop()
        >>> [e.name for e in p.events()]
        ['gpugrad::Add']
        """
        if self._recorder is not None:
            self._finish(save=True)
        self._action = ProfilerAction.NONE

    def step(self):
        """Mark the end of a training step: the schedule decides whether the next one is recorded.

        Returns:
            None.

        >>> p = profile(); p.start(); p.step(); p.stop()
        >>> p.step_num
        1
        """
        prev = self._action
        self.step_num += 1
        self._action = self.schedule(self.step_num)
        if self._recorder is not None and (prev == ProfilerAction.RECORD_AND_SAVE
                                           or self._action not in _RECORDING):
            self._finish(save=prev == ProfilerAction.RECORD_AND_SAVE or self.schedule is _always_record)
        if self._recorder is None and self._action in _RECORDING:
            self._begin()

    def _begin(self):
        self._recorder = Recorder(self.record_shapes)
        self._recorder.start()

    def _finish(self, save):
        rec, self._recorder = self._recorder, None
        rec.stop()
        if self.acc_events:
            self._events = EventList(list(self._events) + rec.events)
        else:
            self._events = EventList(rec.events)
        if save and self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # -- results -------------------------------------------------------------------------------------------
    def events(self):
        """The recorded events of the last finished span (all spans with ``acc_events``).

        Returns:
            An :class:`EventList`.

        >>> import gpugrad as gg
        >>> with profile() as p:
        ...     _ = gg.ones(1) - 1
        >>> p.events()[0].name
        'gpugrad::Sub'
        """
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events added up per name (see :meth:`EventList.key_averages`).

        Args:
            group_by_input_shape: one row per (name, input shapes); needs ``record_shapes=True``.
            group_by_stack_n: accepted for PyTorch's signature.
            group_by_overload_name: accepted for PyTorch's signature.

        Returns:
            An :class:`EventList` of :class:`FunctionEventAvg`.

        >>> import gpugrad as gg
        >>> with profile() as p:
        ...     for _ in range(3):
        ...         _ = gg.ones(1) * 2
        >>> [(a.key, a.count) for a in p.key_averages()]
        [('gpugrad::Mul', 3)]
        """
        return self._events.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace JSON (gzip-compressed when ``path`` ends in ``.gz``).

        Args:
            path: the file to write.

        Returns:
            None.

        >>> import gzip, json, os, tempfile, gpugrad as gg
        >>> with profile() as p:
        ...     _ = gg.ones(1) * 2
        >>> path = os.path.join(tempfile.mkdtemp(), "t.json.gz")
        >>> p.export_chrome_trace(path)
        >>> json.load(gzip.open(path))["traceEvents"][0]["name"]
        'gpugrad::Mul'
        """
        if str(path).endswith(".gz"):
            import gzip
            plain = str(path)[:-3]
            self._events.export_chrome_trace(plain)
            with open(plain, "rb") as f, gzip.open(path, "wb") as g:
                g.write(f.read())
            os.remove(plain)
            return
        self._events.export_chrome_trace(path)
