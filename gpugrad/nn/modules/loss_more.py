"""More loss modules (PyTorch's): the functional losses of gpugrad.ops.losses_more and losses_margin with their
options fixed at construction."""
from __future__ import annotations

from ...ops.losses_more import reduction_of
from .. import functional as F
from ..module import Module
from .distance import PairwiseDistance
from .loss import _Loss, _WeightedLoss

class KLDivLoss(_Loss):
    """The Kullback-Leibler divergence of the target from the input's distribution (see
        ``gpugrad.nn.functional.kl_div``).

        Args:
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default, with PyTorch's warning), ``"batchmean"``, ``"sum"`` or ``"none"``.
            log_target: the target is given as log-probabilities.

        Called as ``loss(log_probs, target)``; returns a 0-d tensor (or the elementwise terms).

        >>> import gpugrad as gg
        >>> p = gg.tensor([[0.25, 0.75]])
        >>> gg.nn.KLDivLoss(reduction="batchmean")(p.log(), p)
        tensor(0.)
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False):
        Module.__init__(self)
        self.reduction = reduction_of("KLDivLoss", size_average, reduce, reduction,
                                      ("mean", "sum", "none", "batchmean"))
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class GaussianNLLLoss(_Loss):
    """The Gaussian negative log-likelihood (see ``gpugrad.nn.functional.gaussian_nll_loss``).

        Args:
            full: add the constant 0.5 log(2 pi).
            eps: the smallest variance used.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(input, target, var)``; returns a 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.GaussianNLLLoss()(gg.tensor([1.0]), gg.tensor([3.0]), gg.tensor([1.0]))
        tensor(2.)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(None, None, reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """The Poisson negative log-likelihood (see ``gpugrad.nn.functional.poisson_nll_loss``).

        Args:
            log_input: the input is the log of the rate.
            full: add Stirling's approximation of log(target!).
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            eps: keeps log(input + eps) finite (without ``log_input``).
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(input, target)``; returns a 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.PoissonNLLLoss()(gg.tensor([0.0, 0.0]), gg.tensor([1.0, 3.0]))
        tensor(1.)
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                 reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class _MarginLoss(_Loss):
    def __init__(self, margin, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class MarginRankingLoss(_MarginLoss):
    """max(0, -y (x1 - x2) + margin) (see ``gpugrad.nn.functional.margin_ranking_loss``).

        Args:
            margin: the required gap.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(x1, x2, y)``; returns a 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.MarginRankingLoss(margin=1.0)(gg.tensor([1.0]), gg.tensor([0.5]), gg.tensor([1.0]))
        tensor(0.5000)
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """x where y = 1, max(0, margin - x) where y = -1 (see ``gpugrad.nn.functional.hinge_embedding_loss``).

        Args:
            margin: the distance dissimilar pairs are pushed beyond.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(x, y)``; returns a 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> gg.nn.HingeEmbeddingLoss()(gg.tensor([0.25, 0.5]), gg.tensor([1.0, -1.0]))
        tensor(0.3750)
    """

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (see
        ``gpugrad.nn.functional.cosine_embedding_loss``).

        Args:
            margin: the cosine dissimilar pairs are pushed below.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(x1, x2, y)`` with x1, x2 ``(N, D)`` and y ``(N,)``; returns a 0-d tensor.

        >>> import gpugrad as gg
        >>> gg.nn.CosineEmbeddingLoss()(gg.tensor([[1.0, 0.0]]), gg.tensor([[1.0, 0.0]]), gg.tensor([-1.0]))
        tensor(1.)
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + e^(-y x)) (see ``gpugrad.nn.functional.soft_margin_loss``).

        Args:
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(x, y)``; returns a 0-d tensor (or the elementwise losses).

        >>> import gpugrad as gg
        >>> round(gg.nn.SoftMarginLoss()(gg.tensor([0.0]), gg.tensor([-1.0])).item(), 4)
        0.6931
    """

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class logistic losses averaged over the classes (see
        ``gpugrad.nn.functional.multilabel_soft_margin_loss``).

        Args:
            weight: optional per-class weights ``(C,)`` (a buffer).
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(x, y)`` with x ``(N, C)`` and y in {0, 1} of its shape; returns a 0-d tensor.

        >>> import gpugrad as gg
        >>> round(gg.nn.MultiLabelSoftMarginLoss()(gg.zeros(1, 2), gg.tensor([[1.0, 0.0]])).item(), 4)
        0.6931
    """

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """The multi-label hinge loss (see ``gpugrad.nn.functional.multilabel_margin_loss``).

        Args:
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(x, y)`` with x ``(N, C)`` and label indices y of its shape, padded with -1.

        >>> import gpugrad as gg
        >>> gg.nn.MultiLabelMarginLoss()(gg.tensor([[0.1, 0.2, 0.4, 0.8]]), gg.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge loss (see ``gpugrad.nn.functional.multi_margin_loss``).

        Args:
            p: 1 or 2.
            margin: the gap the true class's score must have over the others.
            weight: optional per-class weights ``(C,)`` (a buffer).
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(x, y)`` with x ``(N, C)`` and class indices y ``(N,)``; returns a 0-d tensor.

        >>> import gpugrad as gg
        >>> gg.nn.MultiMarginLoss()(gg.tensor([[0.1, 0.2, 0.4, 0.8]]), gg.tensor([3]))
        tensor(0.3250)
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean"):
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p}")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: weight must be 1-d (one weight per class), got {weight.ndim}-d")
        super().__init__(weight, size_average, reduce, reduction)
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class TripletMarginLoss(_MarginLoss):
    """max(0, margin + d(a, p) - d(a, n)) with the p-norm distance (see
        ``gpugrad.nn.functional.triplet_margin_loss``).

        Args:
            margin: the gap required between the two distances (> 0).
            p: the norm's order.
            eps: added to the differences.
            swap: use min(d(a, n), d(p, n)) as the negative distance.
            size_average: PyTorch's deprecated flag (with ``reduce``): sets ``reduction`` when given.
            reduce: PyTorch's deprecated flag (with ``size_average``): sets ``reduction`` when given.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(anchor, positive, negative)``; returns a 0-d tensor (or one loss per triplet).

        >>> import gpugrad as gg
        >>> a, pos, neg = gg.tensor([[0.0, 0.0]]), gg.tensor([[3.0, 4.0]]), gg.tensor([[0.0, 1.0]])
        >>> round(gg.nn.TripletMarginLoss()(a, pos, neg).item(), 4)
        5.0
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(margin, size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.p, self.eps, self.swap = p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """The triplet loss with any distance (see ``gpugrad.nn.functional.triplet_margin_with_distance_loss``).

        Args:
            distance_function: d(x, y) -> distances (default: a ``PairwiseDistance()`` submodule).
            margin: the gap required between the two distances (> 0).
            swap: use min(d(a, n), d(p, n)) as the negative distance.
            reduction: ``"mean"`` (the default), ``"sum"`` or ``"none"``.

        Called as ``loss(anchor, positive, negative)``; returns a 0-d tensor (or one loss per triplet).

        >>> import gpugrad as gg
        >>> a, pos, neg = gg.tensor([[0.0, 0.0]]), gg.tensor([[3.0, 4.0]]), gg.tensor([[0.0, 1.0]])
        >>> round(gg.nn.TripletMarginWithDistanceLoss()(a, pos, neg).item(), 4)
        5.0
    """

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean"):
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: margin must be greater than 0, got {margin}")
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin, self.swap = margin, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function, margin=self.margin,
                                                   swap=self.swap, reduction=self.reduction)
