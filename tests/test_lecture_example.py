"""Every number the lecture prints, read from `derive solve --format json` (stdout).

The lecture's example is Matt Mazur's "A Step by Step Backpropagation Example"
(2015): a 2-2-2 sigmoid network, one shared bias per layer (not trained), half
the sum of squared errors, learning rate 0.5, hidden-layer gradients from the
weights before the update.  Each value is compared at the precision the
lecture prints it with (number of decimals of the printed text).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.cli import json_of

# (plain name in the lecture, canonical key, the number as printed)
LECTURE = [
    ("net_h1", "net[1,1]", "0.3775"),
    ("out_h1", "out[1,1]", "0.593269992"),
    ("out_h2", "out[1,2]", "0.596884378"),
    ("net_o1", "net[2,1]", "1.105905967"),
    ("out_o1", "out[2,1]", "0.75136507"),
    ("out_o2", "out[2,2]", "0.772928465"),
    ("E_o1", "E[1]", "0.274811083"),
    ("E_o2", "E[2]", "0.023560026"),
    ("E_total", "E", "0.298371109"),
    ("dE_total/dw5", "dE/dw[2,1,1]", "0.082167041"),
    ("w5+", "w_new[2,1,1]", "0.35891648"),
    ("w6+", "w_new[2,1,2]", "0.408666186"),
    ("w7+", "w_new[2,2,1]", "0.511301270"),
    ("w8+", "w_new[2,2,2]", "0.561370121"),
    ("dE_total/dw1", "dE/dw[1,1,1]", "0.000438568"),
    ("w1+", "w_new[1,1,1]", "0.149780716"),
    ("w2+", "w_new[1,1,2]", "0.19956143"),
    ("w3+", "w_new[1,2,1]", "0.24975114"),
    ("w4+", "w_new[1,2,2]", "0.29950229"),
]

# Plain names of the givens (CONTRACT §2: w1 = i1->h1, w2 = i2->h1, w3 = i1->h2, ... w5 = h1->o1).
GIVEN_NAMES = [("i1", "input[1]", 0.05), ("i2", "input[2]", 0.10),
               ("w1", "w[1,1,1]", 0.15), ("w2", "w[1,1,2]", 0.20), ("w3", "w[1,2,1]", 0.25),
               ("w4", "w[1,2,2]", 0.30), ("w5", "w[2,1,1]", 0.40), ("w6", "w[2,1,2]", 0.45),
               ("w7", "w[2,2,1]", 0.50), ("w8", "w[2,2,2]", 0.55)]


@pytest.fixture(scope="module")
def lecture_json() -> dict:
    return json_of(["solve"])


@pytest.fixture(scope="module")
def lecture_exact_json() -> dict:
    return json_of(["solve", "--exact"])


def _places(printed: str) -> int:
    return -Decimal(printed).as_tuple().exponent


@pytest.mark.parametrize("name, key, printed", LECTURE, ids=[row[0] for row in LECTURE])
def test_lecture_number(lecture_json, name, key, printed):
    quantity = lecture_json["quantities"][key]
    value = quantity["value"]
    assert isinstance(value, float)
    assert round(value, _places(printed)) == float(printed), f"{name} = {value!r}, lecture prints {printed}"
    assert quantity["name"] == name


@pytest.mark.parametrize("name, key, value", GIVEN_NAMES, ids=[row[0] for row in GIVEN_NAMES])
def test_given_names_follow_the_lecture(lecture_json, name, key, value):
    quantity = lecture_json["quantities"][key]
    assert quantity["name"] == name
    assert quantity["value"] == value


def test_json_shape(lecture_json):
    assert set(lecture_json) >= {"spec", "quantities", "steps"}
    spec = lecture_json["spec"]
    assert spec["layers"] == [2, 2, 2]
    assert spec["learning_rate"] == 0.5
    assert spec["input"] == [0.05, 0.1] and spec["target"] == [0.01, 0.99]
    quantities = lecture_json["quantities"]
    for key, quantity in quantities.items():
        assert {"value", "name", "latex", "formula", "depends_on"} <= set(quantity), key
        assert all(dep in quantities for dep in quantity["depends_on"]), key
    # steps: every computed quantity once, each after everything it depends on
    steps = lecture_json["steps"]
    assert len(steps) == len(set(steps))
    position = {key: n for n, key in enumerate(steps)}
    for key in steps:
        for dep in quantities[key]["depends_on"]:
            assert dep not in position or position[dep] < position[key], f"{key} before {dep}"
    # JSON values are full floats, not rounded to the display precision
    assert quantities["out[1,1]"]["value"] != round(quantities["out[1,1]"]["value"], 9)


def test_biases_not_trained_in_the_lecture(lecture_json):
    keys = set(lecture_json["quantities"])
    assert not {k for k in keys if k.startswith(("dE/db", "b_new"))}
    assert {"b[1]", "b[2]"} <= keys


def test_exact_mode_agrees_with_float(lecture_json, lecture_exact_json):
    floats, exact = lecture_json["quantities"], lecture_exact_json["quantities"]
    assert set(floats) == set(exact)
    for key, quantity in floats.items():
        assert exact[key]["value"] == pytest.approx(quantity["value"], rel=1e-12, abs=1e-12), key
        if "exact" in exact[key]:
            assert float(exact[key]["exact"]) == pytest.approx(quantity["value"], rel=1e-12, abs=1e-12), key


def test_exact_mode_makes_decimal_arithmetic_exact(tmp_path):
    spec = tmp_path / "tenths.yaml"
    spec.write_text("layers: [1, 1]\nactivation: linear\nloss: half_sse\nweights: [[[1]]]\n"
                    "biases: [-0.1]\nlearning_rate: 0.1\ninput: [0.3]\ntarget: [0]\n", encoding="utf-8")
    floats = json_of(["solve", str(spec)])["quantities"]
    exact = json_of(["solve", str(spec), "--exact"])["quantities"]
    # binary floating point cannot do it: 1 * 0.3 + (-0.1) = 0.19999999999999998
    assert floats["net[1,1]"]["value"] == pytest.approx(0.2, abs=1e-15)
    text = exact["net[1,1]"]["exact"]
    assert text.startswith("0.2")
    assert "999" not in text
    assert Decimal(text) == Decimal("0.2")
    assert exact["net[1,1]"]["value"] == 0.2
    # E = 1/2 (0 - 0.2)^2 = 0.02, exactly
    assert Decimal(exact["E"]["exact"]) == Decimal("0.02")


def test_exact_mode_keeps_small_differences(tmp_path):
    spec = tmp_path / "small.yaml"
    spec.write_text("layers: [1, 1]\nactivation: linear\nloss: half_sse\nweights: [[[0.5]]]\n"
                    "learning_rate: 0.1\ninput: [1.0]\ntarget: [0.000000001]\n", encoding="utf-8")
    exact = json_of(["solve", str(spec), "--exact"])["quantities"]
    # dE/dout = out - target = 0.5 - 0.000000001, exactly
    assert Decimal(exact["dE/dout[1,1]"]["exact"]) == Decimal("0.499999999")
