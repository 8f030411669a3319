"""Sequential fuses Linear + activation into one node (bias add inside the activation kernel); the result
must be the same as running the two modules one after the other."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn as nn

ACTS = [nn.ReLU(), nn.LeakyReLU(0.2), nn.ELU(0.7), nn.GELU(), nn.GELU("tanh"), nn.SiLU(), nn.Tanh(),
        nn.Sigmoid(), nn.Softplus(beta=2.0, threshold=5.0)]


def _grads(net, x):
    out = net(x)
    (out * out).sum().backward()
    return out, [p.grad.numpy().copy() for p in net.parameters()], x.grad.numpy().copy()


@pytest.mark.parametrize("act", ACTS, ids=lambda a: repr(a))
def test_fused_sequential_matches_module_by_module(device, act):
    gg.manual_seed(1)
    net = nn.Sequential(nn.Linear(5, 7), act, nn.Linear(7, 3)).to(device).double()
    x = gg.randn(4, 5, dtype=gg.float64, device=device, requires_grad=True)
    out, grads, gx = _grads(net, x)
    assert out.grad_fn.name != type(act).__name__ + "Backward"
    x2 = x.detach().requires_grad_()
    net.zero_grad()
    h = net[2](net[1](net[0](x2)))                       # the unfused path, module by module
    (h * h).sum().backward()
    np.testing.assert_allclose(out.detach().cpu().numpy(), h.detach().cpu().numpy(), rtol=1e-12, atol=1e-12)
    for g, p in zip(grads, net.parameters()):
        np.testing.assert_allclose(g, p.grad.cpu().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx, x2.grad.cpu().numpy(), rtol=1e-10, atol=1e-12)


def test_fusion_builds_one_node_per_linear_activation_pair():
    net = nn.MLP([6, 8, 8, 2])
    y = net(gg.randn(3, 6))
    names = []
    node = y.grad_fn
    while node is not None:
        names.append(node.name)
        nxt = [e for e in node.next if e is not None and hasattr(e, "next")]
        node = nxt[0] if nxt else None
    assert "ReLUBackward" not in names, names


def test_a_forward_hook_sees_the_linear_output_so_fusion_stands_aside():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    seen = []
    net[0].register_forward_hook(lambda m, inp, out: seen.append(out))
    y = net(gg.randn(2, 3))
    assert len(seen) == 1 and seen[0].grad_fn.name == "LinearBackward"
    assert y.grad_fn.name == "ReLUBackward"
    np.testing.assert_allclose(y.detach().numpy(), np.maximum(seen[0].detach().numpy(), 0))


def test_a_wrong_input_dtype_is_reported_by_the_linear_layer_not_the_fused_op():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    with pytest.raises(TypeError, match=r"^linear: expected a floating point tensor, got dtype gpugrad.int64"):
        net(gg.ones(2, 3, dtype=gg.int64))
    with pytest.raises(RuntimeError, match=r"^linear: input dtype gpugrad.float64 does not match weight dtype gpugrad.float32"):
        net(gg.ones(2, 3, dtype=gg.float64))
