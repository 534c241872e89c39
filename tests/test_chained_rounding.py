"""Chained rounding (CONTRACT §11): every step from the previous steps' *rounded* values, as by hand.

The references are hand calculations written here in Decimal arithmetic, step by step, never
derive's own code: the lecture's 2-2-2 example chained at 9 places (its source prints
dE_o2/dout_h1 = -0.019049119, from the rounded delta_o2 = -0.038098237, where full precision
gives -0.019049118) and Han, Kamber & Pei's Example 9.1 (Data Mining, 3rd ed., outputs rounded
to 3 places, errors to 4: Err6 = 0.474 (1 - 0.474)(1 - 0.474) = 0.1311, full precision 0.131169).
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

import derive
from derive.check import check_answers
from derive.core.keys import Key
from derive.core.spec import builtin_spec, parse_spec
from tests.reference import reference_values
from tests.test_check_published import PRINTED     # Han, Kamber & Pei, Example 9.1, as printed (Err = -dE/dnet)
from tests.test_check_published import SPEC as HKP
from tests.support.cli import run_cli

D = Decimal


def places(n):
    return lambda x: x.quantize(D(1).scaleb(-n), rounding=ROUND_HALF_UP)


def significant(n):
    return lambda x: x.quantize(D(1).scaleb(x.adjusted() + 1 - n), rounding=ROUND_HALF_UP)


def sigmoid(x: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = 60
        return 1 / (1 + (-x).exp())


LECTURE = {"weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]], "biases": [0.35, 0.60],
           "learning_rate": 0.5, "input": [0.05, 0.10], "target": [0.01, 0.99]}


def lecture_by_hand(r, numbers=LECTURE) -> dict[str, Decimal]:
    """The lecture's step (Mazur's 2-2-2 example: sigmoid, shared biases not trained, half the SSE)
    as a student does it: every number rounded by r and used rounded; the hidden error is the sum
    of the two paths, each rounded first.  ``numbers``: another 2-2-2 network's, in spec form."""
    def dec(x):
        return D(repr(float(x)))

    i, t = [dec(x) for x in numbers["input"]], [dec(x) for x in numbers["target"]]
    eta, (b1, b2) = dec(numbers["learning_rate"]), [dec(b) for b in numbers["biases"]]
    w1, w2 = ([[dec(w) for w in row] for row in matrix] for matrix in numbers["weights"])
    v = {}
    h = []
    for j in range(2):
        v[f"net[1,{j + 1}]"] = net = r(w1[j][0] * i[0] + w1[j][1] * i[1] + b1)
        v[f"out[1,{j + 1}]"] = out = r(sigmoid(net))
        h.append(out)
    o = []
    for k in range(2):
        v[f"net[2,{k + 1}]"] = net = r(w2[k][0] * h[0] + w2[k][1] * h[1] + b2)
        v[f"out[2,{k + 1}]"] = out = r(sigmoid(net))
        o.append(out)
        v[f"E[{k + 1}]"] = r(D("0.5") * (t[k] - out) ** 2)
    v["E"] = r(v["E[1]"] + v["E[2]"])
    delta = []
    for k in range(2):
        v[f"dE/dout[2,{k + 1}]"] = error = r(-(t[k] - o[k]))
        v[f"dout/dnet[2,{k + 1}]"] = slope = r(o[k] * (1 - o[k]))
        v[f"delta[2,{k + 1}]"] = d = r(error * slope)
        delta.append(d)
        for j in range(2):
            v[f"dE/dw[2,{k + 1},{j + 1}]"] = gradient = r(error * slope * h[j])
            v[f"w_new[2,{k + 1},{j + 1}]"] = r(w2[k][j] - eta * gradient)
    for j in range(2):
        paths = [r(delta[k] * w2[k][j]) for k in range(2)]      # dE_o1/dout_h1, dE_o2/dout_h1
        v[f"path[{j + 1}]"] = paths
        v[f"dE/dout[1,{j + 1}]"] = error = r(paths[0] + paths[1])
        v[f"dout/dnet[1,{j + 1}]"] = slope = r(h[j] * (1 - h[j]))
        v[f"delta[1,{j + 1}]"] = r(error * slope)
        for m in range(2):
            v[f"dE/dw[1,{j + 1},{m + 1}]"] = gradient = r(error * slope * i[m])
            v[f"w_new[1,{j + 1},{m + 1}]"] = r(w1[j][m] - eta * gradient)
    return v


