"""Loss along the straight line between two parameter vectors (Goodfellow, Vinyals & Saxe 2014, "Qualitatively
characterizing neural network optimization problems"): theta(alpha) = (1 - alpha) theta_0 + alpha theta_1 for
alpha on a grid that extends past [0, 1]. For an MLP trained from theta_0 to theta_1 the curve typically falls
smoothly and monotonically, with no barrier in between.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from .loop import evaluate
from .lr_finder import snapshot, restore

__all__ = ["interpolate", "InterpolationResult"]


def _arrays(state):
    return {k: v._data if isinstance(v, Tensor) else v for k, v in state.items()}


@dataclass
class InterpolationResult:
    """What :func:`interpolate` returns: ``alphas``, ``losses`` (label -> one loss per alpha) and ``metrics``
    (name -> label -> values). ``plot(path)`` draws it.

    Args:
        alphas: the points on the line theta(alpha) = (1 - alpha) theta_0 + alpha theta_1.
        losses: label (a data split) -> the average loss at each alpha.
        metrics: metric name -> label -> the metric at each alpha.

    >>> from gpugrad.train import InterpolationResult
    >>> r = InterpolationResult([0.0, 1.0], {"train": [2.3, 0.1]})
    >>> r.losses["train"][-1]
    0.1
    """

    alphas: list
    losses: dict                      # label -> losses along the line (one per alpha)
    metrics: dict = field(default_factory=dict)   # metric name -> label -> values

    def plot(self, path, title=None):
        """Draw the losses (and metrics) along the line (:func:`~gpugrad.train.plot_interpolation`, which
        needs matplotlib).

        Args:
            path: the PNG file to write.
            title: the figure's title.

        Returns:
            ``path``.

        >>> import os, tempfile
        >>> from gpugrad.train import InterpolationResult
        >>> r = InterpolationResult([0.0, 0.5, 1.0], {"train": [2.3, 1.0, 0.1]})
        >>> os.path.exists(r.plot(os.path.join(tempfile.mkdtemp(), "line.png")))
        True
        """
        from .plots import plot_interpolation
        return plot_interpolation(self, path, title)


def interpolate(model, loss_fn, start, loaders, end=None, alphas=None, metrics=()) -> InterpolationResult:
    """Evaluate ``model`` at theta(alpha) for every alpha.

    Args:
        start: theta_0, a :func:`snapshot` (or state_dict) taken before training.
        loaders: a DataLoader, or a dict ``label -> DataLoader`` (e.g. train and test).
        end: theta_1 (default: the model's current parameters).
        model: the network; its parameters are set to each theta(alpha) in turn.
        loss_fn: ``loss_fn(output, target)``.
        alphas: default 41 points from -0.5 to 1.5.
        metrics: metric names or objects, evaluated along the line too.

    Returns:
        An :class:`InterpolationResult` (``alphas``, ``losses[label]``, ``metrics[name][label]``).

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> from gpugrad.train import interpolate, snapshot
    >>> X, y = xor(64, seed=0)
    >>> model = gg.nn.MLP([2, 8, 2])
    >>> theta0 = snapshot(model)
    >>> with gg.no_grad():
    ...     for p in model.parameters():
    ...         _ = p.mul_(0.5)
    >>> res = interpolate(model, gg.nn.CrossEntropyLoss(), theta0, DataLoader(TensorDataset(X, y), batch_size=64),
    ...                   alphas=[0.0, 0.5, 1.0])
    >>> res.alphas, len(res.losses["train"])
    ([0.0, 0.5, 1.0], 3)

    The model is left with the parameters it had on entry."""
    if not isinstance(loaders, dict):
        loaders = {"train": loaders}
    alphas = [float(a) for a in (np.linspace(-0.5, 1.5, 41) if alphas is None else alphas)]  # Python floats
    # keep float32 parameters float32 (a NumPy float64 scalar would promote the blend to float64)
    current = snapshot(model)
    end = current if end is None else _arrays(end)
    start = _arrays(start)
    own = model.state_dict(keep_vars=True)
    for k, v in own.items():
        if k not in start or k not in end or start[k].shape != v.shape or end[k].shape != v.shape:
            raise ValueError(f"interpolate: start and end must hold every parameter of the model with its shape; "
                             f"{k} (shape {tuple(v.shape)}) is missing or mis-shaped")
    losses = {label: [] for label in loaders}
    mets = {}
    try:
        for a in alphas:
            with no_grad():
                for k, p in own.items():
                    if p.dtype.kind == "f":
                        p._data[...] = (1 - a) * start[k] + a * end[k]
                        p._vc[0] += 1
            for label, loader in loaders.items():
                res = evaluate(model, loss_fn, loader, metrics)
                losses[label].append(res.pop("loss"))
                for name, v in res.items():
                    mets.setdefault(name, {}).setdefault(label, []).append(v)
    finally:
        restore(model, current)
    return InterpolationResult(alphas, losses, mets)
