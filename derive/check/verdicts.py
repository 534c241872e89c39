"""Verdicts: correct, consistent (error carried forward), wrong (with a named mistake), missing.

The rules, in the order they are applied to each answer of the sheet (answers are taken in the
order of the worked solution, so "earlier" means an earlier step):

1. **missing** -- the sheet leaves it blank (null), or the exercise asks for it (``asks:``, by
   default every updated parameter w+) and the sheet omits it.
2. **correct** -- the exact (or chained-rounding) value lies within half a unit of the answer's
   last written digit, or within the sheet's ``tolerance``.
3. A given number of the exercise written wrongly: **wrong**, "copied wrongly".
4. **consistent** -- one of the step's routes (its definition; for a gradient also
   delta * dnet/dw), evaluated in the student's world (:mod:`derive.check.world`), lies within
   that world's spread plus half a unit of the answer (or within the sheet's ``tolerance`` of it);
   a ``note`` says when it is built on inputs no correct calculation gives (a sigmoid output
   outside (0, 1), a negative error).
5. *Copy test* -- the answer equals a given number of the exercise at its own digits
   (w1+ = 0.1500 where w1 = 0.15).  No mistake is named and no mistake earns rule 6's credit:
   **wrong**, with the candidates ``given_value_copied`` and every rule that fits by rule 7.
6. **consistent, same mistake** -- a mistake already shown on this sheet (named at an earlier
   wrong answer, or among its candidates) fits the answer by rule 7's test; the earliest such
   answer counts.  The entry keeps that ``mistake``, ``same_as`` = that answer's name as the
   sheet writes it, and the note "same mistake as at NAME".  One misconception is penalised once.
7. **wrong** -- every registered mistake is tried, at the step itself and at every step the
   sheet skipped on the way to it (the steps reached backwards through definitions, stopping
   at written answers and given numbers), one site at a time; where no rule fits at a single
   site, each rule is tried at all of those sites at once, if it has exactly one alternative
   at each of at least two of them (w5+ *and* w7+ used).  An alternative at the step itself
   replaces its definition; at a skipped step, the step itself is then computed by each of its
   routes.  A rule *fits* when its value, from the student's own numbers, reproduces the answer
   within rounding (as in rule 4, without tolerance) and is not itself within rounding of the
   honest value (the definition in the student's world, with rule 4's spread plus half a unit
   of the answer).  Exactly one fitting rule is the ``mistake`` (``diagnosis``: its name,
   description and where); several are listed as ``candidates`` in the registry's order and
   none is named; none: no diagnosis.

There are no other cases: :func:`check_sheet` applies exactly these rules.

>>> from derive.core.spec import builtin_spec
>>> r = check_answers(builtin_spec(), {"out_o1": "0.7514", "dE_total/dout_o1": "-0.7414"}, asks=())
>>> [(e.name, e.verdict, e.mistake) for e in r.entries][1]
('dE_total/dout_o1', 'wrong', 'error_sign_flipped')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from derive.core.evaluate import evaluate_float, given_values
from derive.core.graph import StepGraph, build_graph
from derive.core.keys import Key
from derive.present.notations import get_notation
from derive.core.spec import NetworkSpec
from derive.check.mistakes import MISTAKES, Alternative
from derive.check.sheet import Answer, AnswerSheet
from derive.check.world import World
from derive.check.chained import chained_expected, rounding_words, sheet_rounding

__all__ = ["Entry", "CheckResult", "check_sheet", "check_answers", "VERDICTS", "COPIED"]

VERDICTS = ("correct", "consistent", "wrong", "missing")
#: The candidate that stands for "a given number of the exercise written down" (rule 5).
COPIED = "given_value_copied"
#: Float noise allowed on top of the rounding bounds.
SLACK = 1e-9


def skipped_sites(graph, answers, key: Key) -> list[Key]:
    """Where a mistake behind the answer at ``key`` may have been made: the step itself and the
    steps the sheet skipped on the way to it (not answered, not given), nearest first."""
    if key not in graph:
        return [key]
    sites, stack, seen = [key], list(graph[key].depends_on), {key}
    while stack:
        dep = stack.pop(0)
        if dep in seen or dep in answers or graph[dep].definition is None:
            continue
        seen.add(dep)
        sites.append(dep)
        stack.extend(graph[dep].depends_on)
    return sites


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
    candidates: tuple[str, ...] = ()     # several explanations fit equally: none is named (rules 5 and 7)
    same_as: str | None = None           # rule 6: the earlier answer where this mistake was shown

    def shown(self, value: float | None) -> float | None:
        """A value as the sheet's name means it."""
        return None if value is None else self.sign * value

    def as_json(self) -> dict:
        data = {"given": self.shown(self.given), "expected": self.shown(self.expected), "verdict": self.verdict,
                "diagnosis": self.diagnosis, "key": str(self.key), "recomputed": self.shown(self.recomputed),
                "mistake": self.mistake, "note": self.note, "candidates": list(self.candidates)}
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
    asked: tuple[Key, ...] = ()          # what the exercise asks for (what is scored: derive.check.grades)
    sheet: AnswerSheet | None = field(default=None, compare=False, repr=False)

    @property
    def has_wrong(self) -> bool:
        return any(e.verdict == "wrong" for e in self.entries)

    @property
    def first_wrong(self) -> Entry | None:
        return next((e for e in self.entries if e.verdict == "wrong"), None)

    @property
    def mistakes(self) -> set[str]:
        """The named mistakes this sheet shows (each once, however often it was made)."""
        return {e.mistake for e in self.entries if e.mistake}

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
    return list(_plan(graph).routes[key])


