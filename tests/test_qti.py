"""Canvas QTI 1.2 export (``derive exam --format qti``) checked against the format's rules.

Every assessment file is validated against the IMS QTI ASI 1.2 schema (tests/data/qti, an
unchanged copy of the schema Moodle's repository ships, with its IMS notice); numbers are read
back the way Canvas's importer reads them (numeric_interaction.rb: the exact answer from
``varequal``, the margin as ``varlte - varequal`` in decimal arithmetic) and compared with
answers.json and with the NumPy reference.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
import xmlschema

from derive.cli import main
from derive.exam.family import Answer, Family
from derive.exam.lms_html import markdown_inline
from derive.exam.qti import margin_bounds, qti_files, qti_number, qti_zip, share_points
from derive.exam.registry import all_families, get_family
from derive.exam.variants import Question, Variant, generate
from tests.reference import reference_values

SCHEMA_FILE = Path(__file__).parent / "data" / "qti" / "asi1p2" / "ims_qtiasiv1p2.xsd"
NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
MANIFEST_NS = {"m": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
CANVAS_NS = {"c": "http://canvas.instructure.com/xsd/cccv1p0"}


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(SCHEMA_FILE))


def run_exam(tmp_path, name, *args):
    out = tmp_path / name
    assert main(["exam", *args, "--out", str(out)]) == 0
    return out


def package(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assessment_name(files: dict[str, bytes]) -> str:
    manifest = ET.fromstring(files["imsmanifest.xml"])
    resource = manifest.find(".//m:resource[@type='imsqti_xmlv1p2']", MANIFEST_NS)
    return resource.find("m:file", MANIFEST_NS).get("href")


def items_of(files: dict[str, bytes]) -> list[dict]:
    """Each item as Canvas's importer would read it: type, points, text, and the graded answer."""
    root = ET.fromstring(files[assessment_name(files)])
    out = []
    for section in root.find("q:assessment/q:section", NS).findall("q:section", NS):
        for item in section.findall("q:item", NS):
            meta = {f.find("q:fieldlabel", NS).text: f.find("q:fieldentry", NS).text
                    for f in item.iter("{%s}qtimetadatafield" % NS["q"])}
            entry = {"ident": item.get("ident"), "section": section.get("title"), "type": meta["question_type"],
                     "points": Decimal(meta["points_possible"]),
                     "text": item.find("q:presentation/q:material/q:mattext", NS).text}
            condition = item.find("q:resprocessing/q:respcondition[@continue='No']/q:conditionvar", NS)
            if entry["type"] == "numerical_question":
                exact = condition.find("q:or/q:varequal", NS).text
                low = condition.find("q:or/q:and/q:vargte", NS).text
                high = condition.find("q:or/q:and/q:varlte", NS).text
                entry.update(exact=exact, low=low, high=high)
            else:
                labels = item.findall("q:presentation/q:response_lid/q:render_choice/q:response_label", NS)
                entry["choices"] = [(label.get("ident"), label.find("q:material/q:mattext", NS).text)
                                    for label in labels]
                entry["correct"] = condition.find("q:varequal", NS).text
            feedback = item.find("q:itemfeedback[@ident='general_fb']/q:flow_mat/q:material/q:mattext", NS)
            entry["feedback"] = feedback.text if feedback is not None else None
            out.append(entry)
    return out


# -- numbers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [(0.35891648, "0.35891648"), (3.2e-06, "0.0000032"),
                                         (-8.84297e-07, "-0.000000884297"), (2.5e20, "250000000000000000000"),
                                         (600.0, "600.0"), (-0.0, "0.0"), (0.1 + 0.2, "0.30000000000000004")])
def test_numbers_are_exact_decimals_without_exponent(value, text):
    assert qti_number(value) == text
    assert float(text) == value


def test_a_value_below_1e4_and_its_margin_round_trip():
    for value, tolerance in [(3.2e-06, 5e-05), (-2.7e-09, 1e-10), (1.5e-300, 5e-301), (0.0001, 5.6e-05)]:
        exact, low, high = margin_bounds(value, tolerance)
        assert float(exact) == value
        # Canvas: margin = BigDecimal(varlte) - BigDecimal(varequal)
        assert Decimal(high) - Decimal(exact) == Decimal(repr(tolerance)) == Decimal(exact) - Decimal(low)
        assert "e" not in exact.lower() + low.lower() + high.lower()


def test_non_finite_numbers_are_refused():
    with pytest.raises(ValueError, match="non-finite"):
        qti_number(float("nan"))


@pytest.mark.parametrize("points, count, shares", [
    (None, 3, ["1", "1", "1"]), (10, 9, ["1.12"] + ["1.11"] * 8), (6, 3, ["2", "2", "2"]),
    (2.5, 4, ["0.63", "0.63", "0.62", "0.62"]), (1, 3, ["0.34", "0.33", "0.33"]), (0, 2, ["0", "0"]),
    (0.125, 2, ["0.063", "0.062"])])