def test_the_lectures_hand_chained_value_at_9_places():
    by_hand = lecture_by_hand(places(9))
    assert by_hand["delta[2,2]"] == D("-0.038098237")
    assert by_hand["path[1]"][1] == D("-0.019049119")      # dE_o2/dout_h1 as the lecture prints it
    full = reference_values(builtin_spec().to_dict())
    assert places(9)(D(repr(full["delta[2,2]"] * 0.5))) == D("-0.019049118")   # full precision: one less

    solution = derive.solve(chain_rounding=9)
    assert solution.chained.terms[Key.parse("dE/dout[1,1]")] == (D("0.055399425"), D("-0.019049119"))
    assert solution.value("delta[2,2]") == -0.038098237
    assert "0.055399425 + \\left(-0.019049119\\right) = 0.036350306" in solution.step("dE/dout[1,1]").equation_numbers


@pytest.mark.parametrize("rounding, by_hand", [(9, places(9)), (4, places(4)), ("3sig", significant(3))],
                         ids=["9 places", "4 places", "3 significant"])
def test_every_step_of_the_lecture_matches_the_hand_calculation(rounding, by_hand):
    expected = lecture_by_hand(by_hand)
    solution = derive.solve(chain_rounding=rounding)
    chained = {str(k): v for k, v in solution.chained.values.items()}
    for key, value in expected.items():
        if not key.startswith("path"):
            assert chained[key] == value, key


ROUNDING = "rounding: {default: 3, backward: 4}\n"

KEYS = {"I4": "net[1,1]", "O4": "out[1,1]", "I5": "net[1,2]", "O5": "out[1,2]", "I6": "net[2,1]", "O6": "out[2,1]",
        "Err6": "delta[2,1]", "Err5": "delta[1,2]", "Err4": "delta[1,1]",
        "w46+": "w_new[2,1,1]", "w56+": "w_new[2,1,2]", "w14+": "w_new[1,1,1]", "w15+": "w_new[1,2,1]",
        "w24+": "w_new[1,1,2]", "w25+": "w_new[1,2,2]", "w34+": "w_new[1,1,3]", "w35+": "w_new[1,2,3]",
        "theta6+": "b_new[2,1]", "theta5+": "b_new[1,2]", "theta4+": "b_new[1,1]"}


def hkp_by_hand() -> dict[str, Decimal]:
    """The book's own calculation: outputs to 3 places, errors to 4, each from the rounded ones."""
    r3, r4, lr = places(3), places(4), D("0.9")
    x = [D(1), D(0), D(1)]
    w14, w15, w24, w25, w34, w35, w46, w56 = map(D, ("0.2", "-0.3", "0.4", "0.1", "-0.5", "0.2", "-0.3", "-0.2"))
    t4, t5, t6 = D("-0.4"), D("0.2"), D("0.1")
    v = {"I4": r3(w14 * x[0] + w24 * x[1] + w34 * x[2] + t4), "I5": r3(w15 * x[0] + w25 * x[1] + w35 * x[2] + t5)}
    v["O4"], v["O5"] = r3(sigmoid(v["I4"])), r3(sigmoid(v["I5"]))
    v["I6"] = r3(w46 * v["O4"] + w56 * v["O5"] + t6)
    v["O6"] = o6 = r3(sigmoid(v["I6"]))
    v["Err6"] = err6 = r4(o6 * (1 - o6) * (1 - o6))
    v["Err5"] = err5 = r4(v["O5"] * (1 - v["O5"]) * err6 * w56)
    v["Err4"] = err4 = r4(v["O4"] * (1 - v["O4"]) * err6 * w46)
    v["w46+"], v["w56+"] = r3(w46 + lr * err6 * v["O4"]), r3(w56 + lr * err6 * v["O5"])
    for name, w, err, xi in (("w14+", w14, err4, x[0]), ("w15+", w15, err5, x[0]), ("w24+", w24, err4, x[1]),
                             ("w25+", w25, err5, x[1]), ("w34+", w34, err4, x[2]), ("w35+", w35, err5, x[2])):
        v[name] = r3(w + lr * err * xi)
    v["theta6+"], v["theta5+"], v["theta4+"] = r3(t6 + lr * err6), r3(t5 + lr * err5), r3(t4 + lr * err4)
    return v


