# Dropout in train and eval mode: eval is deterministic (compared exactly), train drops about p of the units
# and scales the rest by 1/(1-p) (compared statistically).
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(2)
X = torch.tensor(rng.standard_normal((256, 20)), dtype=torch.float32)
Y = torch.tensor(rng.integers(0, 3, 256))

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(p=0.3), nn.Linear(64, 3))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor(rng.standard_normal((64, 20)) * 0.2, dtype=torch.float32))
    model[0].bias.zero_()
    model[3].weight.copy_(torch.tensor(rng.standard_normal((3, 64)) * 0.2, dtype=torch.float32))
    model[3].bias.zero_()
loss_fn = nn.CrossEntropyLoss()

model.eval()
with torch.no_grad():
    eval_loss = loss_fn(model(X), Y).item()
    eval_again = loss_fn(model(X), Y).item()

model.train()
h = model[1](model[0](X))
dropped = model[2](h)
active = (h > 0)
zero_fraction = ((dropped == 0) & active).sum().item() / active.sum().item()
kept = (dropped != 0)
scale = (dropped[kept] / h[kept]).mean().item()

opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(30):                     # training with dropout on
    loss = loss_fn(model(X), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
model.eval()
with torch.no_grad():
    trained_eval_loss = loss_fn(model(X), Y).item()

results = {"final_loss": eval_loss, "eval_repeatable": float(eval_loss == eval_again),
           "train_zero_fraction": zero_fraction, "train_scale": scale, "trained_eval_loss": trained_eval_loss,
           "trained_improves": float(trained_eval_loss < eval_loss)}
tolerances = {"train_zero_fraction": 0.03, "trained_eval_loss": 0.05}   # random masks: absolute tolerances
