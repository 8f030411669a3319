"""The linear-algebra primitives with their own derivatives: solve, triangular solve, det, slogdet, cholesky,
eigh, svd, qr and matrix_exp. Everything else of ``gpugrad.linalg`` is built from these and the op library.

Each primitive is an :class:`gpugrad.autograd.Function` (several have more than one output: eigenvalues and
eigenvectors, U/S/Vh, Q/R) whose ``forward`` calls the array module's ``xp.linalg`` on the inputs' device
(NumPy on the CPU, CuPy on a GPU) and whose ``backward`` and ``jvp`` are PyTorch's formulas written with
gpugrad's differentiable ops, these primitives included, as PyTorch's derivatives.yaml does: a gradient can
be differentiated again to any order.

Where the array modules lack a routine: NumPy has no triangular solver and neither has ``cupy.linalg`` (only
``cupyx.scipy.linalg``), so a triangular system is solved as a general one on its triangle; neither has a
matrix exponential, so ``matrix_exp`` is scaling and squaring of the [13/13] Pade approximant (Higham 2005)
in plain ``xp``. Singular inputs: NumPy raises by itself; on CuPy, which returns NaN/inf instead, the ops that
PyTorch checks (solve, inv, cholesky) look at the result, one host sync, as PyTorch's checks do.
"""
from __future__ import annotations

import numpy as _np

from ..tensor import Tensor
from ..autograd.function import Function
from . import shape as S, arithmetic as A
from .einsum import einsum


class LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError``: a matrix the routine cannot handle (singular for ``inv`` and
    ``solve``, not positive-definite for ``cholesky``). A subclass of RuntimeError, as PyTorch's.

    >>> import gpugrad as gg
    >>> try:
    ...     gg.linalg.inv(gg.zeros(2, 2))
    ... except gg.linalg.LinAlgError as e:
    ...     print("singular" in str(e))
    True
    """


# -- helpers on Tensors ---------------------------------------------------------------------------------------------
def _const(arr):
    return Tensor._make(arr, None, False)


def _plain(ts):
    """Saved Tensors as constants without tangents: a jvp rule calls these primitives again, which must not
    see the forward-AD tangents of the inputs (that would recurse)."""
    return tuple(None if t is None else _const(t._data) for t in ts)


def mT(x):
    """The transpose of each matrix of a batch."""
    return S.transpose(x, -2, -1)


def eye_like(x, n=None):
    """An (n, n) identity of x's dtype and device (a constant)."""
    n = x.shape[-1] if n is None else n
    return _const(x.xp.eye(n, dtype=x.dtype))


def tri(x, lower=True, k=0):
    """The lower (or upper) triangle of each matrix, the rest zero (differentiable)."""
    xp = x.xp
    n, m = x.shape[-2:]
    mask = (xp.tril if lower else xp.triu)(xp.ones((n, m), dtype=bool), k)
    return A.where(_const(mask), x, _const(xp.zeros((), x.dtype)))


def diag(x):
    """The main diagonal of each matrix: (..., n, n) -> (..., n)."""
    return einsum("...ii->...i", x)


def diag_embed(v):
    """(..., n) -> (..., n, n) diagonal matrices."""
    return S.unsqueeze(v, -1) * eye_like(v, v.shape[-1])


def lapack(xp, name, *arrays, **kwargs):
    """``xp.linalg.<name>(*arrays, **kwargs)``; float16 (and bfloat16) inputs, which LAPACK and cuSOLVER don't
    take, run in float32 and the results come back in the input's dtype (no upcast seen outside)."""
    dt = arrays[0].dtype
    low = dt.kind in "fV" and dt.itemsize < 4
    if low:
        arrays = tuple(a.astype(_np.float32) for a in arrays)
    res = getattr(xp.linalg, name)(*arrays, **kwargs)
    if not low:
        return res
    if isinstance(res, tuple):
        return tuple(r.astype(dt) if r.dtype.kind == "f" else r for r in res)
    return res.astype(dt) if res.dtype.kind == "f" else res


def _raw_solve(xp, op, a, b, what):
    """xp.linalg.solve(a, b) for a (..., n, n) and b (..., n, k) of equal batch dims; LinAlgError on a
    singular a (NumPy raises; CuPy returns non-finite values, checked here with one sync)."""
    try:
        x = lapack(xp, "solve", a, b)
    except _np.linalg.LinAlgError:
        raise LinAlgError(f"{op}: {what}") from None
    if xp is not _np and x.size and not bool(xp.isfinite(x).all()) and bool(xp.isfinite(a).all()):
        raise LinAlgError(f"{op}: {what}")
    return x


