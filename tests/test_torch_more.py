"""sort/argsort/topk, cumsum, repeat, narrow, unbind, square, isclose, var_mean/std_mean, t, numel, rand_like/randn_like,
F.one_hot and F.embedding against PyTorch (the oracle): values and, where they are differentiable, gradients
(float64, every input)."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_rng = np.random.default_rng(7)
X = _rng.standard_normal((3, 5))
X[1, 2] = X[1, 4]                   # a tie, for the sorts' tie order
E = _rng.standard_normal((4, 3))

CASES = [
    ("sort", lambda L, F, x: L.sort(x, dim=1).values),
    ("sort_desc_kw", lambda L, F, x: x.sort(dim=0, descending=True).values * 2),
    ("sort_indices", lambda L, F, x: L.sort(input=x, dim=-1, descending=True, stable=True).indices),
    ("sort_stable_indices", lambda L, F, x: L.sort(x.round(), stable=True).indices),
    ("argsort", lambda L, F, x: L.argsort(x, dim=1, descending=True)),
    ("topk", lambda L, F, x: L.topk(x, k=2, dim=1).values),
    ("topk_smallest", lambda L, F, x: x.topk(3, dim=0, largest=False).values),
    ("topk_indices", lambda L, F, x: L.topk(x, 2).indices),
    ("repeat", lambda L, F, x: x.repeat(2, 1)),
    ("repeat_more_dims", lambda L, F, x: x[0].repeat(repeats=(2, 3, 2))),
    ("narrow", lambda L, F, x: L.narrow(x, dim=1, start=-3, length=2)),
    ("unbind", lambda L, F, x: L.unbind(x, dim=1)[3] * x.unbind()[0][0]),
    ("square", lambda L, F, x: L.square(input=x)),
    ("isclose", lambda L, F, x: L.isclose(x, x + 1e-9, rtol=0, atol=1e-8)),
    ("var_mean", lambda L, F, x: L.var_mean(x, dim=1)[0] + L.var_mean(x, dim=1)[1]),
    ("std_mean", lambda L, F, x: L.std_mean(x, dim=0, unbiased=False)[0] * L.std_mean(x)[1]),
    ("t", lambda L, F, x: L.t(x)),
    ("cumsum", lambda L, F, x: L.cumsum(x, dim=0) * x.cumsum(-1)),
    ("cumsum_int", lambda L, F, x: L.cumsum(L.tensor([[1, 2], [3, 4]], dtype=L.int32), dim=1)),
    ("cumsum_dtype", lambda L, F, x: x.float().cumsum(dim=1, dtype=L.float64)),
    ("one_hot", lambda L, F, x: F.one_hot(L.tensor([0, 2, 1]), num_classes=4)),
    ("one_hot_infer", lambda L, F, x: F.one_hot(input=L.tensor([[0], [3]]))),
    ("embedding", lambda L, F, x: F.embedding(L.tensor([[0, 2], [2, 1]]), x)),
    ("embedding_padding", lambda L, F, x: F.embedding(L.tensor([0, 2, 2, 1]), x, padding_idx=2) * 3),
]


def _run(fn, L, Fm):
    x = L.tensor(X.copy(), dtype=L.float64, requires_grad=True)
    out = fn(L, Fm, x)
    if out.requires_grad:
        (out * L.tensor(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)))).sum().backward()
    return out.detach().numpy(), None if x.grad is None else x.grad.numpy()


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn):
    got, ggrad = _run(fn, gg, F)
    want, tgrad = _run(fn, torch, TF)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12)
    assert (ggrad is None) == (tgrad is None)
    if ggrad is not None:
        np.testing.assert_allclose(ggrad, tgrad, rtol=1e-7, atol=1e-12)


def test_sort_and_topk_write_into_out_and_refuse_autograd():
    x = gg.tensor(X)
    v, i = gg.empty(0, dtype=gg.float64), gg.empty(0, dtype=gg.int64)
    r = gg.sort(x, dim=1, out=(v, i))
    assert r.values is v and r.indices is i
    np.testing.assert_array_equal(v.numpy(), np.sort(X, axis=1))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        gg.topk(gg.tensor(X, requires_grad=True), 2, out=(gg.empty(0, dtype=gg.float64), gg.empty(0, dtype=gg.int64)))


def test_errors_name_the_call():
    with pytest.raises(RuntimeError, match=r"topk: k \(6\) is out of range"):
        gg.topk(gg.tensor(X), 6)
    with pytest.raises(RuntimeError, match="repeat: the number of repeats"):
        gg.tensor(X).repeat(2)
    with pytest.raises(IndexError, match="narrow: start 4 and length 2"):
        gg.narrow(gg.tensor(X), 1, 4, 2)
    with pytest.raises(RuntimeError, match=r"one_hot: class values must be in \[0, 2\)"):
        F.one_hot(gg.tensor([0, 2]), 2)


def test_random_like_and_numel_and_new_with_size():
    x = gg.zeros(2, 3, dtype=gg.float64)
    for f in (gg.rand_like, gg.randn_like):
        y = f(x, requires_grad=True)
        assert y.shape == (2, 3) and y.dtype == gg.float64 and y.requires_grad
    assert gg.numel(x) == torch.numel(torch.zeros(2, 3)) == 6
    assert x.new_zeros(size=(4,)).tolist() == torch.zeros(2).new_zeros(size=(4,)).tolist()
    assert x.new_full((2,), 3.0).dtype == gg.float64


def test_sort_on_every_device(device):
    x = gg.tensor(X, device=device, requires_grad=True)
    v = gg.sort(x, dim=1, descending=True).values
    (v * v).sum().backward()
    np.testing.assert_allclose(v.detach().cpu().numpy(), -np.sort(-X, axis=1))
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2 * X)
    assert x.repeat(1, 2).shape == (3, 10)
    assert F.embedding(gg.tensor([1, 0], device=device), x).shape == (2, 5)
    y = gg.zeros(2, 3, device=device).scatter(1, gg.tensor([[2], [0]], device=device), 1.0)
    assert y.cpu().tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    z = gg.einsum("ij,kj->ik", x, x).cumsum(0)
    np.testing.assert_allclose(z.detach().cpu().numpy(), np.cumsum(X @ X.T, 0))


def test_generator_is_torch_generator_shaped_and_drives_the_draws():
    g = gg.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed() and str(g.device) == "cpu"
    assert g.manual_seed(42) is g and g.initial_seed() == 42
    a = (gg.rand(3, generator=g).tolist(), gg.randperm(5, generator=g).tolist(),
         gg.normal(0.0, 1.0, (2,), generator=g).tolist(), gg.empty(2).uniform_(generator=g).tolist())
    g.manual_seed(42)
    b = (gg.rand(3, generator=g).tolist(), gg.randperm(5, generator=g).tolist(),
         gg.normal(0.0, 1.0, (2,), generator=g).tolist(), gg.empty(2).uniform_(generator=g).tolist())
    assert a == b
    s = g.seed()
    assert g.initial_seed() == s


def test_generator_in_random_split_and_dataloader_as_pytorch_scripts_pass_it():
    from gpugrad.data import TensorDataset, DataLoader, random_split
    ds = TensorDataset(gg.arange(10.0))
    parts = [random_split(ds, [7, 3], generator=gg.Generator().manual_seed(1)) for _ in range(2)]
    assert [list(p.indices) for p in parts[0]] == [list(p.indices) for p in parts[1]]
    orders = [[b[0].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True,
                                                 generator=gg.Generator().manual_seed(0))] for _ in range(2)]
    assert orders[0] == orders[1]


def test_generator_is_cpu_only(device):
    if device == "cpu":
        return
    with pytest.raises(NotImplementedError, match="generator= is for CPU tensors"):
        gg.rand(2, device=device, generator=gg.Generator())
    with pytest.raises(NotImplementedError, match="only CPU generators"):
        gg.Generator(device)


EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij,kj->ik", [(2, 3), (4, 3)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j", [(3,), (2,)]),
    ("ij", [(3, 2)]),
    ("ji", [(3, 2)]),
    ("ijk->ki", [(2, 3, 4)]),
    ("...ij,...jk", [(2, 1, 2, 3), (3, 3, 2)]),
    ("b...d,d->b...", [(2, 3, 4), (4,)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ("ij,ij->i", [(3, 1), (3, 4)]),               # a size-1 dim broadcasts, as in PyTorch
    ("ii", [(3, 3)]),                              # the trace
    ("ii->i", [(3, 3)]),                           # the diagonal
    ("iji->j", [(3, 2, 3)]),                       # a diagonal over dims apart
    ("bii,bj->bij", [(2, 3, 3), (2, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum_matches_torch(eq, shapes):
    rng = np.random.default_rng(len(eq))
    arrays = [rng.standard_normal(s) for s in shapes]
    res = {}
    for L in (gg, torch):
        xs = [L.tensor(a, dtype=L.float64, requires_grad=True) for a in arrays]
        y = L.einsum(eq, *xs) if len(xs) > 1 else L.einsum(eq, [xs[0]])
        (y * y).sum().backward()
        res[L.__name__] = (y.detach().numpy(), [x.grad.numpy() for x in xs])
    np.testing.assert_allclose(res["gpugrad"][0], res["torch"][0], rtol=1e-10, atol=1e-12)
    for g, t in zip(res["gpugrad"][1], res["torch"][1]):
        np.testing.assert_allclose(g, t, rtol=1e-10, atol=1e-12)


def test_einsum_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="subscript 'j' has size 3 in one operand and 4"):
        gg.einsum("ij,jk->ik", gg.ones(2, 3), gg.ones(4, 2))
    with pytest.raises(RuntimeError, match="has 2 operand"):
        gg.einsum("ij,jk->ik", gg.ones(2, 3))
    with pytest.raises(RuntimeError, match="repeated in 'ij'|repeated in 'ii'"):
        gg.einsum("ii->i", gg.ones(3, 2))


SCATTERS = [
    ("scatter_src", lambda L, x, s: x.scatter(1, L.tensor([[2, 0], [1, 3], [0, 0]]), s)),
    ("scatter_value", lambda L, x, s: L.scatter(x, 0, L.tensor([[1, 2, 0, 1, 2]]), value=2.5)),
    ("scatter_add", lambda L, x, s: L.scatter_add(x, 1, L.tensor([[2, 2], [1, 3], [0, 0]]), s)),
    ("scatter_inplace", lambda L, x, s: (x * 1).scatter_(1, L.tensor([[4, 0], [0, 1], [2, 3]]), s)),
    ("scatter_add_inplace", lambda L, x, s: (x * 1).scatter_add_(0, L.tensor([[2, 2, 2, 2, 2]]), s.repeat(1, 3)[:1, :5])),
]


@pytest.mark.parametrize("name,fn", SCATTERS, ids=[c[0] for c in SCATTERS])
def test_scatter_matches_torch(name, fn):
    res = {}
    for L in (gg, torch):
        x = L.tensor(X.copy(), dtype=L.float64, requires_grad=True)
        s = L.tensor(E[:3, :2].copy(), dtype=L.float64, requires_grad=True)
        y = fn(L, x, s)
        (y * L.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape)))).sum().backward()
        res[L.__name__] = (y.detach().numpy(), x.grad.numpy(), None if s.grad is None else s.grad.numpy())
    g, t = res["gpugrad"], res["torch"]
    np.testing.assert_allclose(g[0], t[0], rtol=1e-12)
    np.testing.assert_allclose(g[1], t[1], rtol=1e-12)
    assert (g[2] is None) == (t[2] is None)
    if g[2] is not None:
        np.testing.assert_allclose(g[2], t[2], rtol=1e-12)


def test_scatter_reduce_add_matches_torch():
    idx = np.array([[1, 2, 0, 1, 2], [1, 1, 1, 1, 1]])
    got = gg.tensor(X).scatter(0, gg.tensor(idx), gg.tensor(X[:2]), reduce="add")
    want = torch.tensor(X).scatter(0, torch.tensor(idx), torch.tensor(X[:2]), reduce="add")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    with pytest.raises(IndexError, match="scatter: index 3 is out of bounds for dim 0 with size 3"):
        gg.zeros(3, 2).scatter(0, gg.tensor([[3, 0]]), 1.0)
