"""Moodle XML export checked against the format's real rules.

The cloze validator below is a port of the regular expressions and the unescaping that
Moodle's importer applies (question/type/multianswer/questiontype.php,
``qtype_multianswer_extract_question`` and ``qtype_multianswer_validate_question``), so an
answer that survives it is what Moodle would store.
"""

from __future__ import annotations

import base64
import html
import math
import re
import xml.etree.ElementTree as ET

import pytest

from derive.exam.family import Answer, Family

from derive.exam.registry import get_family
from derive.exam.moodle import (_cdata, cloze_escape, cloze_number, markdown_to_html, moodle_xml,
                                question_xml, write_moodle)
from derive.exam.variants import Question, Variant, generate

# -- a port of Moodle's cloze parser ---------------------------------------------------------------

FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"   # PHP: (?<!\\\\|&|&amp;), split for Python
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
TYPES = ("(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
         "(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
         "(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
         "(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)")
START = r"\{([0-9]*):(" + TYPES + "):"
SUBQUESTION = re.compile(START + "(" + ALTERNATIVE + "(~" + ALTERNATIVE + r")*)\}", re.S)
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE = re.compile("^(" + NUMBER + ")(:" + NUMBER + ")?$", re.S)
ANY_START = re.compile(r"\{[0-9]*:[A-Z_]+:")


def moodle_cloze(text: str) -> list[dict]:
    """What Moodle's importer extracts from a cloze question text (raises on what it would reject)."""
    subquestions = []
    while True:
        m = SUBQUESTION.search(text)
        if not m:
            break
        kind = m.group(2)
        numerical = kind in ("NUMERICAL", "NM")
        alternatives = []
        remaining = m.group(16)      # ANSWER_REGEX_ALTERNATIVES
        while True:
            alt = re.search("~?" + ALTERNATIVE, remaining, re.S)
            if not alt or not remaining:
                break
            fraction = 1.0 if alt.group(1) == "=" else (
                float(alt.group(2).replace(",", ".")) / 100 if alt.group(2) else 0.0)
            entry = {"fraction": fraction, "raw": alt.group(3)}
            feedback = alt.group(5)
            if feedback is not None:
                entry["feedback"] = html.unescape(feedback).replace("\\}", "}").replace("\\#", "#")
            number = NUMERICAL_ALTERNATIVE.match(alt.group(3)) if numerical else None
            if numerical:
                assert number, f"Moodle: 'answer must be a number or *': {alt.group(3)!r}"
                entry["value"] = number.group(1)
                entry["tolerance"] = number.group(6) if number.group(5) else "0"
            else:
                entry["answer"] = html.unescape(alt.group(3)).replace("\\}", "}").replace("\\#", "#")
            alternatives.append(entry)
            remaining = remaining.split(alt.group(0), 1)[1]
        # qtype_multianswer_validate_question
        assert any(a["fraction"] == 1 for a in alternatives), "Moodle: no answer with full marks"
        if kind.startswith(("MULTICHOICE", "MC")):
            assert len(alternatives) >= 2, "Moodle: a multiple choice needs two answers"
        subquestions.append({"weight": m.group(1), "type": kind, "alternatives": alternatives})
        text = text.replace(m.group(0), "{#%d}" % len(subquestions), 1)
    assert not ANY_START.search(text), f"a sub-question Moodle would not recognise: {ANY_START.search(text)}"
    return subquestions


