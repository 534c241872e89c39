"""Saturated outputs: losses and error signals evaluated in stable forms, checked against 50-digit mpmath.

-log(1 - sigmoid(31)) computed naively in float64 is 31.0532 instead of 31.0000000000000344
(NOTES.md); softmax of net inputs near 800 overflows.
"""

import mpmath
import pytest

from derive import parse_spec, solve

mpmath.mp.dps = 50


def sigmoid(z):
    return 1 / (1 + mpmath.e ** (-z))


@pytest.mark.parametrize("z, t", [(31.0, 0.0), (31.0, 1.0), (-40.0, 1.0), (45.0, 0.3), (2.0, 0.25)])
def test_bce_with_sigmoid_output(z, t):
    spec = parse_spec({"layers": [1, 1], "activation": "sigmoid", "loss": "bce", "weights": [[[z]]],
                       "learning_rate": 0.1, "input": [1], "target": [t]})
    s = solve(spec)
    o = sigmoid(mpmath.mpf(z))
    loss = -(t * mpmath.log(o) + (1 - t) * mpmath.log(1 - o))
    assert s.value("E") == pytest.approx(float(loss), rel=1e-14)
    assert s.value("delta[1,1]") == pytest.approx(float(o - t), rel=1e-12, abs=1e-15)
    assert s.value("dE/dw[1,1,1]") == pytest.approx(float(o - t), rel=1e-12, abs=1e-15)


def test_softmax_cross_entropy_with_huge_net_inputs():
    spec = parse_spec({"layers": [1, 3], "activation": "softmax", "loss": "cce",
                       "weights": [[[800.0], [-800.0], [799.0]]], "learning_rate": 0.1, "input": [1],
                       "target": [0, 1, 0]})
    s = solve(spec)
    nets = [mpmath.mpf(800), mpmath.mpf(-800), mpmath.mpf(799)]
    log_total = mpmath.log(sum(mpmath.e ** n for n in nets))
    assert s.value("E") == pytest.approx(float(log_total - nets[1]), rel=1e-14)
    outs = [mpmath.e ** (n - log_total) for n in nets]
    for k, out in enumerate(outs, start=1):
        assert s.value(f"out[1,{k}]") == pytest.approx(float(out), rel=1e-12, abs=1e-300)
        assert s.value(f"delta[1,{k}]") == pytest.approx(float(out - [0, 1, 0][k - 1]), rel=1e-12, abs=1e-15)


def test_exact_mode_agrees_on_a_saturated_bce():
    spec = parse_spec({"layers": [1, 1], "activation": "sigmoid", "loss": "bce", "weights": [[[31]]],
                       "learning_rate": 0.1, "input": [1], "target": [0]})
    assert solve(spec, exact=True).value("E") == pytest.approx(31.0000000000000344, rel=1e-15)
