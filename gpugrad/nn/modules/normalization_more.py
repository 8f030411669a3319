"""RMSNorm, GroupNorm and InstanceNorm1d."""
from __future__ import annotations

import warnings

from ...factories import ones, zeros
from ...ops.nn_ops import _user_stacklevel
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter
from .normalization import _NormBase


class RMSNorm(Module):
    """Root-mean-square layer normalization over the last ``len(normalized_shape)`` dims:
    ``y = x / sqrt(mean(x^2) + eps) * weight`` (no centering, no shift); the same in training and eval.

    Args:
        normalized_shape: the trailing shape to normalize over (an int or a tuple).
        eps: added to the mean square; None (the default): the machine epsilon of the input's dtype.
        elementwise_affine: learn a ``weight`` of ``normalized_shape`` (initialized to ones).
        device: where to create the weight.
        dtype: its dtype.

    Returns:
        Called on a tensor ending in ``normalized_shape``, a tensor of its shape.

    >>> import gpugrad as gg
    >>> norm = gg.nn.RMSNorm(4)
    >>> norm
    RMSNorm((4,), eps=None, elementwise_affine=True)
    >>> y = norm(gg.tensor([[2.0, -2.0, 2.0, -2.0]]))
    >>> [round(v, 4) for v in y.view(-1).tolist()]
    [1.0, -1.0, 1.0, -1.0]
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """With ``elementwise_affine``, set the scale to 1.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> norm = gg.nn.RMSNorm(2)
        >>> norm.reset_parameters(); norm.weight.tolist()
        [1.0, 1.0]
        """
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group normalization: the ``num_channels`` channels of ``(N, C, *)`` input are split into ``num_groups``
    groups, each sample's group is normalized by its own statistics (the same in training and eval), then a
    per-channel ``weight`` and ``bias`` scale and shift (``affine``).

    Args:
        num_groups: the number of groups; must divide ``num_channels``.
        num_channels: C, the number of channels.
        eps: added to the variance before the square root.
        affine: learn a per-channel scale ``weight`` (ones) and shift ``bias`` (zeros).
        device: where to create the parameters.
        dtype: their dtype.
        bias: with ``affine``, learn the shift too (False: ``bias`` is None).

    Returns:
        Called on ``(N, C, *)``, a tensor of that shape.

    >>> import gpugrad as gg
    >>> gn = gg.nn.GroupNorm(2, 4)
    >>> gn
    GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
    >>> gn(gg.randn(3, 4, 5)).shape
    gpugrad.Size([3, 4, 5])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups != 0:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        if affine:
            self.weight = Parameter(ones(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """With ``affine``, set the scale to 1 and the shift (if any) to 0.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> gn = gg.nn.GroupNorm(1, 2)
        >>> gn.reset_parameters(); gn.weight.tolist(), gn.bias.tolist()
        ([1.0, 1.0], [0.0, 0.0])
        """
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class InstanceNorm1d(_NormBase):
    """Instance normalization of ``(N, C, L)`` or unbatched ``(C, L)`` input: each channel of each sample is
    normalized over L by its own statistics; with ``track_running_stats`` the running averages (moved in
    training) normalize in eval. Unlike BatchNorm1d, ``affine`` and ``track_running_stats`` default to False.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance before the square root.
        momentum: the running averages' update factor.
        affine: learn a per-channel scale ``weight`` and shift ``bias``.
        track_running_stats: keep running averages and use them in eval.
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: with ``affine``, learn the shift too.

    Returns:
        Called on ``(N, C, L)`` or ``(C, L)``, a tensor of that shape.

    >>> import gpugrad as gg
    >>> norm = gg.nn.InstanceNorm1d(2)
    >>> norm
    InstanceNorm1d(2, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    >>> [round(v, 3) for v in norm(gg.tensor([[1.0, 3.0], [5.0, 9.0]])).view(-1).tolist()]
    [-1.0, 1.0, -1.0, 1.0]
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    _spatial = 1          # the number of spatial dims (InstanceNorm2d/3d: 2, 3)

    def forward(self, input):
        s = self._spatial
        if input.ndim not in (s + 1, s + 2):
            raise ValueError(f"{type(self).__name__}: expected {s + 1}D or {s + 2}D input (got {input.ndim}D input "
                             f"of shape {tuple(input.shape)})")
        feature_dim = input.ndim - s - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"{type(self).__name__}: expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: {input.shape[feature_dim]} "
                                 f"(input of shape {tuple(input.shape)}).")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          f"warning by not passing in num_features, which is not used because affine=False",
                          UserWarning, stacklevel=_user_stacklevel())
        unbatched = input.ndim == s + 1
        x = input.unsqueeze(0) if unbatched else input
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            self.momentum if self.momentum is not None else 0.0, self.eps)
        return y.squeeze(0) if unbatched else y
