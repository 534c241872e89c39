"""Checking gradient-descent sheets step by step: the same verdicts as network sheets.

A sheet's ``exercise:`` is a plain ``derive gd`` problem (a mapping: ``function``, ``x0``,
``lr``, and optionally ``momentum``, ``steps``, ``vars``, ``tol``, ``grad_tol``) or the variant
code of an exam question of one of the families gd-steps, gd-stopping, momentum,
sgd-batch-minibatch or gd-learning-rate.  Every answer is

* ``correct`` — the exact value to the digits it is written with (the digits rule of
  derive.check.verdicts), or within the sheet's ``tolerance``; a count or a choice: equal;
* ``consistent`` — recomputed from the student's *own* previous numbers (each iterate from the
  sheet's previous iterate, error carried forward, rounding propagated by
  derive.check.world), or the same named mistake made again at a later step;
* ``wrong`` — neither; ``diagnosis`` names the mistake (derive.check.descent_mistakes) that
  reproduces it, or the candidates when several do;
* ``missing`` — left blank, or asked and not on the sheet.

>>> sheet = parse_descent_sheet({"exercise": {"function": "x**2", "x0": "-4", "lr": "0.8"},
...                              "answers": {"x[1]": "-10.4", "x[2]": "-27.04"}}, "s.yaml")
>>> [(e.name, e.verdict, e.mistake, e.note) for e in check_descent(sheet).entries][:2]
[('x[1]', 'wrong', 'gradient_added', None), ('x[2]', 'consistent', 'gradient_added', 'same mistake as at x[1] (gradient_added)')]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from derive.core.errors import InputError
from derive.core.keys import Key
from derive.check.descent import DESCENT_FAMILIES, DescentExercise, family_exercise, plain_exercise
from derive.check.descent_mistakes import DESCENT_MISTAKES
from derive.check.sheet import (NULL_WORDS, VARIANT_CODE, Answer, Marking, Tolerance, marking_of, parse_number,
                                register_sheet_reader)
from derive.check.verdicts import (VERDICTS, CheckResult, Entry, _within, _working_half_unit, check_sheet,
                                   skipped_sites)
from derive.check.world import World

__all__ = ["DescentSheet", "descent_sheet", "parse_descent_sheet", "check_descent", "check_any"]


@dataclass(frozen=True)
class DescentSheet:
    """A gradient-descent answer sheet: the exercise, the answers as written, the options."""

    source: str
    exercise: DescentExercise
    answers: tuple[Answer, ...]
    tolerance: Tolerance | None = None
    asks: tuple[tuple[str, Key], ...] | None = None
    student: str = ""
    marking: Marking | None = None              # who, which question, points (derive.check.grades)


# --- reading ----------------------------------------------------------------------------------------

def _variant(code: str, source: str):
    """The variant of a code, drawn once per code (a class CSV names the same few in many rows)."""
    from derive.exam.variants import parse_code

    parse_code(code, source)                 # a bad code is refused in the row's own words
    return _drawn(code)


@lru_cache(maxsize=1024)
def _family_exercise(code: str, question: int) -> DescentExercise:
    """Question K's exercise, built once per code (its graph, compiled steps and exact values)."""
    q = _drawn(code).questions[question - 1]
    return family_exercise(q.family, q.params, f"<variant {code} question {question}>")


@lru_cache(maxsize=1024)
def _drawn(code: str):
    from derive.exam.variants import regenerate

    return regenerate(code)


def _family_of(code: str, question) -> object | None:
    """The family of question K of a variant code, without drawing it (None: not a code)."""
    from derive.exam.registry import family_by_code
    from derive.exam.variants import parse_code

    try:
        _, _, codes = parse_code(code)
        family = family_by_code(codes[int(question) - 1])
    except (InputError, KeyError, IndexError, ValueError, TypeError):
        return None              # sheet.py reports a bad code or question number in its own words
    return family


