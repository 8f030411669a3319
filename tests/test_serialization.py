"""gpugrad.save / gpugrad.load: safetensors layout, round trips, devices, atomicity, damaged files."""
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
from gpugrad.serialization import CheckpointError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def small_checkpoint():
    return {"model": {"w": gg.tensor([[1.0, 2.0], [3.0, 4.0]]), "b": gg.tensor([0.5, -0.5], dtype=gg.float64),
                      "n": gg.tensor(3)},
            "mask": gg.tensor([True, False, True]), "step": 12, "name": "run-1", "lr": 1e-3}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                                   "bool"])
def test_round_trip_every_dtype_and_odd_shapes(tmp_path, dtype):
    rng = np.random.default_rng(0)
    shapes = [(), (0,), (3, 0, 2), (5,), (2, 3, 4)]
    tensors = {f"t{i}": gg.tensor((rng.standard_normal(s) * 50).astype(dtype)) for i, s in enumerate(shapes)}
    tensors["transposed"] = gg.tensor((rng.standard_normal((3, 4)) * 50).astype(dtype)).T   # non-contiguous
    path = tmp_path / "x.safetensors"
    gg.save(tensors, path)
    back = gg.load(path)
    assert list(back) == list(tensors)
    for k, t in tensors.items():
        assert back[k].dtype == np.dtype(dtype) and back[k].shape == t.shape, k
        np.testing.assert_array_equal(back[k].numpy(), t.numpy())
        assert back[k]._data.flags.writeable


def test_nested_structure_and_plain_values(tmp_path):
    shared = gg.randn(3)
    obj = {"a": [shared, (1, 2.5, "s"), None], 7: {"x": shared, "flag": False, "inf": float("inf")},
           "nan": float("nan"), "grad": gg.ones(2, requires_grad=True), "dotted.key": gg.zeros(1),
           "dotted": {"key": gg.ones(1)}}
    gg.save(obj, tmp_path / "n.st")
    back = gg.load(tmp_path / "n.st")
    assert back["a"][1] == (1, 2.5, "s") and back["a"][2] is None
    assert back[7]["flag"] is False and back[7]["inf"] == float("inf") and np.isnan(back["nan"])
    assert back["a"][0] is back[7]["x"]                         # a tensor saved twice comes back once
    np.testing.assert_array_equal(back["a"][0].numpy(), shared.numpy())
    assert back["grad"].requires_grad and not back["a"][0].requires_grad
    assert back["dotted.key"].item() == 0 and back["dotted"]["key"].item() == 1   # names made unique


def test_numpy_scalars_are_saved_as_python_values(tmp_path):
    obj = {"best_epoch": np.argmax([0.1, 0.9]), "acc": np.float32(0.75), "ok": np.bool_(True)}
    gg.save(obj, tmp_path / "s.st")
    back = gg.load(tmp_path / "s.st")
    assert back == {"best_epoch": 1, "acc": 0.75, "ok": True}
    assert type(back["best_epoch"]) is int and type(back["ok"]) is bool


def test_file_is_plain_safetensors(tmp_path):
    net = nn.MLP([3, 4, 2], norm="batch")
    path = tmp_path / "model.safetensors"
    gg.save(net.state_dict(), path)
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    assert (8 + n) % 8 == 0
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__")
    assert set(header) == set(net.state_dict())                    # tensors under their own names
    assert header["0.weight"]["dtype"] == "F32" and header["0.weight"]["shape"] == [4, 3]
    assert header["1.num_batches_tracked"] == {"dtype": "I64", "shape": [],
                                               "data_offsets": header["1.num_batches_tracked"]["data_offsets"]}
    spans = sorted(e["data_offsets"] for e in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(raw) - 8 - n
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    begin, end = header["0.weight"]["data_offsets"]
    stored = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype="<f4").reshape(4, 3)
    np.testing.assert_array_equal(stored, net[0].weight.detach().numpy())
    assert all(isinstance(v, str) for v in meta.values())


def test_foreign_safetensors_file_loads_as_flat_dict(tmp_path):
    a = np.arange(6, dtype="<i4").reshape(2, 3)
    b = np.array([1.5, 2.5], dtype="<f8")
    header = {"b": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]},
              "a": {"dtype": "I32", "shape": [2, 3], "data_offsets": [16, 40]}}
    text = json.dumps(header).encode()
    (tmp_path / "f.st").write_bytes(len(text).to_bytes(8, "little") + text + b.tobytes() + a.tobytes())
    back = gg.load(tmp_path / "f.st")
    np.testing.assert_array_equal(back["a"].numpy(), a)
    np.testing.assert_array_equal(back["b"].numpy(), b)


