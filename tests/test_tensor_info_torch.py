"""Tensor introspection and conversion methods against PyTorch (the oracle): sizes, devices, memory
(data_ptr, pin_memory, share_memory_), the legacy casts and constructor, apply_/map_, H/mH/mT, output_nr."""
from __future__ import annotations

import multiprocessing
import os

import numpy as np
import pytest

import gpugrad as gg
from torch_oracle import same_outcome

torch = pytest.importorskip("torch")



def _as_list(x):
    return x.tolist() if hasattr(x, "tolist") else list(x) if isinstance(x, tuple) else x


DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (2, 3), (1, 4, 1)])
def test_sizes_match_torch(dtype, shape):
    def info(L):
        x = L.ones(shape, dtype=getattr(L, dtype))
        return (x.element_size(), x.nelement(), x.ndimension(), x.nbytes, x.itemsize, x.is_cpu, x.get_device(),
                x.is_signed(), x.is_inference(), x.is_pinned(), x.is_shared(), x.is_complex())
    g, t = info(gg), info(torch)
    assert g == t


def test_nbytes_of_views_match_torch():
    for f in (lambda L: L.ones(2, 3)[:, 1:].nbytes, lambda L: L.ones(2, 3).expand(4, 2, 3).nbytes,
              lambda L: L.ones(4, 4).t().nbytes):
        g, t = same_outcome(f)
        assert g == t


def test_is_inference_is_false_for_every_tensor():
    with gg.inference_mode():
        assert not gg.ones(2).is_inference()


def test_data_ptr_offsets_match_torch():
    g, t = gg.ones(2, 3), torch.ones(2, 3)
    assert g[1].data_ptr() - g.data_ptr() == t[1].data_ptr() - t.data_ptr()
    assert g[:, 2].data_ptr() - g.data_ptr() == t[:, 2].data_ptr() - t.data_ptr()
    assert g.view(6).data_ptr() == g.data_ptr()
    assert gg.zeros(0).data_ptr() == torch.zeros(0).data_ptr() == 0
    assert g.data_ptr() == g.numpy().ctypes.data


def test_pin_memory_without_a_gpu_raises_as_torch():
    if gg.cuda.is_available():
        x = gg.ones(3, requires_grad=True)
        y = x.pin_memory()
        assert y.is_pinned() and not x.is_pinned() and y.tolist() == x.tolist()
        assert y.pin_memory() is y
        return
    same_outcome(lambda L: L.ones(2).pin_memory())


def test_share_memory_is_seen_by_a_forked_child():
    x = gg.zeros(4)
    view_before = x[1:]
    assert x.share_memory_() is x and x.is_shared() and x[1:].is_shared()
    assert not view_before.is_shared()       # (a documented difference: PyTorch's view follows the storage)
    assert x.share_memory_() is x
    t = torch.zeros(4)
    assert t.share_memory_().is_shared() and t[1:].is_shared()
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method here")
    ctx = multiprocessing.get_context("fork")
    p = ctx.Process(target=_add_one, args=(x,))
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert x.tolist() == [1.0, 1.0, 1.0, 1.0]


def _add_one(x):
    with gg.no_grad():
        x.add_(1.0)
    os._exit(0)


def test_share_memory_keeps_autograd():
    w = gg.ones(3, requires_grad=True)
    w.share_memory_()
    (w * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 2.0] and w.is_leaf


@pytest.mark.parametrize("name", ["byte", "char", "short", "bfloat16", "half", "int", "long", "double", "float",
                                  "bool"])
def test_legacy_casts_match_torch(name):
    data = [1.5, -2.7, 0.0, 100.25]
    g, t = getattr(gg.tensor(data), name)(), getattr(torch.tensor(data), name)()
    assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")
    np.testing.assert_array_equal(np.asarray(g.float().tolist()), np.asarray(t.float().tolist()))
    g, t = same_outcome(lambda L: getattr(L.tensor(data, requires_grad=True), name)().requires_grad)
    assert g == t
    same_outcome(lambda L: getattr(L.ones(2), name)(memory_format=L.preserve_format))


