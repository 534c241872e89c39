"""SGD vs batch vs mini-batch gradient descent on a small linear regression.

The model y_hat = w*x + b is the network with one input, one linear output
neuron and a trained bias, with the loss of one example 1/2 (y_hat - y)^2
(``half_sse``); it is trained by derive.core.training, the engine of
``derive solve``: an update uses the *mean* gradient over its batch (one
example for SGD, all of them for batch, ``batch_size`` for mini-batch).  The
training loss shown is the mean loss over the whole data set after each
update.  SGD and mini-batch shuffle every epoch like a spec's
``shuffle_seed``: epoch e's order is drawn from
``numpy.random.default_rng([seed, e])``; batch mode keeps the data's order.

>>> result = compare_modes(epochs=1, learning_rate=0.1, batch_size=4, seed=0)
>>> [(t.mode, t.updates_per_epoch) for t in result.trainings]
[('sgd', 8), ('minibatch', 2), ('batch', 1)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from derive.core.errors import InputError
from derive.core.keys import Key
from derive.core.spec import NetworkSpec, parse_spec
from derive.core.training import losses_at, train as train_network

__all__ = ["LECTURE_DATA", "Update", "Training", "ModeComparison", "compare_modes", "parse_data", "data_loss"]

#: Eight points near y = 2x + 1 (fixed noise, so that every sheet shows the same numbers).
LECTURE_DATA = ((0.0, 1.1), (0.5, 1.8), (1.0, 3.15), (1.5, 4.05), (2.0, 4.9), (2.5, 6.2), (3.0, 6.85), (3.5, 8.0))


@dataclass(frozen=True)
class Update:
    epoch: int                      # 1-based
    number: int                     # 1-based count of updates so far
    batch: tuple[int, ...]          # 0-based indices of the examples used
    gradient: tuple[float, float]   # mean (dL/dw, dL/db) over the batch, at the old parameters
    weight: float                   # w after the update
    bias: float                     # b after the update
    loss: float                     # mean loss over all data after the update


@dataclass(frozen=True)
class Training:
    mode: str                       # sgd | minibatch | batch
    batch_size: int
    updates_per_epoch: int
    updates: tuple[Update, ...]
    initial_loss: float


@dataclass(frozen=True)
class ModeComparison:
    data: tuple[tuple[float, float], ...]
    learning_rate: float
    epochs: int
    seed: int
    shuffle: bool
    initial: tuple[float, float]
    trainings: tuple[Training, ...]
    least_squares: tuple[float, float]    # the exact minimiser (w*, b*)
    least_squares_loss: float


def parse_data(text: str) -> tuple[tuple[float, float], ...]:
    """``"0:1.1, 1:3"`` -> ((0.0, 1.1), (1.0, 3.0)).

    >>> parse_data("0:1, 2:5")
    ((0.0, 1.0), (2.0, 5.0))
    """
    pairs = []
    for number, item in enumerate(p for p in text.split(",") if p.strip()):
        try:
            x, y = (float(v) for v in item.split(":"))
        except ValueError:
            raise InputError("--data", f"pair {number + 1}", "x:y with two numbers", got=repr(item.strip())) from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise InputError("--data", f"pair {number + 1}", "finite numbers", got=repr(item.strip()))
        pairs.append((x, y))
    if len(pairs) < 2 or len({x for x, _ in pairs}) < 2:
        raise InputError("--data", "", "at least two pairs x:y with different x", got=repr(text))
    return tuple(pairs)


def data_loss(data, weight: float, bias: float) -> float:
    """Mean over the data of 1/2 (w x + b - y)^2 (the least-squares line's loss on the sheet)."""
    return sum((weight * x + bias - y) ** 2 for x, y in data) / (2 * len(data))


WEIGHT, BIAS = Key("w", (1, 1, 1)), Key("b", (1,))


def linear_spec(data, mode, batch_size, learning_rate, epochs, seed, shuffle, initial=(0.0, 0.0)) -> NetworkSpec:
    """y = w x + b as a network spec: layers [1, 1], linear, half_sse, one trained bias."""
    return parse_spec({
        "title": "Linear regression y = w*x + b", "layers": [1, 1], "activation": "linear", "loss": "half_sse",
        "weights": [[[initial[0]]]], "biases": [initial[1]], "learning_rate": learning_rate,
        "data": [{"input": [x], "target": [y]} for x, y in data], "mode": mode, "epochs": epochs,
        **({"batch_size": batch_size} if mode == "minibatch" else {}),
        # Shuffling a single batch changes nothing but the order of a sum: batch mode keeps the data's order.
        "shuffle_seed": seed if shuffle and mode != "batch" else None}, source="--data", name="modes")


def train(data, mode, batch_size, learning_rate, epochs, seed, shuffle, initial=(0.0, 0.0)) -> Training:
    """Run one mode for ``epochs`` passes over the data."""
    spec = linear_spec(data, mode, min(batch_size, len(data)), learning_rate, epochs, seed, shuffle, initial)
    run = train_network(spec, record="all")   # the sheet plots every update
    losses = losses_at(spec, [step.parameters_after for step in run.steps])
    updates = tuple(Update(step.epoch, step.step, step.examples, (step.gradients[WEIGHT], step.gradients[BIAS]),
                           step.parameters_after[WEIGHT], step.parameters_after[BIAS], loss)
                    for step, loss in zip(run.steps, losses))
    size = len(run.steps[0].examples)
    return Training(mode, size, math.ceil(len(data) / size), updates, run.initial_loss)


def least_squares(data) -> tuple[float, float]:
    """The exact minimiser: w* = cov(x, y) / var(x), b* = mean(y) - w* mean(x)."""
    n = len(data)
    mean_x, mean_y = sum(x for x, _ in data) / n, sum(y for _, y in data) / n
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in data)
    variance = sum((x - mean_x) ** 2 for x, _ in data)
    weight = covariance / variance
    return weight, mean_y - weight * mean_x


def compare_modes(data=LECTURE_DATA, learning_rate=0.1, epochs=20, batch_size=4, seed=0, shuffle=True,
                  initial=(0.0, 0.0)) -> ModeComparison:
    """Train the same model from the same start in the three modes."""
    if batch_size < 1:
        raise InputError("--batch-size", "", "a whole number >= 1", got=str(batch_size))
    batch_size = min(batch_size, len(data))   # a mini-batch cannot hold more than all the examples
    trainings = tuple(train(data, mode, batch_size, learning_rate, epochs, seed, shuffle, initial)
                      for mode in ("sgd", "minibatch", "batch"))
    best = least_squares(data)
    return ModeComparison(tuple(data), learning_rate, epochs, seed, shuffle, tuple(initial), trainings,
                          best, data_loss(data, *best))
