"""Your own data: CSV, .npz and .npy files as DataBundles (labels encoded, task inferred, standardization from
the training split), clear errors naming row and column, and `gpugrad train --data PATH`."""
import json

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import cli
from gpugrad.data import load, load_arrays, load_csv, load_file, load_npz
from gpugrad.train import R2Score


def _csv(path, text):
    path.write_text(text)
    return path


def _table(tmp_path, n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1, 10, 100] + [0, 5, -50]
    kinds = np.array(["setosa", "virginica", "versicolor"])[rng.integers(0, 3, n)]
    lines = ["length,width,depth,kind"] + [f"{a},{b},{c},{k}" for (a, b, c), k in zip(X, kinds)]
    return _csv(tmp_path / "t.csv", "\n".join(lines) + "\n"), X, kinds


def test_csv_with_text_labels_is_encoded_in_sorted_order_and_standardized_on_train_only(tmp_path):
    path, X, kinds = _table(tmp_path)
    d = load_csv(path, test_fraction=0.25, seed=3)
    assert d.task == "classification" and d.classes == ["setosa", "versicolor", "virginica"]
    assert d.num_features == 3 and d.num_classes == 3 and d.feature_names == ["length", "width", "depth"]
    assert d.target_name == "kind" and len(d.train) == 30 and len(d.test) == 10
    perm = np.random.default_rng(3).permutation(40)
    tr, te = perm[10:], perm[:10]
    np.testing.assert_allclose(d.standardizer.mean, X[tr].mean(0), rtol=1e-5)        # train rows only
    np.testing.assert_allclose(d.train.tensors[0].numpy(), (X[tr] - X[tr].mean(0)) / X[tr].std(0), atol=1e-4)
    np.testing.assert_allclose(d.test.tensors[0].numpy(), (X[te] - X[tr].mean(0)) / X[tr].std(0), atol=1e-4)
    assert [d.classes[k] for k in d.test.tensors[1].tolist()] == kinds[te].tolist()
    pre = d.preprocessing()
    assert pre["classes"] == d.classes and len(pre["standardization"]["std"]) == 3
    json.dumps(pre)
    same = load(str(path), test_fraction=0.25, seed=3)                 # load() takes a file path too
    assert type(same) is type(load("xor")) and same.classes == d.classes


def test_csv_target_and_features_by_name(tmp_path):
    path, X, _ = _table(tmp_path)
    d = load_csv(path, target="length", features=["depth", "width"])
    assert d.task == "regression" and d.num_classes is None and d.feature_names == ["depth", "width"]
    assert d.train.tensors[1].shape[1:] == (1,) and d.train.tensors[1].dtype == gg.float32
    with pytest.raises(ValueError, match="no column 'colour' .*length, width, depth, kind"):
        load_csv(path, target="colour")


@pytest.mark.parametrize("cell,msg", [("", "missing value in row 2 \\(line 3\\), column 'b'"),
                                      ("NA", "missing value in row 2 \\(line 3\\), column 'b'"),
                                      ("nan", "missing value \\(NaN\\) in row 2, column 'b'"),
                                      ("red", "column 'b' is not numeric \\(row 2, line 3: 'red'\\)")])
def test_bad_feature_cells_are_named_by_row_and_column(tmp_path, cell, msg):
    path = _csv(tmp_path / "bad.csv", f"a,b,y\n1,2,0\n3,{cell},1\n5,6,0\n7,8,1\n")
    with pytest.raises(ValueError, match=msg):
        load_csv(path)


def test_missing_labels_and_short_rows_are_named(tmp_path):
    with pytest.raises(ValueError, match="missing value in row 3 \\(line 4\\), column 'y'"):
        load_csv(_csv(tmp_path / "a.csv", "a,y\n1,cat\n2,dog\n3,\n4,cat\n"))
    with pytest.raises(ValueError, match="missing or infinite target in row 1, column 'y'"):
        load_csv(_csv(tmp_path / "b.csv", "a,y\n1,nan\n2,1.5\n3,2.5\n"))
    with pytest.raises(ValueError, match="row 2 \\(line 3\\) has 2 fields, the header has 3"):
        load_csv(_csv(tmp_path / "c.csv", "a,b,y\n1,2,0\n3,4\n5,6,1\n"))


