"""The gpugrad command line: train (the default run's accuracy on digits), lr-find, info, bench, and
clear errors with a non-zero exit status, never a traceback."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gpugrad as gg
from gpugrad import cli

ROOT = Path(__file__).resolve().parents[1]


def _run(argv, capsys):
    rc = cli.main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_train_default_settings_reach_97_percent_on_digits(tmp_path, capsys):
    """The acceptance bar of `gpugrad train` with every setting left at its default (only --out moved)."""
    pytest.importorskip("sklearn")
    rc, out, _ = _run(["train", "--out", str(tmp_path), "--quiet"], capsys)
    assert rc == 0
    hist = json.loads((tmp_path / "history.json").read_text())
    assert len(hist["epochs"]) == 30 and hist["meta"]["config"]["batch_size"] == 32
    assert hist["epochs"][-1]["val_accuracy"] >= 0.97
    final = out.split("test accuracy:")[1].split()[0]
    assert float(final) >= 0.97
    for name in ("history.csv", "history_steps.csv", "convergence.png", "model.safetensors"):
        assert (tmp_path / name).stat().st_size > 0, name
    model = gg.nn.MLP([64, 256, 128, 10])
    model.load_state_dict(gg.load(tmp_path / "model.safetensors"))   # the checkpoint restores the model


def test_train_options_regression_health_and_scheduler(tmp_path, capsys):
    rc, out, _ = _run(["train", "--data", "regression", "--hidden", "16", "--activation", "tanh", "--init",
                       "xavier", "--optimizer", "momentum", "--lr", "0.01", "--epochs", "3", "--batch-size", "64",
                       "--scheduler", "cosine", "--health", "--max-grad-norm", "5", "--log-epochs", "--out",
                       str(tmp_path), "--quiet", "--device", "cpu"], capsys)
    assert rc == 0 and "final train mse" in out and "Gradient health" in out
    assert (tmp_path / "gradient_health.png").exists() and (tmp_path / "gradient_health.txt").exists()
    lrs = [r["lr"] for r in json.loads((tmp_path / "history.json").read_text())["epochs"]]
    assert lrs[0] == pytest.approx(0.01) and lrs[1] < lrs[0]       # cosine annealing stepped per epoch


def test_lr_find_command(tmp_path, capsys):
    rc, out, _ = _run(["lr-find", "--data", "xor", "--hidden", "8", "--num-iter", "40", "--optimizer", "sgd",
                       "--out", str(tmp_path), "--quiet"], capsys)
    assert rc == 0 and "suggested lr" in out
    res = json.loads((tmp_path / "lr_find.json").read_text())
    assert len(res["lrs"]) == len(res["smoothed"]) and res["lrs"][0] <= res["suggestion"] <= res["lrs"][-1]
    assert (tmp_path / "lr_find.png").read_bytes()[:4] == b"\x89PNG"


def test_sweep_command(tmp_path, capsys):
    rc, out, _ = _run(["sweep", "--data", "xor", "--hidden", "8", "--epochs", "2", "--num-lrs", "2", "--lr-range",
                       "1e-3,1e-1", "--batch-sizes", "16,32", "--linear-scaling", "--out", str(tmp_path), "--quiet"],
                      capsys)
    assert rc == 0
    rows = json.loads((tmp_path / "sweep.json").read_text())
    assert [(r["lr"], r["batch_size"]) for r in rows] == [(1e-3, 16), (0.1, 16), (1e-3, 32), (0.1, 32)]
    assert [r["effective_lr"] for r in rows] == pytest.approx([1e-3, 0.1, 2e-3, 0.2])
    assert rows[1]["train_loss"] < rows[0]["train_loss"]          # on XOR, 2 epochs at 1e-3 barely move
    assert "effective_lr" in out and len((tmp_path / "sweep.csv").read_text().splitlines()) == 5


@pytest.mark.parametrize("argv,msg", [
    (["train", "--hidden", "12,x"], "comma-separated layer widths"),
    (["train", "--epochs", "0"], "must be positive"),
    (["train", "--lr", "abc"], "expected a float"),
    (["train", "--lr", "nan"], "must be positive"),
    (["train", "--weight-decay", "-1"], "must be >= 0"),
    (["train", "--data", "imagenet"], "invalid choice"),
    (["train", "--optimizer", "lbfgs"], "invalid choice"),
    (["train", "--test-fraction", "1.5"], "--test-fraction"),
    (["train", "--device", "tpu"], "--device"),
    (["lr-find", "--start-lr", "1", "--end-lr", "0.1"], "--start-lr"),
    (["lr-find", "--num-iter", "1"], "--num-iter must be at least 2"),
    (["bench", "nope"], "unknown bench suite"),
    (["sweep", "--lr-range", "1"], "LOW,HIGH"),
    (["sweep", "--batch-sizes", "64,16"], "--batch-sizes"),
    (["sweep", "--batch-sizes", "5,7"], "no power of two between 5 and 7"),
    (["sweep", "--lr", "0.1"], "unrecognized arguments"),
    ([], "required"),
])
def test_bad_arguments_exit_2_with_a_message(argv, msg, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and msg in err and "Traceback" not in err


def test_cuda_without_a_gpu_is_a_clear_error(capsys):
    if gg.cuda.is_available():
        pytest.skip("a GPU answers here")
    with pytest.raises(SystemExit) as e:
        cli.main(["train", "--device", "cuda"])
    assert e.value.code == 2 and "CUDA is not available" in capsys.readouterr().err


def test_errors_while_running_exit_1_in_one_line(monkeypatch, capsys, tmp_path):
    from gpugrad.data import datasets

    def offline(*a, **k):
        raise OSError("mnist: could not download train-images-idx3-ubyte.gz: network unreachable")
    monkeypatch.setattr(datasets, "mnist", offline)
    rc, out, err = _run(["train", "--data", "mnist", "--out", str(tmp_path)], capsys)
    assert rc == 1 and err.strip().count("\n") == 0
    assert err.startswith("gpugrad train: error: OSError: mnist: could not download")


def test_info_via_python_m(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "gpugrad", "info"], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    for word in ("gpugrad 0.1.0", "numpy", "BLAS", "numba", "threading layer", "CUDA"):
        assert word in r.stdout, word


def test_bench_prints_the_suites_tables(monkeypatch, capsys, tmp_path):
    """The suites themselves are timed elsewhere; here a stand-in suite checks the plumbing: the options a
    run() accepts are passed, rows become a table, --json writes them."""
    import types
    seen = {}

    def run(quick=False, device="cpu"):
        seen.update(quick=quick, device=device)
        return [{"workload": "mul", "numpy_us": 0.3, "gpugrad_us": 1.5, "gpugrad/numpy": 5.0}]
    monkeypatch.setitem(sys.modules, "gpugrad.bench.kernels", types.SimpleNamespace(run=run))
    rc, out, _ = _run(["bench", "kernels", "--quick", "--json", str(tmp_path / "b.json")], capsys)
    assert rc == 0 and seen == {"quick": True, "device": "cpu"}
    assert "== kernels ==" in out and "gpugrad/numpy" in out and "mul" in out
    assert json.loads((tmp_path / "b.json").read_text())["kernels"][0]["gpugrad_us"] == 1.5


def test_bench_checks_the_device_before_running_any_suite(monkeypatch, capsys):
    if gg.cuda.is_available():
        pytest.skip("a GPU answers here")
    import types
    ran = []
    monkeypatch.setitem(sys.modules, "gpugrad.bench.overhead",
                        types.SimpleNamespace(run=lambda quick=False: ran.append("overhead") or []))
    with pytest.raises(SystemExit) as e:
        cli.main(["bench", "overhead", "kernels", "--device", "cuda"])
    assert e.value.code == 2 and "CUDA is not available" in capsys.readouterr().err and ran == []


def test_console_script_is_declared_and_resolves():
    import importlib
    import tomllib
    target = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["gpugrad"]
    module, func = target.split(":")
    assert getattr(importlib.import_module(module), func) is cli.main
