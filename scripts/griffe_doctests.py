"""A griffe extension (mkdocs.yml): show docstring examples (``>>>`` sessions) as Python code in the API pages.

gpugrad's docstrings put their examples inline, as doctest sessions (pytest runs them with
``--doctest-modules``); Markdown would read their output as prose, with ``[a][b]`` as links.
"""
from __future__ import annotations

import griffe


def fence_doctests(text: str) -> str:
    """Wrap each ``>>>`` session (its prompts, continuations and output, up to a blank line) in a fence."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append(f"{indent}```")
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None and ">>>" in obj.docstring.value and "```" not in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
