"""Every entry of tests/op_table.py, on every device: gradients against central finite differences (float64),
forward values and vector-Jacobian products against PyTorch (float64) when it is installed, no upcasting of
float32/float16, and a coverage check that every Op class in gpugrad is exercised by the table.
Beside the table: gradients at kinks and ties (where finite differences say nothing) against PyTorch's
conventions, and seeded random sweeps (broadcast shape pairs, indexing keys, reduction dims) against
PyTorch."""
from __future__ import annotations

import importlib
import pkgutil
import types
import zlib

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.autograd import gradcheck
from gpugrad.autograd.op import Op
from gpugrad.ops import nn_ops, shape as shape_ops, arithmetic

from op_table import CASES, DOMAINS, S, T, signatures, spec_shape

PARAMS = [pytest.param(c, s, id=i) for c, s, i in signatures()]


# -- the two namespaces the table's expressions are written against ---------------------------------------------
def gg_namespace(device, float_dtype=None):
    ns = types.SimpleNamespace()
    for mod in (gg, nn_ops, importlib.import_module("gpugrad.nn.functional")):
        for name in dir(mod):
            if not name.startswith("_"):
                setattr(ns, name, getattr(mod, name))
    ns.is_torch = False
    ns.const = lambda a: gg.tensor(np.asarray(a), device=device,
                                   dtype=float_dtype if np.asarray(a).dtype.kind == "f" else None)
    ns.cast, ns.to_device, ns.index_put, ns.pad = (arithmetic.cast, arithmetic.to_device, shape_ops.index_put,
                                                   shape_ops.pad)
    ns.remainder = arithmetic.remainder

    def dropout_seeded(x, p):
        gg.manual_seed(7)          # the same mask on every call: finite differences see a fixed function
        return nn_ops.dropout(x, p)
    ns.dropout_seeded = dropout_seeded
    return ns


def torch_namespace(torch):
    ns = types.SimpleNamespace()
    for mod in (torch, torch.nn.functional):
        for name in dir(mod):
            if not name.startswith("_"):
                setattr(ns, name, getattr(mod, name))
    ns.is_torch = True
    ns.const = lambda a: torch.as_tensor(np.asarray(a))
    ns.device_of = lambda t: t.device
    return ns


# -- inputs -------------------------------------------------------------------------------------------------------
def host_inputs(case, sig):
    """The float64 values of a signature's inputs, reproducible per (case, signature)."""
    rng = np.random.default_rng(zlib.crc32(f"{case.name}{sig}".encode()))
    doms = case.domain if isinstance(case.domain, tuple) else (case.domain,) * len(sig)
    return [DOMAINS[d](rng, spec_shape(s)) for d, s in zip(doms, sig)]


def _view(spec, arr):
    if isinstance(spec, T):
        return arr.T
    if isinstance(spec, S):
        return arr[(slice(None, None, 2),) * arr.ndim]
    return arr


def _base(spec, vals):
    """A contiguous array whose ``_view`` is ``vals``."""
    if isinstance(spec, T):
        return np.ascontiguousarray(vals.T)
    if isinstance(spec, S):
        base = np.zeros(tuple(2 * n for n in vals.shape))
        base[(slice(None, None, 2),) * vals.ndim] = vals
        return base
    return vals


def make_inputs(case, sig, device):
    """Leaf tensors requiring grad; T and S specs hold non-contiguous views of a larger device array."""
    out = []
    for spec, vals in zip(sig, host_inputs(case, sig)):
        base = gg.tensor(_base(spec, vals), dtype=gg.float64, device=device)._data
        view = _view(spec, base)
        if isinstance(spec, (T, S)) and view.size > 1:
            assert not view.flags.c_contiguous
        out.append(gg.as_tensor(view).requires_grad_())
    return out


def _tensors(out):
    return [out] if isinstance(out, gg.Tensor) else [o for o in out if isinstance(o, gg.Tensor)]


# -- the checks -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case,sig", PARAMS)
def test_gradcheck(case, sig, device):
    ns = gg_namespace(device)
    inputs = make_inputs(case, sig, device)
    assert gradcheck(lambda *ts: case.fn(ns, *ts, **case.kwargs), inputs, atol=case.atol, rtol=case.rtol)


