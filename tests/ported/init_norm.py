# Initialization with model.apply, BatchNorm1d / LayerNorm / Dropout in train and eval mode, a registered
# buffer, weight-decay parameter groups from named_parameters, and state_dict contents.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
rng = np.random.default_rng(9)


class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long), persistent=False)

    def forward(self, x):
        self.calls += 1
        return (x - self.mean) / self.std


class Net(nn.Module):
    def __init__(self, d_in, hidden, n_out, p=0.2):
        super().__init__()
        self.norm_in = Standardize([1.0] * d_in, [2.0] * d_in)
        self.fc1 = nn.Linear(d_in, hidden, bias=False)   # batch norm follows: a bias would be noise
        self.bn1 = nn.BatchNorm1d(hidden)
        self.fc2 = nn.Linear(hidden, hidden, bias=False)
        self.ln = nn.LayerNorm(hidden)
        self.drop = nn.Dropout(p)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        x = self.norm_in(x)
        x = F.relu(self.bn1(self.fc1(x)))
        x = self.drop(F.gelu(self.ln(self.fc2(x))))
        return self.head(x)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_uniform_(m.weight, a=0, mode="fan_in", nonlinearity="relu")
        if m.bias is not None:
            nn.init.zeros_(m.bias)


model = Net(8, 64, 3)
model.apply(init_weights)
w = model.fc1.weight.detach()
bound = float(np.sqrt(6.0 / 8))
results = {"kaiming_within_bound": bool(w.abs().max().item() <= bound),
           "kaiming_std": w.std().item(), "bias_zero": bool((model.head.bias == 0).all().item()),
           "fc2_has_bias": model.fc2.bias is None}
tolerances = {"kaiming_std": 0.03}

# deterministic weights from NumPy for the comparable part
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith("weight") and p.dim() == 2:
            p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.3).astype(np.float32)))

results["state_keys"] = list(model.state_dict().keys())
results["buffer_names"] = [n for n, _ in model.named_buffers()]
results["param_count"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
results["running_var_dtype"] = model.bn1.running_var.dtype
results["num_batches_dtype"] = model.bn1.num_batches_tracked.dtype

decay, no_decay = [], []
for name, param in model.named_parameters():
    if not param.requires_grad:
        continue
    if param.ndim <= 1 or name.endswith(".bias") or "norm" in name or "bn" in name or "ln" in name:
        no_decay.append(param)
    else:
        decay.append(param)
results["group_sizes"] = [len(decay), len(no_decay)]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                               {"params": no_decay, "weight_decay": 0.0}], lr=3e-3)

X = torch.from_numpy(rng.standard_normal((64, 8)).astype(np.float32)) * 2 + 1
y = torch.from_numpy(rng.integers(0, 3, 64))
model.drop.p = 0.0                       # deterministic training: dropout off, batch norm on
model.train()
losses = []
for step in range(25):
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
results["losses"] = losses[::6]
results["final_loss"] = losses[-1]
results["running_mean_sum"] = model.bn1.running_mean.sum().item()
results["running_var_sum"] = model.bn1.running_var.sum().item()
results["num_batches_tracked"] = model.bn1.num_batches_tracked.item()
results["calls"] = model.norm_in.calls.item()
results["grad_is_none_after_zero"] = (optimizer.zero_grad() or model.fc1.weight.grad) is None

model.eval()
with torch.no_grad():
    eval_out = model(X)
    eval_again = model(X)
results["eval_loss"] = F.cross_entropy(eval_out, y).item()
results["eval_deterministic"] = torch.equal(eval_out, eval_again)
results["training_flags"] = [m.training for m in model.modules()]
model.train()
results["training_after_train"] = all(m.training for m in model.modules())

model.drop.p = 0.5
torch.manual_seed(1)
h = torch.ones(1000, 64)
d = model.drop(h)
results["dropout_kept_fraction"] = (d != 0).float().mean().item()
results["dropout_scale"] = d.max().item()
tolerances["dropout_kept_fraction"] = 0.05

fresh = Net(8, 64, 3)
info = fresh.load_state_dict(model.state_dict())
results["load_info"] = [list(info.missing_keys), list(info.unexpected_keys)]
fresh.eval()
model.eval()
with torch.no_grad():
    results["fresh_matches"] = torch.allclose(fresh(X), model(X))
