"""Regression tests for the PyTorch-parity bugs of issue 10 (ops and tensors), each named after what it pins.

Every expected value comes from PyTorch (the oracle), computed in the test where it is installed.
"""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn as nn
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")


def _t(x):
    return torch.tensor(np.asarray(x))


# -- silent wrong results ------------------------------------------------------------------------------------------
def test_gather_output_has_the_index_shape_when_the_index_is_smaller():
    x = gg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    idx = [[1], [0], [1], [0]]
    y = gg.gather(x, 0, gg.tensor(idx))
    assert y.tolist() == [[3.0], [1.0], [3.0], [1.0]]
    y.sum().backward()
    tx = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    torch.gather(tx, 0, torch.tensor(idx)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    # smaller in a dim other than the gathered one too: reads the leading part of x
    x3 = np.arange(24.0).reshape(2, 3, 4)
    i3 = np.array([[[2, 0]], [[1, 1]]])
    np.testing.assert_array_equal(gg.gather(gg.tensor(x3), 1, gg.tensor(i3)).numpy(),
                                  torch.gather(_t(x3), 1, _t(i3)).numpy())


def test_gather_index_larger_than_input_outside_dim_is_an_error():
    with pytest.raises(RuntimeError, match=r"gather: index \(1, 3\) is larger than the input \(2, 2\) in dim 1"):
        gg.gather(gg.ones(2, 2), 0, gg.tensor([[1, 0, 1]]))


def test_gather_negative_index_raises_naming_the_index():
    with pytest.raises(IndexError, match=r"gather: index -1 is out of bounds for dim 0 with size 2"):
        gg.gather(gg.tensor([[1.0, 2.0], [3.0, 4.0]]), 0, gg.tensor([[-1], [0]]))
    with pytest.raises(IndexError, match=r"index_select: index -2 is out of bounds for dim 1 with size 2"):
        gg.index_select(gg.ones(2, 2), 1, gg.tensor([0, -2]))


def test_gather_and_index_select_out_of_range_name_the_index():
    with pytest.raises(IndexError, match=r"gather: index 5 is out of bounds for dim 0 with size 2"):
        gg.gather(gg.ones(2, 2), 0, gg.tensor([[5, 0]]))
    with pytest.raises(IndexError, match=r"index_select: index 7 is out of bounds for dim 0 with size 2"):
        gg.index_select(gg.ones(2, 2), 0, gg.tensor([7]))


def test_data_is_a_detached_tensor_sharing_storage():
    w = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = w.data
    assert isinstance(d, gg.Tensor) and not d.requires_grad and d.grad_fn is None
    d[0] = 10.0                                      # shares storage
    assert w.tolist() == [10.0, 2.0, 3.0]
    assert w._version == 0                        # and changes through .data are not tracked
    np.testing.assert_array_equal(w.data.numpy(), [10.0, 2.0, 3.0])


def test_manual_sgd_through_data_matches_torch():
    ws = [gg.tensor([0.5, -1.0], requires_grad=True), torch.tensor([0.5, -1.0], requires_grad=True)]
    for w, lib in zip(ws, (gg, torch)):
        for _ in range(3):
            loss = ((w * w).sum() - w.sum()) ** 2
            loss.backward()
            w.data -= 0.1 * w.grad
            w.grad.data.zero_()
        w.data.add_(1.0)
    np.testing.assert_allclose(ws[0].detach().numpy(), ws[1].detach().numpy(), rtol=1e-6)
    assert ws[0].grad.tolist() == [0.0, 0.0] and ws[0].requires_grad and ws[0].is_leaf


def test_assigning_data_replaces_storage_and_may_change_shape_and_dtype():
    w = gg.ones(2, requires_grad=True)
    w.data = gg.zeros(3, 4, dtype=gg.float64)
    assert w.shape == (3, 4) and w.dtype == gg.float64 and w.requires_grad
    (w * 2).sum().backward()
    assert w.grad.shape == (3, 4)
    w.data.zero_()
    with pytest.raises(TypeError, match="can only assign a Tensor to .data"):
        w.data = np.ones(2)


def test_data_of_a_parameter_in_an_optimizer_keeps_the_optimizer_correct():
    lin = nn.Linear(2, 1)
    opt = gg.optim.SGD(lin.parameters(), lr=0.1)
    tl = torch.nn.Linear(2, 1)
    topt = torch.optim.SGD(tl.parameters(), lr=0.1)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(lin.weight.detach().numpy()))
        tl.bias.copy_(torch.tensor(lin.bias.detach().numpy()))
    x = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    for model, o, lib in ((lin, opt, gg), (tl, topt, torch)):
        for step in range(3):
            o.zero_grad()
            model(lib.tensor(x)).pow(2).mean().backward()
            o.step()
            if step == 0:
                model.weight.data.mul_(0.5)                             # in place through .data
                model.bias.data = model.bias.data + 1.0                  # replaced storage, same shape
    np.testing.assert_allclose(lin.weight.detach().numpy(), tl.weight.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(lin.bias.detach().numpy(), tl.bias.detach().numpy(), rtol=1e-5)
    # a new shape: plain SGD keeps no state, so it steps the new storage (as PyTorch's does) ...
    lin.weight.data = gg.ones(3, 3)
    lin.weight.grad = gg.ones(3, 3)
    opt.step()
    np.testing.assert_allclose(lin.weight.detach().numpy(), np.full((3, 3), 0.9), rtol=1e-6)
    # ... an optimizer with state for the old shape says so (PyTorch fails inside its update)
    w = gg.ones(2, requires_grad=True)
    adam = gg.optim.Adam([w])
    w.grad = gg.ones(2)
    adam.step()
    w.data = gg.ones(3)
    w.grad = gg.ones(3)
    with pytest.raises(RuntimeError, match=r"Adam\.step: parameter 0 is now \(3,\)"):
        adam.step()


@pytest.mark.parametrize("op", ["relu", "clamp", "clamp_tensor", "where", "maximum", "minimum", "amax", "max",
                                "std"])
def test_nan_upstream_gradient_does_not_leak_through_masks(op):
    vals = np.array([-1.0, 2.0, 0.5])
    up = np.array([np.nan, 1.0, np.inf])
    fns = {
        "relu": lambda ns, x: ns.relu(x),
        "clamp": lambda ns, x: ns.clamp(x, 0.0, 1.0),
        "clamp_tensor": lambda ns, x: ns.clamp(x, x.detach() * 0 + 0.6, x.detach() * 0 + 1.0),
        "where": lambda ns, x: ns.where(x > 0, x, x.detach() * 0),
        "maximum": lambda ns, x: ns.maximum(x, x.detach() * 0),
        "minimum": lambda ns, x: ns.minimum(x, x.detach() * 0),
        "amax": lambda ns, x: ns.amax(x.reshape(3, 1).expand(3, 3), 1),
        "max": lambda ns, x: ns.max(x).reshape(1).expand(3),
        "std": lambda ns, x: ns.std((x * 0).reshape(1, 3).expand(3, 3), 1),
    }
    grads = []
    for ns in (gg, torch):
        x = ns.tensor(vals, requires_grad=True)
        y = fns[op](ns if ns is torch or op != "relu" else F, x)
        y.backward(ns.tensor(up))
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_relu_fused_kernel_selects_nan_gradients():
    from gpugrad.kernels import activation
    g = np.array([np.nan, np.inf, 1.0] * 300)
    y = np.array([0.0, 0.0, 2.0] * 300)
    want = np.array([0.0, 0.0, 1.0] * 300)
    for dt in (np.float64, np.float32):                  # float32: the fast-math kernels
        for impl in ("reference", "numba"):
            np.testing.assert_array_equal(activation.act_backward(g.astype(dt), y.astype(dt), "relu", impl=impl),
                                          want.astype(dt))


def test_view_of_a_non_contiguous_tensor_raises_like_torch():
    x = gg.arange(12.0).reshape(4, 3).T
    with pytest.raises(RuntimeError, match=r"view: .*non-contiguous.*use \.reshape"):
        x.view(-1)
    assert x.reshape(-1).tolist() == torch.arange(12.0).reshape(4, 3).T.reshape(-1).tolist()
    assert x.view(3, 4) is x                                           # same shape: fine, as in PyTorch
    y = gg.arange(12.0).reshape(3, 4)[:, :2]                           # splitting a dim keeps strides valid
    assert y.view(3, 2, 1).shape == (3, 2, 1)


def test_np_array_copies_and_np_asarray_of_a_grad_tensor_is_refused():
    t = gg.ones(3)
    a = np.array(t)
    a[0] = 5.0
    assert t.tolist() == [1.0, 1.0, 1.0]
    b = np.asarray(t)
    assert np.shares_memory(b, t.numpy())
    assert np.array(t, dtype=np.float64).dtype == np.float64
    with pytest.raises(RuntimeError, match="requires grad.*detach"):
        np.asarray(gg.ones(3, requires_grad=True))
    with pytest.raises(RuntimeError, match="requires grad"):
        np.array(gg.ones(3, requires_grad=True))
    assert gg.ones(2, requires_grad=True).numpy(force=True).tolist() == [1.0, 1.0]


# -- raw errors or crashes on valid input -----------------------------------------------------------------------------
def _both(fn, *arrays, grad=True):
    """fn(ns, *tensors) in gpugrad and in PyTorch (float64): values and the inputs' gradients compared."""
    outs = []
    for ns in (gg, torch):
        xs = [ns.tensor(np.asarray(a, np.float64), requires_grad=grad) for a in arrays]
        y = fn(ns, *xs)
        y = y[0] if isinstance(y, tuple) else y
        gs = []
        if grad and y.requires_grad:
            gs = [None if g is None else g.detach().numpy()
                  for g in ns.autograd.grad(y.sum(), xs, allow_unused=True)]
        outs.append((y.detach().numpy(), gs))
    (yg, gg_), (yt, gt) = outs
    np.testing.assert_allclose(yg, yt, rtol=1e-6, atol=1e-6, equal_nan=True)
    assert yg.shape == yt.shape
    for a, b in zip(gg_, gt):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "amax", "amin", "max", "min", "logsumexp", "norm",
                                "prod", "softmax", "log_softmax", "argmax"])
