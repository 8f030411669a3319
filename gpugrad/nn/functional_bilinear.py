"""bilinear for gpugrad.nn.functional: y = x1^T A x2 + b, one einsum (whose derivatives einsum records)."""
from __future__ import annotations

from ..ops import einsum
from ..ops._util import shape_str

__all__ = ["bilinear"]


def bilinear(input1, input2, weight, bias=None):
    """A bilinear map of two inputs, as torch.nn.functional.bilinear:
    ``y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]``.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``, with the same leading dims as ``input1``.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: optional ``(out_features,)``.

    Returns:
        A tensor ``(*, out_features)``.

    >>> import gpugrad as gg
    >>> w = gg.ones(1, 2, 3)
    >>> gg.nn.functional.bilinear(gg.ones(4, 2), gg.ones(4, 3), w).shape
    gpugrad.Size([4, 1])
    """
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear: expected a 3-D weight (out_features, in1_features, in2_features), got "
                           f"{shape_str(weight.shape)}")
    if input1.ndim == 0 or input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear: input1 of shape {shape_str(input1.shape)} does not end with in1_features="
                           f"{weight.shape[1]} of weight {shape_str(weight.shape)}")
    if input2.ndim == 0 or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear: input2 of shape {shape_str(input2.shape)} does not end with in2_features="
                           f"{weight.shape[2]} of weight {shape_str(weight.shape)}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear: the batch dims of input1 {shape_str(input1.shape)} and input2 "
                           f"{shape_str(input2.shape)} differ")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"bilinear: bias has shape {shape_str(bias.shape)}, expected ({weight.shape[0]},) for "
                           f"weight {shape_str(weight.shape)}")
    y = einsum("...i,oij,...j->...o", input1, weight, input2)
    return y if bias is None else y + bias
