"""Figures (PNG, matplotlib's Agg renderer, no display needed): convergence curves, optimizer comparisons,
LR range test, loss along a line between parameter vectors, gradient health.

The figures are built on ``matplotlib.figure.Figure`` directly, not through pyplot, so plotting never opens
a window, never touches pyplot's global state and works in threads and headless CI.
"""
from __future__ import annotations

import math
from pathlib import Path

__all__ = ["plot_convergence", "plot_lr_find", "plot_interpolation", "plot_gradient_health", "plot_sweep",
           "divergence_epoch", "new_figure", "save_figure"]


def new_figure(ncols=1, width=5.2, height=3.8):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install gpugrad[plot]") from None
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def save_figure(fig, path, dpi=110):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def _finite_positive(xs, ys):
    pts = [(x, y) for x, y in zip(xs, ys) if y is not None and math.isfinite(y) and y > 0]
    return [p[0] for p in pts], [p[1] for p in pts]


def divergence_epoch(history, key="train_loss"):
    """The first epoch whose ``key`` column of ``history`` is NaN or infinite (the run diverged there), or None.

    Returns:
        An epoch number, or None.

    >>> import gpugrad as gg
    >>> h = gg.train.History(); h.log_epoch(epoch=1, train_loss=1.0); h.log_epoch(epoch=2, train_loss=float("nan"))
    >>> gg.train.divergence_epoch(h)
    2
    """
    if key not in history:
        return None
    for ep, v in zip(history["epoch"], history[key]):
        if v is None or not math.isfinite(v):
            return ep
    return None


_METRIC_PANELS = (("accuracy", "accuracy"), ("r2", "R²"))


def plot_convergence(histories, path, log_epochs=False, title=None, keys=("train_loss", "val_loss")):
    """Average loss per sample against epochs, train (solid) and validation (dashed), for one
    :class:`History` or a dict ``label -> History`` (an optimizer comparison on one figure). Left panel:
    linear axes; middle panel: log-scaled loss (and log-scaled epochs when ``log_epochs``); right panel, when
    the histories have one, the accuracy (classification) or R² (regression). Short runs (a single epoch
    included) are drawn with markers; a run whose loss became NaN or infinite is marked where it diverged.

    Args:
        histories: a History or a dict label -> History.
        path: the PNG to write.
        log_epochs: log-scale the epochs on the middle panel.
        title: the figure's title.
        keys: the epoch columns to draw.

    Returns:
        ``path``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "fig.png")
    >>> import gpugrad as gg
    >>> h = gg.train.History(); h.log_epoch(epoch=1, train_loss=1.0); h.log_epoch(epoch=2, train_loss=0.5)
    >>> os.path.getsize(gg.train.plot_convergence(h, path)) > 0
    True
    """
    if not isinstance(histories, dict):
        histories = {"": histories}
    metric = next(((m, label) for m, label in _METRIC_PANELS
                   if any(f"train_{m}" in h or f"val_{m}" in h for h in histories.values())), None)
    fig, axes = new_figure(3 if metric else 2, width=4.6 if metric else 5.2)
    lin, log = axes[0], axes[1]
    styles = {"train_loss": "-", "val_loss": "--"}
    log_has_data = False
    for i, (label, h) in enumerate(histories.items()):
        color = f"C{i % 10}"
        ep = h["epoch"] if len(h) else []
        marker = "o" if len(ep) <= 20 else None
        for key in keys:
            if key not in h:
                continue
            ys = h[key]
            name = " ".join(s for s in (label, key.replace("_loss", "")) if s)
            lin.plot(ep, ys, styles.get(key, ":"), color=color, label=name, marker=marker, ms=4)
            ex, ey = _finite_positive(ep, ys)
            log.plot(ex, ey, styles.get(key, ":"), color=color, label=name, marker=marker, ms=4)
            log_has_data = log_has_data or bool(ey)
        if metric:
            for split, style in (("train", "-"), ("val", "--")):
                if f"{split}_{metric[0]}" in h:
                    axes[2].plot(ep, h[f"{split}_{metric[0]}"], style, color=color, marker=marker, ms=4,
                                 label=" ".join(s for s in (label, split) if s))
        bad = divergence_epoch(h)
        if bad is not None:
            for ax in axes:
                ax.axvline(bad, color="C3", lw=1.2, ls=":")
            lin.annotate(f"{label + ': ' if label else ''}diverged (NaN/inf) at epoch {bad}", xy=(0.02, 0.95),
                         xycoords="axes fraction", color="C3", fontsize=9, va="top")
    for ax in (lin, log):
        ax.set_xlabel("epoch" + (" (log scale)" if log_epochs and ax is log else ""))
        ax.set_ylabel("average loss per sample" + (" (log scale)" if ax is log else ""))
        ax.grid(True, alpha=0.3)
    if log_has_data:                  # a log axis needs a finite positive value
        log.set_yscale("log")
    if log_epochs:
        log.set_xscale("log")
    lin.legend(fontsize=8)
    lin.set_title("loss")
    log.set_title("loss, log scale")
    if metric:
        axes[2].set_xlabel("epoch")
        axes[2].set_ylabel(metric[1])
        axes[2].set_title(metric[1])
        axes[2].grid(True, alpha=0.3)
        axes[2].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


