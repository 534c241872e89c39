"""One notation on every sheet: the learning rate is eta (as on the backpropagation sheets) unless
``--lr-symbol gamma`` asks for the lecture's gamma; the loss is E; the deep chain is written in
net/out; the plots are set in Computer Modern.  The choice of letter never changes a number."""

from __future__ import annotations

import io
import re

import matplotlib
import pytest

from derive.exam.network_family import NetworkFamily
from derive.exam.registry import all_families
from derive.render.templating import DEFAULT_LR_SYMBOL, LR_SYMBOLS
from tests.support.cli import run_cli

#: Sheets with a learning rate, and those without (which must not show gamma either).
WITH_RATE = {
    "gd": ["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.8"],
    "gd_compare": ["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.1,0.5,0.8,1.1"],
    "gd_2d": ["gd", "--function", "x**2 + 10*y**2", "--x0", "1,1", "--lr", "0.05"],
    "gd_momentum": ["gd", "--function", "x**2 + 10*y**2", "--x0", "1,1", "--lr", "0.05", "--momentum", "0.9"],
    "gd_schedule": ["gd", "--function", "x**2", "--x0", "3", "--lr-schedule", "0.5/(1+t)", "--tol", "0.001"],
    "modes": ["modes"],
}
WITHOUT_RATE = {
    "surface": ["surface", "--function", "x**3 - 3*x + y**2"],
    "gradients": ["gradients", "--depth", "6", "--weight", "0.5"],
}
GD_FAMILIES = [f.id for f in all_families() if not isinstance(f, NetworkFamily)]


def _sheets(args, folder, extra=()):
    status, _, err = run_cli(args + list(extra) + ["--format", "md,tex,json", "--out", str(folder)])
    assert status == 0, err
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix in (".md", ".tex", ".json")}


def _exam(family_id, folder, extra=()):
    status, _, err = run_cli(["exam", "--family", family_id, "-n", "3", "--seed", "5", "--format",
                              "md,tex,json,moodle", "--out", str(folder)] + list(extra))
    assert status == 0, err
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()}


def _text(files):
    return {name: text for name, text in files.items() if not name.endswith(".json")}


def test_the_symbols_offered_are_the_command_choices():
    from derive.cli.exam import exam_command
    from derive.cli.optimize import gd, modes

    assert DEFAULT_LR_SYMBOL == LR_SYMBOLS["eta"] == r"\eta" and LR_SYMBOLS["gamma"] == r"\gamma"
    for command in (gd, modes, exam_command):
        option = next(p for p in command.params if p.name == "lr_symbol")
        assert list(option.type.choices) == list(LR_SYMBOLS) and option.default == "eta"
        assert "gamma" in option.help and "eta" in option.help


@pytest.fixture(scope="module")
def by_default(tmp_path_factory):
    """(what, name) -> the files written without --lr-symbol, once per module (and worker): what is
    "sheet" (a command of WITH_RATE or WITHOUT_RATE) or "exam" (one family's exam)."""
    written = {}

    def files(what, name):
        if (what, name) not in written:
            folder = tmp_path_factory.mktemp(f"{what}-{name}")
            written[what, name] = (_sheets({**WITH_RATE, **WITHOUT_RATE}[name], folder) if what == "sheet"
                                   else _exam(name, folder))
        return written[what, name]
    return files


@pytest.mark.parametrize("name", list(WITH_RATE) + list(WITHOUT_RATE))
def test_no_sheet_writes_gamma_by_default(by_default, name):
    texts = _text(by_default("sheet", name))
    for file, text in texts.items():
        assert r"\gamma" not in text, file
    if name in WITH_RATE:
        assert any(r"\eta" in text for text in texts.values())


@pytest.mark.parametrize("name", list(WITH_RATE))
def test_lr_symbol_gamma_writes_no_eta_and_changes_no_number(tmp_path, by_default, name):
    eta = by_default("sheet", name)
    gamma = _sheets(WITH_RATE[name], tmp_path / "gamma", ["--lr-symbol", "gamma"])
    for file, text in _text(gamma).items():
        assert r"\eta" not in text, file
        assert r"\gamma" in text, file
        # the same sheet, letter for letter, but for the symbol
        assert text.replace(r"\gamma", r"\eta") == eta[file], file
    json_files = [f for f in eta if f.endswith(".json")]
    assert json_files and all(eta[f] == gamma[f] for f in json_files)


@pytest.mark.parametrize("family_id", [f.id for f in all_families()])
def test_no_exam_family_writes_gamma_by_default(by_default, family_id):
    for file, text in _text(by_default("exam", family_id)).items():
        assert r"\gamma" not in text, (family_id, file)


