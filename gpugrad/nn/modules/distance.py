"""Distance modules: ``CosineSimilarity`` and ``PairwiseDistance`` (the functions of gpugrad.ops.distance with
their options fixed at construction)."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class CosineSimilarity(Module):
    """The cosine similarity of two tensors along ``dim`` (see ``gpugrad.nn.functional.cosine_similarity``).

        Args:
            dim: the dim of the vectors.
            eps: the smallest norm divided by.

        Called as ``module(x1, x2)`` with tensors that broadcast; returns their shape without ``dim``.

        >>> import gpugrad as gg
        >>> gg.nn.CosineSimilarity()(gg.tensor([[1.0, 0.0]]), gg.tensor([[2.0, 0.0]]))
        tensor([1.])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self):
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """The p-norm of x1 - x2 + eps along the last dim (see ``gpugrad.nn.functional.pairwise_distance``).

        Args:
            p: the norm's order.
            eps: added to the difference.
            keepdim: keep the last dim with size 1.

        Called as ``module(x1, x2)``; returns the distances.

        >>> import gpugrad as gg
        >>> gg.nn.PairwiseDistance(eps=0.0)(gg.tensor([[3.0, 4.0]]), gg.zeros(1, 2))
        tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self):
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
