"""Moodle XML export: one category per exercise family, one cloze question per variant.

The rules this module follows, and where they come from:

* File layout, ``<question type="category">`` with ``<category><text>$course$/...</text>``,
  HTML in CDATA, UTF-8, the XML declaration on the first line:
  https://docs.moodle.org/en/Moodle_XML_format (read as docs.moodle.org/20/en/Moodle_XML_format
  and docs.moodle.org/33/en/Moodle_XML_format).
* Cloze sub-question syntax ``{weight:TYPE:alternatives}``, NUMERICAL/NM, MULTICHOICE/MC and
  MULTICHOICE_V/MCV, ``=`` full marks, ``%50%`` partial marks, ``~`` between alternatives,
  ``#`` before feedback, ``value:tolerance`` for numbers:
  https://docs.moodle.org/en/Embedded_Answers_(Cloze)_question_type (read as
  docs.moodle.org/400/en/... and docs.moodle.org/311/en/...).
* What Moodle's importer really does, from its source (the docs say little about escaping):
  question/type/multianswer/questiontype.php
  (https://github.com/moodle/moodle/blob/main/question/type/multianswer/questiontype.php):
  - an alternative's answer ends at the first ``~``, ``#`` or ``}`` that is not preceded by
    ``\\``, ``&`` or ``&amp;`` (``ANSWER_ALTERNATIVE_ANSWER_REGEX``); feedback ends at the first
    ``~`` or ``}`` not preceded by ``\\``;
  - the importer then ``html_entity_decode``-s the text and replaces ``\\}`` by ``}`` and ``\\#``
    by ``#`` -- nothing else.  So ``}`` and ``#`` are escaped with a backslash; ``~`` is written
    as the entity ``&#126;`` (a backslash would stay in the imported text, ``\\~``), ``"`` as
    ``&quot;``, and a backslash is *not* doubled (``\\\\`` would stay doubled and break LaTeX
    such as ``\\frac``).  Every one of these round-trips to the original character, which
    tests/test_moodle.py checks with a port of those regular expressions;
  - numbers must match ``NUMBER_REGEX = -?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)``:
    plain decimal or e-notation, no leading ``+``; the tolerance after ``:`` is absolute.
* Files: question/format/xml/format.php (``import_text_with_files``) reads
  ``<file name=... path="/" encoding="base64">`` elements that are children of the text area
  element (``<questiontext>``, ``<generalfeedback>``), next to its ``<text>``; the text refers to
  them as ``@@PLUGINFILE@@/name``.  Each text area carries its own copy.
* Math: Moodle's MathJax filter reads ``\\( ... \\)`` and ``\\[ ... \\]``, not single ``$``
  (NOTES.md); MathJax does not typeset inside a drop-down ``<option>``, so multiple choice is
  written as MULTICHOICE_V (radio buttons, shown in the order given -- derive shuffles).

>>> cloze_number(1.5e-07), cloze_number(2.5e20), cloze_number(-0.125)
('1.5e-07', '2.5e20', '-0.125')
>>> cloze_escape(r"$\\frac{1}{2}$ ~ #1")
'$\\\\frac{1\\\\}{2\\\\}$ &#126; \\\\#1'
"""

from __future__ import annotations

import base64
import io
import math
import re
import tempfile
from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape as _xml_escape

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar

from derive.exam.family import BLANK, Answer
from derive.exam.variants import Question, Variant

__all__ = ["moodle_xml", "write_moodle", "question_xml", "markdown_to_html", "markdown_inline",
           "math_html", "cloze_escape",
           "cloze_number", "cloze_subquestion", "DIAGRAM_NAME", "PENALTY"]

FIGURE = "@@FIGURE@@"          # image target used by derive's Markdown templates for the network
DIAGRAM_NAME = "net.svg"
PENALTY = "0.3333333"          # Moodle's default penalty for a cloze question
NUMBER_RE = re.compile(r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)")  # Moodle's NUMBER_REGEX
_SIGNIFICANT = 12              # digits of a value in a sub-question (more if needed to stay inside tolerance)


# -- numbers and cloze sub-questions ----------------------------------------------------------

def cloze_number(value: float, exact: float | None = None, slack: float | None = None) -> str:
    """A number as Moodle's cloze parser reads it: ``0.0384656026994``, ``8.84297e-07``, ``2.5e20``.

    With ``exact`` and ``slack``, more digits are used until the text is within ``slack`` of ``exact``.
    """
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"Moodle cannot grade against a non-finite number ({x!r})")
    for digits in (_SIGNIFICANT, 15, 17):
        text = format(x, f".{digits}g").replace("e+", "e")
        if text == "-0":
            text = "0"
        if exact is None or slack is None or abs(float(text) - exact) <= slack:
            break
    if not NUMBER_RE.fullmatch(text):  # pragma: no cover - format(..., "g") never gives anything else
        raise ValueError(f"{text!r} is not a number Moodle's cloze parser accepts")
    return text


