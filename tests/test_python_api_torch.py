"""Behaviour of the Python-level API whose signatures tests/test_signatures_torch.py checks, against PyTorch:
the loss modules' deprecated ``size_average``/``reduce``, ``BatchNorm1d(bias=False)``, ``nn.init``'s
``generator=``, the optimizers' ``differentiable``/``capturable``, ``autograd.grad``'s ``only_inputs``/
``materialize_grads``/``is_grads_batched``, ``backward``'s ``grad_variables``, ``from_dlpack``'s keywords,
``set_default_device(device=)`` and the gradients of rounded division, ``floor_divide`` and ``remainder``."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")


def _t(lib, arr, requires_grad=False):
    return lib.tensor(np.asarray(arr, dtype=np.float64), requires_grad=requires_grad)


def _np(t):
    return None if t is None else np.asarray(t.detach().tolist())


def _warned(fn):
    """fn()'s result and the messages of the warnings it raised."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [f"{x.category.__name__}: {x.message}" for x in w]


# -- losses: PyTorch's constructor order and the deprecated size_average/reduce -------------------------------------
LEGACY = [(None, None), (False, None), (None, False), (True, True), (False, True), (True, False)]
LOSSES = {
    "MSELoss": ((2, 3), "real"), "L1Loss": ((2, 3), "real"), "SmoothL1Loss": ((2, 3), "real"),
    "BCELoss": ((2, 3), "prob"), "BCEWithLogitsLoss": ((2, 3), "prob"),
    "CrossEntropyLoss": ((4, 3), "class"), "NLLLoss": ((4, 3), "class"),
}


def _loss_inputs(lib, kind, shape, rng):
    x = rng.uniform(0.1, 0.9, shape) if kind == "prob" else rng.normal(size=shape)
    if kind == "class":
        y = lib.tensor(rng.integers(0, shape[1], shape[0]))
    else:
        y = _t(lib, rng.uniform(0, 1, shape) if kind == "prob" else rng.normal(size=shape))
    return _t(lib, x, True), y


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("size_average, reduce", LEGACY)
def test_loss_modules_take_the_legacy_reduction_flags(name, size_average, reduce):
    shape, kind = LOSSES[name]
    results = []
    for lib in (torch, gg):
        rng = np.random.default_rng(0)
        mod, msgs = _warned(lambda: getattr(lib.nn, name)(size_average=size_average, reduce=reduce))
        x, y = _loss_inputs(lib, kind, shape, rng)
        out = mod(x, y)
        out.sum().backward()
        results.append((mod.reduction, [m for m in msgs if "size_average" in m], _np(out), _np(x.grad)))
    (tr, tw, tv, tg), (gr, gw, gv, gg_) = results
    assert gr == tr and gw == tw
    np.testing.assert_allclose(gv, tv, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gg_, tg, rtol=1e-12, atol=1e-12)


def test_loss_positional_arguments_land_where_torch_puts_them():
    w = np.array([1.0, 2.0, 0.5])
    for name, args in (("CrossEntropyLoss", (None, None, 1)), ("NLLLoss", (None, None, 2, None, "sum")),
                       ("MSELoss", (None, None, "sum")), ("SmoothL1Loss", (None, None, "none", 0.5))):
        t, g = getattr(torch.nn, name)(*args), getattr(gg.nn, name)(*args)
        for attr in ("reduction", "ignore_index", "beta"):
            assert getattr(g, attr, None) == getattr(t, attr, None), (name, attr)
    t = torch.nn.BCEWithLogitsLoss(_t(torch, w), None, None, "sum", _t(torch, w))
    g = gg.nn.BCEWithLogitsLoss(_t(gg, w), None, None, "sum", _t(gg, w))
    assert g.reduction == t.reduction and _np(g.pos_weight).tolist() == _np(t.pos_weight).tolist()


# -- BatchNorm1d / SyncBatchNorm: bias=, device=, dtype= -----------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_bias_flag_as_torch(bias, affine):
    x = np.random.default_rng(1).normal(size=(6, 3))
    res = []
    for lib in (torch, gg):
        bn = lib.nn.BatchNorm1d(3, affine=affine, dtype=lib.float64, bias=bias)
        xt = _t(lib, x, True)
        y = bn(xt)
        (y * _t(lib, np.arange(18.0).reshape(6, 3))).sum().backward()
        res.append(([n for n, _ in bn.named_parameters()], list(bn.state_dict()), bn.bias is None,
                    str(bn.weight.dtype).split(".")[-1] if affine else None, _np(y), _np(xt.grad),
                    _np(bn.weight.grad) if affine else None, _np(bn.running_var)))
    for a, b in zip(*res):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
        else:
            assert b == a


