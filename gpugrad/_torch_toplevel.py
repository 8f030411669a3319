"""PyTorch's top-level names that scripts call and that are other names or signatures of gpugrad functions:
the in-place functions (``torch.exp_(x)`` is ``x.exp_()``), the native forms of the nn functions
(``torch.dropout(input, p, train)``, ``torch.batch_norm(input, weight, bias, running_mean, ...)``, the losses
with an integer ``reduction``: 0 none, 1 mean, 2 sum), ``rsub``, ``scalar_tensor``, ``detach``, ``fill`` and
the window functions (``hann_window``...). Imported by :mod:`gpugrad` (it sits above ``nn``)."""
from __future__ import annotations

import inspect
import math

from . import _dtype
from .tensor import Tensor
from .nn import functional as F
from .factories import arange, full, ones

#: Tensor methods that PyTorch also offers as top-level functions of the tensor (``torch.abs_(x)``)
_INPLACE = ("abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
            "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_",
            "cos_", "cosh_", "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_",
            "floor_", "frac_", "gcd_", "i0_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_",
            "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_",
            "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_", "detach",
            "is_signed", "is_inference")


def _method_as_function(name):
    method = getattr(Tensor, name)

    def fn(input, *args, **kwargs):
        return method(input, *args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""``input.{name}(*args, **kwargs)`` as a function (PyTorch's ``torch.{name}``).

    Args:
        input: the tensor.
        *args: as ``Tensor.{name}``.
        **kwargs: as ``Tensor.{name}``.

    Returns:
        What ``Tensor.{name}`` returns.

    >>> import gpugrad as gg
    >>> callable(gg.{name})
    True
    """
    return fn


INPLACE_FUNCTIONS = {name: _method_as_function(name) for name in _INPLACE if hasattr(Tensor, name)}


# -- the native forms of nn functions -------------------------------------------------------------------------
def _dropout_fn(name, f, inplace):
    def fn(input, p, train):
        return f(input, p, train, inplace)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""PyTorch's native ``torch.{name}(input, p, train)``: :func:`gpugrad.nn.functional.{f.__name__}`
    {'in place' if inplace else 'out of place'}.

    Args:
        input: the tensor.
        p: the probability of dropping an element.
        train: apply dropout (False: the input as it is).

    Returns:
        A tensor of input's shape.

    >>> import gpugrad as gg
    >>> gg.{name}(gg.ones(1, 3), 0.5, False)
    tensor([[1., 1., 1.]])
    """
    return fn


_DROPOUTS = {"dropout": F.dropout, "alpha_dropout": F.alpha_dropout,
             "feature_alpha_dropout": F.feature_alpha_dropout}
DROPOUT_FUNCTIONS = {n + s: _dropout_fn(n + s, f, s == "_") for n, f in _DROPOUTS.items() for s in ("", "_")}


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    """PyTorch's native ``torch.batch_norm`` (the arguments in ATen's order): see
    :func:`gpugrad.nn.functional.batch_norm`.

    Args:
        input: ``(N, C, *)``.
        weight: the ``(C,)`` scale or None.
        bias: the ``(C,)`` shift or None.
        running_mean: the running mean or None (updated in training).
        running_var: the running variance or None.
        training: normalize by the batch's statistics.
        momentum: the running averages' factor.
        eps: added to the variance.
        cudnn_enabled: accepted (no effect).

    Returns:
        A tensor of input's shape.

    >>> import gpugrad as gg
    >>> gg.batch_norm(gg.tensor([[1.0], [3.0]]), None, None, None, None, True, 0.1, 0.0, False)
    tensor([[-1.],
            [ 1.]])
    """
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    """PyTorch's native ``torch.instance_norm`` (ATen's argument order): see
    :func:`gpugrad.nn.functional.instance_norm`.

    Args:
        input: ``(N, C, *)``.
        weight: the ``(C,)`` scale or None.
        bias: the ``(C,)`` shift or None.
        running_mean: the running mean or None.
        running_var: the running variance or None.
        use_input_stats: normalize by each instance's statistics.
        momentum: the running averages' factor.
        eps: added to the variance.
        cudnn_enabled: accepted (no effect).

    Returns:
        A tensor of input's shape.

    >>> import gpugrad as gg
    >>> gg.instance_norm(gg.tensor([[[1.0, 3.0]]]), None, None, None, None, True, 0.1, 0.0, False)
    tensor([[[-1.,  1.]]])
    """
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """PyTorch's ``torch.layer_norm``: :func:`gpugrad.nn.functional.layer_norm`.

    Args:
        input: the tensor.
        normalized_shape: the trailing shape normalized over.
        weight: the scale or None.
        bias: the shift or None.
        eps: added to the variance.
        cudnn_enable: accepted (no effect).

    Returns:
        A tensor of input's shape.

    >>> import gpugrad as gg
    >>> gg.layer_norm(gg.tensor([1.0, 3.0]), (2,), eps=0.0)
    tensor([-1.,  1.])
    """
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """PyTorch's ``torch.group_norm``: :func:`gpugrad.nn.functional.group_norm`.

    Args:
        input: ``(N, C, *)``.
        num_groups: the number of channel groups.
        weight: the ``(C,)`` scale or None.
        bias: the ``(C,)`` shift or None.
        eps: added to the variance.
        cudnn_enabled: accepted (no effect).

    Returns:
        A tensor of input's shape.

    >>> import gpugrad as gg
    >>> gg.group_norm(gg.tensor([[1.0, 3.0]]), 1, eps=0.0)
    tensor([[-1.,  1.]])
    """
    return F.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """PyTorch's ``torch.rms_norm``: :func:`gpugrad.nn.functional.rms_norm`.

    Args:
        input: the tensor.
        normalized_shape: the trailing shape normalized over.
        weight: the scale or None.
        eps: added to the mean square (None: the dtype's machine epsilon).

    Returns:
        A tensor of input's shape.

    >>> import gpugrad as gg
    >>> gg.rms_norm(gg.tensor([3.0, 4.0]), (2,), eps=0.0)
    tensor([0.8485, 1.1314])
    """
    return F.rms_norm(input, normalized_shape, weight, eps)


_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(r):
    if r not in _REDUCTIONS:
        raise RuntimeError(f"{r} is not a valid value for reduction (0: none, 1: mean, 2: sum)")
    return _REDUCTIONS[r]


def _loss(name, f, tensors, options, example, value):
    """A native loss: ``f`` with PyTorch's top-level positional order (the ``tensors``, then the ``options``,
    a tuple of (name, default) ending in ``reduction``, an int there)."""
    names = tensors + tuple(n for n, _ in options)

    def fn(*args, **kwargs):
        if len(args) > len(names):
            raise TypeError(f"{name}() takes at most {len(names)} positional arguments ({len(args)} given)")
        bound = dict(options)
        bound.update(zip(names, args))
        bound.update(kwargs)
        missing = [t for t in tensors if t not in bound]
        if missing:
            raise TypeError(f"{name}() missing required argument '{missing[0]}'")
        reduction = _reduction(bound.pop("reduction"))
        return f(*[bound.pop(t) for t in tensors], reduction=reduction, **bound)
    fn.__name__ = fn.__qualname__ = name
    fn.__signature__ = inspect.Signature(
        [inspect.Parameter(t, inspect.Parameter.POSITIONAL_OR_KEYWORD) for t in tensors]
        + [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d) for n, d in options])
    lines = "\n".join([f"        {t}: a tensor, as in :func:`gpugrad.nn.functional.{name}`." for t in tensors]
                      + [f"        {n}: as in :func:`gpugrad.nn.functional.{name}`." for n, _ in options
                         if n != "reduction"])
    fn.__doc__ = f"""PyTorch's native ``torch.{name}``: :func:`gpugrad.nn.functional.{name}` with ``reduction``
    an int (0: none, 1: mean, 2: sum), every argument also by position in PyTorch's order.

    Args:
{lines}
        reduction: 0 (the default), 1 or 2.

    Returns:
        The loss per element (reduction 0, the default, as PyTorch's native form), or a 0-d tensor.

    >>> import gpugrad as gg
    >>> gg.{name}({example}, reduction=2)
    {value}
    """
    return fn


_R = ("reduction", 0)       # (PyTorch 2.13's native losses reduce nothing when reduction is left out)
LOSS_FUNCTIONS = {
    "binary_cross_entropy_with_logits": _loss(
        "binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, ("input", "target"),
        (("weight", None), ("pos_weight", None), _R), "gg.tensor([0.0]), gg.tensor([1.0])", "tensor(0.6931)"),
    "cosine_embedding_loss": _loss("cosine_embedding_loss", F.cosine_embedding_loss, ("input1", "input2", "target"),
                                   (("margin", 0.0), _R), "gg.ones(1, 2), gg.ones(1, 2), gg.ones(1)", "tensor(0.)"),
    "margin_ranking_loss": _loss("margin_ranking_loss", F.margin_ranking_loss, ("input1", "input2", "target"),
                                 (("margin", 0.0), _R), "gg.tensor([1.0]), gg.tensor([2.0]), gg.tensor([1.0])",
                                 "tensor(1.)"),
    "hinge_embedding_loss": _loss("hinge_embedding_loss", F.hinge_embedding_loss, ("input", "target"),
                                  (("margin", 1.0), _R), "gg.tensor([0.5]), gg.tensor([-1.0])", "tensor(0.5000)"),
    "triplet_margin_loss": _loss("triplet_margin_loss", F.triplet_margin_loss, ("anchor", "positive", "negative"),
                                 (("margin", 1.0), ("p", 2), ("eps", 1e-6), ("swap", False), _R),
                                 "gg.zeros(1, 2), gg.zeros(1, 2), gg.ones(1, 2)", "tensor(0.)"),
    "kl_div": _loss("kl_div", F.kl_div, ("input", "target"), (_R, ("log_target", False)),
                    "gg.tensor([0.0]), gg.tensor([1.0])", "tensor(0.)"),
}


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """PyTorch's native ``torch.poisson_nll_loss`` (every argument required, ``reduction`` an int):
    :func:`gpugrad.nn.functional.poisson_nll_loss`.

    Args:
        input: the predicted rates (their logs with ``log_input``).
        target: the observed counts.
        log_input: whether input holds log-rates.
        full: add Stirling's term.
        eps: added to input before the log (without ``log_input``).
        reduction: 0 none, 1 mean, 2 sum.

    Returns:
        The loss.

    >>> import gpugrad as gg
    >>> gg.poisson_nll_loss(gg.tensor([0.0]), gg.tensor([1.0]), True, False, 1e-8, 1)
    tensor(1.)
    """
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def fill(input, value):
    """A tensor of input's shape and dtype filled with ``value`` (PyTorch's out-of-place ``torch.fill``; no
    gradient reaches ``input``, whose values it does not read).

    Args:
        input: the tensor giving shape, dtype and device.
        value: a number or a 0-d tensor.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> gg.fill(gg.zeros(2), 3.0)
    tensor([3., 3.])
    """
    from .factories import empty_like
    return empty_like(input).fill_(value)


def rsub(input, other, alpha=1):
    """``other - alpha * input`` (PyTorch's ``torch.rsub``: ``sub`` with its operands swapped).

    Args:
        input: a tensor.
        other: a tensor or a number.
        alpha: the factor of ``input``.

    Returns:
        A tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.rsub(gg.tensor([1.0, 2.0]), 5, alpha=2)
    tensor([3., 1.])
    """
    from .ops import sub
    from .ops.arithmetic import _no_bool_sub
    _no_bool_sub(input, other)                  # (before other takes input's dtype)
    if not isinstance(other, Tensor):
        other = full((), other, dtype=input.dtype, device=input.device)
    return sub(other, input, alpha=alpha)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=None):
    """A 0-d tensor holding the number ``s``, of the default float dtype unless given (PyTorch's
    ``torch.scalar_tensor``).

    Args:
        s: the number.
        dtype: the dtype (default: the default float dtype, whatever s's type).
        layout: None or ``gpugrad.strided``.
        device: where to create it.
        pin_memory: accepted (no effect).

    Returns:
        A 0-d tensor.

    >>> import gpugrad as gg
    >>> gg.scalar_tensor(3)
    tensor(3.)
    """
    return full((), s, dtype=dtype or _dtype.get_default_dtype(), device=device, layout=layout)


