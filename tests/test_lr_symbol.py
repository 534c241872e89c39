"""One letter for the learning rate on every sheet: η by default, γ with ``lr_symbol: gamma`` in a
spec or ``--lr-symbol gamma`` on derive solve and derive exam (issue 10). Network exam questions
follow the setting as the gradient-descent ones do; the numbers never change."""

from __future__ import annotations

import json
import re

import pytest

from derive.cli import main

ETA = re.compile(r"\\eta\b")


def _solve(tmp_path, *args, name="out") -> dict[str, str]:
    out = tmp_path / name
    assert main(["solve", *args, "--format", "md,tex,json", "--out", str(out)]) == 0
    return {p.suffix: p.read_text(encoding="utf-8") for p in out.glob("solution.*")}


def test_gamma_replaces_eta_everywhere_on_the_lecture_sheet_and_leaves_the_numbers(tmp_path):
    gamma, eta = _solve(tmp_path, "--lr-symbol", "gamma"), _solve(tmp_path, name="eta")
    for suffix in (".md", ".tex"):
        assert not ETA.findall(gamma[suffix]) and ETA.findall(eta[suffix])
        assert r"\gamma = 0.5" in gamma[suffix]
        assert r"w_{5}^{+} &= w_{5} - \gamma \cdot \frac{\partial E_{\mathit{total}}}{\partial w_{5}}" in gamma[suffix]
    quantities = json.loads(gamma[".json"])["quantities"]
    assert round(quantities["w_new[2,1,1]"]["value"], 8) == 0.35891648      # the lecture's w5+
    assert quantities["eta"]["name"] == "gamma"
    assert ({k: q["value"] for k, q in quantities.items()}
            == {k: q["value"] for k, q in json.loads(eta[".json"])["quantities"].items()})


@pytest.mark.parametrize("notation, default", [("mazur", r"\eta"), ("signal", r"\eta"), ("layered", r"\eta"),
                                               ("units", "l")])
def test_every_notation_keeps_its_own_letter_unless_asked(tmp_path, notation, default):
    own = _solve(tmp_path, "--notation", notation, name="own")[".md"]
    gamma = _solve(tmp_path, "--notation", notation, "--lr-symbol", "gamma", name="gamma")[".md"]
    assert f"{default} = 0.5" in own and r"\gamma = 0.5" in gamma and not ETA.findall(gamma)


def test_a_spec_field_sets_it_for_a_training_sheet_and_a_bad_one_is_one_line(tmp_path, capsys):
    spec = {"layers": [2, 2, 1], "activation": "sigmoid", "loss": "half_sse",
            "weights": [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45]]], "biases": [0.35, 0.6], "learning_rate": 0.5,
            "data": [{"input": [0.05, 0.1], "target": [0.01]}, {"input": [0.5, 0.2], "target": [0.9]}],
            "mode": "batch", "epochs": 2, "momentum": 0.9, "lr_symbol": "gamma"}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    sheets = _solve(tmp_path, str(path))
    assert r"\gamma" in sheets[".md"] and not ETA.findall(sheets[".md"]) and not ETA.findall(sheets[".tex"])
    path.write_text(json.dumps(dict(spec, lr_symbol="gama")), encoding="utf-8")
    capsys.readouterr()
    assert main(["solve", str(path), "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "lr_symbol" in err and "gamma" in err and "eta" in err
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("n", [6, 120])     # 120 variants: drawn by worker processes
def test_exam_questions_of_every_kind_write_gamma(tmp_path, capsys, n):
    out = tmp_path / "exam"
    families = ["backprop-full-step", "backprop-hidden-layer", "gd-steps", "concepts"]
    assert main(["exam", *sum((["--family", f] for f in families), []), "-n", str(n), "--seed", "4",
                 "--lr-symbol", "gamma", "--format", "md,tex,json", "--out", str(out)]) == 0
    for name in ("questions.md", "solutions.md", "questions.tex", "solutions.tex"):
        text = (out / name).read_text(encoding="utf-8")
        assert not ETA.findall(text), name
        assert text.count(r"\gamma") >= n, name
    code = json.loads((out / "answers.json").read_text(encoding="utf-8"))["variants"][0]["code"]
    capsys.readouterr()
    again = tmp_path / "again"
    assert main(["solve", "--variant", code, "--lr-symbol", "gamma", "--format", "md",
                 "--out", str(again)]) == 0
    sheet = (again / "solution.md").read_text(encoding="utf-8")
    assert r"\gamma" in sheet and not ETA.findall(sheet)
