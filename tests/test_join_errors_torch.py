"""cat's and stack's errors for tensors that don't fit together: PyTorch's class and message."""
import pytest
import torch

import gpugrad as gg

SHAPES = [[(2, 3), (3,)], [(2, 3), (2, 4)], [(2,), (2, 3)], [(1,), ()], [(), (1,)], [(2, 3), (2, 3), (3,)],
          [(2, 3), (2, 3), (3, 4)], [(2, 3), (3,), ()], [(2, 3), (4, 3)], [(2, 3, 4), (2, 5, 4)]]


def _outcome(lib, op, shapes, dim):
    try:
        r = getattr(lib, op)([lib.ones(s) for s in shapes], dim=dim)
    except Exception as e:          # noqa: BLE001  (the class and message are what is compared)
        return type(e).__name__, str(e)
    return "ok", tuple(r.shape)


@pytest.mark.parametrize("op", ["cat", "stack"])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_join_errors_match_torch(op, shapes, dim):
    want = _outcome(torch, op, shapes, dim)
    got = _outcome(gg, op, shapes, dim)
    if want[0] == "IndexError":     # dim out of range: the class only (the messages differ by design)
        assert got[0] == want[0], got
    else:
        assert got == want
