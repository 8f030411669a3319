"""How many threads NumPy's BLAS gets for one CPU matmul (and :func:`matmul`, which keeps the outer products
that NumPy's matmul computes without the BLAS off it).

OpenBLAS splits every matmul above a small size over all its threads. With a core free, a second thread
pays from about 4M multiply-adds, or from about 1 MB of the (k, n) operand, since a matmul with few rows is
bound by reading that operand (measured on the project's 2-core AVX-512 dev machine, between other work as
in a step, while another engineer's process held part of one core: (8, 512) x (512, 512) 228 us on one thread and 125 us on two; (128, 128) x (128, 128) 60 us
against 80 us). But a thread that is not running when its share arrives makes the whole call wait for the
scheduler: on that machine shared with other processes, a (32, 784) x (784, 512) matmul took 0.27 ms on one
thread and 0.3-88 ms on two (BENCHMARKS.md, "Where the step's time goes"). So a matmul runs on one thread
when it is small (below :data:`SMALL_MACS` multiply-adds and :data:`SMALL_OPERAND` elements of the (k, n)
operand) or when the machine is busy (other processes used at least half of the cores over the last second,
see :func:`busy`: the whole ReLU MLP step at batch 1024 measured 98 ms on one thread against 168-204 ms on
two at load 6-8); otherwise on the BLAS's default count. Nothing changes without threadpoolctl or with
``GPUGRAD_BLAS_THREADS`` set (an integer: always that many; ``0``: never touch the BLAS).

    >>> import numpy as np
    >>> a = np.ones((4, 3), np.float32)
    >>> prepare(4, 3, 4)                  # before a small matmul: one thread
    >>> (a @ a.T).shape
    (4, 4)
"""
from __future__ import annotations

import os
import time

import numpy as np

#: multiply-adds below which a matmul runs on one BLAS thread (unless its (k, n) operand is large)
SMALL_MACS = 1 << 22
#: elements of the (k, n) operand from which a matmul with few rows gets the BLAS's threads
SMALL_OPERAND = 1 << 18

#: seconds an OpenBLAS worker keeps spinning after a threaded call (its default timeout, 2^28 cycles: a measured
#: 105 ms of CPU during a 200 ms sleep after one matmul on the dev machine)
SPIN_S = 0.12

_state = {"ctl": None, "default": None, "current": None, "busy": False, "checked": -1.0, "fixed": None,
          "threaded_at": -1.0}


def _setup():
    env = os.environ.get("GPUGRAD_BLAS_THREADS", "").strip()
    if env:
        _state["fixed"] = int(env)
    try:
        from threadpoolctl import ThreadpoolController
        ctls = ThreadpoolController().select(user_api="blas").lib_controllers
    except Exception:        # no threadpoolctl, or a BLAS it does not know: leave the BLAS alone
        ctls = []
    _state["ctl"] = ctls[0] if ctls else False
    if ctls:
        _state["default"] = _state["current"] = ctls[0].get_num_threads()
        if _state["fixed"]:
            ctls[0].set_num_threads(_state["fixed"])
            _state["current"] = _state["fixed"]


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100   # /proc/stat's clock ticks a second


def _cpu_seconds():
    """(seconds all CPUs spent busy, seconds this process ran) since boot / process start, or None off Linux.
    /proc/stat's first line counts clock ticks per state; busy is everything but idle and iowait."""
    try:
        with open("/proc/stat", "rb") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    busy_ticks = sum(ticks[:8]) - ticks[3] - (ticks[4] if len(ticks) > 4 else 0)
    return busy_ticks / _TICKS, time.process_time()


#: seconds between two readings of the machine's load (the window that :func:`busy` judges)
WINDOW_S = 0.25
#: a reading this much older than the last one is stale: gpugrad ran no kernel in between, so the window
#: says what the machine did while we were not using it (another process's burst, say), not now
STALE_S = 1.0