def test_model_checkpoint_restores_the_same_function(tmp_path, device):
    net = nn.MLP([4, 8, 3], norm="batch", dropout=0.2).to(device)
    for _ in range(2):
        net(gg.randn(16, 4, device=device))                   # running stats move
    gg.save({"model": net.state_dict(), "epoch": 2}, tmp_path / "ck.st")
    fresh = nn.MLP([4, 8, 3], norm="batch", dropout=0.2).to(device)
    ck = gg.load(tmp_path / "ck.st")
    assert ck["model"]["0.weight"].device == device                 # back where it was saved from
    assert fresh.load_state_dict(ck["model"]) == ([], [])
    net.eval(), fresh.eval()
    x = gg.randn(5, 4, device=device)
    np.testing.assert_array_equal(net(x).detach().cpu().numpy(), fresh(x).detach().cpu().numpy())


def test_map_location(tmp_path, device):
    gg.save({"w": gg.ones(2, 2, device=device)}, tmp_path / "m.st")
    assert gg.load(tmp_path / "m.st", map_location="cpu")["w"].device == "cpu"
    assert gg.load(tmp_path / "m.st", map_location=device)["w"].device == device
    assert gg.load(tmp_path / "m.st", map_location={device: "cpu"})["w"].device == "cpu"
    assert gg.load(tmp_path / "m.st", map_location=gg.device("cpu"))["w"].device == "cpu"


def test_cuda_checkpoint_on_a_cpu_only_machine_says_what_to_do(tmp_path):
    if gg.cuda.is_available():
        pytest.skip("a GPU is present")
    gg.save({"w": gg.ones(2)}, tmp_path / "c.st")
    raw = bytearray((tmp_path / "c.st").read_bytes())
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    meta = header["__metadata__"]
    meta["gpugrad.structure"] = meta["gpugrad.structure"].replace('"device":"cpu"', '"device":"cuda:0"')
    from gpugrad.serialization import _header_crc
    meta["gpugrad.header_crc32"] = str(_header_crc(header))
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(len(text) + 8) % 8)
    (tmp_path / "c.st").write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n:])
    with pytest.raises(RuntimeError, match="saved on cuda:0.*map_location='cpu'"):
        gg.load(tmp_path / "c.st")
    assert gg.load(tmp_path / "c.st", map_location="cpu")["w"].device == "cpu"


def _saved_bytes(tmp_path):
    path = tmp_path / "full.st"
    gg.save(small_checkpoint(), path)
    return path.read_bytes()


def _assert_each_is_refused(tmp_path, variants):
    """Every damaged variant of a checkpoint fails to load with a CheckpointError naming the file."""
    bad = tmp_path / "bad.st"
    for k, data in variants:
        bad.write_bytes(data)
        with pytest.raises(CheckpointError) as e:
            gg.load(bad)
        assert str(bad) in str(e.value), k
        assert "truncated" in str(e.value) or "corrupted" in str(e.value), (k, str(e.value))


def test_truncation_at_every_byte_is_reported(tmp_path):
    raw = _saved_bytes(tmp_path)
    _assert_each_is_refused(tmp_path, ((k, raw[:k]) for k in range(len(raw))))
    assert gg.load(tmp_path / "full.st")["step"] == 12


def test_every_flipped_byte_is_reported(tmp_path):
    raw = _saved_bytes(tmp_path)
    _assert_each_is_refused(tmp_path, ((k, raw[:k] + bytes([raw[k] ^ 0x5A]) + raw[k + 1:])
                                       for k in range(len(raw))))
    bad = tmp_path / "bad.st"
    n = int.from_bytes(raw[:8], "little")
    damaged = bytearray(raw)
    damaged[8 + n + 3] ^= 1                                  # one bit of the first tensor's data
    bad.write_bytes(bytes(damaged))
    with pytest.raises(CheckpointError, match="corrupted data: the bytes of tensor .* checksum"):
        gg.load(bad)
    bad.write_bytes(raw + b"\0")
    with pytest.raises(CheckpointError, match="trailing bytes"):
        gg.load(bad)


def test_a_pickle_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (tmp_path / "evil.pt").write_bytes(pickle.dumps(Evil()))
    with pytest.raises(CheckpointError, match="evil.pt"):
        gg.load(tmp_path / "evil.pt")
    assert not marker.exists()


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match="cannot save object at x"):
        gg.save({"x": object()}, tmp_path / "a.st")
    with pytest.raises(TypeError, match="NumPy array"):
        gg.save({"x": np.zeros(2)}, tmp_path / "a.st")
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        gg.save({(1, 2): gg.ones(1)}, tmp_path / "a.st")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="cycle"):
        gg.save(loop, tmp_path / "a.st")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gg.save({"x": gg.ones(1)}, tmp_path / "nope" / "a.st")
    assert not (tmp_path / "a.st").exists()
    assert os.listdir(tmp_path) == []                         # no temporary files left behind


