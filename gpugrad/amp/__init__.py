"""Automatic mixed precision, as ``torch.amp``: :class:`autocast` regions and the :class:`GradScaler`."""
from .autocast_mode import autocast, is_autocast_enabled, get_autocast_dtype
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "is_autocast_enabled", "get_autocast_dtype"]
