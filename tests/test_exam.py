"""Randomized exams: reproducible, distinct, regenerable from codes, recomputable by anyone."""

import json
import re

import numpy as np
import pytest

from derive.cli import main
from derive.exam.registry import get_family
from derive.core.keys import Key
from derive.exam.variants import MAX_DRAWS, generate, parse_code, regenerate, variant_code
from tests.reference import reference_values
from tests.support.tools import pdf_pages, pdf_text, require

NETWORK_FAMILIES = ["backprop-forward", "backprop-output-layer", "backprop-hidden-layer", "backprop-full-step",
                    "chain-rule"]


def run_exam(tmp_path, name, *args):
    out = tmp_path / name
    status = main(["exam", *args, "--out", str(out)])
    return status, out


def test_same_seed_gives_byte_identical_files(tmp_path):
    args = ["--family", "backprop-full-step", "--family", "chain-rule", "-n", "4", "--seed", "11",
            "--format", "tex,md,json,csv"]
    assert run_exam(tmp_path, "a", *args)[0] == 0
    assert run_exam(tmp_path, "b", *args)[0] == 0
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) >= 6
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_pdfs_compile_once_with_every_variant_code_visible(tmp_path):
    require("pdflatex")
    n = 5
    status, out = run_exam(tmp_path, "exam", "--family", "backprop-full-step", "-n", str(n), "--seed", "3",
                           "--format", "pdf,json")
    assert status == 0
    codes = [v["code"] for v in json.loads((out / "answers.json").read_text())["variants"]]
    assert len(set(codes)) == n
    for name in ("questions.pdf", "solutions.pdf"):
        assert pdf_pages(out / name) >= n
        text = pdf_text(out / name)
        assert all(code in text for code in codes), name
    assert not (out / "questions.tex").exists()       # tex was not asked for


def test_answer_key_recomputed_independently(tmp_path):
    """Every network question's answers.json entry, recomputed from its spec by the NumPy reference."""
    status, out = run_exam(tmp_path, "exam", *sum((["--family", f] for f in NETWORK_FAMILIES), []),
                           "-n", "6", "--seed", "2026", "--format", "json")
    assert status == 0
    document = json.loads((out / "answers.json").read_text())
    assert document["seed"] == 2026
    for variant in document["variants"]:
        for question in variant["questions"]:
            expected = reference_values(question["spec"])
            for key, answer in question["answers"].items():
                assert answer["value"] == pytest.approx(expected[key], rel=1e-10, abs=1e-13), (variant["code"], key)
                # tolerance: 0.2 % of the value (of the update, for an updated weight) plus 0.00005
                scale = answer["value"]
                if key.startswith("w_new"):
                    l, j, i = map(int, key[6:-1].split(","))
                    scale -= question["spec"]["weights"][l - 1][j - 1][i - 1]
                assert 5e-5 <= answer["tolerance"] <= 1.1 * (0.002 * abs(scale) + 5e-5)


def test_own_answers_are_accepted_and_a_wrong_one_is_not(tmp_path):
    for family_id in NETWORK_FAMILIES:
        variant = next(generate([get_family(family_id)], 1, 99))
        question = variant.questions[0]
        for answer in question.answers:
            assert abs(round(answer.value, 4) - answer.value) <= answer.tolerance   # "to 4 decimal places"
            assert abs((answer.value + 10 * answer.tolerance) - answer.value) > answer.tolerance
        # derive check, with the variant code as the exercise: four-decimal answers are correct
        sheet = tmp_path / f"{family_id}.yaml"
        lines = [f"exercise: {variant.code}", "answers:"]
        lines += [f"  '{a.key}': {a.value:.4f}" for a in question.answers]
        sheet.write_text("\n".join(lines) + "\n")
        assert main(["check", str(sheet), "--format", "json"]) == 0, family_id
        first = question.answers[0]
        sheet.write_text(f"exercise: {variant.code}\nanswers:\n  '{first.key}': {first.value + 0.5:.4f}\n")
        assert main(["check", str(sheet), "--format", "json"]) == 1, family_id


def test_solve_variant_round_trip(tmp_path, capsys):
    status, out = run_exam(tmp_path, "exam", "--family", "chain-rule", "--family", "backprop-full-step",
                           "-n", "3", "--seed", "8", "--format", "json")
    assert status == 0
    capsys.readouterr()
    variant = json.loads((out / "answers.json").read_text())["variants"][2]
    assert main(["solve", "--variant", variant["code"], "--question", "2", "--format", "json"]) == 0
    solved = json.loads(capsys.readouterr().out)
    for key, answer in variant["questions"][1]["answers"].items():
        assert solved["quantities"][key]["value"] == answer["value"]
    assert solved["spec"]["weights"] == variant["questions"][1]["spec"]["weights"]


