"""``gpugrad.multiprocessing``: Python's :mod:`multiprocessing` plus PyTorch's ``spawn`` /
``start_processes`` (run ``fn(i, *args)`` in ``nprocs`` processes, and raise in the parent when one fails) and
the sharing-strategy switches, as ``torch.multiprocessing``.

Tensors and processes. With the fork start method, a CPU tensor moved into shared memory before the fork
(``tensor.share_memory_()``, ``module.share_memory()``) is the same memory in every child, so Hogwild-style
training works as in PyTorch. A tensor *sent* to another process (an argument of ``spawn``, an item of a
``Queue``) is pickled and arrives as a copy: unlike PyTorch, gpugrad does not pass shared storage through
pickles, so writes in the receiver are not seen by the sender. GPU tensors cannot be shared across processes
(CuPy has no CUDA IPC for them here); send them to the CPU first.

>>> import gpugrad.multiprocessing as mp
>>> mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
True
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import tempfile
import traceback
from multiprocessing import *  # noqa: F401,F403  (as torch.multiprocessing: the whole standard module)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies", "spawn",
           "start_processes", "ProcessContext", "ProcessException", "ProcessRaisedException",
           "ProcessExitedException", "SpawnContext"]   # (and the standard module's names, not listed here)

_STRATEGIES = {"file_descriptor", "file_system"} if sys.platform.startswith("linux") else {"file_system"}
_strategy = ["file_descriptor" if "file_descriptor" in _STRATEGIES else "file_system"]


def get_all_sharing_strategies():
    """The sharing strategies this platform supports (PyTorch's names).

    Returns:
        A set of str.

    >>> import gpugrad.multiprocessing as mp
    >>> "file_system" in mp.get_all_sharing_strategies()
    True
    """
    return set(_STRATEGIES)


def get_sharing_strategy():
    """The current sharing strategy (see :func:`set_sharing_strategy`).

    Returns:
        A str.

    >>> import gpugrad.multiprocessing as mp
    >>> isinstance(mp.get_sharing_strategy(), str)
    True
    """
    return _strategy[0]


def set_sharing_strategy(new_strategy):
    """Choose how PyTorch would pass shared CPU storage between processes. gpugrad copies tensors sent through
    pickles whatever the choice (see the module docstring), so this only records a valid choice, for scripts
    that set it.

    Args:
        new_strategy: one of :func:`get_all_sharing_strategies`.

    Returns:
        None.

    >>> import gpugrad.multiprocessing as mp
    >>> mp.set_sharing_strategy("file_system"); mp.get_sharing_strategy()
    'file_system'
    >>> mp.set_sharing_strategy("file_descriptor" if "file_descriptor" in mp.get_all_sharing_strategies()
    ...                         else "file_system")
    """
    if new_strategy not in _STRATEGIES:
        raise ValueError(f"set_sharing_strategy: unknown strategy {new_strategy!r}; expected one of "
                         f"{sorted(_STRATEGIES)}")
    _strategy[0] = new_strategy


class ProcessException(Exception):
    """A process started by :func:`spawn` failed.

    Args:
        msg: the message.
        error_index: the failed process's index (its ``i``).
        error_pid: its process id.

    >>> import gpugrad.multiprocessing as mp
    >>> mp.ProcessException("failed", 1, 123).error_index
    1
    """

    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg)
        self.msg, self.error_index, self.pid = msg, error_index, error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A process started by :func:`spawn` raised; the message holds its traceback.

    Args:
        msg: the message (with the child's traceback).
        error_index: the failed process's index.
        error_pid: its process id.

    >>> import gpugrad.multiprocessing as mp
    >>> isinstance(mp.ProcessRaisedException("boom", 0, 1), mp.ProcessException)
    True
    """


class ProcessExitedException(ProcessException):
    """A process started by :func:`spawn` exited with a nonzero code or was killed by a signal.

    Args:
        msg: the message.
        error_index: the failed process's index.
        error_pid: its process id.
        exit_code: its exit code (negative: the signal's number).
        signal_name: the signal's name, when a signal ended it.

    >>> import gpugrad.multiprocessing as mp
    >>> mp.ProcessExitedException("exited", 0, 1, exit_code=3).exit_code
    3
    """

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _run(fn, i, args, error_file):
    """A child's body: ``fn(i, *args)``; an exception's traceback goes to ``error_file`` and exit code 1."""
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass                                      # the parent is shutting the children down
    except Exception:
        with open(error_file, "w") as f:
            f.write(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    """The processes :func:`start_processes` started (``join=False``), to :meth:`join`.

    Args:
        processes: the ``multiprocessing.Process`` objects, in index order.
        error_files: the file each one writes its traceback to if it raises.

    >>> import gpugrad.multiprocessing as mp
    >>> ctx = mp.ProcessContext([], [])
    >>> ctx.join(), ctx.pids()
    (True, [])
    """

    def __init__(self, processes, error_files):
        self.processes = list(processes)
        self.error_files = list(error_files)
        self.sentinels = {p.sentinel: i for i, p in enumerate(self.processes)}

    def pids(self):
        """The children's process ids.

        Returns:
            A list of int.

        >>> import gpugrad.multiprocessing as mp
        >>> mp.ProcessContext([], []).pids()
        []
        """
        return [int(p.pid) for p in self.processes]

    def join(self, timeout=None):
        """Wait for the children. When one fails, the others are terminated and the failure is raised here:
        :class:`ProcessRaisedException` (with the child's traceback) if it raised, else
        :class:`ProcessExitedException`.

        Args:
            timeout: seconds to wait (None: until a child fails or all are done).

        Returns:
            True when every child has finished, False if the timeout passed first.

        >>> import gpugrad.multiprocessing as mp
        >>> mp.ProcessContext([], []).join(timeout=0)
        True
        """
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        failed = None
        for s in ready:
            i = self.sentinels.pop(s)
            p = self.processes[i]
            p.join()
            if p.exitcode != 0 and failed is None:
                failed = i
        if failed is None:
            return not self.sentinels
        for p in self.processes:                 # take the others down before reporting
            if p.is_alive():
                p.terminate()
            p.join()
        self._raise(failed)

    def _raise(self, i):
        p, path = self.processes[i], self.error_files[i]
        trace = ""
        if os.path.exists(path):
            with open(path) as f:
                trace = f.read()
        self._cleanup()
        if trace:
            raise ProcessRaisedException(f"\n\n-- Process {i} terminated with the following error:\n{trace}",
                                         i, p.pid)
        if p.exitcode < 0:
            name = signal.Signals(-p.exitcode).name
            raise ProcessExitedException(f"process {i} terminated with signal {name}", i, p.pid,
                                         exit_code=p.exitcode, signal_name=name)
        raise ProcessExitedException(f"process {i} terminated with exit code {p.exitcode}", i, p.pid,
                                     exit_code=p.exitcode)

    def _cleanup(self):
        for path in self.error_files:
            try:
                os.unlink(path)
            except OSError:
                pass

    def __del__(self):
        if not self.sentinels:
            self._cleanup()


#: PyTorch's older name of :class:`ProcessContext`
SpawnContext = ProcessContext


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Run ``fn(i, *args)`` for i = 0 .. nprocs-1, each in its own process.

    Args:
        fn: a function of the index and ``args`` (with the spawn and forkserver start methods it must be
            importable: defined at the top level of a module).
        args: the arguments after the index.
        nprocs: how many processes.
        join: wait for them here (else return a :class:`ProcessContext`).
        daemon: make them daemonic.
        start_method: ``"spawn"``, ``"fork"`` or ``"forkserver"``.

    Returns:
        None when ``join``, else a :class:`ProcessContext`.

    >>> import gpugrad.multiprocessing as mp
    >>> mp.start_processes(print, nprocs=0, start_method="fork")
    """
    ctx = multiprocessing.get_context(start_method)
    processes, files = [], []
    for i in range(nprocs):
        fd, path = tempfile.mkstemp(prefix="gpugrad-spawn-", suffix=".err")
        os.close(fd)
        os.unlink(path)                          # the child creates it only if it raises
        p = ctx.Process(target=_run, args=(fn, i, tuple(args), path), daemon=daemon)
        p.start()
        processes.append(p)
        files.append(path)
    context = ProcessContext(processes, files)
    if not join:
        return context
    while not context.join():
        pass


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """:func:`start_processes` with the spawn start method by default (``torch.multiprocessing.spawn``): the
    usual way to start one training process per device.

    Args:
        fn: a function of the index and ``args``, importable (defined at the top level of a module).
        args: the arguments after the index.
        nprocs: how many processes.
        join: wait for them here (else return a :class:`ProcessContext`).
        daemon: make them daemonic.
        start_method: the start method (PyTorch warns for anything but "spawn"; gpugrad accepts any).

    Returns:
        None when ``join``, else a :class:`ProcessContext`.

    >>> import gpugrad.multiprocessing as mp
    >>> mp.spawn(print, nprocs=0)
    """
    return start_processes(fn, args, nprocs, join, daemon, start_method)