class _Plan:
    """What one architecture's checks need, derived symbolically once (cached per graph):
    each step's routes, each rule's alternatives at each step, the solution order."""

    def __init__(self, graph: StepGraph):
        self.graph = graph
        self.order = {key: n for n, key in enumerate(graph.quantities)}
        self.routes = {q.key: tuple(self._routes(q.key)) for q in graph if q.definition is not None}
        self._alternatives: dict[tuple[str, Key], tuple[Alternative, ...]] = {}
        self._asks: dict[str, tuple] = {}

    def _routes(self, key: Key) -> list:
        graph = self.graph
        definition = graph[key].definition
        found = [definition]
        if graph[key].role == "chain":
            for dep in graph[key].depends_on:
                delta = Key("delta", dep.index)
                if dep.kind == "dE/dout" and delta in graph and delta != key and \
                        Key("dout/dnet", dep.index) in graph[key].depends_on:
                    found.append(definition.xreplace({dep.symbol: delta.symbol, Key("dout/dnet", dep.index).symbol: 1}))
        return found

    def default_asks(self, notation) -> tuple[tuple[str, Key], ...]:
        """What an exercise asks for without ``asks:``: every updated trainable parameter, by name."""
        found = self._asks.get(notation.name)
        if found is None:
            trainable = set(self.graph.trainable)
            found = self._asks[notation.name] = tuple(
                (notation.plain(q.key), q.key) for q in self.graph
                if q.section == "update" and q.key.parameter in trainable)
        return found

    def alternatives(self, rule, key: Key) -> tuple[Alternative, ...]:
        found = self._alternatives.get((rule.name, key))
        if found is None:
            found = self._alternatives[(rule.name, key)] = tuple(rule.alternatives(self.graph, key))
        return found


@lru_cache(maxsize=64)
def _plan(graph: StepGraph) -> _Plan:
    return _Plan(graph)


@dataclass(frozen=True)
class _Fit:
    """One rule that reproduces an answer, at which sites."""

    rule: object
    attempt: tuple          # ((site, Alternative), ...): one site, or all of them at once
    value: float


