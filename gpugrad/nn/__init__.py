"""gpugrad.nn: modules, parameters, initializers and the functional API (PyTorch's ``torch.nn``).

>>> import gpugrad as gg
>>> net = gg.nn.MLP([2, 16, 1])
>>> loss = gg.nn.MSELoss()(net(gg.randn(4, 2)), gg.zeros(4, 1))
>>> loss.backward()
>>> all(p.grad is not None for p in net.parameters())
True
"""
from .parameter import Parameter, UninitializedParameter, Buffer
from .module import Module, IncompatibleKeys
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from . import functional, init, utils, parallel

__all__ = ["Parameter", "Module", "IncompatibleKeys", "functional", "init", "utils", "parallel"] + _modules_all
__all__ += ["UninitializedParameter", "Buffer"]
from .parallel import DataParallel  # noqa: E402
__all__ += ["DataParallel"]
