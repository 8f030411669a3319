"""Errors at the boundary: each names the op, the operands' shapes or dtypes, and what was expected."""
from __future__ import annotations

import re

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.ops import nn_ops as F, shape as S


def _raises(exc, pattern, fn):
    with pytest.raises(exc, match=pattern):
        fn()


# -- shapes ------------------------------------------------------------------------------------------------------
def test_matmul_names_both_shapes(device):
    a, b = gg.ones(4, 64, device=device), gg.ones(128, 64, device=device)
    _raises(RuntimeError, re.escape("matmul: cannot multiply (4, 64) by (128, 64)"), lambda: a @ b)
    _raises(RuntimeError, re.escape("matmul: cannot multiply (3,) by (4,)"),
            lambda: gg.matmul(gg.ones(3, device=device), gg.ones(4, device=device)))
    _raises(RuntimeError, r"matmul of \(2, 3, 4\) by \(3, 4, 5\): batch dimensions \(2,\) and \(3,\)",
            lambda: gg.ones(2, 3, 4, device=device) @ gg.ones(3, 4, 5, device=device))
    _raises(RuntimeError, r"matmul: both arguments need at least 1 dimension",
            lambda: gg.matmul(gg.tensor(1.0, device=device), gg.ones(3, device=device)))


@pytest.mark.parametrize("name,op", [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("pow", lambda a, b: a ** b), ("maximum", gg.maximum), ("minimum", gg.minimum),
    ("sub", lambda a, b: b.__rsub__(a)), ("eq", lambda a, b: a == b), ("lt", lambda a, b: a < b),
    ("bitwise_and", lambda a, b: (a > 0) & (b > 0)),
])
def test_broadcasting_failure_names_op_and_shapes(name, op, device):
    a = gg.ones(2, 3, device=device, requires_grad=True)
    b = gg.ones(4, device=device)
    _raises(RuntimeError, rf"{name}: shapes \(2, 3\) and \(4,\) cannot be broadcast together: dimension -1 has "
                          r"sizes \[3, 4\]", lambda: op(a, b))


def test_broadcasting_failure_in_a_leading_dimension(device):
    _raises(RuntimeError, r"mul: shapes \(5, 2, 3\) and \(4, 1, 3\) cannot be broadcast together: dimension -3",
            lambda: gg.ones(5, 2, 3, device=device) * gg.ones(4, 1, 3, device=device))


def test_broadcasting_failure_in_where_and_clamp(device):
    c = gg.ones(3, device=device) > 0
    _raises(RuntimeError, r"where: shapes \(3,\) and \(2,\) and \(3,\) cannot be broadcast",
            lambda: gg.where(c, gg.ones(2, device=device), gg.ones(3, device=device)))
    _raises(RuntimeError, r"clamp: shapes \(3,\) and \(2,\) cannot be broadcast",
            lambda: gg.clamp(gg.ones(3, device=device), gg.ones(2, device=device)))


