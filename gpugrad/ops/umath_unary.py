"""PyTorch's unary elementwise math beyond exp/log/trig: inverse trig and hyperbolic functions, erfc/erfinv,
exp2/log2/log10, the gamma family (lgamma, digamma, polygamma, mvlgamma), the modified Bessel functions, sinc,
logit, and the small ones (frac, trunc, sgn, deg2rad, nan_to_num, isinf...). Each op's derivative sits beside
its forward with the math in a comment, following PyTorch's conventions (derivatives.yaml). The special
functions NumPy lacks come from :mod:`gpugrad.backend.special_fns`."""
from __future__ import annotations

import math

from ..autograd.op import Op
from ..tensor import Tensor
from ..backend import special_fns
from .elementwise import _unary
from . import _TensorNamespace, sign, neg, mul, div, where, isnan, _rounded, _out

_SQRT_PI = math.sqrt(math.pi)


def _sf(name, xp, *args):
    """Special function ``name`` of raw arrays, or (in a graph-mode backward, on Tensors) its recorded op."""
    if isinstance(args[-1], Tensor):
        return globals()[name](*args) if name != "polygamma" else polygamma(int(args[0]), args[1])
    return special_fns.call(name, xp, *args)


class _Unary(Op, register=False):
    """y = f(x), saving x; backward multiplies by ``df(xp, x)``. A diagonal Jacobian is its own transpose, so
    the forward-mode tangent is backward's product too."""

    def forward(self, x):
        self.save_for_backward(x)
        return self.f(self.xp, x)

    def backward(self, g):
        (x,) = self.saved
        return g * self.df(self.xp, x)

    def jvp(self, t):
        return self.backward(t)


class Acos(_Unary):
    f = staticmethod(lambda xp, x: xp.arccos(x))
    df = staticmethod(lambda xp, x: -1 / xp.sqrt(1 - x * x))           # acos' = -1/sqrt(1 - x^2)


class Asin(_Unary):
    f = staticmethod(lambda xp, x: xp.arcsin(x))
    df = staticmethod(lambda xp, x: 1 / xp.sqrt(1 - x * x))            # asin' = 1/sqrt(1 - x^2)


class Atan(_Unary):
    f = staticmethod(lambda xp, x: xp.arctan(x))
    df = staticmethod(lambda xp, x: 1 / (1 + x * x))                   # atan' = 1/(1 + x^2)


class Acosh(_Unary):
    f = staticmethod(lambda xp, x: xp.arccosh(x))
    df = staticmethod(lambda xp, x: 1 / xp.sqrt(x * x - 1))            # acosh' = 1/sqrt(x^2 - 1)


class Asinh(_Unary):
    f = staticmethod(lambda xp, x: xp.arcsinh(x))
    df = staticmethod(lambda xp, x: 1 / xp.sqrt(x * x + 1))            # asinh' = 1/sqrt(x^2 + 1)


class Atanh(_Unary):
    f = staticmethod(lambda xp, x: xp.arctanh(x))
    df = staticmethod(lambda xp, x: 1 / (1 - x * x))                   # atanh' = 1/(1 - x^2)


class Cosh(_Unary):
    f = staticmethod(lambda xp, x: xp.cosh(x))
    df = staticmethod(lambda xp, x: xp.sinh(x))                        # cosh' = sinh


class Sinh(_Unary):
    f = staticmethod(lambda xp, x: xp.sinh(x))
    df = staticmethod(lambda xp, x: xp.cosh(x))                        # sinh' = cosh


def _via_f64(xp, f, x):
    """f(x) evaluated in float64 and rounded, for float32 and narrower: NumPy's float32 log2/log10 loops are off
    by up to 2 ulps (log10(100) = 2.0000002), PyTorch's give the exact powers."""
    if x.dtype.itemsize < 8:
        return f(x.astype(xp.float64)).astype(x.dtype)
    return f(x)


class Log2(_Unary):
    f = staticmethod(lambda xp, x: _via_f64(xp, xp.log2, x))
    df = staticmethod(lambda xp, x: 1 / (x * math.log(2.0)))           # log2' = 1/(x ln 2)


class Log10(_Unary):
    f = staticmethod(lambda xp, x: _via_f64(xp, xp.log10, x))
    df = staticmethod(lambda xp, x: 1 / (x * math.log(10.0)))          # log10' = 1/(x ln 10)


