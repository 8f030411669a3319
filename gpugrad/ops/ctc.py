"""The Connectionist Temporal Classification loss, as ``torch.nn.functional.ctc_loss`` (Graves et al. 2006).

A target l of length L is extended to l' = (blank, l_1, blank, l_2, ..., l_L, blank) of length 2L + 1; a path
through the T time steps may stay on a position s, step to s + 1, or skip a blank (s to s + 2, when
l'_{s+2} != l'_s). In log space, with y_t(c) = log_probs[t, c]:

    alpha_0(0) = y_0(blank),  alpha_0(1) = y_0(l_1)
    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [alpha_{t-1}(s-2)]) + y_t(l'_s)
    nll = -logsumexp(alpha_{T-1}(2L), alpha_{T-1}(2L-1))

and beta the same recursion run backwards from the end. The whole batch runs at once: arrays (N, 2S+1) per
time step, one Python step per t, each batch member frozen past its own input length.

The gradient is PyTorch's: for t < T_b,

    grad[t, b, c] = exp(y_t(c)) - exp(logsumexp_{s: l'_s = c}(alpha_t(s) + beta_t(s)) + nll_b - y_t(c))

which is the derivative with respect to the logits under a log_softmax (the form PyTorch's kernel returns for
``log_probs``: the exp(y) term cancels in log_softmax's backward, since each step's probabilities sum to 1).
Finite differences in ``log_probs`` themselves therefore differ by exp(y); this op is left out of the
numerical gradient table on purpose (``register=False``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.op import Op
from ..backend import scatter_add
from ..tensor import Tensor
from .arithmetic import where

__all__ = ["ctc_loss"]

_REDUCTIONS = ("none", "mean", "sum")


def _lse(xp, *terms):
    """Elementwise log(sum(exp(terms))), -inf where every term is -inf (no NaN from -inf - -inf)."""
    m = terms[0]
    for t in terms[1:]:
        m = xp.maximum(m, t)
    safe = xp.where(xp.isinf(m), 0, m)
    acc = 0
    for t in terms:
        acc = acc + xp.exp(t - safe)
    return xp.log(acc) + safe


def _shift(xp, a, k, fill):
    """``a`` moved ``k`` positions along its last dim (k > 0: to higher s), the gap filled with ``fill``."""
    out = xp.full(a.shape, fill, a.dtype)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CTCLoss(Op, register=False):
    """The per-sequence negative log-likelihoods (N,) of ``lp`` (T, N, C) for the extended targets ``ext``
    (N, 2S+1); backward: PyTorch's gradient (see the module docstring)."""

    def forward(self, lp, ext, in_len, tg_len, zero_infinity):
        xp = self.xp
        t_max, n = lp.shape[0], lp.shape[1]
        s_ext = ext.shape[1]
        self.ext, self.in_len, self.tg_len, self.zero_infinity = ext, in_len, tg_len, zero_infinity
        neg = -np.inf
        lpe = lp[:, xp.arange(n)[:, None], ext]                      # (T, N, S') = y_t(l'_s)
        same = xp.zeros(ext.shape, bool)
        same[:, 2:] = ext[:, 2:] == ext[:, :-2]
        skip = (ext != ext[:, :1]) & ~same                          # l'_s non-blank and != l'_{s-2}
        self.lpe, self.skip = lpe, skip
        alpha = xp.full((max(t_max, 1), n, s_ext), neg, lp.dtype)
        if t_max:
            alpha[0, :, 0] = lpe[0, :, 0]
            if s_ext > 1:
                alpha[0, :, 1] = xp.where(tg_len > 0, lpe[0, :, 1], neg)
        for t in range(1, t_max):
            a = alpha[t - 1]
            new = _lse(xp, a, _shift(xp, a, 1, neg), xp.where(skip, _shift(xp, a, 2, neg), neg)) + lpe[t]
            alpha[t] = xp.where((t < in_len)[:, None], new, a)      # frozen past each input's length
        self.alpha = alpha
        end = alpha[-1]
        last = xp.take_along_axis(end, (2 * tg_len)[:, None], 1)[:, 0]
        before = xp.take_along_axis(end, xp.maximum(2 * tg_len - 1, 0)[:, None], 1)[:, 0]
        ll = _lse(xp, last, xp.where(tg_len > 0, before, neg))
        ll = xp.where(in_len > 0, ll, xp.where(tg_len > 0, neg, 0.0).astype(lp.dtype))
        nll = -ll
        self.nll = nll
        self.save_for_backward(lp)
        return nll

    def _unit_grad(self):
        """d nll_b / d log_probs[t, b, c] as PyTorch's kernel gives it (T, N, C)."""
        (lp,) = self.saved
        xp = self.xp
        t_max, n, c = lp.shape
        ext, in_len, tg_len, lpe, nll = self.ext, self.in_len, self.tg_len, self.lpe, self.nll
        neg = -np.inf
        s_idx = xp.arange(ext.shape[1])
        ends = (s_idx == (2 * tg_len)[:, None]) | ((s_idx == (2 * tg_len - 1)[:, None]) & (tg_len > 0)[:, None])
        skip_from = _shift(xp, self.skip, -2, False)          # s -> s + 2 allowed where the alpha skip into s+2 is
        beta = xp.full(lpe.shape, neg, lp.dtype)
        nxt = xp.full(lpe.shape[1:], neg, lp.dtype)
        for t in range(t_max - 1, -1, -1):
            rec = _lse(xp, nxt, _shift(xp, nxt, -1, neg), xp.where(skip_from, _shift(xp, nxt, -2, neg), neg)) + lpe[t]
            start = xp.where(ends, lpe[t], neg)
            here = xp.where((t == in_len - 1)[:, None], start, xp.where((t < in_len - 1)[:, None], rec, neg))
            beta[t] = here
            nxt = here
        ab = self.alpha[:t_max] + beta                              # log(alpha beta), (T, N, S')
        top = ab.max(axis=2, keepdims=True) if ab.shape[2] else xp.zeros((t_max, n, 1), lp.dtype)
        top = xp.where(xp.isinf(top), 0, top)
        acc = xp.zeros((t_max, n, c), lp.dtype)
        key = (xp.arange(t_max)[:, None, None], xp.arange(n)[None, :, None], ext[None, :, :])
        scatter_add(xp, acc, key, xp.exp(ab - top))
        lcab = xp.log(acc) + top                                    # logsumexp over s with l'_s = c
        grad = xp.exp(lp) - xp.exp(lcab + nll[None, :, None] - lp)
        keep = xp.arange(t_max)[:, None] < in_len[None, :]
        if self.zero_infinity:
            keep = keep & ~xp.isinf(nll)[None, :]
        return xp.where(keep[:, :, None], grad, 0).astype(lp.dtype, copy=False)

    def backward(self, g):
        unit = self._unit_grad()
        if isinstance(g, Tensor):            # create_graph: a constant in log_probs (PyTorch has no double backward)
            return Tensor._make(unit, None) * g.reshape(1, -1, 1), None, None, None, None
        return unit * g[None, :, None], None, None, None, None

    def jvp(self, t, *rest):
        return (self._unit_grad() * t).sum(axis=(0, 2))