# -- window functions ----------------------------------------------------------------------------------------
def _window(name, window_length, periodic, dtype, device, requires_grad, layout, weights):
    """The window of ``window_length`` points (one more, then dropped, when ``periodic``); ``weights(n, N)``
    gives the values at the points n of a symmetric window of N points (a float64 tensor)."""
    from ._formats import check_layout
    check_layout(name, layout)
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    dt = dtype or _dtype.get_default_dtype()
    if not _dtype.is_floating(dt):
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if window_length <= 1:
        res = ones(window_length, dtype=dt, device=device)
    else:
        big = window_length + 1 if periodic else window_length
        res = weights(arange(window_length, dtype=_dtype.as_dtype("float64"), device=device), big).to(dt)
    return res.requires_grad_(requires_grad)


def _window_doc(name, formula, extra=""):
    return f"""The {name.split('_')[0]} window, {formula}, as PyTorch's ``torch.{name}``.

    Args:
        window_length: the number of points.
        periodic: a window for spectral analysis (computed on window_length + 1 points, the last dropped).{extra}
        dtype: a float dtype (default: the default float dtype).
        layout: None or ``gpugrad.strided``.
        device: where to create it.
        requires_grad: whether the result requires grad.

    Returns:
        A 1-D tensor of window_length values.

    >>> import gpugrad as gg
    >>> gg.{name}(3, periodic=False)[1].item()
    1.0
    """


