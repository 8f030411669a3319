"""PyTorch's vector products and trace (``torch.dot``, ``vdot``, ``inner``, ``outer``/``ger``, ``mv``,
``trace``) and their Tensor methods. Compositions of recorded ops (matmul, mul, diagonal, sum): each gradient is
that of the ops it is made of. The checks mirror PyTorch's: dot/vdot/inner/mv refuse mixed dtypes (they do not
promote, outer does), and the bool dtype where PyTorch has no kernel."""
from __future__ import annotations

import math as _math
import warnings

from ..tensor import Tensor
from ._util import write_out, shape_str
from .arithmetic import matmul, mul
from .reduction import sum as _sum
from .shape import reshape, transpose, unsqueeze
from .views import diagonal


def _tensors(op, **named):
    """TypeError (as PyTorch's argument parser) for an argument that is not a tensor."""
    for pos, (name, t) in enumerate(named.items(), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(t).__name__}")


def _no_bool(op, *ts):
    if any(t.dtype.kind == "b" for t in ts):
        raise NotImplementedError(f'"{op}" not implemented for \'Bool\'')


def _same_dtype(op, a, b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: expected both tensors to have the same dtype, but found {a.dtype} and {b.dtype}")


def _out_dtype(op, result, out):
    """dot/vdot/mv write only into an out of the result's dtype (PyTorch does not cast there)."""
    if isinstance(out, Tensor) and out.dtype != result.dtype:
        raise RuntimeError(f"{op}: result dtype {out.dtype} does not match input dtype {result.dtype}")
    return write_out(result, out, op)


def _dot_like(op, input, other, name, out):
    _tensors(op, input=input, **{name: other})
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"{op}: 1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    _same_dtype(op, input, other)
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"{op}: inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements")
    _no_bool(op, input)
    return _out_dtype(op, matmul(input, other), out)


def dot(input, tensor, *, out=None):
    """The dot product of two 1-D tensors of the same length and dtype, as ``torch.dot``.

    Args:
        input: a 1-D tensor.
        tensor: a 1-D tensor of the same length and dtype (no promotion, as PyTorch).
        out: an optional 0-d tensor of the same dtype the result is written into.

    Returns:
        A 0-d tensor.

    >>> import gpugrad as gg
    >>> gg.dot(gg.tensor([1.0, 2.0]), gg.tensor([3.0, 4.0]))
    tensor(11.)
    """
    return _dot_like("dot", input, tensor, "tensor", out)


def vdot(input, other, *, out=None):
    """The dot product of two 1-D tensors, the first conjugated, as ``torch.vdot`` (gpugrad's dtypes are real,
    so it equals :func:`dot`).

    Args:
        input: a 1-D tensor.
        other: a 1-D tensor of the same length and dtype.
        out: an optional 0-d tensor of the same dtype the result is written into.

    Returns:
        A 0-d tensor.

    >>> import gpugrad as gg
    >>> gg.vdot(gg.tensor([1, 2]), gg.tensor([3, 4]))
    tensor(11)
    """
    return _dot_like("vdot", input, other, "other", out)


def inner(input, other, *, out=None):
    """The inner product over the last dims, as ``torch.inner``: ``out[i..., j...] = sum_k input[i..., k] *
    other[j..., k]``; a 0-d operand multiplies the other (with type promotion).

    Args:
        input: a tensor.
        other: a tensor whose last dim matches input's, of the same dtype (unless one of them is 0-d).
        out: an optional tensor the result is written into.

    Returns:
        A tensor of shape ``input.shape[:-1] + other.shape[:-1]``.

    >>> import gpugrad as gg
    >>> gg.inner(gg.tensor([[1.0, 2.0], [3.0, 4.0]]), gg.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    _tensors("inner", input=input, other=other)
    if input.ndim == 0 or other.ndim == 0:
        return write_out(mul(input, other), out, "inner")
    _same_dtype("inner", input, other)
    k = input.shape[-1]
    if other.shape[-1] != k:
        raise RuntimeError(f"inner(): the last dimension must match on both input tensors but got shapes "
                           f"{shape_str(input.shape)} and {shape_str(other.shape)}")
    _no_bool("inner", input)
    lead = tuple(input.shape[:-1]) + tuple(other.shape[:-1])
    if input.ndim == 1 and other.ndim == 1:
        return write_out(matmul(input, other), out, "inner")
    # (m, k) @ (k, n): one matrix product over the flattened leading dims
    m, n = _math.prod(input.shape[:-1]), _math.prod(other.shape[:-1])
    prod = matmul(reshape(input, (m, k)), transpose(reshape(other, (n, k)), 0, 1))
    return write_out(reshape(prod, lead), out, "inner")


def outer(input, vec2, *, out=None):
    """The outer product of two 1-D tensors, ``out[i, j] = input[i] * vec2[j]``, as ``torch.outer`` (the dtypes
    promote).

    Args:
        input: a 1-D tensor of length n.
        vec2: a 1-D tensor of length m.
        out: an optional tensor the result is written into.

    Returns:
        An (n, m) tensor.

    >>> import gpugrad as gg
    >>> gg.outer(gg.tensor([1.0, 2.0]), gg.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    _tensors("outer", input=input, vec2=vec2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return write_out(mul(unsqueeze(input, 1), vec2), out, "outer")


def ger(input, vec2, *, out=None):
    """The outer product of two 1-D tensors: PyTorch's old name of :func:`outer` (deprecated there: it warns, as
    PyTorch does).

    Args:
        input: a 1-D tensor of length n.
        vec2: a 1-D tensor of length m.
        out: an optional tensor the result is written into.

    Returns:
        An (n, m) tensor.

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.ger(gg.tensor([1, 2]), gg.tensor([3, 4]))
    tensor([[3, 4],
            [6, 8]])
    """
    warnings.warn("torch.ger is deprecated and will be removed in a future PyTorch release. Use torch.outer "
                  "instead.", UserWarning, stacklevel=2)
    return outer(input, vec2, out=out)


def mv(input, vec, *, out=None):
    """The product of an (n, m) matrix and an (m,) vector, as ``torch.mv`` (same dtypes, no promotion).

    Args:
        input: an (n, m) matrix.
        vec: an (m,) vector of the matrix's dtype.
        out: an optional tensor of the same dtype the result is written into.

    Returns:
        An (n,) tensor.

    >>> import gpugrad as gg
    >>> gg.mv(gg.tensor([[1.0, 2.0], [3.0, 4.0]]), gg.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    _tensors("mv", input=input, vec=vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: vector + matrix @ vector expected, got a {input.ndim}-D matrix and a {vec.ndim}-D "
                           f"vector")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got mat ({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    if input.dtype != vec.dtype:
        raise RuntimeError(f"mv: input tensors must have the same dtype, but got {input.dtype} and {vec.dtype}")
    _no_bool("mv", input)
    return _out_dtype("mv", matmul(input, vec), out)


def trace(input):
    """The sum of the main diagonal of a 2-D tensor, as ``torch.trace`` (integers sum in int64).

    Args:
        input: a 2-D tensor (any shape (n, m); not bool).

    Returns:
        A 0-d tensor.

    >>> import gpugrad as gg
    >>> gg.trace(gg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    _tensors("trace", input=input)
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    _no_bool("trace", input)
    return _sum(diagonal(input))


# the Tensor methods are the functions themselves (x.dot(y) is dot(x, y)), merged by gpugrad.ops.methods
PRODUCT_METHODS = dict(dot=dot, vdot=vdot, inner=inner, outer=outer, ger=ger, mv=mv, trace=trace)
