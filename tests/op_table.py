"""The one declarative table of differentiable ops, read by tests/test_ops_gradcheck.py.

Each :class:`Case` names an op (a callable ``fn(ns, *tensors)`` written once for two namespaces: gpugrad's
and PyTorch's, so the same expression is the gradient check's function and the forward oracle), several
input signatures, the domain the inputs are drawn from and the keyword arguments. An input spec is a shape
tuple (a contiguous array), ``T(*shape)`` (a transposed view of that shape) or ``S(*shape)`` (a strided view,
every other element of a larger array). Constants that take no gradient (indices, masks, targets) are built
inside ``fn`` with ``ns.const(array)`` so that they land on the case's device.

Adding an op (a new ``gpugrad.autograd.op.Op`` subclass anywhere in gpugrad) without an entry here fails
``test_every_function_class_is_covered``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


# -- input specs ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class T:
    """A non-contiguous input: the transpose of a contiguous array of the reversed shape."""
    shape: tuple

    def __init__(self, *shape):
        object.__setattr__(self, "shape", tuple(shape))


@dataclass(frozen=True)
class S:
    """A non-contiguous input: ``base[::2, ::2, ...]`` of a contiguous array twice as large in every dim."""
    shape: tuple

    def __init__(self, *shape):
        object.__setattr__(self, "shape", tuple(shape))


def spec_shape(spec):
    return spec.shape if isinstance(spec, (T, S)) else tuple(spec)


def spec_id(spec):
    shape = "x".join(map(str, spec_shape(spec))) or "scalar"
    return ("T" if isinstance(spec, T) else "S" if isinstance(spec, S) else "") + shape


# -- domains: where the inputs are drawn from (away from kinks and poles, so finite differences are valid) --------
def _real(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def _positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def _unit(rng, shape):
    return rng.uniform(0.1, 0.9, shape)


def _small(rng, shape):          # tan, log1p: inside (-1, 1) and away from the poles
    return rng.uniform(-0.7, 0.7, shape)


def _kinks(rng, shape):
    """Real values at least 0.05 from the kinks of abs/relu/clamp/huber (0, +-0.5, +-1), and from each
    other (max/min/maximum ties): a shuffled grid with jitter."""
    n = int(np.prod(shape)) if shape else 1
    grid = np.array([v for v in np.arange(-1.95, 2.0, 0.1) if np.min(np.abs(v - np.array([-1, -.5, 0, .5, 1])))
                     > 0.04])
    vals = rng.choice(grid, size=n, replace=n > grid.size) + rng.uniform(-0.01, 0.01, n)
    return vals.reshape(shape)


DOMAINS = {"real": _real, "positive": _positive, "unit": _unit, "small": _small, "kinks": _kinks}


# -- the entries ------------------------------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    fn: object                      # fn(ns, *tensors, **kwargs)
    inputs: list                    # signatures: tuples of specs, one per tensor argument
    domain: str = "real"
    kwargs: dict = field(default_factory=dict)
    torch: bool = True              # compare the forward value with PyTorch
    atol: float = 1e-5              # gradcheck tolerances (float64)
    rtol: float = 1e-3


UNARY = [((3, 4),), ((),), ((0, 3),), ((1, 5),), (T(3, 4),), (S(2, 3),)]
BINARY = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((4,), (2, 1, 4)), ((), (2, 3)),
          ((0, 3), (1, 3)), ((1,), (1, 1)), (T(3, 4), S(3, 4))]
REDUCE = [((2, 3, 4),), ((5,),), (T(3, 4),), ((1, 3),)]

_rng = np.random.default_rng(1234)
_MASK_34 = _rng.uniform(size=(3, 4)) > 0.5
_MASK_3 = np.array([True, False, True])
_TARGET_4 = np.array([2, 0, 4, 1])
_TARGET_IGN = np.array([2, -100, 4, 1])
_TARGET_SPATIAL = np.array([[[0, 2], [1, 1]], [[2, 0], [0, 1]]])
_PROBS_45 = _rng.dirichlet(np.ones(5), size=4)
_BIN_34 = (_rng.uniform(size=(3, 4)) > 0.5).astype(np.float64)
_SOFT_34 = _rng.uniform(size=(3, 4))
_WEIGHT_5 = _rng.uniform(0.5, 2.0, 5)
_SCATTER_I = np.array([[0, 2, 2, 1], [0, 0, 2, 1]])
_SIGN_34 = np.where(_rng.uniform(size=(3, 4)) > 0.5, 1.0, -1.0)
_SIGN_3 = np.array([1.0, -1.0, 1.0])
_ZEROS_35 = np.array([[1.0, 0.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 1.0, 0.0]])
_NAN_34 = np.full((3, 4), np.nan)
_MULTILABEL_34 = np.array([[3, 0, -1, 1], [1, 1, 2, -1], [-1, 0, 0, 0]])


def _setitem(ns, x, v, key):
    y = x.clone()
    y[key] = v
    return y


def _index_put(ns, x, v, key, accumulate):
    if hasattr(ns, "index_put"):
        return ns.index_put(x, key, v, accumulate=accumulate)
    return x.index_put(key, v, accumulate=accumulate)      # torch: a tensor method with a tuple key



def _rrelu_seeded(ns, a):
    """rrelu in training with the same slopes on every call: finite differences see a fixed function."""
    import gpugrad
    gpugrad.manual_seed(7)
    return ns.rrelu(a, 0.1, 0.3, training=True)

def _sync_batch_norm(ns, x, w, b):
    """SyncBatchNorm's node over a world of one (in PyTorch: batch norm, which it then equals)."""
    if ns.is_torch:
        return ns.batch_norm(x, None, None, w, b, training=True)
    from gpugrad.distributed._local import LocalBackend
    from gpugrad.distributed.process_group import _Group
    from gpugrad.nn.modules.sync_batchnorm import sync_batch_norm
    return sync_batch_norm(x, None, None, w, b, 0.1, 1e-5, _Group(LocalBackend(), 60.0))


def _seeded(ns, name, *args):
    """A random op with the same mask on every call (gpugrad only): finite differences see a fixed function."""
    import gpugrad
    gpugrad.manual_seed(7)
    return getattr(ns, name)(*args)


def _dist(ns, name, *args, **kwargs):
    """gpugrad.distributions' private recorded gammainc (no public counterpart yet), against PyTorch's."""
    if ns.is_torch:
        import torch
        return {"gammainc": torch.special.gammainc}[name](*args, **kwargs)
    from gpugrad.distributions import _gammainc
    return {"gammainc": _gammainc.gammainc}[name](*args, **kwargs)


def _spd(ns, a):
    """A well-conditioned symmetric positive-definite matrix built from any square input (linalg entries)."""
    n = a.shape[-1]
    return a @ a.mT + n * ns.eye(n, dtype=a.dtype, device=a.device)


def _well(ns, a):
    """A well-conditioned (diagonally dominant) square matrix built from any square input."""
    n = a.shape[-1]
    return a + 2 * n * ns.eye(n, dtype=a.dtype, device=a.device)


def _eigh_invariants(ns, a, uplo="L"):
    """Eigenvalues and sign-free functions of the eigenvectors (LAPACKs may pick other signs)."""
    w, v = ns.linalg.eigh(a + a.mT, UPLO=uplo)
    return w, v * v, v[..., :1, :] * v


def _svd_invariants(ns, a, full=False):
    u, s, vh = ns.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    return s, u @ vh, u * u, vh * vh


SQUARE = [((3, 3),), ((2, 3, 3),), (T(3, 3),), (S(3, 3),), ((0, 2, 2),), ((1, 1),)]


