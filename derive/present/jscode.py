"""Steps of the graph as JavaScript, for the checker that runs in a self-checking page.

:class:`StepJsPrinter` is SymPy's ``JavascriptCodePrinter`` with each quantity
printed as an argument of the step's function (``a[0]``, ``a[1]``, ... in the
order of its inputs) and with the few operations where Python and JavaScript
disagree routed through helpers of the page's checker (``X.exp``, ``X.log``,
``X.pow``, ``X.max``): Python's ``math`` raises where JavaScript returns
Infinity (``exp(1000)``, ``log(0)``, ``1/0``), and Python's ``max`` keeps its
first argument against a NaN.  The checker turns a raise into NaN for the
whole step, as derive.check.world does.

>>> import sympy
>>> from derive.core.keys import Key
>>> net, out = Key.parse("net[1,1]"), Key.parse("out[1,1]")
>>> step_js(1 / (1 + sympy.exp(-net.symbol)), (net,))
'function (a, X) { return X.pow(1 + X.exp(-a[0]), -1); }'
>>> step_js(out.symbol * (1 - out.symbol), (out,))
'function (a, X) { return a[0]*(1 - a[0]); }'
"""

from __future__ import annotations

import sympy
from sympy.printing.jscode import JavascriptCodePrinter
from sympy.printing.precedence import precedence

from derive.core.keys import Key, key_of

__all__ = ["StepJsPrinter", "step_js"]


class StepJsPrinter(JavascriptCodePrinter):
    """JavaScript expressions of step-graph formulas (see the module docstring).

    Setting ``arguments``: {Key: argument index}; a symbol of no listed quantity is refused.
    """

    _default_settings = {**JavascriptCodePrinter._default_settings, "arguments": None, "strict": True}

    def _print_Symbol(self, expr):
        key = key_of(expr)
        if key is None or key not in self._settings["arguments"]:
            raise ValueError(f"{expr} is not an input of the printed step")
        return f"a[{self._settings['arguments'][key]}]"

    def _print_Float(self, expr):
        return repr(float(expr))          # every digit of the double, as Python's lambdify writes it

    def _print_Pow(self, expr):
        base, exponent = (self._print(a) for a in expr.args)
        return f"X.pow({base}, {exponent})"

    def _print_Mul(self, expr):
        # Every factor printed as itself (no a/b rewriting: a division by 0 goes through X.pow).
        factors = expr.args
        if factors and factors[0] == -1:
            rest = sympy.Mul(*factors[1:], evaluate=False) if len(factors) > 2 else factors[1]
            return "-" + self.parenthesize(rest, precedence(expr))
        return "*".join(self.parenthesize(f, precedence(expr)) for f in factors)

    def _print_exp(self, expr):
        return f"X.exp({self._print(expr.args[0])})"

    def _print_log(self, expr):
        return f"X.log({self._print(expr.args[0])})"

    def _print_Max(self, expr):
        return f"X.max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"X.min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Piecewise(self, expr):
        if expr.args[-1].cond != True:       # noqa: E712 (a SymPy true)
            raise ValueError("a Piecewise without a final 'otherwise' branch")
        text = self._print(expr.args[-1].expr)
        for piece, condition in reversed(expr.args[:-1]):
            text = f"(({self._print(condition)}) ? ({self._print(piece)}) : ({text}))"
        return text


def step_js(expression, inputs: tuple[Key, ...]) -> str:
    """``function (a, X) { return ...; }`` of ``expression``, whose inputs' values come as ``a`` and the checker's helpers as ``X``."""
    printer = StepJsPrinter({"arguments": {key: n for n, key in enumerate(inputs)}})
    return f"function (a, X) {{ return {printer.doprint(sympy.sympify(expression))}; }}"
