"""N-d convolution as two recorded ops: ``Convolution`` (PyTorch's ``aten::convolution``: the plain correlation and
its adjoint, the transposed convolution, plus a bias) and ``ConvolutionWeight`` (the weight's gradient, recorded so
that second derivatives flow), each written once against ``xp`` on raw arrays.

One geometry describes both directions. An *image* of spatial size I and a *response* of size R are linked by a
kernel of size k with stride s, dilation d and ``lo`` zeros before the image:

    response[n, o, r] = sum_{c, j} w[o, c, j] * image_padded[n, c, r*s + j*d]      (per group)

A convolution maps image -> response (``correlate``); a transposed convolution is its adjoint, response -> image
(``scatter``); the weight's gradient pairs an image with a response (``weight_grad``). The three are each other's
derivatives, which is why the backward of every op below is written with the other two:

    y = correlate(x, w):  dx = scatter(dy, w),        dw = weight_grad(x, dy)
    x = scatter(y, w):    dy = correlate(dx, w),      dw = weight_grad(dx, y)
    w = weight_grad(x, y): dx = scatter(y, dw),        dy = correlate(x, dw)

``correlate`` reads the windows as a strided view (im2col without a Python loop) and multiplies per group;
``scatter`` multiplies first, then adds the prod(k) kernel taps back into place (col2im), one vectorized slice add
per tap. Image positions beyond I (the far padding, or output_padding's overhang) are zeros, so the adjoint is exact.
"""
from __future__ import annotations

import itertools
import math

from ..autograd.op import Op
from ..tensor import Tensor


class Geometry:
    """Kernel size, stride, dilation, leading zeros and the spatial sizes of image and response (tuples, one
    entry per spatial dim). Immutable by convention; shared by a forward op and the ops of its backward."""

    __slots__ = ("k", "s", "d", "lo", "image", "response")

    def __init__(self, k, s, d, lo, image, response):
        self.k, self.s, self.d, self.lo = tuple(k), tuple(s), tuple(d), tuple(lo)
        self.image, self.response = tuple(image), tuple(response)

    def __repr__(self):
        return (f"Geometry(k={self.k}, s={self.s}, d={self.d}, lo={self.lo}, image={self.image}, "
                f"response={self.response})")

    def span(self):
        """Per dim, the padded image length the windows reach: (R - 1) s + d (k - 1) + 1."""
        return tuple((r - 1) * s + d * (k - 1) + 1 for k, s, d, r in zip(self.k, self.s, self.d, self.response))

    def taps(self):
        """Per kernel tap, the slices of the padded image it meets (one per spatial dim)."""
        for offs in itertools.product(*(range(k) for k in self.k)):
            yield tuple(slice(o * d, o * d + s * (r - 1) + 1, s)
                        for o, s, d, r in zip(offs, self.s, self.d, self.response))


# -- the three kernels on raw arrays ---------------------------------------------------------------------------------
def _dense(xp, a):
    """``a`` in C order: NumPy's matmul takes its own loop, not BLAS, on other layouts (a broadcast gradient's zero
    strides, a transposed weight), which sums in another order: results would depend on the operands' layout."""
    return xp.ascontiguousarray(a)


def _padded(xp, image, geo):
    """The image with ``lo`` zeros before and enough after for every window (the image itself when none are)."""
    widths = [(0, 0), (0, 0)]
    for lo, i, need in zip(geo.lo, geo.image, geo.span()):
        widths.append((lo, max(0, need - i - lo)))
    if any(a or b for a, b in widths):
        image = xp.pad(image, widths)
    return image