CASES = [
    # -- arithmetic ------------------------------------------------------------------------------------------
    Case("add", lambda ns, a, b: ns.add(a, b), BINARY),
    Case("add_scalar", lambda ns, a: a + 2.5, UNARY),
    Case("radd_scalar", lambda ns, a: 2.5 + a, UNARY[:2]),
    Case("sub", lambda ns, a, b: a - b, BINARY),
    Case("rsub_scalar", lambda ns, a: 1.5 - a, UNARY[:2]),
    Case("mul", lambda ns, a, b: a * b, BINARY),
    Case("rmul_scalar", lambda ns, a: 3.0 * a, UNARY[:2]),
    Case("div", lambda ns, a, b: a / b, BINARY, domain="positive"),
    Case("rdiv_scalar", lambda ns, a: 2.0 / a, UNARY, domain="positive"),
    # rounded division is piecewise constant: zero gradients for both operands (PyTorch's, not None)
    Case("div_floor", lambda ns, a, b: ns.div(a, b, rounding_mode="floor"), BINARY, domain="positive"),
    Case("div_trunc", lambda ns, a, b: ns.div(a, -b, rounding_mode="trunc"), BINARY, domain="positive"),
    Case("neg", lambda ns, a: -a, UNARY),
    Case("remainder", lambda ns, a, b: a % b, [((3, 4), (3, 4)), ((3, 1), (4,)), (T(3, 4), ())], domain="positive"),
    Case("remainder_scalar", lambda ns, a: a % 0.7, UNARY[:2], domain="positive"),
    # PyTorch has no derivative of scalar % tensor with respect to the tensor: gradcheck only
    Case("rremainder_scalar", lambda ns, a: 2.5 % a, UNARY[:2], domain="positive", torch=False),
    Case("remainder_fn", lambda ns, a, b: ns.remainder(a, -b), [((3, 4), (3, 4))], domain="positive"),
    Case("pow_tensor", lambda ns, a, b: a ** b, BINARY, domain="positive"),
    Case("pow_scalar_exp", lambda ns, a: a ** 3, UNARY),
    Case("pow_negative_exp", lambda ns, a: a ** -1.5, UNARY, domain="positive"),
    Case("pow_scalar_base", lambda ns, a: 2.0 ** a, UNARY),
    Case("pow_fn", lambda ns, a: ns.pow(a, 0.5), UNARY[:2], domain="positive"),
    Case("matmul", lambda ns, a, b: a @ b,
         [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
          ((2, 1, 2, 3), (3, 3, 2)), ((3,), (2, 3, 2)), (T(2, 3), T(3, 4)), ((0, 3), (3, 2)), ((2, 0), (0, 3))]),
    Case("matmul_fn", lambda ns, a, b: ns.matmul(a, b), [((2, 3), (3, 2))]),
    Case("floor", lambda ns, a: ns.floor(a * 3.0), UNARY),
    Case("ceil", lambda ns, a: ns.ceil(a * 3.0), UNARY),
    Case("round", lambda ns, a: ns.round(a * 3.0), UNARY),
    Case("sign", lambda ns, a: ns.sign(a * 3.0), UNARY),
    Case("round_decimals", lambda ns, a: ns.round(a, decimals=1), UNARY[:2]),
    Case("abs", lambda ns, a: ns.abs(a), UNARY, domain="kinks"),
    Case("clamp_scalar", lambda ns, a, **k: ns.clamp(a, **k), UNARY, domain="kinks", kwargs=dict(min=-0.5, max=1.0)),
    Case("clamp_min", lambda ns, a: ns.clamp(a, min=0.0), UNARY[:2], domain="kinks"),
    Case("clamp_max", lambda ns, a: a.clamp(max=0.5), UNARY[:2], domain="kinks"),
    Case("clamp_tensor", lambda ns, a, lo, hi: ns.clamp(a, lo, hi + 2.5),
         [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), (T(3, 4), (), S(3, 4))], domain="kinks"),
    Case("clamp_tensor_crossed_bounds", lambda ns, a, lo: ns.clamp(a, lo + 1.0, lo - 1.0), [((3, 4), (3, 4))],
         domain="kinks"),
    Case("maximum", lambda ns, a, b: ns.maximum(a, b), BINARY, domain="kinks"),
    Case("minimum", lambda ns, a, b: ns.minimum(a, b), BINARY, domain="kinks"),
    Case("max_binary", lambda ns, a, b: ns.max(a, b), BINARY[:2], domain="kinks"),
    Case("where", lambda ns, a, b: ns.where(ns.const(_MASK_34), a, b),
         [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (3, 4)), (T(3, 4), S(3, 4))]),
    Case("where_scalar", lambda ns, a: ns.where(ns.const(_MASK_34), a, 0.0), [((3, 4),)]),
    Case("cast", lambda ns, a: a.to(ns.float64) * 1.0 if ns.is_torch else ns.cast(a, ns.float64), UNARY[:2]),
    Case("clone", lambda ns, a: a.clone(), UNARY),
    Case("to_device", lambda ns, a: a.to(ns.device_of(a)) * 1.0 if ns.is_torch else ns.to_device(a, a.device),
         UNARY[:2]),
    # -- elementwise -----------------------------------------------------------------------------------------
    Case("exp", lambda ns, a: ns.exp(a), UNARY),
    Case("log", lambda ns, a: ns.log(a), UNARY, domain="positive"),
    Case("log1p", lambda ns, a: ns.log1p(a), UNARY, domain="small"),
    Case("expm1", lambda ns, a: ns.expm1(a), UNARY),
    Case("sqrt", lambda ns, a: ns.sqrt(a), UNARY, domain="positive"),
    Case("rsqrt", lambda ns, a: ns.rsqrt(a), UNARY, domain="positive"),
    Case("sin", lambda ns, a: ns.sin(a), UNARY),
    Case("cos", lambda ns, a: a.cos(), UNARY),
    Case("tan", lambda ns, a: ns.tan(a), UNARY, domain="small"),
    Case("tanh", lambda ns, a: ns.tanh(a), UNARY),
    Case("sigmoid", lambda ns, a: ns.sigmoid(a * 4), UNARY),
    Case("erf", lambda ns, a: ns.erf(a), UNARY),
    # -- reductions ------------------------------------------------------------------------------------------
    Case("sum_all", lambda ns, a: a.sum(), REDUCE + [((0, 3),), ((),)]),
    Case("sum_dim", lambda ns, a: ns.sum(a, 1), [((2, 3, 4),), (T(3, 4),), ((0, 3),), ((3, 0),)]),
    Case("sum_dims_keepdim", lambda ns, a: ns.sum(a, (0, -1), keepdim=True), [((2, 3, 4),), (S(2, 3, 2),)]),
    Case("mean_all", lambda ns, a: a.mean(), REDUCE + [((),)]),
    Case("mean_dim", lambda ns, a, **k: ns.mean(a, **k), [((2, 3, 4),), (T(3, 4),), ((2, 0),)],
         kwargs=dict(dim=-1, keepdim=True)),
    Case("mean_dims", lambda ns, a: ns.mean(a, (0, 2)), [((2, 3, 4),)]),
    Case("var_all", lambda ns, a: ns.var(a), REDUCE),
    Case("var_dim_correction0", lambda ns, a: ns.var(a, 1, correction=0), [((2, 3, 4),), (T(3, 4),)]),
    Case("var_dims_keepdim", lambda ns, a: ns.var(a, (0, 2), keepdim=True, correction=2), [((2, 3, 4),)]),
    Case("var_unbiased_false", lambda ns, a: ns.var(a, 0, unbiased=False), [((4, 3),)]),
    Case("std_all", lambda ns, a: ns.std(a), REDUCE),
    Case("std_dim", lambda ns, a: a.std(-1, keepdim=True, correction=0), [((2, 3, 4),), (S(3, 4),)]),
    Case("max_all", lambda ns, a: a.max(), REDUCE, domain="kinks"),
    Case("max_dim", lambda ns, a: ns.max(a, 1), [((2, 3, 4),), (T(3, 4),), ((3, 1),)], domain="kinks"),
    Case("max_dim_keepdim", lambda ns, a: ns.max(a, -1, keepdim=True), [((2, 3, 4),)], domain="kinks"),
    Case("min_all", lambda ns, a: ns.min(a), REDUCE, domain="kinks"),
    Case("min_dim", lambda ns, a: a.min(0), [((2, 3, 4),), (S(3, 4),)], domain="kinks"),
    Case("amax_dims", lambda ns, a: ns.amax(a, (0, 2)), [((2, 3, 4),)], domain="kinks"),
    Case("amin_keepdim", lambda ns, a: ns.amin(a, 1, keepdim=True), [((2, 3, 4),)], domain="kinks"),
    Case("logsumexp", lambda ns, a: ns.logsumexp(a, 1), [((2, 3, 4),), (T(3, 4),), ((3, 1),)]),
    Case("logsumexp_dims_keepdim", lambda ns, a: ns.logsumexp(a * 30, (0, 1), keepdim=True), [((2, 3, 4),)]),
    Case("einsum_matmul", lambda ns, a, b: ns.einsum("bij,bjk->bik", a, b), [((2, 3, 4), (2, 4, 5)),
                                                                               ((1, 2, 3), (3, 3, 0))]),
    Case("einsum_sum_and_broadcast", lambda ns, a, b: ns.einsum("i...j,j->...i", a, b),
         [((3, 2, 4), (4,)), (T(3, 4), (1,)), ((2, 1, 3), (3,))]),
    Case("einsum_implicit_outer", lambda ns, a, b: ns.einsum("i,j", a, b), [((3,), (4,))]),
    Case("einsum_trace_and_diagonal", lambda ns, a: ns.einsum("ii", a) * ns.einsum("ii->i", a),
         [((3, 3),), (T(2, 2),)]),
    Case("einsum_sum_dims", lambda ns, a: ns.einsum("ijk->j", a), [((2, 3, 4),), (S(2, 3, 2),)]),
    Case("cumsum", lambda ns, a: ns.cumsum(a, 1), [((2, 3, 4),), (T(3, 4),), ((3, 0),), ((3, 1),)]),
    Case("cumsum_last", lambda ns, a: a.cumsum(dim=-1), [((4,),), (S(2, 3),)]),
    Case("prod_all", lambda ns, a: ns.prod(a), REDUCE),
    Case("prod_dim", lambda ns, a: ns.prod(a, 1), [((2, 3, 4),), (T(3, 4),), ((3, 0),)]),
    Case("prod_dim_keepdim", lambda ns, a: a.prod(-1, keepdim=True), [((2, 3, 4),)]),
    Case("prod_with_zero", lambda ns, a: ns.prod(a * ns.const(np.array([1.0, 0.0, 1.0, 1.0])), -1),
         [((3, 4),)]),
    Case("norm_2", lambda ns, a: ns.norm(a), REDUCE),
    Case("norm_p", lambda ns, a, **k: ns.norm(a, **k), [((2, 3, 4),), (T(3, 4),)], kwargs=dict(p=3, dim=1)),
    Case("norm_1_keepdim", lambda ns, a: ns.norm(a, 1, -1, keepdim=True), [((2, 3, 4),)], domain="kinks"),
    Case("norm_inf", lambda ns, a: ns.norm(a, float("inf"), 0), [((4, 3),)], domain="kinks"),
    # -- shape -----------------------------------------------------------------------------------------------
    Case("reshape", lambda ns, a: a.reshape(4, -1), [((2, 3, 4),), (T(4, 3),), ((0, 4),)]),
    Case("reshape_fn", lambda ns, a: ns.reshape(a, (2, 6)), [((3, 4),), (S(3, 4),)]),
    Case("view", lambda ns, a: a.view(-1), [((2, 3, 4),)]),
    Case("flatten", lambda ns, a: ns.flatten(a, 1), [((2, 3, 4),), ((2, 0, 3),)]),
    Case("flatten_all", lambda ns, a: a.flatten(), [((2, 3, 4),), ((),), (S(2, 3),)]),
    Case("flatten_range", lambda ns, a: a.flatten(0, 1), [((2, 3, 4),), (T(2, 3, 4),)]),
    Case("transpose", lambda ns, a: ns.transpose(a, 0, 2), [((2, 3, 4),), (S(2, 3, 2),)]),
    Case("permute", lambda ns, a: a.permute(2, 0, 1), [((2, 3, 4),), (T(2, 3, 4),)]),
    Case("T", lambda ns, a: a.T, [((3, 4),), ((1, 4),), (S(2, 3),)]),
    Case("mT", lambda ns, a: a.mT, [((2, 3, 4),), ((3, 4),)]),
    Case("squeeze_all", lambda ns, a: ns.squeeze(a), [((1, 3, 1),), ((1,),)]),
    Case("squeeze_dim", lambda ns, a: a.squeeze(2), [((1, 3, 1),), ((3, 2, 4),)]),
    Case("unsqueeze", lambda ns, a: ns.unsqueeze(a, -1), [((3, 4),), ((),), (T(3, 4),)]),
    Case("expand", lambda ns, a: a.expand(2, -1, 4), [((3, 1),), ((1, 3, 1),)]),
    Case("cat", lambda ns, a, b: ns.cat([a, b], 1), [((2, 3), (2, 2)), ((2, 0), (2, 3)), (T(2, 3), S(2, 3))]),
    Case("cat_three_dim0", lambda ns, a, b, c: ns.cat([a, b, c]), [((1, 3), (2, 3), (0, 3))]),
    Case("stack", lambda ns, a, b: ns.stack([a, b], -1), [((2, 3), (2, 3)), ((), ()), (T(2, 3), S(2, 3))]),
    Case("split_size", lambda ns, a: ns.split(a, 2, 1), [((2, 5),), (T(2, 5),)]),
    Case("split_sections", lambda ns, a: a.split([1, 3, 0], 0), [((4, 2),)]),
    Case("chunk", lambda ns, a: ns.chunk(a, 3, -1), [((2, 5),), ((2, 6),)]),
    Case("gather", lambda ns, a: ns.gather(a, 1, ns.const(np.array([[0, 0, 2], [1, 3, 3], [2, 1, 0]]))),
         [((3, 4),), (T(3, 4),)]),
    Case("gather_dim0", lambda ns, a: a.gather(0, ns.const(np.array([[2, 2], [0, 1]]))), [((3, 2),)]),
    Case("index_select", lambda ns, a: ns.index_select(a, 0, ns.const(np.array([2, 0, 2, 1]))),
         [((3, 4),), (S(3, 2),)]),
    Case("index_select_dim1", lambda ns, a: a.index_select(-1, ns.const(np.array([1, 1]))), [((2, 3, 4),)]),
    Case("pad", lambda ns, a: ns.pad(a, (1, 2)), [((2, 3),), (T(2, 3),)]),
    # embeddings: the table is the differentiable input (padding_idx and scale_grad_by_freq change the gradient
    # on purpose, so they are compared with PyTorch in tests/test_embedding_torch.py, not by finite differences)
    Case("embedding", lambda ns, w: ns.embedding(ns.const(np.array([[0, 2], [2, 1]])), w),
         [((3, 4),), (T(3, 4),), ((3, 0),)]),
    Case("embedding_0d_index", lambda ns, w: ns.embedding(ns.const(np.array(1)), w), [((3, 2),)]),
    Case("embedding_bag_sum_weighted", lambda ns, w, p: ns.embedding_bag(
        ns.const(np.array([0, 2, 2, 1, 0])), w, ns.const(np.array([0, 2, 2])), mode="sum", per_sample_weights=p),
         [((3, 4), (5,)), (S(3, 4), (5,))]),
    Case("embedding_bag_mean", lambda ns, w: ns.embedding_bag(ns.const(np.array([[0, 2, 1], [1, 1, 0]])), w),
         [((3, 4),), ((3, 1),)]),
    Case("embedding_bag_max", lambda ns, w: ns.embedding_bag(ns.const(np.array([0, 2, 1, 1, 0])), w,
                                                             ns.const(np.array([0, 3, 3])), mode="max"),
         [((3, 4),), (T(3, 4),)]),
    Case("pad_two_dims_value", lambda ns, a: ns.pad(a, (0, 1, 2, 0), value=1.5), [((2, 3),), ((1, 2, 3),)]),
    Case("getitem_int", lambda ns, a: a[1], [((3, 4),), (T(3, 4),)]),
    Case("getitem_negative_int", lambda ns, a: a[-1, 2], [((3, 4),)]),
    Case("getitem_slices", lambda ns, a: a[1:, ::2], [((3, 4),), (S(3, 4),)]),
    Case("getitem_none_ellipsis", lambda ns, a: a[None, ..., 1], [((2, 3, 4),), ((4, 2),)]),
    Case("getitem_int_array_repeated", lambda ns, a: a[ns.const(np.array([0, 2, 0, 0]))], [((3, 4),), ((3,),)]),
    Case("getitem_int_arrays_2d", lambda ns, a: a[ns.const(np.array([0, 2, 0])), ns.const(np.array([1, 1, 1]))],
         [((3, 4),)]),
    Case("getitem_int_array_slice", lambda ns, a: a[:, ns.const(np.array([3, 3, 0]))], [((3, 4),), (T(3, 4),)]),
    # an integer beside an index array: PyTorch applies the integer first (NumPy would move the dims)
    Case("getitem_int_and_array", lambda ns, a: a[1, :, ns.const(np.array([0, 3, 0]))], [((2, 3, 4),)]),
    Case("getitem_array_none_int", lambda ns, a: a[None, ns.const(np.array([2, 0, 2])), None, 0], [((3, 4),)]),
    Case("getitem_bool_mask", lambda ns, a: a[ns.const(_MASK_34)], [((3, 4),)]),
    Case("getitem_bool_rows", lambda ns, a: a[ns.const(_MASK_3)], [((3, 4),), (T(3, 2),)]),
    Case("setitem_slice", lambda ns, a, v: _setitem(ns, a, v, (slice(None), slice(1, 3))),
         [((3, 4), (3, 2)), ((3, 4), (2,)), (T(3, 4), ())]),
    Case("setitem_int_array", lambda ns, a, v: _setitem(ns, a * 1.0, v, ns.const(np.array([0, 2]))),
         [((3, 4), (2, 4)), ((3, 4), (4,))]),
    Case("setitem_int_and_array", lambda ns, a, v: _setitem(ns, a * 1.0, v, (1, slice(None),
                                                                            ns.const(np.array([0, 2])))),
         [((2, 3, 4), (3, 2)), ((2, 3, 4), (2,))]),
    Case("setitem_bool_mask", lambda ns, a, v: _setitem(ns, a, v, ns.const(_MASK_34)), [((3, 4), ())]),
    Case("index_put_accumulate", lambda ns, a, v: _index_put(ns, a, v, (ns.const(np.array([0, 2, 0])),), True),
         [((3, 4), (3, 4)), ((3, 4), (4,))]),
    Case("index_put", lambda ns, a, v: _index_put(ns, a, v, (ns.const(np.array([1, 2])),), False),
         [((3, 4), (2, 4))]),
    # the scatter family (more in tests/test_scatter_torch.py); amax/amin away from ties
    Case("scatter_reduce_sum", lambda ns, a, s: ns.scatter_reduce(a, 0, ns.const(_SCATTER_I), s, "sum"),
         [((3, 4), (2, 4)), (T(3, 4), S(2, 4))]),
    Case("scatter_reduce_prod_noself", lambda ns, a, s: a.scatter_reduce(0, ns.const(_SCATTER_I), s, "prod",
                                                                        include_self=False), [((3, 4), (2, 4))]),
    Case("scatter_reduce_mean", lambda ns, a, s: ns.scatter_reduce(a, -1, ns.const(_SCATTER_I.T), s, "mean"),
         [((4, 3), (4, 2)), (T(4, 3), T(4, 2))]),
    Case("scatter_reduce_amax", lambda ns, a, s: ns.scatter_reduce(a, 0, ns.const(_SCATTER_I), s, "amax"),
         [((3, 4), (2, 4)), (S(3, 4), T(2, 4))], domain="kinks"),
    Case("scatter_reduce_amin_noself", lambda ns, a, s: a.scatter_reduce(0, ns.const(_SCATTER_I), s, "amin",
                                                                        include_self=False), [((3, 4), (2, 4))],
         domain="kinks"),
    Case("index_add", lambda ns, a, s: ns.index_add(a, 1, ns.const(np.array([3, 0, 3])), s, alpha=0.5),
         [((3, 4), (3, 3)), (T(3, 4), S(3, 3))]),
    Case("masked_scatter", lambda ns, a, s: ns.masked_scatter(a, ns.const(_MASK_34), s), [((3, 4), (12,)),
                                                                                          (T(3, 4), S(3, 4))]),
    # -- nn functional -----------------------------------------------------------------------------------------
    Case("relu", lambda ns, a: ns.relu(a), UNARY, domain="kinks"),
    Case("leaky_relu", lambda ns, a: ns.leaky_relu(a, 0.2), UNARY, domain="kinks"),
    Case("elu", lambda ns, a, **k: ns.elu(a, **k), UNARY, domain="kinks", kwargs=dict(alpha=1.5)),
    Case("gelu", lambda ns, a: ns.gelu(a), UNARY),
    Case("gelu_tanh", lambda ns, a: ns.gelu(a, approximate="tanh"), UNARY),
    Case("silu", lambda ns, a: ns.silu(a), UNARY),
    Case("softplus", lambda ns, a: ns.softplus(a), UNARY),
    Case("softplus_beta_threshold", lambda ns, a: ns.softplus(a * 3, beta=2.0, threshold=3.0), UNARY[:2],
         domain="kinks"),
    # the other activations (gpugrad.ops.activation_more), scaled so that the kinks domain keeps off their kinks
    Case("hardtanh", lambda ns, a: ns.hardtanh(a * 2, -1.0, 1.5), UNARY, domain="kinks"),
    Case("relu6", lambda ns, a: ns.relu6(a * 4), UNARY, domain="kinks"),
    Case("hardsigmoid", lambda ns, a: ns.hardsigmoid(a * 2), UNARY, domain="kinks"),
    Case("hardswish", lambda ns, a: ns.hardswish(a * 2), UNARY, domain="kinks"),
    Case("mish", lambda ns, a: ns.mish(a * 2), UNARY),
    Case("selu", lambda ns, a: ns.selu(a), UNARY, domain="kinks"),
    Case("celu", lambda ns, a, **k: ns.celu(a, **k), UNARY, domain="kinks", kwargs=dict(alpha=0.5)),
    Case("elu_scaled_inplace", lambda ns, a: ns.elu_(a * 1.0, 1.5, 2.0, 0.5), UNARY[:2], domain="kinks"),
    Case("logsigmoid", lambda ns, a: ns.logsigmoid(a * 3), UNARY),
    Case("softsign", lambda ns, a: ns.softsign(a), UNARY, domain="kinks"),
    Case("tanhshrink", lambda ns, a: ns.tanhshrink(a), UNARY),
    Case("softshrink", lambda ns, a: ns.softshrink(a, 0.5), UNARY, domain="kinks"),
    Case("hardshrink", lambda ns, a, **k: ns.hardshrink(a, **k), UNARY, domain="kinks", kwargs=dict(lambd=0.3)),
    Case("threshold", lambda ns, a: ns.threshold(a, 0.3, -1.0), UNARY, domain="kinks"),
    Case("softmin", lambda ns, a: ns.softmin(a, 1), [((3, 4),), ((2, 3, 4),), (T(3, 4),), ((1, 1),), ((0, 3),)]),
    Case("glu", lambda ns, a: ns.glu(a), [((3, 4),), ((1, 2),), ((0, 6),), (T(3, 4),), (S(2, 4),)]),
    Case("glu_dim0", lambda ns, a: ns.glu(a, 0), [((4, 3),), ((2, 3, 4),)]),
    Case("prelu", lambda ns, x, w: ns.prelu(x, w), [((2, 3, 4), (3,)), ((3, 4), (1,)), ((), (1,)), ((), ()),
                                                   ((0, 3), (3,)), ((4,), (1,)), ((1, 5), (5,)), (T(3, 4), S(4,))],
         domain=("kinks", "real")),
    Case("rrelu_eval", lambda ns, a: ns.rrelu(a, 0.1, 0.3), UNARY, domain="kinks"),
    Case("rrelu_train_fixed_seed", lambda ns, a: _rrelu_seeded(ns, a), UNARY, domain="kinks", torch=False),
    Case("softmax", lambda ns, a: ns.softmax(a, -1), [((3, 4),), ((2, 3, 4),), (T(3, 4),), ((1, 1),), ((0, 3),)]),
    Case("softmax_dim0", lambda ns, a: ns.softmax(a * 10, 0), [((3, 4),)]),
    Case("log_softmax", lambda ns, a: ns.log_softmax(a, 1), [((3, 4),), ((2, 3, 4),), (S(3, 4),), ((4, 1),)]),
    Case("linear", lambda ns, x, w, b: ns.linear(x, w, b), [((3, 4), (2, 4), (2,)), ((2, 3, 4), (5, 4), (5,)),
                                                            (T(3, 4), T(2, 4), S(2,)), ((0, 4), (2, 4), (2,))]),
    Case("linear_no_bias", lambda ns, x, w: ns.linear(x, w), [((3, 4), (2, 4)), ((4,), (3, 4))]),
    Case("linear_act_gelu", lambda ns, x, w, b: ns.gelu(ns.linear(x, w, b)) if ns.is_torch
         else ns.linear_act(x, w, b, "gelu"), [((3, 4), (2, 4), (2,)), ((2, 3, 4), (5, 4), (5,))]),
    Case("linear_act_relu", lambda ns, x, w, b: ns.relu(ns.linear(x, w, b)) if ns.is_torch
         else ns.linear_act(x, w, b, "relu"), [((3, 4), (2, 4), (2,)), (T(3, 4), T(2, 4), S(2,))]),
    Case("dropout_fixed_seed", lambda ns, a: ns.dropout_seeded(a, 0.4), UNARY, torch=False),
    Case("mse_loss", lambda ns, a, b, **k: ns.mse_loss(a, b, **k), [((3, 4), (3, 4)), (T(3, 4), S(3, 4))]),
    Case("mse_loss_sum", lambda ns, a, b: ns.mse_loss(a, b, reduction="sum"), [((3, 4), (3, 4))]),
    Case("mse_loss_none", lambda ns, a, b: ns.mse_loss(a, b, reduction="none"), [((3, 4), (3, 4)), ((0,), (0,))]),
    Case("l1_loss", lambda ns, a: ns.l1_loss(a, ns.const(_SOFT_34)), [((3, 4),)], domain="kinks"),
    Case("l1_loss_none", lambda ns, a: ns.l1_loss(a, ns.const(_SOFT_34) * 0.0, reduction="none"), [((3, 4),)],
         domain="kinks"),
    Case("huber_loss", lambda ns, a: ns.huber_loss(a, ns.const(_SOFT_34) * 0.0), [((3, 4),)], domain="kinks"),
    Case("huber_loss_delta", lambda ns, a: ns.huber_loss(a, ns.const(_SOFT_34) * 0.0, reduction="sum",
                                                         delta=0.5), [((3, 4),)], domain="kinks"),
    Case("cross_entropy", lambda ns, a, **k: ns.cross_entropy(a, ns.const(_TARGET_4), **k), [((4, 5),)],
         kwargs=dict(reduction="mean")),
    Case("cross_entropy_sum", lambda ns, a: ns.cross_entropy(a, ns.const(_TARGET_4), reduction="sum"),
         [((4, 5),), (T(4, 5),)]),
    Case("cross_entropy_none", lambda ns, a: ns.cross_entropy(a, ns.const(_TARGET_4), reduction="none"),
         [((4, 5),)]),
    Case("cross_entropy_ignore_index", lambda ns, a: ns.cross_entropy(a, ns.const(_TARGET_IGN)), [((4, 5),)]),
    Case("cross_entropy_ignore_index_1", lambda ns, a: ns.cross_entropy(a, ns.const(_TARGET_4 % 2),
                                                                        ignore_index=1), [((4, 5),)]),
    Case("cross_entropy_label_smoothing", lambda ns, a: ns.cross_entropy(a, ns.const(_TARGET_IGN),
                                                                         label_smoothing=0.1), [((4, 5),)]),
    Case("cross_entropy_weight", lambda ns, a: ns.cross_entropy(a, ns.const(_TARGET_IGN),
                                                                weight=ns.const(_WEIGHT_5)), [((4, 5),)]),
    Case("cross_entropy_weight_smoothing", lambda ns, a, **k: ns.cross_entropy(a, ns.const(_TARGET_IGN),
                                                                                weight=ns.const(_WEIGHT_5), **k),
         [((4, 5),)], kwargs=dict(label_smoothing=0.2)),
    Case("cross_entropy_weight_smoothing_sum", lambda ns, a: ns.cross_entropy(
        a, ns.const(_TARGET_SPATIAL), weight=ns.const(_WEIGHT_5[:3]), label_smoothing=0.1, reduction="sum"),
        [((2, 3, 2, 2),)]),
    Case("cross_entropy_weight_smoothing_none", lambda ns, a: ns.cross_entropy(
        a, ns.const(_TARGET_IGN), weight=ns.const(_WEIGHT_5), label_smoothing=0.3, reduction="none"), [((4, 5),)]),
    Case("cross_entropy_probs", lambda ns, a: ns.cross_entropy(a, ns.const(_PROBS_45)), [((4, 5),)]),
    Case("cross_entropy_probs_smoothing", lambda ns, a: ns.cross_entropy(a, ns.const(_PROBS_45), reduction="sum",
                                                                         label_smoothing=0.2), [((4, 5),)]),
    Case("cross_entropy_probs_none", lambda ns, a: ns.cross_entropy(a, ns.const(_PROBS_45), reduction="none"),
         [((4, 5),)]),
    Case("cross_entropy_spatial", lambda ns, a: ns.cross_entropy(a, ns.const(_TARGET_SPATIAL)),
         [((2, 3, 2, 2),)]),
    Case("cross_entropy_spatial_none", lambda ns, a: ns.cross_entropy(a, ns.const(_TARGET_4[:3].reshape(1, 3) % 3),
                                                                      reduction="none"), [((1, 3, 3),)]),
    Case("cross_entropy_unbatched", lambda ns, a: ns.cross_entropy(a, ns.const(np.array(3))), [((5,),)]),
    Case("nll_loss", lambda ns, a: ns.nll_loss(a, ns.const(_TARGET_4)), [((4, 5),), (T(4, 5),)]),
    Case("nll_loss_weight_ignore", lambda ns, a: ns.nll_loss(a, ns.const(_TARGET_IGN), weight=ns.const(_WEIGHT_5)),
         [((4, 5),)]),
    Case("nll_loss_sum", lambda ns, a: ns.nll_loss(a, ns.const(_TARGET_IGN), reduction="sum"), [((4, 5),)]),
    Case("nll_loss_none", lambda ns, a: ns.nll_loss(a, ns.const(_TARGET_4), reduction="none"), [((4, 5),)]),
    Case("binary_cross_entropy", lambda ns, p: ns.binary_cross_entropy(p, ns.const(_BIN_34)), [((3, 4),)],
         domain="unit"),
    Case("binary_cross_entropy_soft_weight",
         lambda ns, p: ns.binary_cross_entropy(p, ns.const(_SOFT_34), weight=ns.const(_SOFT_34[0]), reduction="sum"),
         [((3, 4),), (T(3, 4),)], domain="unit"),
    Case("bce_with_logits", lambda ns, x: ns.binary_cross_entropy_with_logits(x, ns.const(_BIN_34)),
         [((3, 4),), (S(3, 4),)], domain="kinks"),
    Case("bce_with_logits_pos_weight",
         lambda ns, x: ns.binary_cross_entropy_with_logits(x * 20, ns.const(_SOFT_34), reduction="none",
                                                           pos_weight=ns.const(_WEIGHT_5[:4])), [((3, 4),)],
         domain="kinks"),
    Case("bce_with_logits_target_grad", lambda ns, x, y: ns.binary_cross_entropy_with_logits(x, y), [((3, 4),
                                                                                                     (3, 4))],
         domain="unit"),
    Case("batch_norm_train", lambda ns, x, w, b: ns.batch_norm(x, None, None, w, b, training=True),
         [((4, 3), (3,), (3,)), ((2, 3, 4), (3,), (3,)), (T(4, 3), S(3,), (3,))]),
    Case("sync_batch_norm_world_of_one", _sync_batch_norm, [((4, 3), (3,), (3,)), ((2, 3, 4), (3,), (3,))]),
    Case("batch_norm_train_no_affine", lambda ns, x: ns.batch_norm(x, None, None, training=True, eps=1e-3),
         [((5, 2),)]),
    Case("batch_norm_eval", lambda ns, x, w, b: ns.batch_norm(x, ns.const(_SOFT_34[0, :3]), ns.const(_WEIGHT_5[:3]),
                                                              w, b), [((4, 3), (3,), (3,)), ((2, 3, 2), (3,), (3,))]),
    Case("layer_norm", lambda ns, x, w, b: ns.layer_norm(x, (4,), w, b), [((3, 4), (4,), (4,)),
                                                                           (T(3, 4), S(4,), (4,))]),
    Case("layer_norm_two_dims", lambda ns, x: ns.layer_norm(x, (3, 4)), [((2, 3, 4),)]),
    # -- distances (gpugrad.ops.distance) ------------------------------------------------------------------------
    Case("normalize", lambda ns, a: ns.normalize(a, dim=-1), [((3, 4),), ((2, 3, 4),), ((),), ((0, 3),), ((1, 1),),
                                                              (T(3, 4),)]),
    Case("normalize_p1_dim0", lambda ns, a: ns.normalize(a, p=1, dim=0), [((3, 4),)], domain="kinks"),
    Case("normalize_inf", lambda ns, a: ns.normalize(a, p=float("inf")), [((3, 4),)], domain="kinks"),
    Case("cosine_similarity", lambda ns, a, b: ns.cosine_similarity(a, b, dim=-1),
         [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), ()), ((0, 3), (1, 3)), ((1, 1), (1,)),
          (T(3, 4), S(3, 4))]),
    Case("cosine_similarity_dim0", lambda ns, a, b: ns.cosine_similarity(a, b, 0, 1e-6), [((3, 4), (3, 1))]),
    Case("pairwise_distance", lambda ns, a, b: ns.pairwise_distance(a, b),
         [((3, 4), (3, 4)), ((3, 4), (4,)), ((), ()), ((0, 3), (1, 3)), ((1, 1), (1, 1)), (T(3, 4), S(3, 4))]),
    Case("pairwise_distance_keepdim_p3", lambda ns, a, b: ns.pairwise_distance(a, b, p=3.0, keepdim=True),
         [((3, 4), (3, 4))]),
    Case("pairwise_distance_p1", lambda ns, a: ns.pairwise_distance(a, ns.const(_SOFT_34[0]) * 0.0, 1.0, 0.0),
         [((3, 4),)], domain="kinks"),
    Case("pairwise_distance_p_half", lambda ns, a: ns.pairwise_distance(a, ns.const(_SOFT_34[0]) * 0.0, 0.5),
         [((3, 4),)], domain="kinks"),
    Case("pairwise_distance_inf", lambda ns, a: ns.pairwise_distance(a, ns.const(_SOFT_34[0]) * 0.0,
                                                                      float("inf")), [((3, 4),)], domain="kinks"),
    Case("pdist", lambda ns, a: ns.pdist(a), [((4, 3),), ((1, 3),), ((3, 0),), (T(4, 3),)]),
    # PyTorch 2.13's pdist crashes (segmentation fault) on an input with no rows: gradcheck only
    Case("pdist_no_rows", lambda ns, a: ns.pdist(a), [((0, 3),)], torch=False),
    Case("pdist_p1", lambda ns, a: ns.pdist(a * 3, 1), [((4, 3),)], domain="kinks"),
    Case("pdist_inf", lambda ns, a: ns.pdist(a * 3, float("inf")), [((4, 3),)], domain="kinks"),
    Case("cdist", lambda ns, a, b: ns.cdist(a, b),
         [((3, 4), (2, 4)), ((2, 3, 4), (1, 2, 4)), ((3, 4), (2, 1, 4)), ((0, 4), (2, 4)), ((1, 1), (1, 1)),
          ((3, 0), (2, 0)), (T(3, 4), S(2, 4))]),
    Case("cdist_p1", lambda ns, a: ns.cdist(a * 3, ns.const(_SOFT_34), p=1.0), [((2, 4),)], domain="kinks"),
    Case("cdist_inf", lambda ns, a: ns.cdist(a * 3, ns.const(_SOFT_34), p=float("inf")), [((2, 4),)],
         domain="kinks"),
    Case("cdist_p_half", lambda ns, a, b: ns.cdist(a, b + 3.0, 0.5), [((2, 4), (3, 4))], domain="positive"),
    Case("cdist_mm", lambda ns, a, b: ns.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
         [((3, 4), (2, 4)), ((2, 3, 4), (1, 2, 4)), (T(3, 4), S(2, 4))]),
    Case("cdist_mm_many_rows", lambda ns, a, b: ns.cdist(a, b), [((26, 2), (3, 2))]),
    # -- more losses (gpugrad.ops.losses_more, losses_margin) ------------------------------------------------------
    Case("kl_div_batchmean", lambda ns, a, b: ns.kl_div(a, b, reduction="batchmean"),
         [((3, 4), (3, 4)), ((3, 4), (4,)), ((), ()), ((1, 1), (1, 1))], domain=("real", "positive")),
    Case("kl_div_none", lambda ns, a, b: ns.kl_div(a, b, reduction="none"), [((3, 4), (1, 4)), ((0, 3), (0, 3))],
         domain=("real", "positive")),
    Case("kl_div_log_target_sum", lambda ns, a, b: ns.kl_div(a, b, reduction="sum", log_target=True),
         [((3, 4), (3, 4)), ((2, 3), (3,))]),
    Case("gaussian_nll_loss", lambda ns, a, b, v: ns.gaussian_nll_loss(a, b, v),
         [((3, 4), (3, 4), (3, 4)), ((3, 4), (3, 4), (3,)), ((3, 4), (4,), (3, 1)), ((), (), ()),
          ((1, 1), (1, 1), (1,))], domain=("real", "real", "positive")),
    Case("gaussian_nll_loss_full_sum", lambda ns, a, b, v: ns.gaussian_nll_loss(a, b, v, full=True, reduction="sum"),
         [((3, 4), (3, 4), (3, 4)), ((0, 3), (0, 3), (0, 3))], domain=("real", "real", "positive")),
    Case("gaussian_nll_loss_none", lambda ns, a, b, v: ns.gaussian_nll_loss(a, b, v, reduction="none", eps=0.1),
         [((3, 4), (3, 4), (1, 4))], domain=("real", "real", "positive")),
    Case("poisson_nll_loss", lambda ns, a, b: ns.poisson_nll_loss(a, b), [((3, 4), (3, 4)), ((3, 4), (4,)),
                                                                          ((), ())], domain=("real", "positive")),
    Case("poisson_nll_loss_rate_full", lambda ns, a, b: ns.poisson_nll_loss(a, b * 2, log_input=False, full=True,
                                                                              reduction="none"),
         [((3, 4), (3, 4)), ((0, 3), (0, 3))], domain="positive"),
    Case("soft_margin_loss", lambda ns, a: ns.soft_margin_loss(a * 4, ns.const(_SIGN_34)), [((3, 4),), (T(3, 4),)]),
    Case("soft_margin_loss_sum", lambda ns, a: ns.soft_margin_loss(a, ns.const(np.array(-1.0)), reduction="sum"),
         [((3, 4),), ((),), ((0, 3),), ((1, 5),)]),
    Case("multilabel_soft_margin_loss", lambda ns, a, y: ns.multilabel_soft_margin_loss(a * 4, y),
         [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (4,)), ((1, 1), (1, 1))], domain=("real", "unit")),
    Case("multilabel_soft_margin_loss_weight_none", lambda ns, a: ns.multilabel_soft_margin_loss(
        a, ns.const(_BIN_34), weight=ns.const(_WEIGHT_5[:4]), reduction="none"), [((3, 4),)]),
    Case("margin_ranking_loss", lambda ns, a, b, y: ns.margin_ranking_loss(a, b, y, margin=0.3),
         [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (3, 4)), ((), (), ())]),
    Case("margin_ranking_loss_sign_none", lambda ns, a, b: ns.margin_ranking_loss(a, b, ns.const(_SIGN_34),
                                                                                  reduction="none"),
         [((3, 4), (3, 4)), (T(3, 4), S(3, 4))]),
    Case("hinge_embedding_loss", lambda ns, a: ns.hinge_embedding_loss(a, ns.const(_SIGN_34[0])),
         [((3, 4),), ((4,),), ((1, 4),)], domain="kinks"),
    Case("hinge_embedding_loss_sum", lambda ns, a: ns.hinge_embedding_loss(a, ns.const(_SIGN_34), margin=0.5,
                                                                          reduction="sum"), [((3, 4),)],
         domain="kinks"),
    Case("cosine_embedding_loss", lambda ns, a, b: ns.cosine_embedding_loss(a, b, ns.const(_SIGN_3), margin=-0.5),
         [((3, 4), (3, 4)), ((3, 4), (1, 4)), (T(3, 4), S(3, 4))]),
    Case("cosine_embedding_loss_vector", lambda ns, a, b: ns.cosine_embedding_loss(a, b, ns.const(np.array(-1.0)),
                                                                                    margin=-0.9, reduction="sum"),
         [((4,), (4,))]),
    Case("multi_margin_loss", lambda ns, a: ns.multi_margin_loss(a, ns.const(_TARGET_4[:3] % 4)),
         [((3, 4),), (T(3, 4),)], domain="kinks"),
    Case("multi_margin_loss_p2_weight", lambda ns, a: ns.multi_margin_loss(a, ns.const(_TARGET_4[:3] % 4), p=2,
                                                                           margin=0.5, weight=ns.const(_WEIGHT_5[:4]),
                                                                           reduction="none"), [((3, 4),)],
         domain="kinks"),
    Case("multi_margin_loss_vector", lambda ns, a: ns.multi_margin_loss(a, ns.const(np.array(2)), reduction="sum"),
         [((4,),)], domain="kinks"),
    Case("multilabel_margin_loss", lambda ns, a: ns.multilabel_margin_loss(a, ns.const(_MULTILABEL_34)),
         [((3, 4),), (S(3, 4),)], domain="kinks"),
    Case("multilabel_margin_loss_vector_none", lambda ns, a: ns.multilabel_margin_loss(
        a, ns.const(_MULTILABEL_34[1]), reduction="none"), [((4,),)], domain="kinks"),
    Case("triplet_margin_loss", lambda ns, a, p, n: ns.triplet_margin_loss(a, p, n),
         [((3, 4), (3, 4), (3, 4)), ((3, 4), (1, 4), (3, 1)), ((4,), (4,), (4,)), ((1, 1), (1, 1), (1, 1))]),
    Case("triplet_margin_loss_swap_p1_sum", lambda ns, a, p, n: ns.triplet_margin_loss(
        a, p, n, margin=0.5, p=1, swap=True, reduction="sum"), [((3, 4), (3, 4), (3, 4)), ((0, 4), (0, 4), (0, 4))]),
    Case("triplet_margin_with_distance_loss", lambda ns, a, p, n: ns.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: 1 - ns.cosine_similarity(u, v), margin=0.5, swap=True,
        reduction="none"), [((3, 4), (3, 4), (3, 4))]),
    Case("triplet_margin_with_distance_loss_default", lambda ns, a, p, n: ns.triplet_margin_with_distance_loss(
        a, p, n), [((3, 4), (3, 4), (3, 4))]),
    Case("rms_norm", lambda ns, x, w: ns.rms_norm(x, (4,), w), [((3, 4), (4,)), (T(3, 4), S(4,)), ((0, 4), (4,)),
                                                               ((2, 1, 4), (4,))]),
    Case("rms_norm_two_dims_eps", lambda ns, x: ns.rms_norm(x, (3, 4), eps=1e-3), [((2, 3, 4),), ((1, 3, 4),)]),
    Case("group_norm", lambda ns, x, w, b: ns.group_norm(x, 2, w, b), [((2, 4, 3), (4,), (4,)), ((3, 4), (4,), (4,)),
                                                                       ((0, 4, 3), (4,), (4,)), ((1, 2, 2, 3), (2,),
                                                                                                 (2,))]),
    Case("group_norm_no_affine", lambda ns, x: ns.group_norm(x, 3, eps=1e-3), [((2, 6, 2),), (T(2, 3, 2),)]),
    Case("instance_norm", lambda ns, x, w, b: ns.instance_norm(x, weight=w, bias=b), [((2, 3, 4), (3,), (3,))]),
    Case("instance_norm_running_stats", lambda ns, x: ns.instance_norm(x, ns.const(np.zeros(3)), ns.const(np.ones(3))),
         [((2, 3, 4),)]),
    Case("bilinear", lambda ns, a, b, w, c: ns.bilinear(a, b, w, c), [((4, 3), (4, 2), (5, 3, 2), (5,)),
                                                                       ((2, 2, 3), (2, 2, 2), (1, 3, 2), (1,)),
                                                                       ((0, 3), (0, 2), (2, 3, 2), (2,)),
                                                                       (T(4, 3), S(4, 2), (2, 3, 2), (2,))]),
    Case("bilinear_no_bias", lambda ns, a, b, w: ns.bilinear(a, b, w), [((3,), (2,), (4, 3, 2))]),
    Case("dropout2d_fixed_seed", lambda ns, a: _seeded(ns, "dropout2d", a, 0.4), [((3, 4, 2, 2),), ((2, 3, 0, 2),)],
         torch=False),
    Case("dropout1d_unbatched_fixed_seed", lambda ns, a: _seeded(ns, "dropout1d", a, 0.4), [((4, 3),)], torch=False),
    Case("alpha_dropout_fixed_seed", lambda ns, a: _seeded(ns, "alpha_dropout", a, 0.3, True), UNARY, torch=False),
    Case("feature_alpha_dropout_fixed_seed", lambda ns, a: _seeded(ns, "feature_alpha_dropout", a, 0.3, True),
         [((3, 4, 2),), (T(3, 4),)], torch=False),
    # -- shape and indexing ops (gpugrad/ops/views.py, shape_build.py, indexing.py) -------------------------------
    Case("diagonal", lambda ns, a: ns.diagonal(a, 1), [((3, 4),), (T(3, 4),), ((0, 3),), (S(3, 3),)]),
    Case("diagonal_dims", lambda ns, a: a.diagonal(-1, 2, 0), [((3, 2, 4),)]),
    Case("diagonal_scatter", lambda ns, a, s: ns.diagonal_scatter(a, s, -1), [((3, 4), (2,)), (T(3, 3), (2,))]),
    Case("diag_embed", lambda ns, a: ns.diag_embed(a, 1, 0, 2), [((2, 3),), ((2, 0),)]),
    Case("diag", lambda ns, a: ns.diag(a, -1), [((3,),), ((3, 4),), (T(3, 4),)]),
    Case("diagflat", lambda ns, a: ns.diagflat(a), [((2, 2),), ((),)]),
    Case("unfold", lambda ns, a: a.unfold(1, 2, 1), [((3, 4),), (T(3, 4),), ((2, 2),)]),
    Case("unfold_scalar", lambda ns, a: a.unfold(0, 1, 1), [((),)]),
    Case("select", lambda ns, a: ns.select(a, 1, -1), [((3, 4),), (T(3, 4),)]),
    Case("select_scatter", lambda ns, a, s: ns.select_scatter(a, s, 0, 1), [((3, 4), (4,))]),
    Case("slice_scatter", lambda ns, a, s: ns.slice_scatter(a, s, 1, 1, None, 2), [((3, 4), (3, 2))]),
    Case("movedim", lambda ns, a: ns.movedim(a, (0, 2), (-1, 0)), [((2, 3, 4),)]),
    Case("unflatten", lambda ns, a: a.unflatten(-1, (2, -1)), [((3, 4),), ((0, 4),)]),
    Case("tensor_split", lambda ns, a: ns.tensor_split(a, 3, 1), [((2, 4),), (T(2, 5),)]),
    Case("tensor_split_indices", lambda ns, a: a.tensor_split([1, 3]), [((5,),), ((4, 2),)]),
    Case("flip", lambda ns, a: ns.flip(a, (0, -1)), [((3, 4),), (T(3, 4),), ((0, 3),)]),
    Case("roll", lambda ns, a: ns.roll(a, (1, -5), (0, 1)), [((3, 4),), (T(3, 4),), ((0, 3),)]),
    Case("roll_flat", lambda ns, a: ns.roll(a, 2), [((3, 4),), ((),)]),
    Case("rot90", lambda ns, a: ns.rot90(a, -1, (1, 0)), [((3, 4),), (T(2, 3),)]),
    Case("tril", lambda ns, a: ns.tril(a, 1), [((3, 4),), ((2, 3, 3),), (T(3, 4),), ((0, 2),)]),
    Case("triu", lambda ns, a: ns.triu(a, -1), [((3, 4),), (S(3, 3),)]),
    Case("tile", lambda ns, a: ns.tile(a, (2,)), [((3, 2),), ((),), ((0,),)]),
    Case("repeat_interleave", lambda ns, a: ns.repeat_interleave(a, ns.const(np.array([2, 0, 1])), dim=0),
         [((3, 2),), (T(3, 2),)]),
    Case("repeat_interleave_flat", lambda ns, a: a.repeat_interleave(2), [((2, 2),), ((),)]),
    Case("hstack", lambda ns, a, b: ns.hstack([a, b]), [((3,), (2,)), ((2, 3), (2, 1))]),
    Case("vstack", lambda ns, a, b: ns.vstack((a, b)), [((3,), (3,)), ((), ())]),
    Case("dstack", lambda ns, a, b: ns.dstack([a, b]), [((2, 3), (2, 3)), ((2,), (2,))]),
    Case("column_stack", lambda ns, a, b: ns.column_stack([a, b]), [((3,), (3, 2)), ((), ())]),
    Case("atleast_3d", lambda ns, a: ns.atleast_3d(a), [((),), ((2,),), ((2, 3),)]),
    Case("meshgrid_xy", lambda ns, a, b: ns.meshgrid(a, b, indexing="xy"), [((3,), (2,)), ((), (2,))]),
    Case("cartesian_prod", lambda ns, a, b: ns.cartesian_prod(a, b), [((3,), (2,))]),
    Case("combinations", lambda ns, a: ns.combinations(a, 2, with_replacement=True), [((3,),), ((1,),)]),
    Case("block_diag", lambda ns, a, b, c: ns.block_diag(a, b, c), [((2, 3), (), (2,))]),
    Case("broadcast_tensors", lambda ns, a, b: ns.broadcast_tensors(a, b), [((3, 1), (4,)), ((), (2,))]),
    Case("take", lambda ns, a: ns.take(a, ns.const(np.array([[0, -1], [3, 3]]))), [((2, 3),), (T(2, 3),)]),
    Case("put_accumulate", lambda ns, a, s: a.put(ns.const(np.array([1, 1, -1])), s, accumulate=True),
         [((2, 3), (3,)), (T(2, 3), (3,))]),
    Case("put", lambda ns, a, s: ns.put(a, ns.const(np.array([1, 0])), s), [((2, 3), (2,))]),
    Case("index_put_tuple_mask", lambda ns, a, v: a.index_put((ns.const(_MASK_3), ns.const(np.array([1, 0]))), v,
                                                              accumulate=True), [((3, 4), (2,)), ((3, 4), ())]),
    Case("index_put_", lambda ns, a, v: (a * 1.0).index_put_((ns.const(np.array([2, 0])),), v),
         [((3, 4), (4,))]),
    Case("masked_fill_fn", lambda ns, a: ns.masked_fill(a, ns.const(_MASK_3 == False).reshape(3, 1), -1.0),  # noqa
         [((3, 4),), ((3, 1),)]),
    Case("masked_fill_tensor_value", lambda ns, a, v: (a * 1.0).masked_fill_(ns.const(_MASK_34), v),
         [((3, 4), ())]),
    Case("masked_select", lambda ns, a: ns.masked_select(a, ns.const(_MASK_3).reshape(3, 1)), [((3, 4),), ((4,),)]),
    # -- more reductions, scans, order statistics and statistics (reduce_more, scan_more, order_stats, stats) -----
    Case("cumprod", lambda ns, a: ns.cumprod(a, 1), [((2, 3, 4),), (T(3, 4),), ((3, 0),), ((3, 1),)]),
    Case("cumprod_0d_method", lambda ns, a: a.cumprod(0), [((),), (S(5,),)]),
    Case("cumprod_with_zeros", lambda ns, a: ns.cumprod(a * ns.const(_ZEROS_35), -1), [((3, 5),)]),
    Case("cumprod_inplace", lambda ns, a: (a * 1.0).cumprod_(0), [((3, 2),)]),
    Case("cumsum_inplace", lambda ns, a: (a * 1.0).cumsum_(-1), [((3, 2),)]),
    Case("logcumsumexp", lambda ns, a: ns.logcumsumexp(a, 1), [((2, 3, 4),), (T(3, 4),), ((3, 0),), ((1, 5),)]),
    Case("logcumsumexp_large", lambda ns, a: (a * 300).logcumsumexp(0), [((4, 2),), ((),)]),
    Case("cummax", lambda ns, a: ns.cummax(a, 1).values, [((2, 3, 4),), (T(3, 4),), ((3, 0),)], domain="kinks"),
    Case("cummax_0d", lambda ns, a: ns.cummax(a, -1).values, [((),)]),
    Case("cummin", lambda ns, a: a.cummin(-1)[0], [((2, 5),), (S(3, 4),)], domain="kinks"),
    Case("median_all", lambda ns, a: ns.median(a), REDUCE + [((),)], domain="kinks"),
    Case("median_dim", lambda ns, a: ns.median(a, 1).values, [((2, 3, 4),), (T(4, 3),), ((3, 1),)], domain="kinks"),
    Case("median_dim_keepdim", lambda ns, a: a.median(-1, keepdim=True)[0], [((2, 4),)], domain="kinks"),
    Case("nanmedian", lambda ns, a: ns.nanmedian(ns.where(ns.const(_MASK_34), ns.const(_NAN_34), a), 1).values
         + ns.nanmedian(ns.where(ns.const(_MASK_34), ns.const(_NAN_34), a)), [((3, 4),)], domain="kinks"),
    Case("kthvalue", lambda ns, a: ns.kthvalue(a, 2, 1).values, [((2, 3, 4),), (T(3, 4),)], domain="kinks"),
    Case("kthvalue_keepdim", lambda ns, a: a.kthvalue(1, 0, keepdim=True).values, [((3, 2),), ((),)],
         domain="kinks"),
    Case("mode", lambda ns, a: ns.mode(a[:, [0, 1, 0, 2, 1, 0]], -1).values, [((2, 3),)]),
    Case("mode_distinct", lambda ns, a: a.mode(0).values, [((4, 3),), (T(3, 4),)], domain="kinks"),
    Case("quantile_linear", lambda ns, a: ns.quantile(a, 0.3, 1), [((2, 3, 4),), (T(3, 4),), ((3, 1),)],
         domain="kinks"),
    Case("quantile_all_q_tensor", lambda ns, a: ns.quantile(a, ns.const(np.array([0.1, 0.5, 0.9]))),
         [((3, 4),), ((),)], domain="kinks"),
    Case("quantile_modes", lambda ns, a: sum(ns.quantile(a, 0.4, 0, keepdim=True, interpolation=m) * (i + 1)
                                            for i, m in enumerate(["lower", "higher", "nearest", "midpoint"])),
         [((5, 2),)], domain="kinks"),
    Case("nanquantile", lambda ns, a: ns.nanquantile(ns.where(ns.const(_MASK_34), ns.const(_NAN_34), a),
                                                     ns.const(np.array([0.25, 0.75])), 1, keepdim=True),
         [((3, 4),)], domain="kinks"),
    Case("msort", lambda ns, a: ns.msort(a), [((4, 3),), ((),)], domain="kinks"),
    Case("aminmax", lambda ns, a: (lambda r: r.min + 2 * r.max)(ns.aminmax(a, dim=1)), [((2, 3, 4),), (T(3, 4),)],
         domain="kinks"),
    Case("aminmax_all", lambda ns, a: (lambda r: r[0] * r[1])(a.aminmax()), [((3, 4),), ((),)], domain="kinks"),
    Case("nansum_nanmean", lambda ns, a: ns.nansum(ns.where(ns.const(_MASK_34), ns.const(_NAN_34), a), 1)
         + ns.nanmean(ns.where(ns.const(_MASK_34), ns.const(_NAN_34), a), 1), [((3, 4),)]),
    Case("nansum_dims", lambda ns, a: a.nansum((0, 2), keepdim=True) + ns.nanmean(a), [((2, 3, 4),), ((0, 3, 2),)]),
    Case("dist", lambda ns, a, b, **k: ns.dist(a, b, **k), [((3, 4), (3, 4)), ((3, 1), (4,)), ((), ())]),
    Case("dist_p", lambda ns, a, b: ns.dist(a, b, 3) + a.dist(b, 1) + ns.dist(a, b, float("inf")),
         [((3, 4), (4,))], domain="kinks"),
    Case("renorm", lambda ns, a: ns.renorm(a, 2, 0, 1.5), [((3, 4),), (T(3, 4),), ((1, 4),)], domain="kinks"),
    Case("renorm_p1_method", lambda ns, a: a.renorm(1, 1, 2.0) + (a * 1.0).renorm_(3, -1, 1.0), [((2, 3, 2),)],
         domain="kinks"),
    Case("diff", lambda ns, a: ns.diff(a), [((3, 4),), (T(3, 4),), ((3, 0),), ((1,),)]),
    Case("diff_n_prepend_append", lambda ns, a, p, q: ns.diff(a, n=2, dim=0, prepend=p, append=q),
         [((3, 4), (1, 4), (2, 4))]),
    Case("trapezoid_dx", lambda ns, a: ns.trapezoid(a, dx=0.5) + ns.trapz(a, dim=0).sum(), [((3, 4),), ((3, 1),)]),
    Case("trapezoid_x", lambda ns, y, x: ns.trapezoid(y, x, dim=0), [((4, 3), (4,)), ((4, 3), (4, 3)), ((4, 3), (4, 1))]),
    Case("trapezoid_empty", lambda ns, a: ns.trapezoid(a, dim=0), [((0, 3),)]),
    Case("cumulative_trapezoid", lambda ns, a, x: ns.cumulative_trapezoid(a, x) + ns.cumulative_trapezoid(a, dx=2.0),
         [((3, 4), (4,)), ((2, 3), (2, 3))]),
    Case("cov", lambda ns, a: ns.cov(a), [((3, 5),), ((5,),), (T(3, 4),)]),
    Case("cov_weights", lambda ns, a, w: ns.cov(a, correction=2, fweights=ns.const(np.array([1, 2, 1, 3, 1])),
                                                aweights=w), [((3, 5), (5,))], domain=("real", "positive")),
    Case("corrcoef", lambda ns, a: ns.corrcoef(a), [((3, 5),), ((4,),)]),
    # -- composites that cross families (the lecture example, a two-layer net) ----------------------------------
    Case("lecture_example", lambda ns, x: (x ** 2 + (x ** 2).sin()) * x ** 2, UNARY[:2]),
    Case("mlp", lambda ns, x, w1, w2: ns.log_softmax(ns.relu(x @ w1).matmul(w2), -1),
         [((4, 3), (3, 5), (5, 2))], domain="kinks"),
    # -- gpugrad.distributions' private gammainc (tests/test_distributions_torch.py has the distributions) -------------
    # PyTorch's gammainc is accurate to ~4e-10 only (SciPy agrees with gpugrad's to 1e-14): gradcheck alone
    Case("dist_gammainc", lambda ns, x: _dist(ns, "gammainc", ns.const(np.array([[0.4], [1.5], [7.0]])), x * 3.0),
         [((3, 4),), ((4,),), ((3, 1),), ((1, 0),)], domain="positive", torch=False),
    # -- linear algebra (inputs built well conditioned: _spd, _well; eigen/singular vectors sign-free) ----------------
    Case("linalg_det", lambda ns, a: ns.linalg.det(_well(ns, a)), SQUARE),
    Case("linalg_slogdet", lambda ns, a: ns.linalg.slogdet(a), SQUARE[:4]),
    Case("linalg_solve", lambda ns, a, b: ns.linalg.solve(_well(ns, a), b),
         [((3, 3), (3, 2)), ((2, 3, 3), (3,)), ((2, 1, 3, 3), (4, 3, 1)), (T(3, 3), S(3, 2)), ((0, 3, 3), (0, 3))]),
    Case("linalg_solve_triangular", lambda ns, a, b: ns.linalg.solve_triangular(_well(ns, a), b, upper=True),
         [((3, 3), (3, 2)), ((2, 3, 3), (1, 3, 1)), (T(3, 3), S(3, 2))]),
    Case("linalg_solve_triangular_unit_right", lambda ns, a, b: ns.linalg.solve_triangular(
        a, b, upper=False, left=False, unitriangular=True), [((3, 3), (2, 3))]),
    Case("linalg_cholesky", lambda ns, a: ns.linalg.cholesky(_spd(ns, a)), SQUARE),
    Case("linalg_eigh", lambda ns, a: _eigh_invariants(ns, a), SQUARE[:4]),
    Case("linalg_eigh_upper", lambda ns, a: _eigh_invariants(ns, a, "U"), [((3, 3),)]),
    Case("linalg_svd", lambda ns, a: _svd_invariants(ns, a), [((3, 3),), ((2, 4, 3),), ((3, 5),), (T(3, 4),),
                                                             ((1, 2),)]),
    Case("linalg_svd_full", lambda ns, a: _svd_invariants(ns, a, True), [((4, 3),), ((2, 3, 5),)]),
    Case("linalg_qr", lambda ns, a: ns.linalg.qr(a), [((4, 3),), ((3, 3),), ((2, 3, 5),), (T(4, 3),), ((1, 1),)]),
    Case("linalg_matrix_exp", lambda ns, a: ns.linalg.matrix_exp(a), SQUARE[:5]),
    Case("linalg_matrix_exp_scaled", lambda ns, a: ns.linalg.matrix_exp(3 * a), [((3, 3),)]),
    Case("linalg_inv", lambda ns, a: ns.linalg.inv(_well(ns, a)), SQUARE[:3]),
    Case("linalg_pinv", lambda ns, a: ns.linalg.pinv(a), [((4, 3),), ((2, 3, 4),)]),
    Case("linalg_matrix_norm_nuc", lambda ns, a: ns.linalg.matrix_norm(a, "nuc"), [((3, 4),)]),
    Case("linalg_cholesky_solve", lambda ns, a, b: ns.cholesky_solve(b, ns.linalg.cholesky(_spd(ns, a))),
         [((3, 3), (3, 2))]),
    Case("kron", lambda ns, a, b: ns.kron(a, b), [((2, 3), (3, 2)), ((2,), (2, 1, 3)), ((0, 2), (2, 2))]),
    Case("tensordot", lambda ns, a, b: ns.tensordot(a, b, dims=([0, 2], [2, 0])), [((2, 3, 4), (4, 5, 2))]),
    Case("baddbmm", lambda ns, x, a, b: ns.baddbmm(x, a, b, beta=0.5, alpha=2), [((2, 3, 4), (2, 3, 5), (2, 5, 4)),
                                                                              ((4,), (2, 3, 5), (2, 5, 4))]),
]


