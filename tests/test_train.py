"""gpugrad.train: the fit loop, history, metrics, plots, gradient health, LR finder, interpolation, random
labels and sweeps. Small problems (XOR, a few hundred points) keep each test well under a second."""
import json
import math

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn, optim
from gpugrad.data import DataLoader, TensorDataset, regression, xor
from gpugrad.train import (Accuracy, Callback, EarlyStopping, GradientHealth, History, MeanSquaredError, evaluate,
                           fit, format_table, grad_norm, interpolate, log_grid, lr_find, plot_convergence, pow2_grid,
                           random_label_check, snapshot, summarize_random_labels, sweep)
from gpugrad.train import loop as loop_mod

PNG = b"\x89PNG\r\n\x1a\n"


def _xor(n=256, device="cpu", seed=0):
    X, y = xor(n, seed=seed)
    return TensorDataset(X.to(device), y.to(device))


def _net(device="cpu", hidden=16, act=nn.Tanh):
    return nn.Sequential(nn.Linear(2, hidden), act(), nn.Linear(hidden, 2)).to(device)


def _params(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


# -- fit ---------------------------------------------------------------------------------------------------------
def test_fit_learns_xor_and_records_history(device):
    ds = _xor(256, device)
    model = _net(device)
    loader = DataLoader(ds, batch_size=32, shuffle=True, seed=0)
    h = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), loader, epochs=15,
            val_loader=DataLoader(_xor(128, device, seed=1), batch_size=50), metrics=["accuracy"], progress=False)
    assert len(h) == 15 and h["epoch"] == list(range(1, 16))
    for col in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "grad_norm", "time",
                "samples_per_s"):
        assert col in h, col
    assert h.last("train_loss") < 0.2 * h["train_loss"][0]
    assert h.last("val_accuracy") > 0.95
    assert h["time"] == sorted(h["time"]) and all(v > 0 for v in h["samples_per_s"])
    assert len(h.steps) == 15 * len(loader) and h.steps[-1]["step"] == 15 * len(loader)
    times = h.step_column("time")
    assert times == sorted(times) and times[-1] <= h.last("time")


def test_epoch_loss_is_average_per_sample_over_the_steps():
    """train_loss = sum over steps of (batch mean x batch size) / samples: with a partial last batch this is
    not the plain mean of the step losses."""
    ds = _xor(100)
    model = _net()
    loader = DataLoader(ds, batch_size=30, shuffle=True, seed=0)   # 30, 30, 30, 10
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader, epochs=2, progress=False)
    for e in (1, 2):
        steps = [r for r in h.steps if r["epoch"] == e]
        sizes = [30, 30, 30, 10]
        expect = sum(r["loss"] * b for r, b in zip(steps, sizes)) / 100
        assert h["train_loss"][e - 1] == pytest.approx(expect, rel=1e-6)
        assert h["train_loss"][e - 1] != pytest.approx(np.mean([r["loss"] for r in steps]), rel=1e-6)


def test_sum_reduction_loss_is_divided_by_the_batch():
    ds = _xor(64)
    m1, m2 = _net(), _net()
    m2.load_state_dict(m1.state_dict())
    h1 = fit(m1, nn.CrossEntropyLoss(), optim.SGD(m1.parameters(), lr=0.0), DataLoader(ds, 16), 1, progress=False)
    h2 = fit(m2, nn.CrossEntropyLoss(reduction="sum"), optim.SGD(m2.parameters(), lr=0.0), DataLoader(ds, 16), 1,
             progress=False)
    assert h1.last("train_loss") == pytest.approx(h2.last("train_loss"), rel=1e-5)
    assert h1.steps[0]["loss"] == pytest.approx(h2.steps[0]["loss"], rel=1e-5)


def test_fit_pulls_to_host_once_per_epoch(monkeypatch):
    calls = []
    real = loop_mod.to_host
    monkeypatch.setattr(loop_mod, "to_host", lambda arrs: calls.append(len(arrs)) or real(arrs))
    model = _net()
    loader = DataLoader(_xor(96), batch_size=16)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader, epochs=3, progress=False)
    assert calls == [2 * 6 + 1] * 3        # 6 step losses + 6 gradient norms + the epoch total, per epoch


def test_grad_norm_matches_definition():
    model = _net()
    X, y = _xor(32).tensors
    nn.CrossEntropyLoss()(model(X), y).backward()
    expect = math.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum()) for p in model.parameters()))
    assert float(grad_norm(model.parameters())) == pytest.approx(expect, rel=1e-5)


