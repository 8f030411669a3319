# Regression with a train/validation split: TensorDataset + random_split, DataLoaders, early stopping that
# keeps the best weights with copy.deepcopy(model.state_dict()), then restores them; Adam with
# weight-decay groups; HuberLoss / L1 metrics.
import copy

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)
rng = np.random.default_rng(12)
X = torch.from_numpy(rng.uniform(-2, 2, (400, 3)).astype(np.float32))
y = (X[:, 0] * X[:, 1] - X[:, 2] ** 2).unsqueeze(1) + 0.05 * torch.from_numpy(
    rng.standard_normal((400, 1)).astype(np.float32))
dataset = TensorDataset(X, y)
train_set, val_set = random_split(dataset, [320, 80], generator=torch.Generator().manual_seed(0))
fractions = random_split(dataset, [0.75, 0.25])
train_loader = DataLoader(train_set, batch_size=40, shuffle=True)
val_loader = DataLoader(val_set, batch_size=80)
results = {"split_sizes": [len(train_set), len(val_set)], "fraction_sizes": [len(s) for s in fractions],
           "disjoint": len(set(train_set.indices) & set(val_set.indices)) == 0,
           "n_batches": len(train_loader), "item_shapes": [list(t.shape) for t in train_set[0]]}


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 32), nn.SiLU(), nn.Linear(32, 32), nn.Softplus(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x)


model = MLP()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.4))
params = [{"params": [p for n, p in model.named_parameters() if n.endswith("weight")], "weight_decay": 1e-3},
          {"params": [p for n, p in model.named_parameters() if n.endswith("bias")]}]
optimizer = torch.optim.Adam(params, lr=0.01)
loss_fn = nn.HuberLoss(delta=1.0)

best_loss, best_state, best_epoch, patience, bad = float("inf"), None, -1, 3, 0
for epoch in range(30):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = sum(loss_fn(model(xb), yb).item() * len(xb) for xb, yb in val_loader) / len(val_set)
    if val_loss < best_loss - 1e-4:
        best_loss, best_state, best_epoch, bad = val_loss, copy.deepcopy(model.state_dict()), epoch, 0
    else:
        bad += 1
        if bad >= patience:
            break

model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    xv = torch.stack([val_set[i][0] for i in range(len(val_set))])
    yv = torch.stack([val_set[i][1] for i in range(len(val_set))])
    pred = model(xv)
    restored = loss_fn(pred, yv).item()
    mae = nn.L1Loss()(pred, yv).item()
    r2 = 1 - ((pred - yv) ** 2).sum() / ((yv - yv.mean()) ** 2).sum()
results.update({"final_loss": restored, "restored_equals_best": abs(restored - best_loss) < 1e-5,
                "mae": mae, "r2": r2.item(), "stacked_shape": list(xv.shape),
                "deepcopy_independent": best_state["net.0.weight"] is not model.net[0].weight})
tolerances = {"final_loss": 0.05, "mae": 0.1, "r2": 0.1}              # shuffled batches and splits differ
