"""Numbers from the step graph: float64 (compiled once per architecture) or exact.

The float evaluator is generated code: one assignment per quantity, in step
order, each printed from its SymPy definition by NumPy's code printer.  It
accepts scalars or NumPy arrays (one entry per variant), so many variants are
evaluated in one call.  The exact evaluator substitutes Rationals made from
the spec's decimal text and keeps 40 significant digits where a value is
irrational (sigmoid of a rational).

>>> from derive.core.spec import builtin_spec
>>> from derive.core.graph import build_graph
>>> values = evaluate_float(build_graph(builtin_spec().architecture), given_values(builtin_spec()))
>>> round(values[Key.parse("out[1,1]")], 9)
0.593269992
"""

from __future__ import annotations

import functools
import re
from functools import lru_cache

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from derive.core.graph import ETA, StepGraph
from derive.core.keys import Key
from derive.core.spec import Example, NetworkSpec

__all__ = ["given_values", "evaluate_float", "evaluate_exact", "compile_graph", "EXACT_DIGITS"]

EXACT_DIGITS = 40


def given_values(spec: NetworkSpec, example: Example | None = None, weights=None, biases=None,
                 learning_rate=None) -> dict[Key, float]:
    """The given numbers of one step: the example, the weights, the biases, the learning rate
    (each number may be an array, one entry per network evaluated at once)."""
    example = example or spec.examples[0]
    weights = spec.weights if weights is None else weights
    biases = spec.biases if biases is None else biases
    arch = spec.architecture
    values: dict[Key, float] = {}
    values.update({Key("input", (i + 1,)): x for i, x in enumerate(example.input)})
    values.update({Key("target", (k + 1,)): t for k, t in enumerate(example.target)})
    for l, matrix in enumerate(weights, start=1):
        for j, row in enumerate(matrix, start=1):
            for i, w in enumerate(row, start=1):
                values[Key("w", (l, j, i))] = w
    for l, bias in enumerate(biases, start=1):
        if bias is None:
            continue
        if isinstance(bias, tuple):
            values.update({Key(arch.bias_kind, (l, j + 1)): b for j, b in enumerate(bias)})
        else:
            values[Key(arch.bias_kind, (l,))] = bias
    values[ETA] = spec.learning_rate if learning_rate is None else learning_rate
    return values


class _Printer(NumPyPrinter):
    def __init__(self, names):
        super().__init__({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": False})
        self.names = names

    def _print_Symbol(self, expr):
        return self.names[expr]

    def _print_Softplus(self, expr):
        return f"logaddexp(0, {self._print(expr.args[0])})"


@lru_cache(maxsize=64)
def compile_graph(graph: StepGraph):
    """A Python function ``f(*given) -> tuple`` of every quantity, in step order."""
    keys = list(graph.quantities)
    names = {key.symbol: f"q{n}" for n, key in enumerate(keys)}
    printer = _Printer(names)
    given = [k for k in keys if graph[k].definition is None]
    lines = [f"def evaluate({', '.join(names[k.symbol] for k in given)}):"]
    for key in keys:
        q = graph[key]
        expression = q.evaluation if q.evaluation is not None else q.definition
        if expression is not None:
            lines.append(f"    {names[key.symbol]} = {printer.doprint(expression)}")
    lines.append(f"    return ({', '.join(names[k.symbol] for k in keys)},)")
    code = "\n".join(lines)
    # Only the NumPy names the code uses: listing all of dir(numpy) would import its lazy submodules
    # (f2py, testing, ...), a tenth of a second at every start.
    namespace = {name: getattr(np, name) for name in set(re.findall(r"\b[A-Za-z_]\w*", code))
                 if not name.startswith("_") and hasattr(np, name)}
    namespace.update(numpy=np, reduce=functools.reduce)   # NumPy's printer writes Max as reduce(maximum, ...)
    exec(compile(code, "<derive step graph>", "exec"), namespace)  # code printed from our own SymPy graph
    function = namespace["evaluate"]
    function.given, function.keys, function.source = given, keys, code
    return function


def evaluate_float(graph: StepGraph, given: dict[Key, float]) -> dict[Key, float]:
    """float64 value of every quantity (arrays in, arrays out, for many variants at once)."""
    function = compile_graph(graph)
    inputs = [given[k] for k in function.given]
    single = all(np.ndim(x) == 0 for x in inputs)
    if single:
        # One variant runs through the same array kernels as a batch of many: NumPy's vectorised exp
        # can differ from its scalar exp in the last bit, and a variant must not depend on how it was run.
        inputs = [np.array([x], dtype=float) for x in inputs]
    with np.errstate(all="ignore"):
        results = function(*inputs)
    if single:
        return {key: float(v[0]) if np.ndim(v) else float(v) for key, v in zip(function.keys, results)}
    return {key: (float(v) if np.ndim(v) == 0 else v) for key, v in zip(function.keys, results)}


def exact_number(value):
    """A Rational from the decimal text of a float (0.1 -> 1/10), exact for spec numbers."""
    return sympy.Rational(repr(value)) if isinstance(value, float) else sympy.nsimplify(value, rational=True)


def evaluate_exact(graph: StepGraph, given: dict[Key, float]) -> dict[Key, sympy.Expr]:
    """Exact values: Rationals where the arithmetic stays rational, 40 digits otherwise."""
    values: dict[sympy.Symbol, sympy.Expr] = {}
    out: dict[Key, sympy.Expr] = {}
    for q in graph:
        if q.definition is None:
            value = exact_number(given[q.key])
        else:
            expression = q.evaluation if q.evaluation is not None else q.definition
            value = expression.rewrite(sympy.log).xreplace(values) if q.evaluation is not None \
                else expression.xreplace(values)
            if not value.is_Rational:
                value = value.evalf(EXACT_DIGITS)
        values[q.key.symbol] = value
        out[q.key] = value
    return out
