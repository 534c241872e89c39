"""Large networks on the page: every network up to the size limit fits the page.

The PDF's pdflatex log has no "Overfull \\hbox" wider than 1pt and no "Overfull \\vbox" over a grid
of sizes (2-2-2 to 16-16-16-4 and the biggest the default limit of 400 weights accepts, in several
shapes), precisions and notations; long sums go on several aligned lines; tables go on across pages
with every row in the PDF; a larger network is drawn without numbers, its weights in a table below.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from derive.core.spec import MAX_WEIGHTS, parse_spec
from derive.present.solution import solve
from derive.render.templating import render
from derive.render.texcompile import compile_pdf
from derive.sheets.diagram import svg, tikz
from derive.sheets.solution import solution_context, sum_terms
from tests.reference import reference_values
from tests.support.tools import extract_math, katex_errors, pdf_text, require


def network(layers: list[int], seed: int = 1, kind: str = "sigmoid") -> dict:
    """A spec with weights, per-neuron biases, inputs and targets of two decimals, drawn from ``seed``."""
    draw = random.Random(seed)
    spec = {"layers": layers, "learning_rate": 0.5,
            "weights": [[[round(draw.uniform(-1, 1), 2) for _ in range(a)] for _ in range(b)]
                        for a, b in zip(layers, layers[1:])],
            "biases": [[round(draw.uniform(-0.5, 0.5), 2) for _ in range(b)] for b in layers[1:]],
            "input": [round(draw.uniform(0, 1), 2) for _ in range(layers[0])]}
    if kind == "softmax":
        spec.update(activation=["relu"] * (len(layers) - 2) + ["softmax"], loss="cce",
                    target=[1] + [0] * (layers[-1] - 1))
    else:
        spec.update(activation="sigmoid", loss="half_sse",
                    target=[round(draw.uniform(0, 1), 2) for _ in range(layers[-1])])
    return spec


def weights(layers: list[int]) -> int:
    return sum(a * b for a, b in zip(layers, layers[1:]))


def overfull(log: str) -> list[str]:
    """The overfull boxes of a pdflatex log that matter: any \\vbox, an \\hbox over 1pt."""
    boxes = re.findall(r"Overfull \\([hv])box \(([\d.]+)pt too (?:wide|high)\)[^\n]*", log)
    return [f"\\{kind}box {size}pt" for kind, size in boxes if kind == "v" or float(size) > 1.0]


def sheet(spec: dict, notation: str = "mazur", precision: int = 9):
    solution = solve(parse_spec(spec, max_weights=max(MAX_WEIGHTS, weights(spec["layers"]))),
                     precision=precision, notation=notation)
    context = dict(solution_context(solution), training=None)
    return solution, context


_COMPILED: dict[str, tuple[bytes, str]] = {}


def compiled(spec: dict, notation: str = "mazur", precision: int = 9) -> tuple[bytes, str]:
    """(PDF, pdflatex log) of the sheet; a sheet that several tests look at is compiled once."""
    require("pdflatex")
    key = json.dumps([spec, notation, precision], sort_keys=True)
    if key not in _COMPILED:
        _, context = sheet(spec, notation, precision)
        log: list[str] = []
        pdf = compile_pdf(render("solution.tex.j2", context), log=log)
        _COMPILED[key] = pdf, log[0]
    return _COMPILED[key]


# The biggest networks the default limit (400 weights) accepts, in several shapes, and one beyond it.
BIGGEST = [[16, 20, 4], [2, 40, 8], [10, 10, 10, 10, 10], [19, 19, 2]]
FAST = [([2, 2, 2], "mazur", 9), ([2, 2, 2], "layered", 4), ([4, 5, 4, 3], "mazur", 9),
        ([4, 5, 4, 3], "mazur", 4), ([4, 5, 4, 3], "layered", 9), ([4, 5, 4, 3], "units", 9),
        ([4, 5, 4, 3], "signal", 4), ([6, 6, 6], "layered", 12), ([8, 8, 8], "layered", 4)]
SLOW = [([16, 20, 4], "layered", 9), ([2, 40, 8], "mazur", 4), ([10, 10, 10, 10, 10], "layered", 9),
        ([19, 19, 2], "units", 4), ([16, 16, 16, 4], "mazur", 9)]


def _name(case) -> str:
    layers, notation, precision = case
    return f"{'-'.join(map(str, layers))}-{notation}-p{precision}"


def test_the_grid_reaches_the_size_limit():
    assert all(weights(layers) <= MAX_WEIGHTS for layers in BIGGEST)
    assert max(weights(layers) for layers in BIGGEST) == MAX_WEIGHTS == 400
    assert weights([16, 16, 16, 4]) == 576 > MAX_WEIGHTS       # with --max-weights


@pytest.mark.parametrize("case", FAST, ids=_name)
def test_sheets_fit_the_page(case):
    layers, notation, precision = case
    assert overfull(compiled(network(layers), notation, precision)[1]) == []


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW, ids=_name)
def test_the_biggest_sheets_fit_the_page(case):
    layers, notation, precision = case
    assert overfull(compiled(network(layers), notation, precision)[1]) == []


@pytest.mark.parametrize("layers", [[8, 8, 8], [3, 6, 12]], ids=["8-8-8", "3-6-12"])
def test_a_softmax_over_many_outputs_fits_the_page(layers):
    assert overfull(compiled(network(layers, kind="softmax"))[1]) == []


def test_a_chained_rounding_of_a_larger_network_fits_the_page():
    spec = dict(network([12, 16, 10]), rounding={"default": 4, "backward": 6})
    assert overfull(compiled(spec)[1]) == []


def test_the_overfull_check_sees_what_runs_off_the_page():
    log = ("Overfull \\hbox (258.6372pt too wide) detected at line 169\nOverfull \\hbox (0.5pt too wide) in par\n"
           "Overfull \\vbox (190.58208pt too high) has occurred while \\output is active []")
    assert overfull(log) == ["\\hbox 258.6372pt", "\\vbox 190.58208pt"]


# ----------------------------------------------------------------------------- long sums


def _blocks(context: dict, key: str) -> dict:
    return next(b for s in context["sections"] for b in s["blocks"] if b["key"] == key)


def test_a_net_input_of_sixteen_terms_goes_on_aligned_lines_with_every_term():
    _, context = sheet(network([16, 16, 4]))
    net = _blocks(context, "net[1,1]")
    assert len(sum_terms(net["numbers"])) == 17                 # 16 weighted inputs and the bias
    assert len(net["numbers_lines"]) > 2 and len(net["definition_lines"]) == 5      # 4 symbols a line
    assert " ".join(net["numbers_lines"]) == net["numbers"]     # broken, not changed
    assert " ".join(net["definition_lines"]) == net["definition"]
    assert all(line.startswith("+ ") for line in net["numbers_lines"][1:])
    tex = render("solution.tex.j2", dict(context, training=None))
    assert "\\\\*\n&\\quad + " in tex


def test_fewer_digits_put_more_terms_on_a_line():
    lines = {p: len(_blocks(sheet(network([16, 16, 4]), precision=p)[1], "net[2,1]")["numbers_lines"]) for p in (4, 9)}
    assert lines[4] < lines[9]


def test_the_lecture_sums_stay_on_one_line():
    _, context = sheet(network([2, 2, 2]))
    blocks = [b for s in context["sections"] for b in s["blocks"] if b["form"] == "full"]
    assert blocks and all(b["numbers_lines"] is None and b["definition_lines"] is None for b in blocks)


def test_the_broken_lines_render_in_katex():
    for spec in (network([4, 5, 4, 3]), network([8, 8, 8], kind="softmax")):
        for notation in ("mazur", "layered"):
            _, context = sheet(spec, notation)
            markdown = render("solution.md.j2", context)
            assert "&\\quad + " in markdown
            assert katex_errors(extract_math(markdown)) == []


# ----------------------------------------------------------------------------- tables and the diagram


def test_every_row_of_the_summary_is_in_the_pdf(tmp_path):
    """4-5-4-3: the rows w46..w52 and the output biases, with the values after the step (NumPy)."""
    require("pdftotext")
    spec = network([4, 5, 4, 3])
    pdf, log = compiled(spec)
    path = tmp_path / "solution.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path).replace("\u2212", "-")
    summary = text[text.rindex("Summary: parameters before and after the step"):]
    expected = reference_values(spec)
    rows = [(f"w{n}", f"w_new[3,{(n - 41) // 4 + 1},{(n - 41) % 4 + 1}]") for n in range(41, 53)]
    rows += [(f"bo{k}", f"b_new[3,{k}]") for k in (1, 2, 3)]
    for name, key in rows:
        after = f"{expected[key]:.9f}".rstrip("0")
        assert re.search(rf"^\s*{name}\s+\S+\s+\S+\s+{re.escape(after)}\s*$", summary, re.M), name
    assert overfull(log) == []


def test_the_summary_goes_on_in_parts_with_its_head():
    _, context = sheet(network([10, 12, 10, 4]))
    tex = render("solution_body.tex.j2", dict(context, heading="\\section"))
    rows = len(context["parameters"])
    assert rows == 280 + 26
    assert tex.count("parameter & before & gradient & after") == -(-rows // context["table_rows"])


def test_a_small_network_is_drawn_with_its_weights():
    solution, context = sheet(network([2, 2, 2]))
    assert context["weight_table"] is None
    assert "w_{8} = " in tikz(solution) and "w8 = " in svg(solution)


def test_a_larger_network_is_drawn_as_its_structure_with_a_table_of_weights():
    solution, context = sheet(network([4, 5, 4, 3]))
    picture, drawing = tikz(solution), svg(solution)
    assert "w_{" not in picture and "w1 =" not in drawing and "b_{" not in picture
    assert picture.count(r"\draw[->") == drawing.count("<line ") == 52
    table = [w for row in context["weight_table"] for w in row]
    assert [w["name"] for w in table] == [f"w{n}" for n in range(1, 53)]
    assert (table[51]["source"], table[51]["target"], table[51]["value_text"]) == ("h2.4", "o3", "0.18")
    markdown = render("solution.md.j2", context)
    assert "| $w_{52}$ | $h2.4 \\to o3$ | 0.18 |" in markdown
    assert "- Weights:" not in markdown                         # listed once, in the table
    assert katex_errors(extract_math(markdown)) == []


def test_the_tallest_layer_keeps_the_picture_on_the_page():
    solution, _ = sheet(network([2, 40, 8]))
    heights = [float(y) for y in re.findall(r"at \([\d.-]+,([\d.-]+)\)", tikz(solution))]
    assert max(heights) - min(heights) <= 15.0 + 1e-9            # cm, STRUCTURE_HEIGHT


def test_an_exam_solution_of_a_larger_network_goes_on_in_parts(tmp_path):
    """Exam sheets render the same body under their own preamble, which has no longtable."""
    require("pdftotext")
    header = (Path(__file__).resolve().parents[1] / "templates" / "exam_header.tex.j2").read_text()
    assert "longtable" not in header
    spec = network([4, 5, 4, 3])
    _, context = sheet(spec)
    body = render("solution_body.tex.j2", dict(context, heading="\\subsection"))
    assert "longtable" not in body and body.count("parameter & before & gradient & after") == 3   # 68 rows
    preamble = header[header.index("\\documentclass"):header.index("\\newcommand")]
    log: list[str] = []
    (tmp_path / "exam.pdf").write_bytes(compile_pdf(f"{preamble}\n\\begin{{document}}\n{body}\n\\end{{document}}\n",
                                                    log=log))
    assert overfull(log[0]) == []
    text = pdf_text(tmp_path / "exam.pdf").replace("\u2212", "-")
    after = f"{reference_values(spec)['w_new[3,3,4]']:.9f}".rstrip("0")
    assert re.search(rf"^\s*w52\s+0\.18\s+\S+\s+{re.escape(after)}\s*$", text, re.M)
