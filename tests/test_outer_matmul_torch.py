"""Matmuls with an inner size of 1 (outer products: a batch-1 weight gradient, Linear(1, n), Linear(n, 1)) run as a
broadcasting multiply on the CPU (gpugrad.kernels._blas.matmul): values, gradients and signed zeros as PyTorch's."""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad.kernels import _blas

torch = pytest.importorskip("torch")

SHAPES = [((5, 1), (1, 7)), ((3, 4, 1), (1, 6)), ((2, 3, 1), (2, 1, 4)), ((1, 1), (1, 1)), ((0, 1), (1, 3)),
          ((4, 1), (1, 0)), ((5, 2), (2, 3))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sa,sb", SHAPES, ids=[f"{a}x{b}" for a, b in SHAPES])
def test_matmul_values_and_grads_as_torch(sa, sb, dtype):
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal(sa).astype(dtype), rng.standard_normal(sb).astype(dtype)
    a, b = gg.tensor(a0, requires_grad=True), gg.tensor(b0, requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    y, ty = a @ b, ta @ tb
    g0 = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    y.backward(gg.tensor(g0))
    ty.backward(torch.tensor(g0))
    rtol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=rtol, atol=rtol)


def test_outer_product_keeps_signed_zeros_as_torch():
    a0 = np.array([[-1.0], [1.0], [-0.0]], np.float32)
    b0 = np.array([[0.0, 2.0, -0.0]], np.float32)
    got = (gg.tensor(a0) @ gg.tensor(b0)).numpy()
    want = (torch.tensor(a0) @ torch.tensor(b0)).numpy()
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_mismatched_inner_sizes_still_raise():
    with pytest.raises(RuntimeError, match=r"matmul: cannot multiply \(3, 1\) by \(3, 5\)"):
        gg.ones(3, 1) @ gg.ones(3, 5)
    with pytest.raises(ValueError):
        _blas.matmul(np, np.ones((3, 1)), np.ones((3, 5)))


@pytest.mark.parametrize("batch,fin,fout", [(1, 784, 512), (1, 1, 8), (6, 1, 8), (6, 8, 1), (1, 8, 1)])
def test_linear_step_grads_as_torch(batch, fin, fout):
    """A Linear + Adam step whose gradient matmuls have an inner size of 1 (the weight gradient lands in the
    optimizer's flat buffer): the same gradients and updated weights as PyTorch."""
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((batch, fin)).astype(np.float32)
    lin, tlin = gg.nn.Linear(fin, fout), torch.nn.Linear(fin, fout)
    with torch.no_grad():
        tlin.weight.copy_(torch.tensor(lin.weight.detach().numpy()))
        tlin.bias.copy_(torch.tensor(lin.bias.detach().numpy()))
    opt, topt = gg.optim.Adam(lin.parameters(), lr=1e-2), torch.optim.Adam(tlin.parameters(), lr=1e-2)
    for _ in range(2):
        opt.zero_grad()
        topt.zero_grad()
        (lin(gg.tensor(x0)) ** 2).sum().backward()
        (tlin(torch.tensor(x0)) ** 2).sum().backward()
        np.testing.assert_allclose(lin.weight.grad.numpy(), tlin.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(lin.bias.grad.numpy(), tlin.bias.grad.numpy(), rtol=1e-4, atol=1e-5)
        opt.step()
        topt.step()
    np.testing.assert_allclose(lin.weight.detach().numpy(), tlin.weight.detach().numpy(), rtol=1e-4, atol=1e-5)
