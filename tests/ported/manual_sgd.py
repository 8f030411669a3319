# The official tutorial's two-layer net with tensors and autograd, weights updated by hand:
# first inside torch.no_grad(), then through .data (the older idiom).
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
loss_no_grad = loss.item()

for t in range(100):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    w1.data -= learning_rate * w1.grad.data
    w2.data -= learning_rate * w2.grad.data
    w1.grad.data.zero_()
    w2.grad.data.zero_()

results = {"loss_no_grad": loss_no_grad, "final_loss": loss.item()}
