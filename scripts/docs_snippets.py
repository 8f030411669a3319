"""Run the code blocks of the guide's pages: the ```python blocks (and collect the pictures they draw), and
the ```bash blocks.

Each page's python blocks run in order, in one namespace (a page reads like one session), in a fresh
temporary directory; every ``*.png`` a page writes there is one of its pictures, served at ``img/<name>`` by
the docs build (scripts/mkdocs_hooks.py). So the pictures in the guide are what its code draws today, never a
stale committed file.

A page's bash blocks run in order, each in ``bash -e -o pipefail``, in one fresh temporary directory, with
``python``, ``python3`` and ``gpugrad`` on PATH standing for this interpreter and this checkout (tests/
test_docs.py runs them). A block that cannot run there (it downloads, needs a GPU or MPI, or is the test
suite itself) carries a marker on the line before its fence, with the reason::

    <!-- not run in CI: pip downloads the dependencies -->

An unmarked block that uses a command known not to run there (``pip install``, ``mpiexec``, ``pytest``...)
is an error, as is a marker without a reason or without a bash block under it: nothing is skipped silently.

    python scripts/docs_snippets.py docs/training.md [--out DIR]   # run one page's python, keep its pictures
    python scripts/docs_snippets.py --bash docs/install.md         # run one page's bash blocks
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
BUDGET_S = 120        # per page: a guard against a snippet that grew (or hangs), not a performance claim


class SnippetError(RuntimeError):
    pass


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(first line number, code)`` of every top-level ```python block, in order."""
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in FENCE.finditer(text)]


OTHER_PYTHON = re.compile(r"^```[ \t]*(py|python3|pycon|ipython|python[ \t]*\S+)[ \t]*$", re.M)


def unrun_python_fences(text: str) -> list[int]:
    """Line numbers of fences that look like Python but would not run (```py, ```pycon, ```python {..})."""
    return [text.count("\n", 0, m.start()) + 1 for m in OTHER_PYTHON.finditer(text)]


SHELL_FENCE = re.compile(r"^```bash[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
OTHER_SHELL = re.compile(r"^```[ \t]*(sh|shell|console|zsh|shell-session|bash[ \t]+\S.*)[ \t]*$", re.M)
NOT_RUN = re.compile(r"^<!--\s*not run in CI:((?:(?!-->).)*)-->[ \t]*$", re.M | re.S)   # may span lines
BASH_BUDGET_S = 120   # per block
# commands a bash block cannot run in the test (a temporary folder, no network, no GPU, no MPI): a block that
# uses one must carry a NOT_RUN marker
CANNOT_RUN = [
    (re.compile(r"\bpip3?\s+install\b|\bpython3?\s+-m\s+pip\b"), "pip installs (it downloads, and would "
     "change the environment the tests run in)"),
    (re.compile(r"\bpython3?\s+-m\s+venv\b"), "a new virtual environment needs pip install"),
    (re.compile(r"\b(mpiexec|mpirun|srun)\b"), "MPI launches"),
    (re.compile(r"\bnvidia-smi\b|gpu_check\.sh|--device\s+cuda|-m\s+gpu\b"), "needs a GPU"),
    (re.compile(r"\bpytest\b"), "the test suite (which runs this test)"),
    (re.compile(r"\bmkdocs\b"), "the docs build (tests/test_docs.py runs it)"),
    (re.compile(r"\bgpugrad\s+bench\b|gpugrad\.bench\b"), "benchmarks (minutes of timing, on a quiet machine)"),
]


def shell_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """``(first line number, code, reason it is not run or None)`` of every ```bash block, in order. A block
    is marked not to run by ``<!-- not run in CI: reason -->`` on the line just before its fence."""
    out = []
    for m in SHELL_FENCE.finditer(text):
        start = m.start()
        mark = re.search(NOT_RUN.pattern + r"\n\Z", text[:start], re.M | re.S)
        out.append((text.count("\n", 0, start) + 2, m.group(1), " ".join(mark.group(1).split()) if mark else None))
    return out


def shell_problems(text: str) -> list[str]:
    """What is wrong with a page's shell blocks before any runs: fences that would not run (```sh, ```console),
    markers without a reason or without a ```bash block under them, and unmarked blocks with a command that
    cannot run in the test."""
    problems = [f"line {text.count(chr(10), 0, m.start()) + 1}: shell code fenced as ```{m.group(1)}: write "
                f"```bash (and mark it if it cannot run)" for m in OTHER_SHELL.finditer(text)]
    fences = {text.count("\n", 0, m.start()) for m in SHELL_FENCE.finditer(text)}   # 0-based fence lines
    for m in NOT_RUN.finditer(text):
        line = text.count("\n", 0, m.start())
        if not m.group(1).strip():
            problems.append(f"line {line + 1}: a 'not run in CI' marker must say why")
        if text.count("\n", 0, m.end()) + 1 not in fences:
            problems.append(f"line {line + 1}: a 'not run in CI' marker must stand on the line just before a "
                            f"```bash fence")
    for line, code, reason in shell_blocks(text):
        if reason is None:
            why = [w for rx, w in CANNOT_RUN if rx.search(code)]
            if why:
                problems.append(f"line {line - 1}: this bash block cannot run in the docs test ({'; '.join(why)}):"
                                f" put <!-- not run in CI: the reason --> on the line before its fence, or change "
                                f"the commands")
    return problems


def _shims(folder: Path, root: Path) -> dict:
    """An environment whose ``python``, ``python3`` and ``gpugrad`` are this interpreter on this checkout."""
    bin_ = folder / "bin"
    bin_.mkdir()
    for name, args in (("python", ""), ("python3", ""), ("gpugrad", " -m gpugrad")):
        p = bin_ / name
        p.write_text(f'#!/bin/sh\nexec "{sys.executable}"{args} "$@"\n')
        p.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_}{os.pathsep}{os.environ.get('PATH', '')}", MPLBACKEND="Agg",
               PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return env


