"""Random programs over the op library, for the differential fuzzer (tests/test_fuzz_torch.py).

A *program* is a seeded random DAG: a few float64 leaves of random shapes (0-d, size-0 and size-1 dims
included) and a list of steps, each applying one op to earlier values (a value may feed several steps: fan-out).
Programs are data (op names, operand indices, constant arrays), so the same program runs in gpugrad and in
PyTorch through one namespace argument ``ns`` and the two runs can be compared value by value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Step:
    op: str
    args: tuple                 # indices of earlier values
    params: dict = field(default_factory=dict)
    shape: tuple = ()           # the result's shape (tracked by the generator)


@dataclass
class Program:
    seed: int
    leaves: list                # float64 arrays (inputs that require grad)
    steps: list
    weights: list               # one constant array per value summed into the scalar output
    second_order: bool = False

    def describe(self):
        lines = [f"seed {self.seed}: leaves " + ", ".join(str(a.shape) for a in self.leaves)]
        n = len(self.leaves)
        for i, s in enumerate(self.steps):
            lines.append(f"  v{n + i} = {s.op}({', '.join(f'v{a}' for a in s.args)}"
                         + "".join(f", {k}={_short(v)}" for k, v in s.params.items()) + f")  -> {s.shape}")
        return "\n".join(lines)


def _short(v):
    if isinstance(v, np.ndarray):
        return f"array{v.shape}" if v.size > 6 else repr(v.tolist())
    return repr(v)


# -- op catalogue: name -> (apply(ns, F, *tensors, **params)) ----------------------------------------------------
def _c(ns, a):
    """A constant (no gradient) on ns's side."""
    return ns.tensor(a)


UNARY = {
    "neg": lambda ns, F, x: -x,
    "exp": lambda ns, F, x: ns.exp(ns.tanh(x)),                 # tanh first: no overflow along a chain
    "sin": lambda ns, F, x: ns.sin(x),
    "cos": lambda ns, F, x: x.cos(),
    "tanh": lambda ns, F, x: ns.tanh(x),
    "sigmoid": lambda ns, F, x: ns.sigmoid(x),
    "abs": lambda ns, F, x: ns.abs(x),
    "square": lambda ns, F, x: x * x,
    "log1p_sq": lambda ns, F, x: ns.log1p(x * x),
    "sqrt_sq1": lambda ns, F, x: ns.sqrt(x * x + 1.0),
    "rsqrt_sq1": lambda ns, F, x: ns.rsqrt(x * x + 1.0),
    "pow3": lambda ns, F, x: x ** 3,
    "relu": lambda ns, F, x: F.relu(x),
    "leaky_relu": lambda ns, F, x: F.leaky_relu(x, 0.1),
    "elu": lambda ns, F, x: F.elu(x),
    "gelu": lambda ns, F, x: F.gelu(x),
    "gelu_tanh": lambda ns, F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda ns, F, x: F.silu(x),
    "softplus": lambda ns, F, x: F.softplus(x),
    "clamp": lambda ns, F, x: ns.clamp(x, -0.5, 0.8),
    "clamp_min": lambda ns, F, x: x.clamp(min=0.1),
    "erf": lambda ns, F, x: ns.erf(x),
    "add_scalar": lambda ns, F, x: 1.5 + x,
    "rdiv": lambda ns, F, x: 1.0 / (x * x + 0.5),
    "clone": lambda ns, F, x: x.clone(),
}

BINARY = {
    "add": lambda ns, F, a, b: a + b,
    "sub": lambda ns, F, a, b: a - b,
    "mul": lambda ns, F, a, b: a * b,
    "div": lambda ns, F, a, b: a / (b * b + 0.5),
    "maximum": lambda ns, F, a, b: ns.maximum(a, b),
    "minimum": lambda ns, F, a, b: ns.minimum(a, b),
    "where": lambda ns, F, a, b: ns.where(a > b, a, b * 2.0),
    "pow": lambda ns, F, a, b: (a * a + 0.5) ** ns.tanh(b),
    "add_alpha": lambda ns, F, a, b: ns.add(a, b, alpha=0.5),
    "mse_none": lambda ns, F, a, b: F.mse_loss(a, b.expand(a.shape) if a.shape != b.shape else b, reduction="none"),
}


