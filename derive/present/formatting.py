"""How numbers are shown: rounded half up, at a fixed number of decimal places.

The rule, documented for users in docs/numbers.md:

* a value is rounded *half up* (0.12345 -> 0.1235 at 4 places; Python's
  ``round`` would give ties-to-even) from its shortest decimal representation;
* trailing zeros are dropped (0.35891648, not 0.358916480; 0.3775, not
  0.377500000);
* a non-zero value smaller than 1e-4 in magnitude (or of 1e15 and more) is
  shown in scientific notation with six significant digits (8.84296e-07), so
  that small gradients never print as 0.

Checking answers never depends on this rule: it compares against full
precision (see derive.check).

>>> format_number(0.593269992110187)
'0.593269992'
>>> format_number(0.12345, 4)
'0.1235'
>>> format_number(-8.842966e-07)
'-8.84297e-07'
>>> format_number(3.5e21)
'3.5e+21'
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

__all__ = ["DEFAULT_PRECISION", "to_decimal", "format_number", "format_fixed", "latex_number", "format_both",
           "format_all"]

#: The lecture prints 9 decimal places (0.593269992).
DEFAULT_PRECISION = 9
SCIENTIFIC_BELOW = Decimal("1e-4")
SCIENTIFIC_FROM = Decimal("1e15")     # a diverging run: keep the number readable (and within Decimal's precision)
SIGNIFICANT_DIGITS = 6
_WIDE = Context(prec=80)     # room for 1e15 at 30 decimal places


def to_decimal(value) -> Decimal:
    """The exact decimal a value stands for: a float's shortest repr, a SymPy number's digits."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if hasattr(value, "evalf"):  # SymPy number from the exact mode
        return Decimal(str(value.evalf(40)))
    return Decimal(str(value))


def _parts(value, places: int) -> tuple[str, int | None]:
    """Mantissa text and exponent (None for plain decimal notation)."""
    if type(value) is float and 1e-4 <= abs(value) < 1e15:
        # Fast path: correctly rounded binary formatting equals half-up rounding of the shortest
        # repr except at an exact decimal tie (repr ends in 5 just past the last place): go exact there.
        # In this range repr never uses an exponent and always has a point ("2.0").
        shortest = repr(value)
        decimals = len(shortest) - shortest.index(".") - 1
        if decimals <= places:
            return _strip_text(shortest), None
        if decimals > places + 1 or (decimals == places + 1 and not shortest.endswith("5")):
            return _strip_text(f"{value:.{places}f}"), None
    number = to_decimal(value)
    if not number.is_finite():
        return ("nan" if number.is_nan() else ("-inf" if number < 0 else "inf")), None
    if number != 0 and (abs(number) < SCIENTIFIC_BELOW or abs(number) >= SCIENTIFIC_FROM):
        exponent = number.adjusted()
        mantissa = number.scaleb(-exponent).quantize(
            Decimal(1).scaleb(1 - SIGNIFICANT_DIGITS), rounding=ROUND_HALF_UP)
        if abs(mantissa) >= 10:  # 9.999995 rounded up to 10.00000
            mantissa, exponent = mantissa / 10, exponent + 1
        return _strip(mantissa), exponent
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_WIDE)
    return _strip(rounded), None


def _strip(number: Decimal) -> str:
    return _strip_text(f"{number:f}")


def _strip_text(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_both(value, places: int = DEFAULT_PRECISION) -> tuple[str, str]:
    """(plain text, LaTeX) of one number, rounded once."""
    mantissa, exponent = _parts(value, places)
    if exponent is None:
        return mantissa, _LATEX_WORDS.get(mantissa, mantissa)
    return (f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}",
            rf"{mantissa} \cdot 10^{{{exponent}}}")


