"""The regularized incomplete gamma functions: ``igamma`` P(a, x) (``special.gammainc``) and ``igammac``
Q(a, x) = 1 - P(a, x) (``special.gammaincc``), as PyTorch's ``torch.igamma``/``torch.igammac``, with their
in-place methods. Written against ``xp`` only (NumPy or CuPy, no SciPy) and evaluated in float64;
differentiable in ``x`` only, as in PyTorch (the derivative in ``a`` raises NotImplementedError).
:mod:`gpugrad.distributions` (Gamma.cdf) records the same op."""
from __future__ import annotations

from ..autograd.op import Op
from ..backend import special_fns
from ..tensor import Tensor
from ._util import unbroadcast
from .arithmetic import promote_pair


def _f64(xp, x):
    return x.astype(xp.float64) if x.dtype != xp.float64 else x


def _lgamma_array(xp, x):
    return special_fns.call("lgamma", xp, x)


def igamma_array(xp, a, x, upper=False):
    """P(a, x) (``upper``: Q(a, x)) in float64, cast back to the inputs' dtype: the series
    e^-x x^a / Gamma(a+1) sum_n x^n / ((a+1)...(a+n)) for x < a + 1, else Q's continued fraction (modified
    Lentz), each run a fixed number of vectorized steps (converged well before); the other function is one
    minus the one computed, which keeps the small one accurate. Edges as PyTorch: NaN for a < 0 or x < 0 or
    a = x = 0; P(0, x > 0) = 1, P(a, 0) = 0, P(a, inf) = 1, P(inf, x) = 0."""
    dt = xp.result_type(a, x)
    a = _f64(xp, xp.asarray(a))
    x = _f64(xp, xp.asarray(x))
    a, x = xp.broadcast_arrays(a, x)
    ok = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    af = xp.where(ok, a, 1.0)
    xf = xp.where(ok, x, 1.0)
    use_series = xf < af + 1
    xs = xp.where(use_series, xf, 0.0)
    log_front = af * xp.log(xf) - xf - _lgamma_array(xp, af)
    # series (x small): sum_n x^n / ((a+1)...(a+n)), times e^-x x^a / Gamma(a+1) = front / a
    term = xp.ones_like(af)
    total = xp.ones_like(af)
    for n in range(1, 400):
        term = term * xs / (af + n)
        total = total + term
    p_series = xp.exp(log_front) * total / af
    # continued fraction (x large): Q = front / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...))
    xc = xp.where(use_series, af + 2.0, xf)
    tiny = 1e-300
    b = xc + 1 - af
    c = xp.full_like(af, 1 / tiny)
    d = 1 / b
    h = d
    for i in range(1, 400):
        an = -i * (i - af)
        b = b + 2
        d = an * d + b
        d = xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        d = 1 / d
        h = h * d * c
    q_cf = xp.exp(af * xp.log(xc) - xc - _lgamma_array(xp, af)) * h
    p = xp.where(use_series, p_series, 1 - q_cf)
    q = xp.where(use_series, 1 - p_series, q_cf)
    out = q if upper else p
    one, zero = (0.0, 1.0) if upper else (1.0, 0.0)      # the values of P at its limits (Q: swapped)
    out = xp.where(ok, out, xp.nan)
    out = xp.where((a == 0) & (x > 0), one, out)           # P(0, x) = 1 (the limit a -> 0+)
    out = xp.where((a > 0) & (x == 0), zero, out)
    out = xp.where((a >= 0) & xp.isinf(x) & (x > 0) & ~xp.isinf(a), one, out)
    out = xp.where(xp.isinf(a) & (a > 0) & (x >= 0) & ~xp.isinf(x), zero, out)
    return out.astype(dt, copy=False)


_NO_GRAD_A = "the derivative for 'igamma: input' is not implemented."


