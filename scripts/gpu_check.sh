#!/usr/bin/env bash
# gpu_check.sh: verify gpugrad on a machine with an NVIDIA GPU and write a report for BENCHMARKS.md.
#
#   scripts/gpu_check.sh [REPORT]          # REPORT defaults to gpu_report.md in the repository root
#
# 1. installs gpugrad with the CuPy wheel that matches the driver (cupy-cuda12x for a driver of CUDA 12.x,
#    cupy-cuda13x for 13.x, read from nvidia-smi) and the test extras, unless GPUGRAD_NO_INSTALL=1 (for a
#    machine where the packages are already there, e.g. installed offline from wheels);
# 2. prints and records the card, driver, CUDA runtime, CuPy and NumPy versions;
# 3. runs the whole test suite, GPU cases included (they skip only where no GPU answers: the report says
#    how many ran), and the tests again on the strict stand-in device (GPUGRAD_TEST_STRICT=1);
# 4. runs the benchmarks that exist (python -m gpugrad.bench.overhead, python -m gpugrad.bench.kernels) and
#    a GPU-vs-CPU timing of one MLP training step and of one small op, in the same process;
# 5. writes REPORT: a "## GPU runs (issue 3)" section to paste into BENCHMARKS.md.
#
# Exit status: 0 when every test passed, 1 otherwise (the report is written either way).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPORT="${1:-$ROOT/gpu_report.md}"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT" || exit 2

log() { printf '\n== %s\n' "$*" >&2; }

# -- 1. install --------------------------------------------------------------------------------------------------
if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "gpu_check: nvidia-smi not found: this script needs a machine with an NVIDIA GPU and its driver" >&2
    exit 2
fi
DRIVER_CUDA="$(nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9][0-9]*\)\.\([0-9]*\).*/\1.\2/p' | head -n1)"
CUDA_MAJOR="${DRIVER_CUDA%%.*}"
case "$CUDA_MAJOR" in
    12) EXTRA=cuda12 ;;
    13|14) EXTRA=cuda13 ;;
    *) echo "gpu_check: driver supports CUDA '${DRIVER_CUDA}'; gpugrad's CuPy extras need 12.x or 13.x" >&2; exit 2 ;;
esac
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "gpu_check: gpugrad needs Python >= 3.11; $PY is $("$PY" -V 2>&1) (set PYTHON=python3.11 or newer)" >&2
    exit 2
fi
if [ "${GPUGRAD_NO_INSTALL:-0}" != "1" ] && ! "$PY" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)'; then
    # not in a virtual environment: a fresh machine's system Python refuses pip installs (PEP 668)
    VENV="$ROOT/.venv-gpu"
    log "creating the virtual environment $VENV"
    "$PY" -m venv "$VENV" || { echo "gpu_check: '$PY -m venv' failed (apt-get install python3-venv?)" >&2; exit 2; }
    PY="$VENV/bin/python"
fi
if [ "${GPUGRAD_NO_INSTALL:-0}" != "1" ]; then
    log "installing gpugrad[$EXTRA,test] (driver CUDA $DRIVER_CUDA)"
    "$PY" -m pip install -q -e ".[$EXTRA,test]" || { echo "gpu_check: pip install failed" >&2; exit 2; }
    "$PY" -m pip install -q -e ".[oracle]" 2>/dev/null || log "PyTorch (the tests' oracle) not installed: those comparisons skip"
fi

# -- 2. the machine -----------------------------------------------------------------------------------------------
log "machine"
"$PY" - >"$WORK/machine.md" <<'EOF'
import platform, subprocess
import numpy, gpugrad as gg
smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                     capture_output=True, text=True).stdout.strip().splitlines()
print(f"- GPU(s): {'; '.join(smi)}")
if gg.cuda.is_available():
    import cupy
    rt = cupy.cuda.runtime.runtimeGetVersion()
    drv = cupy.cuda.runtime.driverGetVersion()
    print(f"- CUDA runtime {rt // 1000}.{rt % 1000 // 10} (driver API {drv // 1000}.{drv % 1000 // 10}), "
          f"CuPy {cupy.__version__}, compute capability {'.'.join(map(str, gg.cuda.get_device_capability()))}, "
          f"{gg.cuda.device_count()} device(s)")
else:
    print("- CUDA NOT AVAILABLE to gpugrad: CuPy missing or no device answered; GPU tests will skip")
print(f"- NumPy {numpy.__version__}, Python {platform.python_version()}, CPU: {platform.processor() or platform.machine()}")
EOF
cat "$WORK/machine.md" >&2

