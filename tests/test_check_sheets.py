"""derive check: answer sheets in and out — loading, bad sheets, reports, exit statuses,
and a published worked example checked as an answer sheet."""

from __future__ import annotations

import json

import pytest

from derive.check import Tolerance, check_answers, check_sheet, load_sheet
from derive.check.report import as_markdown, as_text
from derive.cli import main
from derive.core.spec import builtin_spec

# Matt Mazur, "A Step by Step Backpropagation Example" (2015),
# https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/ — the values as
# printed in the post (9 decimals, some chained from earlier printed values, some with 8).
MAZUR_PRINTED = {
    "net_h1": "0.3775", "out_h1": "0.593269992", "out_h2": "0.596884378",
    "net_o1": "1.105905967", "out_o1": "0.75136507", "out_o2": "0.772928465",
    "E_o1": "0.274811083", "E_o2": "0.023560026", "E_total": "0.298371109",
    "dE_total/dout_o1": "0.74136507", "dout_o1/dnet_o1": "0.186815602", "dE_total/dw5": "0.082167041",
    "w5+": "0.35891648", "w6+": "0.408666186", "w7+": "0.511301270", "w8+": "0.561370121",
    "dE_total/dout_h1": "0.036350306", "dout_h1/dnet_h1": "0.241300709", "dE_total/dw1": "0.000438568",
    "w1+": "0.149780716", "w2+": "0.19956143", "w3+": "0.24975114", "w4+": "0.29950229",
}


