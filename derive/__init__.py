"""derive: worked solutions for backpropagation and gradient descent.

The pipeline is one-way, in layers: ``core`` (spec -> step graph -> numbers)
-> ``present`` (printers, notations) -> ``sheets`` (plain-data contexts) ->
``render`` (templates, plots, files) -> ``exam``, ``check`` -> ``cli``.
The public entry points load their layers only when called:

>>> from derive import builtin_spec, solve
>>> solution = solve(builtin_spec())
>>> round(solution.value("w_new[2,1,1]"), 8)
0.35891648
"""

from derive._version import __version__

__all__ = ["builtin_spec", "load_spec", "parse_spec", "solve", "__version__"]

_LAZY = {"builtin_spec": "derive.core.spec", "load_spec": "derive.core.spec", "parse_spec": "derive.core.spec"}


def __getattr__(name):
    # Importing derive (as `derive --version` does) must not import SymPy or NumPy.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")


def solve(spec, exact: bool = False):
    """Solve one spec: the step graph evaluated at its numbers (see derive.present.solution)."""
    from derive.present.solution import solve as _solve

    return _solve(spec, exact=exact)
