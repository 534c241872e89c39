"""Training beyond one step: SGD, batch and mini-batch gradient descent, with momentum.

Each update evaluates the same step graph at the current parameters for every
example of its batch (one vectorised call of the compiled graph), averages the
gradients over the batch, and moves the parameters: w <- w - eta * g, or with
momentum beta: v <- beta v - eta g, w <- w + v (CONTRACT §1).  A step keeps its
parameters, mean gradients and loss; the per-example numbers of the steps a
sheet shows are evaluated again from :meth:`TrainingRun.givens`.

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

    def givens(self, step: TrainingStep) -> tuple[dict[Key, float], ...]:
        """Per example of ``step``: the given numbers of its step graph (parameters before the step)."""
        base = {**given_values(self.spec), **step.parameters_before}
        examples = _example_values(self.spec)
        return tuple({**base, **examples[n]} for n in step.examples)

    def values(self, step: TrainingStep) -> tuple[dict[Key, float], ...]:
        """Per example of ``step``: every quantity of its step graph."""
        graph = build_graph(self.spec.architecture)
        return tuple(_evaluate(graph, g, self.exact) for g in self.givens(step))


def batches(spec: NetworkSpec, epoch: int) -> list[tuple[int, ...]]:
    """The batches of one epoch: shuffled (if shuffle_seed) then cut by mode (derive.core.stepper)."""
    return split_batches(len(spec.examples), spec.mode, spec.batch_size, spec.shuffle_seed, epoch)


def _evaluate(graph, given: dict[Key, float], exact: bool) -> dict[Key, float]:
    if exact:
        return {k: float(v) for k, v in evaluate_exact(graph, given).items()}
    return evaluate_float(graph, given)


def train(spec: NetworkSpec, exact: bool = False) -> TrainingRun:
    """Run every epoch; keep each step's parameters, mean gradients and loss."""
    graph = build_graph(spec.architecture)
    given = given_values(spec)
    trainable = graph.trainable
    stepper = Stepper(spec.learning_rate, momentum=spec.momentum)
    velocity = (0.0,) * len(trainable)
    steps, epoch_ends = [], [given]
    examples = _example_values(spec)
    for epoch in range(1, spec.epochs + 1):
        for batch in batches(spec, epoch):
            gradients, loss = _batch_gradients(graph, trainable, given, [examples[n] for n in batch], exact)
            before = {k: given[k] for k in trainable}
            velocity = stepper.step([gradients[k] for k in trainable], velocity, len(steps))
            after = dict(zip(trainable, stepper.apply([before[k] for k in trainable], velocity)))
            steps.append(TrainingStep(epoch, len(steps) + 1, batch, gradients, before, after,
                                      dict(zip(trainable, velocity)) if spec.momentum else {}, loss))
            given = {**given, **after}
        epoch_ends.append(given)
    initial_loss, *epoch_losses = losses_at(spec, epoch_ends, graph)
    return TrainingRun(spec, tuple(steps), tuple(epoch_losses), initial_loss, exact)


def _batch_gradients(graph, trainable, given, examples, exact) -> tuple[dict[Key, float], float]:
    """The mean gradient of every trainable parameter over a batch, and the batch's mean loss.

    The batch goes through the compiled graph in one call (arrays over its examples), which
    gives each example the same numbers as evaluating it alone (derive.core.evaluate).
    """
    if exact:
        values = [_evaluate(graph, {**given, **example}, exact) for example in examples]
        columns = {k: np.array([v[k] for v in values]) for k in values[0]}
    else:
        arrays = {**given, **{k: np.array([e[k] for e in examples], dtype=float) for k in examples[0]}}
        columns = evaluate_float(graph, arrays)
    return ({k: float(np.mean(np.broadcast_to(columns[k.gradient], len(examples)))) for k in trainable},
            float(np.mean(np.broadcast_to(columns[Key("E")], len(examples)))))


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
