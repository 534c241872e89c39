"""Scores and grade books: points per asked answer, credit for consistent answers, CSV for an LMS.

A question's points (the sheet's ``points:``, else the exam's from ``answers.json``, else one per
asked answer) are shared by its asked answers in hundredths, exactly as the Canvas QTI items share
them (:func:`derive.exam.qti.share_points`).  An asked answer earns its share times its credit:

* ``correct``: 1;
* ``consistent`` (error carried forward, or the same mistake made again): the consistent credit,
  1 unless ``--consistent-credit F`` or the sheet's ``consistent_credit:`` says otherwise (the
  option, when given, wins: it is the marker's decision for the whole class);
* ``wrong`` and ``missing``: 0.

Steps the exercise does not ask for earn nothing and cost nothing.

>>> from derive.core.spec import builtin_spec
>>> from derive.check import check_answers
>>> result = check_answers(builtin_spec(), {"w5+": "0.3589", "w6+": "0.4087", "w7+": "0.4411"})
>>> score = score_result(result)
>>> (str(score.points), str(score.max_points))
('2', '8')
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from derive.core.errors import InputError
from derive.check.sheet import Marking
from derive.check.verdicts import CheckResult

__all__ = ["Score", "score_result", "grade_rows", "grades_csv", "exam_points", "GRADE_FORMATS",
           "CANVAS_IDENTITY", "POINTS_POSSIBLE"]

GRADE_FORMATS = ("plain", "moodle", "canvas")
#: Canvas's gradebook importer wants these first, in this order (gradebook_importer.rb: "Student",
#: then "ID", then SIS User ID *followed by* SIS Login ID, and "Section" last).
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: The row under the header that gives each assignment's points (Canvas reads it by this text).
POINTS_POSSIBLE = "Points Possible"
#: Moodle maps users by one of these columns ("Map from" -> "Map to": useremail, useridnumber).
MOODLE_IDENTITY = (("email", "Email address"), ("student_id", "ID number"))


@dataclass(frozen=True)
class Score:
    """One sheet's score: ``points`` of ``max_points`` for question ``question``."""

    question: str
    points: Decimal
    max_points: Decimal


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def score_result(result: CheckResult, consistent_credit: float | None = None,
                 points: dict | None = None) -> Score:
    """The score of one checked sheet (the rules in the module docstring).

    ``points`` maps (variant code, question number) to the exam's points for that question.
    """
    from derive.exam.qti import share_points

    marking = _marking(result)
    question_points = marking.points
    if question_points is None and points and marking.variant:
        question_points = points.get((marking.variant, int(marking.question[1:])))
    shares = share_points(question_points, len(result.asked))
    credit = consistent_credit if consistent_credit is not None else marking.consistent_credit
    credits = {"correct": Decimal(1), "consistent": Decimal(1) if credit is None else _decimal(credit)}
    by_key = {e.key: e for e in result.entries}
    earned = sum((share * credits.get(by_key[key].verdict, Decimal(0)) if key in by_key else Decimal(0)
                  for share, key in zip(shares, result.asked)), Decimal(0))
    return Score(marking.question, earned.normalize(), sum(shares, Decimal(0)).normalize())


def _marking(result: CheckResult) -> Marking:
    sheet = result.sheet
    if sheet is not None and sheet.marking is not None:
        return sheet.marking
    return Marking(question=result.exercise)


def _student(result: CheckResult) -> tuple[str, str, str]:
    """(name, email, id) of the sheet's student; the name falls back to the sheet file's name."""
    marking = _marking(result)
    name = result.student or Path(result.source).stem
    return name, marking.email, marking.student_id


