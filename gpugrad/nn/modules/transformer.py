"""The Transformer layers (PyTorch's ``torch.nn.Transformer*``): encoder and decoder layers, their stacks, and the
whole encoder-decoder model, built from MultiheadAttention, Linear, LayerNorm and Dropout.

PyTorch's fused inference fast paths and nested tensors are not reproduced: every call takes the path PyTorch
takes in training, which gives the same values.
"""
from __future__ import annotations

import copy
import warnings

from ... import ops
from ...autograd import is_grad_enabled
from ...factories import full
from .. import init
from ..functional_attention import _canonical_mask, _none_or_dtype
from ...ops.nn_ops import gelu, relu
from ..module import Module
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    return ops.triu(full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


def _get_seq_len(src, batch_first):
    if src.ndim == 2:
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """``is_causal`` when given; when None, whether ``mask`` equals the causal mask (as PyTorch checks it)."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.shape[-2]
        causal = _generate_square_subsequent_mask(sz, device=mask.device, dtype=mask.dtype)
        make_causal = tuple(mask.shape) == tuple(causal.shape) and bool((mask == causal).all())
    return make_causal


def _get_clones(module, n):
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _get_activation_fn(activation):
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each wrapped in a residual connection and a LayerNorm
    (after the sum, or before the block with ``norm_first``), as in "Attention Is All You Need".

    Args:
        d_model: the model's width.
        nhead: the number of attention heads.
        dim_feedforward: the feed-forward block's hidden width.
        dropout: dropout on the attention weights and after each block.
        activation: ``"relu"``, ``"gelu"`` or a callable (a function or a module).
        layer_norm_eps: the LayerNorms' eps.
        batch_first: inputs and outputs are ``(N, S, E)`` instead of ``(S, N, E)``.
        norm_first: normalize before each block (pre-LN) instead of after the residual sum.
        bias: learn the Linear and LayerNorm biases.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``: a tensor shaped as src.

    >>> import gpugrad as gg
    >>> layer = gg.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    >>> layer(gg.randn(2, 5, 8)).shape
    gpugrad.Size([2, 5, 8])
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        if activation is relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """One encoder layer.

        Args:
            src: ``(S, N, E)`` (``(N, S, E)`` with batch_first) or unbatched ``(S, E)``.
            src_mask: ``(S, S)`` or ``(N*nhead, S, S)`` attention mask (True or -inf: may not attend).
            src_key_padding_mask: ``(N, S)`` or ``(S,)`` (True or -inf: padding).
            is_causal: a hint that src_mask is the causal mask.

        Returns:
            A tensor shaped as src.

        >>> import gpugrad as gg
        >>> layer = gg.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8)
        >>> layer(gg.randn(3, 4), src_key_padding_mask=gg.tensor([False, False, True])).shape
        gpugrad.Size([3, 4])
        """
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                               _none_or_dtype(src_mask), "src_mask", src.dtype)
        src_mask = _canonical_mask(src_mask, "src_mask", None, "", src.dtype, check_other=False)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal=is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal=is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's output (``memory``), then a feed-forward block, each with a
    residual connection and a LayerNorm (post-LN, or pre-LN with ``norm_first``).

    Args:
        d_model: the model's width.
        nhead: the number of attention heads.
        dim_feedforward: the feed-forward block's hidden width.
        dropout: dropout on the attention weights and after each block.
        activation: ``"relu"``, ``"gelu"`` or a callable.
        layer_norm_eps: the LayerNorms' eps.
        batch_first: inputs and outputs are ``(N, T, E)`` instead of ``(T, N, E)``.
        norm_first: normalize before each block instead of after the residual sum.
        bias: learn the Linear and LayerNorm biases.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
        memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)``: a tensor shaped as tgt.

    >>> import gpugrad as gg
    >>> layer = gg.nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    >>> layer(gg.randn(4, 2, 8), gg.randn(5, 2, 8)).shape
    gpugrad.Size([4, 2, 8])
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias,
                                            **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first,
                                                 bias=bias, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _get_activation_fn(activation) if isinstance(activation, str) else activation

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """One decoder layer.

        Args:
            tgt: ``(T, N, E)`` (``(N, T, E)`` with batch_first) or unbatched ``(T, E)``.
            memory: the encoder's output, ``(S, N, E)`` (or batch first, or ``(S, E)``).
            tgt_mask: ``(T, T)`` or ``(N*nhead, T, T)`` self-attention mask.
            memory_mask: ``(T, S)`` or ``(N*nhead, T, S)`` mask on the attention over memory.
            tgt_key_padding_mask: ``(N, T)`` or ``(T,)``.
            memory_key_padding_mask: ``(N, S)`` or ``(S,)``.
            tgt_is_causal: a hint that tgt_mask is the causal mask.
            memory_is_causal: a hint that memory_mask is the causal mask.

        Returns:
            A tensor shaped as tgt.

        >>> import gpugrad as gg
        >>> layer = gg.nn.TransformerDecoderLayer(4, 2, dim_feedforward=8)
        >>> mask = gg.nn.Transformer.generate_square_subsequent_mask(3)
        >>> layer(gg.randn(3, 4), gg.randn(5, 4), tgt_mask=mask, tgt_is_causal=True).shape
        gpugrad.Size([3, 4])
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _why_not_sparsity_fast_path(layer):
    """PyTorch's reason for not using nested tensors with this encoder layer ("" when it would)."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return f"{name}.self_attn.batch_first was not True(use batch_first for better inference performance)"
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer``, then an optional final ``norm``.

    Args:
        encoder_layer: the layer to copy (a TransformerEncoderLayer).
        num_layers: how many copies.
        norm: a module applied to the last layer's output (e.g. LayerNorm), or None.
        enable_nested_tensor: accepted as PyTorch does (with its warning when the layer could not use nested
            tensors); gpugrad has no nested tensors, so it changes nothing.
        mask_check: accepted as PyTorch does.

    Returns:
        ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``: a tensor shaped as src.

    >>> import gpugrad as gg
    >>> layer = gg.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> enc = gg.nn.TransformerEncoder(layer, num_layers=2)
    >>> enc(gg.randn(2, 5, 8)).shape
    gpugrad.Size([2, 5, 8])
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why = _why_not_sparsity_fast_path(encoder_layer)
        if enable_nested_tensor and why:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False because {why}",
                          stacklevel=2)
            self.use_nested_tensor = False

    def _takes_nested_path(self, src, mask, padding):
        return not _nested_path_blocked(self, src, mask, padding)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Run the layers in turn, then ``norm``.

        Args:
            src: ``(S, N, E)`` (``(N, S, E)`` with batch_first) or unbatched ``(S, E)``.
            mask: ``(S, S)`` or ``(N*nhead, S, S)`` attention mask.
            src_key_padding_mask: ``(N, S)`` or ``(S,)``.
            is_causal: whether mask is causal; None: detect it by comparing with the causal mask.

        Returns:
            A tensor shaped as src.

        >>> import gpugrad as gg
        >>> enc = gg.nn.TransformerEncoder(gg.nn.TransformerEncoderLayer(4, 2, 8), 1, enable_nested_tensor=False)
        >>> enc(gg.randn(3, 4), mask=gg.nn.Transformer.generate_square_subsequent_mask(3)).shape
        gpugrad.Size([3, 4])
        """
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask", _none_or_dtype(mask),
                                               "mask", src.dtype)
        mask = _canonical_mask(mask, "mask", None, "", src.dtype, check_other=False)
        batch_first = self.layers[0].self_attn.batch_first
        is_causal = _detect_is_causal_mask(mask, is_causal, _get_seq_len(src, batch_first))
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        if self._takes_nested_path(src, mask, src_key_padding_mask):
            # PyTorch's inference path packs the sequences into a nested tensor and pads the result back with
            # zeros: padded positions come out as 0 (before the final norm). The other positions are the same.
            output = output.masked_fill((src_key_padding_mask != 0).unsqueeze(-1), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output


def _left_aligned(padding):
    """Whether every row of the (float) key padding mask pads only at its end."""
    pad = padding != 0
    return not bool((pad[:, :-1] & pad[:, 1:].logical_not()).any())


def _nested_path_blocked(encoder, src, mask, padding):
    """Why PyTorch's TransformerEncoder would not take its nested-tensor inference path ("" when it would)."""
    first = encoder.layers[0]
    if not getattr(encoder, "use_nested_tensor", False):
        return "self.use_nested_tensor (set in init) was not True"
    if first.training:
        return "self.layers[0] was in training mode"
    if src.ndim != 3 or padding is None or mask is not None:
        return "input not batched, no src_key_padding_mask, or a mask as well"
    if getattr(encoder, "mask_check", True) and not _left_aligned(padding):
        return "mask_check enabled, and src and src_key_padding_mask was not left aligned"
    sa = first.self_attn
    tensors = (src, sa.in_proj_weight, sa.in_proj_bias, sa.out_proj.weight, sa.out_proj.bias, first.norm1.weight,
               first.norm1.bias, first.norm2.weight, first.norm2.bias, first.linear1.weight, first.linear1.bias,
               first.linear2.weight, first.linear2.bias)
    if is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
        return "grad is enabled and at least one of query or the weights requires_grad"
    return ""


class TransformerDecoder(Module):
    """A stack of ``num_layers`` deep copies of ``decoder_layer``, then an optional final ``norm``.

    Args:
        decoder_layer: the layer to copy (a TransformerDecoderLayer).
        num_layers: how many copies.
        norm: a module applied to the last layer's output, or None.

    Returns:
        ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
        memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)``: a tensor shaped as tgt.

    >>> import gpugrad as gg
    >>> dec = gg.nn.TransformerDecoder(gg.nn.TransformerDecoderLayer(8, 2, 16), num_layers=2)
    >>> dec(gg.randn(4, 2, 8), gg.randn(5, 2, 8)).shape
    gpugrad.Size([4, 2, 8])
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        """Run the layers in turn on ``tgt`` (each attending to ``memory``), then ``norm``.

        Args:
            tgt: ``(T, N, E)`` (``(N, T, E)`` with batch_first) or unbatched ``(T, E)``.
            memory: ``(S, N, E)`` (or batch first, or ``(S, E)``).
            tgt_mask: ``(T, T)`` or ``(N*nhead, T, T)``.
            memory_mask: ``(T, S)`` or ``(N*nhead, T, S)``.
            tgt_key_padding_mask: ``(N, T)`` or ``(T,)``.
            memory_key_padding_mask: ``(N, S)`` or ``(S,)``.
            tgt_is_causal: whether tgt_mask is causal; None: detect it.
            memory_is_causal: a hint that memory_mask is causal.

        Returns:
            A tensor shaped as tgt.

        >>> import gpugrad as gg
        >>> dec = gg.nn.TransformerDecoder(gg.nn.TransformerDecoderLayer(4, 2, 8), 1)
        >>> dec(gg.randn(3, 4), gg.randn(2, 4)).shape
        gpugrad.Size([3, 4])
        """
        seq_len = _get_seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        output = tgt
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder Transformer: an encoder stack with a final LayerNorm over ``src`` and a decoder
    stack with a final LayerNorm over ``tgt`` attending to the encoder's output; every parameter of 2+ dims is
    re-drawn by xavier_uniform_, as PyTorch.

    Args:
        d_model: the model's width.
        nhead: the number of attention heads.
        num_encoder_layers: encoder depth.
        num_decoder_layers: decoder depth.
        dim_feedforward: the feed-forward blocks' hidden width.
        dropout: dropout probability.
        activation: ``"relu"``, ``"gelu"`` or a callable.
        custom_encoder: a module to use as the encoder instead.
        custom_decoder: a module to use as the decoder instead.
        layer_norm_eps: the LayerNorms' eps.
        batch_first: inputs and outputs are ``(N, seq, E)``.
        norm_first: pre-LN layers.
        bias: learn the Linear and LayerNorm biases.
        device: where to create the parameters.
        dtype: their dtype.

    Returns:
        ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
        tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
        memory_is_causal=False)``: a tensor shaped as tgt.

    >>> import gpugrad as gg
    >>> model = gg.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
    ...                           dim_feedforward=16, batch_first=True)
    >>> model(gg.randn(2, 5, 8), gg.randn(2, 4, 8)).shape
    gpugrad.Size([2, 4, 8])
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation=relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                      norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args, **kw), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args, **kw), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """Encode ``src``, then decode ``tgt`` against it.

        Args:
            src: ``(S, N, E)`` (``(N, S, E)`` with batch_first) or unbatched ``(S, E)``.
            tgt: ``(T, N, E)`` (or batch first, or ``(T, E)``).
            src_mask: ``(S, S)`` or ``(N*nhead, S, S)``.
            tgt_mask: ``(T, T)`` or ``(N*nhead, T, T)``.
            memory_mask: ``(T, S)`` or ``(N*nhead, T, S)``.
            src_key_padding_mask: ``(N, S)`` or ``(S,)``.
            tgt_key_padding_mask: ``(N, T)`` or ``(T,)``.
            memory_key_padding_mask: ``(N, S)`` or ``(S,)``.
            src_is_causal: whether src_mask is causal (None: detect).
            tgt_is_causal: whether tgt_mask is causal (None: detect).
            memory_is_causal: a hint that memory_mask is causal.

        Returns:
            A tensor shaped as tgt.

        >>> import gpugrad as gg
        >>> model = gg.nn.Transformer(4, 2, 1, 1, 8, batch_first=True)
        >>> model(gg.randn(3, 4), gg.randn(2, 4)).shape
        gpugrad.Size([2, 4])
        """
        is_batched = src.ndim == 3
        if is_batched and src.shape[0 if self.batch_first else 1] != tgt.shape[0 if self.batch_first else 1]:
            raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal, got src "
                               f"{tuple(src.shape)} and tgt {tuple(tgt.shape)} (batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}), got src {tuple(src.shape)} and tgt {tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask for a sequence of ``sz``: -inf above the diagonal (future positions), 0 elsewhere.

        Args:
            sz: the sequence length.
            device: where to create it.
            dtype: its dtype (default: the default float dtype).

        Returns:
            A float tensor ``(sz, sz)``.

        >>> import gpugrad as gg
        >>> gg.nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[0., -inf, -inf],
                [0., 0., -inf],
                [0., 0., 0.]])
        """
        return _generate_square_subsequent_mask(sz, dtype=dtype, device=device)

    def _reset_parameters(self):
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
