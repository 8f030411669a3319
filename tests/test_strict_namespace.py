"""The strict device: op code never calls the numpy module on device data and never syncs on the training path.

The ``'strict'`` device (gpugrad/backend/strict.py) holds NumPy arrays behind a wrapper that refuses
``np.<function>(x)``, host arrays mixed with device arrays, and (inside ``allow_synchronize(False)``) every
copy to the host. Running the op table and a training step on it checks on a CPU-only machine the two rules
a GPU run depends on.

Why not ``array_api_strict``: our op code is written against NumPy's API as CuPy mirrors it (``x.sum(axis=,
keepdims=)``, ``xp.take_along_axis``, ``xp.add.at``, ``astype``, in-place ``+=`` on
slices, ``.T``); the Array API standard leaves out or renames much of that (no ``ndarray.sum`` method, no
``swapaxes``, ``concat`` for ``concatenate``, no ``ufunc.at``), so running gpugrad on it would test a port,
not the code CuPy runs. The strict wrapper accepts exactly NumPy's API and refuses only the module route.
"""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.autograd import gradcheck
from gpugrad.autograd.op import Op
from gpugrad.backend import strict
from gpugrad.backend.strict import HostSyncError, StrictNumpyError
from gpugrad.kernels import use_fused

from test_ops_gradcheck import PARAMS, gg_namespace, make_inputs, _tensors

xp = strict.namespace


def _arr(values, index=0):
    return strict.StrictArray(np.asarray(values, dtype=np.float64), strict.StrictDevice(index))


# -- the wrapper refuses the numpy module and host arrays, as CuPy would -----------------------------------------
@pytest.mark.parametrize("call", [
    lambda x: np.exp(x),
    lambda x: np.where(x > 0, x, 0.0),
    lambda x: np.add.at(x, [0, 0], 1.0),
    lambda x: np.asarray(x),
    lambda x: np.concatenate([x, x]),
    lambda x: np.maximum.reduce(x),
    lambda x: x + np.ones(3),          # a host array meeting a device array (CuPy: "Unsupported type")
    lambda x: np.ones(3) * x,
    lambda x: xp.where(x > 0, np.ones(3), x),
    lambda x: xp.indices(x.shape, sparse=True),    # NumPy-only keyword: CuPy's indices has no sparse=
], ids=["exp", "where", "add.at", "asarray", "concatenate", "reduce", "add_host", "rmul_host", "ns_host",
        "cupy_lacks_kwarg"])
def test_numpy_module_on_device_data_raises(call):
    with pytest.raises(StrictNumpyError):
        call(_arr([1.0, -2.0, 3.0]))


def test_namespace_methods_and_operators_work_and_stay_on_device():
    x = _arr([1.0, -2.0, 3.0], index=1)
    for r in (xp.exp(x), xp.where(x > 0, x, 0.0), x.sum(axis=0, keepdims=True), x * 2, 2.0 - x, np.float32(2) * x,
              x.T, x[1:], x.reshape(3, 1), xp.concatenate([x, x]), -x, abs(x)):
        assert isinstance(r, strict.StrictArray) and r.device is strict.StrictDevice(1)
    y = x.copy()
    with x.device:                                          # new arrays on x's device, as with cupy.cuda.Device
        idx = xp.asarray(np.array([0, 0]))                  # host-to-device copy: allowed
    xp.add.at(y, idx, 1.0)                                  # scatter-add through the namespace: allowed
    y[1:] += x[1:]
    np.testing.assert_array_equal(y.get(), [3.0, -4.0, 6.0])
    with pytest.raises(StrictNumpyError, match="strict:0 and strict:1"):
        _ = _arr([1.0, 2.0, 3.0], index=0) + x               # two devices in one call


