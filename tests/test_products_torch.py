"""dot, vdot, inner, outer/ger, mv and trace against PyTorch: integer and float dtypes (result dtypes included),
out=, the Tensor methods and their keyword names, and the errors (PyTorch's exception class for the same bad
call). (tests/op_table.py holds the float64 gradient, forward-mode and second-order checks.)"""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

rng = np.random.default_rng(7)
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int8", "uint8", "int16"]


def _arr(shape, dtype):
    if np.dtype(dtype).kind == "f":
        return rng.uniform(-2, 2, shape).astype(dtype)
    return rng.integers(0, 5, shape).astype(dtype)


def _both(*arrays):
    return [gg.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def _same(g, t):
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(g.shape) == tuple(t.shape)
    tol = 1e-2 if t.dtype == torch.float16 else 1e-5
    np.testing.assert_allclose(g.numpy().astype(np.float64), t.numpy().astype(np.float64), rtol=tol, atol=tol)


pytestmark = pytest.mark.filterwarnings("ignore:torch.ger is deprecated")

# (name, shapes): a call of each op on inputs of the same dtype
CALLS = [("dot", [(5,), (5,)]), ("dot", [(0,), (0,)]), ("dot", [(1,), (1,)]), ("vdot", [(4,), (4,)]),
         ("inner", [(2, 3), (4, 3)]), ("inner", [(3,), (3,)]), ("inner", [(2, 1, 3), (2, 3)]),
         ("inner", [(), (2, 3)]), ("inner", [(0, 3), (2, 3)]), ("inner", [(3, 0), (2, 0)]),
         ("outer", [(3,), (4,)]), ("outer", [(0,), (2,)]), ("ger", [(2,), (3,)]),
         ("mv", [(2, 3), (3,)]), ("mv", [(0, 3), (3,)]), ("mv", [(2, 0), (0,)]), ("mv", [(1, 1), (1,)]),
         ("trace", [(3, 3)]), ("trace", [(2, 5)]), ("trace", [(5, 2)]), ("trace", [(0, 3)]), ("trace", [(1, 1)])]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,shapes", CALLS, ids=[f"{n}-{'_'.join(map(str, s))}" for n, s in CALLS])
def test_values_and_dtypes(name, shapes, dtype):
    gs, ts = _both(*[_arr(s, dtype) for s in shapes])
    _same(getattr(gg, name)(*gs), getattr(torch, name)(*ts))
    _same(getattr(gs[0], name)(*gs[1:]), getattr(ts[0], name)(*ts[1:]))


@pytest.mark.parametrize("name,shapes", [("dot", [(4,), (4,)]), ("vdot", [(4,), (4,)]), ("inner", [(2, 3), (4, 3)]),
                                         ("outer", [(3,), (2,)]), ("ger", [(3,), (2,)]), ("mv", [(2, 3), (3,)])])
def test_out(name, shapes):
    gs, ts = _both(*[_arr(s, "float32") for s in shapes])
    expected = getattr(torch, name)(*ts)
    g_out, t_out = gg.empty(0), torch.empty(0)
    assert getattr(gg, name)(*gs, out=g_out) is g_out
    getattr(torch, name)(*ts, out=t_out)
    _same(g_out, t_out)
    _same(g_out, expected)
    g_full = gg.empty(*expected.shape)
    getattr(gg, name)(*gs, out=g_full)
    _same(g_full, expected)


def test_ger_warns_as_torch():
    # PyTorch's ger warns once per process (TORCH_WARN_ONCE), which a test cannot replay: its text is checked here
    for call in (lambda: gg.ger(gg.ones(2), gg.ones(3)), lambda: gg.ones(2).ger(gg.ones(3))):
        with pytest.warns(UserWarning, match="torch.ger is deprecated and will be removed in a future PyTorch "
                                             "release. Use torch.outer instead."):
            call()


def test_gradients_float32():
    # the op table checks float64 by finite differences; here the float32 gradients against torch's autograd
    arrays = [_arr((3, 4), "float32"), _arr((4,), "float32"), _arr((4,), "float32"), _arr((4, 4), "float32")]
    gs, ts = _both(*arrays)
    for x in gs + ts:
        x.requires_grad_(True)

    def f(ns, m, v, w, sq):
        return (ns.mv(m, v).sum() + ns.dot(v, w) * ns.vdot(w, v) + ns.inner(m, w).pow(2).sum()
                + ns.outer(v, w).mul(sq).sum() + ns.ger(w, v).sum() * ns.trace(sq) + sq.trace() * m.trace())

    f(gg, *gs).backward()
    f(torch, *ts).backward()
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_promotion_where_torch_promotes():
    a, b = np.array([1, 2, 3]), np.array([0.5, 1.5])
    (ga, gb), (ta, tb) = _both(a, b)
    _same(gg.outer(ga, gb), torch.outer(ta, tb))
    _same(gg.ger(gb, ga), torch.ger(tb, ta))
    s = np.array(2)
    (gs_, gb2), (ts_, tb2) = _both(s, b)
    _same(gg.inner(gs_, gb2), torch.inner(ts_, tb2))
    _same(gg.inner(gb2, gs_), torch.inner(tb2, ts_))
    (gt, gb3), (tt, tb3) = _both(np.array(True), np.array([True, False]))
    _same(gg.inner(gt, gb3), torch.inner(tt, tb3))


def _raises_like(call):
    with pytest.raises(Exception) as t_err:
        call(torch)
    with pytest.raises(Exception) as g_err:
        call(gg)
    assert type(g_err.value) is type(t_err.value) or isinstance(g_err.value, type(t_err.value)), (
        f"gpugrad raised {type(g_err.value).__name__}, torch {type(t_err.value).__name__}")
    assert str(g_err.value)


ERRORS = {
    "dot_2d": lambda ns: ns.dot(ns.ones(2, 2), ns.ones(2, 2)),
    "dot_0d": lambda ns: ns.dot(ns.tensor(1.0), ns.tensor(1.0)),
    "dot_size": lambda ns: ns.dot(ns.ones(2), ns.ones(3)),
    "dot_dtype": lambda ns: ns.dot(ns.ones(2), ns.ones(2, dtype=ns.float64)),
    "dot_int_float": lambda ns: ns.dot(ns.ones(2), ns.ones(2, dtype=ns.int64)),
    "dot_bool": lambda ns: ns.dot(ns.ones(2, dtype=ns.bool), ns.ones(2, dtype=ns.bool)),
    "dot_list": lambda ns: ns.dot(ns.ones(2), [1.0, 2.0]),
    "dot_out_dtype": lambda ns: ns.dot(ns.ones(2), ns.ones(2), out=ns.empty((), dtype=ns.int64)),
    "dot_method_dtype": lambda ns: ns.ones(2).dot(ns.ones(2, dtype=ns.float64)),
    "vdot_2d": lambda ns: ns.vdot(ns.ones(2, 2), ns.ones(2, 2)),
    "vdot_size": lambda ns: ns.vdot(ns.ones(2), ns.ones(3)),
    "vdot_dtype": lambda ns: ns.vdot(ns.ones(2), ns.ones(2, dtype=ns.int32)),
    "inner_last_dim": lambda ns: ns.inner(ns.ones(2, 3), ns.ones(4, 2)),
    "inner_dtype": lambda ns: ns.inner(ns.ones(2, 3), ns.ones(4, 3, dtype=ns.float64)),
    "inner_bool": lambda ns: ns.inner(ns.ones(2, dtype=ns.bool), ns.ones(2, dtype=ns.bool)),
    "outer_2d": lambda ns: ns.outer(ns.ones(2, 2), ns.ones(2)),
    "outer_0d": lambda ns: ns.outer(ns.ones(2), ns.tensor(1.0)),
    "ger_2d": lambda ns: ns.ger(ns.ones(2), ns.ones(2, 1)),
    "mv_1d": lambda ns: ns.mv(ns.ones(2), ns.ones(2)),
    "mv_3d": lambda ns: ns.mv(ns.ones(2, 2, 2), ns.ones(2)),
    "mv_2d_vec": lambda ns: ns.mv(ns.ones(2, 2), ns.ones(2, 1)),
    "mv_size": lambda ns: ns.mv(ns.ones(2, 3), ns.ones(2)),
    "mv_dtype": lambda ns: ns.mv(ns.ones(2, 2), ns.ones(2, dtype=ns.float64)),
    "mv_bool": lambda ns: ns.mv(ns.ones(2, 2, dtype=ns.bool), ns.ones(2, dtype=ns.bool)),
    "trace_1d": lambda ns: ns.trace(ns.ones(3)),
    "trace_0d": lambda ns: ns.trace(ns.tensor(1.0)),
    "trace_3d": lambda ns: ns.ones(2, 2, 2).trace(),
    "trace_bool": lambda ns: ns.trace(ns.ones(2, 2, dtype=ns.bool)),
    "out_requires_grad": lambda ns: ns.mv(ns.ones(2, 2, requires_grad=True), ns.ones(2), out=ns.empty(2)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors(name):
    _raises_like(ERRORS[name])


def test_keyword_names():
    v, w, m = gg.tensor([1.0, 2.0]), gg.tensor([3.0, 4.0]), gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    tv, tw, tm = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    _same(gg.dot(input=v, tensor=w), torch.dot(input=tv, tensor=tw))
    _same(gg.vdot(input=v, other=w), torch.vdot(input=tv, other=tw))
    _same(gg.inner(input=m, other=w), torch.inner(input=tm, other=tw))
    _same(gg.outer(input=v, vec2=w), torch.outer(input=tv, vec2=tw))
    _same(gg.ger(input=v, vec2=w), torch.ger(input=tv, vec2=tw))
    _same(gg.mv(input=m, vec=w), torch.mv(input=tm, vec=tw))
    _same(gg.trace(input=m), torch.trace(input=tm))
    _same(v.dot(tensor=w), tv.dot(tensor=tw))
    _same(v.outer(vec2=w), tv.outer(vec2=tw))
    _same(m.mv(vec=w), tm.mv(vec=tw))


def test_noncontiguous_inputs():
    a = _arr((4, 6), "float64")
    ga, ta = gg.tensor(a), torch.tensor(a)
    _same(gg.dot(ga[:, 0], ga[:, 1]), torch.dot(ta[:, 0], ta[:, 1]))
    _same(gg.mv(ga.t(), ga[::2, 0][:2].repeat(2)), torch.mv(ta.t(), ta[::2, 0][:2].repeat(2)))
    _same(gg.trace(ga[::2, ::3]), torch.trace(ta[::2, ::3]))
    _same(gg.inner(ga.t(), ga.t()[:2]), torch.inner(ta.t(), ta.t()[:2]))