def test_sync_batchnorm_bias_flag_as_torch():
    t = torch.nn.SyncBatchNorm(3, bias=False)
    g = gg.nn.SyncBatchNorm(3, bias=False)
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()] == ["weight"]
    assert list(g.state_dict()) == list(t.state_dict())
    conv = gg.nn.SyncBatchNorm.convert_sync_batchnorm(gg.nn.Sequential(gg.nn.BatchNorm1d(3, bias=False)))
    assert conv[0].bias is None and type(conv[0]).__name__ == "SyncBatchNorm"
    assert "bias=False" in repr(gg.nn.BatchNorm1d(3, bias=False)) and "bias=False" in repr(torch.nn.BatchNorm1d(3, bias=False))


# -- nn.init: generator= ---------------------------------------------------------------------------------------------
INITS = {"uniform_": {"a": -1.0, "b": 2.0}, "normal_": {"std": 0.5}, "xavier_uniform_": {}, "xavier_normal_": {},
         "kaiming_uniform_": {"nonlinearity": "relu"}, "kaiming_normal_": {"mode": "fan_out"},
         "orthogonal_": {"gain": 2.0}, "trunc_normal_": {"a": -0.5, "b": 0.5}}


@pytest.mark.parametrize("name", sorted(INITS))
def test_init_generator_reproduces_and_leaves_the_global_generator_alone(name):
    """As in PyTorch: a seeded generator gives the same numbers twice, advances between calls, and the global
    generator's stream is not consumed. (The numbers themselves differ: see README, Differences.)"""
    for lib in (torch, gg):
        fn = getattr(lib.nn.init, name)
        lib.manual_seed(0)
        expected_global = lib.rand(3)
        lib.manual_seed(0)
        g1, g2 = lib.Generator().manual_seed(7), lib.Generator().manual_seed(7)
        a = fn(lib.empty(8, 5), **INITS[name], generator=g1)
        b = fn(lib.empty(8, 5), **INITS[name], generator=g2)
        c = fn(lib.empty(8, 5), **INITS[name], generator=g1)
        assert lib.equal(a, b) and not lib.equal(a, c), lib.__name__
        assert lib.equal(lib.rand(3), expected_global), lib.__name__
    w = gg.nn.init.trunc_normal_(gg.empty(1000), a=-0.5, b=0.5, generator=gg.Generator().manual_seed(1))
    assert -0.5 <= w.min().item() and w.max().item() <= 0.5


# -- optimizers: differentiable / capturable ---------------------------------------------------------------------------
OPTIMS = {"SGD": {"lr": 0.1, "momentum": 0.9}, "Adam": {"lr": 0.1, "amsgrad": True}, "AdamW": {"lr": 0.1},
          "RMSprop": {"lr": 0.01, "centered": True}, "Adagrad": {"lr": 0.1}, "Adamax": {"lr": 0.1},
          "NAdam": {"lr": 0.1, "decoupled_weight_decay": True, "weight_decay": 0.1}, "RAdam": {"lr": 0.1},
          "Adadelta": {"rho": 0.8}, "ASGD": {"lr": 0.1, "t0": 1}, "Rprop": {"lr": 0.1}}


def _flags(lib, name):
    import inspect
    return [f for f in ("differentiable", "capturable")
            if f in inspect.signature(getattr(torch.optim, name).__init__).parameters]


@pytest.mark.parametrize("name", sorted(OPTIMS))
def test_optimizer_accepts_false_flags_and_steps_as_torch(name):
    flags = _flags(torch, name)
    assert "differentiable" in flags
    w0 = np.array([[1.0, -2.0], [0.5, 3.0]])
    out, keys = [], []
    for lib in (torch, gg):
        w = _t(lib, w0, True)
        opt = getattr(lib.optim, name)([w], **OPTIMS[name], **{f: False for f in flags})
        for _ in range(3):
            opt.zero_grad()
            (w * w * w).sum().backward()
            opt.step()
        out.append(_np(w))
        keys.append(set(opt.param_groups[0]))
    np.testing.assert_allclose(out[1], out[0], rtol=1e-7, atol=1e-9)
    assert set(flags) <= keys[0] & keys[1]


@pytest.mark.parametrize("name", sorted(OPTIMS))
def test_optimizer_true_flags_raise_clearly(name):
    w = gg.zeros(2, requires_grad=True)
    for flag in _flags(torch, name):
        with pytest.raises(NotImplementedError, match=f"{name}: {flag}=True"):
            getattr(gg.optim, name)([w], **{flag: True})
        opt = getattr(gg.optim, name)([w])
        with pytest.raises(NotImplementedError, match=f"{name}: {flag}=True"):
            opt.add_param_group({"params": [gg.zeros(1, requires_grad=True)], flag: True})


