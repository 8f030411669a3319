"""TensorBoard logging of a :func:`~gpugrad.train.fit` run, through the ``tensorboardX`` writer (an optional
dependency: ``pip install gpugrad[tensorboard]``; view with ``tensorboard --logdir DIR``).

Per step: the batch loss, the learning rate and the gradient norm (tags ``step/...``). Per epoch: every
numeric column of the epoch row (``epoch/train_loss``, ``epoch/val_accuracy``, ``epoch/lr``, ...) and, for
each parameter, a histogram of its values (``weights/<name>``) and of its last gradient (``grads/<name>``).
Everything is read from the history and the model once per epoch: nothing is added to the steps.
"""
from __future__ import annotations

import math

from .loop import Callback

__all__ = ["TensorBoardLogger"]


class TensorBoardLogger(Callback):
    """A :func:`~gpugrad.train.fit` callback writing TensorBoard event files into ``log_dir``.

    Args:
        log_dir: the folder for the event files (created if missing).
        histograms: write weight and gradient histograms every ``histogram_every`` epochs.
        histogram_every: write the histograms every this many epochs.
        writer: an existing ``SummaryWriter`` (then ``log_dir`` may be None and the writer is not closed).

    >>> import tempfile
    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> model = gg.nn.MLP([2, 4, 2])
    >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
    ...                  DataLoader(TensorDataset(*xor(64, seed=0)), 32), 1, progress=False,
    ...                  callbacks=[gg.train.TensorBoardLogger(tempfile.mkdtemp())])
    """

    def __init__(self, log_dir=None, histograms=True, histogram_every=1, writer=None):
        if writer is None:
            try:
                from tensorboardX import SummaryWriter
            except ImportError:
                raise ImportError("TensorBoardLogger needs the tensorboardX package: pip install "
                                  "gpugrad[tensorboard] (or pip install tensorboardX)") from None
            if log_dir is None:
                raise ValueError("TensorBoardLogger: give log_dir (or writer=)")
            writer, self._owns = SummaryWriter(str(log_dir)), True
        else:
            self._owns = False
        self.writer, self.histograms, self.histogram_every = writer, histograms, int(histogram_every)
        self._steps_done = 0

    def on_train_begin(self, state):
        self._steps_done = len(state.history.steps)

    def on_epoch_end(self, state):
        w = self.writer
        for row in state.history.steps[self._steps_done:]:
            for key in ("loss", "lr", "grad_norm"):
                v = row.get(key)
                if isinstance(v, (int, float)) and math.isfinite(v):
                    w.add_scalar(f"step/{key}", v, row["step"])
        self._steps_done = len(state.history.steps)
        row = state.history.epochs[-1]
        for key, v in row.items():
            if key != "epoch" and isinstance(v, (int, float)) and math.isfinite(v):
                w.add_scalar(f"epoch/{key}", v, state.epoch)
        if self.histograms and state.epoch % self.histogram_every == 0:
            for name, p in state.model.named_parameters():
                w.add_histogram(f"weights/{name}", p.detach().float().cpu().numpy(), state.epoch)
                if p.grad is not None:
                    w.add_histogram(f"grads/{name}", p.grad.float().cpu().numpy(), state.epoch)
        w.flush()

    def on_train_end(self, state):
        if self._owns:
            self.writer.close()
        else:
            self.writer.flush()
