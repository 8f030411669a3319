"""PyTorch's margin losses: ``margin_ranking_loss``, ``hinge_embedding_loss``, ``cosine_embedding_loss``,
``multi_margin_loss``, ``multilabel_margin_loss``, ``triplet_margin_loss`` and
``triplet_margin_with_distance_loss``, composed of recorded ops.

At a hinge's kink the gradient follows PyTorch: the losses PyTorch writes with ``clamp_min`` (ranking, hinge
embedding, cosine embedding, triplet) pass the gradient at max(z, 0) with z = 0 (clamp's rule); the
multi-class ones (``multi_margin_loss``, ``multilabel_margin_loss``) count a term only where z > 0 (relu's).
Class indices are checked on the CPU only: on a GPU the check would wait for the device.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._util import shape_str
from . import arithmetic as A, reduction as R, shape as S
from .distance import pairwise_distance
from .shape import IndexRangeError
from .losses_more import check_inputs, reduction_of
from .nn_ops import _float32_under_autocast, _reduce, relu


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -y (x1 - x2) + margin): y = 1 asks for x1 ranked above x2 by ``margin``, y = -1 below, as
    ``torch.nn.functional.margin_ranking_loss``.

    Args:
        input1: scores x1.
        input2: scores x2, of input1's number of dims (broadcasting).
        target: y (1 or -1), of the same number of dims.
        margin: the required gap.
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

    Returns:
        A 0-d tensor (or the elementwise losses).

    >>> import gpugrad as gg
    >>> gg.nn.functional.margin_ranking_loss(gg.tensor([1.0, 0.0]), gg.tensor([0.0, 0.5]), gg.tensor([1.0, 1.0]))
    tensor(0.2500)
    """
    names = ("input1", "input2", "target")
    check_inputs("margin_ranking_loss", names, input1, input2, target)
    input1, input2, target = _float32_under_autocast(input1, input2, target)
    reduction = reduction_of("margin_ranking_loss", size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss: input1 {shape_str(input1.shape)}, input2 {shape_str(input2.shape)} "
                         f"and target {shape_str(target.shape)} must have the same number of dims")
    loss = A.clamp(-target * (input1 - input2) + margin, min=0.0)
    return _reduce("margin_ranking_loss", loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (x is typically a distance), as
    ``torch.nn.functional.hinge_embedding_loss``.

    Args:
        input: x.
        target: y (1 or -1), broadcasting with x.
        margin: the distance dissimilar pairs are pushed beyond.
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

    Returns:
        A 0-d tensor (or the elementwise losses).

    >>> import gpugrad as gg
    >>> gg.nn.functional.hinge_embedding_loss(gg.tensor([0.3, 0.2]), gg.tensor([1.0, -1.0]), reduction="sum")
    tensor(1.1000)
    """
    check_inputs("hinge_embedding_loss", ("input", "target"), input, target)
    input, target = _float32_under_autocast(input, target)
    reduction = reduction_of("hinge_embedding_loss", size_average, reduce, reduction)
    # PyTorch's form: a label that is neither 1 nor -1 takes both terms
    loss = A.where(target != 1, A.clamp(margin - input, min=0.0), 0.0) + A.where(target != -1, input, 0.0)
    return _reduce("hinge_embedding_loss", loss, reduction)


_EPSILON = 1e-12        # PyTorch's cosine_embedding_loss adds it to both squared norms


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1, as
    ``torch.nn.functional.cosine_embedding_loss`` (cos = x1.x2 / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12))).

    Args:
        input1: ``(N, D)`` (or ``(D,)`` with a 0-d target).
        input2: of input1's shape (broadcasting).
        target: y, ``(N,)`` (or 0-d), values 1 or -1.
        margin: the cosine dissimilar pairs are pushed below.
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

    Returns:
        A 0-d tensor (or one loss per pair).

    >>> import gpugrad as gg
    >>> gg.nn.functional.cosine_embedding_loss(gg.tensor([[1.0, 0.0]]), gg.tensor([[0.0, 1.0]]), gg.tensor([1.0]))
    tensor(1.)
    """
    op = "cosine_embedding_loss"
    check_inputs(op, ("input1", "input2", "target"), input1, input2, target, broadcast=False)
    reduction = reduction_of(op, size_average, reduce, reduction)
    k = target.ndim
    if k > 1:
        raise RuntimeError(f"{op}: target must be 0-d or 1-d (one label per pair), got shape {shape_str(target.shape)}")
    if input1.ndim != k + 1 or input2.ndim != k + 1:
        raise RuntimeError(f"{op}: a {k}-d target expects {k + 1}-d inputs, got input1 {shape_str(input1.shape)} and "
                         f"input2 {shape_str(input2.shape)}")
    check_inputs(op, ("input1", "input2"), input1, input2)
    input1, input2, target = _float32_under_autocast(input1, input2, target)
    prod = R.sum(input1 * input2, k)
    cos = prod / ((R.sum(input1 * input1, k) + _EPSILON) * (R.sum(input2 * input2, k) + _EPSILON)) ** 0.5
    loss = A.where(target == 1, 1 - cos, 0.0) + A.where(target == -1, A.clamp(cos - margin, min=0.0), 0.0)
    return _reduce(op, loss, reduction)


def _check_range(op, t, lo, hi, what):
    """Integer targets in [lo, hi), checked on the CPU only (no GPU sync)."""
    d = t._data
    if d.size and d.__class__ is np.ndarray:
        bad = (d < lo) | (d >= hi)
        if bool(bad.any()):
            raise IndexRangeError(f"{op}: target value {int(d[bad][0])} is out of range for {hi} classes "
                             f"(expected {lo} <= target < {hi}{what})")


def _int_target(op, target):
    if not isinstance(target, Tensor):
        raise TypeError(f"{op}: target must be a Tensor, got {type(target).__name__}")
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: target must hold class indices (an integer tensor), got dtype {target.dtype}")


def _rows(op, input):
    """input as (N, C): a vector is one sample, a 0-d tensor one sample of one class; (N, 0) is refused."""
    if input.ndim > 2 or (input.ndim >= 1 and input.shape[-1] == 0):
        raise RuntimeError(f"{op}: expected a non-empty vector (C,) or a matrix (N, C) with C > 0, got input "
                         f"{shape_str(input.shape)}")
    return S.reshape(input, (-1 if input.ndim == 2 else 1, input.shape[-1] if input.ndim else 1))


def _per_sample(op, loss, input, reduction):
    """(N,) losses reduced; 'none' gives (N,) for a matrix input, a 0-d tensor for a vector."""
    if reduction == "none" and input.ndim < 2:
        return S.reshape(loss, ())
    return _reduce(op, loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """The multi-class hinge loss: sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C per sample, as
    ``torch.nn.functional.multi_margin_loss``.

    Args:
        input: scores ``(N, C)`` (or ``(C,)``).
        target: class indices ``(N,)`` (or 0-d), in [0, C).
        p: 1 or 2.
        margin: the gap the true class's score must have over the others.
        weight: optional per-class weights ``(C,)`` (the true class's weight scales the sample's loss).
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per sample).

    Returns:
        A 0-d tensor (or one loss per sample).

    >>> import gpugrad as gg
    >>> gg.nn.functional.multi_margin_loss(gg.tensor([[0.1, 0.2, 0.4, 0.8]]), gg.tensor([3]))
    tensor(0.3250)
    """
    op = "multi_margin_loss"
    check_inputs(op, ("input",), input)
    _int_target(op, target)
    reduction = reduction_of(op, size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"{op}: p must be 1 or 2, got {p}")
    (input,) = _float32_under_autocast(input)
    x = _rows(op, input)
    n, c = x.shape
    if target.ndim > 1 or target.numel() != n:
        raise RuntimeError(f"{op}: target must be 1-d with one class index per sample: expected shape ({n},) for "
                         f"input {shape_str(input.shape)}, got {shape_str(target.shape)}")
    if weight is not None:
        if not isinstance(weight, Tensor) or weight.ndim != 1 or weight.numel() != c:
            raise RuntimeError(f"{op}: weight must be 1-d with one weight per class: expected shape ({c},), got "
                             f"{shape_str(getattr(weight, 'shape', ()))}")
    _check_range(op, target, 0, c, "")
    xp = x.xp
    t = target._data.reshape(n)
    picked = S.Gather.apply(x, t[:, None], 1)             # indices checked above: no bounds-check sync
    h = relu(margin - picked + x)
    if p == 2:
        h = h * h
    others = Tensor._make(xp.arange(c)[None, :] != t[:, None], None, False)
    loss = R.sum(A.where(others, h, 0.0), 1) / c
    if weight is not None:
        loss = loss * Tensor._make(weight._data[t].astype(x.dtype, copy=False), None, False)
    return _per_sample(op, loss, input, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The multi-label hinge loss: for each sample, sum over its labels j and the classes i that are not
    labels of max(0, 1 - x_j + x_i), over C; as ``torch.nn.functional.multilabel_margin_loss``. A sample's
    labels are the leading entries of its target row, up to the first -1 (a repeated label counts twice, as
    in PyTorch).

    Args:
        input: scores ``(N, C)`` (or ``(C,)``).
        target: class indices of the input's shape, padded with -1.
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per sample).

    Returns:
        A 0-d tensor (or one loss per sample).

    >>> import gpugrad as gg
    >>> x = gg.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> gg.nn.functional.multilabel_margin_loss(x, gg.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    op = "multilabel_margin_loss"
    check_inputs(op, ("input",), input)
    _int_target(op, target)
    reduction = reduction_of(op, size_average, reduce, reduction)
    (input,) = _float32_under_autocast(input)
    x = _rows(op, input)
    n, c = x.shape
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}: target {shape_str(target.shape)} must have the input's shape "
                         f"{shape_str(input.shape)} (class indices, padded with -1)")
    _check_range(op, target, -1, c, "; -1 ends a sample's labels")
    xp = x.xp
    t = target._data.reshape(n, c)
    listed = xp.cumsum(t < 0, axis=1) == 0                  # the entries before the first -1
    hits = (t[:, :, None] == xp.arange(c)[None, None, :]) & listed[:, :, None]
    count = hits.sum(axis=1)                                  # (N, C): how often class c is a label
    pair = (count[:, :, None] * (count == 0)[:, None, :]).astype(x.dtype)    # (label j, non-label i)
    z = 1 - S.unsqueeze(x, 2) + S.unsqueeze(x, 1)            # z[n, j, i] = 1 - x_j + x_i
    loss = R.sum(relu(z) * Tensor._make(pair, None, False), (1, 2)) / c
    return _per_sample(op, loss, input, reduction)


def _triplet_dims(op, anchor, positive, negative):
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"{op}: anchor {shape_str(anchor.shape)}, positive "
                         f"{shape_str(positive.shape)} and negative {shape_str(negative.shape)} must have the same "
                         f"number of dims ({anchor.ndim}, {positive.ndim}, {negative.ndim})")


