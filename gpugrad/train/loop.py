"""The training loop: :func:`fit` and :func:`evaluate`, with callbacks, metrics and a progress bar.

Nothing in a step copies to the host: the batch loss is accumulated on the device as ``loss x batch_size``
(the loss functions return the batch mean), per-step losses and gradient norms are kept as device scalars,
and all of them are pulled to the host in one transfer at the end of the epoch.

>>> import gpugrad as gg
>>> from gpugrad import nn, optim
>>> from gpugrad.data import DataLoader, TensorDataset, xor
>>> from gpugrad.train import fit
>>> X, y = xor(256, seed=0)
>>> _ = gg.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
>>> hist = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
...            DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0), epochs=20,
...            metrics=["accuracy"], progress=False)
>>> hist.last("train_accuracy") > 0.95
True
"""
from __future__ import annotations

import sys
import time

from ..autograd import no_grad
from ..backend import to_device, xp_of
from ..nn.utils import _grad_arrays
from ..tensor import Tensor
from .history import History
from .metrics import get_metric
from .distributed import reduce_epoch, rank_and_world

__all__ = ["fit", "evaluate", "Callback", "EarlyStopping", "TerminateOnNaN", "TrainState", "model_device", "grad_norm",
           "l2_norm", "to_host"]


class Callback:
    """Hooks into :func:`fit`. Each method gets the :class:`TrainState`; set ``state.stop = True`` to end
    training after the current epoch. ``on_train_end`` runs even when training ends with an exception (a
    KeyboardInterrupt, a diverged loss), so that a callback can release what it attached to the model.

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> class CountSteps(gg.train.Callback):
    ...     steps = 0
    ...     def on_batch_end(self, state):
    ...         self.steps += 1
    >>> X, y = xor(64, seed=0)
    >>> cb = CountSteps()
    >>> model = gg.nn.MLP([2, 4, 2])
    >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
    ...                  DataLoader(TensorDataset(X, y), batch_size=16), epochs=2, callbacks=[cb], progress=False)
    >>> cb.steps
    8
    """

    def on_train_begin(self, state):
        """Called once, before the first epoch (``state.epoch`` is still 0; in a resumed run
        ``state.history`` already holds the earlier epochs).

        Args:
            state: the :class:`TrainState` of the run.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> from gpugrad.data import DataLoader, TensorDataset, xor
        >>> class Announce(gg.train.Callback):
        ...     def on_train_begin(self, state):
        ...         print("training", type(state.model).__name__, "after", len(state.history), "epochs")
        >>> cb = Announce()
        >>> X, y = xor(32, seed=0)
        >>> model = gg.nn.MLP([2, 4, 2])
        >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
        ...                  DataLoader(TensorDataset(X, y), batch_size=16), epochs=2, callbacks=[cb], progress=False)
        training MLP after 0 epochs
        """

    def on_epoch_begin(self, state):
        """Called at the start of every epoch; ``state.epoch`` is the epoch about to run (from 1).

        Args:
            state: the :class:`TrainState` of the run.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> from gpugrad.data import DataLoader, TensorDataset, xor
        >>> class Epochs(gg.train.Callback):
        ...     seen = []
        ...     def on_epoch_begin(self, state):
        ...         self.seen.append(state.epoch)
        >>> cb = Epochs()
        >>> X, y = xor(32, seed=0)
        >>> model = gg.nn.MLP([2, 4, 2])
        >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
        ...                  DataLoader(TensorDataset(X, y), batch_size=16), epochs=2, callbacks=[cb], progress=False)
        >>> cb.seen
        [1, 2]
        """

    def on_batch_end(self, state):
        """Called after every optimizer step, with ``state.batch``, ``state.output`` and ``state.loss``
        (device tensors: reading a value syncs with the GPU) and ``state.step`` counting steps from 1.

        Args:
            state: the :class:`TrainState` of the run.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> from gpugrad.data import DataLoader, TensorDataset, xor
        >>> class LastLoss(gg.train.Callback):
        ...     def on_batch_end(self, state):
        ...         self.step, self.shape = state.step, tuple(state.output.shape)
        >>> cb = LastLoss()
        >>> X, y = xor(32, seed=0)
        >>> model = gg.nn.MLP([2, 4, 2])
        >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
        ...                  DataLoader(TensorDataset(X, y), batch_size=16), epochs=2, callbacks=[cb], progress=False)
        >>> cb.step, cb.shape
        (4, (16, 2))
        """

    def on_epoch_end(self, state):
        """Called after every epoch, once its row (losses, metrics, lr, ...) is in ``state.history``; set
        ``state.stop = True`` to end training here.

        Args:
            state: the :class:`TrainState` of the run.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> from gpugrad.data import DataLoader, TensorDataset, xor
        >>> class StopAfterOne(gg.train.Callback):
        ...     def on_epoch_end(self, state):
        ...         print(sorted(state.history.epochs[-1])[:3])
        ...         state.stop = True
        >>> cb = StopAfterOne()
        >>> X, y = xor(32, seed=0)
        >>> model = gg.nn.MLP([2, 4, 2])
        >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
        ...                  DataLoader(TensorDataset(X, y), batch_size=16), epochs=2, callbacks=[cb], progress=False)
        ['epoch', 'grad_norm', 'lr']
        """

    def on_train_end(self, state):
        """Called once when training ends: after the last epoch, an early stop, or an exception (then it
        runs before the exception propagates), so that a callback can release what it attached.

        Args:
            state: the :class:`TrainState` of the run.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> from gpugrad.data import DataLoader, TensorDataset, xor
        >>> class Done(gg.train.Callback):
        ...     def on_train_end(self, state):
        ...         print("stopped after epoch", state.epoch)
        >>> cb = Done()
        >>> X, y = xor(32, seed=0)
        >>> model = gg.nn.MLP([2, 4, 2])
        >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
        ...                  DataLoader(TensorDataset(X, y), batch_size=16), epochs=2, callbacks=[cb], progress=False)
        stopped after epoch 2
        """


