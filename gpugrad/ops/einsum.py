"""einsum: Einstein summation over the operands' subscripts, one recorded op whose derivative is an einsum too."""
from __future__ import annotations

import string

from ..autograd.op import Op
from ..tensor import Tensor
from ._util import shape_str
from . import shape as S


class Einsum(Op):
    """y = einsum("s_1,...,s_n->out", x_1, ..., x_n). The gradient of x_k contracts the output gradient with
    the other operands onto s_k: einsum("out,s_1,..(not k)..->s_k", g, ...). A subscript of s_k found nowhere
    else was summed over in the forward pass; its gradient is g's contraction broadcast back along it."""

    def forward(self, *xs, subs, out):
        self.subs, self.out = subs, out
        self.shapes = [x.shape for x in xs]
        self.save_for_backward(*xs)
        return self.xp.einsum(",".join(subs) + "->" + out, *xs)

    def backward(self, g):
        xp, xs = self.xp, self.saved
        grads = []
        for k, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [i for i in range(len(xs)) if i != k]
            found = set(self.out).union(*(self.subs[i] for i in others))
            keep = "".join(c for c in self.subs[k] if c in found)
            gk = xp.einsum(",".join([self.out] + [self.subs[i] for i in others]) + "->" + keep,
                           g, *(xs[i] for i in others))
            if keep != self.subs[k]:
                shape = tuple(n if c in found else 1 for c, n in zip(self.subs[k], self.shapes[k]))
                gk = xp.broadcast_to(xp.reshape(gk, shape), self.shapes[k])
            grads.append(gk)
        return tuple(grads)

    def jvp(self, *ts):             # linear in each operand: the sum of einsums with one tangent swapped in
        xp, xs = self.xp, self.saved
        spec = ",".join(self.subs) + "->" + self.out
        total = None
        for k, t in enumerate(ts):
            if t is not None:
                term = xp.einsum(spec, *(t if i == k else x for i, x in enumerate(xs)))
                total = term if total is None else total + term
        return total


def _parse(op, equation, operands):
    """The subscripts of each operand and of the output, with ``...`` spelled out in letters of their own."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(operands):
        raise ValueError(f"{op}: the equation {equation!r} has {len(subs)} operand(s), got {len(operands)} tensors")
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = max([t.ndim - (len(s) - 3) for s, t in zip(subs, operands) if "..." in s], default=0)
    ell = "".join(spare[:n_ell])
    out_subs = []
    for s, t in zip(subs, operands):
        if "..." in s:
            k = t.ndim - (len(s) - 3)
            s = s.replace("...", ell[n_ell - k:] if k else "")
        if len(s) != t.ndim or not all(c.isalpha() for c in s):
            raise ValueError(f"{op}: subscripts {s!r} don't fit an operand of shape {shape_str(t.shape)}")
        out_subs.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:                            # implicit: the ellipsis, then the subscripts seen once, in order
        counts = "".join(out_subs)
        out = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in ell))
    if len(set(out)) != len(out) or not set(out) <= set("".join(out_subs)):
        raise ValueError(f"{op}: output subscripts {out!r} must be distinct and appear among the operands'")
    return out_subs, out


def _diagonals(t, s):
    """A subscript repeated within one operand (``"ii->i"``, the trace ``"ii"``) reads its diagonal: taken
    here by indexing (differentiable), the subscript then appearing once."""
    while len(set(s)) != len(s):
        c = next(c for c in s if s.count(c) > 1)
        p, q = s.index(c), s.index(c, s.index(c) + 1)
        if t.shape[p] != t.shape[q]:
            raise RuntimeError(f"einsum: subscript {c!r} is repeated in {s!r} over dims of sizes {t.shape[p]} and "
                               f"{t.shape[q]}")
        from ..factories import arange
        i = arange(t.shape[p], device=t.device)
        t = t[tuple(i if d in (p, q) else slice(None) for d in range(t.ndim))]
        rest = s[:p] + s[p + 1:q] + s[q + 1:]
        # NumPy's (and PyTorch's) rule: two advanced indices side by side keep their place, apart they go first
        s = rest[:p] + c + rest[p:] if q == p + 1 else c + rest
    return t, s


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``; subscripts
    missing from the output are summed over, ``...`` stands for the remaining (broadcast) dims, and without
    ``->`` the output is the subscripts that appear once, in alphabetical order. Differentiable (to any order).

    Args:
        equation: the subscripts, e.g. ``"bij,bjk->bik"``.
        *operands: the tensors (or one list of them), one per comma-separated group of subscripts.

    Returns:
        A tensor with the output subscripts' dims.

    >>> import gpugrad as gg
    >>> a, b = gg.ones(2, 3), gg.ones(3, 4)
    >>> gg.einsum("ij,jk->ik", a, b).shape
    (2, 4)
    >>> gg.einsum("ij->", a)
    tensor(6.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(t, Tensor) for t in operands):
        raise TypeError("einsum: expected one or more tensors after the equation")
    subs, out = _parse("einsum", equation, operands)
    operands, subs = zip(*(_diagonals(t, s) for t, s in zip(operands, subs)))
    sizes = {}
    for s, t in zip(subs, operands):
        for c, n in zip(s, t.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise RuntimeError(f"einsum: subscript {c!r} has size {sizes[c]} in one operand and {n} in another "
                                   f"(equation {equation!r})")
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    # size-1 dims broadcast (as in PyTorch): expand them first, so that the expand's gradient sums them back
    operands = tuple(t if all(n == sizes[c] for c, n in zip(s, t.shape)) else
                     S.expand(t, tuple(sizes[c] for c in s)) for s, t in zip(subs, operands))
    dt = operands[0].dtype
    if any(t.dtype != dt for t in operands):
        raise RuntimeError(f"einsum: expected operands of one dtype, got {[str(t.dtype) for t in operands]}")
    return Einsum.apply(*operands, subs=tuple(subs), out=out)
