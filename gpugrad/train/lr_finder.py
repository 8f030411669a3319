"""Learning-rate range test (Smith 2017, "Cyclical Learning Rates"): train for ``num_iter`` steps while the
learning rate grows exponentially from ``start_lr`` to ``end_lr``, lr_i = start_lr (end_lr/start_lr)^(i/(N-1)),
and watch the loss. It falls while the rate is useful and blows up once it is too large. The suggestion is
the rate where the smoothed loss falls fastest against log(lr), searched before the loss minimum.

The model's and the optimizer's state are restored afterwards.

>>> import gpugrad as gg
>>> from gpugrad import nn, optim
>>> from gpugrad.data import DataLoader, TensorDataset, xor
>>> from gpugrad.train import lr_find
>>> X, y = xor(512, seed=0)
>>> _ = gg.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
>>> res = lr_find(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
...               DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0), num_iter=60)
>>> 1e-6 < res.suggestion < 10
True
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from .loop import model_device, to_host, _batch_to

__all__ = ["lr_find", "LRFinderResult", "snapshot", "restore"]


def snapshot(model) -> dict:
    """A copy of the model's parameters and buffers (name -> array), to restore later."""
    return {k: v.data.copy() for k, v in model.state_dict().items()}


def restore(model, snap) -> None:
    own = model.state_dict(keep_vars=True)
    for k, arr in snap.items():
        own[k].data[...] = arr
        own[k]._version[0] += 1


@dataclass
class LRFinderResult:
    lrs: list
    losses: list
    smoothed: list
    suggestion: float
    min_loss_lr: float
    diverged: bool = False
    notes: list = field(default_factory=list)

    def plot(self, path):
        from .plots import plot_lr_find
        return plot_lr_find(self, path)

    def __str__(self):
        return (f"LR range test: {len(self.lrs)} steps from {self.lrs[0]:.2g} to {self.lrs[-1]:.2g}"
                f"{' (stopped: loss diverged)' if self.diverged else ''}; lowest smoothed loss at lr "
                f"{self.min_loss_lr:.2g}; suggested lr {self.suggestion:.2g} (steepest descent)")


def _set_lr(optimizer, lr):
    for g in optimizer.param_groups:
        g["lr"] = lr


def _suggest(lrs, smoothed):
    """The lr of steepest descent of the smoothed loss in log(lr), before the minimum."""
    s = np.asarray(smoothed)
    stop = int(np.argmin(s)) + 1
    skip = max(1, stop // 10)                   # the first points are dominated by the smoothing's warm-up
    if stop - skip < 3:
        return lrs[max(0, stop - 1)] / 10       # no descent to speak of: a decade below the minimum
    logs = np.log10(lrs[skip:stop])
    slope = np.gradient(s[skip:stop], logs)
    return float(lrs[skip + int(np.argmin(slope))])


def lr_find(model, loss_fn, optimizer, loader, start_lr=1e-6, end_lr=10.0, num_iter=100, beta=0.98,
            diverge=4.0, check_every=10, device=None) -> LRFinderResult:
    """Run the range test; ``beta`` smooths the loss (bias-corrected exponential average); the sweep stops
    once the smoothed loss exceeds ``diverge`` x its minimum. Losses are pulled to the host every
    ``check_every`` steps only."""
    if not 0 < start_lr < end_lr:
        raise ValueError(f"lr_find: need 0 < start_lr < end_lr, got start_lr={start_lr}, end_lr={end_lr}")
    if num_iter < 2:
        raise ValueError(f"lr_find: num_iter must be >= 2, got {num_iter}")
    dev = device or model_device(model)
    saved_model = snapshot(model)
    saved_opt = copy.deepcopy(optimizer.state_dict()) if hasattr(optimizer, "state_dict") else None
    saved_lrs = [g["lr"] for g in optimizer.param_groups]
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
            x, y = _batch_to(batch, dev) if dev is not None else batch
            lr = start_lr * ratio ** i
            _set_lr(optimizer, lr)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            lrs.append(lr)
            pending.append(loss.data)
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
        if saved_opt is not None:
            optimizer.load_state_dict(saved_opt)
        for g, lr in zip(optimizer.param_groups, saved_lrs):
            g["lr"] = lr
    n = len(smoothed)
    lrs = lrs[:n]
    finite = [v if math.isfinite(v) else math.inf for v in smoothed]
    return LRFinderResult(lrs, losses[:n], smoothed, _suggest(lrs, finite), lrs[int(np.argmin(finite))], diverged)
