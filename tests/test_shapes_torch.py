"""The shape and indexing ops (gpugrad/ops/views.py, shape_build.py, indexing.py) against PyTorch, beyond the
gradient table (tests/op_table.py): integer and bool dtypes, the non-differentiable ones (nonzero, argwhere,
tril_indices, unravel_index, broadcast_shapes, stride...), views that write through (diagonal, select, unfold,
movedim, split parts) with their version counters and gradients, the in-place variants, meshgrid's warning,
and PyTorch's exception classes for bad calls. Every device test runs on each test device."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpugrad as gg

from test_scatter_torch import run_both

torch = pytest.importorskip("torch")

A34 = np.arange(12).reshape(3, 4)
F34 = np.random.default_rng(0).standard_normal((3, 4))
B34 = A34 % 3 == 0


def _same(got, want):
    """gpugrad's result (a tensor, a tuple of them, or a plain value) equals PyTorch's: dtype, shape, values."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    if isinstance(want, torch.Tensor):
        g, w = got.detach().cpu().numpy(), want.detach().numpy()
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        np.testing.assert_array_equal(g, w)
        return
    assert (tuple(got) if isinstance(want, torch.Size) else got) == (tuple(want) if isinstance(want, torch.Size)
                                                                     else want)


def ver(t):
    """A tensor's version counter (an int in both libraries)."""
    return t._version


def both(fn, *arrays, device="cpu"):
    """``fn(L, *tensors)`` for L = gpugrad and torch on the same arrays, compared with _same."""
    got = fn(gg, *[gg.tensor(a, device=device) for a in arrays])
    want = fn(torch, *[torch.tensor(a) for a in arrays])
    _same(got, want)


VALUE_CASES = {
    "flip": lambda L, a: L.flip(a, (0, 1)),
    "fliplr": lambda L, a: L.fliplr(a),
    "flipud": lambda L, a: a.flipud(),
    "roll": lambda L, a: L.roll(a, (1, 2), (1, 0)),
    "roll_flat": lambda L, a: a.roll(-3),
    "rot90": lambda L, a: L.rot90(a, 3, [0, 1]),
    "rot90_2": lambda L, a: a.rot90(2),
    "tril": lambda L, a: L.tril(a, -1),
    "triu": lambda L, a: a.triu(2),
    "diag": lambda L, a: L.diag(a, 1),
    "diag_1d": lambda L, a: L.diag(a[0], -1),
    "diagonal": lambda L, a: L.diagonal(a, -1, 1, 0),
    "diag_embed": lambda L, a: L.diag_embed(a, -1, 2, 0),
    "diagflat": lambda L, a: a.diagflat(1),
    "tile": lambda L, a: L.tile(a, (2, 1, 2)),
    "repeat_interleave": lambda L, a: L.repeat_interleave(a, 2, 1),
    "repeat_interleave_flat": lambda L, a: a.repeat_interleave(2),
    "ravel": lambda L, a: L.ravel(a.t()),
    "movedim": lambda L, a: L.moveaxis(a, 0, 1),
    "unflatten": lambda L, a: a.unflatten(1, (2, 2)),
    "tensor_split": lambda L, a: L.tensor_split(a, 3, dim=1),
    "tensor_split_idx": lambda L, a: a.tensor_split((1, 5, 2), 1),
    "tensor_split_neg": lambda L, a: L.tensor_split(a, [-1], 1),
    "hsplit": lambda L, a: L.hsplit(a, 2),
    "hsplit_idx": lambda L, a: a.hsplit([1, 3]),
    "vsplit": lambda L, a: L.vsplit(a, [1]),
    "split_with_sizes": lambda L, a: a.split_with_sizes([1, 3], 1),
    "hstack": lambda L, a: L.hstack([a, a]),
    "vstack": lambda L, a: L.vstack([a, a[0]]),
    "row_stack": lambda L, a: L.row_stack([a[0], a[1]]),
    "dstack": lambda L, a: L.dstack([a, a]),
    "column_stack": lambda L, a: L.column_stack([a[0], a.t()[:4, :2]]),
    "atleast_1d": lambda L, a: L.atleast_1d(a[0, 0], a),
    "atleast_2d": lambda L, a: L.atleast_2d([a[0, 0], a[0]]),
    "atleast_3d": lambda L, a: L.atleast_3d(a),
    "meshgrid_ij": lambda L, a: L.meshgrid(a[0], a[1, :2], a[2, 0], indexing="ij"),
    "meshgrid_xy": lambda L, a: L.meshgrid([a[0], a[1, :2], a[2, :3]], indexing="xy"),
    "cartesian_prod": lambda L, a: L.cartesian_prod(a[0], a[1, :2], a[2, :3]),
    "combinations": lambda L, a: L.combinations(a[0], 3),
    "combinations_r0": lambda L, a: L.combinations(a[0], 0),
    "combinations_big_r": lambda L, a: L.combinations(a[0], 5),
    "block_diag": lambda L, a: L.block_diag(a, a[0], a[0, 0]),
    "broadcast_tensors": lambda L, a: L.broadcast_tensors(a, a[0], a[:1, :1]),
    "take": lambda L, a: L.take(a, L.tensor([[0, -1], [5, 5]])),
    "put": lambda L, a: a.put(L.tensor([0, -1]), a[0, :2]),
    "put_acc": lambda L, a: L.put(a, L.tensor([1, 1]), a[0, :2], accumulate=True),
    "index_put": lambda L, a: L.index_put(a, (L.tensor([0, 2]), L.tensor([1, 1])), a[0, :2], accumulate=True),
    "index_put_mask": lambda L, a: a.index_put((L.tensor([True, False, True]),), a[1]),
    "masked_fill": lambda L, a: L.masked_fill(a, a > 4, 1),
    "masked_fill_bcast": lambda L, a: L.masked_fill(a[0], (a > 4), L.tensor(7)),
    "masked_select": lambda L, a: L.masked_select(a, a[0] > 1),
    "nonzero": lambda L, a: L.nonzero(a),
    "nonzero_tuple": lambda L, a: a.nonzero(as_tuple=True),
    "argwhere": lambda L, a: L.argwhere(a),
    "select": lambda L, a: L.select(a, -1, 2),
    "select_scatter": lambda L, a: L.select_scatter(a, a[1], 0, -1),
    "slice_scatter": lambda L, a: L.slice_scatter(a, a[:, :2], 1, 0, 4, 2),
    "diagonal_scatter": lambda L, a: L.diagonal_scatter(a, a[0, :2], 2),
    "unfold": lambda L, a: a.unfold(1, 3, 1),
    "narrow_copy": lambda L, a: L.narrow_copy(a, 1, -2, 2),
}


