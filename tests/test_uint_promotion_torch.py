"""uint16/uint32/uint64 type promotion against PyTorch: a different integer or bool dtype beside them is a
RuntimeError (PyTorch's message), floating dtypes, Python numbers and 0-d tensors beside a dimensioned one
promote as usual. Ops whose uint kernels PyTorch lacks on CPU (NotImplementedError) count as success: the
promotion, which is what is compared here, went through."""
import pytest
import torch

import gpugrad as gg

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
          "float16", "float32", "float64"]
WIDE = ["uint16", "uint32", "uint64"]


def _ops(lib):
    def where(a, b):
        return lib.where(lib.tensor([True, False]), a, b)
    return {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "where": where,
            "cat": lambda a, b: lib.cat([a, b]), "lt": lambda a, b: a < b,
            "maximum": lambda a, b: lib.maximum(a, b), "result_type": lib.result_type}


def _outcome(lib, op, da, db, shape_b):
    a = lib.ones(2, dtype=getattr(lib, da))
    b = lib.ones(shape_b, dtype=getattr(lib, db))
    try:
        r = _ops(lib)[op](a, b)
    except NotImplementedError:        # PyTorch has no CPU kernel for this uint op: the promotion went through
        return "ok", None
    except Exception as e:             # noqa: BLE001  (the class is what is compared)
        return type(e).__name__, str(e)
    return "ok", str(r.dtype if isinstance(r, lib.Tensor) else r).replace("torch.", "gpugrad.")


@pytest.mark.parametrize("op", list(_ops(torch)))
@pytest.mark.parametrize("da", WIDE)
@pytest.mark.parametrize("db", DTYPES)
@pytest.mark.parametrize("shape_b", [(2,), ()], ids=["dim", "zero"])
def test_wide_unsigned_promotion_matches_torch(op, da, db, shape_b):
    for x, y in ((da, db), (db, da)):
        want = _outcome(torch, op, x, y, shape_b)
        got = _outcome(gg, op, x, y, shape_b)
        assert got[0] == want[0], (x, y, got, want)
        if want[0] == "ok" and want[1] is not None:
            assert got[1] == want[1], (x, y)
        if want[0] == "RuntimeError" and want[1].startswith("Promotion"):
            assert got[1] == want[1]


@pytest.mark.parametrize("da", WIDE)
@pytest.mark.parametrize("db", DTYPES)
def test_promote_types_matches_torch(da, db):
    for x, y in ((da, db), (db, da)):
        try:
            want = str(torch.promote_types(getattr(torch, x), getattr(torch, y))).replace("torch.", "gpugrad.")
        except RuntimeError as e:
            with pytest.raises(RuntimeError) as info:
                gg.promote_types(getattr(gg, x), getattr(gg, y))
            assert str(info.value) == str(e)
            continue
        assert str(gg.promote_types(getattr(gg, x), getattr(gg, y))) == want


@pytest.mark.parametrize("da", WIDE)
@pytest.mark.parametrize("scalar", [3, True, 1.5])
def test_python_number_keeps_wide_unsigned(da, scalar):
    t = torch.ones(2, dtype=getattr(torch, da)) * scalar
    g = gg.ones(2, dtype=getattr(gg, da)) * scalar
    assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")
    assert g.tolist() == t.tolist()
