"""Metrics that accumulate on the device: each ``update`` adds to device-side sums with array ops (no host
sync); ``compute`` pulls one number to the host, once per epoch.

>>> import gpugrad as gg
>>> from gpugrad.train.metrics import Accuracy
>>> m = Accuracy()
>>> m.update(gg.tensor([[0.1, 0.9], [0.8, 0.2]]), gg.tensor([1, 1]))
>>> m.compute()
0.5
"""
from __future__ import annotations

from ..tensor import Tensor

__all__ = ["Metric", "Accuracy", "MeanSquaredError", "MeanAbsoluteError", "R2Score", "get_metric"]


def _arr(t):
    return t._data if isinstance(t, Tensor) else t


class Metric:
    """A running sum over samples, divided by the sample count at the end. Subclasses define
    ``batch_sum(output, target)``: the metric summed over the batch, as a device array.

    >>> import gpugrad as gg
    >>> m = gg.train.Accuracy()
    >>> m.update(gg.tensor([[0.1, 0.9], [0.8, 0.2]]), gg.tensor([1, 1]))
    >>> m.compute()
    0.5
    """
    name = "metric"
    higher_is_better = True

    def __init__(self):
        self.reset()

    def reset(self):
        """Forget what was accumulated (the training loop calls it at the start of every epoch).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> m = gg.train.Accuracy()
        >>> m.update(gg.tensor([[0.0, 1.0]]), gg.tensor([1]))
        >>> m.reset(); m.compute()
        nan
        """
        self.total = 0.0       # becomes a device array after the first update
        self.count = 0

    def batch_sum(self, output, target):
        """The metric summed over the samples of one batch; each subclass defines it, on raw arrays (NumPy
        or CuPy), without a host sync.

        Args:
            output: the model's output for the batch, an array with the batch on axis 0.
            target: the batch's targets, an array.

        Returns:
            a 0-d array or scalar of the batch's array module (or a number).

        >>> import numpy as np, gpugrad as gg
        >>> float(gg.train.MeanSquaredError().batch_sum(np.array([1.0, 2.0]), np.array([0.0, 0.0])))
        5.0
        """
        raise NotImplementedError

    def update(self, output, target):
        """Add one batch: its :meth:`batch_sum` to the running total (on the device) and its size to the
        count.

        Args:
            output: the model's output for the batch (a Tensor or array, batch on axis 0).
            target: the batch's targets.

        Returns:
            None.

        >>> import gpugrad as gg
        >>> m = gg.train.MeanAbsoluteError()
        >>> m.update(gg.tensor([1.0]), gg.tensor([0.0])); m.update(gg.tensor([3.0]), gg.tensor([0.0]))
        >>> m.compute()
        2.0
        """
        self.total = self.total + self.batch_sum(_arr(output), _arr(target))
        self.count += int(output.shape[0])

    def compute(self) -> float:
        """The metric over every sample since the last :meth:`reset`: the total divided by the count (one
        host sync).

        Returns:
            float (NaN before the first :meth:`update`).

        >>> import gpugrad as gg
        >>> m = gg.train.Accuracy()
        >>> m.update(gg.tensor([[0.0, 1.0], [1.0, 0.0]]), gg.tensor([1, 1]))
        >>> m.compute()
        0.5
        """
        if self.count == 0:
            return float("nan")
        return float(self.total) / self.count


class Accuracy(Metric):
    """The fraction of samples whose highest-scoring class (argmax over the last axis) is the target (a class
    index, or the most probable class of a row of class probabilities, as cross_entropy accepts); with a
    single output column, the sign of the logit decides (binary).

    >>> import gpugrad as gg
    >>> acc = gg.train.Accuracy()
    >>> acc.update(gg.tensor([[2.0, 1.0], [0.0, 3.0]]), gg.tensor([0, 1]))
    >>> acc.compute()
    1.0
    """
    name = "accuracy"

    def batch_sum(self, output, target):
        if output.ndim == 2 and output.shape[1] > 1:
            pred = output.argmax(axis=1)
            if target.shape == output.shape:          # class probabilities (soft or one-hot labels)
                target = target.argmax(axis=1)
        else:
            pred = (output.reshape(-1) > 0).astype(target.dtype)
        return (pred == target.reshape(pred.shape)).sum()


