"""Each notation names every quantity of the lecture example uniquely, renders it to Markdown
that KaTeX accepts and to LaTeX that pdflatex compiles, with the same numbers (w5 after one
step is 0.35891648 whatever it is called) and a sentence stating its sign convention."""

from __future__ import annotations

import re

import pytest
import sympy
import yaml

from derive.core.keys import Key, key_of
from derive.present.notations import NOTATION_CLASSES, Layered, Mazur, Signal, Units, get_notation
from derive.present.solution import solve
from derive.core.spec import NOTATIONS, builtin_spec, parse_spec
from tests.support.cli import json_of, run_ok
from tests.support.tools import extract_math, katex_errors, pdf_text, require

#: w5 (h1 -> o1) after one step of the lecture's example, in every notation.
W5_AFTER = "0.35891648"
W5 = Key("w_new", (2, 1, 1))

#: A sentence of each notation's convention that must appear on the sheet.
CONVENTION_WORDS = {
    "mazur": "moves against its gradient",
    "signal": "each weight is updated as in the lecture",
    "layered": "moves against its gradient",
    "units": "written with a plus",
}

#: The sign sentence of each notation on the lecture's sheet (sigmoid, half the squared error, biases not trained).
LECTURE_SIGNS = {
    "mazur": r"Each weight moves against its gradient: $w^{+} = w - \eta \cdot "
             r"\frac{\partial E_{\mathit{total}}}{\partial w}$.",
    "signal": r"Signs: here $\delta_n = \frac{\partial E}{\partial e_n}$ is taken at the adder's output, so the "
              r"lecture's error signal at a neuron's output is $-\frac{\partial E}{\partial y_n}$ (at an output neuron "
              r"$z - y$, as $E = \frac{1}{2}(z - y)^{2}$), and each weight is updated as in the lecture, "
              r"$w' = w + \eta \left(-\frac{\partial E}{\partial y_n}\right) \frac{d f_n(e)}{d e}\, y_m"
              r" = w - \eta\, \delta_n\, y_m$.",
    "layered": r"Each parameter moves against its gradient, $W^{(l)+} = W^{(l)} - \eta\, "
               r"\frac{\partial E}{\partial W^{(l)}}$, where $\frac{\partial E}{\partial W^{(l)}} = "
               r"\delta^{(l)} \left(a^{(l-1)}\right)^{T}$ and the error signal is "
               r"$\delta^{(l)} = \frac{\partial E}{\partial z^{(l)}}$.",
    "units": r"Signs: $\delta_j = \frac{\partial E}{\partial I_j}$ and the textbook's error is "
             r"$\mathit{Err}_j = -\delta_j$ (for an output unit $\mathit{Err}_j = O_j(1 - O_j)(T_j - O_j)$), so every "
             r"update is written with a plus: $w_{ij} \leftarrow w_{ij} + l \cdot \mathit{Err}_j \cdot O_i$.",
}


def deep_spec(bias_field: str, notation: str = "mazur", **extra) -> dict:
    """A 2-3-2-2 network with one bias (or threshold) per neuron in every layer."""
    spec = {"title": f"Three layers with per-neuron {bias_field}", "notation": notation,
            "layers": [2, 3, 2, 2], "activation": ["tanh", "sigmoid", "sigmoid"], "loss": "half_sse",
            "weights": [[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]],
                        [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]],
                        [[0.7, -0.2], [0.3, 0.4]]],
            bias_field: [[0.1, -0.2, 0.3], [0.1, 0.2], [-0.3, 0.4]],
            "train_biases": True, "learning_rate": 0.5, "input": [1.0, 0.5], "target": [0.0, 1.0]}
    spec.update(extra)
    return spec


def test_every_contract_notation_has_its_own_class():
    assert set(NOTATION_CLASSES) == set(NOTATIONS)
    arch = builtin_spec().architecture
    for name in NOTATIONS:
        notation = get_notation(name, arch)
        assert type(notation) is NOTATION_CLASSES[name] and notation.name == name
    with pytest.raises(ValueError, match="unknown notation"):
        get_notation("greek", arch)


# ----------------------------------------------------------------------------- names

def _assert_names_unique(solution):
    names = [step.name for step in solution.steps.values()]
    assert all(name and " " not in name for name in names)
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates, f"{solution.notation.name}: plain names used twice: {sorted(duplicates)}"
    latex = [step.latex for step in solution.steps.values()]
    assert all(latex) and len(set(latex)) == len(latex)


