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


_LETTERS = string.ascii_uppercase + string.ascii_lowercase      # sublist label i is _LETTERS[i], as in PyTorch


def _sublist_equation(args):
    """PyTorch's sublist format, ``einsum(a, [0, 1], b, [1, 2], [0, 2])``: the operands and the equation it
    spells (labels 0-25 are A-Z, 26-51 a-z, ``...`` an ellipsis)."""
    def subs(labels):
        out = []
        for v in labels:
            if v is Ellipsis:
                out.append("...")
            elif not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"einsum(): a subscript list holds ints and ..., got {type(v).__name__}")
            elif not 0 <= v < len(_LETTERS):
                raise ValueError(f"einsum(): subscript {v} in a subscript list is not within the valid range "
                                 f"[0, 52)")
            else:
                out.append(_LETTERS[v])
        return "".join(out)
    operands, lhs = args[0::2], args[1::2]
    rhs = None
    if len(operands) > len(lhs):                          # an odd count: the last list is the output's
        operands, rhs = operands[:-1], operands[-1]
    equation = ",".join(subs(s) for s in lhs) + ("" if rhs is None else "->" + subs(rhs))
    return equation, operands


def _split_ellipsis(op, s, what):
    """``(before, after)`` around the one ``...`` in ``s`` (``after`` None without one); a letter check."""
    for i, c in enumerate(s):
        if not (c in _LETTERS or c == "."):
            raise RuntimeError(f"{op}(): invalid subscript {c!r} in {what} {s!r}: subscripts must be in [a-zA-Z]")
    before, dots, after = s.partition("...")
    if "." in before or "." in after:
        raise RuntimeError(f"{op}(): found '.' in {what} {s!r} that is not part of one ellipsis (...)")
    return before, (after if dots else None)