def plot_sweep(rows, path, key=None, title=None):
    """A heat map of the final loss over learning rate x batch size (both log axes), one cell per row of a
    :func:`~gpugrad.train.sweep` (``lr``, ``batch_size`` and ``key``; default ``val_loss`` if present, else
    ``train_loss``), each cell labelled with its value; diverged runs (NaN/inf) are grey and say so. ``rows``
    are the sweep's rows, ``path`` the PNG to write, ``title`` the axes' title; returns ``path``.

    >>> import os, tempfile
    >>> import gpugrad as gg
    >>> rows = [{"lr": lr, "batch_size": b, "train_loss": lr * b} for lr in (0.01, 0.1) for b in (16, 32)]
    >>> os.path.getsize(gg.train.plot_sweep(rows, os.path.join(tempfile.mkdtemp(), "s.png"))) > 0
    True
    """
    import numpy as np
    if not rows:
        raise ValueError("plot_sweep: no rows to plot")
    key = key or ("val_loss" if "val_loss" in rows[0] else "train_loss")
    lrs = sorted({r["lr"] for r in rows})
    sizes = sorted({r["batch_size"] for r in rows})
    grid = np.full((len(sizes), len(lrs)), np.nan)
    for r in rows:
        v = r.get(key)
        grid[sizes.index(r["batch_size"]), lrs.index(r["lr"])] = np.nan if v is None else v
    grid[~np.isfinite(grid)] = np.nan

    def edges(vals):                 # cell borders halfway between grid points on a log axis
        v = np.log(np.asarray(vals, dtype=float))
        step = np.diff(v).min() if len(v) > 1 else 1.0
        mids = (v[1:] + v[:-1]) / 2
        return np.exp(np.concatenate([[v[0] - step / 2], mids, [v[-1] + step / 2]]))
    fig, (ax,) = new_figure(1, width=6.2, height=4.4)
    from matplotlib import colormaps
    cmap = colormaps["viridis_r"].with_extremes(bad="0.8")
    finite = grid[np.isfinite(grid)]
    norm = None
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 10:
        from matplotlib.colors import LogNorm
        norm = LogNorm(finite.min(), finite.max())
    mesh = ax.pcolormesh(edges(lrs), edges(sizes), np.ma.masked_invalid(grid), cmap=cmap, norm=norm)
    fig.colorbar(mesh, ax=ax, label=f"final {key.replace('_', ' ')}")
    for i, b in enumerate(sizes):
        for j, lr in enumerate(lrs):
            v = grid[i, j]
            ax.text(lr, b, "diverged" if not np.isfinite(v) else f"{v:.3g}", ha="center", va="center",
                    fontsize=8, color="k" if not np.isfinite(v) else "w")
    ax.set_xscale("log")
    ax.set_yscale("log", base=2)
    ax.set_xticks(lrs, [f"{v:.2g}" for v in lrs])
    ax.set_yticks(sizes, [str(b) for b in sizes])
    ax.minorticks_off()
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("batch size (log scale)")
    ax.set_title(title or f"final {key.replace('_', ' ')}: learning rate x batch size")
    return save_figure(fig, path)