class Erfc(_Unary):
    f = staticmethod(lambda xp, x: _sf("erfc", xp, x))
    df = staticmethod(lambda xp, x: (-2 / _SQRT_PI) * xp.exp(-x * x))  # erfc' = -2/sqrt(pi) e^(-x^2)


class Lgamma(_Unary):
    f = staticmethod(lambda xp, x: _sf("lgamma", xp, x))
    df = staticmethod(lambda xp, x: _sf("digamma", xp, x))             # lgamma' = digamma


class Digamma(_Unary):
    f = staticmethod(lambda xp, x: _sf("digamma", xp, x))
    df = staticmethod(lambda xp, x: _sf("polygamma", xp, _full(xp, x, 1), x))   # psi' = psi^(1)


def _full(xp, like, v):
    return v if isinstance(like, Tensor) else xp.full(like.shape, v, like.dtype)


class Polygamma(Op):
    """psi^(n)(x), the n-th derivative of digamma (n a Python int, not differentiated)."""

    def forward(self, x, n):
        self.n = n
        self.save_for_backward(x)
        return _sf("polygamma", self.xp, _full(self.xp, x, n), x)

    def backward(self, g):          # d/dx psi^(n)(x) = psi^(n+1)(x)
        (x,) = self.saved
        return g * _sf("polygamma", self.xp, _full(self.xp, x, self.n + 1), x)

    def jvp(self, t, *_):
        return self.backward(t)


class I0(_Unary):
    f = staticmethod(lambda xp, x: _sf("i0", xp, x))
    df = staticmethod(lambda xp, x: _sf("i1", xp, x))                  # I0' = I1


class I0e(_Unary):
    _node_name = "SpecialI0E"      # torch.special's node
    f = staticmethod(lambda xp, x: _sf("i0e", xp, x))
    df = staticmethod(lambda xp, x: _sf("i1e", xp, x) - xp.sign(x) * _sf("i0e", xp, x))  # (e^-|x| I0)'


class I1(_Unary):
    _node_name = "SpecialI1"      # torch.special's node
    f = staticmethod(lambda xp, x: _sf("i1", xp, x))

    @staticmethod
    def df(xp, x):                  # I1' = I0 - I1/x, 1/2 at x = 0
        return xp.where(x == 0, 0.5, _sf("i0", xp, x) - _sf("i1", xp, x) / xp.where(x == 0, 1, x))


class I1e(_Unary):
    _node_name = "SpecialI1E"      # torch.special's node
    f = staticmethod(lambda xp, x: _sf("i1e", xp, x))

    @staticmethod
    def df(xp, x):                  # (e^-|x| I1)' = I0e - I1e (sgn x + 1/x), 1/2 at x = 0
        safe = xp.where(x == 0, 1, x)
        return xp.where(x == 0, 0.5, _sf("i0e", xp, x) - _sf("i1e", xp, x) * (xp.sign(x) + 1 / safe))


class Erfcx(_Unary):
    _node_name = "SpecialErfcx"      # torch.special's node
    f = staticmethod(lambda xp, x: _sf("erfcx", xp, x))
    df = staticmethod(lambda xp, x: 2 * x * _sf("erfcx", xp, x) - 2 / _SQRT_PI)  # (e^x^2 erfc x)' = 2x y - 2/sqrt(pi)


class LogNdtr(_Unary):
    _node_name = "SpecialLogNdtr"      # torch.special's node
    f = staticmethod(lambda xp, x: _sf("log_ndtr", xp, x))
    # (log Phi)' = phi/Phi = e^(-x^2/2 - log Phi) / sqrt(2 pi)
    df = staticmethod(lambda xp, x: xp.exp(-(_sf("log_ndtr", xp, x) + x * x / 2)) / math.sqrt(2 * math.pi))


class Sinc(_Unary):
    f = staticmethod(lambda xp, x: xp.sinc(x))

    @staticmethod
    def df(xp, x):                  # (sin(pi x)/(pi x))' = (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x = 0
        px = math.pi * xp.where(x == 0, 1, x)
        return xp.where(x == 0, 0, (px * xp.cos(px) - xp.sin(px)) / (px * xp.where(x == 0, 1, x)))


class _SavesOut(Op, register=False):
    """y = f(x), saving y: backward multiplies by ``df(xp, y)``."""

    def forward(self, x):
        y = self.f(self.xp, x)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return g * self.df(self.xp, y)

    def jvp(self, t):
        return self.backward(t)


