"""The templates see plain data only: every solution context survives a JSON round trip unchanged
(no Step objects, no objects a template could change), in every notation and for a training run."""

from __future__ import annotations

import json

import pytest

from derive.core.spec import NOTATIONS, builtin_spec, parse_spec
from derive.core.training import train
from derive.present.solution import solve
from derive.sheets.solution import solution_context
from derive.sheets.training import training_context

TRAINING = {"layers": [2, 2, 1], "activation": "sigmoid", "loss": "half_sse",
            "weights": [[[0.5, -0.4], [0.3, 0.8]], [[0.7, -0.2]]], "biases": [[0.1, -0.1], 0.2],
            "learning_rate": 0.5, "mode": "batch", "epochs": 2,
            "data": [{"input": [0, 0], "target": [0.1]}, {"input": [0, 1], "target": [0.9]},
                     {"input": [1, 0], "target": [0.9]}, {"input": [1, 1], "target": [0.1]}]}
SOFTMAX = {"layers": [2, 3, 3], "activation": ["tanh", "softmax"], "loss": "cce",
           "weights": [[[0.1, 0.4], [-0.3, 0.2], [0.5, 0.1]],
                       [[0.5, -0.6, 0.1], [0.2, 0.3, -0.2], [-0.1, 0.7, 0.3]]],
           "thresholds": [[0.1, 0.2, 0.3], 0.1], "hidden_uses": "new", "learning_rate": 0.5,
           "input": [1.0, -1.0], "target": [0, 1, 0]}


def _round_trip(data):
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("spec", ["lecture", "softmax", "training"])
def test_solution_context_is_json(notation, spec):
    parsed = {"lecture": builtin_spec, "softmax": lambda: parse_spec(SOFTMAX),
              "training": lambda: parse_spec(TRAINING)}[spec]()
    solution = solve(parsed, notation=notation)
    context = solution_context(solution)
    _round_trip(context)
    if spec == "training":
        _round_trip(training_context(train(parsed), solution))


def test_sections_carry_flags_not_words():
    context = solution_context(solve(parse_spec(SOFTMAX), notation="layered"))
    assert context["softmax_cce"] is True and context["hidden_uses"] == "new" and context["depth"] == 2
    assert [s["kind"] for s in context["sections"]] == ["forward", "forward", "error", "signals", "gradients",
                                                        "updates", "signals", "gradients", "updates", "matrix"]
    delta = next(b for b in context["sections"][3]["blocks"] if b["key"] == "delta[2,2]")
    # softmax with cross-entropy: delta_2 = out_2 - target_2, printed by the printer
    shortcut = delta["shortcut"]
    assert (shortcut["out"], shortcut["target"], shortcut["target_value"]) == ("a^{(2)}_{2}", "y_{2}", "1")
    assert float(shortcut["out_value"]) - 1 == pytest.approx(float(delta["value"]), abs=1e-8)
    assert not any("title" in s or "intro" in s for s in context["sections"])


def test_conventions_carry_data_not_sentences():
    """tanh then softmax, cross-entropy, trained thresholds: the printed pieces and flags the
    conventions sentences need; the words are the templates' (solution_macros.*.j2)."""
    conventions = solution_context(solve(parse_spec(SOFTMAX), notation="layered"))["conventions"]
    assert conventions == {
        "activations": [{"name": "tanh", "title": "hyperbolic tangent", "layers": [1],
                         "formula": r"\tanh{\left(x \right)}"},
                        {"name": "softmax", "title": "softmax", "layers": [2], "formula": None}],
        "loss": {"title": "categorical cross-entropy", "term": r"- y_{k} \cdot \log{\left(a_{k} \right)}",
                 "target": "y_{k}", "output": "a_{k}"},
        "bias": {"theta": True, "trained": True},
        "signs": {"notation": "layered"}}
    lecture = {name: solution_context(solve(builtin_spec(), notation=name))["conventions"] for name in NOTATIONS}
    assert lecture["mazur"]["bias"] == {"theta": False, "trained": False}
    assert {name: c["signs"] for name, c in lecture.items()} == {
        "mazur": {"notation": "mazur"}, "signal": {"notation": "signal", "half_sse": True},
        "layered": {"notation": "layered"},
        "units": {"notation": "units", "textbook_output": True, "bias_sign": None}}
