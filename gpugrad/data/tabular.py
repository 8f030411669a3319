"""Your own data: a CSV file with a header row, a ``.npz`` archive, or a pair of ``.npy`` files, split into
train and test sets and returned as the same :class:`DataBundle` that ``load("digits")`` returns.

The task is inferred from the target: strings, or integers with at most :data:`MAX_CLASSES` distinct
values, make a classification (labels encoded as 0..K-1 in sorted order; the names are ``bundle.classes``);
anything else is a regression (float32 targets of shape ``(n, 1)``). ``task=`` forces either. Features are
standardized with statistics of the training split only (``bundle.standardizer``); ``bundle.preprocessing()``
is what a model needs saved beside it to be used on new data.

>>> import tempfile, os
>>> from gpugrad.data import load_csv
>>> path = os.path.join(tempfile.mkdtemp(), "flowers.csv")
>>> _ = open(path, "w").write("petal,sepal,kind\\n1.0,2.0,rose\\n1.5,2.5,tulip\\n0.9,2.1,rose\\n1.6,2.4,tulip\\n")
>>> data = load_csv(path, test_fraction=0.5)
>>> data.task, data.num_features, data.classes, len(data.train), len(data.test)
('classification', 2, ['rose', 'tulip'], 2, 2)
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

__all__ = ["load_csv", "load_npz", "load_arrays", "load_file", "MAX_CLASSES"]

MAX_CLASSES = 50        # an integer target with more distinct values than this is taken as a regression
_MISSING = {"", "na", "nan", "n/a", "null", "none", "?", "-"}


def _missing(text):
    return text.strip().lower() in _MISSING


def _float(text):
    try:
        return float(text)
    except ValueError:
        return None


def _read_header(path, delimiter):
    with open(path, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader, None)
        first = [row for _, row in zip(range(200), reader)]
    if not header:
        raise ValueError(f"load_csv: {path} is empty (expected a header row, then one row per sample)")
    return [h.strip() for h in header], first


def _column_index(header, name, path, what):
    if name in header:
        return header.index(name)
    raise ValueError(f"load_csv: {path} has no column {name!r} ({what}); its columns are {', '.join(header)}")


def _scan_for_problem(path, delimiter, header, cols, op):
    """The slow path, only after the fast parser refused the file: find the first bad cell and name it."""
    with open(path, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        next(reader)
        for i, row in enumerate(reader, start=1):
            if not row:
                continue
            if len(row) != len(header):
                raise ValueError(f"{op}: {path}: data row {i} (line {i + 1}) has {len(row)} fields, the header "
                                 f"has {len(header)}")
            for j in cols:
                if _missing(row[j]):
                    raise ValueError(f"{op}: {path}: missing value in row {i} (line {i + 1}), column "
                                     f"{header[j]!r} ({row[j]!r}); fill or drop it first")
                if _float(row[j]) is None:
                    raise ValueError(f"{op}: {path}: column {header[j]!r} is not numeric (row {i}, line {i + 1}: "
                                     f"{row[j]!r}); encode it as numbers, or leave it out with features=")
    raise ValueError(f"{op}: {path}: could not be parsed as numbers, but no bad cell was found")


def load_csv(path, target=None, features=None, task=None, test_fraction=0.25, seed=0, standardize=True,
             delimiter=","):
    """Load a CSV file with a header row as a :class:`~gpugrad.data.DataBundle`.

    Args:
        path: the CSV file.
        target: the label column's name (default: the last column).
        features: the feature columns' names (default: every other column).
        task: ``"classification"`` or ``"regression"`` (default: inferred from the target).
        test_fraction: the share of rows held out as the test set (chosen at random).
        seed: the seed of that random split.
        standardize: scale features with the training split's mean and std.
        delimiter: the field separator.

    A non-numeric feature column, a missing value (empty, NA, NaN, ?), or a row of the wrong length is an
    error naming the row and the column. Numbers are parsed by NumPy's C reader (``numpy.loadtxt``).

    Returns:
        A :class:`~gpugrad.data.DataBundle` (``classes``, ``standardizer``, ``feature_names`` set).

    >>> import os, tempfile
    >>> import gpugrad as gg
    >>> path = os.path.join(tempfile.mkdtemp(), "houses.csv")
    >>> _ = open(path, "w").write("rooms,area,price\\n" + "".join(f"{i % 5},{i},{2.5 * i}\\n" for i in range(20)))
    >>> d = gg.data.load_csv(path, target="price")
    >>> d.task, d.num_features, len(d.train)
    ('regression', 2, 15)
    """
    path = Path(path)
    op = "load_csv"
    if not path.is_file():
        raise FileNotFoundError(f"{op}: no file {path}")
    header, first = _read_header(path, delimiter)
    if len(header) < 2:
        raise ValueError(f"{op}: {path} has {len(header)} column ({', '.join(header)}); expected features and a "
                         f"target (is the delimiter {delimiter!r} right?)")
    t = _column_index(header, target, path, "the target") if target is not None else len(header) - 1
    if features is None:
        fcols = [j for j in range(len(header)) if j != t]
    else:
        fcols = [_column_index(header, f, path, "a feature") for f in features]
        if t in fcols:
            raise ValueError(f"{op}: column {header[t]!r} is both the target and a feature")
    # the target may be text (class names): read it on its own, as strings, unless it looks numeric
    target_is_text = any(len(r) > t and not _missing(r[t]) and _float(r[t]) is None for r in first)
    try:
        if target_is_text:          # two passes: the numbers, then the labels as strings
            X = np.loadtxt(path, delimiter=delimiter, skiprows=1, usecols=fcols, dtype=np.float64, ndmin=2,
                           comments=None)
            y = np.loadtxt(path, delimiter=delimiter, skiprows=1, usecols=[t], ndmin=1, comments=None, dtype=str)
        else:                       # one pass over the file
            both = np.loadtxt(path, delimiter=delimiter, skiprows=1, usecols=fcols + [t], dtype=np.float64,
                              ndmin=2, comments=None)
            X, y = both[:, :-1], both[:, -1]
    except ValueError:
        _scan_for_problem(path, delimiter, header, fcols + ([] if target_is_text else [t]), op)
    if target_is_text:
        hits = np.flatnonzero(np.isin(np.char.lower(np.char.strip(y)), list(_MISSING)))
        if len(hits):
            i = int(hits[0])
            raise ValueError(f"{op}: {path}: missing value in row {i + 1} (line {i + 2}), column "
                             f"{header[t]!r} ({str(y[i])!r}); fill or drop it first")
    _check_finite(X, y, [header[j] for j in fcols], header[t], f"{op}: {path}")
    return load_arrays(X, y, task=task, test_fraction=test_fraction, seed=seed, standardize=standardize,
                       name=path.stem, feature_names=[header[j] for j in fcols], target_name=header[t])


def _check_finite(X, y, feature_names, target_name, where):
    """NaN (a "nan" cell) or infinity anywhere is named by row and column."""
    if X.size and not np.isfinite(X).all():
        i, j = map(int, np.argwhere(~np.isfinite(X))[0])
        kind = "missing value (NaN)" if math.isnan(X[i, j]) else "infinite value"
        raise ValueError(f"{where}: {kind} in row {i + 1}, column {feature_names[j]!r}; fill or drop it first")
    if y.dtype.kind == "f" and y.size and not np.isfinite(y).all():
        i = int(np.flatnonzero(~np.isfinite(y.reshape(len(y), -1)).all(1))[0])
        raise ValueError(f"{where}: missing or infinite target in row {i + 1}, column {target_name!r}; fill or "
                         f"drop it first")


def _npz_key(archive, wanted, fallbacks, path, what):
    names = [wanted] if wanted is not None else list(fallbacks)
    for n in names:
        if n in archive.files:
            return n
    raise ValueError(f"load_npz: {path} has no array {' or '.join(map(repr, names))} ({what}); it holds "
                     f"{', '.join(archive.files) or 'nothing'} (name them with features=/target=)")


def load_npz(path, target=None, features=None, task=None, test_fraction=0.25, seed=0, standardize=True):
    """Load a ``.npz`` archive as a :class:`~gpugrad.data.DataBundle`: features in array ``x`` or ``X`` (or
    the one named ``features``), labels in ``y`` (or the one named ``target``); ``path``, ``task``,
    ``test_fraction``, ``seed`` and ``standardize`` as in :func:`load_csv`. Arrays are read without pickle
    (``allow_pickle=False``).

    Returns:
        A :class:`~gpugrad.data.DataBundle`.

    >>> import os, tempfile
    >>> import numpy as np, gpugrad as gg
    >>> path = os.path.join(tempfile.mkdtemp(), "data.npz")
    >>> np.savez(path, x=np.random.rand(40, 3), y=np.arange(40) % 2)
    >>> gg.data.load_npz(path).num_classes
    2
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_npz: no file {path}")
    if isinstance(features, (list, tuple)):
        if len(features) != 1:
            raise ValueError(f"load_npz: features= names one array of the archive, got {features!r}")
        features = features[0]
    with np.load(path, allow_pickle=False) as archive:
        X = archive[_npz_key(archive, features, ("x", "X"), path, "the features")]
        y = archive[_npz_key(archive, target, ("y", "Y"), path, "the target")]
    return load_arrays(X, y, task=task, test_fraction=test_fraction, seed=seed, standardize=standardize,
                       name=path.stem)


