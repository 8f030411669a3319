# Everyday tensor idioms of inference and evaluation code: view/reshape, cat/stack, one_hot, where, masked_fill,
# topk, sort, argmax, softmax, gather, no_grad as a decorator, inference_mode, detach().cpu().numpy().
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
rng = np.random.default_rng(4)
images = torch.from_numpy(rng.standard_normal((10, 2, 3, 3)).astype(np.float32)).to(device)
labels = torch.from_numpy(rng.integers(0, 5, 10)).to(device)

model = nn.Sequential(nn.Linear(18, 12), nn.ReLU(), nn.Linear(12, 5)).to(device)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32)))

results = {}
flat = images.view(images.size(0), -1)
results["flat_shape"] = flat.shape
results["flat_same"] = torch.equal(flat, images.reshape(10, 18)) and torch.equal(flat, images.flatten(1))
results["size_type"] = type(images.size(0)).__name__
results["numel"] = images.numel()


@torch.no_grad()
def predict(x):
    logits = model(x.view(x.size(0), -1))
    return logits, logits.requires_grad


logits, rg = predict(images)
results["decorated_requires_grad"] = rg
with torch.inference_mode():
    results["inference_requires_grad"] = model(flat).requires_grad
    results["grad_enabled_inside"] = torch.is_grad_enabled()
results["grad_enabled_after"] = torch.is_grad_enabled()

probs = F.softmax(logits, dim=1)
results["probs_row_sums"] = probs.sum(dim=1).tolist()
top_p, top_i = torch.topk(probs, k=3, dim=1)
results["topk_idx"] = top_i.tolist()
results["topk_vals"] = top_p[:, 0].tolist()
results["topk_dtype"] = top_i.dtype
values, indices = probs.topk(2, largest=False)
results["bottom2"] = indices.tolist()
pred = logits.argmax(dim=1)
results["pred"] = pred.tolist()
results["correct"] = (pred == labels).sum().item()
results["accuracy"] = (pred == labels).float().mean().item()
results["max_tuple"] = [t.tolist() for t in torch.max(logits, 1)]
sorted_vals, order = torch.sort(logits[:, 0], descending=True)
results["sort_order"] = order.tolist()

one_hot = F.one_hot(labels, num_classes=5)
results["one_hot_dtype"] = one_hot.dtype
results["one_hot_sum"] = one_hot.sum(0).tolist()
results["one_hot_auto_shape"] = F.one_hot(torch.tensor([0, 3, 1])).shape
picked = logits.gather(1, labels.unsqueeze(1)).squeeze(1)
results["gather_equals_onehot"] = torch.allclose(picked, (logits * one_hot.float()).sum(1))

mask = logits > 0
results["where"] = torch.where(mask, logits, torch.zeros_like(logits)).sum().item()
results["where_scalar"] = torch.where(logits > 0, logits, 0.0).sum().item()
results["nonzero_count"] = torch.where(mask)[0].numel()
masked = logits.masked_fill(~mask, float("-inf"))
results["masked_softmax_row0"] = F.softmax(masked, dim=-1)[0].tolist()
results["masked_fill_int"] = labels.masked_fill(labels > 2, -1).tolist()

both = torch.cat([logits, probs], dim=1)
stacked = torch.stack([logits, probs])
results["cat_shape"] = list(both.shape)
results["stack_shape"] = list(stacked.shape)
results["cat0_shape"] = list(torch.cat((logits, logits)).shape)
first, second = torch.chunk(both, 2, dim=1)
results["chunk_shapes"] = [list(first.shape), list(second.shape)]
results["split_sizes"] = [list(t.shape) for t in both.split([3, 7], dim=1)]
results["transpose"] = logits.t().contiguous().view(-1)[:4].tolist()
results["permute_shape"] = list(images.permute(0, 2, 3, 1).shape)
results["unsqueeze_expand"] = list(labels.unsqueeze(-1).expand(-1, 4).shape)
results["repeat_shape"] = list(labels.repeat(2, 3).shape)
results["clamp"] = logits.clamp(-1, 1).sum().item()
results["mean_keepdim"] = list(logits.mean(dim=1, keepdim=True).shape)
results["std"] = logits.std().item()
results["var_dim"] = logits.var(0, unbiased=False).tolist()
results["norm"] = torch.norm(logits, dim=1).tolist()
results["lin_norm"] = torch.linalg.norm(logits).item()
results["unit_rows"] = F.normalize(logits, dim=1).norm(dim=1).tolist()
results["cumsum"] = labels.cumsum(0).tolist()
results["cumsum_dtype"] = labels.cumsum(0).dtype
results["any_all"] = [bool(mask.any()), bool(mask.all()), mask.any(dim=1).tolist()]
results["int_div"] = (labels // 2).tolist()
results["true_div_dtype"] = (labels / 2).dtype
results["arange_dtype"] = torch.arange(5).dtype
results["arange_float_dtype"] = torch.arange(0, 1, 0.25).dtype
results["linspace"] = torch.linspace(0, 1, steps=5).tolist()
results["full_dtype"] = torch.full((2,), 7).dtype
results["zeros_like_dtype"] = torch.zeros_like(labels).dtype
results["eye_sum"] = torch.eye(3).sum().item()
results["item_type"] = type(labels[0].item()).__name__
results["bool_item_type"] = type(mask[0, 0].item()).__name__
results["tolist_type"] = type(labels.tolist()[0]).__name__
results["len"] = len(logits)

arr = logits.detach().cpu().numpy()
results["numpy_type"] = type(arr).__name__
results["numpy_dtype"] = str(arr.dtype)
back = torch.from_numpy(arr)
results["from_numpy_shares"] = bool(np.shares_memory(arr, back.numpy()))
results["as_tensor_dtype"] = torch.as_tensor([1, 2, 3]).dtype
results["tensor_from_list_float"] = torch.tensor([1.0, 2]).dtype
results["from_numpy_float64"] = torch.from_numpy(np.zeros(2)).dtype
results["float_cast"] = labels.float().dtype
results["to_dtype"] = labels.to(torch.float64).dtype
results["type_cast"] = labels.type(torch.FloatTensor).dtype if hasattr(torch, "FloatTensor") else "missing"
results["long_of_float"] = torch.tensor([1.7, -1.7]).long().tolist()
results["is_tensor"] = torch.is_tensor(logits)
results["isinstance_tensor"] = isinstance(logits, torch.Tensor)
results["final_loss"] = F.cross_entropy(logits, labels).item()
results["nll_of_log_softmax"] = F.nll_loss(F.log_softmax(logits, dim=1), labels).item()
tolerances = {"transpose": 1e-4}     # raw float32 logits: BLAS sums in another order
