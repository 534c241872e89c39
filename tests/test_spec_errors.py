"""Malformed specs: refused before anything is computed (CONTRACT §1).

Each case is a spec file with one thing wrong.  `derive solve FILE --out DIR`
must exit with status 2, print exactly one line on stderr that names the file
and the field (a per-case substring), print no traceback, and create nothing.
"""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from derive.cli import main
from tests.support.cli import run_cli

GOOD = """\
layers: [2, 2, 2]
activation: sigmoid
loss: half_sse
weights:
  - [[0.15, 0.20], [0.25, 0.30]]
  - [[0.40, 0.45], [0.50, 0.55]]
biases: [0.35, 0.60]
learning_rate: 0.5
input: [0.05, 0.10]
target: [0.01, 0.99]
"""


def replace(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new)


def drop(field: str) -> str:
    lines = GOOD.splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        if line.startswith(field + ":"):
            skipping = True
            continue
        if skipping and line.startswith("  "):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


SOFTMAX_CCE = replace("activation: sigmoid", "activation: [sigmoid, softmax]").replace("loss: half_sse", "loss: cce")

# id: (file name, content, substrings the one stderr line must contain)
CASES = {
    "wrong matrix shape": ("spec.yaml", replace("[[0.40, 0.45], [0.50, 0.55]]", "[[0.40, 0.45, 0.1], [0.50, 0.55, 0.1]]"),
                           ["weights[1]"]),
    "too few rows": ("spec.yaml", replace("[[0.40, 0.45], [0.50, 0.55]]", "[[0.40, 0.45]]"), ["weights[1]"]),
    "too few matrices": ("spec.yaml", replace("  - [[0.40, 0.45], [0.50, 0.55]]\n", ""), ["weights", "2"]),
    "activation near miss": ("spec.yaml", replace("activation: sigmoid", "activation: sigmiod"),
                             ["activation", "did you mean 'sigmoid'"]),
    "unknown loss": ("spec.yaml", replace("loss: half_sse", "loss: hinge"), ["loss", "hinge"]),
    "string for a number": ("spec.yaml", replace("learning_rate: 0.5", "learning_rate: fast"), ["learning_rate"]),
    "quoted number": ("spec.yaml", replace("input: [0.05, 0.10]", "input: ['0.05', 0.10]"), ["input[0]"]),
    "bool for a number": ("spec.yaml", replace("target: [0.01, 0.99]", "target: [true, 0.99]"), ["target[0]"]),
    "missing target": ("spec.yaml", drop("target"), ["target"]),
    "missing layers": ("spec.yaml", drop("layers"), ["layers"]),
    "NaN": ("spec.yaml", replace("[[0.15, 0.20]", "[[.nan, 0.20]"), ["weights[0][0][0]"]),
    "infinity": ("spec.yaml", replace("biases: [0.35, 0.60]", "biases: [.inf, 0.60]"), ["biases[0]"]),
    "python tag": ("spec.yaml", GOOD + 'title: !!python/object/apply:os.system ["echo hi"]\n', ["line"]),
    "empty file": ("spec.yaml", "", ["empty"]),
    "only a comment": ("spec.yaml", "# nothing here\n", ["spec.yaml"]),
    "not a mapping": ("spec.yaml", "- 1\n- 2\n", ["mapping"]),
    "unknown field": ("spec.yaml", GOOD + "learnin_rate: 0.1\n", ["learnin_rate", "did you mean 'learning_rate'"]),
    "negative learning rate": ("spec.yaml", replace("learning_rate: 0.5", "learning_rate: -0.5"), ["learning_rate"]),
    "zero layer size": ("spec.yaml", replace("layers: [2, 2, 2]", "layers: [2, 0, 2]"), ["layers[1]"]),
    "softmax on hidden layer": ("spec.yaml", replace("activation: sigmoid", "activation: [softmax, sigmoid]"),
                                ["activation[0]", "softmax"]),
    "cce target not summing to 1": ("spec.yaml", SOFTMAX_CCE.replace("target: [0.01, 0.99]", "target: [0.5, 0.7]"),
                                    ["target", "cce"]),
    "bce target outside [0,1]": ("spec.yaml", replace("loss: half_sse", "loss: bce").replace(
        "target: [0.01, 0.99]", "target: [1.5, 0.0]"), ["target[0]", "bce"]),
    "batch_size larger than data": ("spec.yaml", drop("input").replace("target: [0.01, 0.99]\n", "") + textwrap.dedent("""\
        data:
          - {input: [0.05, 0.10], target: [0.01, 0.99]}
          - {input: [0.10, 0.05], target: [0.99, 0.01]}
        mode: minibatch
        batch_size: 3
        """), ["batch_size"]),
    "negative epochs": ("spec.yaml", GOOD + "epochs: -1\n", ["epochs"]),
    "biases and thresholds": ("spec.yaml", GOOD + "thresholds: [0.1, 0.2]\n", ["thresholds"]),
    "wrong bias count": ("spec.yaml", replace("biases: [0.35, 0.60]", "biases: [0.35]"), ["biases"]),
    "per-neuron bias wrong length": ("spec.yaml", replace("biases: [0.35, 0.60]", "biases: [[0.1, 0.2, 0.3], 0.6]"),
                                     ["biases[0]"]),
    "unknown hidden_uses": ("spec.yaml", GOOD + "hidden_uses: newer\n", ["hidden_uses"]),
    "input too short": ("spec.yaml", replace("input: [0.05, 0.10]", "input: [0.05]"), ["input"]),
    "JSON syntax error": ("spec.json", '{"layers": [2, 2, 2], "activation": "sigmoid",}\n', ["line 1", "JSON"]),
    "YAML syntax error": ("spec.yaml", GOOD + "weights: [[[0.1\n", ["line"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_spec_is_refused(case, tmp_path, capsys):
    file_name, content, needles = CASES[case]
    spec = tmp_path / file_name
    spec.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    status = main(["solve", str(spec), "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 2, captured
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    line = lines[0]
    assert str(spec) in line, line
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [file_name]


def test_table_is_large_enough():
    assert len(CASES) >= 18


def test_unsafe_yaml_tag_is_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    spec = tmp_path / "evil.yaml"
    spec.write_text(GOOD + f'title: !!python/object/apply:os.system ["touch {marker}"]\n'
                    f'notation: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ["{marker}"]]\n',
                    encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli(["solve", str(spec), "--out", str(out)])
    assert result.status == 2
    assert not marker.exists()
    assert not out.exists()
    assert len(result.stderr.splitlines()) == 1 and "evil.yaml" in result.stderr


@pytest.mark.parametrize("case", ["activation near miss", "JSON syntax error", "missing target"])
def test_console_script_exit_status(case, tmp_path):
    """The installed `derive` command itself (not only main()) exits 2 with one line."""
    file_name, content, needles = CASES[case]
    spec = tmp_path / file_name
    spec.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(["derive", "solve", str(spec), "--out", str(out)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert all(needle in result.stderr for needle in needles)
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_unsafe_tag_message_names_the_field(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(GOOD + 'title: !!python/object/apply:os.system ["echo hi"]\n', encoding="utf-8")
    assert main(["solve", str(spec), "--out", str(tmp_path / "out")]) == 2
    line = capsys.readouterr().err.strip()
    assert "title" in line, line


def test_missing_spec_file(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["solve", str(tmp_path / "nowhere.yaml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "nowhere.yaml" in err
    assert not out.exists()


def test_bce_output_outside_unit_interval_is_reported(tmp_path, capsys):
    spec = tmp_path / "bce.yaml"
    spec.write_text("layers: [1, 1]\nactivation: linear\nloss: bce\nweights: [[[-0.5]]]\n"
                    "learning_rate: 0.1\ninput: [1.0]\ntarget: [1.0]\n", encoding="utf-8")
    out = tmp_path / "out"
    status = main(["solve", str(spec), "--format", "md,json", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.splitlines()) == 1 and "bce.yaml" in err
    assert not out.exists()


OUTPUTS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]


@pytest.mark.parametrize("n_outputs", [1, 2, 3])
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("loss", ["half_sse", "sse", "mse", "bce", "cce"])
def test_loss_and_output_activation_are_matched_from_the_spec_alone(loss, output, n_outputs):
    """Whether a loss fits the output activation is decided before any number is computed, the same
    for every weight: bce takes log(o) and log(1 - o) (outputs in (0, 1): sigmoid, or softmax), cce
    needs a distribution (softmax), and a softmax of one neuron is the constant 1."""
    import numpy as np

    from derive import parse_spec, solve
    from derive.core.errors import InputError

    fits = not (output == "softmax" and n_outputs < 2) and (
        loss not in ("bce", "cce") or output == "softmax" or (loss == "bce" and output == "sigmoid"))
    target = [1.0] + [0.0] * (n_outputs - 1)
    for seed in range(3):      # numbers that make outputs positive, negative, large
        rng = np.random.default_rng(seed)
        spec = {"layers": [2, n_outputs], "activation": [output], "loss": loss,
                "weights": [(rng.uniform(-3, 3, (n_outputs, 2))).tolist()], "learning_rate": 0.5,
                "input": [0.5, -0.7], "target": target}
        if not fits:
            with pytest.raises(InputError) as caught:
                parse_spec(spec, source="net.yaml")
            message = str(caught.value)
            assert message.startswith("net.yaml: ") and ("loss" in message or "activation" in message)
            assert "\n" not in message
            continue
        solution = solve(parse_spec(spec, source="net.yaml"))
        assert np.isfinite(solution.value("E")), (loss, output, seed)
