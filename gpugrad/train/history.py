"""Training history: one row per epoch and one per optimizer step, saved as CSV and JSON.

Epoch rows hold ``epoch``, ``train_loss`` (average loss per sample), ``val_loss`` and ``val_<metric>``,
``train_<metric>``, ``lr``, ``grad_norm`` (mean over the epoch's steps), ``time`` (seconds since the start)
and ``samples_per_s``. Step rows hold ``step``, ``epoch``, ``loss`` (the batch's average loss per sample),
``grad_norm``, ``lr`` and ``time`` (seconds since the start when the step was issued: on a GPU, which runs
asynchronously, only the epoch times, taken after the epoch's host sync, are device times).

>>> from gpugrad.train import History
>>> h = History()
>>> h.log_epoch(epoch=1, train_loss=0.5)
>>> h["train_loss"], h.last("train_loss")
([0.5], 0.5)
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

__all__ = ["History"]


def _clean(v):
    """JSON has no NaN: write null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _write_csv(path, rows):
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)


class History:
    """A training run's record: one dict per epoch (``epochs``) and per step (``steps``), as :func:`fit` returns it.
    ``h["train_loss"]`` is an epoch column, ``h.step_column("loss")`` a step column, ``h.last(key)`` the last
    value; ``save(folder)`` writes CSV and JSON, ``History.from_json(path)`` reads it back.

    Args:
        meta: free-form information saved with it (the run's options).

    >>> from gpugrad.train import History
    >>> h = History(meta={"lr": 0.1})
    >>> h.log_epoch(epoch=1, train_loss=0.9); h.log_epoch(epoch=2, train_loss=0.4)
    >>> h["train_loss"], h.last("train_loss"), len(h)
    ([0.9, 0.4], 0.4, 2)
    """

    def __init__(self, meta=None):
        self.epochs: list[dict] = []
        self.steps: list[dict] = []
        self.meta: dict = dict(meta or {})

    def log_epoch(self, **row):
        self.epochs.append(row)

    def log_steps(self, rows):
        self.steps.extend(rows)

    def __getitem__(self, key):
        """The column ``key`` of the epoch rows (None where a row lacks it)."""
        if not any(key in r for r in self.epochs):
            raise KeyError(f"History has no column {key!r}; columns: {', '.join(self.columns)}")
        return [r.get(key) for r in self.epochs]

    def __contains__(self, key):
        return any(key in r for r in self.epochs)

    def __len__(self):
        return len(self.epochs)

    @property
    def columns(self):
        keys = []
        for r in self.epochs:
            keys += [k for k in r if k not in keys]
        return keys

    def step_column(self, key):
        return [r.get(key) for r in self.steps]

    def last(self, key):
        return self[key][-1]

    def to_csv(self, path, steps_path=None):
        """Epoch rows to ``path``; step rows to ``steps_path`` (default: ``<stem>_steps.csv`` beside it)."""
        path = Path(path)
        _write_csv(path, self.epochs)
        if self.steps:
            _write_csv(steps_path or path.with_name(path.stem + "_steps.csv"), self.steps)
        return path

    def to_dict(self):
        clean = lambda rows: [{k: _clean(v) for k, v in r.items()} for r in rows]  # noqa: E731
        return {"meta": self.meta, "epochs": clean(self.epochs), "steps": clean(self.steps)}

    def to_json(self, path):
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1))
        return path

    def save(self, folder, stem="history"):
        """Write ``<stem>.csv``, ``<stem>_steps.csv`` and ``<stem>.json`` into ``folder``; return the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return [self.to_csv(folder / f"{stem}.csv"), self.to_json(folder / f"{stem}.json")]

    @classmethod
    def from_json(cls, path):
        """The History written by :meth:`to_json` to ``path``."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def from_dict(cls, d):
        """The History of a :meth:`to_dict` result (missing values, stored as None, come back as NaN)."""
        h = cls(d.get("meta"))
        nan = lambda rows: [{k: (float("nan") if v is None else v) for k, v in r.items()} for r in rows]  # noqa
        h.epochs, h.steps = nan(d["epochs"]), nan(d["steps"])
        return h

    def __repr__(self):
        return f"History({len(self.epochs)} epochs, {len(self.steps)} steps, columns={self.columns})"
