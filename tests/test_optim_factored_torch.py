"""Adafactor and Muon against PyTorch's: five steps on matrices and a vector (float32 and float64; Muon's
Newton-Schulz runs in bfloat16 as PyTorch's), the state's names and shapes, state_dict round trips, and the
constructors' errors."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

SHAPES = {"Adafactor": ((5, 3), (3, 6), (4,), (2, 3, 4)), "Muon": ((5, 3), (3, 6))}
CASES = [("Adafactor", {"lr": 0.01}), ("Adafactor", {"lr": 0.05, "weight_decay": 0.1, "maximize": True, "d": 1.5}),
         ("Adafactor", {"eps": (1e-4, 1e-2), "beta2_decay": -0.5}),
         ("Muon", {"lr": 0.02}), ("Muon", {"lr": 0.02, "nesterov": False, "adjust_lr_fn": "match_rms_adamw"}),
         ("Muon", {"momentum": 0.9, "weight_decay": 0.0, "ns_steps": 3})]


def _pair(name, kw, dtype, seed=0):
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal(s).astype(dtype) for s in SHAPES[name]]
    pg = [gg.nn.Parameter(gg.tensor(w)) for w in ws]
    pt = [torch.nn.Parameter(torch.tensor(w)) for w in ws]
    return pg, pt, getattr(gg.optim, name)(pg, **kw), getattr(torch.optim, name)(pt, **kw)


def _steps(params, opt, n):
    for _ in range(n):
        opt.zero_grad()
        sum((p ** 3).sum() + p.sin().sum() for p in params).backward()
        opt.step()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kw", CASES)
def test_steps_and_state_as_torch(name, kw, dtype):
    pg, pt, og, ot = _pair(name, kw, dtype)
    _steps(pg, og, 5)
    _steps(pt, ot, 5)
    tol = 1e-5 if dtype == "float32" else 1e-12
    for a, b in zip(pg, pt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)
    sg, st = og.state_dict(), ot.state_dict()
    for i in st["state"]:
        assert sorted(sg["state"][i]) == sorted(st["state"][i])
        for k, v in st["state"][i].items():
            np.testing.assert_allclose(np.asarray(sg["state"][i][k].tolist()), v.numpy(), rtol=tol, atol=tol)
    assert sg["param_groups"][0].keys() == st["param_groups"][0].keys()


@pytest.mark.parametrize("name,kw", [CASES[0], CASES[3]])
def test_state_dict_round_trip_continues_as_torch(name, kw):
    pg, pt, og, ot = _pair(name, kw, "float64")
    _steps(pg, og, 2)
    _steps(pt, ot, 2)
    saved = og.state_dict()
    og2 = getattr(gg.optim, name)(pg, **kw)
    og2.load_state_dict(saved)
    _steps(pg, og2, 3)
    _steps(pt, ot, 3)
    for a, b in zip(pg, pt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,kw", [("Adafactor", {"lr": -1.0}), ("Adafactor", {"beta2_decay": 0.5}),
                                     ("Adafactor", {"eps": (-1.0, 1e-3)}), ("Adafactor", {"d": 0.5}),
                                     ("Adafactor", {"weight_decay": -0.1}), ("Muon", {"momentum": -0.5}),
                                     ("Muon", {"adjust_lr_fn": "bogus"}), ("Muon", {"lr": -1.0})])
def test_bad_arguments_raise_as_torch(name, kw):
    for T in (gg, torch):
        with pytest.raises(ValueError):
            getattr(T.optim, name)([T.nn.Parameter(T.ones(2, 2))], **kw)


def test_muon_refuses_non_matrices_as_torch():
    for T in (gg, torch):
        with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
            T.optim.Muon([T.nn.Parameter(T.ones(3))])
