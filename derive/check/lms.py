"""Answers from a learning platform: a Moodle quiz "Responses" report or a Canvas quiz "Student
Analysis" report (CSV), turned into one answer sheet per student and question.

The exam's folder (``derive exam ... --out DIR``) gives ``answers.json``: each variant's code and,
per question, its asked answers in the order of their blanks.  Every response is matched to its
variant by the code:

* **Moodle** (mod/quiz/report/responses, downloaded as CSV): user columns (``Surname``, ``First
  name``, identity fields such as ``Email address``), ``State``, ``Started on``, ``Completed``,
  ``Time taken``, ``Grade/…``, then per slot N ``Question N`` (the question text as text, when
  "Question text" is ticked in the report's options), ``Response N`` and ``Right answer N``.  A
  cloze response reads ``part 1: 0.3775; part 2: 0.5933`` (qtype_multianswer's
  ``summarise_response``, the string ``subqresponse`` = ``part {$a->i}: {$a->response}``); "-" is
  no response.  derive's cloze questions open with "Variant CODE, question K", so the code is in
  ``Question N``; without that column the ``Right answer N`` parts are matched against the
  answer key instead (every variant of an exam has different answers).
* **Canvas** (Quizzes::QuizStatistics::StudentAnalysis#to_csv): ``name``, ``id``, ``sis_id``,
  ``section``, ``section_id``, ``section_sis_id``, ``submitted``, ``attempt`` (some optional), then
  per item a column ``<item id>: <question text without tags>`` with the answer followed by a
  column of its points, and ``n correct``, ``n incorrect``, ``score``.  derive's QTI items are one
  per asked number, their text saying "Question K (… points; variant CODE)" (or "Question K,
  continued (variant CODE)") and ending with the blank's number ``[k]``.

A decimal comma (``0,3775``, which Moodle accepts) is read as a point; a response that is not a
number is treated as not answered.

>>> parts("part 1: 0.3775; part 2: ; part 3: 1,5")
{1: '0.3775', 2: None, 3: '1.5'}
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from derive.core.errors import InputError
from derive.check.sheet import NUMBER

__all__ = ["ExamKey", "load_exam", "lms_kind", "lms_sheets", "parts"]

CODE = r"(\d+-\d+-[A-Za-z0-9.]+-[A-Za-z0-9])"
MOODLE_VARIANT = re.compile(r"Variant " + CODE + r", question (\d+)")
CANVAS_QUESTION = re.compile(r"^(\d+): (.*)$", re.S)
CANVAS_VARIANT = re.compile(r"Question (\d+)\b.*?\(.*?variant " + CODE + r"\)", re.S)
PART = re.compile(r"part (\d+): (.*?)(?=; part \d+: |$)", re.S)
NO_RESPONSE = ("", "-")


@dataclass(frozen=True)
class ExamKey:
    """What answers.json says about one question of one variant."""

    code: str
    number: int
    family: str
    keys: tuple[str, ...]            # its asked answers, in the order of their blanks
    values: tuple[float, ...]
    choices: tuple[tuple[str, ...], ...]
    checkable: bool                  # a network, or a gradient-descent family
    names: tuple[str, ...] = ()      # what the sheet calls them: plain names for a network (w5+), else the keys


def load_exam(folder) -> dict[tuple[str, int], ExamKey]:
    """{(code, K): ExamKey} from the exam folder's answers.json."""
    from derive.check.descent import DESCENT_FAMILIES

    path = Path(folder) / "answers.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        variants = data["variants"]
    except FileNotFoundError:
        raise InputError("--exam", str(folder), "the folder of an exam written by derive exam (with answers.json)",
                         got="no answers.json there") from None
    except (ValueError, KeyError, TypeError):
        raise InputError(str(path), "", "answers.json as derive exam writes it", got="another file") from None
    found = {}
    for variant in variants:
        for q in variant["questions"]:
            answers = q["answers"]
            found[(variant["code"], int(q["number"]))] = ExamKey(
                variant["code"], int(q["number"]), q["family"], tuple(answers),
                tuple(float(a["value"]) for a in answers.values()),
                tuple(tuple(a.get("choices", ())) for a in answers.values()),
                "spec" in q or q["family"] in DESCENT_FAMILIES,
                tuple(a.get("name", k) if "spec" in q else k for k, a in answers.items()))
    return found