@pytest.mark.parametrize("case,sig", [p for p in PARAMS if p.values[0].torch])
def test_matches_torch(case, sig, device):
    """Forward values, and the vector-Jacobian product for a random cotangent, equal PyTorch's (float64)."""
    torch = pytest.importorskip("torch")
    ns = gg_namespace(device)
    inputs = make_inputs(case, sig, device)
    out = _tensors(case.fn(ns, *inputs, **case.kwargs))
    t_inputs = [torch.tensor(v, requires_grad=True) for v in host_inputs(case, sig)]
    t_out = case.fn(torch_namespace(torch), *t_inputs, **case.kwargs)
    t_out = [t_out] if isinstance(t_out, torch.Tensor) else [o for o in t_out if isinstance(o, torch.Tensor)]
    assert len(out) == len(t_out), case.name
    rng = np.random.default_rng(0)
    loss, t_loss = 0, 0
    for o, to in zip(out, t_out):
        assert tuple(o.shape) == tuple(to.shape), case.name
        assert o.dtype == gg.float64 or o.dtype.kind == "i", (case.name, o.dtype)
        np.testing.assert_allclose(o.detach().cpu().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
        if to.requires_grad:
            w = rng.standard_normal(to.shape)
            loss = loss + (o * gg.tensor(w, device=device)).sum()
            t_loss = t_loss + (to * torch.tensor(w)).sum()
    if isinstance(t_loss, int):
        return
    loss.backward()
    t_loss.backward()
    for x, tx in zip(inputs, t_inputs):
        expected = np.zeros(tx.shape) if tx.grad is None else tx.grad.numpy()
        got = np.zeros(tuple(x.shape)) if x.grad is None else x.grad.cpu().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=case.name)


def test_dropout_mask_is_fixed_by_the_seed(device):
    x = gg.ones(1000, dtype=gg.float64, device=device, requires_grad=True)
    gg.manual_seed(3)
    y1 = nn_ops.dropout(x, 0.25)
    gg.manual_seed(3)
    y2 = nn_ops.dropout(x, 0.25)
    a = y1.detach().cpu().numpy()
    assert np.array_equal(a, y2.detach().cpu().numpy())
    # kept elements are scaled by 1 / (1 - p), dropped ones are 0, and about p of them are dropped
    assert set(np.unique(a)) <= {0.0, 1 / 0.75}
    assert 0.18 < np.mean(a == 0) < 0.32
    y1.sum().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), a)   # d(x * mask)/dx = mask
    assert nn_ops.dropout(x, 0.25, training=False) is x


# -- coverage: no Op class without an entry ---------------------------------------------------------------------
def _import_all_of_gpugrad():
    """Import every gpugrad module so that Op.registry holds every op class, whatever ran before."""
    for info in pkgutil.walk_packages(gg.__path__, "gpugrad."):
        if info.name.endswith("__main__"):      # running it would start the command line
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # an optional dependency (CuPy, matplotlib) missing: its module has no ops here
            pass


def _node_classes(outputs):
    seen, stack, classes = set(), [o.grad_fn for o in outputs if o.grad_fn is not None], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        classes.add(type(node))
        stack.extend(e for e in node.next if isinstance(e, Op))   # leaves are weak references
    return classes


def test_every_function_class_is_covered():
    _import_all_of_gpugrad()
    op_classes = {c for c in Op.registry
                  if c.__module__.startswith("gpugrad.") and c.backward is not Op.backward}
    ns = gg_namespace("cpu")
    exercised = set()
    for case, sig, _ in signatures():
        exercised |= _node_classes(_tensors(case.fn(ns, *make_inputs(case, sig, "cpu"), **case.kwargs)))
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in op_classes - exercised)
    assert not missing, f"Op classes with no entry in tests/op_table.py: {missing}"


def test_table_covers_the_input_kinds():
    """Each op family is checked on broadcasting pairs, size-0 and size-1 dims, and non-contiguous views."""
    specs = [s for c in CASES for sig in c.inputs for s in sig]
    shapes = [spec_shape(s) for s in specs]
    assert any(isinstance(s, T) for s in specs) and any(isinstance(s, S) for s in specs)
    assert any(0 in s for s in shapes) and any(1 in s for s in shapes) and () in shapes
    names = {c.name for c in CASES}
    assert len(names) == len(CASES), "case names must be unique"


