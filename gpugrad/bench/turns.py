"""Two libraries timed in turns: each in its own long-lived child process, taking short bursts one after the other.

A benchmark that runs one library's process for a few seconds and then the other's compares two moments of a
shared machine: on the project's 2-core VM the same gpugrad step measured 22-28 ms from one minute to the next,
and the per-pair ratios of a cell spread over 0.58-1.19. Here both children stay alive, build their cases once,
and wait on a pipe; the parent hands out bursts of about ``burst_s`` seconds, alternating which library goes
first, so that the two halves of every ratio are measured a second apart. Between bursts the parent waits
``gap_s`` (longer than a BLAS worker's spin after its last call, see :data:`gpugrad.kernels._blas.SPIN_S`), so
the library whose turn it is does not share the cores with the other's idle-spinning threads.

A child is ``python -m <module> --worker <lib> ... --serve``; it calls :func:`serve` with its cases.

    >>> import sys
    >>> code = "from gpugrad.bench.turns import serve; serve({'nop': lambda: None}, lambda: None)"
    >>> runs = alternate({"a": [sys.executable, "-c", code], "b": [sys.executable, "-c", code]},
    ...                  rounds=2, burst_s=0.01, gap_s=0.0)
    >>> sorted(runs), [len(v) for v in runs["nop"].values()]
    (['nop'], [2, 2])
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

__all__ = ["serve", "alternate"]


def serve(cases, sync, warmup=3, min_calls=5):
    """The child's side: announce the names of ``cases`` (name -> callable), then, for every line
    ``[name, burst_s]`` (JSON) read from stdin, time calls of that case for about ``burst_s`` seconds (at least
    ``min_calls``; ``warmup`` untimed calls before the first burst of each case) and print the median in ms.
    ``sync()`` waits for the device. An empty line or end of input ends it.

    Args:
        cases: dict of name -> zero-argument callable (one step, one kernel call).
        sync: zero-argument callable run after every call (a device synchronize, or nothing).
        warmup: untimed calls before a case's first burst.
        min_calls: fewest timed calls per burst.

    Returns:
        None (prints JSON lines to stdout).

    >>> import io, sys
    >>> stdin, stdout = sys.stdin, sys.stdout
    >>> sys.stdin, sys.stdout = io.StringIO('["nop", 0.001]\\n'), io.StringIO()
    >>> try:
    ...     serve({"nop": lambda: None}, lambda: None)
    ...     lines = sys.stdout.getvalue().splitlines()
    ... finally:
    ...     sys.stdin, sys.stdout = stdin, stdout
    >>> json.loads(lines[0]), sorted(json.loads(lines[1]))
    (['nop'], ['ms', 'name'])
    """
    print(json.dumps(list(cases)), flush=True)
    warm = set()
    for line in sys.stdin:
        if not line.strip():
            break
        name, burst_s = json.loads(line)
        fn = cases[name]
        if name not in warm:
            for _ in range(warmup):
                fn()
            sync()
            warm.add(name)
        times = []
        start = time.perf_counter()
        while len(times) < min_calls or time.perf_counter() - start < float(burst_s):
            t0 = time.perf_counter()
            fn()
            sync()
            times.append(time.perf_counter() - t0)
        print(json.dumps({"name": name, "ms": statistics.median(times) * 1e3}), flush=True)


def _start(lib, cmd):
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, _read(lib, proc, cmd)


def _read(lib, proc, cmd):
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        err = proc.stderr.read()[-2000:].strip()
        raise RuntimeError(f"bench: the {lib} child ({' '.join(cmd)}) stopped" + (f":\n{err}" if err else ""))
    return json.loads(line)


def alternate(commands, rounds=5, burst_s=0.5, gap_s=0.15):
    """The parent's side: start one child per library (``commands``: lib -> argv of a child that calls
    :func:`serve`), then ``rounds`` times over every case, one burst of each library, the first alternating.

    Args:
        commands: dict of exactly two libraries -> the argv that starts each one's child.
        rounds: bursts per case and library (each round gives one paired ratio).
        burst_s: seconds of calls per burst.
        gap_s: seconds of idle before every burst.

    Returns:
        dict case name -> {lib: [median ms of each round]}, in the first child's case order; cases only
        one child has get only that child's list.

    >>> alternate({"a": ["false"], "b": ["false"]})
    Traceback (most recent call last):
    ...
    RuntimeError: bench: the a child (false) stopped
    """
    libs = list(commands)
    procs = {}
    try:
        names = {}
        for lib in libs:
            procs[lib], names[lib] = _start(lib, commands[lib])
        order = list(dict.fromkeys(n for lib in libs for n in names[lib]))
        runs = {n: {lib: [] for lib in libs if n in names[lib]} for n in order}
        for r in range(rounds):
            for i, name in enumerate(order):
                turn = libs if (r + i) % 2 == 0 else libs[::-1]
                for lib in turn:
                    if name not in names[lib]:
                        continue
                    time.sleep(gap_s)
                    try:
                        procs[lib].stdin.write(json.dumps([name, burst_s]) + "\n")
                        procs[lib].stdin.flush()
                    except OSError:         # it has exited: _read reports its stderr
                        pass
                    got = _read(lib, procs[lib], commands[lib])
                    runs[name][lib].append(got["ms"])
        return runs
    finally:
        for proc in procs.values():
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
