"""The student's world: every quantity as the sheet implies it, with its rounding uncertainty.

A quantity the sheet gives takes the sheet's number, uncertain by half a unit in
its last place.  A given number of the exercise the sheet does not repeat takes
its exact value.  A step the sheet skips is recomputed from the student's own
values of *its* inputs, so an early slip is carried through skipped steps too;
its uncertainty is the inputs' uncertainty propagated through the step (the
step evaluated at each input +/- its uncertainty) plus half a unit at the
sheet's working precision, because the student rounded it on paper too.

>>> from derive.core.spec import builtin_spec
>>> from derive.core.graph import build_graph
>>> from derive.core.evaluate import evaluate_float, given_values
>>> from derive.core.keys import Key
>>> spec = builtin_spec(); graph = build_graph(spec.architecture)
>>> world = World(graph, given_values(spec), {Key.parse("net[1,1]"): (0.3775, 5e-5)}, 5e-5)
>>> value, spread = world.value(Key.parse("out[1,1]"))
>>> round(value, 6), spread < 1e-4
(0.59327, True)
"""

from __future__ import annotations

import math
from functools import lru_cache

import sympy

from derive.core.graph import StepGraph
from derive.core.keys import Key

__all__ = ["World", "step_function", "evaluate_step", "inputs_of", "downstream"]


@lru_cache(maxsize=8192)
def step_function(expression: sympy.Expr, inputs: tuple[Key, ...]):
    """One step compiled once: a Python function of its inputs' values."""
    return sympy.lambdify([k.symbol for k in inputs], expression, "math")


@lru_cache(maxsize=8192)
def inputs_of(expression) -> tuple[Key, ...]:
    """The quantities an expression reads, in key order (cached: the same few expressions recur for every sheet)."""
    from derive.core.keys import key_of

    return tuple(sorted({k for s in expression.free_symbols if (k := key_of(s)) is not None}))


def _call(function, values) -> float:
    try:
        return float(function(*values))
    except (OverflowError, ValueError, ZeroDivisionError, TypeError):
        return math.nan


def evaluate_step(expression, inputs: tuple[Key, ...], values: list[tuple[float, float]]) -> tuple[float, float]:
    """Value of one step and its spread: the sum over inputs of the largest change that
    moving that input by its uncertainty causes (a first-order bound that also sees curvature)."""
    function = step_function(expression, inputs)
    centre = [v for v, _ in values]
    value = _call(function, centre)
    spread = 0.0
    for n, (v, u) in enumerate(values):
        if u:
            moved = [_call(function, centre[:n] + [v + s * u] + centre[n + 1:]) for s in (1, -1)]
            spread += max(abs(m - value) for m in moved)
    return value, spread


@lru_cache(maxsize=64)
def downstream(graph: StepGraph) -> dict[Key, frozenset]:
    """Every quantity's dependants, transitively, itself included (cached per graph: derived once
    per architecture)."""
    upstream: dict[Key, set] = {}
    for quantity in graph:                       # the graph is in a valid order: inputs come first
        deps = set(quantity.depends_on)
        for dep in quantity.depends_on:
            deps |= upstream.get(dep, set())
        upstream[quantity.key] = deps
    found: dict[Key, set] = {key: {key} for key in upstream}
    for key, deps in upstream.items():
        for dep in deps:
            found.setdefault(dep, {dep}).add(key)
    return {key: frozenset(keys) for key, keys in found.items()}


class World:
    """Values the student works with (see the module docstring).

    ``overrides`` rewrite some steps (a mistake's alternative); a world with overrides may share a
    ``base`` world without them: every quantity that does not depend on an overridden step is
    taken from the base, already computed.
    """

    def __init__(self, graph: StepGraph, exact_given: dict[Key, float],
                 answers: dict[Key, tuple[float, float]], working_half_unit: float,
                 overrides: dict[Key, sympy.Expr] | None = None, ignore: frozenset = frozenset(),
                 base: World | None = None):
        self.graph, self.exact_given, self.answers = graph, exact_given, answers
        self.working_half_unit = working_half_unit
        self.overrides = overrides or {}
        self.ignore = ignore
        self.base = base if self.overrides and not ignore else None
        if self.base is not None:               # what the overrides can change: they and their dependants
            reach = downstream(graph)
            self.affected = frozenset().union(*(reach[site] for site in self.overrides))
        self.memo: dict[Key, tuple[float, float]] = {}

    def value(self, key: Key) -> tuple[float, float]:
        if key not in self.memo:
            if self.base is not None and key not in self.affected:
                self.memo[key] = self.base.value(key)
            else:
                self.memo[key] = self._value(key)
        return self.memo[key]

    def _value(self, key: Key) -> tuple[float, float]:
        if key in self.answers and key not in self.ignore and key not in self.overrides:
            return self.answers[key]
        definition = self.overrides.get(key, self.graph[key].definition)
        if definition is None:
            return self.exact_given[key], 0.0
        value, spread = self.recompute(key, definition)
        return value, spread + self.working_half_unit

    def recompute(self, key: Key, expression) -> tuple[float, float]:
        """The step ``key`` evaluated with ``expression`` from the world's values of its inputs."""
        inputs = inputs_of(expression)
        return evaluate_step(expression, inputs, [self.value(k) for k in inputs])
