"""Answers from Moodle and Canvas: their CSV reports (tests/data/lms, shaped as documented there)
read into sheets, matched to the variants by their codes, and checked with error carried forward."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from derive.check.descent_check import check_any
from derive.check.lms import load_exam, read_sheets
from derive.cli import main
from derive.exam.moodle import question_xml
from derive.exam.registry import get_family
from derive.exam.variants import generate

DATA = Path(__file__).parent / "data" / "lms"


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exam")
    assert main(["exam", "--family", "backprop-full-step", "--family", "gd-steps", "-n", "3", "--seed", "2026",
                 "--out", str(folder), "--format", "json"]) == 0
    return folder


def checked(path, exam):
    sheets, skipped = read_sheets([str(path)], str(exam))
    results = list(map(check_any, sheets))
    ben = next(r for r in results if r.student.startswith("Ben") and r.exercise == "backprop-full-step")
    assert "gradient_added" in {e.name: e for e in ben.entries}["w5+"].candidates
    return {(r.student.split()[0], r.exercise): {e.name: (e.verdict, e.mistake) for e in r.entries}
            for r in results}, skipped


@pytest.mark.parametrize("name", ["moodle-responses.csv", "moodle-responses-no-text.csv", "canvas-student-analysis.csv"])
def test_lms_exports_are_checked_with_error_carried_forward(name, exam):
    results, skipped = checked(DATA / name, exam)
    assert skipped == set() and len(results) == 8                  # four students, two questions each
    assert {v for v, _ in results[("Ann", "backprop-full-step")].values()} == {"correct"}
    assert {v for v, _ in results[("Ann", "gd-steps")].values()} == {"correct"}
    ben = results[("Ben", "gd-steps")]
    assert ben["x[1]"] == ("wrong", "gradient_added")
    assert ben["x[2]"][0] == ben["x[3]"][0] == "consistent"        # each from Ben's own previous iterate
    # w5+ alone cannot tell the gradient added from a sign flipped in dE/dw5: both are candidates
    assert results[("Ben", "backprop-full-step")]["w5+"][0] == "wrong"
    assert {v for v, _ in results[("Cem", "gd-steps")].values()} <= {"correct", "consistent"}
    dana = results[("Dana", "gd-steps")]
    assert dana["x[1]"][0] == "correct" and dana["x[2]"] == ("wrong", "learning_rate_forgotten")
    assert dana["x[3]"][0] == "consistent"


def test_the_cli_marks_an_lms_export(exam, capsys):
    assert main(["check", str(DATA / "moodle-responses.csv"), "--exam", str(exam), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    students = [s["student"] for s in data["sheets"]]
    assert students[0] == "Ann Archer" and len(students) == 8   # "Overall average" is no student


def test_an_lms_export_makes_a_grade_book_keyed_by_email_or_sis_id(exam, tmp_path):
    book = tmp_path / "grades.csv"
    assert main(["check", str(DATA / "moodle-responses.csv"), "--exam", str(exam), "--grades", str(book),
                 "--grades-format", "moodle"]) == 1
    lines = book.read_text().splitlines()
    assert lines[0].startswith("Email address,") and lines[1].startswith("ann@example.edu,Ann Archer,")
    assert main(["check", str(DATA / "canvas-student-analysis.csv"), "--exam", str(exam), "--grades", str(book),
                 "--grades-format", "canvas"]) == 1
    assert "S1001" in book.read_text()


def test_an_lms_export_without_exam_and_a_wrong_folder_are_refused(exam, tmp_path, capsys):
    assert main(["check", str(DATA / "canvas-student-analysis.csv")]) == 2
    assert "--exam" in capsys.readouterr().err
    other = tmp_path / "other"
    assert main(["exam", "--family", "gd-steps", "-n", "1", "--seed", "1", "--out", str(other), "--format", "json"]) == 0
    assert main(["check", str(DATA / "moodle-responses.csv"), "--exam", str(other)]) == 2
    err = capsys.readouterr().err
    assert "a variant and question of this exam" in err and len(err.strip().splitlines()) == 1
    assert main(["check", str(DATA / "moodle-responses.csv"), "--exam", str(tmp_path)]) == 2
    assert "answers.json" in capsys.readouterr().err


def test_moodle_decimal_commas_blanks_and_unreadable_parts(exam, tmp_path):
    text = (DATA / "moodle-responses.csv").read_text()
    text = text.replace("part 1: -0.4000; part 2: 0.0800; part 3: 0.4640", "part 1: -0,4000; part 2: ; part 3: abc", 1)
    path = tmp_path / "responses.csv"
    path.write_text(text)
    results, _ = checked(path, exam)
    assert results[("Ann", "gd-steps")] == {"x[1]": ("correct", None), "x[2]": ("missing", None),
                                            "x[3]": ("missing", None)}


def test_answers_json_lists_answers_in_the_order_of_the_moodle_cloze_parts():
    """The import maps part n to the n-th answer of answers.json: the cloze's sub-questions appear in that order."""
    for family_id in ("backprop-full-step", "gd-steps", "momentum", "gd-stopping", "sgd-batch-minibatch",
                      "gd-learning-rate"):
        for variant in generate([get_family(family_id)], 2, 3):
            question = variant.questions[0]
            text = question_xml(variant, question)
            found = re.findall(r"\{1:(?:NUMERICAL:=([^:}]+):|MULTICHOICE_V:)", text)
            assert len(found) == len(question.answers)
            for value, answer in zip(found, question.answers):
                if answer.is_choice:
                    assert value == ""
                else:
                    assert float(value) == pytest.approx(answer.value, rel=1e-9, abs=1e-12)
    assert "Variant" in question_xml(variant, question).split("<text>")[2][:80]     # the line Moodle's report shows


def test_load_exam_reads_the_answer_key(exam):
    key = load_exam(exam)[("2026-1-BFS.GDS-8", 2)]
    assert key.family == "gd-steps" and key.keys == ("x[1]", "x[2]", "x[3]") and key.checkable


def test_a_canvas_column_that_is_not_a_derive_item_is_refused(exam, tmp_path, capsys):
    lines = (DATA / "canvas-student-analysis.csv").read_text().split("\n", 1)
    path = tmp_path / "analysis.csv"
    path.write_text(lines[0].replace("section_sis_id,", 'section_sis_id,"999: What is your name?",1.0,', 1) + "\n"
                    + lines[1].replace(",,2026-12-14", ",,Ann,1.0,2026-12-14"))
    assert main(["check", str(path), "--exam", str(exam)]) == 2
    err = capsys.readouterr().err
    assert "column 7" in err and "derive's QTI export" in err and len(err.strip().splitlines()) == 1
