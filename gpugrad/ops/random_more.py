"""More of PyTorch's random sampling: ``bernoulli``, ``multinomial``, ``poisson``, ``randint_like`` and the
in-place samplers ``random_``, ``cauchy_``, ``geometric_``, ``log_normal_``.

Every draw comes from ``generator=`` (a ``gpugrad.Generator`` or NumPy generator, CPU tensors only) or from
gpugrad's generator of the tensor's device (seeded by ``gpugrad.manual_seed``). The distributions and the
argument checks are PyTorch's; the streams are not (different generators, see "Differences from PyTorch").
Samples pass no gradient back: a sample of a tensor that requires grad requires grad too, with zero gradient,
as PyTorch's ``bernoulli`` and ``poisson``.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype
from ..tensor import Tensor
from ..factories import _xp_dev, _finish
from ..random_factories import _gen
from ..autograd.op import Op
from ._util import write_out

_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1


class Sampled(Op, register=False):
    """A sample drawn from the distributions of ``inputs`` (``bernoulli(p)``, ``poisson(rate)``,
    ``normal(mean, std)``): PyTorch's derivative is zero, and it records one so that the sample requires grad as
    PyTorch's does. (Not in tests/op_table.py: a random forward has no finite-difference check.)"""

    def forward(self, sample, *inputs):
        self.shapes = [(x.shape, x.dtype) for x in inputs]
        self.out = (sample.shape, sample.dtype)
        return sample

    def backward(self, g):
        return (None,) + tuple(self.xp.zeros(*s) for s in self.shapes)

    def jvp(self, *tangents):
        return self.xp.zeros(*self.out)


def _sampled(input, arr):
    return Sampled.apply(arr, input) if input.requires_grad else Tensor._make(arr, None, False)


def _uniform(gen, shape):
    """Uniform float64 samples in [0, 1) on the generator's device."""
    return gen.random(shape, dtype=np.float64)


def _on_cpu(a):
    return a.__class__ is np.ndarray      # value checks that would wait for a GPU are made on the CPU only


# -- discrete uniform: random_ and randint_like ----------------------------------------------------------------
def _digits(dt):
    """The significand bits of a floating dtype: its integers are exact up to 2 ** digits."""
    return 8 if dt.name == "bfloat16" else np.finfo(dt).nmant + 1


def _default_high(dt):
    """The largest value ``random_()`` draws for ``dt``: 2 ** digits for floats, the largest value for integers."""
    if dt.kind == "b":
        return 1
    if dt.kind in "ui":
        return int(np.iinfo(dt).max)
    return min(2 ** _digits(dt), _INT64_MAX)


def _check_range(op, low, high_inc, dt):
    """PyTorch's bounds checks of a discrete uniform range [low, high_inc] for ``dt``: outside the dtype is an
    error; a float beyond the exactly representable integers a warning."""
    if dt.kind in "uib":
        lo, hi = (0, 1) if dt.kind == "b" else (int(np.iinfo(dt).min), int(np.iinfo(dt).max))
    else:
        hi = np.inf if dt.name == "bfloat16" else float(np.finfo(dt).max)
        lo = -hi
    for v, what in ((low, "from"), (high_inc, "to - 1")):
        if not lo <= v <= hi:
            raise RuntimeError(f"{op}: {what} is out of bounds for {dt} (got {v}; the range is [{lo}, {hi}])")
    if dt.kind == "f" or dt.name == "bfloat16":
        d = _digits(dt)
        for v, what in ((low, "from"), (high_inc, "to - 1")):
            if not -(2 ** d) <= v <= 2 ** d:
                warnings.warn(f"{op}: {what} is out of bounds [-(2^{d}), 2^{d}]. Due to precision limitations {dt} "
                              f"can support discrete uniform distribution only within this range.", UserWarning,
                              stacklevel=3)