class Exp2(_SavesOut):
    f = staticmethod(lambda xp, x: xp.exp2(x))
    df = staticmethod(lambda xp, y: y * math.log(2.0))                 # (2^x)' = 2^x ln 2


class Erfinv(_SavesOut):
    f = staticmethod(lambda xp, x: _sf("erfinv", xp, x))
    df = staticmethod(lambda xp, y: (_SQRT_PI / 2) * xp.exp(y * y))    # erfinv' = sqrt(pi)/2 e^(y^2)


class Ndtri(_SavesOut):
    _node_name = "SpecialNdtri"      # torch.special's node
    f = staticmethod(lambda xp, x: _sf("ndtri", xp, x))
    df = staticmethod(lambda xp, y: math.sqrt(2 * math.pi) * xp.exp(y * y / 2))   # 1/phi(y)


class Entr(_Unary):
    _node_name = "SpecialEntr"      # torch.special's node
    @staticmethod
    def f(xp, x):                   # -x log x; 0 at x = 0, -inf for x < 0 (PyTorch)
        pos = xp.where(x > 0, x, 1)
        return xp.where(x > 0, -x * xp.log(pos), xp.where(x == 0, 0, xp.where(x < 0, -math.inf, x))).astype(
            x.dtype, copy=False)

    df = staticmethod(lambda xp, x: -(1 + xp.log(x)))                  # (-x log x)' = -(1 + log x)


class Logit(Op):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given."""

    def forward(self, x, eps=None):
        xp = self.xp
        self.eps = eps
        self.save_for_backward(x)
        z = x if eps is None else xp.clip(x, eps, 1 - eps)
        return xp.log(z / (1 - z))

    def backward(self, g):          # logit' = 1/(x (1 - x)); PyTorch: 0 outside [eps, 1 - eps], nan outside [0, 1]
        (x,) = self.saved
        xp = self.xp
        eps = self.eps
        d = g / (x * (1 - x))
        if eps is None:
            return xp.where((x < 0) | (x > 1), math.nan, d)
        return xp.where((x < eps) | (x > 1 - eps), 0, d)

    def jvp(self, t, *_):
        return self.backward(t)


class NanToNum(Op):
    """nan, +inf and -inf replaced by numbers; the gradient passes where x is finite, 0 elsewhere."""

    def forward(self, x, nan, posinf, neginf):
        xp = self.xp
        self.save_for_backward(x)
        if x.dtype.kind not in "fc":
            return x.copy()
        info = xp.finfo(x.dtype)
        r = xp.where(xp.isnan(x), nan, x)
        r = xp.where(r == math.inf, info.max if posinf is None else posinf, r)
        return xp.where(r == -math.inf, info.min if neginf is None else neginf, r).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        return self.xp.where(self.xp.isfinite(x), g, 0)

    def jvp(self, t, *_):
        return self.backward(t)


# -- graph-mode backward: the tensor namespace's twins of the NumPy functions the formulas above call -------------
def _register_namespace():
    for np_name, fn in dict(arccos=acos, arcsin=asin, arctan=atan, arccosh=acosh, arcsinh=asinh, arctanh=atanh,
                            cosh=cosh, sinh=sinh, exp2=exp2, log2=log2, log10=log10, sinc=sinc,
                            trunc=trunc).items():
        setattr(_TensorNamespace, np_name, staticmethod(fn))


# -- the public functions ------------------------------------------------------------------------------------------
_DOC = """{what}, elementwise.

Args:
    input: the input tensor (integer and bool inputs give the default float dtype).
    out: an optional tensor the result is written into (returned).

Returns:
    A floating tensor of ``input``'s shape.

