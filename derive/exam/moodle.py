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
from html import escape as _html_escape
from xml.sax.saxutils import escape as _xml_escape

from derive.exam.family import Answer
from derive.exam.variants import Question, Variant

__all__ = ["moodle_xml", "write_moodle", "question_xml", "markdown_to_html", "cloze_escape",
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
        inline = inline or _inline
        options = [("=" if k == correct else "") + cloze_escape(inline(choice).strip())
                   for k, choice in enumerate(answer.choices)]
        return "{%d:MULTICHOICE_V:%s}" % (weight, "~".join(options))
    _check_numeric(answer)
    value, tol = float(answer.value), float(answer.tolerance)
    text = cloze_number(value, exact=value, slack=tol * 1e-6 if tol > 0 else 0.0)
    return "{%d:NUMERICAL:=%s:%s}" % (weight, text, cloze_number(tol))


# -- Markdown (as derive's templates write it) to HTML for Moodle -------------------------------

_INLINE = re.compile(r"""
    (?P<esc>\\[\\`*_{}\[\]()\#+\-.!$|~<>])
  | \$\$(?P<dmath>.+?)\$\$
  | \$(?P<math>[^$]+?)\$
  | `(?P<code>[^`]+)`
  | !\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)
  | \[(?P<label>[^\]]+)\]\((?P<href>[^)\s]+)\)
""", re.X | re.S)
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_EM = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST = re.compile(r"^\s*(?:(?P<bullet>[-*+])|(?P<number>\d+)[.)])\s+(?P<text>.*)$")
_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _esc(text: str) -> str:
    return _html_escape(text, quote=False)


def _inline(text: str, images: dict[str, str] | None = None) -> str:
    """One line or paragraph of Markdown: math to \\( \\) / \\[ \\], emphasis, code, images, links."""
    images = images or {}
    saved: list[str] = []

    def keep(html: str) -> str:
        saved.append(html)
        return f"\x00{len(saved) - 1}\x00"

    def token(m: re.Match) -> str:
        if m.group("esc"):
            return keep(_esc(m.group("esc")[1]).replace("$", "&#36;").replace("*", "&#42;"))
        if m.group("dmath") is not None:
            return keep(rf"\[{_esc(m.group('dmath'))}\]")
        if m.group("math") is not None:
            return keep(rf"\({_esc(m.group('math'))}\)")
        if m.group("code") is not None:
            return keep(f"<code>{_esc(m.group('code'))}</code>")
        if m.group("src") is not None:
            target = images.get(m.group("src"))
            if target is None:  # an image Moodle cannot be given (e.g. a diagram this family lacks)
                return ""
            return keep(f'<img src="{_html_escape(target)}" alt="{_html_escape(m.group("alt"))}" '
                        'style="max-width: 100%;" />')
        return keep(f'<a href="{_html_escape(m.group("href"))}">{_inline(m.group("label"), images)}</a>')

    out = _esc(_INLINE.sub(token, text))
    out = _STRONG.sub(r"<strong>\1</strong>", out)
    out = _EM.sub(r"<em>\1</em>", out)
    return re.sub("\x00(\\d+)\x00", lambda m: saved[int(m.group(1))], out)


def _cells(row: str) -> list[str]:
    """A table row's cells, split on ``|`` outside ``$...$`` and not escaped."""
    cells, current, in_math, k = [], [], False, 0
    while k < len(row):
        ch = row[k]
        if ch == "\\" and k + 1 < len(row):
            current.append(row[k:k + 2])
            k += 2
            continue
        if ch == "$":
            in_math = not in_math
        if ch == "|" and not in_math:
            cells.append("".join(current))
            current = []
        else:
            current.append(ch)
        k += 1
    cells.append("".join(current))
    stripped = row.strip()
    if stripped.startswith("|"):
        cells = cells[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        cells = cells[:-1]
    return [c.strip() for c in cells]


def _align(cell: str) -> str:
    cell = cell.strip()
    if cell.startswith(":") and cell.endswith(":"):
        return "center"
    if cell.endswith(":"):
        return "right"
    return "left" if cell.startswith(":") else ""


def _table(lines: list[str], images) -> str:
    header, aligns = _cells(lines[0]), [_align(c) for c in _cells(lines[1])]

    def cell(tag: str, k: int, text: str) -> str:
        align = aligns[k] if k < len(aligns) else ""
        style = f' style="text-align: {align};"' if align else ""
        return f"<{tag}{style}>{_inline(text, images)}</{tag}>"

    out = ['<table class="table table-bordered derive-table">', "<thead><tr>"
           + "".join(cell("th", k, c) for k, c in enumerate(header)) + "</tr></thead>", "<tbody>"]
    for line in lines[2:]:
        cells = _cells(line)
        cells += [""] * (len(header) - len(cells))
        out.append("<tr>" + "".join(cell("td", k, c) for k, c in enumerate(cells[:len(header)])) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _starts_block(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    return (line.startswith("$$") or bool(_HEADING.match(line)) or bool(_LIST.match(lines[i]))
            or (line.startswith("|") and i + 1 < len(lines) and bool(_RULE.match(lines[i + 1]))))


def markdown_to_html(markdown: str, images: dict[str, str] | None = None, heading_offset: int = 2) -> str:
    """HTML for Moodle from the Markdown that derive's templates write.

    Paragraphs, ATX headings (shifted down by ``heading_offset`` levels: ``##`` becomes ``<h4>``),
    bullet and numbered lists, pipe tables with alignment, ``$$ ... $$`` display math (one line or
    several) and, inline, ``$...$`` math, ``**strong**``, ``*em*``, ```code```, links, backslash
    escapes and images (``images`` maps a Markdown target to the ``src`` to use; other images are
    left out).
    """
    lines = markdown.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("$$"):
            body = stripped[2:]
            if body.rstrip().endswith("$$") and len(body.rstrip()) >= 2:
                math_lines, i = [body.rstrip()[:-2]], i + 1
            else:
                math_lines, i = [body], i + 1
                while i < n and not lines[i].rstrip().endswith("$$"):
                    math_lines.append(lines[i])
                    i += 1
                if i < n:
                    math_lines.append(lines[i].rstrip()[:-2])
                    i += 1
            content = "\n".join(m for m in math_lines if m.strip())
            out.append(f'<div class="derive-math">\\[\n{_esc(content)}\n\\]</div>')
            continue
        heading = _HEADING.match(stripped)
        if heading:
            level = min(6, len(heading.group(1)) + heading_offset)
            out.append(f"<h{level}>{_inline(heading.group(2), images)}</h{level}>")
            i += 1
            continue
        if stripped.startswith("|") and i + 1 < n and _RULE.match(lines[i + 1]):
            rows = [lines[i], lines[i + 1]]
            i += 2
            while i < n and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            out.append(_table(rows, images))
            continue
        item = _LIST.match(line)
        if item:
            ordered = item.group("number") is not None
            items: list[list[str]] = []
            while i < n:
                item = _LIST.match(lines[i])
                if item and (item.group("number") is not None) == ordered:
                    items.append([item.group("text")])
                    i += 1
                elif lines[i].strip() and lines[i].startswith((" ", "\t")) and items:
                    items[-1].append(lines[i].strip())       # continuation of the item
                    i += 1
                elif not lines[i].strip():
                    j = i
                    while j < n and not lines[j].strip():
                        j += 1
                    nxt = _LIST.match(lines[j]) if j < n else None
                    if nxt and (nxt.group("number") is not None) == ordered:
                        i = j                                  # a loose list: blank lines between items
                    else:
                        break
                else:
                    break
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(' '.join(t), images)}</li>" for t in items)
                       + f"</{tag}>")
            continue
        paragraph = [stripped]
        i += 1
        while i < n and lines[i].strip() and not _starts_block(lines, i):
            paragraph.append(lines[i].strip())
            i += 1
        html = _inline("\n".join(paragraph), images).strip()
        if html:
            out.append(f"<p>{html}</p>")
    return "\n".join(out)


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
    info = f"<p>{_esc(family.title)}</p>" if getattr(family, "title", "") else ""
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


def _fill_answer_table(markdown: str, answers: tuple[Answer, ...]) -> tuple[str, dict[int, bool]]:
    """Put a placeholder for each answer where its blank is: the ``@@BLANK:<key>@@`` markers that the
    templates' ``blank(key)`` macro writes.  A blank of no asked answer stays an empty blank."""
    from derive.exam.family import BLANK    # here, not at the top: this file's imports belong to the HTML part

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
    body_md, placed = _fill_answer_table(body_md, question.answers)
    body = markdown_to_html(body_md, images)
    lines = []
    for k, answer in enumerate(question.answers):
        sub = cloze_subquestion(answer, inline=lambda t: _inline(t, images))
        if placed.get(k):
            body = body.replace(f"@@CLOZE{k}@@", sub)
        elif answer.is_choice:
            label = f"\\({_esc(answer.latex)}\\): " if answer.latex else ""
            lines.append(f'<div class="derive-answer">{label}{sub}</div>')
        else:
            lines.append(f'<div class="derive-answer">\\({_esc(answer.latex)}\\) = {sub}</div>')
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
