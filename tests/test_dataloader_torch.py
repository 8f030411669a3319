"""DataLoader with torch.utils.data's arguments, batch for batch against torch's DataLoader, and
gpugrad.utils.data as the alias of gpugrad.data."""
import threading
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import gpugrad as gg
import gpugrad.utils.data as gdata

X = np.random.default_rng(0).standard_normal((11, 3))
Y = np.arange(11)


class Pairs:
    """A general map-style dataset (per-sample path), written once for either module."""

    def __init__(self, m, n=11):
        self.m, self.n = m, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": self.m.tensor(X[i]), "i": int(i), "w": float(i) / 2}


def _plain(batch):
    if isinstance(batch, dict):
        return {k: _plain(v) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return [_plain(b) for b in batch]
    if hasattr(batch, "tolist"):
        return (batch.tolist(), str(batch.dtype).replace("torch.", "gpugrad."))
    return batch


def _epoch(m, d, general, **kw):
    ds = Pairs(m) if general else d.TensorDataset(m.tensor(X), m.tensor(Y))
    loader = d.DataLoader(ds, **kw)
    return len(loader), [_plain(b) for b in loader]


CASES = [dict(batch_size=4), dict(batch_size=4, drop_last=True), dict(batch_size=3, sampler=[5, 1, 7, 2, 9]),
         dict(batch_sampler=[[0, 1], [5, 3, 2], [10]]), dict(batch_size=None), dict(batch_size=4, num_workers=2),
         dict(batch_size=5, num_workers=3, prefetch_factor=1, drop_last=True), dict(batch_size=4, pin_memory=True),
         dict(batch_size=2, sampler=[3, 4, 5], num_workers=1, persistent_workers=True, timeout=30)]


@pytest.mark.parametrize("general", [False, True], ids=["tensor_dataset", "general_dataset"])
@pytest.mark.parametrize("kw", CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items())[:40])
def test_batches_match_torch(kw, general):
    assert _epoch(gg, gdata, general, **kw) == _epoch(torch, tdata, general, **kw)


def test_custom_collate_and_samplers_match_torch():
    def collate(samples):
        return [s[1] for s in samples]

    for make in (lambda d, ds: d.SequentialSampler(ds), lambda d, ds: d.BatchSampler(range(7), 3, False)):
        res = []
        for m, d in ((gg, gdata), (torch, tdata)):
            ds = d.TensorDataset(m.tensor(X), m.tensor(Y))
            s = make(d, ds)
            kw = dict(batch_sampler=s) if isinstance(s, d.BatchSampler) else dict(sampler=s, batch_size=3)
            res.append([[int(v) for v in b] for b in d.DataLoader(ds, collate_fn=collate, **kw)])
        assert res[0] == res[1]


@pytest.mark.parametrize("kw", [dict(shuffle=True, sampler=[0]), dict(batch_sampler=[[0]], batch_size=2),
                                dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
                                dict(num_workers=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
                                dict(timeout=-1)])
def test_invalid_combinations_raise_like_torch(kw):
    with pytest.raises(ValueError):
        tdata.DataLoader(tdata.TensorDataset(torch.tensor(X)), **kw)
    with pytest.raises(ValueError, match="DataLoader"):
        gdata.DataLoader(gdata.TensorDataset(gg.tensor(X)), **kw)


def test_shuffle_visits_everything_and_seed_repeats():
    ds = gdata.TensorDataset(gg.tensor(Y))
    a = [b[0].tolist() for b in gdata.DataLoader(ds, batch_size=4, shuffle=True, seed=3)]
    b = [b[0].tolist() for b in gdata.DataLoader(ds, batch_size=4, shuffle=True, seed=3)]
    assert a == b and sorted(sum(a, [])) == list(range(11)) and sum(a, []) != list(range(11))


def test_any_iterable_of_indices_with_len_is_a_sampler():
    class EveryOther:                # what a DistributedSampler looks like to the loader
        def __init__(self, n, rank):
            self.n, self.rank = n, rank

        def __iter__(self):
            return iter(range(self.rank, self.n, 2))

        def __len__(self):
            return len(range(self.rank, self.n, 2))

    ds = gdata.TensorDataset(gg.tensor(Y))
    loader = gdata.DataLoader(ds, batch_size=2, sampler=EveryOther(11, 1))
    assert len(loader) == 3 and [b[0].tolist() for b in loader] == [[1, 3], [5, 7], [9]]
    assert loader.sampler.rank == 1


def test_samplers():
    g = np.random.default_rng(0)
    r = list(gdata.RandomSampler(range(5), replacement=True, num_samples=20, generator=g))
    assert len(r) == 20 and set(r) <= set(range(5))
    r = list(gdata.RandomSampler(range(5), num_samples=7, generator=g))
    assert len(r) == 7 and sorted(r[:5]) == list(range(5))
    w = list(gdata.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 50, generator=g))
    assert set(w) == {1, 3}
    assert sorted(gdata.SubsetRandomSampler([4, 8, 9], generator=g)) == [4, 8, 9]
    assert list(gdata.BatchSampler(range(5), 2, drop_last=False)) == list(tdata.BatchSampler(range(5), 2, False))
    with pytest.raises(ValueError, match="batch_size"):
        gdata.BatchSampler(range(5), 0, False)


