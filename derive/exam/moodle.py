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
from collections.abc import Callable, Iterable, Sequence
from xml.sax.saxutils import escape as _xml_escape

from markdown_it.common.utils import escapeHtml

from derive.exam.family import Answer, question_points
# The Markdown -> HTML conversion and a question's pieces are shared with the Canvas export (qti.py).
from derive.exam.lms_html import (answer_mark, check_choice, check_numeric, markdown_inline, markdown_to_html,
                                  math_html, question_html)
from derive.exam.variants import Question, Variant

__all__ = ["moodle_xml", "write_moodle", "question_xml", "markdown_to_html", "markdown_inline",
           "math_html", "cloze_escape",
           "cloze_number", "cloze_subquestion", "cloze_weights", "DIAGRAM_NAME", "PENALTY"]

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


def cloze_weights(points: float | None, count: int) -> tuple[list[int], str | None]:
    """The sub-question weights of a cloze question worth ``points`` with ``count`` blanks, and a
    note when Moodle cannot give it exactly that mark.

    Moodle's importer makes a cloze question's mark the sum of its sub-questions' weights (whole
    numbers, ``{2:NUMERICAL:...}``), whatever ``<defaultgrade>`` says; so whole points are shared
    out as whole weights, the first blanks taking the remainder (10 points over 9 blanks: 2 + 8 x 1).
    Without points every blank weighs 1.  Points that are no whole number, or fewer than the blanks,
    cannot be shared so: each blank then weighs 1, and the note says to set the mark in the quiz.

    >>> cloze_weights(10, 9)
    ([2, 1, 1, 1, 1, 1, 1, 1, 1], None)
    >>> cloze_weights(4, 9)[1]
    'worth 9 in Moodle (one per blank), not 4: set its maximum mark in the quiz'
    """
    if points is None or count == 0:
        return [1] * count, None
    if float(points).is_integer() and int(points) >= count:
        base, extra = divmod(int(points), count)
        return [base + 1 if k < extra else base for k in range(count)], None
    shown = int(points) if float(points).is_integer() else points
    return [1] * count, f"worth {count} in Moodle (one per blank), not {shown}: set its maximum mark in the quiz"


def cloze_subquestion(answer: Answer, weight: int = 1, inline: Callable[[str], str] | None = None) -> str:
    """``{1:NUMERICAL:=value:tolerance}`` or ``{1:MULTICHOICE_V:wrong~=right~...}`` for one asked quantity."""
    if answer.is_choice:
        correct = check_choice(answer)
        inline = inline or markdown_inline
        options = [("=" if k == correct else "") + cloze_escape(inline(choice).strip())
                   for k, choice in enumerate(answer.choices)]
        return "{%d:MULTICHOICE_V:%s}" % (weight, "~".join(options))
    check_numeric(answer)
    value, tol = float(answer.value), float(answer.tolerance)
    text = cloze_number(value, exact=value, slack=tol * 1e-6 if tol > 0 else 0.0)
    return "{%d:NUMERICAL:=%s:%s}" % (weight, text, cloze_number(tol))


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


def question_xml(variant: Variant, question: Question, precision: int = 4, points: float | None = None) -> str:
    """One ``<question type="cloze">`` element (indented for a ``<quiz>``), worth ``points``
    (the exam file's; None: one per blank) as far as whole weights allow (:func:`cloze_weights`)."""
    parts = question_html(question, precision, f"@@PLUGINFILE@@/{DIAGRAM_NAME}")
    files = {DIAGRAM_NAME: parts.figure.encode("utf-8")} if parts.figure is not None else {}
    body = parts.body
    lines = []
    weights, _ = cloze_weights(points, len(question.answers))
    for k, answer in enumerate(question.answers):
        answer = question.family.shown_answer(answer)
        sub = cloze_subquestion(answer, weights[k], inline=parts.inline)
        if parts.placed.get(k):
            body = body.replace(answer_mark(k), sub)
        elif answer.is_choice:
            label = f"{math_html(answer.latex)}: " if answer.latex else ""
            lines.append(f'<div class="derive-answer">{label}{sub}</div>')
        else:
            lines.append(f'<div class="derive-answer">{math_html(answer.latex)} = {sub}</div>')
    # The variant line opens the text, so Moodle's Responses report ("Question N") names the variant.
    heading = f'<p class="derive-variant">Variant {escapeHtml(variant.code)}, question {question.number}</p>\n'
    text = heading + body + ("\n" + "\n".join(lines) if lines else "")
    solution = parts.solution

    name = f"{variant.code} Q{question.number}"
    return "\n".join([
        "  <question type=\"cloze\">",
        "    <name>",
        f"      <text>{_xml_escape(name)}</text>",
        "    </name>",
        _text_area("questiontext", text, files),
        _text_area("generalfeedback", solution, files),
        f"    <defaultgrade>{question_points(points, len(question.answers))}</defaultgrade>",
        f"    <penalty>{PENALTY}</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{_xml_escape(f'{variant.code}-{question.number}')}</idnumber>",
        "  </question>",
    ])


def _write(variants: Iterable[Variant], write: Callable[[str], object], precision: int, title: str,
           buffer_factory, points: Sequence[float | None] = ()) -> list[str]:
    """Questions are buffered per family (in memory or temporary files), then written family by family.
    Returns a note for each question whose points Moodle cannot give it exactly."""
    buffers: dict[str, object] = {}
    families: dict[str, object] = {}
    notes: dict[int, str] = {}
    for variant in variants:
        for question in variant.questions:
            fid = question.family.id
            if fid not in buffers:
                buffers[fid], families[fid] = buffer_factory(), question.family
            given = points[question.number - 1] if question.number <= len(points) else None
            note = cloze_weights(given, len(question.answers))[1]
            if note and question.number not in notes:
                notes[question.number] = f"moodle.xml: question {question.number} is {note}"
            buffers[fid].write(question_xml(variant, question, precision, given) + "\n")
    write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    for fid, buffer in buffers.items():
        write(_category_xml(title, families[fid]) + "\n")
        buffer.seek(0)
        for chunk in iter(lambda: buffer.read(1 << 16), ""):
            write(chunk)
        buffer.close()
    write("</quiz>\n")
    return [notes[k] for k in sorted(notes)]


def moodle_xml(variants: Iterable[Variant], precision: int = 4, title: str = "derive exam",
               points: Sequence[float | None] = ()) -> str:
    """The whole Moodle XML file as a string (see :func:`write_moodle` to stream to disk)."""
    parts: list[str] = []
    _write(variants, parts.append, precision, title, io.StringIO, points)
    return "".join(parts)


def write_moodle(variants: Iterable[Variant], path, precision: int = 4, title: str = "derive exam",
                 points: Sequence[float | None] = ()) -> list[str]:
    """Write the Moodle XML file to ``path``; memory stays flat in the number of variants.
    Returns the notes on points that Moodle cannot give exactly (see :func:`cloze_weights`)."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        return _write(variants, out.write, precision, title,
                      lambda: tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n"), points)
