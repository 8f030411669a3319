"""nn.functional's own ops (batch_norm, layer_norm: gradients by finite differences, first and second
order) and nn.utils (clipping, parameter vectors)."""
import math

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
from gpugrad.autograd import gradcheck
import gpugrad.nn.functional as F


def f64(*shape, device="cpu", scale=1.0, shift=0.0):
    return gg.tensor(np.random.default_rng(sum(shape)).standard_normal(shape) * scale + shift,
                     dtype=gg.float64, device=device, requires_grad=True)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
def test_batch_norm_gradcheck_train_and_eval(device, shape):
    x = f64(*shape, device=device, scale=2, shift=1)
    w = f64(3, device=device, shift=1)
    b = f64(3, device=device)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))
    rm = gg.tensor([0.1, -0.2, 0.3], dtype=gg.float64, device=device)
    rv = gg.tensor([1.5, 0.5, 2.0], dtype=gg.float64, device=device)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (x, w, b))
    assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True), (x,))


@pytest.mark.parametrize("normalized", [(4,), (3, 4)])
def test_layer_norm_gradcheck(device, normalized):
    x = f64(2, 3, 4, device=device, scale=3)
    w = f64(*normalized, device=device, shift=1)
    b = f64(*normalized, device=device)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, normalized, w, b), (x, w, b))
    assert gradcheck(lambda x, b: F.layer_norm(x, normalized, None, b), (x, b))


def test_normalization_double_backward():
    """d/dx of a gradient through layer_norm / batch_norm (the gradient is recorded with create_graph)
    against finite differences of the first gradient."""
    for fn in (lambda x, w: F.layer_norm(x, (4,), w, None),
               lambda x, w: F.batch_norm(x, None, None, w, None, training=True)):
        x = f64(3, 4, scale=2)
        w = f64(4, shift=1)
        r = gg.tensor(np.random.default_rng(3).standard_normal((3, 4)), dtype=gg.float64)

        def first_grad(x, w):
            with gg.enable_grad():             # gradcheck's finite differences run under no_grad
                (gx,) = gg.autograd.grad((fn(x, w) * r).sum(), [x], create_graph=True)
            return gx

        assert gradcheck(first_grad, (x, w))


def test_norm_errors_name_the_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"batch_norm: weight has shape \(4,\), expected \(3,\)"):
        F.batch_norm(gg.randn(5, 3), None, None, gg.ones(4), None, training=True)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(gg.randn(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"layer_norm: input of shape \(2, 5\) does not end with"):
        F.layer_norm(gg.randn(2, 5), (4,))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected input of shape \(N, 3\)"):
        nn.BatchNorm1d(3)(gg.randn(4, 5))
    with pytest.raises(TypeError, match="floating point"):
        F.layer_norm(gg.tensor([[1, 2]]), (2,))


def test_layer_norm_half_precision_is_accurate():
    x = gg.randn(4, 64) * 100 + 1000                  # float16 sums of this would lose the mean
    y16 = F.layer_norm(x.half(), (64,)).float().numpy()
    y32 = F.layer_norm(x, (64,)).numpy()
    np.testing.assert_allclose(y16, y32, atol=0.02)


def test_clip_grad_norm_scales_on_the_device_and_returns_the_norm(device):
    a = gg.zeros(3, device=device, requires_grad=True)
    b = gg.zeros(2, 2, device=device, requires_grad=True)
    a.grad = gg.tensor([3.0, 0.0, 0.0], device=device)
    b.grad = gg.tensor([[0.0, 4.0], [0.0, 0.0]], device=device)
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert total.device == device
    np.testing.assert_allclose(a.grad.cpu().numpy(), [0.6, 0, 0], rtol=1e-5)
    np.testing.assert_allclose(b.grad.cpu().numpy(), [[0, 0.8], [0, 0]], rtol=1e-5)
    total = nn.utils.clip_grad_norm_([a, b], max_norm=10.0)          # already small: unchanged
    assert total.item() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(a.grad.cpu().numpy(), [0.6, 0, 0], rtol=1e-5)
    a.grad = gg.tensor([math.inf, 0.0, 0.0], device=device)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)
    c = gg.zeros(2, requires_grad=True)
    assert nn.utils.clip_grad_norm_([c], 1.0).item() == 0.0            # no gradients at all


