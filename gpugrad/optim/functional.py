"""The optimizer updates, functional and in place: PyTorch's single-tensor formulas.

One stem per update everywhere: ``adam_step`` here, in :mod:`gpugrad.kernels.optim` (the fused kernel over
flat buffers: CUDA on GPUs, Numba on large CPU buffers) and in ``kernels/optim.cu``. The references exported
here are the kernels module's ``<name>_reference`` functions (plain ``xp``, any shape): the specification,
the reference path of the optimizers (``fused=False``) and the oracle of the kernels' tests. Buffers that
an option does not use may be ``None``; ``step`` is the 1-based count of updates including this one.

* ``sgd_step``:     b <- g (first step) or momentum*b + (1-dampening)*g;  p <- p - lr*(g + momentum*b if
  nesterov else b), with g = +-grad + weight_decay*p
* ``adam_step``:    m <- lerp(m, g, 1-b1);  v <- b2*v + (1-b2)*g^2;  (AMSGrad v^ <- max(v^, v));
  p <- p - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps);  AdamW shrinks p <- p*(1-lr*wd) first
* ``rmsprop_step``: s <- alpha*s + (1-alpha)*g^2;  r = sqrt(s - a^2) + eps (centered, a <- lerp(a, g, 1-alpha))
  or sqrt(s) + eps;  p <- p - lr*b with b <- momentum*b + g/r, or p <- p - lr*g/r
* ``adagrad_step``: S <- S + g^2 (S starts at initial_accumulator_value);  p <- p - lr/(1+(t-1)*lr_decay) *
  g/(sqrt(S) + eps)

Adamax, NAdam, RAdam, Adadelta, ASGD and Rprop have no fused kernel: their updates (``adamax_step``,
``nadam_step``, ``radam_step``, ``adadelta_step``, ``asgd_step``, ``rprop_step``, same conventions) live
beside each optimizer, in :mod:`gpugrad.optim.adamax` and so on.

>>> import numpy as np
>>> p, g, buf = np.ones(3), np.full(3, 0.5), np.zeros(3)
>>> sgd_step(p, g, buf, lr=0.1, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0,
...          maximize=False, first_step=True)
>>> p.tolist()
[0.95, 0.95, 0.95]
"""
from __future__ import annotations

from ..kernels import optim as _kernels

__all__ = ["sgd_step", "adam_step", "rmsprop_step", "adagrad_step", "step_function"]

sgd_step = _kernels.sgd_step_reference
adam_step = _kernels.adam_step_reference
rmsprop_step = _kernels.rmsprop_step_reference
adagrad_step = _kernels.adagrad_step_reference


def step_function(name: str, fused: bool):
    """The update the optimizers call: the fused kernel ``gpugrad.kernels.optim.<name>`` (one launch over a
    flat buffer; it picks CUDA, Numba or the reference by device and size) or the reference.

    Args:
        name: the update's name (``"sgd_step"``, ``"adam_step"``, ``"rmsprop_step"``, ``"adagrad_step"``).
        fused: True for the fused kernel, False for the reference.

    Returns:
        The function, with the reference's signature.

    >>> import gpugrad.optim.functional as OF
    >>> OF.step_function("adam_step", fused=False) is OF.adam_step
    True
    """
    return getattr(_kernels, name) if fused else getattr(_kernels, name + "_reference")