def test_the_port_reads_moodles_documented_examples():
    text = ("Match {1:MULTICHOICE:Wrong answer#Feedback for this wrong answer~Another wrong answer#"
            "Feedback for the other wrong answer~=Correct answer#Feedback for correct answer~"
            "%50%Answer that gives half the credit#Feedback for half credit answer} and "
            "{2:NUMERICAL:=23.8:0.1#Feedback for correct answer 23.8~%50%23.8:2#Feedback for half credit}")
    mc, nm = moodle_cloze(text)
    assert [a["fraction"] for a in mc["alternatives"]] == [0, 0, 1, 0.5]
    assert mc["alternatives"][2] == {"fraction": 1, "raw": "Correct answer", "answer": "Correct answer",
                                     "feedback": "Feedback for correct answer"}
    assert [(a["value"], a["tolerance"], a["fraction"]) for a in nm["alternatives"]] == \
        [("23.8", "0.1", 1), ("23.8", "2", 0.5)]
    with pytest.raises(AssertionError):
        moodle_cloze("{1:NUMERICAL:=1,5e+3x:0.1}")        # not a number
    with pytest.raises(AssertionError):
        moodle_cloze("{1:MULTICHOICE:=only one}")          # one choice
    # an unescaped brace in a choice ends the sub-question early: what cloze_escape prevents
    broken = moodle_cloze(r"{1:MULTICHOICE:no~=\(\frac{1}{2}\)}")
    assert broken[0]["alternatives"][1]["answer"] == r"\(\frac{1"


# -- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def variants():
    return list(generate([get_family("backprop-full-step"), get_family("chain-rule")], 5, 2026))


@pytest.fixture(scope="module")
def document(variants):
    return moodle_xml(variants)


@pytest.fixture(scope="module")
def root(document):
    return ET.fromstring(document.encode("utf-8"))


class StubFamily(Family):
    """A family written here, not registered: its answers are whatever the test gives it."""

    id, code, title = "stub-choice", "STB", "Stub family with ]]> in its title"

    def __init__(self, question_md: str, solution_md: str = "The answer is $x$."):
        self.question_md, self.solution_md = question_md, solution_md

    def render_body(self, params, part, fmt, precision):
        return self.question_md if part == "question" else self.solution_md


def stub_variant(answers, question_md="Which is right?", solution_md="The answer is $x$."):
    family = StubFamily(question_md, solution_md)
    return Variant(1, "0-1-STB-X", (Question(1, family, {}, tuple(answers), 1),))


def cloze_questions(root):
    return [q for q in root.findall("question") if q.get("type") == "cloze"]


def text_of(question, tag):
    return question.find(tag).find("text").text


# -- structure ------------------------------------------------------------------------------------

def test_well_formed_and_first_line(document, root):
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    assert root.tag == "quiz"


def test_one_category_per_family_before_its_questions(root, variants):
    family_of = {(v.code, q.number): q.family.id for v in variants for q in v.questions}
    seen, current, counts = [], None, {}
    for element in root.findall("question"):
        if element.get("type") == "category":
            path = element.find("category").find("text").text
            assert path.startswith("$course$/top/derive exam/")
            current = path.rsplit("/", 1)[1]
            assert current not in seen, "a family got two categories"
            seen.append(current)
            continue
        assert element.get("type") == "cloze"
        code, number = element.find("idnumber").text.rsplit("-", 1)
        assert family_of[(code, int(number))] == current
        counts[current] = counts.get(current, 0) + 1
    assert seen == ["backprop-full-step", "chain-rule"]
    assert counts == {"backprop-full-step": 5, "chain-rule": 5}


def test_every_question_has_its_parts(root, variants):
    questions = cloze_questions(root)
    assert len(questions) == sum(len(v.questions) for v in variants)
    for q in questions:
        name = q.find("name").find("text").text
        code, number = q.find("idnumber").text.rsplit("-", 1)
        assert name == f"{code} Q{number}"
        assert q.find("questiontext").get("format") == "html"
        assert q.find("generalfeedback").get("format") == "html"
        assert "Backward pass" in text_of(q, "generalfeedback")       # the worked solution
        assert q.find("hidden").text == "0"
        assert 0 <= float(q.find("penalty").text) <= 1


def test_cloze_syntax_values_and_tolerances(root, variants):
    by_id = {f"{v.code}-{q.number}": q for v in variants for q in v.questions}
    for element in cloze_questions(root):
        question = by_id[element.find("idnumber").text]
        subquestions = moodle_cloze(text_of(element, "questiontext").strip())   # Moodle trims
        assert len(subquestions) == len(question.answers)
        for sub, answer in zip(subquestions, question.answers):
            assert sub["type"] in ("NUMERICAL", "NM")
            (alt,) = sub["alternatives"]
            assert alt["fraction"] == 1
            assert "+" not in alt["raw"] and "," not in alt["raw"]
            value, tolerance = float(alt["value"]), float(alt["tolerance"])
            assert tolerance > 0 and math.isclose(tolerance, answer.tolerance, rel_tol=1e-9)
            # the key lies well inside its tolerance of derive's exact answer
            assert abs(value - answer.value) <= tolerance * 1e-6


