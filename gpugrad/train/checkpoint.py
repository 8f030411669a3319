"""Training checkpoints: everything a run needs to continue exactly where it stopped, in one safetensors file
written atomically (a crash while writing leaves the previous checkpoint intact).

A checkpoint holds the model's and optimizer's state dicts, the scheduler's, the random-number states (the
CPU generator, every CUDA device's, and the shuffling generators of the training loaders), the epoch, the
history so far and a ``meta`` dict the caller uses to refuse a checkpoint of another model or data set.
On the CPU, training 4 epochs and training 2, saving, loading into fresh objects and training 2 more give
bitwise-identical weights.

>>> import gpugrad as gg, tempfile, os
>>> from gpugrad import nn, optim
>>> from gpugrad.train import save_checkpoint, load_checkpoint
>>> model = nn.Linear(2, 1)
>>> opt = optim.SGD(model.parameters(), lr=0.1)
>>> path = os.path.join(tempfile.mkdtemp(), "checkpoint.safetensors")
>>> save_checkpoint(path, model, opt, epoch=3, meta={"data": "xor"})
>>> ck = load_checkpoint(path, nn.Linear(2, 1), optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1))
>>> ck["epoch"], ck["meta"]["data"]
(3, 'xor')
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .history import History
from .loop import Callback

__all__ = ["save_checkpoint", "load_checkpoint", "Checkpoint", "CheckpointMismatch"]

FORMAT = "gpugrad-checkpoint/1"


class CheckpointMismatch(ValueError):
    """The checkpoint was written for another model, optimizer or data set.

    >>> import gpugrad as gg
    >>> issubclass(gg.train.CheckpointMismatch, ValueError)
    True
    """


def _loader_generators(loaders):
    gens = []
    for ld in loaders:
        g = getattr(ld, "generator", None)
        gens.append(g if isinstance(g, np.random.Generator) else None)
    return gens


def save_checkpoint(path, model, optimizer, scheduler=None, epoch=0, history=None, loaders=(), meta=None,
                    scaler=None) -> None:
    """Write a checkpoint to ``path`` (atomically): model, optimizer, scheduler and GradScaler state dicts,
    RNG states (CPU, every CUDA device, each loader's shuffling generator), ``epoch``, ``history`` and
    ``meta`` (JSON-ready values that :func:`load_checkpoint` returns, e.g. what the run was trained on).
    ``loaders`` are the training loaders whose shuffling generators are saved; ``scaler`` a GradScaler.

    >>> import os, tempfile
    >>> import gpugrad as gg
    >>> model = gg.nn.Linear(2, 1)
    >>> gg.train.save_checkpoint(os.path.join(tempfile.mkdtemp(), "c.safetensors"), model,
    ...                          gg.optim.SGD(model.parameters(), lr=0.1), epoch=1)
    """
    from .. import cuda
    from ..random import get_rng_state
    from ..serialization import save
    from ..tensor import Tensor
    from ..backend.rng import numpy_state_bytes
    loader_states = [None if g is None else Tensor._make(numpy_state_bytes(g), None, False)
                     for g in _loader_generators(loaders)]
    obj = {"format": FORMAT, "epoch": int(epoch), "model": model.state_dict(),
           "optimizer": optimizer.state_dict() if optimizer is not None else None,
           "scheduler": scheduler.state_dict() if scheduler is not None else None,
           "scaler": scaler.state_dict() if scaler is not None else None,
           "rng": {"cpu": get_rng_state(), "cuda": cuda.get_rng_state_all(), "loaders": loader_states},
           "history": json.dumps(history.to_dict()) if history is not None else None,
           "meta": json.dumps(meta if meta is not None else {})}
    save(obj, path)


def _check_model(path, model, saved):
    mine = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in saved.items()}
    if mine != theirs:
        diff = sorted(set(mine.items()) ^ set(theirs.items()))[:4]
        raise CheckpointMismatch(f"load_checkpoint: {path} holds another model: its parameters differ in "
                                 f"name or shape from this model's (first differences: "
                                 f"{', '.join(f'{k} {s}' for k, s in diff)})")


def load_checkpoint(path, model, optimizer=None, scheduler=None, loaders=(), scaler=None, restore_rng=True,
                    map_location=None, check=None) -> dict:
    """Restore a :func:`save_checkpoint` file into ``model``, ``optimizer``, ``scheduler``, ``scaler`` and the
    loaders' shuffling generators, and (``restore_rng``) the CPU and CUDA generators. A checkpoint of another
    model shape is refused with :class:`CheckpointMismatch` before anything is changed; so is one whose
    ``meta`` the function ``check(meta)`` refuses (by raising).

    ``path`` is the file; ``map_location`` as :func:`gpugrad.load` (default: the model's device).
    Returns ``{"epoch": int, "history": History or None, "meta": dict}``.

    >>> import os, tempfile
    >>> import gpugrad as gg
    >>> path = os.path.join(tempfile.mkdtemp(), "c.safetensors")
    >>> model = gg.nn.Linear(2, 1)
    >>> gg.train.save_checkpoint(path, model, gg.optim.SGD(model.parameters(), lr=0.1), epoch=4)
    >>> gg.train.load_checkpoint(path, gg.nn.Linear(2, 1))["epoch"]
    4
    """
    from .. import cuda
    from ..random import set_rng_state
    from ..serialization import load
    from ..backend.rng import set_numpy_state
    from ..tensor import Tensor
    if map_location is None:
        dev = next((p.device for p in model.parameters()), None)
        map_location = str(dev) if dev is not None else None
    ck = load(path, map_location=map_location)
    if not isinstance(ck, dict) or ck.get("format") != FORMAT:
        raise CheckpointMismatch(f"load_checkpoint: {path} is not a gpugrad training checkpoint (it has no "
                                 f"{FORMAT!r} format tag; a model file from gpugrad.save loads with "
                                 f"model.load_state_dict(gpugrad.load(path)))")
    if check is not None:
        check(json.loads(ck["meta"]))
    _check_model(path, model, ck["model"])
    if (optimizer is None) != (ck["optimizer"] is None) and optimizer is not None:
        raise CheckpointMismatch(f"load_checkpoint: {path} holds no optimizer state")
    model.load_state_dict(ck["model"])
    if optimizer is not None:
        optimizer.load_state_dict(ck["optimizer"])
    if scheduler is not None and ck["scheduler"] is not None:
        scheduler.load_state_dict(ck["scheduler"])
    if scaler is not None and ck.get("scaler") is not None:
        scaler.load_state_dict(ck["scaler"])
    gens = _loader_generators(loaders)
    saved = ck["rng"]["loaders"]
    for g, st in zip(gens, saved):
        if g is not None and st is not None:
            set_numpy_state(g, st.cpu() if isinstance(st, Tensor) else st)
    if restore_rng:
        set_rng_state(ck["rng"]["cpu"].cpu())
        for i, st in enumerate(ck["rng"]["cuda"][:cuda.device_count()]):
            cuda.set_rng_state(st.cpu(), i)
    history = None
    if ck["history"] is not None:
        history = History.from_dict(json.loads(ck["history"]))
    return {"epoch": int(ck["epoch"]), "history": history, "meta": json.loads(ck["meta"])}


class Checkpoint(Callback):
    """A :func:`~gpugrad.train.fit` callback writing :func:`save_checkpoint` to ``path`` at the end of every
    ``every``-th epoch (and when training stops early), with the ``scheduler``, ``loaders``, GradScaler
    (``scaler``) and ``meta`` given.

    >>> import os, tempfile
    >>> import gpugrad as gg
    >>> from gpugrad.data import DataLoader, TensorDataset, xor
    >>> path = os.path.join(tempfile.mkdtemp(), "checkpoint.safetensors")
    >>> model = gg.nn.MLP([2, 4, 2])
    >>> _ = gg.train.fit(model, gg.nn.CrossEntropyLoss(), gg.optim.SGD(model.parameters(), lr=0.1),
    ...                  DataLoader(TensorDataset(*xor(64, seed=0)), 32), 2, progress=False,
    ...                  callbacks=[gg.train.Checkpoint(path)])
    >>> gg.train.load_checkpoint(path, gg.nn.MLP([2, 4, 2]))["epoch"]
    2
    """

    def __init__(self, path, scheduler=None, loaders=(), meta=None, every=1, scaler=None):
        self.path, self.scheduler, self.loaders, self.meta = Path(path), scheduler, list(loaders), meta
        self.every, self.scaler = int(every), scaler

    def on_epoch_end(self, state):
        if state.epoch % self.every == 0 or state.stop:
            self.save(state)

    def save(self, state):
        """Write the checkpoint of ``state`` now (what :meth:`on_epoch_end` does every ``every`` epochs):
        the model (unwrapped from DistributedDataParallel), its optimizer and the history of ``state``, with
        this callback's scheduler, loaders, scaler and meta.

        Args:
            state: the :class:`~gpugrad.train.TrainState` of a run.

        Returns:
            None.

        >>> import os, tempfile
        >>> import gpugrad as gg
        >>> model = gg.nn.Linear(2, 1)
        >>> state = gg.train.TrainState(model, gg.optim.SGD(model.parameters(), lr=0.1), gg.train.History())
        >>> cb = gg.train.Checkpoint(os.path.join(tempfile.mkdtemp(), "c.safetensors"))
        >>> cb.save(state); os.path.exists(cb.path)
        True
        """
        model = getattr(state.model, "module", state.model)      # inside a DistributedDataParallel wrapper
        save_checkpoint(self.path, model, state.optimizer, self.scheduler, state.epoch, state.history,
                        self.loaders, self.meta, self.scaler)