def _check_margin(op, margin):
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")


def _triplet(dist, anchor, positive, negative, margin, swap):
    """max(0, margin + d(a, p) - d(a, n)), with d(a, n) replaced by min(d(a, n), d(p, n)) under ``swap``."""
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = A.minimum(d_neg, dist(positive, negative))
    return A.clamp(margin + d_pos - d_neg, min=0.0)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with d the p-norm pairwise distance, as
    ``torch.nn.functional.triplet_margin_loss``.

    Args:
        anchor: ``(N, D)`` (or ``(D,)``).
        positive: of the anchor's number of dims (broadcasting).
        negative: of the anchor's number of dims (broadcasting).
        margin: the gap required between the two distances (> 0).
        p: the norm's order.
        eps: added to the differences (see ``pairwise_distance``).
        swap: use min(d(a, n), d(p, n)) as the negative distance (the distance swap).
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

    Returns:
        A 0-d tensor (or one loss per triplet).

    >>> import gpugrad as gg
    >>> a, pos, neg = gg.tensor([[0.0, 0.0]]), gg.tensor([[3.0, 4.0]]), gg.tensor([[0.0, 1.0]])
    >>> round(gg.nn.functional.triplet_margin_loss(a, pos, neg).item(), 4)
    5.0
    """
    op = "triplet_margin_loss"
    check_inputs(op, ("anchor", "positive", "negative"), anchor, positive, negative)
    anchor, positive, negative = _float32_under_autocast(anchor, positive, negative)
    reduction = reduction_of(op, size_average, reduce, reduction)
    _check_margin(op, margin)
    _triplet_dims(op, anchor, positive, negative)
    loss = _triplet(lambda u, v: pairwise_distance(u, v, p, eps), anchor, positive, negative, margin, swap)
    return _reduce(op, loss, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """The triplet loss with any distance: max(0, margin + d(a, p) - d(a, n)), as
    ``torch.nn.functional.triplet_margin_with_distance_loss``.

    Args:
        anchor: the anchors.
        positive: of the anchor's number of dims.
        negative: of the anchor's number of dims.
        distance_function: d(x, y) -> distances (default: ``pairwise_distance``).
        margin: the gap required between the two distances (> 0).
        swap: use min(d(a, n), d(p, n)) as the negative distance.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

    Returns:
        A 0-d tensor (or one loss per triplet).

    >>> import gpugrad as gg
    >>> import gpugrad.nn.functional as F
    >>> a, pos, neg = gg.tensor([[1.0, 0.0]]), gg.tensor([[1.0, 0.1]]), gg.tensor([[0.0, 1.0]])
    >>> F.triplet_margin_with_distance_loss(a, pos, neg, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v))
    tensor(0.0050)
    """
    op = "triplet_margin_with_distance_loss"
    reduction = reduction_of(op, None, None, reduction)
    _check_margin(op, margin)
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    _triplet_dims(op, anchor, positive, negative)
    loss = _triplet(distance_function or pairwise_distance, anchor, positive, negative, margin, swap)
    return _reduce(op, loss, reduction)