@register_sheet_reader
def descent_sheet(data: dict, source: str, base: Path | None = None, allow_empty: bool = False) -> DescentSheet | None:
    """The gradient-descent sheet ``data`` describes, or None when its exercise is a network."""
    exercise = data.get("exercise")
    if isinstance(exercise, dict):
        return parse_descent_sheet(data, source, allow_empty)
    if not isinstance(exercise, str) or not VARIANT_CODE.match(exercise.strip()):
        return None
    if ((base or Path(".")) / exercise).is_file():
        return None
    family = _family_of(exercise.strip(), data.get("question", "1"))
    if family is None or family.id not in DESCENT_FAMILIES:
        return None
    return parse_descent_sheet(data, source, allow_empty)


def parse_descent_sheet(data: dict, source: str = "<sheet>", allow_empty: bool = False) -> DescentSheet:
    """Validate a sheet whose exercise is a gradient-descent problem or a variant of a gd family."""
    raw = data.get("exercise")
    if isinstance(raw, dict):
        exercise = plain_exercise(raw, source)
    else:
        code = raw.strip().upper()
        _variant(code, f"{source}: exercise")
        exercise = _family_exercise(code, int(data.get("question", "1")))
    answers = data.get("answers")
    if not isinstance(answers, dict) or not (answers or allow_empty):
        raise InputError(source, "answers", "a mapping of quantity names to numbers",
                         got="nothing" if answers in NULL_WORDS or answers == {} else type(answers).__name__)
    from derive.check.sheet import _tolerance

    asks = data.get("asks")
    if asks not in NULL_WORDS and not isinstance(asks, list):
        raise InputError(source, "asks", "a list of quantity names", got=type(asks).__name__)
    asked = None if asks in NULL_WORDS else tuple((str(n), exercise.resolve(n, source, f"asks[{i}]"))
                                                  for i, n in enumerate(asks))
    marking = marking_of({**data, "exercise": exercise.name} if isinstance(raw, dict) else data, source)
    return DescentSheet(source, exercise, _answers(answers, exercise, source), _tolerance(data.get("tolerance"), source),
                        asked, str(data.get("student") or ""), marking)


def _choice(text: str, choices: tuple[str, ...], source: str, field: str) -> float:
    """A choice as its words (case and spacing ignored; a unique beginning is enough) or its index from 0."""
    word = " ".join(str(text).split()).lower()
    if word.isdigit() and int(word) < len(choices):
        return float(word)
    found = [n for n, c in enumerate(choices) if c.lower() == word] or \
        [n for n, c in enumerate(choices) if c.lower().startswith(word)]
    if len(found) != 1:
        raise InputError(source, field, "one of: " + "; ".join(choices) + f" (or its number 0-{len(choices) - 1})",
                         got=repr(str(text)))
    return float(found[0])


def _answers(raw: dict, exercise: DescentExercise, source: str) -> tuple[Answer, ...]:
    answers, seen = [], {}
    for name, text in raw.items():
        field = f"answers.{name}"
        key = exercise.resolve(name, source, field)
        if key in seen:
            raise InputError(source, field, "each quantity once", got=f"the same quantity as '{seen[key]}'")
        seen[key] = name
        if text in NULL_WORDS:
            answers.append(Answer(str(name), key, None, None, 0.0))
            continue
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            raise InputError(source, field, "a number such as 0.5933", got=type(text).__name__)
        word = (repr(text) if isinstance(text, float) else str(text)).strip()
        rule = exercise.rules.get(key)
        if rule is not None and rule.kind == "choice":
            answers.append(Answer(str(name), key, word, _choice(word, rule.choices, source, field), 0.0))
            continue
        value, half_unit = parse_number(word, source, field)
        if rule is not None and rule.kind == "count":
            if value != int(value) or value < 0:
                raise InputError(source, field, "a whole number (a count)", got=repr(word))
            half_unit = 0.0
        answers.append(Answer(str(name), key, word, value, half_unit))
    return tuple(answers)


# --- checking ------------------------------------------------------------------------------------

