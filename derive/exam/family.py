"""Exercise families: small registered objects that draw, solve and render one question.

A family's draw is plain data (JSON-serialisable ``params``), so a question can
be written into answers.json, regenerated from a variant code, and recomputed
by anyone.

>>> family = get_family("backprop-full-step")
>>> params = family.draw(numpy.random.default_rng([2026, 1, 1]))
>>> sorted(family.evaluate(params))[:3]
['E', 'w_new[1,1,1]', 'w_new[1,1,2]']
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from dataclasses import dataclass
from importlib import resources

import numpy
import yaml

from derive.core.errors import InputError, suggest

__all__ = ["Family", "Answer", "FAMILIES", "register", "get_family", "all_families", "tolerance_for"]


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


class Family:
    """Base class.  Subclasses set the metadata and implement draw/evaluate/problems/render."""

    id: str = ""
    code: str = ""            # three capital letters, part of variant codes
    title: str = ""
    topics: tuple[str, ...] = ()
    difficulty: int = 1       # 1 (drill) .. 3 (exam)
    asks: str = ""            # what is asked, in one sentence

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
        for n, a in enumerate(numeric):
            # Two answers a student could swap undetected: equal at 4 decimals, or within tolerance.
            twin = next((b for b in numeric[n + 1:] if round(a.value, 4) == round(b.value, 4)
                         or abs(a.value - b.value) <= max(a.tolerance, b.tolerance)), None)
            if twin is not None:
                out.append(f"{a.name} and {twin.name} coincide within their tolerance")
                break
        return out

    def signature(self, params: dict, answers: list[Answer]) -> tuple:
        """What must differ between two variants of one exam: the answers (and the options offered)."""
        return tuple((round(a.value, 6), a.choices) for a in answers)

    def prefetch(self, candidates: list[dict]) -> None:
        """Evaluate many candidate draws at once (optional speed-up; ``[]`` forgets them)."""

    def spec(self, params: dict) -> dict | None:
        """The network spec (CONTRACT §1) of a network question, else None."""
        return None

    def render(self, params: dict, part: str, fmt: str, precision: int) -> str:
        """The body of the question (``part="question"``) or of its worked solution, in md or tex."""
        raise NotImplementedError

    def solve_files(self, params: dict, formats, precision: int) -> dict[str, str | bytes]:
        """The full worked solution as files, for ``derive solve --variant``."""
        raise NotImplementedError

    def __reduce__(self):
        # Families are registered singletons: pickle (for worker processes) by id, not by contents.
        return get_family, (self.id,)

    def metadata(self) -> dict:
        return {"id": self.id, "code": self.code, "title": self.title, "topics": list(self.topics),
                "difficulty": self.difficulty, "asks": self.asks}


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    if family.id in FAMILIES:
        raise ValueError(f"two exercise families are called {family.id!r}")
    if any(f.code == family.code for f in FAMILIES.values()):
        raise ValueError(f"two exercise families use the code {family.code!r}")
    FAMILIES[family.id] = family
    return family


_LOADED = False


def _load() -> None:
    """Register the families shipped in exercises/: *.yaml with an ``id`` and every Python module."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from derive.exam.network_family import NetworkFamily

    folder = resources.files("derive.exercises")
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            if isinstance(data, dict) and "id" in data and data.get("kind", "network") == "network":
                register(NetworkFamily(data))
    package = importlib.import_module("derive.exercises")   # found at run time: exercises sit above exam
    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
        importlib.import_module(f"derive.exercises.{module}")


def all_families() -> list[Family]:
    _load()
    return sorted(FAMILIES.values(), key=lambda f: f.id)


def get_family(family_id: str, source: str = "--family") -> Family:
    _load()
    if family_id not in FAMILIES:
        raise InputError(source, "", "the id of an exercise family (see 'derive families')", got=repr(family_id),
                         suggestion=suggest(family_id, FAMILIES))
    return FAMILIES[family_id]


def family_by_code(code: str) -> Family:
    _load()
    for family in FAMILIES.values():
        if family.code == code:
            return family
    raise KeyError(code)