def _lengths(name, lengths, n, limit):
    """Host int64 array of ``lengths`` (a tensor or a sequence), checked against the batch and ``limit``."""
    if isinstance(lengths, Tensor):
        if lengths.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        arr = np.asarray(lengths.cpu().numpy(), dtype=np.int64).reshape(-1)
    else:
        arr = np.asarray(lengths if isinstance(lengths, (list, tuple)) else [lengths])
        if arr.size and arr.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        arr = arr.astype(np.int64).reshape(-1)
    if arr.shape[0] != n:
        raise RuntimeError(f"{name} must be of size batch_size")
    if arr.size and arr.min() < 0:
        raise RuntimeError(f"Expected {name} to have value at least 0, but got value {int(arr.min())} "
                           f"(while checking arguments for ctc_loss)")
    if limit is not None and arr.size and arr.max() > limit:
        raise RuntimeError(f"Expected {name} to have value at most {limit}, but got value {int(arr.max())} "
                           f"(while checking arguments for ctc_loss)")
    return arr


def _extended_targets(xp, targets, tl, blank, c):
    """(N, 2S+1) device array blank, l_1, blank, ..., l_S, blank (S the longest target; blanks past each)."""
    n = tl.shape[0]
    s_max = int(tl.max()) if n else 0
    t = targets._data
    pos = np.arange(s_max)
    inside = pos[None, :] < tl[:, None]
    if targets.dim() == 1:                         # concatenated: sequence b starts at sum(tl[:b])
        if t.shape[0] != int(tl.sum()):
            raise RuntimeError(f"Expected tensor to have size {int(tl.sum())} at dimension 0, but got size "
                               f"{t.shape[0]} for argument #2 'targets' (while checking arguments for ctc_loss)")
        start = np.concatenate([[0], np.cumsum(tl)[:-1]]) if n else np.zeros(0, np.int64)
        where = np.where(inside, start[:, None] + pos[None, :], 0)
        labels = t.reshape(-1)[xp.asarray(where)] if t.size else xp.zeros((n, s_max), np.int64)
    else:
        if t.shape[1] < s_max:
            raise RuntimeError(f"Expected tensor to have size at least {s_max} at dimension 1, but got size "
                               f"{t.shape[1]} for argument #2 'targets' (while checking arguments for ctc_loss)")
        labels = t[:, :s_max]
    labels = xp.where(xp.asarray(inside), labels.astype(np.int64), blank)
    if labels.size and bool(((labels < 0) | (labels >= c)).any()):
        raise RuntimeError(f"ctc_loss: target labels must be in [0, {c}) (the classes of log_probs)")
    ext = xp.full((n, 2 * s_max + 1), blank, np.int64)
    ext[:, 1::2] = labels
    return ext


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """The CTC loss of per-step class log-probabilities against unaligned target sequences, as
    ``torch.nn.functional.ctc_loss``: -log of the total probability of every alignment (paths with repeats
    and blanks) that collapses to the target.

    Args:
        log_probs: (T, N, C) log-probabilities (a log_softmax over C), or (T, C) for one sequence.
        targets: (N, S) padded targets (only the first ``target_lengths[b]`` of row b count), or the targets of
            the batch concatenated, 1-D of length ``sum(target_lengths)``; class indices, never ``blank``.
        input_lengths: (N,) the time steps of each input (<= T), as a tensor or a tuple of ints.
        target_lengths: (N,) the length of each target (<= S), as a tensor or a tuple of ints.
        blank: the blank class index.
        reduction: "none" (N losses), "sum", or "mean" (each loss divided by its target length, then averaged).
        zero_infinity: impossible alignments (infinite loss, an input too short) give 0 and no gradient.

    Returns:
        a 0-d loss, or (N,) with ``reduction="none"``.

    >>> import gpugrad as gg
    >>> lp = gg.tensor([[[0.5, 0.5]], [[0.5, 0.5]]]).log()     # T=2, N=1, C=2; blank 0
    >>> round(gg.nn.functional.ctc_loss(lp, gg.tensor([[1]]), (2,), (1,), reduction="sum").item(), 4)
    0.2877
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not log_probs.is_floating_point():
        raise NotImplementedError(f"ctc_loss: log_probs must be floating point, got {log_probs.dtype}")
    batched = log_probs.dim() == 3
    if log_probs.dim() not in (2, 3):
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {log_probs.dim()}-dimensional tensor for "
                           f"argument #1 'log_probs' (while checking arguments for ctc_loss)")
    lp = log_probs if batched else log_probs.unsqueeze(1)
    if not isinstance(targets, Tensor):
        raise TypeError(f"ctc_loss: targets must be a Tensor, got {type(targets).__name__}")
    if targets.device != lp.device:
        targets = targets.to(lp.device)
    if not batched and targets.dim() == 1:
        targets = targets.unsqueeze(0)
    if targets.dim() not in (1, 2):
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.dim()}-dimensional tensor for argument "
                           f"#2 'targets' (while checking arguments for ctc_loss)")
    t_max, n, c = lp.shape
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    il = _lengths("input_lengths", input_lengths, n, t_max)
    tl = _lengths("target_lengths", target_lengths, n, None)
    xp = lp.xp
    ext = _extended_targets(xp, targets, tl, blank, c)
    nll = CTCLoss.apply(lp, ext, xp.asarray(il), xp.asarray(tl), bool(zero_infinity))
    if zero_infinity:
        nll = where(Tensor._make(xp.isinf(nll._data), None), 0.0, nll)
    if reduction == "none":
        return nll if batched else nll.reshape(())
    if reduction == "sum":
        return nll.sum()
    return (nll / Tensor._make(xp.asarray(np.maximum(tl, 1)).astype(nll._data.dtype), None)).mean()