>>> import gpugrad as gg
>>> gg.{ns}{name}(gg.tensor({x}))
{y}
"""


def _public(cls, name, what, x, y):
    fn = _unary(cls, "")
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = __name__            # (doctest collects it here)
    fn.__doc__ = _DOC.format(what=what, name=name, x=x, y=y,
                             ns="special." if name in ("i0e", "i1", "i1e", "erfcx", "log_ndtr", "ndtri", "entr") else "")
    return fn


acos = _public(Acos, "acos", "The inverse cosine (radians)", "[1.0, 0.0]", "tensor([0.0000, 1.5708])")
asin = _public(Asin, "asin", "The inverse sine (radians)", "[1.0, 0.0]", "tensor([1.5708, 0.0000])")
atan = _public(Atan, "atan", "The inverse tangent (radians)", "[1.0, 0.0]", "tensor([0.7854, 0.0000])")
acosh = _public(Acosh, "acosh", "The inverse hyperbolic cosine", "[1.0, 2.0]", "tensor([0.0000, 1.3170])")
asinh = _public(Asinh, "asinh", "The inverse hyperbolic sine", "[0.0, 1.0]", "tensor([0.0000, 0.8814])")
atanh = _public(Atanh, "atanh", "The inverse hyperbolic tangent", "[0.0, 0.5]", "tensor([0.0000, 0.5493])")
cosh = _public(Cosh, "cosh", "The hyperbolic cosine", "[0.0, 1.0]", "tensor([1.0000, 1.5431])")
sinh = _public(Sinh, "sinh", "The hyperbolic sine", "[0.0, 1.0]", "tensor([0.0000, 1.1752])")
log2 = _public(Log2, "log2", "The base-2 logarithm", "[1.0, 8.0]", "tensor([0., 3.])")
log10 = _public(Log10, "log10", "The base-10 logarithm", "[1.0, 100.0]", "tensor([0., 2.])")
exp2 = _public(Exp2, "exp2", "2 ** x", "[0.0, 3.0]", "tensor([1., 8.])")
erfc = _public(Erfc, "erfc", "The complementary error function 1 - erf(x)", "[0.0, 10.0]",
               "tensor([1.0000e+00, 1.4013e-45])")
erfinv = _public(Erfinv, "erfinv", "The inverse error function (nan outside [-1, 1])", "[0.0, 0.5]",
                 "tensor([0.0000, 0.4769])")
lgamma = _public(Lgamma, "lgamma", "log |Gamma(x)| (inf at the poles 0, -1, -2...)", "[0.5, 3.0]",
                 "tensor([0.5724, 0.6931])")
digamma = _public(Digamma, "digamma", "The digamma function psi(x) = Gamma'(x)/Gamma(x)", "[1.0, 0.5]",
                  "tensor([-0.5772, -1.9635])")
i0 = _public(I0, "i0", "The modified Bessel function of the first kind of order 0", "[0.0, 1.0]",
             "tensor([1.0000, 1.2661])")
i0e = _public(I0e, "i0e", "e^-|x| I0(x), the exponentially scaled modified Bessel function of order 0",
              "[0.0, 1.0]", "tensor([1.0000, 0.4658])")
i1 = _public(I1, "i1", "The modified Bessel function of the first kind of order 1", "[0.0, 1.0]",
             "tensor([0.0000, 0.5652])")
i1e = _public(I1e, "i1e", "e^-|x| I1(x), the exponentially scaled modified Bessel function of order 1",
              "[0.0, 1.0]", "tensor([0.0000, 0.2079])")
erfcx = _public(Erfcx, "erfcx", "The scaled complementary error function e^(x^2) erfc(x)", "[0.0, 10.0]",
                "tensor([1.0000, 0.0561])")
log_ndtr = _public(LogNdtr, "log_ndtr", "The log of the standard normal CDF, accurate in both tails",
                   "[0.0, -10.0]", "tensor([ -0.6931, -53.2313])")
ndtri = _public(Ndtri, "ndtri", "The inverse of the standard normal CDF", "[0.5, 0.975]",
                "tensor([0.0000, 1.9600])")
entr = _public(Entr, "entr", "The entropy term -x log(x) (0 at x = 0, -inf for x < 0)", "[0.0, 0.5]",
               "tensor([0.0000, 0.3466])")
sinc = _public(Sinc, "sinc", "The normalized sinc sin(pi x)/(pi x) (1 at x = 0)", "[0.0, 0.5]",
               "tensor([1.0000, 0.6366])")
arccos, arcsin, arctan, arccosh, arcsinh, arctanh = acos, asin, atan, acosh, asinh, atanh


def reciprocal(input, *, out=None):
    """1 / x, elementwise (integer inputs give the default float dtype; 1 / 0 is inf).

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A floating tensor of ``input``'s shape; its gradient is ``-grad / x ** 2``.

    >>> import gpugrad as gg
    >>> gg.reciprocal(gg.tensor([2.0, -4.0]))
    tensor([ 0.5000, -0.2500])
    """
    return _out(div(1.0, input), out, "reciprocal")


def polygamma(n, input, *, out=None):
    """The n-th derivative of the digamma function, psi^(n)(x), elementwise (``polygamma(0, x)`` is digamma).

    Args:
        n: the order, an int >= 0.
        input: the input tensor (integer and bool inputs give the default float dtype).
        out: an optional tensor the result is written into (returned).

    Returns:
        A floating tensor of ``input``'s shape, differentiable in ``input``.

    >>> import gpugrad as gg
    >>> gg.polygamma(1, gg.tensor([1.0, 2.0]))
    tensor([1.6449, 0.6449])
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n or a non-int n, got n={n!r}")
    x = _as_float(input)
    return _out(Polygamma.apply(x, n), out, "polygamma")


