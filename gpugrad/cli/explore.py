"""``gpugrad lr-find`` (learning-rate range test) and ``gpugrad sweep`` (learning rates x batch sizes)."""
from __future__ import annotations

import json
from pathlib import Path

from .common import (CLIError, _pair, _positive, add_model_args, make_optimizer, output_folder, problem,
                     run_name, setup)


def add_lr_find_parser(sub):
    """Add the ``lr-find`` command to the subparsers ``sub``."""
    f = sub.add_parser("lr-find", help="learning-rate range test: plot and suggested learning rate")
    add_model_args(f)
    f.add_argument("--start-lr", type=_positive(float), default=1e-6)
    f.add_argument("--end-lr", type=_positive(float), default=10.0)
    f.add_argument("--num-iter", type=_positive(int), default=100)
    return f


def add_sweep_parser(sub):
    """Add the ``sweep`` command to the subparsers ``sub``."""
    w = sub.add_parser("sweep", help="learning rates (log grid) x batch sizes (powers of two): final losses",
                       description="Train one model per learning rate and batch size, from the same initial "
                                   "weights; print the final train/test loss and metric of each as a table and "
                                   "write sweep.csv/sweep.json and a heat map (sweep.png) to the output folder (--out; default "
                                   "gpugrad-runs/<data>-sweep).")
    add_model_args(w, single_run=False, out_default="gpugrad-runs/<data>-sweep")
    w.add_argument("--lr-range", type=_pair(float), default=(1e-4, 1e-1), help="lowest,highest lr (default "
                   "1e-4,1e-1)")
    w.add_argument("--num-lrs", type=_positive(int), default=4, help="lrs on the log grid (default 4)")
    w.add_argument("--batch-sizes", type=_pair(int), default=(16, 128), help="smallest,largest batch size; the "
                   "sweep runs the powers of two between them, inclusive (default 16,128)")
    w.add_argument("--linear-scaling", action="store_true", help="lr x batch / smallest batch (Goyal et al.)")
    w.add_argument("--epochs", type=_positive(int), default=5, help="epochs per run (default 5)")
    return w


def run_lr_find(args):
    """Run the learning-rate range test; print the suggestion and write plot and JSON; 0 on success."""
    from ..train import lr_find
    if args.start_lr >= args.end_lr:
        raise CLIError(f"--start-lr ({args.start_lr:g}) must be below --end-lr ({args.end_lr:g})")
    if args.num_iter < 2:
        raise CLIError(f"--num-iter must be at least 2 (a range needs two learning rates), got {args.num_iter}")
    data, model, loss_fn, _, opt, _, train_loader, _, out, device = setup(args)
    res = lr_find(model, loss_fn, opt, train_loader, start_lr=args.start_lr, end_lr=args.end_lr,
                  num_iter=args.num_iter)
    png = res.plot(out / "lr_find.png")
    (out / "lr_find.json").write_text(json.dumps({"lrs": res.lrs, "losses": res.losses, "smoothed": res.smoothed,
                                                  "suggestion": res.suggestion, "min_loss_lr": res.min_loss_lr,
                                                  "steepest_lr": res.steepest_lr}))
    print(f"gpugrad lr-find: {data.name}, {args.optimizer}, batch {args.batch_size}, on {device}")
    print(res)
    print(f"wrote {png}, {out / 'lr_find.json'}")
    return 0


def run_sweep(args):
    """Train one model per (lr, batch size); print the table and write CSV/JSON; 0 on success."""
    import csv
    from ..train import format_table, log_grid, plot_sweep, pow2_grid, sweep
    (lo, hi), (b_lo, b_hi) = args.lr_range, args.batch_sizes
    if not 0 < lo <= hi:
        raise CLIError(f"--lr-range: need 0 < lowest <= highest, got {lo:g},{hi:g}")
    if not 1 <= b_lo <= b_hi:
        raise CLIError(f"--batch-sizes: need 1 <= smallest <= largest, got {b_lo},{b_hi}")
    try:
        sizes = pow2_grid(b_lo, b_hi)
    except ValueError as e:
        raise CLIError(f"--batch-sizes: {e}") from None
    out = output_folder(args, Path("gpugrad-runs") / f"{run_name(args)}-sweep")
    data, make_model, loss_fn, metrics, device = problem(args)
    lrs = log_grid(lo, hi, args.num_lrs)
    if (sizes[0], sizes[-1]) != (b_lo, b_hi):
        print(f"gpugrad sweep: --batch-sizes {b_lo},{b_hi}: batch sizes are powers of two, so the sweep runs "
              f"{', '.join(map(str, sizes))}")
    print(f"gpugrad sweep: {data.name}, {args.optimizer}, lrs {', '.join(f'{v:.3g}' for v in lrs)} x batch sizes "
          f"{', '.join(map(str, sizes))}{' (linear scaling)' if args.linear_scaling else ''}, {args.epochs} epochs "
          f"each, on {device}")
    rows = sweep(make_model, lambda params, lr: make_optimizer(args.optimizer, params, lr, args.weight_decay),
                 loss_fn, data.train, lrs, sizes, args.epochs, val_set=data.test,
                 linear_scaling=args.linear_scaling, metrics=metrics, seed=args.seed, device=device,
                 progress=not args.quiet)
    print(format_table(rows))
    with open(out / "sweep.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (out / "sweep.json").write_text(json.dumps(rows, indent=1))
    written = [out / "sweep.csv", out / "sweep.json"]
    try:
        written.append(plot_sweep(rows, out / "sweep.png", title=f"{data.name}, {args.optimizer}, {args.epochs} "
                                  f"epochs: final {'val' if 'val_loss' in rows[0] else 'train'} loss"))
    except ImportError as e:
        print(f"gpugrad sweep: heat map skipped ({e})")
    print("wrote " + ", ".join(map(str, written)))
    return 0

