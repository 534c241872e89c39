"""Exercise families: small registered objects that draw, solve and render one question.

A family's draw is plain data (JSON-serialisable ``params``), so a question can
be written into answers.json, regenerated from a variant code, and recomputed
by anyone.

>>> from derive.exam.registry import get_family
>>> family = get_family("backprop-full-step")
>>> params = family.draw(numpy.random.default_rng([2026, 1, 1]))
>>> sorted(family.evaluate(params))[:3]
['E', 'w_new[1,1,1]', 'w_new[1,1,2]']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources

import numpy

__all__ = ["Family", "Answer", "tolerance_for", "tolerances", "exercises_folder", "BLANK", "CHOICE", "empty_blanks", "asked_order",
           "question_points"]

#: An answer blank in a rendered question, as the ``blank(key)`` macro of exam_macros.j2 writes it.
BLANK = re.compile(r"@@BLANK:(.+?)@@")
#: Where a multiple-choice answer is asked, as the ``choices(item)`` macro records it (nothing on a sheet).
CHOICE = re.compile(r"@@CHOICE:(.+?)@@")
#: What a blank becomes on a sheet: an empty table cell in Markdown, a line to write on in LaTeX.
EMPTY_BLANK = {"md": " ", "tex": r"\hrulefill"}


def empty_blanks(text: str, fmt: str) -> str:
    """A rendered question as printed: its blanks empty, its choice marks gone."""
    return CHOICE.sub("", BLANK.sub(lambda _: EMPTY_BLANK[fmt], text))


def asked_order(text: str) -> list[str]:
    """The keys of a rendered question's blanks and choice marks, in the order they appear."""
    return [m.group(1) or m.group(2) for m in re.finditer(r"@@BLANK:(.+?)@@|@@CHOICE:(.+?)@@", text)]


@dataclass(frozen=True)
class Answer:
    """One asked quantity of one question."""

    key: str           # canonical key (network families) or a family-specific key ("x[3]")
    name: str          # plain name shown to students
    latex: str
    value: float       # for a multiple-choice answer: the index (from 0) of the correct choice
    tolerance: float   # absolute, as Moodle reads it (0 for multiple choice)
    choices: tuple[str, ...] = ()   # multiple choice: the options, in the order shown (LaTeX allowed in $...$)

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)


def tolerance_for(value: float, relative: float = 0.002, absolute: float = 5e-5) -> float:
    """Absolute tolerance: ``relative`` of the value plus ``absolute`` (half a unit of the 4th
    decimal, so an answer given to 4 decimals is always inside), rounded up to 2 significant digits.

    >>> tolerance_for(0.35891648), tolerance_for(-0.0029), tolerance_for(0.0)
    (0.00077, 5.6e-05, 5e-05)
    """
    raw = abs(value) * relative + absolute
    digits = 1 - int(math.floor(math.log10(raw)))
    return math.ceil(raw * 10 ** digits - 1e-9) / 10 ** digits


#: 10 ** d as Python computes it (an exact int converted to float for d >= 0), for :func:`tolerances`.
_POWERS = numpy.array([float(10 ** d) for d in range(-40, 41)])
_POWER_OFFSET = 40


def tolerances(values, relative: float = 0.002, absolute: float = 5e-5) -> numpy.ndarray:
    """:func:`tolerance_for` of every value of an array, bit for bit, in a few array operations.

    The same IEEE operations, with the powers of ten as Python computes them.  Only where the
    array's ``log10`` could put a value on the other side of a power of ten than ``math.log10``
    does (within 1e-12 of it), or where a power is not exactly representable, is the value
    handed to tolerance_for itself.  A value that is not finite gets NaN (tolerance_for refuses it).

    >>> tolerances(numpy.array([0.35891648, -0.0029, 0.0])).tolist()
    [0.00077, 5.6e-05, 5e-05]
    """
    values = numpy.asarray(values, dtype=float)
    with numpy.errstate(all="ignore"):
        raw = numpy.abs(values) * relative + absolute
        finite = numpy.isfinite(raw)
        exponent = numpy.floor(numpy.log10(numpy.where(finite, raw, 1.0))).astype(int)
        digits = 1 - exponent
        usable = finite & (exponent > -_POWER_OFFSET) & (exponent < _POWER_OFFSET) & (digits <= 22)
        at = numpy.where(usable, exponent, 0) + _POWER_OFFSET
        near = (numpy.abs(raw - _POWERS[at]) <= 1e-12 * raw) | (numpy.abs(raw - _POWERS[at + 1]) <= 1e-12 * raw)
        scale = _POWERS[numpy.where(usable, digits, 0) + _POWER_OFFSET]
        out = numpy.ceil(raw * scale - 1e-9) / scale
    out[~finite] = numpy.nan
    for position in zip(*numpy.nonzero(finite & (near | ~usable))):
        out[position] = tolerance_for(float(values[position]), relative, absolute)
    return out


def question_points(points: float | None, answers: int) -> float | int:
    """A question's points: the exam file's ``points:`` (a whole number as an int), else one per
    asked answer, as Moodle and Canvas count them without it.

    >>> question_points(10.0, 9), question_points(2.5, 2), question_points(None, 9)
    (10, 2.5, 9)
    """
    if points is None:
        return answers
    return int(points) if float(points).is_integer() else float(points)