def test_max_grad_norm_bounds_each_sgd_step():
    model = _net()
    before = np.concatenate([v.ravel() for v in _params(model).values()])
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1.0), DataLoader(_xor(32), 32), 1,
            max_grad_norm=1e-3, progress=False)
    after = np.concatenate([v.ravel() for v in _params(model).values()])
    assert np.linalg.norm(after - before) <= 1e-3 * 1.0001
    assert h.steps[0]["grad_norm"] > 1e-3        # the recorded norm is the one before clipping


def test_scheduler_steps_once_per_epoch_and_lr_is_recorded():
    model = _net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    h = fit(model, nn.CrossEntropyLoss(), opt, DataLoader(_xor(64), 32), 5, scheduler=sched, progress=False)
    assert h["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])   # the lr used during each epoch
    assert [r["lr"] for r in h.steps if r["epoch"] == 1] == [0.1, 0.1]


def test_one_cycle_and_cyclic_schedulers_step_after_every_batch():
    """Their periods count optimizer steps: fit steps them per batch, so a OneCycleLR over epochs x batches
    gives the same learning rates as the hand-written loop."""
    for make in (lambda o: optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=3 * 2),
                 lambda o: optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2)):
        expected_opt = optim.SGD(_net().parameters(), lr=0.1, momentum=0.9)
        expected_sched, expected = make(expected_opt), []
        for _ in range(3 * 2):
            expected.append(expected_opt.param_groups[0]["lr"])
            expected_opt.step()
            expected_sched.step()
        model = _net()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        h = fit(model, nn.CrossEntropyLoss(), opt, DataLoader(_xor(64), 32), 3, scheduler=make(opt), progress=False)
        assert h.step_column("lr") == pytest.approx(expected)
        assert h["lr"] == pytest.approx(expected[1::2])            # the lr of each epoch's last step


def test_an_interrupted_fit_takes_the_gradient_health_hooks_off_the_model():
    model = _net()

    class Interrupt(Callback):
        def on_batch_end(self, s):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(_xor(64), 32), 2,
            callbacks=[GradientHealth(), Interrupt()], progress=False)
    assert not any("_forward_hooks" in m.__dict__ for m in model.modules())


def test_callbacks_and_early_stopping():
    events = []

    class Spy(Callback):
        def on_train_begin(self, s): events.append("begin")
        def on_batch_end(self, s): events.append(("batch", tuple(s.output.shape)))
        def on_epoch_end(self, s): events.append(("epoch", s.epoch))
        def on_train_end(self, s): events.append("end")

    model = _net()
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0), DataLoader(_xor(40), 20), 10,
            val_loader=DataLoader(_xor(20), 20), callbacks=[Spy(), EarlyStopping("val_loss", patience=2)],
            progress=False)
    assert len(h) == 3          # lr 0: no improvement after epoch 1, stop after 2 more
    assert events[0] == "begin" and events[-1] == "end" and events[1] == ("batch", (20, 2))
    assert [e for e in events if isinstance(e, tuple) and e[0] == "epoch"] == [("epoch", i) for i in (1, 2, 3)]


def test_fit_continues_a_history_and_shows_progress(capsys):
    model = _net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(_xor(64), 32)
    h = fit(model, nn.CrossEntropyLoss(), opt, loader, 2, progress=True)
    fit(model, nn.CrossEntropyLoss(), opt, loader, 2, history=h, progress=False)
    assert h["epoch"] == [1, 2, 3, 4]
    err = capsys.readouterr().err
    assert "2/2" in err and "loss=" in err and "samples/s" in err


def test_progress_without_tqdm_prints_a_line_per_epoch(monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)      # `from tqdm.auto import` fails
    model = _net()
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(_xor(64), 32), 2,
        val_loader=DataLoader(_xor(32), 32), desc="xor")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and lines[1].startswith("xor: epoch 2/2: loss=") and "val_loss=" in lines[1]


def test_evaluate_equals_full_batch_loss_and_restores_mode(device):
    ds = _xor(77, device)
    model = _net(device)
    X, y = ds.tensors
    with gg.no_grad():
        out = model(X)
        full = nn.CrossEntropyLoss()(out, y).item()
        acc = (out.argmax(1) == y).float().mean().item()
    model.train()
    res = evaluate(model, nn.CrossEntropyLoss(), DataLoader(ds, batch_size=10), ["accuracy"])
    assert res["loss"] == pytest.approx(full, rel=1e-5) and res["accuracy"] == pytest.approx(acc)
    assert model.training


