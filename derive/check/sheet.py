"""Answer sheets: load YAML/JSON keeping each number's text, resolve names, validate.

A number's *text* matters: ``0.5933`` claims four decimal places, so it stands
for anything in [0.59325, 0.59335).  Sheets are therefore read with YAML's
BaseLoader (every scalar stays a string) or JSON with ``parse_float=str``.

>>> from derive.core.spec import builtin_spec
>>> sheet = parse_sheet({"exercise": "lecture", "answers": {"out_h1": "0.5933"}}, "s.yaml")
>>> a = sheet.answers[0]
>>> (a.name, str(a.key), a.value, a.half_unit)
('out_h1', 'out[1,1]', 0.5933, 5e-05)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping


from derive.core.errors import InputError, suggest
from derive.core.graph import build_graph
from derive.core.keys import Key
from derive.present.notations import get_notation
from derive.core.spec import NetworkSpec, builtin_spec, load_spec

__all__ = ["Answer", "AnswerSheet", "Marking", "Tolerance", "load_sheet", "parse_sheet", "parse_number", "names_of"]

LECTURE = "lecture"
VARIANT_CODE = re.compile(r"^\d+-\d+-[A-Za-z0-9.]+-[A-Za-z0-9]$")   # 2026-7-BFS.GDS-W
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
NULL_WORDS = ("", "~", "null", "Null", "NULL", None)
SHEET_FIELDS = ("exercise", "question", "exam", "answers", "tolerance", "asks", "student", "email", "id", "points",
                "consistent_credit")


@dataclass(frozen=True)
class Answer:
    """One line of the sheet: the name as written, its key, and the number (None = left blank)."""

    name: str
    key: Key
    text: str | None
    value: float | None
    half_unit: float           # half a unit in the last place the text gives: 0.5933 -> 5e-05
    sign: int = 1              # -1 for a name that stands for minus the quantity (Err5 = -delta5)


@dataclass(frozen=True)
class Tolerance:
    """The exercise's own tolerance, on top of the digits the answer gives."""

    kind: str                  # absolute | relative | significant
    amount: float

    def allows(self, given: float, exact: float) -> bool:
        if self.kind == "absolute":
            return abs(given - exact) <= self.amount * (1 + 1e-12)
        if self.kind == "relative":
            return abs(given - exact) <= self.amount * abs(exact) * (1 + 1e-12)
        if exact == 0:
            return given == 0
        unit = 10.0 ** (math.floor(math.log10(abs(exact))) - int(self.amount) + 1)
        return abs(given - exact) <= 0.5 * unit * (1 + 1e-9)


@dataclass(frozen=True)
class AnswerSheet:
    source: str
    spec: NetworkSpec
    answers: tuple[Answer, ...]
    tolerance: Tolerance | None = None
    asks: tuple[tuple[str, Key], ...] | None = None    # what the exercise asks; None = the updated parameters
    student: str = ""
    marking: Marking | None = None                     # who, which question, points (derive.check.grades)


def names_of(spec: NetworkSpec) -> Mapping[str, Key]:
    """Every name a sheet may use for this exercise: plain names and canonical keys (read-only:
    made once per notation and architecture, as a class's sheets share them)."""
    return MappingProxyType(_names_of(spec.notation, spec.architecture))


@lru_cache(maxsize=64)
def _names_of(notation_name: str, architecture) -> dict[str, Key]:
    graph = build_graph(architecture)
    notation = get_notation(notation_name, architecture)
    names = {str(q.key): q.key for q in graph}
    names.update({notation.plain(q.key).replace(" ", ""): q.key for q in graph})
    names.update({alias: key for alias, (key, _) in notation.signed_aliases().items()})
    return names


def signs_of(spec: NetworkSpec) -> Mapping[str, int]:
    """Names that stand for the negative of a quantity (units notation: Err5 = -delta5)."""
    return MappingProxyType(_signs(spec.notation, spec.architecture))


@lru_cache(maxsize=256)
def _signs(notation_name: str, architecture) -> dict[str, int]:
    notation = get_notation(notation_name, architecture)
    return {alias: sign for alias, (_, sign) in notation.signed_aliases().items()}