def _uniform_ints(gen, shape, low, high_inc, dt):
    """Integers uniform in [low, high_inc] (both ends included), as ``dt``."""
    if high_inc == _INT64_MAX:         # the generators exclude the high end: shift by one so 2**63 - 1 is drawn
        if low == _INT64_MIN:          # (all 2**64 int64 values: one of them, the largest, is never drawn)
            return gen.integers(low, high_inc, size=shape, dtype=np.int64).astype(dt)
        return (gen.integers(low - 1, high_inc, size=shape, dtype=np.int64) + 1).astype(dt)
    return gen.integers(low, high_inc + 1, size=shape, dtype=np.int64).astype(dt)


def _from_to(args, kw):
    """random_'s arguments: ``()``, ``(to)``, ``(from, to)`` (``to`` may be None), or PyTorch's keywords
    ``from`` and ``to`` (``from`` is a Python keyword: pass it as ``**{"from": 2}``)."""
    if len(args) > 2:
        raise TypeError(f"random_() takes at most 2 positional arguments (from, to), got {len(args)}")
    vals = dict(zip(("to",) if len(args) == 1 else ("from", "to"), args))
    for k, v in kw.items():
        if k not in ("from", "to") or k in vals:
            raise TypeError(f"random_() got an unexpected or repeated keyword argument {k!r}")
        vals[k] = v
    return vals


def random_(self, *args, generator=None, **kw):
    """In place: fill with integers drawn uniformly from [from, to - 1], as PyTorch's ``random_``:
    ``random_()`` draws from [0, 2 ** mantissa bits] for floats (2 ** 24 for float32), [0, max] for integer
    dtypes and {0, 1} for bool; ``random_(to)`` from [0, to - 1]; ``random_(from, None)`` from [from, the
    dtype's largest]. Bounds outside the dtype are an error, bounds beyond a float's exact integers a warning.

    Like ``copy_`` of the samples: refused on a leaf that requires grad while grad mode is on.

    Args:
        *args: ``to``, or ``from, to`` (PyTorch's keywords ``from=``/``to=`` work too, as ``**{"from": 1}``).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from, CPU tensors only;
            None draws from gpugrad's generator of the tensor's device (seeded by :func:`gpugrad.manual_seed`).

    Returns:
        self, changed in place.

    >>> import gpugrad as gg
    >>> x = gg.empty(1000).random_(3, 7)
    >>> sorted(set(x.tolist()))
    [3.0, 4.0, 5.0, 6.0]
    """
    vals = _from_to(args, kw)
    dt = self.dtype
    low, to = int(vals.get("from", 0)), vals.get("to")
    if to is None:
        high_inc = _default_high(dt)
        if "from" in vals and dt.kind not in "uib" and low >= high_inc:
            raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
                               f"casted to dtype, but got from={low} > to_inc={high_inc}")
    else:
        to = int(to)
        if low >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={to}")
        high_inc = to - 1
    _check_range("random_", low, high_inc, dt)
    arr = _uniform_ints(_gen(generator, self.device, "random_"), tuple(self.shape), low, high_inc, dt)
    from . import copy_
    return copy_(self, Tensor._make(arr, None, False))


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, pin_memory=False, memory_format=None):
    """Integers drawn uniformly from [low, high) with the shape of ``input`` (and, by default, its dtype and
    device): ``randint_like(x, high)`` or ``randint_like(x, low, high)``, as PyTorch's (the same bounds checks
    as :meth:`Tensor.random_`).

    Args:
        input: the tensor whose shape (and default dtype and device) to take.
        low: the lowest value (or, without ``high``, the bound: ``randint_like(x, 10)``).
        high: one above the highest value (an int or a 0-d integer tensor).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from (CPU only).
        dtype: the dtype (default: ``input``'s).
        layout: PyTorch's layout: None or ``gpugrad.strided``.
        device: the device (default: ``input``'s).
        requires_grad: make the result a leaf that requires grad (floating dtypes only).
        pin_memory: accepted and ignored, as by the other factories.
        memory_format: None, ``preserve_format`` or ``contiguous_format``.

    Returns:
        A new tensor.

    >>> import gpugrad as gg
    >>> x = gg.randint_like(gg.zeros(2, 3, dtype=gg.int32), 5)
    >>> x.shape, x.dtype, 0 <= x.min().item() and x.max().item() < 5
    (gpugrad.Size([2, 3]), gpugrad.int32, True)
    """
    if high is None:
        low, high = 0, low
    low, high = int(low), int(high)
    dt = _dtype.as_dtype(dtype) or input.dtype
    xp, dev = _xp_dev(device if device is not None else input.device)
    if low >= high:
        raise RuntimeError(f"randint_like expects 'low' to be less than 'high', but got low={low} >= high={high}")
    _check_range("randint_like", low, high - 1, dt)
    arr = _uniform_ints(_gen(generator, dev, "randint_like"), tuple(input.shape), low, high - 1, dt)
    return _finish(arr, xp, requires_grad, "randint_like", None, layout, memory_format)


