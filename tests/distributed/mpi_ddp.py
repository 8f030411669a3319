"""Run by tests/test_distributed.py under ``mpiexec -n 2``: DistributedDataParallel against one process on
the global batch (20 Adam steps; ranks identical after every step), in float64 and float32, with one bucket
and with many; no_sync; packed gradients (no optimizer yet); a model that differs on one rank; a parameter
without gradient. Prints ``ok <rank>``."""
import sys

import numpy as np


def params_of(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


def main():
    import gpugrad as gg
    import gpugrad.nn as nn
    import gpugrad.nn.functional as F
    import gpugrad.distributed as dist
    from gpugrad.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group(backend="mpi", timeout=60)
    r, n = dist.get_rank(), dist.get_world_size()
    B = 8

    def net(dtype, hidden=16):
        return nn.Sequential(nn.Linear(5, hidden), nn.Tanh(), nn.Linear(hidden, 3)).to(dtype)

    def same_on_all_ranks(arrays):
        for a in arrays:
            t = gg.tensor(a)
            out = [gg.zeros_like(t) for _ in range(n)]
            dist.all_gather(out, t)
            assert all(np.array_equal(o.numpy(), out[0].numpy()) for o in out), "ranks differ"

    for dtype, tol, cap in ((gg.float64, 1e-12, None), (gg.float32, 2e-5, None), (gg.float32, 2e-5, 1e-4)):
        gg.manual_seed(100 + r)                  # different initial weights per rank: DDP takes rank 0's
        model = DDP(net(dtype), bucket_cap_mb=cap)
        ref = net(dtype)
        with gg.no_grad():
            for p, q in zip(ref.parameters(), model.module.parameters()):
                p.copy_(q)
        opt = gg.optim.Adam(model.parameters(), lr=1e-2)
        ropt = gg.optim.Adam(ref.parameters(), lr=1e-2)
        rng = np.random.default_rng(7)            # the same global batches on every rank
        for step in range(20):
            X = gg.tensor(rng.standard_normal((n * B, 5)), dtype=dtype)
            y = gg.tensor(rng.integers(0, 3, n * B))
            loss = F.cross_entropy(model(X[r * B:(r + 1) * B]), y[r * B:(r + 1) * B])
            opt.zero_grad()
            loss.backward()
            opt.step()
            rloss = F.cross_entropy(ref(X), y)
            ropt.zero_grad()
            rloss.backward()
            ropt.step()
            for a, b in zip(params_of(model), params_of(ref)):
                np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"{dtype} step {step} rank {r}")
            same_on_all_ranks(params_of(model))
        if cap is not None:
            assert len(model._buckets) > 1, len(model._buckets)
        else:
            assert len(model._buckets) == 1 and model._buckets[0].view is not None

    # no_sync: the local sum of two micro-batches, averaged by the backward after it
    gg.manual_seed(1)
    model, ref = DDP(net(gg.float64)), net(gg.float64)
    with gg.no_grad():
        for p, q in zip(ref.parameters(), model.module.parameters()):
            p.copy_(q)
    rng = np.random.default_rng(3)
    X = gg.tensor(rng.standard_normal((2 * n * B, 5)))
    y = gg.tensor(rng.integers(0, 3, 2 * n * B))
    mine = [X[k * n * B + r * B:k * n * B + (r + 1) * B] for k in range(2)], \
        [y[k * n * B + r * B:k * n * B + (r + 1) * B] for k in range(2)]
    with model.no_sync():                        # no optimizer: gradients are packed, not in a flat buffer
        F.cross_entropy(model(mine[0][0]), mine[1][0]).backward()
    local_first = [p.grad.numpy().copy() for p in model.parameters()]
    F.cross_entropy(model(mine[0][1]), mine[1][1]).backward()
    (F.cross_entropy(ref(X[:n * B]), y[:n * B]) + F.cross_entropy(ref(X[n * B:]), y[n * B:])).backward()
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert not np.allclose(local_first[0] * 2, model.module[0].weight.grad.numpy())

    # a different model on rank 1: refused on both ranks, naming the first difference
    try:
        DDP(net(gg.float32, hidden=16 if r == 0 else 17))
    except RuntimeError as e:
        msg = str(e)
        assert "rank 1's model differs from rank 0's" in msg and "'0.weight'" in msg, msg
        assert "(17, 5)" in msg and "(16, 5)" in msg, msg
    else:
        raise AssertionError("a mismatched model was accepted")

    # a parameter without gradient: the next forward says which
    class Partial(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(5, 3), nn.Linear(5, 3)

        def forward(self, x, use_b=True):
            return self.a(x) + self.b(x) if use_b else self.a(x)
    model = DDP(Partial())
    x = gg.ones(2, 5)
    model(x, use_b=False).sum().backward()
    try:
        model(x)
    except RuntimeError as e:
        assert "'b.weight', 'b.bias'" in str(e), str(e)
    else:
        raise AssertionError("an unreduced parameter was not reported")
    model(x).sum().backward()                    # and it recovers

    # SyncBatchNorm under DDP equals BatchNorm1d on the global batch: outputs, gradients, running stats
    for shape in ((B, 4), (B, 4, 3)):
        gg.manual_seed(5)
        base = nn.Sequential(nn.Linear(shape[-1] if len(shape) == 2 else 3, 4), nn.BatchNorm1d(4)).double()
        if len(shape) == 3:
            base = nn.Sequential(nn.BatchNorm1d(4)).double()
        ref = nn.Sequential(*[type(m)(m.in_features, m.out_features) if isinstance(m, nn.Linear) else
                              nn.BatchNorm1d(4) for m in base]).double()
        with gg.no_grad():
            for p, q in zip(ref.parameters(), base.parameters()):
                p.copy_(q)
        model = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(base))
        assert isinstance(model.module[-1], nn.SyncBatchNorm)
        rng = np.random.default_rng(11)
        for step in range(3):
            X = gg.tensor(rng.standard_normal((n * shape[0],) + shape[1:]) * 2 + 1)
            w = gg.tensor(rng.standard_normal((n * shape[0], 4) + shape[2:]))
            out = model(X[r * B:(r + 1) * B])
            (out * w[r * B:(r + 1) * B]).mean().backward()
            rout = ref(X)
            (rout * w).mean().backward()
            np.testing.assert_allclose(out.detach().numpy(), rout.detach().numpy()[r * B:(r + 1) * B],
                                       rtol=1e-10, atol=1e-10)
            for p, q in zip(model.module.parameters(), ref.parameters()):
                np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)
            for a, b in zip(model.module.buffers(), ref.buffers()):
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
    dist.destroy_process_group()
    print(f"ok {r}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