def test_points_are_shared_in_hundredths_and_add_up(points, count, shares):
    got = share_points(points, count)
    assert [format(p.normalize(), "f") for p in got] == shares
    assert sum(got) == (Decimal(repr(float(points))) if points is not None else count)


# -- a stub question: exact encoding -------------------------------------------------------------

class StubFamily(Family):
    id, code, title = "stub", "STB", "Stub"

    def render_body(self, params, part, fmt, precision):
        if part == "solution":
            return "The answer is $x = 3.2 \\cdot 10^{-6}$."
        return "Compute $x$ and pick one.\n\n| quantity | your answer |\n|---|---|\n| $x$ |@@BLANK:x@@|\n"


def stub_variants():
    answers = (Answer("x", "x", "x", 3.2e-06, 5e-08),
               Answer("q[1]", "question 1", r"\text{Q1}", 1.0, 0.0, ("$a < b$", "**none**", "$c$")))
    return [Variant(1, "0-1-STB-X", (Question(1, StubFamily(), {}, answers, 1),))]


def test_stub_question_items(schema):
    files = package(qti_zip(stub_variants(), (3,), "Stub & <exam>", 0))
    schema.validate(io.BytesIO(files[assessment_name(files)]))
    number, choice = items_of(files)
    assert number["type"] == "numerical_question" and choice["type"] == "multiple_choice_question"
    assert (number["exact"], number["low"], number["high"]) == ("0.0000032", "0.00000315", "0.00000325")
    assert number["points"] + choice["points"] == 3
    # the first item carries the question, with its blank numbered, the solution as feedback and math as \( \)
    assert "<strong>Question 1</strong> (3 points; variant 0-1-STB-X)" in number["text"]
    assert "<td><strong>[1]</strong></td>" in number["text"] and "\\(x\\)" in number["text"]
    assert "$" not in number["text"] and number["feedback"] == "<p>The answer is \\(x = 3.2 \\cdot 10^{-6}\\).</p>"
    assert "continued" in choice["text"] and "<strong>[2]</strong> \\(\\text{Q1}\\)" in choice["text"]
    assert choice["feedback"] is None
    assert [text for _, text in choice["choices"]] == ["\\(a &lt; b\\)", "<strong>none</strong>", "\\(c\\)"]
    assert choice["correct"] == choice["choices"][1][0]
    meta = ET.fromstring(files[next(n for n in files if n.endswith("assessment_meta.xml"))])
    assert meta.find("c:title", CANVAS_NS).text == "Stub & <exam>"
    assert meta.find("c:points_possible", CANVAS_NS).text == "3"


def test_an_answer_canvas_cannot_grade_is_refused():
    bad = [Variant(1, "0-1-STB-X", (Question(1, StubFamily(), {}, (Answer("x", "x", "x", 0.5, 0.0),), 1),))]
    with pytest.raises(ValueError, match="exact floating-point match"):
        qti_zip(bad, (None,))
    bad = [Variant(1, "0-1-STB-X", (Question(1, StubFamily(), {}, (Answer("x", "x", "x", 1.0, 0.0, ("a",)),), 1),))]
    with pytest.raises(ValueError, match="multiple choice needs"):
        qti_zip(bad, (None,))


# -- every family, and a mixed exam --------------------------------------------------------------

@pytest.mark.parametrize("family_id", [f.id for f in all_families()])
def test_every_family_validates_against_the_qti_schema(schema, family_id):
    variants = list(generate([get_family(family_id)], 3, 11))
    files = package(qti_zip(variants, (None,), family_id, 11))
    schema.validate(io.BytesIO(files[assessment_name(files)]))
    items = items_of(files)
    assert len(items) == sum(len(q.answers) for v in variants for q in v.questions)
    for item, answer in zip(items, (a for v in variants for q in v.questions for a in q.answers)):
        if answer.is_choice:
            ids = [ident for ident, _ in item["choices"]]
            assert item["correct"] == ids[int(answer.value)]
        else:
            assert float(item["exact"]) == answer.value
            assert Decimal(item["high"]) - Decimal(item["exact"]) == Decimal(repr(answer.tolerance))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """An exam file with points for two of its three questions, written with answers.json and md."""
    folder = tmp_path_factory.mktemp("qti")
    exam = folder / "midterm.yaml"
    exam.write_text("title: \"Midterm – Canvas\"\nseed: 7\nn: 4\nquestions:\n"
                    "  - {family: backprop-full-step, points: 10}\n  - concepts\n"
                    "  - {family: gd-steps, points: 4}\n", encoding="utf-8")
    out = folder / "exam"
    assert main(["exam", str(exam), "--format", "md,json,qti", "--out", str(out)]) == 0
    return out


