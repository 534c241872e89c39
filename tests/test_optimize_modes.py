"""SGD vs mini-batch vs batch gradient descent on a small linear regression."""

from __future__ import annotations

import numpy
import pytest

from derive.core.batching import LECTURE_DATA, compare_modes, least_squares
from tests.support.cli import json_of


def plain_training(data, order_of_epoch, size, rate, epochs):
    """Independent loop: mean gradient of 1/2 (w x + b - y)^2 over each batch."""
    w = b = 0.0
    for epoch in range(epochs):
        order = order_of_epoch(epoch)
        for start in range(0, len(data), size):
            batch = [data[i] for i in order[start:start + size]]
            gw = sum((w * x + b - y) * x for x, y in batch) / len(batch)
            gb = sum((w * x + b - y) for x, y in batch) / len(batch)
            w, b = w - rate * gw, b - rate * gb
    return w, b


def test_updates_per_epoch_and_totals():
    data = json_of(["modes", "--epochs", "3", "--batch-size", "3"])
    counts = {m["mode"]: (m["batch_size"], m["updates_per_epoch"], len(m["updates"])) for m in data["modes"]}
    assert counts == {"sgd": (1, 8, 24), "minibatch": (3, 3, 9), "batch": (8, 1, 3)}


def test_batch_mode_matches_a_plain_loop():
    result = compare_modes(epochs=15, learning_rate=0.1, shuffle=False)
    batch = result.trainings[2].updates[-1]
    assert (batch.weight, batch.bias) == pytest.approx(
        plain_training(LECTURE_DATA, lambda e: list(range(8)), 8, 0.1, 15), rel=1e-12)


def test_shuffled_modes_match_a_plain_loop_with_the_same_seed():
    # Deliberately changed when `modes` moved onto the network training engine: it shuffles like a
    # spec's shuffle_seed, epoch e (from 1) in the order numpy.random.default_rng([seed, e]).permutation
    # gives, instead of one default_rng(seed) drawing a permutation per epoch in turn.
    result = compare_modes(epochs=5, learning_rate=0.1, batch_size=4, seed=3)
    for training, size in zip(result.trainings[:2], (1, 4)):
        orders = [list(numpy.random.default_rng([3, epoch]).permutation(8)) for epoch in range(1, 6)]
        last = training.updates[-1]
        assert (last.weight, last.bias) == pytest.approx(
            plain_training(LECTURE_DATA, lambda e: orders[e], size, 0.1, 5), rel=1e-12)


def test_all_modes_approach_the_least_squares_line():
    result = compare_modes(epochs=200, learning_rate=0.05, batch_size=4)
    w_star, b_star = least_squares(LECTURE_DATA)
    x = numpy.array([p[0] for p in LECTURE_DATA])
    y = numpy.array([p[1] for p in LECTURE_DATA])
    assert (w_star, b_star) == pytest.approx(tuple(numpy.polyfit(x, y, 1)), rel=1e-12)
    fast = compare_modes(epochs=300, learning_rate=0.3, batch_size=4)   # batch is stable for lr < 2/L = 0.39
    batch = fast.trainings[2].updates[-1]
    assert (batch.weight, batch.bias) == pytest.approx((w_star, b_star), abs=1e-8)
    for training in result.trainings[:2]:   # SGD and mini-batch wander near it
        assert training.updates[-1].loss < 1.5 * result.least_squares_loss + 0.01


def test_first_sgd_update_by_hand():
    data = json_of(["modes", "--data", "1:2,2:3", "--lr", "0.1", "--epochs", "1", "--no-shuffle"])
    sgd = data["modes"][0]["updates"]
    # example 1: residual 0*1 + 0 - 2 = -2, grad = (-2, -2), w = b = 0.2
    assert sgd[0]["grad"] == [-2.0, -2.0] and (sgd[0]["w"], sgd[0]["b"]) == pytest.approx((0.2, 0.2))
    # example 2 at (0.2, 0.2): residual 0.4 + 0.2 - 3 = -2.4, grad = (-4.8, -2.4)
    assert sgd[1]["grad"] == pytest.approx([-4.8, -2.4]) and sgd[1]["w"] == pytest.approx(0.68)


def test_every_update_matches_a_plain_loop_and_batch_mode_keeps_the_order():
    result = compare_modes(epochs=3, learning_rate=0.1, batch_size=3, seed=5)
    for training in result.trainings:
        w = b = 0.0
        for update in training.updates:
            if training.mode == "batch":
                assert update.batch == tuple(range(8))
            points = [LECTURE_DATA[i] for i in update.batch]
            gw = sum((w * x + b - y) * x for x, y in points) / len(points)
            gb = sum((w * x + b - y) for x, y in points) / len(points)
            w, b = w - 0.1 * gw, b - 0.1 * gb
            loss = sum((w * x + b - y) ** 2 for x, y in LECTURE_DATA) / 16
            assert (*update.gradient, update.weight, update.bias, update.loss) == pytest.approx(
                (gw, gb, w, b, loss), rel=1e-12)


def test_the_published_default_run_matches_a_plain_loop():
    # `derive modes` with its defaults (lr 0.1, 20 epochs, batch size 4, seed 0): the numbers in docs/optimize.md.
    data = json_of(["modes"])
    orders = [list(numpy.random.default_rng([0, epoch]).permutation(8)) for epoch in range(1, 21)]
    for mode, size in (("sgd", 1), ("minibatch", 4)):
        last = next(m for m in data["modes"] if m["mode"] == mode)["updates"][-1]
        assert (last["w"], last["b"]) == pytest.approx(
            plain_training(LECTURE_DATA, lambda e: orders[e], size, 0.1, 20), rel=1e-12)
    sgd = next(m for m in data["modes"] if m["mode"] == "sgd")["updates"][-1]
    assert (round(sgd["w"], 9), round(sgd["b"], 9)) == (2.013555437, 1.00897687)


def test_modes_and_a_spec_with_the_same_data_train_alike():
    from derive import parse_spec
    from derive.core.keys import Key
    from derive.core.training import train

    spec = parse_spec({"layers": [1, 1], "activation": "linear", "loss": "half_sse", "weights": [[[0.0]]],
                       "biases": [0.0], "learning_rate": 0.1, "mode": "minibatch", "batch_size": 3, "epochs": 4,
                       "shuffle_seed": 2, "data": [{"input": [x], "target": [y]} for x, y in LECTURE_DATA]})
    run = train(spec, record="all")
    modes = compare_modes(epochs=4, batch_size=3, seed=2).trainings[1]
    assert [u.batch for u in modes.updates] == [s.examples for s in run.steps]
    assert [(u.weight, u.bias) for u in modes.updates] == [
        (s.parameters_after[Key("w", (1, 1, 1))], s.parameters_after[Key("b", (1,))]) for s in run.steps]
