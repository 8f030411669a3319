"""``torch.cuda.amp``'s deprecated spellings, as PyTorch keeps them: ``GradScaler(...)`` is
``amp.GradScaler("cuda", ...)`` and ``autocast(...)`` is ``amp.autocast("cuda", ...)``, each with PyTorch's
FutureWarning. Reached as ``gpugrad.cuda.amp`` (so ``import torch.cuda.amp`` ports)."""
from __future__ import annotations

import warnings

from .autocast_mode import autocast as _autocast
from .grad_scaler import GradScaler as _GradScaler

__all__ = ["GradScaler", "autocast"]


class GradScaler(_GradScaler):
    """``gpugrad.amp.GradScaler("cuda", ...)`` under its deprecated name (with PyTorch's FutureWarning).

    Args:
        init_scale: the first scale.
        growth_factor: the factor the scale grows by.
        backoff_factor: the factor the scale shrinks by.
        growth_interval: how many clean steps in a row grow the scale.
        enabled: ``False`` makes every method a pass-through.

    >>> import warnings, gpugrad as gg
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gg.cuda.amp.GradScaler(enabled=False).is_enabled()
    False
    """

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class autocast(_autocast):
    """``gpugrad.autocast("cuda", ...)`` under its deprecated name (with PyTorch's FutureWarning).

    Args:
        enabled: ``False`` makes it a no-op.
        dtype: the lower precision dtype.
        cache_enabled: PyTorch's weight-cast cache flag (gpugrad does not cache).

    >>> import warnings, gpugrad as gg
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with gg.cuda.amp.autocast(enabled=False):
    ...         pass
    """

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        from .. import float16
        super().__init__("cuda", float16 if dtype is None else dtype, enabled, cache_enabled)
