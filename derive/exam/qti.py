"""Canvas QTI 1.2 export: ``qti.zip``, one quiz holding every variant of an exam.

What the package looks like, and where each rule comes from:

* Layout (Canvas's own QTI export, ``lib/cc/qti/qti_generator.rb`` in instructure/canvas-lms):
  ``imsmanifest.xml``; a folder named by the assessment's identifier with the assessment
  (``<id>/<id>.xml``, QTI ASI 1.2, namespace ``http://www.imsglobal.org/xsd/ims_qtiasiv1p2``) and
  Canvas's quiz settings (``<id>/assessment_meta.xml``, namespace
  ``http://canvas.instructure.com/xsd/cccv1p0``); the manifest lists the assessment as an
  ``imsqti_xmlv1p2`` resource that depends on the settings resource, and every other file as
  ``webcontent``.
* Items (``lib/cc/qti/qti_items.rb``): ``itemmetadata`` fields ``question_type``
  (``numerical_question`` or ``multiple_choice_question``) and ``points_possible``; the text is
  HTML in one ``mattext``; scores are ``SCORE`` 0..100, set to 100 by the matching
  ``respcondition``; ``itemfeedback ident="general_fb"`` is the feedback shown whatever was answered
  (here the worked solution).
* A number is graded by Canvas's "exact answer with margin" encoding:
  ``<or><varequal>v</varequal><and><vargte>v-m</vargte><varlte>v+m</varlte></and></or>``.  Canvas's
  importer (``gems/plugins/qti_exporter/lib/qti/numeric_interaction.rb``) takes ``v`` as the exact
  answer and ``varlte - varequal``, computed in BigDecimal from the texts, as the margin -- so every
  number is written as the exact decimal of its shortest ``repr`` (no exponent: ``3.2e-06`` is
  ``0.0000032``, a form every parser reads) and the bounds are computed in decimal, never in binary
  floating point: the margin Canvas reads back is exactly answers.json's ``tolerance``.  (It reads
  ``vargt``/``varlte`` bounds ending in 5 as a significant-digits answer; ``vargte`` never is.)
* Groups (``assessment_test_converter.rb``): a ``section`` with a selection becomes a question group
  whose questions Canvas draws at random; a section without one only lists its items, in order.
  Canvas has no question with several numeric fields, so each asked number is its own numerical
  item; a group would draw a question's parts one by one (from different variants, in random
  order), so each variant is a plain section, titled by its code, and a question's parts follow
  each other: the first carries the question (its text, the network's figure, the solution as
  feedback), the others refer to it by the numbers ``[1]``, ``[2]``, ... that mark its blanks.
* Points: a question's points (the exam file's ``points:``, else one per asked answer, as in
  Moodle) are shared by its items in hundredths, so they add up exactly to the question's points.
* Images: the network's SVG figure is ``images/<variant>-q<k>.svg`` in the zip, shown as
  ``<img src="$IMS-CC-FILEBASE$/images/...">`` (the token Canvas replaces by the folder the
  package's files are imported to).  Math is ``\\( ... \\)``, as for Moodle (:mod:`lms_html`).
* The same variants give a byte-identical zip: fixed order, fixed timestamps, identifiers made
  from the exam's content.

>>> qti_number(3.2e-06), qti_number(2.5e20), qti_number(-0.0)
('0.0000032', '250000000000000000000', '0.0')
>>> margin_bounds(3.2e-06, 5e-05)
('0.0000032', '-0.0000468', '0.0000532')
>>> [str(p) for p in share_points(10, 3)]
['3.34', '3.33', '3.33']
"""

from __future__ import annotations

import hashlib
import math
import zipfile
from collections.abc import Iterable, Sequence
from decimal import ROUND_FLOOR, Decimal, localcontext
from xml.sax.saxutils import escape, quoteattr

from derive.exam.family import Answer
from derive.exam.lms_html import answer_mark, check_choice, check_numeric, math_html, question_html
from derive.exam.variants import Question, Variant

__all__ = ["qti_zip", "write_qti", "assessment_xml", "qti_number", "margin_bounds", "share_points",
           "QTI_NAMESPACE"]