def _cosine_window(name, coeffs, formula):
    def fn(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
        def weights(n, big):
            w = n * 0
            for k, a in enumerate(coeffs):
                w = w + (-1) ** k * a * (2 * math.pi * k * n / (big - 1)).cos()
            return w
        return _window(name, window_length, periodic, dtype, device, requires_grad, layout, weights)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _window_doc(name, formula)
    return fn


hann_window = _cosine_window("hann_window", (0.5, 0.5), "0.5 - 0.5 cos(2 pi n / (N - 1))")
blackman_window = _cosine_window("blackman_window", (0.42, 0.5, 0.08),
                                 "0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))")


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """The Hamming window, alpha - beta cos(2 pi n / (N - 1)), as PyTorch's ``torch.hamming_window``.

    Args:
        window_length: the number of points.
        periodic: a window for spectral analysis (computed on window_length + 1 points, the last dropped).
        alpha: the constant term.
        beta: the cosine's factor.
        dtype: a float dtype (default: the default float dtype).
        layout: None or ``gpugrad.strided``.
        device: where to create it.
        requires_grad: whether the result requires grad.

    Returns:
        A 1-D tensor of window_length values.

    >>> import gpugrad as gg
    >>> gg.hamming_window(3, periodic=False)
    tensor([0.0800, 1.0000, 0.0800])
    """
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad, layout,
                   lambda n, big: alpha - beta * (2 * math.pi * n / (big - 1)).cos())


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, layout,
                   lambda n, big: 1 - (2 * n / (big - 1) - 1).abs())


