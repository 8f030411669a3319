"""Reverse-mode automatic differentiation: the tape, the engine, grad mode and gradient checks."""
from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as _np

from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from .function import Function
from ..tensor import Tensor, _ndarray
from ..factories import zeros_like
from ..backend import device_context
from .engine import run_backward      # at import time: a function-level import costs 0.3 us per backward()


def _ones_like_root(t):
    if t._data.size != 1:
        raise RuntimeError(f"backward: grad can be implicitly created only for scalar outputs, but the output "
                           f"has shape {tuple(t.shape)}; pass gradient= (a tensor of that shape) or reduce "
                           f"it first (e.g. .sum() or .mean())")
    if t._data.__class__ is _ndarray:
        g = _np.empty(t._data.shape, t._data.dtype)    # empty + fill: half the cost of ones() for one element
        g.fill(1)
        return g
    with device_context(t.device):      # on t's GPU, whichever device is current
        return t.xp.ones(t.shape, t.dtype)


def _as_grad_array(t, g, create_graph):
    if g is None:
        arr = _ones_like_root(t)
        return Tensor._make(arr, None) if create_graph else arr
    if not isinstance(g, Tensor):
        from ..tensor import tensor
        g = tensor(g, dtype=t.dtype, device=t.device)
    if tuple(g.shape) != tuple(t.shape):
        raise RuntimeError(f"backward: gradient has shape {tuple(g.shape)} but the output has shape "
                           f"{tuple(t.shape)}")
    if g.device != t.device:
        raise RuntimeError(f"backward: gradient is on {g.device} but the output is on {t.device}")
    return g if create_graph else g._data


def _input_list(inputs, op):
    """``inputs`` as a list of tensors: one tensor, a sequence, or (as PyTorch) a plain dict's values."""
    if isinstance(inputs, Tensor):
        return [inputs]
    if type(inputs) is dict:
        return list(inputs.values())
    if isinstance(inputs, Mapping):
        raise TypeError(f"`inputs` argument to `{op}()` must be a dict, not {type(inputs).__name__}. Other Mapping "
                        "types are not supported.")
    return list(inputs)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (PyTorch semantics).

    Args:
        tensors: the output tensor(s) to differentiate.
        grad_tensors: the gradient of each output (None: ones, for scalar outputs).
        retain_graph: keep the graph for another backward (default: ``create_graph``).
        create_graph: record the backward pass, for higher-order derivatives.
        grad_variables: PyTorch's deprecated name of ``grad_tensors`` (with its FutureWarning).
        inputs: accumulate only into these tensors' ``.grad`` (a tensor, a sequence, or a dict's values).

    Returns:
        None.

    >>> import gpugrad as gg
    >>> x = gg.tensor([1.0, 2.0], requires_grad=True)
    >>> gg.autograd.backward([(x * x).sum()])
    >>> x.grad.tolist()
    [2.0, 4.0]
    """
    if grad_variables is not None:
        warnings.warn("`grad_variables` is deprecated. Use `grad_tensors` instead.", FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                               "`backward()`. Please only use `grad_tensors`.")
        grad_tensors = grad_variables
    if isinstance(tensors, Tensor):
        tensors = [tensors]
        grad_tensors = [grad_tensors]
    elif grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    for t in tensors:
        if not t.requires_grad:
            raise RuntimeError("backward: element 0 of tensors does not require grad and does not have a "
                               "grad_fn (did you compute it under no_grad, or forget requires_grad=True?)")
    if retain_graph is None:
        retain_graph = create_graph
    gs = [_as_grad_array(t, g, create_graph) for t, g in zip(tensors, grad_tensors)]
    if inputs is not None:
        inputs = _input_list(inputs, "backward")
        got = run_backward(tensors, gs, retain_graph, create_graph, inputs=inputs, accumulate=False)
        from .engine import _store_grad
        for i, t in enumerate(inputs):
            if i in got:
                _store_grad(t, got[i], create_graph)
        return
    run_backward(tensors, gs, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated into .grad).

    Args:
        outputs: the output tensor(s).
        inputs: the tensor(s) to differentiate with respect to (a tensor, a sequence, or a dict: then the
            result is a dict with its keys).
        grad_outputs: the gradient of each output (None: ones, for scalar outputs).
        retain_graph: keep the graph (default: ``create_graph``).
        create_graph: record the backward pass, so the result can be differentiated again.
        only_inputs: deprecated and ignored, as in PyTorch (False warns): only ``inputs`` get gradients.
        allow_unused: return None for an input the outputs do not depend on (else an error); default
            ``materialize_grads``.
        is_grads_batched: only False (PyTorch's vmap over a leading batch dim of ``grad_outputs`` is not
            supported: call grad once per row).
        materialize_grads: give zeros instead of None for unused inputs (implies ``allow_unused``).

    Returns:
        A tuple with one gradient (or None) per input (a dict when ``inputs`` is one).

    >>> import gpugrad as gg
    >>> x = gg.tensor(3.0, requires_grad=True)
    >>> (g,) = gg.autograd.grad(x ** 3, x, create_graph=True)
    >>> (h,) = gg.autograd.grad(g, x)
    >>> g.item(), h.item()
    (27.0, 18.0)
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    if is_grads_batched:
        raise NotImplementedError("autograd.grad: is_grads_batched=True is not supported (no vmap); call grad "
                                  "once per row of grad_outputs")
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.",
                      FutureWarning, stacklevel=2)
    single_out = isinstance(outputs, Tensor)
    outputs = [outputs] if single_out else list(outputs)
    inputs_t = _input_list(inputs, "grad")
    if not inputs_t:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("grad: one of the outputs does not require grad")
    for i, t in enumerate(inputs_t):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    gs = [_as_grad_array(t, g, create_graph) for t, g in zip(outputs, grad_outputs)]
    got = run_backward(outputs, gs, retain_graph, create_graph, inputs=inputs_t, accumulate=False)
    result = []
    for i, t in enumerate(inputs_t):
        g = got.get(i)
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) was not used in the graph of the "
                                   "outputs; pass allow_unused=True to get None for it")
            result.append(zeros_like(t, requires_grad=create_graph) if materialize_grads else None)
        elif create_graph:
            result.append(g if g.shape == t.shape else g.expand(t.shape))
        else:
            if g.shape != t._data.shape:
                g = t.xp.broadcast_to(g, t._data.shape)
            result.append(Tensor._make(g, None))
    return dict(zip(inputs.keys(), result)) if type(inputs) is dict else tuple(result)


from .gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: E402
from . import forward_ad, functional, function  # noqa: E402
from .variable import Variable  # noqa: E402
from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,  # noqa: E402
                           is_anomaly_check_nan_enabled, set_anomaly_enabled)

__all__ = ["Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "gradcheck", "gradgradcheck", "GradcheckError", "forward_ad", "functional", "function",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_anomaly_enabled", "Variable"]


def __getattr__(name):
    # autograd.profiler sits on gpugrad.profiler, which needs this package loaded first: imported on first use
    if name == "profiler":
        import importlib
        return importlib.import_module(".profiler", __name__)
    raise AttributeError(f"module 'gpugrad.autograd' has no attribute {name!r}")