def test_rmsprop_positional_order_as_torch():
    for lib in (torch, gg):
        w = lib.zeros(2, requires_grad=True)
        opt = lib.optim.RMSprop([w], 0.01, 0.9, 1e-8, 0.0, 0.0, False, False, None, True)
        assert opt.param_groups[0]["maximize"] is True and opt.param_groups[0]["capturable"] is False


# -- autograd.grad / backward ------------------------------------------------------------------------------------------
def _graph(lib):
    x = _t(lib, [1.0, 2.0], True)
    z = _t(lib, [[3.0]], True)          # unused by the output
    return x, z, (x * x * x).sum()


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_materialize_grads_gives_zeros_as_torch(create_graph):
    res = []
    for lib in (torch, gg):
        x, z, y = _graph(lib)
        gx, gz = lib.autograd.grad(y, [x, z], materialize_grads=True, create_graph=create_graph)
        res.append((_np(gx), _np(gz), gz.shape, gx.requires_grad, gz.requires_grad))
    (tx, tz, ts, trx, trz), (gx, gz, gs, grx, grz) = res
    np.testing.assert_allclose(gx, tx)
    np.testing.assert_array_equal(gz, tz)
    assert tuple(gs) == tuple(ts) and (grx, grz) == (trx, trz)


def test_grad_unused_and_flag_errors_as_torch():
    for lib in (torch, gg):
        x, z, y = _graph(lib)
        with pytest.raises(RuntimeError):
            lib.autograd.grad(y, [x, z], retain_graph=True)                       # allow_unused=None: False
        assert lib.autograd.grad(y, [x, z], retain_graph=True, allow_unused=True)[1] is None
        with pytest.raises(ValueError, match="allow_unused"):
            lib.autograd.grad(y, [x, z], retain_graph=True, allow_unused=False, materialize_grads=True)
        with pytest.raises(RuntimeError, match="cannot be empty"):
            lib.autograd.grad(y, [], retain_graph=True)
        (gx,), msgs = _warned(lambda: lib.autograd.grad(y, x, retain_graph=True, only_inputs=False))
        assert any(m.startswith("FutureWarning: only_inputs") for m in msgs), lib.__name__
        assert _np(gx).tolist() == [3.0, 12.0] and x.grad is None
        d = lib.autograd.grad(y, {"a": x, "b": z}, materialize_grads=True)
        assert list(d) == ["a", "b"] and _np(d["b"]).tolist() == [[0.0]]
    x, z, y = _graph(gg)
    with pytest.raises(NotImplementedError, match="is_grads_batched"):
        gg.autograd.grad(y, x, is_grads_batched=True)


def test_backward_grad_variables_as_torch():
    res = []
    for lib in (torch, gg):
        x = _t(lib, [1.0, 2.0], True)
        _, msgs = _warned(lambda: lib.autograd.backward(x * x, grad_variables=_t(lib, [1.0, 10.0])))
        assert any(m.startswith("FutureWarning: `grad_variables` is deprecated") for m in msgs), lib.__name__
        with pytest.raises(RuntimeError, match="both passed"):
            lib.autograd.backward(x * x, _t(lib, [1.0, 1.0]), grad_variables=_t(lib, [1.0, 1.0]))
        lib.autograd.backward((x * x).sum(), inputs={"x": x})
        res.append(_np(x.grad))
    np.testing.assert_array_equal(res[1], res[0])


# -- from_dlpack, set_default_device -----------------------------------------------------------------------------------
def test_from_dlpack_keywords():
    src = torch.arange(4.0)
    shared = gg.from_dlpack(ext_tensor=src)
    copied = gg.from_dlpack(src, copy=True)
    on_cpu = gg.from_dlpack(src, device="cpu", copy=False)
    src[0] = 9.0
    assert shared.tolist()[0] == 9.0 and on_cpu.tolist()[0] == 9.0 and copied.tolist()[0] == 0.0
    assert torch.from_dlpack(ext_tensor=gg.arange(3.0)).tolist() == [0.0, 1.0, 2.0]


def test_set_default_device_takes_device_keyword():
    before = gg.default_device()
    try:
        gg.set_default_device(device="cpu")
        assert gg.zeros(1).device == gg.device("cpu")
    finally:
        gg.set_default_device(before)


