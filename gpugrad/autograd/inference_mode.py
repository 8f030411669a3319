"""inference_mode: PyTorch's faster no_grad for code that never needs gradients. Here it is no_grad (nothing
is recorded either way; gpugrad has no separate inference tensors)."""
from __future__ import annotations

import functools

from .grad_mode import _state

_inference = [False]


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode()`` region is active.

    Returns:
        True inside ``with inference_mode():`` (or a function decorated with it), else False.

    >>> import gpugrad as gg
    >>> with gg.inference_mode():
    ...     print(gg.is_inference_mode_enabled())
    True
    """
    return _inference[0]


class inference_mode:
    """Record nothing inside (as ``no_grad``): ``with gpugrad.inference_mode(): ...`` or
    ``@gpugrad.inference_mode()``. ``inference_mode(False)`` changes nothing, as in PyTorch.

    Args:
        mode: whether the region is an inference region (default True).

    >>> import gpugrad as gg
    >>> w = gg.ones(2, requires_grad=True)
    >>> with gg.inference_mode():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self._prev = (_state.enabled, _inference[0])
        if self.mode:
            _state.enabled = False
            _inference[0] = True
        return self

    def __exit__(self, *exc):
        _state.enabled, _inference[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(self.mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        """A new context manager with the same mode (PyTorch's API for reusing a decorator's context).

        Returns:
            inference_mode.

        >>> import gpugrad as gg
        >>> gg.inference_mode(False).clone().mode
        False
        """
        return inference_mode(self.mode)
