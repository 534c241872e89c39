"""Canonical quantity keys: ``net[1,1]``, ``dE/dw[2,1,1]``, ``w_new[1,2,2]``.

A key names one quantity of the step graph independently of any notation.
Layers are numbered 0 (input) to L (output), neurons from 1.

>>> Key.parse("dE/dw[2,1,1]")
Key(kind='dE/dw', index=(2, 1, 1))
>>> str(Key("net", (1, 2)))
'net[1,2]'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import sympy

__all__ = ["Key", "KEY_PATTERN", "GIVEN_KINDS"]

KEY_PATTERN = re.compile(r"^(?P<kind>[A-Za-z_]+(?:/d[A-Za-z_]+)?)(?:\[(?P<index>\d+(?:,\d+)*)\])?$")

#: Kinds whose values come from the spec rather than from a formula.
GIVEN_KINDS = frozenset({"input", "target", "w", "b", "theta", "eta"})


@dataclass(frozen=True, order=True)
class Key:
    """The canonical name of one quantity: a kind and a tuple of indices."""

    kind: str
    index: tuple[int, ...] = ()

    def __str__(self) -> str:
        return self.text

    @cached_property
    def text(self) -> str:
        """``"w[2,1,1]"`` (computed once: keys are printed for every variant of an exam)."""
        if not self.index:
            return self.kind
        return f"{self.kind}[{','.join(map(str, self.index))}]"

    @classmethod
    def parse(cls, text: str) -> Key:
        """Parse ``"w[2,1,1]"``; raise ValueError when ``text`` is not a key."""
        match = KEY_PATTERN.match(text.replace(" ", ""))
        if not match:
            raise ValueError(f"not a quantity key: {text!r}")
        index = match.group("index")
        return cls(match.group("kind"), tuple(int(i) for i in index.split(",")) if index else ())

    @property
    def symbol(self) -> sympy.Symbol:
        """The SymPy symbol that stands for this quantity in formulas."""
        return _symbol(self)

    @property
    def is_derivative(self) -> bool:
        return "/" in self.kind

    @property
    def derivative_parts(self) -> tuple[str, str]:
        """For ``dE/dw`` return ``("E", "w")``: numerator and denominator kinds."""
        top, bottom = self.kind.split("/")
        return top[1:], bottom[1:]


_SYMBOLS: dict[Key, sympy.Symbol] = {}
_KEYS: dict[sympy.Symbol, Key] = {}


def _symbol(key: Key) -> sympy.Symbol:
    symbol = _SYMBOLS.get(key)
    if symbol is None:
        symbol = sympy.Symbol(str(key), real=True)
        _SYMBOLS[key] = symbol
        _KEYS[symbol] = key
    return symbol


def key_of(symbol: sympy.Basic) -> Key | None:
    """The key a symbol stands for, or None for a symbol that is not a quantity."""
    return _KEYS.get(symbol)
