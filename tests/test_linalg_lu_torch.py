"""The LU family (gpugrad/ops/linalg_lu.py) against torch: values, pivots and info of lu_factor(_ex), lu,
lu_unpack's flags, lu_solve's options, float32, singular inputs, out=, the deprecated torch.lu_solve and
PyTorch's exception classes for bad calls. Gradients are checked through tests/op_table.py."""
import warnings

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
SHAPES = [(3, 3), (2, 4, 3), (3, 5), (1, 1), (0, 0), (2, 0, 3), (6, 6), (2, 1, 4, 4), (0, 3, 3)]


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, gg.Tensor) else t.detach().numpy()


def _same(g, t, tol=1e-10):
    assert tuple(g.shape) == tuple(t.shape)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (g.dtype, t.dtype)
    np.testing.assert_allclose(_np(g), _np(t), rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_factor_values_pivots_and_info(device, shape, dtype):
    a = RNG.standard_normal(shape).astype(dtype)
    tol = 1e-10 if dtype == "float64" else 1e-4
    for g, t in zip(gg.linalg.lu_factor_ex(gg.tensor(a, device=device)), torch.linalg.lu_factor_ex(torch.tensor(a))):
        _same(g, t, tol)
    for g, t in zip(gg.linalg.lu_factor(gg.tensor(a, device=device)), torch.linalg.lu_factor(torch.tensor(a))):
        _same(g, t, tol)
    P, L, U = gg.linalg.lu(gg.tensor(a, device=device))
    for g, t in zip((P, L, U), torch.linalg.lu(torch.tensor(a))):
        _same(g, t, tol)
    np.testing.assert_allclose(_np(P @ L @ U), a, rtol=tol, atol=tol)


@pytest.mark.parametrize("a", [[[0.0, 1.0], [0.0, 2.0]], [[1.0, 1.0], [1.0, 1.0]], [[[2.0, 1.0], [1.0, 3.0]],
                                                                                      [[0.0, 0.0], [0.0, 0.0]]]])
def test_singular(device, a):
    for g, t in zip(gg.linalg.lu_factor_ex(gg.tensor(a, device=device)), torch.linalg.lu_factor_ex(torch.tensor(a))):
        _same(g, t)
    for g, t in zip(gg.linalg.lu(gg.tensor(a, device=device)), torch.linalg.lu(torch.tensor(a))):
        _same(g, t)
    with pytest.raises(RuntimeError) as te:
        torch.linalg.lu_factor(torch.tensor(a))
    with pytest.raises(RuntimeError) as ge:
        gg.linalg.lu_factor(gg.tensor(a, device=device))
    assert str(ge.value) == str(te.value)
    with pytest.raises(type(te.value)):
        gg.linalg.lu_factor_ex(gg.tensor(a, device=device), check_errors=True)
    with pytest.raises(RuntimeError):
        torch.linalg.lu_factor_ex(torch.tensor(a), check_errors=True)


@pytest.mark.parametrize("data,piv", [(True, True), (False, True), (True, False), (False, False)])
def test_unpack_flags(device, data, piv):
    a = RNG.standard_normal((2, 3, 4))
    gres = gg.lu_unpack(*gg.linalg.lu_factor(gg.tensor(a, device=device)), unpack_data=data, unpack_pivots=piv)
    tres = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor(a)), unpack_data=data, unpack_pivots=piv)
    for g, t in zip(gres, tres):
        _same(g, t)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
@pytest.mark.parametrize("ash,bsh", [((3, 3), (3, 2)), ((2, 1, 4, 4), (3, 4, 4)), ((3, 3), (2, 3, 3))])
def test_lu_solve(device, left, adjoint, ash, bsh):
    a, b = RNG.standard_normal(ash), RNG.standard_normal(bsh)
    if not left:
        b = np.swapaxes(b, -1, -2)
    g = gg.linalg.lu_solve(*gg.linalg.lu_factor(gg.tensor(a, device=device)), gg.tensor(b, device=device),
                           left=left, adjoint=adjoint)
    t = torch.linalg.lu_solve(*torch.linalg.lu_factor(torch.tensor(a)), torch.tensor(b), left=left, adjoint=adjoint)
    _same(g, t, 1e-9)


def test_deprecated_lu_solve_and_out(device):
    a, b = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 2))
    LU, piv = gg.linalg.lu_factor(gg.tensor(a, device=device))
    tLU, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    with pytest.warns(UserWarning, match="deprecated"):
        g = gg.lu_solve(gg.tensor(b, device=device), LU, piv)
    with warnings.catch_warnings():             # torch warns once per process
        warnings.simplefilter("ignore")
        t = torch.lu_solve(torch.tensor(b), tLU, tpiv)
    _same(g, t)
    out = (gg.empty(0, dtype=gg.float64, device=device), gg.empty(0, dtype=gg.int32, device=device))
    res = gg.linalg.lu_factor(gg.tensor(a, device=device), out=out)
    assert res[0] is out[0] and res[1] is out[1]
    _same(out[0], tLU)
    _same(out[1], tpiv)


def _raises_like(gfn, tfn):
    with pytest.raises(Exception) as te:
        tfn()
    with pytest.raises(type(te.value)) as ge:
        gfn()
    assert type(ge.value) is type(te.value), (ge.value, te.value)
    return ge.value, te.value


M = np.arange(9.0).reshape(3, 3) + np.eye(3) * 5