def busy():
    """True while other processes keep at least half of the cores busy (measured over the last
    :data:`WINDOW_S` seconds or more, read at most that often): then a second BLAS thread would wait for the
    scheduler.

    The CPU time of this process's own threads is subtracted, so a training run does not count its own
    BLAS threads as load (the 1-minute load average does, and a run on an idle 2-core machine would then
    drop to one thread after a minute). A window longer than :data:`STALE_S` (this process ran nothing
    that asked for a while) starts a new one and keeps the last answer: a one-second window once spanned
    another process's half-second burst that had ended before ours began, and the next second of gpugrad's
    kernels ran on one thread of an idle machine (1M SiLU forward + backward 1.6 against 1.1 ms). Off Linux,
    the load average: busy at or above the cores."""
    now = time.monotonic()
    if now - _state["checked"] >= WINDOW_S:
        cur = _cpu_seconds()
        prev, _state["cpu"] = _state.get("cpu"), cur
        if cur is None:
            _state["busy"] = os.getloadavg()[0] >= (os.cpu_count() or 1) if hasattr(os, "getloadavg") else False
        elif prev is not None and now - _state["checked"] <= STALE_S:
            others = (cur[0] - prev[0]) - (cur[1] - prev[1])       # CPU-seconds used by other processes
            _state["busy"] = others / (now - _state["checked"]) >= 0.5 * (os.cpu_count() or 1)
        _state["checked"] = now
    return _state["busy"]


def fix_threads(n):
    """Always run the BLAS on ``n`` threads from now on, as if gpugrad had started with
    ``GPUGRAD_BLAS_THREADS=n`` (what :func:`gpugrad.set_num_threads` calls); ``n`` > 0."""
    if _state["ctl"] is None:
        _setup()
    _state["fixed"] = n
    if _state["ctl"]:
        _state["ctl"].set_num_threads(n)
        _state["current"] = n


def fixed_threads():
    """The BLAS threads fixed by ``GPUGRAD_BLAS_THREADS`` or :func:`fix_threads` (None: chosen per matmul;
    0: the BLAS is left alone)."""
    if _state["ctl"] is None:
        _setup()
    return _state["fixed"]


def prepare(m, k, n):
    """Set the BLAS threads for an (m, k) x (k, n) matmul that is about to run (see the module docstring)."""
    ctl = _state["ctl"]
    if ctl is None:
        _setup()
        ctl = _state["ctl"]
    if not ctl or _state["fixed"] is not None:
        if _state["fixed"] != 1:
            _state["threaded_at"] = time.monotonic()
        return
    small = m * k * n < SMALL_MACS and k * n < SMALL_OPERAND
    want = 1 if small or busy() else _state["default"]
    if want != _state["current"]:
        ctl.set_num_threads(want)
        _state["current"] = want
    if want > 1:
        _state["threaded_at"] = time.monotonic()


def matmul(xp, a, b, out=None):
    """``xp.matmul(a, b, out=out)``, but for NumPy arrays whose inner size is 1 (an outer product: the weight
    gradient of a batch of one, a layer with one input or one output) a broadcasting multiply, which gives the
    same products: NumPy's matmul does not call the BLAS then, and a (512, 1) x (1, 784) float32 product took
    0.58 ms against 0.13 ms (1024 x 512: 1.40 against 0.25 ms). The multiply also keeps the sign of a zero
    product (-1 x 0 = -0), as PyTorch's matmul does and NumPy's does not.

    >>> import numpy as np
    >>> matmul(np, np.array([[-1.0], [2.0]]), np.array([[0.0, 3.0]])).tolist()
    [[-0.0, -3.0], [0.0, 6.0]]
    """
    if xp is np and a.ndim >= 2 and b.ndim >= 2 and a.shape[-1] == 1 == b.shape[-2]:
        return np.multiply(a, b, out=out)
    return xp.matmul(a, b, out=out)


def crowded():
    """True when a second kernel thread would not find a core to itself: while a BLAS worker still spins after
    a threaded matmul that gpugrad ran (:data:`SPIN_S`), or while other processes keep the machine busy
    (:func:`busy`). Then the CPU kernels that split their work over two threads run on the caller's thread:
    after a matmul, a bias + SiLU forward on (1024, 512) measured 0.32 ms on one thread against 0.53-0.62 ms on
    two (BENCHMARKS.md, "Turns, one-thread kernels after a matmul, a cheaper e^x";
    ``python -m gpugrad.bench.kernels --after-matmul``)."""
    return time.monotonic() - _state["threaded_at"] < SPIN_S or busy()