# -- elementwise math (gpugrad/ops/umath_unary.py, umath_binary.py) ------------------------------------------------
def _sp(ns, name):
    """``special.<name>`` of the namespace's library (gpugrad's namespace has backend.special under that name)."""
    import gpugrad.special
    return getattr(ns.special if ns.is_torch else gpugrad.special, name)


CASES += [
    Case("acos", lambda ns, a: ns.acos(a), UNARY, domain="small"),
    Case("asin", lambda ns, a: ns.arcsin(a), UNARY, domain="small"),
    Case("atan", lambda ns, a: ns.atan(a), UNARY),
    Case("acosh", lambda ns, a: ns.acosh(a + 1.0), UNARY, domain="positive"),
    Case("asinh", lambda ns, a: ns.asinh(a), UNARY),
    Case("atanh", lambda ns, a: ns.arctanh(a), UNARY, domain="small"),
    Case("cosh", lambda ns, a: ns.cosh(a), UNARY),
    Case("sinh", lambda ns, a: ns.sinh(a), UNARY),
    Case("log2", lambda ns, a: ns.log2(a), UNARY, domain="positive"),
    Case("log10", lambda ns, a: ns.log10(a), UNARY, domain="positive"),
    Case("exp2", lambda ns, a: ns.exp2(a), UNARY),
    Case("erfc", lambda ns, a: ns.erfc(a), UNARY),
    Case("erfinv", lambda ns, a: ns.erfinv(a), UNARY, domain="small"),
    Case("lgamma", lambda ns, a: ns.lgamma(a * 3.0 - 3.1), UNARY, domain="unit"),
    Case("digamma", lambda ns, a: ns.digamma(a), UNARY, domain="positive"),
    Case("digamma_negative", lambda ns, a: ns.digamma(a - 2.0), UNARY[:2], domain="unit"),
    Case("polygamma_2", lambda ns, a: ns.polygamma(2, a), UNARY, domain="positive"),
    Case("mvlgamma_3", lambda ns, a: ns.mvlgamma(a + 1.0, 3), UNARY, domain="positive"),
    Case("i0", lambda ns, a: ns.i0(a), UNARY),
    Case("special_i0e", lambda ns, a: _sp(ns, "i0e")(a * 20.0), UNARY),
    Case("special_i1", lambda ns, a: _sp(ns, "i1")(a), UNARY),
    Case("special_i1e", lambda ns, a: _sp(ns, "i1e")(a * 20.0), UNARY),
    Case("special_erfcx", lambda ns, a: _sp(ns, "erfcx")(a * 5.0), UNARY),
    Case("special_log_ndtr", lambda ns, a: _sp(ns, "log_ndtr")(a * 10.0), UNARY),
    Case("special_ndtri", lambda ns, a: _sp(ns, "ndtri")(a), UNARY, domain="unit"),
    Case("special_ndtr", lambda ns, a: _sp(ns, "ndtr")(a), UNARY),
    Case("special_entr", lambda ns, a: _sp(ns, "entr")(a), UNARY, domain="positive"),
    Case("sinc", lambda ns, a: ns.sinc(a), UNARY),
    Case("logit", lambda ns, a: ns.logit(a), UNARY, domain="unit"),
    Case("logit_eps", lambda ns, a: ns.logit(a, 0.2), UNARY, domain="kinks"),
    Case("nan_to_num", lambda ns, a: ns.nan_to_num(ns.log(a), posinf=3.0), UNARY, domain="real"),
    Case("frac_trunc", lambda ns, a: ns.frac(a * 3.0) + ns.trunc(a * 3.0), UNARY, domain="kinks"),
    Case("reciprocal", lambda ns, a: ns.reciprocal(a), UNARY, domain="positive"),
    Case("deg2rad_rad2deg", lambda ns, a: ns.deg2rad(a) * ns.rad2deg(a), UNARY),
    Case("atan2", lambda ns, a, b: ns.atan2(a, b), BINARY),
    Case("hypot", lambda ns, a, b: ns.hypot(a, b), BINARY),
    Case("copysign", lambda ns, a, b: ns.copysign(a, b), BINARY, domain="kinks"),
    Case("copysign_scalar", lambda ns, a: ns.copysign(a, -1.0), UNARY, domain="kinks"),
    Case("fmod", lambda ns, a, b: ns.fmod(a, b), [((3, 4), (3, 4)), ((3, 1), (4,)), (T(3, 4), ())], domain="positive"),
    Case("fmod_negative", lambda ns, a, b: ns.fmod(-a, b), [((3, 4), (3, 4))], domain="positive"),
    Case("fmax", lambda ns, a, b: ns.fmax(a, b), BINARY, domain="kinks"),
    Case("fmin", lambda ns, a, b: ns.fmin(a, b), BINARY, domain="kinks"),
    Case("logaddexp", lambda ns, a, b: ns.logaddexp(a, b), BINARY),
    Case("logaddexp2", lambda ns, a, b: ns.logaddexp2(a, b), BINARY),
    Case("xlogy", lambda ns, a, b: ns.xlogy(a, b), BINARY, domain="positive"),
    Case("special_xlog1py", lambda ns, a, b: _sp(ns, "xlog1py")(a, b), BINARY, domain="positive"),
    Case("lerp_scalar", lambda ns, a, b: ns.lerp(a, b, 0.7), BINARY),
    Case("lerp_tensor", lambda ns, a, b, w: ns.lerp(a, b, w), [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (1, 4)),
                                                                ((), (2, 3), ())]),
    Case("addcmul", lambda ns, a, b, c: ns.addcmul(a, b, c, value=0.5), [((3, 4), (3, 1), (4,))]),
    Case("addcdiv", lambda ns, a, b, c: ns.addcdiv(a, b, c, value=2), [((3, 4), (3, 1), (4,))], domain="positive"),
    Case("float_power", lambda ns, a, b: ns.float_power(a, b).to(a.dtype), BINARY[:2], domain="positive"),
    Case("ldexp", lambda ns, a, b: ns.ldexp(a, b), BINARY[:2]),
    # nextafter: one ulp from a, differentiated as a itself (zeros for b); frexp's mantissa: x 2^-exponent
    Case("nextafter", lambda ns, a, b: ns.nextafter(a, b), [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((), (2, 3))]),
    Case("frexp_mantissa", lambda ns, a: ns.frexp(a * 3.0).mantissa, UNARY),
]