@pytest.mark.parametrize("call", [
    lambda ns: ns.linalg.lu_factor(ns.zeros(3)),
    lambda ns: ns.linalg.lu_factor(ns.zeros(3, 3, dtype=ns.int64)),
    lambda ns: ns.linalg.lu(ns.zeros(3)),
    lambda ns: ns.linalg.lu(ns.zeros(2, 2, dtype=ns.int32)),
    lambda ns: ns.linalg.lu(ns.eye(2, dtype=ns.bool)),
    lambda ns: ns.linalg.lu_factor_ex(ns.zeros(4)),
    lambda ns: ns.linalg.lu_factor(ns.tensor(M), pivot=False),
    lambda ns: ns.linalg.lu(ns.tensor(M), pivot=False),
    lambda ns: ns.linalg.lu_solve(*ns.linalg.lu_factor(ns.tensor(M)), ns.zeros(4, 2, dtype=ns.float64)),
    lambda ns: ns.linalg.lu_solve(*ns.linalg.lu_factor(ns.tensor(M)), ns.zeros(3, dtype=ns.float64)),
    lambda ns: ns.linalg.lu_solve(*ns.linalg.lu_factor(ns.tensor(M)), ns.zeros(3, 2)),
    lambda ns: ns.linalg.lu_solve(ns.linalg.lu_factor(ns.tensor(M))[0], ns.linalg.lu_factor(ns.tensor(M))[1].long(),
                                  ns.zeros(3, 2, dtype=ns.float64)),
    lambda ns: ns.linalg.lu_solve(ns.linalg.lu_factor(ns.tensor(M))[0], ns.linalg.lu_factor(ns.tensor(M))[1][:2],
                                  ns.zeros(3, 2, dtype=ns.float64)),
    lambda ns: ns.linalg.lu_solve(ns.linalg.lu_factor(ns.tensor(M))[0][:, :2], ns.linalg.lu_factor(ns.tensor(M))[1],
                                  ns.zeros(3, 2, dtype=ns.float64)),
    lambda ns: ns.linalg.lu_solve(*ns.linalg.lu_factor(ns.tensor(M)), ns.zeros(2, 4, dtype=ns.float64), left=False),
    lambda ns: ns.lu_unpack(ns.zeros(3), ns.zeros(3, dtype=ns.int32)),
    lambda ns: ns.lu_unpack(ns.linalg.lu_factor(ns.tensor(M))[0], ns.linalg.lu_factor(ns.tensor(M))[1].long()),
])
def test_errors_match_torch(call):
    g, t = _raises_like(lambda: call(gg), lambda: call(torch))
    assert str(g).split(":")[0] == str(t).split(":")[0], (str(g), str(t))
    if isinstance(t, NotImplementedError):
        assert str(g) == str(t)


@pytest.mark.parametrize("shape", [(2, 0, 0), (0, 0), (3, 3), (2, 3, 3)], ids=str)
def test_inv_ex_info_shares_the_factorization(device, shape):
    """inv_ex/solve_ex's info comes from the same getrf (it failed on (..., 0, 0) inputs before)."""
    a = RNG.standard_normal(shape)
    if a.size:
        a[..., 1, :] = a[..., 0, :]                        # singular: info = index of the zero pivot
    for g, t in zip(gg.linalg.inv_ex(gg.tensor(a, device=device)), torch.linalg.inv_ex(torch.tensor(a))):
        assert tuple(g.shape) == tuple(t.shape)
        if g.dtype == gg.int32:
            _same(g, t)


def test_no_pivoting_off_the_cpu(device):
    """pivot=False (a GPU feature in PyTorch): on a diagonally dominant matrix partial pivoting swaps no rows,
    so torch's pivoted factors are the oracle; P is empty. On the CPU both libraries raise (checked above)."""
    a = RNG.standard_normal((2, 4, 3)) + 8 * np.eye(4, 3)
    x = gg.tensor(a, device=device)
    tLU, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    if x.device.type == "cpu":                 # the factorization itself, below the CPU check
        from gpugrad.ops.linalg_lu import getrf
        lu, piv, info = getrf(x.xp, x._data, pivot=False)
        np.testing.assert_allclose(_np(gg.tensor(lu)), _np(tLU), rtol=1e-10, atol=1e-10)
        np.testing.assert_array_equal(_np(gg.tensor(piv)), _np(tpiv))
        return
    LU, piv = gg.linalg.lu_factor(x, pivot=False)
    _same(LU, tLU)
    _same(piv, tpiv)
    P, L, U = gg.linalg.lu(x, pivot=False)
    assert tuple(P.shape) == (0,)
    for g, t in zip((L, U), torch.linalg.lu(torch.tensor(a))[1:]):
        _same(g, t)


@pytest.mark.parametrize("get_infos", [False, True])
def test_deprecated_lu_and_methods(device, get_infos):
    a = RNG.standard_normal((2, 3, 3))
    a[1, 1] = a[1, 0]                                      # singular: no error, info reported
    b = RNG.standard_normal((2, 3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tres = torch.lu(torch.tensor(a), get_infos=get_infos)
        tmeth = torch.tensor(a).lu(get_infos=get_infos)
        tsol = torch.tensor(b[:1]).lu_solve(*torch.lu(torch.tensor(a[:1])))
    with pytest.warns(UserWarning, match="deprecated"):
        gres = gg.lu(gg.tensor(a, device=device), get_infos=get_infos)
    with pytest.warns(UserWarning, match="deprecated"):
        gmeth = gg.tensor(a, device=device).lu(get_infos=get_infos)
    assert len(gres) == len(tres) == len(gmeth)
    for g, m, t in zip(gres, gmeth, tres):
        _same(g, t)
        _same(m, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gsol = gg.tensor(b[:1], device=device).lu_solve(*gg.lu(gg.tensor(a[:1], device=device)))
    _same(gsol, tsol)
