"""Checkpoints and resume (bitwise on the CPU), RNG state as in PyTorch, early stopping with the best weights."""
import json

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import cli, nn, optim
from gpugrad.data import DataLoader, TensorDataset, xor
from gpugrad.train import (Callback, Checkpoint, CheckpointMismatch, EarlyStopping, fit, load_checkpoint,
                           save_checkpoint)

RUN = ["train", "--data", "xor", "--hidden", "8", "--dropout", "0.2", "--quiet", "--device", "cpu"]
TIMING = {"time", "samples_per_s"}


def _rows(path, kind):
    return [{k: v for k, v in r.items() if k not in TIMING}
            for r in json.loads((path / "history.json").read_text())[kind]]


def test_four_epochs_equal_two_plus_two_bitwise(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli.main([*RUN, "--epochs", "4", "--out", str(a)]) == 0
    assert cli.main([*RUN, "--epochs", "2", "--out", str(b)]) == 0
    assert cli.main([*RUN, "--epochs", "4", "--out", str(b), "--resume", str(b / "checkpoint.safetensors")]) == 0
    assert "resuming from" in capsys.readouterr().out
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    assert _rows(a, "epochs") == _rows(b, "epochs") and len(_rows(a, "epochs")) == 4
    assert _rows(a, "steps") == _rows(b, "steps")              # step numbers count on after the resume


@pytest.mark.parametrize("change,msg", [(["--hidden", "9"], "another model"),
                                        (["--data", "spirals"], "another data set"),
                                        (["--seed", "1"], "another data set"),      # another split
                                        (["--optimizer", "sgd"], "another optimizer")])
def test_a_checkpoint_of_another_model_or_data_is_refused(tmp_path, capsys, change, msg):
    assert cli.main([*RUN, "--epochs", "1", "--out", str(tmp_path)]) == 0
    argv = [*RUN, "--epochs", "3", "--out", str(tmp_path / "2"), "--resume", str(tmp_path / "checkpoint.safetensors")]
    argv[argv.index("--data") + 1:argv.index("--data") + 2] = ["xor"]
    with pytest.raises(SystemExit) as e:
        cli.main(argv + change)
    assert e.value.code == 2 and msg in capsys.readouterr().err


def test_load_checkpoint_refuses_another_shape_and_a_plain_model_file(tmp_path):
    model = nn.Linear(3, 2)
    save_checkpoint(tmp_path / "c.safetensors", model, optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(CheckpointMismatch, match="another model.*weight"):
        load_checkpoint(tmp_path / "c.safetensors", nn.Linear(4, 2))
    gg.save(model.state_dict(), tmp_path / "m.safetensors")
    with pytest.raises(CheckpointMismatch, match="not a gpugrad training checkpoint"):
        load_checkpoint(tmp_path / "m.safetensors", model)


def _problem(seed=0):
    X, y = xor(200, seed=0)
    gg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Dropout(0.1), nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=0.05)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    return model, opt, sched, DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=1)


def test_the_checkpoint_callback_resumes_fit_exactly(tmp_path):
    model, opt, sched, loader = _problem()
    fit(model, nn.CrossEntropyLoss(), opt, loader, 4, scheduler=sched, progress=False)
    ref = [p.detach().numpy().copy() for p in model.parameters()]
    model, opt, sched, loader = _problem()
    ck = Checkpoint(tmp_path / "c.safetensors", scheduler=sched, loaders=[loader])
    fit(model, nn.CrossEntropyLoss(), opt, loader, 2, scheduler=sched, callbacks=[ck], progress=False)
    gg.manual_seed(123)                                   # everything below must come from the checkpoint
    model, opt, sched, loader = _problem(seed=5)
    got = load_checkpoint(tmp_path / "c.safetensors", model, opt, sched, loaders=[loader])
    assert got["epoch"] == 2 and len(got["history"]) == 2
    fit(model, nn.CrossEntropyLoss(), opt, loader, 2, scheduler=sched, history=got["history"], progress=False)
    for a, p in zip(ref, model.parameters()):
        np.testing.assert_array_equal(a, p.detach().numpy())


def test_rng_state_round_trips_like_pytorch():
    gg.manual_seed(7)
    s = gg.get_rng_state()
    assert s.dtype == gg.uint8 and s.shape == (40,)
    a = gg.randn(5).tolist()
    gg.set_rng_state(s)
    assert gg.randn(5).tolist() == a
    assert gg.random.initial_seed() == 7
    with gg.random.fork_rng():
        gg.rand(100)
    assert gg.randn(2).tolist() != a[:2]                      # the stream continued as if nothing was drawn
    gg.set_rng_state(s)
    gg.randn(5)
    after = gg.randn(2).tolist()
    gg.set_rng_state(s)
    gg.randn(5)
    with gg.random.fork_rng(devices=[]):
        gg.randn(10)
    assert gg.randn(2).tolist() == after
    with pytest.raises(ValueError, match="uint8 tensor of 40 bytes"):
        gg.set_rng_state(gg.zeros(40))
    if not gg.cuda.is_available():
        assert gg.cuda.get_rng_state_all() == []
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            gg.cuda.get_rng_state()


@pytest.mark.gpu
def test_cuda_rng_state_round_trips():
    if not gg.cuda.is_available():
        pytest.skip("no GPU answers here")
    gg.manual_seed(3)
    s = gg.cuda.get_rng_state(0)
    assert s.dtype == gg.uint8 and s.shape == (16,)
    a = gg.randn(100, device="cuda").tolist()
    gg.cuda.set_rng_state(s, 0)
    assert gg.randn(100, device="cuda").tolist() == a
    states = gg.cuda.get_rng_state_all()
    b = gg.rand(10, device="cuda").tolist()
    gg.cuda.set_rng_state_all(states)
    assert gg.rand(10, device="cuda").tolist() == b


class _Snapshots(Callback):
    def __init__(self):
        self.weights = {}

    def on_epoch_end(self, state):
        self.weights[state.epoch] = [p.detach().numpy().copy() for p in state.model.parameters()]


def test_early_stopping_restores_the_best_weights():
    gg.manual_seed(0)          # random labels: the training set is memorized, the validation loss rises
    X, y, Xv, yv = gg.randn(200, 8), gg.randint(0, 2, (200,)), gg.randn(100, 8), gg.randint(0, 2, (100,))
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 2))
    snaps = _Snapshots()
    stop = EarlyStopping(patience=2, restore_best_weights=True)
    hist = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01),
               DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, seed=0), 30,
               val_loader=DataLoader(TensorDataset(Xv, yv), 100), callbacks=[snaps, stop], progress=False)
    losses = hist["val_loss"]
    best = int(np.nanargmin(losses)) + 1
    assert stop.best_epoch == best and len(losses) < 30 and len(losses) == best + 2
    for a, p in zip(snaps.weights[best], model.parameters()):
        np.testing.assert_array_equal(a, p.detach().numpy())


def test_train_early_stopping_option(tmp_path, capsys):
    rc = cli.main(["train", "--data", "digits", "--hidden", "64", "--lr", "0.01", "--epochs", "30",
                   "--early-stopping", "2", "--min-delta", "0.001", "--quiet", "--device", "cpu", "--out",
                   str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0 and "early stopping: best validation loss" in out
    assert len(json.loads((tmp_path / "history.json").read_text())["epochs"]) < 30
