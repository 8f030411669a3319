"""AdaptiveLogSoftmaxWithLoss: the adaptive softmax of Grave et al. (2016) for large vocabularies (PyTorch's
``torch.nn.AdaptiveLogSoftmaxWithLoss``).

The classes are split by ``cutoffs`` into a shortlist of frequent classes and clusters of rarer ones. The
head scores the shortlist plus one entry per cluster; each cluster has a small two-layer projection (its
hidden size divided by ``div_value`` once more per cluster) that scores the classes inside it. The log
probability of a class in a cluster is the head's log probability of that cluster plus the class's log
probability within it.
"""
from __future__ import annotations

from collections import namedtuple

from ...ops.shape import cat
from .. import functional as F
from ..module import Module
from .containers import ModuleList, Sequential
from .linear import Linear

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: log probabilities of ``n_classes`` classes, cheap for the frequent ones, with the
    negative log likelihood loss.

    Parameters (PyTorch's names): ``head`` (Linear, ``in_features`` to ``cutoffs[0] + len(cutoffs)``) and
    ``tail.i`` (Sequential of ``tail.i.0``, Linear ``in_features`` to ``in_features // div_value**(i+1)``,
    and ``tail.i.1``, to the size of cluster ``i``), none with a bias but the head's when ``head_bias``.

    Args:
        in_features: the size of each input row.
        n_classes: the number of classes.
        cutoffs: increasing, unique integers in ``[1, n_classes - 1]`` where the clusters start.
        div_value: the factor by which each cluster's hidden size shrinks.
        head_bias: whether the head has a bias.
        device: where the parameters are created.
        dtype: their floating point dtype.

    Called as ``asm(input, target)`` with ``input`` ``(N, in_features)`` and ``target`` ``(N,)`` (or
    ``(in_features,)`` and a 0-d target); returns ``_ASMoutput(output, loss)``: each row's log probability
    of its target and the mean negative log likelihood.

    >>> import gpugrad as gg
    >>> asm = gg.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4, 7])
    >>> out = asm(gg.randn(3, 8), gg.tensor([0, 5, 9]))
    >>> out.output.shape, out.loss.shape
    (gpugrad.Size([3]), gpugrad.Size([]))
    >>> [n for n, _ in asm.named_parameters()][:3]
    ['head.weight', 'tail.0.0.weight', 'tail.0.1.weight']
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError(f"cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             f"order, where each value is between 1 and n_classes-1 (n_classes={n_classes}), "
                             f"got {cutoffs}")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        kw = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        """Draw new initial values for the head's and every cluster's parameters (as each Linear does).

        Returns:
            None.

        >>> import gpugrad as gg
        >>> gg.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2]).reset_parameters()
        """
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_):
        """Each row's log probability of its target, and the mean negative log likelihood.

        Args:
            input_: ``(N, in_features)``, or ``(in_features,)`` with a 0-d target.
            target_: class indices in ``[0, n_classes)``, ``(N,)`` or 0-d.

        Returns:
            ``_ASMoutput(output, loss)``: ``output`` of the target's shape, ``loss`` 0-d.

        >>> import gpugrad as gg
        >>> asm = gg.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
        >>> asm(gg.randn(4), gg.tensor(5)).output.shape
        gpugrad.Size([])
        """
        targ_dim = target_.dim()
        if targ_dim == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        elif targ_dim == 0:
            if input_.dim() != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = targ_dim > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_ if batched else target_.unsqueeze(0)
        batch = target.size(0)
        output = input.new_zeros(batch)
        gather_inds = target.new_zeros(batch)
        used = 0
        bounds = [0] + self.cutoffs
        for i in range(len(bounds) - 1):
            low, high = bounds[i], bounds[i + 1]
            mask = (target >= low) & (target < high)
            rows = mask.nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            if i == 0:
                gather_inds = gather_inds.index_copy(0, rows, target[mask])
            else:
                relative = target[mask] - low
                cluster_logprob = F.log_softmax(self.tail[i - 1](input.index_select(0, rows)), dim=1)
                gather_inds = gather_inds.index_fill(0, rows, self.shortlist_size + i - 1)
                output = output.index_copy(0, rows, cluster_logprob.gather(1, relative.unsqueeze(1)).squeeze(1))
            used += rows.numel()
        if used != batch:
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{target.min().item()}, {target.max().item()}] were found. ")
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = output + head_logprob.gather(1, gather_inds.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, input, head_output):
        """Log probabilities of every class, ``(N, n_classes)``, from the head's output on ``input``."""
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input):
        """The log probability of every class for each row.

        Args:
            input: ``(N, in_features)``.

        Returns:
            ``(N, n_classes)`` log probabilities (each row's exponentials sum to 1).

        >>> import gpugrad as gg
        >>> asm = gg.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
        >>> round(asm.log_prob(gg.randn(2, 4)).exp().sum(1)[0].item(), 6)
        1.0
        """
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input):
        """The most likely class of each row (the full log probabilities are computed only for the rows whose
        best head entry is a cluster).

        Args:
            input: ``(N, in_features)``.

        Returns:
            ``(N,)`` int64 class indices.

        >>> import gpugrad as gg
        >>> asm = gg.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
        >>> asm.predict(gg.randn(3, 4)).shape
        gpugrad.Size([3])
        """
        head_output = self.head(input)
        output = head_output.argmax(dim=1)
        not_in_shortlist = output >= self.shortlist_size
        if not bool(not_in_shortlist.any()):
            return output
        if bool(not_in_shortlist.all()):
            return self._get_full_log_prob(input, head_output).argmax(dim=1)
        log_prob = self._get_full_log_prob(input[not_in_shortlist], head_output[not_in_shortlist])
        output[not_in_shortlist] = log_prob.argmax(dim=1)
        return output
