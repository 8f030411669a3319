"""gpugrad.nn.utils: gradient clipping and flattening parameters to one vector (PyTorch's names)."""
from __future__ import annotations

import math
import types
import warnings

from ...autograd import no_grad
from ...backend import device_of, to_device, xp_of
from ...ops import cat, reshape
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters", "rnn"]

from . import rnn  # noqa: E402  (gpugrad.nn.utils.rnn: padded and packed sequences)


def _as_list(parameters, op):
    if isinstance(parameters, Tensor):
        return [parameters]
    try:
        return list(parameters)
    except TypeError:
        raise TypeError(f"{op}: expected a Tensor or an iterable of Tensors, got {type(parameters).__name__}") \
            from None


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``.

    total = (sum_p ||g_p||^q)^(1/q) (q = inf: the largest |g|; q = 0, as in PyTorch: the number of
    gradients with a non-zero element, the 0-norm of their 0-norms); every gradient is multiplied by
    min(1, max_norm / (total + 1e-6)). The scale is computed and applied on the gradients' device: nothing
    is copied to the host (unless ``error_if_nonfinite`` asks to check). Returns the total norm (before
    clipping) as a 0-d Tensor on the first gradient's device.

    Args:
        parameters: a tensor or an iterable of tensors (those with a ``.grad``).
        max_norm: the largest total norm allowed.
        norm_type: q, the norm's order (``float("inf")`` for the largest element).
        error_if_nonfinite: raise if the total norm is nan or inf.
        foreach: accepted for PyTorch compatibility.

    >>> import gpugrad as gg
    >>> w = gg.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()          # grad (6, 8), norm 10
    >>> gg.nn.utils.clip_grad_norm_([w], 5.0).item(), [round(v, 4) for v in w.grad.tolist()]
    (10.0, [3.0, 4.0])
    """
    params = _as_list(parameters, "clip_grad_norm_")
    if not params and isinstance(parameters, types.GeneratorType):
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads, arrays = _grad_arrays(params)
    if not grads:
        from ...tensor import tensor
        return tensor(0.0)
    q = float(norm_type)
    first = grads[0]._data
    dev = grads[0].device
    acc = grads[0].xp.result_type(first.dtype, grads[0].xp.float32)   # half-precision squares would overflow
    parts = []
    for arr in ([g._data for g in grads] if q == 0.0 else arrays):   # the 0-norm counts per gradient
        xp = xp_of(arr)
        a = arr.astype(acc, copy=False).ravel()
        if q == 0.0:
            part = (a != 0).any().astype(acc)         # PyTorch: the 0-norm of the gradients' 0-norms
        elif q == math.inf:
            part = xp.abs(a).max() if a.size else xp.zeros((), acc)
        elif q == 2.0:
            part = xp.dot(a, a)                      # ||g||^2 in one BLAS call
        else:
            part = (xp.abs(a) ** q).sum()
        parts.append(part.reshape(1) if device_of(arr) == dev else to_device(part.reshape(1), dev))
    xp = grads[0].xp
    stacked = xp.concatenate(parts)
    total = stacked.max() if q == math.inf else (xp.sqrt(stacked.sum()) if q == 2.0 else
                                                 stacked.sum() if q == 0.0 else stacked.sum() ** (1.0 / q))
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
                           f"non-finite ({float(total)}), so it cannot be clipped; pass error_if_nonfinite=False "
                           f"to scale by the non-finite norm anyway")
    scale = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for arr in arrays:
        d = device_of(arr)
        arr *= (scale if d == dev else to_device(scale, d)).astype(arr.dtype)
    for g in grads:
        g._vc[0] += 1
    return Tensor._make(total.astype(first.dtype), None, False)


def _grad_arrays(params):
    """``(grads, arrays)``: the gradients of ``params``, and the fewest arrays that hold exactly them. The
    gradients that the engine wrote into a flat optimizer buffer (``p._grad_buffer``) tile that buffer;
    when every parameter of it is present, the buffer itself stands for them, so a norm or a scale is one
    reduction (one kernel launch) per flat group instead of one per parameter."""
    grads, arrays, flats = [], [], {}
    for p in params:
        g = p.grad
        if g is None:
            continue
        grads.append(g)
        a = g._data
        base = getattr(a, "base", None)
        if a is p._grad_buffer and base is not None and base.ndim == 1:
            entry = flats.setdefault(id(base), (base, {}))
            if id(p) not in entry[1]:
                entry[1][id(p)] = a
                continue
        arrays.append(a)                  # its own array (or the same parameter listed twice)
    for base, parts in flats.values():
        from ...optim._flat import whole_grad      # (the flat buffers pad each view to a cache line)
        whole = whole_grad(base, len(parts))
        if whole is not None:
            arrays.append(whole)
        else:
            arrays.extend(parts.values())
    return grads, arrays


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place.

    Args:
        parameters: a tensor or an iterable of tensors (those with a ``.grad``).
        clip_value: the bound.
        foreach: accepted for PyTorch compatibility.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
    >>> (w * 3).sum().backward()
    >>> gg.nn.utils.clip_grad_value_([w], 1.0)
    >>> w.grad.tolist()
    [1.0, 1.0]
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters, "clip_grad_value_"):
        g = p.grad
        if g is not None:
            g.xp.clip(g._data, -clip_value, clip_value, out=g._data)
            g._vc[0] += 1


def parameters_to_vector(parameters) -> Tensor:
    """All parameters flattened and concatenated into one 1-D Tensor (differentiable, like PyTorch's).

    Args:
        parameters: an iterable of tensors.

    Returns:
        A 1-D tensor of all their elements.

    >>> import gpugrad as gg
    >>> gg.nn.utils.parameters_to_vector(gg.nn.Linear(3, 2).parameters()).shape
    gpugrad.Size([8])
    """
    params = _as_list(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    _same_device("parameters_to_vector", params)
    return cat([reshape(p, -1) for p in params])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place (the same arrays, so flat
    optimizer buffers that parameters view stay valid).

    Args:
        vec: a 1-D tensor with as many elements as the parameters together.
        parameters: an iterable of tensors, overwritten in place.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> fc = gg.nn.Linear(3, 2)
    >>> gg.nn.utils.vector_to_parameters(gg.zeros(8), fc.parameters())
    >>> fc.weight.abs().sum().item()
    0.0
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {tuple(vec.shape)}")
    params = _as_list(parameters, "vector_to_parameters")
    _same_device("vector_to_parameters", params + [vec])
    need = sum(p.numel() for p in params)
    if vec.numel() != need:
        raise ValueError(f"vector_to_parameters: vec has {vec.numel()} elements but the parameters hold {need}")
    with no_grad():
        off = 0
        for p in params:
            n = p.numel()
            p._data[...] = vec._data[off:off + n].reshape(p.shape).astype(p.dtype, copy=False)
            p._vc[0] += 1
            off += n


def _same_device(op, tensors):
    devs = {str(t.device) for t in tensors}
    if len(devs) > 1:
        raise RuntimeError(f"{op}: expected all tensors on one device, got {sorted(devs)}")


import sys as _sys  # noqa: E402

# -- the rest of torch.nn.utils, one submodule each (gpugrad.nn.utils.<name>, as PyTorch's)
from .clip_grad import get_total_norm, clip_grads_with_norm_, clip_grad_norm  # noqa: E402
from .misc import skip_init, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: E402
from .norm_hooks import weight_norm, remove_weight_norm, spectral_norm, remove_spectral_norm  # noqa: E402
from . import parametrize, parametrizations, stateless  # noqa: E402
from . import prune  # noqa: E402  (gpugrad.nn.utils.prune: torch.nn.utils.prune)

convert_parameters = types.ModuleType(f"{__name__}.convert_parameters",
                                      "torch.nn.utils.convert_parameters: parameters_to_vector, vector_to_parameters")
convert_parameters.parameters_to_vector = parameters_to_vector
convert_parameters.vector_to_parameters = vector_to_parameters
__all__ += ["get_total_norm", "clip_grads_with_norm_", "clip_grad_norm", "skip_init", "fuse_linear_bn_eval",
            "fuse_linear_bn_weights", "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm",
            "parametrize", "parametrizations", "stateless", "convert_parameters"]
_sys.modules[f"{__name__}.convert_parameters"] = convert_parameters
__all__ += ["prune"]
