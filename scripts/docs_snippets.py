"""Run the ```python blocks of the guide's pages and collect the pictures they draw.

Each page's blocks run in order, in one namespace (a page reads like one session), in a fresh temporary
directory; every ``*.png`` a page writes there is one of its pictures, served at ``img/<name>`` by the docs
build (scripts/mkdocs_hooks.py). So the pictures in the guide are what its code draws today, never a stale
committed file.

    python scripts/docs_snippets.py docs/training.md [--out DIR]   # run one page, keep its pictures
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
    a = ap.parse_args(argv)
    for page in a.pages:
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