def test_the_books_printed_numbers_follow_from_its_rounding():
    assert {name: D(text) for name, text in PRINTED.items()} == hkp_by_hand()


@pytest.fixture()
def hkp_json(tmp_path):
    spec = tmp_path / "hkp.yaml"
    spec.write_text(HKP + ROUNDING)
    status, out, err = run_cli(["solve", str(spec), "--format", "json"])
    assert status == 0, err
    return json.loads(out)


def test_han_kamber_pei_digit_for_digit_as_printed(hkp_json):
    quantities = hkp_json["quantities"]
    for name, text in PRINTED.items():
        sign = -1 if name.startswith("Err") else 1      # Err = -dE/dnet
        assert sign * D(repr(quantities[KEYS[name]]["value"])) == D(text), name
    assert hkp_json["spec"]["rounding"] == {"default": 3, "backward": 4}


def test_json_value_is_chained_and_exact_is_full_precision(hkp_json):
    full = reference_values(parse_spec(__import__("yaml").safe_load(HKP)).to_dict())
    delta = hkp_json["quantities"]["delta[2,1]"]
    assert delta["value"] == -0.1311 and delta["rounding"] == 4
    assert float(delta["exact"]) == pytest.approx(full["delta[2,1]"], abs=1e-15)
    assert round(-float(delta["exact"]), 6) == 0.131169
    out = hkp_json["quantities"]["out[2,1]"]
    assert out["value"] == 0.474 and out["rounding"] == 3
    assert float(out["exact"]) == pytest.approx(full["out[2,1]"], abs=1e-15)
    for key, entry in hkp_json["quantities"].items():     # every quantity has both
        assert "exact" in entry and entry["value"] is not None, key


def test_the_sheet_says_which_mode_and_prints_the_chained_values(tmp_path):
    spec = tmp_path / "hkp.yaml"
    spec.write_text(HKP + ROUNDING)
    assert run_cli(["solve", str(spec), "--format", "md,tex", "--out", str(tmp_path / "out")])[0] == 0
    md = (tmp_path / "out" / "solution.md").read_text()
    assert "Chained rounding, as in a hand calculation" in md and "3 decimal places (the backward pass to 4" in md
    assert "= -0.1311" in md and "\\left(-0.526\\right) \\cdot 0.2493 = -0.1311" in md
    assert "full-precision values" not in md
    assert "Chained rounding, as in a hand calculation" in (tmp_path / "out" / "solution.tex").read_text()


def test_full_precision_sheets_are_unchanged(tmp_path):
    """The spec's rounding switched off gives byte for byte the sheets of the same spec without it."""
    for name, text in (("plain", HKP), ("rounded", HKP + ROUNDING)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "hkp.yaml").write_text(text)
    assert run_cli(["solve", str(tmp_path / "plain" / "hkp.yaml"), "--format", "md,tex,json",
                    "--out", str(tmp_path / "plain" / "out")])[0] == 0
    assert run_cli(["solve", str(tmp_path / "rounded" / "hkp.yaml"), "--format", "md,tex,json", "--chain-rounding",
                    "off", "--out", str(tmp_path / "rounded" / "out")])[0] == 0
    for file in ("solution.md", "solution.tex", "solution.json"):
        plain = (tmp_path / "plain" / "out" / file).read_bytes()
        assert plain == (tmp_path / "rounded" / "out" / file).read_bytes(), file
    lecture = derive.solve()
    assert lecture.chained is None and all(step.exact is None for step in lecture.steps.values())
    assert run_cli(["solve", "--format", "md", "--out", str(tmp_path / "lecture")])[0] == 0
    md = (tmp_path / "lecture" / "solution.md").read_text()
    assert "Chained" not in md and "every step is computed from full-precision values." in md
    status, out, _ = run_cli(["solve", "--format", "json"])
    assert not any({"rounding", "terms", "exact"} & set(q) for q in json.loads(out)["quantities"].values())


