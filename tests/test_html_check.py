"""The page's checker gives derive check's verdicts: a differential test under Node.

For each network of tests/support/html_specs.py the page is generated, and the checker it
embeds (its own <script data-derive="check"> and "exercise" elements, run by
tests/support/page_check.mjs) checks random answer sheets that derive check's
check_answers checks too: correct answers at random digits, hand calculations rounded at
every step, a slip carried forward, each named mistake at each step where it applies (and
at all of them at once), random numbers, blanks, the units notation's signed names and
sheet tolerances.  Every entry must agree: verdict, named mistake, its text, the note, and
the numbers.  The sheets are computed here independently of derive.check: each step from
the values before it by SymPy's lambdify, the mistake's formula in place of one step.
"""

from __future__ import annotations

import json
import math
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy
import pytest
import sympy

from derive.check.mistakes import MISTAKES
from derive.check.page import solution_page
from derive.check.sheet import Tolerance
from derive.check.verdicts import check_answers
from derive.core.evaluate import evaluate_float, given_values
from derive.core.graph import build_graph
from derive.core.keys import key_of
from derive.present.notations import get_notation
from derive.present.solution import solve
from tests.support.html_specs import SPECS, spec as load
from tests.support.tools import REPO_ROOT, require

PAGE_CHECK = REPO_ROOT / "tests" / "support" / "page_check.mjs"
SHEETS_PER_SPEC = 200          # six networks: 1200 sheets in all


@lru_cache(maxsize=None)
def _function(expression):
    symbols = sorted(expression.free_symbols, key=str)
    return symbols, sympy.lambdify(symbols, expression, "math")


def hand_values(graph, given, overrides=None, places=None) -> dict:
    """Every quantity in step order from the values before it (a hand calculation): ``overrides``
    puts a number or another formula in place of a step; ``places`` rounds each step half up.
    A formula that uses a later step (the value of a neighbouring w+) takes that step's exact value."""
    overrides = overrides or {}
    values = dict(given)
    later = evaluate_float(graph, given)
    for q in graph:
        if q.definition is None:
            continue
        formula = overrides.get(q.key, q.definition)
        if isinstance(formula, float):
            values[q.key] = formula
            continue
        symbols, function = _function(sympy.sympify(formula))
        try:
            value = float(function(*[values.get(key_of(s), later[key_of(s)]) for s in symbols]))
        except (ArithmeticError, ValueError, TypeError):
            value = math.nan
        if places is not None and math.isfinite(value):
            value = float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
        values[q.key] = value
    return values


def text_of(value: float, places: int) -> str:
    """A number as a student writes it: rounded half up to ``places`` decimals."""
    if not math.isfinite(value):
        return "0"
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


class Sheets:
    """Random answer sheets of one network, each a list of (name, text or None) lines."""

    def __init__(self, spec, rng: numpy.random.Generator):
        self.spec, self.rng = spec, rng
        self.graph = build_graph(spec.architecture)
        self.notation = get_notation(spec.notation, spec.architecture)
        self.given = given_values(spec)
        self.exact = evaluate_float(self.graph, self.given)
        self.steps = [q.key for q in self.graph if q.definition is not None]
        self.sites = [(rule, q.key, alternative) for rule in MISTAKES.values() for q in self.graph
                      if q.definition is not None for alternative in rule.alternatives(self.graph, q.key)]
        self.aliases = {key: alias for alias, (key, sign) in self.notation.signed_aliases().items()}

    def pick(self, keys, share):
        keys = [k for k in keys if self.rng.random() < share]
        return keys or [self.steps[int(self.rng.integers(len(self.steps)))]]

    def lines(self, values, keys, places=None):
        out = []
        for key in keys:
            digits = int(self.rng.integers(2, 7)) if places is None else places
            name, sign = self.notation.plain(key), 1
            roll = self.rng.random()
            if roll < 0.15:
                name = str(key)
            elif roll < 0.5 and key in self.aliases:
                name, sign = self.aliases[key], -1
            text = None if self.rng.random() < 0.08 else text_of(sign * values[key], digits)
            out.append((name, text))
        order = self.rng.permutation(len(out))
        return [out[n] for n in order]

    def after(self, key):
        position = self.steps.index(key)
        return self.steps[position:]

    def sheet(self) -> tuple[str, list]:
        kind = self.rng.choice(["correct", "chained", "slip", "mistake", "mistake", "everywhere", "random"])
        share = float(self.rng.uniform(0.1, 0.9))
        if kind == "correct":
            return kind, self.lines(self.exact, self.pick(self.steps, share))
        if kind == "chained":
            places = int(self.rng.integers(2, 5))
            return kind, self.lines(hand_values(self.graph, self.given, places=places),
                                    self.pick(self.steps, share), places)
        if kind == "slip":
            key = self.steps[int(self.rng.integers(len(self.steps)))]
            slipped = self.exact[key] * float(self.rng.choice([1.1, 0.9, -1.0, 2.0])) + float(self.rng.choice([0, 0.01, 0.3]))
            values = hand_values(self.graph, self.given, {key: slipped})
            return kind, self.lines(values, self.pick(self.after(key), share))
        if kind in ("mistake", "everywhere"):
            rule, key, alternative = self.sites[int(self.rng.integers(len(self.sites)))]
            overrides = {key: alternative.expression}
            if kind == "everywhere":       # the same mistake at every step where it has one alternative
                per_site: dict = {}
                for r, k, a in self.sites:
                    if r is rule:
                        per_site.setdefault(k, []).append(a)
                overrides = {k: a[0].expression for k, a in per_site.items() if len(a) == 1} or overrides
                key = min(overrides, key=self.steps.index)
            values = hand_values(self.graph, self.given, overrides)
            return f"{kind}:{rule.name}", self.lines(values, self.pick(self.after(key), share * 0.6))
        noise = {k: v * float(self.rng.uniform(0.5, 1.5)) for k, v in self.exact.items()}
        return kind, self.lines(noise, self.pick(self.steps, share))

    def tolerance(self):
        roll = self.rng.random()
        if roll < 0.05:
            return Tolerance("absolute", 0.001)
        if roll < 0.1:
            return Tolerance("relative", 0.01)
        if roll < 0.13:
            return Tolerance("significant", 3.0)
        return None