@pytest.mark.parametrize("fn,exc,pattern", [
    (lambda d: gg.ones(2, 3, device=d).reshape(4, 2), RuntimeError, r"reshape: shape \(4, 2\) is invalid for input "
                                                                    r"of size 6 \(shape \(2, 3\)\)"),
    (lambda d: gg.ones(2, 3, device=d).view(-1, -1), RuntimeError, r"reshape: shape \(-1, -1\) is invalid"),
    (lambda d: gg.ones(2, 3, device=d).expand(4, 3), RuntimeError, r"expand: the size of dim 0 \(2\) must match 4"),
    (lambda d: gg.ones(2, 3, device=d).permute(0, 0), RuntimeError, r"permute: \(0, 0\) is not a permutation"),
    (lambda d: gg.cat([gg.ones(2, 3, device=d), gg.ones(3, 2, device=d)]), RuntimeError,
     r"Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor number 1"),
    (lambda d: gg.cat([gg.ones(2, 3, device=d), gg.ones(2, device=d)], 1), RuntimeError,
     r"Tensors must have same number of dimensions: got 2 and 1"),
    (lambda d: gg.cat([]), ValueError, r"cat: expected a non-empty sequence"),
    (lambda d: gg.stack([gg.ones(2, 3, device=d), gg.ones(3, 2, device=d)]), RuntimeError,
     r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 2\] at entry 1"),
    (lambda d: gg.split(gg.ones(4, device=d), [1, 2]), RuntimeError, r"split: sections \[1, 2\] do not add up to 4"),
    (lambda d: F.linear(gg.ones(2, 3, device=d), gg.ones(4, 5, device=d)), RuntimeError,
     r"linear: input \(2, 3\) does not match weight \(4, 5\)"),
    (lambda d: F.linear(gg.ones(2, 5, device=d), gg.ones(4, 5, device=d), gg.ones(3, device=d)), RuntimeError,
     r"linear: bias \(3,\) does not match weight \(4, 5\)"),
    (lambda d: F.mse_loss(gg.ones(2, 3, device=d), gg.ones(3, 2, device=d)), RuntimeError,
     r"mse_loss: shapes \(2, 3\) and \(3, 2\) cannot be broadcast together"),
    (lambda d: F.cross_entropy(gg.ones(2, 3, device=d), gg.tensor([0, 1, 2], device=d)), ValueError,
     r"cross_entropy: expected target shape \(2,\) for input \(2, 3\), got \(3,\)"),
    (lambda d: F.cross_entropy(gg.ones(2, 3, device=d), gg.ones(2, device=d)), RuntimeError,
     r"cross_entropy: probability targets \(2,\) must match the input \(2, 3\); class-index targets must be "
     r"integers, got dtype gpugrad.float32"),
    (lambda d: S.pad(gg.ones(2, device=d), (1, 2, 3, 4)), ValueError, r"pad: expected an even number of values"),
    (lambda d: gg.gather(gg.ones(2, 3, device=d), 1, gg.tensor([0, 1], device=d)), RuntimeError,
     r"gather: index \(2,\) and input \(2, 3\) must have the same number of dimensions"),
])
def test_shape_errors(fn, exc, pattern, device):
    _raises(exc, pattern, lambda: fn(device))


def test_setitem_shape_mismatch_names_op(device):
    t = gg.ones(2, 3, device=device)
    _raises(ValueError, r"setitem: cannot assign a value of shape \(4,\) to index 0 of a tensor of shape \(2, 3\)",
            lambda: t.__setitem__(0, gg.ones(4, device=device)))


# -- dtypes --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn,exc,pattern", [
    (lambda d: gg.ones(2, 2, device=d) @ gg.ones(2, 2, dtype=gg.float64, device=d), RuntimeError,
     r"matmul: expected both operands to have the same dtype, got gpugrad.float32 and gpugrad.float64"),
    (lambda d: F.linear(gg.ones(2, 2, device=d), gg.ones(2, 2, dtype=gg.float64, device=d)), RuntimeError,
     r"linear: input dtype gpugrad.float32 does not match weight dtype gpugrad.float64"),
    (lambda d: F.gelu(gg.tensor([1], device=d)), TypeError, r"gelu: expected a floating point tensor, got dtype gpugrad.int64"),
    (lambda d: gg.tensor([1, 2], device=d).mean(), RuntimeError, r"mean: expected a floating point tensor, got "
                                                                  r"dtype gpugrad.int64"),
    (lambda d: gg.tensor([1, 2], device=d).var(), RuntimeError, r"var: expected a floating point tensor"),
    (lambda d: gg.tensor([1, 2], device=d).std(0), RuntimeError, r"std: expected a floating point tensor"),
    (lambda d: gg.tensor([1, 2], device=d).norm(), RuntimeError, r"norm: expected a floating point tensor"),
    (lambda d: F.cross_entropy(gg.ones(2, 3, device=d), gg.tensor([True, False], device=d)), RuntimeError,
     r"cross_entropy: target must hold class indices \(int64\) or probabilities \(float\), got dtype gpugrad.bool"),
    (lambda d: F.nll_loss(gg.ones(2, 3, device=d), gg.ones(2, device=d)), RuntimeError,
     r"nll_loss: target must be an integer tensor of class indices, got dtype gpugrad.float32"),
    (lambda d: gg.ones(3, device=d)[gg.tensor([0.0], device=d)], IndexError,
     r"tensors used as indices must be integer or bool, got float32"),
    (lambda d: gg.gather(gg.ones(2, 3, device=d), 1, gg.ones(2, 1, device=d)), TypeError,
     r"gather: index must be an integer tensor, got dtype float32"),
    (lambda d: gg.index_select(gg.ones(2, 3, device=d), 0, gg.ones(1, device=d)), TypeError,
     r"index_select: index must be a 1-D integer tensor, got dtype float32"),
    (lambda d: gg.where(gg.ones(2, device=d), gg.ones(2, device=d), 0.0), TypeError,
     r"where: condition must be a bool tensor, got dtype float32"),
    (lambda d: gg.ones(2, device=d) + "a", TypeError, r"second operand .* got str"),
])
def test_dtype_errors(fn, exc, pattern, device):
    _raises(exc, pattern, lambda: fn(device))