# -- 3. tests -----------------------------------------------------------------------------------------------------
counts() {   # junit xml -> "passed failed skipped errors"; "? ? ? ?" when pytest died before writing it
    "$PY" - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
try:
    r = ET.parse(sys.argv[1]).getroot()
    s = r if r.tag == "testsuite" else r.find("testsuite")
    t, f, e, k = (int(s.get(a, 0)) for a in ("tests", "failures", "errors", "skipped"))
    print(t - f - e - k, f, k, e)
except Exception:           # no file (a crash: a segfault, a CUDA error that killed the process) or a partial one
    print("? ? ? ?")
EOF
}
log "test suite (CPU and GPU cases)"
"$PY" -m pytest -q -rfE -p no:cacheprovider --junitxml="$WORK/all.xml" 2>&1 | tee "$WORK/all.log" | tail -n 40 >&2
read -r P F S E < <(counts "$WORK/all.xml")
log "GPU-marked tests"
"$PY" -m pytest -q -rfEs -p no:cacheprovider -m gpu --junitxml="$WORK/gpu.xml" 2>&1 | tee "$WORK/gpu.log" | tail -n 30 >&2
read -r GP GF GS GE < <(counts "$WORK/gpu.xml")
log "tests on the strict stand-in device"
GPUGRAD_TEST_STRICT=1 "$PY" -m pytest -q -p no:cacheprovider -k strict --junitxml="$WORK/strict.xml" \
    >"$WORK/strict.log" 2>&1
read -r SP SF SS SE < <(counts "$WORK/strict.xml")

# -- 4. benchmarks -------------------------------------------------------------------------------------------------
: >"$WORK/bench.md"
for mod in overhead kernels; do
    if "$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('gpugrad.bench.$mod') is None)"; then
        log "python -m gpugrad.bench.$mod"
        { printf '\n#### `python -m gpugrad.bench.%s`\n```\n' "$mod"; "$PY" -m "gpugrad.bench.$mod" 2>&1; printf '```\n'; } \
            >>"$WORK/bench.md"
    fi
done
log "GPU vs CPU timings"
"$PY" - >>"$WORK/bench.md" 2>&1 <<'EOF'
"""One MLP training step (784-512-512-10, batch 512, Adam) and one small op + backward, on the GPU and the
CPU in the same process; best of several samples, the GPU synchronised before each clock read."""
import time
import gpugrad as gg
from gpugrad import nn, optim
from gpugrad.nn import functional as F

def best(fn, sync, n=30, reps=5):
    for _ in range(3):
        fn()
    sync()
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        out.append((time.perf_counter() - t) / n)
    return min(out)

rows = []
for dev in (["cuda", "cpu"] if gg.cuda.is_available() else ["cpu"]):
    sync = gg.cuda.synchronize if dev == "cuda" else (lambda: None)
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)).to(dev)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x, y = gg.randn(512, 784, device=dev), gg.randint(0, 10, (512,), device=dev)
    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    small = gg.randn(8, device=dev, requires_grad=True)
    def tiny():
        (small * small).sum().backward()
    rows.append((dev, best(step, sync) * 1e3, best(tiny, sync, n=200) * 1e6))
print("\n#### GPU vs CPU, same process\n")
print("| device | MLP step 784-512-512-10, batch 512, Adam (ms) | `(x*x).sum().backward()`, 8 elements (us) |")
print("|---|---|---|")
for dev, ms, us in rows:
    print(f"| {dev} | {ms:.3f} | {us:.1f} |")
EOF

# -- 5. the report -------------------------------------------------------------------------------------------------
{
    echo "## GPU runs (issue 3)"
    echo
    echo "\`scripts/gpu_check.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'):"
    echo
    cat "$WORK/machine.md"
    echo
    echo "| test run | passed | failed | skipped | errors |"
    echo "|---|---|---|---|---|"
    echo "| whole suite (\`pytest\`) | $P | $F | $S | $E |"
    echo "| GPU-marked (\`pytest -m gpu\`) | $GP | $GF | $GS | $GE |"
    echo "| strict stand-in device (\`GPUGRAD_TEST_STRICT=1 pytest -k strict\`) | $SP | $SF | $SS | $SE |"
    if [ "$F$E$GF$GE$SF$SE" != "000000" ]; then
        echo
        echo "Failures:"
        echo '```'
        grep -hE '^(FAILED|ERROR)' "$WORK/all.log" "$WORK/gpu.log" "$WORK/strict.log" | sort -u | head -n 60
        echo '```'
        for run in all gpu strict; do        # a run that died wrote no junit xml: show how it ended
            if [ ! -s "$WORK/$run.xml" ]; then
                echo
                echo "The $run run ended without a result file; its last lines:"
                echo '```'
                tail -n 30 "$WORK/$run.log"
                echo '```'
            fi
        done
    fi
    cat "$WORK/bench.md"
} >"$REPORT"
log "report written to $REPORT"
cat "$REPORT"
[ "$F$E$GF$GE$SF$SE" = "000000" ]