class MeanSquaredError(Metric):
    """The mean of (output - target)^2 over all elements of all batches.

    >>> import gpugrad as gg
    >>> m = gg.train.MeanSquaredError()
    >>> m.update(gg.tensor([1.0, 2.0]), gg.tensor([0.0, 0.0]))
    >>> m.compute()
    2.5
    """

    name = "mse"
    higher_is_better = False

    def batch_sum(self, output, target):
        d = output - target.reshape(output.shape)
        return (d * d).reshape(d.shape[0], -1).mean(axis=1).sum()


class MeanAbsoluteError(Metric):
    """The mean of |output - target| over all elements of all batches.

    >>> import gpugrad as gg
    >>> m = gg.train.MeanAbsoluteError()
    >>> m.update(gg.tensor([1.0, -3.0]), gg.tensor([0.0, 0.0]))
    >>> m.compute()
    2.0
    """

    name = "mae"
    higher_is_better = False

    def batch_sum(self, output, target):
        d = abs(output - target.reshape(output.shape))
        return d.reshape(d.shape[0], -1).mean(axis=1).sum()


class R2Score(Metric):
    """The coefficient of determination R^2 = 1 - SS_res / SS_tot, SS_tot = sum (y - mean y)^2 over all the
    samples seen, averaged over output columns (scikit-learn's ``r2_score``, ``multioutput="uniform_average"``).
    Accumulates sums of y, y^2 and squared residuals on the device; NaN when the targets are constant.

    >>> import gpugrad as gg
    >>> m = R2Score()
    >>> m.update(gg.tensor([[1.0], [2.0], [4.0]]), gg.tensor([[1.0], [3.0], [3.0]]))
    >>> round(m.compute(), 4)
    0.25
    """
    name = "r2"

    def reset(self):
        self.res = self.sy = self.syy = 0.0
        self.count = 0

    def update(self, output, target):
        out = _arr(output)
        y = _arr(target).reshape(out.shape).astype(out.dtype, copy=False)
        out, y = out.reshape(out.shape[0], -1), y.reshape(out.shape[0], -1)
        d = out - y
        self.res = self.res + (d * d).sum(axis=0)
        self.sy = self.sy + y.sum(axis=0)
        self.syy = self.syy + (y * y).sum(axis=0)
        self.count += int(out.shape[0])

    def compute(self) -> float:
        if self.count == 0:
            return float("nan")
        from ..backend import xp_of
        xp = xp_of(self.res)
        res, sy, syy = (xp.asarray(a, dtype=xp.float64) for a in (self.res, self.sy, self.syy))
        tot = syy - sy * sy / self.count
        if not bool((tot > 0).all()):          # constant targets: R^2 is undefined
            return float("nan")
        return float((1.0 - res / tot).mean())


_BY_NAME = {"accuracy": Accuracy, "acc": Accuracy, "mse": MeanSquaredError, "mae": MeanAbsoluteError,
            "r2": R2Score}


def get_metric(m) -> Metric:
    """A Metric from an instance, a Metric class or a name (``accuracy``, ``mse``, ``mae``, ``r2``).

    Args:
        m: a Metric instance, a Metric subclass or a name.

    Returns:
        A fresh Metric (or ``m`` itself if it is an instance).

    >>> import gpugrad as gg
    >>> type(gg.train.get_metric("mse")).__name__
    'MeanSquaredError'
    """
    if isinstance(m, Metric):
        return m
    if isinstance(m, type) and issubclass(m, Metric):
        return m()
    if isinstance(m, str) and m in _BY_NAME:
        return _BY_NAME[m]()
    raise ValueError(f"unknown metric {m!r}; pass a Metric or one of {', '.join(_BY_NAME)}")
