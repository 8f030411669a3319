"""Loss modules: the functional losses with their options fixed at construction (PyTorch's defaults)."""
from __future__ import annotations

import warnings

from ...ops.nn_ops import _legacy_reduction
from .. import functional as F
from ..module import Module

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:      # PyTorch's deprecated pair wins, with its warning
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A loss with a per-class (or per-element) ``weight``, kept as a buffer so ``.to(device)`` moves it."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """The mean squared error, mean((input - target)^2).

        Args:
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).

        Called as ``loss(input, target)`` with tensors of one shape; returns a 0-d tensor (or, with ``"none"``,
        the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.MSELoss()(gg.tensor([1.0, 3.0]), gg.tensor([0.0, 0.0]))
        tensor(5.)
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """The mean absolute error, mean(|input - target|).

        Args:
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).

        Called as ``loss(input, target)``; returns a 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.L1Loss()(gg.tensor([1.0, -3.0]), gg.tensor([0.0, 0.0]))
        tensor(2.)
    """

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), with d = input - target: quadratic near 0,
        linear in the tails (robust to outliers).

        Args:
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            delta: where the quadratic part ends.

        Called as ``loss(input, target)``; returns a 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.HuberLoss(delta=1.0)(gg.tensor([0.5, 3.0]), gg.zeros(2))
        tensor(1.3125)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """The Huber loss divided by ``beta``: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta.

        Args:
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            beta: where the quadratic part ends (0: the L1 loss).

        Called as ``loss(input, target)``; returns a 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.SmoothL1Loss()(gg.tensor([0.5, 3.0]), gg.zeros(2))
        tensor(1.3125)
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits and class indices (or class probabilities), in one fused
        kernel: -log softmax(input)[target], averaged over the batch.

        Args:
            weight: optional per-class weights, shape ``(C,)`` (a buffer: ``.to(device)`` moves it).
            ignore_index: targets equal to it contribute nothing (and do not count in the mean).
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            label_smoothing: in [0, 1]: the target puts 1 - label_smoothing on its class and spreads the rest
                evenly over all classes.

        Called as ``loss(input, target)`` with logits ``(N, C)`` and indices ``(N,)``; returns a 0-d tensor.

        >>> import gpugrad as gg
        >>> loss = gg.nn.CrossEntropyLoss()(gg.zeros(2, 4), gg.tensor([0, 3]))
        >>> round(loss.item(), 4)                  # log 4
        1.3863
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood from log-probabilities and class indices: -input[n, target[n]], averaged.

        Args:
            weight: optional per-class weights, shape ``(C,)``.
            ignore_index: targets equal to it contribute nothing.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).

        Called as ``loss(input, target)`` with log-probabilities ``(N, C)`` and indices ``(N,)``; returns a 0-d
        tensor.

        >>> import gpugrad as gg
        >>> gg.nn.NLLLoss()(gg.tensor([[-1.0, -2.0], [-3.0, -0.5]]), gg.tensor([0, 1]))
        tensor(0.7500)
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """PyTorch's old name of :class:`NLLLoss` for ``(N, C, H, W)`` inputs, kept as its alias class: the same
    loss on any input shape NLLLoss takes. Deprecated as in PyTorch: constructing one warns (FutureWarning).

        Args:
            weight: optional per-class weights, shape ``(C,)``.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            ignore_index: targets equal to it contribute nothing.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).

        >>> import gpugrad as gg
        >>> x = gg.log_softmax(gg.zeros(1, 2, 2, 2), dim=1)
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     loss = gg.nn.NLLLoss2d()
        >>> round(loss(x, gg.zeros(1, 2, 2, dtype=gg.int64)).item(), 4)
        0.6931
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement.",
                      FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy from probabilities: -(y log p + (1 - y) log(1 - p)), logs clamped at -100.

        Args:
            weight: optional weights, broadcast against the elementwise losses.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).

        Called as ``loss(p, y)`` with p in [0, 1] and y of the same shape; returns a 0-d tensor.

        >>> import gpugrad as gg
        >>> round(gg.nn.BCELoss()(gg.tensor([0.5]), gg.tensor([1.0])).item(), 4)
        0.6931
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy from logits, in the stable form max(x, 0) - x y + log(1 + e^-|x|).

        Args:
            weight: optional weights, broadcast against the elementwise losses.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss per element).
            pos_weight: optional weight of the positive class, per class (the last dim).

        Called as ``loss(logits, y)``; returns a 0-d tensor.

        >>> import gpugrad as gg
        >>> round(gg.nn.BCEWithLogitsLoss()(gg.tensor([0.0]), gg.tensor([1.0])).item(), 4)
        0.6931
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean", pos_weight=None):
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