@pytest.mark.parametrize("dim", [0, -1])
def test_reductions_accept_dim_on_a_0d_tensor(op, dim):
    def fn(ns, x):
        if op in ("softmax", "log_softmax"):
            return getattr(ns if ns is torch else F, op)(x, dim)
        if op == "norm":
            return ns.norm(x, dim=dim)
        if op == "argmax":
            return ns.argmax(x, dim).double()
        return getattr(ns, op)(x, dim)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # var/std of one element: NaN with a warning, in both
        _both(fn, 2.5)


def test_prod_double_backward_on_a_0d_tensor_and_of_an_empty_tensor():
    x = gg.tensor(3.0, dtype=gg.float64, requires_grad=True)
    (g,) = gg.autograd.grad(gg.prod(x, 0), x, create_graph=True)
    assert g.item() == 1.0
    e = gg.zeros(0, requires_grad=True)
    e.prod().backward()
    assert e.grad.shape == (0,)
    _both(lambda ns, a: ns.prod(a, 1), np.zeros((2, 0)))


def test_softmax_and_log_softmax_of_an_empty_dim():
    _both(lambda ns, a: (ns if ns is torch else F).softmax(a, -1), np.zeros((2, 0)))
    _both(lambda ns, a: (ns if ns is torch else F).log_softmax(a, 1), np.zeros((2, 0)))


