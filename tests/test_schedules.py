"""Learning-rate schedules as published material writes them, checked against numbers worked by hand.

The network is y = w x (one linear neuron, no bias), one example x = 1, t = 1, half_sse, w_0 = 0:
the gradient is (w - 1), so w_{k+1} = w_k - eta_k (w_k - 1).
"""

from __future__ import annotations

import json

import pytest

from derive import parse_spec
from derive.core.errors import InputError
from derive.core.schedules import learning_rate_schedule
from derive.core.training import train
from tests.support.cli import run_cli


def by_hand(rates):
    w, out = 0.0, [0.0]
    for rate in rates:
        w = w - rate * (w - 1.0)
        out.append(w)
    return out


def spec(schedule, epochs, **more):
    return {"layers": [1, 1], "activation": "linear", "loss": "half_sse", "weights": [[[0.0]]],
            "lr_schedule": schedule, "data": [{"input": [1.0], "target": [1.0]}], "epochs": epochs, **more}


@pytest.mark.parametrize("schedule, rates", [
    ("0.5/(1+t)", [0.5, 0.25, 1 / 6, 0.125]),                              # 1/t decay
    ("5/(t+50)", [5 / 50, 5 / 51, 5 / 52, 5 / 53]),                        # the example
    ("0.5*0.1**floor(t/2)", [0.5, 0.5, 0.05, 0.05]),                       # PyTorch's StepLR, step_size 2
    ("0.4*min(1, (t+1)/3)", [0.4 / 3, 0.8 / 3, 0.4, 0.4]),                 # a linear warm-up (LinearLR)
    ("max(0.1, 0.5 - 0.2*t)", [0.5, 0.3, 0.1, 0.1]),                       # a decay down to a floor
])
def test_scheduled_training_follows_the_hand_calculation(schedule, rates):
    run = train(parse_spec(spec(schedule, len(rates)), source="net.yaml"))
    assert run.epoch_parameters[:, 0].tolist() == pytest.approx(by_hand(rates), rel=1e-13, abs=1e-15)


def test_the_sheet_states_the_schedule_and_each_steps_rate(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(json.dumps(spec("0.5/(1+t)", 3)))
    run_cli(["solve", str(path), "--format", "md,tex,json", "--out", str(tmp_path / "out")])
    sheet = (tmp_path / "out" / "solution.md").read_text()
    assert "The learning rate follows the schedule" in sheet and "with $t = 0$ at the first update" in sheet
    assert "0.625 - 0.166666667 \\cdot \\left(-0.375\\right) = 0.6875" in sheet          # step 3, eta_2 = 1/6
    # the given numbers list the schedule, and the rate of the first update: 0.5/(1 + 0)
    assert "- Learning rate: $\\eta_t = \\frac{1}{2} \\frac{1}{1 + t}, \\quad \\eta_0 = 0.5$" in sheet
    document = json.loads((tmp_path / "out" / "solution.json").read_text())
    assert document["spec"]["lr_schedule"] == "0.5/(1+t)" and document["spec"]["learning_rate"] == 0.5


@pytest.mark.parametrize("changes, words", [
    ({"lr_schedule": "0.5 - 0.2*t"}, "positive learning rate"),             # 0.5, 0.3, 0.1, -0.1 at t = 3
    ({"lr_schedule": "0.5/(1+s)"}, "lr_schedule: position 8"),
    ({"lr_schedule": 0.5}, "a formula in t as text"),
    ({"lr_schedule": "0.5/(1+t)", "learning_rate": 0.1}, "learning_rate"),
    ({"momentum_schedule": "0.5 + t/4"}, "0 <= beta < 1 at every t"),        # 1.25 at t = 3
    ({"momentum_schedule": "0.5", "momentum": 0.5}, "either momentum or momentum_schedule"),
    ({"momentum_schedule": 0.5}, "momentum_schedule: expected a formula in t as text"),
])
def test_bad_schedules_are_refused_naming_the_field(changes, words):
    with pytest.raises(InputError) as caught:
        parse_spec({**spec("0.5/(1+t)", 4), **changes}, source="net.yaml")
    message = str(caught.value)
    assert message.startswith("net.yaml: ") and words in message and "\n" not in message


def test_schedule_functions_parse_as_mathematics():
    expression, rate = learning_rate_schedule("0.05*0.1**floor(t/30)")
    assert [rate(t) for t in (0, 29, 30, 60)] == pytest.approx([0.05, 0.05, 0.005, 0.0005])
    with pytest.raises(InputError, match="at least two arguments for min"):
        learning_rate_schedule("min(t)")


def test_a_momentum_schedule_trains_as_by_hand_and_the_sheet_shows_each_beta(tmp_path):
    # w from 0, target 1, input 1, half SSE: g = w - 1; beta_t = min(0.9, t/2) = 0, 0.5, 0.9; eta 0.5:
    # v1 = 0 - 0.5(-1) = 0.5, w1 = 0.5; v2 = 0.5*0.5 - 0.5(-0.5) = 0.5, w2 = 1; v3 = 0.9*0.5 - 0 = 0.45, w3 = 1.45
    data = {**spec("0.5", 3), "learning_rate": 0.5, "momentum_schedule": "min(0.9, t/2)"}
    del data["lr_schedule"]
    run = train(parse_spec(data, source="net.yaml"))
    assert run.epoch_parameters[:, 0].tolist() == pytest.approx([0, 0.5, 1.0, 1.45], abs=1e-15)
    path = tmp_path / "net.yaml"
    path.write_text(json.dumps(data))
    run_cli(["solve", str(path), "--format", "md,json", "--out", str(tmp_path / "out")])
    sheet = (tmp_path / "out" / "solution.md").read_text()
    assert "with the momentum schedule $\\beta_t = " in sheet
    assert "with $\\beta = 0.9$ and $\\eta = 0.5$" in sheet and "= 0.9 \\cdot 0.5 - 0.5 \\cdot 0 = 0.45" in sheet
    document = json.loads((tmp_path / "out" / "solution.json").read_text())
    assert document["spec"]["momentum_schedule"] == "min(0.9, t/2)"
