"""The Python API (derive.api, CONTRACT §9): the numbers against independent references
(tests/reference.py, plain NumPy; closed forms written here), and every result, file and error
line the same as the command line's for the same arguments."""

import base64
import contextlib
import io
import json
import math
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import derive
from derive.api import ArgumentError, Descent, Exam, Solution, _text
from derive.cli import main
from derive.core.errors import InputError
from derive.core.parser import parse_constant
from tests.reference import reference_values

ROOT = Path(__file__).resolve().parents[1]

MY_NET = {"title": "A 2-3-1 tanh network", "layers": [2, 3, 1], "activation": ["tanh", "sigmoid"],
          "loss": "bce", "weights": [[[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]], [[0.3, -0.1, 0.25]]],
          "biases": [[0.1, -0.1, 0.05], 0.2], "learning_rate": 0.3, "input": [0.6, -0.4], "target": [1]}


def cli(*argv) -> tuple[int, str, str]:
    """``derive ARGV`` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def cli_error(*argv) -> str:
    status, _, err = cli(*argv)
    assert status == 2 and err.count("\n") == 1, err
    return err.removeprefix("derive: error: ").strip()


def lecture_w5_new() -> float:
    """w5 after one step of the lecture's 2-2-2 example, by hand (the chain rule written out)."""
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    out_h1 = sig(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    out_h2 = sig(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    out_o1 = sig(0.40 * out_h1 + 0.45 * out_h2 + 0.60)
    return 0.40 - 0.5 * (out_o1 - 0.01) * out_o1 * (1 - out_o1) * out_h1


# -- solve ---------------------------------------------------------------------------------------

def test_solve_the_lecture_w5_after_one_step_is_0_35891648():
    s = derive.solve()
    assert isinstance(s, Solution)
    assert s.value("w5+") == pytest.approx(lecture_w5_new(), abs=1e-15)
    assert s.value("w_new[2,1,1]") == s.value("w5+")
    assert f"{s.value('w5+'):.8f}" == "0.35891648"


def test_solve_my_network_every_quantity_against_numpy():
    s = derive.solve(MY_NET)
    expected = reference_values(MY_NET)
    assert set(expected) <= {str(k) for k in s.steps}
    for key, value in expected.items():
        assert s.value(key) == pytest.approx(value, rel=1e-12, abs=1e-15), key


def test_solve_a_path_a_dict_and_a_spec_agree(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(MY_NET))
    values = [derive.solve(x).values for x in (str(path), path, MY_NET, derive.parse_spec(MY_NET))]
    assert all(v == values[0] for v in values)


def test_sheets_as_text_equal_the_files_of_derive_solve(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(MY_NET))
    status, _, _ = cli("solve", str(path), "--format", "md,tex,json,html", "--out", str(tmp_path / "cli"))
    assert status == 0
    s = derive.solve(path)
    assert s.to_markdown() == (tmp_path / "cli" / "solution.md").read_text()
    assert s.to_html() == (tmp_path / "cli" / "solution.html").read_text()
    assert s.to_latex() == (tmp_path / "cli" / "solution.tex").read_text()
    assert s.as_json() == json.loads((tmp_path / "cli" / "solution.json").read_text())


def test_write_gives_the_same_files_as_derive_solve_byte_for_byte(tmp_path):
    cli("solve", "--format", "md,tex,json,html", "--out", str(tmp_path / "cli"))
    written = derive.solve().write(tmp_path / "api", formats=["md", "tex", "json", "html"])
    names = sorted(p.name for p in written)
    assert names == sorted(p.name for p in (tmp_path / "cli").iterdir())
    for name in names:
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert derive.solve().write(tmp_path / "one", "json") == [tmp_path / "one" / "solution.json"]


def test_options_of_derive_solve_as_arguments():
    assert derive.solve(precision=4).step("w5+").value_text == "0.3589"
    assert derive.solve(notation="layered").step("w_new[2,1,1]").name != "w5+"
    chained = derive.solve(chain_rounding=4)
    assert chained.value("out_h1") == 0.5933
    assert derive.solve(exact=True).step("w5+").exact.startswith("0.358916479717884")


def test_a_training_spec_is_trained_as_derive_solve_does():
    spec = {**MY_NET, "epochs": 3}
    s = derive.solve(spec)
    assert s.run is not None
    document = s.as_json()
    assert len(document["iterations"]) >= 2
    markdown = s._repr_markdown_()
    assert "](loss.png)" not in markdown and "data:image/png;base64," in markdown


# -- Jupyter display ---------------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.images, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


def test_jupyter_shows_the_sheet_with_its_picture_inlined_and_math_for_mathjax():
    s = derive.solve()
    files = s.files(["md"])
    svg = files["network.svg"]
    markdown = s._repr_markdown_()
    assert "](network.svg)" not in markdown
    assert base64.b64encode(svg.encode()).decode() in markdown
    assert markdown.replace(re.search(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", markdown).group(0),
                            "network.svg") == s.to_markdown()
    page = _Tags()
    page.feed(s._repr_html_())
    assert "script" not in page.tags and "table" in page.tags
    assert len(page.images) == 1 and base64.b64decode(page.images[0].split(",", 1)[1]).decode() == svg
    text = "".join(page.text)
    # Math as MathJax reads it in JupyterLab and the classic notebook; no Markdown $ left over.
    assert "\\[\n\\begin{aligned}\nw_{5}^{+} &= w_{5} - \\eta \\cdot \\frac{\\partial E_{\\mathit{total}}}" in text
    assert r"learning rate \(\eta = 0.5\)" in text
    assert "0.35891648" in text and "$" not in text
    assert "sub" in page.tags and "<sub>" not in text          # the footer, as HTML


def test_gd_and_check_show_themselves_too():
    run = derive.gd("x**2", x0=-4, lr=0.8, max_iter=3)
    assert "data:image/png;base64," in run._repr_markdown_() and "<table" in run._repr_html_()
    report = derive.check({"exercise": "lecture", "answers": {"w5+": "0.3589"}})
    assert "| `w5+` | 0.3589 |" in report._repr_markdown_()


# -- check ---------------------------------------------------------------------------------------

def test_check_a_dict_verdicts_from_an_independent_hand_calculation():
    w5_new = lecture_w5_new()
    answers = {"w5+": f"{w5_new:.4f}", "w6+": "0.4087", "w7+": "0.5113", "w8+": "0.9"}
    report = derive.check({"exercise": "lecture", "answers": answers})
    assert report.verdicts["w5+"] == "correct" and report["w5+"]["expected"] == pytest.approx(w5_new, abs=1e-15)
    assert report.verdicts["w8+"] == "wrong" and report.exit_status == 1
    assert [report.verdicts[k] for k in ("w1+", "w2+", "w3+", "w4+")] == ["missing"] * 4


def test_check_returns_exactly_the_json_of_derive_check(tmp_path):
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("exercise: lecture\nanswers:\n  out_h1: 0.5933\n  dE_total/dw5: -0.0822\n  w5+: 0.4411\n")
    status, out, _ = cli("check", str(sheet), "--format", "json")
    assert status == 1
    expected = json.loads(out)
    assert derive.check(sheet) == expected == derive.check(str(sheet))
    data = {"exercise": "lecture", "answers": {"out_h1": 0.5933, "dE_total/dw5": -0.0822, "w5+": 0.4411}}
    assert dict(derive.check(data)) == expected
    assert expected["w5+"]["verdict"] == "consistent"
    assert expected["dE_total/dw5"]["diagnosis"].startswith("error_sign_flipped")


def test_check_a_spec_next_to_the_working_folder(tmp_path, monkeypatch):
    (tmp_path / "net.json").write_text(json.dumps(MY_NET))
    monkeypatch.chdir(tmp_path)
    w = reference_values(MY_NET)["w_new[2,1,1]"]
    assert derive.check({"exercise": "net.json", "answers": {"w_new[2,1,1]": f"{w:.5f}"}}).verdicts[
        "w_new[2,1,1]"] == "correct"


# -- gd ------------------------------------------------------------------------------------------

def test_gd_on_x_squared_the_lectures_iterates():
    run = derive.gd("x**2", x0=-4, lr=0.8)
    assert isinstance(run, Descent)
    assert {"iterates", "stopped", "x_final", "f_final"} <= set(run.fields)
    for t, it in enumerate(run.iterates):      # x_t = (1 - 2*0.8)^t * x0
        assert it["x"][0] == pytest.approx(-4 * (-0.6) ** t, rel=1e-12)
        assert it["f"] == pytest.approx(16 * 0.36 ** t, rel=1e-12)
        assert it["grad"][0] == pytest.approx(-8 * (-0.6) ** t, rel=1e-12)
    assert run.stopped == "max_iter" and len(run.iterates) == 31
    assert run.x_final == run["x_final"] == run.as_json()["x_final"]


def test_gd_is_the_json_of_derive_gd_for_the_same_options():
    cases = [(("x**2 + 10*y**2",), {"x0": [1, 1], "lr": 0.05, "momentum": 0.9, "max_iter": 40},
              ["--function", "x**2 + 10*y**2", "--x0", "1,1", "--lr", "0.05", "--momentum", "0.9", "--max-iter", "40"]),
             (("x**2",), {"x0": 3, "lr_schedule": "0.5/(1+t)", "tol": 0.001},
              ["--function", "x**2", "--x0", "3", "--lr-schedule", "0.5/(1+t)", "--tol", "0.001"]),
             (("x**2",), {"x0": -4, "lr": [0.1, 0.8]}, ["--function", "x**2", "--x0", "-4", "--lr", "0.1,0.8"]),
             (("x**2 + 10*y**2",), {"x0": [1, 1], "lr": 0.02, "momentum_schedule": "min(0.9, 1 - 3/(t+5))",
                                   "nesterov": True, "nesterov_form": "keras", "max_iter": 5},
              ["--function", "x**2 + 10*y**2", "--x0", "1,1", "--lr", "0.02", "--momentum-schedule",
               "min(0.9, 1 - 3/(t+5))", "--nesterov", "--nesterov-form", "keras", "--max-iter", "5"])]
    for args, kwargs, argv in cases:
        status, out, _ = cli("gd", *argv, "--format", "json")
        assert status == 0
        assert derive.gd(*args, **kwargs).as_json() == json.loads(out)


def test_gd_numbers_reach_the_command_exactly():
    run = derive.gd("x**2", x0=1e-5, lr=1e-5, max_iter=1)
    assert run.settings["x0"] == [1e-5] and run.settings["lr"] == 1e-5


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_a_python_number_reaches_the_command_line_parser_as_the_same_double(x):
    assert parse_constant(_text(x, "x0"), "--x0") == x


def test_gd_writes_the_files_of_derive_gd(tmp_path):
    cli("gd", "--function", "x**2", "--x0", "-4", "--lr", "0.8", "--format", "md,json", "--out", str(tmp_path / "cli"))
    run = derive.gd("x**2", x0=-4, lr=0.8)
    written = run.write(tmp_path / "api", ["md", "json"])
    assert sorted(p.name for p in written) == ["gd-plot.png", "gd.json", "gd.md"]
    for path in written:
        assert path.read_bytes() == (tmp_path / "cli" / path.name).read_bytes()
    assert run.to_markdown() == (tmp_path / "cli" / "gd.md").read_text()


# -- exam ----------------------------------------------------------------------------------------

def test_exam_answer_keys_against_numpy_and_the_files_of_derive_exam(tmp_path):
    status, _, _ = cli("exam", "--family", "backprop-full-step", "-n", "3", "--seed", "7", "--format", "json,md",
                       "--out", str(tmp_path / "cli"))
    assert status == 0
    keys = derive.exam(families=["backprop-full-step"], n=3, seed=7)
    assert isinstance(keys, Exam) and keys.files == []
    assert keys.as_json() == json.loads((tmp_path / "cli" / "answers.json").read_text())
    for variant in keys.variants:
        question = variant["questions"][0]
        reference = reference_values(question["spec"])
        for key, answer in question["answers"].items():
            assert answer["value"] == pytest.approx(reference[key], rel=1e-9, abs=1e-12), (variant["code"], key)
    written = derive.exam(families="backprop-full-step", n=3, seed=7, out=tmp_path / "api", formats="json,md")
    assert sorted(p.name for p in written.files) == sorted(p.name for p in (tmp_path / "cli").iterdir()
                                                           if p.is_file())
    for path in written.files:
        assert path.read_bytes() == (tmp_path / "cli" / path.name).read_bytes()
    assert written.as_json() == keys.as_json()
    only_md = derive.exam(families=["backprop-full-step"], n=3, seed=7, out=tmp_path / "md", formats=["md"])
    assert only_md.as_json() == keys.as_json() and not (tmp_path / "md" / "answers.json").exists()


# -- errors: derive's own, one line, as the command line words them ------------------------------------

@pytest.mark.parametrize("call, argv", [
    (lambda: derive.gd("x**2", x0=-4, lr=-1), ["gd", "--function", "x**2", "--x0", "-4", "--lr", "-1"]),
    (lambda: derive.gd("__import__('os')", x0=1), ["gd", "--function", "__import__('os')", "--x0", "1"]),
    (lambda: derive.gd("x**2 + y", x0=[1, 2, 3]), ["gd", "--function", "x**2 + y", "--x0", "1,2,3"]),
    (lambda: derive.gd("x**2", x0=1, momentum=1.5), ["gd", "--function", "x**2", "--x0", "1", "--momentum", "1.5"]),
    (lambda: derive.exam(families=["backprop-ful-step"]), ["exam", "--family", "backprop-ful-step", "--out", "x"]),
    (lambda: derive.exam(families=["gd-steps"], n=0), ["exam", "--family", "gd-steps", "-n", "0", "--out", "x"]),
    (lambda: derive.solve(notation="greek"), ["solve", "--notation", "greek"]),
    (lambda: derive.solve("no-such.yaml"), ["solve", "no-such.yaml"]),
    (lambda: derive.solve(chain_rounding="4x"), ["solve", "--chain-rounding", "4x"]),
    (lambda: derive.solve().write("out", "md,docx"), ["solve", "--format", "md,docx"]),
    (lambda: derive.check({"exercise": "lecture", "answers": {"w9+": 1}}), None),
])
def test_bad_arguments_raise_the_command_lines_line_naming_the_argument(call, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    if argv is not None:
        line = cli_error(*argv)
        assert message == re.sub(r"--([a-z][a-z0-9-]*)|-n\b", lambda m: {"format": "formats", "family": "families"}
                                 .get(m.group(1), (m.group(1) or "n").replace("-", "_")), line, count=1)
    assert not any(tmp_path.iterdir())          # nothing written


def test_a_count_the_parser_refuses_and_other_argument_types():
    with pytest.raises(ArgumentError, match=r"^Invalid value for max_iter: -1 is not in the range x>=0\.$"):
        derive.gd("x**2", x0=1, max_iter=-1)
    with pytest.raises(ArgumentError, match=r"^Missing option x0\.$"):
        derive.gd("x**2", x0=None)
    with pytest.raises(InputError, match=r"^x0: expected a number, a list of numbers or a text, got dict$"):
        derive.gd("x**2", x0={"x": 1})
    with pytest.raises(InputError, match=r"^nesterov: expected True or False, got 'yes'$"):
        derive.gd("x**2", x0=1, nesterov="yes")
    with pytest.raises(InputError, match=r"^lr: expected a number, a list of numbers or a text, got True$"):
        derive.gd("x**2", x0=1, lr=True)
    assert derive.gd("x**2", x0=1, momentum=0.5, nesterov=True, max_iter=2).settings["nesterov"] is True
    with pytest.raises(InputError, match=r"^precision: expected a whole number"):
        derive.solve(precision=31)
    with pytest.raises(InputError, match=r"^spec: expected a path, a dict"):
        derive.solve(42)
    with pytest.raises(InputError, match=r"^value: expected a quantity of this solution.*did you mean 'w8\+'"):
        derive.solve().value("w9+")


def test_bad_spec_dict_is_refused_in_one_line():
    with pytest.raises(InputError, match=r"^<spec>: activation: expected .*sigmoid"):
        derive.solve({**MY_NET, "activation": "sigmiod"})


# -- the package ------------------------------------------------------------------------------------

def test_derive_check_and_exam_are_the_packages_and_the_functions():
    import derive.check.verdicts
    import derive.exam.variants

    assert callable(derive.check) and callable(derive.exam)
    assert derive.check.verdicts.check_sheet is derive.check.verdicts.check_sheet
    from unittest import mock

    with mock.patch("derive.check.verdicts.VERDICTS", ("x",)):
        assert derive.check.verdicts.VERDICTS == ("x",)


def test_importing_derive_loads_no_mathematics_until_a_function_is_asked_for():
    code = "import sys, derive; print(sorted(m for m in ('sympy', 'numpy', 'matplotlib') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_command_line_reads_a_plain_decimal_as_the_nearest_double():
    assert parse_constant("0.00001", "--x0") == 1e-05 == parse_constant("1e-5", "--x0")
    assert parse_constant("4.9e-324", "--x0") == 5e-324          # the smallest subnormal
    with pytest.raises(InputError, match=r"^--x0: expected a finite real number, got '1e400'$"):
        parse_constant("1e400", "--x0")


def test_a_notebook_shows_a_refusal_as_its_one_line():
    # IPython prints an exception's _render_traceback_() in place of the traceback.
    for call in (lambda: derive.gd("x**2", x0=-4, lr=-1), lambda: derive.gd("x**2", x0=1, max_iter=-1),
                 lambda: derive.solve().value("w9+")):
        with pytest.raises(InputError) as caught:
            call()
        assert caught.value._render_traceback_() == [f"{type(caught.value).__name__}: {caught.value}"]


def test_a_training_run_has_no_page_in_the_api_either():
    data = {**MY_NET, "data": [{"input": MY_NET["input"], "target": MY_NET["target"]}], "epochs": 2}
    del data["input"], data["target"]
    with pytest.raises(InputError, match="one training step on one example for --format html"):
        derive.solve(data).to_html()
