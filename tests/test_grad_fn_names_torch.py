"""grad_fn names against PyTorch's: ``y.grad_fn.name()`` (and the ``grad_fn=<...>`` of a tensor's repr) of each
output of every op_table entry PyTorch can run, on every signature, and of a list of single-op calls whose
name depends on the arguments (PyTorch's overload number: SumBackward1 with a dim, PowBackward2 for
number ** tensor...). gpugrad's node classes are named without PyTorch's suffix (``type(y.grad_fn).__name__``
is "Add" where PyTorch's is "AddBackward0"); ``name()`` is what is compared.

Where gpugrad records other nodes than PyTorch on purpose (views, composites, fused ops) the entry is listed in
KNOWN_MISMATCHES with the reason, as a strict xfail: an entry that starts to match must leave the list."""
from __future__ import annotations

import numpy as np
import pytest

import gpugrad as gg

from op_table import CASES
from test_ops_gradcheck import gg_namespace, host_inputs, make_inputs, torch_namespace, _tensors

torch = pytest.importorskip("torch")

KNOWN_MISMATCHES = {
    # gpugrad records one node per kind of view or index (Reshape, Permute, GetItem, SetItem, Gather, Clone of a
    # 0-d input) where PyTorch has many (View, Transpose, Squeeze, Select, Slice, Index, Split, CopySlices...);
    # the values of max(dim), median(dim), kthvalue, mode, cummax, sort are gathered at their indices
    "views and indexing": """reshape reshape_fn view flatten flatten_all flatten_range transpose mT squeeze_all
        squeeze_dim unsqueeze unflatten atleast_3d meshgrid_xy unfold_scalar split_size split_sections chunk
        tensor_split tensor_split_indices select getitem_int getitem_negative_int getitem_slices
        getitem_none_ellipsis getitem_int_array_repeated getitem_int_arrays_2d getitem_int_array_slice
        getitem_int_and_array getitem_array_none_int getitem_bool_mask getitem_bool_rows masked_select take
        combinations setitem_slice setitem_int_array setitem_int_and_array setitem_bool_mask select_scatter
        slice_scatter put put_accumulate tile repeat_interleave_flat kron inner inner_method tensordot
        cumprod_0d_method logcumsumexp_large cummax cummax_0d cummin max_dim max_dim_keepdim min_dim median_dim
        median_dim_keepdim kthvalue kthvalue_keepdim mode mode_distinct msort quantile_linear quantile_all_q_tensor
        nanquantile cross_entropy_spatial_none instance_norm instance_norm_running_stats conv1d_unbatched
        conv_transpose1d_unbatched nn_unfold_unbatched nn_fold_unbatched""",
    # built from recorded ops: the output's node is the last of them (Mean, Sum, Where, Add...), not PyTorch's
    # one kernel's
    "composites": """mse_loss mse_loss_sum mse_loss_none huber_loss huber_loss_delta nll_loss nll_loss_weight_ignore
        nll_loss_sum nll_loss_none cross_entropy_sum cross_entropy_weight cross_entropy_probs
        cross_entropy_probs_smoothing cross_entropy_label_smoothing binary_cross_entropy
        binary_cross_entropy_soft_weight bce_with_logits bce_with_logits_pos_weight bce_with_logits_target_grad
        soft_margin_loss soft_margin_loss_sum multi_margin_loss multi_margin_loss_p2_weight
        multi_margin_loss_vector multilabel_margin_loss multilabel_margin_loss_vector_none
        margin_ranking_loss_sign_none triplet_margin_with_distance_loss pairwise_distance
        pairwise_distance_keepdim_p3 pairwise_distance_p1 pairwise_distance_p_half pairwise_distance_inf pdist
        pdist_p1 pdist_inf cdist cdist_p1 cdist_inf cdist_p_half dist renorm group_norm group_norm_no_affine glu
        glu_dim0 diag_embed diag diagflat flip roll roll_flat rot90 tril triu block_diag masked_fill_fn
        masked_fill_tensor_value masked_scatter index_add cov cov_weights trapezoid_x reciprocal rdiv_scalar
        addcmul addcdiv ldexp mvlgamma_3 baddbmm special_ndtr bilinear_no_bias linalg_pinv
        linalg_solve_triangular_unit_right""",
    # gpugrad's own (often fused) node, named for itself: Linear, BiasAct, CrossEntropyMean, Normalize,
    # RMSNormalize, EuclideanDist, Einsum, Pad, MatMul (PyTorch: Mm, Dot, Addmm), Norm (LinalgVectorNorm),
    # EvenSplit (Median), Cast and ToDevice (the table's PyTorch expression multiplies by 1)
    "own nodes": """linear linear_no_bias linear_act_gelu linear_act_relu cross_entropy cross_entropy_none
        cross_entropy_ignore_index cross_entropy_ignore_index_1 cross_entropy_spatial cross_entropy_unbatched
        batch_norm_train sync_batch_norm_world_of_one batch_norm_train_no_affine batch_norm_eval layer_norm
        layer_norm_two_dims rms_norm rms_norm_two_dims_eps cdist_mm cdist_mm_many_rows einsum_matmul
        einsum_sum_and_broadcast einsum_implicit_outer einsum_sum_dims pad pad_two_dims_value matmul matmul_fn
        norm_2 norm_p norm_1_keepdim norm_inf median_all cast to_device""",
    # ReLU, LeakyReLU, ELU, GELU, SiLU, ScaledELU (selu, celu), Shrink, PReLU: PyTorch spells Relu, Gelu...;
    # kept, as gpugrad.nn's fusion finds activation nodes by these names
    "activation spellings": """relu leaky_relu elu gelu gelu_tanh silu selu celu elu_scaled_inplace softshrink
        hardshrink prelu rrelu_eval""",
    # nodes of gpugrad.autograd.Function subclasses: "DetBackward", no Linalg prefix and no overload number
    "linear algebra Functions": """linalg_det linalg_slogdet linalg_solve
        linalg_solve_triangular linalg_cholesky linalg_eigh linalg_eigh_upper linalg_svd linalg_svd_full
        linalg_qr linalg_matrix_exp linalg_matrix_exp_scaled linalg_inv linalg_cholesky_solve linalg_lu_factor
        linalg_lu lu_unpack linalg_lu_solve linalg_lu_solve_adjoint linalg_lu_solve_right
        linalg_lu_solve_right_adjoint""",
    # scaled_dot_product_attention composed of recorded ops: its last node is MatMul (PyTorch's math kernel ends
    # in a view: UnsafeViewBackward0 or BmmBackward0, by rank)
    "attention composites": """scaled_dot_product_attention scaled_dot_product_attention_causal_scale
        scaled_dot_product_attention_bool_mask scaled_dot_product_attention_float_mask""",
    # pooling (gpugrad/ops/pooling*.py) is built from recorded ops: a Gather at the argmax (max), pad + unfold +
    # sum + division (average), padding modes from index_select; the output's node is the last of them (Reshape,
    # Div, IndexSelect), not PyTorch's kernel's
    "pooling": """max_pool1d max_pool2d max_pool3d_indices avg_pool1d avg_pool3d pad_reflect channel_shuffle
        max_unpool""",
}
_KNOWN = {name: reason for reason, names in KNOWN_MISMATCHES.items() for name in names.split()}
_TORCH_CASES = [c for c in CASES if c.torch]


