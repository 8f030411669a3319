"""The named tuples of multi-output functions against ``torch.return_types``: the class name, the field
names, and the printed form (PyTorch's layout, one field per line, with ``gpugrad`` where torch says
``torch``)."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import gpugrad as gg

torch = pytest.importorskip("torch")

A = np.array([[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]])
CASES = {
    "max": lambda T, a: T.max(a, 1),
    "min": lambda T, a: a.min(dim=0, keepdim=True),
    "sort": lambda T, a: T.sort(a, 1, descending=True),
    "topk": lambda T, a: a.topk(2),
    "median": lambda T, a: a.median(1),
    "kthvalue": lambda T, a: T.kthvalue(a, 2, 0),
    "mode": lambda T, a: T.mode(a.round(), 1),
    "cummax": lambda T, a: T.cummax(a, 0),
    "aminmax": lambda T, a: T.aminmax(a),
    "frexp": lambda T, a: T.frexp(a),
    "linalg_slogdet": lambda T, a: T.linalg.slogdet(a),
    "slogdet": lambda T, a: T.slogdet(a),
    "linalg_eigh": lambda T, a: T.linalg.eigh(a),
    "linalg_qr": lambda T, a: T.linalg.qr(a),
    "linalg_inv_ex": lambda T, a: T.linalg.inv_ex(a),
    "linalg_cholesky_ex": lambda T, a: T.linalg.cholesky_ex(a),
    "linalg_lu_factor": lambda T, a: T.linalg.lu_factor(a),
    "triangular_solve": lambda T, a: T.triangular_solve(a, a.triu()),
}


@pytest.mark.filterwarnings("ignore:torch.triangular_solve is deprecated")
@pytest.mark.parametrize("name", sorted(CASES))
def test_named_tuple_as_torch(name):
    fn = CASES[name]
    got = fn(gg, gg.tensor(A, dtype=gg.float32))
    want = fn(torch, torch.tensor(A, dtype=torch.float32))
    assert type(got).__name__ == type(want).__name__ == name
    assert type(got).__match_args__ == type(want).__match_args__
    assert type(got) is getattr(gg.return_types, name)
    if name not in ("linalg_eigh", "linalg_qr"):          # eigenvector / Q signs are LAPACK's choice
        assert repr(got).replace("gpugrad.", "torch.") == repr(want)
    back = pickle.loads(pickle.dumps(got))
    assert type(back) is type(got) and all(gg.equal(a, b) for a, b in zip(back, got))
