"""PyTorch programs run unchanged on gpugrad: each script in tests/ported/ runs with ``torch`` (here, in this
process) and with gpugrad imported as ``torch`` (one subprocess for all, through tests/ported/run.py's import
hook), from the same NumPy-seeded inputs; their results (final losses, ...) must agree within float
tolerance (relative 1e-5; a script's ``tolerances`` dict gives absolute ones for figures that depend on
random dropout masks, which the two libraries draw differently)."""
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "ported"
SCRIPTS = sorted(p.name for p in HERE.glob("*.py") if p.name not in ("run.py", "conftest.py"))


@pytest.fixture(scope="module")
def gpugrad_results():
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent.parent) + os.pathsep + os.environ.get(
        "PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "run.py", "gpugrad", *SCRIPTS], cwd=HERE, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _run_with_torch(name):
    cwd = os.getcwd()
    try:
        os.chdir(HERE)
        g = runpy.run_path(str(HERE / name), run_name="__main__")
    finally:
        os.chdir(cwd)
    return g["results"], g.get("tolerances", {})


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_agrees_with_torch(name, gpugrad_results):
    expected, tolerances = _run_with_torch(name)
    got = gpugrad_results[name]
    assert "error" not in got, got.get("error")
    got = got["results"]
    assert set(got) == set(expected)
    assert "final_loss" in got
    for key, want in expected.items():
        if key in tolerances:
            assert abs(got[key] - want) <= tolerances[key], (key, got[key], want)
        else:
            assert got[key] == pytest.approx(float(want), rel=1e-5, abs=1e-8), (key, got[key], want)