class TrainState:
    """What callbacks see: the model, optimizer, history, the epoch and step counters, and (in
    ``on_batch_end``) the current batch, output and loss (device tensors).

    Built by :func:`fit`, passed to every :class:`Callback` method.

    Args:
        model: the network being trained.
        optimizer: its optimizer.
        history: the History being written.

    >>> import gpugrad as gg
    >>> st = gg.train.TrainState(gg.nn.Linear(1, 1), None, gg.train.History())
    >>> st.stop
    False
    """

    def __init__(self, model, optimizer, history):
        self.model, self.optimizer, self.history = model, optimizer, history
        self.epoch = 0
        self.step = 0
        self.batch = self.output = self.loss = None
        self.stop = False


class EarlyStopping(Callback):
    """Stop when ``monitor`` (an epoch column, e.g. ``val_loss``) has not improved by more than ``min_delta``
    for ``patience`` epochs. With ``restore_best_weights`` the model gets back, when training ends, the
    weights of its best epoch (kept as one copy of the state dict on the model's device); ``best_epoch``
    says which. A NaN value never counts as an improvement.

    Args:
        monitor: the epoch column to watch.
        patience: epochs without improvement before stopping.
        min_delta: the smallest change that counts as an improvement.
        mode: ``"min"`` (lower is better) or ``"max"``.
        restore_best_weights: load the best epoch's weights back into the model when training ends.

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> X, y = xor(64, seed=0)
    >>> model = gg.nn.MLP([2, 4, 2])
    >>> stop = gg.train.EarlyStopping(monitor="train_loss", patience=1, min_delta=10.0)   # nothing improves by 10
    >>> h = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
    ...                  DataLoader(TensorDataset(X, y), batch_size=32), epochs=20, callbacks=[stop], progress=False)
    >>> len(h)
    2
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="min", restore_best_weights=False):
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if patience < 0 or min_delta < 0:
            raise ValueError(f"EarlyStopping: patience and min_delta must be >= 0, got {patience} and {min_delta}")
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode
        self.restore_best_weights = restore_best_weights
        self.best, self.wait, self.best_epoch, self.best_state = None, 0, None, None

    def on_epoch_end(self, state):
        if self.monitor not in state.history:
            raise KeyError(f"EarlyStopping: no column {self.monitor!r} in the history (columns: "
                           f"{', '.join(state.history.columns)}); pass val_loader= to fit for val_* columns")
        v = state.history.last(self.monitor)
        better = v == v and (self.best is None or (v < self.best - self.min_delta if self.mode == "min"
                                                   else v > self.best + self.min_delta))
        if better:
            self.best, self.wait, self.best_epoch = v, 0, state.epoch
            if self.restore_best_weights:
                self.best_state = {k: t.detach().clone() for k, t in state.model.state_dict().items()}
        else:
            self.wait += 1
            state.stop = state.stop or self.wait >= self.patience

    def on_train_end(self, state):
        if self.restore_best_weights and self.best_state is not None:
            state.model.load_state_dict(self.best_state)


class TerminateOnNaN(Callback):
    """Stop training after the first epoch whose ``monitor`` column (default the training loss) is NaN or
    infinite (Keras' name): a diverged run stops there instead of printing NaN for every remaining epoch.
    ``epoch`` is where it happened.

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> model = gg.nn.MLP([2, 4, 2])
    >>> stop = gg.train.TerminateOnNaN()
    >>> h = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=1e30),
    ...                  DataLoader(TensorDataset(*xor(64, seed=0)), 32), 5, callbacks=[stop], progress=False)
    >>> stop.epoch, len(h)
    (1, 1)
    """

    def __init__(self, monitor="train_loss"):
        self.monitor, self.epoch = monitor, None

    def on_epoch_end(self, state):
        v = state.history.last(self.monitor)
        if not (v == v and abs(v) != float("inf")):
            self.epoch = state.epoch
            state.stop = True


def model_device(model):
    for p in model.parameters():
        return p.device
    return None


def to_host(arrays) -> list[float]:
    """A list of device scalars as Python floats, in one device-to-host transfer."""
    if not arrays:
        return []
    xp = xp_of(arrays[0])
    stacked = xp.stack([xp.asarray(a, dtype=xp.float64) for a in arrays])
    return (stacked.get() if hasattr(stacked, "get") else stacked).tolist()   # CuPy's .get() copies to host


def l2_norm(a):
    """||a||_2 of a raw array as a device scalar: one BLAS dot of the flattened array with itself, in at
    least float32 (half-precision squares overflow above 256)."""
    xp = xp_of(a)
    if a.dtype.itemsize < 4:
        a = a.astype(xp.float32)
    flat = a.ravel()
    return xp.sqrt(xp.dot(flat, flat))


def grad_norm(params):
    """sqrt(sum over parameters of ||grad||^2), as a device scalar (no host sync); None without grads. A
    flat optimizer buffer holding all its parameters' gradients is reduced once, not once per parameter.

    Args:
        params: an iterable of parameters.

    Returns:
        A 0-d tensor on the gradients' device, or None when no parameter has a gradient.

    >>> import gpugrad as gg
    >>> w = gg.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * 1.0).sum().backward()
    >>> round(gg.train.grad_norm([w]).item(), 4)
    1.4142
    """
    norms = [l2_norm(a) for a in _grad_arrays(params)[1]]
    if not norms:
        return None
    xp = xp_of(norms[0])
    return xp.sqrt(sum(n * n for n in norms))


def _batch_to(batch, dev):
    return tuple(b if b.device == dev else Tensor._make(to_device(b._data, dev), None, False) for b in batch)


def _xy(batch, dev, op):
    """``(inputs, targets)`` of one batch, on ``dev``; anything but a pair is a clear error naming ``op``."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        got = (f"a {type(batch).__name__} of {len(batch)} elements" if isinstance(batch, (tuple, list))
               else f"a {type(batch).__name__}")
        raise ValueError(f"{op}: each batch of the loader must be a pair (inputs, targets), got {got}; wrap a "
                         f"loader of other batches to yield (x, y) (extra elements such as sample weights are "
                         f"not supported)")
    return _batch_to(batch, dev) if dev is not None else tuple(batch)


