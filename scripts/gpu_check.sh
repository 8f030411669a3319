#!/usr/bin/env bash
# gpu_check.sh: the staged, offline GPU check of gpugrad (issue 14). No install step: gpugrad runs from this
# working tree with the machine's own Python and packages (CuPy, PyTorch, pytest), as on a lent GPU machine
# with no package registry.
#
#   scripts/gpu_check.sh [--out DIR] [--budget SECONDS] [--stages smoke,tests,bench,sanitizer] [--dry-run]
#
# Stages, each in its own process under its own time budget (540 s in all by default: a 10-minute command
# keeps a minute for start-up and copies), the report rewritten after each one so a cut-off run still returns
# what it finished:
#   1. smoke      (90 s)  versions and card; one op of every family on the GPU against the CPU; one MLP training
#                         step under cupyx.allow_synchronize(False); every CUDA kernel launched against its
#                         reference; a one-line verdict
#   2. tests      (240 s) the GPU half of the test matrix (-m gpu), every test module early (round-robin order),
#                         a per-test timeout, JUnit XML
#   3. bench      (150 s) against PyTorch on the same GPU: per-op overhead, MLP step at batch 32..16384, fused
#                         Adam over 10M and 100M parameters against the memory roofline, softmax-cross-entropy
#   4. sanitizer  (60 s)  compute-sanitizer memcheck over the kernel smoke
# Output (--out, default gpu-check-out/): report.md (paste into BENCHMARKS.md), failures.md, results.json,
# tests.xml, log.txt. On the device tool: `bash scripts/gpu_check.sh --out "$OUT"`.
# --dry-run runs all of it without a GPU (the strict stand-in device, host-simulated kernels, small sizes);
# tests/test_gpu_check_script.py does, so the kit is known to work before a lease.
#
# Exit status: 0 when every stage passed, 1 otherwise (the report is written either way), 2 on bad usage.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "gpu_check: gpugrad needs Python >= 3.11; $PY is $("$PY" -V 2>&1) (set PYTHON=python3.11 or newer)" >&2
    exit 2
fi
export PYTHONPATH="$ROOT:$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m gpucheck.driver "$@"
