"""``torch.nn.utils.parametrizations``: weight normalization, spectral normalization and orthogonal matrices,
each registered with :func:`gpugrad.nn.utils.parametrize.register_parametrization` (so the tensors and buffers
are PyTorch's: ``parametrizations.weight.original0`` / ``original1``, ``parametrizations.weight.0._u``...).
Reached as ``gpugrad.nn.utils.parametrizations``.
"""
from __future__ import annotations

from enum import Enum, auto

from ...autograd import no_grad
from ...ops import cat, matrix_exp, mv, vdot
from ...ops.linalg_more import vector_norm
from ...tensor import Tensor
from . import parametrize
from ..functional import normalize
from ..module import Module

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def _norm_except_dim(v, dim):
    """PyTorch's ``torch.norm_except_dim(v, 2, dim)``: the 2-norm over every dim but ``dim``, kept with size
    1 (dim -1, as in PyTorch, means the norm of the whole tensor)."""
    if dim == -1:
        return vector_norm(v)
    dim = dim % v.ndim
    return vector_norm(v, 2, dim=tuple(d for d in range(v.ndim) if d != dim), keepdim=True)


def _weight_norm(v, g, dim):
    """PyTorch's ``torch._weight_norm``: v * (g / ||v||), the norm taken over every dim but ``dim``."""
    return v * (g / _norm_except_dim(v, dim))


