"""Experiments built on :func:`fit`: the random-label check and hyperparameter sweeps.

Random labels (Zhang et al. 2017, "Understanding deep learning requires rethinking generalization"): a net
big enough can memorize labels that carry no information. Trained on permuted labels its training loss
still heads to zero, only more slowly than on the true labels, while its test accuracy stays at chance.

Sweeps: learning rates on a log grid times batch sizes in powers of two. With ``linear_scaling`` the
learning rate grows with the batch (Goyal et al. 2017): lr = base_lr x batch_size / base_batch_size.
"""
from __future__ import annotations

import math

import numpy as np

from ..data import DataLoader, TensorDataset
from ..tensor import Tensor
from ..random_factories import manual_seed
from .loop import fit, evaluate

__all__ = ["random_label_check", "summarize_random_labels", "sweep", "log_grid", "pow2_grid", "format_table",
           "epochs_to_reach"]


def log_grid(lo, hi, num):
    """``num`` values evenly spaced in log10 from lo to hi.

    Args:
        lo: the first value.
        hi: the last value.
        num: how many.

    Returns:
        A list of floats.

    >>> from gpugrad.train import log_grid
    >>> [round(v, 6) for v in log_grid(1e-3, 1e-1, 3)]
    [0.001, 0.01, 0.1]
    """
    if not 0 < lo <= hi:
        raise ValueError(f"log_grid: need 0 < lo <= hi, got {lo}, {hi}")
    return [float(v) for v in np.logspace(math.log10(lo), math.log10(hi), num)]


def pow2_grid(lo, hi):
    """The powers of two p with lo <= p <= hi (never outside the bounds: 16, 100 gives 16, 32, 64).

    Args:
        lo: the lower bound.
        hi: the upper bound.

    Returns:
        A list of ints; an error if none lies between.

    >>> from gpugrad.train import pow2_grid
    >>> pow2_grid(16, 100)
    [16, 32, 64]
    """
    if not 1 <= lo <= hi:
        raise ValueError(f"pow2_grid: need 1 <= lo <= hi, got {lo}, {hi}")
    grid = [2 ** k for k in range(int(hi).bit_length()) if lo <= 2 ** k <= hi]   # exact, no float log2
    if not grid:
        raise ValueError(f"pow2_grid: no power of two between {lo} and {hi}")
    return grid


def epochs_to_reach(history, fraction, key="train_loss"):
    """The first epoch whose ``key`` is at most ``fraction`` x the first epoch's, or None.

    Args:
        history: a History.
        fraction: the target, as a fraction of the first epoch's value.
        key: the epoch column.

    Returns:
        An epoch number (from 1), or None.

    >>> from gpugrad.train import History, epochs_to_reach
    >>> h = History()
    >>> for v in (1.0, 0.5, 0.08):
    ...     h.log_epoch(epoch=len(h) + 1, train_loss=v)
    >>> epochs_to_reach(h, 0.1)
    3
    """
    ys = history[key]
    target = fraction * ys[0]
    return next((e for e, y in zip(history["epoch"], ys) if y <= target), None)


def random_label_check(make_model, make_optimizer, loss_fn, train_set: TensorDataset, epochs, batch_size=64,
                       test_set=None, seed=0, device=None, metrics=("accuracy",), progress=False) -> dict:
    """Train the same architecture from the same init on the true labels and on a fixed random permutation of
    them. Returns ``{"true": History, "random": History}``; see :func:`summarize_random_labels`.

    Args:
        make_model: builds a fresh model (called once per run, after seeding).
        make_optimizer: ``make_optimizer(params)`` builds its optimizer.
        loss_fn: ``loss_fn(output, target)``.
        train_set: a TensorDataset (inputs, labels).
        epochs: epochs per run.
        batch_size: the batch size.
        test_set: optional, evaluated every epoch (``val_*`` columns).
        seed: the seed of the initialization, the shuffling and the permutation.
        device: where to train.
        metrics: metric names.
        progress: show progress bars.

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> X, y = xor(64, seed=0)
    >>> res = gg.train.random_label_check(lambda: gg.nn.MLP([2, 8, 2]), lambda p: gg.optim.Adam(p, lr=0.01),
    ...                                   gg.nn.CrossEntropyLoss(), TensorDataset(X, y), epochs=2, batch_size=32)
    >>> sorted(res), len(res["random"])
    (['random', 'true'], 2)
    """
    X, y = train_set.tensors[:2]
    perm = np.random.default_rng(seed).permutation(len(y))
    y_perm = Tensor._make(y._data[perm if y.device.type == "cpu" else y.xp.asarray(perm)], None, False)
    out = {}
    for label, labels in (("true", y), ("random", y_perm)):
        manual_seed(seed)
        model = make_model()
        if device is not None:
            model.to(device)
        loader = DataLoader(TensorDataset(X, labels), batch_size=batch_size, shuffle=True, seed=seed,
                            device=device)
        val = None if test_set is None else DataLoader(test_set, batch_size=1024, device=device)
        out[label] = fit(model, loss_fn, make_optimizer(model.parameters()), loader, epochs, val_loader=val,
                         metrics=metrics, progress=progress, desc=f"{label} labels")
    return out