def cloze_escape(text: str) -> str:
    """Text (HTML) for a cloze answer or feedback, so that Moodle's importer gets it back unchanged.

    ``}`` and ``#`` get a backslash (the importer removes exactly those two), ``~`` becomes
    ``&#126;`` and ``"`` ``&quot;`` (the importer decodes HTML entities); backslashes stay single.
    """
    out = text.replace('"', "&quot;").replace("}", "\\}")
    out = re.sub(r"(?<!&)#", r"\\#", out)      # '&#...;' entities may stay: '&' protects their '#'
    out = out.replace("~", "&#126;")
    if out.endswith("\\"):                      # would escape the separator that follows
        out += " "
    return out


def _check_numeric(answer: Answer) -> None:
    tol = float(answer.tolerance)
    if not math.isfinite(float(answer.value)) or not math.isfinite(tol) or tol < 0:
        raise ValueError(f"{answer.name}: value {answer.value!r} with tolerance {answer.tolerance!r} "
                         "cannot be graded by Moodle (both must be finite, the tolerance ≥ 0)")
    if tol == 0 and float(answer.value) != round(float(answer.value)):
        raise ValueError(f"{answer.name}: a tolerance of 0 on the non-integer {answer.value!r} "
                         "would need an exact floating-point match")


def cloze_subquestion(answer: Answer, weight: int = 1, inline: Callable[[str], str] | None = None) -> str:
    """``{1:NUMERICAL:=value:tolerance}`` or ``{1:MULTICHOICE_V:wrong~=right~...}`` for one asked quantity."""
    if answer.is_choice:
        correct = int(answer.value)
        if len(answer.choices) < 2 or not 0 <= correct < len(answer.choices) or correct != answer.value:
            raise ValueError(f"{answer.name}: multiple choice needs ≥ 2 choices and the index of the "
                             f"correct one (got {answer.value!r} for {len(answer.choices)} choices)")
        inline = inline or markdown_inline
        options = [("=" if k == correct else "") + cloze_escape(inline(choice).strip())
                   for k, choice in enumerate(answer.choices)]
        return "{%d:MULTICHOICE_V:%s}" % (weight, "~".join(options))
    _check_numeric(answer)
    value, tol = float(answer.value), float(answer.tolerance)
    text = cloze_number(value, exact=value, slack=tol * 1e-6 if tol > 0 else 0.0)
    return "{%d:NUMERICAL:=%s:%s}" % (weight, text, cloze_number(tol))


# -- Markdown (as derive's templates write it) to HTML for Moodle -------------------------------
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


def _moodle_tokens(state: StateCore) -> None:
    """Headings shifted down, tables classed, images mapped to Moodle files or left out."""
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
    """LaTeX as Moodle's MathJax filter reads it: ``\\(x\\)`` inline, ``\\[x\\]`` displayed (HTML-escaped)."""
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
    md.core.ruler.push("moodle_tokens", _moodle_tokens)
    for name, rule in (("text", _render_text), ("math_inline", _render_math_inline),
                       ("math_inline_double", _render_math_inline), ("math_block", _render_math_block),
                       ("image", _render_image)):
        md.add_render_rule(name, rule)
    return md


_MARKDOWN = _markdown_parser()


