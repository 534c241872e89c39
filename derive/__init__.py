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


def solve(spec=None, exact: bool = False, chain_rounding=None):
    """Solve one spec: the lecture's example (no argument), a spec file's path, a dict in the spec
    format, or a parsed NetworkSpec; the step graph evaluated at its numbers (derive.present.solution).

    ``chain_rounding`` (``4``, ``"4sig"``, or ``"off"``; default: the spec's own ``rounding``) works
    every step from the previous steps' rounded values, as by hand (docs/numbers.md).

    >>> round(solve({"layers": [1, 1], "activation": "linear", "loss": "half_sse", "weights": [[[0.5]]],
    ...              "learning_rate": 0.1, "input": [2], "target": [0]}).value("w_new[1,1,1]"), 6)
    0.3
    >>> solve(chain_rounding=9).value("delta[2,2]")
    -0.038098237
    """
    import os

    from derive.core.spec import NetworkSpec, builtin_spec, load_spec, parse_spec, with_rounding
    from derive.present.solution import solve as _solve

    if spec is None:
        spec = builtin_spec()
    elif isinstance(spec, (str, os.PathLike)):
        spec = load_spec(os.fspath(spec))
    elif isinstance(spec, dict):
        spec = parse_spec(spec)
    elif not isinstance(spec, NetworkSpec):
        raise TypeError(f"derive.solve: expected a path, a dict or a NetworkSpec, not {type(spec).__name__}")
    return _solve(with_rounding(spec, chain_rounding, "chain_rounding"), exact=exact)
