"""Checking like for like: the chained-rounding solution at the precision of the student's sheet.

A student who rounds every step and goes on from the rounded number ends up a digit or two away
from the full-precision values.  With ``--chain-rounding`` the expected values are those of the
chained-rounding solution (derive.core.chained), and an answer that matches either it or the
full-precision value is correct:

* ``auto``: each quantity the sheet gives is rounded to the digits its answer has (0.332 to 3
  places, 0.1311 to 4); a step the sheet skips is not rounded, as it was done in one line with
  the next (w46+ = w46 + l * Err6 * O4, not via a rounded gradient);
* ``N`` / ``Nsig``: every quantity at N decimal places or N significant figures;
* ``off``: full precision only, even where the exercise has a ``rounding:`` of its own (the
  default uses it).

>>> from derive.core.spec import builtin_spec
>>> from derive.check.sheet import parse_sheet
>>> sheet = parse_sheet({"exercise": "lecture", "answers": {"out_h1": "0.5933", "net_o1": "1.106"}})
>>> rounding = sheet_rounding(sheet, "auto")
>>> rounding_words(rounding)
'the digits of each answer'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from derive.core.chained import evaluate_chained
from derive.core.keys import Key
from derive.core.rounding import Precision, parse_rounding
from derive.present.solution import presented

__all__ = ["AnswerRounding", "sheet_rounding", "chained_expected", "rounding_words", "OPTION"]

OPTION = "--chain-rounding"


@dataclass(frozen=True)
class AnswerRounding:
    """Each answered quantity at the decimal places its answer is written with; the rest unrounded."""

    places: tuple[tuple[Key, Precision], ...]

    def for_quantity(self, quantity) -> Precision | None:
        return dict(self.places).get(quantity.key)


def _places(text: str) -> int:
    """Decimal places an answer is written with: 0.1311 -> 4, 8.843e-07 -> 10, 2 -> 0."""
    return max(0, -Decimal(text).as_tuple().exponent)


def sheet_rounding(sheet, option: str | None):
    """The rounding the check compares with (None: full precision only)."""
    if option is None:
        return sheet.spec.rounding
    word = str(option).strip()
    if word == "off":
        return None
    if word == "auto":
        return AnswerRounding(tuple((a.key, Precision(_places(a.text))) for a in sheet.answers if a.text is not None))
    return parse_rounding(word, OPTION, "")


def chained_expected(graph, spec, given, rounding) -> dict[Key, float]:
    """The chained-rounding value of every quantity, computed from the printed formulas as the sheet shows them."""
    chained = evaluate_chained(graph, given, rounding, presented(graph, spec.notation))
    return {key: float(value) for key, value in chained.values.items()}


def rounding_words(rounding) -> str | None:
    """``the digits of each answer``, ``4 decimal places``, ``the exercise's rounding``."""
    if rounding is None:
        return None
    if isinstance(rounding, AnswerRounding):
        return "the digits of each answer"
    return rounding.default.words() if not rounding.by_name else "the exercise's rounding"
