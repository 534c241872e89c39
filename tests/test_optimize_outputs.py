"""Every optimisation command writes md/tex/pdf/json and its plots; Markdown math renders in KaTeX;
the PDF compiles with the plots and shows the key numbers; the same inputs give the same bytes;
bad input writes nothing."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import files_in, run_cli
from tests.support.tools import extract_math, katex_errors, pdf_text, require

SHEETS = {
    "gd": (["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.8"], "gd-plot",
           ["0.864", "−0.5184", "−8.84296", "−0.6", "converge"]),
    "gd_compare": (["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.1,0.5,0.8,1.1"], "gd-plot",
                   ["converges slowly", "converges fast", "oscillates", "diverges"]),
    "gd_2d": (["gd", "--function", "x**2 + 10*y**2", "--x0", "1,1", "--lr", "0.05", "--momentum", "0.5"],
              "gd-plot", ["momentum", "0.95"]),
    "surface": (["surface", "--function", "x**3 - 3*x + y**2"], "surface-plot", ["saddle", "minimum", "−6"]),
    "surface_1d": (["surface", "--function", "x**4 - 3*x**3 + 2"], "surface-plot", ["degenerate", "20.25"]),
    "gradients": (["gradients", "--depth", "10", "--activation", "sigmoid", "--weight", "0.5"], "gradients-plot",
                  ["vanishing", "1.45224", "0.235003712"]),
    "modes": (["modes"], "modes-plot", ["SGD", "mini-batch", "1.989285714"]),
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Run every sheet once into its own folder (PDF included)."""
    require("pdflatex")
    folders = {}
    for name, (args, _, _) in SHEETS.items():
        folder = tmp_path_factory.mktemp(name)
        status, out, err = run_cli(args + ["--out", str(folder)])
        assert status == 0, err
        folders[name] = folder
    return folders


def _command(name):
    return SHEETS[name][0][0]


@pytest.mark.parametrize("name", list(SHEETS))
def test_files_and_plots_exist(written, name):
    stem, command = SHEETS[name][1], _command(name)
    files = files_in(written[name])
    for suffix in ("md", "tex", "pdf", "json"):
        assert len(files[f"{command}.{suffix}"]) > 100
    assert files[f"{stem}.pdf"].startswith(b"%PDF") and files[f"{stem}.png"].startswith(b"\x89PNG")
    assert "\\includegraphics[width=" in files[f"{command}.tex"].decode()
    assert f"{stem}.pdf" in files[f"{command}.tex"].decode()
    assert f"]({stem}.png)" in files[f"{command}.md"].decode()
    json.loads(files[f"{command}.json"])


@pytest.mark.parametrize("name", list(SHEETS))
def test_markdown_math_renders_in_katex(written, name):
    markdown = (written[name] / f"{_command(name)}.md").read_text()
    spans = extract_math(markdown)
    assert len(spans) > 3
    assert katex_errors(spans) == []


@pytest.mark.parametrize("name", list(SHEETS))
def test_pdf_shows_the_key_numbers_and_the_plot(written, name):
    text = pdf_text(written[name] / f"{_command(name)}.pdf")
    for word in SHEETS[name][2]:
        assert word in text, word
    assert b"/Subtype /Form" in (written[name] / f"{_command(name)}.pdf").read_bytes() or \
        b"/Subtype/Form" in (written[name] / f"{_command(name)}.pdf").read_bytes()   # the included plot


@pytest.mark.parametrize("name", ["gd", "gd_compare", "surface", "gradients", "modes"])
def test_same_inputs_give_the_same_bytes(written, tmp_path, name):
    args = SHEETS[name][0]
    status, _, err = run_cli(args + ["--out", str(tmp_path), "--format", "md,tex,json"])
    assert status == 0, err
    again, first = files_in(tmp_path), files_in(written[name])
    for file_name, content in again.items():
        assert content == first[file_name], file_name


def test_json_on_stdout_without_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli(["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.8", "--format", "json"])
    assert status == 0 and json.loads(out)["stopped"] == "max_iter"
    assert list(tmp_path.iterdir()) == []


def test_default_folder_is_output_gd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli(["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.8", "--format", "md,json"])
    assert status == 0, err
    # The plot's PDF comes with the .tex that includes it; the Markdown needs only the PNG.
    assert {p.name for p in (tmp_path / "output" / "gd").iterdir()} == {"gd.md", "gd.json", "gd-plot.png"}


@pytest.mark.parametrize("args, words", [
    (["gd", "--function", "x**2", "--x0", "1,2", "--lr", "0.1"], "--x0"),
    (["gd", "--function", "x**2", "--x0", "a", "--lr", "0.1"], "--x0"),
    (["gd", "--function", "x**2", "--x0", "1", "--lr", "0.1", "--momentum", "1.5"], "--momentum"),
    (["gd", "--function", "x**2", "--x0", "1", "--lr-schedule", "0.5/(1+s)"], "--lr-schedule"),
    (["gd", "--function", "x**2", "--x0", "1", "--format", "pfd"], "did you mean 'pdf'?"),
    (["gd", "--function", "x**2 + y", "--x0", "1,1", "--vars", "x"], "--vars"),
    (["surface", "--function", "x**2 +"], "--function"),
    (["gradients", "--activation", "sigmiod"], "did you mean 'sigmoid'?"),
    (["modes", "--data", "1:2,x"], "--data"),
    (["modes", "--lr", "50"], "--lr"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, args, words):
    status, out, err = run_cli(args + ["--out", str(tmp_path / "out")])
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and words in err
    assert not (tmp_path / "out").exists()


def test_a_run_that_reaches_a_stationary_point_exactly_shows_it_once(tmp_path):
    """x^2 from 3 with step size 0.5/(1 + t): x_1 = 3 - 0.5 * 6 = 0, where the gradient is exactly 0, so
    x_2 .. x_30 are 0 too. The sheet shows t = 0, 1 and 30 with one line for the rest; the JSON has all."""
    out = tmp_path / "gd"
    run_cli(["gd", "--function", "x^2", "--x0", "3", "--lr-schedule", "0.5/(1+t)", "--format", "md,tex,json",
             "--out", str(out)])
    data = json.loads((out / "gd.json").read_text())
    assert [it["x"] for it in data["iterates"]] == [[3.0]] + [[0.0]] * 30
    sheet = (out / "gd.md").read_text()
    rows = [line.split("|")[1].strip() for line in sheet.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1:] == ["0", "1", "…", "30"]
    assert "t = 2 to 29: the same point, where the gradient is exactly 0" in sheet
    assert "t = 2 to 29: the same point" in (out / "gd.tex").read_text()