@pytest.mark.parametrize("name", NOTATIONS)
def test_lecture_example_every_quantity_has_a_unique_name(name):
    solution = solve(builtin_spec(), notation=name)
    _assert_names_unique(solution)
    assert solution.step(W5).value_text == W5_AFTER


@pytest.mark.parametrize("name", NOTATIONS)
@pytest.mark.parametrize("bias_field", ["biases", "thresholds"])
def test_three_layers_with_per_neuron_biases_have_unique_names(name, bias_field):
    solution = solve(parse_spec(deep_spec(bias_field)), notation=name)
    _assert_names_unique(solution)


def test_mazur_names_are_the_lectures():
    solution = solve(builtin_spec(), notation="mazur")
    names = {str(k): s.name for k, s in solution.steps.items()}
    assert names["input[1]"] == "i1" and names["out[1,1]"] == "out_h1" and names["net[1,1]"] == "net_h1"
    assert names["w[2,1,1]"] == "w5" and names["w_new[2,1,1]"] == "w5+" and names["E"] == "E_total"
    assert names["dE/dw[2,1,1]"] == "dE_total/dw5" and names["delta[2,1]"] == "delta_o1"
    assert names["dout/dnet[2,1]"] == "dout_o1/dnet_o1" and names["b[1]"] == "b1" and names["eta"] == "eta"


def test_signal_names_as_in_its_docstring():
    """Neurons 1, 2 (hidden) and 3, 4 (outputs); w_(x1)1 from input x1, w_13 from neuron 1 to 3."""
    s = Signal(builtin_spec().architecture)
    assert s.plain(Key("w", (1, 1, 1))) == "w(x1)1" and s.latex(Key("w", (1, 1, 1))) == "w_{(x_{1})1}"
    assert s.plain(Key("w", (2, 1, 1))) == "w13" and s.plain(Key("w", (2, 2, 1))) == "w14"
    assert s.plain(Key("w_new", (2, 1, 1))) == "w13'" and s.latex(Key("w_new", (2, 1, 1))) == "w'_{13}"
    assert [s.plain(Key(k, (2, 1))) for k in ("net", "out", "delta")] == ["e3", "y3", "delta3"]
    assert s.plain(Key("target", (1,))) == "z3" and s.plain(Key("input", (2,))) == "x2"
    assert s.plain(Key("dout/dnet", (1, 2))) == "df2(e)/de"
    assert s.latex(Key("dout/dnet", (1, 2))) == r"\frac{d f_{2}(e)}{d e}"
    assert s.plain(Key("E")) == "E" and s.plain(Key("b", (1,))) == "b(1)"


def test_layered_names_as_in_its_docstring():
    s = Layered(builtin_spec().architecture)
    assert s.plain(Key("w", (2, 1, 2))) == "W(2)_12" and s.latex(Key("w", (2, 1, 2))) == "W^{(2)}_{12}"
    assert s.latex(Key("w_new", (2, 1, 2))) == "W^{(2)+}_{12}"
    assert s.latex(Key("net", (1, 2))) == "z^{(1)}_{2}" and s.latex(Key("out", (2, 1))) == "a^{(2)}_{1}"
    assert s.latex(Key("delta", (1, 1))) == r"\delta^{(1)}_{1}" and s.plain(Key("delta", (1, 1))) == "delta(1)_1"
    assert s.latex(Key("b", (2,))) == "b^{(2)}" and s.plain(Key("target", (1,))) == "y1"


def test_units_names_as_in_its_docstring():
    """2-2-2: units 1, 2 inputs, 3, 4 hidden, 5, 6 outputs; w13 is the weight from unit 1 to unit 3."""
    s = Units(builtin_spec().architecture)
    assert s.plain(Key("w", (1, 1, 1))) == "w13" and s.plain(Key("w", (2, 2, 1))) == "w36"
    assert s.plain(Key("w_new", (1, 2, 1))) == "w14+" and s.latex(Key("w_new", (1, 2, 1))) == "w_{14}^{+}"
    assert [s.plain(Key(k, (1, 2))) for k in ("net", "out", "delta")] == ["I4", "O4", "delta4"]
    assert s.plain(Key("input", (1,))) == "O1" and s.plain(Key("target", (2,))) == "T6"
    assert s.plain(Key("eta")) == "l"
    assert s.signed_aliases()["Err5"] == (Key("delta", (2, 1)), -1)


