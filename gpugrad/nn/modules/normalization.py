"""BatchNorm1d and LayerNorm."""
from __future__ import annotations

from ...tensor import tensor

from ...factories import zeros, ones
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


class _NormBase(Module):
    """What BatchNorm1d and InstanceNorm1d share (PyTorch's _NormBase): the per-channel affine parameters, the
    running statistics buffers, their reset and the repr."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        """Forget the running statistics: mean 0, variance 1, ``num_batches_tracked`` 0 (a no-op without
        ``track_running_stats``).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> bn = gg.nn.BatchNorm1d(2)
        >>> _ = bn(gg.tensor([[1.0, 2.0], [3.0, 6.0]]))
        >>> bn.reset_running_stats(); bn.running_mean, int(bn.num_batches_tracked)
        (tensor([0., 0.]), 0)
        """
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self):
        """Reset the running statistics (:meth:`reset_running_stats`) and, with ``affine``, the scale to 1 and
        the shift to 0.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> bn = gg.nn.BatchNorm1d(2)
        >>> bn.reset_parameters(); bn.weight.tolist(), bn.bias.tolist()
        ([1.0, 1.0], [0.0, 0.0])
        """
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_NormBase):
    """Normalizes each of ``num_features`` channels of ``(N, C)`` or ``(N, C, L)`` input by the batch's
    statistics in training and by running averages in eval, then scales and shifts (``affine``).

    Running stats follow PyTorch: ``running = (1 - momentum) running + momentum batch_stat`` with the batch
    variance made unbiased (n / (n - 1)); ``momentum=None`` gives the cumulative average over the
    ``num_batches_tracked`` batches seen. The update happens on the device, with no host sync.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance before the square root.
        momentum: the running averages' update factor (None: cumulative average).
        affine: learn a per-channel scale ``weight`` and shift ``bias``.
        track_running_stats: keep running averages (False: batch statistics in eval too).
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: with ``affine``, learn the shift ``bias`` too (False: scale only, ``bias`` is None).

    Returns:
        Called on ``(N, C)`` or ``(N, C, L)``, a tensor of that shape.

    >>> import gpugrad as gg
    >>> bn = gg.nn.BatchNorm1d(3)
    >>> y = bn(gg.randn(8, 3))
    >>> [name for name, _ in bn.named_buffers()]
    ['running_mean', 'running_var', 'num_batches_tracked']
    """

    def forward(self, input):
        if input.ndim not in (2, 3) or input.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d: expected input of shape (N, {self.num_features}) or "
                             f"(N, {self.num_features}, L), got {tuple(input.shape)}")
        return self._batch_norm(input)

    def _momentum(self):
        """The running stats' factor for this forward; counts the batch in training."""
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            nbt = self.num_batches_tracked
            nbt._data += 1                     # stays on the device
            nbt._vc[0] += 1
            if self.momentum is None:         # cumulative moving average: factor 1 / batches seen
                momentum = 1.0 / nbt._data
        return momentum

    def _batch_norm(self, input):
        # without running stats the batch's own statistics normalize in eval too (as PyTorch)
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats, self._momentum(), self.eps)


class LayerNorm(Module):
    """Normalizes over the last ``len(normalized_shape)`` dims of each sample, then applies an elementwise
    affine map (``elementwise_affine``); the same in training and eval.

    Args:
        normalized_shape: the trailing shape to normalize over (an int or a tuple).
        eps: added to the variance before the square root.
        elementwise_affine: learn a ``weight`` (and ``bias``) of ``normalized_shape``.
        bias: learn the additive ``bias`` too (with ``elementwise_affine``).
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on a tensor ending in ``normalized_shape``, a tensor of its shape.

    >>> import gpugrad as gg
    >>> y = gg.nn.LayerNorm(4)(gg.tensor([[1.0, 2.0, 3.0, 4.0]]))
    >>> round(y.mean().item(), 6), round(y.std(unbiased=False).item(), 3)
    (0.0, 1.0)
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        """With ``elementwise_affine``, set the scale to 1 and the shift (if any) to 0.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> ln = gg.nn.LayerNorm(3)
        >>> ln.reset_parameters(); ln.weight.tolist()
        [1.0, 1.0, 1.0]
        """
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
