"""MkDocs hooks (mkdocs.yml ``hooks:``): the docs build runs the guide's code and generates the API pages.

* Every ```python block of every guide page runs (scripts/docs_snippets.py); a failure fails the build. The
  pictures the blocks draw are added to the site at ``img/<name>.png``; a picture no page shows is an error.
* The ```bash blocks are checked (an unmarked block with a command that cannot run in CI fails the build);
  tests/test_docs.py runs them.
* The API reference pages ``api/<module>.md`` are generated from the public-name rule of scripts/docs_api.py,
  so a new public name appears in the reference without anyone editing a page.
"""
from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parent))
import docs_api        # noqa: E402
import docs_snippets   # noqa: E402

log = logging.getLogger("mkdocs.hooks.gpugrad")
IMG = re.compile(r"!\[[^\]]*\]\((img/[^)\s]+)\)")


def on_files(files, config):
    docs = Path(config["docs_dir"])
    shown, drawn = set(), {}
    for page in sorted(docs.glob("*.md")):
        text = page.read_text()
        shown.update(IMG.findall(text))
        bad = docs_snippets.shell_problems(text)
        if bad:
            raise PluginError(f"{page.name}:\n  " + "\n  ".join(bad))
        if not docs_snippets.python_blocks(text) and not docs_snippets.unrun_python_fences(text):
            continue
        try:
            pngs, secs = docs_snippets.run_page(page)
        except docs_snippets.SnippetError as e:
            raise PluginError(str(e)) from None
        log.info(f"ran the code of {page.name} in {secs:.1f} s: {', '.join(pngs) or 'no pictures'}")
        for name, data in pngs.items():
            if f"img/{name}" in drawn:
                raise PluginError(f"{page.name} draws img/{name}, already drawn by {drawn[f'img/{name}']}")
            drawn[f"img/{name}"] = page.name
            files.append(File.generated(config, f"img/{name}", content=data))
    unused = sorted(set(drawn) - shown)
    if unused:
        log.warning(f"pictures drawn by the guide's code but shown on no page: {', '.join(unused)}")
    for m in docs_api.public_modules():
        files.append(File.generated(config, f"api/{m}.md", content=docs_api.api_page(m)))
    return files


def on_config(config):
    # the API reference section lists every public module (its pages are generated in on_files)
    for entry in config["nav"]:
        if isinstance(entry, dict) and "API reference" in entry:
            entry["API reference"] = ["api/index.md"] + [{m: f"api/{m}.md"} for m in docs_api.public_modules()]
    return config