def test_host_copies_count_as_syncs_and_can_be_forbidden():
    x = _arr(1.5)
    before = strict.sync_count()
    assert float(x) == 1.5 and x.item() == 1.5 and x.tolist() == 1.5
    assert strict.sync_count() == before + 3
    with strict.allow_synchronize(False):
        y = xp.exp(x) * 2 + x.sum()                           # device work: fine
        for host in (float, int, bool, lambda a: a.item(), lambda a: a.get(), lambda a: a.tolist(),
                     lambda a: range(a.astype(np.int64).reshape(()))):
            with pytest.raises(HostSyncError):
                host(y)
    assert float(y.get()) == pytest.approx(2 * np.exp(1.5) + 1.5)


def test_a_numpy_call_inside_an_op_is_caught():
    """The point of the device: an op whose forward uses ``np.`` instead of ``self.xp`` fails on the CPU."""
    class LeakyExp(Op):
        def forward(self, x):
            return np.exp(x)                                   # the bug the strict device exists to catch

        def backward(self, g):
            return g

    cpu_out = LeakyExp.apply(gg.tensor([0.0, 1.0]))           # on the CPU the bug is invisible
    assert cpu_out.tolist() == pytest.approx([1.0, np.e])
    with pytest.raises(StrictNumpyError, match="numpy.exp"):
        LeakyExp.apply(gg.tensor([0.0, 1.0], device="strict"))


# -- the op table on the strict device ------------------------------------------------------------------------------
@pytest.mark.parametrize("case,sig", PARAMS)
def test_op_table_on_strict_device(case, sig):
    """Every op of tests/op_table.py, forward and backward, on strict arrays: gradients check against finite
    differences, and forward values and gradients equal the CPU's bit for bit (same NumPy underneath)."""
    ns = gg_namespace("strict")
    inputs = make_inputs(case, sig, "strict")
    assert gradcheck(lambda *ts: case.fn(ns, *ts, **case.kwargs), inputs, atol=case.atol, rtol=case.rtol)
    cpu_inputs = make_inputs(case, sig, "cpu")
    outs = _tensors(case.fn(ns, *inputs, **case.kwargs))
    with use_fused(False):      # strict arrays run the fused kernels' plain-xp references; so does this CPU run
        cpu_outs = _tensors(case.fn(gg_namespace("cpu"), *cpu_inputs, **case.kwargs))
    for o, c in zip(outs, cpu_outs):
        assert o.device == "strict"
        np.testing.assert_array_equal(o.detach().cpu().numpy(), c.detach().numpy())
    diff = [(o, c) for o, c in zip(outs, cpu_outs) if o.requires_grad]
    if diff:
        sum(o.sum() * (i + 1) for i, (o, _) in enumerate(diff)).backward()
        with use_fused(False):
            sum(c.sum() * (i + 1) for i, (_, c) in enumerate(diff)).backward()
        for x, cx in zip(inputs, cpu_inputs):
            if cx.grad is not None:
                np.testing.assert_array_equal(x.grad.cpu().numpy(), cx.grad.numpy())


# -- a training step never waits for the device ---------------------------------------------------------------------
def _train(dev, steps=3):
    from gpugrad import nn, optim
    from gpugrad.nn import functional as F
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).to(device=gg.device(dev))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    x = gg.randn(16, 4).to(dev)           # drawn on the CPU in both runs, so both see the same data
    y = gg.randint(0, 3, (16,)).to(dev)
    losses = []
    for _ in range(steps):
        with strict.allow_synchronize(False):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(loss.item())                          # outside: the one sync the user asks for
    return losses, [p.detach().cpu().numpy() for p in model.parameters()]


def test_training_step_has_no_host_sync_and_matches_cpu():
    """Linear + ReLU + cross_entropy + Adam: forward, backward, step and zero_grad without one host copy (the
    strict twin of the GPU test under ``cupyx.allow_synchronize(False)``), and the same numbers as the CPU."""
    losses, params = _train("strict")
    with use_fused(False):
        cpu_losses, cpu_params = _train("cpu")
    assert losses == cpu_losses and losses[-1] < losses[0]
    for p, c in zip(params, cpu_params):
        np.testing.assert_array_equal(p, c)
