"""MLP: the common multi-layer perceptron in one line."""
from __future__ import annotations

import copy

from .. import init as _init
from ..module import Module
from .activation import ReLU, LeakyReLU, ELU, GELU, SiLU, Tanh, Sigmoid, Softplus
from .containers import Sequential
from .dropout import Dropout
from .linear import Linear
from .normalization import BatchNorm1d, LayerNorm

# name -> (module class, the nonlinearity whose gain scales the init of the layer feeding it). GELU, SiLU,
# ELU and Softplus have no gain of their own in PyTorch's table; they pass about half of a zero-mean input's
# second moment, like ReLU, so they borrow its gain sqrt(2).
_ACTIVATIONS = {"relu": (ReLU, "relu"), "leaky_relu": (LeakyReLU, "leaky_relu"), "elu": (ELU, "relu"),
                "gelu": (GELU, "relu"), "silu": (SiLU, "relu"), "softplus": (Softplus, "relu"),
                "tanh": (Tanh, "tanh"), "sigmoid": (Sigmoid, "sigmoid")}
_GAIN_OF_CLASS = {cls: gain for cls, gain in _ACTIVATIONS.values()}
_INITS = ("kaiming", "kaiming_uniform", "xavier", "xavier_normal", "orthogonal", "default")


class MLP(Sequential):
    """``sizes = [in, h1, ..., out]``: Linear layers joined by ``activation`` (none after the last), each
    hidden layer optionally followed by ``norm`` ('batch' or 'layer', before the activation) and dropout.

    ``init`` picks the weights' distribution, scaled by the activation's gain so that activations keep their
    scale through depth: 'kaiming' (normal, std gain/sqrt(fan_in); the default), 'kaiming_uniform',
    'xavier' (uniform), 'xavier_normal', 'orthogonal', 'default' (PyTorch's Linear init, biases included),
    or a callable applied to each weight. Except for 'default', biases start at zero and the last layer uses
    gain 1 (no activation follows it).

    Args:
        sizes: ``[in, h1, ..., out]``, the widths.
        activation: a name (``"relu"``, ``"tanh"``, ``"gelu"``, ...) or a module class.
        dropout: dropout probability after each hidden activation.
        norm: None, ``"batch"`` or ``"layer"``.
        init: the weight initialization (see above).
        bias: give the Linear layers biases.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        A Sequential; called on ``(N, in)``, a tensor ``(N, out)``.

    >>> import gpugrad as gg
    >>> net = gg.nn.MLP([4, 32, 32, 3], activation="gelu", dropout=0.1, norm="layer")
    >>> net(gg.randn(8, 4)).shape
    gpugrad.Size([8, 3])
    """

    def __init__(self, sizes, activation="relu", dropout: float = 0.0, norm: str | None = None, init="kaiming",
                 bias: bool = True, device=None, dtype=None):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or any(s <= 0 for s in sizes):
            raise ValueError(f"MLP: sizes must list at least [in, out] positive widths, got {sizes}")
        if norm not in (None, "batch", "layer"):
            raise ValueError(f"MLP: norm must be None, 'batch' or 'layer', got {norm!r}")
        if not callable(init) and init not in _INITS:
            raise ValueError(f"MLP: init must be one of {_INITS} or a callable, got {init!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        make_act, gain = _activation(activation)
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = i == len(sizes) - 2
            fc = Linear(n_in, n_out, bias=bias, device=device, dtype=dtype)
            _init_linear(fc, init, 1.0 if last else gain)
            layers.append(fc)
            if last:
                break
            if norm == "batch":
                layers.append(BatchNorm1d(n_out, device=device, dtype=dtype))
            elif norm == "layer":
                layers.append(LayerNorm(n_out, device=device, dtype=dtype))
            layers.append(make_act())
            if dropout:
                layers.append(Dropout(dropout))
        super().__init__(*layers)
        self.sizes = tuple(sizes)


def _activation(activation):
    """(factory of a fresh activation module, its init gain) from a name, a Module class or instance."""
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; expected one of {sorted(_ACTIVATIONS)}, "
                             f"a Module class or a Module instance")
        cls, name = _ACTIVATIONS[activation]
        return cls, _init.calculate_gain(name)
    if isinstance(activation, type) and issubclass(activation, Module):
        return activation, _gain_for(activation())
    if isinstance(activation, Module):
        return (lambda: copy.deepcopy(activation)), _gain_for(activation)
    raise TypeError(f"MLP: activation must be a name, a Module class or a Module instance, "
                    f"got {type(activation).__name__}")


def _gain_for(module):
    name = _GAIN_OF_CLASS.get(type(module), "linear")
    return _init.calculate_gain(name, getattr(module, "negative_slope", None) if name == "leaky_relu" else None)


def _init_linear(fc, how, gain):
    if how == "default":
        return
    w = fc.weight
    if callable(how):
        how(w)
    elif how == "kaiming":
        _init.normal_(w, 0.0, gain / w.shape[1] ** 0.5)
    elif how == "kaiming_uniform":
        _init.uniform_(w, -gain * (3 / w.shape[1]) ** 0.5, gain * (3 / w.shape[1]) ** 0.5)
    elif how == "xavier":
        _init.xavier_uniform_(w, gain)
    elif how == "xavier_normal":
        _init.xavier_normal_(w, gain)
    elif how == "orthogonal":
        _init.orthogonal_(w, gain)
    if fc.bias is not None:
        _init.zeros_(fc.bias)
