"""The self-checking pages as files: what they contain, that they need nothing from elsewhere,
that the same spec gives the same bytes, and what --format html refuses (the browser and
the checker are tested in test_html_browser.py and test_html_check.py)."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from html.parser import HTMLParser

import pytest

from derive.check.page import exercise_data, solution_page
from derive.core.spec import builtin_spec
from derive.present.solution import solve
from derive.render.html import FONT_RULES, asset, fonts_for
from tests.support.cli import run_cli
from tests.support.html_specs import spec as load
from tests.support.tools import REPO_ROOT, require

#: What the lecture page must carry, in bytes: KaTeX's script (273 kB) and stylesheet (22 kB),
#: seven fonts as data: URLs (106 kB), the checker (20 kB) and its data (38 kB), the page (60 kB).
LECTURE_PAGE_LIMIT = 560_000


class _Page(HTMLParser):
    """The elements a test looks at: inputs, labels, verdicts, references to other files."""

    def __init__(self):
        super().__init__()
        self.inputs, self.labels, self.verdicts, self.references, self.ids = [], {}, [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "input":
            self.inputs.append(attrs)
        if tag == "label":
            self.labels[attrs.get("for")] = True
        if "data-verdict-for" in attrs:
            self.verdicts.append(attrs)
        for name in ("src", "href", "action", "srcset", "data"):
            if name in attrs:
                self.references.append(attrs[name])


def parsed(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


@pytest.fixture(scope="module")
def lecture():
    return solution_page(solve(builtin_spec()))


def test_an_input_with_a_label_and_a_verdict_per_step_in_the_order_of_the_worked_solution(lecture):
    solution = solve(builtin_spec())
    steps = [str(k) for k, s in solution.steps.items() if s.section != "given"]
    page = parsed(lecture)
    assert [i["data-key"] for i in page.inputs] == steps
    assert [i["data-name"] for i in page.inputs][:3] == ["net_h1", "net_h2", "out_h1"]
    assert all(page.labels.get(i["id"]) for i in page.inputs)
    assert [v["data-verdict-for"] for v in page.verdicts] == steps
    assert {v["data-verdict"] for v in page.verdicts} == {"missing"}
    assert len(page.ids) == len(set(page.ids))


def test_the_page_needs_nothing_from_elsewhere(lecture):
    page = parsed(lecture)
    assert page.references == []                         # no src, no href: everything is inline
    assert re.findall(r"url\((?!data:|#)", lecture) == []   # every font a data: URL, the rest in the page
    markup = re.sub(r"<script[\s\S]*?</script>", "", lecture)
    assert not re.search(r"https?://(?!www\.w3\.org/)", markup)
    assert markup.count("<svg") == 1                    # the network's diagram, inline
    assert "w5 = 0.4" in lecture


def test_the_fonts_are_those_the_math_uses(lecture):
    faces = re.findall(r"font-family:KaTeX_(\w+);font-style:(\w+);font-weight:(\d+);src:url\(data:font/woff2;base64,([^)]+)\)",
                       lecture)
    names = [f"{family}-{'Italic' if style == 'italic' and family == 'Main' else ''}" for family, style, _, _ in faces]
    assert "Main-Italic" in names                      # \mathit{total}
    assert not any(f == "AMS" or weight == "700" for f, _, weight, _ in faces)   # no \mathbb, no \mathbf here
    for family, style, weight, data in faces:
        font = [f for f, _ in FONT_RULES if f.split("-")[0] == family and (
            ("Italic" in f) == (style == "italic") and ("Bold" in f) == (weight == "700"))]
        assert base64.b64decode(data) == asset(f"katex/fonts/KaTeX_{font[0]}.woff2")
    assert fonts_for(r"\(\mathbf{1}\)") == ("Main-Regular", "Math-Italic", "Main-Bold")


def test_the_inlined_katex_is_the_pinned_one():
    """derive/render/web/katex is a copy of the katex package pinned in package.json."""
    pinned = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["katex"]
    assert f"KaTeX v{pinned}" in asset("katex/katex.min.js").decode()[:400] or \
        f'version:"{pinned}"' in asset("katex/katex.min.js").decode()
    installed = REPO_ROOT / "node_modules" / "katex"
    if installed.is_dir():
        dist = installed / "dist"
        assert asset("katex/katex.min.js") == (dist / "katex.min.js").read_bytes()
        assert asset("katex/katex.min.css") == (dist / "katex.min.css").read_bytes()
        assert asset("katex/auto-render.min.js") == (dist / "contrib" / "auto-render.min.js").read_bytes()
        for font, _ in FONT_RULES:
            assert asset(f"katex/fonts/KaTeX_{font}.woff2") == (dist / "fonts" / f"KaTeX_{font}.woff2").read_bytes()


def test_the_lecture_page_weighs_what_it_must(lecture):
    size = len(lecture.encode("utf-8"))
    katex = len(asset("katex/katex.min.js"))
    assert katex < size < LECTURE_PAGE_LIMIT


def test_the_checker_data_carries_the_exact_values():
    data = exercise_data(builtin_spec())
    assert data["quantities"]["w_new[2,1,1]"]["exact"] == pytest.approx(0.35891648, abs=5e-9)   # Mazur's w5+
    assert data["quantities"]["out[1,1]"]["exact"] == pytest.approx(0.593269992, abs=5e-10)
    assert data["names"]["w5+"] == ["w_new[2,1,1]", 1]
    chained = exercise_data(load("lecture-chained"))["quantities"]["out[1,1]"]
    assert chained["expected"] == 0.5933 and chained["exact"] != 0.5933
    units = exercise_data(load("relu-units-mse"))
    assert units["names"]["Err4"] == ["delta[1,1]", -1]


def test_solve_writes_the_page_and_the_same_spec_gives_the_same_bytes(tmp_path):
    for run in ("a", "b"):
        status, out, err = run_cli(["solve", "--format", "html,md", "--out", str(tmp_path / run)])
        assert status == 0, err
    first, second = (tmp_path / "a" / "solution.html").read_bytes(), (tmp_path / "b" / "solution.html").read_bytes()
    assert first == second
    assert first.decode("utf-8") == solution_page(solve(builtin_spec()))


def test_exam_writes_one_page_per_variant_byte_for_byte_again(tmp_path):
    args = ["exam", "--family", "backprop-full-step", "--family", "gd-steps", "-n", "2", "--seed", "5",
            "--format", "html,json"]
    for run in ("a", "b"):
        status, _, err = run_cli(args + ["--out", str(tmp_path / run)])
        assert status == 0, err
    codes = [v["code"] for v in json.loads((tmp_path / "a" / "answers.json").read_text())["variants"]]
    pages = sorted(p.name for p in (tmp_path / "a").glob("*.html"))
    assert pages == sorted(f"variant-{code}.html" for code in codes)
    for name in pages:
        text = (tmp_path / "a" / name).read_text(encoding="utf-8")
        assert text.encode() == (tmp_path / "b" / name).read_bytes()
        page = parsed(text)
        assert page.references and all(r.startswith("data:image/svg+xml;base64,") for r in page.references)
        assert {i["id"].split(".")[0] for i in page.inputs} == {"in-q1"}      # network question only
        assert "Question 2: Gradient descent by hand" in text


def test_html_of_a_training_run_is_refused_with_one_line(tmp_path):
    spec = tmp_path / "train.yaml"
    spec.write_text("layers: [1, 1]\nactivation: sigmoid\nloss: half_sse\nweights: [[[0.5]]]\n"
                    "learning_rate: 0.1\nepochs: 2\ndata: [{input: [1], target: [0]}]\n")
    status, out, err = run_cli(["solve", str(spec), "--format", "html", "--out", str(tmp_path / "out")])
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "html" in err and str(spec) in err
    assert not (tmp_path / "out").exists()


def test_html_of_a_question_without_a_network_is_refused(tmp_path):
    status, _, err = run_cli(["exam", "--family", "gd-steps", "-n", "1", "--seed", "3", "--format", "json",
                              "--out", str(tmp_path)])
    code = json.loads((tmp_path / "answers.json").read_text())["variants"][0]["code"]
    status, out, err = run_cli(["solve", "--variant", code, "--format", "html", "--out", str(tmp_path / "q")])
    assert status == 2 and "a backpropagation question" in err and err.count("\n") == 1
    assert not (tmp_path / "q").exists()


def test_user_text_is_escaped_in_the_page():
    hostile = dict(builtin_spec().to_dict(), title='</script><img src=x onerror="alert(1)"> & <b>')
    page = solution_page(solve(load_dict(hostile)))
    assert "<img src=x" not in page and "<b>" not in page
    assert "&lt;/script&gt;&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &lt;b&gt;" in page
    assert parsed(page).references == []


def load_dict(data):
    from derive.core.spec import parse_spec

    return parse_spec(data, source="<hostile>", name="hostile")


def test_the_page_checks_under_the_notation_it_shows(tmp_path):
    """derive solve --notation units: the page's names (I3, Err6) are the checker's."""
    status, _, err = run_cli(["solve", "--notation", "units", "--format", "html", "--out", str(tmp_path)])
    assert status == 0, err
    page = (tmp_path / "solution.html").read_text(encoding="utf-8")
    names = [i["data-name"] for i in parsed(page).inputs]
    assert names[0] == "I3"
    require("node")
    job = {"page": str(tmp_path / "solution.html"), "sheets": [{"lines": [["I3", "0.3775"], ["Err5", "-0.1385"]]}]}
    done = subprocess.run(["node", str(REPO_ROOT / "tests" / "support" / "page_check.mjs")], input=json.dumps(job),
                          capture_output=True, text=True, check=True)
    entries = json.loads(done.stdout)[0]["entries"]
    assert [(e["name"], e["verdict"]) for e in entries[:2]] == [("I3", "correct"), ("Err5", "correct")]   # Err5 = -delta_o1 = -0.13849856
