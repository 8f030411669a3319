"""Convergence plots with a metric panel, markers for short runs and a divergence mark; the sweep heat map;
a diverged `gpugrad train` run said in one line."""
import math

import pytest

from gpugrad import cli
from gpugrad.train import History, divergence_epoch, plot_convergence, plot_sweep
from gpugrad.train import plots

pytest.importorskip("matplotlib")


@pytest.fixture
def figures(monkeypatch):
    seen = []
    real = plots.save_figure
    monkeypatch.setattr(plots, "save_figure", lambda fig, path, dpi=110: seen.append(fig) or real(fig, path, dpi))
    return seen


def _hist(losses, metric="accuracy"):
    h = History()
    for i, v in enumerate(losses, 1):
        h.log_epoch(epoch=i, train_loss=v, val_loss=v * 1.1, **{f"train_{metric}": 0.5 + i / 100,
                                                               f"val_{metric}": 0.4 + i / 100})
    return h


def test_metric_panel_and_markers_for_a_one_epoch_run(tmp_path, figures):
    plot_convergence(_hist([0.7]), tmp_path / "a.png")
    axes = figures[-1].axes
    assert len(axes) == 3 and axes[2].get_ylabel() == "accuracy"
    assert all(line.get_marker() == "o" for ax in axes for line in ax.lines)
    plot_convergence(_hist([0.7, 0.5], metric="r2"), tmp_path / "b.png")
    assert figures[-1].axes[2].get_ylabel() == "R²"
    h = History()
    h.log_epoch(epoch=1, train_loss=1.0)
    plot_convergence(h, tmp_path / "c.png")
    assert len(figures[-1].axes) == 2                      # no metric, no third panel


def test_divergence_is_marked_on_the_plot(tmp_path, figures):
    h = _hist([0.7, 3.0, math.nan, math.nan])
    assert divergence_epoch(h) == 3
    plot_convergence(h, tmp_path / "d.png")
    texts = [t.get_text() for t in figures[-1].axes[0].texts]
    assert any("diverged (NaN/inf) at epoch 3" in t for t in texts)


def test_sweep_heat_map_labels_cells_and_diverged_runs(tmp_path, figures):
    rows = [{"lr": lr, "batch_size": b, "train_loss": v, "val_loss": v}
            for (lr, b), v in {(1e-3, 16): 0.5, (1e-1, 16): 0.2, (1e-3, 32): 0.6, (1e-1, 32): math.nan}.items()]
    path = plot_sweep(rows, tmp_path / "s.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    ax = figures[-1].axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["0.2", "0.5", "0.6", "diverged"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_sweep_command_writes_the_heat_map(tmp_path, capsys):
    rc = cli.main(["sweep", "--data", "xor", "--hidden", "4", "--epochs", "1", "--num-lrs", "2", "--batch-sizes",
                   "16,32", "--out", str(tmp_path), "--quiet", "--device", "cpu"])
    assert rc == 0 and str(tmp_path / "sweep.png") in capsys.readouterr().out
    assert (tmp_path / "sweep.png").stat().st_size > 5000


def test_a_diverged_train_run_says_so_in_one_line_and_stops(tmp_path, capsys):
    rc = cli.main(["train", "--data", "xor", "--hidden", "8", "--optimizer", "sgd", "--lr", "1e30", "--epochs",
                   "10", "--quiet", "--device", "cpu", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    lines = [line for line in out.splitlines() if "diverged" in line and not line.startswith("wrote")]
    assert len(lines) == 1 and "diverged to NaN/inf at epoch 1" in lines[0]
    import json
    assert len(json.loads((tmp_path / "history.json").read_text())["epochs"]) == 1