def test_mixed_exam_validates_and_its_numbers_are_answers_json(schema, mixed):
    files = package((mixed / "qti.zip").read_bytes())
    schema.validate(io.BytesIO(files[assessment_name(files)]))
    document = json.loads((mixed / "answers.json").read_text(encoding="utf-8"))
    items = iter(items_of(files))
    for variant in document["variants"]:
        for question in variant["questions"]:
            expected = reference_values(question["spec"]) if "spec" in question else {}
            for key, answer in question["answers"].items():
                item = next(items)
                assert item["section"] == f"Variant {variant['code']}"
                if "choices" in answer:
                    assert [unescape(t) for _, t in item["choices"]] == \
                        [unescape(markdown_inline(c)) for c in answer["choices"]]
                    assert item["correct"] == item["choices"][answer["value"]][0]
                    continue
                assert float(item["exact"]) == answer["value"]
                margin = Decimal(repr(float(answer["tolerance"])))
                assert Decimal(item["high"]) - Decimal(item["exact"]) == margin
                assert Decimal(item["exact"]) - Decimal(item["low"]) == margin
                if key in expected:       # the network's numbers, against the NumPy reference
                    assert float(item["exact"]) == pytest.approx(expected[key], rel=1e-10, abs=1e-13)
    assert next(items, None) is None


def test_points_sum_to_the_exams_points(mixed):
    files = package((mixed / "qti.zip").read_bytes())
    document = json.loads((mixed / "answers.json").read_text(encoding="utf-8"))
    concepts = len(document["variants"][0]["questions"][1]["answers"])     # one point per answer
    per_variant = {}
    for item in items_of(files):
        per_variant[item["section"]] = per_variant.get(item["section"], 0) + item["points"]
        assert item["points"] > 0
    assert set(per_variant.values()) == {10 + concepts + 4} and len(per_variant) == 4
    meta = ET.fromstring(files[next(n for n in files if n.endswith("assessment_meta.xml"))])
    assert Decimal(meta.find("c:points_possible", CANVAS_NS).text) == 4 * (10 + concepts + 4)
    first = [i for i in items_of(files) if i["section"] == next(iter(per_variant))]
    assert "(10 points;" in first[0]["text"] and "(4 points;" in first[-3]["text"]


def test_the_manifest_lists_every_file_and_figures_are_the_sheets(mixed):
    files = package((mixed / "qti.zip").read_bytes())
    manifest = ET.fromstring(files["imsmanifest.xml"])
    listed = [f.get("href") for f in manifest.iter("{%s}file" % MANIFEST_NS["m"])]
    assert sorted(listed) == sorted(name for name in files if name != "imsmanifest.xml")
    ids = {r.get("identifier") for r in manifest.iter("{%s}resource" % MANIFEST_NS["m"])}
    assert all(d.get("identifierref") in ids for d in manifest.iter("{%s}dependency" % MANIFEST_NS["m"]))
    assessments = [n for n in files if n.endswith(".xml") and n != "imsmanifest.xml" and "meta" not in n]
    assert len(assessments) == 1
    # each network question shows its figure, which is the Markdown sheets' SVG
    text = files[assessments[0]].decode("utf-8")
    sources = list(dict.fromkeys(re.findall(r'src="\$IMS-CC-FILEBASE\$/([^"]+)"', unescape(text))))  # question, solution
    codes = [v["code"] for v in json.loads((mixed / "answers.json").read_text(encoding="utf-8"))["variants"]]
    assert sources == [f"images/{code}-q1.svg" for code in codes]
    for source, code in zip(sources, codes):
        assert files[source] == (mixed / "figures" / f"{code}-q1.svg").read_bytes()


def test_same_seed_gives_a_byte_identical_zip(tmp_path, mixed):
    args = ["--family", "chain-rule", "--family", "concepts", "-n", "3", "--seed", "4", "--format", "qti"]
    first, second = run_exam(tmp_path, "a", *args), run_exam(tmp_path, "b", *args)
    assert (first / "qti.zip").read_bytes() == (second / "qti.zip").read_bytes()
    assert [p.name for p in first.iterdir()] == ["qti.zip"]
    with zipfile.ZipFile(first / "qti.zip") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.namelist()[0] == "imsmanifest.xml"
    # another exam (another seed) never shares the identifiers Canvas matches on re-import
    other = run_exam(tmp_path, "c", *args[:-4], "--seed", "5", "--format", "qti")
    names = set(package((other / "qti.zip").read_bytes())) & set(package((first / "qti.zip").read_bytes()))
    assert names == {"imsmanifest.xml"}


def test_qti_files_in_order():
    files = qti_files(stub_variants(), (None,))
    assert list(files)[0] == "imsmanifest.xml" and list(files)[2].endswith("assessment_meta.xml")
