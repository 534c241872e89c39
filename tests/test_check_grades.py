"""A class: summaries that count students, scores, and grade books Moodle and Canvas import.

Sheets come from the hand-calculating student of tests/test_check_fairness.py (plain Python,
4 decimals, one planted mistake each).  Expected scores are counted here from those numbers and
the exact values computed in plain Python, not taken from derive.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest

from derive.cli import main
from tests.test_check_fairness import HIDDEN_WEIGHTS, OUTPUT_WEIGHTS, P, forgot_eta, hand

UPDATED = [f"w{n}+" for n in (5, 6, 7, 8, 1, 2, 3, 4)]        # what the lecture's exercise asks


def exact_updates() -> dict[str, float]:
    """w1+ ... w8+ at full precision (plain Python, as the lecture computes them)."""
    s = lambda x: 1 / (1 + math.exp(-x))                      # noqa: E731
    out = {"h1": s(P["w1"] * P["i1"] + P["w2"] * P["i2"] + P["b1"]), "h2": s(P["w3"] * P["i1"] + P["w4"] * P["i2"] + P["b1"])}
    out["o1"] = s(P["w5"] * out["h1"] + P["w6"] * out["h2"] + P["b2"])
    out["o2"] = s(P["w7"] * out["h1"] + P["w8"] * out["h2"] + P["b2"])
    delta = {k: (out[k] - P[t]) * out[k] * (1 - out[k]) for k, t in (("o1", "t1"), ("o2", "t2"))}
    new = {f"w{n}+": P[f"w{n}"] - P["eta"] * delta[k] * out[h] for n, (k, h) in OUTPUT_WEIGHTS.items()}
    for h, (a, b) in (("h1", (5, 7)), ("h2", (6, 8))):
        delta[h] = (delta["o1"] * P[f"w{a}"] + delta["o2"] * P[f"w{b}"]) * out[h] * (1 - out[h])
    new.update({f"w{n}+": P[f"w{n}"] - P["eta"] * delta[h] * P[i] for n, (h, i) in HIDDEN_WEIGHTS.items()})
    return new


def rows_of(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_class(tmp_path, sheets: dict[str, dict[str, str]], extra: dict[str, dict] | None = None) -> list[str]:
    paths = []
    for name, answers in sheets.items():
        fields = {"student": name, "email": f"{name.lower()}@Uni.example", **(extra or {}).get(name, {})}
        text = "exercise: lecture\n" + "".join(f"{k}: {v}\n" for k, v in fields.items()) + "answers:\n" + \
            "".join(f"  {k}: {v}\n" for k, v in answers.items())
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths.append(str(path))
    return paths


BIAS = {"net_h1": lambda v, honest: honest - P["b1"]}


def the_class():
    return {"Ann": hand({n: forgot_eta(int(n[1])) for n in ("w5+", "w6+", "w7+", "w8+")}),   # one slip, 4 times
            "Ben": hand(BIAS), "Cem": hand()}


# -- class summaries count students ----------------------------------------------------------------

def test_class_summary_counts_students_not_occurrences(tmp_path, capsys):
    paths = write_class(tmp_path, the_class())
    out = tmp_path / "report"
    assert main(["check", *paths, "--format", "json", "--out", str(out)]) == 1
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert (summary["students"], summary["sheets"]) == (3, 3)
    assert summary["mistakes"] == {"bias_forgotten": 1, "learning_rate_forgotten": 1}
    assert summary["first_wrong"] == {"net_h1": 1, "w5+": 1, "none": 1}       # Ben, Ann, Cem
    # Right (correct or consistent) on all three sheets: every step but Ben's net_h1 and Ann's w5+
    # (her w6+ ... w8+ repeat the same mistake: consistent).
    assert summary["right"]["w6+"] == 3 and summary["right"]["net_h1"] == 2 and summary["right"]["w5+"] == 2
    markdown = (out / "summary.md").read_text()
    assert "`learning_rate_forgotten`: 1 student" in markdown
    assert "| `net_h1` | 1 |" in markdown and "| no wrong step | 1 |" in markdown
    assert "## Steps most students got right" in markdown and "![mistakes](mistakes.png)" in markdown
    assert (out / "mistakes.png").read_bytes()[:4] == b"\x89PNG"


def test_the_pictures_are_reproducible_and_drawn_in_the_document_font(tmp_path, monkeypatch):
    import matplotlib

    from derive.check.classreport import mistakes_chart, summarise
    from derive.check import check_answers
    from derive.core.spec import builtin_spec

    summary = summarise([check_answers(builtin_spec(), sheet) for sheet in the_class().values()])
    fonts = []
    real = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda self, *a, **k: (fonts.append(matplotlib.rcParams["font.serif"][0]), real(self, *a, **k))[1])
    assert mistakes_chart(summary) == mistakes_chart(summary)
    assert fonts == ["cmr10", "cmr10"]


# -- scores ---------------------------------------------------------------------------------------

def expected_score(sheet: dict[str, str], credit: float) -> float:
    """One point per asked answer: 1 when it rounds the exact value, ``credit`` when it does not but
    follows from the student's own numbers (Ben's, after his bias slip), 0 when wrong."""
    exact = exact_updates()
    points = 0.0
    for name in UPDATED:
        text = sheet[name]
        if abs(float(text) - exact[name]) <= 0.5e-4:
            points += 1
        else:
            points += credit
    return points


def test_plain_grade_book_with_full_and_half_credit_for_consistent_answers(tmp_path, capsys):
    students = the_class()
    paths = write_class(tmp_path, students)
    grades = tmp_path / "grades.csv"
    assert main(["check", *paths, "--grades", str(grades)]) == 1
    rows = rows_of(grades)
    assert rows[0] == ["student", "lecture", "score", "max_score"]                 # CONTRACT §10
    by_student = {row[0]: row for row in rows[1:]}
    ann_right = sum(abs(float(students["Ann"][n]) - exact_updates()[n]) <= 0.5e-4 for n in UPDATED)
    assert ann_right == 4                                   # w1+ ... w4+; w5+ ... w8+ forget eta
    assert by_student["Ann"][2:] == ["7", "8"]              # w5+ wrong; w6+ ... w8+ the same mistake: consistent
    assert float(by_student["Ben"][2]) == expected_score(students["Ben"], 1.0) == 8
    assert float(by_student["Cem"][2]) == expected_score(students["Cem"], 1.0)
    capsys.readouterr()
    assert main(["check", *paths, "--grades", str(grades), "--consistent-credit", "0.5"]) == 1
    by_student = {row[0]: row for row in rows_of(grades)[1:]}
    assert float(by_student["Ben"][2]) == expected_score(students["Ben"], 0.5) < 8
    assert float(by_student["Ann"][2]) == 4 + 3 * 0.5


def test_points_from_the_sheet_are_shared_by_the_asked_answers(tmp_path):
    students = {"Ben": hand(BIAS)}
    paths = write_class(tmp_path, students, {"Ben": {"points": 4, "consistent_credit": 0.25}})
    grades = tmp_path / "grades.csv"
    main(["check", *paths, "--grades", str(grades)])
    row = rows_of(grades)[1]
    assert row[-1] == "4"                                    # 8 answers of 0.5 points
    assert float(row[2]) == pytest.approx(0.5 * expected_score(students["Ben"], 0.25))


def test_points_from_an_exams_answers_json(tmp_path):
    from derive.exam.registry import get_family
    from derive.exam.variants import generate

    variant = next(generate([get_family("backprop-full-step")], 1, 2026))
    asked = variant.questions[0].answers
    (tmp_path / "answers.json").write_text(json.dumps(
        {"variants": [{"code": variant.code, "questions": [{"number": 1, "points": 6}]}]}))
    answers = "".join(f"  '{a.key}': {a.value:.6f}\n" for a in asked[:2])
    (tmp_path / "s.yaml").write_text(f"exercise: {variant.code}\nstudent: Dee\nanswers:\n{answers}")
    grades = tmp_path / "grades.csv"
    main(["check", str(tmp_path / "s.yaml"), "--grades", str(grades), "--points-from", str(tmp_path / "answers.json")])
    header, row = rows_of(grades)
    assert header == ["student", "Q1", "score", "max_score"]
    assert row[-1] == "6"


# -- grade books an LMS imports -------------------------------------------------------------------

def test_canvas_grade_book_follows_the_importers_column_rules(tmp_path):
    """Canvas: "How do I import grades in the Gradebook?" (Instructure Community guide,
    community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807)
    and the importer itself, canvas-lms app/models/gradebook_importer.rb: the header starts
    "Student", "ID"; "SIS User ID" must be followed by "SIS Login ID"; the last student column
    is "Section"; a row whose first cell contains "Points Possible" gives each assignment's
    points; columns such as "Current Score" / "Final Points" are read-only and dropped."""
    paths = write_class(tmp_path, the_class(), {"Ann": {"id": "s1001"}})
    grades = tmp_path / "canvas.csv"
    main(["check", *paths, "--grades", str(grades), "--grades-format", "canvas", "--grades-item", "Midterm 1"])
    rows = rows_of(grades)
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]           # row_has_student_headers?
    student_columns = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        student_columns += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        student_columns += 2
    assert "Section" in header[student_columns - 1]                                     # last student column
    assignments = header[student_columns:]
    assert assignments == ["Midterm 1"]
    non_assignment = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                                "Override Score|Override Grade|Override Status")
    assert not any(non_assignment.search(a) for a in assignments)
    assert "Points Possible" in rows[1][0] and rows[1][student_columns] == "8"
    assert len({len(row) for row in rows}) == 1                                        # one delimiter, comma
    students = {row[0]: row for row in rows[2:]}
    assert set(students) == {"Ann", "Ben", "Cem"}
    assert students["Ann"][2] == "s1001" and students["Ann"][student_columns] == "7"
    for row in rows[2:]:
        assert re.fullmatch(r"\d+(\.\d+)?", row[student_columns])                     # points, decimal point


def test_moodle_grade_book_has_a_column_to_map_users_by_and_one_per_grade_item(tmp_path, capsys):
    """Moodle: docs.moodle.org "Grade import" (CSV): after upload, "Map from" a column of the file
    to userid, username, useridnumber or useremail (email addresses are case sensitive), and each
    further column to a grade item; grade/import/csv/classes/load_data.php takes '' or '-' as no
    grade and reads the rest with unformat_float (a decimal point)."""
    paths = write_class(tmp_path, the_class())
    grades = tmp_path / "moodle.csv"
    assert main(["check", *paths, "--grades", str(grades), "--grades-format", "moodle"]) == 1
    rows = rows_of(grades)
    header = rows[0]
    assert header[0] == "Email address" and len(set(header)) == len(header)
    assert {row[0] for row in rows[1:]} == {"ann@Uni.example", "ben@Uni.example", "cem@Uni.example"}  # case kept
    assert header[2:] == ["lecture", "Exam"]                    # one column per question, then the total
    for row in rows[1:]:
        assert len(row) == len(header)
        for cell in row[2:]:
            assert cell in ("", "-") or re.fullmatch(r"-?\d+(\.\d+)?", cell)
    assert {row[1]: row[3] for row in rows[1:]}["Ann"] == "7"
    # Without an email or id for every student there is nothing to map users by: refused.
    (tmp_path / "Ann.yaml").write_text((tmp_path / "Ann.yaml").read_text().replace("email: ann@Uni.example\n", ""))
    capsys.readouterr()
    assert main(["check", *paths, "--grades", str(tmp_path / "other.csv"), "--grades-format", "moodle"]) == 2
    err = capsys.readouterr().err
    assert "an email or id for every student" in err and err.count("\n") == 1
    assert not (tmp_path / "other.csv").exists()


@pytest.mark.parametrize("args, expected", [
    (["--grades-format", "blackboard"], "expected plain, moodle or canvas"),
    (["--consistent-credit", "2"], "2"),
])
def test_bad_grade_options_are_refused(tmp_path, capsys, args, expected):
    paths = write_class(tmp_path, {"Cem": hand()})
    assert main(["check", *paths, "--grades", str(tmp_path / "g.csv"), *args]) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


def test_bad_marking_fields_and_two_sheets_of_one_student_are_refused(tmp_path, capsys):
    paths = write_class(tmp_path, {"Cem": hand()}, {"Cem": {"consistent_credit": 1.5}})
    assert main(["check", *paths]) == 2
    assert "consistent_credit: expected a number from 0 to 1" in capsys.readouterr().err
    paths = write_class(tmp_path, {"Cem": hand(), "Dee": hand()}, {"Dee": {"email": "cem@Uni.example"}})
    assert main(["check", *paths, "--grades", str(tmp_path / "g.csv")]) == 2
    assert "one sheet per student and question" in capsys.readouterr().err


def test_a_class_csv_carries_emails_ids_and_points(tmp_path):
    exact = hand()
    (tmp_path / "class.csv").write_text(
        "student,email,id,points,exercise,w5+,w6+\n"
        f"Ann,ann@uni.example,s1,2,lecture,{exact['w5+']},{exact['w6+']}\n"
        f"Ben,ben@uni.example,s2,2,lecture,{exact['w5+']},0.4500\n")      # w6+ = the old w6: wrong
    grades = tmp_path / "moodle.csv"
    assert main(["check", str(tmp_path / "class.csv"), "--grades", str(grades), "--grades-format", "moodle"]) == 1
    rows = rows_of(grades)
    assert rows[0] == ["Email address", "Full name", "lecture", "Exam"]
    assert rows[1] == ["ann@uni.example", "Ann", "0.5", "0.5"]              # 2 points over 8 answers: 0.25 each
    assert rows[2] == ["ben@uni.example", "Ben", "0.25", "0.25"]


@pytest.mark.parametrize("text, expected", [
    ("{", "invalid JSON"),
    ('{"variants": 3}', "no 'variants' list"),
    ('{"variants": [{"code": "x", "questions": [{"number": 1, "points": -1}]}]}', "a number from 0 to 1e6"),
])
def test_a_bad_answers_json_for_points_is_refused(tmp_path, capsys, text, expected):
    paths = write_class(tmp_path, {"Cem": hand()})
    (tmp_path / "answers.json").write_text(text)
    assert main(["check", *paths, "--grades", str(tmp_path / "g.csv"), "--points-from",
                 str(tmp_path / "answers.json")]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and not (tmp_path / "g.csv").exists()