def grade_rows(results: list[CheckResult], consistent_credit: float | None = None,
               points: dict | None = None) -> tuple[list[str], list[dict]]:
    """The questions (grade-book columns, in order of first appearance) and one row per student:
    ``{"student", "email", "id", "scores": {question: Score}, "score", "max_score"}``.

    A student is known by their id, else email, else name; two sheets of one student for one
    question are refused.
    """
    questions: list[str] = []
    rows: dict[str, dict] = {}
    maxima: dict[str, Decimal] = {}
    from derive.check.classreport import student_of

    for n, result in enumerate(results):
        name, email, student_id = _student(result)
        score = score_result(result, consistent_credit, points)
        if score.question not in questions:
            questions.append(score.question)
        maxima[score.question] = max(maxima.get(score.question, Decimal(0)), score.max_points)
        row = rows.setdefault(student_of(result, n), {"student": name, "email": email, "id": student_id, "scores": {}})
        if score.question in row["scores"]:
            raise InputError(result.source, "question", "one sheet per student and question",
                             got=f"a second sheet of {name} for {score.question}")
        row["scores"][score.question] = score
    for row in rows.values():
        row["score"] = sum((s.points for s in row["scores"].values()), Decimal(0)).normalize()
        # A question the student handed nothing in for still counts in the maximum.
        row["max_score"] = sum((maxima[q] for q in questions), Decimal(0)).normalize()
    return questions, list(rows.values())


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _cell(text: str) -> str:
    """A name as a spreadsheet will not run it as a formula (=, +, @ first)."""
    return "'" + text if text[:1] in ("=", "+", "@") else text


def grades_csv(results: list[CheckResult], form: str = "plain", consistent_credit: float | None = None,
               points: dict | None = None, item: str = "Exam") -> str:
    """The grade book as CSV text: ``plain`` (CONTRACT §10), ``moodle`` or ``canvas`` (docs/check.md)."""
    questions, rows = grade_rows(results, consistent_credit, points)
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    scores = [[_number(row["scores"][q].points if q in row["scores"] else None) for q in questions] for row in rows]
    if form == "plain":
        out.writerow(["student", *questions, "score", "max_score"])
        for row, cells in zip(rows, scores):
            out.writerow([_cell(row["student"]), *cells, _number(row["score"]), _number(row["max_score"])])
    elif form == "moodle":
        field, header = _moodle_identity(rows, results)
        out.writerow([header, "Full name", *questions, item])
        for row, cells in zip(rows, scores):
            out.writerow([row["email"] if field == "email" else row["id"], _cell(row["student"]), *cells,
                          _number(row["score"])])
    elif form == "canvas":
        out.writerow([*CANVAS_IDENTITY, item])
        maximum = max((row["max_score"] for row in rows), default=Decimal(0))
        out.writerow([POINTS_POSSIBLE, "", "", "", "", _number(maximum)])
        for row in rows:
            out.writerow([_cell(row["student"]), "", row["id"], row["email"], "", _number(row["score"])])
    else:
        raise InputError("--grades-format", "", "plain, moodle or canvas", got=repr(form))
    return buffer.getvalue()


def _moodle_identity(rows: list[dict], results: list[CheckResult]) -> tuple[str, str]:
    """The column Moodle maps users by: email if every student has one, else ID number."""
    for field, header in MOODLE_IDENTITY:
        key = "email" if field == "email" else "id"
        if all(row[key] for row in rows):
            return field, header
    lacking = next(row for row in rows if not row["email"] and not row["id"])
    raise InputError("--grades-format moodle", "", "an email or id for every student (Moodle maps users by "
                     "email address or ID number)", got=f"none for {lacking['student']}",
                     suggestion="add 'email:' to each sheet, or an email column to the class CSV")


def exam_points(path: str) -> dict[tuple[str, int], float]:
    """(variant code, question number) -> points, from an exam's ``answers.json`` where its
    questions carry ``points`` (questions without them are left out: one point per answer)."""
    from derive.core.inputs import read_file

    source = str(path)
    try:
        data = json.loads(read_file(path, "answers.json"))
    except json.JSONDecodeError as exc:
        raise InputError(source, "", "the answers.json an exam wrote", got=f"invalid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("variants"), list):
        raise InputError(source, "variants", "the answers.json an exam wrote (a list of variants)",
                         got="no 'variants' list")
    found = {}
    for n, variant in enumerate(data["variants"]):
        questions = variant.get("questions") if isinstance(variant, dict) else None
        if not isinstance(questions, list) or not isinstance(variant.get("code"), str):
            raise InputError(source, f"variants[{n}]", "a code and a list of questions", got=type(variant).__name__)
        for question in questions:
            value = question.get("points") if isinstance(question, dict) else None
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e6:
                raise InputError(source, f"variants[{n}].questions.points", "a number from 0 to 1e6", got=repr(value))
            found[(variant["code"], int(question.get("number", 0)))] = float(value)
    return found
