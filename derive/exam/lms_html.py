"""Markdown, as derive's templates write it, to HTML for a learning platform (Moodle, Canvas).

Both exports (:mod:`derive.exam.moodle`, :mod:`derive.exam.qti`) show a question the same way:
its Markdown body rendered by one markdown-it-py parser, math as ``\\( ... \\)`` / ``\\[ ... \\]``
(what Moodle's MathJax filter and Canvas read; not single ``$``), the network's figure as an
image whose ``src`` the export chooses, and a placeholder where each asked answer's blank is,
which the export replaces by its own answer field.

>>> print(math_html("a < b"))
\\(a &lt; b\\)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar

from derive.exam.family import BLANK, CHOICE, Answer
from derive.exam.variants import Question

__all__ = ["markdown_to_html", "markdown_inline", "math_html", "place_blanks", "answer_mark",
           "check_numeric", "check_choice", "question_html", "QuestionHTML", "FIGURE"]

FIGURE = "@@FIGURE@@"          # image target used by derive's Markdown templates for the network


# -- Markdown (as derive's templates write it) to HTML ------------------------------------------
#
# markdown-it-py's CommonMark preset with GFM tables, and the dollarmath plugin of mdit-py-plugins.
# Raw HTML in the Markdown is escaped, not passed through.  The table rule splits a row on every
# unescaped ``|`` before any inline rule runs, so ``$|w|$`` would become two cells: the core rule
# ``_protect_math_pipes`` first replaces each ``|`` inside math (found by dollarmath's own inline
# rule) by a NUL -- markdown-it's ``normalize`` rule has already turned every NUL of the input
# into U+FFFD, so a NUL after it is always ours -- and ``_restore_math_pipes`` puts the ``|`` back
# once the inline rules have run.

_MATH = {"allow_space": True, "allow_digits": True}   # the plugin's defaults: "$ x $" is math too
_MATH_RULE = math_inline_dollar(allow_double=True, **_MATH)   # the plugin's rule with double_inline
_PIPE = "\x00"


def _math_spans(line: str, md: MarkdownIt) -> Iterable[tuple[int, int]]:
    """``(start, end)`` of each ``$...$`` / ``$$...$$`` in one line, as the inline parser finds them.

    At each position the same rule wins as in markdown-it: math before a backslash escape,
    a code span before anything inside it.
    """
    state = StateInline(line, md, {}, [])
    pos = 0
    while pos < len(line):
        if line[pos] == "$":
            state.pos = pos
            if _MATH_RULE(state, True):
                yield pos, state.pos
                pos = state.pos
                continue
        elif line[pos] == "\\":
            pos += 1
        elif line[pos] == "`":
            run = len(line[pos:]) - len(line[pos:].lstrip("`"))
            close = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(line, pos + run)
            pos = close.end() - 1 if close else pos + run - 1
        pos += 1


def _protect_pipes(text: str, md: MarkdownIt) -> str:
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if "|" in line and "$" in line:
            chars = list(line)
            for start, end in _math_spans(line, md):
                chars[start:end] = line[start:end].replace("|", _PIPE)
            lines[k] = "".join(chars)
    return "\n".join(lines)


def _protect_math_pipes(state: StateCore) -> None:
    state.src = _protect_pipes(state.src, state.md)


def _restore_math_pipes(state: StateCore) -> None:
    for token in state.tokens:
        for t in (token, *(token.children or ())):
            t.content = t.content.replace(_PIPE, "|")


def _lms_tokens(state: StateCore) -> None:
    """Headings shifted down, tables classed, images mapped to the LMS's files or left out."""
    images = {state.md.normalizeLink(k): v for k, v in state.env.get("images", {}).items()}
    offset = state.env.get("heading_offset", 2)
    emptied: set[int] = set()         # paragraphs that held nothing but images left out
    for k, token in enumerate(state.tokens):
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1:]) + offset)}"
        elif token.type == "table_open":
            token.attrSet("class", "table table-bordered derive-table")
        elif token.type == "inline" and token.children:
            kept = [t for t in token.children if t.type != "image" or t.attrGet("src") in images]
            for t in kept:
                if t.type == "image":
                    t.attrSet("src", images[t.attrGet("src")])
            if len(kept) < len(token.children) and not "".join(t.content for t in kept).strip():
                emptied.add(k)
            token.children = kept
    drop = set(emptied)
    for k in emptied:
        if state.tokens[k - 1].type == "paragraph_open":
            drop |= {k - 1, k + 1}
    state.tokens = [t for k, t in enumerate(state.tokens) if k not in drop]


def math_html(latex: str, display: bool = False) -> str:
    """LaTeX as Moodle's MathJax filter and Canvas read it: ``\\(x\\)`` inline, ``\\[x\\]`` displayed (HTML-escaped)."""
    return (r"\[%s\]" if display else r"\(%s\)") % escapeHtml(latex)


def _render_text(self, tokens, idx, options, env) -> str:
    # a literal '$' must not reach MathJax, which reads '$$ ... $$' as math
    return escapeHtml(tokens[idx].content).replace("$", "&#36;")


def _render_math_inline(self, tokens, idx, options, env) -> str:
    return math_html(tokens[idx].content.strip(), display=tokens[idx].type == "math_inline_double")


def _render_math_block(self, tokens, idx, options, env) -> str:
    lines = [line for line in tokens[idx].content.split("\n") if line.strip()]
    return '<div class="derive-math">' + math_html("\n" + "\n".join(lines) + "\n", display=True) + "</div>\n"


