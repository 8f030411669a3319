"""Linear, Identity and Flatten."""
from __future__ import annotations

import math

from ... import ops
from ...factories import empty
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


class Identity(Module):
    """Returns its input (a placeholder that keeps layer indices stable); ignores constructor arguments.

    >>> import gpugrad as gg
    >>> gg.nn.Identity(54, unused=True)(gg.ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b with W of shape ``(out_features, in_features)``.

    PyTorch's default init: W ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)), and
    b ~ U(-1/sqrt(in), 1/sqrt(in)).

    Args:
        in_features: size of each input sample (the last dim).
        out_features: size of each output sample.
        bias: learn an additive bias ``b`` of shape ``(out_features,)``.
        device: where to create the parameters (default: the default device).
        dtype: their dtype (default: the default float dtype).

    Returns:
        Called on ``(..., in_features)``, a tensor ``(..., out_features)``.

    >>> import gpugrad as gg
    >>> fc = gg.nn.Linear(3, 2)
    >>> fc(gg.ones(4, 3)).shape
    gpugrad.Size([4, 2])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"Linear({in_features}, {out_features}): {name} must be a non-negative int, "
                                 f"got {v!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = Parameter(empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw new initial values, as PyTorch's Linear does: weight ~ U(-1/sqrt(in_features),
        1/sqrt(in_features)) (``kaiming_uniform_`` with ``a=sqrt(5)``), bias from the same range.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> fc = gg.nn.Linear(4, 3)
        >>> fc.reset_parameters()
        >>> bool(fc.weight.abs().max() <= 0.5)          # 1/sqrt(4)
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flattens dims ``start_dim..end_dim`` (by default all but the batch dim).

    Args:
        start_dim: the first dim to flatten.
        end_dim: the last dim to flatten (inclusive).

    Returns:
        Called on a tensor, the tensor with those dims merged into one.

    >>> import gpugrad as gg
    >>> gg.nn.Flatten()(gg.zeros(2, 3, 4)).shape
    gpugrad.Size([2, 12])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class NonDynamicallyQuantizableLinear(Linear):
    """A plain :class:`Linear` under PyTorch's name for MultiheadAttention's ``out_proj`` (PyTorch uses the class
    to keep dynamic quantization away from it; here it only keeps the type names alike).

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        Called on ``(..., in_features)``, a tensor ``(..., out_features)``.

    >>> import gpugrad as gg
    >>> from gpugrad.nn.modules.linear import NonDynamicallyQuantizableLinear
    >>> NonDynamicallyQuantizableLinear(3, 2)(gg.ones(4, 3)).shape
    gpugrad.Size([4, 2])
    """
