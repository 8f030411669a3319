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
import json
import os
import platform
import sys
import time
from pathlib import Path

__all__ = ["main", "build_parser"]

OPTIMIZERS = ("adam", "adamw", "sgd", "momentum", "nesterov", "rmsprop", "adagrad")
DEFAULT_LR = {"adam": 1e-3, "adamw": 1e-3, "sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "rmsprop": 1e-3,
              "adagrad": 0.05}


class CLIError(Exception):
    """A usage problem found after parsing (reported like an argparse error)."""


def _sizes(text):
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer widths like 128,64, got {text!r}")
    if any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer widths must be positive, got {text!r}")
    return sizes


def _pair(kind):
    def parse(text):
        parts = text.replace(" ", "").split(",")
        try:
            if len(parts) != 2:
                raise ValueError
            return kind(parts[0]), kind(parts[1])
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected two comma-separated {kind.__name__}s like LOW,HIGH, "
                                             f"got {text!r}")
    parse.__name__ = f"pair of {kind.__name__}s"
    return parse


def _positive(kind, zero_ok=False):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}")
        if not (v >= 0 if zero_ok else v > 0):      # (not v > 0 also refuses nan)
            raise argparse.ArgumentTypeError(f"must be {'>= 0' if zero_ok else 'positive'}, got {text!r}")
        return v
    parse.__name__ = f"{'non-negative' if zero_ok else 'positive'} {kind.__name__}"
    return parse