def parse_number(text, source: str, field: str) -> tuple[float, float]:
    """``"0.5933"`` -> (0.5933, 5e-05): the value and half a unit in its last place."""
    word = str(text).strip()
    if not NUMBER.match(word):
        hint = "use a decimal point" if re.match(r"^[+-]?\d+,\d+$", word) else None
        raise InputError(source, field, "a number such as 0.5933", got=repr(word), suggestion=hint)
    try:
        number = Decimal(word)
        value = float(number)
        half_unit = 0.5 * 10.0 ** number.as_tuple().exponent
    except (ArithmeticError, ValueError):   # an exponent past Decimal's range: 1e-99999999999999999999
        raise InputError(source, field, "a number with an exponent of a usual size", got=repr(word)) from None
    if not math.isfinite(value):
        raise InputError(source, field, "a finite number", got=repr(word))
    return value, half_unit



#: Readers of sheets whose exercise is not a network, tried first: ``reader(data, source, base,
#: allow_empty)`` returns a sheet, or None to leave it to the network reader below.
SHEET_READERS: list = []


def register_sheet_reader(reader):
    """Add a reader of sheets of another kind (a decorator; derive.check registers its own at import)."""
    SHEET_READERS.append(reader)
    return reader


def load_sheet(path: str | Path) -> AnswerSheet:
    """Read an answer sheet file; the exercise path is taken relative to the sheet."""
    from derive.core.inputs import read_data, read_file

    source = str(path)
    data = read_data(read_file(path, "answer sheet"), source, keep_text=True,
                     expected="a mapping with 'exercise' and 'answers'")
    return parse_sheet(data, source, base=Path(path).parent)




def _exercise(data: dict, source: str, base: Path | None) -> NetworkSpec:
    exercise = data.get("exercise")
    if exercise in NULL_WORDS or not isinstance(exercise, str):
        raise InputError(source, "exercise", f"a spec file path (relative to the sheet) or '{LECTURE}'",
                         got="nothing" if exercise in NULL_WORDS else type(exercise).__name__)
    if exercise.strip() == LECTURE:
        return builtin_spec()
    path = (base or Path(".")) / exercise
    try:
        found = path.is_file()
    except (OSError, ValueError):     # a name no file system takes (too long, a NUL byte): no such file
        found = False
    if not found:
        if VARIANT_CODE.match(exercise.strip()):
            return _variant_spec(exercise, data.get("question", "1"), source, _exam_file(data, source, base))
        raise InputError(source, "exercise", f"a spec file path (relative to the sheet), a variant code or '{LECTURE}'",
                         got=f"'{exercise}' (no such file)", suggestion=suggest(exercise, [LECTURE]))
    spec = load_spec(path)
    if not spec.is_single_step:
        raise InputError(source, "exercise", "an exercise of one training step on one example",
                         got=f"'{exercise}' trains over several examples or epochs")
    return spec


def _exam_file(data: dict, source: str, base: Path | None) -> str | None:
    """``exam: midterm.yaml`` (relative to the sheet): the exam file of a teacher-authored question."""
    exam = data.get("exam")
    if exam in NULL_WORDS:
        return None
    if not isinstance(exam, str):
        raise InputError(source, "exam", "the path of the exam file (relative to the sheet)", got=repr(exam))
    return str((base or Path(".")) / exam)


def _variant_spec(code: str, question, source: str, exam: str | None = None) -> NetworkSpec:
    """The network of question K of an exam variant (``exercise: 2026-7-BFS.GDS-W``, ``question: K``)."""
    from derive.exam.variants import regenerate
    from derive.core.spec import parse_spec

    variant = regenerate(code, f"{source}: exercise", exam)
    if not (isinstance(question, str) and question.isdigit() and 1 <= int(question) <= len(variant.questions)):
        raise InputError(source, "question", f"a question number from 1 to {len(variant.questions)}",
                         got=repr(question))
    q = variant.questions[int(question) - 1]
    spec = q.family.spec(q.params)
    if spec is None:
        raise InputError(source, "question", "a backpropagation question (a network) to check step by step",
                         got=f"question {question}, of family {q.family.id}")
    return parse_spec(spec, source=f"<variant {variant.code} question {question}>", name=q.family.id)


