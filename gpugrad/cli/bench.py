"""``gpugrad bench``: run the ``gpugrad.bench`` suites and print their tables."""
from __future__ import annotations

import json
from pathlib import Path

from .common import CLIError, resolve_device

BENCH_SUITES = ("overhead", "kernels", "mlp")


def add_parser(sub):
    """Add the ``bench`` command to the subparsers ``sub``."""
    b = sub.add_parser("bench", help="run the gpugrad.bench suites and print their tables")
    b.add_argument("suites", nargs="*", default=[], help="suites to run (default: all; e.g. overhead kernels)")
    b.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    b.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    b.add_argument("--device", default="auto", help="for suites that take one: auto, cpu, cuda, cuda:N")
    return b


def _bench_kwargs(run, args, device):
    """The options a suite's ``run()`` understands: ``quick`` (or fewer repeats) and ``device``."""
    import inspect
    params = inspect.signature(run).parameters
    kw = {}
    if args.quick:
        if "quick" in params:
            kw["quick"] = True
        elif "repeat" in params:
            kw["repeat"] = 3
    if "device" in params:
        kw["device"] = device
    return kw


def run(args):
    """Run the chosen suites and print their tables; 0 on success."""
    import importlib
    from ..train import format_table
    suites = args.suites or list(BENCH_SUITES)
    unknown = [s for s in suites if s not in BENCH_SUITES]
    if unknown:
        raise CLIError(f"unknown bench suite(s) {', '.join(unknown)}; choose from {', '.join(BENCH_SUITES)}")
    device = resolve_device(args.device)      # a bad --device fails now, not after the suites before it ran
    everything = {}
    for name in suites:
        try:
            mod = importlib.import_module(f"gpugrad.bench.{name}")
        except ModuleNotFoundError as e:
            raise CLIError(f"bench suite {name!r} is not available in this install ({e})") from None
        rows = [dict(r) for r in mod.run(**_bench_kwargs(mod.run, args, device))]
        everything[name] = rows
        print(f"== {name} ==")
        print(format_table(rows))
        print()
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1, default=str))
        print(f"wrote {args.json}")
    return 0

