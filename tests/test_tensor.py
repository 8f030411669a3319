"""Tensor: creation, dtypes, properties, conversions, Python operators, indexing, in-place ops, seeding."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import gpugrad as gg


# -- creation and dtypes ------------------------------------------------------------------------------------------
def test_tensor_dtype_inference(device):
    assert gg.tensor([1.0, 2.0], device=device).dtype == gg.float32          # Python floats: the default dtype
    assert gg.tensor(3.5, device=device).dtype == gg.float32
    assert gg.tensor([1, 2], device=device).dtype == gg.int64
    assert gg.tensor([True, False], device=device).dtype == gg.bool_
    assert gg.tensor(np.zeros(2), device=device).dtype == gg.float64          # a float64 array keeps float64
    assert gg.tensor(np.zeros(2, np.float32)).dtype == gg.float32
    assert gg.tensor([1, 2], dtype=gg.float64, device=device).dtype == gg.float64
    assert gg.tensor([1, 2], dtype="float16", device=device).dtype == gg.float16
    assert gg.tensor([[1.0], [2.0]], device=device).shape == (2, 1)


def test_tensor_copies_and_from_numpy_shares():
    a = np.arange(3.0)
    t = gg.tensor(a)
    a[0] = 100
    assert t.tolist() == [0.0, 1.0, 2.0]
    s = gg.from_numpy(a)
    a[1] = 50
    assert s.tolist() == [100.0, 50.0, 2.0]
    with pytest.raises(TypeError, match="from_numpy"):
        gg.from_numpy([1, 2])


def test_tensor_rejects_ragged_and_non_numeric():
    """The exception classes are PyTorch's: ValueError for ragged nesting, TypeError for strings and bytes,
    RuntimeError for objects it cannot infer a dtype from."""
    with pytest.raises(ValueError, match="tensor: expected nested sequences of equal lengths"):
        gg.tensor([[1, 2], [3]])
    for data in ("a", [1, "a"], b"ab"):
        with pytest.raises(TypeError, match="tensor: invalid data type"):
            gg.tensor(data)
    for data, name in (({"a": 1}, "dict"), (None, "NoneType"), ([1, None], "NoneType")):
        with pytest.raises(RuntimeError, match=f"tensor: could not infer dtype of {name}"):
            gg.tensor(data)
    torch = pytest.importorskip("torch")
    for data, cls in (([[1, 2], [3]], ValueError), ("a", TypeError), ([1, "a"], TypeError), ({"a": 1}, RuntimeError),
                      (None, RuntimeError)):
        with pytest.raises(cls):
            torch.tensor(data)


def test_python_scalars_do_not_upcast(device):
    x = gg.ones(3, device=device)
    for y in (x + 1, x * 2.5, 2.5 - x, x / 3, 2 ** x, x ** 2, gg.maximum(x, 0.5)):
        assert y.dtype == gg.float32
    i = gg.tensor([1, 2, 3], device=device)
    assert (i + 1).dtype == gg.int64
    assert (i * 1.5).dtype == gg.float32          # an integer tensor and a float scalar: the default float
    assert (i / 2).dtype == gg.float32            # true division of integers is floating
    assert (i / i).tolist() == [1.0, 1.0, 1.0]
    assert i.sum().dtype == gg.int64
    assert i.logsumexp(0).dtype == gg.float32     # integers give the default float, as in PyTorch


def test_zero_dim_tensors_promote_like_scalars(device):
    x = gg.ones(2, device=device, requires_grad=True)
    s = gg.tensor(3.0, dtype=gg.float64, device=device, requires_grad=True)
    y = x * s                                     # PyTorch: a 0-d operand of the same category doesn't upcast
    assert y.dtype == gg.float32
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and s.grad.item() == 2.0 and s.grad.dtype == gg.float64
    h = gg.ones(2, dtype=gg.float16, device=device)
    assert (h + gg.tensor(2.0, device=device)).dtype == gg.float16
    assert (gg.tensor([1, 2], dtype=gg.int32, device=device) * gg.tensor(2, device=device)).dtype == gg.int32
    assert (gg.tensor([1, 2], device=device) * s.detach()).dtype == gg.float64   # a higher category sets it
    assert (gg.tensor(1.0, device=device) + s.detach()).dtype == gg.float64       # both 0-d: usual rules


def test_where_floor_divide_and_clamp_promote_like_the_binary_ops(device):
    c = gg.tensor([True, False], device=device)
    i, x = gg.tensor([1, 2], device=device), gg.tensor([1.0, 2.0], device=device)
    s64 = gg.tensor(2.0, dtype=gg.float64, device=device)
    assert gg.where(c, i, 0.5).dtype == gg.float32                 # NumPy's rules gave float64 for all four
    assert gg.where(c, i, x).dtype == gg.float32 and gg.where(c, x, s64).dtype == gg.float32
    assert (i // 2.0).dtype == gg.float32 and i.clamp(0.5).dtype == gg.float32
    assert gg.where(c, i, 0.5).tolist() == [1.0, 0.5] and i.clamp(1.5).tolist() == [1.5, 2.0]


def test_float16_storage(device):
    h = gg.tensor([1.0, 2.0, 3.0], dtype=gg.float16, device=device, requires_grad=True)
    y = (h * h).sum()
    assert y.dtype == gg.float16
    y.backward()
    assert h.grad.dtype == gg.float16
    assert h.grad.tolist() == [2.0, 4.0, 6.0]
    assert h.float().dtype == gg.float32 and h.half().dtype == gg.float16


def test_only_floating_tensors_require_grad(device):
    with pytest.raises(RuntimeError, match="only floating point tensors can require gradients.*int64"):
        gg.tensor([1, 2], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires_grad_.*bool"):
        gg.tensor([True], device=device).requires_grad_()
    with pytest.raises(RuntimeError, match="arange"):
        gg.arange(3, device=device, requires_grad=True)
    assert gg.tensor([1.0], device=device, requires_grad=True).requires_grad


@pytest.mark.parametrize("make,shape,dtype", [
    (lambda d: gg.zeros(2, 3, device=d), (2, 3), gg.float32),
    (lambda d: gg.zeros((2, 3), dtype=gg.float64, device=d), (2, 3), gg.float64),
    (lambda d: gg.ones([4], device=d), (4,), gg.float32),
    (lambda d: gg.empty(0, 2, device=d), (0, 2), gg.float32),
    (lambda d: gg.full((2, 2), 7, device=d), (2, 2), gg.int64),
    (lambda d: gg.full((2,), 0.5, device=d), (2,), gg.float32),
    (lambda d: gg.full((1,), True, device=d), (1,), gg.bool_),
    (lambda d: gg.zeros_like(gg.ones(2, 5, dtype=gg.float64, device=d)), (2, 5), gg.float64),
    (lambda d: gg.ones_like(gg.ones(3, device=d), dtype=gg.int32), (3,), gg.int32),
    (lambda d: gg.full_like(gg.ones(3, device=d), 2.0), (3,), gg.float32),
    (lambda d: gg.arange(5, device=d), (5,), gg.int64),
    (lambda d: gg.arange(0, 1, 0.25, device=d), (4,), gg.float32),
    (lambda d: gg.linspace(0, 1, 5, device=d), (5,), gg.float32),
    (lambda d: gg.eye(3, device=d), (3, 3), gg.float32),
    (lambda d: gg.eye(2, 3, device=d), (2, 3), gg.float32),
    (lambda d: gg.rand(2, 3, device=d), (2, 3), gg.float32),
    (lambda d: gg.randn(4, dtype=gg.float16, device=d), (4,), gg.float16),
    (lambda d: gg.randint(0, 10, (3, 2), device=d), (3, 2), gg.int64),
    (lambda d: gg.randint(10, (3, 2), device=d), (3, 2), gg.int64),          # randint(high, size)
    (lambda d: gg.randperm(6, device=d), (6,), gg.int64),
])
def test_factories(make, shape, dtype, device):
    t = make(device)
    assert t.shape == shape and t.dtype == dtype and t.device == device
    assert t.is_leaf and not t.requires_grad


def test_factory_values(device):
    assert gg.full((2,), 3.0, device=device).tolist() == [3.0, 3.0]
    assert gg.arange(2, 8, 2, device=device).tolist() == [2, 4, 6]
    assert gg.linspace(0, 1, 3, device=device).tolist() == [0.0, 0.5, 1.0]
    assert gg.eye(2, device=device).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert sorted(gg.randperm(5, device=device).tolist()) == [0, 1, 2, 3, 4]
    r = gg.rand(1000, device=device).numpy()
    assert 0 <= r.min() and r.max() < 1
    n = gg.randint(3, 5, (200,), device=device).numpy()
    assert set(np.unique(n)) == {3, 4}


def test_manual_seed_reproducibility(device):
    draws = []
    for _ in range(2):
        gg.manual_seed(42)
        draws.append([gg.randn(5, device=device).tolist(), gg.rand(3, device=device).tolist(),
                      gg.randint(0, 100, (4,), device=device).tolist(), gg.randperm(7, device=device).tolist()])
    assert draws[0] == draws[1]
    gg.manual_seed(43)
    assert gg.randn(5, device=device).tolist() != draws[0][0]


# -- properties and conversions -------------------------------------------------------------------------------------
def test_properties(device):
    x = gg.randn(2, 3, 4, device=device, requires_grad=True)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(1) == 3
    assert x.ndim == 3 and x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert x.dtype == gg.float32 and x.device == device and x.device.type == device.split(":")[0]
    assert x.is_leaf and x.requires_grad and x.grad is None and x.grad_fn is None
    y = x * 2
    assert not y.is_leaf and y.requires_grad and y.grad_fn is not None
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    d._data[0, 0, 0] = 123.0                  # detach shares storage
    assert y._data[0, 0, 0] == 123.0
    assert gg.zeros(0, 5).numel() == 0
    with pytest.raises(TypeError, match="len"):
        len(gg.tensor(1.0))


def test_item_numpy_tolist(device):
    assert gg.tensor([[2.5]], device=device).item() == 2.5
    assert isinstance(gg.tensor(3, device=device).item(), int)
    assert gg.tensor([[1, 2], [3, 4]], device=device).tolist() == [[1, 2], [3, 4]]
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    a = x.detach().cpu().numpy()
    assert isinstance(a, np.ndarray) and a.tolist() == [1.0, 2.0]
    assert float(gg.tensor(1.5)) == 1.5 and int(gg.tensor(7)) == 7
    assert bool(gg.tensor([True])) and not bool(gg.tensor(0.0))
    assert np.asarray(gg.tensor([1.0, 2.0], device=device)).tolist() == [1.0, 2.0]


def test_to(device):
    x = gg.tensor([1.5, 2.5], device=device, requires_grad=True)
    assert x.to(gg.float64).dtype == gg.float64
    assert x.to("float64").dtype == gg.float64
    assert x.to(device) is x and x.to(gg.float32) is x
    assert x.to(device, gg.float64).dtype == gg.float64
    assert x.to(gg.zeros(1, dtype=gg.float64, device=device)).dtype == gg.float64
    assert x.to(dtype=gg.int64).tolist() == [1, 2]
    assert x.long().dtype == gg.int64 and x.int().dtype == gg.int32 and x.double().dtype == gg.float64
    assert x.to(copy=True) is not x
    assert x.to(device, non_blocking=True) is x      # PyTorch's keyword, accepted
    with pytest.raises(TypeError, match="to: 'tpu' is neither a device"):
        x.to("tpu")
    y = x.to(gg.float64)
    (y * y).sum().backward()                   # a cast is differentiable, the gradient comes back as float32
    assert x.grad.dtype == gg.float32 and x.grad.tolist() == [3.0, 5.0]
    assert x.cpu().device == "cpu"


def test_repr():
    assert repr(gg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(gg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(gg.tensor([1.0], dtype=gg.float64)) == "tensor([1.], dtype=gpugrad.float64)"
    assert repr(gg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(gg.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward0>)"
    assert str(gg.tensor(3.0)) == "tensor(3.)"


# -- operators ----------------------------------------------------------------------------------------------------
_A = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])
_B = np.array([[2.0, 0.5, -1.5], [1.0, 3.0, 2.5]])


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
                                operator.mod,
                                lambda a, b: abs(a) ** b, operator.lt, operator.le, operator.gt, operator.ge,
                                operator.eq, operator.ne])
def test_binary_operators_match_numpy(op, device):
    a, b = gg.tensor(_A, device=device), gg.tensor(_B, device=device)
    for x, y, ex, ey in ((a, b, _A, _B), (a, 2.0, _A, 2.0), (2.0, b, 2.0, _B), (a, _B, _A, _B), (_A, b, _A, _B)):
        got = op(x, y)
        assert isinstance(got, gg.Tensor), (op, type(x), type(y))
        np.testing.assert_allclose(got.cpu().numpy(), op(ex, ey))


def test_unary_and_matmul_operators(device):
    a = gg.tensor(_A, device=device)
    np.testing.assert_allclose((-a).cpu().numpy(), -_A)
    np.testing.assert_allclose(abs(a).cpu().numpy(), np.abs(_A))
    assert (+a) is a
    np.testing.assert_allclose((a @ gg.tensor(_B.T, device=device)).cpu().numpy(), _A @ _B.T)
    np.testing.assert_allclose((_A @ gg.tensor(_B.T, device=device)).cpu().numpy(), _A @ _B.T)   # reflected
    np.testing.assert_allclose(a.T.cpu().numpy(), _A.T)
    m = a > 0
    assert (m & (a < 2)).tolist() == ((_A > 0) & (_A < 2)).tolist()
    assert (m | (a < -1.5)).tolist() == ((_A > 0) | (_A < -1.5)).tolist()
    assert (~m).tolist() == (~(_A > 0)).tolist()


def test_reflected_operators_differentiate(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = (3 - x) + (4 / x) + (2 ** x) + (5 * x)
    y.sum().backward()
    expected = -1 - 4 / np.array([1.0, 2.0]) ** 2 + np.log(2) * 2 ** np.array([1.0, 2.0]) + 5
    np.testing.assert_allclose(x.grad.cpu().numpy(), expected, rtol=1e-6)


def test_comparisons_take_no_gradient(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    c = x > 1.5
    assert c.dtype == gg.bool_ and not c.requires_grad and c.tolist() == [False, True]


# -- indexing -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", [1, -1, slice(1, None), (slice(None), 2), (None, Ellipsis, 0), (0, slice(None, None, 2)),
                                 ([0, 0, 1],), (np.array([1, 0]), np.array([2, 2])), (_A > 1,)])
def test_indexing_matches_numpy(key, device):
    a = gg.tensor(_A, device=device)
    key = key[0] if isinstance(key, tuple) and len(key) == 1 else key
    np.testing.assert_array_equal(a[key].cpu().numpy(), _A[key])


def test_indexing_with_tensors(device):
    a = gg.tensor(_A, device=device)
    np.testing.assert_array_equal(a[gg.tensor([1, 1, 0], device=device)].cpu().numpy(), _A[[1, 1, 0]])
    np.testing.assert_array_equal(a[a > 1].cpu().numpy(), _A[_A > 1])
    row = gg.tensor(1)
    np.testing.assert_array_equal(a[row].cpu().numpy(), _A[1])


def test_iteration(device):
    rows = [r.tolist() for r in gg.tensor(_A, device=device)]
    assert rows == _A.tolist()
    with pytest.raises(TypeError, match="0-d"):
        iter(gg.tensor(1.0))


# -- in-place ops -----------------------------------------------------------------------------------------------------
_INPLACE = {
    "iadd": lambda t: operator.iadd(t, 1.0),
    "isub": lambda t: operator.isub(t, 1.0),
    "imul": lambda t: operator.imul(t, 2.0),
    "itruediv": lambda t: operator.itruediv(t, 2.0),
    "add_": lambda t: t.add_(gg.ones_like(t), alpha=2),
    "sub_": lambda t: t.sub_(1.0),
    "mul_": lambda t: t.mul_(3.0),
    "div_": lambda t: t.div_(2.0),
    "pow_": lambda t: t.pow_(2),
    "clamp_": lambda t: t.clamp_(0.0, 1.0),
    "neg_": lambda t: t.neg_(),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(5.0),
    "copy_": lambda t: t.copy_(gg.full_like(t, 7.0)),
    "setitem": lambda t: t.__setitem__(0, 9.0),
}
_INPLACE_EXPECTED = {
    "iadd": [2.0, 3.0], "isub": [0.0, 1.0], "imul": [2.0, 4.0], "itruediv": [0.5, 1.0], "add_": [3.0, 4.0],
    "sub_": [0.0, 1.0], "mul_": [3.0, 6.0], "div_": [0.5, 1.0], "pow_": [1.0, 4.0], "clamp_": [1.0, 1.0],
    "neg_": [-1.0, -2.0], "zero_": [0.0, 0.0], "fill_": [5.0, 5.0], "copy_": [7.0, 7.0], "setitem": [9.0, 2.0],
}


@pytest.mark.parametrize("name", sorted(_INPLACE))
def test_inplace_refused_on_leaf_requiring_grad(name, device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        _INPLACE[name](x)
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("name", sorted(_INPLACE))
def test_inplace_allowed_under_no_grad(name, device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    v = x._version
    with gg.no_grad():
        r = _INPLACE[name](x)
    assert x.tolist() == _INPLACE_EXPECTED[name]
    assert x.is_leaf and x.requires_grad and x._version > v
    if r is not None:
        assert r is x


@pytest.mark.parametrize("name", sorted(_INPLACE))
def test_inplace_on_plain_tensor(name, device):
    x = gg.tensor([1.0, 2.0], device=device)
    _INPLACE[name](x)
    assert x.tolist() == _INPLACE_EXPECTED[name]


def test_inplace_on_non_leaf_is_differentiable(device):
    x = gg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x * 1.0
    y.mul_(3.0)
    y += x                     # y = 3x + x
    y[0] = y[0] * 2            # y0 = 8 x0
    y.sum().backward()
    assert x.grad.tolist() == [8.0, 4.0]
    assert y.grad_fn is not None


def test_inplace_on_integer_and_bool(device):
    i = gg.tensor([1, 2], device=device)
    i += 3
    assert i.tolist() == [4, 5] and i.dtype == gg.int64
    b = gg.zeros(3, dtype=gg.bool_, device=device)
    b[1] = True
    assert b.tolist() == [False, True, False]


def test_inplace_through_an_element_writes_into_the_tensor(device):
    x = gg.zeros(2, 3, device=device)
    x[0, 1].fill_(5.0)                        # NumPy's x[0, 1] is a scalar copy; ours is a 0-d view
    x[1][2].add_(2.0)
    assert x.tolist() == [[0.0, 5.0, 0.0], [0.0, 0.0, 2.0]]
    w = gg.zeros(3, device=device, requires_grad=True)
    y = w * 1.0
    y[1].mul_(w[2] + 1.0)                     # recorded, and seen by y's graph
    y.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0]


def test_advanced_indexing_copies_have_their_own_version(device):
    x = gg.tensor([1.0, 2.0, 3.0], device=device)
    w = gg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    y = x * w                                 # saves x
    z = x[[0, 1]]                             # a copy, as in PyTorch: changing it leaves x alone
    z.add_(1.0)
    y.sum().backward()
    assert w.grad.tolist() == [1.0, 2.0, 3.0] and x.tolist() == [1.0, 2.0, 3.0]


def test_bitwise_operators_and_logical_functions_follow_torch(device):
    a, b = gg.tensor([1, 2], device=device), gg.tensor([0, 3], device=device)
    m = gg.tensor([True, False], device=device)
    assert (~a).tolist() == [-2, -3] and (~m).tolist() == [False, True]        # ~ is bitwise, as in PyTorch
    assert (a & b).tolist() == [0, 2] and (a | b).tolist() == [1, 3] and (a ^ b).tolist() == [1, 1]
    assert gg.logical_and(a, b).tolist() == [False, True]                      # nonzero counts as True
    assert gg.logical_or(a, b).tolist() == [True, True] and gg.logical_not(a).tolist() == [False, False]
    f = gg.tensor([1.5, 0.0], device=device)
    with pytest.raises(TypeError, match="bitwise_not"):
        ~f
    with pytest.raises(TypeError, match="bitwise_and: expected integer or bool tensors"):
        f & f


def test_functional_activations_with_inplace_write_into_their_input(device):
    import gpugrad.nn.functional as F
    x = gg.tensor([1.0, -2.0], device=device, requires_grad=True)
    y = x * 1.0
    assert F.relu(y, inplace=True) is y and y.tolist() == [1.0, 0.0]
    (y * x).sum().backward()                  # d/dx of x relu(x)
    assert x.grad.tolist() == [2.0, 0.0]
    z = gg.tensor([1.0, -2.0], device=device)
    F.leaky_relu(z, 0.5, inplace=True)
    assert z.tolist() == [1.0, -1.0]
    with pytest.raises(RuntimeError, match="relu_: a leaf Variable"):
        F.relu(x, inplace=True)


def test_setitem_with_tensor_value_records_gradient(device):
    v = gg.tensor([5.0, 6.0], device=device, requires_grad=True)
    t = gg.zeros(3, 2, device=device)
    t[1] = v
    assert t.requires_grad and t.tolist() == [[0, 0], [5, 6], [0, 0]]
    (t * t).sum().backward()
    assert v.grad.tolist() == [10.0, 12.0]


def test_floor_divide_and_remainder_follow_python(device):
    i = gg.tensor([7, -7, 6], device=device)
    assert (i // 2).tolist() == [3, -4, 3] and (i % 3).tolist() == [1, 2, 0]
    assert (i // 2).dtype == gg.int64 and (i % 3).dtype == gg.int64
    assert (20 // i).tolist() == [2, -3, 3] and (20 % i).tolist() == [6, -1, 2]
    x = gg.tensor([5.5, -1.5], device=device, requires_grad=True)
    assert (x // 2).requires_grad                     # as PyTorch: recorded, but its backward raises
    r = x % 2
    assert r.tolist() == [1.5, 0.5] and r.requires_grad
    with pytest.raises(RuntimeError, match="pow_: a leaf Variable"):
        x **= 2                                      # in place, so refused on a leaf requiring grad


def test_ipow_on_a_recorded_tensor(device):
    x = gg.tensor([2.0, 3.0], device=device, requires_grad=True)
    y = x * 1.0
    y **= 2
    y.sum().backward()
    assert y.tolist() == [4.0, 9.0] and x.grad.tolist() == [4.0, 6.0]


# -- PyTorch's convenience methods (compositions of the ops), against PyTorch ------------------------------------------
_M = np.array([[1.5, -2.0, 0.0], [3.0, 0.5, -1.0]])
_METHODS = {
    "contiguous": lambda t, m: t.T.contiguous(),
    "flip": lambda t, m: t.flip(1),
    "flip_both": lambda t, m: t.flip(0, 1),
    "masked_fill": lambda t, m: t.masked_fill(t > 1, -5.0),
    "where": lambda t, m: t.where(t > 0, t * 3),
    "expand_as": lambda t, m: t[0:1].expand_as(t),
    "view_as": lambda t, m: t.reshape(-1).view_as(t),
    "reshape_as": lambda t, m: t.T.reshape_as(t),
    "square": lambda t, m: t.square(),
    "reciprocal": lambda t, m: (t + 5).reciprocal(),
    "clamp_min": lambda t, m: t.clamp_min(0.2),
    "clamp_max": lambda t, m: t.clamp_max(0.2),
    "mm": lambda t, m: t.mm(t.T),
    "bmm": lambda t, m: t.unsqueeze(0).bmm(t.T.unsqueeze(0)),
    "dot": lambda t, m: t[0].dot(t[1]),
    "outer": lambda t, m: t[0].outer(t[1]),
    "relu": lambda t, m: t.relu(),
    "softmax": lambda t, m: t.softmax(-1),
    "log_softmax": lambda t, m: t.log_softmax(0),
    "type_as": lambda t, m: t.type_as(t),
    "relu_": lambda t, m: (t * 1).relu_(),
    "exp_": lambda t, m: (t * 1).exp_(),
    "abs_": lambda t, m: (t * 1).abs_(),
    "tanh_": lambda t, m: (t * 1).tanh_(),
    "sigmoid_": lambda t, m: (t * 1).sigmoid_(),
    "sqrt_": lambda t, m: (t * t + 1).sqrt_(),
    "log_": lambda t, m: (t * t + 1).log_(),
}


@pytest.mark.parametrize("name", sorted(_METHODS))
def test_tensor_methods_match_torch(name, device):
    torch = pytest.importorskip("torch")
    x = gg.tensor(_M, device=device, requires_grad=True)
    tx = torch.tensor(_M, requires_grad=True)
    y, ty = _METHODS[name](x, gg), _METHODS[name](tx, torch)
    np.testing.assert_allclose(y.detach().cpu().numpy(), ty.detach().numpy(), rtol=1e-12)
    w = np.linspace(-1, 1, ty.numel()).reshape(tuple(ty.shape))
    (y * gg.tensor(w, device=device)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_tensor_method_helpers(device):
    x = gg.tensor(_M, device=device)
    assert x.is_contiguous() and not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
    assert x.contiguous() is x
    assert x.all().item() is False and x.any().item() is True
    assert (x > -3).all(1).tolist() == [True, True] and (x > 2).any(0).tolist() == [True, False, False]
    n = x.new_zeros(2, 3)
    assert n.dtype == gg.float64 and n.device == device and n.tolist() == [[0.0] * 3] * 2
    assert x.new_ones((1,)).dtype == gg.float64 and x.new_full((2,), 3.0).tolist() == [3.0, 3.0]
    assert x.new_tensor([1, 2]).dtype == gg.float64 and x.new_empty(4).shape == (4,)
    with pytest.raises(RuntimeError, match=r"mm: expected 2-D tensors, got shapes \(2, 3\) and \(3,\)"):
        x.mm(x[0])
    with pytest.raises(RuntimeError, match=r"dot: 1D tensors expected, but got 2D and 2D tensors"):
        x.dot(x)
    with pytest.raises(RuntimeError, match="bmm: batch sizes differ"):
        gg.ones(2, 2, 3, device=device).bmm(gg.ones(3, 3, 2, device=device))


def test_reducing_over_an_empty_dim_list_reduces_every_dim(device):
    x = gg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device=device, requires_grad=True)
    assert x.sum(()).item() == 21.0 and x.mean([]).item() == 3.5 and x.amax(()).item() == 6.0   # as PyTorch
    assert x.sum((), keepdim=True).shape == (1, 1) and x.var(()).item() == 3.5
    x.sum(()).backward()
    assert x.grad.tolist() == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]


def test_format_of_a_0d_tensor_formats_its_number(device):
    assert f"{gg.tensor(3.14159, device=device):.2f}" == "3.14"
    assert f"{gg.tensor(7, device=device):03d}" == "007"
    t = gg.tensor([1.0, 2.0], device=device)
    assert f"{t}" == repr(t)


def test_tensor_from_a_list_of_tensors_keeps_their_dtype(device):
    a, b = gg.tensor(1.0, device=device), gg.tensor(2.0, device=device)
    assert gg.tensor([a, b]).dtype == gg.float32 and gg.tensor([a, b]).tolist() == [1.0, 2.0]
    assert gg.tensor([a, 3.0]).dtype == gg.float32
    assert gg.tensor([gg.tensor(1.0, dtype=gg.float64, device=device), 3.0]).dtype == gg.float64
    assert gg.tensor([gg.tensor([1, 2], device=device), gg.tensor([3, 4], device=device)]).dtype == gg.int64


def test_numpy_scalars_count_as_python_numbers(device):
    x = gg.ones(3, device=device)
    for y in (x + np.float64(1.0), np.float64(2.0) * x, x ** np.float64(2), np.float64(3) - x, x / np.sqrt(2.0),
              x * np.int64(3), gg.maximum(x, np.float64(0.5))):
        assert y.dtype == gg.float32
    i = gg.tensor([1, 2], device=device)
    assert (i * np.float64(1.5)).dtype == gg.float32 and (i + np.int32(1)).dtype == gg.int64


def test_where_with_two_scalars(device):
    c = gg.tensor([True, False], device=device)
    assert gg.where(c, 1.0, 0.0).dtype == gg.float32 and gg.where(c, 1.0, 0.0).tolist() == [1.0, 0.0]
    assert gg.where(c, 2, 3).dtype == gg.int64 and gg.where(c, 2, 3).tolist() == [2, 3]
