"""Shared machinery of the optimisation exercise families (gd-steps, momentum, loss-surface, ...).

Not a family itself: each exercises/<id>/family.py subclasses :class:`OptimizeFamily`, which
renders the family's ``question.j2`` and ``solution.j2`` (to Markdown and to LaTeX) from the context
the family builds, checks the generic constraints, refuses draws where a known
mistake would land inside the tolerance, and writes the full worked solution for
``derive solve --variant``.

>>> number(-0.5), signed(-0.5), signed(2.0)
('-0.5', '(-0.5)', '2')
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy

from derive.exam.family import Answer, Family, exercises_folder, tolerance_for
from derive.present.formatting import latex_number
from derive.render.templating import render

__all__ = ["OptimizeFamily", "number", "signed", "grid", "problem_for", "answer", "count_answer",
           "choice_answer", "PREAMBLE", "SHOWN_DECIMALS", "poly_text", "poly_latex", "poly_derivative",
           "poly_value", "poly_substituted", "VARIABLES"]

#: Students give answers to 4 decimal places.
SHOWN_DECIMALS = 4
#: The smallest tolerance for an answer asked to 4 decimals: rounding alone may cost 0.5e-4.
ROUNDING_TOLERANCE = 1e-4

PREAMBLE = "\n".join([
    r"\documentclass[11pt,a4paper]{article}",
    r"\usepackage{amsmath,amssymb}",
    r"\usepackage{booktabs}",
    r"\usepackage{graphicx}",
    r"\usepackage{xcolor}",
    r"\usepackage{tikz}",
    r"\usepackage[hidelinks]{hyperref}",
    r"\pdftrailerid{}",
    r"\setlength{\parindent}{0pt}",
    r"\setlength{\parskip}{0.5em}",
])


def number(value, places: int = 9) -> str:
    """A number in LaTeX (``-0.5``, ``8.84297 \\cdot 10^{-7}``), -0 shown as 0."""
    value = float(value)
    return latex_number(0.0 if value == 0 else value, places)


def signed(value, places: int = 9) -> str:
    """A number to be multiplied or subtracted: negative ones in parentheses."""
    text = number(value, places)
    return f"({text})" if text.startswith("-") else text


def grid(rng: numpy.random.Generator, values) -> float:
    """One value of a list, drawn with the given generator only."""
    return values[int(rng.integers(0, len(values)))]


def answer(key, name, latex, value, relative=0.002) -> Answer:
    """A number asked to 4 decimals: relative tolerance, but never below what rounding costs."""
    value = float(value)
    return Answer(key, name, latex, value, max(tolerance_for(value, relative), ROUNDING_TOLERANCE))


def count_answer(key, name, latex, value) -> Answer:
    """A whole number (a count of steps or updates): exact."""
    return Answer(key, name, latex, float(value), 0.0)


def choice_answer(key, name, latex, correct: int, choices) -> Answer:
    return Answer(key, name, latex, float(correct), 0.0, tuple(choices))


@lru_cache(maxsize=512)
def problem_for(function_text: str):
    """derive.optimize's parsed function with its gradient, parsed once per text."""
    from derive.core.descent import make_problem

    return make_problem(function_text)


# --- polynomials in x (and y), as plain data: [[coefficient, power of x, power of y], ...] -----

VARIABLES = ("x", "y")


def _monomial(powers, names, joiner=" ") -> list[str]:
    return [name if p == 1 else f"{name}^{{{p}}}" for name, p in zip(names, powers) if p]


def poly_text(terms) -> str:
    """Text for derive.optimize's parser: ``[[0.5, 2, 0], [-2, 1, 0]]`` -> ``0.5*x**2 - 2*x``."""
    parts = []
    for coefficient, *powers in terms:
        factors = [repr(float(abs(coefficient)))] + [v if p == 1 else f"{v}**{p}" for v, p in zip(VARIABLES, powers) if p]
        parts.append(("-" if coefficient < 0 else "+") + " " + "*".join(factors))
    text = " ".join(parts) if parts else "0"
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


def poly_latex(terms, places: int = 9) -> str:
    """``0.5 x^{2} - 2 x + x y``: coefficients as given, 1 left out."""
    out = ""
    for coefficient, *powers in terms:
        monomial = " ".join(_monomial(powers, VARIABLES))
        size = number(abs(coefficient), places)
        body = monomial if (size == "1" and monomial) else (f"{size} {monomial}".strip())
        sign = "-" if coefficient < 0 else "+"
        out += (f"{'-' if sign == '-' else ''}{body}" if not out else f" {sign} {body}")
    return out or "0"


def poly_derivative(terms, variable: int):
    """Terms of the partial derivative with respect to variable 0 (x) or 1 (y)."""
    out = []
    for coefficient, *powers in terms:
        if powers[variable]:
            new = list(powers)
            new[variable] -= 1
            out.append([coefficient * powers[variable], *new])
    return out


def poly_value(terms, point) -> float:
    return float(sum(c * math.prod(v ** p for v, p in zip(point, powers)) for c, *powers in terms))