def _cast_grads(backward):
    """Cast the incoming gradients to the dtype of the op's input (an upstream op may hand float64 gradients
    to a float32 output, e.g. MaxMin's g / count with an int64 count), so that matmuls see one dtype."""
    def wrapped(ctx, *grads):
        dt = ctx.dtype
        return backward(ctx, *(g if g is None or g.dtype == dt else g.to(dt) for g in grads))
    wrapped.__name__, wrapped.__doc__ = backward.__name__, backward.__doc__
    return wrapped


# -- solve ---------------------------------------------------------------------------------------------------------
class Solve(Function):
    """X = A^{-1} B for A (..., n, n) and B (..., n, k) of equal batch dims.
    Backward: gB = A^{-T} G, gA = -gB X^T. Forward mode: dX = A^{-1} (dB - dA X)."""

    @staticmethod
    def forward(ctx, a, b, op="linalg.solve", what="The solver failed because the input matrix is singular."):
        ctx.dtype = a.dtype
        x = _const(_raw_solve(a.xp, op, a._data, b._data, what))
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    @_cast_grads
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        gb = Solve.apply(mT(a), g)
        return (-(gb @ mT(x)) if ctx.needs_input_grad[0] else None), gb, None, None

    @staticmethod
    def jvp(ctx, ta, tb, *_):
        a, x = _plain(ctx.saved_tensors)
        rhs = -(ta @ x) if tb is None else tb if ta is None else tb - ta @ x
        return Solve.apply(a, rhs)


class SolveTriangular(Function):
    """X = A^{-1} B for a triangular A (only its ``upper`` or lower triangle read; a unit diagonal assumed with
    ``unitriangular``). Backward: gB = A^{-T} G, gA = -tri(gB X^T). Solved as a general system on the triangle
    (neither NumPy nor cupy.linalg has a triangular solver); a zero on the diagonal gives NaN, not an error,
    as PyTorch's solve_triangular does not check."""

    @staticmethod
    def forward(ctx, a, b, upper, unitriangular):
        ctx.dtype = a.dtype
        xp = a.xp
        n = a.shape[-1]
        t = (xp.triu if upper else xp.tril)(a._data, ((1 if upper else -1) if unitriangular else 0))
        if unitriangular:
            t = t + xp.eye(n, dtype=t.dtype)
        try:
            x = lapack(xp, "solve", t, b._data) if b._data.size else xp.zeros(b.shape, b.dtype)
        except _np.linalg.LinAlgError:
            x = xp.full(b.shape, xp.nan, b.dtype)
        x = _const(x)
        ctx.upper, ctx.unit = upper, unitriangular
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    @_cast_grads
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        gb = SolveTriangular.apply(mT(a), g, not ctx.upper, ctx.unit)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = tri(-(gb @ mT(x)), lower=not ctx.upper, k=(1 if ctx.upper else -1) if ctx.unit else 0)
        return ga, gb, None, None

    @staticmethod
    def jvp(ctx, ta, tb, *_):
        a, x = _plain(ctx.saved_tensors)
        rhs = tb
        if ta is not None:
            dax = tri(ta, lower=not ctx.upper, k=(1 if ctx.upper else -1) if ctx.unit else 0) @ x
            rhs = -dax if tb is None else tb - dax
        return SolveTriangular.apply(a, rhs, ctx.upper, ctx.unit)


def solve_tri(a, b, upper, left=True, unitriangular=False):
    """A^{-1} B (left) or B A^{-1} (not left) for a triangular A; batch dims broadcast."""
    if not left:
        return mT(solve_tri(mT(a), mT(b), not upper, True, unitriangular))
    a, b = broadcast_batch(a, b)
    return SolveTriangular.apply(a, b, upper, unitriangular)


def broadcast_batch(a, b):
    """a (..., n, n) and b (..., n, k) expanded to common batch dims (the expand sums gradients back)."""
    batch = _np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if a.shape[:-2] != batch:
        a = S.expand(a, batch + a.shape[-2:])
    if b.shape[:-2] != batch:
        b = S.expand(b, batch + b.shape[-2:])
    return a, b


