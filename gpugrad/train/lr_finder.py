"""Learning-rate range test (Smith 2017, "Cyclical Learning Rates"): train for ``num_iter`` steps while the
learning rate grows exponentially from ``start_lr`` to ``end_lr``, lr_i = start_lr (end_lr/start_lr)^(i/(N-1)),
and watch the loss. It falls while the rate is useful and blows up once it is too large. The suggestion is
one decade below the rate of the lowest smoothed loss (the rule of Smith's paper and of fastai's ``lr_min``:
robust to the noise of single batches); the rate where the smoothed loss falls fastest against log(lr),
before the minimum, is reported beside it (``steepest_lr``). The smoothed curve is a centred moving average
of the batch losses (no lag, unlike an exponential average, whose delay would shift both towards the
divergence); a causal exponential average, checked as the sweep goes, decides when the loss has diverged.

The model's and the optimizer's state (and the model's train/eval mode) are restored afterwards.

>>> from gpugrad import nn, optim
>>> from gpugrad.data import DataLoader, TensorDataset, regression
>>> from gpugrad.train import lr_find
>>> X, y = regression(256, seed=0)
>>> model = nn.Linear(4, 1)
>>> res = lr_find(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1),
...               DataLoader(TensorDataset(X, y), batch_size=32), start_lr=1e-3, end_lr=100.0, num_iter=80)
>>> res.diverged, res.suggestion < res.min_loss_lr < 2.0     # least squares: SGD diverges above ~2/lambda_max
(True, True)
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from .loop import model_device, to_host, _xy

__all__ = ["lr_find", "LRFinderResult", "snapshot", "restore"]


def snapshot(model) -> dict:
    """A copy of the model's parameters and buffers (name -> array), to restore later.

    Args:
        model: a Module.

    Returns:
        A dict name -> array copy.

    >>> import gpugrad as gg
    >>> net = gg.nn.Linear(2, 1)
    >>> snap = gg.train.snapshot(net)
    >>> with gg.no_grad():
    ...     _ = net.weight.zero_()
    >>> gg.train.restore(net, snap)
    >>> net.weight.abs().sum().item() > 0
    True
    """
    return {k: v._data.copy() for k, v in model.state_dict().items()}


def restore(model, snap) -> None:
    """Put back the parameters and buffers saved by :func:`snapshot` (into the same arrays, so optimizers' flat
    buffers stay valid).

    Args:
        model: the Module to overwrite, in place.
        snap: what :func:`snapshot` returned.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> net = gg.nn.Linear(2, 1)
    >>> snap, before = gg.train.snapshot(net), net.weight.tolist()
    >>> with gg.no_grad():
    ...     _ = net.weight.fill_(3.0)
    >>> gg.train.restore(net, snap)
    >>> net.weight.tolist() == before
    True
    """
    own = model.state_dict(keep_vars=True)
    for k, arr in snap.items():
        own[k]._data[...] = arr
        own[k]._vc[0] += 1


@dataclass
class LRFinderResult:
    """What :func:`lr_find` returns: the learning rates tried, the raw and smoothed losses, the suggested rate
    (a decade below the smoothed minimum), the rate of the lowest loss and of the steepest descent, whether the
    sweep stopped on divergence, and notes. ``plot(path)`` draws it.

    Args:
        lrs: the learning rates tried, one per step (geometric from ``start_lr``).
        losses: the batch loss at each step.
        smoothed: the bias-corrected exponential average of the losses.
        suggestion: the suggested learning rate, a decade below ``min_loss_lr``.
        min_loss_lr: the rate at the lowest smoothed loss.
        steepest_lr: the rate where the smoothed loss falls fastest.
        diverged: whether the sweep stopped because the loss diverged.
        notes: remarks on the sweep, in words.

    >>> from gpugrad.train import LRFinderResult
    >>> r = LRFinderResult([1e-3, 1e-2], [1.0, 0.5], [1.0, 0.6], suggestion=1e-3, min_loss_lr=1e-2, steepest_lr=1e-2)
    >>> r.suggestion
    0.001
    """

    lrs: list
    losses: list
    smoothed: list
    suggestion: float
    min_loss_lr: float
    steepest_lr: float
    diverged: bool = False
    notes: list = field(default_factory=list)

    def plot(self, path):
        """Draw the loss against the learning rate (:func:`~gpugrad.train.plot_lr_find`, which needs
        matplotlib).

        Args:
            path: the PNG file to write.

        Returns:
            ``path``.

        >>> import os, tempfile
        >>> from gpugrad.train import LRFinderResult
        >>> r = LRFinderResult([1e-3, 1e-2, 1e-1], [1.0, 0.5, 2.0], [1.0, 0.6, 1.5], suggestion=1e-3,
        ...                    min_loss_lr=1e-2, steepest_lr=1e-2)
        >>> os.path.exists(r.plot(os.path.join(tempfile.mkdtemp(), "lr.png")))
        True
        """
        from .plots import plot_lr_find
        return plot_lr_find(self, path)

    def __str__(self):
        return (f"LR range test: {len(self.lrs)} steps from {self.lrs[0]:.2g} to {self.lrs[-1]:.2g}"
                f"{' (stopped: loss diverged)' if self.diverged else ''}; lowest smoothed loss at lr "
                f"{self.min_loss_lr:.2g}; suggested lr {self.suggestion:.2g} (a decade below); steepest "
                f"descent at lr {self.steepest_lr:.2g}")


def _set_lr(optimizer, lr):
    for g in optimizer.param_groups:
        g["lr"] = lr


def _centred_average(values, window):
    """Moving average over ``window`` (odd) points centred on each one; edges repeat the end values.
    Non-finite losses (a diverged step) count as the largest finite one, so they do not smear into NaN."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    v = np.where(finite, v, v[finite].max() if finite.any() else 0.0)
    k = window // 2
    return np.convolve(np.pad(v, k, mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), mode="valid")


