"""StackDataset and ChainDataset against PyTorch's: the samples, the lengths, the DataLoader batches, and the
errors (same exception classes)."""
from __future__ import annotations

import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")


def _both(fn):
    return fn(gg, gg.utils.data), fn(torch, torch.utils.data)


def _plain(x):
    if isinstance(x, (gg.Tensor, torch.Tensor)):
        return x.tolist()
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return [_plain(v) for v in x]
    return x


def test_stack_dataset_tuple_and_dict_as_torch():
    def build(T, D):
        a = D.TensorDataset(T.arange(4), T.arange(4) * 10)
        b = [T.tensor(float(i)) for i in range(4)]
        tup, dic = D.StackDataset(a, b), D.StackDataset(x=a, y=b)
        batches = [_plain(v) for v in D.DataLoader(dic, batch_size=3)]
        return len(tup), _plain(tup[2]), _plain(dic[-1]), batches
    g, t = _both(build)
    assert g == t


@pytest.mark.parametrize("bad", ["both", "none", "sizes"])
def test_stack_dataset_errors_as_torch(bad):
    def build(T, D):
        a, b = D.TensorDataset(T.arange(3)), [1, 2]
        return {"both": lambda: D.StackDataset(a, y=a), "none": lambda: D.StackDataset(),
                "sizes": lambda: D.StackDataset(a, b)}[bad]
    for make in _both(build):
        with pytest.raises(ValueError):
            make()


def test_chain_dataset_as_torch():
    def build(T, D):
        class Count(D.IterableDataset):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return iter(T.arange(self.n).tolist())

            def __len__(self):
                return self.n
        ds = D.ChainDataset([Count(2), Count(3)])
        bad = D.ChainDataset([Count(1), [5]])
        with pytest.raises(AssertionError):
            list(bad)
        with pytest.raises(AssertionError):
            len(bad)
        return list(ds), len(ds), [_plain(b) for b in D.DataLoader(ds, batch_size=2)]
    g, t = _both(build)
    assert g == t