def test_answers_sit_in_the_answer_table(root):
    for element in cloze_questions(root):
        text = text_of(element, "questiontext")
        assert len(re.findall(r"<td>\{1:NUMERICAL:", text)) == len(moodle_cloze(text))
        assert 'class="derive-answer"' not in text


def test_images_are_embedded_files(root):
    for element in cloze_questions(root):
        for area in ("questiontext", "generalfeedback"):
            node = element.find(area)
            refs = re.findall(r'@@PLUGINFILE@@/([^"\'\s<>]+)', node.find("text").text)
            assert refs == ["net.svg"]                      # the network diagram, once per text
            files = {f.get("name"): f for f in node.findall("file")}
            for ref in refs:
                f = files[ref]
                assert f.get("encoding") == "base64" and f.get("path") == "/"
                svg = ET.fromstring(base64.b64decode(f.text, validate=True))
                assert svg.tag in ("svg", "{http://www.w3.org/2000/svg}svg")
            assert set(files) <= set(refs)


def test_no_single_dollar_math_left(root):
    for element in cloze_questions(root):
        for area in ("questiontext", "generalfeedback"):
            text = text_of(element, area)
            assert "$" not in text
            assert text.count("\\(") == text.count("\\)") > 0
            assert text.count("\\[") == text.count("\\]")


def test_deterministic_and_streamed_file_identical(variants, document, tmp_path):
    assert moodle_xml(variants) == document
    path = tmp_path / "moodle.xml"
    write_moodle(iter(variants), path)
    assert path.read_bytes() == document.encode("utf-8")


# -- multiple choice and escaping ---------------------------------------------------------------

CHOICES = ("$\\frac{1}{2}$", "a } b # c ~ d", "$\\{x\\} + \\#$", 'say "hi" ~~ ## }}', "C:\\")
SHOWN = ("\\(\\frac{1}{2}\\)", "a } b # c ~ d", "\\(\\{x\\} + \\#\\)", 'say "hi" ~~ ## }}', "C:\\")


@pytest.mark.parametrize("correct", range(len(CHOICES)))
def test_choices_survive_moodles_parser(correct):
    answer = Answer("pick", "pick", "", correct, 0.0, CHOICES)
    root = ET.fromstring(moodle_xml([stub_variant([answer])]))
    (element,) = cloze_questions(root)
    (sub,) = moodle_cloze(text_of(element, "questiontext"))
    assert sub["type"] == "MULTICHOICE_V"
    assert [a["answer"].rstrip() for a in sub["alternatives"]] == list(SHOWN)   # order as given
    assert [a["fraction"] for a in sub["alternatives"]] == [1.0 if k == correct else 0.0
                                                          for k in range(len(CHOICES))]


def test_escape_round_trip_in_feedback_too():
    text = 'x } y # z ~ w \\frac{1}{2} "q"'
    escaped = cloze_escape(text)
    assert not re.search(r"(?<!\\)[}~]", escaped)
    (sub,) = moodle_cloze("{1:MULTICHOICE:=a#" + escaped + "~b#" + escaped + "}")
    assert [a["feedback"] for a in sub["alternatives"]] == [text, text]


