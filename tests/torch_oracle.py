"""What the *_torch test files share: running one call on both libraries."""
from __future__ import annotations

import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")


def same_outcome(fn):
    """fn(lib) on gpugrad and on PyTorch: both succeed, or both raise the same exception class (gpugrad's may
    be a subclass of PyTorch's). Returns the two results (or the two exception classes)."""
    out = []
    for lib in (gg, torch):
        try:
            out.append(("ok", fn(lib)))
        except Exception as e:          # noqa: BLE001  (the class is what is compared)
            out.append(("err", type(e)))
    (kg, g), (kt, t) = out
    assert kg == kt, out
    if kg == "err":
        assert issubclass(g, t), out
    return g, t
