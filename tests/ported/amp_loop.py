# The mixed-precision training loop of the AMP recipe, written to run anywhere: autocast and GradScaler
# enabled only on CUDA (here: the disabled path must be exact), then a bfloat16 autocast region on the CPU,
# scaler.scale(loss).backward(), scaler.unscale_ before clipping, scaler.step/update, scaler.state_dict().
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = device == "cuda"
rng = np.random.default_rng(71)
X = torch.from_numpy(rng.standard_normal((64, 10)).astype(np.float32)).to(device)
y = torch.from_numpy(rng.integers(0, 4, 64)).to(device)

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4)).to(device)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler(device, enabled=use_amp)
legacy = torch.cuda.amp.GradScaler(enabled=False)

for step in range(20):
    optimizer.zero_grad()
    with torch.autocast(device_type=device, dtype=torch.float16, enabled=use_amp):
        output = model(X)
        loss = F.cross_entropy(output, y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    scaler.step(optimizer)
    scaler.update()
results = {"final_loss": loss.item(), "output_dtype": output.dtype, "scale_enabled": scaler.is_enabled(),
           "legacy_enabled": legacy.is_enabled(), "state_dict_keys": sorted(scaler.state_dict().keys())}

with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    h = model[0](X.cpu())
    out = model(X.cpu())
    loss_bf16 = F.cross_entropy(out, y.cpu())
results["bf16_linear_dtype"] = h.dtype
results["bf16_loss_dtype"] = loss_bf16.dtype
results["bf16_loss"] = loss_bf16.item()
results["autocast_enabled"] = torch.is_autocast_enabled()
tolerances = {"bf16_loss": 0.02}
