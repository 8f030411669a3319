"""``gpugrad train``: train an MLP on a data set; write history, plot and checkpoint."""
from __future__ import annotations

import time
from pathlib import Path

from .common import _positive, add_model_args, eval_loader, make_scheduler, setup


def add_parser(sub):
    """Add the ``train`` command to the subparsers ``sub``."""
    t = sub.add_parser("train", help="train an MLP on a data set; write history, plot and checkpoint",
                       description="Train an MLP; print the final train/test accuracy; write history.csv/.json, "
                                   "convergence.png and model.safetensors to the output folder.")
    add_model_args(t)
    t.add_argument("--epochs", type=_positive(int), default=30)
    t.add_argument("--scheduler", default="none", choices=("none", "cosine", "step"),
                   help="cosine annealing to 0, or x0.1 at 50%% and 75%% of the epochs")
    t.add_argument("--max-grad-norm", type=_positive(float), default=None, help="clip the global gradient norm")
    t.add_argument("--health", action="store_true", help="record gradient health; write a report and plot")
    t.add_argument("--log-epochs", action="store_true", help="log-scaled epoch axis in the plot")
    return t


def run(args):
    """Train one model as ``args`` say; print final metrics and write the run's files; 0 on success."""
    import gpugrad as gg
    from ..train import GradientHealth, evaluate, fit, plot_convergence
    from ..train import distributed as ddp        # under mpiexec -n N: N ranks, rank 0 prints and writes
    rank, world = ddp.start_data_parallel()
    data, model, loss_fn, metrics, opt, lr, train_loader, test_loader, out, device = setup(args)
    model, train_loader = ddp.wrap_data_parallel(model, data.train, args.batch_size, args.seed, device, train_loader)
    batch = (f"batch {args.batch_size}" if world == 1 else
             f"batch {args.batch_size} per rank x {world} ranks = global batch {args.batch_size * world}")
    if rank == 0:
        print(f"gpugrad train: {data.name} ({len(data.train)} train / {len(data.test)} test, "
              f"{data.num_features} features{f', {data.num_classes} classes' if data.num_classes else ''}) on "
              f"{device}; MLP {[data.num_features, *args.hidden, data.num_classes or 1]} {args.activation}, "
              f"{args.optimizer} lr={lr:g}, {batch}, {args.epochs} epochs")
    health = GradientHealth() if args.health else None
    t0 = time.perf_counter()
    hist = fit(model, loss_fn, opt, train_loader, args.epochs, val_loader=test_loader,
               scheduler=make_scheduler(args.scheduler, opt, args.epochs), callbacks=[health] if health else [],
               metrics=metrics, progress=not args.quiet, max_grad_norm=args.max_grad_norm)
    seconds = time.perf_counter() - t0
    hist.meta.update(config={k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     device=device, seconds=seconds)
    final_train = evaluate(model, loss_fn, eval_loader(data.train, device), metrics)
    final_test = evaluate(model, loss_fn, test_loader, metrics)
    model = ddp.unwrap(model)
    if rank != 0:                                # the other ranks trained and evaluated alike; rank 0 writes
        ddp.finish_data_parallel()
        return 0
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
    ddp.finish_data_parallel()
    return 0


