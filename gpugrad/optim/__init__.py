"""gpugrad.optim: PyTorch-shaped optimizers whose step is one fused update per (param group, device, dtype),
and learning-rate schedulers.

The optimizers with a fused kernel (SGD, Adam, AdamW, RMSprop, Adagrad) take ``fused=None|True|False`` (and
``foreach``). ``None`` (the default) or ``True``: the parameters of each (group, device, dtype) are moved into
one flat buffer when the optimizer is built (each parameter's ``.data`` becomes a view of it; the parameters
keep their identity) and a step is one call of the fused kernel of :mod:`gpugrad.kernels.optim`. ``False``
(or ``foreach=False``): PyTorch's loop over the parameters with the reference update. Build the optimizer
after ``model.to(device)`` or a dtype cast: moving parameters once the optimizer has state is an error at the
next step, as in PyTorch. Adamax, RAdam, Adadelta and Rprop (without ``fused``, as in PyTorch) flatten the
same way unless ``foreach=False``, and run their update in plain ``xp`` once over each flat buffer; NAdam and
ASGD (whose state has per-parameter scalars) and LBFGS run PyTorch's per-parameter loop. ``swa_utils`` holds
the weight averaging tools (AveragedModel, SWALR, update_bn).

>>> import gpugrad as gg
>>> w = gg.tensor([3.0], requires_grad=True)
>>> opt = gg.optim.SGD([w], lr=0.25)
>>> for _ in range(3):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
>>> w
tensor([0.3750], requires_grad=True)
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam
from .adamw import AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adamax import Adamax
from .nadam import NAdam
from .radam import RAdam
from .adadelta import Adadelta
from .asgd import ASGD
from .rprop import Rprop
from .lbfgs import LBFGS
from .adafactor import Adafactor
from .muon import Muon
from . import functional, lr_scheduler, swa_utils

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta",
           "ASGD", "Rprop", "LBFGS", "functional", "lr_scheduler", "swa_utils", "Adafactor", "Muon"]