def run_shell_page(path, root=None, budget_s: float = BASH_BUDGET_S) -> tuple[list[int], list[tuple[int, str]]]:
    """Run the unmarked bash blocks of the page at ``path`` in order, in one temporary folder; return
    ``(lines of the blocks run, [(line, reason)] of the blocks marked not to run)``. A page whose blocks break
    the rules (:func:`shell_problems`), a block that fails or one that runs past ``budget_s`` raises
    :class:`SnippetError` naming the page and the line."""
    import subprocess
    path = Path(path)
    root = Path(root) if root is not None else Path(__file__).resolve().parents[1]
    text = path.read_text()
    problems = shell_problems(text)
    if problems:
        raise SnippetError(f"{path}:\n  " + "\n  ".join(problems))
    ran, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="gpugrad-docs-bash-") as tmp:
        env = _shims(Path(tmp), root)
        work = Path(tmp) / "work"
        work.mkdir()
        for line, code, reason in shell_blocks(text):
            if reason is not None:
                skipped.append((line, reason))
                continue
            try:
                r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], cwd=work, env=env,
                                   capture_output=True, text=True, timeout=budget_s)
            except subprocess.TimeoutExpired:
                raise SnippetError(f"{path}, the bash block at line {line} ran past {budget_s} s: make it "
                                   f"smaller") from None
            if r.returncode != 0:
                raise SnippetError(f"{path}, the bash block at line {line} failed (exit {r.returncode}):\n"
                                   f"{code}\n--- stdout\n{r.stdout[-3000:]}\n--- stderr\n{r.stderr[-5000:]}")
            ran.append(line)
    return ran, skipped


def _timeout(signum, frame):
    raise TimeoutError(f"the page's snippets ran past their budget of {BUDGET_S} s; make them smaller")


def run_page(path, budget_s: float = BUDGET_S) -> tuple[dict[str, bytes], float]:
    """Run every python block of the page at ``path``; return ``({png name: bytes}, seconds)``.
    A failing block raises :class:`SnippetError` naming the page and the block's line."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path = Path(path)
    text = path.read_text()
    bad = unrun_python_fences(text)
    if bad:
        raise SnippetError(f"{path}: Python code fenced so that the build would not run it (lines "
                           f"{', '.join(map(str, bad))}): write ```python")
    blocks = python_blocks(text)
    ns = {"__name__": "__docs__"}
    old_cwd, t0 = os.getcwd(), time.perf_counter()
    use_alarm = hasattr(signal, "SIGALRM") and budget_s
    with tempfile.TemporaryDirectory(prefix="gpugrad-docs-") as tmp:
        os.chdir(tmp)
        old = signal.signal(signal.SIGALRM, _timeout) if use_alarm else None
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, budget_s)
        try:
            for line, code in blocks:
                try:
                    exec(compile(code, f"{path}:{line}", "exec"), ns)
                except BaseException as e:
                    if isinstance(e, KeyboardInterrupt):
                        raise
                    tb = "".join(traceback.format_exception(e))
                    raise SnippetError(f"{path}, the python block at line {line} failed:\n{tb}") from None
                finally:
                    plt.close("all")
            pngs = {p.name: p.read_bytes() for p in sorted(Path(tmp).glob("*.png"))}
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)
            os.chdir(old_cwd)
    return pngs, time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="+")
    ap.add_argument("--out", help="write the pictures here")
    ap.add_argument("--bash", action="store_true", help="run the pages' bash blocks instead")
    a = ap.parse_args(argv)
    for page in a.pages if a.bash else ():
        try:
            ran, skipped = run_shell_page(page)
        except SnippetError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"{page}: ran the bash blocks at lines {ran}; not run: "
              + ("; ".join(f"line {ln} ({why})" for ln, why in skipped) or "none"))
    for page in a.pages if not a.bash else ():
        try:
            pngs, secs = run_page(page)
        except SnippetError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"{page}: {len(python_blocks(Path(page).read_text()))} blocks, {secs:.1f} s, pictures: "
              f"{', '.join(pngs) or 'none'}")
        if a.out:
            Path(a.out).mkdir(parents=True, exist_ok=True)
            for name, data in pngs.items():
                (Path(a.out) / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