# vector products and trace (gpugrad/ops/products.py): function and method forms
_VECS = [((3,), (3,)), ((0,), (0,)), ((1,), (1,)), (S(3), S(3))]
CASES += [
    Case("dot", lambda ns, a, b: ns.dot(a, b) + a.dot(b), _VECS),
    Case("vdot", lambda ns, a, b: ns.vdot(a, b) * b.vdot(a), _VECS),
    Case("inner", lambda ns, a, b: ns.inner(a, b),
         [((3,), (3,)), ((2, 3), (4, 3)), ((2, 1, 3), T(2, 3)), ((), (2, 3)), ((2, 3), ()), ((0, 3), (2, 3)),
          ((2, 0), (3, 0)), ((1, 1), (1,))]),
    Case("inner_method", lambda ns, a, b: a.inner(b), [((2, 3), (3,))]),
    Case("outer", lambda ns, a, b: ns.outer(a, b) + a.outer(b),
         [((3,), (4,)), ((0,), (2,)), ((1,), (1,)), (S(3), (2,))]),
    Case("ger", lambda ns, a, b: ns.ger(a, b) * a.ger(b), [((3,), (4,)), ((1,), (0,))]),
    Case("mv", lambda ns, m, v: ns.mv(m, v) + m.mv(v),
         [((2, 3), (3,)), (T(2, 3), S(3)), ((0, 3), (3,)), ((2, 0), (0,)), ((1, 1), (1,))]),
    Case("trace", lambda ns, a: ns.trace(a) * a.trace(),
         [((3, 3),), ((2, 4),), ((4, 2),), (T(3, 4),), (S(3, 3),), ((0, 3),), ((1, 1),)]),
    # -- top-level numeric helpers (gpugrad/ops/numeric_more.py) --
    Case("gradient", lambda ns, a: ns.gradient(a)[0] + ns.gradient(a)[1] * 2, [((3, 4),), (T(3, 4),), (S(3, 4),)]),
    Case("gradient_1d", lambda ns, a: ns.gradient(a)[0] * ns.gradient(a, edge_order=2)[0], [((5,),), ((3,),)]),
    Case("gradient_spacing", lambda ns, a: ns.gradient(a, spacing=2.0, dim=1, edge_order=2)[0]
         + ns.gradient(a, spacing=[0.5], dim=[-1])[0], [((2, 3),), ((0, 3),), (S(2, 4),)]),
    Case("gradient_coords", lambda ns, a: ns.gradient(a, spacing=[ns.const(np.array([0.0, 1.0, 3.0, 3.5]))],
                                                      dim=1)[0]
         + ns.gradient(a, spacing=[ns.const(np.array([0.0, 1.0, 3.0, 3.5]))], dim=1, edge_order=2)[0],
         [((3, 4),), ((1, 4),), (T(2, 4),)]),
    # torch=False: torch 2.13's own vander backward fails (an in-place write on a saved tensor); its values are
    # compared in tests/test_toplevel_torch.py, the gradient here against finite differences
    Case("vander", lambda ns, a: ns.vander(a, N=4) + ns.vander(a, N=4, increasing=True),
         [((3,),), ((0,),), ((1,),), (S(3),)], torch=False),
    Case("adjoint", lambda ns, a: ns.adjoint(a) * 2 + a.adjoint(), [((3, 4),), ((2, 3, 4),), (T(3, 4),), ((0, 3),)]),
]