def load_file(path, target=None, features=None, task=None, test_fraction=0.25, seed=0, standardize=True):
    """A :class:`~gpugrad.data.DataBundle` from ``path``, by its suffix: ``.csv`` (:func:`load_csv`), ``.npz``
    (:func:`load_npz`), or two ``.npy`` files given as ``"features.npy,labels.npy"``; ``target``,
    ``features``, ``task``, ``test_fraction``, ``seed`` and ``standardize`` as in :func:`load_csv`.

    Returns:
        A :class:`~gpugrad.data.DataBundle`.

    >>> import os, tempfile
    >>> import numpy as np, gpugrad as gg
    >>> d = tempfile.mkdtemp()
    >>> np.save(os.path.join(d, "X.npy"), np.random.rand(30, 2)); np.save(os.path.join(d, "y.npy"), np.arange(30) % 3)
    >>> gg.data.load_file(os.path.join(d, "X.npy") + "," + os.path.join(d, "y.npy")).num_classes
    3
    """
    text = str(path)
    kw = dict(task=task, test_fraction=test_fraction, seed=seed, standardize=standardize)
    if "," in text:
        parts = [Path(p) for p in text.split(",")]
        if len(parts) != 2 or any(p.suffix != ".npy" for p in parts):
            raise ValueError(f"load_file: expected two .npy files as FEATURES.npy,LABELS.npy, got {text!r}")
        for p in parts:
            if not p.is_file():
                raise FileNotFoundError(f"load_file: no file {p}")
        X, y = (np.load(p, allow_pickle=False) for p in parts)
        return load_arrays(X, y, name=parts[0].stem, **kw)
    suffix = Path(text).suffix.lower()
    if suffix == ".npz":
        return load_npz(text, target=target, features=features, **kw)
    if suffix in (".csv", ".txt", ".tsv"):
        return load_csv(text, target=target, features=features, delimiter="\t" if suffix == ".tsv" else ",", **kw)
    raise ValueError(f"load_file: cannot tell the format of {text!r}: expected a .csv, a .npz, or "
                     f"FEATURES.npy,LABELS.npy")