def _add_model_args(p, single_run=True):
    from .data import DATASETS
    g = p.add_argument_group("data and model")
    g.add_argument("--data", default="digits", choices=sorted(DATASETS), help="data set (default: digits, offline)")
    g.add_argument("--test-fraction", type=float, default=0.25, help="held-out share (not for mnist; default 0.25)")
    g.add_argument("--hidden", type=_sizes, default=[256, 128], help="hidden layer widths (default: 256,128)")
    g.add_argument("--activation", default="relu",
                   choices=("relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "tanh", "sigmoid"))
    g.add_argument("--init", default="kaiming",
                   choices=("kaiming", "kaiming_uniform", "xavier", "xavier_normal", "orthogonal", "default"))
    g.add_argument("--norm", default=None, choices=("batch", "layer"), help="normalization after each hidden layer")
    g.add_argument("--dropout", type=float, default=0.0)
    o = p.add_argument_group("optimization")
    o.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    o.add_argument("--weight-decay", type=_positive(float, zero_ok=True), default=0.0)
    if single_run:
        o.add_argument("--lr", type=_positive(float), default=None, help="learning rate (default per optimizer)")
        o.add_argument("--batch-size", type=_positive(int), default=32)
    r = p.add_argument_group("run")
    r.add_argument("--device", default="auto", help="auto (a GPU if one answers, else cpu), cpu, cuda, cuda:N")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--out", type=Path, default=None, help="output folder (default: gpugrad-runs/<data>)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    parser = argparse.ArgumentParser(prog="gpugrad", description="gpugrad: train, inspect and benchmark.",
                                     allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"gpugrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser = functools.partial(sub.add_parser, allow_abbrev=False)   # `--lr` is not `--lr-range`

    t = sub.add_parser("train", help="train an MLP on a data set; write history, plot and checkpoint",
                       description="Train an MLP; print the final train/test accuracy; write history.csv/.json, "
                                   "convergence.png and model.safetensors to the output folder.")
    _add_model_args(t)
    t.add_argument("--epochs", type=_positive(int), default=30)
    t.add_argument("--scheduler", default="none", choices=("none", "cosine", "step"),
                   help="cosine annealing to 0, or x0.1 at 50%% and 75%% of the epochs")
    t.add_argument("--max-grad-norm", type=_positive(float), default=None, help="clip the global gradient norm")
    t.add_argument("--health", action="store_true", help="record gradient health; write a report and plot")
    t.add_argument("--log-epochs", action="store_true", help="log-scaled epoch axis in the plot")

    f = sub.add_parser("lr-find", help="learning-rate range test: plot and suggested learning rate")
    _add_model_args(f)
    f.add_argument("--start-lr", type=_positive(float), default=1e-6)
    f.add_argument("--end-lr", type=_positive(float), default=10.0)
    f.add_argument("--num-iter", type=_positive(int), default=100)

    w = sub.add_parser("sweep", help="learning rates (log grid) x batch sizes (powers of two): final losses",
                       description="Train one model per learning rate and batch size, from the same initial "
                                   "weights; print the final train/test loss and metric of each as a table and "
                                   "write sweep.csv/sweep.json.")
    _add_model_args(w, single_run=False)
    w.add_argument("--lr-range", type=_pair(float), default=(1e-4, 1e-1), help="lowest,highest lr (default "
                   "1e-4,1e-1)")
    w.add_argument("--num-lrs", type=_positive(int), default=4, help="lrs on the log grid (default 4)")
    w.add_argument("--batch-sizes", type=_pair(int), default=(16, 128), help="smallest,largest batch size, "
                   "powers of two between (default 16,128)")
    w.add_argument("--linear-scaling", action="store_true", help="lr x batch / smallest batch (Goyal et al.)")
    w.add_argument("--epochs", type=_positive(int), default=5)

    sub.add_parser("info", help="versions, devices, BLAS, CUDA, CuPy, Numba threading layer")

    b = sub.add_parser("bench", help="run the gpugrad.bench suites and print their tables")
    b.add_argument("suites", nargs="*", default=[], help="suites to run (default: all; e.g. overhead kernels)")
    b.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    b.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    b.add_argument("--device", default="auto", help="for suites that take one: auto, cpu, cuda, cuda:N")
    return parser


# -- helpers shared by train and lr-find ----------------------------------------------------------------------
def resolve_device(spec):
    import gpugrad as gg
    if spec == "auto":
        return "cuda" if gg.cuda.is_available() else "cpu"
    try:
        dev = gg.device(spec)
    except ValueError as e:
        raise CLIError(f"--device: {e}") from None
    if dev.type == "cuda" and not gg.cuda.is_available():
        raise CLIError(f"--device {spec}: CUDA is not available here (CuPy missing or no GPU answered); "
                       f"use --device cpu or auto")
    return str(dev)


def make_optimizer(name, params, lr, weight_decay=0.0):
    from . import optim
    if name in ("sgd", "momentum", "nesterov"):
        momentum = 0.0 if name == "sgd" else 0.9
        return optim.SGD(params, lr=lr, momentum=momentum, nesterov=name == "nesterov", weight_decay=weight_decay)
    cls = {"adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}[name]
    return cls(params, lr=lr, weight_decay=weight_decay)


def _problem(args):
    """The data bundle, a model factory, the loss, the metrics and the device from the shared arguments."""
    import gpugrad as gg
    from . import nn
    from .data import load
    if not 0 < args.test_fraction < 1:
        raise CLIError(f"--test-fraction must be between 0 and 1, got {args.test_fraction}")
    if not 0 <= args.dropout < 1:
        raise CLIError(f"--dropout must be in [0, 1), got {args.dropout}")
    device = resolve_device(args.device)
    gg.manual_seed(args.seed)
    data = load(args.data, test_fraction=args.test_fraction, seed=args.seed)
    sizes = [data.num_features, *args.hidden, data.num_classes or 1]

    def make_model():
        return nn.MLP(sizes, activation=args.activation, dropout=args.dropout, norm=args.norm, init=args.init,
                      device=device)
    loss_fn = nn.CrossEntropyLoss() if data.num_classes else nn.MSELoss()
    metrics = ("accuracy",) if data.num_classes else ("mse",)
    return data, make_model, loss_fn, metrics, device


def _setup(args):
    """Data bundle, loaders, model, loss and optimizer for one run (train, lr-find)."""
    from .data import DataLoader
    data, make_model, loss_fn, metrics, device = _problem(args)
    model = make_model()
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    opt = make_optimizer(args.optimizer, model.parameters(), lr, args.weight_decay)
    train_loader = DataLoader(data.train, batch_size=args.batch_size, shuffle=True, seed=args.seed, device=device)
    test_loader = DataLoader(data.test, batch_size=1024, device=device)
    out = args.out or Path("gpugrad-runs") / args.data
    return data, model, loss_fn, metrics, opt, lr, train_loader, test_loader, out, device


def _scheduler(name, opt, epochs):
    from .optim import lr_scheduler
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    if name == "step":
        return lr_scheduler.MultiStepLR(opt, milestones=[max(1, epochs // 2), max(1, 3 * epochs // 4)], gamma=0.1)
    return None


def cmd_train(args):
    import gpugrad as gg
    from .train import GradientHealth, evaluate, fit, plot_convergence
    data, model, loss_fn, metrics, opt, lr, train_loader, test_loader, out, device = _setup(args)
    print(f"gpugrad train: {data.name} ({len(data.train)} train / {len(data.test)} test, "
          f"{data.num_features} features{f', {data.num_classes} classes' if data.num_classes else ''}) on {device}; "
          f"MLP {[data.num_features, *args.hidden, data.num_classes or 1]} {args.activation}, {args.optimizer} "
          f"lr={lr:g}, batch {args.batch_size}, {args.epochs} epochs")
    health = GradientHealth() if args.health else None
    t0 = time.perf_counter()
    hist = fit(model, loss_fn, opt, train_loader, args.epochs, val_loader=test_loader,
               scheduler=_scheduler(args.scheduler, opt, args.epochs), callbacks=[health] if health else [],
               metrics=metrics, progress=not args.quiet, max_grad_norm=args.max_grad_norm)
    seconds = time.perf_counter() - t0
    hist.meta.update(config={k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     device=device, seconds=seconds)
    final_train = evaluate(model, loss_fn, _eval_loader(data.train, device), metrics)
    final_test = evaluate(model, loss_fn, test_loader, metrics)
    out.mkdir(parents=True, exist_ok=True)
    written = hist.save(out)
    written.append(plot_convergence(hist, out / "convergence.png", log_epochs=args.log_epochs,
                                    title=f"{data.name}: MLP, {args.optimizer} lr={lr:g}"))
    gg.save(model.state_dict(), out / "model.safetensors")
    written.append(out / "model.safetensors")
    if health:
        (out / "gradient_health.txt").write_text(health.report() + "\n")
        written += [out / "gradient_health.txt", health.plot(out / "gradient_health.png")]
        print(health.report())
    key = metrics[0]
    print(f"final train {key}: {final_train[key]:.4f}   test {key}: {final_test[key]:.4f}   "
          f"(train loss {final_train['loss']:.4g}, test loss {final_test['loss']:.4g}; {seconds:.1f} s)")
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _eval_loader(dataset, device):
    from .data import DataLoader
    return DataLoader(dataset, batch_size=1024, device=device)


def cmd_lr_find(args):
    from .train import lr_find
    if args.start_lr >= args.end_lr:
        raise CLIError(f"--start-lr ({args.start_lr:g}) must be below --end-lr ({args.end_lr:g})")
    if args.num_iter < 2:
        raise CLIError(f"--num-iter must be at least 2 (a range needs two learning rates), got {args.num_iter}")
    data, model, loss_fn, _, opt, _, train_loader, _, out, device = _setup(args)
    res = lr_find(model, loss_fn, opt, train_loader, start_lr=args.start_lr, end_lr=args.end_lr,
                  num_iter=args.num_iter)
    out.mkdir(parents=True, exist_ok=True)
    png = res.plot(out / "lr_find.png")
    (out / "lr_find.json").write_text(json.dumps({"lrs": res.lrs, "losses": res.losses, "smoothed": res.smoothed,
                                                  "suggestion": res.suggestion, "min_loss_lr": res.min_loss_lr,
                                                  "steepest_lr": res.steepest_lr}))
    print(f"gpugrad lr-find: {data.name}, {args.optimizer}, batch {args.batch_size}, on {device}")
    print(res)
    print(f"wrote {png}, {out / 'lr_find.json'}")
    return 0


def cmd_sweep(args):
    import csv
    from .train import format_table, log_grid, pow2_grid, sweep
    (lo, hi), (b_lo, b_hi) = args.lr_range, args.batch_sizes
    if not 0 < lo <= hi:
        raise CLIError(f"--lr-range: need 0 < lowest <= highest, got {lo:g},{hi:g}")
    if not 1 <= b_lo <= b_hi:
        raise CLIError(f"--batch-sizes: need 1 <= smallest <= largest, got {b_lo},{b_hi}")
    try:
        sizes = pow2_grid(b_lo, b_hi)
    except ValueError as e:
        raise CLIError(f"--batch-sizes: {e}") from None
    data, make_model, loss_fn, metrics, device = _problem(args)
    lrs = log_grid(lo, hi, args.num_lrs)
    print(f"gpugrad sweep: {data.name}, {args.optimizer}, lrs {', '.join(f'{v:.3g}' for v in lrs)} x batch sizes "
          f"{', '.join(map(str, sizes))}{' (linear scaling)' if args.linear_scaling else ''}, {args.epochs} epochs "
          f"each, on {device}")
    rows = sweep(make_model, lambda params, lr: make_optimizer(args.optimizer, params, lr, args.weight_decay),
                 loss_fn, data.train, lrs, sizes, args.epochs, val_set=data.test,
                 linear_scaling=args.linear_scaling, metrics=metrics, seed=args.seed, device=device,
                 progress=not args.quiet)
    print(format_table(rows))
    out = args.out or Path("gpugrad-runs") / f"{args.data}-sweep"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "sweep.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (out / "sweep.json").write_text(json.dumps(rows, indent=1))
    print(f"wrote {out / 'sweep.csv'}, {out / 'sweep.json'}")
    return 0


# -- info -----------------------------------------------------------------------------------------------------
def _version(mod):
    try:
        m = __import__(mod)
        return getattr(m, "__version__", "installed")
    except Exception:                     # absent or broken optional package: say so, don't fail
        return "not installed"


def _blas_lines():
    import numpy as np
    lines = []
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        lines.append(f"numpy BLAS: {blas.get('name', '?')} {blas.get('version', '')}".rstrip())
    except Exception:                     # old NumPy without mode="dicts"
        lines.append("numpy BLAS: (numpy.show_config() has no dict mode in this NumPy)")
    try:
        from threadpoolctl import threadpool_info
        for p in threadpool_info():
            lines.append(f"threadpool: {p.get('internal_api')} {p.get('version') or ''} "
                         f"threads={p.get('num_threads')} ({p.get('threading_layer', '')})")
    except ImportError:
        lines.append("threadpoolctl: not installed (pip install threadpoolctl for BLAS thread details)")
    return lines


def _numba_lines():
    try:
        import numba
    except ImportError:
        return ["numba: not installed"]
    layer = numba.config.THREADING_LAYER
    lines = [f"numba {numba.__version__}: threading layer configured {layer!r} "
             f"(NUMBA_THREADING_LAYER={os.environ.get('NUMBA_THREADING_LAYER', '')!r}), "
             f"{numba.config.NUMBA_NUM_THREADS} threads"]
    try:
        lines.append(f"numba threading layer in use: {numba.threading_layer()}")
    except ValueError:                    # no parallel function has run yet in this process
        lines.append("numba threading layer in use: none yet (no parallel kernel has run in this process)")
    return lines


def _cuda_lines():
    import gpugrad as gg
    from .backend import cupy_or_none
    cp = cupy_or_none()
    if cp is None:
        try:
            import cupy  # noqa: F401
            why = "CuPy is installed but no CUDA device answered"
        except ImportError:
            why = "CuPy is not installed (pip install gpugrad[cuda12] or gpugrad[cuda13])"
        return [f"CUDA: not available: {why}"]
    rt = cp.cuda.runtime
    lines = [f"CuPy {cp.__version__}; CUDA runtime {rt.runtimeGetVersion()}, driver {rt.driverGetVersion()}"]
    for i in range(gg.cuda.device_count()):
        props = rt.getDeviceProperties(i)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        lines.append(f"cuda:{i}: {name}, {props['totalGlobalMem'] / 2**30:.1f} GiB, "
                     f"compute capability {props['major']}.{props['minor']}")
    return lines


def cmd_info(args):
    import numpy as np
    import gpugrad as gg
    print(f"gpugrad {gg.__version__}  (python {platform.python_version()}, {platform.platform()})")
    print(f"numpy {np.__version__}; scikit-learn {_version('sklearn')}; matplotlib {_version('matplotlib')}; "
          f"tqdm {_version('tqdm')}")
    print(f"CPU: {os.cpu_count()} logical cores ({platform.machine()})")
    for line in _blas_lines() + _numba_lines() + _cuda_lines():
        print(line)
    print(f"default device: {gg.default_device()}; devices: cpu"
          + "".join(f", cuda:{i}" for i in range(gg.cuda.device_count())))
    return 0


# -- bench ----------------------------------------------------------------------------------------------------
BENCH_SUITES = ("overhead", "kernels")


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


def cmd_bench(args):
    import importlib
    from .train import format_table
    suites = args.suites or list(BENCH_SUITES)
    unknown = [s for s in suites if s not in BENCH_SUITES]
    if unknown:
        raise CLIError(f"unknown bench suite(s) {', '.join(unknown)}; choose from {', '.join(BENCH_SUITES)}")
    device = resolve_device(args.device)      # a bad --device fails now, not after the suites before it ran
    everything = {}
    for name in suites:
        try:
            mod = importlib.import_module(f".bench.{name}", __package__)
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


COMMANDS = {"train": cmd_train, "lr-find": cmd_lr_find, "sweep": cmd_sweep, "info": cmd_info, "bench": cmd_bench}


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