# -- determinants ------------------------------------------------------------------------------------------------
class Det(Function):
    """det(A). Backward: g det(A) A^{-T}, which PyTorch 2.13 takes as 0 where det(A) is exactly 0 (not the
    cofactor matrix). Forward mode: det(A) tr(A^{-1} dA)."""

    @staticmethod
    def forward(ctx, a):
        ctx.dtype = a.dtype
        d = _const(a.xp.asarray(lapack(a.xp, "det", a._data)))
        ctx.save_for_backward(a, d)
        return d

    @staticmethod
    @_cast_grads
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        if a.shape[-1] == 0:
            return S.expand(S.unsqueeze(S.unsqueeze(g, -1), -1) * 0, a.shape)
        sing = d._data == 0
        if bool(sing.any()):      # g d A^{-T} is 0 there (PyTorch 2.13's gradient at an exactly singular A)
            a = A.where(_const(sing[..., None, None]), eye_like(a), a)
        return Solve.apply(mT(a), S.unsqueeze(S.unsqueeze(g * d, -1), -1) * eye_like(a))

    @staticmethod
    def jvp(ctx, ta):
        a, d = _plain(ctx.saved_tensors)
        return d * diag(Solve.apply(a, ta)).sum(-1)


class Slogdet(Function):
    """(sign, log|det A|); only the second is differentiable: g A^{-T}. Forward mode: tr(A^{-1} dA)."""

    @staticmethod
    def forward(ctx, a):
        ctx.dtype = a.dtype
        sign, logabs = (_const(a.xp.asarray(v)) for v in lapack(a.xp, "slogdet", a._data))
        ctx.mark_non_differentiable(sign)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(a)
        return sign, logabs

    @staticmethod
    @_cast_grads
    def backward(ctx, g_sign, g):
        if g is None:
            return None
        (a,) = ctx.saved_tensors
        return Solve.apply(mT(a), S.unsqueeze(S.unsqueeze(g, -1), -1) * eye_like(a))

    @staticmethod
    def jvp(ctx, ta):
        (a,) = _plain(ctx.saved_tensors)
        return None, diag(Solve.apply(a, ta)).sum(-1)


# -- decompositions --------------------------------------------------------------------------------------------------
def _not_pd(op):
    return LinAlgError(f"{op}: The factorization could not be completed because the input is not "
                       f"positive-definite.")


class Cholesky(Function):
    """L with A = L L^T. Backward (PyTorch's): P = tril(L^T gL) with its diagonal halved, symmetrized,
    gA = L^{-T} P L^{-1}. Forward mode: dL = L phi(L^{-1} dA L^{-T}), phi the lower triangle with half
    the diagonal."""

    @staticmethod
    def forward(ctx, a, op="linalg.cholesky"):
        ctx.dtype = a.dtype
        xp = a.xp
        try:
            low = lapack(xp, "cholesky", a._data)
        except _np.linalg.LinAlgError:
            raise _not_pd(op) from None
        # CuPy does not raise: cuSOLVER's potrf stops at the first pivot <= 0 (or NaN) and leaves it on the
        # diagonal, so a diagonal that is not all positive is the failure (one sync, as PyTorch's check)
        if xp is not _np and low.size and not bool((xp.diagonal(low, axis1=-2, axis2=-1) > 0).all()):
            raise _not_pd(op)
        out = _const(low)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @_cast_grads
    def backward(ctx, g, _=None):
        (low,) = ctx.saved_tensors
        ga = tri(mT(low) @ g)
        ga = 0.5 * (ga + mT(tri(ga, k=-1)))
        ga = solve_tri(mT(low), ga, upper=True)
        return solve_tri(low, ga, upper=False, left=False), None

    @staticmethod
    def jvp(ctx, ta, _=None):
        (low,) = _plain(ctx.saved_tensors)
        c = solve_tri(low, mT(solve_tri(low, mT(ta), upper=False)), upper=False)    # L^{-1} dA L^{-T}
        phi = tri(c, k=-1) + 0.5 * diag_embed(diag(c))
        return low @ phi


def _gap_matrix(w):
    """E[i, j] = w[j] - w[i], with ones on the diagonal (so that dividing by it is safe there)."""
    return S.unsqueeze(w, -2) - S.unsqueeze(w, -1) + eye_like(w, w.shape[-1])