def test_mixed_numeric_and_choice_parts_and_cdata_end():
    answers = [Answer("x", "x", "x_{1}", 1 / 3, 1e-4),
               Answer("c", "c", "", 1, 0.0, ("$a$", "$b$ ]]> c")),
               Answer("tiny", "tiny", "g", -8.842966e-07, 1.8e-09),
               Answer("huge", "huge", "h", 3.5e21, 7e18)]
    document = moodle_xml([stub_variant(answers, "Question ]]> text with $x$.", "Feedback ]]> $y$")])
    root = ET.fromstring(document)
    (element,) = cloze_questions(root)
    assert "]]&gt;" in text_of(element, "questiontext") and "]]&gt;" in text_of(element, "generalfeedback")
    raw = "<p>a ]]> b ]]]]> c</p>"                           # raw ']]>' cannot end the CDATA section
    assert ET.fromstring(f"<text>{_cdata(raw)}</text>").text == raw
    subs = moodle_cloze(text_of(element, "questiontext"))
    assert [s["type"] for s in subs] == ["NUMERICAL", "MULTICHOICE_V", "NUMERICAL", "NUMERICAL"]
    for sub, answer in zip(subs, answers):
        if sub["type"] == "NUMERICAL":
            (alt,) = sub["alternatives"]
            assert "+" not in alt["raw"] and abs(float(alt["value"]) - answer.value) <= answer.tolerance * 1e-6
    assert subs[1]["alternatives"][1]["answer"] == "\\(b\\) ]]> c"
    assert "x_{1}" in text_of(element, "questiontext")


@pytest.mark.parametrize("value", [0.0, -0.0, 1 / 3, -8.842966e-07, 3.5e21, 1e-300, 123456.789, -2.0, 0.1 + 0.2])
def test_numbers_moodle_accepts(value):
    text = cloze_number(value)
    assert re.fullmatch(NUMBER, text) and "+" not in text and "," not in text
    assert math.isclose(float(text), value, rel_tol=1e-11, abs_tol=0)


@pytest.mark.parametrize("answer", [
    Answer("n", "n", "n", float("nan"), 0.1),
    Answer("n", "n", "n", 1.0, float("inf")),
    Answer("n", "n", "n", 1.0, -0.1),
    Answer("n", "n", "n", 0.5, 0.0),                       # exact float match on a non-integer
    Answer("c", "c", "", 3, 0.0, ("a", "b")),             # index out of range
    Answer("c", "c", "", 0, 0.0, ("only",)),              # Moodle needs two choices
])
def test_ungradable_answers_are_refused(answer):
    with pytest.raises(ValueError):
        question_xml(*_one(stub_variant([answer])))


def _one(variant):
    return variant, variant.questions[0]


# -- the Markdown converter on what derive's templates write --------------------------------------

def test_markdown_constructs():
    md = ("## Step 3: the iterates\n\n"
          "Here $|\\delta_1| / |\\delta_L| = 2$: the gradient is **vanishing**, *really*.\n"
          "Second line of the paragraph with 3 \\* 4 and \\$5.\n\n"
          "- Inputs: $i_{1} = 0.4$\n\n- Targets: $t < 1$\n\n"
          "1. first\n2. second\n\n"
          "| $t$ | $|x|$ | step |\n| ---: | :---: | --- |\n| 1\\* | $|-2|$ | a & b |\n\n"
          "$$x = \\frac{1}{2}$$\n\n"
          "$$\n\\begin{aligned}\na &= b \\\\\n&= c\n\\end{aligned}\n$$\n\n"
          "![The network](@@FIGURE@@)\n\n![Loss](loss.png)\n")
    out = markdown_to_html(md, {"@@FIGURE@@": "@@PLUGINFILE@@/net.svg"})
    ET.fromstring(f"<root>{out.replace('&', '&amp;')}</root>")          # balanced tags
    assert "<h4>Step 3: the iterates</h4>" in out
    assert "\\(|\\delta_1| / |\\delta_L| = 2\\)" in out
    assert "<strong>vanishing</strong>" in out and "<em>really</em>" in out
    assert "3 * 4 and &#36;5" in out and "$" not in out       # a literal '$' never reaches MathJax
    assert out.count("<li>") == 4 and out.count("<ul>") == 1 and out.count("<ol>") == 1
    assert "\\(t &lt; 1\\)" in out
    assert '<th style="text-align:right">\\(t\\)</th>\n<th style="text-align:center">\\(|x|\\)</th>' in out
    assert '<td style="text-align:right">1*</td>\n<td style="text-align:center">\\(|-2|\\)</td>' in out
    assert "<td>a &amp; b</td>" in out
    assert "\\[\nx = \\frac{1}{2}\n\\]" in out
    assert "\\[\n\\begin{aligned}\na &amp;= b \\\\\n&amp;= c\n\\end{aligned}\n\\]" in out
    assert '<img src="@@PLUGINFILE@@/net.svg" alt="The network"' in out
    assert "loss.png" not in out                          # an image Moodle is not given is left out


