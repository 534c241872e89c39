"""Training beyond one step: SGD, batch and mini-batch gradient descent, with momentum.

Each update evaluates the same step graph at the current parameters for every
example of its batch, averages the gradients over the batch, and moves the
parameters: w <- w - eta * g, or with momentum beta: v <- beta v - eta g,
w <- w + v (CONTRACT §1).

>>> from derive.core.spec import parse_spec
>>> spec = parse_spec({"layers": [1, 1], "activation": "linear", "loss": "half_sse",
...     "weights": [[[0.5]]], "learning_rate": 0.1, "epochs": 2, "mode": "batch",
...     "data": [{"input": [1], "target": [1]}, {"input": [2], "target": [2]}]})
>>> run = train(spec)
>>> [round(s.parameters_after[Key.parse("w[1,1,1]")], 6) for s in run.steps]
[0.625, 0.71875]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derive.core.evaluate import evaluate_exact, evaluate_float, given_values
from derive.core.graph import build_graph
from derive.core.keys import Key
from derive.core.spec import NetworkSpec

__all__ = ["TrainingStep", "TrainingRun", "train", "batches"]


@dataclass(frozen=True)
class TrainingStep:
    epoch: int                          # from 1
    step: int                           # from 1, counted over the whole run
    examples: tuple[int, ...]           # indices into spec.examples (from 0)
    givens: tuple[dict[Key, float], ...]   # per example: its given numbers, at the parameters before the step
    values: tuple[dict[Key, float], ...]   # per example: every quantity of the step graph
    gradients: dict[Key, float]         # mean over the batch
    parameters_before: dict[Key, float]
    parameters_after: dict[Key, float]
    velocity: dict[Key, float]          # empty without momentum
    loss: float                         # mean total error over the batch, before the step


@dataclass(frozen=True)
class TrainingRun:
    spec: NetworkSpec
    steps: tuple[TrainingStep, ...]
    epoch_losses: tuple[float, ...]     # mean loss over all examples after each epoch
    initial_loss: float = float("nan")  # mean loss over all examples before training
    exact: bool = False                 # evaluated in exact arithmetic (then rounded to floats)

    @property
    def updates_per_epoch(self) -> int:
        return len(self.steps) // self.spec.epochs


def batches(spec: NetworkSpec, epoch: int) -> list[tuple[int, ...]]:
    """The batches of one epoch: shuffled (if shuffle_seed) then cut by mode."""
    order = np.arange(len(spec.examples))
    if spec.shuffle_seed is not None:
        # One generator per epoch, derived from the seed: the same spec gives the same order.
        order = np.random.default_rng([spec.shuffle_seed, epoch]).permutation(order)
    size = {"sgd": 1, "batch": len(order), "minibatch": spec.batch_size or 1}[spec.mode]
    return [tuple(int(i) for i in order[n:n + size]) for n in range(0, len(order), size)]


def _evaluate(graph, given: dict[Key, float], exact: bool) -> dict[Key, float]:
    if exact:
        return {k: float(v) for k, v in evaluate_exact(graph, given).items()}
    return evaluate_float(graph, given)


def train(spec: NetworkSpec, exact: bool = False) -> TrainingRun:
    """Run every epoch; keep every step's per-example numbers (the sheets print the ones they show)."""
    graph = build_graph(spec.architecture)
    given = given_values(spec)
    trainable = graph.trainable
    velocity: dict[Key, float] = {}
    steps, epoch_losses, number = [], [], 0
    initial_loss = _mean_loss(spec, graph, given)
    for epoch in range(1, spec.epochs + 1):
        for batch in batches(spec, epoch):
            number += 1
            givens = tuple(_with_example(given, spec, n) for n in batch)
            values = tuple(_evaluate(graph, g, exact) for g in givens)
            gradients = {k: float(np.mean([v[k.gradient] for v in values]))
                         for k in trainable}
            before = {k: given[k] for k in trainable}
            after = {}
            for key in trainable:
                step = -spec.learning_rate * gradients[key]
                if spec.momentum:
                    velocity[key] = spec.momentum * velocity.get(key, 0.0) + step
                    step = velocity[key]
                after[key] = before[key] + step
            steps.append(TrainingStep(epoch, number, batch, givens, values, gradients, before, after,
                                      dict(velocity), float(np.mean([v[Key("E")] for v in values]))))
            given = {**given, **after}
        epoch_losses.append(_mean_loss(spec, graph, given))
    return TrainingRun(spec, tuple(steps), tuple(epoch_losses), initial_loss, exact)


def _with_example(given: dict[Key, float], spec: NetworkSpec, n: int) -> dict[Key, float]:
    example = given_values(spec, spec.examples[n])
    return {**given, **{k: v for k, v in example.items() if k.kind in ("input", "target")}}


def _mean_loss(spec, graph, given) -> float:
    losses = [evaluate_float(graph, _with_example(given, spec, n))[Key("E")] for n in range(len(spec.examples))]
    return float(np.mean(losses))


def updated_key(key: Key) -> Key:
    return key.updated
