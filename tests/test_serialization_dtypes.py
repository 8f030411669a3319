"""Every dtype of the safetensors format that NumPy can hold round-trips through gpugrad.save/load, and files
agree with the `safetensors` package both ways; the dtypes that cannot be held get a clear error."""
import json
import struct

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.serialization import CheckpointError

ml = pytest.importorskip("ml_dtypes")

ARRAYS = {
    "U16": np.array([0, 1, 65535], dtype=np.uint16),
    "U32": np.array([0, 70000, 2**32 - 1], dtype=np.uint32),
    "U64": np.array([0, 2**40, 2**64 - 1], dtype=np.uint64),
    "C64": np.array([1 + 2j, -3j, 0.5], dtype=np.complex64),
    "BF16": np.array([1.5, -2.0, 3e38], dtype=ml.bfloat16),
    "F8_E4M3": np.array([1.0, -2.0, 448.0], dtype=ml.float8_e4m3fn),
    "F8_E5M2": np.array([1.0, -2.0, 57344.0], dtype=ml.float8_e5m2),
}


def _tensor(a):
    return gg.Tensor._make(a.reshape(3, 1), None, False)


def test_every_dtype_round_trips(tmp_path):
    gg.save({k: _tensor(a) for k, a in ARRAYS.items()}, tmp_path / "all.safetensors")
    back = gg.load(tmp_path / "all.safetensors")
    for k, a in ARRAYS.items():
        assert back[k].dtype == a.dtype and back[k].shape == (3, 1), k
        assert back[k].numpy().tobytes() == a.tobytes(), k


def _torch_dtypes():
    torch = pytest.importorskip("torch")
    return torch, {"U16": torch.uint16, "U32": torch.uint32, "U64": torch.uint64, "C64": torch.complex64,
                   "BF16": torch.bfloat16, "F8_E4M3": torch.float8_e4m3fn, "F8_E5M2": torch.float8_e5m2}


def test_files_agree_with_the_safetensors_package_both_ways(tmp_path):
    st = pytest.importorskip("safetensors.torch")
    torch, tdt = _torch_dtypes()
    # gpugrad -> safetensors
    gg.save({k: _tensor(a) for k, a in ARRAYS.items()}, tmp_path / "g.safetensors")
    theirs = st.load_file(str(tmp_path / "g.safetensors"))
    for k, a in ARRAYS.items():
        assert theirs[k].dtype == tdt[k] and tuple(theirs[k].shape) == (3, 1), k
        assert theirs[k].contiguous().view(torch.uint8).numpy().tobytes() == a.tobytes(), k
    # safetensors -> gpugrad (their header, their layout, their metadata)
    st.save_file(theirs, str(tmp_path / "t.safetensors"), metadata={"who": "safetensors"})
    mine = gg.load(tmp_path / "t.safetensors")
    for k, a in ARRAYS.items():
        assert mine[k].dtype == a.dtype and mine[k].numpy().tobytes() == a.tobytes(), k


def _raw_file(path, dtype, nbytes, shape):
    header = json.dumps({"x": {"dtype": dtype, "shape": shape, "data_offsets": [0, nbytes]}}).encode()
    header += b" " * (-len(header) % 8)
    path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(nbytes))
    return path


def test_dtypes_that_cannot_be_held_are_named(tmp_path):
    with pytest.raises(CheckpointError, match="'x' has dtype F4 packs several values per byte"):
        gg.load(_raw_file(tmp_path / "f4.safetensors", "F4", 2, [4]))
    with pytest.raises(TypeError, match="complex128.*only complex dtype is complex64, C64"):
        gg.save({"z": gg.Tensor._make(np.zeros(2, np.complex128), None, False)}, tmp_path / "z.safetensors")
    assert not (tmp_path / "z.safetensors").exists()


def test_without_ml_dtypes_bf16_is_a_clear_error(tmp_path, monkeypatch):
    from gpugrad import serialization as ser
    monkeypatch.setattr(ser, "_DTYPES", {k: v for k, v in ser._DTYPES.items() if k not in ser._ML_DTYPES})
    with pytest.raises(CheckpointError, match="BF16 needs the ml_dtypes package"):
        gg.load(_raw_file(tmp_path / "bf.safetensors", "BF16", 4, [2]))
