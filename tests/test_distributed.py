"""gpugrad.distributed: a world of one in this process; two ranks under ``mpiexec -n 2`` (skipped where
mpi4py or mpiexec is missing); the NCCL backend against a fake communicator."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.distributed as dist

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent / "distributed"


def mpiexec():
    """The ``mpiexec`` next to this Python (the mpich wheel puts it there) or on PATH, or None."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None
    here = Path(sys.executable).parent / "mpiexec"
    return str(here) if here.exists() else shutil.which("mpiexec")


def run_mpi(args, n=2, timeout=120, env=None):
    """``mpiexec -n n python args...`` from the repository root; returns the CompletedProcess."""
    exe = mpiexec()
    if exe is None:
        pytest.skip("mpi4py or mpiexec is not installed (pip install 'gpugrad[mpi]')")
    e = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
             OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    e.update(env or {})
    for k in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"):
        e.pop(k, None)
    return subprocess.run([exe, "-n", str(n), sys.executable, *map(str, args)], cwd=ROOT, env=e,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def world_of_one(monkeypatch):
    for k in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"):
        monkeypatch.delenv(k, raising=False)
    dist.init_process_group()
    yield
    dist.destroy_process_group()


def test_world_of_one_without_launcher(world_of_one):
    assert dist.is_initialized() and dist.get_backend() == "local"
    assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
    t = gg.tensor([1.0, -2.0])
    for op in dist.ReduceOp:
        dist.all_reduce(t, op=op)
        assert t.tolist() == [1.0, -2.0]
    dist.broadcast(t, 0)
    out = [gg.zeros(2)]
    dist.all_gather(out, t)
    assert out[0].tolist() == [1.0, -2.0]
    dist.barrier()
    with pytest.raises(ValueError, match="src=1 is not a rank of a group of 1"):
        dist.broadcast(t, 1)
    with pytest.raises(ValueError, match="list of 1 tensors"):
        dist.all_gather([gg.zeros(2)] * 2, t)
    with pytest.raises(TypeError, match="ReduceOp.AVG needs a floating-point tensor"):
        dist.all_reduce(gg.tensor([1, 2]), op=dist.ReduceOp.AVG)
    with pytest.raises(RuntimeError, match="twice"):
        dist.init_process_group()


def test_not_initialized_errors_and_arguments(monkeypatch):
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="backend must be"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="timeout"):
        dist.init_process_group(timeout=-1)
    monkeypatch.setenv("LOCAL_RANK", "3")
    assert dist.get_local_rank() == 3


def test_mpi_backend_without_mpi4py_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(RuntimeError, match=r"pip install 'gpugrad\[mpi\]'"):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


