"""The staged GPU check: runs each stage in its own process under a time budget and rewrites the report after
every stage, so whatever a lease's minutes allowed is in the output folder when the command is cut off.

    python -m gpucheck.driver [--out DIR] [--budget SECONDS] [--stages smoke,tests,bench,sanitizer] [--dry-run]

(``scripts/gpu_check.sh`` calls this.) No install step: gpugrad runs from the working tree with the machine's
own Python and packages. What lands in ``--out`` (five files, within the device tool's limits on what comes back):

- ``report.md``: the section for BENCHMARKS.md (card, driver, CUDA, CuPy, PyTorch versions; each stage's status
  and counts; the ratios to PyTorch) and the list of failures;
- ``failures.md``: every failure with its traceback;
- ``results.json``: all of it, machine-readable;
- ``tests.xml``: the JUnit XML of the test stage (when pytest lived to write it);
- ``log.txt``: every stage's output.

Cold start: CuPy compiles each elementwise kernel at first use and caches it on disk. The cache is pointed at
``<repo>/.gpu-check-cache`` (git-ignored; the device tool keeps ignored files between the commands of one lease),
so a second command reuses the first one's kernels; gpugrad's own ``.cu`` modules compile once per process.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .target import read_results

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"

#: seconds per stage on a GPU: 540 in all, which leaves a 10-minute command a minute for start-up and copies
BUDGETS = {"smoke": 90, "tests": 240, "bench": 150, "sanitizer": 60}
#: a dry run's budgets (the test suite runs it)
DRY_BUDGETS = {"smoke": 120, "tests": 60, "bench": 60, "sanitizer": 30}
STAGES = tuple(BUDGETS)


class Stage:
    def __init__(self, name, budget):
        self.name = name
        self.budget = budget
        self.status = "not run"           # passed / failed / timed out / skipped / not run
        self.seconds = 0.0
        self.note = ""

    def as_dict(self):
        return {"name": self.name, "status": self.status, "seconds": round(self.seconds, 1),
                "budget": round(self.budget, 1), "note": self.note}


class Check:
    def __init__(self, args):
        self.args = args
        self.dry = args.dry_run
        self.out = Path(args.out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.work = Path(args.work).resolve() if args.work else self.out.parent / (self.out.name + ".work")
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        for name in ("report.md", "failures.md", "results.json", "tests.xml", "log.txt"):
            (self.out / name).unlink(missing_ok=True)
        self.log = open(self.out / "log.txt", "a")
        base = DRY_BUDGETS if self.dry else BUDGETS
        wanted = [s.strip() for s in args.stages.split(",") if s.strip()]
        bad = [s for s in wanted if s not in STAGES]
        if bad:
            raise SystemExit(f"gpu_check: unknown stage(s) {', '.join(bad)}; the stages are {', '.join(STAGES)}")
        scale = args.budget / sum(base[s] for s in wanted) if args.budget else 1.0
        overrides = dict(kv.split("=", 1) for kv in args.stage_budget)
        self.stages = [Stage(s, float(overrides.get(s, base[s] * scale))) for s in wanted]
        self.started = time.monotonic()
        self.date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        self.commit = _git("rev-parse", "--short", "HEAD") or "?"
        if _git("status", "--porcelain", "--untracked-files=no"):
            self.commit += " (with uncommitted changes)"
        self.env = dict(os.environ, PYTHONUNBUFFERED="1",
                        PYTHONPATH=os.pathsep.join([str(ROOT), str(SCRIPTS), os.environ.get("PYTHONPATH", "")]),
                        CUPY_CACHE_DIR=str(ROOT / ".gpu-check-cache" / "cupy"))
        if self.dry:
            self.env["GPUGRAD_TEST_STRICT"] = "1"

    # -- running a stage ---------------------------------------------------------------------------------------
    def run(self, stage, cmd, env=None):
        """Run ``cmd`` for at most the stage's budget (its process group killed past it); True when it
        exited 0. The output goes to log.txt as it comes."""
        self.log.write(f"\n===== {stage.name}: {' '.join(map(str, cmd))} (budget {stage.budget:.0f} s)\n")
        self.log.flush()
        t = time.monotonic()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=ROOT, env=env or self.env, stdout=self.log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout=max(1.0, stage.budget - (time.monotonic() - t)))
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            stage.seconds += time.monotonic() - t
            stage.status = "timed out"
            self.log.write(f"\n===== {stage.name}: killed at its budget of {stage.budget:.0f} s\n")
            return False
        stage.seconds += time.monotonic() - t
        if rc != 0 and rc is not None:
            self.log.write(f"\n===== {stage.name}: exit status {rc}\n")
        stage.note = stage.note or (f"exit status {rc}" if rc else "")
        return rc == 0

    def stage_smoke(self, st):
        cmd = [sys.executable, "-m", "gpucheck.smoke", "--results", self.work / "smoke.jsonl",
               "--versions", self.work / "versions.json"] + (["--dry-run"] if self.dry else [])
        ok = self.run(st, cmd)
        st.status = st.status if st.status == "timed out" else ("passed" if ok else "failed")

    def stage_tests(self, st):
        cmd = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "-p", "gpucheck.pytest_plugin",
               "--gpucheck-interleave", "--gpucheck-log", self.work / "tests.jsonl",
               "--gpucheck-timeout", str(self.args.test_timeout), "--junitxml", self.out / "tests.xml", "-rN"]
        if self.dry:
            cmd += ["--gpucheck-device", "strict", "--gpucheck-max", str(self.args.max_tests or 40)]
        else:
            cmd += ["-m", "gpu and not slow"]
            if self.args.max_tests:
                cmd += ["--gpucheck-max", str(self.args.max_tests)]
            workers = self.args.workers
            if workers and _has("xdist"):
                cmd += ["-n", str(workers)]
        ok = self.run(st, cmd)
        if st.status != "timed out":
            st.status = "passed" if ok else "failed"

    def stage_bench(self, st):
        ok = self.run(st, [sys.executable, "-m", "gpucheck.bench", "--results", self.work / "bench.jsonl"]
                      + (["--dry-run"] if self.dry else []))
        if st.status != "timed out":
            st.status = "passed" if ok else "failed"

    def stage_sanitizer(self, st):
        tool = shutil.which("compute-sanitizer") or next(
            (str(p) for p in Path("/usr/local/cuda/bin").glob("compute-sanitizer") if p.exists()), None)
        if tool is None:
            st.status, st.note = "skipped", "compute-sanitizer not found on this machine"
            return
        cmd = [tool, "--tool", "memcheck", "--error-exitcode", "86", "--print-limit", "30",
               sys.executable, "-m", "gpucheck.smoke", "--kernels-only", "--results", self.work / "sanitizer.jsonl"]
        if self.dry:
            cmd.append("--dry-run")
        ok = self.run(st, cmd)
        if st.status != "timed out":
            st.status = "passed" if ok else "failed"
            if not ok and "exit status 86" in st.note:
                st.note = "memcheck reported errors (see log.txt)"

    def go(self) -> int:
        carry = 0.0
        preflight = None if self.dry else self.preflight()
        for st in self.stages:
            st.budget += carry
            if preflight and st.name != "smoke":
                st.status, st.note = "skipped", preflight
            else:
                getattr(self, f"stage_{st.name}")(st)
                carry = max(0.0, st.budget - st.seconds)
            self.write_report()
        self.log.close()
        print((self.out / "report.md").read_text())
        return 0 if all(s.status in ("passed", "skipped") for s in self.stages) and not preflight else 1

    def preflight(self):
        """None when gpugrad sees a GPU, else why not (the later stages are then skipped, not failed one by one)."""
        r = subprocess.run([sys.executable, "-c", "import gpugrad; print(gpugrad.cuda.is_available())"],
                           cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        if r.stdout.strip() == "True":
            return None
        self.log.write(r.stdout + r.stderr)
        return "gpugrad sees no CUDA GPU (CuPy missing or no device answered): " + (r.stderr.strip().splitlines()
                                                                                    or ["see log.txt"])[-1]

    # -- the report ----------------------------------------------------------------------------------------------
    def write_report(self):
        from .report import render
        data = {"date": self.date, "commit": self.commit, "dry_run": self.dry,
                "versions": _read_json(self.work / "versions.json"),
                "stages": [s.as_dict() for s in self.stages],
                "smoke": read_results(self.work / "smoke.jsonl"),
                "tests": read_results(self.work / "tests.jsonl"),
                "tests_selected": _read_json(self.work / "tests.jsonl.selected"),
                "bench": read_results(self.work / "bench.jsonl"),
                "sanitizer": read_results(self.work / "sanitizer.jsonl"),
                "elapsed": round(time.monotonic() - self.started, 1)}
        report, failures = render(data)
        _atomic_write(self.out / "results.json", json.dumps(data, indent=1))
        _atomic_write(self.out / "report.md", report)
        _atomic_write(self.out / "failures.md", failures)


def _kill_group(proc):
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _git(*args):
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _has(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def _read_json(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


def _atomic_write(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/gpu_check.sh", description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "gpu-check-out"), help="output folder (default: gpu-check-out/)")
    ap.add_argument("--work", default=None, help="scratch folder (default: beside --out)")
    ap.add_argument("--budget", type=float, default=0.0,
                    help=f"seconds for all the stages, shared in their default proportions (default "
                         f"{sum(BUDGETS.values())}: {', '.join(f'{k} {v}' for k, v in BUDGETS.items())})")
    ap.add_argument("--stage-budget", action="append", default=[], metavar="STAGE=SECONDS",
                    help="one stage's budget (repeatable)")
    ap.add_argument("--stages", default=",".join(STAGES), help="comma-separated stages to run, in order")
    ap.add_argument("--test-timeout", type=float, default=60.0, help="per-test limit in the test stage (s)")
    ap.add_argument("--max-tests", type=int, default=0, help="run at most this many tests (0: all selected)")
    ap.add_argument("--workers", type=int, default=4, help="pytest-xdist workers for the GPU tests, if installed")
    ap.add_argument("--dry-run", action="store_true",
                    help="no GPU: the strict stand-in device and host-simulated kernels, small sizes and budgets")
    args = ap.parse_args(argv)
    for kv in args.stage_budget:
        if "=" not in kv or kv.split("=", 1)[0] not in STAGES:
            ap.error(f"--stage-budget takes STAGE=SECONDS with STAGE one of {', '.join(STAGES)}; got {kv!r}")
    return Check(args).go()


if __name__ == "__main__":
    sys.exit(main())
