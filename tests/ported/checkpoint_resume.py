# Checkpointing: save model, optimizer and scheduler state with the epoch, resume from them into fresh objects
# (torch.load(..., weights_only=True)) and check the resumed run equals the uninterrupted one.
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(11)
X = torch.from_numpy(rng.standard_normal((128, 6)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 3, 128))
init = [rng.standard_normal(s).astype(np.float32) * 0.4 for s in [(24, 6), (24,), (3, 24), (3,)]]


def make():
    model = nn.Sequential(nn.Linear(6, 24), nn.Tanh(), nn.Linear(24, 3))
    with torch.no_grad():
        for p, w in zip(model.parameters(), init):
            p.copy_(torch.from_numpy(w))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02, betas=(0.9, 0.99), weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    return model, optimizer, scheduler


def run_epochs(model, optimizer, scheduler, start, stop, losses):
    for epoch in range(start, stop):
        model.train()
        for i in range(0, 128, 32):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X[i:i + 32]), y[i:i + 32])
            loss.backward()
            optimizer.step()
        scheduler.step()
        losses.append(loss.item())


model, optimizer, scheduler = make()
straight = []
run_epochs(model, optimizer, scheduler, 0, 8, straight)

model, optimizer, scheduler = make()
resumed = []
run_epochs(model, optimizer, scheduler, 0, 4, resumed)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "checkpoint.pt")
    torch.save({
        "epoch": 4,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "loss": resumed[-1],
    }, path)
    torch.save(model.state_dict(), os.path.join(tmp, "weights.pth"))
    del model, optimizer, scheduler

    model, optimizer, scheduler = make()
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    start_epoch = checkpoint["epoch"]
    saved_loss = checkpoint["loss"]
    weights = torch.load(os.path.join(tmp, "weights.pth"), map_location="cpu")
    missing = model.load_state_dict(weights, strict=True)
run_epochs(model, optimizer, scheduler, start_epoch, 8, resumed)

results = {
    "final_loss": straight[-1],
    "resumed_final_loss": resumed[-1],
    "resume_matches": resumed == straight,
    "saved_loss_type": type(saved_loss).__name__,
    "start_epoch": start_epoch,
    "lr_after": optimizer.param_groups[0]["lr"],
    "state_keys": sorted(checkpoint["model_state_dict"].keys()),
    "optimizer_state_keys": sorted(checkpoint["optimizer_state_dict"].keys()),
    "param_groups_keys": sorted(checkpoint["optimizer_state_dict"]["param_groups"][0].keys()),
    "step_count": float(optimizer.state_dict()["state"][0]["step"]),
    "missing_keys": list(missing.missing_keys) + list(missing.unexpected_keys),
}