def test_fit_and_evaluate_reject_batches_that_are_not_pairs():
    X, y = _xor(8).tensors
    w = gg.ones(8)
    for batch, got in (((X, y, w), "a tuple of 3 elements"), (X, "a Tensor")):
        model = _net()
        with pytest.raises(ValueError, match=f"fit: each batch .* pair \\(inputs, targets\\), got {got}"):
            fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), [batch], progress=False)
        with pytest.raises(ValueError, match=f"evaluate: each batch .* pair \\(inputs, targets\\), got {got}"):
            evaluate(model, nn.CrossEntropyLoss(), [batch])
    assert evaluate(_net(), nn.CrossEntropyLoss(), [[X, y]])["loss"] > 0          # a list pair is fine
    model = _net()
    with pytest.raises(ValueError, match="lr_find: each batch .* pair \\(inputs, targets\\), got a tuple of 3"):
        lr_find(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), [(X, y, w)], num_iter=2)


def test_metrics():
    acc = Accuracy()
    acc.update(gg.tensor([[2.0], [-1.0], [0.5]]), gg.tensor([1, 1, 0]))     # one logit column: sign decides
    assert acc.compute() == pytest.approx(1 / 3)
    mse = MeanSquaredError()
    mse.update(gg.tensor([[1.0], [3.0]]), gg.tensor([0.0, 1.0]))
    assert mse.compute() == pytest.approx(2.5)
    assert math.isnan(Accuracy().compute())
    acc = Accuracy()                                                         # class-probability targets
    acc.update(gg.tensor([[2.0, 1.0], [0.0, 1.0]]), gg.tensor([[0.9, 0.1], [0.8, 0.2]]))
    assert acc.compute() == pytest.approx(0.5)


def test_regression_fit_with_mse():
    X, y = regression(256, seed=0)
    model = nn.MLP([4, 32, 1], activation="tanh")
    h = fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01),
            DataLoader(TensorDataset(X, y), 32, shuffle=True, seed=0), 10, metrics=["mse"], progress=False)
    assert h.last("train_mse") == pytest.approx(h.last("train_loss"), rel=0.2)
    assert h.last("train_loss") < 0.5 * h["train_loss"][0]


# -- history and plots ---------------------------------------------------------------------------------------------
def test_history_csv_json_round_trip(tmp_path):
    model = _net()
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(_xor(64), 32), 3,
            metrics=["accuracy"], progress=False)
    csv_path, json_path = h.save(tmp_path)
    rows = csv_path.read_text().splitlines()
    assert rows[0].split(",")[:3] == ["epoch", "train_loss", "train_accuracy"] and len(rows) == 4
    assert len((tmp_path / "history_steps.csv").read_text().splitlines()) == 1 + 6
    back = History.from_json(json_path)
    assert back["train_loss"] == pytest.approx(h["train_loss"]) and len(back.steps) == 6
    assert json.loads(json_path.read_text())["epochs"][0]["epoch"] == 1
    with pytest.raises(KeyError, match="no column"):
        h["nope"]


def test_convergence_plots(tmp_path):
    hs = {}
    for name, lr in (("sgd", 0.05), ("adam", 0.02)):
        gg.manual_seed(0)
        model = _net()
        opt = optim.SGD(model.parameters(), lr=lr) if name == "sgd" else optim.Adam(model.parameters(), lr=lr)
        hs[name] = fit(model, nn.CrossEntropyLoss(), opt, DataLoader(_xor(64), 16), 4,
                       val_loader=DataLoader(_xor(32), 32), progress=False)
    for p in (plot_convergence(hs["sgd"], tmp_path / "one.png"),
              plot_convergence(hs, tmp_path / "cmp.png", log_epochs=True, title="sgd vs adam")):
        assert p.read_bytes()[:8] == PNG and p.stat().st_size > 10_000


# -- gradient health -------------------------------------------------------------------------------------------
def _health_run(model, epochs=2, lr=0.01):
    health = GradientHealth()
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=lr), DataLoader(_xor(128), 32), epochs,
        callbacks=[health], progress=False)
    return health