def test_clip_and_grad_norm_reduce_a_flat_group_once(monkeypatch):
    """With an optimizer's flat buffers, the gradients of a group tile one array: the norm is one dot and
    the scale one multiply for the whole group, not one per parameter; a subset of the group (or a
    missing gradient) falls back to the parameters' own arrays, with the same result."""
    from gpugrad.train import grad_norm
    net = nn.MLP([3, 4, 4, 2])
    gg.optim.SGD(net.parameters(), lr=0.1)      # moves the parameters and their gradients into flat buffers
    F.cross_entropy(net(gg.randn(5, 3)), gg.tensor([0, 1, 0, 1, 1])).backward()
    params = list(net.parameters())
    ref = [p.grad.numpy().astype(np.float64) for p in params]
    total = math.sqrt(sum(float((r ** 2).sum()) for r in ref))
    dots = []
    real_dot = np.dot
    monkeypatch.setattr(np, "dot", lambda a, b: dots.append(a.size) or real_dot(a, b))
    assert float(grad_norm(params)) == pytest.approx(total, rel=1e-5)
    assert nn.utils.clip_grad_norm_(params, total / 2).item() == pytest.approx(total, rel=1e-5)
    assert len(dots) == 2                                         # one per call, over the whole flat buffer
    for p, r in zip(params, ref):
        np.testing.assert_allclose(p.grad.numpy(), r / 2, rtol=1e-5)
    dots.clear()
    sub = params[:2]                                              # part of the group: per parameter
    part = math.sqrt(sum(float((r ** 2).sum()) / 4 for r in ref[:2]))
    assert nn.utils.clip_grad_norm_(sub, 1e9).item() == pytest.approx(part, rel=1e-5) and len(dots) == 2
    params[-1].grad = None                                        # a missing gradient: its slot is stale
    part = math.sqrt(sum(float((r ** 2).sum()) / 4 for r in ref[:-1]))
    assert float(grad_norm(params)) == pytest.approx(part, rel=1e-5)


def test_clip_grad_norm_half_precision_does_not_overflow():
    p = gg.zeros(1000, dtype=gg.float16, requires_grad=True)
    p.grad = gg.full((1000,), 300.0, dtype=gg.float16)             # sum of squares 9e7 > float16 max
    total = nn.utils.clip_grad_norm_([p], 1.0)
    assert math.isfinite(total.item()) and total.item() == pytest.approx(300 * math.sqrt(1000), rel=1e-3)
    assert np.isfinite(p.grad.numpy()).all()


def test_clip_grad_value(device):
    p = gg.zeros(4, device=device, requires_grad=True)
    p.grad = gg.tensor([-3.0, -0.5, 0.5, 3.0], device=device)
    nn.utils.clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad.cpu().numpy(), [-1, -0.5, 0.5, 1])


def test_parameters_vector_round_trip(device):
    net = nn.MLP([3, 4, 2]).to(device)
    params = list(net.parameters())
    vec = nn.utils.parameters_to_vector(params)
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    arrays = [p._data for p in params]
    nn.utils.vector_to_parameters(vec * 2, params)
    assert all(p._data is a for p, a in zip(params, arrays))          # written in place
    np.testing.assert_allclose(nn.utils.parameters_to_vector(params).detach().cpu().numpy(),
                               2 * vec.detach().cpu().numpy())
    (nn.utils.parameters_to_vector(params) ** 2).sum().backward()     # differentiable, like PyTorch's
    np.testing.assert_allclose(params[0].grad.cpu().numpy(), 2 * params[0].detach().cpu().numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="holds|hold"):
        nn.utils.vector_to_parameters(gg.zeros(5, device=device), params)


@pytest.mark.parametrize("name", ["batch_norm", "layer_norm", "group_norm", "instance_norm"])
def test_norms_take_bfloat16_as_pytorch(name):
    """bfloat16 (NumPy kind "V") is a floating dtype for the norms, as PyTorch's CPU norms accept it."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("ml_dtypes")
    call = {"batch_norm": lambda F, x: F.batch_norm(x, None, None, training=True),
            "layer_norm": lambda F, x: F.layer_norm(x, (3,)), "group_norm": lambda F, x: F.group_norm(x, 1),
            "instance_norm": lambda F, x: F.instance_norm(x.reshape(1, 4, 3))}[name]
    xn = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    got = call(gg.nn.functional, gg.tensor(xn).to(gg.bfloat16))
    want = call(torch.nn.functional, torch.tensor(xn).bfloat16())
    assert str(got.dtype) == "gpugrad.bfloat16" and want.dtype == torch.bfloat16
    np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), atol=1.6e-2)


def test_bfloat16_tensors_require_grad_and_backpropagate_as_pytorch():
    torch = pytest.importorskip("torch")
    pytest.importorskip("ml_dtypes")
    xn = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    x = gg.tensor(xn, dtype=gg.bfloat16, requires_grad=True)
    t = torch.tensor(xn, dtype=torch.bfloat16, requires_grad=True)
    (x * x + x).sum().backward()
    (t * t + t).sum().backward()
    assert str(x.grad.dtype) == "gpugrad.bfloat16"
    np.testing.assert_array_equal(x.grad.float().numpy(), t.grad.float().numpy())
    assert gg.tensor(xn).to(gg.bfloat16).requires_grad_().requires_grad
    assert gg.nn.Parameter(gg.ones(2, dtype=gg.bfloat16)).requires_grad
    with pytest.raises(RuntimeError, match="only floating point"):
        gg.tensor([1, 2], requires_grad=True)