# -- rounded division, floor_divide, remainder: values and gradients ---------------------------------------------------
PAIRS = [((2, 3), (2, 3)), ((2, 3), (1, 3)), ((2, 3), ())]


@pytest.mark.parametrize("mode", ["floor", "trunc"])
@pytest.mark.parametrize("shapes", PAIRS, ids=str)
def test_rounded_div_gradients_are_zero_as_torch(mode, shapes, device):
    rng = np.random.default_rng(3)
    a, b = rng.uniform(-5, 5, shapes[0]), rng.choice([-1.5, -0.7, 0.6, 2.0], shapes[1])
    res = []
    for lib, dev in ((torch, "cpu"), (gg, device)):
        x = lib.tensor(a, requires_grad=True, device=dev)
        y = lib.tensor(b, requires_grad=True, device=dev)
        q = lib.div(x, y, rounding_mode=mode)
        (q * q).sum().backward()
        (gq,) = lib.autograd.grad(lib.div(x, 2.0, rounding_mode=mode).sum(), x, create_graph=True)
        res.append((_np(q), _np(x.grad), _np(y.grad), tuple(y.grad.shape), _np(gq), gq.requires_grad))
    for t, g in zip(*res):
        if isinstance(t, np.ndarray):
            np.testing.assert_array_equal(g, t)
        else:
            assert g == t


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_rounded_div_of_integers_as_torch(mode):
    a = np.array([7, -7, 9, -9, 2 ** 40 + 1, 0])
    for other in (2, -4, np.array([3, -3, 2, 5, -7, 4]), 2.5):
        t = torch.div(torch.tensor(a), torch.tensor(other) if isinstance(other, np.ndarray) else other,
                      rounding_mode=mode)
        g = gg.div(gg.tensor(a), gg.tensor(other) if isinstance(other, np.ndarray) else other, rounding_mode=mode)
        assert g.tolist() == t.tolist() and str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], other


def test_floor_divide_is_recorded_but_has_no_derivative_as_torch():
    for lib in (torch, gg):
        x = _t(lib, [3.0, -5.0], True)
        for q in (x // 2, lib.floor_divide(x, _t(lib, [2.0])), 7.0 // x):
            assert q.requires_grad, lib.__name__
            with pytest.raises(RuntimeError, match="floor_divide"):
                q.sum().backward()
    assert (gg.floor_divide(gg.tensor([7.0, -7.0]), 2)).tolist() == [3.0, -4.0]


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
def test_remainder_gradients_as_torch(shapes):
    rng = np.random.default_rng(4)
    a, b = rng.uniform(-5, 5, shapes[0]), rng.choice([-1.5, -0.7, 0.6, 2.0], shapes[1])
    res = []
    for lib in (torch, gg):
        x, y = _t(lib, a, True), _t(lib, b, True)
        r = lib.remainder(x, y)
        (r * r).sum().backward()
        res.append((_np(r), _np(x.grad), _np(y.grad)))
    for t, g in zip(*res):
        np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["floor", "ceil", "round"])
def test_rounding_gives_zero_gradients_as_torch(name):
    x = np.array([[-1.5, 0.2], [2.5, 3.7]])
    got, want = [], []
    for lib, out in ((gg, got), (torch, want)):
        t = lib.tensor(x, requires_grad=True)
        y = getattr(lib, name)(t * 2.0)
        assert y.requires_grad
        (y * lib.tensor(np.full((2, 2), np.nan))).sum().backward()      # NaN upstream: still zeros
        out += [y.detach().numpy(), t.grad.numpy()]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert getattr(gg, name)(gg.tensor([1, -2])).dtype == gg.int64            # integers stay integers,
    assert getattr(torch, name)(torch.tensor([1, -2])).dtype == torch.int64   # as in torch


def test_legacy_loss_flags_warn_at_the_users_line():
    """The deprecation warning of size_average/reduce points at the caller's line, as PyTorch's does, for the
    functional losses, for weighted ones, and for the loss modules."""
    x, y = gg.randn(3, 4), gg.randn(3, 4)
    logits, target, w = gg.randn(3, 4), gg.tensor([0, 1, 3]), gg.ones(4)
    calls = [lambda: gg.nn.functional.mse_loss(x, y, size_average=False),
             lambda: gg.nn.functional.cross_entropy(logits, target, w, size_average=False),
             lambda: gg.nn.CrossEntropyLoss(w, size_average=False),
             lambda: gg.nn.MSELoss(reduce=False)]
    for call in calls:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        dep = [c for c in caught if "size_average and reduce" in str(c.message)]
        assert dep and all(c.filename == __file__ for c in dep), [(c.filename, c.lineno) for c in dep]