class _DescentChecker:
    def __init__(self, sheet: DescentSheet):
        self.sheet, self.exercise = sheet, sheet.exercise
        self.graph = self.exercise.graph
        filled = [a for a in sheet.answers if a.value is not None]
        self.answers = {a.key: (a.value, a.half_unit) for a in filled if a.key in self.graph}
        self.counts = {a.key: int(a.value) for a in filled if a.key in self.exercise.rules
                       and self.exercise.rules[a.key].kind == "count"}
        self.working = _working_half_unit([a for a in filled if a.key in self.graph])
        self.place = {key: n for n, key in enumerate(self.graph.quantities)}
        self.inline = self.exercise.inlined({a.key for a in filled})
        # A world's override replaces a number of the sheet: only the skipped steps are inlined there.
        self.skipped_inline = {k: e for k, e in self.inline.items() if k not in self.answers}
        self.world = World(self.graph, self.exercise.given, self.answers, self.working,
                           overrides=self.skipped_inline)
        self._warm(self.world, 0, len(self.place))
        self.made: list[tuple[str, str]] = []      # (mistake, where) diagnosed so far, in order

    def _warm(self, world: World, start: int, stop: int) -> None:
        """Every quantity from place ``start`` to ``stop`` evaluated in order: each one's inputs are then
        already known, so a long run (x[200] alone on a sheet) never recurses through all its steps."""
        for key in list(self.graph.quantities)[start:stop]:
            world.value(key)

    def _world(self, overrides: dict) -> World:
        """The student's world with one step rewritten: the steps before it are the same as without."""
        first = min(self.place[site] for site in overrides)
        inline = {k: e for k, e in self.skipped_inline.items()   # a rewritten gradient is used as rewritten
                  if not any(d in overrides for d in self.graph[k].depends_on)}
        world = World(self.graph, self.exercise.given, self.answers, self.working, overrides={**inline, **overrides})
        world.memo.update({k: v for k, v in self.world.memo.items() if self.place[k] < first})
        return world

    def entries(self) -> list[Entry]:
        order = {key: n for n, key in enumerate(self.exercise.order)}
        entries = [self.entry(a) for a in sorted(self.sheet.answers, key=lambda a: order[a.key])]
        on_sheet = {a.key for a in self.sheet.answers}
        asks = self.exercise.asks if self.sheet.asks is None else self.sheet.asks
        entries += [Entry(name, key, None, None, self.exercise.exact[key], "missing")
                    for name, key in asks if key not in on_sheet]
        return [replace(e, position=order[e.key]) for e in entries]

    # -- one answer
    def _fits(self, answer: Answer, value: float, spread: float) -> bool:
        tolerance = self.sheet.tolerance
        if self.exercise.rules.get(answer.key) and self.exercise.rules[answer.key].kind != "number":
            return answer.value == value
        return _within(answer.value, value, spread, answer.half_unit) or bool(
            tolerance and tolerance.allows(answer.value, value))

    def _recomputed(self, key: Key, world: World, decide=None, expression=None) -> list[tuple[float, float]]:
        """(value, spread) pairs the step gives from the student's numbers: one for a formula,
        each allowed value for a rule (an x_final at the working precision of the sheet)."""
        rule = self.exercise.rules.get(key)
        if rule is not None:
            spread = 2 * self.working if rule.kind == "number" else 0.0
            return [(v, spread) for v in sorted((decide or rule.decide)(world, self.counts))]
        definition = self.graph[key].definition
        if key in world.overrides:
            definition = world.overrides[key]
        elif key in self.inline and not any(d in world.overrides for d in self.graph[key].depends_on):
            definition = self.inline[key]
        return [world.recompute(key, definition if expression is None else expression)]

    def entry(self, answer: Answer) -> Entry:
        entry = self._entry(answer)
        rule = self.exercise.rules.get(answer.key)
        if rule is not None and rule.kind == "choice" and entry.verdict != "correct":   # say the words, not 0..3
            words = f"expected “{rule.choices[int(entry.expected)]}”"
            entry = replace(entry, note="; ".join(n for n in (entry.note, words) if n))
        return entry

    def _entry(self, answer: Answer) -> Entry:
        key, exact = answer.key, self.exercise.exact[answer.key]
        common = dict(name=answer.name, key=key, given=answer.value, text=answer.text, expected=exact)
        if answer.value is None:
            return Entry(**{**common, "given": None}, verdict="missing")
        if self._fits(answer, exact, 0.0):
            return Entry(**common, verdict="correct")
        if key in self.exercise.given:
            return Entry(**common, verdict="wrong", diagnosis="a given number of the exercise copied wrongly")
        recomputed = self._recomputed(key, self.world)
        if any(self._fits(answer, v, s) for v, s in recomputed):
            return Entry(**common, verdict="consistent", recomputed=recomputed[0][0])
        for mistake, where in self.made:
            again = self._reproduction(answer, DESCENT_MISTAKES[mistake])
            if again is not None:           # recomputed: the step from the student's values, with that mistake
                return Entry(**common, verdict="consistent", recomputed=again, mistake=mistake, same_as=where,
                             note=f"same mistake as at {where} ({mistake})")
        copied = self._copied(answer)
        if copied:
            return Entry(**common, verdict="wrong", recomputed=recomputed[0][0] if recomputed else None,
                         diagnosis=f"the same number as the given {copied}; no mistake is named from a copied value")
        fitting = [rule for rule in DESCENT_MISTAKES.values() if self._reproduction(answer, rule) is not None]
        diagnosis, mistake = None, None
        if len(fitting) == 1:
            mistake, diagnosis = fitting[0].name, f"{fitting[0].name}: {fitting[0].description}"
            self.made.append((mistake, answer.name))
        elif fitting:
            diagnosis = "several mistakes reproduce this number: " + ", ".join(r.name for r in fitting)
        return Entry(**common, verdict="wrong", recomputed=recomputed[0][0] if recomputed else None,
                     diagnosis=diagnosis, mistake=mistake, candidates=tuple(r.name for r in fitting) if len(fitting) > 1 else ())

    def _copied(self, answer: Answer) -> str | None:
        """The given number (x0, eta, ...) the answer equals, if any: then no diagnosis is made from it."""
        if answer.key in self.exercise.rules and self.exercise.rules[answer.key].kind != "number":
            return None
        for key, value in self.exercise.given.items():
            if key.kind != "eta" and _within(answer.value, value, 0.0, answer.half_unit):
                return self.exercise.shown.get(key, str(key))
        return None

    def sites(self, key: Key) -> list[Key]:
        """The step and the steps the sheet skipped on the way to it, nearest first."""
        return skipped_sites(self.graph, self.answers, key)

    def _reproduction(self, answer: Answer, mistake) -> float | None:
        """The value the mistake gives for this answer from the student's numbers, when it reproduces
        the answer (at the step itself or at a step the sheet skipped before it), else None."""
        key = answer.key
        for site in self.sites(key):
            for rewrite in mistake.rewrites(self.exercise, site):
                if site == key:
                    pairs = self._recomputed(key, self.world, rewrite.decide, rewrite.expression)
                else:
                    world = self._world({site: rewrite.expression})
                    self._warm(world, self.place[site], self.place[key])
                    pairs = self._recomputed(key, world)
                for value, spread in pairs:
                    if self._fits(answer, value, spread):
                        return value
        return None


def check_descent(sheet: DescentSheet) -> CheckResult:
    """Verdicts on every answer of a gradient-descent sheet, in the order of the worked solution."""
    entries = tuple(_DescentChecker(sheet).entries())
    counts = {v: sum(e.verdict == v for e in entries) for v in VERDICTS}
    asks = sheet.exercise.asks if sheet.asks is None else sheet.asks
    return CheckResult(sheet.source, sheet.exercise.name, entries, sheet.student, counts,
                       asked=tuple(key for _, key in asks), sheet=sheet)


def check_any(sheet, chain_rounding: str | None = None) -> CheckResult:
    """Check a network sheet (derive.check.verdicts) or a gradient-descent sheet (this module).

    ``chain_rounding`` is for network sheets; a gradient-descent sheet is compared with the exact
    iterates and, step by step, with its own previous numbers."""
    if isinstance(sheet, DescentSheet):
        return check_descent(sheet)
    return check_sheet(sheet, chain_rounding)
