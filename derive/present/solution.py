"""A solved spec: the step graph, its numbers, and every step as printable records.

The symbolic part of each step (its LaTeX name, definition and the definition
with placeholders for numbers) depends only on the architecture and notation,
so it is printed once and cached (:func:`skeleton`); each spec then only fills
in numbers.

>>> from derive.core.spec import builtin_spec
>>> s = solve(builtin_spec())
>>> s.step("w_new[2,1,1]").equation_numbers
'w_{5}^{+} = 0.4 - 0.5 \\\\cdot 0.082167041 = 0.35891648'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from operator import itemgetter

import sympy

from derive.core.chained import Chained, evaluate_chained
from derive.core.evaluate import evaluate_exact, evaluate_float, given_values
from derive.core.functions import get_loss
from derive.present.formatting import DEFAULT_PRECISION, format_all, format_number, latex_number
from derive.core.graph import StepGraph, build_graph
from derive.core.keys import Key
from derive.present.notations import Notation, get_notation
from derive.present.printing import PLACEHOLDER, QuantityLatexPrinter, QuantityStrPrinter
from derive.core.spec import NetworkSpec

__all__ = ["Step", "Solution", "solve", "skeleton", "known_targets", "template_solution", "fill_markers"]

_PLACEHOLDER_RE = re.compile("([\x00\x04])([^\x00\x04]+)[\x00\x04]")
# A number that is already the whole argument of \left( ... \right) (tanh, log) needs no parentheses
# of its own, even when negative: tanh(-0.15), not tanh((-0.15)).
_BARE_RE = re.compile("\\\\left\\(\x00([^\x00]+)\x00 ?\\\\right\\)")


@dataclass(frozen=True)
class StepSkeleton:
    """What a step looks like before numbers: names and symbolic formulas."""

    key: Key
    name: str                 # plain name in the notation: w5+
    latex: str                # LaTeX name: w_{5}^{+}
    definition: str           # LaTeX of the right-hand side, symbolic
    numbers_template: str     # the right-hand side with placeholders for the numbers
    formula: str              # plain text: w5+ = w5 - eta*dE_total/dw5
    depends_on: tuple[Key, ...]
    section: str
    layer: int | None
    role: str
    trivial: bool             # the definition is a single quantity (dnet_o1/dw5 = out_h1)
    constant: bool = False    # the definition is a number (dnet_h1/db1 = 1)


@dataclass(frozen=True)
class Step:
    """One step with its numbers: what the templates and JSON show."""

    skeleton: StepSkeleton
    value: float
    value_text: str           # 0.35891648
    value_latex: str
    numbers: str              # LaTeX of the right-hand side with numbers substituted
    exact: str | None = None  # full precision: 40 digits in --exact mode; with chained rounding, the float's repr
    terms: str = ""           # chained rounding, a sum over paths: its rounded terms, 0.055399425 + (-0.019049119)

    @property
    def equation(self) -> str:
        """``name = definition`` in LaTeX."""
        return f"{self.latex} = {self.definition}"

    @property
    def equation_numbers(self) -> str:
        """``name = numbers = value`` in LaTeX (or ``name = value`` for a given number)."""
        if self.section == "given":
            return f"{self.latex} = {self.value_latex}"
        if self.trivial:
            return f"{self.latex} = {self.definition} = {self.value_latex}"
        terms = f" = {self.terms}" if self.terms else ""
        return f"{self.latex} = {self.numbers}{terms} = {self.value_latex}"


def _from_skeleton(name: str) -> property:
    return property(lambda step: getattr(step.skeleton, name), doc=f"The skeleton's ``{name}``.")


# A step reads key, name, latex, definition, ... from its skeleton: the fields of StepSkeleton, no others.
for _field in fields(StepSkeleton):
    setattr(Step, _field.name, _from_skeleton(_field.name))


def known_targets(arch, given: dict) -> tuple[tuple[Key, int], ...]:
    """The targets of a cross-entropy loss that are exactly 0 or 1, which change how a loss term reads
    with its numbers: t·log(o) with t = 0 drops out and 1·log(o) loses its factor, so the sheet writes
    E_o1 = −log(0.751) rather than −(1·log(0.751) + (1 − 1)·log(1 − 0.751)), and a term of a one-hot
    target's 0 as its formula = 0 rather than −0·log(0.351) = 0."""
    if not get_loss(arch.loss).needs_probabilities:
        return ()
    targets = [(key, given[key]) for key in (Key("target", (k,)) for k in range(1, arch.layers[-1] + 1))]
    return tuple((key, int(t)) for key, t in targets if t == 0 or t == 1)


