"""``torch.nn.utils``' two halves of gradient clipping, ``get_total_norm`` and ``clip_grads_with_norm_``
(so that the norm can be all-reduced, logged or checked between them), and the deprecated ``clip_grad_norm``.
:func:`gpugrad.nn.utils.clip_grad_norm_` does both at once."""
from __future__ import annotations

import warnings

from ...autograd import no_grad
from ...ops import stack
from ...ops.linalg_more import vector_norm
from ...tensor import Tensor

__all__ = ["get_total_norm", "clip_grads_with_norm_", "clip_grad_norm"]


def _tensors(tensors, op):
    if isinstance(tensors, Tensor):
        return [tensors]
    try:
        return list(tensors)
    except TypeError:
        raise TypeError(f"{op}: expected a Tensor or an iterable of Tensors, got {type(tensors).__name__}") \
            from None


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together, as if concatenated: the norm of their norms.

    Pass gradients (``[p.grad for p in model.parameters() if p.grad is not None]``), then scale them with
    :func:`clip_grads_with_norm_`. Computed without recording a graph, on the first tensor's device.

    Args:
        tensors: a tensor or an iterable of tensors.
        norm_type: the order of the norm (``float("inf")``: the largest absolute value; 0: PyTorch's count of
            tensors whose norm is non-zero).
        error_if_nonfinite: raise RuntimeError when the total norm is nan or inf.
        foreach: accepted for PyTorch compatibility (gpugrad has one implementation).

    Returns:
        A 0-d tensor (0.0 for no tensors).

    >>> import gpugrad as gg
    >>> gg.nn.utils.get_total_norm([gg.tensor([3.0]), gg.tensor([4.0])])
    tensor(5.)
    """
    tensors = _tensors(tensors, "get_total_norm")
    norm_type = float(norm_type)
    if not tensors:
        from ...tensor import tensor
        return tensor(0.0)
    dev = tensors[0].device
    with no_grad():
        norms = [vector_norm(t, norm_type).to(dev) for t in tensors]
        total = vector_norm(stack(norms), norm_type)
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           f"it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           f"norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor, foreach=None) -> None:
    """Multiply every ``.grad`` of ``parameters`` in place by min(1, max_norm / (total_norm + 1e-6)), the second
    half of :func:`gpugrad.nn.utils.clip_grad_norm_`; ``total_norm`` is usually :func:`get_total_norm`'s.

    Args:
        parameters: a tensor or an iterable of tensors (those without ``.grad`` are skipped).
        max_norm: the largest total norm allowed.
        total_norm: the total norm of the gradients, a 0-d tensor (as :func:`get_total_norm` returns).
        foreach: accepted for PyTorch compatibility.

    Returns:
        None.

    >>> import gpugrad as gg
    >>> w = gg.tensor([3.0, 4.0], requires_grad=True)
    >>> w.grad = gg.tensor([3.0, 4.0])
    >>> gg.nn.utils.clip_grads_with_norm_([w], 1.0, gg.nn.utils.get_total_norm([w.grad]))
    >>> [round(v, 4) for v in w.grad.tolist()]
    [0.6, 0.8]
    """
    grads = [p.grad for p in _tensors(parameters, "clip_grads_with_norm_") if p.grad is not None]
    if not grads:
        return
    max_norm = float(max_norm)
    with no_grad():
        coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device))


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """Deprecated name of :func:`gpugrad.nn.utils.clip_grad_norm_` (it warns with FutureWarning, as PyTorch).

    Args:
        parameters: a tensor or an iterable of tensors (those with a ``.grad``).
        max_norm: the largest total norm allowed.
        norm_type: the order of the norm.
        error_if_nonfinite: raise if the total norm is nan or inf.
        foreach: accepted for PyTorch compatibility.

    Returns:
        The total norm before clipping (a 0-d tensor).

    >>> import gpugrad as gg, warnings
    >>> w = gg.tensor([3.0, 4.0], requires_grad=True)
    >>> w.grad = gg.tensor([3.0, 4.0])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.nn.utils.clip_grad_norm([w], 1.0)
    tensor(5.)
    """
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    from . import clip_grad_norm_
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)
