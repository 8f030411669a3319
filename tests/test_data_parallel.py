"""nn.DataParallel against PyTorch (the CPU path, where both call the module directly) and, on the strict
stand-ins for two GPUs ('strict:0', 'strict:1'), against the plain module: the same values and the same
gradients on the original parameters."""
import collections
import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

DEVS = ["strict:0", "strict:1"]


def _net():
    gg.manual_seed(0)
    return gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.Tanh(), gg.nn.Linear(4, 2)).double()


def _grads(m):
    return [p.grad.cpu().numpy().copy() for p in m.parameters()]


def test_without_devices_forward_calls_the_module_as_pytorch():
    g = _net()
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    t.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in g.state_dict().items()})
    gd, td = gg.nn.DataParallel(g), torch.nn.DataParallel(t)
    assert gd.device_ids == td.device_ids == [] and gd.module is g
    assert list(gd.state_dict()) == list(td.state_dict()) == ["module.0.weight", "module.0.bias",
                                                              "module.2.weight", "module.2.bias"]
    x = np.random.randn(5, 3)
    gy, ty = gd(gg.tensor(x)), td(torch.tensor(x))
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    gy.sum().backward()
    ty.sum().backward()
    for gp, tp in zip(g.parameters(), t.parameters()):
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-12)
    # cpu in device_ids: ignored without CUDA, in both
    assert gg.nn.DataParallel(g, device_ids=["cpu"]).device_ids == torch.nn.DataParallel(t, ["cpu"]).device_ids


@pytest.mark.parametrize("n, dim", [(5, 0), (4, 0), (1, 0), (2, 1)])
def test_two_devices_values_and_gradients_equal_the_plain_module(n, dim):
    m = _net().to("strict:0")
    x = np.random.randn(n, 3) if dim == 0 else np.random.randn(3, n, 3)
    ref = m(gg.tensor(x, device="strict:0"))
    ref.pow(2).sum().backward()
    want = _grads(m)
    m.zero_grad()
    dp = gg.nn.DataParallel(m, device_ids=DEVS, dim=dim)
    assert dp.device_ids == [0, 1] and dp.output_device == 0 and dp.src_device_obj == "strict:0"
    xi = gg.tensor(x, requires_grad=True)                   # the input may live anywhere (here the CPU)
    y = dp(xi)
    assert y.device == "strict:0" and y.shape == ref.shape
    np.testing.assert_allclose(y.detach().cpu().numpy(), ref.detach().cpu().numpy(), rtol=1e-12)
    y.pow(2).sum().backward()
    for p, w in zip(m.parameters(), want):
        assert p.grad.device == "strict:0"
        np.testing.assert_allclose(p.grad.cpu().numpy(), w, rtol=1e-12, atol=1e-14)
    assert xi.grad is not None and xi.grad.device == "cpu"