def exercises_folder() -> str:
    """The folder of the shipped families (``exercises/`` of the source tree, ``derive/exercises`` installed)."""
    return str(resources.files("derive.exercises"))


class Family:
    """Base class.  The metadata comes from the family's info.yaml; subclasses implement
    draw/answers/problems/render_body."""

    id: str = ""
    code: str = ""            # three capital letters, part of variant codes
    title: str = ""
    topics: tuple[str, ...] = ()
    difficulty: int = 1       # 1 (drill) .. 3 (exam)
    asks: str = ""            # what is asked, in one sentence
    lr_symbol: str = r"\eta"  # the learning rate's LaTeX on its sheets (derive exam --lr-symbol)

    def __init__(self, info: dict | None = None):
        self.info = dict(info or {})
        for field in ("id", "code", "title", "asks"):
            if field in self.info:
                setattr(self, field, str(self.info[field]))
        self.topics = tuple(self.info.get("topics", self.topics))
        self.difficulty = int(self.info.get("difficulty", self.difficulty))

    @property
    def ranges(self) -> dict:
        """What a draw picks from: the ``draw:`` section of the family's info.yaml."""
        return self.info.get("draw", {})

    def draw(self, rng: numpy.random.Generator) -> dict:
        raise NotImplementedError

    def answers(self, params: dict) -> list[Answer]:
        raise NotImplementedError

    def evaluate(self, params: dict) -> dict[str, float]:
        return {a.key: a.value for a in self.answers(params)}

    def problems(self, params: dict, answers: list[Answer]) -> list[str]:
        """Why a draw is degenerate (empty: fine).  The generic check: asked answers are finite and distinct."""
        numeric = [a for a in answers if not a.is_choice]
        out = [f"{a.name} is not finite" for a in answers if not math.isfinite(a.value)]
        # Two answers a student could swap undetected: equal at 4 decimals, or within tolerance.
        shown = [round(a.value, 4) for a in numeric]
        for n, a in enumerate(numeric):
            for m in range(n + 1, len(numeric)):
                b = numeric[m]
                if shown[n] == shown[m] or abs(a.value - b.value) <= max(a.tolerance, b.tolerance):
                    out.append(f"{a.name} and {b.name} coincide within their tolerance")
                    return out
        return out

    def signature(self, params: dict, answers: list[Answer]) -> tuple:
        """What must differ between two variants of one exam: the answers (and the options offered)."""
        return tuple((round(a.value, 6), a.choices) for a in answers)

    def shown_answer(self, answer: Answer) -> Answer:
        """The answer as a learning platform shows it (its options in the sheets' wording); the
        answer key (answers.json) keeps ``answer`` itself."""
        return answer

    def prefetch(self, candidates: list[dict]) -> None:
        """Evaluate many candidate draws at once (optional speed-up; ``[]`` forgets them)."""

    def screen(self, rngs: list[numpy.random.Generator]) -> list[list[tuple]]:
        """The first draws of many generators, screened together (an optional speed-up).

        For each generator, the list of its first draws as :func:`~derive.exam.variants.draw_question`
        would make them, each as ``(params, answers, problems)``, ending at the first draw without
        problems or earlier (draw_question continues from the generator).  The base class screens
        nothing; network families evaluate and check a whole round of draws in one array call.
        Call ``prefetch([])`` when done with the draws' questions.
        """
        return [[] for _ in rngs]

    def spec(self, params: dict) -> dict | None:
        """The network spec (CONTRACT §1) of a network question, else None."""
        return None

    def render(self, params: dict, part: str, fmt: str, precision: int, blanks: bool = False) -> str:
        """The body of the question (``part="question"``) or of its worked solution, in md or tex.

        The answer blanks are the format's empty blanks, or with ``blanks=True`` the markers
        ``@@BLANK:<key>@@`` (for Moodle, which puts a cloze sub-question in each).
        """
        text = self.render_body(params, part, fmt, precision)
        return text if blanks else empty_blanks(text, fmt)

    def render_body(self, params: dict, part: str, fmt: str, precision: int) -> str:
        """The rendered template, with its blanks as markers."""
        raise NotImplementedError

    def solve_files(self, params: dict, formats, precision: int) -> dict[str, str | bytes]:
        """The full worked solution as files, for ``derive solve --variant``."""
        raise NotImplementedError

    def with_lr_symbol(self, name: str) -> "Family":
        """The family writing the learning rate with the letter ``name`` (``"gamma"``, the lecture's; see
        derive.core.spec.LR_SYMBOLS)."""
        from derive.core.spec import LR_SYMBOLS

        lr_symbol = LR_SYMBOLS[name]
        if lr_symbol == self.lr_symbol:
            return self
        # Not copy.copy: registered families copy (and pickle) by id, which would give back, and
        # change, the registered family itself.
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.lr_symbol = lr_symbol
        return twin

    def metadata(self) -> dict:
        return {"id": self.id, "code": self.code, "title": self.title, "topics": list(self.topics),
                "difficulty": self.difficulty, "asks": self.asks}
