# Learning-rate schedules as tutorials use them: StepLR per epoch, OneCycleLR per batch, ReduceLROnPlateau on a
# validation loss, warmup + cosine through SequentialLR; gradients clipped with clip_grad_norm_.
import numpy as np
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import (CosineAnnealingLR, LinearLR, OneCycleLR, ReduceLROnPlateau, SequentialLR,
                                      StepLR)

rng = np.random.default_rng(5)
X = torch.tensor(rng.standard_normal((96, 4)), dtype=torch.float32)
y = torch.tensor(rng.standard_normal((96, 1)), dtype=torch.float32)
X_val, y_val = X[:32] + 0.1, y[:32]


def make_model():
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.5, dtype=torch.float32))
    return model


criterion = nn.MSELoss()
results = {}

model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = StepLR(optimizer, step_size=2, gamma=0.1)
lrs, norms = [], []
for epoch in range(6):
    for i in range(0, 96, 32):
        optimizer.zero_grad()
        loss = criterion(model(X[i:i + 32]), y[i:i + 32])
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        norms.append(norm.item())
        optimizer.step()
    scheduler.step()
    lrs.append(scheduler.get_last_lr()[0])
results["steplr_lrs"] = lrs
results["steplr_loss"] = loss.item()
results["clip_norms"] = norms[:5]
results["clip_norm_type"] = type(norm).__name__
results["clip_norm_dtype"] = norm.dtype

model = make_model()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
steps_per_epoch, epochs = 3, 4
scheduler = OneCycleLR(optimizer, max_lr=0.05, steps_per_epoch=steps_per_epoch, epochs=epochs)
lrs, moms = [], []
for epoch in range(epochs):
    for i in range(0, 96, 32):
        optimizer.zero_grad()
        loss = criterion(model(X[i:i + 32]), y[i:i + 32])
        loss.backward()
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        moms.append(optimizer.param_groups[0]["betas"][0])
results["onecycle_lrs"] = lrs
results["onecycle_betas"] = moms
results["onecycle_loss"] = loss.item()

model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
scheduler = ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1, threshold=1e-3)
lrs, val_losses = [], []
for epoch in range(12):
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = criterion(model(X_val), y_val).item()
    scheduler.step(val_loss)
    val_losses.append(val_loss)
    lrs.append(optimizer.param_groups[0]["lr"])
results["plateau_lrs"] = lrs
results["plateau_val"] = val_losses

model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
cosine = CosineAnnealingLR(optimizer, T_max=7, eta_min=1e-4)
scheduler = SequentialLR(optimizer, schedulers=[warmup, cosine], milestones=[3])
lrs = []
for epoch in range(10):
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    scheduler.step()
    lrs.append(scheduler.get_last_lr()[0])
results["sequential_lrs"] = lrs
results["final_loss"] = loss.item()