@pytest.mark.parametrize("family_id", GD_FAMILIES)
def test_exam_lr_symbol_gamma_in_the_gradient_descent_families(tmp_path, by_default, family_id):
    eta = by_default("exam", family_id)
    gamma = _exam(family_id, tmp_path / "gamma", ["--lr-symbol", "gamma"])
    assert eta["answers.json"] == gamma["answers.json"]        # the numbers do not depend on the letter
    for file, text in _text(gamma).items():
        assert r"\eta" not in text, (family_id, file)
        assert text.replace(r"\gamma", r"\eta") == eta[file], (family_id, file)


def test_modes_writes_the_loss_as_e(by_default):
    for file, text in _text(by_default("sheet", "modes")).items():
        assert r"\partial E}{\partial w}" in text and r"\partial L" not in text and "$L = " not in text, file


def test_the_deep_chain_is_written_in_net_and_out_on_the_sheet_and_in_the_exam(by_default):
    sheets = _text(by_default("sheet", "gradients"))
    exam = _text(by_default("exam", "vanishing-gradients"))
    for file, text in list(sheets.items()) + list(exam.items()):
        assert r"\mathit{net}_" in text and r"\mathit{out}_" in text, file
        assert not re.search(r"\b[za]_(?:\{|l\b|L\b|k\b|0\b)", text), file
    assert r"\sigma'(\mathit{net}) = \sigma{\left(\mathit{net} \right)}" in sheets["gradients.md"]


# --- plots ----------------------------------------------------------------------------------

def _plots():
    from derive.core.batching import LECTURE_DATA, compare_modes
    from derive.core.descent import Settings, descend, make_problem
    from derive.core.vanishing import deep_chain
    from derive.render import plots

    problem = make_problem("x**2", None)
    runs = [descend(problem, Settings((-4.0,), rate)) for rate in (0.1, 0.8)]
    return {"gd": lambda: plots.gd_plot(problem, runs[0], "$f = x^{2}$"),
            "compare": lambda: plots.comparison_plot(problem, runs, ["slow", "oscillates"]),
            "modes": lambda: plots.modes_plot(compare_modes(LECTURE_DATA, 0.1, 2, 4, 0, True)),
            "gradients": lambda: plots.gradients_plot(deep_chain(4, "sigmoid", 0.5, 1, 0.0, 1.0))}


@pytest.mark.parametrize("name", ["gd", "compare", "modes", "gradients"])
def test_plots_are_set_in_computer_modern(name):
    pdf, _ = _plots()[name]()
    fonts = {font.split(b"+")[-1].lower() for font in re.findall(rb"/BaseFont /([\w+-]+)", pdf)}
    assert b"cmr10" in fonts and not any(b"dejavu" in font for font in fonts), fonts


def test_the_style_is_in_force_while_a_plot_is_drawn(monkeypatch):
    from derive.render import plots

    seen = {}
    real_save = plots._save

    def spy(figure):
        seen.update({key: matplotlib.rcParams[key] for key in plots.STYLE})
        return real_save(figure)

    monkeypatch.setattr(plots, "_save", spy)
    _plots()["gd"]()
    assert seen == {"font.family": ["serif"], "font.serif": ["cmr10"], "mathtext.fontset": "cm",
                    "axes.formatter.use_mathtext": True}
    assert matplotlib.rcParams["font.serif"] != ["cmr10"]     # put back after the plot


def test_the_comparison_legend_names_the_rate_with_the_sheets_symbol(monkeypatch):
    from matplotlib.axes import Axes

    labels = []
    real_plot = Axes.plot
    monkeypatch.setattr(Axes, "plot", lambda self, *a, **k: labels.append(k.get("label")) or real_plot(self, *a, **k))
    problem_runs = _plots()
    problem_runs["compare"]()
    assert labels[:2] == [r"$\eta = 0.1$: slow", r"$\eta = 0.8$: oscillates"]


def test_plots_stay_byte_for_byte_reproducible():
    for name, draw in _plots().items():
        assert draw() == draw(), name


def test_an_svg_of_a_plot_names_the_cm_font():
    """Matplotlib writes the font family into an SVG's text when fonts are kept as text."""
    import matplotlib.pyplot as plt

    from derive.render.plots import STYLE

    with matplotlib.rc_context({**STYLE, "svg.fonttype": "none"}):
        figure, axes = plt.subplots()
        axes.set_title(r"$\eta = 0.1$")
        axes.set_xlabel("epoch")
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(figure)
    assert "cmr10" in out.getvalue()
