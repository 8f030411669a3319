"""PyTorch's names for what the op library already does: aliases (``divide``, ``concat``, ``swapaxes``...),
matrix products with their shape checks (``mm``, ``bmm``, ``addmm``), ``take_along_dim``, ``normal`` and the
in-place random fills (``normal_``, ``uniform_``, ``exponential_``, ``bernoulli_``). Compositions only: no new
op, so each gradient is that of the ops it is made of."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .. import backend as _backend
from ..tensor import Tensor
from ..factories import _xp_dev, _shape, _finish
from ..backend import xp_of
from ._util import write_out, shape_str, FloatOnlyError
from . import arithmetic as A, shape as S


def _check_ndim(op, want, *ts):
    for t in ts:
        if not isinstance(t, Tensor) or t.ndim != want:
            raise RuntimeError(f"{op}: expected {want}-D tensors, got shapes "
                               + " and ".join(str(tuple(u.shape)) if isinstance(u, Tensor) else type(u).__name__
                                              for u in ts))


def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors (no broadcasting), as torch.mm.

    Args:
        input: an (n, m) tensor.
        mat2: an (m, p) tensor.
        out: optional tensor to write the result into.

    Returns:
        The (n, p) product.

    >>> import gpugrad as gg
    >>> gg.mm(gg.ones(2, 3), gg.ones(3, 4)).shape
    gpugrad.Size([2, 4])
    """
    _check_ndim("mm", 2, input, mat2)
    return write_out(A.matmul(input, mat2), out)


def bmm(input, mat2, *, out=None):
    """Batched matrix product of (b, n, m) and (b, m, p) tensors (same batch size, no broadcasting).

    Args:
        input: a (b, n, m) tensor.
        mat2: a (b, m, p) tensor.
        out: optional tensor to write the result into.

    Returns:
        The (b, n, p) products.

    >>> import gpugrad as gg
    >>> gg.bmm(gg.ones(5, 2, 3), gg.ones(5, 3, 4)).shape
    gpugrad.Size([5, 2, 4])
    """
    _check_ndim("bmm", 3, input, mat2)
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {shape_str(input.shape)} and {shape_str(mat2.shape)}")
    return write_out(A.matmul(input, mat2), out)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``, as torch.addmm (input broadcasts against the product).

    Args:
        input: the added term, broadcastable to (n, p).
        mat1: an (n, m) tensor.
        mat2: an (m, p) tensor.
        beta: the scale of input.
        alpha: the scale of the product.
        out: optional tensor to write the result into.

    Returns:
        The (n, p) result.

    >>> import gpugrad as gg
    >>> gg.addmm(gg.ones(3), gg.ones(2, 3), gg.ones(3, 3), beta=2).tolist()
    [[5.0, 5.0, 5.0], [5.0, 5.0, 5.0]]
    """
    _check_ndim("addmm", 2, mat1, mat2)
    prod = A.matmul(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:                       # PyTorch ignores input then (even NaN in it)
        return write_out(prod, out)
    return write_out(A.add(input * beta if beta != 1 else input, prod), out)


def swapaxes(input, axis0, axis1):
    """The tensor with two dims exchanged (a view), as torch.swapaxes (= transpose).

    Args:
        input: the tensor.
        axis0: one dim.
        axis1: the other dim.

    Returns:
        A view of input.

    >>> import gpugrad as gg
    >>> gg.swapaxes(gg.ones(2, 3, 4), 0, 2).shape
    gpugrad.Size([4, 3, 2])
    """
    if input.ndim < 2:
        S.dims("swapaxes", input.ndim, (axis0, axis1))
        return input
    return S.transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    """The tensor with two dims exchanged (a view), as torch.swapdims (= transpose, = swapaxes).

    Args:
        input: the tensor.
        dim0: one dim.
        dim1: the other dim.

    Returns:
        A view of input.

    >>> import gpugrad as gg
    >>> gg.swapdims(gg.ones(2, 3, 4), 0, 1).shape
    gpugrad.Size([3, 2, 4])
    """
    return swapaxes(input, dim0, dim1)


def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of input at ``indices`` along ``dim`` (the flattened input when dim is None), as
    torch.take_along_dim; unlike gather, input and indices broadcast against each other.

    Args:
        input: the tensor read.
        indices: an integer tensor.
        dim: the dim indexed, or None (the flattened input).
        out: optional tensor to write the result into.

    Returns:
        The gathered values.

    >>> import gpugrad as gg
    >>> gg.take_along_dim(gg.tensor([[10., 30., 20.]]), gg.tensor([[2, 0]]), 1).tolist()
    [[20.0, 10.0]]
    """
    idx = indices if isinstance(indices, Tensor) else Tensor._make(input.xp.asarray(indices), None, False)
    if dim is None:
        return write_out(S.gather(S.reshape(input, -1), 0, S.reshape(idx, -1)), out)
    d = S.dims("take_along_dim", input.ndim, dim)[0]
    if idx.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim: input {shape_str(input.shape)} and indices {shape_str(idx.shape)} "
                           f"must have the same number of dimensions")
    try:
        shape = np.broadcast_shapes(tuple(s for i, s in enumerate(input.shape) if i != d),
                                    tuple(s for i, s in enumerate(idx.shape) if i != d))
    except ValueError:
        raise RuntimeError(f"take_along_dim: input {shape_str(input.shape)} and indices {shape_str(idx.shape)} "
                           f"do not broadcast outside dim {d}") from None
    x_shape = shape[:d] + (input.shape[d],) + shape[d:]
    i_shape = shape[:d] + (idx.shape[d],) + shape[d:]
    x = input if input.shape == x_shape else S.expand(input, x_shape)
    i = idx if idx.shape == i_shape else S.expand(idx, i_shape)
    return write_out(S.gather(x, d, i), out)