def _loss_scale(loss_fn, n):
    """The factor turning the loss into a sum over the batch: n for mean reduction, 1 for sum."""
    return 1 if getattr(loss_fn, "reduction", "mean") == "sum" else n


def evaluate(model, loss_fn, loader, metrics=(), device=None) -> dict:
    """Average loss per sample and metrics of ``model`` over ``loader``, in eval mode without a graph.

    Returns ``{"loss": ..., "<metric>": ...}`` (Python floats, pulled to the host once).

    Args:
        model: the network (put in eval mode, restored after).
        loss_fn: ``loss_fn(output, target)``.
        loader: the batches.
        metrics: names or Metric objects.
        device: where to run (default: the model's device).

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> X, y = xor(64, seed=0)
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32)
    >>> res = gg.train.evaluate(gg.nn.MLP([2, 8, 2]), gg.nn.CrossEntropyLoss(), loader, metrics=["accuracy"])
    >>> sorted(res)
    ['accuracy', 'loss']
    """
    ms = [get_metric(m) for m in metrics]
    for m in ms:
        m.reset()
    dev = device or model_device(model)
    was_training = getattr(model, "training", False)
    model.eval()
    total, n = 0.0, 0
    try:
        with no_grad():
            for batch in loader:
                x, y = _xy(batch, dev, "evaluate")
                out = model(x)
                total = total + loss_fn(out, y)._data * _loss_scale(loss_fn, len(y))
                n += len(y)
                for m in ms:
                    m.update(out, y)
    finally:
        model.train(was_training)
    loss_sum, n, values, _ = reduce_epoch(float(total), n, ms)      # sums over ranks (train/distributed.py)
    if n == 0:
        raise ValueError("evaluate: the loader yielded no batches")
    res = {"loss": loss_sum / n}
    res.update(values)
    return res


