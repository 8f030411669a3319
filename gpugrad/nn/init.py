"""gpugrad.nn.init: fill a tensor in place with an initial distribution (PyTorch's ``torch.nn.init``), with
PyTorch's deprecated names without the trailing underscore (``uniform``...), which warn FutureWarning.

Every function writes into ``tensor._data`` (the same array, so views into flat optimizer buffers stay valid)
without recording on the tape, draws on the tensor's own device, and uses gpugrad's seeded generators:
after ``gpugrad.manual_seed(s)`` the same calls give the same numbers.

>>> import gpugrad as gg
>>> w = gg.empty(256, 128)
>>> _ = gg.nn.init.kaiming_normal_(w, nonlinearity="relu")      # std = sqrt(2 / fan_in)
>>> abs(w.std().item() - (2 / 128) ** 0.5) < 0.01
True
"""
from __future__ import annotations

import math
import warnings

from .. import _dtype
from ..backend import special
from ..tensor import Tensor
from ..random_factories import _gen

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "trunc_normal_", "dirac_", "sparse_",
           # PyTorch's deprecated names (each warns FutureWarning, then calls its ``_`` form)
           "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "sparse"]


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The factor by which an activation shrinks the second moment of a zero-mean unit-variance input, as a
    standard-deviation gain: relu sqrt(2), tanh 5/3, leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4,
    linear/conv/sigmoid 1 (PyTorch's table).

    Args:
        nonlinearity: the activation's name (``"relu"``, ``"tanh"``, ``"leaky_relu"``, ``"linear"``, ...).
        param: leaky_relu's negative slope (default 0.01).

    Returns:
        The gain, a float.

    >>> import gpugrad as gg
    >>> round(gg.nn.init.calculate_gain("relu"), 4)
    1.4142
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
                     f"{list(linear) + ['tanh', 'relu', 'leaky_relu', 'selu']}")