def columns(xp, image, geo, groups):
    """im2col: the windows of ``image`` (N, C, *I) as (N, groups, C/groups * prod(k), prod(R)), a copy."""
    x = _padded(xp, image, geo)
    n, c = x.shape[:2]
    st = x.strides
    nd = len(geo.k)
    view = xp.lib.stride_tricks.as_strided(
        x, (n, c) + geo.k + geo.response,
        st[:2] + tuple(st[2 + i] * geo.d[i] for i in range(nd)) + tuple(st[2 + i] * geo.s[i] for i in range(nd)))
    return view.reshape(n, groups, c // groups * math.prod(geo.k), math.prod(geo.response))


def correlate(xp, image, w, geo, groups):
    """The convolution (PyTorch's, a cross-correlation): image (N, C, *I), w (O, C/groups, *k) -> (N, O, *R)."""
    n, o = image.shape[0], w.shape[0]
    cols = columns(xp, image, geo, groups)
    y = xp.matmul(_dense(xp, w.reshape(groups, o // groups, cols.shape[2])), cols)          # (N, G, O/G, prod R)
    return y.reshape((n, o) + geo.response).astype(image.dtype, copy=False)   # (bfloat16: NumPy's matmul gives float32)


def scatter(xp, response, w, geo, groups):
    """The adjoint of ``correlate`` in the image (a transposed convolution): response (N, O, *R) -> (N, C, *I)."""
    n, o = response.shape[:2]
    c = w.shape[1] * groups
    ck, p = w.shape[1] * math.prod(geo.k), math.prod(geo.response)     # (explicit sizes: -1 fails on size 0)
    cols = xp.matmul(_dense(xp, w.reshape(groups, o // groups, ck)).swapaxes(1, 2),
                     _dense(xp, response.reshape(n, groups, o // groups, p)))      # (N, G, C/G * prod k, prod R)
    cols = cols.astype(response.dtype, copy=False)
    return col2im(xp, cols.reshape((n, c, math.prod(geo.k)) + geo.response), geo)


def col2im(xp, cols, geo):
    """The adjoint of im2col: cols (N, C, prod(k), *R) added back into the windows they were read from, one slice
    add per kernel tap, and cropped to the image (N, C, *I)."""
    n, c = cols.shape[:2]
    full = tuple(max(i + lo, need) for i, lo, need in zip(geo.image, geo.lo, geo.span()))
    buf = xp.zeros((n, c) + full, cols.dtype)
    every = (slice(None), slice(None))
    for t, key in enumerate(geo.taps()):
        buf[every + key] += cols[:, :, t]
    return buf[every + tuple(slice(lo, lo + i) for lo, i in zip(geo.lo, geo.image))]


def weight_grad(xp, image, response, geo, groups, wshape):
    """The weight's gradient: sum over the batch and the response of response[o] x window[c, tap], one matmul per
    sample and group against the columns read transposed (no copy), summed over the batch."""
    n, o = response.shape[:2]
    cols = columns(xp, image, geo, groups)                              # (N, G, Cg K, P)
    r = _dense(xp, response.reshape(n, groups, o // groups, cols.shape[3]))
    return xp.matmul(r, cols.swapaxes(2, 3)).sum(axis=0).reshape(wshape).astype(image.dtype, copy=False)


def _bias_shape(b, nd):
    return b.reshape((1, b.shape[0]) + (1,) * nd)


# -- the ops -----------------------------------------------------------------------------------------------------------
class Convolution(Op):
    """y = correlate(x, w) + b, or with ``transposed`` y = scatter(x, w) + b (PyTorch's ConvolutionBackward0)."""

    def forward(self, x, w, b, geo, transposed, groups):
        xp = self.xp
        self.geo, self.transposed, self.groups, self.has_bias = geo, transposed, groups, b is not None
        self.save_for_backward(x, w)
        y = (scatter if transposed else correlate)(xp, x, w, geo, groups)
        if b is not None:
            y += _bias_shape(b, len(geo.k))
        return y

    def backward(self, g):
        x, w = self.saved
        geo, groups, need = self.geo, self.groups, self.needs_input_grad
        gx = gw = gb = None
        if isinstance(g, Tensor):          # graph mode: record the derivative with the same two ops
            if need[0]:
                gx = Convolution.apply(g, w, None, geo, not self.transposed, groups)
            if need[1]:
                img, resp = (g, x) if self.transposed else (x, g)
                gw = ConvolutionWeight.apply(img, resp, geo, groups, tuple(w.shape))
            if need[2]:
                gb = g.sum(dim=(0,) + tuple(range(2, g.ndim)))
            return gx, gw, gb, None, None, None
        xp = self.xp
        if need[0]:
            gx = (correlate if self.transposed else scatter)(xp, g, w, geo, groups)
        if need[1]:
            img, resp = (g, x) if self.transposed else (x, g)
            gw = weight_grad(xp, img, resp, geo, groups, w.shape)
        if need[2]:
            gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb, None, None, None

    def jvp(self, tx, tw, tb, *_):
        # bilinear in (x, w): d y = conv(dx, w) + conv(x, dw) + db
        x, w = self.saved
        xp, f = self.xp, (scatter if self.transposed else correlate)
        out = None
        if tx is not None:
            out = f(xp, tx, w, self.geo, self.groups)
        if tw is not None:
            t = f(xp, x, tw, self.geo, self.groups)
            out = t if out is None else out + t
        if tb is not None:
            t = _bias_shape(tb, len(self.geo.k))
            out = t if out is None else out + t
        return out


class ConvolutionWeight(Op):
    """w = weight_grad(image, response): the weight's gradient of a convolution, recorded for double backward."""

    _node_name = "ConvolutionBackward"     # PyTorch names the node of this gradient ConvolutionBackwardBackward0

    def forward(self, image, response, geo, groups, wshape):
        self.geo, self.groups = geo, groups
        self.save_for_backward(image, response)
        return weight_grad(self.xp, image, response, geo, groups, wshape)

    def backward(self, h):
        image, response = self.saved
        geo, groups, need = self.geo, self.groups, self.needs_input_grad
        gi = gr = None
        if isinstance(h, Tensor):
            if need[0]:
                gi = Convolution.apply(response, h, None, geo, True, groups)
            if need[1]:
                gr = Convolution.apply(image, h, None, geo, False, groups)
        else:
            if need[0]:
                gi = scatter(self.xp, response, h, geo, groups)
            if need[1]:
                gr = correlate(self.xp, image, h, geo, groups)
        return gi, gr, None, None, None

    def jvp(self, ti, tr, *_):
        image, response = self.saved
        xp, wshape = self.xp, self._out_meta[0]
        out = None
        if ti is not None:
            out = weight_grad(xp, ti, response, self.geo, self.groups, wshape)
        if tr is not None:
            t = weight_grad(xp, image, tr, self.geo, self.groups, wshape)
            out = t if out is None else out + t
        return out