def test_linear_with_zero_in_features_backward_and_double_backward():
    for ns in (gg, torch):
        x = ns.zeros(2, 0, dtype=ns.float64, requires_grad=True)
        w = ns.zeros(3, 0, dtype=ns.float64, requires_grad=True)
        b = ns.ones(3, dtype=ns.float64, requires_grad=True)
        y = (ns.nn.functional.linear(x, w, b) ** 2).sum()
        gx, gw, gb = ns.autograd.grad(y, [x, w, b], create_graph=True)
        assert gx.shape == (2, 0) and gw.shape == (3, 0) and gb.tolist() == [4.0, 4.0, 4.0]
        (ggb,) = ns.autograd.grad(gb.sum(), [b])
        assert ggb.tolist() == [4.0, 4.0, 4.0]


def test_chunk_of_an_empty_dim_gives_the_requested_number_of_chunks():
    for ns in (gg, torch):
        parts = ns.zeros(0, 3).chunk(3)
        assert len(parts) == 3 and all(p.shape == (0, 3) for p in parts)
        assert len(ns.zeros(0).chunk(2)) == 2


def test_cross_entropy_of_an_unbatched_input_with_weight():
    w = np.array([0.5, 2.0, 1.0, 1.5])
    for red in ("mean", "sum", "none"):
        _both(lambda ns, a: ns.nn.functional.cross_entropy(a, ns.tensor(2), weight=ns.tensor(w), reduction=red),
              [0.1, -0.3, 0.7, 0.2])


