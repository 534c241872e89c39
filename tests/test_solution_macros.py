"""The worked solution's words and equation lines are written once per template syntax:
solution_macros.tex.j2 is solution_macros.md.j2 with the LaTeX-safe delimiters (\\VAR{}, \\BLOCK{},
\\#{}) of derive/render/templating.py.  These tests keep the two from drifting apart, and check that the
conventions paragraph reads the same from either file and from exam_macros.j2 (the exam question's)."""

from pathlib import Path

import pytest

from derive.core.spec import NOTATIONS, builtin_spec, parse_spec
from derive.present.solution import solve
from derive.render.templating import latex_environment, markdown_environment
from derive.sheets.solution import solution_context

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DELIMITERS = [("{{-", "\\VAR{-"), ("{{ ", "\\VAR{ "), (" }}", " }"), ("{%-", "\\BLOCK{-"), ("{% ", "\\BLOCK{ "),
              (" %}", " }"), ("{#-", "\\#{-"), (" #}", " }")]


def test_latex_macros_are_the_markdown_macros_in_latex_delimiters():
    text = (TEMPLATES / "solution_macros.md.j2").read_text()
    text = text.replace("solution_body.md.j2; solution_macros.tex.j2 is the same for LaTeX)",
                        "solution_body.tex.j2; solution_macros.md.j2 is the same for Markdown)")
    for markdown, latex in DELIMITERS:
        text = text.replace(markdown, latex)
    assert (TEMPLATES / "solution_macros.tex.j2").read_text() == text


# ----------------------------------------------------------------------------- conventions paragraph

#: 2-2-2-2-1: three ReLU hidden layers, a sigmoid output, binary cross-entropy, per-neuron thresholds kept fixed.
DEEP = {"layers": [2, 2, 2, 2, 1], "activation": ["relu", "relu", "relu", "sigmoid"], "loss": "bce",
        "weights": [[[0.1, -0.2], [0.3, 0.4]], [[0.5, -0.1], [0.2, 0.3]], [[-0.4, 0.6], [0.1, 0.2]], [[0.7, -0.3]]],
        "thresholds": [[0.1, 0.2], [0.1, -0.1], 0.2, 0.05], "train_biases": False, "learning_rate": 0.5,
        "input": [1.0, 0.5], "target": [1]}
#: 2-2-2-2: tanh in hidden layer 1 and the output layer, sigmoid in hidden layer 2, mean squared error.
MIXED = {"layers": [2, 2, 2, 2], "activation": ["tanh", "sigmoid", "tanh"], "loss": "mse",
         "weights": [[[0.1, -0.2], [0.3, 0.4]], [[0.5, -0.1], [0.2, 0.3]], [[-0.4, 0.6], [0.1, 0.2]]],
         "biases": [[0.1, 0.2], [0.1, -0.1], [0.2, 0.3]], "learning_rate": 0.5, "input": [1.0, 0.5],
         "target": [0.2, 0.8]}
SPECS = {"lecture": builtin_spec, "deep": lambda: parse_spec(DEEP), "mixed": lambda: parse_spec(MIXED)}


def _paragraph(macros: str, context: dict, fmt: str = "md") -> str:
    """The conventions paragraph as the macro file ``macros`` writes it (``fmt`` for exam_macros.j2)."""
    if macros.endswith(".md.j2"):
        source = '{% import "solution_macros.md.j2" as text with context %}{{ text.conventions(conventions) }}'
        return markdown_environment().from_string(source).render(**context)
    source = rf'\BLOCK{{import "{macros}" as text with context}}\VAR{{text.conventions(conventions)}}'
    return latex_environment().from_string(source).render(fmt=fmt, **context)


@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("spec", SPECS)
def test_conventions_read_the_same_in_markdown_latex_and_the_exam_question(notation, spec):
    context = solution_context(solve(SPECS[spec](), notation=notation))
    markdown = _paragraph("solution_macros.md.j2", context)
    assert markdown.startswith("Activation") and markdown.endswith(".") and "\n" not in markdown
    assert _paragraph("solution_macros.tex.j2", context) == markdown
    assert _paragraph("exam_macros.j2", context, "md") == _paragraph("exam_macros.j2", context, "tex") == markdown


def test_conventions_name_the_layers_of_each_activation():
    deep = _paragraph("solution_macros.md.j2", solution_context(solve(parse_spec(DEEP), notation="units")))
    assert deep.startswith(r"Activation of the hidden layers 1, 2 and 3: rectified linear unit, $f(x) = ")
    assert (r"Activation of the output layer: logistic sigmoid, $f(x) = \frac{1}{1 + e^{- x}}$. "
            r"Loss: binary cross-entropy, $E = \sum_k ") in deep
    # thresholds kept fixed: the units sentence has no threshold update, and no textbook output error
    assert deep.endswith(r"The thresholds are kept fixed in this exercise (not trained). Signs: "
                         r"$\delta_j = \frac{\partial E}{\partial I_j}$ and the textbook's error is "
                         r"$\mathit{Err}_j = -\delta_j$, so every update is written with a plus: "
                         r"$w_{ij} \leftarrow w_{ij} + l \cdot \mathit{Err}_j \cdot O_i$.")
    mixed = _paragraph("solution_macros.md.j2", solution_context(solve(parse_spec(MIXED), notation="signal")))
    assert mixed.startswith("Activation of the hidden layers 1 and")
    assert "the output layer: hyperbolic tangent, " in mixed
    assert r"$. Activation of the hidden layer 2: logistic sigmoid, $f(x) = \frac{1}{1 + e^{- x}}$. Loss: " in mixed
    assert "The biases are trained with the weights. Signs: here" in mixed
    assert "(at an output neuron" not in mixed          # z - y only with half the squared error
