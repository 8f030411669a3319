"""gpugrad.multiprocessing against torch.multiprocessing: spawn / start_processes run fn(i, *args) in each
process and raise the same exception types (with the child's traceback, exit code or signal) when one fails,
join=False hands back a context, the sharing-strategy switches, the standard module's names, and Hogwild-style
shared parameters across a fork."""
from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.multiprocessing as gmp

torch = pytest.importorskip("torch")
tmp = pytest.importorskip("torch.multiprocessing")

FORK = "fork" in gmp.get_all_start_methods()
needs_fork = pytest.mark.skipif(not FORK, reason="needs the fork start method")


def _write(i, path, value):
    with open(f"{path}.{i}", "w") as f:
        f.write(str(value * (i + 1)))


def _raise_on_one(i):
    if i == 1:
        raise ValueError(f"bad rank {i}")


def _exit_on_zero(i):
    if i == 0:
        os._exit(3)


def _killed(i):
    os.kill(os.getpid(), signal.SIGTERM)


def _train_shared(i, w):
    w.data.add_(1.0)            # the shared parameter: every child writes the same memory


@needs_fork
def test_spawn_runs_every_index_with_args(tmp_path):
    for name, lib in (("gg", gmp), ("torch", tmp)):
        path = str(tmp_path / name)
        assert lib.start_processes(_write, args=(path, 7), nprocs=3, start_method="fork") is None
        assert [open(f"{path}.{i}").read() for i in range(3)] == ["7", "14", "21"]


@needs_fork
def test_a_raising_child_raises_in_the_parent_as_pytorch():
    for lib in (gmp, tmp):
        with pytest.raises(lib.ProcessRaisedException, match=r"(?s)Process 1 terminated with.*ValueError: bad rank 1") \
                as info:
            lib.start_processes(_raise_on_one, nprocs=2, start_method="fork")
        assert info.value.error_index == 1
    assert issubclass(gmp.ProcessRaisedException, gmp.ProcessException)


@needs_fork
def test_an_exit_code_or_signal_raises_process_exited():
    for lib in (gmp, tmp):
        with pytest.raises(lib.ProcessExitedException, match="process 0 terminated with exit code 3") as info:
            lib.start_processes(_exit_on_zero, nprocs=2, start_method="fork")
        assert info.value.exit_code == 3 and info.value.error_index == 0
        with pytest.raises(lib.ProcessExitedException, match="terminated with signal SIGTERM") as info:
            lib.start_processes(_killed, nprocs=1, start_method="fork")
        assert info.value.signal_name == "SIGTERM" and info.value.exit_code == -signal.SIGTERM


@needs_fork
def test_join_false_returns_a_context(tmp_path):
    path = str(tmp_path / "ctx")
    ctx = gmp.start_processes(_write, args=(path, 2), nprocs=2, join=False, start_method="fork")
    assert isinstance(ctx, gmp.ProcessContext) and len(ctx.pids()) == 2
    while not ctx.join(timeout=5):
        pass
    assert open(f"{path}.1").read() == "4"


@pytest.mark.slow                  # (each spawned child imports gpugrad, PyTorch and this module: ~6 s)
def test_spawn_start_method_pickles_an_importable_function(tmp_path):
    path = str(tmp_path / "spawned")
    gmp.spawn(_write, args=(path, 5), nprocs=1)
    assert open(f"{path}.0").read() == "5"


def test_sharing_strategies_and_standard_names():
    assert gmp.get_all_sharing_strategies() == tmp.get_all_sharing_strategies()
    assert gmp.get_sharing_strategy() == tmp.get_sharing_strategy()
    with pytest.raises(ValueError, match="unknown strategy 'nope'"):
        gmp.set_sharing_strategy("nope")
    for name in ("Process", "Queue", "Pool", "get_context", "set_start_method", "cpu_count", "Manager",
                 "SimpleQueue", "Event", "Barrier"):
        assert getattr(gmp, name) is getattr(tmp, name), name
    assert gg.multiprocessing is gmp


def test_the_exceptions_pickle():
    import pickle
    e = pickle.loads(pickle.dumps(gmp.ProcessExitedException("m", 1, 2, exit_code=-15, signal_name="SIGTERM")))
    assert (e.msg, e.error_index, e.pid, e.exit_code, e.signal_name) == ("m", 1, 2, -15, "SIGTERM")


@needs_fork
def test_hogwild_shared_parameters_across_fork():
    w = gg.nn.Parameter(gg.zeros(4))
    w.share_memory_()
    gmp.start_processes(_train_shared, args=(w,), nprocs=3, start_method="fork")
    assert np.array_equal(w.detach().numpy(), np.full(4, 3.0, np.float32))
