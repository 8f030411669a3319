"""Stage 2's pytest plugin (``-p gpucheck.pytest_plugin``): the test matrix under a lease's constraints.

- ``--gpucheck-log FILE``: each test's outcome appended as one JSON line as soon as it is known, so a run killed
  at its stage budget still says what ran (JUnit XML is written only at the end);
- ``--gpucheck-timeout SECONDS``: a test running longer fails with :class:`TestTimeout` (SIGALRM: it interrupts
  Python code; a hang inside a CUDA call is left to the stage budget);
- ``--gpucheck-interleave``: the selected tests reordered round-robin over their modules (module A's first test,
  module B's first, ..., then every module's second), so every module is covered early however soon the
  run is cut off;
- ``--gpucheck-device NAME``: only the tests that the ``device`` fixture runs on NAME (the dry run's ``strict``
  cases; ``-k strict`` would also pick any test with "strict" in its name);
- ``--gpucheck-max N``: only the first N tests after that ordering (the dry run's small sample).
"""
from __future__ import annotations

import json
import os
import signal
from collections import OrderedDict

import pytest


class TestTimeout(Exception):
    """A test ran past ``--gpucheck-timeout``."""

    __test__ = False            # not a test class, whatever pytest's name matching thinks


def pytest_addoption(parser):
    g = parser.getgroup("gpucheck")
    g.addoption("--gpucheck-log", default=None, help="append each test's outcome to this JSON-lines file")
    g.addoption("--gpucheck-timeout", type=float, default=0.0, help="per-test time limit in seconds (0: none)")
    g.addoption("--gpucheck-interleave", action="store_true", help="order tests round-robin over modules")
    g.addoption("--gpucheck-device", default=None, help="only tests parametrized with this device")
    g.addoption("--gpucheck-max", type=int, default=0, help="run only the first N tests (0: all)")


def interleave(items):
    """Round-robin over modules, keeping each module's own order."""
    by_module = OrderedDict()
    for it in items:
        by_module.setdefault(it.nodeid.split("::", 1)[0], []).append(it)
    queues = [list(reversed(v)) for v in by_module.values()]
    out = []
    while queues:
        for q in queues:
            out.append(q.pop())
        queues = [q for q in queues if q]
    return out


@pytest.hookimpl(trylast=True)          # after -m/-k deselection
def pytest_collection_modifyitems(session, config, items):
    device = config.getoption("--gpucheck-device")
    if device:
        keep = [it for it in items if getattr(getattr(it, "callspec", None), "params", {}).get("device") == device]
        kept = set(map(id, keep))
        config.hook.pytest_deselected(items=[it for it in items if id(it) not in kept])
        items[:] = keep
    if config.getoption("--gpucheck-interleave"):
        items[:] = interleave(items)
    n = config.getoption("--gpucheck-max")
    if n and len(items) > n:
        config.hook.pytest_deselected(items=items[n:])
        del items[n:]
    log = config.getoption("--gpucheck-log")
    if log:     # what was selected, for the report's "N of M modules reached" (every xdist worker writes the same)
        modules = sorted({it.nodeid.split("::", 1)[0] for it in items})
        tmp = f"{log}.selected.{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump({"selected": len(items), "modules": modules}, f)
        os.replace(tmp, f"{log}.selected")


def _alarm(signum, frame):
    raise TestTimeout("test ran past the per-test limit (--gpucheck-timeout)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    limit = item.config.getoption("--gpucheck-timeout")
    if limit > 0 and hasattr(signal, "setitimer"):
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    else:
        yield


def _outcome(report):
    """The test's final outcome from this phase's report, or None when a later phase decides it."""
    if report.when == "call":
        return "passed" if report.passed else "skipped" if report.skipped else "failed"
    if report.failed:
        return "error"                          # setup or teardown failed
    if report.when == "setup" and report.skipped:
        return "skipped"
    return None


def pytest_runtest_logreport(report):
    path = _log_path[0]
    if path is None:
        return
    outcome = _outcome(report)
    if outcome is None:
        return
    rec = {"nodeid": report.nodeid, "outcome": outcome, "when": report.when,
           "seconds": round(getattr(report, "duration", 0.0), 4)}
    if outcome in ("failed", "error"):
        rec["longrepr"] = str(report.longrepr)[-6000:]
    elif outcome == "skipped" and isinstance(report.longrepr, tuple):
        rec["reason"] = str(report.longrepr[2])[:300]
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


_log_path = [None]


def pytest_configure(config):
    # only the controlling process writes the log (under pytest-xdist, reports reach it from the workers)
    if not hasattr(config, "workerinput"):
        _log_path[0] = config.getoption("--gpucheck-log")
