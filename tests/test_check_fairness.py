"""Fair marking (issue 13): the same mistake made again, honest diagnoses, sign flips anywhere.

The student below works the lecture's 2-2-2 example by hand in plain Python, rounding every
number half up to 4 decimals and computing each step from their own *rounded* earlier numbers.
``slips`` replaces the formula of named steps by a misconception's formula, applied to the
student's own values: one mistake made once, the same mistake made at several steps, or two
different mistakes.  Nothing here calls derive to compute a number.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from derive.check import check_answers
from derive.core.spec import builtin_spec

P = dict(i1=0.05, i2=0.10, t1=0.01, t2=0.99, w1=0.15, w2=0.20, w3=0.25, w4=0.30,
         w5=0.40, w6=0.45, w7=0.50, w8=0.55, b1=0.35, b2=0.60, eta=0.5)
#: Which output, hidden neuron and inputs each weight connects (the lecture's numbering).
OUTPUT_WEIGHTS = {5: ("o1", "h1"), 6: ("o1", "h2"), 7: ("o2", "h1"), 8: ("o2", "h2")}
HIDDEN_WEIGHTS = {1: ("h1", "i1"), 2: ("h1", "i2"), 3: ("h2", "i1"), 4: ("h2", "i2")}


def r4(x: float) -> float:
    return float(Decimal(repr(x)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def hand(slips: dict | None = None, skip: tuple = ()) -> dict[str, str]:
    """The sheet a student writes: {name: text}; ``slips[name](v, honest)`` gives a slipped value
    from the student's values so far (``v``) and the honest formula's value; ``skip`` leaves
    names off the sheet (the student still computes them, rounded, on scrap paper)."""
    slips = slips or {}
    v = dict(P)

    def step(name, honest):
        value = slips[name](v, honest) if name in slips else honest
        v[name] = r4(value)

    step("net_h1", P["w1"] * P["i1"] + P["w2"] * P["i2"] + P["b1"])
    step("net_h2", P["w3"] * P["i1"] + P["w4"] * P["i2"] + P["b1"])
    step("out_h1", sigmoid(v["net_h1"]))
    step("out_h2", sigmoid(v["net_h2"]))
    step("net_o1", P["w5"] * v["out_h1"] + P["w6"] * v["out_h2"] + P["b2"])
    step("net_o2", P["w7"] * v["out_h1"] + P["w8"] * v["out_h2"] + P["b2"])
    step("out_o1", sigmoid(v["net_o1"]))
    step("out_o2", sigmoid(v["net_o2"]))
    for k, t in (("o1", "t1"), ("o2", "t2")):
        step(f"dE_total/dout_{k}", v[f"out_{k}"] - P[t])
        step(f"dout_{k}/dnet_{k}", v[f"out_{k}"] * (1 - v[f"out_{k}"]))
        step(f"delta_{k}", v[f"dE_total/dout_{k}"] * v[f"dout_{k}/dnet_{k}"])
    for n, (k, h) in OUTPUT_WEIGHTS.items():
        step(f"dE_total/dw{n}", v[f"delta_{k}"] * v[f"out_{h}"])
        step(f"w{n}+", P[f"w{n}"] - P["eta"] * v[f"dE_total/dw{n}"])
    for h, (a, b) in (("h1", (5, 7)), ("h2", (6, 8))):
        step(f"dE_total/dout_{h}", v["delta_o1"] * P[f"w{a}"] + v["delta_o2"] * P[f"w{b}"])
        step(f"dout_{h}/dnet_{h}", v[f"out_{h}"] * (1 - v[f"out_{h}"]))
        step(f"delta_{h}", v[f"dE_total/dout_{h}"] * v[f"dout_{h}/dnet_{h}"])
    for n, (h, i) in HIDDEN_WEIGHTS.items():
        step(f"dE_total/dw{n}", v[f"delta_{h}"] * P[i])
        step(f"w{n}+", P[f"w{n}"] - P["eta"] * v[f"dE_total/dw{n}"])
    names = [k for k in v if k not in P and k not in skip]
    return {name: f"{v[name]:.4f}" for name in names}


def by_name(sheet: dict[str, str], **options):
    return {e.name: e for e in check_answers(builtin_spec(), sheet, **options).entries}


def t_minus_o(v, honest):
    """The misconception: the error signal t - o (the student's own output value)."""
    return -honest


def forgot_eta(n):
    return lambda v, honest: P[f"w{n}"] - v[f"dE_total/dw{n}"]


# -- the same misconception carried forward -------------------------------------------------------

def test_t_minus_o_at_every_output_is_one_mistake_not_two():
    """The issue's example: t - o for both outputs.  Today w7+ and w8+ were 'gradient_added'."""
    sheet = hand({"dE_total/dout_o1": t_minus_o, "dE_total/dout_o2": t_minus_o})
    result = by_name(sheet)
    assert result["dE_total/dout_o1"].verdict == "wrong"
    assert result["dE_total/dout_o1"].mistake == "error_sign_flipped"
    second = result["dE_total/dout_o2"]
    assert (second.verdict, second.mistake, second.note) == \
        ("consistent", "error_sign_flipped", "same mistake as at dE_total/dout_o1")
    assert [e.name for e in result.values() if e.verdict == "wrong"] == ["dE_total/dout_o1"]


def test_t_minus_o_with_the_second_output_skipped():
    """Only dE/dout_o1 and the four updated output weights written: w7+ and w8+ come from the
    skipped o2 side with the same misconception."""
    full = hand({"dE_total/dout_o1": t_minus_o, "dE_total/dout_o2": t_minus_o})
    sheet = {name: full[name] for name in ("dE_total/dout_o1", "w5+", "w6+", "w7+", "w8+")}
    honest = hand()
    assert (float(sheet["w7+"]) - P["w7"]) * (float(honest["w7+"]) - P["w7"]) < 0    # moved the wrong way
    result = by_name(sheet, asks=())
    assert {n: e.verdict for n, e in result.items()} == {"dE_total/dout_o1": "wrong", "w5+": "consistent",
                                                         "w6+": "consistent", "w7+": "consistent",
                                                         "w8+": "consistent"}
    for name in ("w7+", "w8+"):
        assert result[name].mistake == "error_sign_flipped"
        assert result[name].note == "same mistake as at dE_total/dout_o1"
    assert check_answers(builtin_spec(), sheet, asks=()).exit_status == 1      # the first one is still wrong


def test_the_same_mistake_made_twice_is_penalised_once():
    sheet = hand({"w5+": forgot_eta(5), "w6+": forgot_eta(6)})
    result = by_name(sheet)
    assert (result["w5+"].verdict, result["w5+"].mistake) == ("wrong", "learning_rate_forgotten")
    assert (result["w6+"].verdict, result["w6+"].mistake, result["w6+"].same_as) == \
        ("consistent", "learning_rate_forgotten", "w5+")
    assert sum(e.verdict == "wrong" for e in result.values()) == 1


def test_a_different_mistake_later_is_not_excused_by_the_first():
    sheet = hand({"w5+": forgot_eta(5), "w6+": lambda v, honest: P["w6"] + P["eta"] * v["dE_total/dw6"]})
    result = by_name(sheet)
    assert (result["w5+"].mistake, result["w6+"].verdict, result["w6+"].mistake) == \
        ("learning_rate_forgotten", "wrong", "gradient_added")


def test_a_sign_flipped_in_delta_itself_is_diagnosed():
    """delta = (t - o) * sigma' although dE/dout was written correctly as o - t."""
    flip = lambda v, honest: -honest          # noqa: E731
    sheet = hand({"delta_o1": flip, "delta_o2": flip})
    assert float(sheet["dE_total/dout_o1"]) > 0 > float(sheet["delta_o1"])
    result = by_name(sheet)
    assert (result["delta_o1"].verdict, result["delta_o1"].mistake) == ("wrong", "error_sign_flipped")
    assert (result["delta_o2"].verdict, result["delta_o2"].note) == ("consistent", "same mistake as at delta_o1")
    assert sum(e.verdict == "wrong" for e in result.values()) == 1


def test_a_sign_lost_in_a_hidden_error_signal_is_diagnosed():
    sheet = hand({"dE_total/dout_h1": lambda v, honest: -honest})
    result = by_name(sheet)
    assert (result["dE_total/dout_h1"].verdict, result["dE_total/dout_h1"].mistake) == ("wrong", "error_sign_flipped")
    assert {e.verdict for n, e in result.items() if n != "dE_total/dout_h1"} <= {"correct", "consistent"}


# -- honest diagnoses -----------------------------------------------------------------------------

def test_a_value_equal_to_a_given_number_is_not_diagnosed():
    """w1+ = 0.1500 is the old w1 at 4 decimals: copied, or any mistake; the number cannot tell."""
    result = by_name({"w1+": "0.1500"}, asks=())
    entry = result["w1+"]
    assert entry.verdict == "wrong" and entry.mistake is None
    assert entry.candidates[0] == "given_value_copied"
    assert "w1 = 0.15" in entry.diagnosis and "no mistake is named" in entry.diagnosis
    assert "updated_weights_in_backprop" not in (entry.mistake or "")


def test_two_mistakes_that_give_the_same_number_are_listed_not_named():
    """w5+ alone, computed with the gradient added: t - o in the skipped dE/dout_o1 gives the same number."""
    exact = hand()
    added = hand({"w5+": lambda v, honest: P["w5"] + P["eta"] * v["dE_total/dw5"]})
    assert added["w5+"] != exact["w5+"]
    entry = by_name({"w5+": added["w5+"]}, asks=())["w5+"]
    assert entry.verdict == "wrong" and entry.mistake is None
    assert entry.candidates == ("error_sign_flipped", "gradient_added")
    data = entry.as_json()
    assert isinstance(data["diagnosis"], str) and data["candidates"] == ["error_sign_flipped", "gradient_added"]
    # With the gradient on the sheet, correct, only one explanation is left: it is named.
    with_gradient = by_name({"dE_total/dw5": exact["dE_total/dw5"], "w5+": added["w5+"]}, asks=())
    assert (with_gradient["w5+"].mistake, with_gradient["w5+"].candidates) == ("gradient_added", ())


def test_the_json_of_a_named_mistake_has_an_empty_candidate_list():
    sheet = hand({"w5+": forgot_eta(5)})
    data = check_answers(builtin_spec(), sheet).as_json()
    assert data["w5+"]["mistake"] == "learning_rate_forgotten" and data["w5+"]["candidates"] == []
