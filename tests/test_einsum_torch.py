"""einsum's grammar against PyTorch (values and gradients, float64, on every test device): ellipses of
different ranks that broadcast, repeated subscripts (diagonals), implicit outputs, the sublist format, size-0
and size-1 dims; finite-difference gradient checks; and PyTorch's error conditions."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.autograd import gradcheck

torch = pytest.importorskip("torch")

E = Ellipsis
# (equation or (sublists...), shapes)
CASES = [
    ("...ij,jk->...ik", [(2, 3, 4, 5), (5, 6)]),
    ("...i,...i->...", [(3, 1, 4), (2, 4)]),
    ("...i,...i", [(3, 1, 4), (2, 4)]),               # implicit: the ellipsis' dims
    ("...,...", [(2, 1), (3,)]),
    ("i...,i...->...", [(2, 3), (2, 1, 3)]),
    ("ab...,b...->a...", [(2, 3, 4), (3,)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i...i", [(3, 2, 3)]),
    ("i...j->...", [(2, 3)]),
    ("...->...", [()]),
    ("i->...", [(3,)]),
    ("i->i...", [(3,)]),
    ("...ij,...jk->...ik", [(1, 2, 3), (4, 1, 3, 2)]),
    ("bA,Ab", [(2, 3), (3, 2)]),                     # upper case sorts before lower case
    ("bA", [(2, 3)]),
    ("iij->ji", [(2, 2, 3)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("->", [()]),
    (",->", [(), ()]),
    ("i,->i", [(3,), ()]),
    ("i,i->i", [(3,), (1,)]),
    ("i->", [(0,)]),
    ("ij,jk", [(2, 0), (0, 3)]),
    ("ij,jk->ik", [(1, 1), (1, 1)]),
    (([0, 1], [1, 2], [0, 2]), [(2, 3), (3, 4)]),
    (([0, 1], [1, 2]), [(2, 3), (3, 4)]),
    (([E, 1], [1, 2], [E, 2]), [(5, 2, 3), (3, 4)]),
    (([0, 0], [0]), [(3, 3)]),
    (([51, 26],), [(3, 3)]),
    (([0, E],), [(2, 3)]),
    (([E, 0, 1], [1, E]), [(5, 2, 3)]),
]


def _call(L, eq, xs):
    if isinstance(eq, str):
        return L.einsum(eq, *xs)
    args = []
    for x, sub in zip(xs, eq):
        args += [x, list(sub)]
    return L.einsum(*args, *[list(s) for s in eq[len(xs):]])


def _id(case):
    eq, shapes = case
    return (eq if isinstance(eq, str) else "sublist" + str(eq).replace("Ellipsis", "...")) + str(shapes)


@pytest.mark.parametrize("eq,shapes", CASES, ids=[_id(c) for c in CASES])
def test_einsum_matches_torch(eq, shapes, device):
    rng = np.random.default_rng(len(shapes) + sum(map(len, shapes)))
    arrays = [rng.standard_normal(s) for s in shapes]
    res = {}
    for L in (gg, torch):
        xs = [(L.tensor(a, device=device) if L is gg else L.tensor(a)).requires_grad_() for a in arrays]
        y = _call(L, eq, xs)
        w = np.random.default_rng(1).standard_normal(tuple(y.shape))
        (y * (L.tensor(w, device=device) if L is gg else L.tensor(w))).sum().backward()
        res[L] = [y.detach().cpu().numpy() if L is gg else y.detach().numpy()] + \
                 [x.grad.cpu().numpy() if L is gg else x.grad.numpy() for x in xs]
    for g, t in zip(res[gg], res[torch]):
        assert g.shape == t.shape
        np.testing.assert_allclose(g, t, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("eq,shapes", [("...ij,jk->...ik", [(2, 3, 2, 3), (3, 2)]),
                                       ("...i,...i->...", [(3, 1, 4), (2, 4)]),
                                       ("i...i,j->j...", [(2, 3, 2), (2,)]),
                                       (([E, 0, 1], [1, 2], [2, E]), [(2, 2, 3), (3, 2)])])
def test_einsum_gradcheck(eq, shapes, device):
    rng = np.random.default_rng(0)
    xs = [gg.tensor(rng.standard_normal(s), device=device, requires_grad=True) for s in shapes]
    assert gradcheck(lambda *ts: _call(gg, eq, ts), xs)


ERRORS = [
    ("i,i->", [(3,), (2,)], r"subscript 'i' has size 3 in one operand and 2"),
    ("...i,...i->...i", [(2, 3), (4, 3)], "a dim covered by the ellipsis has size 2 in one operand and 4"),
    ("ij->ijk", [(2, 3)], "output subscript 'k' does not appear"),
    ("ii->ii", [(2, 2)], "output subscript 'i' appears more than once"),
    ("ii", [(2, 3)], "repeated in 'ii' over dims of sizes 2 and 3"),
    ("ij", [(2,)], r"operand 0 of shape \(2,\) has 1 dim\(s\) but its subscripts 'ij' name 2"),
    ("...ij->...", [(3,)], "name 2 besides the ellipsis"),
    ("....", [(2,)], "not part of one ellipsis"),
    ("i..", [(3,)], "not part of one ellipsis"),
    ("i->i->i", [(2,)], "invalid equation"),
    ("a-b", [(2, 2)], "invalid equation"),
    ("i1", [(2, 2)], "invalid subscript '1'"),
    ("ij,jk->ik", [(2, 3)], "has 2 operand"),
    ("i", [(3,), (3,)], "has 1 operand"),
]


@pytest.mark.parametrize("eq,shapes,msg", ERRORS, ids=[e[0] for e in ERRORS])
def test_einsum_errors_as_torch(eq, shapes, msg):
    with pytest.raises(RuntimeError):
        torch.einsum(eq, *[torch.ones(s) for s in shapes])
    with pytest.raises(RuntimeError, match=msg):
        gg.einsum(eq, *[gg.ones(s) for s in shapes])


def test_einsum_sublist_and_dtype_errors_as_torch():
    for L in (gg, torch):
        a = L.ones(2, 3)
        for bad in ([0, 52], [0, -1]):
            with pytest.raises(ValueError, match="not within the valid range"):
                L.einsum(a, bad)
        with pytest.raises(TypeError):
            L.einsum(a, [0, 1.0])
        with pytest.raises(RuntimeError, match="dtype|scalar type"):
            L.einsum("ij,jk", a, L.ones(3, 4, dtype=L.float64))