@pytest.mark.parametrize("make", [
    lambda d: gg.tensor([1, 2], device=d, requires_grad=True),
    lambda d: gg.zeros(2, dtype=gg.int64, device=d, requires_grad=True),
    lambda d: gg.tensor([1, 2], device=d).requires_grad_(),
    lambda d: gg.tensor([True], device=d).requires_grad_(),
])
def test_integer_tensors_cannot_require_grad(make, device):
    _raises(RuntimeError, r"only floating point tensors can require gradients, got dtype (int64|bool)",
            lambda: make(device))


def test_grad_with_respect_to_tensor_without_grad(device):
    y = gg.ones(2, device=device, requires_grad=True).sum()
    _raises(RuntimeError, r"grad: input 0 \(shape \(1,\)\) does not require grad",
            lambda: gg.autograd.grad(y, gg.tensor([1], device=device)))


# -- scalar expected -----------------------------------------------------------------------------------------------------
def test_item_needs_one_element(device):
    _raises(RuntimeError, r"item: only one-element tensors can be converted to Python scalars, got shape \(2, 3\)",
            lambda: gg.ones(2, 3, device=device).item())
    _raises(RuntimeError, r"Boolean value of Tensor with more than one value is ambiguous \(shape \(2,\)\)",
            lambda: bool(gg.ones(2, device=device)))
    _raises(RuntimeError, r"Boolean value of Tensor with no values is ambiguous",
            lambda: bool(gg.ones(0, device=device)))
    for convert in (int, float):            # PyTorch's __int__/__float__ raise ValueError, item() RuntimeError
        for shape in ((2,), (0,)):
            _raises(ValueError, rf"only one element tensors can be converted to Python scalars, got shape "
                                rf"{re.escape(str(shape))}", lambda: convert(gg.ones(*shape, device=device)))


def test_backward_needs_scalar_or_gradient(device):
    y = gg.ones(32, 10, device=device, requires_grad=True) * 2
    _raises(RuntimeError, r"backward: grad can be implicitly created only for scalar outputs, but the output has "
                          r"shape \(32, 10\)", y.backward)


# -- dims -----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn,pattern", [
    (lambda x: x.sum(2), r"sum: dimension 2 is out of range for a tensor of 2 dimension\(s\)"),
    (lambda x: x.mean(-3), r"mean: dimension -3 is out of range"),
    (lambda x: x.var(5), r"var: dimension 5 is out of range"),
    (lambda x: x.max(2), r"max: dimension 2 is out of range"),
    (lambda x: x.logsumexp(3), r"logsumexp: dimension 3 is out of range"),
    (lambda x: x.transpose(0, 2), r"transpose: dimension 2 is out of range"),
    (lambda x: x.squeeze(3), r"squeeze: dimension 3 is out of range"),
    (lambda x: x.unsqueeze(4), r"unsqueeze: dim 4 out of range for a tensor of 2 dims"),
    (lambda x: F.softmax(x, 2), r"softmax: dim 2 out of range for shape \(2, 3\)"),
    (lambda x: F.log_softmax(x, -3), r"log_softmax: dim -3 out of range"),
    (lambda x: gg.cat([x, x], 2), r"cat: dimension 2 is out of range"),
    (lambda x: gg.stack([x, x], 4), r"stack: dim 4 out of range for 2-d tensors"),
    (lambda x: x.split(1, 2), r"split: dimension 2 is out of range"),
    (lambda x: x.argmax(2), r"argmax: dimension 2 is out of range"),
])
def test_bad_dims(fn, pattern, device):
    _raises(IndexError, pattern, lambda: fn(gg.ones(2, 3, device=device)))


# -- indices -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("requires_grad", [False, True])
def test_out_of_range_index_names_op_and_shape(requires_grad, device):
    x = gg.ones(2, 3, device=device, requires_grad=requires_grad)
    _raises(IndexError, r"getitem: index 2 is invalid for a tensor of shape \(2, 3\)", lambda: x[2])
    _raises(IndexError, r"getitem: .* is invalid for a tensor of shape \(2, 3\).*5", lambda: x[:, 5])
    _raises(IndexError, r"getitem: .* is invalid for a tensor of shape \(2, 3\)",
            lambda: x[gg.tensor([0, 5], device=device)])