def summarize_random_labels(result, fraction=0.1) -> str:
    """Args:
        result: what :func:`random_label_check` returned.
        fraction: report the epoch at which the training loss first fell to this fraction of the first epoch's.

    Returns:
        One line per run: the training loss from the first to the last epoch, when it reached ``fraction``, accuracies.

    >>> from gpugrad.train import History, summarize_random_labels
    >>> h = History(); h.log_epoch(epoch=1, train_loss=1.0); h.log_epoch(epoch=2, train_loss=0.05)
    >>> print(summarize_random_labels({"true": h}))
      true labels: train loss 1.000 -> 0.050; reached 0.1x the first epoch's at epoch 2
    """
    lines = []
    for label, h in result.items():
        e = epochs_to_reach(h, fraction)
        parts = [f"{label:>6} labels: train loss {h['train_loss'][0]:.3f} -> {h.last('train_loss'):.3f}",
                 f"reached {fraction:g}x the first epoch's at epoch {e}" if e else
                 f"not down to {fraction:g}x the first epoch's loss in {len(h)} epochs"]
        if "train_accuracy" in h:
            parts.append(f"train acc {h.last('train_accuracy'):.3f}")
        if "val_accuracy" in h:
            parts.append(f"test acc {h.last('val_accuracy'):.3f}")
        lines.append("; ".join(parts))
    return "\n".join(lines)



def sweep(make_model, make_optimizer, loss_fn, train_set, lrs, batch_sizes, epochs, val_set=None,
          linear_scaling=False, base_batch_size=None, metrics=(), seed=0, device=None, progress=False) -> list:
    """Train one model per (learning rate, batch size) from the same init; return one row per run with the
    final training loss, validation loss and metrics.

    ``make_optimizer(params, lr)`` builds the optimizer. With ``linear_scaling`` each ``lr`` in ``lrs`` is a
    base rate for ``base_batch_size`` (default: the smallest batch size) and the run uses
    lr x batch_size / base_batch_size.

    Args:
        make_model: builds a fresh model (called once per run, after seeding).
        make_optimizer: ``make_optimizer(params, lr)``.
        loss_fn: ``loss_fn(output, target)``.
        train_set: the training dataset.
        lrs: the learning rates (base rates with ``linear_scaling``).
        batch_sizes: the batch sizes.
        epochs: epochs per run.
        val_set: optional dataset evaluated at the end of each run.
        linear_scaling: scale each rate by batch_size / base_batch_size.
        base_batch_size: the batch size the base rates are for (default: the smallest).
        metrics: metric names.
        seed: the seed of the initialization and shuffling.
        device: where to train.
        progress: show progress bars.

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> X, y = xor(64, seed=0)
    >>> rows = gg.train.sweep(lambda: gg.nn.MLP([2, 8, 2]), lambda p, lr: gg.optim.SGD(p, lr=lr),
    ...                       gg.nn.CrossEntropyLoss(), TensorDataset(X, y), lrs=[0.01, 0.1], batch_sizes=[16, 32],
    ...                       epochs=1, linear_scaling=True)
    >>> [(r["batch_size"], r["effective_lr"]) for r in rows]
    [(16, 0.01), (16, 0.1), (32, 0.02), (32, 0.2)]
    """
    base = base_batch_size or min(batch_sizes)
    rows = []
    for bs in batch_sizes:
        for lr in lrs:
            eff = lr * bs / base if linear_scaling else lr
            manual_seed(seed)
            model = make_model()
            if device is not None:
                model.to(device)
            loader = DataLoader(train_set, batch_size=bs, shuffle=True, seed=seed, device=device)
            h = fit(model, loss_fn, make_optimizer(model.parameters(), eff), loader, epochs, metrics=metrics,
                    progress=progress, track_grad_norm=False, desc=f"lr={eff:.3g} bs={bs}")
            row = {"lr": lr, "batch_size": bs, "effective_lr": eff, "train_loss": h.last("train_loss")}
            row.update({k: h.last(k) for k in h.columns if k.startswith("train_") and k != "train_loss"})
            if val_set is not None:
                res = evaluate(model, loss_fn, DataLoader(val_set, batch_size=1024, device=device), metrics)
                row.update({f"val_{k}": v for k, v in res.items()})
            row["time_s"] = h.last("time")
            rows.append(row)
    return rows


def format_table(rows, columns=None) -> str:
    """Rows of dicts as an aligned text table.

    Args:
        rows: a list of dicts.
        columns: the keys to show, in order (default: all, in first-seen order).

    Returns:
        The table as a string, numbers right-aligned.

    >>> from gpugrad.train import format_table
    >>> print(format_table([{"lr": 0.1, "loss": 0.25}, {"lr": 0.01, "loss": 0.5}]))
      lr  loss
    ----  ----
     0.1  0.25
    0.01   0.5
    """
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])
    fmt = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)  # noqa: E731
    cells = [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.rjust(w) for v, w in zip(vals, widths))  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells])