# -- at kinks and ties, where finite differences say nothing, gradients follow PyTorch's conventions ---------------
_TIES = np.array([[1.0, 3.0, 3.0, -2.0], [0.0, 0.0, -1.0, 0.0], [2.0, -2.0, 0.5, 2.0]])
KINKS = {
    "max_all": lambda ns, x: ns.max(x),
    "min_all": lambda ns, x: x.min(),
    "max_dim": lambda ns, x: ns.max(x, 1)[0],
    "max_dim_keepdim": lambda ns, x: x.max(1, keepdim=True)[0],
    "min_dim0": lambda ns, x: ns.min(x, 0)[0],
    "amax": lambda ns, x: ns.amax(x, 1),
    "amin_all_dims": lambda ns, x: ns.amin(x, (0, 1)),
    "maximum_self": lambda ns, x: ns.maximum(x, x.flip(0) if ns.is_torch else x[::-1]),
    "maximum_scalar_tie": lambda ns, x: ns.maximum(x, ns.zeros_like(x)),
    "relu": lambda ns, x: ns.relu(x),
    "leaky_relu": lambda ns, x: ns.leaky_relu(x, 0.1),
    "elu": lambda ns, x: ns.elu(x),
    "abs": lambda ns, x: ns.abs(x),
    "clamp_at_bounds": lambda ns, x: ns.clamp(x, 0.0, 2.0),
    "norm_zero_row": lambda ns, x: ns.norm(x * ns.const(np.array([[1.0], [0.0], [1.0]])), dim=1),
    "norm_inf_ties": lambda ns, x: ns.norm(x, float("inf"), 1),
    "l1_loss_zero": lambda ns, x: ns.l1_loss(x, x.detach() * 0 + ns.const(_TIES)),
    "std_of_constant_slice": lambda ns, x: ns.std(x[1:2, [0, 1, 3]], 1),
    "std_correction0_one_element": lambda ns, x: x.std(0, correction=0)[0:1] + x[0:1, 0:1].std(correction=0),
    "pow_zero_exponent_at_zero": lambda ns, x: x ** 0.0,
    "pow_zero_tensor_exponent_at_zero": lambda ns, x: x ** (x.detach() * 0),
}


@pytest.mark.parametrize("name", sorted(KINKS))
def test_gradients_at_kinks_and_ties_match_torch(name, device):
    torch = pytest.importorskip("torch")
    fn = KINKS[name]
    x = gg.tensor(_TIES, device=device, requires_grad=True)
    tx = torch.tensor(_TIES, requires_grad=True)
    y, ty = fn(gg_namespace(device), x), fn(torch_namespace(torch), tx)
    np.testing.assert_allclose(y.detach().cpu().numpy(), ty.detach().numpy(), err_msg=name)
    w = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    (y * gg.tensor(w, device=device)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy(), err_msg=name)


@pytest.mark.parametrize("case,sig", PARAMS)
@pytest.mark.parametrize("dtype", [gg.float32, gg.float16], ids=["float32", "float16"])
def test_no_upcast(case, sig, dtype, device):
    """No op upcasts: float32 (or float16) inputs give outputs and gradients of the same dtype."""
    if case.name == "cast":
        pytest.skip("casts to float64 on purpose")
    ns = gg_namespace(device, dtype)
    inputs = [gg.tensor(v, dtype=dtype, device=device, requires_grad=True) for v in host_inputs(case, sig)]
    outs = _tensors(case.fn(ns, *inputs, **case.kwargs))
    for o in outs:
        assert o.dtype in (dtype, gg.int64), (case.name, o.dtype)
    loss = sum((o.sum() for o in outs if o.requires_grad), gg.zeros((), device=device))
    if loss.requires_grad:
        loss.backward()
    for x in inputs:
        assert x.grad is None or x.grad.dtype == dtype, (case.name, x.grad.dtype)


# -- broadcasting, property-based: random compatible shape pairs through every binary op ---------------------------
def _broadcast_pairs():
    from hypothesis import strategies as st

    @st.composite
    def pair(draw):
        out = draw(st.lists(st.integers(1, 3), min_size=0, max_size=4))
        shapes = []
        for _ in range(2):
            lead = draw(st.integers(0, len(out)))                # drop some leading dims
            shapes.append(tuple(1 if draw(st.booleans()) else n for n in out[lead:]))
        return tuple(shapes)
    return pair()


_BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
           "div": lambda a, b: a / (b * b + 1), "pow": lambda a, b: (a * a + 1) ** b,
           "remainder": lambda a, b: (a * a + 1) % (b * b + 2)}