def signatures():
    """(case, signature) pairs with readable ids, for pytest's parametrization."""
    for case in CASES:
        for sig in case.inputs:
            yield case, tuple(sig), f"{case.name}[{','.join(spec_id(s) for s in sig)}]"


# -- the LU family (gpugrad/ops/linalg_lu.py): random inputs pivot (no ties); lu_solve on well-conditioned ones ----
def _lu_solve(ns, a, b, **kw):
    return ns.linalg.lu_solve(*ns.linalg.lu_factor(a), b, **kw)


CASES += [
    Case("linalg_lu_factor", lambda ns, a: ns.linalg.lu_factor(a).LU,
         SQUARE + [((4, 3),), ((2, 3, 5),), (T(4, 3),), ((0, 0),), ((1, 3),), ((3, 1),)]),
    Case("linalg_lu", lambda ns, a: ns.linalg.lu(a)[1:], [((3, 3),), ((2, 4, 3),), ((3, 5),), ((1, 1),)]),
    Case("lu_unpack", lambda ns, a: ns.lu_unpack(*ns.linalg.lu_factor(a))[1:], [((3, 3),), ((2, 3, 4),)]),
    Case("linalg_lu_solve", lambda ns, a, b: _lu_solve(ns, a, b),
         [((3, 3), (3, 2)), ((2, 3, 3), (1, 3, 1)), ((3, 3), (2, 3, 2)), ((1, 1), (1, 1)), ((0, 0), (0, 2))]),
    Case("linalg_lu_solve_adjoint", lambda ns, a, b: _lu_solve(ns, a, b, adjoint=True), [((3, 3), (3, 2))]),
    Case("linalg_lu_solve_right", lambda ns, a, b: _lu_solve(ns, a, b, left=False), [((2, 3, 3), (2, 2, 3))]),
    Case("linalg_lu_solve_right_adjoint", lambda ns, a, b: _lu_solve(ns, a, b, left=False, adjoint=True),
         [((3, 3), (4, 3))]),
]

