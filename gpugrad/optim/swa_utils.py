"""Stochastic weight averaging and exponential moving averages of a model, PyTorch's ``torch.optim.swa_utils``:
:class:`AveragedModel` (a running average of a model's parameters, and optionally buffers), the averaging
functions it takes, :class:`SWALR` (anneal the learning rate to a constant SWA rate) and :func:`update_bn`
(recompute BatchNorm statistics for the averaged weights, one pass over the data).

>>> import gpugrad as gg
>>> from gpugrad.optim.swa_utils import AveragedModel
>>> model = gg.nn.Linear(1, 1, bias=False)
>>> swa = AveragedModel(model)
>>> for w in (1.0, 2.0, 6.0):
...     _ = model.weight.data.fill_(w); swa.update_parameters(model)
>>> swa.module.weight.item(), int(swa.n_averaged)
(3.0, 3)
"""
from __future__ import annotations

import copy
import itertools
import math

import numpy as np

from ..autograd import no_grad
from ..tensor import tensor
from ..nn.module import Module
from ..nn.modules.normalization import BatchNorm1d
from .lr_scheduler import LRScheduler, _per_group

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
           "get_swa_avg_fn"]


def _lerp_(start, end, weight):
    """``start`` <- lerp(start, end, weight) in place, as torch's lerp rounds: start + w (end - start) for
    w < 0.5, else end - (end - start)(1 - w)."""
    s = start._data
    diff = end._data - s
    if weight < 0.5:
        s += weight * diff
    else:
        s[...] = end._data - diff * (1 - weight)
    start._vc[0] += 1


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """The exponential moving average, as a ``multi_avg_fn`` for :class:`AveragedModel`: each averaged tensor
    a <- decay a + (1 - decay) p, all of them in one call.

    Args:
        decay: the weight of the old average, in [0, 1].

    Returns:
        ``ema_update(ema_param_list, current_param_list, num_averaged)``, updating the first list in place.

    >>> import gpugrad as gg
    >>> from gpugrad.optim.swa_utils import get_ema_multi_avg_fn
    >>> a, p = gg.tensor([0.0]), gg.tensor([1.0])
    >>> get_ema_multi_avg_fn(0.9)([a], [p], 1); round(a.item(), 6)
    0.1
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with no_grad():
            if ema_param_list[0].is_floating_point():
                for p_ema, p_model in zip(ema_param_list, current_param_list):
                    _lerp_(p_ema, p_model, 1 - decay)
            else:              # integer buffers (use_buffers=True): computed in floating point, then truncated
                for p_ema, p_model in zip(ema_param_list, current_param_list):
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """The equal-weight running average, as a ``multi_avg_fn`` for :class:`AveragedModel`: a <- a + (p - a) /
    (n + 1) for the n models averaged so far, all tensors in one call.

    Returns:
        ``swa_update(averaged_param_list, current_param_list, num_averaged)``, updating the first list in place.

    >>> import gpugrad as gg
    >>> from gpugrad.optim.swa_utils import get_swa_multi_avg_fn
    >>> a, p = gg.tensor([1.0]), gg.tensor([4.0])
    >>> get_swa_multi_avg_fn()([a], [p], 2); a.item()
    2.0
    """
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with no_grad():
            if averaged_param_list[0].is_floating_point():
                # PyTorch's weight 1 / (n + 1) is a float32 tensor when n is a tensor
                n = int(num_averaged)
                w = float(np.float32(1) / np.float32(n + 1)) if hasattr(num_averaged, "shape") else 1 / (n + 1)
                for p_avg, p_model in zip(averaged_param_list, current_param_list):
                    _lerp_(p_avg, p_model, w)
            else:
                for p_avg, p_model in zip(averaged_param_list, current_param_list):
                    p_avg.copy_(p_avg + (p_model - p_avg) / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """The exponential moving average of one tensor, as an ``avg_fn`` for :class:`AveragedModel`.

    Args:
        decay: the weight of the old average, in [0, 1].

    Returns:
        ``ema_update(ema_param, current_param, num_averaged)`` returning decay * ema + (1 - decay) * current.

    >>> import gpugrad as gg
    >>> from gpugrad.optim.swa_utils import get_ema_avg_fn
    >>> round(get_ema_avg_fn(0.5)(gg.tensor([0.0]), gg.tensor([1.0]), 1).item(), 6)
    0.5
    """
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """The equal-weight running average of one tensor, as an ``avg_fn`` for :class:`AveragedModel`.

    Returns:
        ``swa_update(averaged_param, current_param, num_averaged)`` returning a + (p - a) / (n + 1).

    >>> import gpugrad as gg
    >>> from gpugrad.optim.swa_utils import get_swa_avg_fn
    >>> get_swa_avg_fn()(gg.tensor([1.0]), gg.tensor([4.0]), 2).item()
    2.0
    """
    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and, with ``use_buffers``, buffers) are a running average of
    ``model``'s, updated by :meth:`update_parameters`: the equal-weight average (SWA) by default, or any
    ``avg_fn`` / ``multi_avg_fn`` (for an EMA: ``multi_avg_fn=get_ema_multi_avg_fn(0.999)``). Calling it
    runs the averaged copy. ``n_averaged`` (a buffer) counts the updates.

    Args:
        model: the model to average (deep-copied).
        device: where to keep the averaged copy (default: where the model is).
        avg_fn: ``avg_fn(averaged, current, n_averaged)`` returning the new average of one tensor.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, n_averaged)`` updating the averages in place.
        use_buffers: average the buffers too (else they are copied from the model at each update).

    >>> import gpugrad as gg
    >>> from gpugrad.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
    >>> model = gg.nn.Linear(1, 1, bias=False)
    >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.5))
    >>> for w in (2.0, 4.0):
    ...     _ = model.weight.data.fill_(w); ema.update_parameters(model)
    >>> ema.module.weight.item()
    3.0
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        """Run the averaged model.

        Args:
            args: the model's positional inputs.
            kwargs: its keyword inputs.

        Returns:
            what the averaged copy of the model returns.

        >>> import gpugrad as gg
        >>> from gpugrad.optim.swa_utils import AveragedModel
        >>> tuple(AveragedModel(gg.nn.Linear(2, 3))(gg.ones(4, 2)).shape)
        (4, 3)
        """
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold ``model``'s current parameters (and buffers with ``use_buffers``) into the average; the first
        call copies them. Without ``use_buffers`` the buffers are copied from ``model``.

        Args:
            model: the model being trained (the same architecture as the averaged one).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> from gpugrad.optim.swa_utils import AveragedModel
        >>> model = gg.nn.Linear(1, 1, bias=False)
        >>> swa = AveragedModel(model)
        >>> _ = model.weight.data.fill_(1.0); swa.update_parameters(model)
        >>> _ = model.weight.data.fill_(3.0); swa.update_parameters(model)
        >>> swa.module.weight.item()
        2.0
        """
        if self.use_buffers:
            self_params = itertools.chain(self.module.parameters(), self.module.buffers())
            model_params = itertools.chain(model.parameters(), model.buffers())
        else:
            self_params, model_params = self.parameters(), model.parameters()
        averaged, current = [], []
        first = bool(self.n_averaged == 0)
        with no_grad():
            for p_avg, p_model in zip(self_params, model_params):
                p_model_ = p_model.detach().to(p_avg.device)
                averaged.append(p_avg.detach())
                current.append(p_model_)
                if first:
                    p_avg.detach().copy_(p_model_)
            if not first:
                if self.multi_avg_fn is not None:
                    for avg_group, cur_group in _by_device_and_dtype(averaged, current):
                        self.multi_avg_fn(avg_group, cur_group, self.n_averaged.to(avg_group[0].device))
                else:
                    # PyTorch's default on the CPU: the equal-weight average, tensor by tensor
                    avg_fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
                    for p_avg, p_model in zip(averaged, current):
                        p_avg.copy_(avg_fn(p_avg, p_model, self.n_averaged.to(p_avg.device)))
            if not self.use_buffers:
                for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                    b_swa.detach().copy_(b_model.detach().to(b_swa.device))
        self.n_averaged._data += 1
        self.n_averaged._vc[0] += 1