def test_out_of_range_setitem_names_op(device):
    x = gg.ones(2, 3, device=device)
    _raises(IndexError, r"setitem: cannot assign 1.0 to index 5 of a tensor of shape \(2, 3\)",
            lambda: x.__setitem__(5, 1.0))


def test_out_of_range_gather_and_index_select(device):
    if device != "cpu":
        pytest.skip("the range check reads the data on the host: CPU only (on a GPU it would sync every call)")
    x = gg.ones(2, 3, device=device, requires_grad=True)
    _raises(IndexError, r"gather: index 3 is out of bounds for dim 1 with size 3",
            lambda: gg.gather(x, 1, gg.tensor([[0, 3]], device=device)))
    _raises(IndexError, r"index_select: index 2 is out of bounds for dim 0 with size 2",
            lambda: gg.index_select(x, 0, gg.tensor([2], device=device)))


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
@pytest.mark.parametrize("bad", [3, -1, 100])
def test_class_target_out_of_range(loss, bad, device):
    if device != "cpu":
        pytest.skip("the range check reads the data on the host: CPU only (on a GPU it would sync every call)")
    name = loss.__name__
    _raises(IndexError, rf"{name}: target {bad} is out of bounds for 3 classes \(expected 0 <= target < 3\)",
            lambda: loss(gg.ones(2, 3, device=device), gg.tensor([0, bad], device=device)))
    # ignore_index itself is allowed, even though it lies outside [0, C)
    assert np.isfinite(loss(gg.ones(2, 3, device=device), gg.tensor([0, -100], device=device)).item())


def test_binary_cross_entropy_needs_probabilities(device):
    if device != "cpu":
        pytest.skip("the range check reads the data on the host: CPU only (on a GPU it would sync every call)")
    _raises(ValueError, r"binary_cross_entropy: input must hold probabilities in \[0, 1\]",
            lambda: F.binary_cross_entropy(gg.full((2,), 2.0, device=device), gg.ones(2, device=device)))


# -- misc -------------------------------------------------------------------------------------------------------------------
def test_backward_through_freed_graph_names_the_node(device):
    x = gg.ones(2, device=device, requires_grad=True)
    y = x.exp().sum()
    y.backward()
    _raises(RuntimeError, r"second time \(through ExpBackward\)", y.backward)


def test_clamp_needs_a_bound(device):
    _raises(ValueError, r"clamp: at least one of min and max must be given", lambda: gg.ones(2, device=device).clamp())


def test_reductions_of_empty_tensors(device):
    _raises(RuntimeError, r"max: cannot reduce an empty tensor of shape \(0,\)", lambda: gg.ones(0, device=device).max())


def test_inplace_on_an_expanded_tensor_names_the_op():
    y = gg.ones(3, 1).expand(3, 4)            # NumPy marks broadcast views read-only (CuPy does not)
    _raises(RuntimeError, r"add_: the tensor of shape \(3, 4\) is a read-only view \(from expand",
            lambda: y.add_(1.0))
    _raises(ValueError, r"setitem: .*read-only", lambda: y.__setitem__(0, 5.0))


def test_inplace_result_that_cannot_be_cast_back_names_the_op(device):
    i = gg.tensor([1, 2], device=device)
    _raises(RuntimeError, r"add_: result type float32 can't be cast to the tensor's dtype int64",
            lambda: i.add_(1.5))               # PyTorch refuses too; NumPy would truncate silently
    _raises(RuntimeError, r"add_: result shape \(2, 2\) doesn't match the tensor's shape \(2,\)",
            lambda: i.add_(gg.ones(2, 2, dtype=gg.int64, device=device)))
    assert i.tolist() == [1, 2]
    x = gg.ones(2, device=device)
    x *= gg.tensor([2.0, 3.0], dtype=gg.float64, device=device)   # the same kind narrows, as in PyTorch
    assert x.dtype == gg.float32 and x.tolist() == [2.0, 3.0]


def test_inf_and_nan_arise_silently_as_in_pytorch():
    """x/0, log(0), sqrt(-1) and their gradients give inf/NaN without NumPy's RuntimeWarnings from inside
    gpugrad (PyTorch is silent); the user's own NumPy calls still warn."""
    import warnings
    import numpy as np
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        import gpugrad._fpwarnings as fp
        fp.install()
        x = gg.tensor([float("inf"), 0.0, -1.0], requires_grad=True)
        y = (x / x).sum() + gg.log(x).sum() + gg.sqrt(x).sum()
        y.backward()
        ours = [str(w.message) for w in seen]
        np.log(np.zeros(1))
    assert ours == []
    assert any("divide by zero" in str(w.message) for w in seen)
