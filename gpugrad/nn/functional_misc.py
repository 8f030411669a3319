"""``local_response_norm`` and ``gumbel_softmax`` of ``torch.nn.functional``, composed of recorded ops (their
gradients follow), with PyTorch's formulas."""
from __future__ import annotations

from ..factories import zeros_like
from ..ops import cat, reshape
from ..ops.nn_ops import softmax


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalization across channels, as ``torch.nn.functional.local_response_norm``:
    ``x / (k + alpha * mean_c' x_c'^2) ** beta``, the mean over the ``size`` channels around c (zero-padded:
    ``size // 2`` before, ``(size - 1) // 2`` after), always divided by ``size``.

    Args:
        input: ``(N, C, *)`` with at least 3 dims.
        size: the number of neighbouring channels.
        alpha: the multiplicative factor.
        beta: the exponent.
        k: the additive factor.

    Returns:
        A tensor of input's shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.functional.local_response_norm(gg.ones(1, 3, 2), 2, alpha=1.0, beta=1.0)
    >>> y[0, :, 0]
    tensor([0.6667, 0.5000, 0.5000])
    """
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    shape = tuple(input.shape)
    sq = reshape(input * input, (shape[0], shape[1], -1))
    n, c, m = sq.shape
    before, after = size // 2, (size - 1) // 2
    parts = [sq]
    if before:
        parts.insert(0, zeros_like(sq[:, :1]).expand(n, before, m))
    if after:
        parts.append(zeros_like(sq[:, :1]).expand(n, after, m))
    padded = cat(parts, 1) if len(parts) > 1 else sq
    win = padded.unfold(1, size, 1)[:, :c]              # (n, c, m, size): the channels around each one
    div = reshape(win.sum(-1) / size, shape)
    return input / (div * alpha + k) ** beta


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Samples of the Gumbel-softmax (concrete) distribution, as ``torch.nn.functional.gumbel_softmax``:
    ``softmax((logits + g) / tau)`` with Gumbel noise g = -log(E), E ~ Exp(1) drawn from gpugrad's generator;
    ``hard`` returns one-hot vectors whose gradient is the soft sample's (straight-through).

    Args:
        logits: unnormalized log-probabilities ``(..., num_features)``.
        tau: the temperature (positive).
        hard: return one-hot samples (argmax along ``dim``), differentiable as the soft ones.
        eps: unused (deprecated in PyTorch, kept for its signature).
        dim: the dim the softmax runs along.

    Returns:
        A tensor of logits' shape whose slices along ``dim`` sum to 1.

    >>> import gpugrad as gg
    >>> _ = gg.manual_seed(0)
    >>> gg.nn.functional.gumbel_softmax(gg.zeros(2, 3), hard=True).sum(dim=1)
    tensor([1., 1.])
    """
    if eps != 1e-10:
        import warnings
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -zeros_like(logits).exponential_().log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