def lms_kind(header: list[str]) -> str | None:
    """``"moodle"`` (a Responses report), ``"canvas"`` (a Student Analysis report) or None."""
    if any(re.fullmatch(r"Response \d+", h.strip()) for h in header):
        return "moodle"
    if "n correct" in header and any(CANVAS_QUESTION.match(h) for h in header):
        return "canvas"
    return None


def _number_text(text: str | None) -> str | None:
    """A response as a number's text (decimal comma read as a point), or None when it is none."""
    if text is None:
        return None
    word = " ".join(text.split())
    if re.fullmatch(r"[+-]?\d+,\d+", word):
        word = word.replace(",", ".")
    return word if word not in NO_RESPONSE else None


def parts(response: str) -> dict[int, str | None]:
    """The sub-answers of a Moodle cloze response summary, by part number."""
    return {int(n): _number_text(text.strip()) for n, text in PART.findall(response.strip())}


def _reader(path: Path):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(str(path), "", "an existing CSV file", got="no such file") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "", "a CSV file in UTF-8 (as Moodle and Canvas download it)",
                         got="another encoding") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputError(str(path), "", "a CSV file with a header line", got="an empty file")
    return rows[0], rows[1:]


def lms_sheets(path, exam: dict[tuple[str, int], ExamKey]) -> tuple[list, set[str]]:
    """One sheet per student and checkable question, and the families skipped (marked by the LMS)."""
    from derive.check.sheet import parse_sheet

    path = Path(path)
    header, rows = _reader(path)
    kind = lms_kind(header)
    if kind is None:
        raise InputError(str(path), "header", "a Moodle Responses report (columns 'Response 1', ...) or a Canvas "
                         "Student Analysis report (columns '<id>: <question>', 'n correct')", got="other columns")
    reader = _moodle_rows if kind == "moodle" else _canvas_rows
    sheets, skipped = [], set()
    for n, student, ids, questions in reader(path, header, rows, exam):
        for (code, number), answers in questions.items():
            key = exam[(code, number)]
            if not key.checkable:
                skipped.add(key.family)
                continue
            data = {"exercise": code, "question": str(number), "student": student, **ids,
                    "answers": {name: _readable(answers.get(k), c)
                                for k, name, c in zip(key.keys, key.names, key.choices)}}
            sheets.append(parse_sheet(data, f"{path}: row {n}, question {number}", allow_empty=True))
    return sheets, skipped


def _readable(text: str | None, choices: tuple[str, ...]) -> str | None:
    """A number's text, or one of the choices' words; anything else counts as not answered."""
    if text is None:
        return None
    if choices:
        word = " ".join(text.split()).lower()
        return text if any(" ".join(c.split()).lower() == word for c in choices) else None
    return text if NUMBER.match(text) else None


def _student(row: dict, *fields: str) -> str:
    return " ".join(row.get(f, "").strip() for f in fields if row.get(f, "").strip())


# --- Moodle ----------------------------------------------------------------------------------------

def _moodle_rows(path, header, rows, exam):
    slots = sorted(int(h.split()[1]) for h in header if re.fullmatch(r"Response \d+", h.strip()))
    for n, values in enumerate(rows, start=2):
        row = dict(zip([h.strip() for h in header], values))
        if not any(row.get(f"Response {s}", "").strip() not in NO_RESPONSE for s in slots) and \
                not _student(row, "First name", "Surname"):
            continue                      # a summary line (Moodle's "Overall average"), not a student
        if row.get("Surname", "").strip() == "Overall average":
            continue
        student = _student(row, "First name", "Surname") or f"row {n}"
        ids = {"email": row["Email address"].strip()} if row.get("Email address", "").strip() else {}
        questions = {}
        for slot in slots:
            where = _moodle_question(path, n, slot, row, exam)
            response = row.get(f"Response {slot}", "").strip()
            found = parts(response) if response.startswith("part ") else \
                ({1: _number_text(response)} if response not in NO_RESPONSE else {})
            keys = exam[where].keys
            questions[where] = {keys[p - 1]: text for p, text in found.items() if 1 <= p <= len(keys)}
        yield n, student, ids, questions