def test_binary_cross_entropy_at_exactly_0_and_1_is_finite_like_torch():
    p = [0.0, 1.0, 0.5, 1.0, 0.0]
    y = [1.0, 0.0, 1.0, 1.0, 0.0]
    for red in ("mean", "none"):
        _both(lambda ns, a, t: ns.nn.functional.binary_cross_entropy(a, t, reduction=red), p, y)


def test_binary_cross_entropy_outside_0_1_names_the_value():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities in \[0, 1\], got 1\.5 "
                                         r"\(at index \(1,\)\)"):
        F.binary_cross_entropy(gg.tensor([0.5, 1.5]), gg.tensor([1.0, 0.0]))


def test_layer_norm_double_backward_over_the_whole_shape_with_weight():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    grads = []
    for ns in (gg, torch):
        ts = [ns.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = (ns.nn.functional.layer_norm(ts[0], (2, 3), ts[1], ts[2]) ** 3).sum()
        first = ns.autograd.grad(y, ts, create_graph=True)
        grads.append([g.detach().numpy() for g in ns.autograd.grad(sum(f.sum() for f in first), ts)])
    for a, b_ in zip(*grads):
        np.testing.assert_allclose(a, b_, rtol=1e-6, atol=1e-8)


def test_ellipsis_with_a_0d_tensor_index():
    _both(lambda ns, a: a[..., ns.tensor(1)], np.arange(6.0).reshape(2, 3))
    _both(lambda ns, a: a[ns.tensor(0), ...], np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("case", ["all_ignored", "empty", "weighted_all_ignored", "smoothed_weighted_all_ignored"])
def test_mean_cross_entropy_and_nll_loss_with_no_valid_target_is_nan(case):
    logits = np.zeros((0, 3)) if case == "empty" else np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.0]])
    target = np.zeros(0, np.int64) if case == "empty" else np.array([-100, -100])
    kw = {} if case in ("all_ignored", "empty") else {"weight": np.array([1.0, 2.0, 3.0])}
    if case.startswith("smoothed"):
        kw["label_smoothing"] = 0.1
    for loss in ("cross_entropy", "nll_loss"):
        if loss == "nll_loss" and "label_smoothing" in kw:
            continue
        vals = []
        for ns in (gg, torch):
            k = {n: ns.tensor(v) if isinstance(v, np.ndarray) else v for n, v in kw.items()}
            vals.append(getattr(ns.nn.functional, loss)(ns.tensor(logits), ns.tensor(target), **k).item())
        assert np.isnan(vals[0]) and np.isnan(vals[1]), (loss, vals)


# -- PyTorch's names and keywords ------------------------------------------------------------------------------------
def test_names_real_scripts_use_exist_and_match_torch():
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4,))
    _both(lambda ns, x, y: ns.mm(x, y), a, b)
    _both(lambda ns, x, y: ns.bmm(x, y), rng.normal(size=(2, 2, 3)), rng.normal(size=(2, 3, 1)))
    _both(lambda ns, z, x, y: ns.addmm(z, x, y, beta=0.5, alpha=2.0), c, a, b)
    _both(lambda ns, x: ns.relu(x) + ns.sigmoid(x), a)
    _both(lambda ns, x: ns.softmax(x, 1) + ns.log_softmax(x, dim=0), a)
    _both(lambda ns, x, y: ns.divide(x, y * y + 1) + ns.multiply(x, y) - ns.subtract(x, y, alpha=3)
          + ns.true_divide(x, 2.0), a, a[::-1].copy())
    _both(lambda ns, x: ns.concat([x, x], 0) * 1.0, a)
    _both(lambda ns, x: ns.swapaxes(x, 0, 1) * 1.0, a)
    _both(lambda ns, x: ns.take_along_dim(x, ns.tensor([[2, 0]]), 1) * 1.0, a)
    _both(lambda ns, x: ns.take_along_dim(x, ns.tensor([5, 0])) * 1.0, a)
    _both(lambda ns, x: x.mm(ns.ones(3, 1, dtype=ns.float64)) + x.swapaxes(0, 1).sum(), a)
    assert gg.div(gg.tensor([-7, 7]), 2, rounding_mode="trunc").tolist() == [-3, 3]
    assert gg.div(gg.tensor([-7.0, 7.0]), 2, rounding_mode="floor").tolist() == [-4.0, 3.0]