def test_collectives_on_two_ranks():
    r = run_mpi([SCRIPTS / "mpi_collectives.py"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok 0" in r.stdout and "ok 1" in r.stdout


@pytest.mark.parametrize("mode", ["raise", "hang", "kill"])
def test_a_failing_rank_stops_the_others(mode):
    t0 = time.monotonic()
    r = run_mpi([SCRIPTS / "mpi_faults.py", mode, 4], timeout=90)
    took = time.monotonic() - t0
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "rank 0 was not stopped" not in out
    assert took < 60, f"took {took:.0f} s"
    if mode == "raise":
        assert "rank 1 stopped on an uncaught exception" in out and "rank 1 fails on purpose" in out, out
    if mode == "hang":
        assert "DistTimeoutError" in out and "rank 0 of 2 waited" in out, out


def test_ddp_on_two_ranks_matches_one_process():
    r = run_mpi([SCRIPTS / "mpi_ddp.py"], timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok 0" in r.stdout and "ok 1" in r.stdout


def test_ddp_world_of_one(world_of_one):
    from gpugrad.nn.parallel import DistributedDataParallel as DDP
    net = gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.BatchNorm1d(4))
    model = DDP(net)
    assert model.module is net
    assert list(model.state_dict()) == ["module." + k for k in net.state_dict()]
    model.load_state_dict(model.state_dict())
    opt = gg.optim.SGD(model.parameters(), lr=0.1)
    x = gg.randn(5, 3)
    model(x).sum().backward()
    want = [p.grad.numpy().copy() for p in net.parameters()]
    opt.zero_grad()
    net(x).sum().backward()                  # the same gradients: a world of one averages nothing
    assert all(np.allclose(a, p.grad.numpy()) for a, p in zip(want, net.parameters()))
    with pytest.raises(ValueError, match="find_unused_parameters=True is not supported"):
        DDP(net, find_unused_parameters=True)
    with pytest.raises(ValueError, match=r"device_ids=\[3\]"):
        DDP(net, device_ids=[3])
    with pytest.raises(TypeError, match="must be a gpugrad.nn.Module"):
        DDP(lambda x: x)


def test_ddp_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    import torch.distributed as tdist
    from torch.nn.parallel import DistributedDataParallel as TDDP
    if not tdist.is_available():
        pytest.skip("torch.distributed is not available")
    store = tdist.HashStore()
    tdist.init_process_group("gloo", store=store, rank=0, world_size=1)
    try:
        tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
        tkeys = list(TDDP(tnet).state_dict())
    finally:
        tdist.destroy_process_group()
    from gpugrad.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group()
    try:
        keys = list(DDP(gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.BatchNorm1d(4))).state_dict())
    finally:
        dist.destroy_process_group()
    assert keys == tkeys


def test_sync_batchnorm_world_of_one_and_conversion_match_torch(world_of_one):
    torch = pytest.importorskip("torch")
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4, momentum=None),
                               torch.nn.Sequential(torch.nn.BatchNorm1d(4)))
    tnet = tnet.double()
    net = gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.BatchNorm1d(4, momentum=None),
                           gg.nn.Sequential(gg.nn.BatchNorm1d(4))).double()
    net.load_state_dict({k: gg.tensor(v.numpy()) for k, v in tnet.state_dict().items()})
    net[1].eval()
    tnet[1].eval()
    conv = gg.nn.SyncBatchNorm.convert_sync_batchnorm(net)
    tconv = torch.nn.SyncBatchNorm.convert_sync_batchnorm(tnet)
    assert [type(m).__name__ for m in conv.modules()] == [type(m).__name__ for m in tconv.modules()]
    assert list(conv.state_dict()) == list(tconv.state_dict())
    assert conv[0].weight is net[0].weight and conv[1].weight is net[1].weight and not conv[1].training
    net[1].train()
    conv[1].train()
    tconv[1].train()
    # training in a world of one is batch norm (torch's SyncBatchNorm needs a process group: compare with
    # torch's BatchNorm1d on the same parameters)
    tref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4, momentum=None),
                               torch.nn.Sequential(torch.nn.BatchNorm1d(4))).double()
    tref.load_state_dict(tnet.state_dict())
    x = np.random.default_rng(0).standard_normal((6, 3))
    for _ in range(2):
        y = conv(gg.tensor(x))
        ty = tref(torch.tensor(x))
        y.pow(2).sum().backward()
        ty.pow(2).sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    for (k, v), (tk, tv) in zip(conv.state_dict().items(), tref.state_dict().items()):
        np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
    for p, tp in zip(conv.parameters(), tref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"SyncBatchNorm: expected input of shape \(N, 4, \*\)"):
        conv[1](gg.zeros(2, 5))


def _final(out):
    line = next(l for l in out.splitlines() if l.startswith("final train accuracy"))
    return float(line.split("test accuracy:")[1].split()[0])


def test_cli_train_on_two_ranks_writes_once_and_matches_one_process(tmp_path):
    common = ["-m", "gpugrad", "train", "--epochs", "3", "--hidden", "64", "--quiet"]
    two = run_mpi([*common, "--batch-size", "16", "--out", tmp_path / "two"], n=2, timeout=300)
    assert two.returncode == 0, two.stdout + two.stderr
    assert two.stdout.count("gpugrad train: digits") == 1 and two.stdout.count("final train accuracy") == 1
    assert "batch 16 per rank x 2 ranks = global batch 32" in two.stdout
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "checkpoint.safetensors", "convergence.png", "history.csv", "history.json", "history_steps.csv",
        "model.safetensors", "preprocessing.json"]
    one = run_mpi([*common, "--batch-size", "32", "--out", tmp_path / "one"], n=1, timeout=300)
    assert one.returncode == 0, one.stdout + one.stderr
    # the same global batches in the same order: the same run up to rounding
    assert abs(_final(two.stdout) - _final(one.stdout)) <= 0.01, (two.stdout, one.stdout)
    h2 = (tmp_path / "two" / "history.csv").read_text().splitlines()
    h1 = (tmp_path / "one" / "history.csv").read_text().splitlines()
    assert len(h2) == len(h1) == 4
    saved = gg.load(tmp_path / "two" / "model.safetensors")
    assert list(saved) == ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"] or \
        not any(k.startswith("module.") for k in saved)
