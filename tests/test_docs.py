"""The documentation site (docs/, mkdocs.yml) builds in strict mode, which runs every ```python block of the
guide and draws its pictures (scripts/mkdocs_hooks.py), and generates the API reference; the ```bash blocks of
the guide and of README.md run too, except those marked with the reason they cannot."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import docs_snippets  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def test_python_blocks_are_found_with_their_lines():
    text = "# t\n\n```python\nx = 1\n```\n\n```bash\nls\n```\n```python\ny = 2\nz = 3\n```\n"
    assert docs_snippets.python_blocks(text) == [(4, "x = 1\n"), (11, "y = 2\nz = 3\n")]


def test_a_failing_block_names_the_page_and_line(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("```python\nx = 1\n```\n\ntext\n\n```python\nassert x == 2, 'x is not 2'\n```\n")
    with pytest.raises(docs_snippets.SnippetError, match=r"p\.md, the python block at line 8 failed"):
        docs_snippets.run_page(page)


def test_python_fenced_so_that_it_would_not_run_is_an_error(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("```python\nx = 1\n```\n\n```pycon\n>>> 1 + 1\n2\n```\n")
    with pytest.raises(docs_snippets.SnippetError, match=r"lines 5\): write ```python"):
        docs_snippets.run_page(page)


def test_a_page_runs_in_its_own_directory_and_returns_its_pictures(tmp_path):
    pytest.importorskip("matplotlib")
    page = tmp_path / "p.md"
    page.write_text("```python\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('a.png')\n```\n")
    pngs, _ = docs_snippets.run_page(page)
    assert list(pngs) == ["a.png"] and pngs["a.png"][:8] == PNG
    assert not (tmp_path / "a.png").exists() and not Path("a.png").exists()


def test_bash_blocks_are_found_with_their_markers():
    text = ("```bash\necho one\n```\n\n<!-- not run in CI: needs a GPU -->\n```bash\nnvidia-smi\n```\n"
            "<!-- not run in CI: two\n     lines -->\n```bash\nmpiexec -n 2 ls\n```\n```python\nx = 1\n```\n")
    assert docs_snippets.shell_blocks(text) == [(2, "echo one\n", None), (7, "nvidia-smi\n", "needs a GPU"),
                                                (12, "mpiexec -n 2 ls\n", "two lines")]
    assert docs_snippets.shell_problems(text) == []


def test_a_bash_block_that_cannot_run_must_be_marked_with_a_reason():
    problems = docs_snippets.shell_problems(
        "```bash\npip install -e .\n```\n\n<!-- not run in CI: -->\n```bash\nls\n```\n"
        "<!-- not run in CI: orphan -->\n\n```bash\nls\n```\n```console\n$ ls\n```\n")
    assert [p.split(":")[0] for p in problems] == ["line 14", "line 5", "line 9", "line 1"]
    assert "pip installs" in problems[3] and "must say why" in problems[1]
    assert "just before" in problems[2] and "```console" in problems[0]


def test_bash_blocks_run_in_a_temporary_folder_with_this_checkout(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("```bash\ngpugrad --help > help.txt\npython -c 'import gpugrad, sys; print(gpugrad.__file__)'"
                    " > where.txt\n```\n\n<!-- not run in CI: downloads -->\n```bash\npip install x\n```\n\n"
                    "```bash\ngrep -q train help.txt\ngrep -q '" + str(ROOT) + "' where.txt\n```\n")
    ran, skipped = docs_snippets.run_shell_page(page)
    assert ran == [2, 12] and skipped == [(8, "downloads")]
    assert not (tmp_path / "help.txt").exists() and not Path("help.txt").exists()
    page.write_text("text\n\n```bash\ntrue\nfalse\necho never\n```\n")
    with pytest.raises(docs_snippets.SnippetError, match=r"p\.md, the bash block at line 4 failed \(exit 1\)"):
        docs_snippets.run_shell_page(page)


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "docs").glob("*.md")) + ["README.md"])
def test_the_bash_blocks_of_the_guide_and_readme_run(page):
    path = ROOT / ("README.md" if page == "README.md" else f"docs/{page}")
    pytest.importorskip("matplotlib")       # gpugrad train draws its convergence plot
    pytest.importorskip("sklearn")          # and reads the bundled digits through scikit-learn
    ran, skipped = docs_snippets.run_shell_page(path, ROOT)
    assert all(reason for _, reason in skipped)
    if page in ("install.md", "reliability.md"):
        assert ran, f"{page} shows commands that run (gpugrad train, gpugrad info): they must not all be skipped"


def test_docs_site_builds_with_warnings_as_errors(tmp_path):
    # mkdocs build --strict (the name avoids "strict": `pytest -k strict` selects the strict-device cases)
    pytest.importorskip("mkdocs", reason="the docs toolchain (pip install -e '.[docs]') is not installed")
    pytest.importorskip("mkdocstrings")
    pytest.importorskip("material")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               NO_MKDOCS_2_WARNING="1", MPLBACKEND="Agg",
               # the guide's examples are small: one BLAS thread is fastest for them, and on a shared or
               # loaded machine two spinning OpenBLAS threads made a 50x64 matmul 100x slower
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    site = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-10000:]
    pages = [p.stem for p in (ROOT / "docs").glob("*.md")]
    for stem in pages:
        assert (site / ("" if stem == "index" else stem) / "index.html").is_file(), stem
    api = (site / "api" / "gpugrad.nn" / "index.html").read_text()
    assert "gpugrad.nn.Linear" in api and "gpugrad.nn.MLP" in api
    for png in (site / "img").glob("*.png") if (site / "img").is_dir() else ():
        assert png.read_bytes()[:8] == PNG, png


def test_sphinx_roles_show_as_code_in_the_api_pages():
    pytest.importorskip("griffe")
    import griffe_doctests
    assert griffe_doctests.code_roles("A :class:`~gpugrad.data.DataBundle`; :func:`gpugrad.load`.") == \
        "A `DataBundle`; `gpugrad.load`."


def test_returns_sections_parse_as_one_unnamed_value():
    # what mkdocstrings shows: the Google-style parser with mkdocs.yml's options, after griffe_doctests.py. A first
    # line like "int: the size" would show "int" as the value's name; "A :class:`X`." once showed a value "A"
    griffe = pytest.importorskip("griffe")
    yaml = pytest.importorskip("yaml")
    import importlib
    import inspect
    import logging
    import docs_api
    import griffe_doctests
    options = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["plugins"][1]["mkdocstrings"]["handlers"][
        "python"]["options"]["docstring_options"]
    parse = {k: v for k, v in options.items() if k.startswith("returns_")}
    assert parse == {"returns_multiple_items": False}
    bad = []
    logging.disable(logging.WARNING)
    try:
        for m in docs_api.public_modules():
            mod = importlib.import_module(m)
            objs = [(f"{m}.{n}", getattr(mod, n)) for n in docs_api.public_names(m)]
            objs += [(f"{key}.{name}", member) for key, obj in list(objs)
                     if inspect.isclass(obj) and docs_api._ours(obj) for name, _, member in docs_api.public_members(obj)]
            for key, obj in objs:
                doc = obj.__doc__ if isinstance(obj, property) else docs_api.docstring_of(obj)
                text = griffe_doctests.code_roles(inspect.cleandoc(doc or ""))
                for section in griffe.Docstring(text, lineno=1).parse("google", warn_unknown_params=False, **parse):
                    if section.kind.value == "returns" and any(r.name for r in section.value):
                        bad.append(f"{key}: {[r.name for r in section.value]}")
    finally:
        logging.disable(logging.NOTSET)
    assert not bad, "a Returns: section whose first line starts 'word:' shows 'word' as a name:\n" + "\n".join(bad)
