"""More of PyTorch's losses: the probabilistic ones (``kl_div``, ``gaussian_nll_loss``, ``poisson_nll_loss``)
and the logistic ones (``soft_margin_loss``, ``multilabel_soft_margin_loss``), composed of recorded ops.
The margin losses are in :mod:`.losses_margin`. Reductions and PyTorch's legacy ``size_average``/``reduce``
pair are handled as in :mod:`.nn_ops`.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..tensor import Tensor
from ._util import shape_str
from . import arithmetic as A, elementwise as E, reduction as R, shape as S
from .distance import ClampMinPassThrough, broadcast_shape
from .shape import IndexRangeError
from .nn_ops import _float32_under_autocast, _legacy_reduction, _reduce, _user_stacklevel, softplus

_REDUCTIONS = ("mean", "sum", "none")


def reduction_of(op, size_average, reduce, reduction, allowed=_REDUCTIONS):
    """The reduction a loss applies: from PyTorch's deprecated pair when either is given (with its warning),
    else ``reduction``, checked against ``allowed`` before any work."""
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {', '.join(repr(r) for r in allowed)}, got {reduction!r}")
    return reduction


def check_inputs(op, names, *tensors, broadcast=True):
    """Each argument is a floating point Tensor; returns the shape they broadcast to (with ``broadcast``)."""
    for n, t in zip(names, tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {n} must be a Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise RuntimeError(f"{op}: {n} must be a floating point tensor, got dtype {t.dtype}")
    return broadcast_shape(op, names, *tensors) if broadcast else None


def _softplus_exact(x):
    """log(1 + e^x), exact for every x (PyTorch's softplus threshold would linearize above 20)."""
    return softplus(x, 1.0, float("inf"))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """The Kullback-Leibler divergence of ``target`` from the distribution whose log-probabilities are
    ``input``: target (log target - input) elementwise (0 where target = 0), as
    ``torch.nn.functional.kl_div``. ``reduction="mean"`` averages over every element, and warns as PyTorch
    does; ``"batchmean"`` divides the sum by the batch size (the KL divergence's definition).

    Args:
        input: log-probabilities.
        target: probabilities (or log-probabilities with ``log_target``), broadcasting with input.
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"batchmean"``, ``"sum"`` or ``"none"``.
        log_target: the target is given as log-probabilities.

    Returns:
        A 0-d tensor (or, with ``"none"``, the elementwise terms).

    >>> import gpugrad as gg
    >>> p = gg.tensor([[0.5, 0.5]])
    >>> gg.nn.functional.kl_div(p.log(), p, reduction="batchmean")
    tensor(0.)
    """
    check_inputs("kl_div", ("input", "target"), input, target)
    input, target = _float32_under_autocast(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    else:
        reduction = reduction_of("kl_div", None, None, reduction, _REDUCTIONS + ("batchmean",))
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          UserWarning, stacklevel=_user_stacklevel())
    if log_target:
        loss = E.exp(target) * (target - input)
    else:                                          # xlogy(t, t) - t x: 0 where t = 0
        safe = A.where(target == 0, 1.0, target)
        loss = target * E.log(safe) - target * input
    if reduction == "batchmean":
        total = R.sum(loss)
        return total / input.shape[0] if input.ndim else total
    return _reduce("kl_div", loss, reduction)


def _var_shape(var, input):
    """PyTorch's rules for gaussian_nll_loss's variance: the input's shape; the input's shape less its last dim
    (one variance per vector: unsqueezed); or the input's shape with exactly one dim of size 1 where the
    input's differs (PyTorch's test: the differing dims' var sizes sum to 1)."""
    vs, xs = tuple(var.shape), tuple(input.shape)
    if vs == xs:
        return var
    if xs[:-1] == vs and xs:
        return S.unsqueeze(var, -1)
    if len(vs) == len(xs) and sum(v for x, v in zip(xs, vs) if x != v) == 1:
        return var
    raise ValueError(f"gaussian_nll_loss: var {shape_str(vs)} does not fit input {shape_str(xs)}; expected the "
                     f"input's shape, the input's shape without its last dim {shape_str(xs[:-1])}, or the "
                     f"input's shape with size 1 in one dim (var is of incorrect size)")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """The negative log-likelihood of ``target`` under normal distributions of mean ``input`` and variance
    ``var``: 0.5 (log max(var, eps) + (input - target)^2 / max(var, eps)) (+ 0.5 log(2 pi) with ``full``), as
    ``torch.nn.functional.gaussian_nll_loss``. The clamp at eps guards the value only: the variance's
    gradient passes through it, as in PyTorch.

    Args:
        input: the predicted means.
        target: the observations (broadcasting with input).
        var: the predicted variances (>= 0): the input's shape, that shape without its last dim, that shape
            with one dim of size 1, or a number.
        full: add the constant 0.5 log(2 pi).
        eps: the smallest variance used.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

    Returns:
        A 0-d tensor (or the elementwise losses).

    >>> import gpugrad as gg
    >>> gg.nn.functional.gaussian_nll_loss(gg.tensor([1.0, 2.0]), gg.tensor([1.0, 4.0]), gg.tensor([1.0, 2.0]))
    tensor(0.6733)
    """
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"gaussian_nll_loss: var must be non-negative, got {var} (var has negative "
                             f"entry/entries)")
        if isinstance(input, Tensor):
            var = Tensor._make(input.xp.full(input.shape, var, dtype=input.dtype), None, False)
    check_inputs("gaussian_nll_loss", ("input", "target", "var"), input, target, var, broadcast=False)
    d = var._data
    if d.size and d.__class__ is np.ndarray and bool((d < 0).any()):     # checked on the CPU: no GPU sync
        raise ValueError(f"gaussian_nll_loss: var must be non-negative, got {float(d[d < 0][0])!r} (var has "
                         f"negative entry/entries)")
    var = _var_shape(var, input)
    check_inputs("gaussian_nll_loss", ("input", "target", "var"), input, target, var)
    input, target, var = _float32_under_autocast(input, target, var)
    reduction = reduction_of("gaussian_nll_loss", None, None, reduction)
    var = ClampMinPassThrough.apply(var, eps)
    diff = input - target
    loss = 0.5 * (E.log(var) + diff * diff / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce("gaussian_nll_loss", loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """The negative log-likelihood of counts ``target`` under Poisson distributions of rate e^input
    (``log_input``: e^x - t x) or of rate input (x - t log(x + eps)), as
    ``torch.nn.functional.poisson_nll_loss``; ``full`` adds Stirling's approximation of log(t!),
    t log t - t + 0.5 log(2 pi t), where t > 1.

    Args:
        input: log-rates (or rates, without ``log_input``).
        target: counts, broadcasting with input.
        log_input: the input is the log of the rate.
        full: add the Stirling term.
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        eps: keeps log(x + eps) finite at x = 0 (without ``log_input``).
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

    Returns:
        A 0-d tensor (or the elementwise losses).

    >>> import gpugrad as gg
    >>> gg.nn.functional.poisson_nll_loss(gg.tensor([0.0, 0.0]), gg.tensor([1.0, 3.0]))
    tensor(1.)
    """
    check_inputs("poisson_nll_loss", ("input", "target"), input, target)
    input, target = _float32_under_autocast(input, target)
    reduction = reduction_of("poisson_nll_loss", size_average, reduce, reduction)
    if log_input:
        loss = E.exp(input) - target * input
    else:
        loss = input - target * E.log(input + eps)
    if full:
        big = target > 1
        t = A.where(big, target, 2.0)              # the masked entries stay finite, value and gradient
        stirling = t * E.log(t) - t + 0.5 * E.log(2 * math.pi * t)
        loss = loss + A.where(big, stirling, 0.0)
    return _reduce("poisson_nll_loss", loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The two-class logistic loss log(1 + e^(-y x)) with labels y = +-1, as
    ``torch.nn.functional.soft_margin_loss``, computed as a softplus: finite for any x (PyTorch's
    log1p(exp(.)) overflows to inf, and its gradient to NaN, beyond about |x| = 88 in float32, 709 in
    float64).

    Args:
        input: scores x.
        target: labels y (1 or -1), broadcasting to the input's shape.
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

    Returns:
        A 0-d tensor (or the elementwise losses).

    >>> import gpugrad as gg
    >>> round(gg.nn.functional.soft_margin_loss(gg.tensor([0.0]), gg.tensor([1.0])).item(), 4)
    0.6931
    """
    shape = check_inputs("soft_margin_loss", ("input", "target"), input, target)
    input, target = _float32_under_autocast(input, target)
    if shape != tuple(input.shape):
        raise RuntimeError(f"soft_margin_loss: target {shape_str(target.shape)} must broadcast to the input's "
                         f"shape {shape_str(input.shape)}")
    reduction = reduction_of("soft_margin_loss", size_average, reduce, reduction)
    # the target takes no gradient (PyTorch's soft_margin_loss has no derivative for it)
    return _reduce("soft_margin_loss", _softplus_exact(-input * target.detach()), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """One logistic loss per class, averaged over the classes (the last dim):
    mean_c -(y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c)), as
    ``torch.nn.functional.multilabel_soft_margin_loss`` (computed with softplus: finite for any x).

    Args:
        input: scores ``(N, C)`` (or ``(C,)``).
        target: labels in {0, 1} (or probabilities), broadcasting with input.
        weight: optional per-class weights ``(C,)`` (broadcasting against the elementwise losses).
        size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
        reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
        reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per sample).

    Returns:
        A 0-d tensor (or one loss per sample).

    >>> import gpugrad as gg
    >>> round(gg.nn.functional.multilabel_soft_margin_loss(gg.zeros(1, 3), gg.tensor([[1.0, 0.0, 1.0]])).item(), 4)
    0.6931
    """
    check_inputs("multilabel_soft_margin_loss", ("input", "target"), input, target)
    input, target = _float32_under_autocast(input, target)
    reduction = reduction_of("multilabel_soft_margin_loss", size_average, reduce, reduction)
    if input.ndim == 0:
        raise IndexRangeError("multilabel_soft_margin_loss: input must have a class dim (C,) or (N, C), got a 0-d "
                              "tensor")
    loss = target * _softplus_exact(-input) + (1 - target) * _softplus_exact(input)
    if weight is not None:
        check_inputs("multilabel_soft_margin_loss", ("loss", "weight"), loss, weight)
        loss = loss * weight
    c = input.shape[-1]
    loss = R.sum(loss, loss.ndim - 1) / c
    return _reduce("multilabel_soft_margin_loss", loss, reduction)
