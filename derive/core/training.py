"""Training beyond one step: SGD, batch and mini-batch gradient descent, with momentum.

Each update evaluates the same step graph at the current parameters for every
example of its batch (one vectorised call of the compiled graph), averages the
gradients over the batch, and moves the parameters: w <- w - eta * g, or with
momentum beta: v <- beta v - eta g, w <- w + v (CONTRACT §1).

A run keeps, for every step, only its batch's mean loss; for every epoch the
parameters at its end and the mean loss over all examples (one vectorised
evaluation for all epochs); and in full (parameters before and after, mean
gradients, velocity) only the *recorded* steps: by default the ones a sheet
works out (:func:`shown_steps`: the first two and the last), or the first N as
well, or all of them.  The per-example numbers of a recorded step are evaluated
again from :meth:`TrainingRun.givens`.

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

from derive.core.evaluate import compile_graph, evaluate_exact, evaluate_float, given_values
from derive.core.graph import build_graph
from derive.core.keys import Key
from derive.core.spec import NetworkSpec
from derive.core.stepper import Stepper, split_batches

__all__ = ["TrainingStep", "TrainingRun", "train", "batches", "losses_at", "shown_steps", "recorded_steps"]


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
    velocity_before: dict[Key, float] | None = None   # the velocity the step starts from (momentum only)


@dataclass(frozen=True)
class TrainingRun:
    spec: NetworkSpec
    steps: tuple[TrainingStep, ...]     # the recorded steps, in order (see recorded_steps)
    epoch_losses: tuple[float, ...]     # mean loss over all examples after each epoch
    initial_loss: float = float("nan")  # mean loss over all examples before training
    exact: bool = False                 # evaluated in exact arithmetic (then rounded to floats)
    step_losses: tuple[float, ...] = ()     # every step's batch loss before the step
    parameters: tuple[Key, ...] = ()        # the trained parameters, in the order of epoch_parameters' columns
    epoch_parameters: np.ndarray | None = None   # row e: the parameters after epoch e (row 0: the start)
    record: str | int = "shown"

    @property
    def total_steps(self) -> int:
        return len(self.step_losses)

    @property
    def updates_per_epoch(self) -> int:
        return self.total_steps // self.spec.epochs

    def step(self, number: int) -> TrainingStep:
        """A recorded step by its number (from 1)."""
        found = next((s for s in self.steps if s.step == number), None)
        if found is None:
            raise KeyError(f"step {number} was not recorded (recorded: {[s.step for s in self.steps]})")
        return found

    def parameters_at(self, epoch: int) -> dict[Key, float]:
        """The parameters after ``epoch`` (0: before training)."""
        return dict(zip(self.parameters, self.epoch_parameters[epoch].tolist()))

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


def shown_steps(total: int) -> tuple[int, ...]:
    """The update steps a training sheet works out: the first two and the last.

    >>> shown_steps(1), shown_steps(2), shown_steps(10000)
    ((1,), (1, 2), (1, 2, 10000))
    """
    return tuple(sorted({s for s in (1, 2, total) if 1 <= s <= total}))


def recorded_steps(total: int, record: str | int = "shown") -> range | tuple[int, ...]:
    """The steps a run keeps in full: ``"shown"`` (those of :func:`shown_steps`), ``"all"``, or a
    number N: the first N steps as well as the shown ones.

    >>> recorded_steps(100, 4), recorded_steps(3, "all")
    ((1, 2, 3, 4, 100), range(1, 4))
    """
    if record == "all":
        return range(1, total + 1)
    first = range(1, min(int(record), total) + 1) if record != "shown" else ()
    return tuple(sorted(set(shown_steps(total)) | set(first)))


def _evaluate(graph, given: dict[Key, float], exact: bool) -> dict[Key, float]:
    if exact:
        return {k: float(v) for k, v in evaluate_exact(graph, given).items()}
    return evaluate_float(graph, given)


def train(spec: NetworkSpec, exact: bool = False, record: str | int = "shown") -> TrainingRun:
    """Run every epoch; keep each step's batch loss, each epoch's parameters, and the recorded
    steps (:func:`recorded_steps`) in full."""
    graph = build_graph(spec.architecture)
    trainable = tuple(graph.trainable)
    given = given_values(spec)
    stepper = Stepper(spec.learning_rate, spec.schedule and spec.schedule[1], momentum=spec.momentum,
                      momentum_schedule=spec.betas and spec.betas[1])
    mean_gradients = _exact_batch(graph, trainable, given, spec) if exact else _float_batch(graph, trainable, given, spec)
    total = len(batches(spec, 1)) * spec.epochs
    keep = set(recorded_steps(total, record))
    point, velocity = tuple(given[k] for k in trainable), (0.0,) * len(trainable)
    steps, losses, epoch_ends = [], [], [point]
    for epoch in range(1, spec.epochs + 1):
        for batch in batches(spec, epoch):
            gradients, loss = mean_gradients(point, batch)
            new_velocity = stepper.step(gradients, velocity, len(losses))
            after = stepper.apply(point, new_velocity)
            losses.append(loss)
            if len(losses) in keep:
                steps.append(TrainingStep(
                    epoch, len(losses), batch, dict(zip(trainable, gradients)), dict(zip(trainable, point)),
                    dict(zip(trainable, after)), dict(zip(trainable, new_velocity)) if spec.with_momentum else {},
                    loss, dict(zip(trainable, velocity)) if spec.with_momentum else None))
            point, velocity = after, new_velocity
        epoch_ends.append(point)
    epoch_parameters = np.array(epoch_ends, dtype=float).reshape(len(epoch_ends), len(trainable))
    initial_loss, *epoch_losses = _epoch_losses(spec, graph, trainable, epoch_parameters)
    return TrainingRun(spec, tuple(steps), tuple(epoch_losses), initial_loss, exact, tuple(losses), trainable,
                       epoch_parameters, record)


def _float_batch(graph, trainable, given, spec):
    """``(point, batch) -> (mean gradients, mean loss)`` through the compiled graph: one call per
    batch with arrays over its examples (each example gets the same numbers as evaluated alone,
    derive.core.evaluate), the parameters as Python floats, the means as NumPy's mean of each row."""
    function = compile_graph(graph)
    examples = _example_values(spec)
    columns = {k: np.array([e[k] for e in examples], dtype=float) for k in examples[0]}
    position = {k: n for n, k in enumerate(trainable)}
    # Each argument of the compiled function: an example column, a trained parameter or a fixed number.
    sources = [("example", columns[k]) if k in columns else ("parameter", position[k]) if k in position
               else ("fixed", given[k]) for k in function.given]
    outputs = [function.keys.index(k.gradient) for k in trainable] + [function.keys.index(Key("E"))]

    def mean_gradients(point, batch):
        index = np.array(batch)
        arguments = [value[index] if kind == "example" else point[value] if kind == "parameter" else value
                     for kind, value in sources]
        rows = np.empty((len(outputs), len(batch)))
        with np.errstate(all="ignore"):
            results = function(*arguments)
            for row, n in enumerate(outputs):
                rows[row] = results[n]          # broadcasts a quantity that does not depend on the example
            means = rows.mean(axis=1).tolist()
        return tuple(means[:-1]), means[-1]

    return mean_gradients


