"""Activation modules: thin wrappers that call the functional ops (fused kernels live underneath)."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class ReLU(Module):
    """max(0, x), elementwise.

    Args:
        inplace: write the result into the input (as PyTorch's ``inplace=True``).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.ReLU()(gg.tensor([-1.0, 0.5]))
    tensor([0.0000, 0.5000])
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x >= 0, ``negative_slope`` x below, elementwise.

    Args:
        negative_slope: the slope for negative inputs.
        inplace: write the result into the input (as PyTorch's ``inplace=True``).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.LeakyReLU(0.1)(gg.tensor([-2.0, 3.0]))
    tensor([-0.2000,  3.0000])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, inplace=self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x for x > 0, ``alpha`` (e^x - 1) below, elementwise.

    Args:
        alpha: the limit of the output for large negative inputs is ``-alpha``.
        inplace: write the result into the input (as PyTorch's ``inplace=True``).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.ELU()(gg.tensor([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, inplace=self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x Phi(x) with Phi the standard normal CDF, elementwise.

    Args:
        approximate: ``"none"`` (exact, with erf) or ``"tanh"`` (the tanh approximation).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> round(gg.nn.GELU()(gg.tensor(1.0)).item(), 4)
    0.8413
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x sigmoid(x) (swish), elementwise.

    Args:
        inplace: write the result into the input (as PyTorch's ``inplace=True``).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> round(gg.nn.SiLU()(gg.tensor(1.0)).item(), 4)
    0.7311
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)


class Tanh(Module):
    """The hyperbolic tangent, elementwise. No arguments.

    Returns (when called on a tensor): a tensor of the input's shape, in (-1, 1).

    >>> import gpugrad as gg
    >>> gg.nn.Tanh()(gg.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input):
        return F.tanh(input)


class Sigmoid(Module):
    """The logistic function 1 / (1 + e^-x), elementwise. No arguments.

    Returns (when called on a tensor): a tensor of the input's shape, in (0, 1).

    >>> import gpugrad as gg
    >>> gg.nn.Sigmoid()(gg.tensor([0.0])).tolist()
    [0.5]
    """

    def forward(self, input):
        return F.sigmoid(input)


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, elementwise: a smooth ReLU.

    Args:
        beta: the sharpness.
        threshold: above ``beta x > threshold`` the output is x itself (for numerical stability).

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> round(gg.nn.Softplus()(gg.tensor(0.0)).item(), 4)
    0.6931
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """e^x / sum(e^x) along ``dim``: each slice along ``dim`` becomes a probability vector.

    Args:
        dim: the dimension to normalize over.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.Softmax(dim=1)(gg.zeros(1, 4)).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably (x - logsumexp(x)).

    Args:
        dim: the dimension to normalize over.

    Returns (when called on a tensor): a tensor of the input's shape.

    >>> import gpugrad as gg
    >>> gg.nn.LogSoftmax(dim=0)(gg.zeros(2)).exp().tolist()
    [0.5, 0.5]
    """

    def forward(self, input):
        return F.log_softmax(input, self.dim)
