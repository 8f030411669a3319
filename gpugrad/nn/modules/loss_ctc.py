"""The CTC loss module (PyTorch's ``nn.CTCLoss``): :func:`gpugrad.nn.functional.ctc_loss` with its options fixed
at construction."""
from __future__ import annotations

from .. import functional as F
from .loss import _Loss

__all__ = ["CTCLoss"]


class CTCLoss(_Loss):
    """The Connectionist Temporal Classification loss (see ``gpugrad.nn.functional.ctc_loss``): -log of the
    probability of all alignments of the per-step class log-probabilities that collapse to the target.

    Args:
        blank: the blank class index.
        reduction: ``"mean"`` (the default: each loss divided by its target length, then averaged), ``"sum"``
            or ``"none"``.
        zero_infinity: impossible alignments give a loss of 0 (and no gradient) instead of inf.

    Called as ``loss(log_probs, targets, input_lengths, target_lengths)`` with log_probs (T, N, C), targets
    (N, S) padded or concatenated 1-D, and the lengths as tensors or tuples; returns a 0-d tensor (or (N,)).

    >>> import gpugrad as gg
    >>> lp = gg.full((3, 1, 2), 0.5).log()           # T=3, N=1, C=2
    >>> round(gg.nn.CTCLoss(reduction="sum")(lp, gg.tensor([[1]]), (3,), (1,)).item(), 4)
    0.2877
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