@pytest.mark.parametrize("name", sorted(VALUE_CASES))
@pytest.mark.parametrize("arr", [A34, B34, A34.astype(np.int32), F34], ids=["int64", "bool", "int32", "float"])
def test_values_match_torch(name, arr, device):
    both(VALUE_CASES[name], arr, device=device)


@pytest.mark.parametrize("name", ["flip", "roll_flat", "tile", "ravel", "atleast_3d", "take", "nonzero", "argwhere",
                                  "masked_fill", "repeat_interleave_flat"])
def test_zero_d_and_size_zero(name):
    fn = VALUE_CASES[name]
    for arr in (np.array(3.0), np.array(0), np.zeros((0, 4))):
        if name == "take":
            fn = lambda L, a: L.take(a, L.tensor([], dtype=L.int64))     # noqa: E731
        if name == "flip":
            fn = lambda L, a: L.flip(a, (0,))                            # noqa: E731
        both(fn, arr)


def test_non_differentiable_constructors_match_torch():
    for args in [(3, 4), (4, 3, 1), (3, 3, -2), (0, 3), (3, 0), (1, 1, 5)]:
        _same(gg.tril_indices(*args), torch.tril_indices(*args))
        _same(gg.triu_indices(*args), torch.triu_indices(*args))
    _same(gg.tril_indices(3, 3, dtype=gg.int32), torch.tril_indices(3, 3, dtype=torch.int32))
    _same(gg.broadcast_shapes((2, 1), (3,), 1, ()), torch.broadcast_shapes((2, 1), (3,), 1, ()))
    for idx, shape in [([4, 1, 0], (2, 3)), (5, (6,)), ([-1, 7], (2, 4)), ([[3], [1]], (2, 2, 1)), ([6, -7], (2, 3))]:
        _same(gg.unravel_index(gg.tensor(idx), shape), torch.unravel_index(torch.tensor(idx), shape))
    _same(gg.repeat_interleave(gg.tensor([2, 0, 1])), torch.repeat_interleave(torch.tensor([2, 0, 1])))
    _same(gg.repeat_interleave(gg.tensor([1, 2]), gg.tensor([1, 2]), 0, output_size=3),
          torch.repeat_interleave(torch.tensor([1, 2]), torch.tensor([1, 2]), 0, output_size=3))
    _same(gg.nonzero(gg.tensor(2.0)), torch.nonzero(torch.tensor(2.0)))
    _same(gg.nonzero(gg.tensor(0.0), as_tuple=True), torch.nonzero(torch.tensor(0.0), as_tuple=True))


