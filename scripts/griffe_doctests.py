"""A griffe extension (mkdocs.yml): show docstring examples (``>>>`` sessions) as Python code in the API pages,
and Sphinx cross-reference roles as code.

gpugrad's docstrings put their examples inline, as doctest sessions (pytest runs them with
``--doctest-modules``); Markdown would read their output as prose, with ``[a][b]`` as links. They also name
other objects with Sphinx roles (``:class:`Size```, ``:meth:`~Module.to```), which Markdown shows as raw
text, and whose colon the Google-style parser takes for the end of a name in ``Returns:`` (``A :class:`X```
became a value named "A"): they become inline code, ``~`` keeping the last dotted part, as Sphinx shows it.
"""
from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|exc|obj):`(~?)([^`]+)`")


def code_roles(text: str) -> str:
    """``:class:`gpugrad.Size``` -> ```gpugrad.Size```; ``:meth:`~Module.to``` -> ```to```.

    >>> code_roles("A :class:`~gpugrad.data.DataBundle`, see :func:`gpugrad.load`.")
    'A `DataBundle`, see `gpugrad.load`.'
    """
    return ROLE.sub(lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`", text)


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
        if obj.docstring is None:
            return
        if ">>>" in obj.docstring.value and "```" not in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
        obj.docstring.value = code_roles(obj.docstring.value)