@lru_cache(maxsize=64)
def skeleton(graph: StepGraph, notation_name: str, known: tuple[tuple[Key, int], ...] = (),
             lr_symbol: str | None = None) -> tuple[Notation, dict[Key, StepSkeleton]]:
    """Print every step of a graph symbolically, once per architecture and notation; ``known``: the
    targets (:func:`known_targets`) put into the loss terms before their numbers; ``lr_symbol``: the
    learning rate's letter (the spec's ``lr_symbol``)."""
    notation = get_notation(notation_name, graph.architecture, lr_symbol)
    fixed = {key.symbol: sympy.Integer(t) for key, t in known}
    latex = QuantityLatexPrinter({"notation": notation})
    placeholders = QuantityLatexPrinter({"notation": notation, "placeholders": True})
    plain = QuantityStrPrinter({"notation": notation})
    steps = {}
    for q in graph:
        name = notation.plain(q.key)
        if q.definition is None:
            definition = numbers = ""
            formula = f"{name} (given)"
            trivial = True
        else:
            shown = notation.present(q.key, q.definition)
            definition = latex.doprint(shown)
            with_numbers = shown.xreplace(fixed) if fixed and q.key.kind == "E" else shown
            numbers = _BARE_RE.sub(lambda m: "\\left(\x04" + m.group(1) + "\x04\\right)",
                                   placeholders.doprint(with_numbers))
            formula = f"{name} = {plain.doprint(shown)}"
            trivial = shown.is_Symbol or shown.is_Number or with_numbers.is_Number
        constant = q.definition is not None and shown.is_Number
        steps[q.key] = StepSkeleton(q.key, name, notation.latex(q.key), definition, numbers, formula,
                                    q.depends_on, q.section, q.layer, q.role, trivial, constant)
    return notation, steps


@lru_cache(maxsize=64)
def presented(graph: StepGraph, notation_name: str) -> dict:
    """{key: the formula the sheet prints for it} where the notation rewrites the definition."""
    notation = get_notation(notation_name, graph.architecture)
    shown = {q.key: notation.present(q.key, q.definition) for q in graph if q.definition is not None}
    return {key: formula for key, formula in shown.items() if formula is not graph[key].definition}


def fill(template: str, values_latex: dict[Key, str], bare: dict[Key, str] | None = None) -> str:
    """Replace the number placeholders of a skeleton."""
    bare = bare if bare is not None else values_latex
    return _PLACEHOLDER_RE.sub(lambda m: (bare if m.group(1) == "\x04" else values_latex)[Key.parse(m.group(2))],
                               template)