def _render_image(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    return (f'<img src="{escapeHtml(token.attrGet("src"))}" alt="{escapeHtml(alt)}" '
            'style="max-width: 100%;" />')


def _markdown_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    dollarmath_plugin(md, allow_labels=False, double_inline=True, **_MATH)
    md.core.ruler.after("normalize", "protect_math_pipes", _protect_math_pipes)
    md.core.ruler.after("inline", "restore_math_pipes", _restore_math_pipes)
    md.core.ruler.push("lms_tokens", _lms_tokens)
    for name, rule in (("text", _render_text), ("math_inline", _render_math_inline),
                       ("math_inline_double", _render_math_inline), ("math_block", _render_math_block),
                       ("image", _render_image)):
        md.add_render_rule(name, rule)
    return md


_MARKDOWN = _markdown_parser()


def markdown_to_html(markdown: str, images: dict[str, str] | None = None, heading_offset: int = 2) -> str:
    r"""HTML for Moodle or Canvas from the Markdown that derive's templates write.

    CommonMark with pipe tables; ATX headings are shifted down by ``heading_offset`` levels
    (``##`` becomes ``<h4>``); ``$...$`` becomes ``\( ... \)`` and ``$$ ... $$`` ``\[ ... \]``;
    ``images`` maps a Markdown image target to the ``src`` to use, other images are left out.

    >>> print(markdown_to_html("## Step 1\n\n| $t$ | $|w|$ |\n| --- | --: |\n| 1 | 2 |"))
    <h4>Step 1</h4>
    <table class="table table-bordered derive-table">
    <thead>
    <tr>
    <th>\(t\)</th>
    <th style="text-align:right">\(|w|\)</th>
    </tr>
    </thead>
    <tbody>
    <tr>
    <td>1</td>
    <td style="text-align:right">2</td>
    </tr>
    </tbody>
    </table>
    """
    env = {"images": images or {}, "heading_offset": heading_offset}
    return _MARKDOWN.render(markdown, env).strip()


def markdown_inline(text: str, images: dict[str, str] | None = None) -> str:
    """One line of Markdown as inline HTML (no ``<p>``), e.g. a multiple-choice option."""
    return _MARKDOWN.renderInline(text, {"images": images or {}}).strip()


# -- one question's pieces -----------------------------------------------------------------------

def answer_mark(k: int) -> str:
    """The placeholder left in a question's HTML where the blank of its answer ``k`` (from 0) is."""
    return f"@@CLOZE{k}@@"


def place_blanks(markdown: str, answers: tuple[Answer, ...]) -> tuple[str, dict[int, bool]]:
    """Put a placeholder for each answer where its blank is: the ``@@BLANK:<key>@@`` markers that the
    templates' ``blank(key)`` macro writes.  A blank of no asked answer stays an empty blank."""
    position = {answer.key: k for k, answer in enumerate(answers)}
    placed: dict[int, bool] = {}

    def place(match: re.Match) -> str:
        k = position.get(match.group(1))
        if k is None or k in placed:
            return " "
        placed[k] = True
        return answer_mark(k)

    return BLANK.sub(place, CHOICE.sub("", markdown)), placed


def check_numeric(answer: Answer, platform: str = "Moodle") -> None:
    """Refuse a numeric answer the platform cannot grade: a non-finite value or tolerance, a
    negative tolerance, or a tolerance of 0 on a non-integer (an exact floating-point match)."""
    tol = float(answer.tolerance)
    if not math.isfinite(float(answer.value)) or not math.isfinite(tol) or tol < 0:
        raise ValueError(f"{answer.name}: value {answer.value!r} with tolerance {answer.tolerance!r} "
                         f"cannot be graded by {platform} (both must be finite, the tolerance ≥ 0)")
    if tol == 0 and float(answer.value) != round(float(answer.value)):
        raise ValueError(f"{answer.name}: a tolerance of 0 on the non-integer {answer.value!r} "
                         "would need an exact floating-point match")


def check_choice(answer: Answer) -> int:
    """The index of the correct option of a multiple-choice answer; refuses fewer than 2 options
    or a value that is not the index of one."""
    correct = int(answer.value)
    if len(answer.choices) < 2 or not 0 <= correct < len(answer.choices) or correct != answer.value:
        raise ValueError(f"{answer.name}: multiple choice needs ≥ 2 choices and the index of the "
                         f"correct one (got {answer.value!r} for {len(answer.choices)} choices)")
    return correct


@dataclass(frozen=True)
class QuestionHTML:
    """One question as HTML: its body with :func:`answer_mark` placeholders, its worked solution,
    the network's SVG figure (None for a family without one) and the inline renderer of options."""

    body: str
    placed: dict[int, bool]        # answers whose blank is in the body (the others need a line of their own)
    solution: str
    figure: str | None
    inline: Callable[[str], str]


def question_html(question: Question, precision: int, figure_src: str) -> QuestionHTML:
    """The question and solution of ``question`` as HTML; the figure is shown from ``figure_src``."""
    family = question.family
    figure, images = None, {}
    if hasattr(family, "diagram_svg"):
        figure = family.diagram_svg(question.params, precision)
        images[FIGURE] = figure_src
    body_md = family.render(question.params, "question", "md", precision, blanks=True)
    body_md, placed = place_blanks(body_md, question.answers)
    solution = markdown_to_html(family.render(question.params, "solution", "md", precision), images)
    return QuestionHTML(markdown_to_html(body_md, images), placed, solution, figure,
                        lambda text: markdown_inline(text, images))
