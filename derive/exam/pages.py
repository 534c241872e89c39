"""One self-checking page per exam variant (``derive exam --format html``): variant-<code>.html.

Each question shows its text and figure (as the Moodle export renders them, derive.exam.lms_html)
and its worked solution behind a button; a network question also gets the practice panel of the
solution page, an input per step with its verdict computed in the page, its answers in the URL
fragment prefixed with the question (``#q1.net_h1=0.3775``).  The checker data comes from
``plan.checker`` (derive.check.page.exercise_script, handed in by the command line: the exam
layer does not know the checker).
"""

from __future__ import annotations

import base64
import re

from markupsafe import Markup

from derive.exam.lms_html import question_html

__all__ = ["variant_page", "page_name"]

_FIGURE_SRC = "@@FIGURE-SRC@@"


def page_name(code: str) -> str:
    """``variant-2026-7-BFS.GDS-W.html``"""
    return f"variant-{code}.html"


def _practice(question, precision: int, checker) -> tuple[Markup, str]:
    """A network question's practice panel and its checker data."""
    from derive.core.spec import parse_spec
    from derive.present.solution import solve
    from derive.render.templating import render
    from derive.sheets.solution import solution_context

    spec = parse_spec(question.family.spec(question.params), source=f"<question {question.number}>",
                      name=question.family.id)
    solution = solve(spec, precision=precision)
    exercise, prefix = f"q{question.number}", f"q{question.number}."
    context = dict(solution_context(solution), names={str(k): s.name for k, s in solution.steps.items()},
                   exercise=exercise, prefix=prefix, asked=[a.key for a in question.answers])
    return Markup(render("practice.html.j2", context)), checker(spec, exercise)


def _question(question, precision: int, checker) -> tuple[dict, str | None]:
    parts = question_html(question, precision, _FIGURE_SRC)
    source = ""
    if parts.figure is not None:
        source = "data:image/svg+xml;base64," + base64.b64encode(parts.figure.encode("utf-8")).decode("ascii")

    def html(text: str) -> Markup:
        return Markup(re.sub(r"@@CLOZE\d+@@", "", text).replace(_FIGURE_SRC, source))

    practice, exercise = None, None
    if checker is not None and question.family.spec(question.params) is not None:
        practice, exercise = _practice(question, precision, checker)
    return {"number": question.number, "title": question.family.title, "body": html(parts.body),
            "solution": html(parts.solution), "practice": practice}, exercise


def variant_page(variant, plan) -> str:
    """The page of one variant, as a string."""
    from derive._version import __version__
    from derive.render.html import html_page

    questions, exercises = [], []
    for question, points in zip(variant.questions, plan.points):
        item, exercise = _question(question, plan.precision, plan.checker)
        questions.append(dict(item, points=points))
        if exercise is not None:
            exercises.append(exercise)
    context = {"title": plan.title, "code": variant.code, "questions": questions, "version": __version__}
    return html_page("exam_variant.html.j2", context, exercises)
