"""A 0-d CPU tensor meets tensors on another device as a scalar (PyTorch: "CPU scalars can be used with CUDA
tensors"), gradients flowing back to the CPU tensor; any other mix of devices is an error naming the shapes.
Runs on the strict stand-in device (a device array type without a GPU) and on CUDA where there is one."""
import numpy as np
import pytest

import gpugrad as gg


@pytest.fixture(params=["strict", pytest.param("cuda", marks=pytest.mark.gpu)])
def other(request):
    if request.param == "cuda" and not gg.cuda.is_available():
        pytest.skip("no CUDA GPU here")
    return request.param


def test_cpu_scalar_tensor_joins_a_device_op_and_gets_its_gradient(other):
    s = gg.tensor(2.0, dtype=gg.float64, requires_grad=True)
    xv = np.array([1.0, -2.0, 3.0])
    x = gg.tensor(xv, device=other, requires_grad=True)
    y = (s * x + x / s - s ** 2).sum()
    assert y.device.type != "cpu"
    y.backward()
    assert s.grad.device.type == "cpu" and s.grad.shape == ()
    # d/ds: sum(x) - sum(x) / s^2 - 3 * 2s ; d/dx: s + 1/s
    np.testing.assert_allclose(s.grad.item(), xv.sum() - xv.sum() / 4 - 12)
    np.testing.assert_allclose(x.grad.cpu().numpy(), np.full(3, 2.5))


def test_cpu_scalar_first_and_in_place(other):
    x = gg.ones(3, device=other)
    z = gg.tensor(3.0) + x                       # the CPU scalar first: the result is still on the device
    assert z.device == x.device
    np.testing.assert_allclose(z.cpu().numpy(), [4.0, 4.0, 4.0])
    x.mul_(gg.tensor(5.0))
    np.testing.assert_allclose(x.cpu().numpy(), [5.0, 5.0, 5.0])
    np.testing.assert_allclose(gg.where(x > 0, x, gg.tensor(0.0)).cpu().numpy(), [5.0, 5.0, 5.0])


def test_other_device_mixes_are_errors(other):
    x = gg.ones(2, device=other)
    with pytest.raises(RuntimeError, match=r"add: expected all tensors on the same device, got cpu \(2,\)"):
        gg.ones(2) + x
    with pytest.raises(RuntimeError, match="same device"):
        gg.ones(1) * x                           # 1-element but not 0-d: PyTorch refuses it too
