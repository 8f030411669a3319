# A binary classifier in the blog-post style: nn.Sequential from an OrderedDict, BCEWithLogitsLoss with
# pos_weight, SGD with Nesterov momentum, sigmoid thresholding, precision/recall by hand, torch.manual_seed.
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(42)
rng = np.random.default_rng(42)
n = 300
X_np = rng.standard_normal((n, 2)).astype(np.float32)
y_np = ((X_np[:, 0] ** 2 + X_np[:, 1] ** 2) < 0.8).astype(np.float32)       # a disc: ~1/3 positive
X = torch.from_numpy(X_np)
y = torch.from_numpy(y_np).unsqueeze(1)

model = nn.Sequential(OrderedDict([
    ("hidden", nn.Linear(2, 16)),
    ("act", nn.LeakyReLU(0.1)),
    ("hidden2", nn.Linear(16, 16)),
    ("act2", nn.ELU()),
    ("out", nn.Linear(16, 1)),
]))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.5))

pos_weight = (y == 0).sum() / (y == 1).sum()
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)

history = []
for epoch in range(150):
    model.train()
    logits = model(X)
    loss = criterion(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 30 == 0:
        history.append(round(loss.item(), 4))

model.eval()
with torch.no_grad():
    probs = torch.sigmoid(model(X))
    preds = (probs > 0.5).float()
    tp = ((preds == 1) & (y == 1)).sum().item()
    fp = ((preds == 1) & (y == 0)).sum().item()
    fn = ((preds == 0) & (y == 1)).sum().item()
    acc = (preds == y).float().mean().item()
    bce = nn.BCELoss()(probs, y).item()
    bce_manual = -(y * torch.log(probs) + (1 - y) * torch.log(1 - probs)).mean().item()

results = {
    "final_loss": loss.item(),
    "history": history,
    "pos_weight": pos_weight.item(),
    "pos_weight_dtype": pos_weight.dtype,
    "tp_fp_fn": [tp, fp, fn],
    "accuracy": acc,
    "bce": bce,
    "bce_manual": bce_manual,
    "layer_names": [name for name, _ in model.named_children()],
    "hidden_out_features": model.hidden.out_features,
    "logits_shape": list(logits.shape),
    "preds_dtype": preds.dtype,
    "compare_dtype": (probs > 0.5).dtype,
}