@pytest.mark.parametrize("rounding, field, words", [
    ("four", "rounding", "got the text 'four'"),
    ("-1", "rounding", "expected decimal places (0 to 30)"),
    ("31", "rounding", "got 31"),
    ("0sig", "rounding", "significant figures such as 4sig"),
    ("4.5", "rounding", "got 4.5"),
    ("true", "rounding", "got True"),
    ("{deltas: 4, default: 4}", "rounding.deltas", "did you mean 'delta'?"),
    ("{out: 3}", "rounding.default", "a default precision"),
    ("{out: three, default: 4}", "rounding.out", "got the text 'three'"),
])
def test_bad_rounding_specs_are_refused_with_one_line(tmp_path, rounding, field, words):
    spec = tmp_path / "net.yaml"
    spec.write_text(HKP + f"rounding: {rounding}\n")
    status, out, err = run_cli(["solve", str(spec), "--format", "json"])
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and f"net.yaml: {field}: expected" in err and words in err, err


def test_rounding_a_training_run_and_bad_options_are_refused(tmp_path):
    spec = tmp_path / "train.yaml"
    spec.write_text(HKP.replace("input: [1, 0, 1]\ntarget: [1]\n", "data: [{input: [1, 0, 1], target: [1]}]\n")
                    + "rounding: 3\n")
    status, out, err = run_cli(["solve", str(spec), "--format", "json"])
    assert status == 2 and out == "" and "train.yaml: rounding: expected one step on one example" in err
    status, out, err = run_cli(["solve", "--chain-rounding", "4x", "--format", "json"])
    assert status == 2 and out == "" and err.count("\n") == 1 and "--chain-rounding: expected" in err
    status, out, err = run_cli(["check", "whatever.yaml", "--chain-rounding", "4"])
    assert status == 2 and out == ""


def test_check_compares_with_the_chained_solution_at_the_sheets_own_digits():
    spec = parse_spec(__import__("yaml").safe_load(HKP), name="hkp")
    plain = {e.name: e.verdict for e in check_answers(spec, PRINTED).entries}
    assert plain["Err6"] == "consistent"                 # against full precision, 0.1312
    result = check_answers(spec, PRINTED, chain_rounding="auto")
    assert {e.name: e.verdict for e in result.entries if e.name in PRINTED} == {name: "correct" for name in PRINTED}
    err6 = next(e for e in result.entries if e.name == "Err6")
    assert err6.as_json()["expected"] == 0.1311 and round(err6.as_json()["exact"], 6) == 0.131169
    assert result.rounding == "the digits of each answer"


def test_check_at_n_places_marks_a_sheet_chained_at_4_places_all_correct():
    by_hand = lecture_by_hand(places(4))
    names = {"net[1,1]": "net_h1", "out[1,1]": "out_h1", "out[2,1]": "out_o1", "E": "E_total",
             "delta[2,1]": "delta_o1", "dE/dw[2,1,1]": "dE_total/dw5", "w_new[2,1,1]": "w5+",
             "dE/dout[1,1]": "dE_total/dout_h1", "delta[1,1]": "delta_h1", "w_new[1,1,1]": "w1+"}
    answers = {name: str(by_hand[key]) for key, name in names.items()}
    chained = check_answers(builtin_spec(), answers, asks=(), chain_rounding="4")
    assert {e.verdict for e in chained.entries} == {"correct"}, [(e.name, e.verdict) for e in chained.entries]
    plain = check_answers(builtin_spec(), answers, asks=())
    assert {e.verdict for e in plain.entries} > {"correct"}     # some only consistent at full precision