def _copy_into(dst, src):
    dst._data[...] = src._data
    dst._vc[0] += 1


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name: str = "weight", dim: int = 0):
    """Weight normalization (Salimans & Kingma, 2016): ``module.<name>`` becomes g * v / ||v||, the norm over
    every dim but ``dim``, learned as two tensors, ``parametrizations.<name>.original0`` (g, the magnitude)
    and ``original1`` (v, the direction), as ``torch.nn.utils.parametrizations.weight_norm``. A state dict of
    the old :func:`gpugrad.nn.utils.weight_norm` (``<name>_g`` / ``<name>_v``) still loads.

    Args:
        module: the module.
        name: the parameter's name.
        dim: the dim kept by the norm (0: one norm per output row; None: one norm for the whole tensor).

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> fc = gg.nn.utils.parametrizations.weight_norm(gg.nn.Linear(3, 2))
    >>> [(k, tuple(v.shape)) for k, v in fc.state_dict().items()]
    [('bias', (2,)), ('parametrizations.weight.original0', (2, 1)), ('parametrizations.weight.original1', (2, 3))]
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


def _default_dim(module):
    """The output channels' dim: 1 for a transposed convolution (weight (in, out, ...)), else 0."""
    transposed = ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
    return 1 if any(c.__name__ in transposed for c in type(module).__mro__) else 0


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got "
                             f"{dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                w = self._reshape_weight_to_matrix(weight)
                h, wd = w.shape
                u = w.new_empty(h).normal_(0, 1)
                v = w.new_empty(wd).normal_(0, 1)
                self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
                self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            self._power_method(w, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        # u <- W v / ||W v||, v <- W^H u / ||W^H u||, written into the buffers in place (PyTorch's out=)
        with no_grad():
            for _ in range(n_power_iterations):
                _copy_into(self._u, normalize(mv(weight_mat, self._v), dim=0, eps=self.eps))
                _copy_into(self._v, normalize(mv(weight_mat.H, self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = vdot(u, mv(weight_mat, v))            # sigma ~ u^H W v, the largest singular value
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None):
    """Spectral normalization (Miyato et al., 2018): ``module.<name>`` becomes W / sigma(W), sigma the largest
    singular value of W (reshaped to a matrix with ``dim`` first), estimated by power iteration, as
    ``torch.nn.utils.parametrizations.spectral_norm``. The vectors u and v are buffers
    (``parametrizations.<name>.0._u`` / ``_v``) refined by ``n_power_iterations`` steps at each read of the
    weight in training mode, and frozen in eval mode.

    Args:
        module: the module.
        name: the parameter's name.
        n_power_iterations: power iteration steps per read in training mode.
        eps: added to norms when normalizing u and v.
        dim: the dim of the output channels (None: 0, or 1 for transposed convolutions).

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> _ = gg.manual_seed(0)      # 15 power iterations at registration: close to, not exactly, the norm
    >>> fc = gg.nn.utils.parametrizations.spectral_norm(gg.nn.Linear(4, 3))
    >>> list(fc.state_dict())
    ['bias', 'parametrizations.weight.original', 'parametrizations.weight.0._u', 'parametrizations.weight.0._v']
    >>> round(gg.linalg.matrix_norm(fc.weight, 2).item(), 3)
    1.0
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = _default_dim(module)
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _is_orthogonal(q):
    from ...factories import eye
    from ...ops import allclose
    from ..._typeinfo import finfo
    n, k = q.shape[-2], q.shape[-1]
    return allclose(q.mH @ q, eye(k, dtype=q.dtype, device=q.device), atol=10.0 * n * finfo(q.dtype).eps)


def _make_orthogonal(a):
    """The Q of A = QR with R's diagonal made positive (what PyTorch's geqrf + householder_product give)."""
    from ...ops.linalg_api import qr
    q, r = qr(a)
    return q * r.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _householder_product(a, tau):
    """Q = H_1 H_2 ... H_k (its first n x k block), H_i = I - tau_i w_i w_i^H, w_i the i-th column of ``a`` below
    the diagonal with 1 on it, as ``torch.linalg.householder_product``; built from recorded ops, so
    differentiable."""
    from ...factories import eye
    n, k = a.shape[-2], a.shape[-1]
    q = eye(n, k, dtype=a.dtype, device=a.device).expand(*a.shape[:-2], n, k)
    unit = eye(n, dtype=a.dtype, device=a.device)
    for i in reversed(range(k)):       # Q = H_1 (H_2 (... (H_k I)))
        w = a[..., :, i:i + 1].tril(-i) + unit[:, i:i + 1] - a[..., :, i:i + 1] * unit[:, i:i + 1]
        q = q - tau[..., i:i + 1].unsqueeze(-1) * (w @ (w.mH @ q))
    return q


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        from ...factories import eye
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH                                  # skew-symmetric (skew-Hermitian)
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)
            else:                                         # Cayley: (I - A/2)^-1 (I + A/2)
                from ...ops.linalg_api import solve
                Id = eye(n, dtype=A.dtype, device=A.device)
                Q = solve(Id - 0.5 * A, Id + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        from ...factories import zeros_like
        from ...random_factories import randn
        if tuple(Q.shape) != tuple(self.shape):
            raise ValueError(f"Expected a matrix or batch of matrices of shape {parametrize._size(self.shape)}. "
                             f"Got a tensor of shape {parametrize._size(Q.shape)}.")
        with no_grad():
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                              "parametrizations when use_trivialization=False.")
                # the Householder reflectors of Q (LAPACK's geqrf, what torch.geqrf returns), signs on the diagonal
                h, tau = Q.xp.linalg.qr(Q._data, mode="raw")
                a = h.swapaxes(-1, -2).copy()
                d = a.diagonal(axis1=-2, axis2=-1)
                diag = Q.xp.sign(d)
                diag[tau == 0.0] *= -1
                a[..., range(k), range(k)] = diag
                A = Tensor._make(a, None, False)
                return A.mT if transpose else A
            if n == k:
                Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Q.clone()
            else:
                N = randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
                Q = _make_orthogonal(cat([Q, N], dim=-1))
            self.base = Q
            neg_id = zeros_like(Q_init)
            neg_id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_id


def orthogonal(module, name: str = "weight", orthogonal_map: str | None = None, *, use_trivialization: bool = True):
    """Make ``module.<name>`` an orthogonal (unitary) matrix, or a batch of them: Q^H Q = I for a tall Q,
    Q Q^H = I for a wide one, as ``torch.nn.utils.parametrizations.orthogonal``. Q = base @ f(X), f mapping the
    learned ``parametrizations.<name>.original`` to an orthogonal matrix; ``base`` (a buffer) is the
    assigned orthogonal matrix, X starts as minus the identity.

    Args:
        module: the module.
        name: the parameter's name (at least 2-D).
        orthogonal_map: ``"matrix_exp"`` (exp of a skew matrix; the default for square or complex tensors),
            ``"cayley"`` ((I - A/2)^-1 (I + A/2)) or ``"householder"`` (a product of reflectors; the default
            otherwise).
        use_trivialization: keep a ``base`` so that assigning ``module.<name> = Q`` works for every map.

    Returns:
        ``module``.

    >>> import gpugrad as gg
    >>> fc = gg.nn.utils.parametrizations.orthogonal(gg.nn.Linear(3, 3))
    >>> bool(gg.allclose(fc.weight @ fc.weight.T, gg.eye(3), atol=1e-5))
    True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = ("matrix_exp" if weight.shape[-2] == weight.shape[-1] or weight.is_complex()
                          else "householder")
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f'{orthogonal_map}')
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