def test_broadcasting_gradients_match_torch_for_random_shapes():
    torch = pytest.importorskip("torch")
    hypothesis = pytest.importorskip("hypothesis")

    @hypothesis.settings(max_examples=60, deadline=None, derandomize=True)
    @hypothesis.given(_broadcast_pairs(), hypothesis.strategies.sampled_from(sorted(_BINARY) + ["maximum",
                                                                                             "where"]))
    def check(shapes, name):
        rng = np.random.default_rng(0)
        a, b = (rng.standard_normal(s) for s in shapes)
        xs = [gg.tensor(v, requires_grad=True) for v in (a, b)]
        ts = [torch.tensor(v, requires_grad=True) for v in (a, b)]
        if name == "maximum":
            y, ty = gg.maximum(*xs), torch.maximum(*ts)
        elif name == "where":
            y, ty = gg.where(xs[0] > 0, xs[0], xs[1]), torch.where(ts[0] > 0, ts[0], ts[1])
        else:
            y, ty = _BINARY[name](*xs), _BINARY[name](*ts)
        assert tuple(y.shape) == tuple(ty.shape)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        w = rng.standard_normal(tuple(ty.shape))
        (y * gg.tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        for x, t in zip(xs, ts):
            assert x.grad.shape == tuple(t.shape)
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    check()


# -- seeded random sweeps against PyTorch: indexing keys and reductions' dim/keepdim ---------------------------------
def _random_key(rnd, rng, shape):
    key, i, ellipsis = [], 0, False
    while i < len(shape) and rnd.random() > 0.15:
        r, n = rnd.random(), shape[i]
        if r < 0.25:
            key.append(rnd.randint(-n, n - 1))
        elif r < 0.55:
            key.append(slice(rnd.randint(-n, n), rnd.randint(-n, n), rnd.randint(1, 3)))
        elif r < 0.65:
            key.append(None)
            continue
        elif r < 0.72 and not ellipsis:
            key.append(Ellipsis)
            ellipsis, i = True, len(shape) - rnd.randint(0, len(shape) - i)
            continue
        elif r < 0.85:
            key.append(rng.integers(-n, n, rnd.randint(1, 4)))
        else:
            key.append(rng.random(n) > 0.5)
        i += 1
    return tuple(key)


def _vjp_matches(x, y, tx, ty, rng, torch):
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(tuple(ty.shape))
    (y * gg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_random_indexing_keys_match_torch():
    torch = pytest.importorskip("torch")
    import random
    rnd, rng, checked = random.Random(5), np.random.default_rng(5), 0
    while checked < 200:
        shape = tuple(rnd.randint(1, 4) for _ in range(rnd.randint(1, 3)))
        a, key = rng.standard_normal(shape), _random_key(rnd, rng, shape)
        try:
            tx = torch.tensor(a, requires_grad=True)
            ty = tx[tuple(torch.tensor(k) if isinstance(k, np.ndarray) else k for k in key)]
        except (IndexError, RuntimeError, ValueError):
            continue                            # not a valid key for PyTorch: nothing to compare
        x = gg.tensor(a, requires_grad=True)
        y = x[tuple(gg.tensor(k) if isinstance(k, np.ndarray) else k for k in key)]
        _vjp_matches(x, y, tx, ty, rng, torch)
        checked += 1


_REDUCTIONS = {
    "sum": lambda m, x, d, k: x.sum(d, keepdim=k), "mean": lambda m, x, d, k: x.mean(d, keepdim=k),
    "var": lambda m, x, d, k: x.var(d, keepdim=k), "std": lambda m, x, d, k: x.std(d, keepdim=k, correction=0),
    "amax": lambda m, x, d, k: m.amax(x, d, keepdim=k), "amin": lambda m, x, d, k: m.amin(x, d, keepdim=k),
    "logsumexp": lambda m, x, d, k: m.logsumexp(x, d, keepdim=k),
    "norm": lambda m, x, d, k: m.norm(x, 3, d, keepdim=k), "norm_inf": lambda m, x, d, k: m.norm(x, float("inf"), d,
                                                                                                  keepdim=k),
}


def test_random_reduction_dims_match_torch():
    torch = pytest.importorskip("torch")
    import random
    rnd, rng = random.Random(7), np.random.default_rng(7)
    for _ in range(40):
        nd = rnd.randint(1, 4)
        shape = tuple(rnd.randint(1, 4) for _ in range(nd))
        d = tuple(a - nd * rnd.randint(0, 1) for a in rnd.sample(range(nd), rnd.randint(1, nd)))
        d = d[0] if len(d) == 1 and rnd.random() < 0.5 else d
        k = rnd.random() < 0.5
        a = rng.standard_normal(shape)
        for name, f in _REDUCTIONS.items():
            if name == "var" and np.prod([shape[i] for i in np.atleast_1d(d)]) == 1:
                continue                        # var of one element with correction 1: 0/0 in both
            x, tx = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            _vjp_matches(x, f(gg, x, d, k), tx, f(torch, tx, d, k), rng, torch)


@pytest.mark.parametrize("weight", [None, np.array([1.0, 2.0, 0.5])])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradients(weight, smoothing, device):
    """As PyTorch: a 'mean' over no valid target is 0/0 = NaN, and the logits' gradients are 0."""
    x = gg.randn(2, 3, dtype=gg.float64, device=device, requires_grad=True)
    w = None if weight is None else gg.tensor(weight, device=device)
    loss = nn_ops.cross_entropy(x, gg.tensor([-100, -100], device=device), weight=w, label_smoothing=smoothing)
    assert np.isnan(loss.item())
    loss.backward()
    assert np.all(x.grad.cpu().numpy() == 0.0)