def poly_substituted(terms, point, places: int = 9) -> str:
    """The polynomial with the numbers put in, factor by factor: ``2 \\cdot 0.5 \\cdot (-1.5) - 2``."""
    out = ""
    for coefficient, *powers in terms:
        factors = []
        for value, p in zip(point, powers):
            if p:
                shown = signed(value, places)
                factors.append(shown if p == 1 else f"{shown if shown.startswith('(') or '.' not in shown and float(value) >= 0 else '(' + shown + ')'}^{{{p}}}")
        size = number(abs(coefficient), places)
        body = r" \cdot ".join(([size] if size != "1" or not factors else []) + factors)
        sign = "-" if coefficient < 0 else "+"
        out += (f"{'-' if sign == '-' else ''}{body}" if not out else f" {sign} {body}")
    return out or "0"


class OptimizeFamily(Family):
    """A family whose worked solution is laid out by its own templates from a context dict."""

    #: Keys of whole-number answers (steps, updates): they may coincide with each other.
    count_keys: tuple[str, ...] = ()

    # -- hooks for the subclasses -------------------------------------------------------------
    def context(self, params: dict, precision: int) -> dict:
        """Everything the templates show, already printed (numbers as LaTeX strings)."""
        raise NotImplementedError

    def checks(self, params: dict, answers: list[Answer]) -> list[str]:
        """Family-specific reasons a draw is degenerate."""
        return []

    def mistakes(self, params: dict) -> list[tuple[str, str, float]]:
        """Typical wrong answers (key, what went wrong, the number it gives): each must be refused."""
        return []

    def sheet_files(self, params: dict, formats, precision: int) -> dict:
        """Extra files of the full worked solution (e.g. the ``derive gd`` sheet)."""
        return {}

    def prompt(self, answer: Answer) -> str:
        """What a multiple-choice blank asks (text with $...$ math)."""
        return f"${answer.latex}$"

    # -- the Family interface -----------------------------------------------------------------
    def distinct_answers(self, answers: list[Answer]) -> list[Answer]:
        """The answers that must differ from each other (not counts, not choice indices)."""
        return [a for a in answers if not a.is_choice and a.key not in self.count_keys]

    def problems(self, params: dict, answers: list[Answer]) -> list[str]:
        out = super().problems(params, self.distinct_answers(answers))
        out += [f"{a.name} is not finite" for a in answers if not math.isfinite(a.value)]
        if out:
            return out
        out += self.checks(params, answers)
        by_key = {a.key: a for a in answers}
        for key, what, wrong in self.mistakes(params):
            right = by_key[key]
            if not math.isfinite(wrong) or abs(wrong - right.value) <= 2 * right.tolerance:
                out.append(f"{right.name}: the mistake '{what}' gives an accepted answer")
        return out

    def render_body(self, params: dict, part: str, fmt: str, precision: int) -> str:
        if part not in ("question", "solution") or fmt not in ("tex", "md"):
            raise ValueError(f"render part 'question' or 'solution' as 'tex' or 'md', not {part!r}/{fmt!r}")
        asked = [{"key": a.key, "name": a.name, "latex": a.latex, "choices": list(a.choices),
                  "prompt": self.prompt(a)} for a in self.answers(params)]
        context = dict(self.context(params, precision), family=self.metadata(), precision=precision, asked=asked,
                       lr_symbol=self.lr_symbol)
        return render(f"{self.id}/{part}.j2", dict(context, fmt=fmt), folders=(exercises_folder(),))

    def solve_files(self, params: dict, formats, precision: int) -> dict[str, str | bytes]:
        """question and worked solution as whole documents, the answer key, and the family's sheets."""
        formats = set(formats)
        files: dict[str, str | bytes] = {}
        title = self.title
        if "md" in formats:
            files["solution.md"] = (f"# {title}\n\n## Question\n\n{self.render(params, 'question', 'md', precision)}"
                                    f"\n## Worked solution\n\n{self.render(params, 'solution', 'md', precision)}")
        if {"tex", "pdf"} & formats:
            tex = (PREAMBLE + f"\n\\begin{{document}}\n\\section*{{{title}}}\n\\subsection*{{Question}}\n"
                   + self.render(params, "question", "tex", precision)
                   + "\n\\subsection*{Worked solution}\n" + self.render(params, "solution", "tex", precision)
                   + "\n\\end{document}\n")
            if "tex" in formats:
                files["solution.tex"] = tex
            if "pdf" in formats:
                from derive.render.texcompile import compile_pdf

                files["solution.pdf"] = compile_pdf(tex)
        if "json" in formats:
            data = {"family": self.id, "params": params,
                    "answers": {a.key: {"name": a.name, "value": a.value, "tolerance": a.tolerance,
                                        **({"choices": list(a.choices)} if a.choices else {})}
                                for a in self.answers(params)}}
            files["answers.json"] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        files.update(self.sheet_files(params, formats, precision))
        return files
