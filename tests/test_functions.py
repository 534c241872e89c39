"""Each activation's and loss's closed-form derivative agrees with sympy.diff of its formula."""

import random

import pytest
import sympy

from derive.core.functions import ACTIVATIONS, LOSSES, get_activation

x = sympy.Symbol("x", real=True)
out = sympy.Symbol("out", real=True)


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if not a.layerwise])
def test_activation_closed_form_matches_diff(name):
    activation = get_activation(name, 0.05)
    formula = activation.formula(x)
    closed = activation.derivative(out, x)
    fallback = sympy.diff(formula, x)
    for point in (-1.7, -0.3, 0.4, 2.2):  # away from relu's kink at 0
        closed_value = closed.subs({out: formula.subs(x, point), x: point})
        assert float(closed_value) == pytest.approx(float(fallback.subs(x, point)), rel=1e-12, abs=1e-15)


def test_relu_derivative_at_zero_is_zero_like_pytorch():
    assert get_activation("relu").derivative(out, x).subs(x, 0) == 0


def test_softmax_jacobian_matches_diff():
    nets = sympy.symbols("n1:4", real=True)
    softmax = ACTIVATIONS["softmax"]
    outs = [softmax.formula(list(nets), k) for k in range(3)]
    point = {nets[0]: 0.3, nets[1]: -1.2, nets[2]: 0.8}
    for k in range(3):
        for j in range(3):
            closed = softmax.derivative(outs, k, j).subs(point)
            assert float(closed) == pytest.approx(float(sympy.diff(outs[k], nets[j]).subs(point)), rel=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_closed_form_matches_diff(name):
    loss = LOSSES[name]
    t = sympy.Symbol("t", real=True)
    rng = random.Random(1)
    for _ in range(5):
        point = {t: rng.uniform(0.05, 0.95), out: rng.uniform(0.05, 0.95)}
        closed = loss.derivative(t, out, 3)
        fallback = sympy.diff(loss.term(t, out, 3), out)
        assert float(closed.subs(point)) == pytest.approx(float(fallback.subs(point)), rel=1e-12)