def test_output_device_and_nested_inputs_and_outputs():
    Pair = collections.namedtuple("Pair", "a b")

    class Net(gg.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = gg.nn.Linear(2, 2).double()

        def forward(self, x, pair, d, scale=1.0, note="n"):
            assert isinstance(pair, tuple) and isinstance(d, dict) and note == "n"
            return {"y": self.lin(x) * scale + pair[0], "z": Pair(d["k"][0] * 2, None)}

    m = Net().to("strict:0")
    x, a, k = np.random.randn(4, 2), np.random.randn(4, 2), np.random.randn(4, 3)
    dp = gg.nn.DataParallel(m, device_ids=DEVS, output_device=-1)
    out = dp(gg.tensor(x), (gg.tensor(a), 7), {"k": [gg.tensor(k)]}, scale=3.0, note="n")
    assert set(out) == {"y", "z"} and isinstance(out["z"], Pair) and out["z"].b is None
    assert out["y"].device == "cpu" and out["z"].a.device == "cpu"
    w, b = m.lin.weight.detach().cpu().numpy(), m.lin.bias.detach().cpu().numpy()
    np.testing.assert_allclose(out["y"].detach().numpy(), (x @ w.T + b) * 3 + a, rtol=1e-12)
    np.testing.assert_allclose(out["z"].a.numpy(), 2 * k, rtol=1e-12)
    out["y"].sum().backward()
    np.testing.assert_allclose(m.lin.bias.grad.cpu().numpy(), 3 * 4 * np.ones(2), rtol=1e-12)
    y1 = gg.nn.DataParallel(m, device_ids=DEVS, output_device="strict:1")(gg.tensor(x), (gg.tensor(a),),
                                                                            {"k": [gg.tensor(k)]})
    assert y1["y"].device == "strict:1"


def test_scalar_outputs_become_a_vector_with_pytorch_warning():
    m = _net().to("strict:0")
    dp = gg.nn.DataParallel(gg.nn.Sequential(m, gg.nn.Flatten(0)), device_ids=DEVS)

    class Total(gg.nn.Module):
        def forward(self, x):
            return x.sum()

    with pytest.warns(UserWarning, match="all input tensors were scalars"):
        y = gg.nn.DataParallel(Total(), device_ids=DEVS)(gg.arange(6.0).reshape(3, 2))
    assert y.tolist() == [6.0, 9.0]
    assert dp(gg.zeros(4, 3, dtype=gg.float64)).shape == (8,)


def test_single_device_moves_the_module_and_calls_it():
    m = _net()
    dp = gg.nn.DataParallel(m, device_ids=["strict:1"])
    assert m[0].weight.device == "strict:1" and dp.device_ids == [1]
    y = dp(gg.ones(2, 3, dtype=gg.float64, device="strict:1"))
    assert y.device == "strict:1"


def test_no_grad_and_buffers_on_the_first_device():
    m = gg.nn.BatchNorm1d(3).double().to("strict:0")
    dp = gg.nn.DataParallel(m, device_ids=DEVS)
    x = gg.tensor(np.random.randn(6, 3))
    before = m.running_mean.cpu().numpy().copy()
    with gg.no_grad():
        y = dp(x)
    assert y.grad_fn is None and y.shape == (6, 3)
    # the replica on device_ids[0] holds the module's own buffers: its running statistics stick (from its chunk)
    want = 0.9 * before + 0.1 * x.numpy()[:3].mean(0)
    np.testing.assert_allclose(m.running_mean.cpu().numpy(), want, rtol=1e-12)
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]        # the original is untouched


def test_device_ids_validation():
    m = _net().to("strict:0")
    with pytest.raises(ValueError, match="non cpu device, but got: cpu"):
        gg.nn.DataParallel(m, device_ids=["strict:0", "cpu"])
    with pytest.raises(ValueError, match="non cpu device"):
        gg.nn.DataParallel(m, device_ids=DEVS, output_device="cpu")
    with pytest.raises(ValueError, match="expected a strict device, but got: cuda:1"):
        gg.nn.DataParallel(m, device_ids=["strict:0", "cuda:1"])
    with pytest.raises(ValueError, match="specified index or an integer"):
        gg.nn.DataParallel(m, device_ids=["strict:0", 1.5])
    with pytest.raises(RuntimeError, match="must not be negative"):
        gg.nn.DataParallel(m, device_ids=["strict:0", -1])
    dp = gg.nn.DataParallel(m, device_ids=[gg.device("strict:0"), 1])      # ints: indices of that device type
    assert dp.device_ids == [0, 1]
    with pytest.raises(RuntimeError, match=r"on device strict:1 \(device_ids\[0\]\) but found one of them on "
                                           r"device: strict:0"):
        gg.nn.DataParallel(m, device_ids=["strict:1", "strict:0"])(gg.ones(2, 3))

    class Bad(gg.nn.Module):
        def forward(self, x):
            raise KeyError("nope")

    with pytest.raises(KeyError, match="in replica 0 on device strict:0"):
        gg.nn.DataParallel(Bad(), device_ids=DEVS)(gg.ones(2, 3))


def test_functional_data_parallel():
    m = _net().to("strict:0")
    x = gg.tensor(np.random.randn(3, 3))
    y = gg.nn.parallel.data_parallel(m, x, DEVS, output_device=-1)
    np.testing.assert_allclose(y.detach().numpy(), m(x.to("strict:0")).detach().cpu().numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        gg.nn.parallel.data_parallel(m, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gg.nn.parallel.data_parallel(m, x, DEVS).device == "strict:0"