QTI_NAMESPACE = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CANVAS_NAMESPACE = "http://canvas.instructure.com/xsd/cccv1p0"
MANIFEST_NAMESPACE = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
IMAGES = "images/"
FILEBASE = "$IMS-CC-FILEBASE$/"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)     # the earliest time a zip can hold: the same bytes on every run


# -- numbers and points --------------------------------------------------------------------------

def qti_number(value: float) -> str:
    """The exact decimal of a float's shortest repr, without an exponent."""
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"Canvas cannot grade against a non-finite number ({x!r})")
    text = format(Decimal(repr(x)), "f")
    return "0.0" if text == "-0.0" else text


def margin_bounds(value: float, tolerance: float) -> tuple[str, str, str]:
    """(exact, exact - margin, exact + margin) as decimal texts, the bounds computed exactly."""
    exact, margin = Decimal(qti_number(value)), Decimal(qti_number(tolerance))
    with localcontext() as context:
        context.prec = 800          # more digits than the sum of any two floats' decimals can need: exact
        return qti_number(value), format(exact - margin, "f"), format(exact + margin, "f")


def share_points(points: float | None, count: int) -> list[Decimal]:
    """``points`` shared by ``count`` items in hundredths (the first items get the remainder);
    None means one point per item."""
    if points is None or count == 0:
        return [Decimal(1)] * count
    total = Decimal(repr(float(points))) if not float(points).is_integer() else Decimal(int(points))
    step = min(Decimal("0.01"), Decimal(1).scaleb(total.as_tuple().exponent))
    base = (total / count / step).to_integral_value(rounding=ROUND_FLOOR) * step
    extra = int((total - base * count) / step)
    return [base + step if k < extra else base for k in range(count)]


def _points_text(points: Decimal) -> str:
    return format(points.normalize(), "f")


# -- one question: its items ---------------------------------------------------------------------

def _field(label: str, entry: str) -> str:
    return (f"<qtimetadatafield><fieldlabel>{escape(label)}</fieldlabel>"
            f"<fieldentry>{escape(entry)}</fieldentry></qtimetadatafield>")


def _mattext(html: str) -> str:
    return f'<material><mattext texttype="text/html">{escape(html)}</mattext></material>'


def _numeric_parts(answer: Answer) -> tuple[str, str]:
    """(presentation response, response condition) of a numerical item."""
    check_numeric(answer, "Canvas")
    exact, low, high = margin_bounds(answer.value, answer.tolerance)
    response = ('<response_str ident="response1" rcardinality="Single"><render_fib fibtype="Decimal">'
                '<response_label ident="answer1"/></render_fib></response_str>')
    condition = ('<or>'
                 f'<varequal respident="response1">{exact}</varequal>'
                 f'<and><vargte respident="response1">{low}</vargte>'
                 f'<varlte respident="response1">{high}</varlte></and>'
                 '</or>')
    return response, condition


def _choice_parts(answer: Answer, inline, first_id: int) -> tuple[str, str, list[str]]:
    """(presentation response, response condition, answer ids) of a multiple-choice item."""
    correct = check_choice(answer)
    ids = [str(first_id + k) for k in range(len(answer.choices))]
    labels = "".join(f'<response_label ident="{ident}">{_mattext(inline(choice).strip())}</response_label>'
                     for ident, choice in zip(ids, answer.choices))
    response = (f'<response_lid ident="response1" rcardinality="Single"><render_choice shuffle="No">'
                f'{labels}</render_choice></response_lid>')
    return response, f'<varequal respident="response1">{ids[correct]}</varequal>', ids


def _ask(number: int, answer: Answer) -> str:
    label = math_html(answer.latex) if answer.latex else escape(answer.name)
    return f"<p><strong>[{number}]</strong> {label}{'' if answer.is_choice else ' ='}</p>"


