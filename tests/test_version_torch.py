"""``Tensor._version`` reads as PyTorch's int, and counts the same in-place changes across views, detached
aliases and copies, step by step against torch."""
import pytest
import torch

import gpugrad as gg


def _history(m, device):
    """The versions of a base, its views, a detached alias and a copy after each in-place step."""
    x = m.zeros(4) if m is torch else m.zeros(4, device=device)
    v, d, y = x[:2], x.detach(), x.view(2, 2)
    c = x.clone()
    w = m.ones(3, requires_grad=True) if m is torch else m.ones(3, requires_grad=True, device=device)
    opt = m.optim.SGD([w], lr=0.1)
    steps = [lambda: v.add_(1.0), lambda: x.mul_(2.0), lambda: d.sub_(1.0), lambda: x.__setitem__(0, 5.0),
             lambda: y.zero_(), lambda: c.add_(1.0), lambda: x.copy_(c), lambda: v[1:].fill_(3.0),
             lambda: (w * w).sum().backward(), lambda: opt.step()]
    out = []
    for step in steps:
        step()
        out.append([t._version for t in (x, v, d, y, c, w)])
    return out


def test_version_is_an_int_counting_like_torch(device):
    got, want = _history(gg, device), _history(torch, "cpu")
    assert all(type(n) is int for row in got for n in row)
    assert got == want


def test_version_is_read_only_like_torch():
    with pytest.raises(AttributeError):
        torch.zeros(2)._version = 3
    with pytest.raises(AttributeError):
        gg.zeros(2)._version = 3
