"""Feature standardization: fit the statistics on the training set, apply the same ones to every split, so
no information from the test set leaks into training.

>>> import gpugrad as gg
>>> from gpugrad.data import Standardizer
>>> train = gg.tensor([[0.0, 5.0], [2.0, 5.0]])
>>> sc = Standardizer().fit(train)
>>> sc.transform(gg.tensor([[1.0, 5.0], [3.0, 6.0]])).tolist()
[[0.0, 0.0], [2.0, 1.0]]
"""
from __future__ import annotations

from ..backend import xp_of
from ..tensor import Tensor

__all__ = ["Standardizer", "standardize"]


def _array(x):
    return x._data if isinstance(x, Tensor) else x


def _like(x, arr):
    return Tensor._make(arr, None, False) if isinstance(x, Tensor) else arr


class Standardizer:
    """z = (x - mean) / std per feature (axis 0), with mean and std of the data given to :meth:`fit`.

    A feature that is constant in the training set (std 0, e.g. the always-blank corner pixels of the digits)
    is only centred: dividing by 1 instead of 0 keeps it finite.

    Args:
        eps: a std below this counts as 0 (the feature is only centred).

    >>> import gpugrad as gg
    >>> s = gg.data.Standardizer().fit(gg.tensor([[0.0, 1.0], [2.0, 1.0]]))
    >>> s.transform(gg.tensor([[1.0, 5.0]])).tolist()
    [[0.0, 4.0]]
    """

    def __init__(self, eps=1e-12):
        self.eps = eps
        self.mean = self.std = None

    def fit(self, x):
        """Compute the per-feature mean and std of the training data (a constant feature gets std 1).

        Args:
            x: the training samples, shape ``(N, ...)``: a Tensor, a NumPy or CuPy array.

        Returns:
            ``self`` (so ``Standardizer().fit(x)`` chains); ``mean`` and ``std`` are set, on x's device.

        >>> import gpugrad as gg
        >>> s = gg.data.Standardizer().fit(gg.tensor([[0.0, 1.0], [2.0, 1.0]]))
        >>> s.mean.tolist(), s.std.tolist()
        ([1.0, 1.0], [1.0, 1.0])
        """
        a = _array(x)
        if a.ndim < 1 or a.shape[0] < 1:
            raise ValueError(f"Standardizer.fit: expected at least one sample, got shape {tuple(a.shape)}")
        xp = xp_of(a)
        self.mean = a.mean(axis=0)
        std = a.std(axis=0)
        self.std = xp.where(std > self.eps, std, xp.ones_like(std))
        return self

    def _check(self, a, op):
        if self.mean is None:
            raise RuntimeError(f"Standardizer.{op}: call fit() on the training data first")
        if a.shape[1:] != self.mean.shape:
            raise ValueError(f"Standardizer.{op}: features have shape {tuple(a.shape[1:])}, but the fitted "
                             f"statistics have shape {tuple(self.mean.shape)}")
        if xp_of(a) is not xp_of(self.mean):
            raise ValueError(f"Standardizer.{op}: data and fitted statistics live on different devices")

    def transform(self, x):
        """Standardize with the fitted statistics: ``(x - mean) / std``.

        Args:
            x: samples with the fitted features, shape ``(N, ...)``, on the statistics' device.

        Returns:
            the standardized samples, of x's kind (Tensor or array) and dtype.

        >>> import gpugrad as gg
        >>> s = gg.data.Standardizer().fit(gg.tensor([[0.0], [4.0]]))
        >>> s.transform(gg.tensor([[2.0], [6.0]]))
        tensor([[0.],
                [2.]])
        """
        a = _array(x)
        self._check(a, "transform")
        return _like(x, ((a - self.mean) / self.std).astype(a.dtype, copy=False))

    def inverse_transform(self, z):
        """Undo :meth:`transform`: ``z * std + mean`` (a regression model's standardized predictions back in
        the target's units).

        Args:
            z: standardized samples, shape ``(N, ...)``.

        Returns:
            the samples in the original units, of z's kind (Tensor or array) and dtype.

        >>> import gpugrad as gg
        >>> s = gg.data.Standardizer().fit(gg.tensor([[0.0], [4.0]]))
        >>> s.inverse_transform(gg.tensor([[1.0]]))
        tensor([[4.]])
        """
        a = _array(z)
        self._check(a, "inverse_transform")
        return _like(z, (a * self.std + self.mean).astype(a.dtype, copy=False))

    def fit_transform(self, x):
        """:meth:`fit` on ``x``, then :meth:`transform` it.

        Args:
            x: the training samples, shape ``(N, ...)``.

        Returns:
            the standardized training samples (mean 0 and std 1 per non-constant feature).

        >>> import gpugrad as gg
        >>> gg.data.Standardizer().fit_transform(gg.tensor([[1.0], [3.0]])).tolist()
        [[-1.0], [1.0]]
        """
        return self.fit(x).transform(x)

    def state_dict(self):
        """The fitted statistics, to save with :func:`gpugrad.save` beside the model, so that inference
        standardizes with the training statistics.

        Returns:
            ``{'mean': Tensor, 'std': Tensor}`` (None for each before :meth:`fit`).

        >>> import gpugrad as gg
        >>> sd = gg.data.Standardizer().fit(gg.tensor([[0.0], [4.0]])).state_dict()
        >>> sd["mean"], sd["std"]
        (tensor([2.]), tensor([2.]))
        """
        return {k: None if a is None else Tensor._make(a, None, False)
                for k, a in (("mean", self.mean), ("std", self.std))}

    def load_state_dict(self, state):
        """Restore the statistics saved by :meth:`state_dict` (no :meth:`fit` needed then).

        Args:
            state: ``{'mean': ..., 'std': ...}`` (Tensors or arrays).

        Returns:
            ``self``.

        >>> import gpugrad as gg
        >>> a = gg.data.Standardizer().fit(gg.tensor([[0.0], [4.0]]))
        >>> b = gg.data.Standardizer().load_state_dict(a.state_dict())
        >>> b.transform(gg.tensor([[4.0]])).tolist()
        [[1.0]]
        """
        self.mean, self.std = _array(state["mean"]), _array(state["std"])
        return self


def standardize(train, *others):
    """Fit a :class:`Standardizer` on ``train``; return the standardized train set, then each of ``others``,
    then the standardizer.

    Args:
        train: the training inputs (a tensor or array), whose statistics are used.
        *others: more inputs scaled the same way (validation, test).

    Returns:
        ``(train_z, *others_z, standardizer)``.

    >>> import gpugrad as gg
    >>> tr, te, s = gg.data.standardize(gg.tensor([[0.0], [2.0]]), gg.tensor([[4.0]]))
    >>> tr.view(-1).tolist(), te.view(-1).tolist()
    ([-1.0, 1.0], [3.0])
    """
    sc = Standardizer().fit(train)
    return (sc.transform(train), *(sc.transform(o) for o in others), sc)
