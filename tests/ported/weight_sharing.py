# The older tutorial's DynamicNet with Linear layers: a middle layer reused a random number of times per
# forward pass (weight sharing), its gradient accumulated over the reuses; ModuleList and ModuleDict heads.
import random

import numpy as np
import torch
import torch.nn as nn


class DynamicNet(nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__()
        self.input_linear = nn.Linear(D_in, H)
        self.middle_linear = nn.Linear(H, H)
        self.output_linear = nn.Linear(H, D_out)
        self.heads = nn.ModuleDict({"mean": nn.Linear(D_out, 1), "spread": nn.Linear(D_out, 1)})
        self.extra = nn.ModuleList([nn.Linear(H, H) for _ in range(2)])

    def forward(self, x):
        h_relu = self.input_linear(x).clamp(min=0)
        for _ in range(random.randint(0, 3)):
            h_relu = self.middle_linear(h_relu).clamp(min=0)
        for i, layer in enumerate(self.extra):
            h_relu = h_relu + 0.5 * torch.tanh(layer(h_relu)) if i % 2 == 0 else torch.relu(layer(h_relu))
        y = self.output_linear(h_relu)
        return y + self.heads["mean"](y) * 0.1 + torch.sigmoid(self.heads["spread"](y))


random.seed(1)
rng = np.random.default_rng(8)
N, D_in, H, D_out = 64, 20, 16, 4
x = torch.tensor(rng.standard_normal((N, D_in)), dtype=torch.float32)
y = torch.tensor(rng.standard_normal((N, D_out)), dtype=torch.float32)
model = DynamicNet(D_in, H, D_out)
with torch.no_grad():
    for name, p in sorted(model.named_parameters()):
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.2, dtype=torch.float32))

criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
losses = []
for t in range(60):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# the shared layer's gradient is the sum over its uses: compare with an unrolled copy
random.seed(5)
model.zero_grad()
model(x).sum().backward()
shared_grad = model.middle_linear.weight.grad.norm().item()
results = {"final_loss": losses[-1], "losses": losses[::10], "shared_grad_norm": shared_grad,
           "names": [n for n, _ in model.named_parameters()],
           "n_modules": len(list(model.modules())), "children": [n for n, _ in model.named_children()],
           "heads_keys": list(model.heads.keys()), "extra_len": len(model.extra)}
