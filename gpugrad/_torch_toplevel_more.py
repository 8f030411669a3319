"""More of PyTorch's top-level names over gpugrad functions: ATen's native forms ``embedding``,
``constant_pad_nd``, ``native_layer_norm``, ``native_batch_norm``, ``native_dropout``, ``feature_dropout``
(and ``_``), the deprecated ``frobenius_norm`` / ``nuclear_norm`` and the removed ``matrix_rank``,
``get_device``, ``vmap`` (``gpugrad.func.vmap``) and, from their own modules, the ``*_copy`` functions,
``binomial``, ``svd_lowrank``/``pca_lowrank``, ``histogramdd`` and the runtime switches. Merged into
:mod:`gpugrad` by :mod:`gpugrad._torch_toplevel` (it sits above ``nn``).

>>> import gpugrad as gg
>>> gg.constant_pad_nd(gg.tensor([1.0]), [1, 0], 9.0)
tensor([9., 1.])
"""
from __future__ import annotations

from . import _dtype
from ._runtime_flags import init_num_threads, is_warn_always_enabled, set_flush_denormal, set_warn_always, warn_once
from .func import vmap
from .nn import functional as F
from .nn.functional_dropout import _feature_dims, _masked
from .ops.binomial import binomial
from .ops.copy_variants import COPY_FUNCTIONS
from .ops.histogramdd import histogramdd
from .ops.lowrank import pca_lowrank, svd_lowrank
from .tensor import Tensor


def _tensor_arg(op, name, value, position=1):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def get_device(input):
    """The index of the GPU ``input`` is on, or -1 for a CPU tensor (PyTorch's ``torch.get_device``).

    Args:
        input: a tensor.

    Returns:
        An int.

    >>> import gpugrad as gg
    >>> gg.get_device(gg.ones(2))
    -1
    """
    _tensor_arg("get_device", "input", input)
    return input.get_device()


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """PyTorch's native ``torch.embedding`` (weight first): the rows of ``weight`` at ``indices``; see
    :func:`gpugrad.nn.functional.embedding`. A negative ``padding_idx`` means none (the native form does not
    count from the end).

    Args:
        weight: the ``(num_embeddings, embedding_dim)`` table.
        indices: an int64 or int32 tensor of row numbers.
        padding_idx: the row whose gradient stays zero (-1, or any negative: none).
        scale_grad_by_freq: divide each row's gradient by its count in ``indices``.
        sparse: accepted (gpugrad's gradients are dense).

    Returns:
        A tensor of shape ``indices.shape + (embedding_dim,)``.

    >>> import gpugrad as gg
    >>> gg.embedding(gg.tensor([[0.0, 1.0], [2.0, 3.0]]), gg.tensor([1, 1]))
    tensor([[2., 3.],
            [2., 3.]])
    """
    _tensor_arg("embedding", "weight", weight)
    _tensor_arg("embedding", "indices", indices, 2)
    return F.embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def constant_pad_nd(input, pad, value=0):
    """PyTorch's native ``torch.constant_pad_nd``: :func:`gpugrad.nn.functional.pad` with ``mode='constant'``
    (pairs of widths from the last dim backwards; negative widths crop).

    Args:
        input: the tensor.
        pad: the widths, an even number of ints, at most two per dim.
        value: the fill value (cast to input's dtype).

    Returns:
        The padded tensor (differentiable in input).

    >>> import gpugrad as gg
    >>> gg.constant_pad_nd(gg.tensor([[1, 2]]), [1, -1], 7)
    tensor([[7, 1]])
    """
    if len(pad) == 0:
        return input.clone()
    return F.pad(input, list(pad), mode="constant", value=value)


