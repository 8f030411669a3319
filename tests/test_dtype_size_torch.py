"""dtype objects and Size against PyTorch's: printed text, attributes, conversions, errors, and Size's tuple
arithmetic; plus what gpugrad adds on purpose (a dtype equals and hashes as its NumPy dtype)."""
import copy
import pickle

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

NAMES = ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
         "bool", "complex64", "complex128", "half", "float", "double", "long", "int", "short", "cfloat", "cdouble"]


@pytest.mark.parametrize("name", NAMES)
def test_dtype_attributes_match_torch(name):
    g, t = getattr(gg, name), getattr(torch, name)
    assert str(g) == repr(g) == str(t).replace("torch.", "gpugrad.")
    assert (g.is_floating_point, g.is_complex, g.is_signed, g.itemsize) == \
        (t.is_floating_point, t.is_complex, t.is_signed, t.itemsize)
    assert str(g.to_real()) == str(t.to_real()).replace("torch.", "gpugrad.")
    if name not in ("float16", "half"):                 # torch: complex32, which gpugrad has not
        try:
            want = str(t.to_complex()).replace("torch.", "gpugrad.")
        except RuntimeError as e:
            with pytest.raises(RuntimeError, match=str(e)):
                g.to_complex()
        else:
            assert str(g.to_complex()) == want
    assert gg.tensor([1]).to(g).dtype is g and str(gg.tensor([1]).to(g).dtype) == str(torch.tensor([1]).to(t).dtype
                                                                                      ).replace("torch.", "gpugrad.")


def test_float16_to_complex_is_a_clear_error():
    with pytest.raises(RuntimeError, match="complex32"):
        gg.float16.to_complex()


def test_bfloat16_matches_torch():
    pytest.importorskip("ml_dtypes")
    g, t = gg.bfloat16, torch.bfloat16
    assert str(g) == "gpugrad.bfloat16" and str(t) == "torch.bfloat16"
    assert (g.is_floating_point, g.is_signed, g.itemsize) == (t.is_floating_point, t.is_signed, t.itemsize)
    assert str(g.to_complex()) == str(t.to_complex()).replace("torch.", "gpugrad.")


@pytest.mark.parametrize("name", ["float32", "int64", "bool", "complex64"])
def test_dtype_is_one_object_equal_to_numpys(name):
    g, n = getattr(gg, name), np.dtype(name)
    assert g == n and n == g and g == n.type and not (g != n) and hash(g) == hash(n)
    assert {n: 1}[g] == 1 and {g: 1}[n] == 1
    assert pickle.loads(pickle.dumps(g)) is g and copy.deepcopy(g) is g and gg.tensor([0], dtype=n).dtype is g
    assert np.zeros(2, g).dtype == n and np.dtype(g) == n and np.ones(2).astype(g).dtype == n
    assert not hasattr(g, "shape")                      # not mistaken for an array
    with pytest.raises(AttributeError):
        g.kind = "x"
    assert g != gg.float64 if name != "float64" else g == gg.float64


def test_isinstance_and_default_dtype():
    assert isinstance(gg.float32, gg.dtype) and isinstance(gg.ones(1).dtype, gg.dtype)
    assert str(gg.get_default_dtype()) == str(torch.get_default_dtype()).replace("torch.", "gpugrad.")
    assert str(gg.promote_types(gg.int32, gg.float16)) == \
        str(torch.promote_types(torch.int32, torch.float16)).replace("torch.", "gpugrad.")


@pytest.mark.parametrize("build", [
    lambda L, s: repr(s), lambda L, s: str(s), lambda L, s: s[1:], lambda L, s: s[::-1], lambda L, s: s[0],
    lambda L, s: s[-1], lambda L, s: s + (5,), lambda L, s: (1,) + s, lambda L, s: s * 2, lambda L, s: 2 * s,
    lambda L, s: s.numel(), lambda L, s: s == (2, 3, 4), lambda L, s: L.Size([]), lambda L, s: L.Size([]).numel(),
    lambda L, s: L.zeros(2, 0).shape, lambda L, s: L.ones(()).shape, lambda L, s: L.ones(2, 3).size(),
])
def test_size_matches_torch(build):
    g, t = build(gg, gg.Size([2, 3, 4])), build(torch, torch.Size([2, 3, 4]))
    assert type(g).__name__ == type(t).__name__
    assert str(g).replace("gpugrad.", "torch.") == str(t)


def test_size_refuses_lists_like_torch():
    for lib in (gg, torch):
        with pytest.raises(TypeError):
            lib.Size([2]) + [3]
