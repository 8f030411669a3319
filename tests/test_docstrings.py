"""Every public function and class has a docstring that describes each of its arguments (and, for a function,
its return value) and shows an example.

The rule for "public" is in scripts/docs_api.py (and docs/api/index.md): the ``__all__`` (or the public
functions and classes) of gpugrad and of every non-internal module under it. The docstring examples are
doctests, which the default run executes (``--doctest-modules``)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import docs_api  # noqa: E402


def test_every_public_name_has_a_docstring_with_its_arguments_return_value_and_an_example():
    problems = docs_api.undocumented()
    listing = "\n".join(f"  {name}: {'; '.join(p)}" for name, p in sorted(problems.items()))
    assert not problems, (f"{len(problems)} public names need a docstring that names each argument, says what it "
                          f"returns and shows an example (>>>):\n{listing}")


def test_the_rule_covers_the_user_facing_modules():
    mods = docs_api.public_modules()
    for m in ("gpugrad", "gpugrad.nn", "gpugrad.nn.functional", "gpugrad.nn.init", "gpugrad.optim",
              "gpugrad.optim.lr_scheduler", "gpugrad.data", "gpugrad.train", "gpugrad.autograd",
              "gpugrad.autograd.functional", "gpugrad.autograd.forward_ad", "gpugrad.cuda"):
        assert m in mods, m
    assert not any(m.split(".")[1:2] and m.split(".")[1] in docs_api.INTERNAL for m in mods)
    names = docs_api.public_names("gpugrad")
    for n in ("tensor", "Tensor", "zeros", "matmul", "no_grad", "save", "load"):
        assert n in names, n
    assert "np" not in names and "annotations" not in names


def test_the_check_names_what_is_missing():
    def documented(x, y=1, *args, scale=2.0, _private=None, **kw):
        """Adds.

        Args:
            x: one.
            y: two.
            scale: three.

        Returns:
            Nothing.

        >>> documented(1)
        """

    def half(x, y):
        """Uses x only."""

    class NoDoc:
        def __init__(self, a):
            pass

    assert docs_api.docstring_problems(documented) == []
    assert docs_api.docstring_problems(half) == ["no example (>>>)", "arguments not described: y",
                                                 "return value not described (a Returns: section)"]
    assert docs_api.docstring_problems(NoDoc) == ["no docstring"]
