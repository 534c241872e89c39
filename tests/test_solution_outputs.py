"""The rendered files: a real PDF, Markdown whose every math span KaTeX renders,
byte-identical output for the same spec, a well-formed SVG, and the default
output folder."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from derive.cli import main
from tests.support.cli import run_ok
from tests.support.tools import extract_math, katex_errors, pdf_pages, pdf_text, require

UPDATED_WEIGHTS = ["0.35891648", "0.408666186", "0.51130127", "0.561370121", "0.149780716"]
ALL_FILES = ["solution.md", "network.svg", "solution.tex", "solution.pdf", "solution.json"]

OTHER_SPECS = {
    "tanh-neuron-bias": """\
title: "tanh, a bias per neuron"
layers: [2, 2, 2]
activation: tanh
loss: sse
weights:
  - [[0.3, -0.1], [0.2, 0.6]]
  - [[-0.5, 0.4], [0.7, 0.1]]
biases: [[0.1, -0.2], [0.05, 0.3]]
learning_rate: 0.1
input: [0.4, -0.7]
target: [0.5, -0.25]
""",
    "relu-3-layer": """\
title: "ReLU, two hidden layers"
layers: [2, 3, 2, 1]
activation: [relu, relu, linear]
loss: half_sse
weights:
  - [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.4]]
  - [[0.3, -0.2, 0.5], [0.7, 0.1, -0.4]]
  - [[0.6, -0.5]]
thresholds: [0.1, [0.05, -0.05], 0.02]
train_biases: true
learning_rate: 0.05
input: [1.0, 0.5]
target: [0.3]
""",
    "softmax-cce": """\
title: "softmax with cross-entropy"
layers: [2, 2, 3]
activation: [sigmoid, softmax]
loss: cce
weights:
  - [[0.1, 0.4], [-0.3, 0.2]]
  - [[0.5, -0.6], [0.2, 0.3], [-0.1, 0.7]]
biases: [0.2, [0.0, 0.1, -0.1]]
hidden_uses: new
learning_rate: 0.5
input: [1.0, -1.0]
target: [0, 1, 0]
""",
}


def _solve(*args: str) -> None:
    status = main(["solve", *args])
    assert status == 0, f"derive solve {' '.join(args)} exited with {status}"


@pytest.fixture(scope="module")
def lecture_folder(tmp_path_factory) -> Path:
    require("pdflatex")
    folder = tmp_path_factory.mktemp("lecture") / "out"
    _solve("--out", str(folder))
    return folder


def test_all_files_written(lecture_folder):
    assert sorted(p.name for p in lecture_folder.iterdir()) == sorted(ALL_FILES)


def test_pdf_compiled_with_updated_weights(lecture_folder):
    pdf = lecture_folder / "solution.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdf_text(pdf)
    for number in UPDATED_WEIGHTS:
        assert number in text, number
    assert pdf_pages(pdf) >= 2


def test_markdown_shows_the_updated_weights(lecture_folder):
    md = (lecture_folder / "solution.md").read_text(encoding="utf-8")
    for number in UPDATED_WEIGHTS:
        assert number in md, number
    assert "network.svg" in md  # the diagram written beside it is referenced


def test_json_file_equals_stdout_json(lecture_folder, capsys):
    capsys.readouterr()
    _solve("--format", "json")
    stdout = json.loads(capsys.readouterr().out)
    assert json.loads((lecture_folder / "solution.json").read_text(encoding="utf-8")) == stdout


def test_svg_is_well_formed_xml(lecture_folder):
    root = ET.parse(lecture_folder / "network.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = "".join(root.itertext())
    for label in ("0.15", "0.55"):  # weights on the edges
        assert label in texts


def test_every_markdown_math_span_renders_in_katex(lecture_folder, tmp_path):
    documents = {"lecture": (lecture_folder / "solution.md").read_text(encoding="utf-8")}
    for name, text in OTHER_SPECS.items():
        spec = tmp_path / f"{name}.yaml"
        spec.write_text(text, encoding="utf-8")
        _solve(str(spec), "--format", "md,pdf", "--out", str(tmp_path / name))
        documents[name] = (tmp_path / name / "solution.md").read_text(encoding="utf-8")
        assert pdf_pages(tmp_path / name / "solution.pdf") >= 1  # the LaTeX compiles too
    spans, owner = [], []
    for name, md in documents.items():
        found = extract_math(md)
        assert len(found) > 20, f"{name}: only {len(found)} math spans"
        spans += found
        owner += [name] * len(found)
    errors = katex_errors(spans)
    assert errors == [], "\n".join(f"{owner[int(e.split(':')[0].split()[1])]}: {e}" for e in errors[:20])


def test_same_spec_twice_gives_identical_files(lecture_folder, tmp_path):
    second = tmp_path / "again"
    _solve("--out", str(second))
    for name in ALL_FILES:
        assert (second / name).read_bytes() == (lecture_folder / name).read_bytes(), name


def test_default_output_folder_from_an_empty_directory(tmp_path, monkeypatch):
    require("pdflatex")
    cwd = tmp_path / "empty"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    run_ok(["solve"])
    folder = cwd / "output" / "lecture"
    assert sorted(p.name for p in folder.iterdir()) == sorted(ALL_FILES)
    assert sorted(p.name for p in cwd.iterdir()) == ["output"]
    assert sorted(p.name for p in (cwd / "output").iterdir()) == ["lecture"]


MSE_SPEC = """\
layers: [1, 1]
activation: linear
loss: mse
weights: [[[0.5]]]
learning_rate: 0.1
input: [1.0]
target: [0.0]
"""


def test_mse_spec_renders_markdown_and_latex(tmp_path):
    spec = tmp_path / "mse.yaml"
    spec.write_text(MSE_SPEC, encoding="utf-8")
    _solve(str(spec), "--format", "md,tex", "--out", str(tmp_path / "out"))
    md = (tmp_path / "out" / "solution.md").read_text(encoding="utf-8")
    assert katex_errors(extract_math(md)) == []


def test_precision_changes_the_display_not_the_json(tmp_path, capsys):
    _solve("--format", "md", "--precision", "4", "--out", str(tmp_path / "p4"))
    md = (tmp_path / "p4" / "solution.md").read_text(encoding="utf-8")
    assert "0.3589" in md and "0.35891648" not in md
    capsys.readouterr()
    _solve("--format", "json", "--precision", "4")
    quantities = json.loads(capsys.readouterr().out)["quantities"]
    assert quantities["w_new[2,1,1]"]["value"] == pytest.approx(0.35891647971788465, abs=1e-15)


def _prose(markdown: str) -> str:
    text = re.sub(r"\$\$.*?\$\$", " ", markdown, flags=re.S)
    return re.sub(r"\$[^$\n]*\$", " ", text)


def test_markdown_sentences_are_separated(lecture_folder):
    prose = _prose((lecture_folder / "solution.md").read_text(encoding="utf-8"))
    glued = re.findall(r"\w+[a-z)]\.[A-Z][a-z]+", prose)
    assert glued == []


def test_a_negative_function_argument_gets_one_pair_of_parentheses():
    from derive import parse_spec
    from derive.present.solution import solve

    spec = parse_spec({"layers": [1, 1], "activation": "tanh", "loss": "half_sse", "weights": [[[-0.5]]],
                       "learning_rate": 0.1, "input": [0.3], "target": [0]})
    assert solve(spec).step("out[1,1]").equation_numbers == \
        r"\mathit{out}_{o1} = \tanh{\left(-0.15\right)} = -0.148885034"