class _PlainProgress:
    """Without tqdm: one line per epoch on stderr, with the same fields."""

    def __init__(self, total, desc):
        self.total, self.desc, self.n = total, desc, 0

    def update(self, k):
        self.n += k

    def set_postfix(self, fields, refresh=True):
        body = ", ".join(f"{k}={v}" for k, v in fields.items())
        print(f"{self.desc}: epoch {self.n}/{self.total}: {body}", file=sys.stderr, flush=True)

    def close(self):
        pass


def _progress(epochs, enabled, desc):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainProgress(epochs, desc)
    return tqdm(total=epochs, desc=desc, unit="epoch", file=sys.stderr, dynamic_ncols=True)


def _lr(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else float("nan")


def _steps_per_batch(scheduler):
    """OneCycleLR and CyclicLR count optimizer steps (their periods are in batches): they step per batch."""
    return type(scheduler).__name__ in ("OneCycleLR", "CyclicLR")


def _step_scheduler(scheduler, row):
    if scheduler is None or _steps_per_batch(scheduler):
        return
    if type(scheduler).__name__ == "ReduceLROnPlateau":      # steps on a metric, as in PyTorch
        scheduler.step(row.get("val_loss", row["train_loss"]))
    else:
        scheduler.step()


def fit(model, loss_fn, optimizer, train_loader, epochs=1, val_loader=None, scheduler=None, callbacks=(),
        metrics=(), device=None, progress=True, track_grad_norm=True, max_grad_norm=None, history=None,
        desc="train", amp_dtype=None, scaler=None) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return the :class:`History`.

    Args:
        loss_fn: ``loss_fn(output, target)``, returning the batch mean (or the sum, if it has
            ``reduction == "sum"``).
        val_loader: evaluated after every epoch (``val_loss`` and ``val_<metric>`` columns).
        scheduler: an LR scheduler, stepped once per epoch (``ReduceLROnPlateau`` with the validation loss),
            except ``OneCycleLR`` and ``CyclicLR``, whose periods count batches: after every optimizer step.
        callbacks: :class:`Callback` objects.
        metrics: names (``"accuracy"``, ``"mse"``, ``"mae"``) or :class:`Metric` objects, computed on the
            training batches as they go and on the validation set.
        device: move the model there first; batches follow the model's device (one transfer per batch).
        progress: show a tqdm bar with the epoch, loss, validation metric and throughput.
        track_grad_norm: record the global gradient norm of every step (a device scalar each).
        max_grad_norm: clip the global gradient norm to this value before each step.
        history: a :class:`History` to continue (a resumed run): epochs and steps count on from its last;
            default a new one.
        desc: the progress bar's label.
        amp_dtype: run forward and loss under ``gpugrad.autocast(<model's device type>, amp_dtype)``
            (float16 or bfloat16); parameters and gradients stay float32.
        scaler: a :class:`gpugrad.amp.GradScaler`: the loss is scaled before backward, gradients unscaled
            before clipping and the norm, and a step with an inf/NaN gradient is skipped.

    Returns:
        The :class:`History`: one row per epoch (``train_loss``, metrics, ``val_*``, ``lr``, ``grad_norm``,
        ``time``) and per-step columns.

    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> X, y = xor(128, seed=0)
    >>> _ = gg.manual_seed(0)
    >>> model = gg.nn.MLP([2, 16, 2], activation="tanh")
    >>> hist = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.Adam(model.parameters(), lr=0.05),
    ...                     DataLoader(TensorDataset(X, y), batch_size=32), epochs=3, progress=False)
    >>> len(hist), hist["train_loss"][-1] < hist["train_loss"][0]
    (3, True)
    """
    if epochs < 0:
        raise ValueError(f"fit: epochs must be >= 0, got {epochs}")
    if device is not None:
        model.to(device)
    dev = model_device(model)
    params = [p for p in model.parameters() if p.requires_grad]
    train_metrics = [get_metric(m) for m in metrics]
    history = history if history is not None else History()
    state = TrainState(model, optimizer, history)
    callbacks = list(callbacks)
    batch_scheduler = scheduler if scheduler is not None and _steps_per_batch(scheduler) else None
    clip = None
    if max_grad_norm is not None:
        from ..nn.utils import clip_grad_norm_ as clip
    forward = _forward if amp_dtype is None else _autocast_forward(dev, amp_dtype)
    for cb in callbacks:
        cb.on_train_begin(state)
    bar = _progress(epochs, progress and rank_and_world()[0] == 0, desc)     # rank 0 alone shows progress
    start = time.perf_counter()
    first_epoch = history.epochs[-1]["epoch"] + 1 if history.epochs else 1
    state.step = int(history.steps[-1]["step"]) if history.steps else 0       # a resumed run counts on
    try:
        for epoch in range(first_epoch, first_epoch + epochs):
            state.epoch = epoch
            for cb in callbacks:
                cb.on_epoch_begin(state)
            model.train()
            for m in train_metrics:
                m.reset()
            t0 = time.perf_counter()
            total, n = 0.0, 0
            step_losses, step_norms, step_rows = [], [], []
            for batch in train_loader:
                x, y = _xy(batch, dev, "fit")
                out, loss = forward(model, loss_fn, x, y)
                optimizer.zero_grad()
                if scaler is None:
                    loss.backward()
                else:
                    scaler.scale(loss).backward()
                    scaler.unscale_(optimizer)
                norm = clip(params, max_grad_norm) if clip is not None else None
                if track_grad_norm and norm is None:
                    norm = grad_norm(params)
                if scaler is None:
                    optimizer.step()
                else:
                    scaler.step(optimizer)
                    scaler.update()
                b = len(y)
                scale = _loss_scale(loss_fn, b)
                total = total + loss._data * scale                     # sum of per-sample losses, on device
                n += b
                state.step += 1
                step_losses.append(loss._data if scale == b else loss._data / b)
                if norm is not None:
                    step_norms.append(norm._data if isinstance(norm, Tensor) else norm)
                # host clock when the step was issued; on a GPU the device may still be busy with it
                step_rows.append({"step": state.step, "epoch": epoch, "lr": _lr(optimizer),
                                  "time": time.perf_counter() - start})
                if batch_scheduler is not None:
                    batch_scheduler.step()
                with no_grad():
                    for m in train_metrics:
                        m.update(out, y)
                if callbacks:
                    state.batch, state.output, state.loss = (x, y), out, loss
                    for cb in callbacks:
                        cb.on_batch_end(state)
            if n == 0:
                raise ValueError("fit: the training loader yielded no batches (batch_size larger than the "
                                 "data set with drop_last=True?)")
            # -- the one host sync of the epoch --------------------------------------------------------
            host = to_host(step_losses + step_norms + [total])
            loss_sum = host.pop()
            losses, norms = host[:len(step_losses)], host[len(step_losses):]
            # the global batch's values when several ranks train (train/distributed.py)
            loss_sum, n, train_values, losses = reduce_epoch(loss_sum, n, train_metrics, losses)
            total_host = loss_sum / n
            for r, l in zip(step_rows, losses):
                r["loss"] = l
            for r, g in zip(step_rows, norms):
                r["grad_norm"] = g
            history.log_steps(step_rows)
            now = time.perf_counter()
            row = {"epoch": epoch, "train_loss": total_host}
            row.update({f"train_{k}": v for k, v in train_values.items()})
            if val_loader is not None:
                val = evaluate(model, loss_fn, val_loader, metrics, dev)
                row.update({f"val_{k}": v for k, v in val.items()})
            row.update(lr=step_rows[-1]["lr"], grad_norm=sum(norms) / len(norms) if norms else float("nan"),
                       time=now - start, samples_per_s=n / (now - t0))
            history.log_epoch(**row)
            _step_scheduler(scheduler, row)
            for cb in callbacks:
                cb.on_epoch_end(state)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(_postfix(row), refresh=True)
            if state.stop:
                break
    finally:
        if bar is not None:
            bar.close()
        state.batch = state.output = state.loss = None
        for cb in callbacks:              # also when interrupted: callbacks take their hooks off the model
            cb.on_train_end(state)
    return history


def _forward(model, loss_fn, x, y):
    out = model(x)
    return out, loss_fn(out, y)


def _autocast_forward(dev, dtype):
    from ..amp import autocast
    region = autocast(getattr(dev, "type", "cpu"), dtype=dtype)

    def forward(model, loss_fn, x, y):
        with region:
            out = model(x)
            return out, loss_fn(out, y)
    return forward


def _postfix(row):
    out = {"loss": f"{row['train_loss']:.4g}"}
    for k, v in row.items():
        if k.startswith("val_"):
            out[k] = f"{v:.4g}"
    out["samples/s"] = f"{row['samples_per_s']:.3g}"
    return out
