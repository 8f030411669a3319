"""gpugrad.optim: PyTorch-shaped optimizers whose step is one fused update per (param group, device, dtype),
and learning-rate schedulers.

>>> import gpugrad as gg
>>> w = gg.tensor([3.0], requires_grad=True)
>>> opt = gg.optim.SGD([w], lr=0.25)
>>> for _ in range(3):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
>>> w
tensor([0.375], requires_grad=True)
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam
from .adamw import AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from . import functional, lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "functional", "lr_scheduler"]
