"""Vanishing and exploding gradients: the product of local factors, checked by a plain loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from derive.core.vanishing import deep_chain
from tests.support.cli import json_of


def plain_chain(depth, weight, activation, x=1.0, width=1):
    """Independent forward/backward pass: returns dE/dz for layers 1..L, E = sum of outputs."""
    f = {"sigmoid": lambda z: 1 / (1 + math.exp(-z)), "tanh": math.tanh, "relu": lambda z: max(z, 0.0)}[activation]
    df = {"sigmoid": lambda z: f(z) * (1 - f(z)), "tanh": lambda z: 1 - math.tanh(z) ** 2,
          "relu": lambda z: 1.0 if z > 0 else 0.0}[activation]
    zs, a = [], x
    for _ in range(depth):
        zs.append(width * weight * a)
        a = f(zs[-1])
    deltas = [0.0] * depth
    deltas[-1] = df(zs[-1])
    for layer in range(depth - 2, -1, -1):
        deltas[layer] = df(zs[layer]) * width * weight * deltas[layer + 1]
    return deltas


@pytest.mark.parametrize("activation, weight", [("sigmoid", 0.5), ("tanh", 0.5), ("relu", 2.0), ("sigmoid", 5.0),
                                                ("tanh", 3.0)])
def test_error_signals_match_a_plain_computation(activation, weight):
    chain = deep_chain(10, activation, weight)
    assert [l.error_signal for l in chain.layers] == pytest.approx(plain_chain(10, weight, activation), rel=1e-12)


def test_sigmoid_with_w_half_vanishes_within_the_bound():
    data = json_of(["gradients", "--depth", "10", "--activation", "sigmoid", "--weight", "0.5"])
    deltas = [layer["delta"] for layer in data["layers"]]
    assert deltas == pytest.approx(plain_chain(10, 0.5, "sigmoid"), rel=1e-12)
    for layer in data["layers"]:   # |delta_l| <= (1/4)^(L-l+1) |w|^(L-l)
        assert abs(layer["delta"]) <= 0.25 ** (10 - layer["layer"] + 1) * 0.5 ** (10 - layer["layer"])
    assert data["verdict"] == "vanishing" and deltas[0] == pytest.approx(1.4522381450e-09, rel=1e-9)


def test_relu_with_large_weights_explodes_exactly_like_w_to_the_depth():
    chain = deep_chain(10, "relu", 2.0)
    assert [l.error_signal for l in chain.layers] == [2.0 ** (10 - l) for l in range(1, 11)]
    assert chain.verdict == "exploding"


def test_width_multiplies_each_factor():
    chain = deep_chain(6, "tanh", 0.3, width=3)
    assert [l.error_signal for l in chain.layers] == pytest.approx(plain_chain(6, 0.3, "tanh", width=3), rel=1e-12)


def test_weight_gradient_is_delta_times_the_input_of_the_layer():
    chain = deep_chain(4, "sigmoid", 0.5)
    inputs = [1.0] + [l.activation_output for l in chain.layers[:-1]]
    assert [l.weight_gradient for l in chain.layers] == pytest.approx(
        [l.error_signal * a for l, a in zip(chain.layers, inputs)])


@pytest.mark.parametrize("activation, slope", [("leaky_relu", lambda z: 1.0 if z > 0 else 0.01),
                                               ("linear", lambda z: 1.0)])
def test_every_activation_of_derive_solve_makes_a_chain(activation, slope):
    # z alternates sign (w = -1.5), so leaky_relu uses both of its slopes.
    f = {"leaky_relu": lambda z: z if z > 0 else 0.01 * z, "linear": lambda z: z}[activation]
    zs, a = [], 0.8
    for _ in range(5):
        zs.append(-1.5 * a)
        a = f(zs[-1])
    expected = [slope(zs[-1])]
    for z in reversed(zs[:-1]):
        expected.insert(0, slope(z) * -1.5 * expected[0])
    chain = deep_chain(5, activation, -1.5, input_value=0.8)
    assert [l.error_signal for l in chain.layers] == pytest.approx(expected, rel=1e-12)
    assert chain.activation.largest_derivative == 1.0


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_known_largest_derivative_agrees_with_sympys_maximum(name):
    import sympy
    from sympy.calculus.util import maximum

    from derive.core.functions import ACTIVATIONS
    from derive.core.vanishing import KNOWN_LARGEST, OUT, Z, local_derivative

    activation = ACTIVATIONS[name]
    derivative = local_derivative(activation).subs(OUT, activation.formula(Z))
    assert maximum(derivative, Z, sympy.S.Reals) == KNOWN_LARGEST[name]


def test_saturated_sigmoid_gives_zero_not_an_overflow():
    chain = deep_chain(3, "sigmoid", 1.0, bias=-1000.0)
    assert [l.activation_output for l in chain.layers] == [0.0, 0.0, 0.0]
    assert chain.verdict == "vanishing"


def test_the_sheet_prints_the_activation_from_the_registry():
    data = json_of(["gradients", "--depth", "3", "--activation", "leaky_relu", "--weight", "2"])
    assert data["activation"] == "leaky_relu" and [l["delta"] for l in data["layers"]] == [4.0, 2.0, 1.0]
    from derive.core.vanishing import chain_activation
    from derive.sheets.optimize import activation_latex

    printed = activation_latex(chain_activation("sigmoid"))
    # in the net input, as the backpropagation sheets write it
    assert printed["formula"] == r"\sigma{\left(\mathit{net} \right)} = \frac{1}{1 + e^{- \mathit{net}}}"
    assert printed["largest"] == r"\frac{1}{4}"


# --- the chain as a network of the step graph ------------------------------------------------

NUMPY_ACTIVATIONS = {   # phi and phi' written out with NumPy, independently of functions.ACTIVATIONS
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: 1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z)))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: np.where(z > 0, 1.0, 0.0)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
}


def numpy_network(depth, activation, weight, width, bias, x):
    """A real width-wide network, by plain NumPy backprop: every weight matrix full of ``weight``,
    the input x given to each of ``width`` input neurons, E = sum of the outputs.  Returns
    (net, out, delta, dE/dW) per layer as arrays over the neurons."""
    f, df = NUMPY_ACTIVATIONS[activation]
    outs, nets = [np.full(width, x, dtype=float)], []
    matrix = np.full((width, width), weight)
    for _ in range(depth):
        nets.append(matrix @ outs[-1] + bias)
        outs.append(f(nets[-1]))
    deltas = [None] * depth
    deltas[-1] = df(nets[-1]) * np.ones(width)          # dE/dout_L = 1 for every output
    for l in range(depth - 2, -1, -1):
        deltas[l] = df(nets[l]) * (matrix.T @ deltas[l + 1])
    gradients = [np.outer(deltas[l], outs[l]) for l in range(depth)]
    return nets, outs[1:], deltas, gradients


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("depth, weight, bias, x", [(200, 0.5, 0.0, 1.0), (50, -1.0, 0.3, -2.0), (10, 2.0, 0.3, 1.0)])
def test_deltas_of_the_step_graph_match_a_plain_numpy_loop(activation, depth, weight, bias, x):
    nets, outs, deltas, gradients = numpy_network(depth, activation, weight, 1, bias, x)
    chain = deep_chain(depth, activation, weight, bias=bias, input_value=x)
    assert [l.net_input for l in chain.layers] == pytest.approx([n[0] for n in nets], rel=1e-13)
    assert [l.activation_output for l in chain.layers] == pytest.approx([o[0] for o in outs], rel=1e-13)
    assert [l.error_signal for l in chain.layers] == pytest.approx([d[0] for d in deltas], rel=1e-12, abs=1e-300)
    assert [l.weight_gradient for l in chain.layers] == pytest.approx([g[0, 0] for g in gradients], rel=1e-12,
                                                                      abs=1e-300)


@pytest.mark.parametrize("activation, width, weight", [("tanh", 3, 0.3), ("sigmoid", 3, 2.0), ("relu", 1000, 0.0011),
                                                       ("leaky_relu", 1000, -0.0009), ("linear", 1000, 0.0012)])
def test_a_wide_chain_is_the_one_neuron_chain_with_gain_width_times_w(activation, width, weight):
    """Every neuron of a real width-wide network carries the numbers of the chain's one neuron."""
    nets, outs, deltas, gradients = numpy_network(6, activation, weight, width, 0.3, -1.5)
    chain = deep_chain(6, activation, weight, width=width, bias=0.3, input_value=-1.5)
    for layer, net, out, delta, gradient in zip(chain.layers, nets, outs, deltas, gradients):
        np.testing.assert_allclose(net, layer.net_input, rtol=1e-12)
        np.testing.assert_allclose(out, layer.activation_output, rtol=1e-12)
        np.testing.assert_allclose(delta, layer.error_signal, rtol=1e-11)
        np.testing.assert_allclose(gradient, layer.weight_gradient, rtol=1e-11)
        assert layer.local_factor == layer.local_derivative * (width * weight if layer.index < 6 else 1)