def test_families_without_a_diagram_get_no_image():
    answer = Answer("x", "x", "x", 0.25, 0.001)
    document = moodle_xml([stub_variant([answer], "![The network](@@FIGURE@@)\n\nCompute $x$.")])
    (element,) = cloze_questions(ET.fromstring(document))
    assert "@@PLUGINFILE@@" not in document and element.find("questiontext").find("file") is None
    assert "\\(x\\) = {1:NUMERICAL:=0.25:0.001}" in text_of(element, "questiontext")


# -- markdown-it-py + dollarmath: what Moodle gets from each construct ---------------------------

CONTRACTION_ROW = "| quantity | your answer |\n| --- | --- |\n| $|1 - 2a\\gamma_{1}|$ | |\n"


def test_a_pipe_inside_math_stays_in_its_table_cell():
    out = markdown_to_html(CONTRACTION_ROW + "| $\\left(\\tfrac{|w|}{4}\\right)^{L}$ | 0.25 |\n")
    assert re.findall(r"<td>(.*?)</td>", out) == ["\\(|1 - 2a\\gamma_{1}|\\)", "",
                                                   "\\(\\left(\\tfrac{|w|}{4}\\right)^{L}\\)", "0.25"]
    assert out.count("<tr>") == 3 and out.count("<th>") == 2


def test_the_plain_table_rule_would_split_that_cell():
    # why the pipes are protected: markdown-it's table rule splits rows before dollarmath runs
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    plain = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin)
    assert re.findall(r"<td>(.*?)</td>", plain.render("| a | b | c |\n| - | - | - |\n| $|w|$ | x |\n")) \
        == ["$", "w", "$"]                                  # and "x" is lost


def test_pipes_outside_math_and_escaped_pipes_still_split_or_not():
    out = markdown_to_html("| a | b |\n| - | - |\n| $x$ | $y$ |\n| 1 \\| 2 | 3 |\n")
    assert re.findall(r"<td>(.*?)</td>", out) == ["\\(x\\)", "\\(y\\)", "1 | 2", "3"]
    # an escaped dollar opens no math, so the pipe after it separates cells
    out = markdown_to_html("| a | b |\n| - | - |\n| \\$5 | 6\\$ |\n")
    assert re.findall(r"<td>(.*?)</td>", out) == ["&#36;5", "6&#36;"]


def test_the_answer_blank_is_found_in_a_cell_with_a_pipe():
    answer = Answer("rho1", "rho1", "|1 - 2a\\gamma_{1}|", 0.5, 0.001)
    question_md = CONTRACTION_ROW.replace("| |\n", "|@@BLANK:rho1@@|\n")      # as the blank(key) macro writes it
    (element,) = cloze_questions(ET.fromstring(moodle_xml([stub_variant([answer], question_md)])))
    text = text_of(element, "questiontext")
    assert "<td>\\(|1 - 2a\\gamma_{1}|\\)</td>\n<td>{1:NUMERICAL:=0.5:0.001}</td>" in text
    assert 'class="derive-answer"' not in text


def test_math_delimiters_for_moodles_mathjax_filter():
    assert markdown_to_html("Let $a < b$ and $x_{1} \\& y$.") == "<p>Let \\(a &lt; b\\) and \\(x_{1} \\&amp; y\\).</p>"
    assert markdown_to_html("$$E = \\tfrac{1}{2}$$") == '<div class="derive-math">\\[\nE = \\tfrac{1}{2}\n\\]</div>'
    assert markdown_to_html("$$\nx\n\n= 1\n$$") == '<div class="derive-math">\\[\nx\n= 1\n\\]</div>'
    assert markdown_to_html("so $$x = 1$$ here") == "<p>so \\[x = 1\\] here</p>"
    assert markdown_to_html("costs \\$5, not $5$") == "<p>costs &#36;5, not \\(5\\)</p>"
    assert markdown_to_html("`$x$`") == "<p><code>$x$</code></p>"     # MathJax skips <code>