def _as_float(x):
    if x._data.dtype.kind in "iub":      # as in PyTorch, integers and bools give the default float dtype
        from .. import _dtype
        return x.to(_dtype.get_default_dtype())
    return x


def ndtr(input, *, out=None):
    """The standard normal CDF Phi(x) = erfc(-x / sqrt 2) / 2, elementwise (accurate in the lower tail).

    Args:
        input: the input tensor (integer and bool inputs give the default float dtype).
        out: an optional tensor the result is written into (returned).

    Returns:
        A floating tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.special.ndtr(gg.tensor([0.0, 1.959964]))
    tensor([0.5000, 0.9750])
    """
    return _out(mul(erfc(mul(_as_float(input), -math.sqrt(0.5))), 0.5), out, "ndtr")


def mvlgamma(input, p, *, out=None):
    """The multivariate log-gamma function of dimension p: p(p-1)/4 log(pi) + sum_j lgamma(x - j/2),
    elementwise (defined for x > (p - 1)/2; as in PyTorch, other values are not refused).

    Args:
        input: the input tensor.
        p: the dimension, an int >= 1.
        out: an optional tensor the result is written into (returned).

    Returns:
        A floating tensor of ``input``'s shape, differentiable in ``input``.

    >>> import gpugrad as gg
    >>> gg.mvlgamma(gg.tensor([2.5, 3.0]), 2)
    tensor([0.8570, 1.5502])
    """
    if not isinstance(p, int) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p!r}")
    x = _as_float(input)
    from ..factories import arange
    from .shape import unsqueeze
    j = arange(p, dtype=x.dtype, device=x.device) * -0.5
    r = lgamma(unsqueeze(x, -1) + j).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)
    return _out(r, out, "mvlgamma")


def logit(input, eps=None, *, out=None):
    """log(x / (1 - x)), elementwise: the inverse of sigmoid. With ``eps``, x is first clamped to
    [eps, 1 - eps] (and the gradient is 0 outside that range).

    Args:
        input: the input tensor (probabilities).
        eps: the clamp margin, or None (no clamp: nan outside [0, 1]).
        out: an optional tensor the result is written into (returned).

    Returns:
        A floating tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.logit(gg.tensor([0.5, 0.75]))
    tensor([0.0000, 1.0986])
    """
    return _out(Logit.apply(_as_float(input), eps), out, "logit")


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """nan, +inf and -inf replaced by finite numbers, elementwise (the dtype's largest and smallest finite
    values for the infinities by default). Integer tensors pass unchanged.

    Args:
        input: the input tensor.
        nan: the value for nan.
        posinf: the value for +inf (default: the dtype's max).
        neginf: the value for -inf (default: the dtype's min).
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape and dtype; the gradient passes where the input is finite.

    >>> import gpugrad as gg
    >>> gg.nan_to_num(gg.tensor([float("nan"), 1.0, float("inf")]), posinf=9.0)
    tensor([0., 1., 9.])
    """
    return _out(NanToNum.apply(input, nan, posinf, neginf), out, "nan_to_num")


def trunc(input, *, out=None):
    """Each element rounded toward zero (its derivative is 0 wherever it exists). Integers pass unchanged.

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape and dtype.

    >>> import gpugrad as gg
    >>> gg.trunc(gg.tensor([-1.7, 1.7]))
    tensor([-1.,  1.])
    """
    if input.dtype.kind == "b":
        raise NotImplementedError('"trunc" not implemented for bool tensors (as in PyTorch)')
    return _out(_rounded(input, "trunc"), out, "trunc")


fix = trunc


def frac(input, *, out=None):
    """The fractional part ``x - trunc(x)``, elementwise (its gradient is 1).

    Args:
        input: a floating tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape and dtype.

    >>> import gpugrad as gg
    >>> gg.frac(gg.tensor([-1.5, 2.25]))
    tensor([-0.5000,  0.2500])
    """
    if input.dtype.kind != "f":
        raise NotImplementedError(f'"frac_cpu" not implemented for {input.dtype} (frac takes floating tensors)')
    return _out(_rounded(input, "frac"), out, "frac")


