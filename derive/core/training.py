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
from derive.core.stepper import Stepper, split_batches

__all__ = ["TrainingStep", "TrainingRun", "train", "batches", "losses_at"]


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
    """The batches of one epoch: shuffled (if shuffle_seed) then cut by mode (derive.core.stepper)."""
    return split_batches(len(spec.examples), spec.mode, spec.batch_size, spec.shuffle_seed, epoch)


def _evaluate(graph, given: dict[Key, float], exact: bool) -> dict[Key, float]:
    if exact:
        return {k: float(v) for k, v in evaluate_exact(graph, given).items()}
    return evaluate_float(graph, given)


def train(spec: NetworkSpec, exact: bool = False) -> TrainingRun:
    """Run every epoch; keep every step's per-example numbers (the sheets print the ones they show)."""
    graph = build_graph(spec.architecture)
    given = given_values(spec)
    trainable = graph.trainable
    stepper = Stepper(spec.learning_rate, momentum=spec.momentum)
    velocity = (0.0,) * len(trainable)
    steps, epoch_ends = [], [given]
    examples = _example_values(spec)
    for epoch in range(1, spec.epochs + 1):
        for batch in batches(spec, epoch):
            givens = tuple({**given, **examples[n]} for n in batch)
            values = tuple(_evaluate(graph, g, exact) for g in givens)
            gradients = {k: float(np.mean([v[k.gradient] for v in values]))
                         for k in trainable}
            before = {k: given[k] for k in trainable}
            velocity = stepper.step([gradients[k] for k in trainable], velocity, len(steps))
            after = dict(zip(trainable, stepper.apply([before[k] for k in trainable], velocity)))
            steps.append(TrainingStep(epoch, len(steps) + 1, batch, givens, values, gradients, before, after,
                                      dict(zip(trainable, velocity)) if spec.momentum else {},
                                      float(np.mean([v[Key("E")] for v in values]))))
            given = {**given, **after}
        epoch_ends.append(given)
    initial_loss, *epoch_losses = losses_at(spec, epoch_ends, graph)
    return TrainingRun(spec, tuple(steps), tuple(epoch_losses), initial_loss, exact)


def _example_values(spec: NetworkSpec) -> list[dict[Key, float]]:
    """Each example's inputs and targets, as given numbers of the step graph."""
    return [{k: v for k, v in given_values(spec, example).items() if k.kind in ("input", "target")}
            for example in spec.examples]


def losses_at(spec: NetworkSpec, parameter_sets, graph=None) -> tuple[float, ...]:
    """The mean loss over all examples at each set of parameters, in one vectorised evaluation
    (each example's E is the same number as when evaluated alone).

    >>> from derive.core.spec import parse_spec
    >>> spec = parse_spec({"layers": [1, 1], "activation": "linear", "loss": "half_sse", "weights": [[[1]]],
    ...     "learning_rate": 0.1, "data": [{"input": [1], "target": [0]}, {"input": [2], "target": [0]}]})
    >>> losses_at(spec, [{Key.parse("w[1,1,1]"): 1.0}, {Key.parse("w[1,1,1]"): 0.0}])
    (1.25, 0.0)
    """
    graph = graph or build_graph(spec.architecture)
    examples, sets = _example_values(spec), len(parameter_sets)
    given = given_values(spec)
    given.update({k: np.tile([e[k] for e in examples], sets) for k in examples[0]})
    given.update({k: np.repeat([p[k] for p in parameter_sets], len(examples)) for k in parameter_sets[0]
                  if k not in examples[0]})
    losses = evaluate_float(graph, given)[Key("E")]
    return tuple(float(v) for v in np.mean(np.reshape(losses, (sets, len(examples))), axis=1))


def updated_key(key: Key) -> Key:
    return key.updated