class _Checker:
    def __init__(self, sheet: AnswerSheet, chain_rounding: str | None = None):
        self.sheet, self.spec = sheet, sheet.spec
        self.graph = build_graph(self.spec.architecture)
        self.plan = _plan(self.graph)
        self.notation = get_notation(self.spec.notation, self.spec.architecture, self.spec.lr_symbol)
        self.given = given_values(self.spec)
        self.exact = evaluate_float(self.graph, self.given)
        self.rounding = sheet_rounding(sheet, chain_rounding)
        self.expected = self.exact if self.rounding is None else chained_expected(self.graph, self.spec, self.given,
                                                                                  self.rounding)
        filled = [a for a in sheet.answers if a.value is not None]
        self.answers = {a.key: (a.value, a.half_unit) for a in filled}
        self.working = _working_half_unit(filled)
        self.world = World(self.graph, self.given, self.answers, self.working)
        self.shown: list[tuple[tuple, str]] = []      # (rules, name) of the mistakes shown so far (rule 6)
        self.tried: dict = {}                         # (key, attempt) -> what _reproduces found

    def entries(self) -> list[Entry]:
        order = self.plan.order
        entries = []
        for answer in sorted(self.sheet.answers, key=lambda a: order[a.key]):
            entry = self.entry(answer)
            rules = (entry.mistake,) if entry.mistake else tuple(c for c in entry.candidates if c != COPIED)
            if entry.verdict == "wrong" and rules:
                self.shown.append((rules, entry.name))
            entries.append(entry)
        return entries + self.missing()

    def asks(self) -> tuple[tuple[str, Key], ...]:
        return self.sheet.asks if self.sheet.asks is not None else self.plan.default_asks(self.notation)

    def missing(self) -> list[Entry]:
        on_sheet = {a.key for a in self.sheet.answers}
        return [Entry(name, key, None, None, self.expected[key], "missing", exact=self.full(key),
                      position=self.plan.order[key]) for name, key in self.asks() if key not in on_sheet]

    def full(self, key: Key) -> float | None:
        """The full-precision value, where ``expected`` is a chained one."""
        return None if self.rounding is None else self.exact[key]

    def entry(self, answer: Answer) -> Entry:
        key, exact, expected = answer.key, self.exact[answer.key], self.expected[answer.key]
        position = self.plan.order[key]
        if answer.value is None:                                                   # rule 1
            return Entry(answer.name, key, None, None, expected, "missing", exact=self.full(key), position=position)
        given = answer.value
        common = dict(name=answer.name, key=key, given=given, text=answer.text, expected=expected, sign=answer.sign,
                      exact=self.full(key), position=position)
        tolerance = self.sheet.tolerance
        if any(_within(given, value, 0.0, answer.half_unit) or (tolerance and tolerance.allows(given, value))
               for value in {exact, expected}):                                    # rule 2
            return Entry(**common, verdict="correct")
        definition = self.graph[key].definition
        if definition is None:                                                     # rule 3
            return Entry(**common, verdict="wrong", diagnosis="a given number of the exercise copied wrongly")
        for route in self.plan.routes[key]:                                        # rule 4
            value, spread = self.world.recompute(key, route)
            if _within(given, value, spread, answer.half_unit) or (tolerance and tolerance.allows(given, value)):
                return Entry(**common, verdict="consistent", recomputed=value, note=self.plausibility(key))
        honest = self.world.recompute(key, definition)
        copied = self.copied(answer)                                               # rule 5
        if copied is None:
            for rules, name in self.shown:                                         # rule 6
                fits = self.fits(answer, honest, [MISTAKES[r] for r in rules])
                if fits:
                    rule = fits[0].rule
                    note = "; ".join(n for n in (f"same mistake as at {name}", self.plausibility(key)) if n)
                    return Entry(**common, verdict="consistent", recomputed=fits[0].value, mistake=rule.name,
                                 note=note, same_as=name,
                                 diagnosis=self.describe(rule, key, [f for f in fits if f.rule is rule]))
        fits = self.fits(answer, honest, list(MISTAKES.values()))                  # rule 7
        by_rule: dict[str, list[_Fit]] = {name: [] for name in MISTAKES}          # in the registry's order
        for fit in fits:
            by_rule[fit.rule.name].append(fit)
        by_rule = {name: found for name, found in by_rule.items() if found}
        wrong = dict(common, verdict="wrong", recomputed=honest[0])
        if copied is not None:
            candidates = (COPIED,) + tuple(by_rule)
            others = f", or come from {' or '.join(by_rule)}" if by_rule else ""
            return Entry(**wrong, candidates=candidates,
                         diagnosis=f"equals the given {copied} of the exercise: it may be copied{others}; "
                                   "no mistake is named")
        if len(by_rule) == 1:
            (name, rule_fits), = by_rule.items()
            rule = rule_fits[0].rule
            return Entry(**wrong, mistake=name, diagnosis=self.describe(rule, key, rule_fits))
        if by_rule:
            listed = ", ".join(f"{name} ({self.where(key, rule_fits)})" if self.where(key, rule_fits) else name
                               for name, rule_fits in by_rule.items())
            return Entry(**wrong, candidates=tuple(by_rule),
                         diagnosis=f"one of {listed}: each reproduces the number equally; none is named")
        return Entry(**wrong)

    def copied(self, answer: Answer) -> str | None:
        """The given number of the exercise the answer equals at its own digits (rule 5), by name."""
        for key, value in self.given.items():
            if key in self.graph and _within(answer.value, value, 0.0, answer.half_unit):
                return f"{self.notation.plain(key)} = {value:g}"
        return None

    def sites(self, key: Key) -> list[Key]:
        return skipped_sites(self.graph, self.answers, key)

    def fits(self, answer: Answer, honest, rules) -> list[_Fit]:
        """Every (rule, site) of ``rules`` that reproduces the answer (rule 7's test), one site at a time;
        where none does, each rule at all of its sites at once (w5+ and w7+ both used)."""
        sites = self.sites(answer.key)
        found = []
        for site in sites:
            for rule in rules:
                for alternative in self.plan.alternatives(rule, site):
                    value = self._reproduces(answer, ((site, alternative),), honest)
                    if value is not None:
                        found.append(_Fit(rule, ((site, alternative),), value))
        if found:
            return found
        for rule in rules:
            attempt = tuple((site, alternative) for site in sites for alternative in self.plan.alternatives(rule, site))
            if len({site for site, _ in attempt}) == len(attempt) > 1:
                value = self._reproduces(answer, attempt, honest)
                if value is not None:
                    found.append(_Fit(rule, attempt, value))
        return found

    def _reproduces(self, answer: Answer, attempt, honest) -> float | None:
        """The value the attempt gives, when it reproduces the answer and is not itself honest; else None
        (remembered: rules 5, 6 and 7 may try the same attempt on one answer)."""
        memo = (answer.key, attempt)
        if memo not in self.tried:
            self.tried[memo] = self._attempt(answer, attempt, honest)
        return self.tried[memo]

    def _attempt(self, answer: Answer, attempt, honest) -> float | None:
        key = answer.key
        overrides = {site: alternative.expression for site, alternative in attempt}
        expressions = [overrides.pop(key)] if key in overrides else self.plan.routes[key]
        world = World(self.graph, self.given, self.answers, self.working, overrides=overrides, base=self.world) \
            if overrides else self.world
        for expression in expressions:
            value, spread = world.recompute(key, expression)
            if _within(answer.value, value, spread, answer.half_unit) and \
                    not _within(value, honest[0], honest[1], answer.half_unit):
                return value
        return None

    def where(self, key: Key, fits: list[_Fit]) -> str:
        """Where a rule fits, in words: "" at the step itself alone, "in dE_total/dout_o1",
        "at this step, or in dout_o1/dnet_o1", "in w5+ and w7+" (at several steps at once)."""
        itself, elsewhere = False, []
        for fit in fits:
            sites = [self.notation.plain(s) for s, _ in fit.attempt if s != key]
            details = "; ".join(a.detail for _, a in fit.attempt if a.detail)
            if not sites:
                itself = True
                if details:
                    elsewhere.append(details)
                continue
            elsewhere.append(", ".join(p for p in (" and ".join(sites), details) if p))
        elsewhere = list(dict.fromkeys(elsewhere))
        if not elsewhere:
            return ""
        places = " or ".join(elsewhere)
        if itself and any(fit.attempt[0][0] != key or len(fit.attempt) > 1 for fit in fits):
            return f"at this step, or in {places}"
        return places if itself else f"in {places}"

    def describe(self, rule, key: Key, fits: list[_Fit]) -> str:
        where = self.where(key, fits)
        return f"{rule.name}: {rule.description}" + (f" ({where})" if where else "")

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
    """Verdicts on every answer of the sheet, in the order of the worked solution (the rules above).

    ``chain_rounding`` (``auto``, ``N``, ``Nsig``, ``off``; default: the exercise's own ``rounding``)
    compares with the chained-rounding solution as well (derive.check.chained).
    """
    checker = _Checker(sheet, chain_rounding)
    entries = tuple(checker.entries())
    counts = {v: sum(e.verdict == v for e in entries) for v in VERDICTS}
    exercise = sheet.spec.name
    return CheckResult(sheet.source, exercise, entries, sheet.student, counts,
                       rounding_words(checker.rounding), tuple(key for _, key in checker.asks()), sheet)