def test_gradient_health_healthy_net_has_no_findings(tmp_path):
    health = _health_run(nn.MLP([2, 32, 32, 2], activation="relu"))
    assert health.findings() == []
    rep = health.report()
    assert "no vanishing or exploding" in rep and "0.weight" in rep
    rec = health.records[-1]
    assert set(rec["dead_fraction"]) == {"1", "3"} and len(health.step_grad_norms["0.weight"]) == 2 * 4
    assert health.plot(tmp_path / "h.png").read_bytes()[:8] == PNG
    # hooks are gone after training: a forward no longer records anything
    model = nn.MLP([2, 4, 2])
    h = _health_run(model, epochs=1)
    model(gg.randn(3, 2))
    assert all(v == [] for v in h._acts.values())


def test_gradient_health_flags_vanishing_gradients():
    model = nn.MLP([2] + [32] * 6 + [2], activation="tanh", init=lambda w: nn.init.normal_(w, 0.0, 0.05))
    kinds = {(k, layer) for k, layer, _ in _health_run(model).findings()}
    assert ("vanishing", "0") in kinds and ("vanishing", "12") not in kinds   # first layer, not the last
    assert all(k == "vanishing" for k, _ in kinds)


def test_gradient_health_flags_dead_relus():
    model = nn.MLP([2, 32, 2], activation="relu")
    with gg.no_grad():
        model[0].bias.fill_(-10.0)          # every pre-activation negative: all units dead
    found = _health_run(model).findings()
    dead = [m for k, layer, m in found if k == "dead_relu"]
    assert len(dead) == 1 and dead[0] == "1: 32 of 32 units (100%)"
    assert "Dead ReLU units" in _health_run(model).report()


def test_gradient_health_flags_exploding_gradients():
    model = nn.MLP([2, 16, 2], activation="relu", init=lambda w: nn.init.normal_(w, 0.0, 1e4))
    assert any(k == "exploding" for k, _, _ in _health_run(model, epochs=1, lr=0.0).findings())


# -- LR finder ---------------------------------------------------------------------------------------------------
def test_lr_find_sweeps_exponentially_and_restores_state(tmp_path):
    model = _net()
    opt = optim.Adam(model.parameters(), lr=0.123)
    before = _params(model)
    model.eval()
    res = lr_find(model, nn.CrossEntropyLoss(), opt, DataLoader(_xor(256), 32, shuffle=True, seed=0),
                  start_lr=1e-5, end_lr=10.0, num_iter=80)
    assert not model.training                                     # the mode it had, too
    ratios = np.array(res.lrs[1:]) / np.array(res.lrs[:-1])
    np.testing.assert_allclose(ratios, (1e6) ** (1 / 79), rtol=1e-9)
    assert res.lrs[0] == pytest.approx(1e-5) and len(res.losses) == len(res.smoothed) == len(res.lrs)
    assert res.suggestion == pytest.approx(res.min_loss_lr / 10)
    after = _params(model)
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert opt.param_groups[0]["lr"] == 0.123 and not opt.state_dict()["state"]
    assert res.plot(tmp_path / "lr.png").read_bytes()[:8] == PNG
    assert "suggested lr" in str(res)


def test_lr_find_stops_when_the_loss_diverges():
    """Least squares with SGD diverges once lr exceeds 2 / (largest Hessian eigenvalue)."""
    X, y = regression(256, seed=0)
    model = nn.Linear(4, 1)
    res = lr_find(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(TensorDataset(X, y), 32),
                  start_lr=1e-3, end_lr=1e4, num_iter=200, check_every=5)
    assert res.diverged and len(res.lrs) < 200
    # the Hessian of the mean squared error in (w, b) is 2/n [X 1]^T [X 1]; plain gradient descent is stable
    # for lr < 2 / lambda_max, so the lowest loss must come below that and the suggestion a decade lower
    A = np.c_[X.numpy().astype(np.float64), np.ones(len(X))]
    lr_max = 2 / np.linalg.eigvalsh(2 / len(A) * A.T @ A).max()
    assert res.min_loss_lr < 1.5 * lr_max and res.steepest_lr <= res.min_loss_lr
    assert res.suggestion == pytest.approx(res.min_loss_lr / 10)


@pytest.mark.parametrize("kw", [dict(start_lr=1.0, end_lr=0.1), dict(num_iter=1)])
def test_lr_find_rejects_bad_arguments(kw):
    model = _net()
    with pytest.raises(ValueError, match="lr_find"):
        lr_find(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(_xor(32), 32), **kw)


