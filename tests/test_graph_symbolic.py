"""The step graph against SymPy's own differentiation of the composed error.

derive never differentiates the composed E_total; here, on small networks, we
do: substitute every forward/error definition into the next (in the graph's
order) until E is an expression in the given numbers only, then
``sympy.diff`` it by each weight and bias and evaluate at the spec's numbers.
The results must equal derive's factorised gradients.

We also check the shape of the graph itself: definitions refer only to
earlier quantities, stay small (one level, no nested compositions), gradients
are products of named factors, and each definition evaluated at derive's own
numbers gives derive's value (the sheet's "numbers substituted = value" line
is consistent).
"""

from __future__ import annotations

import pytest
import sympy

from derive import parse_spec, solve
from derive.core.graph import build_graph
from derive.core.keys import Key

NETWORKS = {
    "1-1-1 sigmoid": {
        "layers": [1, 1, 1], "activation": "sigmoid", "loss": "half_sse",
        "weights": [[[0.7]], [[-0.4]]], "biases": [0.2, -0.3],
        "learning_rate": 0.5, "input": [0.9], "target": [0.25]},
    "2-2-1 sigmoid": {
        "layers": [2, 2, 1], "activation": "sigmoid", "loss": "sse",
        "weights": [[[0.1, -0.2], [0.3, 0.4]], [[0.5, -0.6]]], "biases": [0.1, 0.2],
        "learning_rate": 0.25, "input": [1.0, 0.5], "target": [0.8]},
    "2-2-2 sigmoid": {
        "layers": [2, 2, 2], "activation": "sigmoid", "loss": "half_sse",
        "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
        "biases": [0.35, 0.60], "train_biases": True,
        "learning_rate": 0.5, "input": [0.05, 0.10], "target": [0.01, 0.99]},
    "2-2-2 tanh per-neuron bias": {
        "layers": [2, 2, 2], "activation": "tanh", "loss": "mse",
        "weights": [[[0.3, -0.1], [0.2, 0.6]], [[-0.5, 0.4], [0.7, 0.1]]],
        "biases": [[0.1, -0.2], [0.05, 0.3]],
        "learning_rate": 0.1, "input": [0.4, -0.7], "target": [0.5, -0.25]},
    "2-2-3 tanh/softmax thresholds cce": {
        "layers": [2, 2, 3], "activation": ["tanh", "softmax"], "loss": "cce",
        "weights": [[[0.3, -0.1], [0.2, 0.6]], [[-0.5, 0.4], [0.7, 0.1], [0.2, -0.3]]],
        "thresholds": [[0.1, -0.2], 0.3],
        "learning_rate": 0.1, "input": [0.4, -0.7], "target": [0.0, 1.0, 0.0]},
}


def _solve(spec_dict: dict):
    spec = parse_spec(spec_dict, source="<symbolic test>")
    return spec, solve(spec)


def _compose_error(graph) -> sympy.Expr:
    """E in terms of the given numbers only: each forward/error definition with the
    earlier compositions substituted, in the graph's (topological) order."""
    composed: dict[sympy.Symbol, sympy.Expr] = {}
    for q in graph:
        if q.section in ("forward", "error"):
            composed[q.key.symbol] = q.definition.xreplace(composed)
    return composed[Key("E").symbol]


def _numbers(solution) -> dict[sympy.Symbol, sympy.Float]:
    return {key.symbol: sympy.Float(value, 30) for key, value in solution.values.items()}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_factorised_gradients_equal_sympy_diff_of_composed_error(name):
    spec, solution = _solve(NETWORKS[name])
    graph = build_graph(spec.architecture)
    E = _compose_error(graph)
    given = {q.key.symbol for q in graph if q.definition is None}
    assert E.free_symbols <= given, "the composed error still refers to computed quantities"
    numbers = {s: v for s, v in _numbers(solution).items() if s in given}

    # E itself
    assert float(E.xreplace(numbers)) == pytest.approx(solution.value("E"), rel=1e-12, abs=1e-12)

    parameters = [q.key for q in graph if q.key.kind in ("w", "b", "theta")]
    assert parameters
    checked = 0
    for key in parameters:
        gradient_key = Key({"w": "dE/dw", "b": "dE/db", "theta": "dE/dtheta"}[key.kind], key.index)
        symbolic = float(sympy.diff(E, key.symbol).xreplace(numbers))
        assert solution.value(gradient_key) == pytest.approx(symbolic, rel=1e-12, abs=1e-12), str(gradient_key)
        checked += 1
    assert checked == len(parameters)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_definitions_are_one_level_and_refer_to_earlier_quantities(name):
    spec, _ = _solve(NETWORKS[name])
    graph = build_graph(spec.architecture)
    seen: set[sympy.Symbol] = set()
    for q in graph:
        if q.definition is None:
            assert q.section == "given", str(q.key)
        else:
            assert q.section in ("forward", "error", "backward", "update"), str(q.key)
            unknown = q.definition.free_symbols - seen
            assert not unknown, f"{q.key} uses {unknown} before they are defined"
            assert sympy.count_ops(q.definition) < 40, f"{q.key}: {q.definition}"
        seen.add(q.key.symbol)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_weight_gradients_are_products_of_named_factors(name):
    spec, _ = _solve(NETWORKS[name])
    graph = build_graph(spec.architecture)
    for q in graph:
        if q.key.kind == "dE/dw":
            definition = q.definition
            factors = definition.args if definition.is_Mul else (definition,)
            assert all(f.is_Symbol for f in factors), f"{q.key} = {definition}"
            # the last factor of the chain is d net / d w, i.e. the input of the weight
            assert Key("delta", q.key.index[:2]).symbol in factors or \
                Key("dnet/dw", q.key.index).symbol in factors, f"{q.key} = {definition}"


@pytest.mark.parametrize("name", list(NETWORKS) + ["lecture, hidden_uses new"])
def test_each_definition_evaluates_to_its_value(name):
    spec_dict = NETWORKS.get(name) or dict(NETWORKS["2-2-2 sigmoid"], hidden_uses="new")
    spec, solution = _solve(spec_dict)
    numbers = _numbers(solution)
    for q in build_graph(spec.architecture):
        if q.definition is None:
            continue
        recomputed = float(q.definition.xreplace(numbers))
        assert solution.value(q.key) == pytest.approx(recomputed, rel=1e-12, abs=1e-12), str(q.key)


def test_hidden_uses_new_reads_updated_output_weights():
    spec, _ = _solve(dict(NETWORKS["2-2-2 sigmoid"], hidden_uses="new"))
    graph = build_graph(spec.architecture)
    used = set()
    for q in graph:
        if q.key.kind == "dE/dout" and q.key.index[0] == 1:
            used |= {s.name for s in sympy.preorder_traversal(q.definition) if isinstance(s, sympy.Symbol)}
            for sub in q.definition.free_symbols:
                key = Key.parse(sub.name)
                if graph[key].definition is not None:
                    used |= {str(d) for d in graph[key].depends_on}
    assert any(name.startswith("w_new[2,") for name in used)
    assert not any(name.startswith("w[2,") for name in used)
