"""How a hand calculation rounds: a precision per quantity, read from a spec or a flag.

A precision is a number of decimal places (``4``) or of significant figures
(``"4sig"``); a rounding gives one to every computed quantity, by its kind
(``out``, ``delta``, ``w_new``, ...), else by its section (``forward``,
``error``, ``backward``, ``update``), else the ``default``.  Rounding is half
up (away from zero at a tie), on exact decimals.

>>> r = parse_rounding({"default": 3, "backward": 4}, "hkp.yaml", "rounding")
>>> r.precision("delta", "backward").round(Decimal("-0.13114"))
Decimal('-0.1311')
>>> parse_rounding("4sig", "--chain-rounding", "").default.round(Decimal("0.000438568"))
Decimal('0.0004386')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from derive.core.errors import InputError, suggest

__all__ = ["Precision", "Rounding", "parse_rounding", "KINDS", "SECTIONS", "MAX_PLACES", "WIDE"]

#: The computed quantities' kinds (CONTRACT §2), each of which may have a precision of its own.
KINDS = ("net", "out", "E", "dE/dout", "dout/dnet", "delta", "dnet/dout", "dnet/dw", "dnet/db", "dnet/dtheta",
         "dE/dw", "dE/db", "dE/dtheta", "w_new", "b_new", "theta_new")
#: The step graph's sections of computed quantities, in the worked solution's order.
SECTIONS = ("forward", "error", "backward", "update")
MAX_PLACES = 30
MAX_SIGNIFICANT = 30
_SIGNIFICANT = re.compile(r"^\s*(\d+)\s*sig\s*$")
#: Room for every digit: 1e15 at 30 decimal places, and the exact sums and products of such numbers.
WIDE = Context(prec=100)
_EXPECTED = f"decimal places (0 to {MAX_PLACES}) or significant figures such as 4sig"


@dataclass(frozen=True)
class Precision:
    """Round to ``digits`` decimal places, or to ``digits`` significant figures."""

    digits: int
    significant: bool = False

    def round(self, value: Decimal) -> Decimal:
        """``value`` rounded half up (a non-finite value stays as it is)."""
        if not value.is_finite():
            return value
        if self.significant:
            if value == 0:
                return Decimal(0).quantize(Decimal(1).scaleb(1 - self.digits))
            rounded = self._quantize(value, value.adjusted() + 1 - self.digits)
            if rounded.adjusted() > value.adjusted():      # 9.9996 -> 10.000 at 4 figures: 10.00
                rounded = self._quantize(rounded, rounded.adjusted() + 1 - self.digits)
            return rounded
        return self._quantize(value, -self.digits)

    @staticmethod
    def _quantize(value: Decimal, exponent: int) -> Decimal:
        rounded = value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP, context=WIDE)
        return rounded.copy_abs() if rounded.is_zero() else rounded     # -0.0004 at 3 places is 0.000, not -0.000

    def to_data(self):
        """As a spec writes it: ``4`` or ``"4sig"``."""
        return f"{self.digits}sig" if self.significant else self.digits

    def words(self) -> str:
        """``4 decimal places``, ``3 significant figures``."""
        unit = "significant figure" if self.significant else "decimal place"
        return f"{self.digits} {unit}{'' if self.digits == 1 else 's'}"


@dataclass(frozen=True)
class Rounding:
    """A precision for every computed quantity: by kind, else by section, else ``default``."""

    default: Precision
    by_name: tuple[tuple[str, Precision], ...] = ()   # (kind or section, precision), as the spec lists them

    def precision(self, kind: str, section: str) -> Precision:
        names = dict(self.by_name)
        return names.get(kind) or names.get(section) or self.default

    def for_quantity(self, quantity) -> Precision:
        """The precision of one quantity of the step graph (derive.core.graph.Quantity)."""
        return self.precision(quantity.key.kind, quantity.section)

    def to_data(self):
        """As a spec writes it: ``4``, ``"4sig"`` or ``{default: 3, backward: 4}``; parse_rounding reads it back."""
        if not self.by_name:
            return self.default.to_data()
        return {"default": self.default.to_data(), **{name: p.to_data() for name, p in self.by_name}}


def _precision(raw, source: str, field: str) -> Precision:
    if isinstance(raw, int) and not isinstance(raw, bool):
        if 0 <= raw <= MAX_PLACES:
            return Precision(raw)
        raise InputError(source, field, _EXPECTED, got=repr(raw))
    if isinstance(raw, str):
        word = raw.strip()
        if word.isdigit():
            return _precision(int(word), source, field)
        match = _SIGNIFICANT.match(word)
        if match and 1 <= int(match.group(1)) <= MAX_SIGNIFICANT:
            return Precision(int(match.group(1)), significant=True)
        hint = "write 4sig for 4 significant figures" if "sig" in word or "sf" in word else None
        raise InputError(source, field, _EXPECTED, got=f"the text {raw!r}", suggestion=hint)
    got = "a mapping" if isinstance(raw, dict) else "nothing" if raw is None else \
        "a list" if isinstance(raw, list) else repr(raw)
    raise InputError(source, field, _EXPECTED, got=got)


def parse_rounding(raw, source: str, field: str = "rounding") -> Rounding:
    """``4``, ``"4sig"`` or a mapping ``{default: 4, out: 3, ...}`` (kinds and sections) as a Rounding;
    anything else is refused with one line naming ``source`` and ``field``."""
    if not isinstance(raw, dict):
        return Rounding(_precision(raw, source, field))
    at = f"{field}." if field else ""
    names = KINDS + SECTIONS
    by_name = []
    for name, value in raw.items():
        name = str(name)
        if name == "default":
            continue
        if name not in names:
            raise InputError(source, f"{at}{name}", "a quantity kind (" + ", ".join(KINDS) + "), a section ("
                             + ", ".join(SECTIONS) + ") or default", got="an unknown name",
                             suggestion=suggest(name, names + ("default",)))
        by_name.append((name, _precision(value, source, f"{at}{name}")))
    if "default" not in raw:
        raise InputError(source, f"{at}default", "a default precision for the quantities not listed "
                         "(e.g. default: 4)", got="nothing")
    return Rounding(_precision(raw["default"], source, f"{at}default"), tuple(by_name))