class Igamma(Op):
    """out = P(a, x) (``upper``: Q(a, x)); dP/dx = x^(a-1) e^-x / Gamma(a) = -dQ/dx, no derivative in a."""

    def forward(self, a, x, upper=False):
        self.save_for_backward(a, x)
        self.upper = upper
        if upper:
            self._node_name = "Igammac"
        return igamma_array(self.xp, a, x, upper)

    def _dx(self, g):
        a, x = self.saved
        if isinstance(a, Tensor):
            from .umath_unary import lgamma
            lg = lgamma(a)
        else:
            lg = _lgamma_array(self.xp, a)
        d = g * self.xp.exp((a - 1) * self.xp.log(x) - x - lg)
        return -d if self.upper else d

    def backward(self, g):
        if self.needs_input_grad[0]:
            raise NotImplementedError(_NO_GRAD_A.replace("igamma", "igammac") if self.upper else _NO_GRAD_A)
        return None, unbroadcast(self._dx(g), tuple(self.saved[1].shape))    # summed where a broadcast x

    def jvp(self, ta, tx, *rest):
        if ta is not None:
            raise NotImplementedError(_NO_GRAD_A)
        return None if tx is None else self._dx(tx)


def _check(name, input, other):
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        bad, pos = (("input", 1), input) if not isinstance(input, Tensor) else (("other", 2), other)
        raise TypeError(f"{name}(): argument '{bad[0]}' (position {bad[1]}) must be Tensor, not "
                        f"{type(pos).__name__}")
    a, x = promote_pair(input, other) if input.dtype != other.dtype else (input, other)
    if a.dtype.kind not in "f":
        kind = {"i": "Long", "u": "Byte", "b": "Bool"}.get(a.dtype.kind, str(a.dtype))
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{kind}\'')
    return a, x


def igamma(input, other, *, out=None):
    """The regularized lower incomplete gamma function P(a, x) = 1/Gamma(a) int_0^x t^(a-1) e^-t dt,
    elementwise with broadcasting (PyTorch's ``torch.igamma``, ``torch.special.gammainc``).

    Args:
        input: a, the tensor of (non-negative) shape parameters; no gradient flows to it (as in PyTorch).
        other: x, the tensor of (non-negative) upper limits.
        out: an optional tensor the result is written into (returned).

    Returns:
        A float tensor of the broadcast shape (NaN where a < 0, x < 0 or a = x = 0).

    >>> import gpugrad as gg
    >>> gg.igamma(gg.tensor([1.0, 2.0]), gg.tensor([1.0, 0.5]))
    tensor([0.6321, 0.0902])
    """
    a, x = _check("igamma", input, other)
    res = Igamma.apply(a, x, False)
    return res if out is None else out.copy_(res.detach() if res.requires_grad else res)


def igammac(input, other, *, out=None):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), elementwise with broadcasting
    (PyTorch's ``torch.igammac``, ``torch.special.gammaincc``); accurate where Q is tiny.

    Args:
        input: a, the tensor of (non-negative) shape parameters; no gradient flows to it (as in PyTorch).
        other: x, the tensor of (non-negative) lower limits.
        out: an optional tensor the result is written into (returned).

    Returns:
        A float tensor of the broadcast shape.

    >>> import gpugrad as gg
    >>> gg.igammac(gg.tensor([1.0, 2.0]), gg.tensor([1.0, 0.5]))
    tensor([0.3679, 0.9098])
    """
    a, x = _check("igammac", input, other)
    res = Igamma.apply(a, x, True)
    return res if out is None else out.copy_(res.detach() if res.requires_grad else res)


def _inplace(fn, name):
    def method(self, other):
        from . import copy_
        return copy_(self, fn(self, other))       # (a float result casts to self's float dtype, as PyTorch)
    method.__name__, method.__qualname__ = name, f"Tensor.{name}"
    method.__doc__ = f"""In place: ``self`` becomes :func:`gpugrad.{name[:-1]}` (self, other); returns it.

    Args:
        other: the tensor of the second argument (broadcast to self's shape).

    Returns:
        This tensor.

    >>> import gpugrad as gg
    >>> gg.tensor([1.0]).{name}(gg.tensor([0.0]))
    tensor([{'0.' if name == 'igamma_' else '1.'}])
    """
    return method


igamma_ = _inplace(igamma, "igamma_")
igammac_ = _inplace(igammac, "igammac_")

IGAMMA_METHODS = dict(igamma=igamma, igammac=igammac, igamma_=igamma_, igammac_=igammac_)
