"""``torch.utils``'s place: ``gpugrad.utils.data`` is :mod:`gpugrad.data` under PyTorch's name, so
``from torch.utils.data import DataLoader`` ports by changing ``torch`` to ``gpugrad``;
``gpugrad.utils.checkpoint`` is activation checkpointing (``torch.utils.checkpoint``)."""
from . import data
from . import checkpoint

__all__ = ["data", "checkpoint"]
