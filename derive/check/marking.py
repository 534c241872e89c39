"""What a grade book needs from a sheet besides its verdicts: who wrote it, which question, its points.

The optional sheet fields ``email``, ``id``, ``points`` and ``consistent_credit`` (docs/check.md,
"Scores and grade books"); the scoring itself is :mod:`derive.check.grades`.

>>> marking_of({"exercise": "2026-7-BFS.GDS-W", "question": "2", "email": "ann@uni.example"}, "s.yaml")
Marking(email='ann@uni.example', student_id='', question='Q2', variant='2026-7-BFS.GDS-W', points=None, consistent_credit=None)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from derive.core.errors import InputError

__all__ = ["Marking", "marking_of"]


@dataclass(frozen=True)
class Marking:
    """What a grade book needs besides the verdicts: the student's identifiers, the question, its points."""

    email: str = ""
    student_id: str = ""
    question: str = ""                 # the grade-book column: Q2 for question 2 of a variant, else the exercise
    variant: str = ""                  # the exam variant's code, when the exercise is one
    points: float | None = None        # the question's points (None: one per asked answer)
    consistent_credit: float | None = None   # the share of an answer's points a consistent answer earns


def _fraction(raw, source: str, field: str, upper: float | None) -> float | None:
    from derive.check.sheet import NULL_WORDS, parse_number

    if raw in NULL_WORDS:
        return None
    value = parse_number(raw, source, field)[0] if isinstance(raw, (str, int, float)) and not isinstance(raw, bool) \
        else None
    if value is None or value < 0 or (upper is not None and value > upper):
        raise InputError(source, field, f"a number from 0 to {upper:g}" if upper is not None else "a number of at least 0",
                         got=repr(raw))
    return value


def _text(data: dict, field: str, source: str) -> str:
    raw = data.get(field)
    if raw is None:
        return ""
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        raise InputError(source, field, "a text such as ann@uni.example or 12345", got=type(raw).__name__)
    return str(raw).strip()


def marking_of(data: dict, source: str) -> Marking:
    """The sheet's ``email``, ``id``, ``points`` and ``consistent_credit`` (all optional)."""
    from derive.check.sheet import VARIANT_CODE

    exercise, question = str(data.get("exercise") or ""), data.get("question")
    variant = exercise.strip() if VARIANT_CODE.match(exercise.strip()) else ""
    label = f"Q{question or 1}" if variant else Path(exercise.strip()).stem
    return Marking(_text(data, "email", source), _text(data, "id", source), label, variant,
                   _fraction(data.get("points"), source, "points", 1e6),
                   _fraction(data.get("consistent_credit"), source, "consistent_credit", 1.0))
