"""The CPU step around the kernels (issue 11): BLAS thread choice per matmul size, and `gpugrad bench mlp`."""
import numpy as np
import pytest

from gpugrad.kernels import _blas


class _Ctl:
    def __init__(self):
        self.n = 2
        self.calls = []

    def get_num_threads(self):
        return self.n

    def set_num_threads(self, n):
        self.calls.append(n)
        self.n = n


@pytest.fixture
def ctl(monkeypatch):
    c = _Ctl()
    monkeypatch.setattr(_blas, "_state", {"ctl": c, "default": 2, "current": 2, "busy": False, "checked": 1e18,
                                          "fixed": None})
    return c


def test_small_matmuls_run_on_one_thread_large_ones_on_the_default(ctl):
    _blas.prepare(128, 128, 128)                  # 2.1M multiply-adds, a 16K-element operand: small
    assert ctl.n == 1
    _blas.prepare(32, 512, 10)
    assert ctl.calls == [1]                       # unchanged: no call
    _blas.prepare(8, 512, 512)                    # few rows, but a 1 MB operand to read: two threads
    assert ctl.n == 2 and ctl.calls == [1, 2]
    _blas.prepare(64, 256, 256)                   # 4.2M multiply-adds
    _blas.prepare(1024, 784, 512)
    assert ctl.n == 2 and ctl.calls == [1, 2]


def test_a_busy_machine_gets_one_thread(ctl):
    _blas._state["busy"] = True
    _blas.prepare(1024, 784, 512)
    assert ctl.n == 1


def test_the_environment_fixes_the_count(ctl):
    _blas._state["fixed"] = 0                     # GPUGRAD_BLAS_THREADS=0: never touch the BLAS
    _blas.prepare(4, 4, 4)
    assert ctl.calls == []


def test_linear_is_unchanged_by_the_thread_choice():
    import gpugrad as gg
    x, w, b = gg.randn(5, 7), gg.randn(3, 7, requires_grad=True), gg.randn(3, requires_grad=True)
    y = gg.nn.functional.linear(x, w, b)
    np.testing.assert_allclose(y.detach().numpy(), x.numpy() @ w.detach().numpy().T + b.detach().numpy(), rtol=1e-5)


def test_bench_mlp_reports_the_machine():
    from gpugrad.bench import mlp
    from gpugrad.cli.bench import BENCH_SUITES
    assert "mlp" in BENCH_SUITES
    assert mlp.simd_level().split()[0] in ("AVX-512", "AVX2", "AVX", "SSE4.2") or mlp.simd_level()
    info = mlp.machine()
    assert set(info) == {"cores", "simd", "blas", "load average"}


@pytest.mark.slow
def test_bench_mlp_quick_runs_both_libraries():
    pytest.importorskip("torch")
    from gpugrad.bench import mlp
    rows = mlp.run(quick=True, pairs=1)
    assert [r["bench"] for r in rows] == ["MLP 784-512-512-10 step, ReLU, batch 32",
                                          "MLP 784-512-512-10 step, GELU, batch 32"]
    assert all(r["gpugrad ms"] > 0 and r["PyTorch ms"] > 0 for r in rows)


def test_busy_counts_other_processes_not_this_one(monkeypatch):
    """busy() subtracts this process's own CPU time: two cores kept busy by our own BLAS threads are not load."""
    cores = 2
    monkeypatch.setattr(_blas.os, "cpu_count", lambda: cores)
    clock = [100.0]
    monkeypatch.setattr(_blas.time, "monotonic", lambda: clock[0])
    readings = iter([(50.0, 10.0), (52.0, 12.0), (54.0, 12.5), (54.4, 12.6)])   # (all CPUs busy, ours)
    monkeypatch.setattr(_blas, "_cpu_seconds", lambda: next(readings))
    monkeypatch.setattr(_blas, "_state", {"ctl": None, "busy": False, "checked": -1.0, "fixed": None})
    assert _blas.busy() is False                  # first reading: nothing to compare with yet
    clock[0] += 0.5
    assert _blas.busy() is False                  # 2 CPU-s busy over 0.5 s, all of them ours
    clock[0] += 0.5
    assert _blas.busy() is True                   # 2 CPU-s busy, 0.5 ours: others held 3 cores' worth
    clock[0] += 0.1
    assert _blas.busy() is True                   # (read at most every WINDOW_S: unchanged)
    clock[0] += 0.9
    assert _blas.busy() is False                  # 0.4 CPU-s busy over 1.0 s, 0.1 ours


def test_busy_keeps_its_answer_across_a_stale_window(monkeypatch):
    """A reading more than STALE_S after the last one (gpugrad ran nothing in between) starts a new window and
    keeps the last answer: the long window's load was another process's, before our work resumed."""
    monkeypatch.setattr(_blas.os, "cpu_count", lambda: 2)
    clock = [100.0]
    monkeypatch.setattr(_blas.time, "monotonic", lambda: clock[0])
    readings = iter([(50.0, 10.0), (50.1, 10.1), (53.1, 10.1), (53.2, 10.2), (53.9, 10.3)])
    monkeypatch.setattr(_blas, "_cpu_seconds", lambda: next(readings))
    monkeypatch.setattr(_blas, "_state", {"ctl": None, "busy": False, "checked": -1.0, "fixed": None})
    assert _blas.busy() is False
    clock[0] += 0.3
    assert _blas.busy() is False                  # idle machine
    clock[0] += 2.0
    assert _blas.busy() is False                  # 3 CPU-s of others over 2 s, but stale: the answer stays
    clock[0] += 0.3
    assert _blas.busy() is False                  # the fresh window: 0.1 CPU-s, all ours
    clock[0] += 0.3
    assert _blas.busy() is True                   # 0.7 CPU-s over 0.3 s, 0.1 ours: 2 cores of others


def test_breakdown_worker_times_every_phase_and_the_matmuls_alone():
    from gpugrad.bench import mlp
    out = mlp._worker_phases("gpugrad", "ReLU", [4], "cpu", 0.01)
    assert set(out) == {f"batch 4: {k}" for k in mlp.PHASES} | {"batch 4: its matmuls alone (NumPy)"}
    assert all(v > 0 for v in out.values())
    parts = sum(out[f"batch 4: {k}"] for k in mlp.PHASES[:-1])
    assert parts <= out["batch 4: whole step"] * 1.5      # medians of parts roughly add up to the whole


def test_turns_alternate_who_goes_first_and_pair_every_case():
    """bench.turns: both children answer every case each round; the first library alternates per round and case
    (each child reports the wall clock of its burst, so the order is visible)."""
    import sys
    from gpugrad.bench.turns import alternate
    code = ("import time; from gpugrad.bench import turns; turns.time.perf_counter = time.time; "
            "turns.statistics.median = lambda ts: time.time() / 1e3; "
            "turns.serve({'a': lambda: None, 'b': lambda: None}, lambda: None, warmup=0, min_calls=1)")
    runs = alternate({"g": [sys.executable, "-c", code], "t": [sys.executable, "-c", code]},
                     rounds=3, burst_s=0.0, gap_s=0.0)
    assert list(runs) == ["a", "b"]
    for i, name in enumerate(runs):
        g, t = runs[name]["g"], runs[name]["t"]
        assert len(g) == len(t) == 3
        firsts = ["g" if g[r] < t[r] else "t" for r in range(3)]
        assert firsts == [("g" if (r + i) % 2 == 0 else "t") for r in range(3)]