# -- attention (gpugrad/nn/functional_attention.py): composed of recorded ops, checked end to end here ------------
_ATTN_MASK = np.array([[True, False, True, True, False], [False, False, False, False, False], [True] * 5])


CASES += [
    Case("scaled_dot_product_attention", lambda ns, q, k, v: ns.scaled_dot_product_attention(q, k, v),
         [((2, 3, 4), (2, 5, 4), (2, 5, 3)), ((1, 2, 3, 4), (2, 1, 5, 4), (5, 2)), ((0, 3, 4), (0, 5, 4), (0, 5, 3)),
          ((1, 4), (1, 4), (1, 1))]),
    Case("scaled_dot_product_attention_causal_scale", lambda ns, q, k, v: ns.scaled_dot_product_attention(
        q, k, v, is_causal=True, scale=0.7), [((2, 3, 4), (2, 3, 4), (2, 3, 2)), ((4, 2), (3, 2), (3, 2))]),
    # row 1 masked everywhere: zero weights and no gradient (PyTorch's safe softmax)
    Case("scaled_dot_product_attention_bool_mask", lambda ns, q, k, v: ns.scaled_dot_product_attention(
        q, k, v, ns.const(_ATTN_MASK)), [((2, 3, 4), (2, 5, 4), (2, 5, 3))]),
    Case("scaled_dot_product_attention_float_mask", lambda ns, q, k, v, m: ns.scaled_dot_product_attention(
        q, k, v, m), [((2, 3, 4), (2, 5, 4), (2, 5, 3), (3, 5)), ((1, 2, 3, 2), (1, 2, 4, 2), (4, 1), (2, 1, 4))]),
]


