# The errors PyTorch programs rely on (caught by type in notebooks and tests): backward twice, an in-place
# change of a saved tensor, .numpy() on a tensor that requires grad, .view on a non-contiguous tensor,
# shape mismatches in Linear and in losses, .item() on several elements, a leaf modified in place.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def error_of(fn):
    try:
        fn()
    except Exception as e:                 # noqa: BLE001 - which error is what we compare
        return type(e).__name__
    return "no error"


def backward_twice():
    x = torch.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def inplace_after_save():
    x = torch.ones(3, requires_grad=True)
    h = x * 2
    y = h.sigmoid()
    y.mul_(2)                              # sigmoid's backward needs its output
    y.sum().backward()


def numpy_with_grad():
    torch.ones(2, requires_grad=True).numpy()


def view_non_contiguous():
    torch.arange(6.0).reshape(2, 3).t().view(-1)


def linear_mismatch():
    nn.Linear(4, 2)(torch.ones(3, 5))


def leaf_inplace():
    w = torch.ones(2, requires_grad=True)
    w += 1


def mse_shape_mismatch():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(torch.ones(4, 1), torch.ones(4))


rng = np.random.default_rng(0)
results = {
    "backward_twice": error_of(backward_twice),
    "inplace_after_save": error_of(inplace_after_save),
    "numpy_with_grad": error_of(numpy_with_grad),
    "view_non_contiguous": error_of(view_non_contiguous),
    "linear_mismatch": error_of(linear_mismatch),
    "leaf_inplace": error_of(leaf_inplace),
    "item_of_many": error_of(lambda: torch.ones(2).item()),
    "cross_entropy_float_target_1d": error_of(lambda: F.cross_entropy(torch.ones(4, 3), torch.ones(4))),
    "cross_entropy_class_range": error_of(lambda: F.cross_entropy(torch.ones(4, 3), torch.tensor([0, 1, 2, 3]))),
    "mse_broadcast_warning": error_of(mse_shape_mismatch),
    "cat_mismatch": error_of(lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 4)])),
    "add_mismatch": error_of(lambda: torch.ones(2, 3) + torch.ones(3, 2)),
    "reshape_bad": error_of(lambda: torch.ones(6).reshape(4, -1)),
    "index_out_of_range": error_of(lambda: torch.ones(3)[5]),
    "grad_of_non_scalar": error_of(lambda: (torch.ones(3, requires_grad=True) * 2).backward()),
    "no_grad_backward": error_of(lambda: torch.ones(3).sum().backward()),
    "load_state_dict_missing": error_of(lambda: nn.Linear(2, 2).load_state_dict({"weight": torch.ones(2, 2)})),
    "load_state_dict_shape": error_of(lambda: nn.Linear(2, 2).load_state_dict(
        {"weight": torch.ones(3, 2), "bias": torch.ones(2)})),
    "optimizer_empty": error_of(lambda: torch.optim.SGD([], lr=0.1)),
    "optimizer_bad_lr": error_of(lambda: torch.optim.Adam(nn.Linear(1, 1).parameters(), lr=-1)),
    "bool_of_many": error_of(lambda: bool(torch.ones(2))),
    "int_of_many": error_of(lambda: int(torch.ones(2))),
    "float_of_one": error_of(lambda: float(torch.ones(1, 1))),
    "matmul_mismatch": error_of(lambda: torch.ones(2, 3) @ torch.ones(2, 3)),
    "long_requires_grad": error_of(lambda: torch.tensor([1, 2], requires_grad=True)),
    "unknown_module_attr": error_of(lambda: nn.Linear(1, 1).nonexistent),
    "softmax_no_dim": error_of(lambda: F.softmax(torch.ones(2, 2), dim=2)),
    "dropout_p": error_of(lambda: nn.Dropout(p=1.5)),
    "one_hot_float": error_of(lambda: F.one_hot(torch.tensor([0.0, 1.0]))),
    "final_loss": 0.0,
}