def test_bfloat16_needs_ml_dtypes(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_ml_dtypes(name, *args, **kwargs):
        if name == "ml_dtypes":
            raise ImportError("no ml_dtypes")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_ml_dtypes)
    with pytest.raises(RuntimeError, match="ml_dtypes"):
        gg.ones(2).bfloat16()


# -- new -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda L, x: x.new().shape, lambda L, x: x.new(2, 3).shape, lambda L, x: x.new(3).shape,
    lambda L, x: x.new([1, 2]), lambda L, x: x.new((1, 2)), lambda L, x: x.new([[1], [2]]),
    lambda L, x: x.new(L.Size([2, 3])).shape, lambda L, x: x.new(L.ones(2)),
    lambda L, x: x.new(2, 3, device="cpu").shape,
    lambda L, x: x.new(2.5), lambda L, x: x.new(L.ones(2, dtype=L.int64)), lambda L, x: x.new(2, 3, dtype=L.int64),
    lambda L, x: x.new(0, 4).shape])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_new_matches_torch(call, dtype):
    g, t = same_outcome(lambda L: call(L, L.ones(2, dtype=getattr(L, dtype))))
    if hasattr(t, "dtype"):
        assert str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")
    assert _as_list(g) == _as_list(t)


def test_new_from_a_tensor_shares_its_memory_as_torch():
    for L in (gg, torch):
        x = L.ones(3)
        y = L.ones(2).new(x)
        y[0] = 5
        assert x.tolist() == [5.0, 1.0, 1.0]


# -- apply_ / map_ ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda L: L.tensor([1.0, 2.0, 3.0]).apply_(lambda v: v * 2),
    lambda L: L.tensor([1, 2]).apply_(lambda v: v / 2),
    lambda L: L.tensor([1, 2]).apply_(lambda v: "x"),
    lambda L: L.tensor([1.0]).apply_(lambda v: None),
    lambda L: L.tensor([1.0, 2.0]).apply_(lambda v: type(v).__name__ == "float" and v + 1),
    lambda L: L.tensor([3, 4]).apply_(lambda v: type(v).__name__ == "int" and v + 1),
    lambda L: L.tensor([True, False]).apply_(lambda v: not v),
    lambda L: L.ones(4)[::2].apply_(lambda v: 3.0),
    lambda L: L.ones(2, 3).t().apply_(lambda v: 3.0),
    lambda L: L.ones(3).apply_(3),
    lambda L: L.ones(3, requires_grad=True).apply_(lambda v: v),
    lambda L: L.tensor([1.0, 2.0, 3.0]).map_(L.tensor([10.0, 20.0, 30.0]), lambda a, b: a + b),
    lambda L: L.tensor([1.0, 2.0, 3.0]).map_(L.tensor([10.0]), lambda a, b: a * b),
    lambda L: L.ones(2, 3).map_(L.tensor([[1.0], [2.0]]), lambda a, b: a + b),
    lambda L: L.ones(3).map_(L.tensor([[10.0], [1.0]]), lambda a, b: a + b),
    lambda L: L.ones(3).map_(L.tensor([10, 20, 30]), lambda a, b: a + b),
    lambda L: L.ones(3).map_(L.ones(3, requires_grad=True), lambda a, b: a + b),
    lambda L: L.ones(3, requires_grad=True).map_(L.ones(3), lambda a, b: a + b),
    lambda L: L.ones(3).map_(L.ones(3), 5)])
def test_apply_map_match_torch(call):
    g, t = same_outcome(call)
    if hasattr(t, "tolist"):
        assert g.tolist() == t.tolist() and str(g.dtype) == str(t.dtype).replace("torch.", "gpugrad.")


