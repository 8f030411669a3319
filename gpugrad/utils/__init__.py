"""``torch.utils``'s place: ``gpugrad.utils.data`` is :mod:`gpugrad.data` under PyTorch's name, so
``from torch.utils.data import DataLoader`` ports by changing ``torch`` to ``gpugrad``."""
from . import data

__all__ = ["data"]
