# Knowledge distillation between two MLPs: a teacher's softened probabilities, KLDivLoss(reduction='batchmean')
# at a temperature, combined with cross-entropy on class weights from bincount; label smoothing; a
# WeightedRandomSampler for the imbalanced classes.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

rng = np.random.default_rng(41)
n = 240
labels = np.concatenate([np.zeros(160), np.ones(60), np.full(20, 2)]).astype(np.int64)
X = torch.from_numpy((rng.standard_normal((n, 6)) + labels[:, None] * 1.2).astype(np.float32))
y = torch.from_numpy(labels)

counts = torch.bincount(y, minlength=3)
class_weights = (len(y) / (3 * counts.float()))
results = {"counts": counts.tolist(), "class_weights": class_weights.tolist(), "counts_dtype": counts.dtype,
           "classes": torch.unique(y).tolist(), "unique_counts": torch.unique(y, return_counts=True)[1].tolist()}


def mlp(hidden):
    net = nn.Sequential(nn.Linear(6, hidden), nn.ReLU(), nn.Linear(hidden, 3))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.3))
    return net


teacher, student = mlp(32), mlp(8)
opt = torch.optim.Adam(teacher.parameters(), lr=0.02)
ce = nn.CrossEntropyLoss(weight=class_weights, label_smoothing=0.05)
for step in range(60):
    opt.zero_grad()
    loss = ce(teacher(X), y)
    loss.backward()
    opt.step()
results["teacher_loss"] = loss.item()

T, alpha = 3.0, 0.7
kl = nn.KLDivLoss(reduction="batchmean")
opt = torch.optim.SGD(student.parameters(), lr=0.1, momentum=0.9)
teacher.eval()
for step in range(60):
    with torch.no_grad():
        soft_targets = F.softmax(teacher(X) / T, dim=1)
    logits = student(X)
    distill = kl(F.log_softmax(logits / T, dim=1), soft_targets) * (T * T)
    hard = F.cross_entropy(logits, y)
    loss = alpha * distill + (1 - alpha) * hard
    opt.zero_grad()
    loss.backward()
    opt.step()
results["final_loss"] = loss.item()
results["kl_functional"] = F.kl_div(F.log_softmax(logits, 1), F.log_softmax(teacher(X), 1), reduction="sum",
                                    log_target=True).item()
with torch.no_grad():
    results["agreement"] = (student(X).argmax(1) == teacher(X).argmax(1)).float().mean().item()

sample_weights = class_weights[y]
sampler = WeightedRandomSampler(sample_weights, num_samples=len(y), replacement=True)
loader = DataLoader(TensorDataset(X, y), batch_size=60, sampler=sampler)
seen = torch.cat([yb for _, yb in loader])
results["sampled_len"] = len(seen)
results["sampled_fraction_rare"] = (seen == 2).float().mean().item()
tolerances = {"sampled_fraction_rare": 0.12}            # random draws