def test_units_numbers_with_a_comma_once_there_are_ten_units():
    s = Units(parse_spec(deep_spec("biases")).architecture)          # 2 + 3 + 2 + 2 = 9 units
    assert s.plain(Key("w", (3, 1, 1))) == "w68"
    wide = parse_spec({**deep_spec("biases"), "layers": [2, 3, 3, 2],
                       "weights": [[[0.1, 0.2]] * 3, [[0.1, 0.2, 0.3]] * 3, [[0.1, 0.2, 0.3]] * 2],
                       "biases": [0.1, 0.2, 0.3]})
    s = Units(wide.architecture)
    assert s.plain(Key("w", (3, 2, 3))) == "w8,10" and s.latex(Key("w", (3, 2, 3))) == "w_{8,10}"


# ----------------------------------------------------------------------------- values

def _numeric(expr, values: dict[Key, float]) -> float:
    return float(expr.subs({s: values[key_of(s)] for s in expr.free_symbols}).evalf(30))


@pytest.mark.parametrize("name", NOTATIONS)
@pytest.mark.parametrize("spec", ["lecture", "biases", "thresholds", "softmax", "new"])
def test_presented_definitions_keep_every_value(name, spec):
    """A notation may rewrite what is printed (w + l*(-delta)*O); the value must not change."""
    if spec == "lecture":
        parsed = builtin_spec()
    elif spec == "softmax":
        parsed = parse_spec(deep_spec("biases", activation=["sigmoid", "relu", "softmax"], loss="cce"))
    elif spec == "new":
        parsed = parse_spec(deep_spec("thresholds", hidden_uses="new"))
    else:
        parsed = parse_spec(deep_spec(spec))
    solution = solve(parsed, notation=name)
    for quantity in solution.graph:
        if quantity.definition is None:
            continue
        shown = solution.notation.present(quantity.key, quantity.definition)
        assert _numeric(shown, solution.values) == pytest.approx(solution.value(quantity.key), rel=1e-9, abs=1e-12), \
            f"{name}: {quantity.key}"


@pytest.mark.parametrize("name", NOTATIONS)
def test_json_names_follow_the_notation_and_keys_do_not(name):
    quantities = json_of(["solve", "--notation", name])["quantities"]
    assert quantities[str(W5)]["name"] == solve(builtin_spec(), notation=name).step(W5).name
    assert f"{quantities[str(W5)]['value']:.8f}" == W5_AFTER


# ----------------------------------------------------------------------------- rendering

def _check_rendering(out_dir) -> tuple[str, str]:
    """The Markdown (checked by KaTeX) and the PDF text (pdflatex compiled it)."""
    markdown = (out_dir / "solution.md").read_text(encoding="utf-8")
    assert katex_errors(extract_math(markdown)) == []
    require("pdflatex")
    text = pdf_text(out_dir / "solution.pdf")
    return markdown, text


@pytest.mark.parametrize("name", NOTATIONS)
def test_lecture_example_renders_in_katex_and_pdflatex(tmp_path, name):
    run_ok(["solve", "--notation", name, "--format", "md,tex,pdf", "--out", str(tmp_path)])
    markdown, text = _check_rendering(tmp_path)
    assert W5_AFTER in markdown and W5_AFTER in text
    assert CONVENTION_WORDS[name] in markdown
    # pdftotext interleaves inline fractions with the words around them: look in the LaTeX source
    assert CONVENTION_WORDS[name] in " ".join((tmp_path / "solution.tex").read_text().split())
    assert LECTURE_SIGNS[name] in markdown and LECTURE_SIGNS[name] in (tmp_path / "solution.tex").read_text()


@pytest.mark.parametrize("name", NOTATIONS)
@pytest.mark.parametrize("bias_field", ["biases", "thresholds"])
def test_three_layers_with_per_neuron_biases_render(tmp_path, name, bias_field):
    spec_path = tmp_path / "deep.yaml"
    spec_path.write_text(yaml.safe_dump(deep_spec(bias_field, notation=name)), encoding="utf-8")
    out = tmp_path / "out"
    run_ok(["solve", str(spec_path), "--format", "md,tex,pdf", "--out", str(out)])
    markdown, text = _check_rendering(out)
    expected = solve(parse_spec(deep_spec(bias_field)), notation=name)
    value = expected.step(Key(f"{'theta' if bias_field == 'thresholds' else 'b'}_new", (1, 3))).value_text
    assert value in markdown and value in text
    assert CONVENTION_WORDS[name] in markdown