def test_strides_offsets_and_sizes_match_torch():
    for make in [lambda L: L.zeros(2, 3, 4), lambda L: L.zeros(2, 3, 4).transpose(0, 2),
                 lambda L: L.zeros(4, 5)[1:, ::2], lambda L: L.zeros(3).expand(2, 3),
                 lambda L: L.arange(10.0)[3:].unfold(0, 3, 2), lambda L: L.zeros(3, 4).diagonal(1)]:
        g, t = make(gg), make(torch)
        assert g.stride() == t.stride() and g.stride(-1) == t.stride(-1)
        assert g.storage_offset() == t.storage_offset()
        assert g.is_contiguous() == t.is_contiguous()
    assert gg.is_same_size(gg.zeros(2, 3), gg.ones(2, 3)) and not gg.zeros(2).is_same_size(gg.zeros(3))


# -- views: writes through, version counters, gradients ----------------------------------------------------------
VIEWS = {
    "diagonal": lambda x: x.diagonal(),
    "diagonal_offset_dims": lambda x: x.diagonal(-1, 1, 0),
    "select": lambda x: x.select(1, -1),
    "unfold": lambda x: x.unfold(1, 2, 2),
    "movedim": lambda x: x.movedim(0, 1),
    "tensor_split_part": lambda x: x.tensor_split(2, 1)[1],
    "hsplit_part": lambda x: x.hsplit([1])[1],
    "split_with_sizes_part": lambda x: x.split_with_sizes([1, 2], 0)[2 - 1],
    "unflatten": lambda x: x.unflatten(1, (2, 2)),
    "meshgrid": lambda x: x[0].reshape(4),
}


# PyTorch refuses in-place ops under autograd on the outputs of split_with_sizes (a function returning several
# views); gpugrad allows them (the gradient is right), so only the write through is compared there
_MULTI_VIEW = {"split_with_sizes_part"}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_write_through_like_torch(name, device):
    view = VIEWS[name]
    for L in (gg, torch):
        x = L.tensor(F34) if L is torch else gg.tensor(F34, device=device)
        v = view(x)
        before = ver(x)
        v.mul_(2)
        assert ver(x) > before and ver(v) == ver(x)
        if L is gg:
            got = x.cpu().numpy()
        else:
            want = x.numpy()
    np.testing.assert_allclose(got, want)
    if name in _MULTI_VIEW:
        return

    def grad_through(L, w):
        leaf = L.tensor(F34, requires_grad=True) if L is torch else gg.tensor(F34, device=device, requires_grad=True)
        y = leaf * 1
        v = view(y)
        v.mul_(v.detach() + 3)
        (y * (L.tensor(w) if L is torch else gg.tensor(w, device=device))).sum().backward()
        return leaf.grad
    w = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_allclose(grad_through(gg, w).cpu().numpy(), grad_through(torch, w).numpy())


def test_copies_do_not_write_through():
    """flip, roll, rot90, tril, diag, narrow_copy return copies in PyTorch: writing into them leaves x alone."""
    for fn in [lambda x: x.flip(0), lambda x: x.roll(1, 0), lambda x: x.rot90(), lambda x: x.tril(),
               lambda x: gg.diag(x), lambda x: gg.narrow_copy(x, 0, 0, 2), lambda x: x.take(gg.tensor([0]))]:
        x = gg.ones(3, 3)
        fn(x).mul_(0)
        assert x.tolist() == [[1.0] * 3] * 3