@dataclass(frozen=True)
class Solution:
    """One solved step of one spec."""

    spec: NetworkSpec
    graph: StepGraph
    notation: Notation
    steps: dict[Key, Step]
    precision: int
    exact: bool
    chained: Chained | None = None     # the chained-rounding values, when the spec has a rounding

    def step(self, key: str | Key) -> Step:
        """The step of a quantity, named by its canonical key or by its plain name in the notation.

        >>> from derive.core.spec import builtin_spec
        >>> s = solve(builtin_spec())
        >>> s.step("w5+") is s.step("w_new[2,1,1]")
        True
        """
        if isinstance(key, Key):
            return self.steps[key]
        names = self._keys_by_name
        found = names.get(str(key).replace(" ", ""))
        if found is None:
            try:
                found = Key.parse(str(key))
            except ValueError:
                pass
        if found not in self.steps:
            from derive.core.errors import InputError, suggest

            raise InputError("value", "", "a quantity of this solution: a key such as w_new[2,1,1] or its plain name",
                             got=repr(str(key)), suggestion=suggest(str(key), names))
        return self.steps[found]

    def value(self, key: str | Key) -> float:
        """The value of one quantity (its key or plain name), at full precision.

        >>> from derive.core.spec import builtin_spec
        >>> round(solve(builtin_spec()).value("w5+"), 8)
        0.35891648
        """
        return self.step(key).value

    @cached_property
    def _keys_by_name(self) -> dict[str, Key]:
        names = {str(k): k for k in self.steps}
        names.update({s.name.replace(" ", ""): k for k, s in self.steps.items()})
        return names

    def __repr__(self) -> str:
        arch = self.spec.architecture
        return (f"<Solution of {self.spec.name!r}: layers {list(arch.layers)}, loss {arch.loss}, "
                f"{len(self.steps)} quantities; .value(name), .steps>")

    def section(self, section: str, layer: int | None = None) -> list[Step]:
        return [s for s in self.steps.values() if s.section == section and (layer is None or s.layer == layer)]

    @property
    def values(self) -> dict[Key, float]:
        return {k: s.value for k, s in self.steps.items()}


def given_places(value) -> int:
    """Decimal places of a number as typed in the spec (its shortest representation): 0.12345 -> 5."""
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        decimals = len(mantissa.partition(".")[2].rstrip("0"))
        return max(0, decimals - int(exponent))
    return len(text.partition(".")[2].rstrip("0"))


def _parenthesised(text: str) -> str:
    return rf"\left({text}\right)" if text.startswith("-") else text


def solve(spec: NetworkSpec, exact: bool = False, precision: int = DEFAULT_PRECISION,
          notation: str | None = None, given: dict[Key, float] | None = None) -> Solution:
    """Evaluate the spec's step graph and print every step with its numbers.

    ``given`` overrides the given numbers (weights after earlier training steps, another example).
    With ``spec.rounding`` every step is the chained-rounding value (derive.core.chained) and
    ``Step.exact`` the full-precision one.
    """
    graph = build_graph(spec.architecture)
    given = given or given_values(spec)
    notation_obj, skeletons = skeleton(graph, notation or spec.notation, known_targets(spec.architecture, given),
                                       spec.lr_symbol)
    exact_values = evaluate_exact(graph, given) if exact else None
    values = {k: float(v) for k, v in exact_values.items()} if exact else evaluate_float(graph, given)
    full = {k: str(v.evalf(40)) for k, v in exact_values.items()} if exact else None
    shown = exact_values if exact else values
    chained = (evaluate_chained(graph, given, spec.rounding, presented(graph, notation_obj.name))
               if spec.rounding is not None else None)
    if chained is not None:
        full = full or {k: repr(v) for k, v in values.items()}
        shown = chained.values
        values = {k: float(v) for k, v in shown.items()}
    # The exercise's own numbers are shown as given, whatever the precision of the computed ones;
    # a chained value as it was rounded.
    places = {k: max(precision, given_places(given[k])) if sk.section == "given"
              else max(precision, -shown[k].as_tuple().exponent) if chained is not None and shown[k].is_finite()
              else precision for k, sk in skeletons.items()}
    value_latex = {k: latex_number(shown[k], places[k]) for k in skeletons}
    in_formula = {k: _parenthesised(v) for k, v in value_latex.items()}
    steps = {}
    for key, sk in skeletons.items():
        terms = ""
        if chained is not None and key in chained.terms:   # the rounded terms a hand calculation adds up
            terms = " + ".join(_parenthesised(latex_number(t, places[key])) for t in chained.terms[key])
        steps[key] = Step(sk, values[key], format_number(shown[key], places[key]), value_latex[key],
                          fill(sk.numbers_template, in_formula, value_latex) if sk.numbers_template else "",
                          full[key] if full else None, terms)
    return Solution(spec, graph, notation_obj, steps, precision, exact, chained)