def markdown_to_html(markdown: str, images: dict[str, str] | None = None, heading_offset: int = 2) -> str:
    r"""HTML for Moodle from the Markdown that derive's templates write.

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


# -- XML -----------------------------------------------------------------------------------------

def _cdata(html: str) -> str:
    return "<![CDATA[" + html.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text_area(tag: str, html: str, files: dict[str, bytes], indent: str = "    ") -> str:
    parts = [f'{indent}<{tag} format="html">', f"{indent}  <text>{_cdata(html)}</text>"]
    for name, data in files.items():
        if f"@@PLUGINFILE@@/{name}" in html:
            parts.append(f'{indent}  <file name="{_xml_escape(name, {chr(34): "&quot;"})}" path="/" '
                         f'encoding="base64">{base64.b64encode(data).decode("ascii")}</file>')
    parts.append(f"{indent}</{tag}>")
    return "\n".join(parts)


def _category_path(title: str, family_id: str) -> str:
    # Moodle splits category paths on "/"; a slash inside a name is written "//".
    return "$course$/top/" + "/".join(p.replace("/", "//") for p in (title, family_id))


def _category_xml(title: str, family) -> str:
    info = f"<p>{escapeHtml(family.title)}</p>" if getattr(family, "title", "") else ""
    return "\n".join([
        "  <question type=\"category\">",
        "    <category>",
        f"      <text>{_xml_escape(_category_path(title, family.id))}</text>",
        "    </category>",
        "    <info format=\"html\">",
        f"      <text>{_cdata(info)}</text>",
        "    </info>",
        "  </question>",
    ])


def _place_blanks(markdown: str, answers: tuple[Answer, ...]) -> tuple[str, dict[int, bool]]:
    """Put a placeholder for each answer where its blank is: the ``@@BLANK:<key>@@`` markers that the
    templates' ``blank(key)`` macro writes.  A blank of no asked answer stays an empty blank."""
    position = {answer.key: k for k, answer in enumerate(answers)}
    placed: dict[int, bool] = {}

    def place(match: re.Match) -> str:
        k = position.get(match.group(1))
        if k is None or k in placed:
            return " "
        placed[k] = True
        return f"@@CLOZE{k}@@"

    return BLANK.sub(place, markdown), placed


def question_xml(variant: Variant, question: Question, precision: int = 4) -> str:
    """One ``<question type="cloze">`` element (indented for a ``<quiz>``)."""
    family = question.family
    files: dict[str, bytes] = {}
    images: dict[str, str] = {}
    if hasattr(family, "diagram_svg"):
        files[DIAGRAM_NAME] = family.diagram_svg(question.params, precision).encode("utf-8")
        images[FIGURE] = f"@@PLUGINFILE@@/{DIAGRAM_NAME}"

    body_md = family.render(question.params, "question", "md", precision, blanks=True)
    body_md, placed = _place_blanks(body_md, question.answers)
    body = markdown_to_html(body_md, images)
    lines = []
    for k, answer in enumerate(question.answers):
        sub = cloze_subquestion(answer, inline=lambda t: markdown_inline(t, images))
        if placed.get(k):
            body = body.replace(f"@@CLOZE{k}@@", sub)
        elif answer.is_choice:
            label = f"{math_html(answer.latex)}: " if answer.latex else ""
            lines.append(f'<div class="derive-answer">{label}{sub}</div>')
        else:
            lines.append(f'<div class="derive-answer">{math_html(answer.latex)} = {sub}</div>')
    text = body + ("\n" + "\n".join(lines) if lines else "")
    solution = markdown_to_html(family.render(question.params, "solution", "md", precision), images)

    name = f"{variant.code} Q{question.number}"
    return "\n".join([
        "  <question type=\"cloze\">",
        "    <name>",
        f"      <text>{_xml_escape(name)}</text>",
        "    </name>",
        _text_area("questiontext", text, files),
        _text_area("generalfeedback", solution, files),
        f"    <penalty>{PENALTY}</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{_xml_escape(f'{variant.code}-{question.number}')}</idnumber>",
        "  </question>",
    ])


def _write(variants: Iterable[Variant], write: Callable[[str], object], precision: int, title: str,
           buffer_factory) -> None:
    """Questions are buffered per family (in memory or temporary files), then written family by family."""
    buffers: dict[str, object] = {}
    families: dict[str, object] = {}
    for variant in variants:
        for question in variant.questions:
            fid = question.family.id
            if fid not in buffers:
                buffers[fid], families[fid] = buffer_factory(), question.family
            buffers[fid].write(question_xml(variant, question, precision) + "\n")
    write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    for fid, buffer in buffers.items():
        write(_category_xml(title, families[fid]) + "\n")
        buffer.seek(0)
        for chunk in iter(lambda: buffer.read(1 << 16), ""):
            write(chunk)
        buffer.close()
    write("</quiz>\n")


def moodle_xml(variants: Iterable[Variant], precision: int = 4, title: str = "derive exam") -> str:
    """The whole Moodle XML file as a string (see :func:`write_moodle` to stream to disk)."""
    parts: list[str] = []
    _write(variants, parts.append, precision, title, io.StringIO)
    return "".join(parts)


def write_moodle(variants: Iterable[Variant], path, precision: int = 4, title: str = "derive exam") -> None:
    """Write the Moodle XML file to ``path``; memory stays flat in the number of variants."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        _write(variants, out.write, precision, title,
               lambda: tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n"))
