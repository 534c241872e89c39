"""A training sheet shows the training the spec asks for, and agrees with its JSON and its epoch table.

Issue 10: with 4 examples, ``mode: batch`` and 1 epoch the sheet's "Updated parameters" and
summary table showed a plain update from one example alone (w1+ = 0.306296695) while its own
epoch table gave the batch update (0.299467944); with mini-batches and momentum the JSON's first
update disagreed with the sheet as well.  Here every number after step 1, after the last step
and after epoch 1 -- on the Markdown and LaTeX sheets and in the JSON -- is compared with a plain
NumPy training loop written below (the gradients of one example come from tests/reference.py).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.reference import Network, backprop, loss_value
from tests.support.cli import run_ok

DATA = [{"input": [0.0, 0.0], "target": [0.1]}, {"input": [0.0, 1.0], "target": [0.9]},
        {"input": [1.0, 0.0], "target": [0.9]}, {"input": [1.0, 1.0], "target": [0.1]}]
BASE = {"title": "XOR training", "layers": [2, 2, 1], "activation": "sigmoid", "loss": "half_sse",
        "weights": [[[0.5, -0.4], [0.3, 0.8]], [[0.7, -0.2]]], "biases": [[0.1, -0.1], 0.2],
        "learning_rate": 0.5, "data": DATA, "epochs": 2}
# The parameters in the sheet's order (weights layer by layer, then the biases): mazur names.
NAMES = ["w_{1}", "w_{2}", "w_{3}", "w_{4}", "w_{5}", "w_{6}", "b_{h1}", "b_{h2}", "b_{2}"]
KEYS = ["w[1,1,1]", "w[1,1,2]", "w[1,2,1]", "w[1,2,2]", "w[2,1,1]", "w[2,1,2]", "b[1,1]", "b[1,2]", "b[2]"]


# ----------------------------------------------------------------------------- the reference


def _flat(W, hidden_bias, output_bias) -> np.ndarray:
    return np.concatenate([W[0].ravel(), W[1].ravel(), hidden_bias, [output_bias]])


def _unflat(p: np.ndarray):
    return [p[0:4].reshape(2, 2), p[4:6].reshape(1, 2)], p[6:8].copy(), float(p[8])


def _network(p: np.ndarray, raw: dict, example: dict) -> Network:
    W, hidden_bias, output_bias = _unflat(p)
    return Network.from_spec({**raw, "weights": [w.tolist() for w in W],
                              "biases": [hidden_bias.tolist(), output_bias], **example})


def _gradient(p: np.ndarray, raw: dict, example: dict) -> np.ndarray:
    result = backprop(_network(p, raw, example))
    return _flat([result.dW[1], result.dW[2]], result.dbeta[1], result.dbeta[2])


def _mean_loss(p: np.ndarray, raw: dict) -> float:
    return float(np.mean([loss_value(_network(p, raw, example)) for example in raw["data"]]))


def reference_run(raw: dict) -> dict:
    """Plain loop: batches cut from each epoch's order (numpy.random.default_rng([seed, epoch])
    when shuffled, CONTRACT §1), the mean gradient of each batch, v <- beta v - eta g, w <- w + v."""
    n, eta, beta = len(raw["data"]), raw["learning_rate"], raw.get("momentum", 0.0)
    size = {"sgd": 1, "batch": n, "minibatch": raw.get("batch_size")}[raw["mode"]]
    p = _flat([np.array(m, dtype=float) for m in raw["weights"]], np.array(raw["biases"][0]), raw["biases"][1])
    v = np.zeros_like(p)
    steps, epochs = [], [{"parameters": p.copy(), "loss": _mean_loss(p, raw)}]
    for epoch in range(1, raw["epochs"] + 1):
        order = list(range(n)) if raw.get("shuffle_seed") is None else \
            [int(i) for i in np.random.default_rng([raw["shuffle_seed"], epoch]).permutation(n)]
        for start in range(0, n, size):
            batch = order[start:start + size]
            gradients = [_gradient(p, raw, raw["data"][i]) for i in batch]
            mean = np.mean(gradients, axis=0)
            v = beta * v - eta * mean
            p = p + v
            steps.append({"batch": [i + 1 for i in batch], "gradients": gradients, "mean": mean,
                          "velocity": v.copy(), "parameters": p.copy()})
        epochs.append({"parameters": p.copy(), "loss": _mean_loss(p, raw)})
    return {"steps": steps, "epochs": epochs}


# ----------------------------------------------------------------------------- reading the sheets


def _section(markdown: str, heading_start: str) -> str:
    start = markdown.index("## " + heading_start)
    end = markdown.find("\n## ", start + 3)
    return markdown[start:end if end > 0 else None]


def _line_value(text: str, lhs: str) -> float:
    """The last number of the equation line that starts with ``lhs &=``."""
    line = next(line for line in text.splitlines() if line.startswith(lhs + " &="))
    return float(re.findall(r"-?[0-9][0-9.e+-]*", line.rstrip(" \\"))[-1])


def _table_row(text: str, label: str) -> list[float]:
    """The numbers of every table row labelled ``label``, tables side by side (one per column group)."""
    cells = []
    for line in text.splitlines():
        if line.startswith(f"| {label} |"):
            cells += [float(c) for c in line.strip("|").split("|")[1:]]
    return cells


PRINTED = 5e-10       # 9 decimal places, rounded


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    """For each case: the raw spec, the Markdown, the LaTeX and the JSON that derive solve wrote."""
    cache = {}

    def make(case: str, options: dict) -> tuple[dict, str, str, dict]:
        if case not in cache:
            raw = {**BASE, **options}
            folder = tmp_path_factory.mktemp(case)
            (folder / "spec.json").write_text(json.dumps(raw))
            run_ok(["solve", str(folder / "spec.json"), "--format", "md,tex,json", "--out", str(folder / "out")])
            out = folder / "out"
            cache[case] = (raw, (out / "solution.md").read_text(), (out / "solution.tex").read_text(),
                           json.loads((out / "solution.json").read_text()))
        return cache[case]

    return make


CASES = {
    "batch": {"mode": "batch"},
    "batch-momentum": {"mode": "batch", "momentum": 0.9},
    "minibatch": {"mode": "minibatch", "batch_size": 2},
    "minibatch-momentum": {"mode": "minibatch", "batch_size": 2, "momentum": 0.9},
    "minibatch-shuffled-uneven": {"mode": "minibatch", "batch_size": 3, "momentum": 0.5, "shuffle_seed": 7},
    "sgd": {"mode": "sgd"},
    "sgd-momentum": {"mode": "sgd", "momentum": 0.9, "shuffle_seed": 3},
}


@pytest.mark.parametrize("case", CASES)
def test_json_after_step_1_the_last_step_and_epoch_1_match_the_plain_loop(sheets, case):
    raw, _, _, document = sheets(case, CASES[case])
    expected = reference_run(raw)
    total = len(expected["steps"])
    iterations = {it["step"]: it for it in document["iterations"]}
    assert sorted(iterations) == sorted({1, 2, total}) == document["recorded_steps"]
    assert document["updates"] == total
    for number in sorted(iterations):
        step, iteration = expected["steps"][number - 1], iterations[number]
        assert iteration["examples"] == step["batch"]
        for key, value in zip(KEYS, step["parameters"]):
            new = key.replace("w[", "w_new[").replace("b[", "b_new[")
            assert iteration["quantities"][new]["value"] == pytest.approx(value, abs=1e-13)
        if raw.get("momentum"):
            assert iteration["quantities"]["v[1,1,1]"]["value"] == pytest.approx(step["velocity"][0], abs=1e-13)
    # The top-level quantities are step 1's worked example, with step 1's own update.
    assert document["quantities"]["w_new[1,1,1]"]["value"] == pytest.approx(
        expected["steps"][0]["parameters"][0], abs=1e-13)
    for e in (1, raw["epochs"]):
        assert [document["epochs"][e]["parameters"][k] for k in KEYS] == pytest.approx(
            list(expected["epochs"][e]["parameters"]), abs=1e-13)
        assert document["epoch_losses"][e - 1] == pytest.approx(expected["epochs"][e]["loss"], abs=1e-13)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("sheet", ["md", "tex"])
def test_sheet_shows_each_shown_step_as_the_plain_loop_computes_it(sheets, case, sheet):
    raw, markdown, latex, _ = sheets(case, CASES[case])
    expected = reference_run(raw)
    total = len(expected["steps"])
    text = markdown if sheet == "md" else latex.replace("\\section*{", "## ").replace(" \\\\*", "")
    assert "Updated parameters of the" not in text      # no update from one example alone
    for number in sorted({1, 2, total}):
        step = expected["steps"][number - 1]
        heading = f"Step {number} (epoch "
        shown = _section(text, heading)
        words = "all 4 examples" if len(step["batch"]) == 4 else \
            ("example " if len(step["batch"]) == 1 else "examples ") + " and ".join(map(str, step["batch"]))
        if len(step["batch"]) == 3:
            words = "examples {}, {} and {}".format(*step["batch"])
        assert words in shown.splitlines()[0]
        for name, after, velocity in zip(NAMES, step["parameters"], step["velocity"]):
            assert _line_value(shown, name + "^{+}") == pytest.approx(after, abs=PRINTED)
            if raw.get("momentum"):
                assert _line_value(shown, "v_{ " + name + " }^{+}") == pytest.approx(velocity, abs=PRINTED)
        if sheet == "md" and number == 1 and len(step["batch"]) == 1:
            assert "The gradients are those of the pass above." in shown and "|" not in shown   # no empty table
        if sheet == "md" and len(step["batch"]) > 1:
            assert _table_row(shown, "mean") == pytest.approx(list(step["mean"]), abs=PRINTED)
            for example, gradient in zip(step["batch"], step["gradients"]):
                assert _table_row(shown, f"example {example}") == pytest.approx(list(gradient), abs=PRINTED)
    if sheet == "md":
        epochs = _section(markdown, "Training, epoch by epoch")
        for e in (1, raw["epochs"]):
            row = _table_row(epochs, str(e))
            loss, values = row[0], row[1:6] + row[7:]     # the loss column repeats in each table
            assert loss == pytest.approx(expected["epochs"][e]["loss"], abs=PRINTED)
            assert values == pytest.approx(list(expected["epochs"][e]["parameters"]), abs=PRINTED)


def test_batch_sheet_of_one_epoch_is_the_batch_update_not_one_examples(sheets):
    """The issue's case: 4 examples, batch, 1 epoch: w1+ is the mean-gradient update everywhere."""
    raw, markdown, _, document = sheets("batch-1-epoch", {"mode": "batch", "epochs": 1})
    (step,) = reference_run(raw)["steps"]
    alone = BASE["weights"][0][0][0] - 0.5 * _gradient(_flat(
        [np.array(m) for m in BASE["weights"]], np.array([0.1, -0.1]), 0.2), raw, DATA[2])[0]
    assert abs(alone - step["parameters"][0]) > 1e-3        # the two really differ
    assert _line_value(_section(markdown, "Step 1 (epoch 1)"), "w_{1}^{+}") == pytest.approx(
        step["parameters"][0], abs=PRINTED)
    assert _table_row(_section(markdown, "Training, epoch by epoch"), "1")[1] == pytest.approx(
        step["parameters"][0], abs=PRINTED)
    assert document["iterations"][0]["quantities"]["w_new[1,1,1]"]["value"] == \
        document["quantities"]["w_new[1,1,1]"]["value"] == pytest.approx(step["parameters"][0], abs=1e-13)
    assert "| 1 | 0 | 0 | 0.1 |" in _section(markdown, "The data set")
    assert "Step 1 takes all 4 examples" in markdown


def test_batch_momentum_sheet_renders_in_katex_and_pdflatex_without_overfull_lines(tmp_path):
    import subprocess

    from tests.support.tools import extract_math, katex_errors, pdf_pages, require

    require("pdflatex")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**BASE, "mode": "batch", "momentum": 0.9, "epochs": 30}))
    run_ok(["solve", str(spec), "--format", "md,tex,pdf", "--out", str(tmp_path / "out")])
    out = tmp_path / "out"
    assert katex_errors(extract_math((out / "solution.md").read_text())) == []
    assert pdf_pages(out / "solution.pdf") >= 5
    # The LaTeX once more by hand, for its log: no line of the training parts runs past the margin.
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "solution.tex"], cwd=out, capture_output=True,
                   timeout=120)
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)",
                                           (out / "solution.log").read_text(errors="replace"))]
    assert max(widths, default=0.0) <= 1.0
