"""``gpugrad.utils.checkpoint`` against ``torch.utils.checkpoint``: both variants give PyTorch's values and
gradients (inputs and parameters), the recomputation replays the random numbers (dropout) and gives the same
gradients as no checkpoint, and the flags, warnings and errors are PyTorch's."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.utils.checkpoint import checkpoint, checkpoint_sequential

torch = pytest.importorskip("torch")
from torch.utils import checkpoint as tcp  # noqa: E402


def _nets():
    rng = np.random.default_rng(0)
    g = gg.nn.Sequential(gg.nn.Linear(3, 5), gg.nn.Tanh(), gg.nn.Linear(5, 4), gg.nn.SiLU(), gg.nn.Linear(4, 2)).double()
    t = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4), torch.nn.SiLU(),
                            torch.nn.Linear(4, 2)).double()
    for (_, pg), (_, pt) in zip(g.named_parameters(), t.named_parameters()):
        w = rng.standard_normal(tuple(pt.shape))
        pg.data = gg.tensor(w)
        pt.data = torch.tensor(w)
    x = rng.standard_normal((6, 3))
    return g, t, x


def _grads(net):
    return [p.grad.numpy() for p in net.parameters()]


@pytest.mark.parametrize("reentrant", [True, False])
def test_values_and_gradients_as_torch(reentrant):
    g, t, x = _nets()
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg = checkpoint(lambda v: g[2:](g[:2](v) * 2), xg, use_reentrant=reentrant)
    yt = tcp.checkpoint(lambda v: t[2:](t[:2](v) * 2), xt, use_reentrant=reentrant)
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    (yg ** 2).sum().backward()
    (yt ** 2).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-10)
    for a, b in zip(_grads(g), _grads(t)):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_sequential_as_torch():
    g, t, x = _nets()
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg = checkpoint_sequential(g, 2, xg, use_reentrant=False)
    yt = tcp.checkpoint_sequential(t, 2, xt, use_reentrant=False)
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    yg.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-10)
    for a, b in zip(_grads(g), _grads(t)):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_non_reentrant_parameters_without_input_grad_and_autograd_grad():
    g, t, x = _nets()
    yg = checkpoint(g, gg.tensor(x), use_reentrant=False)
    yt = tcp.checkpoint(t, torch.tensor(x), use_reentrant=False)
    assert yg.requires_grad and yt.requires_grad
    got = gg.autograd.grad(yg.sum(), list(g.parameters()))
    want = torch.autograd.grad(yt.sum(), list(t.parameters()))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)
    assert all(p.grad is None for p in g.parameters())


def test_non_reentrant_double_backward_as_torch():
    x = np.array([0.3, -1.2, 2.0])
    xs = []
    for T, cp in ((gg, checkpoint), (torch, tcp.checkpoint)):
        v = T.tensor(x, requires_grad=True)
        y = cp(lambda a: (a.sin() * a ** 2).sum(), v, use_reentrant=False)
        (d,) = T.autograd.grad(y, v, create_graph=True)
        d.sum().backward()
        xs.append((d.detach().numpy(), v.grad.numpy()))
    for a, b in zip(*xs):
        np.testing.assert_allclose(a, b, rtol=1e-10)


@pytest.mark.parametrize("reentrant", [True, False])
def test_dropout_recomputed_with_the_same_random_numbers(reentrant):
    lin = gg.nn.Linear(8, 8)
    drop = gg.nn.Dropout(0.5)
    x = gg.randn(4, 8, requires_grad=True)
    gg.manual_seed(7)
    plain = drop(lin(x)).relu()
    plain.sum().backward()
    want_x, want_w = x.grad.clone(), lin.weight.grad.clone()
    x.grad = lin.weight.grad = lin.bias.grad = None
    gg.manual_seed(7)
    y = checkpoint(lambda v: drop(lin(v)).relu(), x, use_reentrant=reentrant)
    assert gg.equal(y, plain)
    gg.rand(3)                                    # draws between forward and backward do not matter
    y.sum().backward()
    assert gg.equal(x.grad, want_x) and gg.equal(lin.weight.grad, want_w)


def test_outputs_structures_and_kwargs():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    out = checkpoint(lambda v, k=1: {"a": v * k, "b": (v.exp(), "tag")}, x, use_reentrant=False, k=3)
    assert out["b"][1] == "tag"
    (out["a"].sum() + out["b"][0].sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 + np.exp([1.0, 2.0]), rtol=1e-6)
    a, n = checkpoint(lambda v: (v * 2, 5), x, use_reentrant=True)
    assert n == 5 and a.requires_grad


def test_flags_warnings_and_errors_as_torch():
    x = gg.tensor([1.0], requires_grad=True)
    xt = torch.tensor([1.0], requires_grad=True)
    for cp, v in ((checkpoint, x), (tcp.checkpoint, xt)):
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
            cp(lambda a: a * 2, v)
        with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
            cp(lambda a, foo: a, v, use_reentrant=True, foo=1)
        with pytest.raises(ValueError, match="only supported when use_reentrant=False"):
            cp(lambda a: a, v, use_reentrant=True, debug=True)
    for cp, v in ((checkpoint, gg.tensor([1.0])), (tcp.checkpoint, torch.tensor([1.0]))):
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            assert not cp(lambda a: a * 2, v, use_reentrant=True).requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with gg.no_grad():
            assert not checkpoint(lambda a: a * 2, x, use_reentrant=True).requires_grad
