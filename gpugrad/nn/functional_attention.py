"""Attention: scaled dot-product attention and the multi-head attention forward (PyTorch's
``torch.nn.functional.scaled_dot_product_attention`` and ``multi_head_attention_forward``).

Both are compositions of recorded ops (matmul, softmax, masked_fill, linear, ...), so their gradients, forward
AD and both devices come from those ops. The math, for one head:

    A = softmax(Q K^T * scale + M)        (M: 0 where allowed, -inf where masked, or a float bias)
    out = dropout(A) V

>>> import gpugrad as gg
>>> q = k = v = gg.ones(1, 2, 4)
>>> gg.nn.functional.scaled_dot_product_attention(q, k, v).shape
gpugrad.Size([1, 2, 4])
"""
from __future__ import annotations

import math
import warnings

from .. import _dtype
from ..factories import ones, zeros, zeros_like
from ..ops import cat, matmul
from ..ops.nn_ops import dropout, linear, softmax
from ..ops._util import shape_str
from ..tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _sdpa_check(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa):
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        raise TypeError(f"{op}(): argument 'attn_mask' (position 4) must be Tensor, not {type(attn_mask).__name__}")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"{op}: expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    if not query.is_floating_point():
        raise RuntimeError(f"{op}: expected floating point query, key and value, but got {query.dtype}")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"{op}: expected query, key, and value to all be at least 2 dimensional, but got "
                           f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead.")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: query {shape_str(query.shape)}, key {shape_str(key.shape)} and value "
                           f"{shape_str(value.shape)} do not fit: expected query (..., L, E), key (..., S, E) and "
                           f"value (..., S, Ev)")
    if not 0 <= dropout_p <= 1:
        raise RuntimeError(f"{op}: dropout probability has to be between 0 and 1, but got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{op}: explicit attn_mask should not be set when is_causal=True")
    if attn_mask is not None and attn_mask.dtype not in (_dtype.bool_, _dtype.float32, query.dtype):
        raise RuntimeError(f"{op}: expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {attn_mask.dtype} and query.dtype: {query.dtype} instead.")
    if enable_gqa and min(query.ndim, key.ndim, value.ndim) >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk != hv or hk == 0 or hq % hk:
            raise RuntimeError(f"{op}: number of heads in key and value must divide the number of heads in query "
                               f"(enable_gqa=True), got query {shape_str(query.shape)}, key "
                               f"{shape_str(key.shape)} and value {shape_str(value.shape)}")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query key^T * scale + mask) value, with optional dropout on the attention weights, as PyTorch's
    math backend (rows whose every key is masked give zeros, not NaN, and no gradient).

    Args:
        query: ``(..., Hq, L, E)`` (any leading batch dims, broadcast with key's and value's).
        key: ``(..., H, S, E)``.
        value: ``(..., H, S, Ev)``.
        attn_mask: broadcastable to ``(..., Hq, L, S)``: bool (True: the key takes part) or a float bias added
            to the scores (float32 or query's dtype).
        dropout_p: probability of zeroing an attention weight (always applied when > 0: pass 0 in eval).
        is_causal: mask out keys after the query's position (upper-left aligned ``tril``); excludes attn_mask.
        scale: the factor on the scores (default ``1 / sqrt(E)``).
        enable_gqa: grouped-query attention: repeat each key/value head ``Hq / H`` times.

    Returns:
        The attention output, ``(..., Hq, L, Ev)``.

    >>> import gpugrad as gg
    >>> q = gg.tensor([[[1.0, 0.0]]]); k = gg.tensor([[[1.0, 0.0], [0.0, 1.0]]]); v = gg.tensor([[[1.0], [3.0]]])
    >>> gg.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=gg.tensor([[True, False]]))
    tensor([[[1.]]])
    """
    _sdpa_check(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    L, S = query.shape[-2], key.shape[-2]
    scale_factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(rep, -3), value.repeat_interleave(rep, -3)
    scores = matmul(query * scale_factor, key.transpose(-2, -1))
    if is_causal:
        allowed = ones(L, S, dtype=_dtype.bool_, device=query.device).tril(0)
        scores = scores.masked_fill(allowed.logical_not(), float("-inf"))
    elif attn_mask is not None:
        try:
            full = _broadcast(scores.shape, attn_mask.shape)
        except ValueError:
            full = None
        if full != tuple(scores.shape):
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {shape_str(attn_mask.shape)} does "
                               f"not broadcast to the attention weights' shape {shape_str(scores.shape)} "
                               f"(query {shape_str(query.shape)}, key {shape_str(key.shape)})")
        if attn_mask.dtype == _dtype.bool_:
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            scores = scores + attn_mask.to(scores.dtype)
    if S == 0 or L == 0:
        attn = softmax(scores, dim=-1)
    elif attn_mask is not None:
        # PyTorch's _safe_softmax: a row masked everywhere gives zero weights (not 0/0) and no gradient. Give
        # such rows finite scores before the softmax so its backward stays finite, then zero their weights.
        dead = scores.detach().amax(-1, keepdim=True) == float("-inf")
        attn = softmax(scores.masked_fill(dead, 0.0), dim=-1).masked_fill(dead, 0.0)
    else:
        attn = softmax(scores, dim=-1)
    if dropout_p > 0:
        attn = dropout(attn, dropout_p, True)
    return matmul(attn, value)


def _broadcast(a, b):
    """The broadcast shape of two shapes (ValueError when they do not broadcast)."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise ValueError(f"{x} vs {y}")
        out.append(y if x == 1 else x)
    return tuple(out)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) inputs, False for unbatched (2-D) ones; PyTorch's AssertionErrors otherwise."""
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(f"multi_head_attention_forward: for batched (3-D) `query`, expected `key` and "
                                 f"`value` to be 3-D but found {key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(f"multi_head_attention_forward: for batched (3-D) `query`, expected "
                                 f"`key_padding_mask` to be `None` or 2-D but found {key_padding_mask.ndim}-D "
                                 f"tensor instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(f"multi_head_attention_forward: for batched (3-D) `query`, expected `attn_mask` to "
                                 f"be `None`, 2-D or 3-D but found {attn_mask.ndim}-D tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(f"multi_head_attention_forward: for unbatched (2-D) `query`, expected `key` and "
                                 f"`value` to be 2-D but found {key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(f"multi_head_attention_forward: for unbatched (2-D) `query`, expected "
                                 f"`key_padding_mask` to be `None` or 1-D but found {key_padding_mask.ndim}-D "
                                 f"tensor instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(f"multi_head_attention_forward: for unbatched (2-D) `query`, expected "
                                     f"`attn_mask` to be `None`, 2-D or 3-D but found {attn_mask.ndim}-D tensor "
                                     f"instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"multi_head_attention_forward: expected `attn_mask` shape to be "
                                     f"{shape_str(expected)} but got {shape_str(attn_mask.shape)}")
        return False
    raise AssertionError(f"multi_head_attention_forward: query should be unbatched 2D or batched 3D tensor but "
                         f"received {query.ndim}-D query tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask as a float one (True -> -inf, False -> 0) of ``target_type``; float masks pass through."""
    if mask is None:
        return None
    if mask.dtype != _dtype.bool_ and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      f"instead.", stacklevel=3)
    if not mask.is_floating_point():
        mask = zeros_like(mask, dtype=target_type).masked_fill(mask, float("-inf"))
    return mask


