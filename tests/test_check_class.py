"""derive check with several sheets: per-student reports and a class summary."""

from __future__ import annotations

import json


from derive.cli import main


def test_class_csv_and_sheets_give_a_summary_with_the_most_common_mistake(tmp_path, capsys):
    (tmp_path / "class.csv").write_text(
        "student,exercise,net_h1,out_h1,w5+\n"
        "Ann,lecture,0.3775,0.5933,0.3589\n"
        "Ben,lecture,0.0275,0.5069,\n"
        "Cem,lecture,0.0275,,0.3589\n")
    (tmp_path / "dee.yaml").write_text("exercise: lecture\nanswers:\n  w5+: 0.4411\n")
    out = tmp_path / "report"
    assert main(["check", str(tmp_path / "class.csv"), str(tmp_path / "dee.yaml"), "--format", "json", "--out", str(out)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [s["student"] for s in data["sheets"]][:3] == ["Ann", "Ben", "Cem"]
    summary = data["summary"]
    assert summary["students"] == 4
    assert summary["steps"]["net_h1"] == {"correct": 1, "consistent": 0, "wrong": 2, "missing": 0}
    assert list(summary["mistakes"].items())[0] == ("bias_forgotten", 2)
    # w5+ = 0.4411 alone: adding the gradient and t - o (a flipped sign) give the same number
    assert "gradient_added" not in summary["mistakes"]
    assert summary["candidates"] == {"error_sign_flipped or gradient_added": 1}
    assert (out / "summary.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "mistakes.png").read_bytes()[:4] == b"\x89PNG"
    assert "bias_forgotten" in (out / "summary.md").read_text()
    assert len(list(out.glob("0*.md"))) == 4


def test_a_bad_row_names_its_row(tmp_path, capsys):
    (tmp_path / "class.csv").write_text("student,exercise,net_h1\nAnn,lecture,abc\n")
    assert main(["check", str(tmp_path / "class.csv")]) == 2
    assert "row 2" in capsys.readouterr().err