def test_headings_are_shifted_and_capped():
    assert markdown_to_html("# Task\n\n## Step 1 ##") == "<h3>Task</h3>\n<h4>Step 1</h4>"
    assert markdown_to_html("## Step $k$", heading_offset=0) == "<h2>Step \\(k\\)</h2>"
    assert markdown_to_html("##### Deep") == "<h6>Deep</h6>"


def test_lists_bullet_numbered_and_continued():
    assert markdown_to_html("- $x_{1} = 0.5$\n- *b*\n  continued") == \
        "<ul>\n<li>\\(x_{1} = 0.5\\)</li>\n<li><em>b</em>\ncontinued</li>\n</ul>"
    assert markdown_to_html("1. first\n2. second") == "<ol>\n<li>first</li>\n<li>second</li>\n</ol>"
    assert markdown_to_html("3. third") == '<ol start="3">\n<li>third</li>\n</ol>'


def test_emphasis_and_literal_stars():
    assert markdown_to_html("**Point 1**, *mean* gradient") == \
        "<p><strong>Point 1</strong>, <em>mean</em> gradient</p>"
    assert markdown_to_html("3 \\* 4 * 5 and w_new_1") == "<p>3 * 4 * 5 and w_new_1</p>"
    assert markdown_to_html("$a*b*c$ *x*") == "<p>\\(a*b*c\\) <em>x</em></p>"  # no emphasis inside math


def test_html_in_the_markdown_is_escaped_not_passed_through():
    assert markdown_to_html('<script>alert("x")</script> & <b>b</b>') == \
        "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;b&lt;/b&gt;</p>"
    assert markdown_to_html("a\x00b") == "<p>a\ufffdb</p>"      # a NUL of the input never becomes '|'


def test_the_network_image_becomes_the_embedded_file():
    images = {"@@FIGURE@@": "@@PLUGINFILE@@/net.svg"}
    assert markdown_to_html('![The "network"](@@FIGURE@@)\n\nText.', images) == \
        '<p><img src="@@PLUGINFILE@@/net.svg" alt="The &quot;network&quot;" style="max-width: 100%;" />' \
        "</p>\n<p>Text.</p>"
    # an image Moodle is not given goes, and so does the paragraph it stood in alone
    assert markdown_to_html("![The network](@@FIGURE@@)\n\nText.") == "<p>Text.</p>"
    assert markdown_to_html("See ![x](loss.png) here.", images) == "<p>See  here.</p>"


def test_choice_text_is_inline_html():
    answer = Answer("pick", "pick", "", 0, 0.0, ("**first** $x|y$", "<i>second</i>"))
    (element,) = cloze_questions(ET.fromstring(moodle_xml([stub_variant([answer])])))
    (sub,) = moodle_cloze(text_of(element, "questiontext"))
    assert [a["raw"] for a in sub["alternatives"]] == ["<strong>first</strong> \\(x|y\\)",
                                                       "&lt;i&gt;second&lt;/i&gt;"]   # HTML escaped
def test_a_cloze_sub_question_goes_where_the_blank_marker_is():
    """Blanks are explicit markers (the blank(key) macro), not found by reading the Markdown table."""
    from derive.exam.family import Answer

    answers = [Answer("x[1]", "x_1", "x_{1}", 0.5, 0.001), Answer("x[2]", "x_2", "x_{2}", 0.25, 0.001)]
    question_md = "Fill in: $x_2 =$ @@BLANK:x[2]@@ and then $x_1 =$ @@BLANK:x[1]@@."
    root = ET.fromstring(moodle_xml([stub_variant(answers, question_md)]))
    (element,) = cloze_questions(root)
    text = text_of(element, "questiontext")
    assert "@@BLANK" not in text and 'class="derive-answer"' not in text
    assert text.index("{1:NUMERICAL:=0.25:") < text.index("{1:NUMERICAL:=0.5:")