class Eigh(Function):
    """(w, V) of a symmetric A = V diag(w) V^T (``uplo``'s triangle read). Backward (PyTorch's):
    gA = V (skew(V^T gV)/2 / E + diag(gw)) V^T with E[i, j] = w_j - w_i; with gV unused, V diag(gw) V^T.
    Forward mode: T = V^T dA V, dw = diag(T), dV = V (T / E) off the diagonal."""

    @staticmethod
    def forward(ctx, a, uplo="L"):
        ctx.dtype = a.dtype
        w, v = (_const(r) for r in lapack(a.xp, "eigh", a._data, UPLO=uplo))
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    @_cast_grads
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        if gv is None:
            return (None if gw is None else (v * S.unsqueeze(gw, -2)) @ mT(v)), None
        vgv = mT(v) @ gv
        inner = 0.5 * (vgv - mT(vgv)) / _gap_matrix(w)          # zero on the diagonal (skew)
        if gw is not None:
            inner = inner + diag_embed(gw)
        return v @ (inner @ mT(v)), None

    @staticmethod
    def jvp(ctx, ta, _=None):
        w, v = _plain(ctx.saved_tensors)
        t = mT(v) @ (ta @ v)
        dw = diag(t)
        off = 1 - eye_like(t)
        return dw, v @ (t * off / _gap_matrix(w))


class Svd(Function):
    """(U, S, Vh) with A = U diag(S) Vh. Backward: PyTorch's svd_backward (real case); with
    ``full_matrices`` the columns of U and rows of Vh past min(m, n) take no gradient. Forward mode:
    PyTorch's svd_jvp (dP = U^T dA V, dS = diag(dP), dU = U sym(dP S)/E + (I - U U^T) dA V S^{-1}, ...)."""

    @staticmethod
    def forward(ctx, a, full_matrices=False):
        ctx.dtype = a.dtype
        u, s, vh = (_const(r) for r in lapack(a.xp, "svd", a._data, full_matrices=full_matrices))
        ctx.full = full_matrices
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def _reduced(ctx):
        u, s, vh = ctx.saved_tensors
        if ctx.full:
            k = s.shape[-1]
            u, vh = u[..., :k], vh[..., :k, :]
        return u, s, vh

    @staticmethod
    @_cast_grads
    def backward(ctx, gu, gs, gvh):
        u, s, vh = Svd._reduced(ctx)
        k = s.shape[-1]
        if ctx.full:
            gu = None if gu is None else gu[..., :k]
            gvh = None if gvh is None else gvh[..., :k, :]
        m, n = u.shape[-2], vh.shape[-1]
        if gu is None and gvh is None:
            if gs is None:
                return None, None
            return (u @ (S.unsqueeze(gs, -1) * vh) if m >= n else (u * S.unsqueeze(gs, -2)) @ vh), None
        e = _gap_matrix(s * s)
        uhgu = None if gu is None else mT(u) @ gu
        vhgv = None if gvh is None else vh @ mT(gvh)
        if uhgu is not None:
            uhgu = uhgu - mT(uhgu)
        if vhgv is not None:
            vhgv = vhgv - mT(vhgv)
        if uhgu is not None and vhgv is not None:
            ga = (uhgu * S.unsqueeze(s, -2) + S.unsqueeze(s, -1) * vhgv) / e
        elif uhgu is None:
            ga = S.unsqueeze(s, -1) * (vhgv / e)
        else:
            ga = (uhgu / e) * S.unsqueeze(s, -2)
        if gs is not None:
            ga = ga + diag_embed(gs)
        if m > n and gu is not None:
            ga = u @ ga
            gusinv = gu / S.unsqueeze(s, -2)
            ga = (ga + gusinv - u @ (mT(u) @ gusinv)) @ vh
        elif m < n and gvh is not None:
            ga = ga @ vh
            sinvgvh = gvh / S.unsqueeze(s, -1)
            ga = u @ (ga + sinvgvh - (sinvgvh @ mT(vh)) @ vh)
        else:
            ga = u @ (ga @ vh)
        return ga, None

    @staticmethod
    def jvp(ctx, ta, _=None):
        u, s, vh = _plain(Svd._reduced(ctx))
        m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
        v = mT(vh)
        dp = mT(u) @ (ta @ v)
        ds = diag(dp)
        dp = dp - diag_embed(ds)
        e = _gap_matrix(s * s)
        du = u @ ((dp * S.unsqueeze(s, -2) + mT(dp * S.unsqueeze(s, -2))) / e)
        dvh = -(((dp * S.unsqueeze(s, -1)) + mT(dp * S.unsqueeze(s, -1))) / e) @ vh
        if m > n:
            dav = (ta @ v) / S.unsqueeze(s, -2)
            du = du + dav - u @ (mT(u) @ dav)
        if m < n:
            uda = (mT(u) / S.unsqueeze(s, -1)) @ ta
            dvh = dvh + uda - (uda @ v) @ vh
        if ctx.full and m > k:
            du = S.cat([du, _const(u.xp.zeros(du.shape[:-1] + (m - k,), du.dtype))], -1)
        if ctx.full and n > k:
            dvh = S.cat([dvh, _const(u.xp.zeros(dvh.shape[:-2] + (n - k, n), dvh.dtype))], -2)
        return du, ds, dvh