def test_in_place_variants_match_torch(device):
    def run(L, name, *args, make=lambda L: L.tensor(F34), **kw):
        x = make(L) if L is torch else gg.tensor(make(torch).numpy(), device=device)
        before = ver(x)
        r = getattr(x, name)(*args, **kw)
        assert r is x and ver(x) == before + 1
        return x
    cases = [("tril_", (), {}), ("triu_", (-1,), {}), ("squeeze_", (), {}), ("unsqueeze_", (-1,), {}),
             ("t_", (), {}), ("transpose_", (0, 1), {}), ("swapaxes_", (1, 0), {}), ("swapdims_", (0, 1), {}),
             ("masked_fill_", (None, 0.5), {})]
    for name, args, kw in cases:
        outs = []
        for L in (gg, torch):
            mask = torch.tensor(B34) if L is torch else gg.tensor(B34, device=device)
            a = args if name != "masked_fill_" else (mask,) + args[1:]
            outs.append(run(L, name, *a, **kw))
        _same(outs[0], outs[1])
    for L in (gg, torch):
        x = L.zeros(5) if L is torch else gg.zeros(5, device=device)
        dev = {} if L is torch else {"device": device}
        x.put_(L.tensor([1, 1, -1], **dev), L.tensor([1.0, 2.0, 3.0], **dev), accumulate=True)
        x.index_put_((L.tensor([0], **dev),), L.tensor(4.0, **dev))
        outs.append(x)
    _same(outs[-2], outs[-1])


def test_in_place_shape_methods_keep_the_graph():
    outs = []
    for L in (gg, torch):
        a = L.tensor(F34, requires_grad=True)
        y = a * 2
        y.unsqueeze_(0).transpose_(0, 2).squeeze_()
        (y * L.tensor(np.arange(12.0).reshape(4, 3))).sum().backward()
        outs.append(a.grad)
    _same(outs[0], outs[1])