def _names(outs):
    return [o.grad_fn.name() if o.grad_fn is not None else None for o in outs]


def _torch_outputs(out):
    return [out] if isinstance(out, torch.Tensor) else [o for o in out if isinstance(o, torch.Tensor)]


def test_known_mismatches_are_table_entries():
    names = {c.name for c in _TORCH_CASES}
    assert not set(_KNOWN) - names, sorted(set(_KNOWN) - names)


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.name, marks=pytest.mark.xfail(strict=True, reason=_KNOWN[c.name]) if c.name in _KNOWN
                 else ()) for c in _TORCH_CASES])
def test_grad_fn_names_match_torch(case):
    ns, tns = gg_namespace("cpu"), torch_namespace(torch)
    for sig in case.inputs:
        outs = _tensors(case.fn(ns, *make_inputs(case, sig, "cpu"), **case.kwargs))
        touts = _torch_outputs(case.fn(tns, *[torch.tensor(v, requires_grad=True) for v in host_inputs(case, sig)],
                                       **case.kwargs))
        assert _names(outs) == _names(touts), (case.name, sig)


# single calls whose node name PyTorch picks by the arguments: the rounding family (one node each), the
# overloads (a dim, a number or a tensor operand) and the renamed nodes
CALLS = {
    "floor": lambda ns, x, y: ns.floor(x), "ceil": lambda ns, x, y: x.ceil(),
    "round": lambda ns, x, y: ns.round(x), "round_decimals": lambda ns, x, y: ns.round(x, decimals=2),
    "trunc": lambda ns, x, y: ns.trunc(x), "fix": lambda ns, x, y: ns.fix(x), "frac": lambda ns, x, y: x.frac(),
    "sign": lambda ns, x, y: x.sign(), "sum": lambda ns, x, y: x.sum(), "sum_dim": lambda ns, x, y: x.sum(0),
    "sum_empty_dims": lambda ns, x, y: x.sum(()), "mean_dim": lambda ns, x, y: ns.mean(x, -1, keepdim=True),
    "prod": lambda ns, x, y: x.prod(), "prod_dim": lambda ns, x, y: x.prod(1),
    "max": lambda ns, x, y: x.max(), "min": lambda ns, x, y: ns.min(x), "amax": lambda ns, x, y: x.amax(),
    "amin_dim": lambda ns, x, y: ns.amin(x, 0), "aminmax": lambda ns, x, y: ns.aminmax(x, dim=1).max,
    "clamp_numbers": lambda ns, x, y: x.clamp(0.0, 1.0), "clamp_tensors": lambda ns, x, y: ns.clamp(x, y, y + 1),
    "clamp_min": lambda ns, x, y: x.clamp_min(0.2), "clamp_min_tensor": lambda ns, x, y: ns.clamp_min(x, y),
    "clamp_max": lambda ns, x, y: ns.clamp_max(x, 0.2), "clamp_max_tensor": lambda ns, x, y: x.clamp_max(y),
    "pow_number": lambda ns, x, y: x ** 3, "pow_tensors": lambda ns, x, y: x.abs() ** y,
    "pow_number_base": lambda ns, x, y: 2.0 ** x, "remainder_number": lambda ns, x, y: x % 0.7,
    "remainder_tensors": lambda ns, x, y: ns.remainder(x, y.abs() + 1), "fmod_number": lambda ns, x, y: x.fmod(0.7),
    "fmod_tensors": lambda ns, x, y: ns.fmod(x, y.abs() + 1), "copysign_number": lambda ns, x, y: x.copysign(-1.0),
    "copysign_tensors": lambda ns, x, y: ns.copysign(x, y), "lerp_number": lambda ns, x, y: ns.lerp(x, y, 0.3),
    "lerp_tensor": lambda ns, x, y: x.lerp(y, y), "div_floor": lambda ns, x, y: ns.div(x, 2.0, rounding_mode="floor"),
    "div_trunc": lambda ns, x, y: x.div(y + 3, rounding_mode="trunc"), "log1p": lambda ns, x, y: x.abs().log1p(),
    "logsumexp": lambda ns, x, y: ns.logsumexp(x, 1), "logcumsumexp": lambda ns, x, y: x.logcumsumexp(0),
    "special_i0e": lambda ns, x, y: ns.special.i0e(x), "special_i1": lambda ns, x, y: ns.special.i1(x),
    "special_i1e": lambda ns, x, y: ns.special.i1e(x), "special_erfcx": lambda ns, x, y: ns.special.erfcx(x),
    "special_log_ndtr": lambda ns, x, y: ns.special.log_ndtr(x),
    "special_ndtri": lambda ns, x, y: ns.special.ndtri(x.sigmoid()).exp(),
    "special_entr": lambda ns, x, y: ns.special.entr(x.abs()),
    "special_xlog1py": lambda ns, x, y: ns.special.xlog1py(x, y.abs()),
    "heaviside": lambda ns, x, y: ns.heaviside(x, y),
    "rsub_number": lambda ns, x, y: 1 - x, "sub_number_first": lambda ns, x, y: ns.sub(1.5, x),
    "sub_0d_tensor_first": lambda ns, x, y: ns.tensor(1.0) - x,
    "sum_dim_none": lambda ns, x, y: x.sum(dim=None), "sum_none_fn": lambda ns, x, y: ns.sum(x, None, keepdim=True),
    "sum_dtype": lambda ns, x, y: x.sum(dtype=ns.float64), "mean": lambda ns, x, y: ns.mean(x),
    "mean_dim_none": lambda ns, x, y: x.mean(None),
    "heaviside_out": lambda ns, x, y: ns.heaviside(x, y, out=ns.empty(2, 3, dtype=x.dtype)),
    "heaviside_out_empty": lambda ns, x, y: ns.heaviside(x, y, out=ns.empty(0, dtype=x.dtype)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_grad_fn_names_of_single_calls_match_torch(name):
    import gpugrad.special  # noqa: F401
    a, b = np.array([[1.5, -2.7, 0.3], [0.6, 2.2, -0.4]]), np.array([[0.5, 0.7, -1.1], [2.0, -0.3, 0.9]])
    y = CALLS[name](gg, gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True))
    ty = CALLS[name](torch, torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True))
    node = y.grad_fn if name != "special_ndtri" else y.grad_fn.next_functions[0][0]
    tnode = ty.grad_fn if name != "special_ndtri" else ty.grad_fn.next_functions[0][0]
    assert node.name() == tnode.name()
    assert repr(y).split("grad_fn=")[1] == repr(ty).split("grad_fn=")[1]
