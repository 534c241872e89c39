"""Chained rounding: every quantity computed from the *rounded* values of the quantities it is
defined from, as a hand calculation does.

The quantities are walked in the step graph's order.  Each definition (the textbook formula
the sheet prints, not a stable equivalent) is evaluated at the rounded values of its inputs in
exact arithmetic: SymPy Rationals made from the decimals, so sums and products are exact;
where exp, log or tanh make a value irrational it is carried to 60 significant digits.  The
result is rounded half up at the quantity's precision (derive.core.rounding) and goes on to
the quantities defined from it.  A sum over paths (dE/dout of a hidden neuron) rounds each
path's term before adding them, as the lecture writes dE_total/dout_h1 = dE_o1/dout_h1 +
dE_o2/dout_h1.  Given numbers are used as given.  No binary float enters the chain.

>>> from derive.core.spec import builtin_spec
>>> from derive.core.graph import build_graph
>>> from derive.core.evaluate import given_values
>>> from derive.core.rounding import WIDE, Precision, Rounding
>>> spec = builtin_spec()
>>> chained = evaluate_chained(build_graph(spec.architecture), given_values(spec), Rounding(Precision(9)))
>>> chained.values[Key.parse("delta[2,2]")], chained.terms[Key.parse("dE/dout[1,1]")]
(Decimal('-0.038098237'), (Decimal('0.055399425'), Decimal('-0.019049119')))
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

import sympy

from derive.core.graph import Quantity, StepGraph
from derive.core.keys import Key, key_of
from derive.core.rounding import WIDE, Precision, Rounding

__all__ = ["Chained", "evaluate_chained", "CHAINED_DIGITS"]

#: Significant digits of an irrational intermediate before it is rounded (far beyond any precision).
CHAINED_DIGITS = 60
_NAN = Decimal("NaN")


@dataclass(frozen=True)
class Chained:
    """The chained values: each computed quantity rounded, and the rounded terms of sums over paths."""

    values: dict[Key, Decimal]
    precisions: dict[Key, Precision]          # the quantities rounded (not the given, nor copies of one)
    terms: dict[Key, tuple[Decimal, ...]]     # sums over paths: each path's rounded term, in order


def _given(value) -> Decimal:
    """A given number as typed: the shortest decimal of a float (0.1, not its binary neighbour)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _rounded(value: Decimal, precision: Precision | None) -> Decimal:
    return value if precision is None else precision.round(value)


def _decimal(value: sympy.Expr, precision: Precision | None) -> Decimal:
    """An exact SymPy value rounded half up at ``precision`` (None: not rounded, 60 digits where it
    is irrational); NaN where it is undefined (log of 0)."""
    if value.is_Rational:
        if precision is not None and not precision.significant:      # exact integer rounding: |p|/q * 10^N, half up
            p, q = abs(value.p), value.q
            scaled, remainder = divmod(p * 10 ** precision.digits, q)
            scaled += 2 * remainder >= q
            return Decimal((int(value.p < 0 and scaled > 0), tuple(map(int, str(scaled))), -precision.digits))
        number = WIDE.divide(Decimal(value.p), Decimal(value.q))
    else:
        number = value.evalf(CHAINED_DIGITS)
        if not number.is_Number or not number.is_finite or not number.is_real:
            return _NAN
        number = Decimal(str(number))
    return _rounded(number, precision)


def _formula(q: Quantity, shown, known: dict) -> sympy.Expr | None:
    """The printed formula of ``q`` where it uses only quantities already known, else its definition."""
    if shown is not None and q.definition is not None and all(s in known for s in shown.free_symbols):
        return shown
    return q.definition


def _parts(q: Quantity, formula: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """The terms a hand calculation rounds one by one: the paths of a sum over paths, else the whole."""
    return formula.args if q.role == "paths" and formula.is_Add else (formula,)


def evaluate_chained(graph: StepGraph, given: dict[Key, float], rounding: Rounding,
                     shown: dict[Key, sympy.Expr] | None = None) -> Chained:
    """Every quantity of ``graph`` from the rounded values of its inputs (see the module docstring).

    ``rounding.for_quantity(q)`` gives each computed quantity's precision; None leaves it unrounded
    (a step an answer sheet skips, done in one line with the next).

    ``shown`` maps a quantity to the formula the sheet prints for it, where a notation rewrites
    the definition (units: w46+ = w46 + eta*Err6*O4 rather than w46 - eta*dE/dw46): a hand
    calculation follows the printed formula, so the chain does too.
    """
    values: dict[Key, Decimal] = {}
    precisions: dict[Key, Precision] = {}
    terms: dict[Key, tuple[Decimal, ...]] = {}
    rationals: dict[sympy.Symbol, sympy.Expr] = {}
    for q in graph:
        formula = _formula(q, (shown or {}).get(q.key), rationals)
        if formula is None:
            value = _given(given[q.key])
        elif formula.is_Symbol:       # dnet_o1/dw5 = out_h1: that number itself (a given one as given)
            value = values[key_of(formula)]
        else:
            precision = rounding.for_quantity(q)
            if precision is not None:
                precisions[q.key] = precision
            parts = [_decimal(_substitute(part, rationals), precision) for part in _parts(q, formula)]
            if len(parts) > 1:
                terms[q.key] = tuple(parts)
                value = _rounded(functools.reduce(WIDE.add, parts), precision)
            else:
                value = parts[0]
        values[q.key] = value
        rationals[q.key.symbol] = sympy.Rational(*value.as_integer_ratio()) if value.is_finite() else sympy.nan
    return Chained(values, precisions, terms)


def _substitute(expression: sympy.Expr, rationals: dict) -> sympy.Expr:
    try:
        return sympy.sympify(expression).xreplace(rationals)
    except (ZeroDivisionError, TypeError):    # a rounded-to-zero denominator, a condition on NaN
        return sympy.nan