def _check(op, tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{op}: expected a Tensor, got {type(tensor).__name__}")


def _rng(tensor, generator, op):
    """``generator`` (a ``gpugrad.Generator``, CPU tensors only) or gpugrad's generator of tensor's device."""
    return _gen(generator, tensor.device, f"nn.init.{op}")


def _draw(tensor, kind, generator, op):
    """Standard uniform [0, 1) or standard normal numbers of tensor's shape, on its device, in its float
    dtype (float16 drawn in float32: the generators have no half precision), from :func:`_rng`."""
    dt = tensor.dtype if tensor.dtype.kind == "f" and tensor.dtype.itemsize >= 4 else _dtype.float32
    g = _rng(tensor, generator, op)
    return g.random(tensor.shape, dtype=dt) if kind == "uniform" else g.standard_normal(tensor.shape, dtype=dt)


def _write(tensor, arr):
    """Store arr into tensor's array in place (no tape), bumping its version like any in-place op."""
    tensor._data[...] = arr
    tensor._vc[0] += 1
    return tensor


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """U(a, b).

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).
        a: the lower bound.
        b: the upper bound.
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only; default: gpugrad's generator).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> w = gg.nn.init.uniform_(gg.empty(1000), -1.0, 1.0)
    >>> -1.0 <= w.min().item() and w.max().item() <= 1.0
    True
    """
    _check("uniform_", tensor)
    return _write(tensor, a + (b - a) * _draw(tensor, "uniform", generator, "uniform_"))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """N(mean, std^2).

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).
        mean: the mean.
        std: the standard deviation.
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only; default: gpugrad's generator).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> w = gg.nn.init.normal_(gg.empty(10000), 0.0, 0.1)
    >>> abs(w.std().item() - 0.1) < 0.01
    True
    """
    _check("normal_", tensor)
    return _write(tensor, mean + std * _draw(tensor, "normal", generator, "normal_"))


def constant_(tensor, val: float):
    """Fill ``tensor`` with ``val``.

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).
        val: the value.

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> gg.nn.init.constant_(gg.empty(2), 0.5).tolist()
    [0.5, 0.5]
    """
    _check("constant_", tensor)
    tensor._data.fill(val)
    tensor._vc[0] += 1
    return tensor


def zeros_(tensor):
    """Fill ``tensor`` with zeros.

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> gg.nn.init.zeros_(gg.empty(2)).tolist()
    [0.0, 0.0]
    """
    return constant_(tensor, 0)


def ones_(tensor):
    """Fill ``tensor`` with ones.

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> gg.nn.init.ones_(gg.empty(2)).tolist()
    [1.0, 1.0]
    """
    return constant_(tensor, 1)


def eye_(tensor):
    """The identity in a 2-D tensor (ones on the main diagonal of a possibly rectangular matrix).

    Args:
        tensor: a 2-D tensor to fill, in place.

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> gg.nn.init.eye_(gg.empty(2, 3)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    _check("eye_", tensor)
    if tensor.ndim != 2:
        raise ValueError(f"nn.init.eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _write(tensor, tensor.xp.eye(*tensor.shape, dtype=tensor.dtype))


def _calculate_fan_in_and_fan_out(tensor):
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (weights are (out, in, ...))."""
    if tensor.ndim < 2:
        raise ValueError(f"nn.init: fan in and fan out can not be computed for a tensor with fewer than 2 "
                         f"dimensions (shape {tuple(tensor.shape)})")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"nn.init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """U(-a, a) with a = gain sqrt(6 / (fan_in + fan_out)): variance 2 / (fan_in + fan_out) keeps both the
    forward and the backward signal's scale (Glorot & Bengio, 2010).

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).
        gain: scales the bound (see calculate_gain).
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only; default: gpugrad's generator).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> w = gg.nn.init.xavier_uniform_(gg.empty(100, 200))
    >>> w.abs().max().item() <= (6 / 300) ** 0.5
    True
    """
    _check("xavier_uniform_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """N(0, std^2) with std = gain sqrt(2 / (fan_in + fan_out)).

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).
        gain: scales the standard deviation.
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only; default: gpugrad's generator).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> w = gg.nn.init.xavier_normal_(gg.empty(200, 200))
    >>> abs(w.std().item() - (2 / 400) ** 0.5) < 0.005
    True
    """
    _check("xavier_normal_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None):
    """U(-bound, bound) with bound = gain sqrt(3 / fan): variance gain^2 / fan, so that a ReLU layer
    (gain sqrt 2) keeps the second moment of its activations (He et al., 2015). ``mode='fan_out'`` keeps
    the gradients' instead.

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).
        a: leaky_relu's negative slope (for the gain).
        mode: ``"fan_in"`` (keeps the forward signal's scale) or ``"fan_out"`` (the backward's).
        nonlinearity: the activation after the layer, for the gain (``"relu"``, ``"leaky_relu"``, ...).
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only; default: gpugrad's generator).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> w = gg.nn.init.kaiming_uniform_(gg.empty(64, 100), nonlinearity="relu")
    >>> w.abs().max().item() <= (6 / 100) ** 0.5
    True
    """
    _check("kaiming_uniform_", tensor)
    if 0 in tensor.shape:
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None):
    """N(0, std^2) with std = gain / sqrt(fan).

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).
        a: leaky_relu's negative slope (for the gain).
        mode: ``"fan_in"`` (keeps the forward signal's scale) or ``"fan_out"`` (the backward's).
        nonlinearity: the activation after the layer, for the gain (``"relu"``, ``"leaky_relu"``, ...).
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only; default: gpugrad's generator).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> w = gg.nn.init.kaiming_normal_(gg.empty(256, 100), nonlinearity="relu")
    >>> abs(w.std().item() - (2 / 100) ** 0.5) < 0.01
    True
    """
    _check("kaiming_normal_", tensor)
    if 0 in tensor.shape:
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)), generator)


def orthogonal_(tensor, gain: float = 1.0, generator=None):
    """A (semi-)orthogonal matrix (tensor viewed as ``(size(0), -1)``) times ``gain``: the QR factor of a
    Gaussian matrix with R's diagonal signs folded in, which makes Q Haar-distributed (Saxe et al., 2013).

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded). At least 2-D.
        gain: the scale factor.
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only; default: gpugrad's generator).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> q = gg.nn.init.orthogonal_(gg.empty(3, 3))
    >>> gg.allclose(q @ q.T, gg.eye(3), atol=1e-5)
    True
    """
    _check("orthogonal_", tensor)
    if tensor.ndim < 2:
        raise ValueError(f"nn.init.orthogonal_: only tensors with 2 or more dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}")
    if tensor.numel() == 0:
        return tensor
    xp = tensor.xp
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _rng(tensor, generator, "orthogonal_").standard_normal((rows, cols), dtype=_dtype.float64)
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diagonal(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (gain * q).reshape(tensor.shape))


def _erfinv(xp, y):
    """erf^-1 on an array: Giles' single-precision approximation refined by two Newton steps on erf."""
    w = -xp.log((1.0 - y) * (1.0 + y))
    small = w < 5.0
    ws = w - 2.5
    wl = xp.sqrt(xp.where(small, 5.0, w)) - 3.0
    p_s = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
              0.246640727, 1.50140941):
        p_s = c + p_s * ws
    p_l = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
              1.00167406, 2.83297682):
        p_l = c + p_l * wl
    x = xp.where(small, p_s, p_l) * y
    for _ in range(2):                     # Newton on f(x) = erf(x) - y, f' = 2/sqrt(pi) e^(-x^2)
        x = x - (special.erf(xp, x) - y) / (2.0 / math.sqrt(math.pi) * xp.exp(-x * x))
    return x


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None):
    """N(mean, std^2) restricted to [a, b], by inverse-CDF sampling (no rejection loop, no host sync):
    u ~ U(Phi(alpha), Phi(beta)) with alpha = (a - mean)/std, beta = (b - mean)/std; x = mean + std Phi^-1(u),
    Phi^-1(u) = sqrt(2) erfinv(2u - 1).

    Args:
        tensor: the tensor to fill, in place (no gradient is recorded).
        mean: the mean.
        std: the standard deviation.
        a: the lower cut-off.
        b: the upper cut-off.
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only; default: gpugrad's generator).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> w = gg.nn.init.trunc_normal_(gg.empty(1000), std=1.0, a=-0.5, b=0.5)
    >>> -0.5 <= w.min().item() and w.max().item() <= 0.5
    True
    """
    _check("trunc_normal_", tensor)
    if not a < b:
        raise ValueError(f"nn.init.trunc_normal_: expected a < b, got a={a}, b={b}")
    xp = tensor.xp

    def cdf(v):
        return 0.5 * (1.0 + math.erf(v / math.sqrt(2.0)))

    lo, hi = cdf((a - mean) / std), cdf((b - mean) / std)
    u = _rng(tensor, generator, "trunc_normal_").random(tensor.shape, dtype=_dtype.float64)  # float64: tails need digits
    y = (2 * (lo + (hi - lo) * u) - 1).clip(-1 + 1e-7, 1 - 1e-7)
    x = mean + std * math.sqrt(2.0) * _erfinv(xp, y)
    return _write(tensor, x.clip(a, b))


