"""``gpugrad.autograd.profiler``: PyTorch's older profiler API (``torch.autograd.profiler.profile``) over the
same recorder as :mod:`gpugrad.profiler`.

>>> import gpugrad as gg
>>> with gg.autograd.profiler.profile() as prof:
...     _ = gg.ones(3) * 2
>>> prof.key_averages()[0].key
'gpugrad::Mul'
"""
from __future__ import annotations

from ..profiler.events import EventList
from ..profiler.recorder import Recorder, record_function

__all__ = ["profile", "record_function"]


class profile:
    """Record ops, backward nodes and ``record_function`` ranges inside the block.

    Args:
        enabled: False makes the block record nothing.
        use_cuda: accepted (deprecated in PyTorch); no device timeline is recorded.
        use_device: accepted for PyTorch's signature.
        record_shapes: keep each op's input shapes.
        with_flops: accepted; no FLOPs are counted.
        profile_memory: accepted; nothing is recorded about memory.
        with_stack: accepted; no stacks are recorded.
        with_modules: accepted; no module hierarchy is recorded.
        use_kineto: accepted for PyTorch's signature.
        use_cpu: accepted (gpugrad records the CPU clock).
        experimental_config: accepted for PyTorch's signature.
        acc_events: accepted for PyTorch's signature.
        custom_trace_id_callback: accepted for PyTorch's signature.

    >>> import gpugrad as gg
    >>> with profile(record_shapes=True) as prof:
    ...     _ = gg.ones(2, 3) * gg.ones(3)
    >>> prof.function_events[0].input_shapes
    [[2, 3], [3]]
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.function_events = None
        self._recorder = None

    def __enter__(self):
        if self.enabled:
            self._recorder = Recorder(self.record_shapes)
            self._recorder.start()
        return self

    def __exit__(self, *exc):
        if self._recorder is not None:
            self._recorder.stop()
            self.function_events = EventList(self._recorder.events)
            self._recorder = None
        return False

    def _events(self):
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self.function_events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events added up per name (see :meth:`gpugrad.profiler.EventList.key_averages`).

        Args:
            group_by_input_shape: one row per (name, input shapes).
            group_by_stack_n: accepted for PyTorch's signature.
            group_by_overload_name: accepted for PyTorch's signature.

        Returns:
            An EventList of averages.
        """
        return self._events().key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False):
        """PyTorch's text table of the recorded events (see :meth:`gpugrad.profiler.EventList.table`).

        Args:
            sort_by: the attribute to sort by, largest first.
            row_limit: at most this many rows.
            max_src_column_width: accepted for PyTorch's signature.
            max_name_column_width: names are cut to this width.
            max_shapes_column_width: shapes are cut to this width.
            header: a line above the table.
            top_level_events_only: only events not nested in another.

        Returns:
            A string.
        """
        return self._events().table(sort_by, row_limit, max_src_column_width, max_name_column_width,
                                    max_shapes_column_width, header, top_level_events_only)

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace JSON.

        Args:
            path: the file to write.

        Returns:
            None.
        """
        self._events().export_chrome_trace(path)

    @property
    def self_cpu_time_total(self):
        """The total self CPU time of the events, in microseconds."""
        return self._events().self_cpu_time_total

    def __str__(self):
        return self.table()
