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

__all__ = ["Key", "KEY_PATTERN", "GIVEN_KINDS", "PARAMETER_KINDS"]

KEY_PATTERN = re.compile(r"^(?P<kind>[A-Za-z_]+(?:/d[A-Za-z_]+)?)(?:\[(?P<index>\d+(?:,\d+)*)\])?$")

#: Kinds whose values come from the spec rather than from a formula.
GIVEN_KINDS = frozenset({"input", "target", "w", "b", "theta", "eta"})

# The one place where a quantity, its gradient and its value after the update are related
# (Key.gradient, Key.updated, Key.parameter).  dE/dnet is the error signal delta.
_GRADIENT_KIND = {"out": "dE/dout", "net": "delta", "w": "dE/dw", "b": "dE/db", "theta": "dE/dtheta"}
_UPDATED_KIND = {"w": "w_new", "b": "b_new", "theta": "theta_new"}
_UPDATED_KINDS = frozenset(_UPDATED_KIND.values())
_PARAMETER_KIND = {v: k for table in (_GRADIENT_KIND, _UPDATED_KIND) for k, v in table.items()}

#: The kinds gradient descent updates: weights, biases, thresholds.
PARAMETER_KINDS = frozenset(_UPDATED_KIND)


@dataclass(frozen=True, order=True)
class Key:
    """The canonical name of one quantity: a kind and a tuple of indices."""

    kind: str
    index: tuple[int, ...] = ()

    def __str__(self) -> str:
        return self.text

    def __hash__(self) -> int:
        # Keys index every dict of numbers; hashing the fields anew each time was a tenth of a long run.
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = self.__dict__["_hash"] = hash((self.kind, self.index))
        return cached

    def __reduce__(self):
        # Pickled (to exam worker processes) as its fields: a cached hash belongs to one process.
        return (Key, (self.kind, self.index))

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
    def is_parameter(self) -> bool:
        """A weight, bias or threshold: what gradient descent updates."""
        return self.kind in PARAMETER_KINDS

    @property
    def is_updated(self) -> bool:
        """A parameter's value after the update (``w_new[2,1,1]``)."""
        return self.kind in _UPDATED_KINDS

    @property
    def gradient(self) -> Key | None:
        """The gradient of the total error with respect to this quantity, or None where it has none.

        >>> str(Key.parse("w[2,1,1]").gradient), str(Key.parse("theta[1]").gradient), str(Key.parse("net[2,1]").gradient)
        ('dE/dw[2,1,1]', 'dE/dtheta[1]', 'delta[2,1]')
        >>> Key("eta").gradient is None
        True
        """
        kind = _GRADIENT_KIND.get(self.kind)
        return Key(kind, self.index) if kind else None

    @property
    def updated(self) -> Key | None:
        """This parameter's value after the update, or None for a quantity that is not updated.

        >>> str(Key.parse("w[2,1,1]").updated), str(Key.parse("b[1,2]").updated), Key.parse("out[1,1]").updated
        ('w_new[2,1,1]', 'b_new[1,2]', None)
        """
        kind = _UPDATED_KIND.get(self.kind)
        return Key(kind, self.index) if kind else None

    @property
    def parameter(self) -> Key | None:
        """The quantity whose gradient or updated value this is (the inverse of both), else None.

        >>> str(Key.parse("dE/dw[2,1,1]").parameter), str(Key.parse("w_new[2,1,1]").parameter)
        ('w[2,1,1]', 'w[2,1,1]')
        >>> str(Key.parse("theta_new[1]").parameter), str(Key.parse("delta[2,1]").parameter), Key("E").parameter
        ('theta[1]', 'net[2,1]', None)
        """
        kind = _PARAMETER_KIND.get(self.kind)
        return Key(kind, self.index) if kind else None

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
