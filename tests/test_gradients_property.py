"""Property tests: derive's step graph against an independent NumPy backprop and
against central finite differences, on random small networks under every
convention (activations, losses, bias/threshold layouts, trained or frozen
biases, hidden_uses old/new).

The reference (tests/reference.py) never imports derive; the spec dictionary
is the only thing the two share.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from derive import parse_spec, solve
from tests.reference import Network, backprop, finite_difference_gradients, forward, loss_value, result_values

ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
LOSSES = ["half_sse", "sse", "mse", "bce", "cce"]
#: derive crashes (KeyError in build_graph) when the first hidden layer has one neuron and
#: the input layer more than one; the draws avoid that shape until the xfail below passes.
AVOID_KNOWN_CRASH = False
KINK = 1e-4          # |net| below this at a relu/leaky_relu neuron: rejected (derivative undefined nearby)

unit = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


#: Two-decimal numbers, as a textbook writes them (what --exact is for).
decimal2 = st.integers(-100, 100).map(lambda k: k / 100)


@st.composite
def specs(draw, unit=unit, probability=st.floats(0.0, 1.0, allow_subnormal=False)):
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    if AVOID_KNOWN_CRASH and len(sizes) > 2 and sizes[1] == 1 and sizes[0] > 1:
        sizes[1] = 2  # see test_single_neuron_first_hidden_layer_with_two_inputs (xfail)
    depth = len(sizes) - 1
    n_out = sizes[-1]
    loss = draw(st.sampled_from(LOSSES))
    hidden = [draw(st.sampled_from(ELEMENTWISE)) for _ in range(depth - 1)]
    if loss == "cce":     # the losses and output activations that fit (spec.py refuses the others)
        n_out = sizes[-1] = max(n_out, 2)
        output = "softmax"
    elif loss == "bce":
        output = draw(st.sampled_from(["softmax", "sigmoid"] if n_out > 1 else ["sigmoid"]))
    else:
        output = draw(st.sampled_from(ELEMENTWISE + (["softmax"] if n_out > 1 else [])))
    activations = hidden + [output]
    activation = activations[0] if len(set(activations)) == 1 and draw(st.booleans()) else activations

    weights = [[[draw(unit) for _ in range(sizes[l - 1])] for _ in range(sizes[l])] for l in range(1, depth + 1)]
    spec = {"layers": sizes, "activation": activation, "loss": loss, "weights": weights,
            "learning_rate": draw(st.sampled_from([0.05, 0.5, 1.0])),
            "hidden_uses": draw(st.sampled_from(["old", "new"])),
            "input": [draw(unit) for _ in range(sizes[0])]}

    bias_field = draw(st.sampled_from(["biases", "thresholds", "none"]))
    if bias_field != "none":
        entries = []
        for l in range(1, depth + 1):
            layout = draw(st.sampled_from(["shared", "neuron", "shared", "neuron", "absent"]))
            if layout == "shared":
                entries.append(draw(unit))
            elif layout == "neuron":
                entries.append([draw(unit) for _ in range(sizes[l])])
            else:
                entries.append(None)
        spec[bias_field] = entries
        spec["train_biases"] = draw(st.booleans())
    if "leaky_relu" in activations and draw(st.booleans()):
        spec["leaky_slope"] = draw(st.sampled_from([0.01, 0.1, 0.3]))

    if loss == "cce":
        if draw(st.booleans()):
            hot = draw(st.integers(0, n_out - 1))
            target = [1.0 if k == hot else 0.0 for k in range(n_out)]
        else:  # a probability vector of quarters/thirds: sums to 1 up to rounding
            counts = [draw(st.integers(0, 3)) for _ in range(n_out)]
            if sum(counts) == 0:
                counts[0] = 1
            target = [c / sum(counts) for c in counts]
    elif loss == "bce":
        target = [draw(probability) for _ in range(n_out)]
    else:
        target = [draw(unit) for _ in range(n_out)]
    spec["target"] = target
    return spec


def _reject_kinks(net: Network):
    zs, _ = forward(net)
    for z, act in zip(zs, net.activations):
        if act in ("relu", "leaky_relu"):
            assume(bool(np.all(np.abs(z) >= KINK)))


def _derive_values(spec: dict) -> dict[str, float]:
    solution = solve(parse_spec(spec, source="<property>"))
    return {str(k): v for k, v in solution.values.items()}


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# Kinds the reference computes; every one of them must be in derive with the same key set.
CORE_KINDS = ("net", "out", "E", "dE/dout", "delta", "dE/dw", "dE/db", "dE/dtheta", "w_new", "b_new", "theta_new")


def _kind(key: str) -> str:
    return key.split("[")[0]


def _compare_with_reference(spec: dict, got: dict[str, float]) -> None:
    net = Network.from_spec(spec)
    expected = result_values(net, backprop(net))
    for kind in CORE_KINDS:
        want = {k for k in expected if _kind(k) == kind}
        have = {k for k in got if _kind(k) == kind}
        assert have == want, f"{kind}: derive has {sorted(have - want)} extra, lacks {sorted(want - have)}"
    mismatches = []
    for key, value in expected.items():
        if _kind(key) == "dout/dnet":
            # softmax diagonals are named dout/dnet[L,k] by derive (see test_softmax_jacobian_keys_are_all_three_index)
            index = key[key.index("[") + 1:-1].split(",")
            if key not in got and len(index) == 3 and index[1] == index[2]:
                key = f"dout/dnet[{index[0]},{index[1]}]"
            assert key in got, f"derive has no {key}"
        if not _close(got[key], value, 1e-9, 1e-12):
            mismatches.append(f"{key}: derive {got[key]!r}, reference {value!r}")
    assert not mismatches, "\n".join(mismatches)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(specs())
def test_step_matches_reference_and_finite_differences(spec):
    net = Network.from_spec(spec)
    _reject_kinks(net)
    got = _derive_values(spec)

    # 1. The independent matrix backprop: every forward value, error, chain-rule factor,
    #    gradient and updated parameter.
    _compare_with_reference(spec, got)

    # 2. Frozen biases have neither gradients nor updates.
    if not spec.get("train_biases", True):
        assert not [k for k in got if _kind(k) in ("dE/db", "dE/dtheta", "b_new", "theta_new")]

    if spec["hidden_uses"] != "old":
        return  # with `new` the hidden gradients are a convention, not dE/dw

    # 3. Central finite differences of the loss (forward pass only).
    fd = finite_difference_gradients(net, h=1e-6)
    loss = abs(loss_value(net))
    bad = []
    for key, numeric in fd.items():
        if key not in got:
            assert not net.train_biases and _kind(key) in ("dE/db", "dE/dtheta"), f"derive has no {key}"
            continue
        # the rounding error of a central difference is about eps * |E| / h
        if not _close(got[key], numeric, 1e-6, 1e-9 * max(1.0, loss)):
            bad.append(f"{key}: derive {got[key]!r}, finite difference {numeric!r}")
    assert not bad, "\n".join(bad)

    # 4. One step with a small learning rate lowers the loss.
    small = dict(spec, learning_rate=1e-3)
    new = _derive_values(small)
    W_new = [np.array([[new[f"w_new[{l},{j},{i}]"] for i in range(1, net.sizes[l - 1] + 1)]
                       for j in range(1, net.sizes[l] + 1)]) for l in range(1, net.depth + 1)]
    beta_new = []
    for l, entry in enumerate(net.beta, start=1):
        name = net.bias_name
        if entry is None or not net.train_biases:
            beta_new.append(entry)
        elif isinstance(entry, np.ndarray):
            beta_new.append(np.array([new[f"{name}_new[{l},{j}]"] for j in range(1, len(entry) + 1)]))
        else:
            beta_new.append(new[f"{name}_new[{l}]"])
    before = loss_value(net)
    after = loss_value(net, W_new, beta_new)
    grads = [v for k, v in got.items() if _kind(k) in ("dE/dw", "dE/db", "dE/dtheta")]
    expected_drop = 1e-3 * sum(g * g for g in grads)
    if expected_drop > 1e-12 * max(1.0, before):
        assert after < before, f"loss went from {before!r} to {after!r} (expected drop ~{expected_drop:.3g})"
    else:
        assert after <= before + 1e-12 * max(1.0, before)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(specs(unit=decimal2, probability=decimal2.map(abs)))
def test_exact_mode_agrees_with_float(spec):
    """Exact (Rational) and float evaluation agree.  Numbers are drawn with two decimals:
    arbitrary floats such as 1e-09 run into test_exact_mode_keeps_small_differences (xfail)."""
    net = Network.from_spec(spec)
    _reject_kinks(net)
    parsed = parse_spec(spec, source="<property>")
    floats, exact = solve(parsed).values, solve(parsed, exact=True).values
    assert set(floats) == set(exact)
    bad = [f"{k}: float {v!r}, exact {exact[k]!r}" for k, v in floats.items()
           if not _close(exact[k], v, 1e-9, 1e-12)]
    assert not bad, "\n".join(bad)


# --------------------------------------------------------------------------- fixed cases

SOFTMAX_SPEC = {"layers": [2, 3], "activation": "softmax", "loss": "cce",
                "weights": [[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]], "biases": [[0.1, 0.0, -0.1]],
                "learning_rate": 0.5, "input": [0.5, -1.0], "target": [0.0, 1.0, 0.0]}


def test_softmax_cross_entropy_delta_is_output_minus_target():
    got = _derive_values(SOFTMAX_SPEC)
    for k, t in enumerate(SOFTMAX_SPEC["target"], start=1):
        assert got[f"delta[1,{k}]"] == pytest.approx(got[f"out[1,{k}]"] - t, rel=1e-12, abs=1e-14)


def test_softmax_jacobian_keys_are_all_three_index():
    got = _derive_values(SOFTMAX_SPEC)
    expected = {f"dout/dnet[1,{k},{j}]" for k in range(1, 4) for j in range(1, 4)}
    assert expected <= set(got)


def test_thresholds_enter_with_a_minus_sign():
    spec = {"layers": [1, 1], "activation": "linear", "loss": "half_sse", "weights": [[[2.0]]],
            "thresholds": [0.5], "learning_rate": 0.1, "input": [1.0], "target": [0.0]}
    got = _derive_values(spec)
    assert got["net[1,1]"] == 1.5                     # 2 * 1 - 0.5
    assert got["dE/dtheta[1]"] == pytest.approx(-1.5)  # dE/dnet = 1.5, dnet/dtheta = -1
    assert got["theta_new[1]"] == pytest.approx(0.5 + 0.1 * 1.5)


def test_shared_bias_gradient_is_the_sum_over_its_neurons():
    spec = {"layers": [1, 2], "activation": "linear", "loss": "half_sse", "weights": [[[1.0], [2.0]]],
            "biases": [0.25], "learning_rate": 0.1, "input": [1.0], "target": [0.0, 1.0]}
    got = _derive_values(spec)
    assert got["dE/db[1]"] == pytest.approx(got["delta[1,1]"] + got["delta[1,2]"], rel=1e-14)
    assert got["dE/db[1]"] == pytest.approx(1.25 + 1.25)


def test_relu_derivative_is_zero_at_zero():
    spec = {"layers": [1, 1, 1], "activation": ["relu", "linear"], "loss": "half_sse",
            "weights": [[[1.0]], [[1.0]]], "biases": [-0.5, 0.0], "train_biases": False,
            "learning_rate": 0.1, "input": [0.5], "target": [1.0]}
    got = _derive_values(spec)
    assert got["net[1,1]"] == 0.0
    assert got["dout/dnet[1,1]"] == 0.0
    assert got["dE/dw[1,1,1]"] == 0.0


def test_single_neuron_first_hidden_layer_with_two_inputs():
    spec = {"layers": [2, 1, 1], "activation": "sigmoid", "loss": "half_sse",
            "weights": [[[0.1, 0.2]], [[0.3]]], "learning_rate": 0.5,
            "input": [0.05, 0.1], "target": [0.5]}
    got = _derive_values(spec)
    _compare_with_reference(spec, got)
