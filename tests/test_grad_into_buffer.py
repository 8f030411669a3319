"""Linear's weight gradient is written straight into the flat optimizer buffer (engine._destinations): the
gradients must be what PyTorch computes in every case where that shortcut could go wrong: a weight shared
between layers, backward twice without zero_grad, autograd.grad after a backward, a gradient kept across
zero_grad, hooks."""
import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")


def _pair(shared, seed=0):
    gg.manual_seed(seed)
    l1, l2 = gg.nn.Linear(4, 4), gg.nn.Linear(4, 4)
    t1, t2 = torch.nn.Linear(4, 4), torch.nn.Linear(4, 4)
    with torch.no_grad():
        for g, t in ((l1, t1), (l2, t2)):
            t.weight.copy_(torch.tensor(g.weight.detach().numpy()))
            t.bias.copy_(torch.tensor(g.bias.detach().numpy()))
    if shared:
        l2.weight, t2.weight = l1.weight, t1.weight
    params = list(dict.fromkeys([*l1.parameters(), *l2.parameters()]))
    tparams = list(dict.fromkeys([*t1.parameters(), *t2.parameters()]))
    return (l1, l2, params), (t1, t2, tparams)


X = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)


def _forward(l1, l2, lib):
    return l2(l1(lib.tensor(X)).relu()).square().sum()


def _close(params, tparams):
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shared", [False, True], ids=["separate", "shared-weight"])
def test_adam_steps_with_gradients_written_into_the_buffer_match_torch(shared):
    (l1, l2, params), (t1, t2, tparams) = _pair(shared)
    opt, topt = gg.optim.Adam(params, lr=0.1), torch.optim.Adam(tparams, lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        _forward(l1, l2, gg).backward()
        _forward(t1, t2, torch).backward()
        _close(params, tparams)
        assert all(p.grad._data is p._grad_buffer for p in params)   # the buffer holds them
        opt.step()
        topt.step()
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_second_backward_without_zero_grad_accumulates():
    (l1, l2, params), (t1, t2, tparams) = _pair(False)
    opt = gg.optim.SGD(params, lr=0.1)
    opt.zero_grad()
    for scale in (1.0, 3.0):            # (different gradients: the second must be added, not doubled)
        (_forward(l1, l2, gg) * scale).backward()
        (_forward(t1, t2, torch) * scale).backward()
    _close(params, tparams)


def test_autograd_grad_after_backward_leaves_grad_alone():
    (l1, l2, params), (t1, t2, tparams) = _pair(False)
    gg.optim.Adam(params).zero_grad()
    loss = _forward(l1, l2, gg)
    loss.backward(retain_graph=True)
    before = [p.grad.numpy().copy() for p in params]
    doubled = gg.autograd.grad(loss * 2, params)
    for p, b, d in zip(params, before, doubled):
        np.testing.assert_array_equal(p.grad.numpy(), b)
        np.testing.assert_allclose(d.numpy(), 2 * b, rtol=1e-6)


def test_a_gradient_kept_across_zero_grad_keeps_its_values():
    (l1, l2, params), _ = _pair(False)
    opt = gg.optim.Adam(params)
    opt.zero_grad()
    _forward(l1, l2, gg).backward()
    kept = l1.weight.grad
    values = kept.numpy().copy()
    opt.zero_grad()
    (_forward(l1, l2, gg) * 3).backward()
    np.testing.assert_array_equal(kept.numpy(), values)
    np.testing.assert_allclose(l1.weight.grad.numpy(), 3 * values, rtol=1e-5)


def test_a_hook_on_the_weight_sees_and_replaces_the_gradient():
    (l1, l2, params), (t1, t2, tparams) = _pair(False)
    gg.optim.Adam(params).zero_grad()
    seen = []
    l1.weight.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 2)
    t1.weight.register_hook(lambda g: g * 2)
    _forward(l1, l2, gg).backward()
    _forward(t1, t2, torch).backward()
    _close(params, tparams)
    np.testing.assert_allclose(2 * seen[0], l1.weight.grad.numpy(), rtol=1e-6)
