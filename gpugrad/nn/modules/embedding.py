"""Embedding and EmbeddingBag: lookup tables of learned rows (PyTorch's ``torch.nn.Embedding`` and
``torch.nn.EmbeddingBag``), over :func:`gpugrad.nn.functional.embedding` and ``embedding_bag``."""
from __future__ import annotations

from ...autograd.grad_mode import no_grad
from ...ops.embedding import _no_sparse
from ...factories import empty
from ...tensor import Tensor
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


def _padding_row(cls, padding_idx, num_embeddings):
    """PyTorch's modules' rule: ``padding_idx`` in ``[-num_embeddings, num_embeddings)``, stored non-negative."""
    if padding_idx is None:
        return None
    if (padding_idx > 0 and padding_idx >= num_embeddings) or padding_idx < -num_embeddings:
        raise AssertionError(f"{cls}: padding_idx must be within num_embeddings: {-num_embeddings} through "
                             f"{num_embeddings - 1}, got {padding_idx}")
    return num_embeddings + padding_idx if padding_idx < 0 else padding_idx


def _table(module, cls, num_embeddings, embedding_dim, _weight, requires_grad, device, dtype):
    """The weight: ``_weight`` itself (its storage shared) or a new normal(0, 1) table, padding row zeroed."""
    if _weight is None:
        module.weight = Parameter(empty(num_embeddings, embedding_dim, device=device, dtype=dtype),
                                  requires_grad=requires_grad)
        module.reset_parameters()
    else:
        if list(_weight.shape) != [num_embeddings, embedding_dim]:
            raise AssertionError(f"{cls}: shape of weight {tuple(_weight.shape)} does not match num_embeddings "
                                 f"and embedding_dim ({num_embeddings}, {embedding_dim})")
        module.weight = Parameter(_weight, requires_grad=requires_grad)


def _reset(module):
    init.normal_(module.weight)
    if module.padding_idx is not None:
        with no_grad():
            module.weight[module.padding_idx].fill_(0)


def _norm_options(module, show):
    """The max_norm, norm_type and scale_grad_by_freq part of PyTorch's extra_repr (those not at their
    defaults), each value as ``show`` (``str`` or, EmbeddingBag's, ``repr``) gives it."""
    s = ""
    if module.max_norm is not None:
        s += f", max_norm={show(module.max_norm)}"
    if module.norm_type != 2:
        s += f", norm_type={show(module.norm_type)}"
    if module.scale_grad_by_freq is not False:
        s += f", scale_grad_by_freq={show(module.scale_grad_by_freq)}"
    return s


def _pretrained(cls, embeddings):
    if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
        raise AssertionError(f"{cls}.from_pretrained: embeddings parameter is expected to be 2-dimensional, got "
                             f"{tuple(embeddings.shape) if isinstance(embeddings, Tensor) else type(embeddings)}")
    return tuple(embeddings.shape)


class Embedding(Module):
    """A lookup table of ``num_embeddings`` learned rows of size ``embedding_dim``: called on integer indices of
    any shape, it returns their rows (:func:`gpugrad.nn.functional.embedding`).

    The weight starts N(0, 1), with the ``padding_idx`` row zeroed, as PyTorch's.

    Args:
        num_embeddings: the number of rows.
        embedding_dim: the size of each row.
        padding_idx: a row (negative: from the end) that starts at zero and takes no gradient.
        max_norm: if given, referenced rows with a larger norm are rescaled to it, in place, at each call.
        norm_type: the p of the p-norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its index's count in the mini-batch.
        sparse: must be False (gpugrad has no sparse gradients; True raises).
        _weight: an existing ``(num_embeddings, embedding_dim)`` tensor to use as the weight (shared).
        _freeze: the weight takes no gradient.
        device: where to create the weight.
        dtype: its dtype.

    Returns:
        Called on indices of shape ``S``, a tensor ``S + (embedding_dim,)``.

    >>> import gpugrad as gg
    >>> emb = gg.nn.Embedding(10, 3, padding_idx=0)
    >>> emb(gg.tensor([[1, 2], [0, 9]])).shape
    gpugrad.Size([2, 2, 3])
    >>> emb
    Embedding(10, 3, padding_idx=0)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        _no_sparse("nn.Embedding", sparse)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_row("nn.Embedding", padding_idx, num_embeddings)
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.sparse = sparse
        _table(self, "nn.Embedding", num_embeddings, embedding_dim, _weight, not _freeze, device, dtype)

    def reset_parameters(self):
        """Draw a new N(0, 1) weight, the ``padding_idx`` row zeroed, as PyTorch's Embedding.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> emb = gg.nn.Embedding(4, 2, padding_idx=1)
        >>> emb.reset_parameters()
        >>> emb.weight[1].tolist()
        [0.0, 0.0]
        """
        _reset(self)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}{_norm_options(self, str)}"

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (its storage shared), as PyTorch's.

        Args:
            embeddings: a 2-D float tensor ``(num_embeddings, embedding_dim)``.
            freeze: the weight takes no gradient (``weight.requires_grad = False``).
            padding_idx: as in the constructor (the row is not zeroed).
            max_norm: as in the constructor.
            norm_type: as in the constructor.
            scale_grad_by_freq: as in the constructor.
            sparse: must be False.

        Returns:
            A new Embedding.

        >>> import gpugrad as gg
        >>> emb = gg.nn.Embedding.from_pretrained(gg.tensor([[1.0, 2.3], [4.0, 5.1]]))
        >>> emb(gg.tensor([1]))
        tensor([[4.0000, 5.1000]])
        """
        rows, cols = _pretrained("Embedding", embeddings)
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings, _freeze=freeze)


