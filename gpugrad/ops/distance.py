"""Distances and similarities (PyTorch's ``normalize``, ``cosine_similarity``, ``pairwise_distance``, ``pdist``
and ``cdist``), composed of recorded ops (so forward mode and higher derivatives come with them) plus two
small nodes: a clamp whose derivative is 1 (PyTorch clamps these norms in place under ``no_grad``) and the
matrix-product form of the Euclidean ``cdist``.

Gradients follow PyTorch at the points where the norms are not differentiable: 0 where a norm is 0, 0 at a
zero component for p < 1, and for p = inf the whole gradient to each tied component in ``pdist``/``cdist``
(split among the ties in ``normalize`` and ``pairwise_distance``, which use ``vector_norm``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.op import Op
from ..tensor import Tensor
from ._util import shape_str, write_out
from . import arithmetic as A, reduction as R, shape as S
from .reduction import Norm
from .nn_ops import _float32_under_autocast

_MODES = {"use_mm_for_euclid_dist_if_necessary": None, "use_mm_for_euclid_dist": True,
          "donot_use_mm_for_euclid_dist": False}


class ClampMinPassThrough(Op):
    """max(x, lo) with derivative 1 everywhere: PyTorch's ``clone()`` then ``clamp_min_`` under ``no_grad``
    (cosine_similarity's norms, gaussian_nll_loss's variance): the clamp guards the value, not the gradient."""

    def forward(self, x, lo):
        return self.xp.maximum(x, x.dtype.type(lo))

    def backward(self, g):
        return g

    def jvp(self, t, *args):
        return t


class EuclideanDist(Op):
    """cdist's matrix-product form for p = 2, as PyTorch's ``_euclidean_dist``: with a' = [-2a, |a|^2, 1] and
    b' = [b, 1, |b|^2], r = sqrt(max(a' b'^T, 0)) (a (..., P, M), b (..., R, M), batch dims equal). Fast for
    many rows, but cancels where points are close. Backward (PyTorch's): with q = g / r (0 where r = 0),
    da = a sum_j q - q b, db = b sum_i q - q^T a."""

    def forward(self, a, b):
        xp = self.xp
        an = (a * a).sum(axis=-1, keepdims=True)
        bn = (b * b).sum(axis=-1, keepdims=True)
        a2 = xp.concatenate([-2 * a, an, xp.ones_like(an)], axis=-1)
        b2 = xp.concatenate([b, xp.ones_like(bn), bn], axis=-1)
        r = xp.sqrt(xp.maximum(xp.matmul(a2, xp.swapaxes(b2, -1, -2)), 0))
        self.save_for_backward(a, b, r)
        return r

    def _ratio(self, g):
        a, b, r = self.saved
        xp = self.xp
        if isinstance(a, Tensor):      # double backward: r as a function of a and b
            r = EuclideanDist.apply(a, b)
        zero = r == 0
        return a, b, xp.where(zero, 0, g / xp.where(zero, 1, r))

    def backward(self, g):
        a, b, q = self._ratio(g)
        xp = self.xp
        n = self.needs_input_grad
        ga = a * q.sum(axis=-1, keepdims=True) - xp.matmul(q, b) if n[0] else None
        gb = b * xp.swapaxes(q.sum(axis=-2, keepdims=True), -1, -2) - xp.matmul(xp.swapaxes(q, -1, -2), a) \
            if n[1] else None
        return ga, gb

    def jvp(self, ta, tb):          # dr_ij = ((a_i - b_j) . da_i + (b_j - a_i) . db_j) / r_ij
        a, b, r = self.saved
        xp = self.xp
        zero = r == 0
        inv = xp.where(zero, 0, 1 / xp.where(zero, 1, r))
        d = 0
        if ta is not None:
            d = d + (a * ta).sum(axis=-1, keepdims=True) - xp.matmul(ta, xp.swapaxes(b, -1, -2))
        if tb is not None:
            d = d + xp.swapaxes((b * tb).sum(axis=-1, keepdims=True), -1, -2) - xp.matmul(a, xp.swapaxes(tb, -1, -2))
        return d * inv


def _float_tensor(op, name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: {name} must be a floating point tensor, got dtype {x.dtype}")


def broadcast_shape(op, names, *tensors):
    """The broadcast shape of the tensors, or a ValueError naming the op, the operands and the dim that
    disagrees (PyTorch: a RuntimeError about "the size of tensor a")."""
    shapes = [tuple(t.shape) for t in tensors]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        pass
    nd = max(len(s) for s in shapes)
    padded = [(1,) * (nd - len(s)) + s for s in shapes]
    for d in range(nd):
        sizes = {p[d] for p in padded} - {1}
        if len(sizes) > 1:
            break
    desc = ", ".join(f"{n} {shape_str(s)}" for n, s in zip(names, shapes))
    raise RuntimeError(f"{op}: shapes do not broadcast: {desc} (dim {d - nd}: sizes "
                     f"{' vs '.join(str(p[d]) for p in padded)}; each must be equal or 1)")


def _expand(x, shape):
    return x if tuple(x.shape) == shape else S.expand(x, *shape)


def _dim(op, ndim, dim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dim {dim} is out of range for a {ndim}-d input (expected {-n} <= dim < {n})")
    return dim % n


def vector_norm(x, p, dim, keepdim=False, split_ties=True):
    """The p-norm of x over ``dim`` with PyTorch's conventions (p = 0: the number of nonzeros, no gradient)."""
    p = float(p)
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if p == 0:
        return Tensor._make((x._data != 0).sum(axis=None if x.ndim == 0 else dims, keepdims=keepdim)
                            .astype(x.dtype), None, False)
    return Norm.apply(x, p, None if x.ndim == 0 else dims, keepdim, split_ties)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input`` divided by its p-norm along ``dim`` (at least ``eps``), as ``torch.nn.functional.normalize``.

    Args:
        input: a floating point tensor.
        p: the norm's order.
        dim: the dim (or a tuple of dims) to normalize along.
        eps: the smallest norm divided by (zero vectors stay zero).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of the input's shape whose slices along ``dim`` have norm 1 (or less, if tiny).

    >>> import gpugrad as gg
    >>> gg.nn.functional.normalize(gg.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    _float_tensor("normalize", "input", input)
    # dim may be a tuple of dims, as PyTorch's (the norm then runs over all of them)
    d = tuple(_dim("normalize", input.ndim, i) for i in dim) if isinstance(dim, (tuple, list)) else \
        _dim("normalize", input.ndim, dim)
    res = input / A.clamp(vector_norm(input, p, d, keepdim=True), min=eps)
    if out is None:
        return res
    return write_out(res, out, "normalize")


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along ``dim`` (they broadcast), as PyTorch computes it:
    sum((x1 / max(|x1|, eps)) (x2 / max(|x2|, eps))), each norm clamped without cutting its gradient.

    Args:
        x1: a floating point tensor.
        x2: a tensor that broadcasts with x1.
        dim: the dim of the vectors.
        eps: the smallest norm divided by.

    Returns:
        The broadcast shape without ``dim``, values in [-1, 1].

    >>> import gpugrad as gg
    >>> gg.nn.functional.cosine_similarity(gg.tensor([[1.0, 0.0]]), gg.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """
    _float_tensor("cosine_similarity", "x1", x1)
    _float_tensor("cosine_similarity", "x2", x2)
    x1, x2 = _float32_under_autocast(x1, x2)
    shape = broadcast_shape("cosine_similarity", ("x1", "x2"), x1, x2)
    d = _dim("cosine_similarity", len(shape), dim)
    x1, x2 = _expand(x1, shape), _expand(x2, shape)
    n1 = ClampMinPassThrough.apply(vector_norm(x1, 2, d, keepdim=True), eps)
    n2 = ClampMinPassThrough.apply(vector_norm(x2, 2, d, keepdim=True), eps)
    return R.sum((x1 / n1) * (x2 / n2), d if len(shape) else None)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps along the last dim (x1 and x2 broadcast), as
    ``torch.nn.functional.pairwise_distance``.

    Args:
        x1: a floating point tensor ``(N, D)`` (or ``(D,)``).
        x2: a tensor that broadcasts with x1.
        p: the norm's order (0: the number of differing components).
        eps: added to the difference (keeps the gradient finite when x1 = x2).
        keepdim: keep the last dim with size 1.

    Returns:
        The distances, of the broadcast shape without its last dim.

    >>> import gpugrad as gg
    >>> gg.nn.functional.pairwise_distance(gg.tensor([[3.0, 4.0]]), gg.zeros(1, 2), eps=0.0)
    tensor([5.])
    """
    _float_tensor("pairwise_distance", "x1", x1)
    _float_tensor("pairwise_distance", "x2", x2)
    x1, x2 = _float32_under_autocast(x1, x2)
    shape = broadcast_shape("pairwise_distance", ("x1", "x2"), x1, x2)
    return vector_norm(x1 - x2 + eps, p, max(len(shape) - 1, 0), keepdim)


def _check_p(op, p):
    if not p >= 0:
        raise RuntimeError(f"{op}: p must be non-negative, got {p}")


def pdist(input, p=2):
    """The p-norm distance between every pair of rows of ``input`` ``(N, M)``: the upper triangle of
    ``cdist(input, input)``, row by row, as ``torch.nn.functional.pdist``.

    Args:
        input: a floating point tensor ``(N, M)``.
        p: the norm's order (>= 0).

    Returns:
        A tensor of N (N - 1) / 2 distances: (0, 1), (0, 2), ..., (1, 2), ...

    >>> import gpugrad as gg
    >>> gg.nn.functional.pdist(gg.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
    """
    _float_tensor("pdist", "input", input)
    (input,) = _float32_under_autocast(input)
    if input.ndim != 2:
        raise RuntimeError(f"pdist: expected a 2-d input (N, M), got shape {shape_str(input.shape)}")
    _check_p("pdist", p)
    n, m = input.shape
    xp = input.xp
    i, j = xp.triu_indices(n, 1)
    diff = S.index_select(input, 0, Tensor._make(i.astype("int64"), None, False)) - \
        S.index_select(input, 0, Tensor._make(j.astype("int64"), None, False))
    if m == 0:                         # no components: every distance is 0
        return R.sum(diff, 1)
    return vector_norm(diff, p, 1, split_ties=False)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of x1 ``(..., P, M)`` and each row of x2 ``(..., R, M)`` (batch
    dims broadcast), as ``torch.cdist``. For p = 2 with more than 25 rows on either side (or
    ``compute_mode="use_mm_for_euclid_dist"``) it uses PyTorch's matrix-product form: faster, less exact for
    close points.

    Args:
        x1: a floating point tensor ``(..., P, M)``.
        x2: a floating point tensor ``(..., R, M)``.
        p: the norm's order (>= 0).
        compute_mode: ``"use_mm_for_euclid_dist_if_necessary"`` (the default),
            ``"use_mm_for_euclid_dist"`` or ``"donot_use_mm_for_euclid_dist"``.

    Returns:
        A tensor ``(..., P, R)``.

    >>> import gpugrad as gg
    >>> gg.cdist(gg.tensor([[0.0, 0.0], [1.0, 1.0]]), gg.tensor([[3.0, 4.0]]))
    tensor([[5.0000],
            [3.6056]])
    """
    _float_tensor("cdist", "x1", x1)
    _float_tensor("cdist", "x2", x2)
    x1, x2 = _float32_under_autocast(x1, x2)
    if not isinstance(compute_mode, str) or compute_mode not in _MODES:
        raise ValueError(f"cdist: {compute_mode!r} is not a valid compute_mode; expected one of "
                         f"{', '.join(repr(k) for k in _MODES)}")
    for name, x in (("x1", x1), ("x2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist: {name} must be at least 2-d (..., rows, M), got shape {shape_str(x.shape)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: x1 {shape_str(x1.shape)} and x2 {shape_str(x2.shape)} must have the same number "
                         f"of columns (last dim), got {x1.shape[-1]} and {x2.shape[-1]}")
    _check_p("cdist", p)
    batch = broadcast_shape("cdist", ("x1's batch dims", "x2's batch dims"), _Shaped(x1.shape[:-2]),
                            _Shaped(x2.shape[:-2]))
    r1, r2, m = x1.shape[-2], x2.shape[-2], x1.shape[-1]
    a = _expand(x1, batch + (r1, m))
    b = _expand(x2, batch + (r2, m))
    use_mm = _MODES[compute_mode]
    if use_mm is None:
        use_mm = r1 > 25 or r2 > 25
    if float(p) == 2 and use_mm and m:
        return EuclideanDist.apply(a, b)
    diff = S.unsqueeze(a, -2) - S.unsqueeze(b, -3)
    if m == 0:                        # no components: every distance is 0
        return R.sum(diff, -1)
    return vector_norm(diff, p, len(batch) + 2, split_ties=False)


class _Shaped:
    """A shape standing in for a tensor in :func:`broadcast_shape`."""

    def __init__(self, shape):
        self.shape = tuple(shape)
