"""Gradient dtypes, as PyTorch keeps them: every entry of tests/op_table.py run in float32 and float64 gives
each input a gradient of its own dtype, and so does every node of the graph in between (PyTorch's engine
casts each gradient to its input's dtype; gpugrad's ops must return it so). The leaf cast in
``engine._store_grad`` would hide an op that upcasts, so this looks at the gradient each node receives
(a hook on the node, which sees it before any cast) and at the raw gradient reaching a leaf (a leaf hook
runs before the cast too), not only at ``.grad``."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.autograd import function as _function
from gpugrad.autograd.op import Op
from gpugrad.tensor import Tensor

from op_table import BINARY, UNARY, Case, signatures
from test_ops_gradcheck import gg_namespace, host_inputs, torch_namespace, _tensors

# functional ops the table leaves to other files (in-place activations, smooth_l1_loss)
EXTRA = [
    Case("smooth_l1_loss", lambda ns, a, b: ns.smooth_l1_loss(a, b, beta=0.5), [((3, 4), (3, 4)), BINARY[-1]]),
    Case("smooth_l1_loss_beta0_none", lambda ns, a, b: ns.smooth_l1_loss(a, b, reduction="none", beta=0.0),
         BINARY[:1]),
    Case("inplace_activations", lambda ns, a: ns.relu_(a * 1.0) + ns.leaky_relu_(a * 1.0, 0.2)
         + ns.hardtanh_(a * 1.0) + ns.threshold_(a * 1.0, 0.1, 2.0) + ns.celu_(a * 1.0) + ns.selu_(a * 1.0)
         + ns.rrelu_(a * 1.0), UNARY[:2], domain="kinks"),
]
PARAMS = [pytest.param(c, s, id=i) for c, s, i in signatures() if c.name != "cast"]   # cast: float64 on purpose
PARAMS += [pytest.param(c, tuple(s), id=f"{c.name}[{j}]") for c in EXTRA for j, s in enumerate(c.inputs)]


def _record_output_dtypes(monkeypatch):
    """{node: dtype of the tensor it made} for every node recorded from now on (Tensor._make is where every
    recorded output is wrapped; Functions' nodes keep their outputs' dtypes in ``out_meta``)."""
    made = {}
    make = Tensor._make

    def recording_make(data, grad_fn, *args, **kwargs):
        if grad_fn is not None:
            made[grad_fn] = data.dtype
        return make(data, grad_fn, *args, **kwargs)
    monkeypatch.setattr(Tensor, "_make", staticmethod(recording_make))
    return made


def _expected_dtype(node, made):
    if node in made:
        return made[node]
    if isinstance(node, _function._Select):
        return node.next[0].out_meta[node.index][1]
    if isinstance(node, _function._FunctionNode) and len(node.out_meta) == 1:
        return node.out_meta[0][1]
    return None


def _nodes(outputs):
    seen, stack, order = set(), [o.grad_fn for o in outputs if o.grad_fn is not None], []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(e for e in node.next if isinstance(e, Op))   # leaves are weak references
    return order


def _dtype_of(g):
    items = getattr(g, "items", None)          # a multi-output Function's gradients, by position
    if items is not None:
        return {i.dtype.name for i in items if i is not None}
    return {g.dtype.name}


def _backward_checking_dtypes(outs, leaves, made):
    """Backpropagate ones from ``outs`` with a hook on every node and leaf on the way; returns the list of
    gradients that arrived in another dtype than the tensor they are the gradient of."""
    wrong, calls = [], []

    def checker(what, expected):
        def hook(g):
            calls.append(what)
            got = _dtype_of(g)
            if got != {expected.name}:
                wrong.append(f"{what} got {sorted(got)}, expected {expected}")
        return hook

    for node in _nodes(outs):
        expected = _expected_dtype(node, made)
        if expected is not None and expected.kind == "f":
            node._hooks = (node._hooks or []) + [checker(f"{type(node).__name__} (node)", expected)]
    for name, x in leaves:
        x.register_hook(checker(f"{name} (leaf)", x.dtype))
    gg.autograd.backward(outs, [gg.ones_like(o) for o in outs])
    assert calls, "no hook ran"
    return wrong


def _same_where_both(got, expected):
    """Gradient dtypes compared where both libraries give a gradient (None: no gradient)."""
    return [(g, e) for g, e in zip(got, expected) if g is not None and e is not None]


@pytest.mark.parametrize("case,sig", PARAMS)
@pytest.mark.parametrize("dtype", [gg.float32, gg.float64], ids=["float32", "float64"])
def test_gradients_keep_the_input_dtype(case, sig, dtype, device, monkeypatch):
    made = _record_output_dtypes(monkeypatch)
    ns = gg_namespace(device, dtype)
    inputs = [gg.tensor(v, dtype=dtype, device=device, requires_grad=True) for v in host_inputs(case, sig)]
    outs = [o for o in _tensors(case.fn(ns, *inputs, **case.kwargs)) if o.requires_grad]
    if not outs:
        pytest.skip("no differentiable output")
    wrong = _backward_checking_dtypes(outs, [(f"input {i}", x) for i, x in enumerate(inputs)], made)
    assert not wrong, f"{case.name}: {wrong}"
    expected = _torch_grad_dtypes(case, sig, dtype) if case.torch else [str(dtype)] * len(inputs)
    got = [None if x.grad is None else str(x.grad.dtype) for x in inputs]
    pairs = _same_where_both(got, expected)
    assert all(g == e for g, e in pairs), (case.name, got, expected)


def _torch_grad_dtypes(case, sig, dtype):
    """The dtypes of PyTorch's input gradients for the same expression (its constants in ``dtype`` too)."""
    torch = pytest.importorskip("torch")
    tdtype = getattr(torch, dtype.name)
    ns = torch_namespace(torch)
    ns.const = lambda a: torch.as_tensor(np.asarray(a), dtype=tdtype if np.asarray(a).dtype.kind == "f" else None)
    inputs = [torch.tensor(v, dtype=tdtype, requires_grad=True) for v in host_inputs(case, sig)]
    out = case.fn(ns, *inputs, **case.kwargs)
    outs = [o for o in ([out] if isinstance(out, torch.Tensor) else out)
            if isinstance(o, torch.Tensor) and o.requires_grad]
    torch.autograd.backward(outs, [torch.ones_like(o) for o in outs])
    return [None if x.grad is None else str(x.grad.dtype).replace("torch.", "gpugrad.") for x in inputs]


