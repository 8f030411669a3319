"""Channel-wise dropout (Dropout1d, Dropout2d, Dropout3d) and alpha dropout (AlphaDropout,
FeatureAlphaDropout): the dropout layers' shared settings and repr, each with its own functional form."""
from __future__ import annotations

from .. import functional as F
from .dropout import _DropoutNd


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, L)`` or ``(C, L)`` input, each with probability ``p``, in training
    and scales the rest by 1/(1-p) (:func:`gpugrad.nn.functional.dropout1d`); the identity in eval.

    Args:
        p: the probability of zeroing a channel.
        inplace: write the result into the input.

    Returns:
        Called on a tensor, a tensor of its shape.

    >>> import gpugrad as gg
    >>> gg.nn.Dropout1d(0.2)
    Dropout1d(p=0.2, inplace=False)
    """

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, H, W)`` input, each with probability ``p``, in training and scales the
    rest by 1/(1-p) (:func:`gpugrad.nn.functional.dropout2d`, with PyTorch's warnings for other ranks); the
    identity in eval.

    Args:
        p: the probability of zeroing a channel.
        inplace: write the result into the input.

    Returns:
        Called on a tensor, a tensor of its shape.

    >>> import gpugrad as gg
    >>> gg.nn.Dropout2d(0.5).eval()(gg.ones(1, 2, 2, 2)).sum().item()
    8.0
    """

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input, each with probability ``p``, in
    training and scales the rest by 1/(1-p) (:func:`gpugrad.nn.functional.dropout3d`); the identity in eval.

    Args:
        p: the probability of zeroing a channel.
        inplace: write the result into the input.

    Returns:
        Called on a tensor, a tensor of its shape.

    >>> import gpugrad as gg
    >>> gg.nn.Dropout3d(1.0)(gg.ones(1, 2, 1, 1, 1)).sum().item()
    0.0
    """

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Alpha dropout for self-normalizing (SELU) networks, in training: elements dropped with probability ``p``
    go to SELU's negative saturation value and everything is scaled and shifted to keep a unit Gaussian's mean
    and variance (:func:`gpugrad.nn.functional.alpha_dropout`); the identity in eval. As in PyTorch,
    ``inplace`` is stored but not used.

    Args:
        p: the probability of dropping an element.
        inplace: accepted for PyTorch's sake (the result is a new tensor).

    Returns:
        Called on a tensor, a tensor of its shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.AlphaDropout(0.2)(gg.randn(100000))
    >>> abs(y.mean().item()) < 0.02, abs(y.std().item() - 1) < 0.02
    (True, True)
    """

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of ``(N, C, *)`` input, in training
    (:func:`gpugrad.nn.functional.feature_alpha_dropout`); the identity in eval. As in PyTorch, ``inplace`` is
    stored but not used.

    Args:
        p: the probability of dropping a channel.
        inplace: accepted for PyTorch's sake (the result is a new tensor).

    Returns:
        Called on a tensor, a tensor of its shape.

    >>> import gpugrad as gg
    >>> gg.nn.FeatureAlphaDropout(0.5)(gg.zeros(2, 3, 4)).shape
    gpugrad.Size([2, 3, 4])
    """

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training)
