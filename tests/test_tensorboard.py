"""TensorBoardLogger: scalars per step and epoch, weight and gradient histograms, read back from the event
files (TFRecord framing, Event protos) without TensorBoard itself."""
import struct

import pytest

import gpugrad as gg
from gpugrad import cli, nn, optim
from gpugrad.data import DataLoader, TensorDataset, xor
from gpugrad.train import TensorBoardLogger, fit

pytest.importorskip("tensorboardX")


def _events(folder):
    from tensorboardX.proto import event_pb2
    out = []
    for f in sorted(folder.rglob("events.out.tfevents.*")):
        data = f.read_bytes()
        pos = 0
        while pos < len(data):
            (n,) = struct.unpack("<Q", data[pos:pos + 8])
            out.append(event_pb2.Event.FromString(data[pos + 12:pos + 12 + n]))
            pos += 12 + n + 4
    return out


def _tags(events):
    scalars, hists = {}, set()
    for e in events:
        for v in e.summary.value:
            if v.HasField("histo"):
                hists.add(v.tag)
            else:
                scalars.setdefault(v.tag, []).append((e.step, v.simple_value))
    return scalars, hists


def test_fit_writes_scalars_and_histograms(tmp_path):
    X, y = xor(128, seed=0)
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    hist = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
               DataLoader(TensorDataset(X, y), batch_size=32), 3, val_loader=DataLoader(TensorDataset(X, y), 128),
               metrics=["accuracy"], callbacks=[TensorBoardLogger(tmp_path)], progress=False)
    scalars, hists = _tags(_events(tmp_path))
    assert [s for s, _ in scalars["epoch/train_loss"]] == [1, 2, 3]
    assert [v for _, v in scalars["epoch/val_accuracy"]] == pytest.approx(hist["val_accuracy"])
    assert len(scalars["step/loss"]) == 12 and [s for s, _ in scalars["step/loss"]] == list(range(1, 13))
    assert {"epoch/lr", "epoch/grad_norm", "step/lr", "step/grad_norm"} <= set(scalars)
    names = [n for n, _ in model.named_parameters()]
    assert hists == {f"weights/{n}" for n in names} | {f"grads/{n}" for n in names}


def test_train_tensorboard_option(tmp_path, capsys):
    rc = cli.main(["train", "--data", "xor", "--hidden", "8", "--epochs", "2", "--quiet", "--device", "cpu",
                   "--out", str(tmp_path / "run"), "--tensorboard", str(tmp_path / "tb")])
    assert rc == 0
    scalars, hists = _tags(_events(tmp_path / "tb"))
    assert len(scalars["epoch/val_loss"]) == 2 and hists


def test_without_tensorboardx_the_error_says_how_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match="pip install gpugrad\\[tensorboard\\]"):
        TensorBoardLogger("x")