def test_keyword_names_input_other_alpha_out():
    x, y = gg.tensor([1.0, 2.0]), gg.tensor([3.0, 5.0])
    assert gg.add(input=x, other=y, alpha=2).tolist() == [7.0, 12.0]
    assert gg.sub(x, other=y, alpha=0.5).tolist() == [-0.5, -0.5]
    assert x.add(y, alpha=-1).tolist() == [-2.0, -3.0]
    out = gg.empty(2)
    r = gg.mul(x, y, out=out)
    assert r is out and out.tolist() == [3.0, 10.0]
    out = gg.empty(0)
    gg.exp(x, out=out)
    np.testing.assert_allclose(out.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    m = gg.empty(1, 1)
    gg.matmul(gg.ones(1, 2), gg.ones(2, 1), out=m)
    assert m.tolist() == [[2.0]]
    with pytest.raises(RuntimeError, match=r"out=: the result has shape \(2,\) but out has shape \(3,\)"):
        gg.add(x, y, out=gg.zeros(3))


def test_size_is_a_tuple_subclass_returned_by_shape_and_size():
    t = gg.zeros(2, 3)
    assert isinstance(t.shape, gg.Size) and isinstance(t.size(), gg.Size) and isinstance(t.shape, tuple)
    assert t.shape == (2, 3) == torch.zeros(2, 3).shape and t.size(-1) == 3 and t.shape.numel() == 6
    assert gg.tensor(1.0).size(0) == 1 if False else gg.tensor(1.0).size() == ()


def test_legacy_tensor_types_and_type():
    f = gg.FloatTensor([1, 2])
    assert f.dtype == gg.float32 and isinstance(f, gg.FloatTensor) and not isinstance(f, gg.DoubleTensor)
    assert gg.DoubleTensor(2, 3).shape == (2, 3) and gg.LongTensor([1]).dtype == gg.int64
    assert f.type() == torch.tensor([1.0, 2.0]).type() == "torch.FloatTensor"
    assert f.type(gg.DoubleTensor).dtype == gg.float64 and f.type(gg.int64).dtype == gg.int64
    assert f.type("torch.LongTensor").dtype == gg.int64


def test_inference_mode_records_nothing():
    w = gg.ones(2, requires_grad=True)
    with gg.inference_mode():
        assert (w * 2).requires_grad is False and not gg.is_grad_enabled()
    assert gg.is_grad_enabled()

    @gg.inference_mode()
    def f(v):
        return v * 3
    assert f(w).requires_grad is False
    with gg.inference_mode(False):
        assert (w * 2).requires_grad


def test_normal_four_overloads_and_random_fills():
    gg.manual_seed(0)
    m, s = gg.zeros(1000), gg.full((1000,), 2.0)
    for out in (gg.normal(m, s), gg.normal(m, 2.0), gg.normal(0.0, s), gg.normal(0.0, 2.0, (1000,))):
        assert out.shape == (1000,) and abs(float(out.std()) - 2.0) < 0.3 and abs(float(out.mean())) < 0.3
    assert gg.normal(2.0, 1.0, size=(2, 3)).shape == (2, 3)
    t = gg.empty(2000)
    assert abs(float(t.normal_(1.0, 0.5).mean()) - 1.0) < 0.1
    u = t.uniform_(-1.0, 3.0)
    assert u is t and float(t.min()) >= -1.0 and float(t.max()) < 3.0
    assert abs(float(t.exponential_(2.0).mean()) - 0.5) < 0.1 and float(t.min()) >= 0
    b = t.bernoulli_(0.25)
    assert set(b.tolist()) <= {0.0, 1.0} and abs(float(b.mean()) - 0.25) < 0.05
    w = gg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.normal_()
    with gg.no_grad():
        w.normal_()
    assert w.requires_grad and w.is_leaf


# -- errors that name the call and the value ------------------------------------------------------------------------
@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: gg.arange(0, 5, 0), RuntimeError, r"arange\(0, 5, 0\): step must be nonzero"),
    (lambda: gg.randint(5, 3, (2,)), RuntimeError, r"randint\(low=5, high=3\): expected low < high"),
    (lambda: gg.zeros(-2, 3), RuntimeError, r"zeros: negative dimension -2 in size \(-2, 3\)"),
    (lambda: nn.Linear(3, -1), ValueError, r"Linear\(3, -1\): out_features must be a non-negative int, got -1"),
    (lambda: gg.ones(2, 2).sum(dim=(0, 0)), RuntimeError, r"sum: dim \(0, 0\) appears more than once"),
    (lambda: gg.randn(2.5), TypeError, r"randn: sizes must be ints, got 2\.5"),
    (lambda: gg.linspace(0, 1, -3), RuntimeError, r"linspace\(0, 1, -3\): number of steps must be a non-negative"),
])
def test_bad_arguments_name_the_call_and_the_value(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_mean_losses_with_no_valid_target_have_zero_gradients_like_torch():
    for kw in ({}, {"weight": [1.0, 2.0, 0.5]}, {"label_smoothing": 0.2}, {"weight": [1.0, 2.0, 0.5],
                                                                            "label_smoothing": 0.2}):
        for loss in ("cross_entropy", "nll_loss"):
            if loss == "nll_loss" and "label_smoothing" in kw:
                continue
            _both(lambda ns, x: getattr(ns.nn.functional, loss)(
                x, ns.tensor([-100, -100]), **{k: ns.tensor(v, dtype=ns.float64) if k == "weight" else v
                                               for k, v in kw.items()}), np.ones((2, 3)))


# -- found by the differential fuzzer (tests/test_fuzz_torch.py) -----------------------------------------------------
def test_std_of_a_constant_slice_is_exactly_zero_with_zero_gradient():
    # fuzzer seed 1947: maximum() made a row constant; NumPy's two-pass variance left 4e-16 there and the
    # std gradient (x - mean) / std turned the rounding noise into an O(1) gradient
    row = [1.74347201] * 3
    _both(lambda ns, x: ns.std(x, dim=-1), [row, [0.9, 0.9, 1.4]])
    x = gg.tensor([0.1] * 7, dtype=gg.float64, requires_grad=True)      # a mean that does not round back
    y = gg.std(x, correction=0)
    y.backward()
    assert y.item() == 0.0 and x.grad.tolist() == [0.0] * 7


def test_nll_loss_over_no_valid_target_gives_zero_gradients_under_a_nan_upstream_gradient():
    # fuzzer seed 200344: the NaN loss fed softplus(var(...)); PyTorch's nll_loss backward skips ignored rows,
    # ours multiplied the NaN upstream gradient by 0
    _both(lambda ns, x: ns.nn.functional.softplus(ns.nn.functional.nll_loss(x, ns.tensor([-100])) * 2.0),
          [[0.3, -0.2]])
    _both(lambda ns, x: ns.nn.functional.cross_entropy(x, ns.tensor([-100])) * ns.tensor(float("nan")),
          [[0.3, -0.2, 0.5]])


def test_input_keyword_on_reductions_shape_ops_and_activations():
    x = np.arange(6.0).reshape(2, 3)
    for ns in (gg, torch):
        t = ns.tensor(x)
        F_ = ns.nn.functional
        assert ns.sum(input=t, dim=1).tolist() == [3.0, 12.0]
        assert ns.max(input=t, dim=0)[0].tolist() == [3.0, 4.0, 5.0]
        assert ns.clamp(input=t, min=1.0).tolist()[0] == [1.0, 1.0, 2.0]
        assert ns.gather(input=t, dim=1, index=ns.tensor([[2], [0]])).tolist() == [[2.0], [3.0]]
        assert F_.softmax(input=t, dim=1).shape == (2, 3) and F_.relu(input=t).shape == (2, 3)
        assert ns.transpose(input=t, dim0=0, dim1=1).shape == (3, 2)


@pytest.mark.parametrize("name,args", [("ReLU", ()), ("LeakyReLU", (0.1,)), ("ELU", (0.7,)), ("SiLU", ())])
def test_activation_modules_honour_inplace(name, args):
    """nn.ReLU(inplace=True) and friends write into their input as PyTorch's do (they ignored the flag)."""
    torch = pytest.importorskip("torch")
    data = np.array([-2.0, -0.5, 0.0, 1.5])
    x, tx = gg.tensor(data.copy()), torch.tensor(data.copy())
    y = getattr(gg.nn, name)(*args, inplace=True)(x)
    ty = getattr(torch.nn, name)(*args, inplace=True)(tx)
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-12)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
    leaf = gg.tensor(data.copy(), requires_grad=True)
    z = getattr(gg.nn, name)(*args, inplace=True)(leaf * 2)
    z.sum().backward()
    tleaf = torch.tensor(data.copy(), requires_grad=True)
    getattr(torch.nn, name)(*args, inplace=True)(tleaf * 2).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-12)


