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
        """Append one epoch row.

        Args:
            **row: the row's values by column name (``epoch=3, train_loss=0.41, ...``); a row may lack
                columns others have.

        Returns:
            None.

        >>> from gpugrad.train import History
        >>> h = History()
        >>> h.log_epoch(epoch=1, train_loss=0.9, val_acc=0.5); h.log_epoch(epoch=2, train_loss=0.4)
        >>> h.epochs[-1]
        {'epoch': 2, 'train_loss': 0.4}
        """
        self.epochs.append(row)

    def log_steps(self, rows):
        """Append step rows (the training loop logs an epoch's steps at its end, after one host sync).

        Args:
            rows: an iterable of dicts, one per optimizer step (``step``, ``epoch``, ``loss``, ...).

        Returns:
            None.

        >>> from gpugrad.train import History
        >>> h = History()
        >>> h.log_steps([{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}]); h.step_column("loss")
        [2.0, 1.5]
        """
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
        """The column names of the epoch rows, in order of first appearance.

        >>> from gpugrad.train import History
        >>> h = History()
        >>> h.log_epoch(epoch=1, train_loss=0.9, val_acc=0.5); h.log_epoch(epoch=2, train_loss=0.4)
        >>> h.columns
        ['epoch', 'train_loss', 'val_acc']
        """
        keys = []
        for r in self.epochs:
            keys += [k for k in r if k not in keys]
        return keys

    def step_column(self, key):
        """One column of the step rows (``h["key"]`` reads the epoch rows).

        Args:
            key: the column name (``loss``, ``grad_norm``, ``lr``, ``time``, ...).

        Returns:
            a list with one value per step (None where a row lacks the column).

        >>> from gpugrad.train import History
        >>> h = History()
        >>> h.log_steps([{"step": 1, "lr": 0.1}, {"step": 2}]); h.step_column("lr")
        [0.1, None]
        """
        return [r.get(key) for r in self.steps]

    def last(self, key):
        """The last epoch's value of a column.

        Args:
            key: the column name.

        Returns:
            the value in the last epoch row (None if that row lacks it; KeyError if no row has it).

        >>> from gpugrad.train import History
        >>> h = History()
        >>> h.log_epoch(epoch=1, train_loss=0.9, val_acc=0.5); h.log_epoch(epoch=2, train_loss=0.4)
        >>> h.last("train_loss"), h.last("val_acc")
        (0.4, None)
        """
        return self[key][-1]

    def to_csv(self, path, steps_path=None):
        """Write the epoch rows as CSV, and the step rows (if any) to a second CSV file.

        Args:
            path: the epoch rows' file.
            steps_path: the step rows' file (default: ``<stem>_steps.csv`` beside ``path``).

        Returns:
            ``path``, as a :class:`pathlib.Path`.

        >>> import tempfile, pathlib
        >>> from gpugrad.train import History
        >>> h = History(); h.log_epoch(epoch=1, train_loss=0.5)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     print(h.to_csv(pathlib.Path(tmp) / "h.csv").read_text().split())
        ['epoch,train_loss', '1,0.5']
        """
        path = Path(path)
        _write_csv(path, self.epochs)
        if self.steps:
            _write_csv(steps_path or path.with_name(path.stem + "_steps.csv"), self.steps)
        return path

    def to_dict(self):
        """The history as plain data, ready for JSON (NaN and inf become None: JSON has no NaN).

        Returns:
            ``{"meta": dict, "epochs": [row, ...], "steps": [row, ...]}``.

        >>> from gpugrad.train import History
        >>> h = History(meta={"lr": 0.1}); h.log_epoch(epoch=1, val_loss=float("nan"))
        >>> h.to_dict()
        {'meta': {'lr': 0.1}, 'epochs': [{'epoch': 1, 'val_loss': None}], 'steps': []}
        """
        clean = lambda rows: [{k: _clean(v) for k, v in r.items()} for r in rows]  # noqa: E731
        return {"meta": self.meta, "epochs": clean(self.epochs), "steps": clean(self.steps)}

    def to_json(self, path):
        """Write :meth:`to_dict` as JSON; :meth:`from_json` reads it back.

        Args:
            path: the file to write.

        Returns:
            ``path``, as a :class:`pathlib.Path`.

        >>> import tempfile, pathlib
        >>> from gpugrad.train import History
        >>> h = History(); h.log_epoch(epoch=1, train_loss=0.5)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     History.from_json(h.to_json(pathlib.Path(tmp) / "h.json"))["train_loss"]
        [0.5]
        """
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1))
        return path

    def save(self, folder, stem="history"):
        """Write ``<stem>.csv``, ``<stem>_steps.csv`` (if there are step rows) and ``<stem>.json`` into
        ``folder``, creating it.

        Args:
            folder: the output folder.
            stem: the files' name without extension.

        Returns:
            ``[csv path, json path]``.

        >>> import tempfile
        >>> from gpugrad.train import History
        >>> h = History(); h.log_epoch(epoch=1, train_loss=0.5)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     [p.name for p in h.save(tmp)]
        ['history.csv', 'history.json']
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return [self.to_csv(folder / f"{stem}.csv"), self.to_json(folder / f"{stem}.json")]

    @classmethod
    def from_json(cls, path):
        """Read a History written by :meth:`to_json` (or :meth:`save`).

        Args:
            path: the JSON file.

        Returns:
            History (missing values, stored as None, come back as NaN).

        >>> import tempfile, pathlib
        >>> from gpugrad.train import History
        >>> h = History(meta={"seed": 0}); h.log_epoch(epoch=1, train_loss=0.5)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     History.from_json(h.to_json(pathlib.Path(tmp) / "h.json")).meta
        {'seed': 0}
        """
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def from_dict(cls, d):
        """Rebuild a History from :meth:`to_dict`'s result.

        Args:
            d: ``{"meta": ..., "epochs": [...], "steps": [...]}``.

        Returns:
            History; values stored as None come back as NaN.

        >>> from gpugrad.train import History
        >>> History.from_dict({"meta": {}, "epochs": [{"epoch": 1, "val_loss": None}], "steps": []})["val_loss"]
        [nan]
        """
        h = cls(d.get("meta"))
        nan = lambda rows: [{k: (float("nan") if v is None else v) for k, v in r.items()} for r in rows]  # noqa
        h.epochs, h.steps = nan(d["epochs"]), nan(d["steps"])
        return h

    def __repr__(self):
        return f"History({len(self.epochs)} epochs, {len(self.steps)} steps, columns={self.columns})"