def _reduce(ns, F, x, op, dim, keepdim):
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    if op == "sum":
        return x.sum(**kw) if kw else x.sum()
    if op == "mean":
        return ns.mean(x, **kw)
    if op == "amax":
        return ns.amax(x, **kw) if kw else ns.amax(x)
    if op == "amin":
        return ns.amin(x, **kw) if kw else ns.amin(x)
    if op == "max":
        return ns.max(x, dim, keepdim)[0] if kw else ns.max(x)
    if op == "min":
        return x.min(dim, keepdim)[0] if kw else x.min()
    if op == "logsumexp":
        return ns.logsumexp(x, dim if dim is not None else tuple(range(x.ndim)), keepdim)
    if op == "prod":
        return ns.prod(x, dim, keepdim) if kw else ns.prod(x)
    if op == "var":
        return ns.var(x, **kw, correction=0)
    if op == "std":
        return ns.std(ns.sqrt(x * x + 0.1) * x, **kw, correction=0) + 0.0
    if op == "norm":
        return ns.norm(x * x + 0.1, **kw)
    if op == "softmax":
        return F.softmax(x, dim)
    if op == "log_softmax":
        return F.log_softmax(x, dim)
    raise KeyError(op)


REDUCTIONS = ["sum", "mean", "amax", "amin", "max", "min", "logsumexp", "prod", "var", "std", "norm", "softmax",
              "log_softmax"]


def _shape_op(ns, F, x, op, p):
    if op == "reshape":
        return x.reshape(p["shape"])
    if op == "view":
        return x.contiguous().view(p["shape"])
    if op == "flatten":
        return x.flatten()
    if op == "permute":
        return x.permute(*p["perm"])
    if op == "transpose":
        return x.transpose(p["d0"], p["d1"])
    if op == "unsqueeze":
        return x.unsqueeze(p["dim"])
    if op == "squeeze":
        return x.squeeze(p["dim"])
    if op == "expand":
        return x.expand(*p["shape"])
    if op == "flip":
        return x.flip(p["dims"])
    if op == "getitem":
        return x[_key(ns, p["key"])]
    if op == "gather":
        return ns.gather(x, p["dim"], _c(ns, p["index"]))
    if op == "index_select":
        return ns.index_select(x, p["dim"], _c(ns, p["index"]))
    if op == "chunk":
        return x.chunk(p["chunks"], p["dim"])[p["piece"]]
    if op == "split":
        return ns.split(x, p["size"], p["dim"])[p["piece"]]
    if op == "cat_self":
        return ns.cat([x, x * 0.5], p["dim"])
    if op == "stack_self":
        return ns.stack([x, ns.tanh(x)], p["dim"])
    if op == "T":
        return x.T if x.ndim != 2 else x.t()
    raise KeyError(op)


def _key(ns, key):
    return tuple(_c(ns, k) if isinstance(k, np.ndarray) else k for k in key) if isinstance(key, tuple) else \
        (_c(ns, key) if isinstance(key, np.ndarray) else key)


def apply_step(ns, step, vals):
    """Run one step in namespace ns (gpugrad or torch) on earlier values ``vals``."""
    F = ns.nn.functional
    xs = [vals[i] for i in step.args]
    op, p = step.op, step.params
    if op in UNARY:
        return UNARY[op](ns, F, *xs)
    if op in BINARY:
        return BINARY[op](ns, F, *xs)
    if op.startswith("reduce_"):
        return _reduce(ns, F, xs[0], op[7:], p.get("dim"), p.get("keepdim", False))
    if op == "matmul":
        return xs[0] @ xs[1]
    if op == "cross_entropy":
        kw = {"weight": _c(ns, p["weight"])} if "weight" in p else {}
        return F.cross_entropy(xs[0], _c(ns, p["target"]), reduction=p["reduction"],
                               label_smoothing=p.get("smoothing", 0.0), **kw)
    if op == "nll_loss":
        return F.nll_loss(F.log_softmax(xs[0], 1), _c(ns, p["target"]), reduction=p["reduction"])
    if op == "bce_logits":
        return F.binary_cross_entropy_with_logits(xs[0], _c(ns, p["target"]), reduction=p["reduction"])
    if op == "bce":
        # p kept in [0.05, 0.95]: near 0 or 1 the second derivative is ill-conditioned in both libraries
        return F.binary_cross_entropy(ns.sigmoid(ns.tanh(xs[0]) * 3), _c(ns, p["target"]), reduction=p["reduction"])
    if op == "huber":
        return F.huber_loss(xs[0], _c(ns, p["target"]), reduction=p["reduction"])
    if op == "linear":
        return F.linear(xs[0], xs[1], xs[2] if len(xs) > 2 else None)
    return _shape_op(ns, F, xs[0], op, p)


