"""Dropout, and the base that every dropout layer shares."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class _DropoutNd(Module):
    """What the dropout layers share (PyTorch's _DropoutNd): ``p``, ``inplace``, the check and the repr. They
    are siblings, not subclasses of Dropout, as in PyTorch (``isinstance(m, nn.Dropout)`` means plain dropout)."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 and 1, got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability ``p`` in training and scales the rest by 1/(1-p), so eval (the
    identity) sees the same expected activation.

    Args:
        p: the probability of zeroing an element.
        inplace: write the result into the input.

    Returns:
        Called on a tensor, a tensor of its shape.

    >>> import gpugrad as gg
    >>> drop = gg.nn.Dropout(0.5).eval()
    >>> drop(gg.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)