def _steepest(lrs, smoothed):
    """The lr of steepest descent of the smoothed loss in log(lr), before the minimum."""
    s = np.asarray(smoothed)
    stop = int(np.argmin(s)) + 1
    skip = max(1, stop // 10)                   # the first points lean on the average's edge padding
    if stop - skip < 3:
        return float(lrs[max(0, stop - 1)])      # no descent to speak of: the minimum itself
    logs = np.log10(lrs[skip:stop])
    slope = np.gradient(s[skip:stop], logs)
    return float(lrs[skip + int(np.argmin(slope))])


def lr_find(model, loss_fn, optimizer, loader, start_lr=1e-6, end_lr=10.0, num_iter=100, beta=0.98,
            diverge=4.0, check_every=10, device=None) -> LRFinderResult:
    """Run the range test. The sweep stops once the loss, as a bias-corrected exponential average with
    factor ``beta``, exceeds ``diverge`` x its minimum. Losses are pulled to the host every ``check_every``
    steps only.

    Args:
        model: the network (its parameters and buffers are restored afterwards).
        loss_fn: ``loss_fn(output, target)``.
        optimizer: its optimizer (state and learning rates restored afterwards).
        loader: the training batches (cycled if shorter than ``num_iter``).
        start_lr: the first learning rate.
        end_lr: the last.
        num_iter: the number of steps (learning rates on a log grid).
        beta: the smoothing factor.
        diverge: stop when the smoothed loss exceeds this multiple of its minimum.
        check_every: steps between host reads of the loss.
        device: move the model there first.

    Returns:
        An :class:`LRFinderResult` (``lrs``, ``losses``, ``smoothed``, ``suggestion``, ...).

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> X, y = xor(64, seed=0)
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32)
    >>> model = gg.nn.MLP([2, 8, 2])
    >>> res = gg.train.lr_find(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1), loader,
    ...                        num_iter=20)
    >>> len(res.lrs) <= 20 and res.lrs[0] == 1e-6
    True
    """
    if not 0 < start_lr < end_lr:
        raise ValueError(f"lr_find: need 0 < start_lr < end_lr, got start_lr={start_lr}, end_lr={end_lr}")
    if num_iter < 2:
        raise ValueError(f"lr_find: num_iter must be >= 2, got {num_iter}")
    dev = device or model_device(model)
    saved_model = snapshot(model)
    saved_opt = copy.deepcopy(optimizer.state_dict()) if hasattr(optimizer, "state_dict") else None
    saved_lrs = [g["lr"] for g in optimizer.param_groups]
    was_training = getattr(model, "training", True)
    ratio = (end_lr / start_lr) ** (1 / (num_iter - 1))
    lrs, losses, smoothed, pending = [], [], [], []
    avg, best, diverged = 0.0, math.inf, False
    model.train()
    try:
        it = iter(loader)
        for i in range(num_iter):
            try:
                batch = next(it)
            except StopIteration:                 # the sweep may span several epochs
                it = iter(loader)
                batch = next(it)
            x, y = _xy(batch, dev, "lr_find")
            lr = start_lr * ratio ** i
            _set_lr(optimizer, lr)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            lrs.append(lr)
            pending.append(loss._data)
            if len(pending) == check_every or i == num_iter - 1:
                for v in to_host(pending):
                    losses.append(v)
                    avg = beta * avg + (1 - beta) * v
                    sm = avg / (1 - beta ** len(losses))
                    smoothed.append(sm)
                    best = min(best, sm)
                    if not math.isfinite(sm) or sm > diverge * best:
                        diverged = True
                        break
                pending = []
                if diverged:
                    break
    finally:
        restore(model, saved_model)
        model.train(was_training)
        if saved_opt is not None:
            optimizer.load_state_dict(saved_opt)
        for g, lr in zip(optimizer.param_groups, saved_lrs):
            g["lr"] = lr
    n = len(smoothed)                          # steps checked (after a divergence the rest are dropped)
    lrs, losses = lrs[:n], losses[:n]
    centred = _centred_average(losses, window=max(3, n // 20) | 1).tolist()
    at_min = lrs[int(np.argmin(centred))]
    return LRFinderResult(lrs, losses, centred, at_min / 10, at_min, _steepest(lrs, centred), diverged)
