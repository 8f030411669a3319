"""DistributedSampler against PyTorch's: the same sharding and padding of a given order (without shuffling
the orders are the same; with shuffling ours comes from NumPy, so PyTorch's sharding is applied to it)."""
from __future__ import annotations

import numpy as np
import pytest

from gpugrad.data import DistributedSampler

torch = pytest.importorskip("torch")
from torch.utils.data.distributed import DistributedSampler as TorchSampler  # noqa: E402


@pytest.mark.parametrize("n", [0, 1, 5, 8, 10, 11])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_same_shards_as_torch_in_order(n, replicas, drop_last):
    ds = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(ds, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(ds, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


class _Fixed(TorchSampler):
    """PyTorch's sampler fed with our permutation (its randperm replaced)."""

    def __init__(self, order, *a, **k):
        super().__init__(*a, **k)
        self.order = order

    def __iter__(self):
        real = torch.randperm
        torch.randperm = lambda n, generator=None: torch.as_tensor(self.order)
        try:
            return super().__iter__()
        finally:
            torch.randperm = real


@pytest.mark.parametrize("n,replicas", [(10, 3), (7, 2), (16, 4), (2, 5)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_shards_follow_torch_and_partition_the_epoch(n, replicas, drop_last):
    ds = list(range(n))
    for epoch in (0, 1):
        shards = []
        for rank in range(replicas):
            ours = DistributedSampler(ds, replicas, rank, shuffle=True, seed=7, drop_last=drop_last)
            ours.set_epoch(epoch)
            order = np.random.default_rng(7 + epoch).permutation(n)
            theirs = _Fixed(order, ds, replicas, rank, shuffle=True, seed=7, drop_last=drop_last)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)
            shards.append(list(ours))
        flat = sum(shards, [])
        if drop_last:
            assert len(set(flat)) == len(flat)                          # disjoint
        else:
            assert set(flat) == set(range(n))                           # everything seen
            if n >= replicas:
                assert len(flat) - len(set(flat)) == (-n) % replicas    # only the padding repeats
    a = DistributedSampler(ds, 2, 0, seed=7)
    b = DistributedSampler(ds, 2, 0, seed=7)
    b.set_epoch(1)
    assert list(a) != list(b) or n < 4


def test_defaults_from_the_process_group_and_bad_arguments():
    import gpugrad.distributed as dist
    with pytest.raises(ValueError, match="not been initialized"):
        DistributedSampler(range(4))
    dist.init_process_group()
    try:
        s = DistributedSampler(range(4))
        assert (s.num_replicas, s.rank, len(s)) == (1, 0, 4)
    finally:
        dist.destroy_process_group()
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be a positive integer"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
