"""PyTorch's other activation modules (Hardtanh ... Softmax2d): thin wrappers over the functions of
:mod:`gpugrad.nn.functional`, with PyTorch's constructor signatures, defaults and ``extra_repr``."""
from __future__ import annotations

import warnings

from ...factories import empty
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


def _inplace_str(inplace, sep=", "):
    return f"{sep}inplace=True" if inplace else ""


class Hardtanh(Module):
    """clamp(x, min_val, max_val), elementwise.

    Args:
        min_val: the lower bound.
        max_val: the upper bound (greater than ``min_val``).
        inplace: write the result into the input.
        min_value: PyTorch's deprecated name of ``min_val`` (warns).
        max_value: PyTorch's deprecated name of ``max_val`` (warns).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.Hardtanh(-2.0, 2.0)(gg.tensor([-3.0, 1.0, 3.0]))
    tensor([-2.,  1.,  2.])
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if self.max_val <= self.min_val:          # PyTorch's type (the functional form raises ValueError)
            raise AssertionError(f"{type(self).__name__}: max_val ({self.max_val}) must be greater than min_val "
                                 f"({self.min_val})")

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(0, x), 6), elementwise (a :class:`Hardtanh` from 0 to 6).

    Args:
        inplace: write the result into the input.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.ReLU6()(gg.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_str(self.inplace, "")


class _Inplace(Module):
    """An activation whose only option is ``inplace``, shown by extra_repr when set (``_repr_inplace``)."""

    _fn = None
    _repr_inplace = True

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_str(self.inplace, "") if self._repr_inplace else ""


class Hardsigmoid(_Inplace):
    """min(max(x + 3, 0), 6) / 6, elementwise.

    Args:
        inplace: write the result into the input.

    Returns (when called on a tensor): a tensor of the input's shape, in [0, 1].

    >>> import gpugrad as gg
    >>> gg.nn.Hardsigmoid()(gg.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """

    _fn = F.hardsigmoid
    _repr_inplace = False               # (PyTorch's repr does not show it)


class Hardswish(_Inplace):
    """x hardsigmoid(x), elementwise.

    Args:
        inplace: write the result into the input.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.Hardswish()(gg.tensor([1.0, 4.0])).tolist()
    [0.6666666865348816, 4.0]
    """

    _fn = F.hardswish
    _repr_inplace = False


class Mish(_Inplace):
    """x tanh(softplus(x)), elementwise.

    Args:
        inplace: write the result into the input.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> round(gg.nn.Mish()(gg.tensor(1.0)).item(), 4)
    0.8651
    """

    _fn = F.mish


class SELU(_Inplace):
    """scale (max(0, x) + min(0, alpha (e^x - 1))) with alpha = 1.6733 and scale = 1.0507, elementwise.

    Args:
        inplace: write the result into the input.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> round(gg.nn.SELU()(gg.tensor(1.0)).item(), 4)
    1.0507
    """

    _fn = F.selu


class CELU(Module):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)), elementwise.

    Args:
        alpha: the negative saturation value is ``-alpha`` (not 0).
        inplace: write the result into the input.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.CELU(2.0)(gg.tensor([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class LogSigmoid(Module):
    """log(1 / (1 + e^-x)), elementwise, finite for every finite x. No arguments.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.LogSigmoid()(gg.tensor([-1000.0])).tolist()
    [-1000.0]
    """

    def forward(self, input):
        return F.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|), elementwise. No arguments.

    Returns (when called on a tensor): a tensor of the input's shape, in (-1, 1).

    >>> import gpugrad as gg
    >>> gg.nn.Softsign()(gg.tensor([1.0])).tolist()
    [0.5]
    """

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    """x - tanh(x), elementwise. No arguments.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.Tanhshrink()(gg.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input):
        return F.tanhshrink(input)


class Softshrink(Module):
    """x - lambd above lambd, x + lambd below -lambd, 0 between, elementwise.

    Args:
        lambd: the half-width of the dead zone (at least 0).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.Softshrink(0.5)(gg.tensor([-2.0, 0.25, 1.5]))
    tensor([-1.5000,  0.0000,  1.0000])
    """

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x where |x| > lambd, 0 elsewhere, elementwise.

    Args:
        lambd: the half-width of the zeroed band.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.Hardshrink(0.5)(gg.tensor([-2.0, 0.25, 1.5]))
    tensor([-2.0000,  0.0000,  1.5000])
    """

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class Threshold(Module):
    """``value`` where x <= threshold, x elsewhere, elementwise.

    Args:
        threshold: elements at or below it are replaced.
        value: what replaces them.
        inplace: write the result into the input.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.Threshold(1.0, -1.0)(gg.tensor([0.5, 2.0]))
    tensor([-1.,  2.])
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class Softmin(Module):
    """softmax(-x) along ``dim``.

    Args:
        dim: the dimension to normalize over (None: PyTorch's deprecated implicit choice).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.Softmin(dim=1)(gg.zeros(1, 2)).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of a ``(N, C, H, W)`` or ``(C, H, W)`` input. No arguments.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.Softmax2d()(gg.zeros(2, 1, 1)).view(-1).tolist()
    [0.5, 0.5]
    """

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead (input of "
                             f"shape {tuple(input.shape)})")
        return F.softmax(input, -3)


class GLU(Module):
    """The gated linear unit ``a * sigmoid(b)``, a and b the halves of the input along ``dim``.

    Args:
        dim: the dimension to halve (its size must be even).

    Returns (when called on a tensor): a tensor of the input's shape with ``dim`` halved.

    >>> import gpugrad as gg
    >>> gg.nn.GLU()(gg.ones(3, 4)).shape
    gpugrad.Size([3, 2])
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, a x elsewhere, with learnable slopes ``weight``: one, or one per channel (dim 1).

    Args:
        num_parameters: the number of slopes: 1 or the number of input channels.
        init: their initial value.
        device: where to create the weight (default: the default device).
        dtype: its dtype (default: the default float dtype).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.PReLU()(gg.tensor([-2.0, 1.0]))
    tensor([-0.5000,  1.0000], grad_fn=<PReLUBackward0>)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        """Set every slope back to ``init``.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> m = gg.nn.PReLU(2, init=0.1)
        >>> m.reset_parameters()
        >>> [round(v, 4) for v in m.weight.tolist()]
        [0.1, 0.1]
        """
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: in training x r for x <= 0 with r ~ U(lower, upper) per element (from gpugrad's
    generator), in eval the slope (lower + upper) / 2.

    Args:
        lower: the lower bound of the slopes.
        upper: the upper bound of the slopes.
        inplace: write the result into the input.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.RReLU(0.1, 0.3).eval()(gg.tensor([-1.0, 2.0]))
    tensor([-0.2000,  2.0000])
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}{_inplace_str(self.inplace)}"