def _infer_task(y, task, where):
    if task not in (None, "classification", "regression"):
        raise ValueError(f"{where}: task must be 'classification' or 'regression', got {task!r}")
    text = y.dtype.kind in "USO"
    integral = not text and y.size and np.array_equal(y, np.round(y))
    if task is None:
        few = len(np.unique(y)) <= MAX_CLASSES
        return "classification" if text or (integral and few) else "regression"
    if task == "regression" and text:
        raise ValueError(f"{where}: task='regression' needs numeric targets, but they are text "
                         f"(e.g. {str(y.flat[0])!r})")
    if task == "classification" and not text and not integral:
        bad = y.flat[int(np.flatnonzero(y.ravel() != np.round(y.ravel()))[0])]
        raise ValueError(f"{where}: task='classification' needs integer or text labels, but a target is {bad!r}")
    return task


def load_arrays(X, y, task=None, test_fraction=0.25, seed=0, standardize=True, name="arrays",
                feature_names=None, target_name="target"):
    """Split features ``X`` (n, d) and targets ``y`` (n,) into a :class:`~gpugrad.data.DataBundle`, with the
    task inferred or forced (``task=``), labels encoded and features standardized as :func:`load_csv` does
    (``test_fraction``, ``seed``, ``standardize`` likewise); ``name``, ``feature_names`` and ``target_name``
    label the bundle.

    Returns:
        A :class:`~gpugrad.data.DataBundle`.

    >>> import numpy as np, gpugrad as gg
    >>> gg.data.load_arrays(np.random.rand(100, 3), np.arange(100) % 2).num_classes
    2
    """
    from .datasets import DataBundle, _dataset, _split_indices
    from .transforms import Standardizer
    where = f"load {name}"
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        raise ValueError(f"{where}: features must be a numeric (samples, features) array, got shape {X.shape} "
                         f"of dtype {X.dtype}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"{where}: targets must be one value per sample ({len(X)}), got shape {y.shape}")
    if len(X) < 2:
        raise ValueError(f"{where}: needs at least 2 samples to split into train and test, got {len(X)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"{where}: test_fraction must be between 0 and 1, got {test_fraction}")
    feature_names = list(feature_names) if feature_names is not None else [f"x{j}" for j in range(X.shape[1])]
    _check_finite(X.astype(np.float64, copy=False), y if y.dtype.kind in "USO" else y.astype(np.float64),
                  feature_names, target_name, where)
    task = _infer_task(y, task, where)
    classes = None
    if task == "classification":
        values, codes = np.unique(y, return_inverse=True)
        classes = [v.item() if hasattr(v, "item") else v for v in values]
        if y.dtype.kind not in "USO":
            classes = [int(c) for c in classes]
        y = codes.astype(np.int64).reshape(-1)
    else:
        y = y.astype(np.float32).reshape(-1, 1)
    X = X.astype(np.float32)
    tr, te = _split_indices(len(X), test_fraction, seed)
    if len(tr) == 0 or len(te) == 0:
        raise ValueError(f"{where}: {len(X)} samples with test_fraction={test_fraction} leave an empty split")
    train, test = (X[tr], y[tr]), (X[te], y[te])
    sc = None
    if standardize:
        sc = Standardizer().fit(train[0])
        train, test = (sc.transform(train[0]), train[1]), (sc.transform(test[0]), test[1])
    return DataBundle(name, _dataset(train), _dataset(test), X.shape[1], len(classes) if classes else None,
                      classes=classes, standardizer=sc, feature_names=feature_names, target_name=target_name)
