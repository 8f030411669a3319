# The set-up code that opens many training scripts: a set_seed helper (random, NumPy, torch, CUDA, cuDNN
# flags, deterministic algorithms), device selection over CUDA/MPS/CPU, thread count, float32 matmul
# precision, constants and finfo in masking, and the old Variable wrapper of legacy tutorials.
import os
import random

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd import Variable


def set_seed(seed: int = 42) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    os.environ["PYTHONHASHSEED"] = str(seed)


set_seed(0)
torch.use_deterministic_algorithms(True, warn_only=True)
if torch.cuda.is_available():
    device = torch.device("cuda")
elif torch.backends.mps.is_available():
    device = torch.device("mps")
else:
    device = torch.device("cpu")
torch.set_num_threads(1)
torch.set_float32_matmul_precision("high")

a = torch.randn(4, 4)
set_seed(0)
b = torch.randn(4, 4)
results = {
    "device_type": device.type,
    "reseed_repeats": torch.equal(a, b),
    "deterministic": torch.are_deterministic_algorithms_enabled(),
    "cudnn_flags": [torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark],
    "threads": torch.get_num_threads(),
    "precision": torch.get_float32_matmul_precision(),
}
torch.set_float32_matmul_precision("highest")
torch.use_deterministic_algorithms(False)

rng = np.random.default_rng(1)
scores = torch.from_numpy(rng.standard_normal((3, 5)).astype(np.float32))
mask = torch.from_numpy(np.tril(np.ones((3, 5), dtype=bool)))
neg = torch.finfo(scores.dtype).min
attn = F.softmax(scores.masked_fill(~mask, neg), dim=-1)
attn_inf = F.softmax(scores.masked_fill(~mask, -torch.inf), dim=-1)
results.update({
    "masked_rows": attn.sum(-1).tolist(),
    "masked_first_row": attn[0].tolist(),
    "same_as_inf": torch.allclose(attn, attn_inf),
    "finfo": [torch.finfo(torch.float32).eps, torch.finfo(torch.float16).max, torch.finfo().bits,
              torch.finfo(torch.float64).tiny],
    "iinfo": [torch.iinfo(torch.int64).max, torch.iinfo(torch.int32).min, torch.iinfo(torch.uint8).bits],
    "constants": [torch.pi, torch.e, torch.inf, str(torch.nan)],
    "newaxis_shape": list(scores[:, torch.newaxis].shape),
    "all_any": [torch.all(mask).item(), torch.any(mask).item(), torch.all(mask, dim=1).tolist(),
                torch.any(~mask, 0).tolist()],
})

# the 0.3-era tutorial: Variable wraps a tensor; it is a plain tensor since 0.4
x = Variable(torch.from_numpy(rng.standard_normal((8, 3)).astype(np.float32)))
w = Variable(torch.from_numpy(rng.standard_normal((3, 1)).astype(np.float32)), requires_grad=True)
y = Variable(torch.from_numpy(rng.standard_normal((8, 1)).astype(np.float32)), requires_grad=False)
for step in range(20):
    loss = (x.mm(w) - y).pow(2).mean()
    loss.backward()
    w.data -= 0.1 * w.grad.data
    w.grad.data.zero_()
results["final_loss"] = loss.item()
results["variable_is_tensor"] = isinstance(x, torch.Tensor)
results["variable_requires_grad"] = [x.requires_grad, w.requires_grad]