# -- modules with parameters: the parameters' gradients and every node's, in the module's dtype -------------------
MODULES = {
    "Linear": (lambda nn: nn.Linear(4, 3), (2, 4)),
    "Bilinear": (lambda nn: nn.Bilinear(4, 4, 2), (2, 4)),
    "BatchNorm1d": (lambda nn: nn.BatchNorm1d(4), (3, 4)),
    "LayerNorm": (lambda nn: nn.LayerNorm(4), (3, 4)),
    "GroupNorm": (lambda nn: nn.GroupNorm(2, 4), (3, 4, 2)),
    "InstanceNorm1d": (lambda nn: nn.InstanceNorm1d(4, affine=True), (3, 4, 5)),
    "RMSNorm": (lambda nn: nn.RMSNorm(4), (3, 4)),
    "PReLU": (lambda nn: nn.PReLU(4), (3, 4)),
    "MLP": (lambda nn: nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Dropout(0.0), nn.Linear(8, 2),
                                      nn.LogSoftmax(-1)), (5, 4)),
}


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("dtype", [gg.float32, gg.float64], ids=["float32", "float64"])
def test_module_gradients_keep_the_module_dtype(name, dtype, device, monkeypatch):
    torch = pytest.importorskip("torch")
    make, shape = MODULES[name]
    x = np.random.default_rng(0).standard_normal(shape)
    tm = make(torch.nn).to(getattr(torch, dtype.name))
    tx = torch.tensor(x, dtype=tm.parameters().__next__().dtype, requires_grad=True)
    (tm(tx, tx) if name == "Bilinear" else tm(tx)).sum().backward()
    expected = {n: str(p.grad.dtype).replace("torch.", "gpugrad.") for n, p in tm.named_parameters()}
    expected["input"] = str(tx.grad.dtype).replace("torch.", "gpugrad.")

    made = _record_output_dtypes(monkeypatch)
    m = make(gg.nn).to(device=device, dtype=dtype)
    gx = gg.tensor(x, dtype=dtype, device=device, requires_grad=True)
    out = m(gx, gx) if name == "Bilinear" else m(gx)
    wrong = _backward_checking_dtypes([out], [("input", gx)] + list(m.named_parameters()), made)
    assert not wrong, f"{name}: {wrong}"
    got = {n: str(p.grad.dtype) for n, p in m.named_parameters()}
    got["input"] = str(gx.grad.dtype)
    assert got == expected