# -- continuous in-place samplers ---------------------------------------------------------------------------------
def _fill(self, op, arr):
    from . import copy_
    return copy_(self, Tensor._make(arr.astype(self.dtype, copy=False), None, False))


def _float_only(self, op, exc=RuntimeError):
    if not _dtype.is_float(self.dtype):
        raise exc(f"{op}: a continuous distribution needs a floating point tensor, got dtype {self.dtype}")


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """In place: fill with samples of the Cauchy distribution, density
    ``1 / (pi * sigma * (1 + ((x - median) / sigma) ** 2))`` (drawn as ``median + sigma * tan(pi (U - 1/2))``).

    Like ``copy_`` of the samples: refused on a leaf that requires grad while grad mode is on.

    Args:
        median: the location.
        sigma: the scale (> 0).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from, CPU tensors only.

    Returns:
        self, changed in place (a floating point tensor).

    >>> import gpugrad as gg
    >>> x = gg.empty(10001).cauchy_(2.0, generator=gg.Generator().manual_seed(0))
    >>> abs((x < 2.0).float().mean().item() - 0.5) < 0.02     # half of the samples lie below the median
    True
    """
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    _float_only(self, "cauchy_")
    u = _uniform(_gen(generator, self.device, "cauchy_"), tuple(self.shape))
    return _fill(self, "cauchy_", median + sigma * self.xp.tan(math.pi * (u - 0.5)))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """In place: fill with samples of the log-normal distribution: ``exp(N(mean, std ** 2))``.

    Like ``copy_`` of the samples: refused on a leaf that requires grad while grad mode is on.

    Args:
        mean: the mean of the underlying normal distribution.
        std: its standard deviation (> 0).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from, CPU tensors only.

    Returns:
        self, changed in place (a floating point tensor).

    >>> import gpugrad as gg
    >>> bool((gg.empty(100).log_normal_(0.0, 0.5) > 0).all())
    True
    """
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    _float_only(self, "log_normal_", NotImplementedError)
    z = _gen(generator, self.device, "log_normal_").standard_normal(tuple(self.shape), dtype=np.float64)
    return _fill(self, "log_normal_", self.xp.exp(mean + std * z))


def geometric_(self, p, *, generator=None):
    """In place: fill with samples of the geometric distribution on {1, 2, ...}: the number of Bernoulli(p)
    trials up to the first success, ``P(k) = (1 - p) ** (k - 1) * p`` (drawn as
    ``floor(log(U) / log(1 - p)) + 1``, U uniform in (0, 1]). Any dtype but bool, as in PyTorch.

    Like ``copy_`` of the samples: refused on a leaf that requires grad while grad mode is on.

    Args:
        p: the success probability, in (0, 1).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from, CPU tensors only.

    Returns:
        self, changed in place.

    >>> import gpugrad as gg
    >>> bool((gg.empty(100, dtype=gg.int64).geometric_(0.3) >= 1).all())
    True
    """
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    if self.dtype.kind == "b":
        raise NotImplementedError("geometric_: not implemented for bool tensors (as in PyTorch)")
    u = 1.0 - _uniform(_gen(generator, self.device, "geometric_"), tuple(self.shape))
    xp = self.xp
    return _fill(self, "geometric_", xp.floor(xp.log(u) / math.log1p(-p)) + 1)


