"""Verdicts: correct, consistent (error carried forward), wrong (with a named mistake), missing.

* correct — within half a unit of the answer's last digit of the exact value
  (0.5933 for 0.593269992), or within the sheet's ``tolerance``;
* consistent — not correct, but the step recomputed from the student's own
  values of its inputs (see :mod:`derive.check.world`) lands within the
  rounding of those inputs and of the answer;
* wrong — neither; ``diagnosis`` names the first registered mistake that
  reproduces the number within the same rounding, if one does;
* missing — a quantity the sheet leaves blank (null), or one the exercise asks
  for (``asks:``, by default every updated parameter w+) that the sheet omits.

>>> from derive.core.spec import builtin_spec
>>> r = check_answers(builtin_spec(), {"out_o1": "0.7514", "dE_total/dout_o1": "-0.7414"}, asks=())
>>> [(e.name, e.verdict, e.diagnosis) for e in r.entries][1]
('dE_total/dout_o1', 'wrong', 'error_sign_flipped: sign of the error signal flipped: (t - o) used where (o - t) belongs')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from derive.core.evaluate import evaluate_float, given_values
from derive.core.graph import build_graph
from derive.core.keys import Key
from derive.present.notations import get_notation
from derive.core.spec import NetworkSpec
from derive.check.mistakes import MISTAKES
from derive.check.sheet import Answer, AnswerSheet
from derive.check.world import World
from derive.check.chained import chained_expected, rounding_words, sheet_rounding

__all__ = ["Entry", "CheckResult", "check_sheet", "check_answers", "VERDICTS"]

VERDICTS = ("correct", "consistent", "wrong", "missing")
#: Float noise allowed on top of the rounding bounds.
SLACK = 1e-9


@dataclass(frozen=True)
class Entry:
    """The verdict on one line of the sheet."""

    name: str
    key: Key
    given: float | None
    text: str | None
    expected: float
    verdict: str
    diagnosis: str | None = None
    mistake: str | None = None           # the registered rule's name, for counting
    recomputed: float | None = None      # the step from the student's own inputs
    note: str | None = None              # e.g. implausible inputs behind a consistent answer
    position: int = 0                    # the step's place in the worked solution
    sign: int = 1                        # the sheet's name stands for sign * the quantity (Err5 = -delta5)
    exact: float | None = None           # with chained rounding: the full-precision value (expected is chained)

    def shown(self, value: float | None) -> float | None:
        """A value as the sheet's name means it."""
        return None if value is None else self.sign * value

    def as_json(self) -> dict:
        data = {"given": self.shown(self.given), "expected": self.shown(self.expected), "verdict": self.verdict,
                "diagnosis": self.diagnosis, "key": str(self.key), "recomputed": self.shown(self.recomputed),
                "mistake": self.mistake, "note": self.note}
        if self.exact is not None:
            data["exact"] = self.shown(self.exact)
        return data


@dataclass(frozen=True)
class CheckResult:
    source: str
    exercise: str
    entries: tuple[Entry, ...]
    student: str = ""
    counts: dict = field(default_factory=dict)
    rounding: str | None = None          # with chained rounding: at what precision, in words

    @property
    def has_wrong(self) -> bool:
        return any(e.verdict == "wrong" for e in self.entries)

    @property
    def first_wrong(self) -> Entry | None:
        return next((e for e in self.entries if e.verdict == "wrong"), None)

    def as_json(self) -> dict:
        return {e.name: e.as_json() for e in self.entries}

    @property
    def exit_status(self) -> int:
        return 1 if self.has_wrong else 0


def check_answers(spec: NetworkSpec, answers: dict[str, object], asks=None, tolerance=None,
                  source: str = "<answers>", chain_rounding: str | None = None) -> CheckResult:
    """Check ``{name: number text}`` against ``spec`` (a convenience for Python callers and tests)."""
    from derive.check.sheet import _answers

    asked = None if asks is None else tuple((str(name), key) for name, key in asks)
    sheet = AnswerSheet(source, spec, _answers(answers, spec, source), tolerance, asked)
    return check_sheet(sheet, chain_rounding)