def test_task_is_inferred_and_can_be_forced():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    assert load_arrays(X, rng.integers(1, 4, 100)).classes == [1, 2, 3]        # labels 1..3 become 0..2
    assert load_arrays(X, rng.normal(size=100)).task == "regression"
    assert load_arrays(X, np.arange(100)).task == "regression"                  # 100 distinct integers
    assert load_arrays(X, np.arange(100), task="classification").num_classes == 100
    assert load_arrays(X, rng.integers(0, 3, 100), task="regression").task == "regression"
    with pytest.raises(ValueError, match="task='classification' needs integer or text labels, but a target is"):
        load_arrays(X, rng.normal(size=100), task="classification")
    with pytest.raises(ValueError, match="task='regression' needs numeric targets"):
        load_arrays(X, np.array(["a", "b"] * 50), task="regression")


def test_npz_and_npy_pair(tmp_path):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(50, 4)).astype(np.float32), rng.integers(0, 2, 50)
    np.savez(tmp_path / "a.npz", X=X, y=y)
    np.savez(tmp_path / "b.npz", inputs=X, labels=y)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    a = load_npz(tmp_path / "a.npz", seed=2)
    b = load_npz(tmp_path / "b.npz", features=["inputs"], target="labels", seed=2)
    c = load_file(f"{tmp_path / 'X.npy'},{tmp_path / 'y.npy'}", seed=2)
    for d in (b, c):
        np.testing.assert_array_equal(d.train.tensors[0].numpy(), a.train.tensors[0].numpy())
        np.testing.assert_array_equal(d.test.tensors[1].numpy(), a.test.tensors[1].numpy())
    with pytest.raises(ValueError, match="no array 'x' or 'X' .*inputs, labels"):
        load_npz(tmp_path / "b.npz")


def test_r2_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=(57, 2)), rng.normal(size=(57, 2))
    m = R2Score()
    for i in range(0, 57, 10):                                   # accumulated over batches
        m.update(gg.tensor(p[i:i + 10]), gg.tensor(y[i:i + 10]))
    assert m.compute() == pytest.approx(metrics.r2_score(y, p), rel=1e-10)


def test_train_on_a_csv_prints_the_label_mapping_and_saves_it(tmp_path, capsys):
    path, _, _ = _table(tmp_path)
    rc = cli.main(["train", "--data", str(path), "--hidden", "8", "--epochs", "2", "--quiet", "--device", "cpu",
                   "--out", str(tmp_path / "run")])
    out = capsys.readouterr().out
    assert rc == 0 and "labels: 0 = 'setosa', 1 = 'versicolor', 2 = 'virginica'" in out
    pre = json.loads((tmp_path / "run" / "preprocessing.json").read_text())
    assert pre["classes"] == ["setosa", "versicolor", "virginica"] and pre["target"] == "kind"


def test_train_regression_on_a_csv_reports_mse_and_r2(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (400, 2))
    y = 3 * X[:, 0] - X[:, 1] ** 2 + 0.05 * rng.normal(size=400)
    np.savetxt(tmp_path / "r.csv", np.c_[X, y], delimiter=",", header="u,v,out", comments="")
    rc = cli.main(["train", "--data", str(tmp_path / "r.csv"), "--hidden", "16", "--epochs", "20", "--lr", "0.01",
                   "--quiet", "--device", "cpu", "--out", str(tmp_path / "run")])
    out = capsys.readouterr().out
    assert rc == 0 and "test mse:" in out and "test r2:" in out
    assert float(out.split("test r2:")[1].split()[0]) > 0.9
    hist = json.loads((tmp_path / "run" / "history.json").read_text())
    assert "val_r2" in hist["epochs"][-1] and "val_mse" in hist["epochs"][-1]


@pytest.mark.parametrize("argv,msg", [
    (["--data", "nope.csv"], "no file nope.csv"),
    (["--data", "digits", "--target", "y"], "--target and --features are for your own data files"),
    (["--data", "xor", "--task", "regression"], "is a classification data set"),
])
def test_data_argument_errors(argv, msg, capsys, tmp_path):
    rc = None
    try:
        rc = cli.main(["train", *argv, "--quiet", "--out", str(tmp_path)])
    except SystemExit as e:
        rc = e.code
    assert rc in (1, 2) and msg in capsys.readouterr().err
