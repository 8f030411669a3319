"""What a profile recorded: one :class:`FunctionEvent` per op run (forward), per backward node and per
``record_function`` range, an :class:`EventList` of them with PyTorch's ``key_averages()`` and ``table()``,
and the Chrome trace format (``chrome://tracing``, Perfetto) that ``export_chrome_trace`` writes.

Times are in microseconds, as in PyTorch. An event's *self* time is its time minus that of the events
nested directly inside it on the same thread (a Linear's forward inside a ``record_function`` range, an op
inside a user's ``autograd.Function``).
"""
from __future__ import annotations

import json
import os
from collections import defaultdict

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList"]


class FunctionEvent:
    """One timed range: an op's forward, a node's backward, or a ``record_function`` block.

    Attributes:
        name: ``gpugrad::<Op>`` for an op, ``autograd::engine::evaluate_function: <Node>`` for a backward
            node, or the ``record_function`` name.
        start_us, end_us: wall-clock bounds (``time.perf_counter`` in microseconds).
        thread: the thread id it ran on.
        input_shapes: the shapes of the tensor arguments (with ``record_shapes=True``), else [].
        self_cpu_time_total: its time minus its direct children's.

    >>> e = FunctionEvent("gpugrad::Mul", 10.0, 15.0)
    >>> e.cpu_time_total, e.key
    (5.0, 'gpugrad::Mul')
    """

    def __init__(self, name, start_us, end_us, thread=0, input_shapes=None):
        self.name, self.start_us, self.end_us, self.thread = name, start_us, end_us, thread
        self.input_shapes = input_shapes or []
        self.children = []
        self.self_cpu_time_total = end_us - start_us
        self.count = 1

    device_time_total = self_device_time_total = 0.0

    @property
    def key(self):
        """The name the averages group by (the event's name).

        >>> FunctionEvent("x", 0.0, 1.0).key
        'x'
        """
        return self.name

    @property
    def cpu_time_total(self):
        """The event's wall-clock span in microseconds.

        >>> FunctionEvent("x", 1.0, 3.5).cpu_time_total
        2.5
        """
        return self.end_us - self.start_us

    cpu_time = cpu_time_total

    def __repr__(self):
        return (f"<FunctionEvent name={self.name} cpu_time={self.cpu_time_total:.3f}us "
                f"self_cpu_time={self.self_cpu_time_total:.3f}us input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """The events of one key (name, and shapes when grouped by them) added up, as PyTorch's.

    Args:
        key: the events' name.
        input_shapes: their input shapes, when grouped by them.

    >>> a = FunctionEventAvg("gpugrad::Mul")
    >>> _ = a.add(FunctionEvent("gpugrad::Mul", 0.0, 4.0)).add(FunctionEvent("gpugrad::Mul", 10.0, 12.0))
    >>> a.count, a.cpu_time_total, a.cpu_time
    (2, 6.0, 3.0)
    """

    device_time_total = self_device_time_total = 0.0

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.input_shapes = input_shapes or []
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0

    def add(self, event):
        """Add one event (or average) to the totals.

        Args:
            event: a :class:`FunctionEvent` or :class:`FunctionEventAvg`.

        Returns:
            self.

        >>> FunctionEventAvg("x").add(FunctionEvent("x", 0.0, 2.0)).count
        1
        """
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        return self

    @property
    def cpu_time(self):
        """The mean time per call in microseconds.

        >>> FunctionEventAvg("x").add(FunctionEvent("x", 0.0, 2.0)).cpu_time
        2.0
        """
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def self_cpu_time(self):
        """The mean self time per call in microseconds.

        >>> FunctionEventAvg("x").add(FunctionEvent("x", 0.0, 2.0)).self_cpu_time
        2.0
        """
        return self.self_cpu_time_total / self.count if self.count else 0.0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total:.3f}us "
                f"cpu_time={self.cpu_time:.3f}us input_shapes={self.input_shapes}>")


def _link(events):
    """Give every event its direct children (by nesting, per thread) and its self time."""
    by_thread = defaultdict(list)
    for e in events:
        e.children = []
        by_thread[e.thread].append(e)
    for evs in by_thread.values():
        evs.sort(key=lambda e: (e.start_us, -e.end_us))
        stack = []
        for e in evs:
            while stack and stack[-1].end_us <= e.start_us:
                stack.pop()
            if stack:
                stack[-1].children.append(e)
            stack.append(e)
    for e in events:
        e.self_cpu_time_total = e.cpu_time_total - sum(c.cpu_time_total for c in e.children)


def _fmt_us(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class EventList(list):
    """A list of :class:`FunctionEvent` (or, from :meth:`key_averages`, of :class:`FunctionEventAvg`).

    Args:
        events: the events (sorted by start time and linked to their children on construction).
        linked: the events are averages, or already linked: keep them as they are.

    >>> ev = EventList([FunctionEvent("a", 0.0, 10.0), FunctionEvent("b", 2.0, 5.0)])
    >>> [round(e.self_cpu_time_total, 1) for e in ev]
    [7.0, 3.0]
    """

    def __init__(self, events=(), linked=False):
        super().__init__(events)
        if not linked and self and isinstance(self[0], FunctionEvent):
            self.sort(key=lambda e: (e.start_us, -e.end_us))      # in the order they began, as PyTorch's
            _link(self)

    @property
    def self_cpu_time_total(self):
        """The sum of every event's self time (the profiled span's busy time), in microseconds.

        >>> EventList([FunctionEvent("a", 0.0, 10.0), FunctionEvent("b", 2.0, 5.0)]).self_cpu_time_total
        10.0
        """
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events added up per name (and per input shapes with ``group_by_input_shape``).

        Args:
            group_by_input_shape: one row per (name, shapes).
            group_by_stack_n: accepted for PyTorch's signature (no stacks are recorded).
            group_by_overload_name: accepted for PyTorch's signature.

        Returns:
            An EventList of :class:`FunctionEventAvg`.

        >>> ev = EventList([FunctionEvent("a", 0.0, 4.0), FunctionEvent("a", 5.0, 7.0)])
        >>> [(a.key, a.count, a.cpu_time_total) for a in ev.key_averages()]
        [('a', 2, 6.0)]
        """
        rows = {}
        for e in self:
            key = (e.key, str(e.input_shapes)) if group_by_input_shape else e.key
            if key not in rows:
                rows[key] = FunctionEventAvg(e.key, e.input_shapes if group_by_input_shape else None)
            rows[key].add(e)
        return EventList(rows.values(), linked=True)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False):
        """PyTorch's text table: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg, # of Calls
        (and Input Shapes when the rows carry them).

        Args:
            sort_by: an attribute to sort by, largest first ("cpu_time_total", "self_cpu_time_total",
                "count", ...); None keeps the order.
            row_limit: at most this many rows (-1: all).
            max_src_column_width: accepted for PyTorch's signature.
            max_name_column_width: names are cut to this width.
            max_shapes_column_width: shapes are cut to this width.
            header: a line printed above the table.
            top_level_events_only: only events not nested in another (for lists of single events).

        Returns:
            The table as a string.

        >>> print(EventList([FunctionEvent("a", 0.0, 4.0)]).table().splitlines()[3].split()[:3])
        ['a', '100.00%', '4.000us']
        """
        rows = list(self)
        if top_level_events_only and rows and isinstance(rows[0], FunctionEvent):
            nested = {id(c) for e in rows for c in e.children}
            rows = [e for e in rows if id(e) not in nested]
        if sort_by is not None:
            key = sort_by.replace("cuda", "device")
            rows.sort(key=lambda e: getattr(e, key, 0.0), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        total = sum(e.self_cpu_time_total for e in self) or 1.0
        shapes = any(e.input_shapes for e in rows)
        names = [e.key if len(e.key) <= max_name_column_width else e.key[:max_name_column_width - 3] + "..."
                 for e in rows]
        cols = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
        cells = [[n, f"{100 * e.self_cpu_time_total / total:.2f}%", _fmt_us(e.self_cpu_time_total),
                  f"{100 * e.cpu_time_total / total:.2f}%", _fmt_us(e.cpu_time_total),
                  _fmt_us(e.cpu_time_total / max(e.count, 1)), str(e.count)] for n, e in zip(names, rows)]
        if shapes:
            cols.append("Input Shapes")
            for c, e in zip(cells, rows):
                c.append(str(e.input_shapes)[:max_shapes_column_width])
        widths = [max([len(h)] + [len(c[i]) for c in cells]) + 2 for i, h in enumerate(cols)]
        line = "-" * (sum(widths) + len(widths) - 1)

        def row(values):
            return " ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))
        out = ([header] if header else []) + [line, row(cols), line] + [row(c) for c in cells] + [line]
        out.append(f"Self CPU time total: {_fmt_us(sum(e.self_cpu_time_total for e in self))}")
        return "\n".join(out) + "\n"

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (JSON, "X" events in microseconds) that chrome://tracing and
        Perfetto open.

        Args:
            path: the file to write (replaced whole: written to a temporary file first, then renamed).

        Returns:
            None.

        >>> import json, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "trace.json")
        >>> EventList([FunctionEvent("a", 0.0, 4.0)]).export_chrome_trace(path)
        >>> json.load(open(path))["traceEvents"][0]["dur"]
        4.0
        """
        events = [{"name": e.name, "ph": "X", "cat": "cpu_op", "ts": e.start_us, "dur": e.cpu_time_total,
                   "pid": os.getpid(), "tid": e.thread,
                   **({"args": {"Input Dims": e.input_shapes}} if e.input_shapes else {})}
                  for e in self if isinstance(e, FunctionEvent)]
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump({"traceEvents": events, "displayTimeUnit": "ms"}, f)
        os.replace(tmp, path)

    def __str__(self):
        return self.table()