def test_signal_writes_the_update_as_the_lecture_does():
    step = solve(builtin_spec(), notation="signal").step(W5)
    assert step.equation == (r"w'_{13} = w_{13} + \eta \cdot \left(- \frac{\partial E}{\partial y_{3}}\right)"
                             r" \cdot \frac{d f_{3}(e)}{d e} \cdot y_{1}")
    # e names the adder output, so the sigmoid is written with exp, not e^{...}
    assert r"\exp" in solve(builtin_spec(), notation="signal").step("out[1,1]").definition


def test_units_writes_updates_with_a_plus():
    solution = solve(builtin_spec(), notation="units")
    step = solution.step(W5)
    assert step.equation == r"w_{35}^{+} = w_{35} + l \cdot \left(- \delta_{5}\right) \cdot O_{3}"
    assert step.equation_numbers == (
        r"w_{35}^{+} = 0.4 + 0.5 \cdot \left(- 0.138498562\right) \cdot 0.593269992 = 0.35891648")
    assert solution.step("dE/dout[1,1]").definition == r"\delta_{5} \cdot w_{35} + \delta_{6} \cdot w_{36}"


def test_units_thresholds_move_the_other_way():
    solution = solve(parse_spec(deep_spec("thresholds")), notation="units")
    assert solution.step("theta_new[3,1]").definition == r"\theta_{8} + l \cdot \delta_{8}"
    assert solution.notation.convention() == {"textbook_output": True, "bias_sign": "-"}
    assert r"and $\theta_j \leftarrow \theta_j - l \cdot \mathit{Err}_j$." in _markdown(solution)


def _markdown(solution) -> str:
    from derive.render.solution import solution_files

    return solution_files(solution, ["md"])["solution.md"]


def test_layered_matrix_form_has_the_numeric_matrices():
    solution = solve(builtin_spec(), notation="layered")
    text = _markdown(solution)
    assert r"\delta^{(2)} &= \nabla_{a} E \odot f'\left(z^{(2)}\right)" in text
    assert r"\left(W^{(2)}\right)^{T} \delta^{(2)} \odot f'\left(z^{(1)}\right)" in text
    assert r"\frac{\partial E}{\partial W^{(2)}} &= \delta^{(2)} \left(a^{(1)}\right)^{T}" in text
    # W^(2)+ = [[w5+, w6+], [w7+, w8+]]
    assert r"\begin{array}{rr} 0.35891648 & 0.408666186 \\ 0.51130127 & 0.561370121 \end{array}" in text
    for name in ("mazur", "signal", "units"):
        assert get_notation(name, builtin_spec().architecture).matrix_form(solution) is None


def test_layered_matrix_form_for_softmax_and_hidden_uses_new():
    softmax = solve(parse_spec(deep_spec("biases", activation=["sigmoid", "relu", "softmax"], loss="cce")),
                    notation="layered")
    text = _markdown(softmax)
    # softmax with cross-entropy: delta = out - target, whose entries sum to 1 - 1 = 0
    match = re.search(r"\\delta\^\{\(3\)\} &= \\frac\{\\partial E\}\{\\partial z\^\{\(3\)\}\} = "
                      r"\\left\[\\begin\{array\}\{r\} (\S+) \\\\ (\S+) \\end\{array\}\\right\]", text)
    assert match and float(match[1]) + float(match[2]) == pytest.approx(0, abs=1e-8)
    new = solve(parse_spec(deep_spec("thresholds", hidden_uses="new")), notation="layered")
    text = _markdown(new)
    assert r"\left(W^{(3)+}\right)^{T}" in text and r"- \theta^{(1)}" in text


def test_mazur_is_unchanged_by_present():
    mazur = Mazur(builtin_spec().architecture)
    expr = sympy.Add(Key("w", (2, 1, 1)).symbol, Key("eta").symbol, evaluate=False)
    assert mazur.present(W5, expr) is expr and mazur.signed_aliases() == {}


def test_loss_letters_follow_the_notation():
    arch = builtin_spec().architecture
    letters = {name: get_notation(name, arch).loss_letters() for name in NOTATIONS}
    assert letters == {"mazur": ("t", "o"), "signal": ("z", "y"), "layered": ("y", "a"), "units": ("T", "O")}
