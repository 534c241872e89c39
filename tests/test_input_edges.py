"""Edge cases found by review: each must end in one clear line (exit 2) or in a correct result."""

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from derive.cli import main
from tests.support.tools import pdf_text, require

LECTURE = (Path(__file__).resolve().parents[1] / "exercises" / "lecture.yaml").read_text()


def one_line_error(capsys, status, expected_status=2):
    err = capsys.readouterr().err.strip()
    assert status == expected_status, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("text, field", [
    ("layers: " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
    (LECTURE + "loss: sse\n", "loss"),                                  # a key given twice
    (LECTURE.replace("learning_rate: 0.5", "learning_rate: 1.0e400"), "learning_rate"),
])
def test_bad_yaml_edges(tmp_path, capsys, text, field):
    (tmp_path / "s.yaml").write_text(text)
    err = one_line_error(capsys, main(["solve", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "o")]))
    assert field in err and not (tmp_path / "o").exists()


def test_exponent_numbers_are_numbers(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text(LECTURE.replace("learning_rate: 0.5", "learning_rate: 5e-1"))
    assert main(["solve", str(tmp_path / "s.yaml"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["quantities"]["w_new[2,1,1]"]["value"] == pytest.approx(0.35891648)


@pytest.mark.parametrize("args", [
    ["gd", "--function", "log(x)", "--x0", "-1", "--lr", "0.1"],
    ["gd", "--function", "1/x", "--x0", "0", "--lr", "0.1"],
    ["gd", "--function", "x**2", "--x0", "1", "--lr-schedule", "1/t"],
    ["gd", "--function", "x**2", "--x0", "1", "--lr-schedule", "sqrt(-1)"],
    ["surface", "--function", "abs(x) + y**2"],
])
def test_functions_undefined_where_they_are_used(capsys, args):
    one_line_error(capsys, main([*args, "--format", "json"]))


def test_unicode_title_compiles(tmp_path):
    require("pdflatex")
    (tmp_path / "s.yaml").write_text(LECTURE.replace('title: "Backpropagation, step by step: the 2-2-2 example"',
                                                     'title: "Übung η → ∂E/∂w 日本"'))
    assert main(["solve", str(tmp_path / "s.yaml"), "--format", "pdf", "--out", str(tmp_path / "o")]) == 0
    text = unicodedata.normalize("NFKC", pdf_text(tmp_path / "o" / "solution.pdf"))
    assert "bung η → ∂E/∂w" in text      # Ü may come back decomposed from the OT1 font: compare the rest


def test_pdf_only_without_tex_writes_the_tex(tmp_path):
    """With pdflatex off the PATH, asking for the PDF alone still leaves the .tex to compile elsewhere."""
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bin_dir)
    result = subprocess.run([sys.executable, "-m", "derive", "solve", "--format", "pdf", "--out", str(tmp_path / "o")],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "o" / "solution.tex").exists() and not (tmp_path / "o" / "solution.pdf").exists()
    assert result.stderr.count("\n") == 1 and "TeX Live" in result.stderr


def test_saturated_bce_is_solved_not_refused(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("layers: [1, 2]\nactivation: sigmoid\nloss: bce\nweights: [[[1.0], [-1.0]]]\n"
                                     "learning_rate: 0.1\ninput: [40]\ntarget: [0, 1]\n")
    assert main(["solve", str(tmp_path / "s.yaml"), "--format", "json"]) == 0
    quantities = json.loads(capsys.readouterr().out)["quantities"]
    assert quantities["E"]["value"] == pytest.approx(80.0)
    assert quantities["delta[1,1]"]["value"] == pytest.approx(1.0)


def test_given_numbers_are_shown_as_typed(tmp_path):
    (tmp_path / "s.yaml").write_text("layers: [1, 1]\nactivation: linear\nloss: half_sse\nweights: [[[0.5]]]\n"
                                     "learning_rate: 0.1\ninput: [0.12345]\ntarget: [0]\n")
    assert main(["solve", str(tmp_path / "s.yaml"), "--precision", "4", "--format", "md",
                 "--out", str(tmp_path / "o")]) == 0
    markdown = (tmp_path / "o" / "solution.md").read_text()
    assert "i_{1} = 0.12345" in markdown and "0.5 \\cdot 0.12345 = 0.0617" in markdown


@pytest.mark.parametrize("sheet, field", [
    ("exercise: lecture\nstudent: !!python/object/apply:os.system ['echo hi']\nanswers:\n  net_h1: 0.3775\n", "tag"),
    ("exercise: lecture\nanswers:\n  net_h1: 0.3775\n  net_h1: 0.3776\n", "twice"),
])
def test_answer_sheets_refuse_tags_and_duplicates(tmp_path, capsys, sheet, field):
    (tmp_path / "sheet.yaml").write_text(sheet)
    assert field in one_line_error(capsys, main(["check", str(tmp_path / "sheet.yaml")]))


@pytest.mark.parametrize("args, message", [
    (["solve", "--question", "2"], "--question needs --variant"),
    (["gd", "--function", "x**2", "--x0", "1", "--lr", "0"], "greater than 0"),
    (["gd", "--function", "x**2", "--x0", "1", "--lr", "0.5", "--lr-schedule", "1/(1+t)"], "either --lr"),
])
def test_contradictory_or_impossible_options(capsys, args, message):
    assert message in one_line_error(capsys, main(args))


def test_batch_size_only_with_minibatch(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("layers: [1, 1]\nactivation: linear\nloss: half_sse\nweights: [[[0.5]]]\n"
                                     "learning_rate: 0.1\nmode: sgd\nbatch_size: 1\n"
                                     "data: [{input: [1], target: [0]}, {input: [2], target: [1]}]\n")
    assert "batch_size" in one_line_error(capsys, main(["solve", str(tmp_path / "s.yaml")]))


def test_variant_json_on_stdout_for_any_family(capsys):
    from derive.exam.variants import variant_code

    assert main(["solve", "--variant", variant_code(2026, 7, ["BFS", "GDS"]), "--question", "2",
                 "--format", "json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) >= {"answers"}


def test_class_csv_with_a_blank_student(tmp_path, capsys):
    (tmp_path / "class.csv").write_text("student,exercise,net_h1,w5+\nAnn,lecture,0.3775,0.3589\nCid,lecture,,\n")
    assert main(["check", str(tmp_path / "class.csv"), "--format", "json"]) == 0
    assert [s["student"] for s in json.loads(capsys.readouterr().out)["sheets"]] == ["Ann", "Cid"]


def test_exam_file_errors_name_the_field(tmp_path, capsys):
    (tmp_path / "e.yaml").write_text("seed: -3\nquestions: [{family: chain-rul, points: 2}]\n")
    err = one_line_error(capsys, main(["exam", str(tmp_path / "e.yaml"), "--out", str(tmp_path / "o")]))
    assert "questions[0].family" in err and "did you mean 'chain-rule'" in err


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n" for previous, name in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("command", [["solve", "{}", "--format", "json"], ["exam", "{}", "-n", "1"], ["check", "{}"]])
@pytest.mark.parametrize("text, words", [
    (BILLION_LAUGHS, "more than 200000 values once its aliases are expanded"),     # 9^9 strings from 10 lines
    ("? [1, 2]\n: 3\n", "a name or a number as each key"),
    ("? {a: 1}\n: 3\n", "a name or a number as each key"),
])
def test_hostile_yaml_is_refused_in_every_file_derive_reads(tmp_path, capsys, command, text, words):
    path = tmp_path / "in.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    status = main([part.format(path) for part in command] + (["--out", str(out)] if command[0] == "exam" else []))
    err = one_line_error(capsys, status)
    assert words in err and str(path) in err
    assert not out.exists()


def test_aliases_of_a_readable_size_still_work():
    """An anchor used twice (the same matrix for both layers) is plain YAML and stays accepted."""
    from derive.core.inputs import read_data

    data = read_data("m: &m [[0.4, 0.45], [0.5, 0.55]]\nweights: [*m, *m]\n", "net.yaml")
    assert data == {"m": [[0.4, 0.45], [0.5, 0.55]], "weights": [[[0.4, 0.45], [0.5, 0.55]]] * 2}
