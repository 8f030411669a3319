"""nn.init: distributions, scaling rules, reproducibility, in-place semantics, and why the scale matters."""
import math

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
from gpugrad.nn import init


def host(t):
    return t.detach().cpu().numpy()


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_simple_fills(device):
    t = gg.empty(3, 4, device=device)
    assert (host(init.constant_(t, 2.5)) == 2.5).all()
    assert (host(init.zeros_(t)) == 0).all() and (host(init.ones_(t)) == 1).all()
    np.testing.assert_array_equal(host(init.eye_(t)), np.eye(3, 4))
    with pytest.raises(ValueError, match="2-D"):
        init.eye_(gg.empty(3, device=device))
    u = host(init.uniform_(gg.empty(20000, device=device), -2.0, 3.0))
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.05
    n = host(init.normal_(gg.empty(20000, device=device), 1.0, 0.5))
    assert abs(n.mean() - 1.0) < 0.02 and abs(n.std() - 0.5) < 0.02


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3)])
def test_scaled_inits_have_the_documented_variance(device, shape):
    fan_in = shape[1] * int(np.prod(shape[2:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    t = gg.empty(*shape, device=device)
    a = math.sqrt(6 / (fan_in + fan_out))
    w = host(init.xavier_uniform_(t))
    assert np.abs(w).max() <= a and w.std() == pytest.approx(a / math.sqrt(3), rel=0.03)
    w = host(init.xavier_normal_(t, gain=2.0))
    assert w.std() == pytest.approx(2 * math.sqrt(2 / (fan_in + fan_out)), rel=0.03)
    w = host(init.kaiming_normal_(t, nonlinearity="relu"))
    assert w.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.03)
    w = host(init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"))
    assert w.std() == pytest.approx(math.sqrt(2 / fan_out), rel=0.03)
    w = host(init.kaiming_uniform_(t, a=math.sqrt(5)))           # PyTorch's Linear default
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound and w.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_uniform_(t, mode="fan_middle")


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(gg.empty(5))


@pytest.mark.parametrize("shape", [(6, 10), (10, 6), (4, 3, 2)])
def test_orthogonal(device, shape):
    w = host(init.orthogonal_(gg.empty(*shape, device=device), gain=1.5)).reshape(shape[0], -1)
    small = min(w.shape)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(gram, 2.25 * np.eye(small), atol=1e-5)


def test_trunc_normal_stays_in_range_and_has_the_truncated_moments(device):
    t = gg.empty(200000, dtype=gg.float64, device=device)
    x = host(init.trunc_normal_(t, mean=0.5, std=2.0, a=-1.0, b=4.0))
    assert x.min() >= -1.0 and x.max() <= 4.0
    # moments of N(0.5, 2^2) truncated to [-1, 4]: alpha, beta = -0.75, 1.75
    al, be = -0.75, 1.75
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)        # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))               # noqa: E731
    z = cdf(be) - cdf(al)
    mean = 0.5 + 2.0 * (phi(al) - phi(be)) / z
    var = 4.0 * (1 + (al * phi(al) - be * phi(be)) / z - ((phi(al) - phi(be)) / z) ** 2)
    assert x.mean() == pytest.approx(mean, abs=0.01)
    assert x.var() == pytest.approx(var, rel=0.02)
    # a window far in the tail: inverse-CDF sampling still lands every value inside (no rejection loop)
    tail = host(init.trunc_normal_(gg.empty(1000, device=device), a=4.0, b=4.5))
    assert tail.min() >= 4.0 and tail.max() <= 4.5


def test_inits_are_reproducible_under_manual_seed(device):
    def draw():
        fc = nn.Linear(8, 4, device=device)
        t = gg.empty(5, 5, device=device)
        return [host(fc.weight), host(fc.bias), host(init.orthogonal_(t)), host(init.trunc_normal_(t))]

    gg.manual_seed(123)
    a = draw()
    gg.manual_seed(123)
    b = draw()
    gg.manual_seed(124)
    c = draw()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_init_writes_in_place_without_recording():
    p = nn.Parameter(gg.zeros(4, 3))
    arr, version = p._data, p._version
    out = init.kaiming_uniform_(p)
    assert out is p and p._data is arr and p._version > version
    assert p.grad_fn is None and p.requires_grad and p._data.any()
    half = init.normal_(gg.empty(100, dtype=gg.float16), 0, 1)
    assert half.dtype == gg.float16 and 0.7 < float(host(half).astype(np.float32).std()) < 1.3


def _signal_moments(net, x):
    """Second moments of each hidden activation (forward) and of the loss gradient at each (backward)."""
    acts = []
    h = x
    for layer in net:
        h = layer(h)
        if isinstance(layer, nn.ReLU):
            h.retain_grad()
            acts.append(h)
    r = gg.tensor(np.random.default_rng(0).standard_normal(h.shape), dtype=h.dtype)
    (h * r).sum().backward()
    fwd = np.array([float((a.detach().numpy() ** 2).mean()) for a in acts])
    bwd = np.array([float((a.grad.numpy() ** 2).mean()) for a in acts])
    return fwd, bwd


def test_kaiming_init_keeps_a_deep_relu_mlp_signal_while_bad_scales_vanish_or_explode():
    """A 20-layer ReLU MLP: with Kaiming init (std sqrt(2/fan_in)) each layer multiplies the second moment of
    the activations (forward) and of the gradients (backward) by about fan_in * std^2 = 1 (ReLU keeps half
    of the second moment, the gain sqrt(2) restores it); with std 0.01 the factor is 128 * 1e-4 / 2 = 0.0064
    per layer (the signal vanishes), with std 0.3 it is 5.8 (it explodes). At width 128 the Kaiming
    signal still wanders at random (seeds 0-3: largest/smallest layer moment at most 2.6)."""
    sizes = [128] * 21
    x = gg.randn(128, 128, dtype=gg.float64)
    fwd, bwd = _signal_moments(nn.MLP(sizes, init="kaiming", dtype=gg.float64), x)
    for m in (fwd, bwd):
        assert m.max() / m.min() < 4, m              # stays within a small factor across all 19 hidden layers
    small = nn.MLP(sizes, init=lambda w: init.normal_(w, 0.0, 0.01), dtype=gg.float64)
    fwd, bwd = _signal_moments(small, x)
    assert fwd[-1] / fwd[0] < 1e-20 and bwd[0] / bwd[-1] < 1e-20     # vanishes both ways
    big = nn.MLP(sizes, init=lambda w: init.normal_(w, 0.0, 0.3), dtype=gg.float64)
    fwd, bwd = _signal_moments(big, x)
    assert fwd[-1] / fwd[0] > 1e12 and bwd[0] / bwd[-1] > 1e12        # explodes both ways


@pytest.mark.parametrize("how", ["kaiming", "kaiming_uniform", "xavier", "xavier_normal", "orthogonal", "default"])
def test_mlp_init_options(how):
    net = nn.MLP([64, 128, 10], init=how)
    w0, b0 = host(net[0].weight), host(net[0].bias)
    if how == "default":
        assert np.abs(w0).max() <= 1 / 8 and b0.any()
    else:
        assert not b0.any()
    if how in ("kaiming", "kaiming_uniform"):
        assert w0.std() == pytest.approx(math.sqrt(2 / 64), rel=0.05)
        assert host(net[2].weight).std() == pytest.approx(math.sqrt(1 / 128), rel=0.05)   # gain 1 at the end
    with pytest.raises(ValueError, match="init must be one of"):
        nn.MLP([2, 2], init="lecun")