def test_codes_parse_and_catch_typos():
    code = variant_code(2026, 17, ["BFS", "GDS"])
    assert parse_code(code) == (2026, 17, ("BFS", "GDS"))
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    with pytest.raises(Exception, match="check letter"):
        parse_code(typo)
    assert regenerate(variant_code(5, 2, ["BFS"])).index == 2


def test_consecutive_seeds_do_not_collapse_onto_the_same_variant():
    family = get_family("backprop-full-step")
    firsts = {json.dumps(next(generate([family], 1, seed)).questions[0].params, sort_keys=True)
              for seed in range(1, 201)}
    assert len(firsts) == 200


def test_no_two_variants_share_their_answers():
    variants = list(generate([get_family("chain-rule")], 300, 1))
    signatures = {tuple(round(a.value, 6) for a in v.questions[0].answers) for v in variants}
    assert len(signatures) == 300


@pytest.mark.slow
@pytest.mark.parametrize("family_id", NETWORK_FAMILIES)
def test_stress_2000_seeds(family_id):
    from derive.exam.stress import stress

    report = stress(get_family(family_id), 2000)
    assert report["failures"] == []
    assert report["rejection_rate"] < 0.5
    for key, spread in report["answers"].items():
        assert spread["finite"] and spread["distinct"] >= 100 and spread["min"] < spread["max"], key


def test_constraints_hold_on_drawn_variants():
    for family_id in NETWORK_FAMILIES:
        family = get_family(family_id)
        for variant in generate([family], 50, 4):
            q = variant.questions[0]
            values = family.values(q.params)
            assert all(abs(v) < 4 for k, v in values.items() if k.kind == "net")
            shown = [round(a.value, 4) for a in q.answers]
            assert len(set(shown)) == len(shown)


@pytest.mark.parametrize("args, message", [
    (["--family", "backprop-ful-step", "-n", "2"], "did you mean 'backprop-full-step'"),
    (["--family", "chain-rule", "-n", "0"], "-n"),
    ([], "at least one --family"),
])
def test_bad_exam_requests(tmp_path, capsys, args, message):
    status, out = run_exam(tmp_path, "exam", *args)
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists() or not any(out.iterdir())


def test_bad_exam_file(tmp_path, capsys):
    exam = tmp_path / "exam.yaml"
    exam.write_text("title: Midterm\nquestions:\n  - family: chain-rule\n    points: -3\n")
    status, out = run_exam(tmp_path, "exam", str(exam))
    assert status == 2 and "questions[0].points" in capsys.readouterr().err
    exam.write_text("title: Midterm\nquestionz: []\n")
    assert run_exam(tmp_path, "exam2", str(exam))[0] == 2
    assert "did you mean 'questions'" in capsys.readouterr().err


def test_exam_file_with_points(tmp_path):
    exam = tmp_path / "midterm.yaml"
    exam.write_text("title: Midterm 2026\nseed: 5\nn: 2\nquestions:\n  - {family: chain-rule, points: 4}\n"
                    "  - {family: backprop-forward, points: 6}\n")
    status, out = run_exam(tmp_path, "exam", str(exam), "--format", "md,json")
    assert status == 0
    questions = (out / "questions.md").read_text()
    assert "Midterm 2026" in questions and "(4 points)" in questions and "(6 points)" in questions
    assert json.loads((out / "answers.json").read_text())["seed"] == 5


def test_impossible_constraints_are_reported_and_nothing_is_written(tmp_path, capsys, monkeypatch):
    family = get_family("chain-rule")
    monkeypatch.setattr(type(family), "problems", lambda self, params, answers: ["always degenerate"])
    status, out = run_exam(tmp_path, "exam", "--family", "chain-rule", "-n", "2", "--format", "json")
    assert status == 1
    err = capsys.readouterr().err
    assert f"no acceptable variant in {MAX_DRAWS} draws" in err and "always degenerate" in err
    assert not any(p.is_file() for p in out.rglob("*"))


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    status = main(["exam", "--family", "chain-rule", "-n", "1", "--out", str(blocker / "exam")])
    assert status == 2 and "--out" in capsys.readouterr().err


def test_markdown_sheets_render_in_katex(tmp_path):
    from tests.support.tools import extract_math, katex_errors, require_katex

    require_katex()
    status, out = run_exam(tmp_path, "exam", *sum((["--family", f] for f in NETWORK_FAMILIES), []),
                           "-n", "2", "--seed", "1", "--format", "md")
    assert status == 0
    for name in ("questions.md", "solutions.md"):
        text = (out / name).read_text()
        assert katex_errors(extract_math(text)) == []
        for figure in re.findall(r"\]\((figures/[^)]+)\)", text):
            assert (out / figure).read_text().startswith("<svg")


def test_random_state_is_explicit():
    """Drawing never touches NumPy's global random state."""
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    list(generate([get_family("backprop-full-step")], 3, 1))
    assert np.random.random() == before