def page_verdicts(page, sheets, asks=None) -> list[dict]:
    job = {"page": str(page), "sheets": [{"lines": lines, "asks": asks, "tolerance": None if t is None else
                                          {"kind": t.kind, "amount": t.amount}} for lines, t in sheets]}
    done = subprocess.run(["node", str(PAGE_CHECK)], input=json.dumps(job), capture_output=True, text=True,
                          check=True, timeout=600)
    return json.loads(done.stdout)


def _same_number(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-9 * max(1.0, abs(a))


def _python(entry) -> dict:
    data = entry.as_json()
    return {"name": entry.name, "key": data["key"], "verdict": entry.verdict, "mistake": entry.mistake,
            "diagnosis": entry.diagnosis, "note": entry.note, "given": data["given"],
            "expected": data["expected"], "recomputed": data["recomputed"],
            "candidates": list(getattr(entry, "candidates", ())), "same_as": getattr(entry, "same_as", None)}


def _mismatch(python: dict, page: dict) -> str | None:
    for field in ("name", "key", "verdict", "mistake", "diagnosis", "note", "candidates", "same_as"):
        if python[field] != page.get(field):
            return f"{field}: derive check {python[field]!r}, page {page.get(field)!r}"
    for field in ("given", "expected", "recomputed"):
        value = page.get(field)
        if not _same_number(python[field], None if value is None else float(value)):
            return f"{field}: derive check {python[field]!r}, page {value!r}"
    return None


@pytest.fixture(scope="module")
def node():
    return require("node")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SPECS))
def test_page_verdicts_equal_derive_check(name, node, tmp_path):
    """200 random sheets per network, 1200 in all."""
    compare(name, SHEETS_PER_SPEC, tmp_path)


@pytest.mark.parametrize("name", ["lecture", "relu-units-mse"])
def test_page_verdicts_equal_derive_check_quick(name, node, tmp_path):
    """The same on fewer sheets, for a quick run (-m "not slow")."""
    compare(name, 40, tmp_path, seed=1)


def compare(name: str, count: int, tmp_path, seed: int = 0) -> None:
    spec = load(name)
    page = tmp_path / "solution.html"
    page.write_text(solution_page(solve(spec)), encoding="utf-8")
    sheets = Sheets(spec, numpy.random.default_rng([2026, 12, seed, list(SPECS).index(name)]))
    drawn = [(sheets.sheet(), sheets.tolerance()) for _ in range(count)]
    results = page_verdicts(page, [(lines, tolerance) for (_, lines), tolerance in drawn])
    seen_verdicts, seen_mistakes = set(), set()
    for ((kind, lines), tolerance), result in zip(drawn, results):
        python = check_answers(spec, dict(lines), asks=None, tolerance=tolerance)
        assert "error" not in result, (kind, lines, result)
        assert len(result["entries"]) == len(python.entries), (kind, lines)
        for mine, theirs in zip(python.entries, result["entries"]):
            problem = _mismatch(_python(mine), theirs)
            assert problem is None, f"{name}, {kind} sheet {lines} (tolerance {tolerance}): {mine.name}: {problem}"
            seen_verdicts.add(mine.verdict)
            seen_mistakes.add(mine.mistake)
        assert result["counts"] == python.counts
    # The sheets reached every verdict and most named mistakes (each rule applies only to some networks).
    assert seen_verdicts == {"correct", "consistent", "wrong", "missing"}
    if count >= SHEETS_PER_SPEC:
        applicable = {rule.name for rule, _, _ in sheets.sites}
        assert len(seen_mistakes & applicable) >= 0.6 * len(applicable), sorted(applicable - seen_mistakes)


@pytest.mark.slow
def test_every_named_mistake_is_found_in_the_page(node, tmp_path):
    """Across the networks every registered mistake is diagnosed by the page at least once (named,
    or among the candidates where several explain the number equally)."""
    found = set()
    for n, name in enumerate(SPECS):
        spec = load(name)
        sheets = Sheets(spec, numpy.random.default_rng([7, n]))
        page = tmp_path / f"{name}.html"
        page.write_text(solution_page(solve(spec)), encoding="utf-8")
        cases = []
        for rule, key, alternative in sheets.sites:      # the mistake at one step, that step answered alone
            values = hand_values(sheets.graph, sheets.given, {key: alternative.expression})
            cases.append([(sheets.notation.plain(key), text_of(values[key], 6))])
        for lines, result in zip(cases, page_verdicts(page, [(c, None) for c in cases], asks=[])):
            python = check_answers(spec, dict(lines), asks=())
            assert len(python.entries) == len(result["entries"])
            for mine, theirs in zip(python.entries, result["entries"]):
                assert _mismatch(_python(mine), theirs) is None, (name, lines, _mismatch(_python(mine), theirs))
            for e in result["entries"]:
                found |= {e["mistake"], *e.get("candidates", [])}
    assert set(MISTAKES) <= found, sorted(set(MISTAKES) - found)
