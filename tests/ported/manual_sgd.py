# The official tutorial's two-layer net with tensors and autograd, weights updated by hand:
# updates inside torch.no_grad().
import numpy as np
import torch

rng = np.random.default_rng(0)
N, D_in, H, D_out = 64, 100, 30, 10
x = torch.tensor(rng.standard_normal((N, D_in)), dtype=torch.float64)
y = torch.tensor(rng.standard_normal((N, D_out)), dtype=torch.float64)
w1 = torch.tensor(rng.standard_normal((D_in, H)) * 0.1, dtype=torch.float64, requires_grad=True)
w2 = torch.tensor(rng.standard_normal((H, D_out)) * 0.1, dtype=torch.float64, requires_grad=True)

learning_rate = 1e-4
for t in range(100):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
results = {"final_loss": loss.item()}