def test_the_chain_is_a_one_neuron_per_layer_network_with_the_loss_sum():
    from derive.core.vanishing import chain_network

    network = chain_network(3, "tanh", 1.5, 0.3, -2.0)
    assert network.architecture.layers == (1, 1, 1, 1) and network.architecture.loss == "sum"
    assert network.weights == (((1.5,),),) * 3 and network.biases == (0.3,) * 3


def test_the_loss_sum_is_the_sum_of_the_outputs_and_internal():
    import sympy

    from derive.core.errors import InputError
    from derive.core.functions import INTERNAL_LOSSES, LOSSES, get_loss
    from derive.core.spec import parse_spec

    t, o = sympy.symbols("t o", real=True)
    loss = get_loss("sum")
    assert loss.term(t, o, 2) == o and loss.derivative(t, o, 2) == sympy.diff(loss.term(t, o, 2), o) == 1
    assert "sum" in INTERNAL_LOSSES and "sum" not in LOSSES   # a spec may not name it: it has no target
    with pytest.raises(InputError, match="loss"):
        parse_spec({"layers": [1, 1], "activation": "linear", "loss": "sum", "weights": [[[2]]],
                    "learning_rate": 0.1, "input": [1], "target": [0]})


def test_the_widest_deepest_chain_has_a_finite_bound_where_the_bound_is_finite():
    # 50^199 alone overflows a float; (1/4)^200 * 50^199 = 12.5^199 / 4 does not.
    chain = deep_chain(200, "sigmoid", 0.05, width=1000)
    assert chain.layers[0].bound == pytest.approx(12.5 ** 199 / 4, rel=1e-12)
    assert deep_chain(200, "relu", 2.0, width=1000).layers[0].bound == math.inf   # 2000^199 is beyond floats