bartlett_window.__doc__ = _window_doc("bartlett_window", "1 - |2 n / (N - 1) - 1|")


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False):
    """The Kaiser window, I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta), as PyTorch's
    ``torch.kaiser_window``.

    Args:
        window_length: the number of points.
        periodic: a window for spectral analysis (computed on window_length + 1 points, the last dropped).
        beta: the shape parameter.
        dtype: a float dtype (default: the default float dtype).
        layout: None or ``gpugrad.strided``.
        device: where to create it.
        requires_grad: whether the result requires grad.

    Returns:
        A 1-D tensor of window_length values.

    >>> import gpugrad as gg
    >>> gg.kaiser_window(3, periodic=False)[1].item()
    1.0
    """
    from .ops import i0

    def weights(n, big):
        r = (2 * n / (big - 1) - 1)
        return i0(beta * (1 - r * r).clamp(min=0).sqrt()) / i0(full((), beta, dtype=n.dtype, device=n.device))
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, layout, weights)


WINDOW_FUNCTIONS = dict(hann_window=hann_window, hamming_window=hamming_window, blackman_window=blackman_window,
                        bartlett_window=bartlett_window, kaiser_window=kaiser_window)

TOPLEVEL = dict(**INPLACE_FUNCTIONS, **DROPOUT_FUNCTIONS, **LOSS_FUNCTIONS, **WINDOW_FUNCTIONS,
                batch_norm=batch_norm, instance_norm=instance_norm, layer_norm=layer_norm, group_norm=group_norm,
                rms_norm=rms_norm, poisson_nll_loss=poisson_nll_loss, rsub=rsub, fill=fill, scalar_tensor=scalar_tensor,
                bilinear=F.bilinear)
from ._torch_toplevel_more import TOPLEVEL_MORE  # noqa: E402  (native forms, *_copy, vmap, lowrank...)
TOPLEVEL.update(TOPLEVEL_MORE)
globals().update({k: v for k, v in TOPLEVEL.items() if k not in globals()})     # (where the docs look them up)
