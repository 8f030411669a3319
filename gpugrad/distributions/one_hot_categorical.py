"""OneHotCategoricalStraightThrough: a :class:`OneHotCategorical` with the straight-through gradient (Bengio et
al., 2013). The module mirrors ``torch.distributions.one_hot_categorical`` (OneHotCategorical itself lives in
:mod:`gpugrad.distributions.categorical`)."""
from __future__ import annotations

from .categorical import OneHotCategorical

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """A :class:`OneHotCategorical` whose ``rsample`` is a one-hot sample in the forward pass and has the
    gradient of ``probs`` in the backward pass: sample + (probs - probs.detach()).

    Args:
        probs: non-negative weights over the last dim (normalised to sum to 1).
        logits: unnormalised log-probabilities over the last dim (give exactly one of ``probs`` and ``logits``).
        validate_args: check the parameters and values (see :class:`Distribution`).

    >>> import gpugrad as gg
    >>> from gpugrad.distributions.one_hot_categorical import OneHotCategoricalStraightThrough
    >>> logits = gg.tensor([0.0, 50.0, 0.0], requires_grad=True)
    >>> s = OneHotCategoricalStraightThrough(logits=logits).rsample()
    >>> s, s.requires_grad
    (tensor([0., 1., 0.], grad_fn=<AddBackward0>), True)
    """

    has_rsample = True

    def rsample(self, sample_shape=()):
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
