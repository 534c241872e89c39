"""Records -> page contexts, JSON and files (md, tex, pdf, json, plot PDF/PNG).

This module is the printer of the optimisation sheets: it alone turns numbers
into text (through derive.formatting), and the templates lay that text out.
"""

from __future__ import annotations

import json
import math

import sympy

from ..formatting import DEFAULT_PRECISION, format_number, latex_number
from ..templating import render

__all__ = ["dumps", "show_number", "show_latex", "vector_text", "vector_latex", "render_sheet"]

#: Tables longer than this show their first and last rows (the JSON has them all).
MAX_ROWS = 60


def dumps(data) -> str:
    """Deterministic JSON text; a non-finite number becomes null."""
    return json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _finite(data):
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


#: Beyond this the shared formatter's decimal context cannot hold all the digits.
HUGE = 1e15


def show_number(value, places=DEFAULT_PRECISION) -> str:
    """format_number, with six significant digits in scientific notation for huge values.

    >>> show_number(-4294967296.0), show_number(-1.5e300)
    ('-4294967296', '-1.5e+300')
    """
    if isinstance(value, float) and math.isfinite(value) and abs(value) >= HUGE:
        return f"{value:.6g}" if "e" in f"{value:.6g}" else f"{value:.6e}"
    return format_number(value, places)


def show_latex(value, places=DEFAULT_PRECISION) -> str:
    r"""latex_number, with ``-1.5 \cdot 10^{300}`` for huge values."""
    if isinstance(value, float) and math.isfinite(value) and abs(value) >= HUGE:
        mantissa, exponent = show_number(value).split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return latex_number(value, places)


def vector_text(values, places=DEFAULT_PRECISION) -> str:
    """``(1, -0.5)``; a single number stays bare: ``2.4``."""
    parts = [show_number(v, places) for v in values]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def vector_latex(values, places=DEFAULT_PRECISION) -> str:
    parts = [show_latex(v, places) for v in values]
    return parts[0] if len(parts) == 1 else r"\left(" + ", ".join(parts) + r"\right)"


def expression_latex(expression) -> str:
    return sympy.latex(expression)


def elide(rows: list) -> tuple[list, int]:
    """(rows to show, number left out): the first 40 and the last 10 of a long table."""
    if len(rows) <= MAX_ROWS:
        return rows, 0
    return rows[:40] + rows[-10:], len(rows) - 50


def render_sheet(name: str, context: dict, json_data: dict, figures: dict, formats, templates_dir=None,
                 compile_pdf=None, template: str | None = None) -> dict[str, str | bytes]:
    """{file name: content} for ``name``.md/.tex/.pdf/.json plus the figures the pages use.

    ``figures`` maps a stem (``gd-plot``) to (pdf bytes, png bytes); the Markdown shows the PNG,
    the LaTeX includes the PDF, which is handed to pdflatex with the document.
    """
    files: dict[str, str | bytes] = {}
    template = template or name
    context = dict(context, figures={stem: {"pdf": f"{stem}.pdf", "png": f"{stem}.png"} for stem in figures})
    if {"md", "tex", "pdf"} & set(formats):
        for stem, (pdf, png) in figures.items():
            files[f"{stem}.png"] = png
            files[f"{stem}.pdf"] = pdf
    if "md" in formats:
        files[f"{name}.md"] = render(f"{template}.md.j2", context, templates_dir)
    tex = render(f"{template}.tex.j2", context, templates_dir) if {"tex", "pdf"} & set(formats) else None
    if "tex" in formats:
        files[f"{name}.tex"] = tex
    if "pdf" in formats:
        if compile_pdf is None:
            from ..texcompile import compile_pdf
        files[f"{name}.pdf"] = compile_pdf(tex, {f"{stem}.pdf": pdf for stem, (pdf, _) in figures.items()}, runs=2)  # two passes: longtable settles its column widths
    if "json" in formats:
        files[f"{name}.json"] = dumps(json_data)
    if "md" not in formats:   # the PNGs serve only the Markdown
        for stem in figures:
            files.pop(f"{stem}.png", None)
    return files
