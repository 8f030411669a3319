"""``gpugrad train``: train an MLP on a data set; write history, plot and checkpoint."""
from __future__ import annotations

import json
import time
from pathlib import Path

from .common import CLIError, _positive, add_model_args, eval_loader, make_scheduler, setup


def add_parser(sub):
    """Add the ``train`` command to the subparsers ``sub``."""
    t = sub.add_parser("train", help="train an MLP on a data set; write history, plot and checkpoint",
                       description="Train an MLP; print the final train/test accuracy; write history.csv/.json, "
                                   "convergence.png and model.safetensors to the output folder.")
    add_model_args(t)
    t.add_argument("--epochs", type=_positive(int), default=30, help="passes over the training set (default: 30)")
    t.add_argument("--scheduler", default="none", choices=("none", "cosine", "step"),
                   help="cosine annealing to 0, or x0.1 at 50%% and 75%% of the epochs (default: none)")
    t.add_argument("--max-grad-norm", type=_positive(float), default=None, help="clip the global gradient norm")
    t.add_argument("--health", action="store_true", help="record gradient health; write a report and plot")
    t.add_argument("--log-epochs", action="store_true", help="log-scaled epoch axis in the plot")
    t.add_argument("--amp", nargs="?", const="float16", default=None, choices=("float16", "bfloat16"),
                   help="mixed precision: matmuls in float16 (with loss scaling) or bfloat16 under autocast, "
                        "parameters in float32 (float16 also runs on the CPU, slowly, for testing; bfloat16 "
                        "needs ml_dtypes and a CPU)")
    t.add_argument("--tensorboard", type=Path, default=None, metavar="DIR",
                   help="write TensorBoard event files there: losses, metrics, lr, gradient norms, weight and "
                        "gradient histograms (needs tensorboardX: pip install gpugrad[tensorboard])")
    c = t.add_argument_group("checkpoints and stopping")
    c.add_argument("--resume", type=Path, default=None, metavar="CHECKPOINT",
                   help="continue a run from its OUT/checkpoint.safetensors (written after every epoch) up to "
                        "--epochs in all; the model, data and optimizer must be those of the checkpoint")
    c.add_argument("--early-stopping", type=_positive(int), default=None, metavar="PATIENCE",
                   help="stop when the validation loss has not improved for PATIENCE epochs, and keep the "
                        "weights of the best epoch")
    c.add_argument("--min-delta", type=_positive(float, zero_ok=True), default=0.0,
                   help="smallest decrease of the validation loss that counts as an improvement (default: 0)")
    return t