def _moodle_question(path, n, slot, row, exam) -> tuple[str, int]:
    """(code, K) of the question a student saw in a slot: from its text, else from its right answers."""
    match = MOODLE_VARIANT.search(row.get(f"Question {slot}", ""))
    if match:
        where = (match.group(1).upper(), int(match.group(2)))
        if where not in exam:
            raise InputError(str(path), f"row {n}, Question {slot}", "a variant and question of this exam",
                             got=f"{where[0]} question {where[1]}", suggestion="is --exam the right folder?")
        return where
    right = row.get(f"Right answer {slot}", "")
    if right.strip():
        fitting = [where for where, key in exam.items() if _same_answers(parts(right) if right.startswith("part ")
                                                                          else {1: right.strip()}, key)]
        if len(fitting) == 1:
            return fitting[0]
    raise InputError(str(path), f"row {n}, Question {slot}", "the question's text with its line 'Variant CODE, "
                     "question K' (tick 'Question text' in the report's options) or its right answers",
                     got="neither" if not right.strip() else "right answers that match no single question of the exam")


def _same_answers(right: dict[int, str | None], key: ExamKey) -> bool:
    if sorted(right) != list(range(1, len(key.keys) + 1)):
        return False
    for p, text in right.items():
        value, choices = key.values[p - 1], key.choices[p - 1]
        if choices:
            if text is None or " ".join(choices[int(value)].split()) != " ".join(text.split()):
                return False
        elif text is None or not NUMBER.match(text) or abs(float(text) - value) > 1e-9 * max(1.0, abs(value)):
            return False
    return True


# --- Canvas ----------------------------------------------------------------------------------------

def _canvas_columns(path, header, exam) -> list[tuple[int, tuple[str, int], int]]:
    """(column, (code, K), blank k) of every item column."""
    columns = []
    for c, h in enumerate(header):
        match = CANVAS_QUESTION.match(h)
        if not match:
            continue
        text = match.group(2)
        variant = CANVAS_VARIANT.search(text)
        blanks = re.findall(r"\[(\d+)\]", text)
        if variant is None or not blanks:
            raise InputError(str(path), f"column {c + 1}", "an item of derive's QTI export ('Question K (… variant "
                             "CODE)' … '[k]')", got=repr(h[:60]))
        where = (variant.group(2).upper(), int(variant.group(1)))
        if where not in exam:
            raise InputError(str(path), f"column {c + 1}", "a variant and question of this exam",
                             got=f"{where[0]} question {where[1]}", suggestion="is --exam the right folder?")
        columns.append((c, where, int(blanks[-1])))
    return columns


def _canvas_rows(path, header, rows, exam):
    columns = _canvas_columns(path, header, exam)
    names = [h.strip() for h in header]
    for n, values in enumerate(rows, start=2):
        row = dict(zip(names, values))
        student = row.get("name", "").strip() or f"row {n}"
        ids = {"id": row["sis_id"].strip()} if row.get("sis_id", "").strip() else {}
        if "attempt" in row and row["attempt"].strip() not in ("", "1"):
            student += f", attempt {row['attempt'].strip()}"
        questions: dict = {}
        for c, where, k in columns:
            keys = exam[where].keys
            text = _number_text(values[c]) if c < len(values) else None
            answers = questions.setdefault(where, {})
            if 1 <= k <= len(keys) and text is not None:
                answers[keys[k - 1]] = text
        yield n, student, ids, {w: a for w, a in questions.items() if a}


def read_sheets(paths: list[str], exam_folder=None) -> tuple[list, set[str]]:
    """The sheets of ``derive check``: with ``--exam``, LMS exports (and sheets) of that exam;
    without, sheets and class CSVs (derive.check.classreport), refusing an LMS export."""
    from derive.check.classreport import load_sheets

    if exam_folder is None:
        for path in paths:
            if path.lower().endswith(".csv") and Path(path).is_file() and lms_kind(_reader(Path(path))[0]):
                raise InputError(path, "", "--exam DIR with a Moodle or Canvas export (DIR: the exam's folder, "
                                 "with answers.json)", got="no --exam", suggestion=f"derive check {path} --exam DIR")
        return load_sheets(paths), set()
    exam = load_exam(exam_folder)
    sheets, skipped = [], set()
    for path in paths:
        if path.lower().endswith(".csv"):
            found, left = lms_sheets(path, exam)
            sheets += found
            skipped |= left
        else:
            sheets += load_sheets([path])
    return sheets, skipped
