"""The self-checking pages in a real browser: Debian's chromium, headless, driven by
playwright-core (tests/support/browser.mjs).

The lecture's published numbers (Mazur's worked example: net_h1 = 0.3775, out_h1 = 0.593269992,
w5+ = 0.35891648) go in through the URL fragment and by typing; the verdicts are read from the
DOM.  The page must make no request but for itself, fit a phone's width, be usable by keyboard
and have every font its math uses inlined.
"""

from __future__ import annotations

import json
import math
import subprocess
from urllib.parse import quote

import pytest

from derive.check.page import solution_page
from derive.core.spec import builtin_spec
from derive.present.solution import solve
from tests.support.cli import run_cli
from tests.support.tools import REPO_ROOT, require_browser

BROWSER = REPO_ROOT / "tests" / "support" / "browser.mjs"
PHONE = {"width": 375, "height": 740}


def browse(page, actions) -> dict:
    done = subprocess.run(["node", str(BROWSER)], input=json.dumps({"page": str(page), "actions": actions}),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["errors"] == [], result["errors"]
    return result


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.fixture(scope="module")
def lecture_page(tmp_path_factory):
    require_browser()
    page = tmp_path_factory.mktemp("page") / "solution.html"
    page.write_text(solution_page(solve(builtin_spec())), encoding="utf-8")
    return page


def test_answers_in_the_fragment_are_filled_in_and_checked_on_load(lecture_page):
    fragment = "#net_h1=0.3775&out_h1=0.5933&w5%2B=0.3589&dE_total%2Fdout_o1=-0.7414&dE%2Fdw%5B2%2C1%2C1%5D=0.09"
    result = browse(lecture_page, [{"do": "open", "fragment": fragment}, {"do": "verdicts"}, {"do": "progress"},
                                   {"do": "eval", "js": "document.querySelector('input[data-key=\"w_new[2,1,1]\"]').value"}])
    verdicts, progress = result["results"][1], result["results"][2]
    assert verdicts["net[1,1]"] == ["correct", "correct"]
    assert verdicts["out[1,1]"] == ["correct", "correct"]
    assert verdicts["w_new[2,1,1]"] == ["correct", "correct"]
    verdict, text = verdicts["dE/dout[2,1]"]
    assert verdict == "wrong" and "error_sign_flipped" in text and "sign of the error signal flipped" in text
    assert verdicts["dE/dw[2,1,1]"][0] == "wrong"          # 0.0822 is the gradient
    assert verdicts["net[1,2]"] == ["missing", "no answer yet"]
    assert result["results"][3] == "0.3589"
    assert progress[0]["correct"] == "3" and progress[0]["wrong"] == "2"
    assert progress[0]["text"].startswith("5 of ")
    assert set(result["requests"]) == {lecture_page.as_uri()}   # nothing else fetched


def test_typing_checks_and_keeps_the_answers_in_the_address(lecture_page):
    slipped = 0.3800                                  # net_h1 slipped; out_h1 follows from it
    out = sigmoid(slipped)
    actions = [{"do": "open"},
               {"do": "type", "key": "net[1,1]", "text": f"{slipped:.4f}"},
               {"do": "type", "key": "out[1,1]", "text": f"{out:.4f}"},
               {"do": "type", "key": "w_new[2,1,1]", "text": "0,3589"},
               {"do": "verdicts"}, {"do": "hash"}]
    result = browse(lecture_page, actions)
    verdicts, address = result["results"][4], result["results"][5]
    assert verdicts["net[1,1]"] == ["wrong", "wrong"]
    assert verdicts["out[1,1]"][0] == "consistent" and "your own earlier numbers" in verdicts["out[1,1]"][1]
    assert verdicts["w_new[2,1,1]"] == ["missing", "not a number: use a decimal point"]
    assert address == "#net_h1=0.3800&out_h1=" + f"{out:.4f}" + "&" + quote("w5+", safe="") + "=0%2C3589"
    # The bookmarked address gives the same verdicts back.
    again = browse(lecture_page, [{"do": "open", "fragment": address}, {"do": "verdicts"}])["results"][1]
    assert {k: v for k, v in again.items() if v[0] != "missing" or "decimal" in v[1]} == \
        {k: v for k, v in verdicts.items() if v[0] != "missing" or "decimal" in v[1]}


def test_a_phone_sized_viewport_has_no_horizontal_overflow(lecture_page):
    reveal_all = "document.querySelectorAll('button.reveal').forEach(b => b.click()); true"
    result = browse(lecture_page, [{"do": "open", **PHONE, "fragment": "#net_h1=0.3775&w5%2B=0.1"},
                                   {"do": "overflow"}, {"do": "eval", "js": reveal_all}, {"do": "overflow"},
                                   {"do": "eval", "js": "Array.from(document.querySelectorAll('input[data-key]'))"
                                                        ".every(i => i.getBoundingClientRect().right <= innerWidth)"}])
    for size in (result["results"][1], result["results"][3]):
        assert size["scrollWidth"] <= size["innerWidth"] == PHONE["width"]
    assert result["results"][4] is True


def test_the_keyboard_reaches_every_input_in_the_order_of_the_worked_solution(lecture_page):
    steps = [k for k, q in solve(builtin_spec()).steps.items() if q.section != "given"]
    result = browse(lecture_page, [{"do": "open"}, {"do": "tab", "count": 2 * len(steps)},
                                   {"do": "press", "key": "Shift+Tab"}])
    focused = result["results"][1]
    inputs = [f for f in focused if f in {str(k) for k in steps}]
    assert inputs == [str(k) for k in steps]            # each input once, in step order
    assert all(f == "button.reveal" for f in focused[focused.index(inputs[0]) + 1::2][:len(steps) - 1])
    # Enter on a "show this step" button reveals the step; Enter in an input moves on to the next one.
    actions = [{"do": "open"}, {"do": "tab", "count": 2}, {"do": "press", "key": "Enter"},
               {"do": "eval", "js": "[document.activeElement.getAttribute('aria-expanded'), "
                                    "document.getElementById(document.activeElement.getAttribute('aria-controls')).hidden]"},
               {"do": "press", "key": "Shift+Tab"}, {"do": "press", "key": "Enter"}]
    result = browse(lecture_page, actions)["results"]
    assert result[3] == ["true", False]
    assert result[5] == str(steps[1])


def test_every_label_names_its_input(lecture_page):
    js = ("Array.from(document.querySelectorAll('input[data-key]')).map(i => [i.dataset.key, i.labels.length, "
          "i.labels[0] && i.labels[0].textContent.includes(i.dataset.name), "
          "!!document.querySelector('[data-verdict-for=\"' + i.dataset.key + '\"]')])")
    rows = browse(lecture_page, [{"do": "open"}, {"do": "eval", "js": js}])["results"][1]
    assert rows and all(count == 1 and named and verdict for _, count, named, verdict in rows)


def test_every_font_the_math_uses_is_inlined_and_loads(lecture_page):
    reveal_all = "document.querySelectorAll('button.reveal').forEach(b => b.click()); true"
    fonts = browse(lecture_page, [{"do": "open"}, {"do": "eval", "js": reveal_all}, {"do": "fonts"}])["results"][2]
    faces = {(f["family"], f["style"], f["weight"]): f["status"] for f in fonts["faces"]}
    assert "error" not in faces.values()
    for used in fonts["used"]:
        family, style, weight = used.split("/")
        if family.startswith("KaTeX_"):
            assert faces.get((family, style, weight)) == "loaded", (used, faces)
    assert {"KaTeX_Main/normal/400", "KaTeX_Math/italic/400"} <= set(fonts["used"])


def test_an_exam_variant_page_checks_each_network_question(tmp_path):
    require_browser()
    status, _, err = run_cli(["exam", "--family", "backprop-output-layer", "--family", "gd-steps",
                              "--family", "backprop-forward", "-n", "2", "--seed", "11", "--out", str(tmp_path),
                              "--format", "html,json"])
    assert status == 0, err
    variant = json.loads((tmp_path / "answers.json").read_text())["variants"][1]
    first = variant["questions"][0]["answers"]
    third = variant["questions"][2]["answers"]
    (k1, a1), (k2, a2) = list(first.items())[:2]
    (k3, a3), = list(third.items())[:1]
    fragment = "#" + "&".join(quote(name, safe="") + "=" + value for name, value in (
        (f"q1.{a1['name']}", f"{a1['value']:.4f}"), (f"q1.{a2['name']}", f"{a2['value'] + 0.5:.4f}"),
        (f"q3.{a3['name']}", f"{a3['value']:.4f}")))
    page = tmp_path / f"variant-{variant['code']}.html"
    (k4, a4), = list(third.items())[1:2]
    result = browse(page, [{"do": "open", "fragment": fragment, **PHONE}, {"do": "verdicts"}, {"do": "overflow"},
                           {"do": "click", "selector": "#question-2 details.solution summary"},
                           {"do": "eval", "js": "document.querySelector('#question-2 details').open"},
                           {"do": "type", "key": k4, "text": f"{a4['value']:.4f}", "question": "q3."},
                           {"do": "verdicts"}, {"do": "hash"}])
    verdicts = result["results"][1]
    assert verdicts[f"q1.{k1}"] == ["correct", "correct"]
    assert verdicts[f"q1.{k2}"][0] == "wrong"
    assert verdicts[f"q3.{k3}"] == ["correct", "correct"]
    assert verdicts[f"q1.{k3}"][0] == "missing"              # each question's boxes are its own
    assert not any(k.startswith("q2.") for k in verdicts)     # gradient descent: question and solution only
    assert result["results"][4] is True
    assert result["results"][2]["scrollWidth"] <= PHONE["width"]
    assert result["results"][6][f"q3.{k4}"] == ["correct", "correct"]
    assert result["results"][7].endswith("&" + quote(f"q3.{a3['name']}", safe="") + f"={a3['value']:.4f}&"
                                          + quote(f"q3.{a4['name']}", safe="") + f"={a4['value']:.4f}")
    assert set(result["requests"]) == {page.as_uri()}


def test_a_mistake_made_again_is_consistent_and_counted_once(lecture_page):
    # Gradients right (Mazur: dE/dw5 = 0.082167041, dE/dw6 = 0.082667628), both updates added: w + eta * g.
    fragment = "#dE_total%2Fdw5=0.0822&w5%2B=0.4411&dE_total%2Fdw6=0.0827&w6%2B=0.4913"
    verdicts = browse(lecture_page, [{"do": "open", "fragment": fragment}, {"do": "verdicts"}])["results"][1]
    assert verdicts["w_new[2,1,1]"][0] == "wrong" and "gradient_added" in verdicts["w_new[2,1,1]"][1]
    verdict, text = verdicts["w_new[2,1,2]"]
    assert verdict == "consistent" and text.startswith("consistent: the same mistake as at w5+, counted once")
