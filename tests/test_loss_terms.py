"""Cross-entropy loss terms read as a teacher writes them when a target is 0 or 1 (issue 10).

With t = 0 the term t·log(o) drops out and with t = 1 it loses its factor: a sheet writes
E_o2 = −log(0.3956) = 0.9274 and a one-hot target's other terms as their formula = 0, never
"−0 · log(0.351)" or "(1 − 1) · log(…)". Each printed line is recomputed here from its own
printed numbers with math.log, and the outputs from a NumPy forward pass.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from derive.cli import main
from derive.core.spec import parse_spec
from derive.present.solution import solve

NETWORK = {"layers": [2, 2, 3], "activation": ["sigmoid", "softmax"], "loss": "cce",
           "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55], [0.10, 0.20]]],
           "biases": [0.35, 0.60], "learning_rate": 0.5, "input": [0.05, 0.10], "target": [0, 1, 0]}

#: One substituted loss line of a sheet: −log(x) or −log(1 − x), then its value.
LOG_LINE = re.compile(r"&= - \\log\{\\left\((1 - )?(-?[0-9.]+) ?\\right\)\} = (-?[0-9.]+)")
#: What a sheet must not print: a factor 0 or 1 before a log, or 1 − 1 and 1 − 0 as a factor.
ODD = re.compile(r"(?<![0-9.])[01] \\cdot \\log|\\left\(1 - [01]\\right\)")


def outputs(spec: dict) -> np.ndarray:
    """The forward pass in plain NumPy: sigmoid hidden layer, then sigmoid or softmax."""
    (w1, w2), (b1, b2) = (np.array(w) for w in spec["weights"]), spec["biases"]
    hidden = 1 / (1 + np.exp(-(w1 @ np.array(spec["input"]) + b1)))
    net = w2 @ hidden + b2
    if spec["activation"][-1] == "softmax":
        return np.exp(net) / np.exp(net).sum()
    return 1 / (1 + np.exp(-net))


def _lines(spec: dict) -> dict[str, str]:
    solution = solve(parse_spec(spec, source="<test>"))
    return {f"E{k}": solution.step(f"E_o{k}").equation_numbers for k in range(1, len(spec["target"]) + 1)}


def test_a_one_hot_target_gives_minus_log_of_its_class_and_zero_elsewhere():
    lines = _lines(NETWORK)
    out = outputs(NETWORK)
    assert lines["E1"] == r"E_{o1} = - \mathit{target}_{o1} \cdot \log{\left(\mathit{out}_{o1} \right)} = 0"
    assert lines["E3"].endswith(r"\log{\left(\mathit{out}_{o3} \right)} = 0")
    assert lines["E2"].startswith(r"E_{o2} = - \log{\left(0.395594873\right)} = ")
    value = float(lines["E2"].rsplit("= ", 1)[1])
    assert f"{out[1]:.9f}" == "0.395594873" and value == pytest.approx(-math.log(out[1]), abs=5e-10)


@pytest.mark.parametrize("target, form", [(1, "log(o)"), (0, "log(1 - o)")])
def test_binary_cross_entropy_with_a_target_of_0_or_1_keeps_the_one_log_that_counts(target, form):
    spec = dict(NETWORK, layers=[2, 2, 1], activation=["sigmoid", "sigmoid"], loss="bce",
                weights=[NETWORK["weights"][0], [[0.40, 0.45]]], target=[target])
    line = _lines(spec)["E1"]
    o = outputs(spec)[0]
    inside = f"1 - {o:.8f} " if target == 0 else f"{o:.8f}"
    assert rf"= - \log{{\left({inside}\right)}} = " in line, line
    assert float(line.rsplit("= ", 1)[1]) == pytest.approx(-math.log(1 - o if target == 0 else o), abs=5e-10)


def test_a_soft_target_keeps_both_terms_with_their_factors():
    spec = dict(NETWORK, layers=[2, 2, 1], activation=["sigmoid", "sigmoid"], loss="bce",
                weights=[NETWORK["weights"][0], [[0.40, 0.45]]], target=[0.3])
    line = _lines(spec)["E1"]
    assert r"- (0.3 \cdot \log{\left(" in line and r"\left(1 - 0.3\right) \cdot \log{\left(1 - " in line


def test_exam_variants_with_one_hot_and_binary_targets_read_the_same_way(tmp_path):
    exam = tmp_path / "exam.yaml"
    exam.write_text("title: CE\nn: 6\nseed: 5\nquestions:\n"
                    "  - family: backprop-output-layer\n    layers: [2, 2, 3]\n"
                    "    activation: [sigmoid, softmax]\n    loss: cce\n"
                    "  - family: backprop-full-step\n    layers: [2, 2, 2]\n    loss: bce\n"
                    "    target: [0, 1]\n    decimals: 1\n", encoding="utf-8")
    assert main(["exam", str(exam), "--format", "md,json", "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "solutions.md").read_text(encoding="utf-8")
    assert not ODD.findall(text)
    checked = LOG_LINE.findall(text)
    # Every variant's cce question has one class term; a bce question one per target drawn as 0 or 1.
    drawn = [t for v in answers_of(tmp_path) for t in v]
    assert len(checked) == 6 + sum(t in (0, 1) for t in drawn) and len(checked) > 6
    for one_minus, x, value in checked:
        inside = 1 - float(x) if one_minus else float(x)
        assert float(value) == pytest.approx(-math.log(inside), abs=1e-8 / inside)


def answers_of(tmp_path) -> list[list[float]]:
    """The bce question's drawn targets, one list per variant, from the answer key."""
    answers = json.loads((tmp_path / "out" / "answers.json").read_text(encoding="utf-8"))
    return [v["questions"][1]["spec"]["target"] for v in answers["variants"]]