# -- many variants of one architecture: render once with markers, fill numbers per variant ------------

_MARKS = {"value_latex": "\x02", "value_text": "\x03", "in_formula": "\x01"}


def template_solution(spec: NetworkSpec, precision: int = DEFAULT_PRECISION,
                      notation: str | None = None, known: tuple[tuple[Key, int], ...] = ()) -> Solution:
    """A Solution whose numbers are markers; render it once (per pattern of ``known`` targets, see
    :func:`known_targets`), then :func:`fill_markers` per variant."""
    graph = build_graph(spec.architecture)
    notation_obj, skeletons = skeleton(graph, notation or spec.notation, known, spec.lr_symbol)
    mark = {name: {k: f"{m}{k}{m}" for k in skeletons} for name, m in _MARKS.items()}
    steps = {key: Step(sk, math.nan, mark["value_text"][key], mark["value_latex"][key],
                       fill(sk.numbers_template, mark["in_formula"], mark["value_latex"])
                       if sk.numbers_template else "")
             for key, sk in skeletons.items()}
    return Solution(spec, graph, notation_obj, steps, precision, False)


def marker_table(values: dict, precision: int = DEFAULT_PRECISION,
                 numbers: tuple[list[str], list[str]] | None = None) -> dict[str, str]:
    """Every marker of a template solution mapped to one variant's formatted number; ``numbers``:
    the values' (texts, LaTeX) from format_all, when many variants' numbers were formatted in one
    call (then ``values`` need only be the keys, in the same order)."""
    texts, latexes = numbers or format_all(values.values(), precision)
    text_markers, latex_markers, formula_markers = _marker_names(tuple(values))
    table = dict(zip(text_markers, texts))
    table.update(zip(latex_markers, latexes))
    table.update(zip(formula_markers, [rf"\left({x}\right)" if x[0] == "-" else x for x in latexes]))
    return table


#: The markers (text, LaTeX, LaTeX in a formula) of the keys seen last: every variant of an exam
#: has the same keys (the same objects, so comparing the tuples costs one pointer test each).
_LAST_NAMES: list = [(), ((), (), ())]


def _marker_names(keys: tuple[Key, ...]) -> tuple[list[str], list[str], list[str]]:
    if keys != _LAST_NAMES[0]:
        names = [str(key) for key in keys]
        _LAST_NAMES[:] = keys, ([f"\x03{n}\x03" for n in names], [f"\x02{n}\x02" for n in names],
                                [f"\x01{n}\x01" for n in names])
    return _LAST_NAMES[1]


_SPLIT_RE = re.compile("(\x01[^\x01]+\x01|\x02[^\x02]+\x02|\x03[^\x03]+\x03|\x05[^\x05]+\x05)")


@lru_cache(maxsize=256)
def _pieces(text: str) -> tuple[list[str], object]:
    """A rendered template cut into literal text and markers, and a getter of its markers' numbers
    from a table (one C-level lookup of every marker; made once per template)."""
    pieces = _SPLIT_RE.split(text)
    markers = pieces[1::2]
    if not markers:
        return pieces, lambda table: ()
    get = itemgetter(*markers)
    return pieces, (get if len(markers) > 1 else lambda table: (get(table),))


def fill_markers(text: str, values: dict, precision: int = DEFAULT_PRECISION) -> str:
    """Replace the markers of a rendered template solution by one variant's numbers.

    ``values`` is {Key: number}, or a table made once per variant by :func:`marker_table`.
    """
    table = values if values and isinstance(next(iter(values)), str) else marker_table(values, precision)
    pieces, numbers = _pieces(text)
    filled = pieces.copy()
    filled[1::2] = numbers(table)
    return "".join(filled)