def run(args):
    """Train one model as ``args`` say; print final metrics and write the run's files; 0 on success."""
    import gpugrad as gg
    from ..train import Checkpoint, EarlyStopping, GradientHealth, TerminateOnNaN, evaluate, fit
    from ..train import distributed as ddp        # under mpiexec -n N: N ranks, rank 0 prints and writes
    rank, world = ddp.start_data_parallel()
    data, model, loss_fn, metrics, opt, lr, train_loader, test_loader, out, device = setup(args)
    recipe = describe_recipe(args, lr, world)
    say = print if rank == 0 else (lambda *a, **k: None)
    say(f"gpugrad train: {data.name} ({len(data.train)} train / {len(data.test)} test, "
        f"{data.num_features} features{f', {data.num_classes} classes' if data.num_classes else ''}) on {device}; "
        f"MLP {[data.num_features, *args.hidden, data.num_classes or 1]} {args.activation}, {recipe}, "
        f"{args.epochs} epochs")
    if data.classes is not None:
        say("labels: " + ", ".join(f"{k} = {c!r}" for k, c in enumerate(data.classes)))
    health = GradientHealth() if args.health else None
    scheduler = make_scheduler(args.scheduler, opt, args.epochs)
    meta = _fingerprint(args, data)
    hist, done = None, 0
    scaler = None
    if args.amp == "float16":
        from ..amp import GradScaler
        scaler = GradScaler(device.split(":")[0])
    if args.resume is not None:
        hist, done = _resume(args, model, opt, scheduler, train_loader, meta, scaler, say)
    model, train_loader = ddp.wrap_data_parallel(model, data.train, args.batch_size, args.seed, device, train_loader)
    callbacks = [health] if health else []
    if args.tensorboard is not None and rank == 0:
        from ..train import TensorBoardLogger
        callbacks.append(TensorBoardLogger(args.tensorboard))
    stopper = None
    if args.early_stopping is not None:
        stopper = EarlyStopping("val_loss", patience=args.early_stopping, min_delta=args.min_delta,
                                restore_best_weights=True)
        callbacks.append(stopper)
    nan_stop = TerminateOnNaN()
    callbacks.append(nan_stop)
    if rank == 0:
        callbacks.append(Checkpoint(out / "checkpoint.safetensors", scheduler=scheduler, loaders=[train_loader],
                                    meta=meta, scaler=scaler))
    t0 = time.perf_counter()
    hist = fit(model, loss_fn, opt, train_loader, args.epochs - done, val_loader=test_loader, scheduler=scheduler,
               callbacks=callbacks, metrics=metrics, progress=not args.quiet, max_grad_norm=args.max_grad_norm,
               history=hist, amp_dtype=args.amp, scaler=scaler)
    seconds = time.perf_counter() - t0
    if nan_stop.epoch is not None:
        say(f"gpugrad train: the training loss diverged to NaN/inf at epoch {nan_stop.epoch}; training stopped "
              f"there (try a lower --lr or --max-grad-norm)")
    if stopper is not None and stopper.best_epoch is not None:
        last = hist.epochs[-1]["epoch"] if hist.epochs else 0
        say(f"early stopping: best validation loss {stopper.best:.4g} at epoch {stopper.best_epoch}"
              + (f"; stopped after epoch {last}, weights of epoch {stopper.best_epoch} restored"
                 if last != stopper.best_epoch else ""))
    hist.meta.update(config={k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     device=device, seconds=seconds)
    final_train = evaluate(model, loss_fn, eval_loader(data.train, device), metrics)
    final_test = evaluate(model, loss_fn, test_loader, metrics)
    model = ddp.unwrap(model)
    if rank != 0:                                # the other ranks trained and evaluated alike; rank 0 writes
        ddp.finish_data_parallel()
        return 0
    # what needs no optional package first: the model and the history survive a missing matplotlib
    gg.save(model.state_dict(), out / "model.safetensors")
    (out / "preprocessing.json").write_text(json.dumps(data.preprocessing(), indent=1) + "\n")
    written = [out / "model.safetensors", out / "preprocessing.json", *hist.save(out),
               out / "checkpoint.safetensors"]
    if hist.steps:
        written.insert(3, out / "history_steps.csv")      # History.save writes it beside history.csv
    if health:
        (out / "gradient_health.txt").write_text(health.report() + "\n")
        written.append(out / "gradient_health.txt")
        print(health.report())
    written += _plots(hist, health, out, args, f"{data.name}: MLP, {recipe}")
    scores = "   ".join(f"train {k}: {final_train[k]:.4f}   test {k}: {final_test[k]:.4f}" for k in metrics)
    print(f"final {scores}   (train loss {final_train['loss']:.4g}, test loss {final_test['loss']:.4g}; {seconds:.1f} s)")
    print("wrote " + ", ".join(str(p) for p in written))
    ddp.finish_data_parallel()
    return 0


def _fingerprint(args, data):
    """What a checkpoint must have been trained on to be resumed: the data (name, sizes and a SHA-256 of the
    training split) and the model's architecture and optimizer."""
    import hashlib
    h = hashlib.sha256()
    for t in data.train.tensors:
        h.update(t.numpy().tobytes())
    return {"data": {"name": data.name, "train": len(data.train), "test": len(data.test),
                     "features": data.num_features, "classes": data.num_classes, "sha256": h.hexdigest()},
            "model": {"hidden": list(args.hidden), "activation": args.activation, "norm": args.norm},
            "optimizer": args.optimizer}


def _resume(args, model, opt, scheduler, train_loader, meta, scaler=None, say=print):
    """Load ``--resume`` into the run's objects; refuse one of another model, optimizer or data set."""
    from ..train import CheckpointMismatch, load_checkpoint
    if not args.resume.is_file():
        raise CLIError(f"--resume {args.resume}: no such file (a run writes OUT/checkpoint.safetensors)")
    def check(saved):
        for key, what in (("data", "data set"), ("model", "model"), ("optimizer", "optimizer")):
            if saved.get(key) != meta[key]:
                raise CLIError(f"--resume {args.resume}: the checkpoint was trained with another {what}: "
                               f"{saved.get(key)} (this run: {meta[key]})")
    try:
        ck = load_checkpoint(args.resume, model, opt, scheduler, loaders=[train_loader], scaler=scaler,
                             check=check)
    except CheckpointMismatch as e:
        raise CLIError(f"--resume: {e}") from None
    if ck["epoch"] >= args.epochs:
        raise CLIError(f"--resume {args.resume}: the checkpoint is at epoch {ck['epoch']}; --epochs counts all "
                       f"the epochs of the run, so give more than {ck['epoch']}")
    say(f"resuming from {args.resume} after epoch {ck['epoch']}")
    return ck["history"], ck["epoch"]


def describe_recipe(args, lr, world=1):
    """``adam lr=0.001, batch 32, cosine schedule, grad-norm clip 5``: the optimization settings in use, for
    the run's header line and its plot title (with ``world`` ranks, the per-rank and global batch)."""
    batch = (f"batch {args.batch_size}" if world == 1 else
             f"batch {args.batch_size} per rank x {world} ranks = global batch {args.batch_size * world}")
    parts = [f"{args.optimizer} lr={lr:g}", batch]
    if args.weight_decay:
        parts.append(f"weight decay {args.weight_decay:g}")
    if args.scheduler != "none":
        parts.append(f"{args.scheduler} schedule")
    if args.max_grad_norm is not None:
        parts.append(f"grad-norm clip {args.max_grad_norm:g}")
    if getattr(args, "amp", None):
        parts.append(f"amp {args.amp}")
    return ", ".join(parts)


def _plots(hist, health, out, args, title):
    """The run's figures; without matplotlib, one line saying they were skipped and how to get them."""
    from ..train import plot_convergence
    try:
        written = [plot_convergence(hist, out / "convergence.png", log_epochs=args.log_epochs, title=title)]
        if health:
            written.append(health.plot(out / "gradient_health.png"))
    except ImportError as e:
        print(f"gpugrad train: plots skipped ({e}); the model and history are saved")
        return []
    return written
