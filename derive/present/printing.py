"""The one place where quantities become LaTeX or plain text.

:class:`QuantityLatexPrinter` is a SymPy ``LatexPrinter`` that prints every
quantity symbol through a notation (``w_{5}``, ``\\mathit{out}_{h1}``) or, in
substitution mode, as its number; :class:`QuantityStrPrinter` does the same for
plain text formulas (``net_h1 = w1*i1 + w2*i2 + b1``).  Terms keep the order in
which the step graph built them.
"""

from __future__ import annotations

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from derive.core.keys import key_of

__all__ = ["QuantityLatexPrinter", "QuantityStrPrinter", "plain_latex", "PLACEHOLDER"]

#: Marks a number to be filled in later: derive once per architecture, fill per variant.
PLACEHOLDER = "\x00{}\x00"


class QuantityLatexPrinter(LatexPrinter):
    """LaTeX of step-graph expressions.

    Settings: ``notation`` (names the symbols); ``placeholders`` (print each
    quantity as ``PLACEHOLDER.format(key)`` so numbers can be filled in later).
    """

    _default_settings = {**LatexPrinter._default_settings, "notation": None, "placeholders": False,
                         "order": "none", "mul_symbol": "dot"}

    def _print_Symbol(self, expr, style="plain"):
        key = key_of(expr)
        if key is None:
            return super()._print_Symbol(expr, style)
        if self._settings["placeholders"]:
            return PLACEHOLDER.format(key)
        return self._settings["notation"].latex(key)

    def _print_Mul(self, expr):
        # A leading fraction stays in front: 1/2 (t - o)^2 rather than (t - o)^2 / 2.
        head, *rest = expr.args
        if isinstance(head, sympy.Rational) and not head.is_Integer and rest and head.p == 1:
            tail = rest[0] if len(rest) == 1 else sympy.Mul(*rest, evaluate=False)
            return rf"\frac{{1}}{{{head.q}}} {self.parenthesize(tail, PRECEDENCE['Mul'])}"
        return super()._print_Mul(expr)


class QuantityStrPrinter(StrPrinter):
    """Plain-text formulas with the notation's plain names."""

    _default_settings = {**StrPrinter._default_settings, "notation": None, "order": "none"}

    def _print_Symbol(self, expr):
        key = key_of(expr)
        return self._settings["notation"].plain(key) if key is not None else super()._print_Symbol(expr)


def plain_latex(expr) -> str:
    """LaTeX of an expression in ordinary symbols (x, t), for conventions paragraphs."""
    return QuantityLatexPrinter({"notation": None}).doprint(expr)
