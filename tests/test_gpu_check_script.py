"""The staged GPU check (scripts/gpu_check.sh, scripts/gpucheck/) without a GPU: ``--dry-run`` runs every stage's
code on the strict stand-in device with host-simulated kernels, so the kit is known to work before a lease."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gpu_check.sh"
sys.path.insert(0, str(ROOT / "scripts"))
from gpucheck import pytest_plugin, report  # noqa: E402

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _run(tmp_path, *args, timeout=600):
    env = dict(os.environ, PYTHON=sys.executable)
    r = subprocess.run(["bash", str(SCRIPT), "--dry-run", "--out", str(tmp_path / "out"), *args], env=env,
                       capture_output=True, text=True, timeout=timeout, cwd=tmp_path)
    return r, json.loads((tmp_path / "out" / "results.json").read_text())


@needs_bash
def test_dry_run_runs_every_stage_and_writes_the_report(tmp_path):
    r, data = _run(tmp_path, "--max-tests", "6")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["failures.md", "log.txt", "report.md", "results.json",
                                                     "tests.xml"]       # within the device tool's 8 files
    status = {s["name"]: s["status"] for s in data["stages"]}
    sanitizer = "passed" if shutil.which("compute-sanitizer") else "skipped"
    assert status == {"smoke": "passed", "tests": "passed", "bench": "passed", "sanitizer": sanitizer}
    names = [c["name"] for c in data["smoke"]]
    assert any(n.startswith("op cross_entropy") for n in names)
    assert any(n.startswith("training step") for n in names)
    launched = [c for c in data["smoke"] if c["name"].startswith("every kernel launched")]
    if launched:                      # a host C++ compiler simulates the .cu kernels
        assert launched[0]["ok"] is True
    assert len(data["tests"]) == 6 and data["tests_selected"]["selected"] == 6
    assert len({t["nodeid"].split("::")[0] for t in data["tests"]}) == 6      # round-robin: six modules
    assert {b["bench"] for b in data["bench"]} >= {"op overhead", "MLP step", "fused Adam"}
    text = (out / "report.md").read_text()
    assert "**PASS: every stage passed**" in text and "| smoke | passed |" in text
    assert "| MLP step | 784-512-512-10 ReLU, Adam, batch 32 |" in text


@needs_bash
def test_a_stage_past_its_budget_is_killed_and_the_rest_still_runs(tmp_path):
    r, data = _run(tmp_path, "--stages", "tests,sanitizer", "--stage-budget", "tests=8", "--max-tests", "100000")
    assert r.returncode == 1
    status = {s["name"]: s for s in data["stages"]}
    assert status["tests"]["status"] == "timed out" and status["tests"]["seconds"] < 30
    assert status["sanitizer"]["status"] != "not run"
    text = (tmp_path / "out" / "report.md").read_text()
    assert "**FAIL: tests timed out" in text and "| tests | timed out |" in text
    assert "killed at its budget" in (tmp_path / "out" / "log.txt").read_text()


def test_bad_arguments_are_usage_errors(tmp_path):
    r = subprocess.run([sys.executable, "-m", "gpucheck.driver", "--stage-budget", "nope=3"], capture_output=True,
                       text=True, env=dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'scripts'}"), cwd=tmp_path)
    assert r.returncode == 2 and "--stage-budget takes STAGE=SECONDS" in r.stderr


def test_interleave_reaches_every_module_first():
    class Item:
        def __init__(self, nodeid):
            self.nodeid = nodeid
    items = [Item(f"tests/test_{m}.py::t{i}") for m, n in (("a", 3), ("b", 1), ("c", 2)) for i in range(n)]
    order = [it.nodeid for it in pytest_plugin.interleave(items)]
    assert order == ["tests/test_a.py::t0", "tests/test_b.py::t0", "tests/test_c.py::t0", "tests/test_a.py::t1",
                     "tests/test_c.py::t1", "tests/test_a.py::t2"]


def test_report_lists_failures_with_their_tracebacks():
    data = {"date": "d", "commit": "c", "dry_run": False, "elapsed": 5.0,
            "versions": {"card": "NVIDIA H200", "compute_capability": "9.0", "sms": 132, "memory_gib": 139.8},
            "stages": [{"name": "smoke", "status": "failed", "seconds": 3, "budget": 90, "note": "exit status 1"},
                       {"name": "tests", "status": "timed out", "seconds": 240, "budget": 240, "note": ""}],
            "smoke": [{"name": "op add", "ok": True, "seconds": 0.1, "detail": ""},
                      {"name": "kernel act gelu float32", "ok": False, "seconds": 0.1,
                       "detail": "Traceback ...\nAssertionError: forward mismatch"}],
            "tests": [{"nodeid": "tests/test_x.py::test_y[cuda]", "outcome": "failed", "longrepr": "E  boom"},
                      {"nodeid": "tests/test_x.py::test_z[cuda]", "outcome": "passed"}],
            "tests_selected": {"selected": 10, "modules": ["tests/test_x.py", "tests/test_w.py"]},
            "bench": [{"bench": "fused Adam", "case": "10M", "gpugrad_s": 0.001, "torch_s": 0.002, "ratio": 0.5,
                       "bytes": 280e6, "peak_bytes_per_s": 4.8e12}],
            "sanitizer": []}
    text, fails = report.render(data)
    assert "**FAIL: smoke failed; tests timed out; 2 failure(s) listed below**" in text
    assert "1 passed, 1 failed, 0 error, 0 skipped; 2 of 10 selected tests ran, 1 of 2 test modules reached" in text
    assert "- smoke: `kernel act gelu float32`: AssertionError: forward mismatch" in text
    assert "gpugrad moves 280 GB/s (6% of the 4800 GB/s peak), PyTorch 140 GB/s" in text
    assert "## tests: tests/test_x.py::test_y[cuda]" in fails and "E  boom" in fails


def test_cuda_extras_bring_the_cuda_libraries():
    """cupy-cuda1Nx alone needs a local CUDA Toolkit (NVRTC for every kernel, cuBLAS for matmul); its [ctk]
    extra (CuPy >= 14) installs them from PyPI, so ``pip install gpugrad[cuda12]`` works on a driver-only box."""
    import tomllib
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for name, pkg in (("cuda12", "cupy-cuda12x"), ("cuda13", "cupy-cuda13x")):
        req = extras[name][0]
        assert req.replace(" ", "").startswith(f"{pkg}[ctk]>=14"), req
        # and NCCL for gpugrad.distributed's "nccl" backend
        assert any(r.startswith(f"nvidia-nccl-cu{name[-2:]}") for r in extras[name]), extras[name]
