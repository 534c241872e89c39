"""derive: worked solutions for backpropagation and gradient descent.

The pipeline is one-way: spec -> step graph -> numbers -> derivation records ->
rendered files.  The public entry points:

>>> from derive import builtin_spec, solve
>>> solution = solve(builtin_spec())
>>> round(solution.value("w_new[2,1,1]"), 8)
0.35891648
"""

__version__ = "0.1.0"

from .spec import builtin_spec, load_spec, parse_spec  # noqa: E402

__all__ = ["builtin_spec", "load_spec", "parse_spec", "solve", "__version__"]


def solve(spec, exact: bool = False):
    """Solve one spec: the step graph evaluated at its numbers (see derive.solution)."""
    from .solution import solve as _solve

    return _solve(spec, exact=exact)