def test_meshgrid_warns_without_indexing():
    for L in (gg, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.meshgrid(L.arange(2), L.arange(3), indexing="ij")
        assert not w
    with pytest.warns(UserWarning, match="indexing"):
        gg.meshgrid(gg.arange(2), gg.arange(3))


# -- errors: PyTorch's exception classes -------------------------------------------------------------------------
ERRORS = {
    "fliplr_1d": lambda L: L.fliplr(L.zeros(3)),
    "roll_misaligned": lambda L: L.roll(L.zeros(3), (1, 2), 0),
    "rot90_dims": lambda L: L.rot90(L.zeros(2, 2), 1, [0, 0]),
    "rot90_1d": lambda L: L.rot90(L.zeros(2), 1, [0, 1]),
    "tril_1d": lambda L: L.tril(L.zeros(3)),
    "diag_3d": lambda L: L.diag(L.zeros(2, 2, 2)),
    "diagonal_same_dims": lambda L: L.diagonal(L.zeros(2, 2), 0, 1, 1),
    "diagonal_dim_range": lambda L: L.diagonal(L.zeros(2, 2), 0, 0, 2),
    "diagonal_1d": lambda L: L.zeros(3).diagonal(),
    "diagonal_scatter_shape": lambda L: L.diagonal_scatter(L.zeros(3, 3), L.zeros(2)),
    "select_range": lambda L: L.zeros(3, 3).select(0, 3),
    "select_0d": lambda L: L.select(L.tensor(1.0), 0, 0),
    "select_scatter_shape": lambda L: L.select_scatter(L.zeros(3, 3), L.zeros(2), 0, 0),
    "slice_scatter_shape": lambda L: L.slice_scatter(L.zeros(3, 3), L.zeros(3, 3), 0, 1),
    "unfold_too_big": lambda L: L.arange(6.0).unfold(0, 7, 1),
    "unfold_step": lambda L: L.arange(6.0).unfold(0, 2, 0),
    "movedim_lengths": lambda L: L.movedim(L.zeros(2, 3), (0, 1), 0),
    "movedim_repeated": lambda L: L.movedim(L.zeros(2, 3), (0, 0), (0, 1)),
    "movedim_range": lambda L: L.movedim(L.zeros(2, 3), 2, 0),
    "unflatten_sizes": lambda L: L.zeros(2, 6).unflatten(1, (4, 2)),
    "tensor_split_0": lambda L: L.tensor_split(L.zeros(4), 0),
    "tensor_split_0d": lambda L: L.tensor_split(L.tensor(1.0), 2),
    "hsplit_uneven": lambda L: L.hsplit(L.zeros(2, 3), 2),
    "vsplit_1d": lambda L: L.vsplit(L.zeros(4), 2),
    "dsplit_2d": lambda L: L.dsplit(L.zeros(2, 2), 2),
    "split_with_sizes_sum": lambda L: L.split_with_sizes(L.zeros(5), [2, 2]),
    "meshgrid_2d": lambda L: L.meshgrid(L.zeros(2, 2), indexing="ij"),
    "meshgrid_dtypes": lambda L: L.meshgrid(L.zeros(2), L.arange(2), indexing="ij"),
    "cartesian_2d": lambda L: L.cartesian_prod(L.zeros(2, 2), L.zeros(2)),
    "combinations_2d": lambda L: L.combinations(L.zeros(2, 2)),
    "block_diag_3d": lambda L: L.block_diag(L.zeros(1, 1, 1)),
    "broadcast_shapes": lambda L: L.broadcast_shapes((2,), (3,)),
    "broadcast_tensors": lambda L: L.broadcast_tensors(L.zeros(2), L.zeros(3)),
    "repeat_interleave_neg": lambda L: L.repeat_interleave(L.zeros(2), L.tensor([1, -1])),
    "repeat_interleave_len": lambda L: L.repeat_interleave(L.zeros(3), L.tensor([1, 2]), 0),
    "take_float_index": lambda L: L.take(L.zeros(3), L.tensor([0.0])),
    "take_range": lambda L: L.take(L.zeros(3), L.tensor([3])),
    "put_numel": lambda L: L.zeros(3).put(L.tensor([0, 1]), L.tensor([1.0])),
    "index_put_dtype": lambda L: L.zeros(3).index_put((L.tensor([0]),), L.tensor([1])),
    "index_put_too_many": lambda L: L.zeros(3).index_put((L.tensor([0]), L.tensor([0])), L.tensor(1.0)),
    "masked_fill_long_mask": lambda L: L.masked_fill(L.zeros(3), L.tensor([1, 0, 1]), 1.0),
    "masked_fill_1d_value": lambda L: L.masked_fill(L.zeros(3), L.tensor([True, False, True]), L.ones(1)),
    "masked_select_mask": lambda L: L.masked_select(L.zeros(3), L.tensor([1, 0, 1])),
    "unravel_float": lambda L: L.unravel_index(L.tensor([1.0]), (2,)),
    "unravel_negative_shape": lambda L: L.unravel_index(L.tensor([1]), (2, -1)),
    "roll_0d": lambda L: L.roll(L.tensor(1.0), 1, 0),
    "diag_embed_0d": lambda L: L.diag_embed(L.tensor(2.0)),
    "broadcast_shapes_negative": lambda L: L.broadcast_shapes((2, -1)),
    "flip_repeated": lambda L: L.flip(L.zeros(2, 2), (0, 0)),
    "diagonal_leaf_inplace": lambda L: L.zeros(2, 2, requires_grad=True).diagonal().mul_(2),
    "squeeze__leaf": lambda L: L.zeros(1, 2, requires_grad=True).squeeze_(),
    "tril__leaf": lambda L: L.zeros(2, 2, requires_grad=True).tril_(),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch_classes(name):
    with pytest.raises(Exception) as want:
        ERRORS[name](torch)
    with pytest.raises(Exception) as got:
        ERRORS[name](gg)
    assert isinstance(got.value, type(want.value)), (type(got.value), type(want.value), str(want.value))


@pytest.mark.parametrize("fn", ["cat", "stack", "hstack", "vstack", "block_diag"])
def test_joining_promotes_dtypes_as_torch(fn):
    """PyTorch's promotion (int64 with float32 is float32; bool with int8 is int8), not NumPy's."""
    for dts in [("int64", "float32"), ("bool", "int8"), ("float64", "float32"), ("int32", "int64")]:
        def run(L):
            ts = [L.tensor([1, 0]).to(getattr(L, d)) for d in dts]
            return getattr(L, fn)(ts) if fn != "block_diag" else L.block_diag(*ts)
        _same(run(gg), run(torch))
