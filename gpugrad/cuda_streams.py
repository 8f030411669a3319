"""CUDA streams and events, as ``torch.cuda.Stream`` / ``torch.cuda.Event`` (on CuPy's).

gpugrad's GPU work is queued on CuPy's *current* stream: CuPy's array functions and gpugrad's own kernels
launch there. So ``with gpugrad.cuda.stream(s):`` (or ``with s:``) puts every op of its block on ``s``, and an
:class:`Event` pair times the work between them::

    start, end = gpugrad.cuda.Event(enable_timing=True), gpugrad.cuda.Event(enable_timing=True)
    start.record()
    loss = model(x).sum(); loss.backward()
    end.record()
    gpugrad.cuda.synchronize()
    print(start.elapsed_time(end), "ms")

One difference from PyTorch: a backward pass runs on the stream that is current when ``backward()`` is
called, not on the streams its forward ops ran on (PyTorch's engine replays each node on its forward stream).
Call ``backward()`` under the same stream context as the forward when you use side streams.

Without CUDA, creating a stream or an event, and asking for the current or default stream, raise a
RuntimeError naming the call (as PyTorch's CPU builds do); :func:`stream` with None and :func:`set_stream`
with None do nothing.

>>> import gpugrad as gg
>>> with gg.cuda.stream(None):            # no stream given: nothing changes (works without a GPU too)
...     y = gg.ones(2) * 2
>>> y.tolist()
[2.0, 2.0]
"""
from __future__ import annotations

from .backend import cupy_or_none
from .backend import device as _parse_device

__all__ = ["Stream", "ExternalStream", "Event", "StreamContext", "stream", "current_stream", "default_stream",
           "set_stream"]


def _cupy(op):
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError(f"gpugrad.cuda.{op}: CUDA is not available (CuPy is not installed or no GPU answered)")
    return cp


def _ordinal(op, cp, dev):
    """The CUDA ordinal of ``dev``: None is the current device; an int, 'cuda[:N]' or a Device."""
    if dev is None:
        return cp.cuda.runtime.getDevice()
    if isinstance(dev, int) and not isinstance(dev, bool):
        i = dev
    else:
        d = _parse_device(dev)
        if d.type != "cuda":
            raise ValueError(f"gpugrad.cuda.{op}: expected a CUDA device, got {d}")
        i = cp.cuda.runtime.getDevice() if d.index is None else d.index
    n = cp.cuda.runtime.getDeviceCount()
    if not 0 <= i < n:
        raise ValueError(f"gpugrad.cuda.{op}: no CUDA device {i}; this machine has {n} (0 to {n - 1})")
    return i