# -- random numbers ------------------------------------------------------------------------------------------
def _draw(kind, shape, dtype, device, generator=None, **p):
    """An array of ``shape`` on ``device`` drawn from ``generator`` (a ``gpugrad.Generator`` or NumPy
    generator, CPU only) or gpugrad's generator there (seeded by manual_seed)."""
    dt = _dtype.as_dtype(dtype) or _dtype.get_default_dtype()
    draw = dt if dt.kind == "f" and dt.itemsize >= 4 else np.float64   # the generators draw float32/64 only
    if generator is not None and device.type != "cpu":
        raise NotImplementedError(f"{kind}: generator= is for CPU tensors; on {device} seed gpugrad's generators "
                                  f"with gpugrad.manual_seed")
    gen = generator if generator is not None else _backend.generator(device)
    if kind == "normal":
        a = gen.standard_normal(shape, dtype=draw) * p.get("std", 1.0) + p.get("mean", 0.0)
    else:
        a = gen.random(shape, dtype=draw)
        if kind == "uniform":
            a = a * (p["high"] - p["low"]) + p["low"]
        elif kind == "exponential":                   # inverse CDF: -log(1 - U) / lambda
            a = -xp_of(a).log1p(-a) / p["lambd"]
        elif kind == "bernoulli":
            a = a < p["p"]
    return a.astype(dt, copy=False)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Normal samples, as torch.normal's four forms: ``normal(mean_tensor, std_tensor)``,
    ``normal(mean_tensor, std=1.0)``, ``normal(mean_float, std_tensor)`` (the tensors' broadcast shape) and
    ``normal(mean_float, std_float, size)``.

    Args:
        mean: a tensor (floating point) or a number.
        std: a tensor (floating point) or a number (>= 0).
        size: the shape, when both are numbers.
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from (CPU only).
        out: optional tensor to write the result into.
        dtype: the dtype (numbers only; default float).
        layout: PyTorch's layout: None or ``gpugrad.strided`` (numbers only).
        device: the device (numbers only).
        requires_grad: make the result a leaf that requires grad (numbers only).
        pin_memory: accepted and ignored, as by the other factories.

    Returns:
        A tensor of samples, mean + std * N(0, 1). From tensors that require grad, it requires grad too, with
        zero gradient (PyTorch's derivative of a sample with respect to mean and std).

    >>> import gpugrad as gg
    >>> gg.normal(0.0, 1.0, (2, 3)).shape
    gpugrad.Size([2, 3])
    """
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal: size= is only for a float mean and a float std")
        for t in tensors:
            if not _dtype.is_float(t.dtype):
                raise NotImplementedError(f"normal: mean and std must be floating point tensors, got dtype {t.dtype}")
        like = tensors[0]
        try:
            shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
        except ValueError:
            raise RuntimeError(f"normal: the shapes of mean {shape_str(getattr(mean, 'shape', ()))} and std "
                               f"{shape_str(getattr(std, 'shape', ()))} do not broadcast") from None
        if not isinstance(std, Tensor) and std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        if isinstance(std, Tensor) and std._data.__class__ is np.ndarray and bool((std._data < 0).any()):
            raise RuntimeError("normal: std must be >= 0")
        z = Tensor._make(_draw("normal", shape, like.dtype, like.device, generator), None, False)
        res = A.add(A.mul(z, std.detach() if isinstance(std, Tensor) else std),
                    mean.detach() if isinstance(mean, Tensor) else mean)
        needs = [t for t in tensors if t.requires_grad]
        if needs:                  # a sample's derivative with respect to mean and std is zero, as in PyTorch
            from .random_more import Sampled
            res = Sampled.apply(res._data, *needs)
        return write_out(res, out)
    if size is None:
        raise TypeError("normal: with a float mean and a float std, give size (e.g. normal(0.0, 1.0, (2, 3)))")
    if std < 0:
        raise RuntimeError(f"normal: std must be >= 0, got {std}")
    xp, dev = _xp_dev(device)
    arr = _draw("normal", _shape((size,) if isinstance(size, int) else tuple(size)), dtype, dev, generator, mean=mean,
                std=std)
    return _finish(arr, xp, requires_grad, "normal", out, layout)


def _fill_random(t, kind, generator=None, **p):
    """t's storage filled with fresh samples (as ``copy_`` of them: refused on a leaf that requires grad while
    grad mode is on, as PyTorch's in-place ops are)."""
    from . import copy_
    if t.dtype.kind != "f" and kind != "bernoulli":
        raise FloatOnlyError(f"{kind}_: expected a floating point tensor, got dtype {t.dtype}")
    return copy_(t, Tensor._make(_draw(kind, t.shape, t.dtype, t.device, generator, **p), None, False))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """In place: fill with samples of the normal distribution N(mean, std^2); returns self.

    Like ``copy_`` of the samples: refused on a leaf that requires grad while grad mode is on; elsewhere in a
    graph the filled elements pass no gradient back.

    Args:
        mean: the mean.
        std: the standard deviation (>= 0).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from, CPU tensors only;
            None draws from gpugrad's generator of the tensor's device (seeded by :func:`gpugrad.manual_seed`).

    Returns:
        self, changed in place (a floating point tensor; others raise TypeError).

    >>> import gpugrad as gg
    >>> a = gg.empty(3).normal_(0.0, 2.0, generator=gg.Generator().manual_seed(0))
    >>> gg.equal(a, gg.empty(3).normal_(0.0, 2.0, generator=gg.Generator().manual_seed(0)))
    True
    """
    if std < 0:
        raise RuntimeError(f"normal_: std must be >= 0, got {std}")
    return _fill_random(self, "normal", generator, mean=mean, std=std)


def uniform_(self, a=0.0, b=1.0, *, generator=None, **kw):
    """In place: fill with samples of the uniform distribution on [a, b); returns self. PyTorch's keyword names
    ``from`` and ``to`` work too (``x.uniform_(**{"from": -1, "to": 1})``).

    Like ``copy_`` of the samples: refused on a leaf that requires grad while grad mode is on; elsewhere in a
    graph the filled elements pass no gradient back.

    Args:
        a: the lower bound (PyTorch's ``from``).
        b: the upper bound (PyTorch's ``to``).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from, CPU tensors only;
            None draws from gpugrad's generator of the tensor's device (seeded by :func:`gpugrad.manual_seed`).

    Returns:
        self, changed in place (a floating point tensor; others raise TypeError).

    >>> import gpugrad as gg
    >>> x = gg.empty(1000).uniform_(2.0, 3.0)
    >>> bool((x >= 2.0).all()), bool((x < 3.0).all())
    (True, True)
    """
    a, b = kw.pop("from", a), kw.pop("to", b)
    if kw:
        raise TypeError(f"uniform_: unexpected keyword arguments {sorted(kw)}")
    return _fill_random(self, "uniform", generator, low=a, high=b)


def exponential_(self, lambd=1.0, *, generator=None):
    """In place: fill with samples of the exponential distribution of rate ``lambd`` (density
    ``lambd * exp(-lambd * x)`` for x >= 0, mean ``1 / lambd``); returns self.

    Like ``copy_`` of the samples: refused on a leaf that requires grad while grad mode is on; elsewhere in a
    graph the filled elements pass no gradient back.

    Args:
        lambd: the rate (> 0).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from, CPU tensors only;
            None draws from gpugrad's generator of the tensor's device (seeded by :func:`gpugrad.manual_seed`).

    Returns:
        self, changed in place (a floating point tensor; others raise TypeError).

    >>> import gpugrad as gg
    >>> bool((gg.empty(4).exponential_(2.0) >= 0).all())
    True
    """
    if lambd <= 0:
        raise RuntimeError(f"exponential_: lambd must be positive, got {lambd}")
    return _fill_random(self, "exponential", generator, lambd=lambd)


def bernoulli_(self, p=0.5, *, generator=None):
    """In place: fill with 1 (with probability ``p``) or 0, in the tensor's dtype (any dtype); returns self.

    Like ``copy_`` of the samples: refused on a leaf that requires grad while grad mode is on; elsewhere in a
    graph the filled elements pass no gradient back.

    Args:
        p: the probability of a 1: a number in [0, 1], or a tensor of probabilities broadcastable to self's shape
            (one per element).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from, CPU tensors only;
            None draws from gpugrad's generator of the tensor's device (seeded by :func:`gpugrad.manual_seed`).

    Returns:
        self, changed in place.

    >>> import gpugrad as gg
    >>> gg.empty(2, 3).bernoulli_(gg.tensor([0.0, 1.0, 0.0]))
    tensor([[0., 1., 0.],
            [0., 1., 0.]])
    """
    if isinstance(p, Tensor):
        p = p._data
    elif not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_: p must be in [0, 1], got {p}")
    return _fill_random(self, "bernoulli", generator, p=p)