# -- samplers that return a new tensor --------------------------------------------------------------------------
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples: each element is 1 with probability ``input`` (or ``p``), as ``torch.bernoulli``; the result
    has ``input``'s shape and dtype.

    Args:
        input: the probabilities, in [0, 1] (a floating tensor); with ``p``, only its shape and dtype count.
        p: a probability for every element (a number, or a tensor that broadcasts to ``input``'s shape).
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from (CPU only).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of 0s and 1s (requiring grad, with zero gradient, when ``input`` requires grad).

    >>> import gpugrad as gg
    >>> gg.bernoulli(gg.tensor([0.0, 1.0, 1.0]))
    tensor([0., 1., 1.])
    """
    a = input._data
    if p is None:
        if not _dtype.is_float(a.dtype):
            raise NotImplementedError(f"bernoulli: the probabilities must be a floating point tensor, got dtype "
                                      f"{a.dtype}")
        probs = a
        if _on_cpu(a) and a.size and not bool(((a >= 0) & (a <= 1)).all()):
            raise RuntimeError("bernoulli: expected every probability in [0, 1] (got values outside, or NaN)")
    elif isinstance(p, Tensor):
        probs = p._data
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli expects p to be in [0, 1], but got p={p}")
        probs = p
    u = _uniform(_gen(generator, input.device, "bernoulli"), tuple(input.shape))
    return write_out(_sampled(input, (u < probs).astype(a.dtype)), out, "bernoulli")


def poisson(input, generator=None):
    """Samples of the Poisson distribution with rate ``input`` (elementwise), as ``torch.poisson``: counts, in
    ``input``'s floating dtype.

    Args:
        input: the rates (>= 0), a floating tensor.
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from (CPU only).

    Returns:
        A tensor of ``input``'s shape and dtype (requiring grad, with zero gradient, when ``input`` does).

    >>> import gpugrad as gg
    >>> gg.poisson(gg.tensor([0.0, 0.0]))
    tensor([0., 0.])
    """
    a = input._data
    if not _dtype.is_float(a.dtype):
        raise NotImplementedError(f"poisson: the rates must be a floating point tensor, got dtype {a.dtype}")
    if _on_cpu(a) and a.size and not bool((a >= 0).all()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    xp = input.xp
    lam = a.astype(np.float64)
    inf = xp.isinf(lam)
    counts = _gen(generator, input.device, "poisson").poisson(xp.where(inf, 0.0, lam))
    return _sampled(input, xp.where(inf, np.inf, counts).astype(a.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices drawn with probabilities proportional to each row of ``input`` (weights, not
    necessarily normalized), as ``torch.multinomial``. Without replacement a category is drawn at most once
    per row (in order of drawing; categories of weight 0 only after all the others); with replacement each
    draw is independent.

    Args:
        input: the non-negative weights: a 1-D tensor, or 2-D (one distribution per row), floating point.
        num_samples: draws per row (> 0; at most the number of categories without replacement).
        replacement: draw with replacement.
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from (CPU only).
        out: an optional int64 tensor the result is written into (returned).

    Returns:
        An int64 tensor of shape ``(num_samples,)`` or ``(rows, num_samples)``.

    >>> import gpugrad as gg
    >>> gg.multinomial(gg.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    tensor([1, 1])
    >>> sorted(gg.multinomial(gg.ones(4), 4).tolist())
    [0, 1, 2, 3]
    """
    a, n = input._data, int(num_samples)
    if a.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {tuple(a.shape)}")
    if not _dtype.is_float(a.dtype):
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {a.dtype}")
    if n <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {n})")
    cats = a.shape[-1]
    if not replacement and n > cats:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({n} > {cats})")
    if cats > 2 ** 24:
        raise RuntimeError("multinomial: number of categories cannot exceed 2^24")
    xp = input.xp
    rows = a.reshape(-1, cats).astype(np.float64)
    gen = _gen(generator, input.device, "multinomial")
    if a.size == 0:
        idx = xp.zeros((rows.shape[0], n), dtype=np.int64)
    elif not replacement or n == 1:
        _check_weights(xp, rows, "probability tensor contains either `inf`, `nan` or element < 0", None)
        # PyTorch's algorithm: the n largest of p / E, E ~ Exp(1): sequential draws without replacement
        # (exp of the Gumbel-max trick); weight-0 categories come last
        keys = rows / -xp.log1p(-_uniform(gen, rows.shape))
        idx = xp.argsort(-keys, axis=1, kind="stable")[:, :n]
    else:
        _check_weights(xp, rows, "invalid multinomial distribution (encountering probability entry < 0)",
                       "invalid multinomial distribution (encountering probability entry = infinity or NaN)")
        cdf = xp.cumsum(rows, axis=1)
        u = _uniform(gen, (rows.shape[0], n)) * cdf[:, -1:]
        idx = xp.stack([xp.searchsorted(cdf[r], u[r], side="right") for r in range(rows.shape[0])])
        # rounding can put u at or past the last positive weight's cdf: clamp to that category
        last = cats - 1 - xp.argmax(rows[:, ::-1] > 0, axis=1)
        idx = xp.minimum(idx, last[:, None]).astype(np.int64)
    res = Tensor._make(idx.reshape((n,) if a.ndim == 1 else (a.shape[0], n)).astype(np.int64), None, False)
    return write_out(res, out, "multinomial")