def _tolerance(raw, source: str) -> Tolerance | None:
    if raw in NULL_WORDS:
        return None
    if isinstance(raw, str):
        value = parse_number(raw, source, "tolerance")[0]
        if value < 0:
            raise InputError(source, "tolerance", "a tolerance of at least 0", got=raw)
        return Tolerance("absolute", value)
    if isinstance(raw, dict) and len(raw) == 1:
        (kind, amount), = raw.items()
        kinds = ("absolute", "relative", "significant")
        if kind not in kinds:
            raise InputError(source, f"tolerance.{kind}", "one of " + ", ".join(kinds), got=repr(kind),
                             suggestion=suggest(kind, kinds))
        value = parse_number(amount, source, f"tolerance.{kind}")[0]
        if value < 0 or (kind == "significant" and (value != int(value) or value < 1)):
            raise InputError(source, f"tolerance.{kind}", "a positive amount (a whole number for significant)",
                             got=str(amount))
        return Tolerance(kind, value)
    raise InputError(source, "tolerance", "a number (absolute) or {absolute|relative|significant: amount}",
                     got=repr(raw))


def _resolve(name, names: dict[str, Key], source: str, field: str) -> Key:
    word = str(name).replace(" ", "")
    if word in names:
        return names[word]
    try:
        key = Key.parse(word)
    except ValueError:
        key = None
    if key is None or key not in names.values():
        raise InputError(source, field, "a quantity of this exercise", got=repr(str(name)),
                         suggestion=suggest(word, names))
    return key


def _kind(value) -> str:
    """What a YAML value is, in words: "an empty mapping", "a list", "the text 'x'"."""
    if isinstance(value, dict):
        return "an empty mapping" if not value else "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the text {value!r}" if isinstance(value, str) else type(value).__name__


def parse_sheet(data, source: str = "<sheet>", base: Path | None = None, allow_empty: bool = False) -> AnswerSheet:
    """Validate a loaded sheet (numbers as text, or as numbers for sheets built in Python)."""
    if not isinstance(data, dict):
        raise InputError(source, "", "a mapping with 'exercise' and 'answers'", got=_kind(data))
    for field in data:
        if field not in SHEET_FIELDS:
            raise InputError(source, str(field), "one of " + ", ".join(SHEET_FIELDS), got="an unknown field",
                             suggestion=suggest(str(field), SHEET_FIELDS))
    for reader in SHEET_READERS:             # gradient-descent sheets (derive.check.descent_check), ...
        other = reader(data, source, base, allow_empty)
        if other is not None:
            return other
    spec = _exercise(data, source, base)
    raw = data.get("answers")
    if raw == {} and allow_empty:
        raw = {}
    elif not isinstance(raw, dict) or not raw:
        raise InputError(source, "answers", "a mapping of quantity names to numbers",
                         got="nothing" if raw in NULL_WORDS else _kind(raw))
    return AnswerSheet(source, spec, _answers(raw, spec, source), _tolerance(data.get("tolerance"), source),
                       _asks(data.get("asks"), spec, source), str(data.get("student") or ""), marking_of(data, source))


def _answers(raw: dict, spec: NetworkSpec, source: str) -> tuple[Answer, ...]:
    names, signs = names_of(spec), signs_of(spec)
    answers, seen = [], {}
    for name, text in raw.items():
        field = f"answers.{name}"
        key = _resolve(name, names, source, field)
        if key in seen:
            raise InputError(source, field, "each quantity once", got=f"the same quantity as '{seen[key]}'")
        seen[key] = name
        if text in NULL_WORDS:
            answers.append(Answer(str(name), key, None, None, 0.0))
            continue
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            raise InputError(source, field, "a number such as 0.5933", got=type(text).__name__)
        word = repr(text) if isinstance(text, float) else str(text)
        value, half_unit = parse_number(word, source, field)
        sign = signs.get(str(name), 1)       # Err5 = -delta5: the check works on delta5 itself
        answers.append(Answer(str(name), key, word.strip(), sign * value, half_unit, sign))
    return tuple(answers)


def _asks(raw, spec: NetworkSpec, source: str):
    if raw in NULL_WORDS:
        return None
    if not isinstance(raw, list):
        raise InputError(source, "asks", "a list of quantity names", got=type(raw).__name__)
    names = names_of(spec)
    return tuple((str(n), _resolve(n, names, source, f"asks[{i}]")) for i, n in enumerate(raw))


# -- what a grade book needs (derive.check.grades) ------------------------------------------------

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
    exercise, question = str(data.get("exercise") or ""), data.get("question")
    variant = exercise.strip() if VARIANT_CODE.match(exercise.strip()) else ""
    label = f"Q{question or 1}" if variant else Path(exercise.strip()).stem
    return Marking(_text(data, "email", source), _text(data, "id", source), label, variant,
                   _fraction(data.get("points"), source, "points", 1e6),
                   _fraction(data.get("consistent_credit"), source, "consistent_credit", 1.0))