_LATEX_WORDS = {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{NaN}"}


def format_all(values, places: int = DEFAULT_PRECISION, fixed: bool = False) -> tuple[list[str], list[str]]:
    """(plain texts, LaTeX texts) of many numbers, each exactly as :func:`format_both` gives it
    (with ``fixed``: the plain texts of :func:`format_fixed`, trailing zeros kept).

    An exam formats every number of every variant, many variants in one call, so the list is
    printed by one ``%`` format and its trailing zeros cut, which is format_both's text for a float
    in plain notation (1e-4 <= |v|) that does not round to 0, small enough that its binary rounding
    to ``places`` equals the rounding of its shortest repr, and whose shortest repr does not sit at
    a decimal tie.  Which floats those are is decided on an array; every other number is printed
    again by format_both.

    >>> texts, latexes = format_all([0.25, 0.1234567891, 2.0, -2e-07, 0.1234567895], 9)
    >>> texts, latexes[3] == format_both(-2e-07)[1]
    (['0.25', '0.123456789', '2', '-2e-07', '0.12345679'], True)
    """
    values = list(values)
    if not values or places <= 0 or set(map(type, values)) != {float}:
        return _format_each(values, places, fixed)
    printed = (f"%.{places}f\x00" * len(values)) % tuple(values)
    texts = printed.split("\x00")[:-1]
    latexes = [text.rstrip("0").rstrip(".") for text in texts]
    if not fixed:
        texts = latexes.copy()
    for n in _not_plain(values, places):
        text, latexes[n] = format_both(values[n], places)
        texts[n] = format_fixed(values[n], places) if fixed else text
    return texts, latexes


def _format_each(values: list, places: int, fixed: bool) -> tuple[list[str], list[str]]:
    pairs = [format_both(value, places) for value in values]
    texts = [format_fixed(value, places) for value in values] if fixed else [text for text, _ in pairs]
    return texts, [latex for _, latex in pairs]


def _not_plain(values: list[float], places: int) -> list[int]:
    """The positions of the floats the ``%`` format may print otherwise than format_both."""
    import numpy

    array = numpy.array(values)
    size = numpy.abs(array)
    # Below 2**51 * 10**-places half a unit in the last place is under half a unit of the last
    # decimal: the binary value and its shortest repr round to the same decimals.  (NaN fails both.)
    plain = (size >= max(1e-4, 10.0 ** -places)) & (size < 2.0 ** 51 * 10.0 ** -places)
    if places + 1 <= 22:
        # A decimal tie (a shortest repr with places + 1 decimals, the last a 5) is the float nearest
        # to N * 10**-(places + 1), N a whole number ending in 5: scaled by the exact 10**(places + 1)
        # it lies within 2.3e-16 of its size of N (half a unit in its last place, and the product's
        # rounding), so within 1e-14 of its size, and below 1e15 it rounds to N itself.
        # Where the scaled number is too large for that test (1e15 and more), it is not plain.
        with numpy.errstate(invalid="ignore", over="ignore"):
            scaled = array * float(10 ** (places + 1))
            nearest = numpy.rint(scaled)
            tenths = numpy.abs(nearest) / 10      # exactly k + 0.5 for |N| = 10k + 5 (below 2**52), never else
            tie = (numpy.abs(scaled - nearest) <= 1e-14 * numpy.abs(scaled)) & (tenths - numpy.floor(tenths) == 0.5)
            plain &= ~tie & (numpy.abs(scaled) < 1e15)
    else:
        plain &= [not _tie(places).fullmatch(repr(value)) for value in values]
    return numpy.flatnonzero(~plain).tolist()


@lru_cache(maxsize=32)
def _tie(places: int) -> re.Pattern:
    """A shortest repr with exactly places + 1 decimals, the last a 5: a decimal tie, which half-up
    rounding and binary rounding may settle differently."""
    return re.compile(rf"-?\d+\.\d{{{places}}}5")


def format_fixed(value, places: int) -> str:
    """Like :func:`format_number`, but keeping trailing zeros (answer keys: 0.5540 at 4 places).

    >>> format_fixed(0.554, 4), format_fixed(-2, 4), format_fixed(3e-6, 4)
    ('0.5540', '-2.0000', '3e-06')
    """
    text = format_number(value, places)
    if "e" in text or places == 0 or not text.lstrip("-").replace(".", "").isdigit():
        return text
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(places, '0')}"


def format_number(value, places: int = DEFAULT_PRECISION) -> str:
    """Plain text: ``0.35891648``, ``-8.84297e-07``."""
    mantissa, exponent = _parts(value, places)
    if exponent is None:
        return mantissa
    return f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def latex_number(value, places: int = DEFAULT_PRECISION) -> str:
    """LaTeX: ``0.35891648``, ``-8.84297 \\cdot 10^{-7}``."""
    mantissa, exponent = _parts(value, places)
    if exponent is None:
        return _LATEX_WORDS.get(mantissa, mantissa)
    return rf"{mantissa} \cdot 10^{{{exponent}}}"


def vector_text(values, places: int = DEFAULT_PRECISION) -> str:
    """``(1, -0.5)``; a single number stays bare: ``2.4``.

    >>> vector_text([1.0, -0.5]), vector_text([2.4])
    ('(1, -0.5)', '2.4')
    """
    parts = [format_number(v, places) for v in values]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def vector_latex(values, places: int = DEFAULT_PRECISION) -> str:
    parts = [latex_number(v, places) for v in values]
    return parts[0] if len(parts) == 1 else r"\left(" + ", ".join(parts) + r"\right)"


#: Tables longer than this show their first and last rows (the JSON has them all).
MAX_ROWS = 60


def elide(rows: list) -> tuple[list, int]:
    """(rows to show, number left out): the first 40 and the last 10 of a long table."""
    if len(rows) <= MAX_ROWS:
        return rows, 0
    return rows[:40] + rows[-10:], len(rows) - 50


def dumps(data) -> str:
    """Deterministic JSON text (every file and stdout document); a non-finite number becomes null."""
    import json

    return json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _finite(data):
    if isinstance(data, float) and not (data == data and abs(data) != float("inf")):
        return None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data