class EmbeddingBag(Module):
    """A lookup table whose rows are summed, averaged or maxed over bags of indices
    (:func:`gpugrad.nn.functional.embedding_bag`).

    The weight starts N(0, 1), with the ``padding_idx`` row zeroed, as PyTorch's.

    Args:
        num_embeddings: the number of rows.
        embedding_dim: the size of each row.
        max_norm: if given, referenced rows with a larger norm are rescaled to it, in place, at each call.
        norm_type: the p of the p-norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its index's count in the mini-batch (not with 'max').
        mode: ``'sum'``, ``'mean'`` or ``'max'``.
        sparse: must be False (gpugrad has no sparse gradients; True raises).
        _weight: an existing ``(num_embeddings, embedding_dim)`` tensor to use as the weight (shared).
        include_last_offset: ``offsets`` ends with the end of the last bag.
        padding_idx: a row (negative: from the end) that bags leave out; it starts at zero.
        device: where to create the weight.
        dtype: its dtype.

    Returns:
        Called as ``bag(input, offsets=None, per_sample_weights=None)``, a tensor ``(B, embedding_dim)``.

    >>> import gpugrad as gg
    >>> bag = gg.nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(gg.tensor([1, 2, 4, 5, 4]), gg.tensor([0, 2])).shape
    gpugrad.Size([2, 3])
    >>> bag
    EmbeddingBag(10, 3, mode='sum')
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None):
        super().__init__()
        _no_sparse("nn.EmbeddingBag", sparse)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.padding_idx = _padding_row("nn.EmbeddingBag", padding_idx, num_embeddings)
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        _table(self, "nn.EmbeddingBag", num_embeddings, embedding_dim, _weight, True, device, dtype)

    def reset_parameters(self):
        """Draw a new N(0, 1) weight, the ``padding_idx`` row zeroed, as PyTorch's EmbeddingBag.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> bag = gg.nn.EmbeddingBag(4, 2, padding_idx=-1)
        >>> bag.reset_parameters()
        >>> bag.weight[3].tolist()
        [0.0, 0.0]
        """
        _reset(self)

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset,
                               self.padding_idx)

    def extra_repr(self):
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx!r}"
        return f"{self.num_embeddings}, {self.embedding_dim}{_norm_options(self, repr)}, mode={self.mode!r}{pad}"

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        """An EmbeddingBag whose weight is ``embeddings`` (its storage shared), as PyTorch's.

        Args:
            embeddings: a 2-D float tensor ``(num_embeddings, embedding_dim)``.
            freeze: the weight takes no gradient (``weight.requires_grad = False``).
            max_norm: as in the constructor.
            norm_type: as in the constructor.
            scale_grad_by_freq: as in the constructor.
            mode: as in the constructor.
            sparse: must be False.
            include_last_offset: as in the constructor.
            padding_idx: as in the constructor (the row is not zeroed).

        Returns:
            A new EmbeddingBag.

        >>> import gpugrad as gg
        >>> bag = gg.nn.EmbeddingBag.from_pretrained(gg.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> bag(gg.tensor([[0, 1]]))
        tensor([[2., 3.]])
        """
        rows, cols = _pretrained("EmbeddingBag", embeddings)
        bag = cls(rows, cols, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
                  mode=mode, sparse=sparse, _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
