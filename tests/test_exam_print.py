"""Print-ready exam sheets and points everywhere (CONTRACT §7): the PDFs read by their text and
page structure, answers.json's points and order, Moodle's cloze weights, Canvas's points."""

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema

from derive.cli import main
from derive.exam.family import asked_order
from derive.exam.registry import all_families, get_family
from derive.exam.variants import generate
from derive.render.templating import tex_escape
from tests.support.tools import pdf_pages, pdf_text, require

TITLE = "Midterm 2026 – Deep Learning — “Prüfung” für Anfänger"
EXAM = f"""\
title: "{TITLE}"
course: "UEC630"
date: 2026-12-14
instructions: "Show every step. 50% of the marks are for the working & the rest for the answers."
cover: true
duplex: true
n: 4
seed: 2026
questions:
  - {{family: backprop-full-step, points: 10}}
  - {{family: loss-surface, points: 8}}
  - {{family: concepts, points: 4}}
  - {{family: gd-steps}}
"""
QTI_SCHEMA = Path(__file__).parent / "data" / "qti" / "asi1p2" / "ims_qtiasiv1p2.xsd"


def build(tmp_path, text=EXAM, formats="pdf,json,moodle,qti", name="exam"):
    exam = tmp_path / f"{name}.yaml"
    exam.write_text(text, encoding="utf-8")
    out = tmp_path / name
    assert main(["exam", str(exam), "--out", str(out), "--format", formats]) == 0
    return out, json.loads((out / "answers.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    require("pdflatex")
    return build(tmp_path_factory.mktemp("print"))


def pages_of(path) -> list[str]:
    return pdf_text(path).split("\f")[:pdf_pages(path)]


def test_every_variant_starts_on_an_odd_page_with_its_cover(printed):
    out, answers = printed
    codes = [v["code"] for v in answers["variants"]]
    for sheet in ("questions.pdf", "solutions.pdf"):
        pages = pages_of(out / sheet)
        assert len(pages) % 2 == 0, sheet          # the last variant fills its last sheet too
        starts = [next(k for k, page in enumerate(pages, 1) if code in page) for code in codes]
        assert all(start % 2 == 1 for start in starts), (sheet, starts)
        lengths = [b - a for a, b in zip(starts, starts[1:] + [len(pages) + 1])]
        assert max(lengths) - min(lengths) <= 2, (sheet, lengths)     # variants of about the same length
    pages = pages_of(out / "questions.pdf")
    for code in codes:
        cover = next(page for page in pages if code in page)
        assert "Name:" in cover and "Student ID:" in cover and "UEC630" in cover and "2026-12-14" in cover
        assert "50% of the marks are for the working & the rest" in " ".join(cover.split())
        # the points table: one row per question, and the total (10 + 8 + 4 + one per step of gd-steps)
        rows = re.findall(r"^\s*(\d)\s+(.+?)\s+(\d+)\s*$", cover, re.MULTILINE)
        assert [(n, p) for n, _, p in rows][:3] == [("1", "10"), ("2", "8"), ("3", "4")]
        assert re.search(r"Total[ \t]+\d+", cover) is None         # gd-steps has no points: no total to mislead


def test_title_and_points_are_printed(printed):
    out, _ = printed
    text = unicodedata.normalize("NFC", " ".join(pdf_text(out / "questions.pdf").split()))
    assert TITLE in text                                      # dashes, quotes and umlauts as written
    assert "10 points" in text and "8 points" in text and "4 points" in text


def test_a_total_is_printed_when_every_question_has_points(tmp_path):
    require("pdflatex")
    text = EXAM.replace("  - {family: gd-steps}\n", "  - {family: gd-steps, points: 3}\n").replace("n: 4", "n: 1")
    out, _ = build(tmp_path, text, "pdf,json")
    cover = pages_of(out / "questions.pdf")[0]
    assert re.search(r"Total[ \t]+25", cover), cover


def test_without_duplex_variants_follow_each_other(tmp_path):
    require("pdflatex")
    text = EXAM.replace("duplex: true", "duplex: false").replace("cover: true", "cover: false")
    out, answers = build(tmp_path, text, "pdf,json")
    text = pdf_text(out / "questions.pdf")
    assert "This page is left blank." not in text and "Name:" in text
    assert all(v["code"] in text for v in answers["variants"])


def test_answers_json_has_points_and_the_order_of_the_blanks(printed):
    out, answers = printed
    for variant in answers["variants"]:
        questions = variant["questions"]
        assert [q["points"] for q in questions[:3]] == [10, 8, 4]
        assert questions[3]["points"] == len(questions[3]["answers"])     # no points: one per asked answer
    families = [get_family(q["family"]) for q in answers["variants"][0]["questions"]]
    for variant in generate(families, 4, 2026):
        for question, listed in zip(variant.questions, answers["variants"][variant.index - 1]["questions"]):
            sheet = question.family.render(question.params, "question", "tex", 4, blanks=True)
            assert [k for k in asked_order(sheet) if k in listed["answers"]] == list(listed["answers"])


@pytest.mark.parametrize("family", all_families(), ids=lambda f: f.id)
def test_every_family_asks_its_answers_in_the_order_it_lists_them(family):
    for variant in generate([family], 6, 31):
        question = variant.questions[0]
        keys = [a.key for a in question.answers]
        for fmt in ("tex", "md"):
            shown = asked_order(question.family.render(question.params, "question", fmt, 4, blanks=True))
            assert [k for k in shown if k in keys] == keys, (family.id, fmt)


def test_the_loss_surface_sheet_does_not_tell_how_many_points_there_are():
    family = get_family("loss-surface")
    sheets = {}
    for variant in generate([family], 40, 5):
        q = variant.questions[0]
        count = len(q.answers) // 4
        text = family.render(q.params, "question", "tex", 4)
        sheets.setdefault(count, set()).add((text.count(r"\hrulefill"), text.count("point ")))
    assert set(sheets) == {1, 2}                        # both shapes were drawn...
    assert len(sheets[1] | sheets[2]) == 1              # ...and look the same: 3 rows of blanks


@pytest.mark.parametrize("family", all_families(), ids=lambda f: f.id)
def test_each_question_asks_for_one_precision(family):
    variant = next(generate([family], 1, 4))
    text = family.render(variant.questions[0].params, "question", "md", 4)
    asked = {phrase for phrase in ("decimal places", "significant digits", "significant figures") if phrase in text}
    assert len(asked) <= 1, (family.id, asked)


def cloze_parts(text: str) -> list[int]:
    return [int(w or 1) for w in re.findall(r"\{(\d*):(?:NUMERICAL|MULTICHOICE_V):", text)]


def test_moodle_weights_add_up_to_the_points(printed):
    out, answers = printed
    root = ET.parse(out / "moodle.xml").getroot()
    by_name = {v["code"]: v for v in answers["variants"]}
    seen = 0
    for element in root.iter("question"):
        if element.get("type") != "cloze":
            continue
        code, number = element.find("name/text").text.rsplit(" Q", 1)
        listed = by_name[code]["questions"][int(number) - 1]
        weights = cloze_parts(element.find("questiontext/text").text)
        assert len(weights) == len(listed["answers"])
        assert element.find("defaultgrade").text == str(listed["points"])
        if listed["points"] >= len(weights):
            # Moodle's mark of a cloze question is the sum of its weights: exactly the points,
            # shared as evenly as whole numbers allow
            assert sum(weights) == listed["points"] and max(weights) - min(weights) <= 1
        else:
            assert weights == [1] * len(weights)
        seen += 1
    assert seen == 4 * 4


def test_fewer_points_than_blanks_are_reported_for_moodle(tmp_path, capsys):
    text = "n: 1\nquestions:\n  - {family: backprop-full-step, points: 4}\n"
    build(tmp_path, text, "json,moodle")
    err = capsys.readouterr().err
    assert "moodle.xml: question 1 is worth 9 in Moodle (one per blank), not 4" in err


def test_canvas_points_add_up_and_the_package_is_valid(printed):
    out, answers = printed
    schema = xmlschema.XMLSchema(str(QTI_SCHEMA))
    with zipfile.ZipFile(out / "qti.zip") as archive:
        name = next(n for n in archive.namelist() if n.endswith(".xml") and "/" in n and "meta" not in n)
        document = archive.read(name)
    schema.validate(document.decode("utf-8"))
    root = ET.fromstring(document)
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    totals: dict[str, Decimal] = {}
    for item in root.iter(f"{{{ns['q']}}}item"):
        fields = {f.find("q:fieldlabel", ns).text: f.find("q:fieldentry", ns).text
                  for f in item.iter(f"{{{ns['q']}}}qtimetadatafield")}
        key = item.get("title").rsplit(" [", 1)[0]
        totals[key] = totals.get(key, Decimal(0)) + Decimal(fields["points_possible"])
    for variant in answers["variants"]:
        for q in variant["questions"]:
            assert totals[f"{variant['code']} Q{q['number']}"] == Decimal(str(q["points"]))


@pytest.mark.parametrize("field, value, expected", [
    ("cover", "'yes'", "cover: expected true or false"),
    ("duplex", 1, "duplex: expected true or false"),
    ("title", "[a, b]", "title: expected a line of text"),
    ("instructions", "x" * 2001, "instructions: expected at most 2000 characters"),
])
def test_bad_sheet_fields_are_refused(tmp_path, capsys, field, value, expected):
    exam = tmp_path / "exam.yaml"
    exam.write_text(f"{field}: {value}\nquestions: [concepts]\n", encoding="utf-8")
    assert main(["exam", str(exam), "--out", str(tmp_path / "out"), "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_unicode_titles_map_to_tex():
    assert tex_escape("a – b — c") == "a -- b --- c"
    assert tex_escape("„Übung“ naïve") == r',,\"{U}bung`` na\"{\i}ve'
    assert tex_escape("Łódź & 50%") == r"\L{}\'{o}d\'{z} \& 50\%"