def _working_half_unit(answers: list[Answer]) -> float:
    """Half a unit at the decimals the sheet uses most: how finely skipped steps were rounded."""
    units = Counter(a.half_unit for a in answers if a.value is not None and a.half_unit < 0.5)
    return units.most_common(1)[0][0] if units else 0.0


def _within(given: float, value: float, spread: float, half_unit: float) -> bool:
    bound = spread + half_unit
    return abs(given - value) <= bound * (1 + SLACK) + SLACK * max(1.0, abs(value))


def routes(graph, key: Key) -> list:
    """The ways a student may compute one step: its definition, and for a gradient
    dE/dout * dout/dnet * dnet/dw also the shorter delta * dnet/dw."""
    definition = graph[key].definition
    found = [definition]
    if graph[key].role == "chain":
        for dep in graph[key].depends_on:
            delta = Key("delta", dep.index)
            if dep.kind == "dE/dout" and delta in graph and delta != key and Key("dout/dnet", dep.index) in graph[key].depends_on:
                found.append(definition.xreplace({dep.symbol: delta.symbol, Key("dout/dnet", dep.index).symbol: 1}))
    return found


class _Checker:
    def __init__(self, sheet: AnswerSheet, chain_rounding: str | None = None):
        self.sheet, self.spec = sheet, sheet.spec
        self.graph = build_graph(self.spec.architecture)
        self.notation = get_notation(self.spec.notation, self.spec.architecture)
        self.given = given_values(self.spec)
        self.exact = evaluate_float(self.graph, self.given)
        self.rounding = sheet_rounding(sheet, chain_rounding)
        self.expected = self.exact if self.rounding is None else chained_expected(self.graph, self.spec, self.given,
                                                                                  self.rounding)
        filled = [a for a in sheet.answers if a.value is not None]
        self.answers = {a.key: (a.value, a.half_unit) for a in filled}
        self.working = _working_half_unit(filled)
        self.world = World(self.graph, self.given, self.answers, self.working)

    def entries(self) -> list[Entry]:
        order = {key: n for n, key in enumerate(self.graph.quantities)}
        entries = [self.entry(a) for a in sorted(self.sheet.answers, key=lambda a: order[a.key])]
        return [replace(e, position=order[e.key]) for e in entries + self.missing()]

    def missing(self) -> list[Entry]:
        on_sheet = {a.key for a in self.sheet.answers}
        asks = self.sheet.asks
        if asks is None:
            trainable = set(self.graph.trainable)
            asks = tuple((self.notation.plain(q.key), q.key) for q in self.graph
                         if q.section == "update" and q.key.parameter in trainable)
        return [Entry(name, key, None, None, self.expected[key], "missing", exact=self.full(key))
                for name, key in asks if key not in on_sheet]

    def full(self, key: Key) -> float | None:
        """The full-precision value, where ``expected`` is a chained one."""
        return None if self.rounding is None else self.exact[key]

    def entry(self, answer: Answer) -> Entry:
        key, exact, expected = answer.key, self.exact[answer.key], self.expected[answer.key]
        if answer.value is None:
            return Entry(answer.name, key, None, None, expected, "missing", exact=self.full(key))
        given = answer.value
        common = dict(name=answer.name, key=key, given=given, text=answer.text, expected=expected, sign=answer.sign,
                      exact=self.full(key))
        tolerance = self.sheet.tolerance
        if any(_within(given, value, 0.0, answer.half_unit) or (tolerance and tolerance.allows(given, value))
               for value in {exact, expected}):
            return Entry(**common, verdict="correct")
        definition = self.graph[key].definition
        if definition is None:
            return Entry(**common, verdict="wrong", diagnosis="a given number of the exercise copied wrongly")
        for route in routes(self.graph, key):
            value, spread = self.world.recompute(key, route)
            if _within(given, value, spread, answer.half_unit) or (tolerance and tolerance.allows(given, value)):
                return Entry(**common, verdict="consistent", recomputed=value, note=self.plausibility(key))
        value, spread = self.world.recompute(key, definition)
        rule, detail = self.diagnose(answer)
        diagnosis = None
        if rule is not None:
            diagnosis = f"{rule.name}: {rule.description}" + (f" ({detail})" if detail else "")
        return Entry(**common, verdict="wrong", recomputed=value, diagnosis=diagnosis,
                     mistake=rule.name if rule else None)

    def sites(self, key: Key) -> list[Key]:
        """The step itself and the steps the sheet skipped on the way to it, nearest first."""
        sites, stack, seen = [key], list(self.graph[key].depends_on), {key}
        while stack:
            dep = stack.pop(0)
            if dep in seen or dep in self.answers or self.graph[dep].definition is None:
                continue
            seen.add(dep)
            sites.append(dep)
            stack.extend(self.graph[dep].depends_on)
        return sites

    def diagnose(self, answer: Answer):
        """The first rule whose alternative reproduces the answer: at the step itself first, then at
        the skipped steps before it, nearest first, then at all of those at once (w5+ and w7+ both used)."""
        key = answer.key
        sites = self.sites(key)
        for site in sites:
            for rule in MISTAKES.values():
                for alternative in rule.alternatives(self.graph, site):
                    if self._reproduces(answer, {site: alternative}):
                        return rule, self._detail(key, [(site, alternative)])
        for rule in MISTAKES.values():
            candidates = [(site, alternative) for site in sites for alternative in rule.alternatives(self.graph, site)]
            if len({site for site, _ in candidates}) == len(candidates) > 1 and self._reproduces(answer, dict(candidates)):
                return rule, self._detail(key, candidates)
        return None, None

    def _reproduces(self, answer: Answer, overrides: dict) -> bool:
        key = answer.key
        if key in overrides:
            expressions = [overrides.pop(key).expression]
        else:
            expressions = routes(self.graph, key)
        world = World(self.graph, self.given, self.answers, self.working,
                      overrides={site: alternative.expression for site, alternative in overrides.items()})
        for expression in expressions:
            value, spread = world.recompute(key, expression)
            if _within(answer.value, value, spread, answer.half_unit):
                return True
        return False

    def _detail(self, key: Key, attempt) -> str:
        parts = []
        for site, alternative in attempt:
            where = "" if site == key else f"in {self.notation.plain(site)}"
            parts.append(", ".join(p for p in (where, alternative.detail) if p))
        return "; ".join(p for p in parts if p)

    def plausibility(self, key: Key) -> str | None:
        """Anti-gaming: a consistent answer built on inputs no sigmoid or error could produce."""
        arch = self.spec.architecture
        for dep in self.graph[key].depends_on:
            if dep not in self.answers:
                continue
            value = self.answers[dep][0]
            if dep.kind == "out" and arch.activations[dep.index[0] - 1] == "sigmoid" and not 0 < value < 1:
                return f"built on {self.notation.plain(dep)} = {value}, which no sigmoid can output"
            if dep.kind == "E" and value < 0:
                return f"built on {self.notation.plain(dep)} = {value}, a negative error"
        return None


def check_sheet(sheet: AnswerSheet, chain_rounding: str | None = None) -> CheckResult:
    """Verdicts on every answer of the sheet, in the order of the worked solution.

    ``chain_rounding`` (``auto``, ``N``, ``Nsig``, ``off``; default: the exercise's own ``rounding``)
    compares with the chained-rounding solution as well (derive.check.chained).
    """
    checker = _Checker(sheet, chain_rounding)
    entries = tuple(checker.entries())
    counts = {v: sum(e.verdict == v for e in entries) for v in VERDICTS}
    exercise = sheet.spec.name
    return CheckResult(sheet.source, exercise, entries, sheet.student, counts,
                       rounding_words(checker.rounding))
