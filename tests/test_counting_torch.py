"""bincount, unique, count_nonzero, nonzero/argwhere against PyTorch: values, dtypes, shapes, errors."""
import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")


def _same(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    assert got.tolist() == want.tolist() and tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "gpugrad.")


@pytest.mark.parametrize("x,kw", [([0, 2, 2, 5], {}), ([1, 1], {"minlength": 4}), ([], {"minlength": 3}), ([], {}),
                                  ([0, 2, 2, 5], {"weights": "f32"}), ([3, 0], {"weights": "f64"}),
                                  ([3, 0], {"weights": "i32"})])
def test_bincount(device, x, kw):
    w = {"f32": np.float32, "f64": np.float64, "i32": np.int32}.get(kw.pop("weights", None))
    xs = np.array(x, dtype=np.int64)
    g_kw, t_kw = dict(kw), dict(kw)
    if w is not None:
        ws = np.arange(1, len(x) + 1).astype(w)
        g_kw["weights"], t_kw["weights"] = gg.tensor(ws, device=device), torch.tensor(ws)
    _same(gg.bincount(gg.tensor(xs, device=device), **g_kw), torch.bincount(torch.tensor(xs), **t_kw))
    _same(gg.tensor(xs, device=device).bincount(**g_kw), torch.tensor(xs).bincount(**t_kw))


def test_bincount_errors(device):
    for bad in ([-1, 2], [[1, 2]]):
        with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral inputs"):
            gg.bincount(gg.tensor(bad, device=device))
    with pytest.raises(NotImplementedError):
        gg.bincount(gg.tensor([1.0], device=device))


@pytest.mark.parametrize("kw", [{}, {"return_inverse": True}, {"return_counts": True},
                                {"return_inverse": True, "return_counts": True}, {"dim": 0, "return_inverse": True},
                                {"dim": 1, "return_counts": True}, {"sorted": False}])
def test_unique(device, kw):
    x = np.array([[3, 1, 3], [3, 1, 3], [0, 2, 2]])
    _same(gg.unique(gg.tensor(x, device=device), **kw), torch.unique(torch.tensor(x), **kw))
    _same(gg.tensor(x, device=device).unique(**kw), torch.tensor(x).unique(**kw))
    f = np.array([2.5, -1.0, 2.5])
    _same(gg.unique(gg.tensor(f, device=device), **{k: v for k, v in kw.items() if k != "dim"}),
          torch.unique(torch.tensor(f), **{k: v for k, v in kw.items() if k != "dim"}))


@pytest.mark.parametrize("x", [[[0, 1], [2, 0]], [0, 0], 3, 0, [[True, False, True]], [[0.0, 1.5]]])
def test_nonzero_argwhere_count_nonzero(device, x):
    xs = np.array(x)
    g, t = gg.tensor(xs, device=device), torch.tensor(xs)
    _same(gg.nonzero(g), torch.nonzero(t))
    _same(g.nonzero(), t.nonzero())
    _same(gg.nonzero(g, as_tuple=True), torch.nonzero(t, as_tuple=True))
    _same(gg.argwhere(g), torch.argwhere(t))
    _same(gg.count_nonzero(g), torch.count_nonzero(t))
    if xs.ndim:
        _same(g.count_nonzero(dim=0), t.count_nonzero(dim=0))