def _check_normalized(input, normalized_shape):
    shape = tuple(normalized_shape)
    if not shape or tuple(input.shape[input.ndim - len(shape):]) != shape or len(shape) > input.ndim:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{''.join(', ' + str(s) for s in shape)}], but got input of size{list(input.shape)}")
    return tuple(range(input.ndim - len(shape), input.ndim))


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """PyTorch's native ``torch.native_layer_norm``: the layer norm and the statistics it used.

    Args:
        input: the tensor.
        normalized_shape: the trailing shape normalized over.
        weight: the scale or None.
        bias: the shift or None.
        eps: added to the variance.

    Returns:
        ``(output, mean, rstd)``: output as :func:`gpugrad.nn.functional.layer_norm` (differentiable), the mean
        and 1 / sqrt(var + eps) over the normalized dims, kept as size-1 dims (not differentiable).

    >>> import gpugrad as gg
    >>> out, mean, rstd = gg.native_layer_norm(gg.tensor([[1.0, 3.0]]), [2], None, None, 0.0)
    >>> out, mean, rstd
    (tensor([[-1.,  1.]]), tensor([[2.]]), tensor([[1.]]))
    """
    dims = _check_normalized(input, normalized_shape)
    out = F.layer_norm(input, tuple(normalized_shape), weight, bias, eps)
    x = input.detach()
    mean = x.mean(dims, keepdim=True)
    rstd = ((x - mean).square().mean(dims, keepdim=True) + eps).rsqrt()
    return out, mean, rstd


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """PyTorch's native ``torch.native_batch_norm``: the batch norm (updating the running statistics in
    training) and, in training, the batch statistics it used.

    Args:
        input: ``(N, C, *)``.
        weight: the ``(C,)`` scale or None.
        bias: the ``(C,)`` shift or None.
        running_mean: the running mean or None (updated in training).
        running_var: the running variance or None (updated in training, with the unbiased batch variance).
        training: normalize by the batch's statistics.
        momentum: the running averages' factor.
        eps: added to the variance.

    Returns:
        ``(output, save_mean, save_invstd)``: output differentiable; in training the ``(C,)`` batch mean and
        1 / sqrt(biased var + eps), else two empty tensors (not differentiable).

    >>> import gpugrad as gg
    >>> out, mean, invstd = gg.native_batch_norm(gg.tensor([[1.0], [3.0]]), None, None, None, None, True, 0.1, 0.0)
    >>> out.tolist(), mean.tolist(), invstd.tolist()
    ([[-1.0], [1.0]], [2.0], [1.0])
    """
    if input.ndim < 2:
        raise RuntimeError(f"native_batch_norm: expected input of shape (N, C, *) with at least 2 dims, got "
                           f"{list(input.shape)}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("native_batch_norm: running_mean and running_var are required when training=False")
    out = F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        empty = input.detach().new_empty(0)
        return out, empty, empty.clone()
    x = input.detach()
    dims = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(dims)
    invstd = (x.var(dims, correction=0) + eps).rsqrt()
    return out, mean, invstd


def native_dropout(input, p, train):
    """PyTorch's native ``torch.native_dropout``: dropout that also returns its mask.

    Args:
        input: the tensor.
        p: the probability of dropping an element, in [0, 1].
        train: apply dropout (None counts as True); False: the input copied and a mask of True.

    Returns:
        ``(output, mask)``: ``input * mask / (1 - p)`` (0 where p == 1), differentiable, and the bool mask of
        the kept elements.

    >>> import gpugrad as gg
    >>> out, mask = gg.native_dropout(gg.ones(3), 0.0, True)
    >>> out, mask
    (tensor([1., 1., 1.]), tensor([True, True, True]))
    """
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={1 - p}")
    x = input._data
    xp = input.xp
    if train is False or p == 0:
        return input.clone(), Tensor._make(xp.ones(x.shape, dtype=bool), None, False)
    from .random_factories import _generator
    draw = x.dtype if x.dtype.kind == "f" and x.dtype.itemsize >= 4 else "float32"
    keep = _generator(xp, x).random(x.shape, dtype=draw) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return input * Tensor._make((keep * scale).astype(x.dtype), None, False), Tensor._make(keep, None, False)


def _feature_dropout(name, inplace):
    def fn(input, p, train):
        if not 0 <= p <= 1:
            raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
        return _masked(input, p, train, inplace, name, _feature_dims(name, input), False)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""PyTorch's native ``torch.{name}(input, p, train)``: zero whole features, each entry of
    ``input.shape[:2]`` (N, C) with probability ``p`` over all its remaining dims, and scale the rest by
    1 / (1 - p){', in place' if inplace else ''}.

    Args:
        input: a tensor of at least 2 dims.
        p: the probability of zeroing a feature.
        train: apply dropout (False: the input as it is).

    Returns:
        A tensor of input's shape{' (input itself)' if inplace else ''}.

    >>> import gpugrad as gg
    >>> gg.{name}(gg.ones(1, 2, 2), 0.5, False)
    tensor([[[1., 1.],
             [1., 1.]]])
    """
    return fn


feature_dropout = _feature_dropout("feature_dropout", False)
feature_dropout_ = _feature_dropout("feature_dropout_", True)


def frobenius_norm(input, dim, keepdim=False, *, out=None):
    """PyTorch's deprecated ``torch.frobenius_norm``: ``linalg.vector_norm(input, 2, dim, keepdim)`` over at
    most two dims (all of them for ``dim=[]``), warning once per process (see :func:`gpugrad.set_warn_always`).

    Args:
        input: a floating point tensor.
        dim: an int or a sequence of at most two ints.
        keepdim: keep the reduced dims with size 1.
        out: an optional tensor the result is written into (returned).

    Returns:
        The norm (differentiable).

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.frobenius_norm(gg.tensor([[3.0, 4.0]]), [0, 1])
    tensor(5.)
    """
    from .linalg import vector_norm
    warn_once("frobenius_norm", "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It "
              "will be removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` "
              "instead")
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions instead.")
    return vector_norm(input, 2, dims or None, keepdim, out=out)


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """PyTorch's deprecated ``torch.nuclear_norm``: ``linalg.matrix_norm(input, 'nuc', dim, keepdim)``, the sum
    of the singular values of the matrices over ``dim`` (the last two dims by default), warning once per
    process. As PyTorch's overloads, ``nuclear_norm(input, True)`` is ``keepdim=True``.

    Args:
        input: a floating point tensor of at least 2 dims.
        dim: the two matrix dims (default ``(-2, -1)``), or a bool taken as keepdim.
        keepdim: keep the reduced dims with size 1.
        out: an optional tensor the result is written into (returned).

    Returns:
        The norm (differentiable).

    >>> import gpugrad as gg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.nuclear_norm(gg.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor(7.)
    """
    from .linalg import matrix_norm
    warn_once("nuclear_norm", "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will "
              "be removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` "
              "instead")
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    if input.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if not _dtype.is_float(input.dtype) and input.dtype.kind != "c":
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{input.dtype}")
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim, out=out)


def matrix_rank(input, tol=None, symmetric=False, *, out=None):
    """Removed from PyTorch (deprecated in 1.9): raises RuntimeError pointing at
    :func:`gpugrad.linalg.matrix_rank`, as ``torch.matrix_rank`` does in PyTorch 2.13.

    Args:
        input: ignored.
        tol: ignored.
        symmetric: ignored (``hermitian`` in linalg.matrix_rank).
        out: ignored.

    Returns:
        Nothing (it raises).

    >>> import gpugrad as gg
    >>> try:
    ...     gg.matrix_rank(gg.eye(2))
    ... except RuntimeError as e:
    ...     print(str(e).splitlines()[0])
    This function was deprecated since version 1.9 and is now removed.
    """
    raise RuntimeError("This function was deprecated since version 1.9 and is now removed.\nPlease use the "
                       "`torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was renamed in "
                       "`torch.linalg.matrix_rank()` to 'hermitian'.")


#: the names this module adds to gpugrad's top level
TOPLEVEL_MORE = dict(
    COPY_FUNCTIONS, vmap=vmap, set_flush_denormal=set_flush_denormal, set_warn_always=set_warn_always,
    is_warn_always_enabled=is_warn_always_enabled, init_num_threads=init_num_threads, get_device=get_device,
    embedding=embedding, constant_pad_nd=constant_pad_nd, native_layer_norm=native_layer_norm,
    native_batch_norm=native_batch_norm, native_dropout=native_dropout, feature_dropout=feature_dropout,
    feature_dropout_=feature_dropout_, frobenius_norm=frobenius_norm, nuclear_norm=nuclear_norm,
    matrix_rank=matrix_rank, binomial=binomial, svd_lowrank=svd_lowrank, pca_lowrank=pca_lowrank,
    histogramdd=histogramdd)