def _conv1d_weight_grad(ns, x, g):
    """d(sum(g * conv1d(x, w, stride=2, dilation=2)))/dw for a (3, 2, 2) weight: PyTorch's convolution_backward,
    gpugrad's ConvolutionWeight op."""
    if ns.is_torch:
        import torch
        w = torch.zeros((3, 2, 2), dtype=x.dtype)
        return torch.ops.aten.convolution_backward(g, x, w, None, [2], [0], [2], False, [0], 1,
                                                   [False, True, False])[1]
    from gpugrad.ops.conv_core import ConvolutionWeight, Geometry
    return ConvolutionWeight.apply(x, g, Geometry((2,), (2,), (2,), (0,), (7,), (3,)), 1, (3, 2, 2))


# -- convolutions (gpugrad/ops/conv.py, conv_core.py): tiny shapes, each geometry knob once ------------------------
CASES += [
    Case("conv1d", lambda ns, x, w, b: ns.conv1d(x, w, b, stride=2, padding=1),
         [((2, 2, 5), (3, 2, 3), (3,)), ((0, 2, 5), (3, 2, 3), (3,)),
          ((1, 1, 1), (1, 1, 1), (1,)), (S(2, 2, 5), T(3, 2, 2), (3,))]),
    Case("conv1d_same_dilated", lambda ns, x, w: ns.nn.functional.conv1d(x, w, padding="same", dilation=2),
         [((2, 2, 5), (2, 2, 2))]),
    Case("conv2d_groups", lambda ns, x, w, b: ns.conv2d(x, w, b, stride=(1, 2), padding=(1, 0), dilation=(2, 1),
                                                        groups=2), [((1, 4, 4, 5), (2, 2, 2, 3), (2,))]),
    Case("conv3d_same", lambda ns, x, w: ns.conv3d(x, w, padding="same"), [((1, 2, 3, 2, 3), (2, 2, 2, 1, 2))]),
    Case("conv_transpose1d", lambda ns, x, w, b: ns.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
         [((2, 2, 4), (2, 3, 3), (3,))]),
    # without the batch dim: PyTorch (and gpugrad) add it and squeeze it off again
    Case("conv1d_unbatched", lambda ns, x, w: ns.conv1d(x, w, padding=1), [((2, 5), (3, 2, 3))]),
    Case("conv_transpose1d_unbatched", lambda ns, x, w: ns.conv_transpose1d(x, w, stride=2), [((2, 4), (2, 3, 3))]),
    Case("conv_transpose2d_groups", lambda ns, x, w: ns.conv_transpose2d(x, w, stride=(2, 1), output_padding=(1, 1),
                                                                         groups=2, dilation=(1, 2)),
         [((1, 4, 3, 2), (4, 1, 2, 2))]),
    Case("conv_transpose3d", lambda ns, x, w, b: ns.conv_transpose3d(x, w, b, stride=(1, 2, 1), padding=(0, 1, 0)),
         [((1, 2, 2, 2, 2), (2, 1, 2, 2, 1), (1,))]),
    # the weight's gradient as a function of input and output gradient (what a create_graph backward records)
    Case("conv1d_weight_grad", lambda ns, x, g: _conv1d_weight_grad(ns, x, g), [((2, 2, 7), (2, 3, 3))]),
]