def _none_or_dtype(input):
    return None if input is None else input.dtype


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    """Project q, k, v with separate weights ``(Eq, Eq)``, ``(Eq, Ek)``, ``(Eq, Ev)``, as PyTorch checks them."""
    eq, ek, ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for what, t, want in (("query weights", w_q, (eq, eq)), ("key weights", w_k, (eq, ek)),
                          ("value weights", w_v, (eq, ev)), ("query bias", b_q, (eq,)),
                          ("key bias", b_k, (eq,)), ("value bias", b_v, (eq,))):
        if t is not None and tuple(t.shape) != want:
            raise AssertionError(f"multi_head_attention_forward: expecting {what} shape of {shape_str(want)}, but "
                                 f"got {shape_str(t.shape)}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection_packed(q, k, v, w, b=None):
    """Project q, k, v with one packed ``(3E, E)`` weight (self-attention: a single matmul)."""
    E = q.shape[-1]
    if k is v and q is k:
        proj = linear(q, w, b)
        return proj[..., :E], proj[..., E:2 * E], proj[..., 2 * E:]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _check_mha_masks(attn_mask, tgt_len, src_len, bsz, num_heads):
    """The attention mask as ``(1 or N*num_heads, L, S)``; PyTorch's RuntimeError for a wrong shape."""
    if attn_mask.ndim == 2:
        want = (tgt_len, src_len)
        if tuple(attn_mask.shape) != want:
            raise RuntimeError(f"multi_head_attention_forward: the shape of the 2D attn_mask is "
                               f"{shape_str(attn_mask.shape)}, but should be {shape_str(want)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.ndim == 3:
        want = (bsz * num_heads, tgt_len, src_len)
        if tuple(attn_mask.shape) != want:
            raise RuntimeError(f"multi_head_attention_forward: the shape of the 3D attn_mask is "
                               f"{shape_str(attn_mask.shape)}, but should be {shape_str(want)}.")
        return attn_mask
    raise RuntimeError(f"multi_head_attention_forward: attn_mask's dimension {attn_mask.ndim} is not supported")


def _pad_last(t):
    """Append one zero column along the last dim (room for bias_k/v or the zero attention)."""
    return cat([t, zeros(*t.shape[:-1], 1, dtype=t.dtype, device=t.device)], -1)


def _static(name, t, bsz, num_heads, head_dim):
    if t.shape[0] != bsz * num_heads:
        raise AssertionError(f"multi_head_attention_forward: expecting {name}.size(0) of {bsz * num_heads}, but "
                             f"got {t.shape[0]}")
    if t.shape[2] != head_dim:
        raise AssertionError(f"multi_head_attention_forward: expecting {name}.size(2) of {head_dim}, but got "
                             f"{t.shape[2]}")
    return t


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """The forward of :class:`gpugrad.nn.MultiheadAttention` on explicit weights (sequence-first layout).

    Args:
        query: ``(L, N, E)`` or unbatched ``(L, E)``.
        key: ``(S, N, Ek)`` or ``(S, Ek)``.
        value: ``(S, N, Ev)`` or ``(S, Ev)``.
        embed_dim_to_check: E, checked against query's last dim.
        num_heads: the number of heads (divides E).
        in_proj_weight: the packed ``(3E, E)`` q/k/v projection (when not ``use_separate_proj_weight``).
        in_proj_bias: the packed ``(3E,)`` bias, or None.
        bias_k: ``(1, 1, E)`` appended to the keys, or None (with bias_v).
        bias_v: ``(1, 1, E)`` appended to the values, or None.
        add_zero_attn: append a zero key and value to every head.
        dropout_p: dropout on the attention weights (when ``training``).
        out_proj_weight: the ``(E, E)`` output projection.
        out_proj_bias: its bias, or None.
        training: apply dropout.
        key_padding_mask: ``(N, S)`` or ``(S,)``: True (or -inf) marks keys to ignore.
        need_weights: also return the attention weights.
        attn_mask: ``(L, S)`` or ``(N*num_heads, L, S)``: True (or -inf) marks pairs not to attend.
        use_separate_proj_weight: project with q_proj_weight/k_proj_weight/v_proj_weight instead.
        q_proj_weight: ``(E, E)``.
        k_proj_weight: ``(E, Ek)``.
        v_proj_weight: ``(E, Ev)``.
        static_k: ``(N*num_heads, S, E/num_heads)`` keys used as they are, or None.
        static_v: ``(N*num_heads, S, E/num_heads)`` values used as they are, or None.
        average_attn_weights: average the returned weights over the heads.
        is_causal: a hint that attn_mask is causal (needs attn_mask).

    Returns:
        ``(attn_output, attn_weights)``: the output ``(L, N, E)`` (or ``(L, E)``) and the weights ``(N, L, S)``
        (``(N, num_heads, L, S)`` unaveraged; no N when unbatched), or None without ``need_weights``.

    >>> import gpugrad as gg
    >>> E = 4; x = gg.randn(3, 2, E)
    >>> out, w = gg.nn.functional.multi_head_attention_forward(x, x, x, E, 2, gg.randn(3 * E, E), None, None,
    ...                                                         None, False, 0.0, gg.randn(E, E), None)
    >>> out.shape, w.shape
    (gpugrad.Size([3, 2, 4]), gpugrad.Size([2, 3, 3]))
    """
    op = "multi_head_attention_forward"
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask),
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{op}: need attn_mask if specifying the is_causal hint. You may use the Transformer "
                           f"module method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None                 # scaled_dot_product_attention builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"{op}: was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"{op}: embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"{op}: key's sequence and batch dims {shape_str(key.shape[:2])} do not match "
                                 f"value's {shape_str(value.shape[:2])}")
        for name, w in (("q_proj_weight", q_proj_weight), ("k_proj_weight", k_proj_weight),
                        ("v_proj_weight", v_proj_weight)):
            if w is None:
                raise AssertionError(f"{op}: use_separate_proj_weight is True but {name} is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, b_q, b_k, b_v)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"{op}: key shape {shape_str(key.shape)} does not match value shape "
                                 f"{shape_str(value.shape)}")
        if in_proj_weight is None:
            raise AssertionError(f"{op}: use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    if attn_mask is not None:
        attn_mask = _check_mha_masks(attn_mask, tgt_len, src_len, bsz, num_heads)
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError(f"{op}: bias cannot be added to static key or value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError(f"{op}: bias_k and bias_v must be given together, got only "
                             f"{'bias_k' if bias_k is not None else 'bias_v'}")
    # heads: (L, N, E) -> (N*num_heads, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None
         else _static("static_k", static_k, bsz, num_heads, head_dim))
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None
         else _static("static_v", static_v, bsz, num_heads, head_dim))
    if add_zero_attn:
        k = cat([k, zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype, device=k.device)], 1)
        v = cat([v, zeros(bsz * num_heads, 1, head_dim, dtype=v.dtype, device=v.device)], 1)
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"{op}: expected key_padding_mask of shape {shape_str((bsz, src_len))} (batch, "
                                 f"source length), but got {shape_str(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    if need_weights:
        if is_causal and attn_mask is None:
            raise AssertionError(f"{op}: is_causal not implemented for need_weights")
        # plain softmax here, as PyTorch: a row masked everywhere gives NaN weights
        scores = matmul(q * math.sqrt(1.0 / head_dim), k.transpose(-2, -1))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = matmul(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1
                     else attn_mask.reshape(bsz, num_heads, -1, src_len))
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
    return out, None
