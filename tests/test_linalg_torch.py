"""gpugrad.linalg's norms and nn.functional.normalize against torch.linalg and torch's normalize: values,
shapes and gradients in float64."""
import math

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

A = np.random.default_rng(0).standard_normal((3, 4, 5))
A[1, :, 2] = 0                                   # a zero row: normalize's eps, norms of zeros


def _compare(gfn, tfn, device, **kw):
    xg = gg.tensor(A, device=device, requires_grad=True)
    xt = torch.tensor(A, requires_grad=True)
    yg, yt = gfn(xg, **kw), tfn(xt, **kw)
    assert tuple(yg.shape) == tuple(yt.shape), kw
    np.testing.assert_allclose(yg.detach().cpu().numpy(), yt.detach().numpy(), rtol=1e-10, err_msg=str(kw))
    r = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (yg * gg.tensor(r, device=device)).sum().backward()
    (yt * torch.tensor(r)).sum().backward()
    if xt.grad is not None:                      # (ord=0: PyTorch leaves no gradient, ours is zero)
        np.testing.assert_allclose(xg.grad.cpu().numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=str(kw))


@pytest.mark.parametrize("name,kw", [
    ("vector_norm", {}), ("vector_norm", {"ord": 1, "dim": 1}), ("vector_norm", {"ord": math.inf, "dim": (0, 2)}),
    ("vector_norm", {"ord": -math.inf}), ("vector_norm", {"ord": 0, "dim": -1, "keepdim": True}),
    ("vector_norm", {"ord": 3}),
    ("matrix_norm", {}), ("matrix_norm", {"ord": 1}), ("matrix_norm", {"ord": -1, "keepdim": True}),
    ("matrix_norm", {"ord": math.inf, "dim": (0, 2)}), ("matrix_norm", {"ord": -math.inf, "dim": (2, 0)}),
    ("norm", {}), ("norm", {"dim": 1}), ("norm", {"dim": (1, 2)}), ("norm", {"ord": 1, "dim": (0, 1), "keepdim": True}),
    ("norm", {"ord": math.inf, "dim": [2]}),
])
def test_norms_match_torch(device, name, kw):
    _compare(getattr(gg.linalg, name), getattr(torch.linalg, name), device, **kw)


@pytest.mark.parametrize("ord", [None, 1, -1, 2, -2, math.inf, -math.inf, "fro", "nuc", 3.0, -1.5])
def test_norm_of_a_vector_and_a_matrix_matches_torch(ord):
    m = A[0]
    for x in (m, m[0]):
        try:
            want = torch.linalg.norm(torch.tensor(x), ord=ord).item()
        except RuntimeError:
            with pytest.raises(RuntimeError):
                gg.linalg.norm(gg.tensor(x), ord=ord)
            continue
        assert gg.linalg.norm(gg.tensor(x), ord=ord).item() == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("kw", [{}, {"dim": -1}, {"p": 1, "dim": 0}, {"dim": (1, 2)}, {"p": math.inf}])
def test_normalize_matches_torch(device, kw):
    _compare(gg.nn.functional.normalize, torch.nn.functional.normalize, device, **kw)