def _exact_batch(graph, trainable, given, spec):
    """The same in exact arithmetic, one example at a time (then rounded to floats)."""
    examples = _example_values(spec)

    def mean_gradients(point, batch):
        base = {**given, **dict(zip(trainable, point))}
        values = [_evaluate(graph, {**base, **examples[n]}, True) for n in batch]
        means = [float(np.mean([v[k.gradient] for v in values])) for k in trainable]
        return tuple(means), float(np.mean([v[Key("E")] for v in values]))

    return mean_gradients


def _epoch_losses(spec, graph, trainable, rows: np.ndarray) -> tuple[float, ...]:
    """The mean loss over all examples at each row of parameters, in one vectorised evaluation."""
    return losses_at(spec, {k: rows[:, n] for n, k in enumerate(trainable)}, graph)


def _example_values(spec: NetworkSpec) -> list[dict[Key, float]]:
    """Each example's inputs and targets, as given numbers of the step graph."""
    return [{k: v for k, v in given_values(spec, example).items() if k.kind in ("input", "target")}
            for example in spec.examples]


def losses_at(spec: NetworkSpec, parameter_sets, graph=None) -> tuple[float, ...]:
    """The mean loss over all examples at each set of parameters, in one vectorised evaluation
    (each example's E is the same number as when evaluated alone).  ``parameter_sets`` is a list
    of {key: value}, or one {key: array} with an entry per set.

    >>> from derive.core.spec import parse_spec
    >>> spec = parse_spec({"layers": [1, 1], "activation": "linear", "loss": "half_sse", "weights": [[[1]]],
    ...     "learning_rate": 0.1, "data": [{"input": [1], "target": [0]}, {"input": [2], "target": [0]}]})
    >>> losses_at(spec, [{Key.parse("w[1,1,1]"): 1.0}, {Key.parse("w[1,1,1]"): 0.0}])
    (1.25, 0.0)
    """
    graph = graph or build_graph(spec.architecture)
    if not isinstance(parameter_sets, dict):
        parameter_sets = {k: np.array([p[k] for p in parameter_sets], dtype=float) for k in parameter_sets[0]}
    sets = len(next(iter(parameter_sets.values())))
    examples = _example_values(spec)
    given = given_values(spec)
    given.update({k: np.tile([e[k] for e in examples], sets) for k in examples[0]})
    given.update({k: np.repeat(values, len(examples)) for k, values in parameter_sets.items()
                  if k not in examples[0]})
    losses = evaluate_float(graph, given)[Key("E")]
    with np.errstate(all="ignore"):     # a diverging run: its losses overflow to inf, reported as such
        means = np.mean(np.reshape(losses, (sets, len(examples))), axis=1)
    return tuple(float(v) for v in means)