def _check_weights(xp, rows, bad_msg, nonfinite_msg):
    """PyTorch's checks of multinomial's weights: finite, >= 0, and a positive sum in every row (a host sync,
    as PyTorch's CPU checks)."""
    if nonfinite_msg is None:
        ok = bool(xp.isfinite(rows).all()) and bool((rows >= 0).all())
        if not ok:
            raise RuntimeError(f"multinomial: {bad_msg}")
    else:
        if bool((rows < 0).any()):
            raise RuntimeError(f"multinomial: {bad_msg}")
        if not bool(xp.isfinite(rows).all()):
            raise RuntimeError(f"multinomial: {nonfinite_msg}")
    if bool((rows.sum(axis=1) <= 0).any()):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")


def _method_bernoulli(self, p=None, *, generator=None):
    """Samples 0/1 with probability ``self`` (or ``p``); see :func:`gpugrad.bernoulli`.

    Args:
        p: a probability for every element (a number or a tensor), instead of ``self``'s values.
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from (CPU only).

    Returns:
        A tensor of 0s and 1s of ``self``'s shape and dtype.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0, 0.0]).bernoulli()
    tensor([1., 0.])
    """
    return bernoulli(self, p, generator=generator)


def _method_multinomial(self, num_samples, replacement=False, *, generator=None):
    """Category indices drawn from the weights in ``self``; see :func:`gpugrad.multinomial`.

    Args:
        num_samples: draws per row.
        replacement: draw with replacement.
        generator: a ``gpugrad.Generator`` (or ``numpy.random.Generator``) to draw from (CPU only).

    Returns:
        An int64 tensor.

    >>> import gpugrad as gg
    >>> gg.tensor([0.0, 2.0]).multinomial(1)
    tensor([1])
    """
    return multinomial(self, num_samples, replacement, generator=generator)


#: the Tensor methods of this family (merged into Tensor by methods.py)
RANDOM_METHODS = dict(random_=random_, cauchy_=cauchy_, log_normal_=log_normal_, geometric_=geometric_,
                      bernoulli=_method_bernoulli, multinomial=_method_multinomial)
