# A tiny causal self-attention block on one-hot tokens (no Embedding: a Linear on F.one_hot), the way
# people write it from scratch: torch.tril mask registered as a buffer, masked_fill with -inf, softmax,
# bmm / @ with transpose, chunked qkv projection, dropout off, AdamW, next-token cross-entropy with view(-1).
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(61)
V, T, D = 7, 6, 16
seqs = torch.from_numpy(np.stack([(np.arange(T + 1) * s + o) % V for s, o in rng.integers(1, V, (48, 2))]))
x_idx, y_idx = seqs[:, :-1], seqs[:, 1:].contiguous()


class CausalSelfAttention(nn.Module):
    def __init__(self, d, block_size):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)).view(1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.qkv(x).split(C, dim=2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = torch.bmm(att, v)
        return self.proj(y)


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Linear(V, D, bias=False)
        self.pos = nn.Parameter(torch.zeros(1, T, D))
        self.ln1 = nn.LayerNorm(D)
        self.attn = CausalSelfAttention(D, T)
        self.ln2 = nn.LayerNorm(D)
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D))
        self.head = nn.Linear(D, V)

    def forward(self, idx, targets=None):
        x = self.tok(F.one_hot(idx, V).float()) + self.pos[:, :idx.size(1)]
        x = x + self.attn(self.ln1(x))
        x = x + self.mlp(self.ln2(x))
        logits = self.head(x)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


model = TinyLM()
with torch.no_grad():
    for name, p in model.named_parameters():
        if p.dim() > 1 and "pos" not in name:
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.2))
        elif "bias" in name:
            p.zero_()
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=3e-3, betas=(0.9, 0.95))
losses = []
for step in range(40):
    logits, loss = model(x_idx, y_idx)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    losses.append(loss.item())


@torch.no_grad()
def generate(idx, steps):
    for _ in range(steps):
        logits, _ = model(idx[:, -T:])
        next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat((idx, next_id), dim=1)
    return idx


out = generate(seqs[:3, :2], 4)
att_mask = model.attn.mask[0]
results = {"final_loss": losses[-1], "losses": losses[::8], "generated": out.tolist(),
           "mask_sum": att_mask.sum().item(), "buffers": [n for n, _ in model.named_buffers()],
           "logits_shape": list(logits.shape), "one_hot_dtype": F.one_hot(x_idx, V).dtype,
           "n_params": sum(p.numel() for p in model.parameters())}
tolerances = {"final_loss": 1e-3}
