"""`gpugrad train` as a new user meets it: a core install without matplotlib, a bad --out, the help, the
sweep's announcements, the run header, an offline MNIST."""
import sys

import pytest

from gpugrad import cli

SMALL = ["--data", "xor", "--hidden", "8", "--epochs", "1", "--quiet", "--device", "cpu"]


def _run(argv, capsys):
    rc = cli.main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_without_matplotlib_the_model_and_history_are_saved_and_plotting_is_skipped(tmp_path, capsys,
                                                                                     monkeypatch):
    for mod in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "matplotlib", None)           # `import matplotlib...` raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    rc, out, _ = _run(["train", *SMALL, "--health", "--out", str(tmp_path)], capsys)
    assert rc == 0
    assert "plots skipped" in out and "pip install gpugrad[plot]" in out
    for name in ("model.safetensors", "history.csv", "history_steps.csv", "history.json", "gradient_health.txt"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert not (tmp_path / "convergence.png").exists()


@pytest.mark.parametrize("command", ["train", "lr-find", "sweep"])
def test_an_out_that_is_a_file_is_refused_before_training(tmp_path, capsys, monkeypatch, command):
    import gpugrad.train as train
    for name in ("fit", "lr_find", "sweep"):
        monkeypatch.setattr(train, name, lambda *a, **k: pytest.fail("trained before checking --out"))
    (tmp_path / "f").write_text("x")
    with pytest.raises(SystemExit) as e:
        cli.main([command, "--data", "xor", "--out", str(tmp_path / "f")])
    assert e.value.code == 2 and "is a file" in capsys.readouterr().err


def test_an_unwritable_out_is_refused_before_training(tmp_path, capsys, monkeypatch):
    import os
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    import gpugrad.train as train
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("trained before checking --out"))
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(SystemExit) as e:
            cli.main(["train", "--data", "xor", "--out", str(ro / "run")])
    finally:
        ro.chmod(0o700)
    assert e.value.code == 2 and "cannot write there" in capsys.readouterr().err


def test_help_shows_the_defaults_and_the_sweep_folder(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for want in ("passes over the training set (default: 30)", "mini-batch size (default: 32)",
                 "hidden layer (default: 0.0)"):
        assert want in text, want
    with pytest.raises(SystemExit):
        cli.main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "gpugrad-runs/<data>-sweep" in text and "powers of two between them" in text


def test_sweep_says_which_batch_sizes_it_runs(tmp_path, capsys):
    rc, out, _ = _run(["sweep", "--data", "xor", "--hidden", "4", "--epochs", "1", "--num-lrs", "1",
                       "--batch-sizes", "10,40", "--out", str(tmp_path), "--quiet", "--device", "cpu"], capsys)
    assert rc == 0 and "--batch-sizes 10,40: batch sizes are powers of two, so the sweep runs 16, 32" in out


def test_header_and_title_name_the_scheduler_and_clipping_and_steps_csv_is_announced(tmp_path, capsys,
                                                                                     monkeypatch):
    from gpugrad import train
    titles = []
    real = train.plot_convergence
    monkeypatch.setattr(train, "plot_convergence", lambda *a, **k: titles.append(k["title"]) or real(*a, **k))
    rc, out, _ = _run(["train", *SMALL, "--scheduler", "cosine", "--max-grad-norm", "5", "--out", str(tmp_path)],
                      capsys)
    header = out.splitlines()[0]
    assert rc == 0 and "cosine schedule" in header and "grad-norm clip 5" in header
    assert "cosine schedule" in titles[0] and "grad-norm clip 5" in titles[0]
    assert str(tmp_path / "history_steps.csv") in out.splitlines()[-1]


def test_mnist_offline_says_where_to_put_the_files(tmp_path):
    from gpugrad.data import mnist
    with pytest.raises(OSError, match=r"GPUGRAD_DATA=DIR and put them in DIR/mnist") as e:
        mnist(tmp_path / "m", mirrors=("file:///nonexistent/",))
    assert str(tmp_path / "m") in str(e.value) and "train-images-idx3-ubyte.gz" in str(e.value)