# -- the generator ------------------------------------------------------------------------------------------------
class Generator:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.seed = seed

    def dim_size(self):
        r = self.rng.random()
        return 0 if r < 0.06 else 1 if r < 0.3 else int(self.rng.integers(2, 5))

    def shape(self, max_rank=3):
        rank = int(self.rng.choice([0, 1, 2, 3][:max_rank + 1], p=[0.15, 0.3, 0.35, 0.2][:max_rank + 1]
                                   / np.sum([0.15, 0.3, 0.35, 0.2][:max_rank + 1])))
        return tuple(self.dim_size() for _ in range(rank))

    def leaf(self, shape):
        return self.rng.uniform(-2.0, 2.0, shape)

    def broadcast_partner(self, shape):
        """A shape that broadcasts with ``shape`` (dims kept or set to 1, leading dims maybe dropped or added)."""
        s = [1 if self.rng.random() < 0.3 else d for d in shape]
        drop = int(self.rng.integers(0, len(s) + 1)) if self.rng.random() < 0.3 else 0
        s = s[drop:]
        if self.rng.random() < 0.15 and len(s) == len(shape) < 3:
            s = [int(self.rng.integers(1, 3))] + s
        return tuple(s)

    def program(self, n_steps=None, second_order=False):
        rng = self.rng
        leaves = [self.leaf(self.shape())]
        shapes = [leaves[0].shape]
        steps = []
        n_steps = n_steps or int(rng.integers(2, 7))

        def new_leaf(shape):
            leaves.append(self.leaf(shape))
            shapes.insert(len(leaves) - 1, shape)   # leaves come first among the values
            for s in steps:                          # renumber the steps' operands past the new leaf
                s.args = tuple(a + 1 if a >= len(leaves) - 1 else a for a in s.args)
            return len(leaves) - 1

        for _ in range(n_steps):
            src = int(rng.integers(0, len(shapes)))
            if rng.random() < 0.4:                   # prefer the newest values: deeper chains
                src = len(shapes) - 1
            step = self._step(src, shapes, new_leaf)
            if step is None:
                continue
            steps.append(step)
            shapes.append(step.shape)
        n_vals = len(shapes)
        sinks = sorted({n_vals - 1} | {int(i) for i in rng.choice(n_vals, size=min(2, n_vals), replace=False)})
        weights = [(i, rng.uniform(-1, 1, shapes[i])) for i in sinks]
        return Program(self.seed, leaves, steps, weights, second_order)

    def _step(self, src, shapes, new_leaf):
        rng = self.rng
        shape = shapes[src]
        nd = len(shape)
        kind = rng.choice(["unary", "binary", "reduce", "shape", "matmul", "loss", "linear"],
                          p=[0.25, 0.2, 0.18, 0.22, 0.06, 0.06, 0.03])
        if kind == "unary":
            op = str(rng.choice(list(UNARY)))
            return Step(op, (src,), {}, shape)
        if kind == "binary":
            op = str(rng.choice(list(BINARY)))
            others = [i for i, s in enumerate(shapes) if _broadcast(shape, s) is not None]
            if op == "mse_none":
                others = [i for i in others if _broadcast(shape, shapes[i]) == shape]
            if others and rng.random() < 0.6:
                other = int(rng.choice(others))
            else:
                other = new_leaf(self.broadcast_partner(shape) if op != "mse_none" else shape)
                src = src + 1 if src >= other else src
            a, b = (src, other) if rng.random() < 0.7 or op == "mse_none" else (other, src)
            out = _broadcast(shapes[a], shapes[b])
            if op == "mse_none" and shapes[a] != out:
                a, b = b, a
            return Step(op, (a, b), {}, out)
        if kind == "reduce":
            op = str(rng.choice(REDUCTIONS))
            if op in ("softmax", "log_softmax"):
                dim = int(rng.integers(-max(nd, 1), max(nd, 1)))
                return Step("reduce_" + op, (src,), {"dim": dim}, shape)
            size = math.prod(shape)
            if op in ("amax", "amin", "max", "min") and size == 0:
                return None
            if rng.random() < 0.3 or (op in ("max", "min") and nd == 0 and rng.random() < 0.5):
                if op in ("max", "min", "prod") or rng.random() < 0.5:
                    if op == "std" and size < 2:
                        op = "var"
                    return Step("reduce_" + op, (src,), {}, ())
            dim = int(rng.integers(-max(nd, 1), max(nd, 1)))
            if op in ("amax", "amin", "max", "min") and nd and shape[dim] == 0:
                return None
            keepdim = bool(rng.random() < 0.4)
            if op in ("sum", "mean", "amax", "amin", "var", "norm", "logsumexp") and nd >= 2 and rng.random() < 0.3:
                d2 = int(rng.integers(0, nd))
                dims = tuple(sorted({dim % nd, d2}))
                if op == "mean" and any(shape[d] == 0 for d in dims):
                    return None
                out = _reduced(shape, dims, keepdim)
                return Step("reduce_" + op, (src,), {"dim": dims, "keepdim": keepdim}, out)
            if op == "mean" and nd and shape[dim] == 0:
                return None
            if op == "std" and (nd == 0 or shape[dim] < 2):
                op = "var"      # std of one element: PyTorch's second derivative is NaN there, ours 0 (std = 0)
            out = _reduced(shape, (dim % nd,) if nd else (), keepdim)
            return Step("reduce_" + op, (src,), {"dim": dim, "keepdim": keepdim}, out)
        if kind == "shape":
            return self._shape_step(src, shape)
        if kind == "matmul":
            if nd == 0:
                return None
            k = shape[-1]
            r = rng.random()
            if r < 0.3:
                bshape = (k,)
            elif r < 0.7:
                bshape = (k, int(rng.integers(1, 4)))
            else:
                batch = tuple(1 if rng.random() < 0.4 else d for d in shape[:-2]) if nd > 2 else \
                    (int(rng.integers(1, 3)),)
                bshape = batch + (k, int(rng.integers(1, 4)))
            other = new_leaf(bshape)
            src = src + 1 if src >= other else src
            out = np.matmul(np.zeros(shape), np.zeros(bshape)).shape
            return Step("matmul", (src, other), {}, tuple(out))
        if kind == "linear":
            if nd == 0:
                return None
            out_f = int(rng.integers(1, 4))
            w = new_leaf((out_f, shape[-1]))
            src = src + 1 if src >= w else src
            args = (src, w)
            if rng.random() < 0.6:
                b = new_leaf((out_f,))
                src = src + 1 if src >= b else src
                args = (src, w + (1 if w >= b else 0), b)
            return Step("linear", args, {}, shape[:-1] + (out_f,))
        # losses
        op = str(rng.choice(["cross_entropy", "nll_loss", "bce_logits", "bce", "huber"]))
        red = str(rng.choice(["mean", "sum", "none"]))
        if op in ("cross_entropy", "nll_loss"):
            if nd not in (1, 2) or shape[-1] == 0:
                return None
            c = shape[-1]
            n = shape[0] if nd == 2 else None
            tshape = (n,) if nd == 2 else ()
            target = rng.integers(0, c, tshape)
            if rng.random() < 0.2 and nd == 2:
                target = np.where(rng.random(tshape) < 0.4, -100, target)
            p = {"target": target.astype(np.int64), "reduction": red}
            if op == "cross_entropy":
                if rng.random() < 0.3:
                    p["weight"] = rng.uniform(0.5, 2.0, c)
                if rng.random() < 0.3:
                    p["smoothing"] = 0.1
            out = () if red != "none" else tshape
            return Step(op, (src,), p, out)
        target = rng.random(shape) if op != "huber" else rng.uniform(-2, 2, shape)
        if op == "bce" and rng.random() < 0.5:
            target = (target > 0.5).astype(np.float64)
        return Step(op, (src,), {"target": target, "reduction": red}, () if red != "none" else shape)

    def _shape_step(self, src, shape):
        rng = self.rng
        nd = len(shape)
        ops = ["reshape", "flatten", "unsqueeze", "getitem", "flip", "cat_self", "stack_self", "T", "view"]
        if nd >= 1:
            ops += ["permute", "transpose", "squeeze", "gather", "index_select", "chunk", "split", "expand"]
        op = str(rng.choice(ops))
        size = math.prod(shape)
        if op in ("reshape", "view"):
            cands = [(size,), (-1,)]
            if size and size % 2 == 0:
                cands += [(2, size // 2), (size // 2, -1, 1)]
            if size == 1:
                cands.append(())
            new = cands[int(rng.integers(0, len(cands)))]
            out = tuple(size if s == -1 and size else (0 if s == -1 else s) for s in new)
            if -1 in new and size == 0:
                return None
            return Step(op, (src,), {"shape": new}, out)
        if op == "flatten":
            return Step(op, (src,), {}, (size,))
        if op == "unsqueeze":
            d = int(rng.integers(-nd - 1, nd + 1))
            dd = d % (nd + 1)
            return Step(op, (src,), {"dim": d}, shape[:dd] + (1,) + shape[dd:])
        if op == "T":
            return Step(op, (src,), {}, tuple(reversed(shape)))
        if op == "flip":
            if nd == 0:
                return None
            dims = tuple(sorted({int(d) for d in rng.integers(0, nd, int(rng.integers(1, nd + 1)))}))
            return Step(op, (src,), {"dims": dims}, shape)
        if op in ("cat_self", "stack_self"):
            if op == "cat_self":
                if nd == 0:
                    return None
                d = int(rng.integers(-nd, nd))
                out = list(shape)
                out[d] *= 2
                return Step(op, (src,), {"dim": d}, tuple(out))
            d = int(rng.integers(-nd - 1, nd + 1))
            dd = d % (nd + 1)
            return Step(op, (src,), {"dim": d}, shape[:dd] + (2,) + shape[dd:])
        if op == "permute":
            perm = tuple(int(i) for i in rng.permutation(nd))
            return Step(op, (src,), {"perm": perm}, tuple(shape[i] for i in perm))
        if op == "transpose":
            d0, d1 = (int(i) for i in rng.integers(-nd, nd, 2))
            out = list(shape)
            out[d0], out[d1] = out[d1], out[d0]
            return Step(op, (src,), {"d0": d0, "d1": d1}, tuple(out))
        if op == "squeeze":
            d = int(rng.integers(-nd, nd))
            out = shape if shape[d] != 1 else shape[:d % nd] + shape[d % nd + 1:]
            return Step(op, (src,), {"dim": d}, out)
        if op == "expand":
            new = tuple(int(rng.integers(1, 4)) if s == 1 and rng.random() < 0.7 else s for s in shape)
            if rng.random() < 0.3:
                new = (2,) + new
            return Step(op, (src,), {"shape": new}, new)
        if op in ("gather", "index_select"):
            d = int(rng.integers(-nd, nd))
            n = shape[d]
            if n == 0:
                return None
            if op == "index_select":
                idx = rng.integers(0, n, int(rng.integers(0, 5)))
                out = list(shape)
                out[d] = len(idx)
                return Step(op, (src,), {"dim": d, "index": idx}, tuple(out))
            ishape = tuple(int(rng.integers(0, s + 1)) if i != d % nd else int(rng.integers(0, 5))
                           for i, s in enumerate(shape))
            idx = rng.integers(0, n, ishape)
            return Step(op, (src,), {"dim": d, "index": idx}, ishape)
        if op in ("chunk", "split"):
            d = int(rng.integers(-nd, nd))
            n = shape[d]
            if op == "chunk":
                chunks = int(rng.integers(1, 4))
                step = -(-n // chunks) if n else 0
                sizes = [min(step, n - s) for s in range(0, n, step)] if n else [0] * chunks
            else:
                size_ = int(rng.integers(1, 3))
                sizes = [min(size_, n - s) for s in range(0, n, size_)] or [0]
            piece = int(rng.integers(0, len(sizes)))
            out = list(shape)
            out[d] = sizes[piece]
            p = {"dim": d, "piece": piece}
            p.update({"chunks": chunks} if op == "chunk" else {"size": size_})
            return Step(op, (src,), p, tuple(out))
        # getitem: basic (ints, slices, None, Ellipsis) or advanced (an int array, a bool mask)
        if nd == 0:
            key = (None, Ellipsis) if rng.random() < 0.5 else Ellipsis
            out = (1,) if isinstance(key, tuple) else ()
            return Step(op, (src,), {"key": key}, out)
        r = rng.random()
        if r < 0.2 and shape[0] > 0:
            idx = rng.integers(-shape[0], shape[0], int(rng.integers(0, 4)))
            return Step(op, (src,), {"key": idx}, (len(idx),) + shape[1:])
        if r < 0.3:
            mask = rng.random(shape) < 0.5
            return Step(op, (src,), {"key": mask}, (int(mask.sum()),))
        if r < 0.4 and shape[-1] > 0:
            i = int(rng.integers(-shape[-1], shape[-1]))
            return Step(op, (src,), {"key": (Ellipsis, i)}, shape[:-1])
        key, out = [], []
        for s in shape:
            c = rng.random()
            if c < 0.25 and s > 0:
                key.append(int(rng.integers(-s, s)))
            elif c < 0.6:
                start = int(rng.integers(0, s + 1))
                stepv = int(rng.choice([1, 1, 2]))
                key.append(slice(start, None, stepv))
                out.append(len(range(start, s, stepv)))
            else:
                key.append(slice(None))
                out.append(s)
        if rng.random() < 0.2:
            key.insert(0, None)
            out.insert(0, 1)
        return Step(op, (src,), {"key": tuple(key)}, tuple(out))


def _broadcast(a, b):
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


def _reduced(shape, dims, keepdim):
    return tuple(1 if i in dims else s for i, s in enumerate(shape)) if keepdim else \
        tuple(s for i, s in enumerate(shape) if i not in dims)
