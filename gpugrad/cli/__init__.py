"""The ``gpugrad`` command line (also ``python -m gpugrad``).

    gpugrad train                      # an MLP on the 8x8 digits (offline), results in ./gpugrad-runs/digits
    gpugrad train --data spirals --hidden 64,64 --activation tanh --epochs 200
    gpugrad lr-find --optimizer sgd    # learning-rate range test, plot and suggestion
    gpugrad sweep --lr-range 1e-4,1e-1 --batch-sizes 16,128 --linear-scaling   # final losses, as a table
    gpugrad info                       # versions, devices, BLAS, CUDA, CuPy, Numba threading layer
    gpugrad bench                      # gpugrad.bench.* suites, as a ratio table

Bad arguments give a one-line message and exit status 2 (argparse's convention); errors raised while
running (a missing optional dependency, no GPU, a bad data set file) give ``gpugrad <command>: error: ...``
and exit status 1, never a traceback (``GPUGRAD_TRACEBACK=1`` shows it).
"""
from __future__ import annotations

import argparse
import functools
import os
import sys

from . import bench, explore, info, train
from .common import CLIError, make_optimizer, resolve_device

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The ``gpugrad`` argument parser, one subcommand per module of this package."""
    from .. import __version__
    parser = argparse.ArgumentParser(prog="gpugrad", description="gpugrad: train, inspect and benchmark.",
                                     allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"gpugrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser = functools.partial(sub.add_parser, allow_abbrev=False)   # `--lr` is not `--lr-range`
    train.add_parser(sub)
    explore.add_lr_find_parser(sub)
    explore.add_sweep_parser(sub)
    info.add_parser(sub)
    bench.add_parser(sub)
    return parser


COMMANDS = {"train": train.run, "lr-find": explore.run_lr_find, "sweep": explore.run_sweep, "info": info.run,
            "bench": bench.run}


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)         # usage errors: message and exit status 2, from argparse
    try:
        return COMMANDS[args.command](args)
    except CLIError as e:
        parser.exit(2, f"gpugrad {args.command}: error: {e}\n")
    except KeyboardInterrupt:
        print(f"gpugrad {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:                 # any failure while running: one line, no traceback
        if os.environ.get("GPUGRAD_TRACEBACK"):
            raise
        print(f"gpugrad {args.command}: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
