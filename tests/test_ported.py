"""PyTorch programs run unchanged on gpugrad: each script in tests/ported/ runs with ``torch`` and with gpugrad
imported as ``torch`` (one subprocess per library for all scripts, through tests/ported/run.py's import hook),
from the same NumPy-seeded inputs; their results must agree: floats within relative 1e-5 (a script's
``tolerances`` dict gives absolute ones for figures that depend on random draws, which the two libraries make
differently), everything else (booleans, counts, shapes, dtype names, type names, key lists) exactly."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "ported"
SCRIPTS = sorted(p.name for p in HERE.glob("*.py") if p.name not in ("run.py", "conftest.py"))


def _run_all(which):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent.parent) + os.pathsep + os.environ.get(
        "PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "run.py", which, *SCRIPTS], cwd=HERE, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def torch_results():
    pytest.importorskip("torch")
    return _run_all("torch")


@pytest.fixture(scope="module")
def gpugrad_results():
    return _run_all("gpugrad")


def _agree(got, want, tolerance):
    if isinstance(want, float) and not isinstance(got, bool):
        if tolerance is not None:
            return abs(got - want) <= tolerance
        return got == pytest.approx(want, rel=1e-5, abs=1e-8)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(
            _agree(g, w, tolerance) for g, w in zip(got, want))
    return type(got) is type(want) and got == want


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_agrees_with_torch(name, torch_results, gpugrad_results):
    expected = torch_results[name]
    assert "error" not in expected, expected.get("error")
    got = gpugrad_results[name]
    assert "error" not in got, got.get("error")
    tolerances, expected, got = expected["tolerances"], expected["results"], got["results"]
    assert set(got) == set(expected)
    assert "final_loss" in got
    for key, want in expected.items():
        assert _agree(got[key], want, tolerances.get(key)), (key, got[key], want)