def question_items(variant: Variant, question: Question, points: float | None, prefix: str,
                   figure_src: str, precision: int = 4) -> tuple[list[str], list[Decimal], str | None]:
    """The items of one question of one variant (one per asked answer), their points and the
    network's SVG figure (None without one)."""
    parts = question_html(question, precision, figure_src)
    shares = share_points(points, len(question.answers))
    total = _points_text(sum(shares, Decimal(0)))
    body = parts.body
    for k in range(len(question.answers)):
        body = body.replace(answer_mark(k), f"<strong>[{k + 1}]</strong>")
    heading = f"Question {question.number}"
    items = []
    for k, (answer, share) in enumerate(zip(question.answers, shares)):
        answer = question.family.shown_answer(answer)
        ident = f"{prefix}-{variant.code}-q{question.number}-{k + 1}"
        if k == 0:
            text = (f"<p><strong>{heading}</strong> ({total} {'point' if total == '1' else 'points'}; "
                    f"variant {escape(variant.code)})</p>\n{body}\n{_ask(k + 1, answer)}")
        else:
            text = (f"<p><strong>{heading}</strong>, continued (variant {escape(variant.code)})</p>\n"
                    f"{_ask(k + 1, answer)}")
        if answer.is_choice:
            response, condition, ids = _choice_parts(answer, parts.inline, 1000 * (k + 1))
            kind = "multiple_choice_question"
        else:
            (response, condition), ids = _numeric_parts(answer), []   # Canvas's answer ids are numbers
            kind = "numerical_question"
        feedback = k == 0 and parts.solution
        items.append("".join([
            f'<item ident="{ident}" title={quoteattr(f"{variant.code} Q{question.number} [{k + 1}]")}>',
            "<itemmetadata><qtimetadata>",
            _field("question_type", kind), _field("points_possible", _points_text(share)),
            _field("original_answer_ids", ",".join(ids)) if ids else "",
            "</qtimetadata></itemmetadata>",
            f"<presentation>{_mattext(text)}{response}</presentation>",
            "<resprocessing>",
            '<outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>',
            ('<respcondition continue="Yes"><conditionvar><other/></conditionvar>'
             '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>'
             if feedback else ""),
            f'<respcondition continue="No"><conditionvar>{condition}</conditionvar>'
            '<setvar action="Set" varname="SCORE">100</setvar></respcondition>',
            "</resprocessing>",
            (f'<itemfeedback ident="general_fb"><flow_mat>{_mattext(parts.solution)}</flow_mat></itemfeedback>'
             if feedback else ""),
            "</item>",
        ]))
    return items, shares, parts.figure


# -- the package ---------------------------------------------------------------------------------

def _identifier(variants: Sequence[Variant], title: str) -> str:
    """Made from the exam's content: the same exam keeps it, another exam never shares it (Canvas
    matches identifiers when a package is imported again)."""
    digest = hashlib.sha256(title.encode("utf-8"))
    for variant in variants:
        digest.update(f"\x00{variant.code}".encode("utf-8"))
        for question in variant.questions:
            for a in question.answers:
                digest.update(f"\x01{a.key}={float(a.value)!r}±{float(a.tolerance)!r}".encode("utf-8"))
    return "derive-" + digest.hexdigest()[:20]


def _figure_name(variant: Variant, question: Question) -> str:
    return f"{IMAGES}{variant.code}-q{question.number}.svg"


def assessment_xml(variants: Sequence[Variant], points: Sequence[float | None], title: str,
                   identifier: str, precision: int = 4) -> tuple[str, dict[str, bytes], Decimal]:
    """The assessment XML, the figure files it shows (zip path -> bytes) and its total points."""
    sections, files, total = [], {}, Decimal(0)
    for variant in variants:
        items = []
        for question in variant.questions:
            name = _figure_name(variant, question)
            share = points[question.number - 1] if question.number <= len(points) else None
            new_items, shares, figure = question_items(variant, question, share, identifier, FILEBASE + name,
                                                       precision)
            if figure is not None:
                files[name] = figure.encode("utf-8")
            items.extend(new_items)
            total += sum(shares, Decimal(0))
        sections.append(f'<section ident="{identifier}-{variant.code}" title={quoteattr("Variant " + variant.code)}>\n'
                        + "\n".join(items) + "\n</section>")
    document = "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<questestinterop xmlns="{QTI_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{QTI_NAMESPACE} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd">',
        f'<assessment ident="{identifier}" title={quoteattr(title)}>',
        "<qtimetadata>" + _field("cc_maxattempts", "1") + "</qtimetadata>",
        '<section ident="root_section">',
        *sections,
        "</section>",
        "</assessment>",
        "</questestinterop>",
        "",
    ])
    return document, files, total


