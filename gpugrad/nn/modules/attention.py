"""MultiheadAttention (PyTorch's ``torch.nn.MultiheadAttention``)."""
from __future__ import annotations

from ...factories import empty
from .. import init
from ..functional_attention import _canonical_mask, _none_or_dtype, multi_head_attention_forward
from ..module import Module
from ..parameter import Parameter
from .linear import NonDynamicallyQuantizableLinear


class MultiheadAttention(Module):
    """Attention from ``num_heads`` heads in parallel, each on its ``embed_dim / num_heads`` slice of the
    projected queries, keys and values, concatenated and projected back: out_proj(concat_h(
    softmax(Q_h K_h^T / sqrt(d)) V_h)).

    Parameters as PyTorch: ``in_proj_weight`` ``(3E, E)`` (or ``q_proj_weight``, ``k_proj_weight``,
    ``v_proj_weight`` when kdim or vdim differ from E), ``in_proj_bias`` ``(3E,)``, ``out_proj`` (a Linear),
    ``bias_k``/``bias_v`` ``(1, 1, E)``; initialized by xavier_uniform_ (projections), zeros (biases) and
    xavier_normal_ (bias_k/bias_v).

    Args:
        embed_dim: E, the model's width.
        num_heads: the number of heads (must divide embed_dim).
        dropout: dropout on the attention weights in training.
        bias: learn the input and output projection biases.
        add_bias_kv: learn a bias key and value appended to the sequences.
        add_zero_attn: append a zero key and value to every head.
        kdim: the keys' feature size (default E).
        vdim: the values' feature size (default E).
        batch_first: inputs and outputs are ``(N, L, E)`` instead of ``(L, N, E)``.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
        average_attn_weights=True, is_causal=False)`` returns ``(attn_output, attn_weights)``: the output shaped
        as query and the weights ``(N, L, S)`` (``(N, num_heads, L, S)`` when not averaged), or None.

    >>> import gpugrad as gg
    >>> mha = gg.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = gg.randn(2, 3, 8)
    >>> out, w = mha(x, x, x)
    >>> out.shape, w.shape
    (gpugrad.Size([2, 3, 8]), gpugrad.Size([2, 3, 3]))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError(f"MultiheadAttention: embed_dim must be divisible by num_heads, got "
                                 f"embed_dim={embed_dim} and num_heads={num_heads}")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), **kw))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: ``(L, N, E)`` (``(N, L, E)`` with batch_first) or unbatched ``(L, E)``.
            key: ``(S, N, kdim)`` (or batch first, or ``(S, kdim)``).
            value: ``(S, N, vdim)`` (or batch first, or ``(S, vdim)``).
            key_padding_mask: ``(N, S)`` or ``(S,)``; True (or a float added to the scores) marks padding.
            need_weights: also return the attention weights.
            attn_mask: ``(L, S)`` or ``(N*num_heads, L, S)``; True marks pairs that may not attend (the inverse
                of scaled_dot_product_attention's bool masks), a float mask is added.
            average_attn_weights: average the returned weights over the heads.
            is_causal: a hint that attn_mask is the causal mask.

        Returns:
            ``(attn_output, attn_weights)`` (weights None without need_weights).

        >>> import gpugrad as gg
        >>> mha = gg.nn.MultiheadAttention(4, 2)
        >>> x = gg.randn(3, 4)                               # unbatched (L, E)
        >>> mha(x, x, x, average_attn_weights=False)[1].shape
        gpugrad.Size([2, 3, 3])
        """
        is_batched = query.ndim == 3
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask),
                                           "attn_mask", query.dtype)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if self.batch_first and is_batched:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = {}
        if not self._qkv_same_embed_dim:
            separate = {"use_separate_proj_weight": True, "q_proj_weight": self.q_proj_weight,
                        "k_proj_weight": self.k_proj_weight, "v_proj_weight": self.v_proj_weight}
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, average_attn_weights=average_attn_weights, is_causal=is_causal, **separate)
        if self.batch_first and is_batched:
            out = out.transpose(1, 0)
        return out, weights

    def merge_masks(self, attn_mask, key_padding_mask, query):
        """Combine a (float) attention mask and key padding mask into one ``(N, num_heads, L, L)`` mask, as
        PyTorch's fused self-attention path takes it.

        Args:
            attn_mask: ``(L, L)`` or ``(N*num_heads, L, L)``, or None.
            key_padding_mask: ``(N, L)``, or None.
            query: the batch-first ``(N, L, E)`` input (for its sizes).

        Returns:
            ``(merged_mask, mask_type)``: mask_type 1 for a padding mask alone, 2 when an attention mask takes
            part, None (and mask None) with neither.

        >>> import gpugrad as gg
        >>> mha = gg.nn.MultiheadAttention(4, 2, batch_first=True)
        >>> mask, kind = mha.merge_masks(gg.zeros(3, 3), gg.zeros(2, 3), gg.zeros(2, 3, 4))
        >>> mask.shape, kind
        (gpugrad.Size([2, 2, 3, 3]), 2)
        """
        mask_type, merged = None, None
        if key_padding_mask is not None:
            mask_type, merged = 1, key_padding_mask
        if attn_mask is not None:
            batch_size, seq_len, _ = query.shape
            mask_type = 2
            if attn_mask.ndim == 3:
                merged = attn_mask.reshape(batch_size, -1, seq_len, seq_len)
            else:
                merged = attn_mask.reshape(1, 1, seq_len, seq_len).expand(batch_size, self.num_heads, -1, -1)
            if key_padding_mask is not None:
                merged = merged + key_padding_mask.reshape(batch_size, 1, 1, seq_len).expand(-1, self.num_heads,
                                                                                             -1, -1)
        return merged, mask_type