def test_a_failing_save_keeps_the_old_file_and_cleans_up(tmp_path, monkeypatch):
    import gpugrad.serialization as S
    path = tmp_path / "ck.st"
    gg.save({"v": gg.ones(3)}, path)
    calls = []

    def failing(fh, buf):
        calls.append(len(buf))
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        fh.write(buf)

    monkeypatch.setattr(S, "_write_bytes", failing)
    with pytest.raises(OSError, match="disk full"):
        gg.save({"v": gg.zeros(3)}, path)
    np.testing.assert_array_equal(gg.load(path)["v"].numpy(), np.ones(3))
    assert os.listdir(tmp_path) == ["ck.st"]


def test_a_save_killed_midway_leaves_the_previous_checkpoint_intact(tmp_path):
    path = tmp_path / "ck.st"
    gg.save({"v": gg.ones(1000), "step": 1}, path)
    before = path.read_bytes()
    child = textwrap.dedent(f"""
        import sys, time
        import gpugrad as gg
        import gpugrad.serialization as S
        real = S._write_bytes
        def slow(fh, buf):                  # write the header, then stall mid-file until killed
            real(fh, buf)
            fh.flush()
            print("writing", flush=True)
            time.sleep(60)
        S._write_bytes = slow
        gg.save({{"v": gg.zeros(1000), "step": 2}}, {str(path)!r})
        print("finished", flush=True)
    """)
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        temps = [f for f in os.listdir(tmp_path) if f != "ck.st"]
        assert len(temps) == 1 and temps[0].endswith(".tmp")          # the new data goes to a temp file
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    ck = gg.load(path)
    assert ck["step"] == 1 and (ck["v"].numpy() == 1).all()


def test_saved_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    gg.save({"w": gg.ones(1)}, tmp_path / "p.st")
    assert (tmp_path / "p.st").stat().st_mode & 0o777 == 0o666 & ~umask


def test_resuming_from_a_checkpoint_continues_the_same_run(tmp_path):
    """Model + optimizer state through save/load: three more steps after resuming give bit-identical weights
    to three more steps of the original run (the optimizer's state dict has int keys and 0-d step tensors)."""
    from gpugrad import optim
    x = gg.randn(32, 2)
    y = x[:, :1] * x[:, 1:]

    def steps(net, opt, n):
        for _ in range(n):
            opt.zero_grad()
            nn.MSELoss()(net(x), y).backward()
            opt.step()

    net = nn.MLP([2, 16, 1])
    opt = optim.Adam(net.parameters(), lr=1e-2)
    steps(net, opt, 5)
    gg.save({"model": net.state_dict(), "optim": opt.state_dict(), "epoch": 5}, tmp_path / "run.st")
    ck = gg.load(tmp_path / "run.st")
    net2 = nn.MLP([2, 16, 1])
    opt2 = optim.Adam(net2.parameters(), lr=1e-2)
    net2.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["optim"])
    steps(net, opt, 3)
    steps(net2, opt2, 3)
    for (name, a), b in zip(net.named_parameters(), net2.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)


def test_file_objects(tmp_path):
    import io
    buf = io.BytesIO()
    buf.write(b"prefix")                                      # written and read at the current position
    gg.save(small_checkpoint(), buf)
    buf.seek(6)
    back = gg.load(buf)
    assert back["step"] == 12 and back["model"]["w"].shape == (2, 2)
    with open(tmp_path / "h.st", "wb") as fh:
        gg.save({"x": gg.ones(3)}, fh)
    with open(tmp_path / "h.st", "rb") as fh:
        assert gg.load(fh)["x"].tolist() == [1, 1, 1]
    cut = io.BytesIO(buf.getvalue()[6:-3])
    with pytest.raises(CheckpointError, match="<BytesIO>: truncated"):
        gg.load(cut)
    with pytest.raises(TypeError, match="binary file object"):
        gg.save({"x": gg.ones(1)}, 42)


def test_pytorch_keywords(tmp_path):
    """PyTorch's save/load keywords: the checkpoint idioms torch.load(path, weights_only=True) and
    map_location= work; pickle arguments are accepted where they change nothing; another pickle_module is
    refused (nothing here is pickled)."""
    path = tmp_path / "checkpoint.pt"
    gg.save(small_checkpoint(), path, pickle_protocol=4, _use_new_zipfile_serialization=True)
    for kwargs in ({"weights_only": True}, {"weights_only": False}, {"map_location": "cpu", "mmap": True},
                   {"pickle_module": pickle, "encoding": "latin1"}):
        back = gg.load(path, **kwargs)
        assert back["step"] == 12 and back["model"]["w"].tolist() == [[1.0, 2.0], [3.0, 4.0]], kwargs
    fake = type(sys)("dill")
    with pytest.raises(ValueError, match="pickle_module='dill' is not supported"):
        gg.load(path, pickle_module=fake)
    with pytest.raises(ValueError, match="pickle_module='dill' is not supported"):
        gg.save({}, path, pickle_module=fake)