def plot_lr_find(result, path):
    """Loss (raw and smoothed) against the learning rate on a log axis, with the suggested value marked.

    Args:
        result: an LRFinderResult.
        path: the PNG to write.

    Returns:
        ``path``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "fig.png")
    >>> from gpugrad.train import LRFinderResult, plot_lr_find
    >>> r = LRFinderResult([1e-3, 1e-2, 1e-1], [1.0, 0.5, 2.0], [1.0, 0.6, 1.5], 1e-3, 1e-2, 1e-2)
    >>> os.path.getsize(plot_lr_find(r, path)) > 0
    True
    """
    fig, (ax,) = new_figure(1, width=6)
    ax.plot(result.lrs, result.losses, color="0.7", lw=0.8, label="batch loss")
    ax.plot(result.lrs, result.smoothed, color="C0", label="smoothed")
    ax.axvline(result.suggestion, color="C3", ls="--", label=f"suggested lr = {result.suggestion:.2g}")
    ax.axvline(result.min_loss_lr, color="0.4", ls=":", label=f"lowest loss at lr = {result.min_loss_lr:.2g}")
    ax.axvline(result.steepest_lr, color="C2", ls=":", label=f"steepest descent at lr = {result.steepest_lr:.2g}")
    ax.set_xscale("log")
    # show the descent, not the blow-up: from just below the lowest loss to a little above the starting one
    finite = [v for v in result.losses if math.isfinite(v)]
    lo, hi = min(finite), result.smoothed[0]
    if hi > lo:
        ax.set_ylim(lo - 0.1 * (hi - lo), hi + 0.5 * (hi - lo))
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("loss")
    ax.set_title("learning-rate range test")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def plot_interpolation(result, path, title=None):
    """Loss along theta(alpha) = (1 - alpha) theta_0 + alpha theta_1 (Goodfellow et al. 2014).

    Args:
        result: an InterpolationResult.
        path: the PNG to write.
        title: the figure's title.

    Returns:
        ``path``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "fig.png")
    >>> from gpugrad.train import InterpolationResult, plot_interpolation
    >>> r = InterpolationResult([0.0, 0.5, 1.0], {"train": [2.0, 1.0, 0.5]})
    >>> os.path.getsize(plot_interpolation(r, path)) > 0
    True
    """
    fig, axes = new_figure(2 if result.metrics else 1)
    ax = axes[0]
    for label, ys in result.losses.items():
        ax.plot(result.alphas, ys, marker=".", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("alpha  (0 = initial parameters, 1 = trained)")
    ax.set_ylabel("average loss per sample (log scale)")
    for a in (0, 1):
        ax.axvline(a, color="0.6", lw=0.8, ls=":")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or "loss along the line between initial and final parameters")
    for name, series in (result.metrics or {}).items():
        for label, ys in series.items():
            axes[1].plot(result.alphas, ys, marker=".", label=f"{label} {name}")
        axes[1].set_xlabel("alpha")
        axes[1].set_ylabel(name)
        axes[1].grid(True, alpha=0.3)
        axes[1].legend(fontsize=8)
    return save_figure(fig, path)


def _depth_colors(n):
    """One colour per layer, ordered from the input (dark) to the output (light), so depth reads at a glance."""
    from matplotlib import colormaps
    cmap = colormaps["viridis"]
    return [cmap(0.9 * i / max(1, n - 1)) for i in range(n)]


def plot_gradient_health(health, path, title=None):
    """Per-layer weight-gradient norm per step (log scale), activation RMS per epoch and the dead ReLU
    fraction, each layer coloured by its depth.

    Args:
        health: a GradientHealth that has watched a training run.
        path: the PNG to write.
        title: the figure's title.

    Returns:
        ``path``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "fig.png")
    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> X, y = xor(64, seed=0)
    >>> model, health = gg.nn.MLP([2, 8, 8, 2]), gg.train.GradientHealth()
    >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
    ...                  DataLoader(TensorDataset(X, y), batch_size=32), epochs=2, callbacks=[health], progress=False)
    >>> os.path.getsize(gg.train.plot_gradient_health(health, path)) > 0
    True
    """
    from matplotlib.ticker import MaxNLocator
    fig, (g, a, d) = new_figure(3, width=4.6)
    for name, color in zip(health.weights, _depth_colors(len(health.weights))):
        xs, ys = _finite_positive(range(1, len(health.step_grad_norms[name]) + 1), health.step_grad_norms[name])
        g.plot(xs, ys, lw=0.9, color=color, label=name)
    g.set_yscale("log")
    g.set_xlabel("recorded step")
    g.set_ylabel("weight gradient norm (log scale)")
    g.set_title("per-layer gradient norms")
    epochs = [r["epoch"] for r in health.records]
    # the outputs of parameter-free modules (the activations) if there are any, else every module's output
    acts = [n for n in health.activation_names if n not in health.layer_names] or health.activation_names
    for name, color in zip(acts, _depth_colors(len(acts))):
        xs, ys = _finite_positive(epochs, [r["act_rms"].get(name, float("nan")) for r in health.records])
        a.plot(xs, ys, marker=".", color=color, label=name)
    a.set_yscale("log")
    a.set_ylabel("activation RMS (log scale)")
    a.set_title("activations")
    for name, color in zip(health.relu_names, _depth_colors(len(health.relu_names))):
        d.plot(epochs, [100 * r["dead_fraction"].get(name, float("nan")) for r in health.records], marker=".",
               color=color, label=name)
    d.set_ylim(-2, 102)
    d.set_ylabel("% of units never active in the epoch")
    d.set_title("dead ReLU units")
    for ax in (g, a, d):
        ax.grid(True, alpha=0.3)
        if ax is not g:
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ax.lines:
            ax.legend(fontsize=7, ncol=2 if len(ax.lines) > 8 else 1, title="layer (input to output)",
                      title_fontsize=7)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)
