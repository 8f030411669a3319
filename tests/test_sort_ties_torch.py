"""sort/argsort/topk indices on inputs with many ties against PyTorch's CPU kernels: std::sort for
sort(stable=False) (rows longer than 16), std::partial_sort / std::nth_element for topk, fbgemm's radix sort for
long 1-D integer tensors, NaN first when descending. (gpugrad/ops/_cpu_select.py replays them.)"""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "uint8", "bool"]
SHAPES = [(40,), (17,), (16,), (3, 50), (70, 2), (2, 3, 33), (1,), (0,), (5, 0)]


def _ties(shape, dtype, seed, nan=False):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, shape)
    a = a > 1 if dtype == "bool" else a.astype(dtype)
    if nan and a.size:
        a.reshape(-1)[rng.integers(0, a.size, max(a.size // 8, 1))] = np.nan
    return a


def _cases(dtype):
    for i, shape in enumerate(SHAPES):
        for nan in ((False, True) if dtype.startswith("float") else (False,)):
            yield _ties(shape, dtype, i, nan)


def _equal(g, t):
    assert g.shape == tuple(t.shape)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("stable", [False, True])
def test_sort_and_argsort_indices(dtype, descending, stable):
    for a in _cases(dtype):
        for dim in range(-a.ndim, a.ndim):
            g, t = gg.tensor(a), torch.tensor(a)
            kw = dict(dim=dim, descending=descending, stable=stable)
            gs, ts = gg.sort(g, **kw), torch.sort(t, **kw)
            _equal(gs.indices, ts.indices)
            _equal(gs.values, ts.values)
            _equal(g.argsort(**kw), t.argsort(**kw))
            _equal(g.sort(dim, descending).indices, t.sort(dim, descending).indices)
            _equal(gg.argsort(g, dim, descending), torch.argsort(t, dim, descending))


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "bool"])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("sorted_", [True, False])
def test_topk_indices(dtype, largest, sorted_):
    for a in list(_cases(dtype)) + [_ties((2, 200), dtype, 9)]:
        for dim in range(a.ndim):
            n = a.shape[dim]
            for k in sorted({0, min(1, n), min(2, n), n // 2, n, n // 64}):
                g, t = gg.tensor(a), torch.tensor(a)
                gk, tk = gg.topk(g, k, dim, largest, sorted_), torch.topk(t, k, dim, largest, sorted_)
                if sorted_:
                    _equal(gk.indices, tk.indices)
                    _equal(gk.values, tk.values)
                else:   # the order is unspecified unsorted (gpugrad's is sorted, PyTorch's nth_element's): the set
                    np.testing.assert_array_equal(np.sort(gk.indices.numpy(), dim), np.sort(tk.indices.numpy(), dim))


@pytest.mark.parametrize("n", [32767, 32768])
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32"])
def test_long_1d_sort(n, dtype):
    """Beyond the replay budget (``_cpu_select.REPLAY_BUDGET`` elements) gpugrad keeps the stable order: the
    values are PyTorch's, and the indices are PyTorch's wherever PyTorch's are stable too (1-D integers from
    32768 elements, its radix sort); PyTorch documents the order of equal elements as unspecified."""
    from gpugrad.ops._cpu_select import REPLAY_BUDGET
    assert n > REPLAY_BUDGET
    a = _ties((n,), dtype, 3)
    g, t = gg.sort(gg.tensor(a)), torch.sort(torch.tensor(a))
    _equal(g.values, t.values)
    np.testing.assert_array_equal(g.indices.numpy(), np.argsort(a, kind="stable"))
    if n >= 32768 and dtype != "float32":
        _equal(g.indices, t.indices)


def test_topk_gradient_goes_to_torchs_tied_element():
    a = _ties((3, 40), "float64", 5)
    g, t = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = np.arange(1.0, 6.0)
    (gg.topk(g, 5).values * gg.tensor(w)).sum().backward()
    (torch.topk(t, 5).values * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())


def test_sort_expanded_and_strided():
    a = _ties((4, 60), "float32", 6)
    g, t = gg.tensor(a), torch.tensor(a)
    _equal(gg.sort(g[:, ::2], 1).indices, torch.sort(t[:, ::2], 1).indices)
    _equal(gg.sort(g.t(), 0).indices, torch.sort(t.t(), 0).indices)
    _equal(gg.sort(g[:1].expand(3, 60), 0).indices, torch.sort(t[:1].expand(3, 60), 0).indices)
