"""Exams teachers author (CONTRACT §7): overrides of a built-in family, a fixed spec, a family file
of one's own; and ``derive question`` (§8).

The answer key of the example exam (docs/examples/exam/midterm.yaml, all three kinds of question)
is recomputed here by a NumPy forward and backward pass written in this file, from the numbers each
variant gives (the spec in answers.json, each of whose numbers the question sheet must show).
"""

import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from derive.cli import main
from tests.support.tools import pdf_text, require

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "exam"


# ----------------------------------------------------------------------------- the reference

ACTIVATIONS = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a)),
    "tanh": (np.tanh, lambda z, a: 1 - a ** 2),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
}
LOSSES = {     # E(t, o) and dE/do
    "half_sse": (lambda t, o: np.sum(0.5 * (t - o) ** 2), lambda t, o: o - t),
    "sse": (lambda t, o: np.sum((t - o) ** 2), lambda t, o: 2 * (o - t)),
    "mse": (lambda t, o: np.mean((t - o) ** 2), lambda t, o: 2 * (o - t) / len(t)),
    "bce": (lambda t, o: -np.sum(t * np.log(o) + (1 - t) * np.log(1 - o)), lambda t, o: (o - t) / (o * (1 - o))),
}


def reference(spec: dict) -> dict[str, float]:
    """Every quantity of one gradient-descent step, by canonical key (CONTRACT §2)."""
    depth = len(spec["layers"]) - 1
    names = spec["activation"] if isinstance(spec["activation"], list) else [spec["activation"]] * depth
    weights = [np.array(w, dtype=float) for w in spec["weights"]]
    sign, field = (-1.0, "theta") if "thresholds" in spec else (1.0, "b")
    raw = spec.get("thresholds", spec.get("biases")) or [None] * depth
    biases = [None if b is None else np.array(b, dtype=float) for b in raw]
    eta, t = spec["learning_rate"], np.array(spec["target"], dtype=float)
    out, nets, outs = np.array(spec["input"], dtype=float), [], []
    values = {}
    for l in range(depth):        # forward
        net = weights[l] @ out + (0 if biases[l] is None else sign * biases[l])
        out = ACTIVATIONS[names[l]][0](net)
        nets.append(net), outs.append(out)
        for j in range(len(net)):
            values[f"net[{l + 1},{j + 1}]"], values[f"out[{l + 1},{j + 1}]"] = net[j], out[j]
    loss, loss_derivative = LOSSES[spec["loss"]]
    values["E"] = loss(t, out)
    upstream = loss_derivative(t, out)          # dE/dout of the layer being worked on
    inputs = [np.array(spec["input"], dtype=float)] + outs[:-1]
    for l in reversed(range(depth)):            # backward, output layer first
        delta = upstream * ACTIVATIONS[names[l]][1](nets[l], outs[l])
        gradient = np.outer(delta, inputs[l])
        new = weights[l] - eta * gradient
        for j in range(len(delta)):
            values[f"dE/dout[{l + 1},{j + 1}]"], values[f"delta[{l + 1},{j + 1}]"] = upstream[j], delta[j]
            for i in range(gradient.shape[1]):
                values[f"dE/dw[{l + 1},{j + 1},{i + 1}]"] = gradient[j, i]
                values[f"w_new[{l + 1},{j + 1},{i + 1}]"] = new[j, i]
        if biases[l] is not None:
            if biases[l].ndim == 0:
                values[f"{field}_new[{l + 1}]"] = biases[l] - eta * sign * delta.sum()
            else:
                for j in range(len(delta)):
                    values[f"{field}_new[{l + 1},{j + 1}]"] = biases[l][j] - eta * sign * delta[j]
        used = new if spec.get("hidden_uses") == "new" else weights[l]
        upstream = used.T @ delta
    return values


def test_the_reference_gives_the_lecture_numbers():
    """Mazur's published example: E_total = 0.298371109, w5+ = 0.35891648, w1+ = 0.149780716."""
    lecture = yaml.safe_load((Path(__file__).parents[1] / "exercises" / "lecture.yaml").read_text())
    values = reference(lecture)
    assert round(values["E"], 9) == 0.298371109
    assert round(values["w_new[2,1,1]"], 8) == 0.35891648
    assert round(values["w_new[1,1,1]"], 9) == 0.149780716


