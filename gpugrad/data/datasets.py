"""Data sets: scikit-learn's 8x8 digits (offline), MNIST (IDX files, downloaded and checksummed), and small
synthetic tasks (two spirals, XOR, a regression). Each returns float32 features and int64 labels (float32
targets for regression) as CPU tensors; :func:`load` splits any of them into train and test sets.

>>> from gpugrad.data import two_spirals
>>> X, y = two_spirals(100, seed=0)
>>> tuple(X.shape), tuple(y.shape), sorted(set(y.tolist()))
((100, 2), (100,), [0, 1])
"""
from __future__ import annotations

import gzip
import hashlib
import os
import struct
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..tensor import Tensor, from_numpy
from .dataset import TensorDataset

__all__ = ["digits", "mnist", "read_idx", "write_idx", "two_spirals", "xor", "regression", "load",
           "DataBundle", "DATASETS", "MNIST_FILES", "download", "default_cache_dir"]


def _pair(X, y):
    return from_numpy(np.ascontiguousarray(X, dtype=np.float32)), from_numpy(np.ascontiguousarray(y))


# -- digits --------------------------------------------------------------------------------------------------
def digits():
    """scikit-learn's bundled 8x8 handwritten digits: 1797 images, 64 features scaled to [0, 1], 10 classes.

    Returns:
        ``(X, y)``: float32 inputs ``(1797, 64)`` and int64 labels ``(1797,)``. Needs scikit-learn.

    >>> import gpugrad as gg
    >>> X, y = gg.data.digits()           # doctest: +SKIP
    >>> X.shape, y.shape                  # doctest: +SKIP
    ((1797, 64), (1797,))
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("digits: needs scikit-learn, which ships the data set offline; install it with "
                          "`pip install gpugrad[datasets]` (or `pip install scikit-learn`)") from None
    d = load_digits()
    return _pair(d.data / 16.0, d.target.astype(np.int64))   # pixel intensities are 0..16


# -- MNIST: the IDX format -------------------------------------------------------------------------------------
# IDX header: two zero bytes, a type code, the number of dimensions, then each dimension as a big-endian
# uint32; the data follow, big-endian, in C order.
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_IDX_CODES = {dt.newbyteorder("="): code for code, dt in _IDX_TYPES.items()}


def _open_maybe_gz(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzip-compressed or not) into a NumPy array of native byte order.

    Args:
        path: the file (``.gz`` or plain).

    Returns:
        The array, with the file's dtype and shape.

    >>> import os, tempfile, numpy as np, gpugrad as gg
    >>> path = os.path.join(tempfile.mkdtemp(), "a.idx.gz")
    >>> gg.data.write_idx(path, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> gg.data.read_idx(path).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    with _open_maybe_gz(path) as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"read_idx: {path} is not an IDX file (the first two bytes must be zero)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"read_idx: {path} has unknown IDX type code 0x{code:02x}; expected one of "
                         f"{', '.join(f'0x{c:02x}' for c in _IDX_TYPES)}")
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dt = _IDX_TYPES[code]
    expected = int(np.prod(shape)) * dt.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"read_idx: {path} declares shape {shape} ({expected} bytes of {dt.newbyteorder('=')})"
                         f" but holds {len(raw) - header} bytes of data")
    return np.frombuffer(raw, dt, offset=header).reshape(shape).astype(dt.newbyteorder("="))


def write_idx(path, array, compress=None) -> None:
    """Write ``array`` as an IDX file; gzip-compressed when ``compress`` is true (default: path ends in .gz).

    Returns:
        None.

    >>> import os, tempfile, numpy as np, gpugrad as gg
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.idx")
    >>> gg.data.write_idx(path, np.array([7, 2, 1], dtype=np.uint8))
    >>> gg.data.read_idx(path).tolist()
    [7, 2, 1]
    """
    array = np.asarray(array)
    code = _IDX_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"write_idx: dtype {array.dtype} has no IDX type code")
    data = struct.pack(f">BBBB{array.ndim}I", 0, 0, code, array.ndim, *array.shape)
    data += np.ascontiguousarray(array, dtype=_IDX_TYPES[code]).tobytes()
    compress = str(path).endswith(".gz") if compress is None else compress
    with (gzip.open(path, "wb") if compress else open(path, "wb")) as f:
        f.write(data)


# The files as published on Yann LeCun's page (mirrored by PyTorch and TensorFlow), with their SHA-256.
MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/")
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


def default_cache_dir() -> Path:
    """``$GPUGRAD_DATA``, else ``$XDG_CACHE_HOME/gpugrad``, else ``~/.cache/gpugrad``.

    Returns:
        A Path (not created).

    >>> import os, gpugrad as gg
    >>> os.environ["GPUGRAD_DATA"] = "/tmp/gg-data"
    >>> str(gg.data.default_cache_dir())
    '/tmp/gg-data'
    >>> del os.environ["GPUGRAD_DATA"]
    """
    if os.environ.get("GPUGRAD_DATA"):
        return Path(os.environ["GPUGRAD_DATA"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gpugrad"


def _sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(url, dest, sha256, timeout=60.0) -> Path:
    """Fetch ``url`` to ``dest`` unless a file with the right SHA-256 is there; verify before keeping it.

    Args:
        url: what to fetch.
        dest: where to store it.
        sha256: the expected SHA-256 (hex); a mismatch is an error and the file is not kept.
        timeout: seconds before the connection gives up.

    Returns:
        ``dest`` as a Path.

    >>> import gpugrad as gg
    >>> gg.data.download("https://example.invalid/f.gz", "/tmp/f.gz", "0" * 64)   # doctest: +SKIP
    PosixPath('/tmp/f.gz')
    """
    dest = Path(dest)
    if dest.exists() and _sha256(dest) == sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    with urllib.request.urlopen(url, timeout=timeout) as r, open(tmp, "wb") as f:
        while block := r.read(1 << 20):
            f.write(block)
    got = _sha256(tmp)
    if got != sha256:
        tmp.unlink()
        raise OSError(f"download: {url} has SHA-256 {got}, expected {sha256}; the file was discarded")
    tmp.replace(dest)
    return dest


def _by_hand(root):
    """How to install the MNIST files without a network (said by every error about a missing file)."""
    return (f"offline, copy the four files {', '.join(MNIST_FILES)} (gzipped or not) into {root} by hand "
            f"(or set GPUGRAD_DATA=DIR and put them in DIR/mnist)")


def mnist(root=None, train=True, download_missing=True, files=None, mirrors=MNIST_MIRRORS):
    """MNIST digits: 60000 train or 10000 test images, 784 features scaled to [0, 1], 10 classes.

    Looks for the four IDX files in ``root`` (default :func:`default_cache_dir` ``/mnist``); missing ones are
    downloaded from the mirrors when ``download_missing`` and checked against ``files`` (name -> SHA-256,
    default :data:`MNIST_FILES`). Files already present are read as they are (plain or gzip).

    Returns:
        ``(X, y)``: float32 ``(n, 784)`` and int64 labels ``(n,)``.

    >>> import gpugrad as gg
    >>> X, y = gg.data.mnist(train=False)     # doctest: +SKIP
    >>> X.shape                               # doctest: +SKIP
    (10000, 784)
    """
    root = Path(root) if root is not None else default_cache_dir() / "mnist"
    files = MNIST_FILES if files is None else files
    prefix = "train" if train else "t10k"
    paths = []
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        name = f"{prefix}-{kind}.gz"
        path = next((p for p in (root / name, root / name[:-3]) if p.exists()), None)
        if path is None:
            if not download_missing:
                raise FileNotFoundError(f"mnist: {root / name} is missing and download_missing=False; "
                                        + _by_hand(root))
            errors = []
            for m in mirrors:
                try:
                    path = download(m + name, root / name, files[name])
                    break
                except OSError as e:
                    errors.append(f"{m}: {e}")
            if path is None:
                raise OSError(f"mnist: could not download {name}: " + "; ".join(errors) + "; " + _by_hand(root))
        paths.append(path)
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"mnist: {paths[0]} has {images.shape[0]} images but {paths[1]} has "
                         f"{labels.shape[0]} labels")
    return _pair(images.reshape(len(images), -1) / 255.0, labels.astype(np.int64))


# -- synthetic tasks -------------------------------------------------------------------------------------------
def two_spirals(n=1000, noise=0.2, turns=1.5, seed=None):
    """Two interleaved spirals in the plane (class 0 and class 1, n/2 points each): r = t, angle = 2 pi turns t
    for t in (0, 1], the second arm rotated by pi, plus Gaussian noise of std ``noise`` x 0.1.

    Args:
        seed: the seed of the noise (default: drawn from gpugrad's generator).

    Returns:
        ``(X, y)``: float32 ``(n, 2)`` and int64 labels ``(n,)``.

    >>> import gpugrad as gg
    >>> X, y = gg.data.two_spirals(200, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    (gpugrad.Size([200, 2]), [0, 1])
    """
    rng = np.random.default_rng(seed)
    half = n // 2
    t = np.sqrt(rng.uniform(0.02, 1.0, n))                 # sqrt: even density along the arm
    arm = np.r_[np.zeros(half, np.int64), np.ones(n - half, np.int64)]
    angle = 2 * np.pi * turns * t + np.pi * arm
    X = np.c_[t * np.cos(angle), t * np.sin(angle)] + rng.normal(0, 0.1 * noise, (n, 2))
    return _pair(X, arm)


def xor(n=1000, noise=0.1, seed=None):
    """XOR: points near the four corners of [-1, 1]^2, label = [sign(x0) != sign(x1)].

    Args:
        n: the number of points.
        noise: the std of the Gaussian jitter around the corners.
        seed: the seed (default: drawn from gpugrad's generator).

    Returns:
        ``(X, y)``: float32 ``(n, 2)`` and int64 labels ``(n,)``.

    >>> import gpugrad as gg
    >>> X, y = gg.data.xor(8, seed=0)
    >>> X.shape, str(y.dtype)
    (gpugrad.Size([8, 2]), 'gpugrad.int64')
    """
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, (n, 2))
    X = (2.0 * corners - 1) + rng.normal(0, noise, (n, 2))
    return _pair(X, (corners[:, 0] ^ corners[:, 1]).astype(np.int64))


def regression(n=1000, features=4, noise=0.1, seed=None):
    """y = sin(3 x0) + x1^2 - 0.5 x2 + sum of the rest x 0.1, x ~ U[-1, 1]^features, plus N(0, noise^2):
    smooth, nonlinear, learnable by a small MLP. Targets have shape (n, 1).

    Args:
        seed: the seed (default: drawn from gpugrad's generator).

    Returns:
        ``(X, y)``: float32 ``(n, features)`` and ``(n, 1)``.

    >>> import gpugrad as gg
    >>> X, y = gg.data.regression(100, features=4, seed=0)
    >>> X.shape, y.shape
    (gpugrad.Size([100, 4]), gpugrad.Size([100, 1]))
    """
    if features < 3:
        raise ValueError(f"regression: needs at least 3 features, got {features}")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, features))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] + 0.1 * X[:, 3:].sum(1) + rng.normal(0, noise, n)
    return _pair(X, y[:, None].astype(np.float32))


# -- one entry point for the command line and the examples -----------------------------------------------------
@dataclass
class DataBundle:
    """A data set split into train and test sets, with what a model needs to know about it.

    Args:
        name: the data set's name.
        train: the training TensorDataset.
        test: the test TensorDataset.
        num_features: the input width.
        num_classes: the number of classes (None for regression).
        classes: the class names of your own data (``classes[k]`` is the label encoded as ``k``); None for
            the bundled sets, whose labels are already 0..K-1, and for a regression.
        standardizer: the :class:`Standardizer` fitted on the training split (None without standardization).
        feature_names: a table's feature column names.
        target_name: a table's target column name.

    >>> import gpugrad as gg
    >>> b = gg.data.load("regression", n=40)
    >>> b.num_classes is None, b.train.tensors[1].shape[1]
    (True, 1)
    """
    name: str
    train: TensorDataset
    test: TensorDataset
    num_features: int
    num_classes: int | None   # None for regression
    classes: list | None = None
    standardizer: object = None
    feature_names: list | None = None
    target_name: str | None = None

    @property
    def task(self):
        """``"classification"`` (when ``num_classes`` is set) or ``"regression"``.

        >>> import gpugrad as gg
        >>> gg.data.load("xor", n=40).task, gg.data.load("regression", n=40).task
        ('classification', 'regression')
        """
        return "regression" if self.num_classes is None else "classification"

    def preprocessing(self) -> dict:
        """What a model trained on this data needs beside it to be used on new data (JSON-ready): the task,
        the feature and target names, the class names and the standardization (mean, std per feature).

        Returns:
            a dict with keys ``data``, ``task``, ``num_features``, ``num_classes``, ``features``, ``target``,
            ``classes`` and ``standardization`` (``{"mean": [...], "std": [...]}``, or None).

        >>> import gpugrad as gg
        >>> p = gg.data.load("xor", n=40).preprocessing()
        >>> p["task"], p["num_features"], p["num_classes"], len(p["standardization"]["mean"])
        ('classification', 2, 2, 2)
        """
        sc = self.standardizer
        stats = {} if sc is None or sc.mean is None else {
            "mean": np.asarray(sc.mean, dtype=np.float64).tolist(), "std": np.asarray(sc.std, dtype=np.float64).tolist()}
        return {"data": self.name, "task": self.task, "num_features": self.num_features,
                "num_classes": self.num_classes, "features": self.feature_names, "target": self.target_name,
                "classes": self.classes, "standardization": stats or None}


def _split_indices(n, test_fraction, seed):
    """(train, test) row indices of a random split with round(n x test_fraction) test rows."""
    perm = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return perm[n_test:], perm[:n_test]


def _split(X: Tensor, y: Tensor, test_fraction, seed):
    tr, te = _split_indices(len(X), test_fraction, seed)
    return (X._data[tr], y._data[tr]), (X._data[te], y._data[te])


DATASETS = {"digits": digits, "mnist": mnist, "spirals": two_spirals, "xor": xor, "regression": regression}


def load(name, test_fraction=0.25, seed=0, standardize=True, **kwargs) -> DataBundle:
    """Load a data set by name (``digits``, ``mnist``, ``spirals``, ``xor``, ``regression``), split it
    (MNIST keeps its own train/test split) and, when ``standardize``, scale features with statistics of the
    training set only.

    Args:
        name: the data set.
        test_fraction: the share held out for testing (not for MNIST).
        seed: the seed of the split (and of synthetic data).
        standardize: scale the features with the training set's mean and std.
        **kwargs: passed to the data set's function (e.g. ``n`` for the synthetic ones).

    Returns:
        A :class:`DataBundle`.

    >>> import gpugrad as gg
    >>> b = gg.data.load("xor", n=100)
    >>> b.name, len(b.train), len(b.test), b.num_features, b.num_classes
    ('xor', 75, 25, 2, 2)
    """
    if name not in DATASETS:
        if any(str(name).lower().endswith(s) for s in (".csv", ".tsv", ".txt", ".npz", ".npy")):
            from .tabular import load_file
            return load_file(name, test_fraction=test_fraction, seed=seed, standardize=standardize, **kwargs)
        raise ValueError(f"load: unknown data set {name!r}; choose one of {', '.join(DATASETS)}, or give a "
                         f".csv, .npz or FEATURES.npy,LABELS.npy file")
    if name == "mnist":
        (Xtr, ytr), (Xte, yte) = mnist(train=True, **kwargs), mnist(train=False, **kwargs)
        train, test = (Xtr._data, ytr._data), (Xte._data, yte._data)
    else:
        if name != "digits":
            kwargs.setdefault("seed", seed)
        X, y = DATASETS[name](**kwargs)
        train, test = _split(X, y, test_fraction, seed)
    sc = None
    if standardize:
        from .transforms import Standardizer
        sc = Standardizer().fit(train[0])
        train, test = (sc.transform(train[0]), train[1]), (sc.transform(test[0]), test[1])
    classes = None if name == "regression" else int(max(train[1].max(), test[1].max())) + 1
    return DataBundle(name, _dataset(train), _dataset(test), int(train[0].shape[1]), classes, standardizer=sc)


def _dataset(arrays):
    return TensorDataset(*(Tensor._make(np.ascontiguousarray(a), None, False) for a in arrays))
