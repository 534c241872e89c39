"""A safe parser for function text: ``"x**2 + 10*y^2"`` -> a SymPy expression.

The text is read as mathematics by a small tokenizer and a recursive-descent
parser that builds SymPy objects directly; it is never handed to ``eval``,
``sympify`` or ``parse_expr``.  Only numbers, variable names, ``+ - * / ^ **``,
parentheses and the functions in :data:`FUNCTIONS` are accepted; anything else
(attribute access, dunder names, ``lambda``, strings, imports) is refused with
an :class:`~derive.core.errors.InputError` naming the option and the position.

>>> parse_function("x^2 - 3*x")
x**2 - 3*x
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy

from derive.core.errors import InputError, suggest

__all__ = ["FUNCTIONS", "MANY_ARGUMENTS", "CONSTANTS", "parse_function", "parse_constant", "sigmoid"]

MAX_LENGTH = 2000
MAX_NESTING = 60
#: Largest power of ten a constant may reach, and most digits an exact constant power may have,
#: so ``10^10^10`` and ``(1 + 1/10^9)^(10^9)`` cannot hang SymPy.
MAX_DIGITS = 400
#: Highest degree a function text may reach once its powers are multiplied out (x^1000, or
#: sin(x)^1000, counting a function of x as degree 1), so that differentiating, expanding or
#: solving it stays quick: ``(x^999999)^999999`` and ``(x+1)^999999`` are refused.
MAX_DEGREE = 1000


def sigmoid(z):
    """The logistic function 1/(1+e^(-z)), written out so SymPy can differentiate it."""
    return 1 / (1 + sympy.exp(-z))


#: The functions a function text may call (name -> builder of one argument).
FUNCTIONS = {
    "exp": sympy.exp, "log": sympy.log, "ln": sympy.log, "sqrt": sympy.sqrt,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "atan": sympy.atan, "arctan": sympy.atan,
    "abs": sympy.Abs, "Abs": sympy.Abs, "sigmoid": sigmoid,
    "floor": sympy.floor, "ceil": sympy.ceiling,
}
#: Functions of two or more arguments (for schedules: StepLR is 0.05*0.1^floor(t/30), a linear
#: warm-up min(1, (t+1)/10)).
MANY_ARGUMENTS = {"min": sympy.Min, "max": sympy.Max}
#: Named constants; ``e`` is Euler's number, so ``e^(-x)`` means what it says.
CONSTANTS = {"pi": sympy.pi, "e": sympy.E}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),])
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str      # "number", "name", "op" or "end"
    text: str
    position: int  # 1-based column in the function text, as people count


def tokenize(text: str, option: str = "--function") -> list[Token]:
    """Split function text into tokens, refusing any character outside the grammar.

    >>> [t.text for t in tokenize("2*x^2")]
    ['2', '*', 'x', '^', '2', '']
    """
    if len(text) > MAX_LENGTH:
        raise InputError(option, "", f"a function text of at most {MAX_LENGTH} characters",
                         got=f"{len(text)} characters")
    tokens, index = [], 0
    while index < len(text):
        match = _TOKEN.match(text, index)
        if match is None:
            raise InputError(option, f"position {index + 1}", _expected_at(text, index),
                             got=repr(text[index]), suggestion=_hint_for(text, index))
        if match.lastgroup == "name" and (keyword.iskeyword(match.group())):
            raise InputError(option, f"position {index + 1}", "a variable or function name",
                             got=repr(match.group()),
                             suggestion=f"'{match.group()}' is Python syntax, which is not accepted")
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup, match.group(), index + 1))
        index = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _expected_at(text: str, index: int) -> str:
    return "a number, a name, an operator + - * / ^ ** or a parenthesis"


def _hint_for(text: str, index: int) -> str | None:
    """A word of advice for the characters people most often try."""
    char = text[index]
    if char == "_":
        return "names start with a letter; Python names such as __import__ are not mathematics"
    if char == ".":
        return "attribute access is not mathematics; write e.g. 0.5 for a decimal"
    if char in "'\"":
        return "text in quotes is not mathematics"
    if char in "[]{}":
        return "use round parentheses ( )"
    if char == ":":
        return "lambda and other Python syntax are not accepted"
    return None


class _Parser:
    """Recursive descent over the grammar

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | power
    power      := primary (("^" | "**") unary)?      (right-associative: 2^3^2 = 2^9)
    primary    := NUMBER | NAME | NAME "(" expression ")" | "(" expression ")"
    """

    def __init__(self, text: str, option: str, variables: dict[str, sympy.Symbol]):
        self.text, self.option, self.variables = text, option, variables
        self.tokens = tokenize(text, option)
        self.index, self.depth = 0, 0

    # --- helpers ---------------------------------------------------------
    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def refuse(self, expected: str, token: Token | None = None, suggestion: str | None = None):
        token = token or self.current
        got = "the end of the text" if token.kind == "end" else repr(token.text)
        raise InputError(self.option, f"position {token.position}", expected, got=got, suggestion=suggestion)

    def expect(self, text: str, opened: Token | None = None):
        if self.current.text != text or self.current.kind != "op":
            hint = f"the '(' at position {opened.position} is never closed" if opened else None
            self.refuse(f"'{text}'", suggestion=hint)
        return self.advance()

    # --- grammar ---------------------------------------------------------
    def parse(self) -> sympy.Expr:
        if self.current.kind == "end":
            self.refuse("a formula such as x**2")
        expression = self.expression()
        if self.current.kind != "end":
            token = self.current
            if token.text == ")":
                self.refuse("an operator or the end of the text", suggestion="this ')' has no matching '('")
            hint = "write the multiplication sign, e.g. 2*x" if token.kind in ("name", "number") \
                or token.text == "(" else None
            self.refuse("an operator or the end of the text", suggestion=hint)
        return expression

    def expression(self):
        value = self.term()
        while self.current.text in ("+", "-") and self.current.kind == "op":
            operator = self.advance().text
            right = self.term()
            value = value + right if operator == "+" else value - right
        return value

    def term(self):
        value = self.unary()
        while self.current.text in ("*", "/") and self.current.kind == "op":
            operator = self.advance()
            right = self.unary()
            if operator.text == "/" and right == 0:
                self.refuse("a divisor that is not zero", operator)
            value = value * right if operator.text == "*" else value / right
        return value

    def unary(self):
        if self.current.kind == "op" and self.current.text in ("-", "+"):
            operator = self.advance().text
            with self.nested():
                operand = self.unary()
            return -operand if operator == "-" else operand
        return self.power()

    def power(self):
        base = self.primary()
        if self.current.kind == "op" and self.current.text in ("^", "**"):
            operator = self.advance()
            with self.nested():
                exponent = self.unary()
            self.check_size(base, exponent, operator)
            return base ** exponent
        return base

    def primary(self):
        token = self.current
        if token.kind == "number":
            return self.number(self.advance())
        if token.kind == "name":
            return self.name(self.advance())
        if token.kind == "op" and token.text == "(":
            opened = self.advance()
            with self.nested():
                inside = self.expression()
            self.expect(")", opened)
            return inside
        self.refuse("a number, a variable, a function or '('")

    def number(self, token: Token):
        mantissa, _, exponent = token.text.lower().partition("e")
        if exponent and abs(int(exponent)) > MAX_DIGITS:
            self.refuse(f"a number between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS}", token)
        exact = Fraction(token.text)  # exact: 0.8 is 4/5, as the lecture means it
        return sympy.Rational(exact.numerator, exact.denominator)

    def name(self, token: Token):
        word = token.text
        if keyword.iskeyword(word):
            self.refuse("a variable or function name", token,
                        suggestion=f"'{word}' is Python syntax, which is not accepted")
        if self.current.kind == "op" and self.current.text == "(":
            return self.call(token)
        if word in FUNCTIONS or word in MANY_ARGUMENTS:
            self.refuse(f"'(' after the function {word}", suggestion=f"write {word}(x)")
        if word in CONSTANTS:
            return CONSTANTS[word]
        if self.variables is not None and word not in self.variables:
            allowed = "one of the variables " + ", ".join(self.variables) if self.variables else "a number"
            self.refuse(allowed, token,
                        suggestion=suggest(word, list(self.variables)))
        return self.variables[word] if self.variables is not None else sympy.Symbol(word, real=True)

    def call(self, token: Token):
        word = token.text
        if word not in FUNCTIONS and word not in MANY_ARGUMENTS:
            names = set(FUNCTIONS) | set(MANY_ARGUMENTS)
            self.refuse("a function among " + ", ".join(sorted(names, key=str.lower)), token,
                        suggestion=suggest(word, names) or suggest(word.lower(), names))
        opened = self.advance()
        arguments = []
        with self.nested():
            arguments.append(self.expression())
            while word in MANY_ARGUMENTS and self.current.kind == "op" and self.current.text == ",":
                self.advance()
                arguments.append(self.expression())
        if self.current.text == ",":
            self.refuse(f"one argument for {word}")
        self.expect(")", opened)
        if word in MANY_ARGUMENTS:
            if len(arguments) < 2:
                self.refuse(f"at least two arguments for {word}", suggestion=f"e.g. {word}(1, t/10)")
            return MANY_ARGUMENTS[word](*arguments)
        return FUNCTIONS[word](arguments[0])

    # --- limits ----------------------------------------------------------
    def nested(self):
        parser = self

        class _Depth:
            def __enter__(self):
                parser.depth += 1
                if parser.depth > MAX_NESTING:
                    parser.refuse(f"at most {MAX_NESTING} nested levels")

            def __exit__(self, *exc):
                parser.depth -= 1

        return _Depth()

    def check_size(self, base, exponent, operator: Token):
        """Refuse powers too large to compute: constants of more than MAX_DIGITS digits, and
        powers of a variable beyond MAX_DEGREE."""
        if not (base.is_number and exponent.is_number):
            if exponent.is_number:
                degree = _degree(base) * abs(float(exponent))
                if degree > MAX_DEGREE:
                    self.refuse(f"a power of degree at most {MAX_DEGREE}", operator,
                                suggestion=f"this power reaches degree {degree:.7g}")
            return
        try:
            if base.is_Rational and exponent.is_Integer:     # computed exactly: all its digits
                size = abs(int(exponent)) * math.log10(max(abs(base.p), abs(base.q)))
            else:
                size = abs(float(exponent)) * abs(math.log10(abs(float(base)))) if base != 0 else 0.0
        except (OverflowError, ValueError, TypeError):
            size = math.inf
        if size > MAX_DIGITS:
            self.refuse(f"a constant power below 10^{MAX_DIGITS}", operator,
                        suggestion="its exact value would have more digits than a sheet can use")


def _degree(expression: sympy.Expr) -> float:
    """An upper bound of the degree of ``expression`` multiplied out (a function of x counts as
    its argument's degree, at least 1; a non-numeric exponent as 1).

    >>> _degree(parse_function("(x + y^2)^3 * sin(x)"))
    7.0
    """
    if expression.is_number:
        return 0.0
    if expression.is_Symbol:
        return 1.0
    if expression.is_Add:
        return max(_degree(term) for term in expression.args)
    if expression.is_Mul:
        return sum(_degree(factor) for factor in expression.args)
    if expression.is_Pow:
        base, exponent = expression.args
        return _degree(base) * (abs(float(exponent)) if exponent.is_number else 1.0) + _degree(exponent)
    return max([1.0] + [_degree(argument) for argument in expression.args])


def parse_function(text: str, option: str = "--function", variables=None) -> sympy.Expr:
    """Parse function text into a SymPy expression in real symbols.

    ``variables`` (names -> symbols) restricts the names allowed, as for a
    learning-rate schedule in ``t``.

    >>> parse_function("sigmoid(x)")
    1/(1 + exp(-x))
    """
    if not isinstance(text, str):
        raise InputError(option, "", "a formula as text", got=type(text).__name__)
    return _Parser(text, option, variables).parse()


def parse_constant(text: str, option: str) -> float:
    """A number given as text, possibly a constant formula: ``"-4"``, ``"pi/2"``.

    >>> parse_constant("1/4", "--x0")
    0.25
    """
    expression = parse_function(text.strip(), option, variables={})
    if expression.is_Rational:      # a plain decimal: the double nearest to it, as float() reads it
        try:                        # (evalf's 15 digits made 0.00001 into 9.999999999999999e-06)
            return int(expression.p) / int(expression.q)
        except OverflowError:
            raise InputError(option, "", "a finite real number", got=repr(text)) from None
    value = complex(expression.evalf())
    if value.imag != 0 or not math.isfinite(value.real):
        raise InputError(option, "", "a finite real number", got=repr(text))
    return value.real