# ----------------------------------------------------------------------------- the example exam

def build(tmp_path, name, *args):
    out = tmp_path / name
    return main(["exam", *args, "--out", str(out)]), out


@pytest.fixture(scope="module")
def example_exam(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exam")
    status, out = build(folder, "out", str(EXAMPLE / "midterm.yaml"), "--format", "md,json")
    assert status == 0
    return json.loads((out / "answers.json").read_text()), (out / "questions.md").read_text()


def _shown(value: float) -> str:
    return f"{value:g}"


def test_answer_key_of_all_three_kinds_matches_the_numpy_reference(example_exam):
    document, sheet = example_exam
    fixed = yaml.safe_load((EXAMPLE / "my-net.yaml").read_text())
    assert len(document["variants"]) == 6
    checked = 0
    for variant in document["variants"]:
        page = sheet.split(f"## Variant {variant['code']}")[1].split("## Variant")[0]
        for question in variant["questions"]:
            spec = question.get("spec")
            if spec is None:
                assert question["family"] == "gd-steps"
                continue
            body = page.split(f"### Question {question['number']}:")[1].split("### Question")[0]
            given = [w for matrix in spec["weights"] for row in matrix for w in row] + spec["input"] + spec["target"]
            for number in given:        # the numbers the reference uses are the ones the sheet gives
                assert f"= {_shown(number)}$" in body, (variant["code"], question["number"], number)
            expected = reference(spec)
            for key, answer in question["answers"].items():
                assert abs(answer["value"] - expected[key]) < 1e-12, (variant["code"], key)
                assert answer["tolerance"] < abs(expected[key]) + 1     # a tolerance, not a range of everything
                checked += 1
        # The kinds: overrides, the fixed network, the teacher's family.
        first, second, third = variant["questions"][:3]
        assert first["spec"]["layers"] == [3, 2, 1] and first["spec"]["activation"] == ["tanh", "sigmoid"]
        assert first["spec"]["loss"] == "bce" and first["spec"]["notation"] == "units"
        assert second["spec"]["weights"] == fixed["weights"] and second["spec"]["thresholds"] == fixed["thresholds"]
        assert third["family"] == "hidden-new" and third["spec"]["hidden_uses"] == "new"
        assert third["spec"]["layers"] == [2, 3, 2]
        assert all(abs(w * 10 - round(w * 10)) < 1e-9 and -1 <= w <= 1
                   for matrix in third["spec"]["weights"] for row in matrix for w in row)     # decimals: 1
    assert checked > 6 * 30


def test_drawn_variants_pass_the_checks_and_differ(example_exam):
    document, _ = example_exam
    for k in (0, 2):           # the drawn questions: no twins
        answers = [tuple(round(a["value"], 6) for a in v["questions"][k]["answers"].values())
                   for v in document["variants"]]
        assert len(set(answers)) == len(answers)
    for variant in document["variants"]:
        for question in variant["questions"][:3]:
            spec = question["spec"]
            values = reference(spec)
            assert all(abs(values[f"net[{l},{j}]"]) < 4 for l in range(1, len(spec["layers"]))
                       for j in range(1, spec["layers"][l] + 1))                  # no saturated neuron
            for key, answer in question["answers"].items():
                assert abs(answer["value"]) > answer["tolerance"], key          # 0 would not pass
                if key.startswith("w_new"):
                    old = values[key.replace("w_new", "dE/dw")]                  # the update's size:
                    parameter = answer["value"] + spec["learning_rate"] * old    # the old weight is outside
                    assert abs(parameter - answer["value"]) > answer["tolerance"], key
                    slipped = parameter + spec["learning_rate"] * old            # so is a sign slip
                    assert abs(slipped - answer["value"]) > answer["tolerance"], key


def test_the_fixed_network_is_the_same_in_every_variant(example_exam):
    document, _ = example_exam
    specs = {json.dumps(v["questions"][1]["spec"], sort_keys=True) for v in document["variants"]}
    assert len(specs) == 1


def test_same_exam_file_gives_byte_identical_files(tmp_path):
    for name in ("a", "b"):
        assert build(tmp_path, name, str(EXAMPLE / "midterm.yaml"), "-n", "3", "--format", "md,tex,json,csv,moodle")[0] == 0
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes(), path


def test_parallel_generation_decodes_authored_families_by_code(tmp_path, monkeypatch):
    """Worker processes hand authored families back by code; the files equal a sequential run's."""
    from derive.exam import writer

    assert build(tmp_path, "seq", str(EXAMPLE / "midterm.yaml"), "-n", "8", "--format", "json")[0] == 0
    original = writer.ExamPlan.__init__

    def with_workers(self, *args, **kwargs):
        original(self, *args, **kwargs)
        object.__setattr__(self, "workers", 2)
    monkeypatch.setattr(writer.ExamPlan, "__init__", with_workers)
    assert build(tmp_path, "par", str(EXAMPLE / "midterm.yaml"), "-n", "8", "--format", "json")[0] == 0
    assert (tmp_path / "seq" / "answers.json").read_bytes() == (tmp_path / "par" / "answers.json").read_bytes()


def test_solve_variant_with_the_exam_file_reproduces_every_question(example_exam, capsys):
    document, _ = example_exam
    variant = document["variants"][4]
    for question in variant["questions"]:
        capsys.readouterr()
        assert main(["solve", "--variant", variant["code"], "--question", str(question["number"]),
                     "--exam", str(EXAMPLE / "midterm.yaml"), "--format", "json"]) == 0
        solved = json.loads(capsys.readouterr().out)
        if question["family"] == "gd-steps":
            assert solved
            continue
        for key, answer in question["answers"].items():
            assert solved["quantities"][key]["value"] == pytest.approx(answer["value"], abs=1e-12)


def test_an_authored_code_without_its_exam_file_is_refused_in_one_line(example_exam, capsys):
    document, _ = example_exam
    from derive.exam import registry

    saved = dict(registry.AUTHORED)
    registry.AUTHORED.clear()       # a fresh process has read no exam file
    try:
        assert main(["solve", "--variant", document["variants"][0]["code"], "--format", "json"]) == 2
    finally:
        registry.AUTHORED.update(saved)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--exam" in err


def test_a_changed_exam_file_does_not_solve_old_codes_differently(example_exam, tmp_path, capsys):
    document, _ = example_exam
    shutil.copytree(EXAMPLE, tmp_path / "exam")
    changed = tmp_path / "exam" / "midterm.yaml"
    changed.write_text(changed.read_text().replace("loss: bce", "loss: half_sse"))
    from derive.exam import registry

    saved = dict(registry.AUTHORED)
    registry.AUTHORED.clear()
    try:
        status = main(["solve", "--variant", document["variants"][0]["code"], "--exam", str(changed),
                       "--format", "json"])
    finally:
        registry.AUTHORED.update(saved)
    assert status == 2
    assert "has it changed since the exam?" in capsys.readouterr().err


def test_check_accepts_a_sheet_naming_the_exam_file(example_exam, tmp_path, capsys):
    document, _ = example_exam
    variant = document["variants"][1]
    answers = {a["name"]: round(a["value"], 4) for a in variant["questions"][0]["answers"].values()}
    sheet = tmp_path / "sheet.yaml"
    shutil.copytree(EXAMPLE, tmp_path / "exam")
    sheet.write_text(yaml.safe_dump({"exercise": variant["code"], "question": "1", "exam": "exam/midterm.yaml",
                                     "answers": answers}))
    capsys.readouterr()
    assert main(["check", str(sheet), "--format", "json"]) == 0
    verdicts = json.loads(capsys.readouterr().out)
    assert {v["verdict"] for v in verdicts.values()} == {"correct"}


def test_family_file_on_the_command_line_and_in_stress(tmp_path, capsys):
    family = str(EXAMPLE / "families" / "hidden-new.yaml")
    status, out = build(tmp_path, "fam", "--family", family, "-n", "4", "--seed", "5", "--format", "json,md")
    assert status == 0
    document = json.loads((out / "answers.json").read_text())
    code = document["variants"][3]["code"]
    capsys.readouterr()
    assert main(["solve", "--variant", code, "--exam", family, "--format", "json"]) == 0
    solved = json.loads(capsys.readouterr().out)
    for key, answer in document["variants"][3]["questions"][0]["answers"].items():
        assert solved["quantities"][key]["value"] == pytest.approx(answer["value"], abs=1e-12)
    assert "In our course notes" in (out / "questions.md").read_text()      # the family's own template
    assert main(["stress", family, "-n", "300", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["failures"] == [] and report["rejection_rate"] < 0.5
    assert all(spread["distinct"] > 250 for spread in report["answers"].values())


def test_stress_benchmark_covers_the_teacher_families():
    from benchmarks.stress_all import teacher_families

    assert [f.id for f in teacher_families()] == ["hidden-new"]


# ----------------------------------------------------------------------------- bad input

def _exam(tmp_path, entry: str) -> Path:
    (tmp_path / "my-net.yaml").write_text((EXAMPLE / "my-net.yaml").read_text())
    path = tmp_path / "exam.yaml"
    path.write_text("questions:\n  - " + entry.replace("\n", "\n    ") + "\n")
    return path


@pytest.mark.parametrize("entry, message", [
    ("family: backprop-full-step\nactivation: tanhh", "activation: expected one of sigmoid"),
    ("family: backprop-full-step\nlayers: [2]", "layers: expected a list of at least 2"),
    ("family: backprop-full-step\nbias: per-neuron", "did you mean 'neuron'"),
    ("family: backprop-full-step\nweights: [1, 0]", "weights: expected [low, high]"),
    ("family: backprop-full-step\nweights: [-1, 1]\ndecimals: 9", "decimals: expected a whole number"),
    ("family: backprop-full-step\nlearning_rate: [0, 1]", "learning_rate: expected a number greater than 0"),
    ("family: backprop-full-step\nloss: bce\ntarget: [-1, 1]", "target[0]: expected a value in [0, 1]"),
    ("family: backprop-full-step\nhidden_uses: newer", "did you mean 'new'"),
    ("family: backprop-full-step\nnotation: foo", "notation: expected one of mazur"),
    ("family: backprop-full-step\nasked: ['w_new[9,*]']", "asked[0]: expected a quantity of this network"),
    ("family: backprop-full-step\ncolour: red", "questions[0].colour: expected a field of a question"),
    ("family: backprop-hidden-layer\nlayers: [2, 2]", "at least 1 hidden layer"),
    ("family: gd-steps\nlayers: [2, 2, 2]", "expected only points for gd-steps"),
    ("spec: my-net.yaml\nlayers: [2, 2, 2]", "expected only title, question and asked with spec"),
    ("{spec: my-net.yaml, family: gd-steps}", "both family and spec"),
    ("spec: missing.yaml", "missing.yaml: expected an existing spec file"),
    ("family: families/none.yaml", "none.yaml: expected an existing family file"),
])
def test_a_bad_question_entry_is_one_line_and_nothing_is_written(tmp_path, capsys, entry, message):
    status, out = build(tmp_path, "out", str(_exam(tmp_path, entry)))
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert message in err, err
    assert not out.exists()


@pytest.mark.parametrize("text, message", [
    ("title: x\nbase: backprop-forward", "id: expected this field"),
    ("id: backprop-forward\ntitle: x\nbase: backprop-forward", "id: expected an id of your own"),
    ("id: mine\ntitle: x\nbase: gd-steps", "base: expected a built-in network family"),
    ("id: mine\ntitle: x\nbase: backprop-forward\ncode: abc", "code: expected one to three capital letters"),
    ("id: mine\ntitle: x\nbase: backprop-forward\nquestion_template: ../../etc/passwd.j2", "in the family file's folder"),
    ("id: mine\ntitle: x\nbase: backprop-forward\nlayer: [2, 2]", "did you mean 'layers'"),
])
def test_a_bad_family_file_is_refused_like_a_bad_spec(tmp_path, capsys, text, message):
    (tmp_path / "families").mkdir()
    (tmp_path / "families" / "mine.yaml").write_text(text)
    status, out = build(tmp_path, "out", str(_exam(tmp_path, "family: families/mine.yaml")))
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1, err
    assert "mine.yaml" in err and message in err, err


def test_a_family_template_stays_in_the_sandbox(tmp_path, capsys):
    (tmp_path / "families").mkdir()
    (tmp_path / "families" / "mine.yaml").write_text(
        "id: mine\ntitle: x\nbase: backprop-forward\nquestion_template: q.j2\n")
    (tmp_path / "families" / "q.j2").write_text("\\VAR{''.__class__.__mro__[1].__subclasses__()}\n")
    status, out = build(tmp_path, "out", str(_exam(tmp_path, "family: families/mine.yaml")), "--format", "md")
    err = capsys.readouterr().err.strip()
    assert status == 2 and "sandbox" in err and len(err.splitlines()) == 1, err
    assert not out.exists()


def test_ranges_that_cannot_meet_the_checks_are_reported_after_bounded_draws(tmp_path, capsys):
    entry = "family: backprop-output-layer\nweights: [3, 3.5]\ninput: [0.9, 1]"
    start = time.process_time()
    status, out = build(tmp_path, "out", str(_exam(tmp_path, entry)))
    spent = time.process_time() - start
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1
    assert "questions[0]: expected ranges with an acceptable draw, got none in 2000 draws" in err, err
    assert spent < 30 and not out.exists()


def test_too_few_distinct_questions_for_the_variants_is_reported(tmp_path, capsys):
    entry = ("family: chain-rule\nweights: [0.5, 0.6]\nbiases: [0.1, 0.2]\ninput: [0.5, 0.6]\ntarget: [0.1, 0.15]\n"
             "learning_rate: {low: 0.5, high: 0.6, step: 0.1}")     # 128 different questions at most
    exam = _exam(tmp_path, entry)
    status, out = build(tmp_path, "out", str(exam), "-n", "200")
    err = capsys.readouterr().err.strip()
    assert status == 2 and "earlier variants took them" in err and len(err.splitlines()) == 1, err


# ----------------------------------------------------------------------------- derive question

def test_question_sheet_of_the_lecture_has_no_solution_numbers(tmp_path):
    assert main(["question", "--format", "md,tex", "--out", str(tmp_path / "q")]) == 0
    md = (tmp_path / "q" / "question.md").read_text()
    lecture = yaml.safe_load((Path(__file__).parents[1] / "exercises" / "lecture.yaml").read_text())
    values = reference(lecture)
    for key in ("E", "net[1,1]", "out[1,1]", "w_new[2,1,1]", "w_new[1,1,1]"):
        for places in (4, 9):
            assert f"{values[key]:.{places}f}".rstrip("0") not in md, key
    for given in ("i_{1} = 0.05", "w_{5} = 0.4", "b_{2} = 0.6", r"\eta = 0.5"):
        assert given in md
    assert md.count("| |") == 9            # E and the 8 weights, each with an answer space
    assert (tmp_path / "q" / "question-figure.svg").read_text().startswith("<svg")
    tex = (tmp_path / "q" / "question.tex").read_text()
    assert r"\hrulefill" in tex and "0.298" not in tex and r"\begin{tikzpicture}" in tex


def test_question_sheet_of_a_spec_with_what_is_asked_compiles(tmp_path):
    require("pdflatex")
    out = tmp_path / "q"
    assert main(["question", str(EXAMPLE / "my-net.yaml"), "--asked", "net[*]", "--asked", "out[*]",
                 "--asked", "E", "--format", "pdf,md", "--out", str(out)]) == 0
    text = pdf_text(out / "question.pdf")
    assert "A 2-2-1 network with thresholds" in text and "4 decimal places" in text
    values = reference(yaml.safe_load((EXAMPLE / "my-net.yaml").read_text()))
    assert f"{values['E']:.4f}" not in text
    assert len(re.findall(r"\| \$[^|]+\$ \| \|", (out / "question.md").read_text())) == 7   # 3 nets, 3 outs, E


def test_question_refuses_a_training_run_in_one_line(tmp_path, capsys):
    spec = tmp_path / "run.yaml"
    spec.write_text((EXAMPLE / "my-net.yaml").read_text() + "epochs: 3\n")
    assert main(["question", str(spec), "--out", str(tmp_path / "q")]) == 2
    err = capsys.readouterr().err.strip()
    assert "one step on one example" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "q").exists()


def test_a_teachers_question_text_keeps_its_math_and_is_escaped_for_latex(tmp_path):
    entry = 'family: backprop-forward\nquestion: "Compute 50% of it & $E_{total}$ for #1."'
    status, out = build(tmp_path, "out", str(_exam(tmp_path, entry)), "--format", "tex,md")
    assert status == 0
    assert r"Compute 50\% of it \& $E_{total}$ for \#1." in (out / "questions.tex").read_text()
    assert "Compute 50% of it & $E_{total}$ for #1." in (out / "questions.md").read_text()