def _meta_xml(identifier: str, title: str, description: str, points: Decimal) -> str:
    fields = [("title", escape(title)), ("description", escape(description)),
              ("shuffle_answers", "false"), ("scoring_policy", "keep_highest"), ("quiz_type", "assignment"),
              ("points_possible", _points_text(points)), ("show_correct_answers", "false"),
              ("allowed_attempts", "1"), ("one_question_at_a_time", "false"), ("cant_go_back", "false"),
              ("available", "false")]
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<quiz identifier="{identifier}" xmlns="{CANVAS_NAMESPACE}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{CANVAS_NAMESPACE} https://canvas.instructure.com/xsd/cccv1p0.xsd">',
        *(f"  <{tag}>{text}</{tag}>" for tag, text in fields),
        "</quiz>",
        "",
    ])


def _manifest_xml(identifier: str, title: str, assessment: str, meta: str, files: Iterable[str]) -> str:
    resources = [
        f'    <resource identifier="{identifier}" type="imsqti_xmlv1p2">',
        f'      <file href={quoteattr(assessment)}/>',
        f'      <dependency identifierref="{identifier}-meta"/>',
        "    </resource>",
        f'    <resource identifier="{identifier}-meta" '
        f'type="associatedcontent/imscc_xmlv1p1/learning-application-resource" href={quoteattr(meta)}>',
        f'      <file href={quoteattr(meta)}/>',
        "    </resource>",
    ]
    for k, name in enumerate(files, start=1):
        resources += [f'    <resource identifier="{identifier}-file{k}" type="webcontent" href={quoteattr(name)}>',
                      f"      <file href={quoteattr(name)}/>",
                      "    </resource>"]
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<manifest identifier="{identifier}-manifest" xmlns="{MANIFEST_NAMESPACE}">',
        "  <metadata>",
        "    <schema>IMS Content</schema>",
        "    <schemaversion>1.1.3</schemaversion>",
        "  </metadata>",
        "  <organizations/>",
        "  <resources>",
        *resources,
        "  </resources>",
        "</manifest>",
        "",
    ])


def qti_files(variants: Sequence[Variant], points: Sequence[float | None], title: str = "derive exam",
              seed: int | None = None, precision: int = 4) -> dict[str, bytes]:
    """Every file of the package, in the order the zip holds them (zip path -> bytes)."""
    variants = list(variants)
    identifier = _identifier(variants, title)
    document, figures, total = assessment_xml(variants, points, title, identifier, precision)
    assessment, meta = f"{identifier}/{identifier}.xml", f"{identifier}/assessment_meta.xml"
    description = (f"{len(variants)} variant{'s' if len(variants) != 1 else ''} made by derive"
                   + (f" from seed {seed}" if seed is not None else "")
                   + ", one section each, titled by the variant's code.")
    files = {"imsmanifest.xml": _manifest_xml(identifier, title, assessment, meta, figures).encode("utf-8"),
             assessment: document.encode("utf-8"),
             meta: _meta_xml(identifier, title, f"<p>{escape(description)}</p>", total).encode("utf-8")}
    files.update(figures)
    return files


def _zip(files: dict[str, bytes], out) -> None:
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)


def qti_zip(variants: Sequence[Variant], points: Sequence[float | None], title: str = "derive exam",
            seed: int | None = None, precision: int = 4) -> bytes:
    """The whole package as bytes (see :func:`write_qti`)."""
    import io

    buffer = io.BytesIO()
    _zip(qti_files(variants, points, title, seed, precision), buffer)
    return buffer.getvalue()


def write_qti(variants: Sequence[Variant], path, points: Sequence[float | None], title: str = "derive exam",
              seed: int | None = None, precision: int = 4) -> None:
    """Write ``qti.zip`` to ``path``."""
    with open(path, "wb") as out:
        _zip(qti_files(variants, points, title, seed, precision), out)
