"""Every example runs (smoke level: a few epochs, output to tmp_path) and says what it should."""
import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG = b"\x89PNG\r\n\x1a\n"


def _load(name):
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))          # the examples import their shared _common module
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _png(path):
    assert path.read_bytes()[:8] == PNG and path.stat().st_size > 5_000, path
    return path


def test_autodiff_basics_prints_the_worked_example(capsys):
    res = _load("autodiff_basics").main([])
    out = capsys.readouterr().out
    assert round(res["f"], 2) == 12.97 and round(res["dfdx"], 1) == 18.5
    for line in ("a = x^2      =    4.00000", "b = sin(a)   =   -0.75680", "c = a + b    =    3.24320",
                 "f = c * a    =   12.97279", "df/dx        =   18.51449"):
        assert line in out, line


@pytest.fixture
def smoke(tmp_path):
    pytest.importorskip("sklearn")
    return ["--epochs", "2", "--out", str(tmp_path), "--device", "cpu"], tmp_path


def test_mlp_digits(smoke):
    argv, out = smoke
    res = _load("mlp_digits").main(argv)
    assert res["accuracy"] > 0.85                     # two epochs of Adam already get most digits right
    _png(out / "mlp_digits.png")
    assert (out / "mlp_digits_history.csv").exists() and (out / "mlp_digits.safetensors").exists()


def test_optimizers_compared(smoke):
    argv, out = smoke
    res = _load("optimizers_compared").main(argv)
    assert set(res) == {"SGD lr=0.05", "momentum 0.9 lr=0.05", "Adam lr=1e-3"}
    assert res["momentum 0.9 lr=0.05"] < res["SGD lr=0.05"]     # momentum makes faster progress than plain SGD
    _png(out / "optimizers_compared.png")


def test_initialization(smoke):
    argv, out = smoke
    findings = _load("initialization").main(argv + ["--depth", "6"])
    kinds = {name: {k for k, _, _ in f} for name, f in findings.items()}
    assert kinds["He (kaiming)"] == set()
    assert "vanishing" in kinds["too small (std 0.01)"]
    assert kinds["too large (std 0.5)"] & {"exploding", "diverged"}
    for i in range(3):
        _png(out / f"initialization_health_{i}.png")


def test_random_labels(smoke):
    argv, out = smoke
    res = _load("random_labels").main(["--epochs", "4", "--width", "64"] + argv[2:])
    assert res["true"].last("train_loss") < res["random"].last("train_loss")
    assert res["random"].last("val_accuracy") < 0.3                # random labels: test accuracy near chance
    _png(out / "random_labels.png")


def test_interpolation(smoke):
    argv, out = smoke
    res = _load("interpolation").main(argv)
    i0, i1 = res.alphas.index(0.0), res.alphas.index(1.0)
    assert res.losses["train"][i1] < res.losses["train"][i0]
    _png(out / "interpolation.png")


def test_adversarial(smoke):
    argv, out = smoke
    rows = _load("adversarial").main(argv)
    acc = dict(rows)
    assert acc[0.0] > 0.8 and acc[0.3] < acc[0.0] - 0.3           # FGSM at eps 0.3 breaks the classifier
    _png(out / "adversarial.png")