def _by_device_and_dtype(averaged, current):
    """The pairs of lists of tensors sharing a device and dtype, in order of first appearance (PyTorch's
    grouping before a multi_avg_fn call)."""
    groups: dict = {}
    for a, c in zip(averaged, current):
        lists = groups.setdefault((str(a.device), a.dtype), ([], []))
        lists[0].append(a)
        lists[1].append(c)
    return list(groups.values())


def update_bn(loader, model, device=None):
    """Recompute the running statistics of ``model``'s BatchNorm layers with one pass over ``loader``, as the
    cumulative average over its batches (momentum None): the statistics the averaged weights need.

    Args:
        loader: an iterable of batches (a DataLoader); a batch that is a list or tuple gives its first
            element as the input.
        model: the model (an AveragedModel, or any Module) whose BatchNorm statistics to reset and recompute.
        device: where to move each input first (None: as they are).

    Returns:
        None; ``model`` keeps its train/eval mode and its BatchNorm layers their momentum.

    >>> import gpugrad as gg
    >>> from gpugrad.optim.swa_utils import update_bn
    >>> model = gg.nn.Sequential(gg.nn.BatchNorm1d(1))
    >>> update_bn([gg.tensor([[1.0], [3.0]]), gg.tensor([[5.0], [7.0]])], model)
    >>> model[0].running_mean.item()
    4.0
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, BatchNorm1d):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for input in loader:
            if isinstance(input, (list, tuple)):
                input = input[0]
            if device is not None:
                input = input.to(device)
            model(input)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate from its current value to ``swa_lr`` over ``anneal_epochs`` epochs
    (cosine or linear), then hold it: the schedule of stochastic weight averaging.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        swa_lr: the SWA learning rate: one for every group, or a list with one per group.
        anneal_epochs: the epochs the annealing takes (0: jump to ``swa_lr`` at the first step).
        anneal_strategy: ``'cos'`` or ``'linear'``.
        last_epoch: the index of the last epoch when resuming (-1: start).

    >>> import gpugrad as gg
    >>> from gpugrad.optim.swa_utils import SWALR
    >>> opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = SWALR(opt, swa_lr=0.1, anneal_epochs=2, anneal_strategy="linear")
    >>> lrs = []
    >>> for _ in range(3):
    ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 4))
    >>> lrs
    [0.55, 0.1, 0.1]
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"SWALR: anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy!r}")
        self._set_anneal_func(anneal_strategy)
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"SWALR: anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self):
        """The learning rates of this step: lr_t = swa_lr * alpha_t + lr_0 * (1 - alpha_t), lr_0 recovered
        from the current lr and the previous alpha, alpha_t the annealing function of
        min(1, step / anneal_epochs).

        Returns:
            a list of floats, one per param group.

        >>> import gpugrad as gg
        >>> from gpugrad.optim.swa_utils import SWALR
        >>> opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=1.0)
        >>> SWALR(opt, swa_lr=0.5, anneal_epochs=0).get_last_lr()
        [0.5]
        """
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def state_dict(self):
        """The scheduler's state to save with a checkpoint (without the optimizer and the annealing function).

        Returns:
            a dict of the scheduler's attributes.

        >>> import gpugrad as gg
        >>> from gpugrad.optim.swa_utils import SWALR
        >>> opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=1.0)
        >>> sd = SWALR(opt, swa_lr=0.5).state_dict()
        >>> sd["anneal_epochs"], sd["_anneal_strategy"], "anneal_func" in sd
        (10, 'cos', False)
        """
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        """Restore a state saved by :meth:`state_dict`.

        Args:
            state_dict: what :meth:`state_dict` returned.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> from gpugrad.optim.swa_utils import SWALR
        >>> opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=1.0)
        >>> a = SWALR(opt, swa_lr=0.5, anneal_strategy="linear")
        >>> b = SWALR(opt, swa_lr=0.5)
        >>> b.load_state_dict(a.state_dict()); b.anneal_func(0.25)
        0.25
        """
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