def test_parallel_and_sequential_generation_write_the_same_files(tmp_path, monkeypatch):
    """On several cores workers draw and render; the files must not depend on that."""
    args = ["--family", "chain-rule", "--family", "backprop-forward", "-n", "130", "--seed", "4",
            "--format", "tex,md,json,csv"]
    assert run_exam(tmp_path, "parallel", *args)[0] == 0
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert run_exam(tmp_path, "sequential", *args)[0] == 0
    files = sorted(p.relative_to(tmp_path / "parallel") for p in (tmp_path / "parallel").rglob("*") if p.is_file())
    assert len(files) > 100
    for rel in files:
        assert (tmp_path / "parallel" / rel).read_bytes() == (tmp_path / "sequential" / rel).read_bytes(), rel


@pytest.mark.parametrize("family_id", NETWORK_FAMILIES)
def test_typical_slips_fall_outside_the_tolerance(family_id):
    """The old weight, the update with the wrong sign, a flipped gradient, a forgotten learning rate:
    none of them may be accepted (the newcomer's review found 128 of 480 old weights accepted)."""
    family = get_family(family_id)
    for variant in generate([family], 200, 11):
        q = variant.questions[0]
        values = family.values(q.params)
        for a in q.answers:
            key = Key.parse(a.key)
            slips = []
            if key.kind.endswith("_new"):
                old = values[Key(key.kind[:-4], key.index)]
                step = a.value - old
                eta = values[Key("eta")]
                slips += [old, old - step, old + step / eta if eta != 1 else None]
            elif "/" in key.kind or key.kind == "delta":
                slips.append(-a.value)
            for slip in filter(lambda s: s is not None, slips):
                assert abs(slip - a.value) > a.tolerance, (variant.code, a.name, slip, a.value, a.tolerance)


def test_stress_reports_a_numeric_answer_without_its_blank():
    """Moodle puts each cloze sub-question at its blank; a question that forgets one is a failure."""
    from derive.exam.family import Answer, Family
    from derive.exam.stress import stress

    class Forgetful(Family):
        def __init__(self):
            super().__init__({"id": "forgetful", "code": "FGT", "title": "A family that forgets a blank"})

        def draw(self, rng):
            return {"x": float(rng.integers(1, 9))}

        def answers(self, params):
            return [Answer("x[1]", "x_1", "x_{1}", params["x"], 0.001),
                    Answer("x[2]", "x_2", "x_{2}", params["x"] + 0.5, 0.001)]

        def render_body(self, params, part, fmt, precision):
            return "x_1 = @@BLANK:x[1]@@" if part == "question" else "done"

    report = stress(Forgetful(), 3)
    assert [f["error"] for f in report["failures"]] == ["the question has no answer blank for x_2"] * 3


def _network_family(**changes):
    from derive.exam.network_family import NetworkFamily

    info = {"id": "test-net", "code": "TNT", "title": "Test", "topics": [], "asks": "", "asked": ["E", "w_new[*]"],
            "network": {"layers": [2, 3, 2], "activation": "sigmoid", "loss": "bce", "bias": "neuron"},
            "draw": {"weights": {"low": -0.9, "high": 0.9, "step": 0.05, "nonzero": True},
                     "biases": {"low": -0.5, "high": 0.5, "step": 0.1}, "input": {"low": 0.05, "high": 0.95, "step": 0.05},
                     "target": [0.1, 0.9], "learning_rate": [0.5, 1.0]}}
    for field, value in changes.items():
        info["draw"][field] = value
    return NetworkFamily(info)


def test_bulk_evaluation_of_draws_equals_one_by_one():
    """Many draws are evaluated at once from their stacked numbers; each must equal its own evaluation
    (here with per-neuron biases and three hidden neurons, against the independent reference)."""
    family = _network_family()
    draws = [family.draw(np.random.default_rng([7, k])) for k in range(40)]
    family.prefetch(draws)
    for params in draws:
        values, expected = family.values(params), reference_values(params)
        assert {str(k): v for k, v in values.items() if str(k) in expected} == pytest.approx(
            {k: v for k, v in expected.items() if k in {str(k) for k in values}}, rel=1e-12, abs=1e-15)
    family.prefetch([])


@pytest.mark.parametrize("field, grid, message", [
    ("learning_rate", [0.0, 0.5], "learning_rate"),
    ("target", {"low": 0.5, "high": 1.5, "step": 0.5}, "target[0]"),
])
def test_a_grid_that_can_draw_a_bad_number_is_refused_when_the_family_is_built(field, grid, message):
    """A draw is not checked number by number: the spec check passes at both ends of every grid instead."""
    from derive.core.errors import InputError

    with pytest.raises(InputError, match=re.escape(message)):
        _network_family(**{field: grid})._template_spec