def test_is_floating_point_is_a_method_and_a_function_as_in_torch():
    torch = pytest.importorskip("torch")
    for make in (lambda T: T.zeros(2), lambda T: T.tensor([1, 2]), lambda T: T.zeros(2, dtype=T.float64)):
        assert gg.is_floating_point(make(gg)) == torch.is_floating_point(make(torch))
        assert make(gg).is_floating_point() == make(torch).is_floating_point()
    with pytest.raises(TypeError, match="is_floating_point"):
        gg.is_floating_point([1.0])


def test_new_full_takes_fill_value_by_keyword_as_in_torch():
    torch = pytest.importorskip("torch")
    for lib in (gg, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        got = x.new_full((2,), fill_value=7.0), x.new_full(size=(1, 2), fill_value=3, dtype=lib.float32)
        if lib is gg:
            ours = got
        else:
            for a, b in zip(ours, got):
                assert tuple(a.shape) == tuple(b.shape) and str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
                np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("args", [(), (2, 3), ("size",), ([1, 2],), (np.array([1, 2]),), ([[1, 2], [3, 4]],),
                                  ((2, 3),), (5.0,), (True,), (np.float32(2),), (2, [1]), ("int_tensor",),
                                  ("float_tensor",)])
def test_legacy_tensor_constructor(args):
    """torch.Tensor(*args), as in hand-written layers (nn.Parameter(torch.Tensor(out, in))): sizes give an
    uninitialized default-float tensor, data is converted to the default float dtype, a Tensor is shared."""
    def build(lib):
        real = {"size": lib.Size([2, 3]) if lib is torch else gg.Size((2, 3)),
                "int_tensor": lib.tensor([1, 2]), "float_tensor": lib.tensor([1.0, 2.0])}
        concrete = [real.get(a, a) if isinstance(a, str) else a for a in args]
        try:
            t = lib.Tensor(*concrete)
        except Exception as e:                                       # noqa: BLE001
            return type(e).__name__
        return str(t.dtype).replace("torch.", "gpugrad."), tuple(t.shape), t.requires_grad, t.dtype.is_floating_point
    assert build(gg) == build(torch)


def test_legacy_tensor_constructor_shares_a_tensors_data():
    x = gg.tensor([1.0, 2.0])
    y = gg.Tensor(x)
    y[0] = 5
    assert x[0].item() == 5 == torch.Tensor(torch.tensor([5.0, 2.0]))[0].item()
    p = nn.Parameter(gg.Tensor(4))
    assert p.shape == (4,) and p.dtype == gg.float32 and p.requires_grad


def test_constants_as_torch():
    """torch.inf / pi / e / newaxis / nan."""
    assert (gg.inf, gg.pi, gg.e, gg.newaxis) == (torch.inf, torch.pi, torch.e, torch.newaxis)
    assert gg.nan != gg.nan and np.isnan(torch.nan)


@pytest.mark.parametrize("kind", ["all", "any"])
def test_top_level_all_any_as_torch(kind):
    x = np.array([[1, 0, 2], [3, 4, 5]])
    for kwargs in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": (0, 1)}):
        got = getattr(gg, kind)(gg.tensor(x), **kwargs)
        want = getattr(torch, kind)(torch.tensor(x), **kwargs)
        assert got.tolist() == want.tolist() and got.shape == tuple(want.shape), kwargs
        assert got.dtype == gg.bool_


def test_variable_is_a_detached_tensor_as_torch():
    from gpugrad.autograd import Variable
    t = gg.ones(2)
    v = Variable(t, requires_grad=True)
    tv = torch.autograd.Variable(torch.ones(2), requires_grad=True)
    assert (v is t, v.requires_grad, t.requires_grad, v.is_leaf) == (False, True, False, True) == \
        (False, tv.requires_grad, False, tv.is_leaf)
    v.data[0] = 3                                                   # shares t's data
    assert t[0].item() == 3
    u = gg.ones(2, requires_grad=True) * 2
    assert Variable(u).grad_fn is None and not Variable(u).requires_grad
    assert isinstance(t, Variable) and isinstance(torch.ones(1), torch.autograd.Variable)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1.0])