def write(tmp_path, text, name="sheet.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_published_mazur_example_is_correct_or_consistent():
    result = check_answers(builtin_spec(), MAZUR_PRINTED)
    verdicts = {e.name: e.verdict for e in result.entries}
    assert set(verdicts.values()) <= {"correct", "consistent"}, verdicts
    assert verdicts["w5+"] == "correct"                     # 0.35891648
    assert result.exit_status == 0


def test_numbers_keep_the_digits_they_were_written_with(tmp_path):
    sheet = load_sheet(write(tmp_path, "exercise: lecture\nanswers:\n  out_h1: 0.59330\n  net_h1: 0.38\n"))
    by_name = {a.name: a for a in sheet.answers}
    assert by_name["out_h1"].half_unit == pytest.approx(5e-6)   # 0.59330 claims five places: wrong by 3e-5
    assert by_name["net_h1"].half_unit == pytest.approx(5e-3)
    assert {e.name: e.verdict for e in check_sheet(sheet).entries}["net_h1"] == "correct"
    alone = load_sheet(write(tmp_path, "exercise: lecture\nanswers:\n  out_h1: 0.59330\n"))
    assert check_sheet(alone).entries[0].verdict == "wrong"


def test_canonical_keys_and_json_sheets(tmp_path):
    path = write(tmp_path, json.dumps({"exercise": "lecture", "answers": {"w_new[2,1,1]": 0.3589, "out[1,1]": None}}),
                 "sheet.json")
    result = check_sheet(load_sheet(path))
    verdicts = {e.name: e.verdict for e in result.entries}
    assert verdicts["w_new[2,1,1]"] == "correct" and verdicts["out[1,1]"] == "missing"


def test_missing_means_blank_or_an_updated_weight_not_on_the_sheet():
    result = check_answers(builtin_spec(), {"net_h1": "0.3775", "w5+": "0.3589"})
    missing = [e.name for e in result.entries if e.verdict == "missing"]
    assert missing == ["w6+", "w7+", "w8+", "w1+", "w2+", "w3+", "w4+"]   # skipped steps are not missing
    assert result.exit_status == 0


def test_exercise_tolerance(tmp_path):
    text = "exercise: lecture\ntolerance: {relative: 0.01}\nanswers:\n  out_h1: 0.595\n  w5+: 0.36\n"
    result = check_sheet(load_sheet(write(tmp_path, text)))
    assert {e.name: e.verdict for e in result.entries}["out_h1"] == "correct"
    assert Tolerance("significant", 3).allows(0.593, 0.5932699) and not Tolerance("significant", 4).allows(0.593, 0.5932699)


def test_exercise_spec_path_relative_to_the_sheet(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "net.yaml").write_text(
        "layers: [1, 1]\nactivation: linear\nloss: half_sse\nweights: [[[2]]]\nlearning_rate: 0.1\n"
        "input: [1]\ntarget: [0]\n")
    result = check_sheet(load_sheet(write(tmp_path, "exercise: nets/net.yaml\nanswers:\n  out_o1: 2\n")))
    assert result.entries[0].verdict == "correct"


@pytest.mark.parametrize("text, expected", [
    ("exercise: lecture\nanswers:\n  net_h3: 0.3\n", "did you mean 'net_h2'?"),
    ("exercise: lecture\nanswers:\n  out_h1: abc\n", "answers.out_h1: expected a number"),
    ("exercise: lecture\nanswers:\n  out_h1: '0,5933'\n", "use a decimal point"),
    ("exercise: missing.yaml\nanswers:\n  out_h1: 0.5\n", "'missing.yaml' (no such file)"),
    ("exercise: EX-7QK\nanswers:\n  out_h1: 0.5\n", "no such file"),
    ("exercise: lecture\nanswers:\n  w9+: 0.3\n", "a quantity of this exercise"),      # a sheet for another network
    ("exercise: lecture\nanswer:\n  w5+: 0.3\n", "did you mean 'answers'?"),
    ("exercise: lecture\nanswers:\n  w5+: 0.3\n  w_new[2,1,1]: 0.3\n", "each quantity once"),
    ("answers:\n  w5+: 0.3\n", "exercise: expected a spec file path"),
])
def test_bad_sheets_are_refused_on_one_line_with_status_2(tmp_path, capsys, text, expected):
    status = main(["check", write(tmp_path, text)])
    err = capsys.readouterr().err
    assert status == 2
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_sheet_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nothere.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_exit_status_1_when_something_is_wrong_and_json_keyed_by_sheet_names(tmp_path, capsys):
    path = write(tmp_path, "exercise: lecture\nanswers:\n  out_o1: 0.7514\n  dE_total/dout_o1: -0.7414\n  w5+: 0.3589\n")
    assert main(["check", path, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["dE_total/dout_o1"]["verdict"] == "wrong"
    assert data["dE_total/dout_o1"]["diagnosis"].startswith("error_sign_flipped")
    assert set(data["w5+"]) >= {"given", "expected", "verdict", "diagnosis"}
    assert data["w5+"]["given"] == 0.3589 and data["w6+"]["given"] is None


def test_exit_status_0_when_nothing_is_wrong(tmp_path, capsys):
    assert main(["check", write(tmp_path, "exercise: lecture\nanswers:\n  w5+: 0.3589\n")]) == 0


def test_text_and_markdown_reports_point_at_the_first_wrong_step():
    result = check_answers(builtin_spec(), {"net_h1": "0.0275", "out_h1": "0.5069", "w5+": "0.3589"}, asks=())
    text = as_text(result)
    assert ">> net_h1" in text and "bias_forgotten" in text and "First wrong step: net_h1." in text
    markdown = as_markdown(result)
    assert "| `net_h1` | 0.0275 |" in markdown and "**wrong**" in markdown and "consistent" in markdown


def test_training_runs_are_refused_until_checking_supports_them(tmp_path, capsys):
    (tmp_path / "net.yaml").write_text(
        "layers: [1, 1]\nactivation: linear\nloss: half_sse\nweights: [[[2]]]\nlearning_rate: 0.1\n"
        "data: [{input: [1], target: [0]}, {input: [2], target: [1]}]\n")
    assert main(["check", write(tmp_path, "exercise: net.yaml\nanswers:\n  out_o1: 2\n")]) == 2
    assert "one training step" in capsys.readouterr().err


def test_units_notation_names_and_err_alias(tmp_path, capsys):
    """In the units notation, sheets use I_j, O_j, w_ij+ and Err_j = -delta_j."""
    from derive import builtin_spec
    import yaml

    spec = {**builtin_spec().to_dict(), "notation": "units"}
    (tmp_path / "net.yaml").write_text(yaml.safe_dump(spec))
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("exercise: net.yaml\nanswers:\n  I3: 0.3775\n  O5: 0.7514\n  Err5: -0.1385\n  w35+: 0.3589\n")
    assert main(["check", str(sheet), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {name: entry["verdict"] for name, entry in data.items() if entry["given"] is not None} == \
        {"I3": "correct", "O5": "correct", "Err5": "correct", "w35+": "correct"}
    sheet.write_text("exercise: net.yaml\nanswers:\n  Err5: 0.1385\n")   # the sign of Err is checked
    assert main(["check", str(sheet), "--format", "json"]) == 1


def test_variant_code_with_several_families_as_exercise(tmp_path, capsys):
    from derive.exam.registry import get_family
    from derive.exam.variants import generate

    variant = next(generate([get_family("backprop-full-step"), get_family("chain-rule")], 1, 2026))
    answer = variant.questions[0].answers[1]
    path = write(tmp_path, f"exercise: {variant.code}\nanswers:\n  '{answer.key}': {answer.value:.4f}\n")
    assert main(["check", path, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[answer.key]["verdict"] == "correct"
