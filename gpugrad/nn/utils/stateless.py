"""``torch.nn.utils.stateless``: the deprecated home of ``functional_call`` (now :func:`gpugrad.func.functional_call`).
Reached as ``gpugrad.nn.utils.stateless``."""
from __future__ import annotations

import warnings

from ...func._functional_call import functional_call as _functional_call

__all__ = ["functional_call"]


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Call ``module`` with some parameters and buffers replaced, as :func:`gpugrad.func.functional_call` (to
    which this deprecated name forwards after PyTorch's FutureWarning).

    Args:
        module: the module to call.
        parameters_and_buffers: a dict from dotted names to tensors.
        args: the positional argument(s) of the call: a tuple, or a single value.
        kwargs: the keyword arguments of the call.
        tie_weights: give tied parameters the value given for one of their names.
        strict: require a value for every parameter and buffer, and no others.

    Returns:
        What the module returns.

    >>> import gpugrad as gg, warnings
    >>> fc = gg.nn.Linear(2, 1, bias=False)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.nn.utils.stateless.functional_call(fc, {"weight": gg.ones(1, 2)}, gg.ones(1, 2))
    tensor([[2.]])
    """
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed in "
                  "a future version of PyTorch. Please use `torch.func.functional_call` instead which is a drop-in "
                  "replacement.", FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