def test_the_cli_check_option_and_its_report(tmp_path):
    (tmp_path / "hkp.yaml").write_text(HKP)
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("exercise: hkp.yaml\nanswers:\n" + "".join(f"  {k}: {v}\n" for k, v in PRINTED.items()))
    status, out, err = run_cli(["check", str(sheet), "--chain-rounding", "auto"])
    assert status == 0, err
    assert "Expected: the chained-rounding solution at the digits of each answer" in out
    assert "20 correct, 0 consistent, 0 wrong, 0 missing" in out


SOFTMAX = {"layers": [2, 3, 3], "activation": ["tanh", "softmax"], "loss": "cce", "notation": "layered",
           "weights": [[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], [[0.2, -0.1, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.1]]],
           "thresholds": [0.1, [0.2, -0.1, 0.05]], "learning_rate": 0.1, "input": [0.5, -1.0], "target": [0, 1, 0],
           "rounding": 9}


def test_chained_sheets_typeset_and_fit_the_page(tmp_path):
    """Three-path sums at 9 places (the rounded terms get a line of their own): KaTeX renders the
    Markdown, pdflatex reports no overfull line."""
    from derive.present.solution import solve
    from derive.render.solution import solution_files
    from derive.render.texcompile import compile_pdf, overfull_boxes
    from tests.support.tools import extract_math, katex_errors, require, require_katex

    require("pdflatex")
    require_katex()
    for spec in (parse_spec(SOFTMAX), parse_spec(dict(__import__("yaml").safe_load(HKP), rounding="3sig"))):
        files = solution_files(solve(spec), ["md", "tex"])
        assert katex_errors(extract_math(files["solution.md"])) == []
        log: list[str] = []
        compile_pdf(files["solution.tex"], {}, log=log)
        assert overfull_boxes(log[0]) == []


def test_a_step_left_undefined_by_rounding_is_refused_naming_rounding(tmp_path):
    spec = tmp_path / "saturated.yaml"      # out = sigmoid(10) = 0.99995 is 1.000 at 3 places: log(1 - 1)
    spec.write_text("layers: [1, 1]\nactivation: sigmoid\nloss: bce\nweights: [[[10]]]\nlearning_rate: 0.1\n"
                    "input: [1]\ntarget: [0]\nrounding: 3\n")
    status, out, err = run_cli(["solve", str(spec), "--format", "json"])
    assert status == 2 and out == "" and "saturated.yaml: rounding: expected numbers for which every" in err
    assert "round to more places" in err
    assert run_cli(["solve", str(spec), "--format", "json", "--chain-rounding", "6"])[0] == 0


def test_exam_chain_rounding_keys_are_the_chained_solutions_of_their_specs(tmp_path):
    status, out, err = run_cli(["exam", "--family", "backprop-full-step", "--family", "gd-steps", "-n", "3",
                                "--seed", "5", "--out", str(tmp_path / "exam"), "--format", "md,json",
                                "--chain-rounding", "4"])
    assert status == 0, err
    variants = json.loads((tmp_path / "exam" / "answers.json").read_text())["variants"]
    for variant in variants:
        network, descent = variant["questions"]
        assert network["spec"]["rounding"] == 4 and "rounding" not in descent["params"]
        by_hand = lecture_by_hand(places(4), network["spec"])      # the same 2-2-2 network, new numbers
        assert {k: D(repr(a["value"])) for k, a in network["answers"].items()} == {k: by_hand[k]
                                                                                 for k in network["answers"]}
    assert "Chained rounding, as in a hand calculation" in (tmp_path / "exam" / "solutions.md").read_text()
    status, _, err = run_cli(["exam", "--family", "gd-steps", "--out", str(tmp_path / "x"), "--chain-rounding", "x"])
    assert status == 2 and "--chain-rounding: expected" in err
