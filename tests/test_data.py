"""gpugrad.data: datasets, the DataLoader's sampling and device placement, data sets, standardization."""
import hashlib

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.data import (DataLoader, Dataset, Standardizer, Subset, TensorDataset, default_collate, digits,
                          load, mnist, random_split, read_idx, regression, standardize, two_spirals, write_idx,
                          xor)
from gpugrad.data import datasets as ds_mod


def _ids_dataset(n, device="cpu"):
    """Sample i carries its own index, so batches say which samples they hold."""
    X = gg.arange(n, device=device).reshape(n, 1).float()
    return TensorDataset(X, gg.arange(n, device=device))


class ListDataset(Dataset):
    """A general (non-tensor) dataset: exercises the per-sample path and default_collate."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return gg.tensor([float(i), 2.0 * i]), i


# -- sampling ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,bs,drop_last", [(10, 3, False), (10, 3, True), (12, 4, False), (5, 8, False)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_each_epoch_visits_every_sample_once(device, n, bs, drop_last, shuffle):
    loader = DataLoader(_ids_dataset(n, device), batch_size=bs, shuffle=shuffle, drop_last=drop_last, seed=1)
    for _ in range(2):
        sizes, seen = [], []
        for xb, yb in loader:
            assert xb.device == gg.device(device) and yb.device == gg.device(device)
            assert xb[:, 0].tolist() == yb.float().tolist()   # rows of x and y stay paired
            sizes.append(len(yb))
            seen += yb.tolist()
        assert len(sizes) == len(loader)
        full = (n // bs) * bs
        if drop_last:
            assert sizes == [bs] * (n // bs) and len(set(seen)) == full == len(seen)
        else:
            assert sorted(seen) == list(range(n))
            assert sizes[-1] == (n % bs or bs) if n >= bs else sizes == [n]
        if not shuffle:
            assert seen == list(range(len(seen)))


def test_shuffle_changes_order_per_epoch_and_seed_reproduces():
    ds = _ids_dataset(50)
    a = DataLoader(ds, batch_size=50, shuffle=True, seed=3)
    e1, e2 = (next(iter(a))[1].tolist() for _ in range(2))
    assert e1 != e2 and sorted(e1) == sorted(e2) == list(range(50))
    b = DataLoader(ds, batch_size=50, shuffle=True, seed=3)
    assert next(iter(b))[1].tolist() == e1
    gg.manual_seed(7)
    c1 = next(iter(DataLoader(ds, batch_size=50, shuffle=True)))[1].tolist()
    gg.manual_seed(7)
    c2 = next(iter(DataLoader(ds, batch_size=50, shuffle=True)))[1].tolist()
    assert c1 == c2


def test_fast_path_gathers_per_batch_not_per_sample(monkeypatch):
    ds = _ids_dataset(20)
    monkeypatch.setattr(TensorDataset, "__getitem__", lambda self, i: pytest.fail("per-sample access"))
    assert sum(len(y) for _, y in DataLoader(ds, batch_size=6, shuffle=True, seed=0)) == 20


def test_subset_keeps_fast_path_and_maps_indices(monkeypatch):
    ds = _ids_dataset(30)
    train, test = random_split(ds, [20, 10], seed=0)
    assert sorted(train.indices.tolist() + test.indices.tolist()) == list(range(30))
    monkeypatch.setattr(TensorDataset, "__getitem__", lambda self, i: pytest.fail("per-sample access"))
    got = [v for _, y in DataLoader(test, batch_size=4, shuffle=True, seed=0) for v in y.tolist()]
    assert sorted(got) == sorted(test.indices.tolist())
    nested = Subset(test, [0, 2])
    assert [v for _, y in DataLoader(nested, batch_size=4) for v in y.tolist()] == test.indices[[0, 2]].tolist()


def test_transfers_once_per_tensor_per_batch(monkeypatch):
    """A CPU dataset delivered to another device: one to_device call per tensor per batch (not per sample)."""
    from gpugrad.data import loader as loader_mod
    calls = []
    monkeypatch.setattr(loader_mod, "to_device", lambda arr, dev: calls.append(arr.shape) or arr)
    fake = gg.Device("cuda", 0)
    loader = DataLoader(_ids_dataset(10), batch_size=4, shuffle=True, seed=0)
    loader.device = fake
    batches = list(loader)
    assert len(batches) == 3 and len(calls) == 2 * 3
    assert [s[0] for s in calls[::2]] == [4, 4, 2]


def test_general_dataset_collates(device):
    loader = DataLoader(ListDataset(7), batch_size=3, shuffle=True, seed=0, device=device)
    seen = []
    for xb, yb in loader:
        assert xb.shape[1] == 2 and xb.dtype == gg.float32 and yb.dtype == gg.int64
        assert xb.device == gg.device(device)
        assert (xb[:, 1] == 2 * yb.float()).numpy().all() if device == "cpu" else True
        seen += yb.tolist()
    assert sorted(seen) == list(range(7))
    assert default_collate([(1.5, {"a": 1}), (2.5, {"a": 2})])[1]["a"].tolist() == [1, 2]


def test_standardizer_state_dict_saves_and_restores(tmp_path):
    x = gg.tensor([[0.0, 5.0], [2.0, 5.0], [4.0, 8.0]])
    sc = Standardizer().fit(x)
    gg.save({"scaler": sc.state_dict()}, tmp_path / "sc.safetensors")
    back = Standardizer().load_state_dict(gg.load(tmp_path / "sc.safetensors")["scaler"])
    np.testing.assert_array_equal(back.transform(x).numpy(), sc.transform(x).numpy())


def test_string_fields_batch_as_torch_and_stay_on_the_host(device):
    import torch
    import torch.utils.data as tdata

    def named(m, d):
        class Named(d.Dataset):
            def __len__(self):
                return 3

            def __getitem__(self, i):
                return m.tensor([float(i)]), f"img{i}.png"
        return Named()

    xb, names = next(iter(DataLoader(named(gg, gg.data), batch_size=3, device=device)))
    _, want = next(iter(tdata.DataLoader(named(torch, tdata), batch_size=3)))
    assert names == want and type(names) is type(want) and xb.device == gg.device(device)   # a tuple, as torch


@pytest.mark.parametrize("kwargs,msg", [(dict(batch_size=0), "batch_size"), (dict(batch_size=2.5), "batch_size"),
                                        (dict(generator=3), "Generator"), (dict(seed=1, generator=np.random.default_rng()), "either")])
def test_loader_rejects_bad_arguments(kwargs, msg):
    with pytest.raises((ValueError, TypeError), match=msg):
        DataLoader(_ids_dataset(4), **kwargs)


def test_tensor_dataset_checks_lengths():
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(gg.zeros(3, 2), gg.zeros(4))


def test_random_split_fractions_and_errors():
    parts = random_split(_ids_dataset(10), [0.7, 0.3], seed=0)
    assert [len(p) for p in parts] == [7, 3]
    parts = random_split(_ids_dataset(10), [0.33, 0.33, 0.34], seed=0)
    assert sum(len(p) for p in parts) == 10
    with pytest.raises(ValueError, match="sum to"):
        random_split(_ids_dataset(10), [3, 3])


def test_subset_index_out_of_range_names_the_subsets_length():
    train, test = random_split(_ids_dataset(10), [7, 3], seed=0)
    for bad in (3, -4, np.int64(5)):
        with pytest.raises(IndexError, match=f"Subset: index {int(bad)} is out of range for a subset of length 3"):
            test[bad]
    with pytest.raises(IndexError, match="Subset: index 7 is out of range for a subset of length 7"):
        train[[0, 7]]
    assert test[-3][1].item() == test[0][1].item() and len(train[[0, -1]][1]) == 2    # in range, as before


# -- data sets -------------------------------------------------------------------------------------------------
def test_digits():
    pytest.importorskip("sklearn")
    X, y = digits()
    assert tuple(X.shape) == (1797, 64) and X.dtype == gg.float32 and y.dtype == gg.int64
    assert 0.0 <= X.min().item() and X.max().item() == 1.0 and sorted(set(y.tolist())) == list(range(10))


def test_digits_without_sklearn_says_how_to_install(monkeypatch):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **k):
        if name.startswith("sklearn"):
            raise ImportError(name)
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match="scikit-learn"):
        digits()


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    a = (np.arange(2 * 3 * 4) - 5).reshape(2, 3, 4).astype(dtype)
    p = tmp_path / f"a-idx3{suffix}"
    write_idx(p, a)
    assert (p.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    b = read_idx(p)
    assert b.dtype == a.dtype and b.shape == a.shape and (b == a).all()


def test_idx_header_is_big_endian_per_spec(tmp_path):
    p = tmp_path / "labels-idx1-ubyte"
    write_idx(p, np.array([7, 2, 1], np.uint8))
    assert p.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])
    q = tmp_path / "i32"
    q.write_bytes(bytes([0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFE]))
    assert read_idx(q).tolist() == [256, -2]


@pytest.mark.parametrize("data,msg", [(b"\x01\x00\x08\x01", "not an IDX"), (b"\x00\x00\x07\x01\x00\x00\x00\x01a",
                                      "type code"), (bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]), "holds 2 bytes")])
def test_idx_rejects_corrupt_files(tmp_path, data, msg):
    p = tmp_path / "bad"
    p.write_bytes(data)
    with pytest.raises(ValueError, match=msg):
        read_idx(p)


def _fake_mnist(root, n_train=12, n_test=5):
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        write_idx(root / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, n).astype(np.uint8))


def test_mnist_reads_local_idx_files(tmp_path):
    _fake_mnist(tmp_path / "m")
    X, y = mnist(tmp_path / "m", train=True, download_missing=False)
    assert tuple(X.shape) == (12, 784) and X.dtype == gg.float32 and y.dtype == gg.int64
    assert 0 <= X.min().item() and X.max().item() <= 1
    raw = read_idx(tmp_path / "m" / "train-images-idx3-ubyte.gz")
    np.testing.assert_allclose(X.numpy()[3], raw[3].ravel() / 255.0, rtol=1e-6)
    Xt, yt = mnist(tmp_path / "m", train=False, download_missing=False)
    assert len(Xt) == len(yt) == 5


def test_mnist_downloads_and_verifies_checksums(tmp_path):
    src = tmp_path / "mirror"
    _fake_mnist(src)
    (src / "train-labels-idx1-ubyte").rename(src / "train-labels-idx1-ubyte.gz.raw")
    write_idx(src / "train-labels-idx1-ubyte.gz", read_idx(src / "train-labels-idx1-ubyte.gz.raw"))
    sums = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in src.glob("*.gz")}
    mirror = src.as_uri() + "/"
    X, y = mnist(tmp_path / "cache", train=True, files=sums, mirrors=("file:///nonexistent/", mirror))
    assert len(X) == 12 and (tmp_path / "cache" / "train-images-idx3-ubyte.gz").exists()
    bad = dict(sums, **{"t10k-images-idx3-ubyte.gz": "0" * 64})
    with pytest.raises(OSError, match="SHA-256"):
        mnist(tmp_path / "cache2", train=False, files=bad, mirrors=(mirror,))
    assert not list((tmp_path / "cache2").glob("t10k-images*"))   # a bad download is not kept
    with pytest.raises(FileNotFoundError, match="download_missing"):
        mnist(tmp_path / "empty", download_missing=False)


def test_mnist_checksums_are_sha256():
    assert len(ds_mod.MNIST_FILES) == 4
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in ds_mod.MNIST_FILES.values())


def test_synthetic_tasks_are_seeded_and_well_formed():
    X, y = two_spirals(200, seed=0)
    X2, _ = two_spirals(200, seed=0)
    assert gg.equal(X, X2) and y.sum().item() == 100
    # the two arms are point reflections of each other: mean radius matches
    r = (X * X).sum(1).sqrt().numpy()
    assert abs(r[y.numpy() == 0].mean() - r[y.numpy() == 1].mean()) < 0.1
    X, y = xor(400, noise=0.05, seed=0)
    s = np.sign(X.numpy())
    assert ((s[:, 0] != s[:, 1]) == y.numpy().astype(bool)).mean() > 0.99
    X, y = regression(300, features=5, noise=0.0, seed=0)
    x = X.numpy().astype(np.float64)
    expect = np.sin(3 * x[:, 0]) + x[:, 1] ** 2 - 0.5 * x[:, 2] + 0.1 * x[:, 3:].sum(1)
    np.testing.assert_allclose(y.numpy()[:, 0], expect, atol=1e-5)


def test_load_splits_and_standardizes_on_train_statistics():
    b = load("spirals", test_fraction=0.2, seed=0)
    assert (len(b.train), len(b.test), b.num_features, b.num_classes, b.task) == (800, 200, 2, 2, "classification")
    Xtr = b.train.tensors[0].numpy()
    np.testing.assert_allclose(Xtr.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(Xtr.std(0), 1, atol=1e-4)
    assert abs(b.test.tensors[0].numpy().mean()) > 1e-7   # test set uses the train statistics, not its own
    assert load("regression").task == "regression"
    with pytest.raises(ValueError, match="unknown data set"):
        load("imagenet")


def test_standardizer(device):
    train = gg.tensor([[1.0, 3.0], [3.0, 3.0]], device=device)
    z, t, sc = standardize(train, gg.tensor([[5.0, 4.0]], device=device))
    assert z.tolist() == [[-1.0, 0.0], [1.0, 0.0]]                 # constant feature: centred, not divided by 0
    assert t.tolist() == [[3.0, 1.0]]
    assert gg.allclose(sc.inverse_transform(z), train)
    with pytest.raises(ValueError, match="shape"):
        sc.transform(gg.zeros(2, 3, device=device))
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(train)


@pytest.mark.parametrize("src,dst", [("cpu", "strict"), ("strict", "cpu"), ("strict", "strict")])
def test_batches_arrive_on_the_target_device(src, dst):
    """Real transfers through the strict stand-in for a GPU (no monkeypatching): shuffled, gathered on the
    source device, delivered on the target, sample pairs intact."""
    pytest.importorskip("gpugrad.backend.strict")
    ds = _ids_dataset(11, src)
    train, _ = random_split(ds, [8, 3], seed=0)
    seen = []
    for xb, yb in DataLoader(train, batch_size=3, shuffle=True, seed=0, device=dst):
        assert xb.device == gg.device(dst) and yb.device == gg.device(dst)
        assert xb[:, 0].tolist() == yb.float().tolist()
        seen += yb.tolist()
    assert sorted(seen) == sorted(train.indices.tolist())
