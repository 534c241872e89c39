"""The checker of a self-checking page: one exercise's step graph and named mistakes as JavaScript.

``derive check`` decides every verdict from the step graph (derive.check.verdicts); a page
decides them in the browser from the same graph.  :func:`exercise_script` prints what the
rules need as one JavaScript statement: each quantity's definition and its other routes
(the shorter delta * dnet/dw of a gradient), each named mistake's alternative formulas at
every step where it applies, the exact (and chained-rounding) values, the plain names a
student may type, and the asked quantities.  The rules themselves are written once, in
``derive/render/web/check.js``; tests/test_html_check.py holds the two to the same verdicts.

>>> from derive.core.spec import builtin_spec
>>> script = exercise_script(builtin_spec())
>>> script.startswith('(globalThis.DERIVE_EXERCISES = globalThis.DERIVE_EXERCISES || {})["solution"] = {')
True
>>> "error_sign_flipped" in script and '"w5+": ["w_new[2,1,1]", 1]' in script
True
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import sympy

from derive.core.evaluate import evaluate_float, given_values
from derive.core.graph import build_graph
from derive.core.spec import NetworkSpec
from derive.present.jscode import step_js
from derive.present.notations import get_notation
from derive.check.chained import chained_expected
from derive.check.mistakes import MISTAKES
from derive.check.verdicts import SLACK, routes
from derive.check.world import inputs_of

__all__ = ["exercise_script", "exercise_data", "solution_page", "PAGE_CHECKER_VERSION"]

#: The layout of the data below; check.js refuses another.
PAGE_CHECKER_VERSION = 1


class _Code(str):
    """JavaScript source written as it is (a step's function), not as a string."""


def _js(value) -> str:
    """A JavaScript literal of plain data: like JSON, plus functions, NaN and Infinity;
    ``<`` written as ``\\u003c`` so no string can close the page's ``<script>``."""
    if isinstance(value, _Code):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_js(str(k))}: {_js(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_js(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


class _Functions:
    """Each distinct (formula, inputs) printed once; quantities refer to it by its index."""

    def __init__(self):
        self.index: dict[tuple, int] = {}
        self.items: list[dict] = []

    def add(self, expression) -> int:
        expression = sympy.sympify(expression)
        inputs = inputs_of(expression)
        signature = (sympy.srepr(expression), inputs)
        if signature not in self.index:
            self.index[signature] = len(self.items)
            self.items.append({"inputs": [str(k) for k in inputs], "f": _Code(step_js(expression, inputs))})
        return self.index[signature]


def _bound(graph, key) -> str | None:
    """What a student's value of ``key`` must satisfy to be plausible (the checker's anti-gaming note)."""
    arch = graph.architecture
    if key.kind == "out" and arch.activations[key.index[0] - 1] == "sigmoid":
        return "sigmoid"
    return "error" if key.kind == "E" else None


@lru_cache(maxsize=32)
def _structure(architecture, notation_name: str) -> dict:
    """What the checker needs that depends only on the network's shape and notation (printed once
    per architecture: an exam's variants share it), as plain data with functions as their source."""
    graph = build_graph(architecture)
    notation = get_notation(notation_name, architecture)
    functions = _Functions()
    rules = list(MISTAKES.values())
    quantities = {}
    for q in graph:
        key = q.key
        entry = {"name": notation.plain(key), "deps": [str(d) for d in q.depends_on], "bound": _bound(graph, key),
                 "definition": None, "routes": [], "alternatives": []}
        if q.definition is not None:
            entry["definition"] = functions.add(q.definition)
            entry["routes"] = [functions.add(route) for route in routes(graph, key)]
            entry["alternatives"] = [[m, functions.add(alternative.expression), alternative.detail]
                                     for m, rule in enumerate(rules) for alternative in rule.alternatives(graph, key)]
        quantities[str(key)] = entry
    trainable = set(graph.trainable)
    asks = [[notation.plain(q.key), str(q.key)] for q in graph
            if q.section == "update" and q.key.parameter in trainable]
    names = {str(q.key): [str(q.key), 1] for q in graph}
    names.update({notation.plain(q.key).replace(" ", ""): [str(q.key), 1] for q in graph})
    names.update({alias: [str(key), sign] for alias, (key, sign) in notation.signed_aliases().items()})
    return {"version": PAGE_CHECKER_VERSION, "slack": SLACK, "order": [str(q.key) for q in graph],
            "quantities": quantities, "functions": functions.items,
            "mistakes": [{"name": rule.name, "description": rule.description} for rule in rules],
            "names": names, "asks": asks, "tolerance": None}


def exercise_data(spec: NetworkSpec) -> dict:
    """What check.js needs for ``spec``: the structure of its network and its numbers (the given
    values, and the exact and expected value of every quantity: chained where the spec rounds)."""
    graph = build_graph(spec.architecture)
    given = given_values(spec)
    exact = evaluate_float(graph, given)
    expected = exact if spec.rounding is None else chained_expected(graph, spec, given, spec.rounding)
    structure = _structure(spec.architecture, spec.notation)
    quantities = {}
    for q in graph:
        key = str(q.key)
        quantities[key] = dict(structure["quantities"][key], exact=exact[q.key], expected=expected[q.key],
                               given=float(given[q.key]) if q.definition is None else None)
        if q.definition is None:                  # as the copy test names it: w1 = 0.15
            quantities[key]["given_text"] = f"{float(given[q.key]):g}"
    # The given numbers in the order the copy test tries them (given_values' order).
    return dict(structure, quantities=quantities, givens=[str(k) for k in given if k in graph])


def exercise_script(spec: NetworkSpec, exercise_id: str = "solution") -> str:
    """One JavaScript statement that registers ``spec``'s checker data under ``exercise_id``."""
    return (f"(globalThis.DERIVE_EXERCISES = globalThis.DERIVE_EXERCISES || {{}})[{_js(exercise_id)}] = "
            f"{_js(exercise_data(spec))};\n")


def solution_page(solution, templates_dir=None) -> str:
    """The self-checking page (solution.html) of a solved spec, as a string.

    >>> from derive.core.spec import builtin_spec
    >>> from derive.present.solution import solve
    >>> page = solution_page(solve(builtin_spec()))
    >>> page.startswith("<!DOCTYPE html>") and 'data-key="w_new[2,1,1]"' in page
    True
    """
    from derive.render.solution import solution_files

    return solution_files(solution, ["html"], templates_dir, checker=exercise_script)["solution.html"]
