"""``torch.utils.data`` under gpugrad: the same objects as :mod:`gpugrad.data` (not copies), and its
submodules under PyTorch's names (``gpugrad.utils.data.dataset``, ``.sampler``, ``.dataloader``).

>>> from gpugrad.utils.data import DataLoader, TensorDataset
>>> import gpugrad.data
>>> DataLoader is gpugrad.data.DataLoader
True
"""
import sys as _sys

from ...data import *  # noqa: F401,F403
from ...data import __all__  # noqa: F401
from ...data import dataset, sampler, loader as dataloader

for _name, _mod in (("dataset", dataset), ("sampler", sampler), ("dataloader", dataloader)):
    _sys.modules[f"{__name__}.{_name}"] = _mod
del _name, _mod