def _parse(op, equation, operands):
    """The subscripts of each operand and of the output, with ``...`` spelled out in letters of their own:
    the ellipsis dims of all operands broadcast together, aligned from the right (as in PyTorch)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "-" in lhs or ">" in lhs or "-" in rhs or ">" in rhs:
        raise RuntimeError(f"{op}(): invalid equation {equation!r}: one '->' at most, subscripts in [a-zA-Z]")
    subs = lhs.split(",")
    if len(subs) != len(operands):
        raise RuntimeError(f"{op}(): the equation {equation!r} has {len(subs)} operand(s) but "
                           f"{len(operands)} tensor(s) were given")
    parts = []
    for k, (s, t) in enumerate(zip(subs, operands)):
        before, after = _split_ellipsis(op, s, f"operand {k}'s subscripts")
        named = len(before) + len(after or "")
        if named > t.ndim or (after is None and named != t.ndim):
            raise RuntimeError(f"{op}(): operand {k} of shape {shape_str(t.shape)} has {t.ndim} dim(s) but its "
                               f"subscripts {s!r} name {named}" + ("" if after is None else " besides the ellipsis"))
        parts.append((before, after, t.ndim - named))
    n_ell = max([k for _, after, k in parts if after is not None], default=0)
    used = set(c for c in eq if c in _LETTERS)
    ell = "".join([c for c in _LETTERS if c not in used][:n_ell])
    if len(ell) < n_ell:
        raise RuntimeError(f"{op}(): too many dims for the 52 subscripts a-z, A-Z in {equation!r}")
    out_subs = [b if a is None else b + ell[n_ell - k:] + a for b, a, k in parts]
    if arrow:
        before, after = _split_ellipsis(op, rhs, "the output subscripts")
        out = before + ("" if after is None else ell + after)
        for c in before + (after or ""):
            if out.count(c) > 1:
                raise RuntimeError(f"{op}(): output subscript {c!r} appears more than once in the output")
            if c not in "".join(out_subs):
                raise RuntimeError(f"{op}(): output subscript {c!r} does not appear in the equation for any "
                                   f"input operand")
    else:                            # implicit: the ellipsis, then the subscripts seen once, in order
        counts = "".join(b + (a or "") for b, a, _ in parts)
        out = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    return out_subs, out, set(ell)


def _diagonals(t, s):
    """A subscript repeated within one operand (``"ii->i"``, the trace ``"ii"``) reads its diagonal: taken
    here by indexing (differentiable), the subscript then appearing once."""
    while len(set(s)) != len(s):
        c = next(c for c in s if s.count(c) > 1)
        p, q = s.index(c), s.index(c, s.index(c) + 1)
        if t.shape[p] != t.shape[q]:
            raise RuntimeError(f"einsum(): subscript {c!r} is repeated in {s!r} over dims of sizes {t.shape[p]} "
                               f"and {t.shape[q]}")
        from ..factories import arange
        i = arange(t.shape[p], device=t.device)
        t = t[tuple(i if d in (p, q) else slice(None) for d in range(t.ndim))]
        rest = s[:p] + s[p + 1:q] + s[q + 1:]
        # NumPy's (and PyTorch's) rule: two advanced indices side by side keep their place, apart they go first
        s = rest[:p] + c + rest[p:] if q == p + 1 else c + rest
    return t, s


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``; subscripts
    missing from the output are summed over, a subscript repeated in one operand takes its diagonal, ``...``
    stands for the remaining dims (those of all operands broadcast together, aligned from the right), and
    without ``->`` the output is the ellipsis' dims, then the subscripts that appear once, in alphabetical
    order (A-Z before a-z). Differentiable (to any order).

    PyTorch's sublist format is accepted too: ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (ints 0-51 as
    subscripts, ``...`` for an ellipsis, the output list optional).

    Args:
        equation: the subscripts, e.g. ``"bij,bjk->bik"`` (or, in the sublist format, the first operand).
        *operands: the tensors (or one list of them), one per comma-separated group of subscripts (or, in the
            sublist format, each subscript list after its operand, and the output's list last).

    Returns:
        A tensor with the output subscripts' dims.

    >>> import gpugrad as gg
    >>> a, b = gg.ones(2, 3), gg.ones(3, 4)
    >>> gg.einsum("ij,jk->ik", a, b).shape
    gpugrad.Size([2, 4])
    >>> gg.einsum("ij->", a)
    tensor(6.)
    >>> gg.einsum(a, [0, 1], b, [1, 2], [0, 2]).shape
    gpugrad.Size([2, 4])
    >>> gg.einsum("...i,...i->...", gg.ones(3, 1, 4), gg.ones(2, 4)).shape
    gpugrad.Size([3, 2])
    """
    if isinstance(equation, Tensor):                # the sublist format
        equation, operands = _sublist_equation((equation,) + operands)
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(t, Tensor) for t in operands):
        raise TypeError("einsum(): expected one or more tensors after the equation, got "
                        f"{[type(t).__name__ for t in operands]}")
    subs, out, ell = _parse("einsum", equation, operands)
    operands, subs = zip(*(_diagonals(t, s) for t, s in zip(operands, subs)))
    sizes = {}
    for s, t in zip(subs, operands):
        for c, n in zip(s, t.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                what = "a dim covered by the ellipsis" if c in ell else f"subscript {c!r}"
                raise RuntimeError(f"einsum(): {what} has size {sizes[c]} in one operand and {n} in another, "
                                   f"which don't broadcast (equation {equation!r}, shapes "
                                   f"{[shape_str(t.shape) for t in operands]})")
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    # size-1 dims broadcast (as in PyTorch): expand them first, so that the expand's gradient sums them back
    operands = tuple(t if all(n == sizes[c] for c, n in zip(s, t.shape)) else
                     S.expand(t, tuple(sizes[c] for c in s)) for s, t in zip(subs, operands))
    dt = operands[0].dtype
    if any(t.dtype != dt for t in operands):
        raise RuntimeError(f"einsum(): expected operands of one dtype, got {[str(t.dtype) for t in operands]}")
    return Einsum.apply(*operands, subs=tuple(subs), out=out)