def sgn(input, *, out=None):
    """The sign of each element (-1, 0 or 1; for real tensors the same as :func:`gpugrad.sign`).

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape and dtype.

    >>> import gpugrad as gg
    >>> gg.sgn(gg.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    if input.dtype.kind == "b":
        return _out(input.clone(), out, "sgn")
    r = sign(input)
    if input.dtype.kind == "f":       # PyTorch's sgn(nan) is 0
        r = where(isnan(input), 0.0, r)
    return _out(r, out, "sgn")


def positive(input):
    """``input`` itself (PyTorch's unary plus); bool tensors are refused.

    Args:
        input: the input tensor.

    Returns:
        ``input``.

    >>> import gpugrad as gg
    >>> gg.positive(gg.tensor([-1.0, 2.0]))
    tensor([-1.,  2.])
    """
    if input.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def negative(input, *, out=None):
    """``-x``, elementwise (:func:`gpugrad.neg`).

    Args:
        input: the input tensor.
        out: an optional tensor the result is written into (returned).

    Returns:
        A tensor of ``input``'s shape and dtype.

    >>> import gpugrad as gg
    >>> gg.negative(gg.tensor([-1.0, 2.0]))
    tensor([ 1., -2.])
    """
    if input.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return neg(input, out=out)


def deg2rad(input, *, out=None):
    """Degrees to radians, elementwise (x * pi / 180).

    Args:
        input: the input tensor (integers give the default float dtype).
        out: an optional tensor the result is written into (returned).

    Returns:
        A floating tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.deg2rad(gg.tensor([180.0, 90.0]))
    tensor([3.1416, 1.5708])
    """
    return _out(mul(_as_float(input), math.pi / 180), out, "deg2rad")


def rad2deg(input, *, out=None):
    """Radians to degrees, elementwise (x * 180 / pi).

    Args:
        input: the input tensor (integers give the default float dtype).
        out: an optional tensor the result is written into (returned).

    Returns:
        A floating tensor of ``input``'s shape.

    >>> import gpugrad as gg
    >>> gg.rad2deg(gg.tensor([3.141592653589793, 1.0]))
    tensor([180.0000,  57.2958])
    """
    return _out(mul(_as_float(input), 180 / math.pi), out, "rad2deg")


def _predicate(name, f, doc, out_arg=True):
    if out_arg:
        def op(input, *, out=None):
            return _out(Tensor._make(f(input.xp, input._data), None, False), out, name)
    else:
        def op(input):
            return Tensor._make(f(input.xp, input._data), None, False)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _flt(xp, x, f):
    return f(x) if x.dtype.kind in "fc" else xp.zeros(x.shape, bool)


_PRED = """Whether each element {what} (no gradient).

Args:
    input: the input tensor.{out}

Returns:
    A bool tensor of ``input``'s shape.

>>> import gpugrad as gg
>>> gg.{name}(gg.tensor([float("-inf"), -1.0, 0.0, float("inf")]))
{y}
"""
_OUT = "\n    out: an optional bool tensor the result is written into (returned)."
isinf = _predicate("isinf", lambda xp, x: _flt(xp, x, xp.isinf), _PRED.format(
    what="is +inf or -inf", name="isinf", y="tensor([ True, False, False,  True])", out=""), out_arg=False)
isposinf = _predicate("isposinf", lambda xp, x: _flt(xp, x, lambda a: a == math.inf), _PRED.format(
    what="is +inf", name="isposinf", y="tensor([False, False, False,  True])", out=_OUT))
isneginf = _predicate("isneginf", lambda xp, x: _flt(xp, x, lambda a: a == -math.inf), _PRED.format(
    what="is -inf", name="isneginf", y="tensor([ True, False, False, False])", out=_OUT))
isreal = _predicate("isreal", lambda xp, x: x.imag == 0 if x.dtype.kind == "c" else xp.ones(x.shape, bool),
                    _PRED.format(what="is real (imaginary part 0; always true for real dtypes)", name="isreal",
                                 y="tensor([True, True, True, True])", out=""), out_arg=False)
signbit = _predicate("signbit", lambda xp, x: xp.signbit(x) if x.dtype.kind == "f" else x < 0, _PRED.format(
    what="has its sign bit set (negative, -0.0 and -inf included)", name="signbit",
    y="tensor([ True,  True, False, False])", out=_OUT))


_register_namespace()