class Stream:
    """A CUDA stream: an ordered queue of GPU work (as ``torch.cuda.Stream``). Created non-blocking (it does
    not wait for the legacy default stream), as PyTorch's are.

    Args:
        device: the device it belongs to (default: the current one).
        priority: lower is more urgent; out-of-range values are clamped to the device's range, as PyTorch.

    ``with s:`` makes it the current stream (and its device the current device) inside the block.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     s = gg.cuda.Stream()
    ...     with s:
    ...         y = gg.ones(3, device="cuda") * 2
    ...     s.synchronize()
    """

    def __init__(self, device=None, priority=0, **kwargs):
        cp = _cupy("Stream")
        if kwargs:
            raise TypeError(f"gpugrad.cuda.Stream: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
        i = _ordinal("Stream", cp, device)
        with cp.cuda.Device(i):
            least, greatest = cp.cuda.runtime.deviceGetStreamPriorityRange()   # (e.g. 0, -5): lower is urgent
            prio = min(max(int(priority), greatest), least)
            self._wrap(cp.cuda.Stream(non_blocking=True, priority=prio), i)

    @classmethod
    def _of(cls, cp_stream, index):
        s = cls.__new__(cls)
        s._wrap(cp_stream, index)
        return s

    def _wrap(self, cp_stream, index):
        self._cp = cp_stream
        self._index = index

    @property
    def cuda_stream(self) -> int:
        """The raw ``cudaStream_t`` as an int (0 for the legacy default stream).

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     assert gg.cuda.default_stream().cuda_stream == 0
        """
        return int(self._cp.ptr)

    @property
    def device(self):
        """The stream's device (a :class:`gpugrad.device`).

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     assert gg.cuda.current_stream().device.type == "cuda"
        """
        from .backend import Device
        return Device("cuda", self._index)

    @property
    def device_index(self) -> int:
        """The ordinal of the stream's device.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     assert gg.cuda.current_stream(0).device_index == 0
        """
        return self._index

    @property
    def device_type(self) -> int:
        """1, PyTorch's number for CUDA devices (``DeviceType.CUDA``).

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     assert gg.cuda.current_stream().device_type == 1
        """
        return 1

    @property
    def priority(self) -> int:
        """The stream's priority (lower is more urgent; 0 for the default stream).

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     assert gg.cuda.default_stream().priority == 0
        """
        return int(self._cp.priority) if self.cuda_stream else 0

    def query(self) -> bool:
        """Whether all work queued on the stream has finished.

        Returns:
            A bool.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     s = gg.cuda.current_stream(); s.synchronize(); assert s.query()
        """
        return bool(self._cp.done)

    def synchronize(self) -> None:
        """Wait (on the host) until all work queued on the stream has finished.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     gg.cuda.current_stream().synchronize()
        """
        self._cp.synchronize()

    def wait_event(self, event) -> None:
        """Make later work on this stream wait for ``event`` (without blocking the host).

        Args:
            event: a :class:`Event` (one never recorded: no wait).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     e = gg.cuda.Event(); e.record(); gg.cuda.Stream().wait_event(e)
        """
        if not isinstance(event, Event):
            raise TypeError(f"Stream.wait_event: expected a gpugrad.cuda.Event, got {type(event).__name__}")
        if event._cp is not None:
            self._cp.wait_event(event._cp)

    def wait_stream(self, stream) -> None:
        """Make later work on this stream wait for all work queued on ``stream`` so far.

        Args:
            stream: another :class:`Stream`.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     gg.cuda.current_stream().wait_stream(gg.cuda.Stream())
        """
        if not isinstance(stream, Stream):
            raise TypeError(f"Stream.wait_stream: expected a gpugrad.cuda.Stream, got {type(stream).__name__}")
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        """Record ``event`` on this stream.

        Args:
            event: an :class:`Event` (None: a new one).

        Returns:
            The event.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     assert isinstance(gg.cuda.current_stream().record_event(), gg.cuda.Event)
        """
        event = Event() if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        self._ctx = StreamContext(self)
        return self._ctx.__enter__()

    def __exit__(self, *exc):
        ctx, self._ctx = self._ctx, None
        return ctx.__exit__(*exc)

    def __eq__(self, other):
        return isinstance(other, Stream) and (self.cuda_stream, self._index) == (other.cuda_stream, other._index)

    def __hash__(self):
        return hash((self.cuda_stream, self._index))

    def __repr__(self):
        return f"<gpugrad.cuda.Stream device=cuda:{self._index} cuda_stream={self.cuda_stream:#x}>"


class ExternalStream(Stream):
    """A stream made elsewhere (another library's ``cudaStream_t``), wrapped without taking ownership.

    Args:
        stream_ptr: the raw ``cudaStream_t`` as an int.
        device: the device it belongs to (default: the current one).

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     s = gg.cuda.Stream()
    ...     assert gg.cuda.ExternalStream(s.cuda_stream) == s
    """

    def __init__(self, stream_ptr, device=None, **kwargs):
        cp = _cupy("ExternalStream")
        if kwargs:
            raise TypeError(f"gpugrad.cuda.ExternalStream: unexpected keyword argument(s) "
                            f"{', '.join(sorted(kwargs))}")
        i = _ordinal("ExternalStream", cp, device)
        self._wrap(cp.cuda.ExternalStream(int(stream_ptr), i), i)


class Event:
    """A CUDA event: a marker in a stream's work, to wait for or to time (as ``torch.cuda.Event``). The
    driver's event is made when it is first recorded.

    Args:
        enable_timing: keep timestamps, for :meth:`elapsed_time`.
        blocking: :meth:`synchronize` blocks the host thread (instead of spinning).
        interprocess: shareable with other processes (:meth:`ipc_handle`); needs timing off.
        external: accepted for PyTorch's sake (it concerns CUDA graph capture, which gpugrad does not do).

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     start, end = gg.cuda.Event(enable_timing=True), gg.cuda.Event(enable_timing=True)
    ...     start.record(); y = gg.ones(1000, device="cuda").sum(); end.record()
    ...     end.synchronize()
    ...     assert start.elapsed_time(end) >= 0
    """

    def __init__(self, enable_timing=False, blocking=False, interprocess=False, external=False):
        _cupy("Event")
        if interprocess and enable_timing:
            raise ValueError("gpugrad.cuda.Event: an interprocess event cannot keep timing "
                             "(enable_timing=True with interprocess=True)")
        self.enable_timing, self.blocking, self.interprocess = bool(enable_timing), bool(blocking), bool(interprocess)
        self._cp = None
        self._index = None

    def _make(self, index):
        if self._cp is None:
            cp = _cupy("Event")
            with cp.cuda.Device(index):
                self._cp = cp.cuda.Event(block=self.blocking, disable_timing=not self.enable_timing,
                                         interprocess=self.interprocess)
            self._index = index
        return self._cp

    def record(self, stream=None) -> None:
        """Mark the work queued on ``stream`` so far.

        Args:
            stream: a :class:`Stream` on the device the event was first recorded on (default: the current
                stream).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     gg.cuda.Event().record()
        """
        if stream is None:
            stream = current_stream()
        elif not isinstance(stream, Stream):
            raise TypeError(f"Event.record: expected a gpugrad.cuda.Stream, got {type(stream).__name__}")
        if self._index is not None and stream._index != self._index:
            raise ValueError(f"Event.record: the event belongs to cuda:{self._index}; it cannot be recorded on "
                             f"a stream of cuda:{stream._index}")
        self._make(stream._index).record(stream._cp)

    def wait(self, stream=None) -> None:
        """Make later work on ``stream`` wait for this event (without blocking the host).

        Args:
            stream: a :class:`Stream` (default: the current stream).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     e = gg.cuda.Event(); e.record(gg.cuda.Stream()); e.wait()
        """
        (current_stream() if stream is None else stream).wait_event(self)

    def query(self) -> bool:
        """Whether the work captured by the event has finished.

        Returns:
            A bool (True if the event was never recorded).

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     assert gg.cuda.Event().query()
        """
        return True if self._cp is None else bool(self._cp.done)

    def synchronize(self) -> None:
        """Wait (on the host) until the work captured by the event has finished.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     e = gg.cuda.Event(); e.record(); e.synchronize()
        """
        if self._cp is not None:
            self._cp.synchronize()

    def elapsed_time(self, end_event) -> float:
        """The time between this event and a later one.

        Args:
            end_event: an :class:`Event` recorded after this one; both made with ``enable_timing=True`` and
                completed (call ``end_event.synchronize()`` first).

        Returns:
            Milliseconds, a float.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     a, b = gg.cuda.Event(enable_timing=True), gg.cuda.Event(enable_timing=True)
        ...     a.record(); b.record(); b.synchronize()
        ...     assert a.elapsed_time(b) >= 0
        """
        cp = _cupy("Event.elapsed_time")
        if not isinstance(end_event, Event):
            raise TypeError(f"Event.elapsed_time: expected a gpugrad.cuda.Event, got {type(end_event).__name__}")
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Event.elapsed_time: both events must be created with enable_timing=True")
        if self._cp is None or end_event._cp is None:
            raise RuntimeError("Event.elapsed_time: both events must be recorded before calculating elapsed time")
        return float(cp.cuda.get_elapsed_time(self._cp, end_event._cp))

    @property
    def cuda_event(self) -> int:
        """The raw ``cudaEvent_t`` as an int (0 until the event is recorded).

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     assert gg.cuda.Event().cuda_event == 0
        """
        return 0 if self._cp is None else int(self._cp.ptr)

    def ipc_handle(self):
        """The event's handle for another process (:meth:`from_ipc_handle`); needs ``interprocess=True``.

        Returns:
            The handle, bytes.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     assert len(gg.cuda.Event(interprocess=True).ipc_handle()) > 0
        """
        cp = _cupy("Event.ipc_handle")
        if not self.interprocess:
            raise RuntimeError("Event.ipc_handle: the event was not created with interprocess=True")
        ev = self._make(cp.cuda.runtime.getDevice())
        return cp.cuda.runtime.ipcGetEventHandle(ev.ptr)

    @classmethod
    def from_ipc_handle(cls, device, handle):
        """The event another process exported with :meth:`ipc_handle`.

        Args:
            device: the event's device (an index, ``'cuda[:N]'`` or a Device).
            handle: the bytes :meth:`ipc_handle` returned.

        Returns:
            An :class:`Event`.

        >>> import gpugrad as gg
        >>> if gg.cuda.is_available():
        ...     h = gg.cuda.Event(interprocess=True).ipc_handle()
        ...     assert isinstance(gg.cuda.Event.from_ipc_handle(0, h), gg.cuda.Event)
        """
        cp = _cupy("Event.from_ipc_handle")
        e = cls(interprocess=True)
        e._index = _ordinal("Event.from_ipc_handle", cp, device)
        with cp.cuda.Device(e._index):
            ev = cp.cuda.Event.__new__(cp.cuda.Event)
            ev.ptr = cp.cuda.runtime.ipcOpenEventHandle(handle)
        e._cp = ev
        return e

    def __repr__(self):
        return f"<gpugrad.cuda.Event {self.cuda_event:#x}>" if self._cp is not None else \
            "<gpugrad.cuda.Event uninitialized>"


class StreamContext:
    """Makes ``stream`` (and its device) current inside a ``with`` block, then restores both (as
    ``torch.cuda.StreamContext``).

    Args:
        stream: a :class:`Stream`, or None (nothing changes).

    >>> import gpugrad as gg
    >>> with gg.cuda.StreamContext(None):
    ...     pass
    """

    def __init__(self, stream):
        if stream is not None and not isinstance(stream, Stream):
            raise TypeError(f"gpugrad.cuda.stream: expected a gpugrad.cuda.Stream or None, got "
                            f"{type(stream).__name__}")
        self.stream = stream
        self._saved = []

    def __enter__(self):
        s = self.stream
        if s is None:
            return None
        cp = _cupy("stream")
        dev = cp.cuda.Device(s._index)
        dev.__enter__()
        self._saved.append((dev, cp.cuda.get_current_stream()))
        s._cp.use()
        return s

    def __exit__(self, *exc):
        if self.stream is None:
            return False
        dev, prev = self._saved.pop()
        prev.use()
        dev.__exit__(*exc)
        return False


def stream(stream):
    """``with gpugrad.cuda.stream(s):`` runs the block's GPU work on ``s``.

    Args:
        stream: a :class:`Stream`, or None (nothing changes).

    Returns:
        A :class:`StreamContext`.

    >>> import gpugrad as gg
    >>> with gg.cuda.stream(None):
    ...     pass
    """
    return StreamContext(stream)


def current_stream(device=None):
    """The stream GPU work goes to now.

    Args:
        device: an index, ``'cuda[:N]'`` or a Device (default: the current device).

    Returns:
        A :class:`Stream`.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     assert gg.cuda.current_stream() == gg.cuda.default_stream()
    """
    cp = _cupy("current_stream")
    i = _ordinal("current_stream", cp, device)
    return Stream._of(cp.cuda.get_current_stream(i), i)


def default_stream(device=None):
    """The legacy default stream (``cuda_stream == 0``), where work goes unless a stream is made current.

    Args:
        device: an index, ``'cuda[:N]'`` or a Device (default: the current device).

    Returns:
        A :class:`Stream`.

    >>> import gpugrad as gg
    >>> if gg.cuda.is_available():
    ...     assert gg.cuda.default_stream().cuda_stream == 0
    """
    cp = _cupy("default_stream")
    return Stream._of(cp.cuda.Stream.null, _ordinal("default_stream", cp, device))


def set_stream(stream) -> None:
    """Make ``stream`` the current stream of its device from now on (prefer the :func:`stream` context
    manager, which restores the previous one).

    Args:
        stream: a :class:`Stream`, or None (nothing changes).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> gg.cuda.set_stream(None)
    """
    if stream is None:
        return
    if not isinstance(stream, Stream):
        raise TypeError(f"gpugrad.cuda.set_stream: expected a gpugrad.cuda.Stream or None, got "
                        f"{type(stream).__name__}")
    cp = _cupy("set_stream")
    with cp.cuda.Device(stream._index):
        stream._cp.use()
