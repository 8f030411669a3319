"""Arithmetic between complex and real tensors keeps the imaginary part and takes PyTorch's result dtype
(a real partner used to be cast to the other's dtype, dropping the imaginary part with only a ComplexWarning)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

REAL = ["float32", "float64", "int64", "int32", "bool"]
COMPLEX = ["complex64", "complex128"]


def _pair(lib, real, cplx, real_0d, cplx_0d):
    r = np.array([1.5, -2.0, 0.0]).astype(real)
    c = np.array([1 + 2j, 3 - 1j, -0.5j]).astype(cplx)
    r, c = (r[0] if real_0d else r), (c[0] if cplx_0d else c)
    return lib.tensor(r.tolist(), dtype=getattr(lib, real)), lib.tensor(c.tolist(), dtype=getattr(lib, cplx))


@pytest.mark.parametrize("shapes", [(False, False), (True, False), (False, True)], ids=["both", "real0d", "cplx0d"])
@pytest.mark.parametrize("cplx", COMPLEX)
@pytest.mark.parametrize("real", REAL)
def test_complex_with_real_matches_torch(real, cplx, shapes):
    for op in ("add", "mul", "sub", "div"):
        g_r, g_c = _pair(gg, real, cplx, *shapes)
        t_r, t_c = _pair(torch, real, cplx, *shapes)
        for args_g, args_t in (((g_r, g_c), (t_r, t_c)), ((g_c, g_r), (t_c, t_r))):
            if real == "bool" and op == "sub":           # PyTorch refuses `-` with a bool operand
                with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
                    getattr(torch, op)(*args_t)
                with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
                    getattr(gg, op)(*args_g)
                continue
            want = getattr(torch, op)(*args_t)
            with warnings.catch_warnings():
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
                got = getattr(gg, op)(*args_g)
            assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], (op, got.dtype, want.dtype)
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", ["t - True", "True - t", "b - 1", "b - t", "t - b", "b - b", "t.sub(b, alpha=2)",
                                  "t.sub_(b)", "lib.rsub(b, 1.0)", "lib.rsub(t, True)"])
def test_subtraction_with_bool_is_refused_as_pytorch(case):
    msgs = []
    for lib in (gg, torch):
        t, b = lib.tensor([1.0, 2.0]), lib.tensor([True, False])
        with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with") as info:
            eval(case)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]
