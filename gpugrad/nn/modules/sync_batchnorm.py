"""SyncBatchNorm: batch normalization whose statistics are those of the global batch over every rank.

Training forward: each rank computes its count, per-channel mean and sum of squared deviations; one
all-gather combines them (Chan's parallel formula: M2 = sum_r M2_r + n_r (mu_r - mu)^2) into the mean and
biased variance of the N samples of all ranks. With xhat = (x - mu) rstd and dxhat = g w, the input gradient
needs the global means of dxhat and dxhat xhat, so backward all-reduces their per-channel sums (one
collective) and computes

    dx = rstd (dxhat - sum_all(dxhat) / N - xhat sum_all(dxhat xhat) / N);

``weight`` and ``bias`` get this rank's sums, which DistributedDataParallel then averages, as PyTorch does.
Outside training, or without a process group of more than one rank, it is ordinary batch normalization.
"""
from __future__ import annotations

from ...tensor import Tensor
from ..functional import Normalize
from .normalization import BatchNorm1d


class _SyncNormalize(Normalize):
    """Batch norm's node (:class:`~gpugrad.nn.functional.Normalize`) with the global moments: ``n_total``
    samples over the ranks of ``group``, whose gradient sums backward all-reduces (module docstring)."""

    def forward(self, x, w, b, mu, rstd, axes, pshape, eps, n_total, group):
        y = super().forward(x, w, b, mu, rstd, axes, axes, pshape, eps, True)
        self.inv_n, self.group = 1.0 / n_total, group
        return y

    def stat_sums(self, s1, s2):
        if self.group.world_size == 1:
            return s1, s2
        if isinstance(s1, Tensor):
            raise RuntimeError("SyncBatchNorm: double backward (create_graph=True) across ranks is not supported")
        from ...distributed.collectives import reduce_array
        from ...distributed.process_group import ReduceOp
        c = s1.size
        sums = self.xp.concatenate([s1.reshape(-1), s2.reshape(-1)])
        reduce_array(self.group, sums, ReduceOp.SUM, "SyncBatchNorm backward (all-reduce of gradient sums)")
        return sums[:c].reshape(s1.shape), sums[c:].reshape(s2.shape)


def sync_batch_norm(input, running_mean, running_var, weight, bias, momentum, eps, group):
    """Training-mode batch norm over the global batch of every rank of ``group`` (see the module docstring);
    updates the running statistics in place with the global mean and unbiased variance."""
    x = input._data
    xp = input.xp
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    pshape = (1, c) + (1,) * (x.ndim - 2)
    n = x.size // c if c else 0
    xs = x if x.dtype.itemsize >= 4 else x.astype("float32")
    mu_r = xs.mean(axis=axes) if n else xp.zeros(c, xs.dtype)
    m2_r = ((xs - mu_r.reshape(pshape)) ** 2).sum(axis=axes) if n else xp.zeros(c, xs.dtype)
    mine = xp.concatenate([xp.full(1, n, xs.dtype), mu_r.reshape(c), m2_r.reshape(c)])
    every = xp.empty((group.world_size, mine.size), xs.dtype)
    group.backend.allgather(mine, every, "SyncBatchNorm forward (all-gather of batch statistics)")
    counts, means, m2s = every[:, :1], every[:, 1:1 + c], every[:, 1 + c:]
    n_total = int(round(float(counts.sum())))            # one small host read per forward
    if n_total <= 1:
        raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel over all ranks when training, "
                         f"got {n_total} (this rank's input is {tuple(x.shape)})")
    mu = (counts * means).sum(axis=0) / n_total
    var = (m2s + counts * (means - mu) ** 2).sum(axis=0) / n_total
    if running_mean is not None:
        rm, rv = running_mean._data, running_var._data
        rm *= 1 - momentum
        rm += (momentum * mu).astype(rm.dtype, copy=False)
        rv *= 1 - momentum
        rv += (momentum * (n_total / (n_total - 1)) * var).astype(rv.dtype, copy=False)
        running_mean._vc[0] += 1
        running_var._vc[0] += 1
    rstd = (1 / xp.sqrt(var + eps)).astype(x.dtype, copy=False).reshape(pshape)
    return _SyncNormalize.apply(input, weight, bias, mu.astype(x.dtype, copy=False).reshape(pshape), rstd, axes,
                                pshape, eps, n_total, group)


class SyncBatchNorm(BatchNorm1d):
    """Batch normalization over the global batch of all ranks (input ``(N, C, *)``), PyTorch's
    ``nn.SyncBatchNorm``: same arguments, parameters, buffers and ``state_dict`` keys as the batch norm layers.
    In eval, or in a world of one rank, it is plain batch normalization. Use :meth:`convert_sync_batchnorm`
    to swap it into an existing model.

    Args:
        num_features: the number of channels C.
        eps: added to the variance before its square root.
        momentum: the running statistics' factor (``None``: cumulative average).
        affine: learn a per-channel ``weight`` and ``bias``.
        track_running_stats: keep running mean and variance for eval.
        process_group: only ``None``: the default group.
        device: where the parameters and buffers live.
        dtype: their floating-point dtype.
        bias: with ``affine``, learn the shift ``bias`` too (False: ``bias`` is None).

    >>> import gpugrad as gg
    >>> bn = gg.nn.SyncBatchNorm(3)
    >>> bn(gg.randn(8, 3)).shape
    gpugrad.Size([8, 3])
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None, *,
                 bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device=device, dtype=dtype,
                         bias=bias)
        if process_group is not None:
            raise ValueError("SyncBatchNorm: process_group must be None (only the default group exists here)")
        self.process_group = process_group

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm: expected input of shape (N, {self.num_features}, *), got "
                             f"{tuple(input.shape)}")
        from ... import distributed as dist
        group = dist.process_group.current_group() if dist.is_initialized() else None
        if not self.training or group is None or group.world_size == 1:
            return self._batch_norm(input)
        return sync_batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self._momentum(), self.eps, group)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every batch norm layer replaced by a SyncBatchNorm that shares its parameters and
        copies its buffers (the module itself when it is such a layer); other modules are kept.

        Args:
            module: a model, or a single batch norm layer.
            process_group: the group to synchronize over (default: the group of
                :func:`gpugrad.distributed.init_process_group`).

        Returns:
            the converted module: ``module`` with its children replaced in place, or a new SyncBatchNorm when
            ``module`` itself is a batch norm layer.

        >>> import gpugrad as gg
        >>> net = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.BatchNorm1d(3))
        >>> type(gg.nn.SyncBatchNorm.convert_sync_batchnorm(net)[1]).__name__
        'SyncBatchNorm'
        """
        out = module
        if isinstance(module, BatchNorm1d) and not isinstance(module, SyncBatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group, bias=module.bias is not None)
            if module.affine:
                out.weight, out.bias = module.weight, module.bias
            if module.track_running_stats:
                out.running_mean, out.running_var = module.running_mean, module.running_var
                out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