def test_apply_writes_through_views_and_in_no_grad():
    for L in (gg, torch):
        x = L.zeros(2, 3)
        x[1].apply_(lambda v: 7.0)
        assert x.tolist() == [[0.0] * 3, [7.0] * 3]
        with L.no_grad():
            with pytest.raises(RuntimeError):
                L.ones(2, requires_grad=True).apply_(lambda v: v)


# -- H / mH / mT / output_nr ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("prop", ["H", "mH", "mT", "T"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (4, 2, 3)])
def test_transposes_match_torch(prop, shape):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # PyTorch's deprecation warnings for .T and .mT on 0-d
        g, t = same_outcome(lambda L: getattr(L.arange(float(np.prod(shape))).reshape(shape), prop))
    if hasattr(t, "tolist"):
        assert g.tolist() == t.tolist()


def test_conjugate_transpose_of_complex_tensors():
    a = np.array([[1 + 2j, 3j], [4, 5 - 1j]])
    for prop in ("H", "mH"):
        assert getattr(gg.from_numpy(a), prop).tolist() == getattr(torch.from_numpy(a), prop).tolist()


def test_H_is_differentiable_as_torch():
    a = np.arange(6.0).reshape(2, 3)
    g, t = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (g.H * gg.tensor(a.T)).sum().backward()
    (t.H * torch.tensor(a.T)).sum().backward()
    assert g.grad.tolist() == t.grad.tolist()


def test_output_nr_matches_torch():
    for f in (lambda L: L.ones(2).output_nr, lambda L: (L.ones(2, requires_grad=True) * 2).output_nr,
              lambda L: L.ones(2, requires_grad=True).output_nr,
              lambda L: L.ones(4, requires_grad=True).sort()[0].output_nr):
        g, t = same_outcome(f)
        assert g == t

    def two_outputs(L):
        class Two(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, a, b):
                return a * 2 + b * 3
        return Two.apply(L.ones(2, requires_grad=True))

    g, t = two_outputs(gg), two_outputs(torch)
    assert [o.output_nr for o in g] == [o.output_nr for o in t]


def test_methods_on_device(device):
    x = gg.arange(6.0, device=device).reshape(2, 3)
    assert x.nbytes == 24 and x.element_size() == 4 and x.is_cpu == (device == "cpu")
    assert x.get_device() == (-1 if device == "cpu" else 0)
    assert x.data_ptr() != 0 and x[1].data_ptr() - x.data_ptr() == 12
    assert x.H.cpu().tolist() == x.cpu().numpy().T.tolist() and x.mH.shape == (3, 2)
    assert x.byte().dtype == gg.uint8 and x.short().dtype == gg.int16 and x.char().dtype == gg.int8
    assert x.new([1, 2]).device == x.device and x.new(2, 2).shape == (2, 2)
    if device != "cpu":
        assert x.is_shared() and x.share_memory_() is x and not x.is_pinned()
        with pytest.raises(RuntimeError):
            x.apply_(lambda v: v)
        with pytest.raises(RuntimeError):
            x.pin_memory()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_hogwild_optimizer_steps_in_a_forked_child_reach_the_shared_model():
    """model.share_memory(), then an optimizer built in a forked child (PyTorch's Hogwild pattern): the
    child's steps must land in the shared parameters, not in a private flat optimizer buffer."""
    gg.manual_seed(0)
    net = gg.nn.Linear(3, 1).share_memory()
    before = net.weight.detach().clone()
    pid = os.fork()
    if pid == 0:                                   # the child: train a little, then leave without cleanup
        try:
            opt = gg.optim.SGD(net.parameters(), lr=0.1)
            for _ in range(3):
                opt.zero_grad()
                net(gg.ones(4, 3)).sum().backward()
                opt.step()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert net.weight.is_shared() and net.bias.is_shared()
    assert not gg.equal(net.weight, before)        # the child's updates are visible here
    assert gg.allclose(net.weight, before - 0.1 * 3 * 4)