def test_workers_are_threads_with_init_fn_and_worker_info():
    inits, infos = [], []
    lock = threading.Lock()

    class Slow(gdata.Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            with lock:
                infos.append(gdata.get_worker_info().id)
            return gg.tensor([float(i)])

    loader = gdata.DataLoader(Slow(), batch_size=3, num_workers=2, worker_init_fn=inits.append,
                              persistent_workers=True)
    for _ in range(2):
        assert [b.tolist() for b in loader] == [[[0.0], [1.0], [2.0]], [[3.0], [4.0], [5.0]],
                                                [[6.0], [7.0], [8.0]], [[9.0], [10.0], [11.0]]]
    assert sorted(inits) == [0, 1] and set(infos) <= {0, 1}        # persistent: started once
    assert gdata.get_worker_info() is None


def test_worker_timeout_is_a_clear_error():
    class Stuck(gdata.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(0.5)
            return gg.tensor([1.0])

    with pytest.raises(RuntimeError, match="timed out after 0.05 seconds"):
        list(gdata.DataLoader(Stuck(), num_workers=1, timeout=0.05))


def test_iterable_and_concat_datasets_match_torch():
    res = []
    for m, d in ((gg, gdata), (torch, tdata)):
        class Stream(d.IterableDataset):
            def __iter__(self):
                return iter(m.tensor([float(i), 2.0 * i]) for i in range(7))

        a = [b.tolist() for b in d.DataLoader(Stream(), batch_size=3)]
        c = d.ConcatDataset([d.TensorDataset(m.tensor(Y[:4])), d.TensorDataset(m.tensor(Y[4:]))])
        res.append((a, len(c), c[5][0].item(), c[-1][0].item()))
    assert res[0] == res[1]
    class Empty(gdata.IterableDataset):
        def __iter__(self):
            return iter(())

    with pytest.raises(ValueError, match="IterableDataset"):
        gdata.DataLoader(Empty(), shuffle=True)


def test_utils_data_is_an_alias_of_data():
    import gpugrad.data
    from gpugrad.utils.data.dataset import TensorDataset
    from gpugrad.utils.data.sampler import RandomSampler
    from gpugrad.utils.data.dataloader import default_collate
    assert gdata.DataLoader is gpugrad.data.DataLoader and TensorDataset is gpugrad.data.TensorDataset
    assert RandomSampler is gpugrad.data.RandomSampler and default_collate is gpugrad.data.default_collate
    assert gg.utils.data.random_split is gpugrad.data.random_split
    for name in ("Dataset", "TensorDataset", "DataLoader", "random_split", "Sampler", "SequentialSampler",
                 "RandomSampler", "BatchSampler", "Subset"):
        assert hasattr(gdata, name) and hasattr(tdata, name)


@pytest.mark.parametrize("kw", [dict(batch_size=3, sampler=[5, 1, 7, 2]), dict(batch_sampler=[[0, 1], [5, 3]]),
                                dict(batch_size=2, shuffle=True, seed=0, num_workers=2)])
def test_samplers_gather_on_the_datasets_device(device, kw):
    ds = gdata.TensorDataset(gg.tensor(X, device=device), gg.tensor(Y, device=device))
    sub = gdata.Subset(ds, list(range(10, -1, -1)))             # index map: position i holds sample 10 - i
    for d, to_id in ((ds, lambda i: i), (sub, lambda i: 10 - i)):
        for xb, yb in gdata.DataLoader(d, **kw):
            assert xb.device == gg.device(device)
            ids = yb.cpu().numpy()
            np.testing.assert_array_equal(xb.cpu().numpy(), X[ids])
        first = next(iter(gdata.DataLoader(d, **{k: v for k, v in kw.items() if k != "shuffle"})))
        if "sampler" in kw or "batch_sampler" in kw:
            want = (kw.get("sampler") or kw["batch_sampler"][0])[:len(first[1])]
            assert first[1].cpu().tolist() == [to_id(i) for i in want]