def dirac_(tensor, groups=1):
    """The Dirac delta of a convolution: a 3-, 4- or 5-D weight ``(out, in, *kernel)`` that passes its input
    through (each of the first ``in`` output channels of a group copies one input channel at the kernel's
    centre), as ``torch.nn.init.dirac_``.

    Args:
        tensor: the weight to fill, in place (no gradient is recorded).
        groups: the number of groups of the convolution (``out`` splits into that many).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> gg.nn.init.dirac_(gg.empty(2, 1, 3))[:, 0].tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    """
    _check("dirac_", tensor)
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if tensor.shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    xp = tensor.xp
    out_per_group = tensor.shape[0] // groups
    arr = xp.zeros(tuple(tensor.shape), dtype=tensor._data.dtype)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, tensor.shape[1])):
            arr[(g * out_per_group + d, d) + centre] = 1
    return _write(tensor, arr)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """A sparse 2-D matrix: N(0, std^2) entries with, in every column, ``ceil(sparsity * rows)`` of them (at
    random rows) set to zero, as ``torch.nn.init.sparse_`` (Martens, 2010).

    Args:
        tensor: a 2-D tensor to fill, in place (no gradient is recorded).
        sparsity: the fraction of each column set to zero.
        std: the standard deviation of the non-zero entries.
        generator: a ``gpugrad.Generator`` to draw from (CPU tensors only; default: gpugrad's generator).

    Returns:
        ``tensor``.

    >>> import gpugrad as gg
    >>> w = gg.nn.init.sparse_(gg.empty(4, 3), 0.5)
    >>> (w == 0).sum(0).tolist()
    [2, 2, 2]
    """
    _check("sparse_", tensor)
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    zeros = int(math.ceil(sparsity * rows))
    normal_(tensor, 0.0, std, generator)
    g = _rng(tensor, generator, "sparse_")
    # each column's zero rows: the first ``zeros`` of a random permutation (argsort of uniform keys)
    order = tensor.xp.argsort(g.random((rows, cols), dtype=_dtype.float64), axis=0)
    tensor._data[order[:zeros], tensor.xp.arange(cols)] = 0
    return tensor


def _deprecated(new):
    old = new.__name__[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.", FutureWarning,
                      stacklevel=2)
        return new(*args, **kwargs)
    deprecated_init.__name__ = deprecated_init.__qualname__ = old
    deprecated_init.__doc__ = f"""``{old}(...)``: :func:`{new.__name__}` under PyTorch's deprecated name; warns
    FutureWarning on each call, as PyTorch.

    Args:
        *args: as ``{new.__name__}``.
        **kwargs: as ``{new.__name__}``.

    Returns:
        What ``{new.__name__}`` returns.

    >>> import gpugrad as gg
    >>> callable(gg.nn.init.{old})
    True
    """
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