# -- im2col / col2im (gpugrad/ops/fold.py): F.unfold and F.fold, each the other's backward ---------------------------
CASES += [
    Case("nn_unfold", lambda ns, x: ns.nn.functional.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
         [((2, 2, 4, 5),), ((0, 1, 3, 3),), (S(1, 2, 3, 5),)]),
    Case("nn_fold", lambda ns, x: ns.nn.functional.fold(x, (4, 5), 2, padding=(1, 0), stride=(2, 1)),
         [((2, 8, 12),), (T(1, 4, 12),)]),
    Case("nn_unfold_unbatched", lambda ns, x: ns.nn.functional.unfold(x, 2), [((2, 4, 3),)]),
    Case("nn_fold_unbatched", lambda ns, x: ns.nn.functional.fold(x, (3, 4), 2), [((4, 6),)]),
]


# -- Tensor odds and ends (gpugrad/ops/tensor_misc.py, strided.py, igamma.py) ----------------------------------
def _special(ns):
    import importlib
    return importlib.import_module("torch.special" if ns.is_torch else "gpugrad.special")


def _igamma_a(ns):
    return ns.const(np.array([0.5, 1.5, 3.0, 2.0]))


CASES += [
    # gradient in x only (a is a constant, as PyTorch refuses a's derivative)
    Case("igamma", lambda ns, x: ns.igamma(_igamma_a(ns), x) + _igamma_a(ns).igammac(x) * 2,
         [((2, 4),), ((0, 4),), ((1, 4),)], domain="positive"),      # (few: each call runs 2 x 400 steps)
    Case("special_gammaincc", lambda ns, x: _special(ns).gammaincc(ns.const(np.array(2.5)), x),
         [((),)], domain="positive"),
    Case("angle", lambda ns, a: ns.angle(a) * a + a.angle(), UNARY, domain="kinks"),
    Case("as_strided", lambda ns, a: ns.as_strided(a, (2, 2), (1, 2), 1) * a.as_strided((3,), (1,)).sum(),
         [((3, 4),), ((1, 5),), ((2, 3, 2),)]),     # (contiguous: torch's inputs are copies, storage differs)
    Case("as_strided_overlap", lambda ns, a: (a * 1).as_strided((3, 3), (1, 1)) ** 2, [((6,),), ((2, 4),)]),
    # torch=False: torch 2.13's gradient for input is wrong (it fails torch's own gradcheck: the gradient lands
    # on the overwritten positions instead of the kept ones); values compared in test_tensor_misc_torch.py
    Case("as_strided_scatter", lambda ns, a, b: ns.as_strided_scatter(a, b, (2, 2), (1, 2), 1) * 1.5,
         [((3, 4), (2, 2)), ((2, 3), (2, 2))], torch=False),
    Case("fill_diagonal_", lambda ns, a: (a * 1).fill_diagonal_(0.5) + a.clone().fill_diagonal_(2.0, wrap=True),
         [((3, 4),), ((5, 2),), ((2, 2, 2),), (T(3, 4),)]),
    Case("sum_to_size", lambda ns, a: a.sum_to_size(1, 4) * 2 + a.sum_to_size((4,)),
         [((3, 4),), ((2, 3, 4),), ((0, 4),)]),
]

# -- pooling (gpugrad/ops/pooling.py, pooling_adaptive.py): tiny shapes, distinct values for max ------------------
CASES += [
    Case("max_pool1d", lambda ns, a: ns.max_pool1d(a, 3, 2, 1, ceil_mode=True), [((2, 2, 5),), ((2, 5),),
                                                                                   (S(1, 2, 5),)], domain="kinks"),
    Case("max_pool2d", lambda ns, a: ns.max_pool2d(a, (2, 3), 1, (1, 1), dilation=(2, 1)), [((1, 2, 4, 5),),
                                                                                             (T(5, 4, 2),)],
         domain="kinks"),
    Case("max_pool3d_indices", lambda ns, a: ns.max_pool3d(a, 2, return_indices=True)[0], [((1, 2, 4, 4, 5),)],
         domain="kinks"),
    Case("avg_pool1d", lambda ns, a: ns.avg_pool1d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False),
         [((2, 2, 5),), ((2, 5),), (S(1, 2, 5),)]),
    Case("avg_pool2d", lambda ns, a: ns.avg_pool2d(a, 3, 2, 1, ceil_mode=True)[..., :2, :] + ns.avg_pool2d(
        a, 3, 2, 1, divisor_override=2), [((1, 2, 4, 5),), (T(5, 4, 2),)]),
    Case("avg_pool3d", lambda ns, a: ns.avg_pool3d(a, (2, 2, 3), 2, (1, 0, 1)), [((1, 2, 4, 4, 5),)]),
    Case("lp_pool2d", lambda ns, a: ns.lp_pool2d(a, 2, 2) + ns.lp_pool2d(a, 3, (1, 2), ceil_mode=True)[..., :2, :2],
         [((1, 2, 4, 4),)], domain="positive"),
]
CASES += [
    Case("adaptive_avg_pool", lambda ns, a: ns.adaptive_avg_pool2d(a, (3, None)).sum(-1)
         + ns.adaptive_avg_pool1d(a.flatten(-2), 3) + ns.adaptive_avg_pool3d(a[None], (1, 3, 2)).sum(-1)[0],
         [((1, 2, 5, 4),), ((2, 5, 4),), (T(4, 5, 2),)]),
    Case("adaptive_max_pool", lambda ns, a: ns.adaptive_max_pool2d(a, (3, 2)).sum(-1)
         + ns.adaptive_max_pool1d(a.flatten(-2), 3) + ns.adaptive_max_pool3d(a[None], (1, 3, 3)).sum(-1)[0],
         [((1, 2, 5, 4),), (S(2, 5, 4),)], domain="kinks"),
    Case("max_unpool", lambda ns, a: ns.max_unpool2d(*ns.max_pool2d(a, 2, return_indices=True), 2,
                                                     output_size=(5, 5)),
         [((1, 2, 4, 5),), ((2, 4, 4),)], domain="kinks"),
]
CASES += [
    Case("pad_reflect", lambda ns, a: ns.pad(a, (2, 1, 1, 3), mode="reflect"), [((1, 2, 4, 5),), (T(2, 4, 5),)]),
    Case("pad_replicate_circular", lambda ns, a: ns.pad(a, (2, 3), mode="replicate") * 2
         + ns.pad(a, (3, 2), mode="circular"), [((2, 2, 4),), ((2, 3),)]),
    Case("pad_crop", lambda ns, a: ns.pad(a, (-1, 2, 1, -2)) + ns.pad(a, (-1, 2, 1, -2), mode="circular"),
         [((2, 4, 5),)]),
]
CASES += [
    Case("interpolate_nearest", lambda ns, a: ns.interpolate(a, size=(3, 7)) + ns.interpolate(
        a, scale_factor=(0.8, 1.5), mode="nearest-exact"), [((1, 2, 4, 5),), (T(1, 2, 4, 5),)]),
    Case("interpolate_linear", lambda ns, a: ns.interpolate(a, size=7, mode="linear")
         + ns.interpolate(a, scale_factor=1.5, mode="linear", align_corners=True), [((2, 2, 5),), (S(1, 2, 5),)]),
    Case("interpolate_bilinear_bicubic", lambda ns, a: ns.interpolate(a, size=(3, 6), mode="bilinear")
         + ns.interpolate(a, size=(3, 6), mode="bicubic", align_corners=True)
         + ns.interpolate(a, size=(3, 6), mode="bicubic"), [((1, 2, 4, 5),)]),
    Case("interpolate_trilinear_area", lambda ns, a: ns.interpolate(a, scale_factor=1.5, mode="trilinear")
         + ns.interpolate(a, size=(3, 4, 4), mode="area").repeat(1, 1, 1, 1, 1)[..., :3, :4, :4].mean()
         , [((1, 2, 2, 3, 3),)]),
    Case("pixel_shuffle", lambda ns, a: ns.pixel_shuffle(a, 2) * 2 + ns.pixel_unshuffle(
        ns.pixel_shuffle(a, 2) * 3, 2)[..., :1, :1, :1].sum(), [((1, 8, 2, 3),), ((8, 2, 3),)]),
    Case("channel_shuffle", lambda ns, a: ns.channel_shuffle(a, 2), [((1, 4, 2, 3),), ((2, 6, 3),)]),
]
