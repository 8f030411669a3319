"""The CUDA sources compile for the GPUs we target, without a GPU: NVRTC from PyPI (cuda-bindings +
nvidia-cuda-nvrtc), else the machine's nvcc; skipped only where neither exists. Also: every kernel in a .cu
is in its family's explicit list, float kernels do no double-precision arithmetic, and the sources ship."""
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from gpugrad.kernels import _compile, _launch, all_kernels, FAMILIES

ARCHS = ["sm_80", "sm_90"]


def _compile_any(stem, names, arch):
    if _compile.nvrtc_available():
        return _compile.compile_nvrtc(stem, names, arch)[0]
    if _compile.nvcc_path():
        return _compile.compile_nvcc(stem, names, arch)
    pytest.skip("neither NVRTC (pip install cuda-bindings nvidia-cuda-nvrtc) nor nvcc is available")


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("stem", FAMILIES)
def test_every_kernel_compiles(stem, arch):
    names = all_kernels()[stem]
    lowered = _compile_any(stem, names, arch)
    if lowered is not None:         # NVRTC: each name expression resolved to a distinct __global__ symbol
        assert len(set(lowered.values())) == len(names)


@pytest.mark.slow
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("stem", FAMILIES)
def test_every_kernel_compiles_with_nvcc(stem, arch):
    if not _compile.nvcc_path():
        pytest.skip("nvcc is not installed")
    _compile.compile_nvcc(stem, all_kernels()[stem], arch)


def test_a_broken_kernel_fails_to_compile(tmp_path, monkeypatch):
    """The check has teeth: a source with an error raises, naming the file."""
    if not _compile.nvrtc_available():
        pytest.skip("NVRTC is not available")
    bad = tmp_path / "activation.cu"
    bad.write_text(_launch.source("activation").replace("y[i] = Act<T>::f(v, a, b);", "y[i] = undefined_fn(v);"))
    monkeypatch.setattr(_launch, "SOURCE_DIRS", (tmp_path,))
    with pytest.raises(RuntimeError, match="activation.cu does not compile"):
        _compile.compile_nvrtc("activation", all_kernels()["activation"], "sm_80")


@pytest.mark.parametrize("stem", FAMILIES)
def test_kernel_list_is_complete(stem):
    """Each __global__ template of the .cu appears in the explicit list, for float and double."""
    src = _launch.source(stem)
    kernels = set(re.findall(r"__global__\s+void\s+(\w+)\s*\(", src))
    assert kernels
    names = all_kernels()[stem]
    for k in kernels:
        for t in ("float", "double"):
            assert any(n.startswith(k + "<") and n.rstrip(">").endswith(t) for n in names), (k, t)
    assert all(n.split("<")[0] in kernels for n in names)


@pytest.mark.parametrize("stem", FAMILIES)
def test_float_kernels_do_no_double_arithmetic(stem):
    """A float kernel that called exp(double) or kept a double constant would run at 1/64 speed on most GPUs."""
    if not _compile.nvrtc_available():
        pytest.skip("NVRTC is not available")
    names = all_kernels()[stem]
    lowered, ptx = _compile.compile_nvrtc(stem, names, "compute_80")
    for name in names:
        body = re.search(r"\.entry " + re.escape(lowered[name]) + r"\((.*?)\n}\n", ptx, re.S).group(1)
        if name.endswith("float>"):
            assert ".f64" not in body, name
        else:
            assert ".f64" in body, name      # the check would see it


def test_the_test_extra_brings_nvrtc():
    """``pip install .[test]`` installs what the compile check needs (the kernels-check extra), so CI compiles
    every kernel instead of skipping where no nvcc happens to be installed."""
    import tomllib
    extras = tomllib.loads((_launch.SOURCE_DIRS[1].parent / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    name = lambda req: re.split(r"[<>=;\[ ]", req, 1)[0]
    assert {name(r) for r in extras["kernels-check"]} <= {name(r) for r in extras["test"]}


def test_sources_found_from_the_tree():
    assert _launch.source_path("optim").parent.name in ("kernels", "_kernels_src")


@pytest.mark.slow
def test_wheel_ships_the_sources(tmp_path):
    """Build a wheel from a copy of the tree (with a stand-in README where the tree has none yet) and list it:
    pyproject's force-include puts kernels/*.cu at gpugrad/_kernels_src, where source_path looks first."""
    root = _launch.SOURCE_DIRS[1].parent
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("gpugrad", "kernels"):
        shutil.copytree(root / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "LICENSE", "README.md"):
        if (root / name).exists():
            shutil.copy(root / name, src / name)
    if not (src / "README.md").exists():
        (src / "README.md").write_text("gpugrad\n")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "-w", str(tmp_path), "--no-deps", "-q"],
                       capture_output=True, text=True)
    if r.returncode and "hatchling" in r.stderr and "No matching distribution" in r.stderr:
        pytest.skip("hatchling (the build backend) is not installable here")
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = tmp_path.glob("gpugrad-*.whl")
    files = zipfile.ZipFile(wheel).namelist()
    for stem in FAMILIES:
        assert f"gpugrad/_kernels_src/{stem}.cu" in files


def test_cli_lists_every_kernel(capsys):
    from gpugrad.kernels.__main__ import main
    assert main([]) == 0
    out = capsys.readouterr().out
    for stem, names in all_kernels().items():
        assert f"{stem}: " in out and all(n in out for n in names)
