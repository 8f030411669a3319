"""asarray, frombuffer, empty_strided, isin, gradient, vander and adjoint against PyTorch: values, dtypes,
memory sharing and the exception classes of bad calls (gradients: tests/op_table.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg
from torch_oracle import same_outcome

torch = pytest.importorskip("torch")

NAN = float("nan")


def _np(x):
    if isinstance(x, (tuple, list)):
        return [_np(v) for v in x]
    return x.detach().cpu().numpy() if hasattr(x, "cpu") else x.detach().numpy()


def _same_values(fn):
    """fn(lib) on both libraries: the same outcome and, when both succeed, equal values and dtypes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        g, t = same_outcome(fn)
    if isinstance(g, type):
        return
    g, t = _np(g), _np(t)
    if not isinstance(t, list):
        g, t = [g], [t]
    assert len(g) == len(t)
    for a, b in zip(g, t):
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


X2 = np.array([[1.0, 4.0, 9.0, 3.0], [2.0, 3.0, 5.0, -1.0], [0.5, 0.0, 2.0, 8.0]])

CASES = [
    # isin
    ("isin", lambda L: L.isin(L.tensor([[1, 2], [3, 4]]), L.tensor([2, 3, 9]))),
    ("isin_invert", lambda L: L.isin(L.tensor([1, 2, 3]), L.tensor([2]), invert=True)),
    ("isin_unique", lambda L: L.isin(L.tensor([1, 2, 3]), L.tensor([3, 1]), assume_unique=True)),
    ("isin_scalar_test", lambda L: L.isin(L.tensor([1, 2, 3]), 2)),
    ("isin_scalar_elem", lambda L: L.isin(2, L.tensor([1, 2, 3]))),
    ("isin_mixed", lambda L: L.isin(L.tensor([1.0, 2.5]), L.tensor([2, 1]))),
    ("isin_nan", lambda L: L.isin(L.tensor([[1.0, NAN]]), L.tensor([NAN, 1.0]))),
    ("isin_2d_test", lambda L: L.isin(L.tensor([1, 5]), L.tensor([[5, 6], [7, 8]]))),
    ("isin_empty", lambda L: L.isin(L.tensor([1, 2]), L.tensor([], dtype=L.int64))),
    ("isin_kw", lambda L: L.isin(elements=L.tensor([1, 2]), test_elements=L.tensor([2]))),
    ("isin_kw_scalar", lambda L: L.isin(elements=L.tensor([1, 2]), test_element=2)),
    ("isin_kw_element", lambda L: L.isin(element=2, test_elements=L.tensor([1, 2]))),
    ("isin_bool", lambda L: L.isin(L.tensor([True]), L.tensor([1]))),
    ("isin_two_scalars", lambda L: L.isin(2, 3)),
    # gradient
    ("gradient_1d", lambda L: L.gradient(L.tensor([1.0, 4.0, 9.0, 16.0]))),
    ("gradient_int", lambda L: L.gradient(L.tensor([1, 4, 9, 16]))),
    ("gradient_2d", lambda L: L.gradient(L.tensor(X2))),
    ("gradient_float64", lambda L: L.gradient(L.tensor(X2, dtype=L.float64), edge_order=2)),
    ("gradient_dim", lambda L: L.gradient(L.tensor(X2), dim=1, spacing=2.0, edge_order=2)),
    ("gradient_dims", lambda L: L.gradient(L.tensor(X2), dim=[1, 0], spacing=[2.0, 0.5])),
    ("gradient_spacings", lambda L: L.gradient(L.tensor(X2), spacing=(2.0, 3.0))),
    ("gradient_coords", lambda L: L.gradient(L.tensor(X2), spacing=[L.tensor([0.0, 1.0, 3.0, 3.5], dtype=L.float64)],
                                              dim=1)),
    ("gradient_coords2", lambda L: L.gradient(L.tensor(X2), spacing=[L.tensor([0.0, 1.0, 1.5], dtype=L.float64),
                                                                      L.tensor([0.0, 2.0, 3.0, 7.0], dtype=L.float64)],
                                              edge_order=2)),
    ("gradient_neg_dim", lambda L: L.gradient(L.tensor(X2), dim=-1)),
    ("gradient_0d", lambda L: L.gradient(L.tensor(1.0))),
    ("gradient_short", lambda L: L.gradient(L.tensor([1.0, 4.0]), edge_order=2)),
    ("gradient_edge3", lambda L: L.gradient(L.tensor([1.0, 4.0, 5.0, 6.0]), edge_order=3)),
    ("gradient_mixed_spacing", lambda L: L.gradient(L.tensor(X2), spacing=[2.0, L.tensor([0.0, 1.0, 2.0, 4.0])])),
    ("gradient_0d_spacing", lambda L: L.gradient(L.tensor(X2), spacing=[L.tensor(2.0), L.tensor(1.0)])),
    ("gradient_tensor_spacing", lambda L: L.gradient(L.tensor(X2), spacing=L.tensor(2.0))),
    ("gradient_bad_spacing_len", lambda L: L.gradient(L.tensor(X2), spacing=[1.0, 2.0, 3.0])),
    # vander
    ("vander", lambda L: L.vander(L.tensor([1, 2, 3]))),
    ("vander_N", lambda L: L.vander(L.tensor([1.0, 2.0, -3.0]), N=5)),
    ("vander_inc", lambda L: L.vander(L.tensor([1.5, 2.0, 3.0]), increasing=True)),
    ("vander_N1", lambda L: L.vander(L.tensor([2.0, 3.0]), N=1)),
    ("vander_N0", lambda L: L.vander(L.tensor([2, 3]), N=0)),
    ("vander_one", lambda L: L.vander(L.tensor([2.0]))),
    ("vander_bool", lambda L: L.vander(L.tensor([True, False]), N=3)),
    ("vander_int32", lambda L: L.vander(L.tensor([2, 3], dtype=L.int32), N=3)),
    ("vander_2d", lambda L: L.vander(L.ones(2, 2))),
    ("vander_neg", lambda L: L.vander(L.tensor([1, 2]), N=-1)),
    # adjoint
    ("adjoint", lambda L: L.adjoint(L.tensor(X2))),
    ("adjoint_batch", lambda L: L.ones(2, 3, 4).adjoint()),
    ("adjoint_1d", lambda L: L.adjoint(L.ones(2))),
    ("adjoint_int", lambda L: L.tensor([[1, 2]]).adjoint()),
    # empty_strided (its values are unspecified: shape, stride and dtype only)
    ("empty_strided", lambda L: L.tensor(L.empty_strided((2, 3), (1, 2)).stride())),
    ("empty_strided_dtype", lambda L: L.zeros(L.empty_strided((2, 3), (3, 1), dtype=L.float64).shape,
                                              dtype=L.empty_strided((2, 3), (3, 1), dtype=L.float64).dtype)),
    ("empty_strided_zero", lambda L: L.tensor(L.empty_strided((0, 3), (3, 1)).shape)),
    ("empty_strided_ndim", lambda L: L.empty_strided((2, 3), (1,))),
    ("empty_strided_neg", lambda L: L.empty_strided((2, 3), (-1, 1))),
    ("empty_strided_grad", lambda L: L.tensor(L.empty_strided((2,), (1,), requires_grad=True).requires_grad)),
    # frombuffer
    ("frombuffer", lambda L: L.frombuffer(bytearray(range(16)), dtype=L.int32)),
    ("frombuffer_count", lambda L: L.frombuffer(bytearray(range(16)), dtype=L.int32, count=2, offset=4)),
    ("frombuffer_float", lambda L: L.frombuffer(np.arange(3.0).tobytes(), dtype=L.float64)),
    ("frombuffer_uint8", lambda L: L.frombuffer(b"abc", dtype=L.uint8)),
    ("frombuffer_misaligned", lambda L: L.frombuffer(bytearray(16), dtype=L.int32, offset=3)),
    ("frombuffer_offset", lambda L: L.frombuffer(bytearray(16), dtype=L.int32, offset=20)),
    ("frombuffer_count_big", lambda L: L.frombuffer(bytearray(16), dtype=L.int32, count=5)),
    ("frombuffer_empty", lambda L: L.frombuffer(bytearray(), dtype=L.int32)),
    ("frombuffer_count0", lambda L: L.frombuffer(bytearray(16), dtype=L.int32, count=0)),
    ("frombuffer_list", lambda L: L.frombuffer([1, 2], dtype=L.int32)),
    ("frombuffer_grad", lambda L: L.tensor(L.frombuffer(bytearray(8), dtype=L.float32,
                                                        requires_grad=True).requires_grad)),
    # asarray
    ("asarray_list", lambda L: L.asarray([1, 2.5])),
    ("asarray_ints", lambda L: L.asarray([[1, 2], [3, 4]])),
    ("asarray_bool", lambda L: L.asarray([True, False])),
    ("asarray_scalar", lambda L: L.asarray(3.5)),
    ("asarray_dtype", lambda L: L.asarray([1, 2], dtype=L.float64)),
    ("asarray_numpy", lambda L: L.asarray(np.arange(3.0))),
    ("asarray_numpy_f32", lambda L: L.asarray(np.arange(3, dtype=np.float32), dtype=L.float64)),
    ("asarray_numpy_scalar", lambda L: L.asarray(np.float32(2.0))),
    ("asarray_numpy_view", lambda L: L.asarray(np.arange(6.0)[::2])),
    ("asarray_tensor_dtype", lambda L: L.asarray(L.ones(2), dtype=L.float64)),
    ("asarray_bytes", lambda L: L.asarray(bytearray(np.arange(2, dtype=np.float32).tobytes()))),
    ("asarray_bytes_dtype", lambda L: L.asarray(bytearray(b"\x01\x00\x02\x00"), dtype=L.int16)),
    ("asarray_str", lambda L: L.asarray("a")),
    ("asarray_list_nocopy", lambda L: L.asarray([1, 2], copy=False)),
    ("asarray_alias_dtype", lambda L: L.asarray(L.ones(2), copy=False, dtype=L.float64)),
    ("asarray_alias_np_dtype", lambda L: L.asarray(np.ones(2), copy=False, dtype=L.float32)),
    ("asarray_grad_int", lambda L: L.asarray([1, 2], requires_grad=True)),
    ("asarray_grad", lambda L: L.asarray([1.0, 2.0], requires_grad=True) * 2),
    # uint16/32/64: torch 2.13's limited support (creation, conversion, comparison, sort, sum)
    ("uint16", lambda L: L.tensor([1, 65535], dtype=L.uint16)),
    ("uint32_zeros", lambda L: L.zeros(2, 3, dtype=L.uint32)),
    ("uint64_to", lambda L: L.tensor([1, 2], dtype=L.uint64).to(L.int64)),
    ("uint32_from", lambda L: L.tensor([1, 2]).to(L.uint32)),
    ("uint16_name", lambda L: L.ones(2, dtype="uint16") if L is gg else L.ones(2, dtype=L.uint16)),
    ("uint32_eq", lambda L: L.tensor([3, 1], dtype=L.uint32) == L.tensor([3, 2], dtype=L.uint32)),
    ("uint32_sort", lambda L: L.tensor([3, 1, 2], dtype=L.uint32).sort().values),
    ("uint16_sum", lambda L: L.tensor([3, 1], dtype=L.uint16).sum()),
    ("uint16_mul_scalar", lambda L: L.tensor([3, 1], dtype=L.uint16) * 2),
    ("uint64_iinfo", lambda L: L.tensor([L.iinfo(L.uint64).bits, L.iinfo(L.uint32).max])),
    ("uint_asarray", lambda L: L.asarray(np.arange(3, dtype=np.uint32))),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn):
    _same_values(fn)