# -- interpolation -------------------------------------------------------------------------------------------------
def test_interpolation_endpoints_match_the_models(tmp_path):
    model = _net()
    loader = DataLoader(_xor(128), 64)
    loss_fn = nn.CrossEntropyLoss()
    theta0 = snapshot(model)
    start_loss = evaluate(model, loss_fn, loader)["loss"]
    fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.05), loader, 10, progress=False)
    end_loss = evaluate(model, loss_fn, loader)["loss"]
    trained = _params(model)
    res = interpolate(model, loss_fn, theta0, {"train": loader}, alphas=[-0.5, 0.0, 0.5, 1.0],
                      metrics=["accuracy"])
    assert res.losses["train"][1] == pytest.approx(start_loss, rel=1e-5)
    assert res.losses["train"][3] == pytest.approx(end_loss, rel=1e-5)
    assert res.losses["train"][3] < res.losses["train"][1]
    assert len(res.metrics["accuracy"]["train"]) == 4
    assert all(np.array_equal(v, _params(model)[k]) for k, v in trained.items())     # model left as it was
    assert res.plot(tmp_path / "i.png").read_bytes()[:8] == PNG
    with pytest.raises(ValueError, match="missing or mis-shaped"):
        interpolate(model, loss_fn, {"0.weight": theta0["0.weight"]}, loader)


# -- experiments ---------------------------------------------------------------------------------------------------
def test_random_labels_train_slower_than_true_labels():
    X, y = xor(128, seed=0)
    out = random_label_check(lambda: nn.MLP([2, 64, 64, 2]), lambda p: optim.Adam(p, lr=0.01), nn.CrossEntropyLoss(),
                             TensorDataset(X, y), epochs=12, batch_size=32)
    true, rand = out["true"], out["random"]
    assert true.last("train_loss") < 0.5 * rand.last("train_loss")
    assert rand.last("train_loss") < rand["train_loss"][0]          # it still memorizes, slowly
    assert "random labels" in summarize_random_labels(out)


def test_sweep_grid_and_linear_scaling():
    assert pow2_grid(16, 128) == [16, 32, 64, 128]
    assert pow2_grid(16, 100) == [16, 32, 64] and pow2_grid(3, 5) == [4] and pow2_grid(1, 1) == [1]
    with pytest.raises(ValueError, match="pow2_grid: no power of two between 5 and 7"):
        pow2_grid(5, 7)                                           # stays within the bounds, never rounds
    assert log_grid(1e-3, 1e-1, 3) == pytest.approx([1e-3, 1e-2, 1e-1])
    ds = _xor(64)
    rows = sweep(lambda: _net(), lambda p, lr: optim.SGD(p, lr=lr), nn.CrossEntropyLoss(), ds, [0.01, 0.1], [16, 32],
                 epochs=2, val_set=ds, linear_scaling=True, metrics=["accuracy"])
    assert [(r["lr"], r["batch_size"]) for r in rows] == [(0.01, 16), (0.1, 16), (0.01, 32), (0.1, 32)]
    assert [r["effective_lr"] for r in rows] == pytest.approx([0.01, 0.1, 0.02, 0.2])
    assert all(r["train_loss"] > 0 and 0 <= r["val_accuracy"] <= 1 for r in rows)
    table = format_table(rows, ["lr", "batch_size", "effective_lr", "train_loss"])
    assert len(table.splitlines()) == 6 and "effective_lr" in table.splitlines()[0]


# -- host synchronisation, proven on the strict stand-in device (it counts every device-to-host copy) ---------------
@pytest.mark.parametrize("with_health", [False, True])
def test_fit_syncs_with_the_host_per_epoch_not_per_step(with_health):
    strict = pytest.importorskip("gpugrad.backend.strict")
    counts = []
    for n in (64, 256):                          # 4 and then 16 steps per epoch
        model = _net("strict", act=nn.ReLU)
        loader = DataLoader(_xor(n, "strict"), batch_size=16, shuffle=True, seed=0)
        before = strict.sync_count()
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader, 2,
            val_loader=DataLoader(_xor(32, "strict"), 16), metrics=["accuracy"],
            callbacks=[GradientHealth()] if with_health else [], progress=False)
        counts.append(strict.sync_count() - before)
    assert counts[0] == counts[1], counts        # the number of host copies does not grow with the steps


@pytest.mark.parametrize("module", ["gpugrad.data", "gpugrad.data.dataset", "gpugrad.data.loader",
                                    "gpugrad.data.datasets", "gpugrad.data.transforms", "gpugrad.train.loop",
                                    "gpugrad.train.history", "gpugrad.train.metrics", "gpugrad.train.lr_finder"])
def test_docstring_examples_run(module):
    import doctest
    import importlib
    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0