def test_set_up_switches_as_torch():
    """What seed-setting and device-selection code writes: cudnn flags, mps, float32 matmul precision at top
    level (the thread and determinism switches are main's _runtime, tested there)."""
    gg.backends.cudnn.deterministic, gg.backends.cudnn.benchmark = True, False
    try:
        assert (gg.backends.cudnn.deterministic, gg.backends.cudnn.benchmark) == (True, False)
        assert not gg.backends.mps.is_available() and not gg.backends.mps.is_built()
        gg.set_float32_matmul_precision("high")
        assert gg.get_float32_matmul_precision() == "high"
    finally:
        gg.backends.cudnn.deterministic = False
        gg.set_float32_matmul_precision("highest")
    assert gg.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"


def test_legacy_cuda_amp_and_top_level_autocast_queries():
    """import torch.cuda.amp / torch.cuda.amp.GradScaler(enabled=...) / torch.is_autocast_enabled()."""
    import importlib
    mod = importlib.import_module("gpugrad.cuda.amp")
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.GradScaler\(args...\)` is deprecated"):
        s = mod.GradScaler(init_scale=8.0, enabled=False)
    assert not s.is_enabled() and isinstance(s, gg.amp.GradScaler)
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.autocast\(args...\)` is deprecated"):
        a = gg.cuda.amp.autocast(enabled=False)
    with a:
        assert not gg.is_autocast_enabled()
    with gg.autocast("cpu", dtype=gg.float16):
        assert gg.is_autocast_enabled("cpu") and not gg.is_autocast_enabled()
        assert gg.get_autocast_dtype("cpu") == gg.float16
    with torch.autocast("cpu", dtype=torch.float16):
        assert torch.is_autocast_enabled("cpu") and not torch.is_autocast_enabled()
    with pytest.raises(AttributeError):
        gg.cuda.amp.nonexistent


@pytest.mark.parametrize("build", [
    lambda lib: lib.cat([lib.tensor([]), lib.tensor([1, 2])]),
    lambda lib: lib.cat([lib.tensor([]), lib.ones(2, 3)], dim=1),
    lambda lib: lib.cat([lib.zeros(0, dtype=lib.long), lib.ones(2, 3)]),
    lambda lib: lib.cat([lib.tensor([]), lib.tensor([])]),
    lambda lib: lib.cat([lib.ones(1, 2), lib.tensor([]), lib.ones(1, 2) * 2]),
    lambda lib: lib.cat([lib.tensor([], dtype=lib.float64), lib.ones(1, 2)]),
])
def test_cat_skips_legacy_empty_tensors(build):
    """all_preds = torch.cat([all_preds, preds]) from all_preds = torch.tensor([]): PyTorch skips 1-D empty
    tensors beside tensors of other ranks (their dtype still counts)."""
    g, t = build(gg), build(torch)
    assert (str(g.dtype), tuple(g.shape), g.tolist()) == (
        str(t.dtype).replace("torch.", "gpugrad."), tuple(t.shape), t.tolist())
    with pytest.raises(RuntimeError):
        gg.cat([gg.zeros(0, 3), gg.ones(2, 4)])