@pytest.mark.parametrize("lib", ["gpugrad", "torch"])
def test_asarray_memory_sharing(lib):
    L = gg if lib == "gpugrad" else torch
    a = np.arange(3.0)
    shared, copied = L.asarray(a), L.asarray(a, copy=True)
    a[0] = 9.0
    assert shared.tolist() == [9.0, 1.0, 2.0] and copied.tolist() == [0.0, 1.0, 2.0]
    t = L.ones(2)
    assert L.asarray(t) is t
    assert L.asarray(t, copy=True) is not t
    assert L.asarray(t, dtype=L.float64) is not t
    buf = bytearray(8)
    f = L.asarray(buf)
    buf[0:4] = np.float32(1.5).tobytes()
    assert f.tolist() == [1.5, 0.0]


def test_asarray_requires_grad_flags():
    for L in (gg, torch):
        r = L.ones(2, requires_grad=True)
        with pytest.warns(UserWarning, match="unspecified requires_grad"):
            same = L.asarray(r)
        assert same is r
        assert not L.asarray(r, requires_grad=False).requires_grad
        assert L.asarray(L.ones(2), requires_grad=True).requires_grad


def test_frombuffer_shares_memory():
    for L in (gg, torch):
        buf = bytearray(8)
        t = L.frombuffer(buf, dtype=L.int32)
        t[1] = 7
        assert bytes(buf) == b"\x00" * 4 + b"\x07\x00\x00\x00"
    with pytest.warns(UserWarning, match="not writable"):    # (torch warns once per process: not compared)
        gg.frombuffer(b"\x00" * 4, dtype=gg.int32)


def test_empty_strided_device(device):
    t = gg.empty_strided((2, 3), (1, 2), device=device, dtype=gg.float64)
    assert t.stride() == (1, 2) and t.shape == (2, 3) and str(t.device).startswith(device)
    t.copy_(gg.tensor(X2[:2, :3], device=device))
    np.testing.assert_array_equal(t.cpu().numpy(), X2[:2, :3])


def test_isin_gradient_on_device(device):
    x = gg.tensor(X2, device=device)
    got = gg.isin(x, gg.tensor([4.0, 2.0], device=device)).cpu().numpy()
    want = torch.isin(torch.tensor(X2), torch.tensor([4.0, 2.0])).numpy()
    np.testing.assert_array_equal(got, want)
    c0, c1 = np.array([0.0, 1.0, 1.5]), np.array([0.0, 2.0, 3.0, 7.0])
    for g, t in zip(gg.gradient(x, spacing=[gg.tensor(c0, device=device), gg.tensor(c1, device=device)],
                                edge_order=2),
                    torch.gradient(torch.tensor(X2), spacing=[torch.tensor(c0), torch.tensor(c1)], edge_order=2)):
        np.testing.assert_allclose(g.cpu().numpy(), t.numpy(), rtol=1e-12)