class Qr(Function):
    """(Q, R) of A (m >= n, or m == n with mode 'complete'). Backward (PyTorch's, m >= n):
    gA = [gQ + Q syminvadj(triu(gR R^T - Q^T gQ))] R^{-T}. PyTorch's errors for mode 'r' and for mode
    'complete' with m > n. Forward mode: C = Q^T dA R^{-1}, W = tril(C, -1) - tril(C, -1)^T, dR = (C - W) R,
    dQ = Q W + (I - Q Q^T) dA R^{-1}."""

    @staticmethod
    def forward(ctx, a, mode="reduced"):
        ctx.dtype = a.dtype
        xp = a.xp
        q, r = lapack(xp, "qr", a._data, mode="complete" if mode == "complete" else "reduced")
        ctx.mode = mode
        ctx.set_materialize_grads(False)
        q, r = _const(q), _const(r)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def _check(ctx):
        q, r = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                               "through linalg.qr.")
        if ctx.mode == "complete" and q.shape[-2] > r.shape[-1]:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        return q, r

    @staticmethod
    @_cast_grads
    def backward(ctx, gq, gr):
        q, r = Qr._check(ctx)
        if gq is None and gr is None:
            return None, None
        ga = None
        if gr is not None:
            ga = gr @ mT(r)
        if gq is not None:
            ga = -(mT(q) @ gq) if ga is None else ga - mT(q) @ gq
        ga = tri(ga, lower=False)
        ga = q @ (ga + mT(ga) - diag_embed(diag(ga)))
        if gq is not None:
            ga = ga + gq
        return solve_tri(mT(r), ga, upper=False, left=False), None

    @staticmethod
    def jvp(ctx, ta, _=None):
        q, r = _plain(Qr._check(ctx))
        dar = solve_tri(r, ta, upper=True, left=False)            # dA R^{-1}
        c = mT(q) @ dar
        low = tri(c, k=-1)
        w = low - mT(low)
        dr = tri((c - w) @ r, lower=False)
        dq = q @ w + dar - q @ c
        return dq, dr


# -- matrix exponential ----------------------------------------------------------------------------------------------
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800., 129060195264000.,
           10559470521600., 670442572800., 33522128640., 1323241920., 40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def expm(xp, a):
    """exp(A) of each matrix, by scaling and squaring of the [13/13] Pade approximant (Higham 2005, as
    SciPy's): exp(A) = r(A / 2^s)^(2^s) with s the least making ||A / 2^s||_1 <= theta_13. One s for the
    batch (its largest), read on the host."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    if a.dtype.itemsize < 4:          # float16/bfloat16: the Pade coefficients overflow them; run in float32
        return expm(xp, a.astype(_np.float32)).astype(a.dtype)
    norm = float(xp.abs(a).sum(axis=-2).max())
    s = max(0, int(_np.ceil(_np.log2(norm / _THETA13)))) if norm > 0 and _np.isfinite(norm) else 0
    a = a / a.dtype.type(2.0 ** s)
    b = _PADE13
    eye = xp.eye(n, dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = lapack(xp, "solve", v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def _block(x, y):
    """[[x, y], [0, x]]: f of it holds the Frechet derivative of f at x in direction y, top right."""
    z = _const(x.xp.zeros(x.shape, x.dtype))
    return S.cat([S.cat([x, y], -1), S.cat([z, x], -1)], -2)


class MatrixExp(Function):
    """exp(A). Backward (PyTorch's): the top-right block of exp([[A^T, G], [0, A^T]]); forward mode: that of
    exp([[A, dA], [0, A]])."""

    @staticmethod
    def forward(ctx, a):
        ctx.dtype = a.dtype
        ctx.save_for_backward(a)
        return _const(expm(a.xp, a._data))

    @staticmethod
    @_cast_grads
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        a, g = broadcast_batch(a, g)
        return MatrixExp.apply(_block(mT(a), g))[..., :n, n:]

    @staticmethod
    def jvp(ctx, ta):
        (a,) = _plain(ctx.saved_tensors)
        n = a.shape[-1]
        a, ta = broadcast_batch(a, ta)
        return MatrixExp.apply(_block(a, ta))[..., :n, n:]
