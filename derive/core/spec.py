"""Network specs: load YAML/JSON safely, validate every field, normalise.

Nothing is computed from a spec that has not passed :func:`parse_spec`; every
refusal is an :class:`~derive.core.errors.InputError` naming the file and the field.

>>> spec = parse_spec({"layers": [1, 1], "activation": "linear", "loss": "half_sse",
...                    "weights": [[[2]]], "learning_rate": 0.1, "input": [1], "target": [0]})
>>> spec.architecture.layers, spec.weights
((1, 1), (((2.0,),),))
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from derive.core.errors import InputError, suggest
from derive.core.functions import ACTIVATIONS, LOSSES
from derive.core.limits import MAX_TRAINING_STEPS
from derive.core.rounding import Rounding, parse_rounding
from derive.core.stepper import split_batches

__all__ = ["Architecture", "Example", "NetworkSpec", "load_spec", "parse_spec", "builtin_spec",
           "NOTATIONS", "MAX_WEIGHTS", "with_rounding"]

NOTATIONS = ("mazur", "signal", "layered", "units")
MODES = ("sgd", "batch", "minibatch")
#: Above this many weights a worked solution stops being readable; --max-weights raises it.
MAX_WEIGHTS = 400

FIELDS = ("title", "notation", "layers", "activation", "leaky_slope", "loss", "weights", "biases",
          "thresholds", "train_biases", "hidden_uses", "learning_rate", "input", "target", "data",
          "mode", "batch_size", "shuffle_seed", "epochs", "momentum", "rounding", "lr_schedule",
          "momentum_schedule", "lr_symbol")

#: ``lr_symbol`` (and ``--lr-symbol``) choices: the letter of the learning rate on the sheets, with its
#: LaTeX; without one, each notation's own (η; the units notation's l).
LR_SYMBOLS = {"eta": r"\eta", "gamma": r"\gamma"}
LR_SYMBOL_NAMES = tuple(LR_SYMBOLS)


@dataclass(frozen=True)
class Architecture:
    """Everything that shapes the step graph; numbers excluded, so it can be cached."""

    layers: tuple[int, ...]
    activations: tuple[str, ...]          # one per non-input layer
    loss: str
    bias_modes: tuple[str, ...]           # per non-input layer: none | shared | neuron
    bias_kind: str = "b"                  # "b" (net = sum + b) or "theta" (net = sum - theta)
    train_biases: bool = True
    hidden_uses: str = "old"
    leaky_slope: float = 0.01

    @property
    def depth(self) -> int:
        """L, the index of the output layer."""
        return len(self.layers) - 1


@dataclass(frozen=True)
class Example:
    input: tuple[float, ...]
    target: tuple[float, ...]


@dataclass(frozen=True)
class NetworkSpec:
    """A validated, normalised network spec (CONTRACT §1)."""

    architecture: Architecture
    weights: tuple[tuple[tuple[float, ...], ...], ...]
    biases: tuple[Any, ...]               # per layer: None, a float, or a tuple of floats
    learning_rate: float
    examples: tuple[Example, ...]
    title: str = ""
    notation: str = "mazur"
    name: str = "spec"
    source: str = "<spec>"
    mode: str = "sgd"
    batch_size: int | None = None
    shuffle_seed: int | None = None
    epochs: int = 1
    momentum: float = 0.0
    lr_schedule: str | None = None       # a formula in the update count t (from 0), instead of one rate
    momentum_schedule: str | None = None  # beta as a formula in t, instead of one momentum
    from_data: bool = False               # given as `data:` rather than input/target
    rounding: Rounding | None = None      # chained rounding (as by hand); None: full precision
    lr_symbol: str | None = None          # "eta" or "gamma": the learning rate's letter; None: the notation's

    @property
    def schedule(self):
        """t -> learning rate of the update t (from 0) from ``lr_schedule``, or None for one rate."""
        if self.lr_schedule is None:
            return None
        from derive.core.schedules import learning_rate_schedule

        return learning_rate_schedule(self.lr_schedule, self.source, "lr_schedule")

    @property
    def betas(self):
        """t -> momentum beta of the update t (from 0) from ``momentum_schedule``, or None for one momentum."""
        if self.momentum_schedule is None:
            return None
        from derive.core.schedules import momentum_schedule

        return momentum_schedule(self.momentum_schedule, self.source, "momentum_schedule")

    @property
    def with_momentum(self) -> bool:
        return bool(self.momentum) or self.momentum_schedule is not None

    @property
    def is_single_step(self) -> bool:
        return len(self.examples) == 1 and self.epochs == 1 and not self.from_data

    def to_dict(self) -> dict:
        """The normalised spec, as written into JSON outputs; parse_spec accepts it back."""
        arch = self.architecture
        bias_field = "thresholds" if arch.bias_kind == "theta" else "biases"
        out: dict[str, Any] = {
            "title": self.title, "notation": self.notation, "layers": list(arch.layers),
            "activation": list(arch.activations), "loss": arch.loss,
            "weights": [[list(row) for row in matrix] for matrix in self.weights],
            bias_field: [list(b) if isinstance(b, tuple) else b for b in self.biases],
            "train_biases": arch.train_biases, "hidden_uses": arch.hidden_uses,
            "learning_rate": self.learning_rate,
        }
        if "leaky_relu" in arch.activations:
            out["leaky_slope"] = arch.leaky_slope
        if self.lr_symbol is not None:
            out["lr_symbol"] = self.lr_symbol
        if self.from_data or len(self.examples) > 1:
            out["data"] = [{"input": list(e.input), "target": list(e.target)} for e in self.examples]
            out.update(mode=self.mode, epochs=self.epochs, momentum=self.momentum)
            if self.batch_size is not None:
                out["batch_size"] = self.batch_size
            if self.shuffle_seed is not None:
                out["shuffle_seed"] = self.shuffle_seed
        else:
            out["input"] = list(self.examples[0].input)
            out["target"] = list(self.examples[0].target)
            if self.epochs != 1 or self.with_momentum:
                out.update(epochs=self.epochs, momentum=self.momentum)
        if self.rounding is not None:
            out["rounding"] = self.rounding.to_data()
        if self.lr_schedule is not None:
            out["lr_schedule"] = self.lr_schedule
        if self.momentum_schedule is not None:
            out["momentum_schedule"] = self.momentum_schedule
        return out


# ----------------------------------------------------------------------------- loading

def load_spec(path: str | Path, max_weights: int = MAX_WEIGHTS) -> NetworkSpec:
    """Read and validate a spec file (YAML or JSON)."""
    from derive.core.inputs import read_data, read_file

    data = read_data(read_file(path, "spec file"), str(path))
    return parse_spec(data, source=str(path), name=Path(path).stem, max_weights=max_weights)


@lru_cache(maxsize=1)
def builtin_spec() -> NetworkSpec:
    """The lecture's worked example (2-2-2 sigmoid network), shipped in exercises/; read once
    (a spec is immutable, and a class's sheets name it thousands of times)."""
    text = resources.files("derive.exercises").joinpath("lecture.yaml").read_text(encoding="utf-8")
    return parse_spec(yaml.safe_load(text), source="<built-in lecture example>", name="lecture")


# ----------------------------------------------------------------------------- validation

class _Checker:
    """Typed field access with one-line errors naming source and field path."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, expected: str, got: str | None = None, suggestion: str | None = None):
        raise InputError(self.source, path, expected, got=got, suggestion=suggestion)

    def describe(self, value) -> str:
        if isinstance(value, bool):
            return f"the boolean {str(value).lower()}"
        if isinstance(value, str):
            return f"the text {value!r}"
        if value is None:
            return "nothing (null)"
        if isinstance(value, list):
            return f"a list of {len(value)}"
        if isinstance(value, dict):
            return "a mapping"
        return repr(value)

    def number(self, value, path: str, *, positive=False, nonnegative=False, lower_than=None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = None
            if isinstance(value, str):
                try:
                    float(value)
                    hint = "remove the quotes"
                except ValueError:
                    pass
            self.fail(path, "a number", self.describe(value), hint)
        try:
            number = float(value)
        except OverflowError:          # an integer beyond 1.8e308 (str() of it may itself be refused)
            self.fail(path, "a number a float can hold (below 1.8e308)",
                      f"a whole number of {int(value.bit_length() * math.log10(2)) + 1} digits")
        if not math.isfinite(number):
            self.fail(path, "a finite number", repr(number))
        if positive and number <= 0:
            self.fail(path, "a number greater than 0", repr(value))
        if nonnegative and number < 0:
            self.fail(path, "a number of at least 0", repr(value))
        if lower_than is not None and number >= lower_than:
            self.fail(path, f"a number below {lower_than}", repr(value))
        return number

    def integer(self, value, path: str, minimum: int, maximum: int | None = None, why: str = "") -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"a whole number of at least {minimum}", self.describe(value))
        if value < minimum:
            self.fail(path, f"a whole number of at least {minimum}", _short_int(value))
        if maximum is not None and value > maximum:
            self.fail(path, f"a whole number of at most {maximum}{why}", _short_int(value))
        return value

    def vector(self, value, path: str, length: int) -> tuple[float, ...]:
        if not isinstance(value, list):
            self.fail(path, f"a list of {length} numbers", self.describe(value))
        if len(value) != length:
            self.fail(path, f"a list of {length} numbers", f"a list of {len(value)}")
        return tuple(self.number(v, f"{path}[{i}]") for i, v in enumerate(value))

    def choice(self, value, path: str, choices) -> str:
        if not isinstance(value, str) or value not in choices:
            self.fail(path, "one of " + ", ".join(choices), self.describe(value),
                      suggest(value, choices) if isinstance(value, str) else None)
        return value

    def boolean(self, value, path: str) -> bool:
        if not isinstance(value, bool):
            self.fail(path, "true or false", self.describe(value))
        return value


def parse_spec(data, source: str = "<spec>", name: str = "spec",
               max_weights: int = MAX_WEIGHTS) -> NetworkSpec:
    """Validate raw (YAML-decoded) data and return a NetworkSpec."""
    check = _Checker(source)
    if not isinstance(data, dict):
        check.fail("", "a mapping of fields (layers, weights, ...)", check.describe(data))
    for key in data:
        if key not in FIELDS:
            check.fail(str(key), "a known field", "an unknown field",
                       suggest(str(key), FIELDS) or "see docs/spec.md for the fields")

    def required(key):
        if key not in data:
            check.fail(key, "this field to be present", "nothing")
        return data[key]

    layers_raw = required("layers")
    if not isinstance(layers_raw, list) or len(layers_raw) < 2:
        check.fail("layers", "a list of at least 2 layer sizes, input layer first", check.describe(layers_raw))
    layers = tuple(check.integer(n, f"layers[{i}]", 1, max_weights, " (each neuron has a weight at least)")
                   for i, n in enumerate(layers_raw))
    depth = len(layers) - 1
    n_weights = sum(layers[l] * layers[l - 1] for l in range(1, depth + 1))
    if n_weights > max_weights:
        check.fail("layers", f"at most {max_weights} weights for a readable worked solution",
                   f"{n_weights}", "raise the limit with --max-weights")

    activation_raw = required("activation")
    if isinstance(activation_raw, list):
        if len(activation_raw) != depth:
            check.fail("activation", f"one name, or a list of {depth} (one per non-input layer)",
                       f"a list of {len(activation_raw)}")
        activations = tuple(check.choice(a, f"activation[{i}]", tuple(ACTIVATIONS))
                            for i, a in enumerate(activation_raw))
    else:
        activations = (check.choice(activation_raw, "activation", tuple(ACTIVATIONS)),) * depth
    for l, activation_name in enumerate(activations[:-1]):
        if ACTIVATIONS[activation_name].output_only:
            field_path = f"activation[{l}]" if isinstance(activation_raw, list) else "activation"
            check.fail(field_path, f"{activation_name} on the output layer only", f"{activation_name} on hidden layer {l + 1}",
                       "give one activation per layer, e.g. [sigmoid, softmax]")
    loss = check.choice(required("loss"), "loss", tuple(LOSSES))
    _check_loss_fits(check, loss, activations[-1], layers[-1],
                     f"activation[{depth - 1}]" if isinstance(activation_raw, list) else "activation")
    leaky_slope = check.number(data.get("leaky_slope", 0.01), "leaky_slope", nonnegative=True)

    weights_raw = required("weights")
    if not isinstance(weights_raw, list) or len(weights_raw) != depth:
        check.fail("weights", f"{depth} matrices (one per non-input layer)", check.describe(weights_raw))
    weights = []
    for l in range(1, depth + 1):
        path, rows, cols = f"weights[{l - 1}]", layers[l], layers[l - 1]
        matrix = weights_raw[l - 1]
        shape = f"a {rows}x{cols} matrix (row j = weights into neuron j of layer {l}, column i = from neuron i of layer {l - 1})"
        if not isinstance(matrix, list) or len(matrix) != rows:
            check.fail(path, shape, check.describe(matrix))
        weights.append(tuple(check.vector(row, f"{path}[{j}]", cols) for j, row in enumerate(matrix)))

    if "biases" in data and "thresholds" in data:
        check.fail("thresholds", "either biases or thresholds, not both", "both")
    bias_field = "thresholds" if "thresholds" in data else "biases"
    bias_raw = data.get(bias_field)
    biases, bias_modes = [], []
    if bias_raw is None:
        biases, bias_modes = [None] * depth, ["none"] * depth
    else:
        if not isinstance(bias_raw, list) or len(bias_raw) != depth:
            check.fail(bias_field, f"a list of {depth} entries (one per non-input layer: a number or a list)",
                       check.describe(bias_raw))
        for l in range(1, depth + 1):
            entry, path = bias_raw[l - 1], f"{bias_field}[{l - 1}]"
            if entry is None:
                biases.append(None), bias_modes.append("none")
            elif isinstance(entry, list):
                biases.append(check.vector(entry, path, layers[l])), bias_modes.append("neuron")
            else:
                biases.append(check.number(entry, path)), bias_modes.append("shared")

    train_biases = check.boolean(data.get("train_biases", True), "train_biases")
    hidden_uses = check.choice(data.get("hidden_uses", "old"), "hidden_uses", ("old", "new"))
    notation = check.choice(data.get("notation", "mazur"), "notation", NOTATIONS)
    lr_symbol = data.get("lr_symbol")
    lr_symbol = None if lr_symbol is None else check.choice(lr_symbol, "lr_symbol", LR_SYMBOL_NAMES)
    schedule = data.get("lr_schedule")
    if schedule is not None and not isinstance(schedule, str):
        check.fail("lr_schedule", "a formula in t as text, e.g. \"5/(t+50)\"", check.describe(schedule))
    if schedule is None or "learning_rate" in data:
        learning_rate = check.number(required("learning_rate"), "learning_rate", positive=True)
    title = data.get("title", "")
    if not isinstance(title, (str, int, float)) or isinstance(title, bool):
        check.fail("title", "a line of text", check.describe(title))

    examples, from_data = _parse_examples(data, check, layers)
    for e_index, example in enumerate(examples):
        where = f"data[{e_index}].target" if from_data else "target"
        _check_target(check, where, example.target, loss, activations[-1])

    mode = check.choice(data.get("mode", "sgd"), "mode", MODES)
    batch_size = None
    if "batch_size" in data:
        batch_size = check.integer(data["batch_size"], "batch_size", 1)
        if batch_size > len(examples):
            check.fail("batch_size", f"at most the number of examples ({len(examples)})", str(batch_size))
    elif mode == "minibatch":
        check.fail("batch_size", "a batch size for mode: minibatch", "nothing")
    if batch_size is not None and mode != "minibatch":
        check.fail("batch_size", "a batch size only with mode: minibatch", f"mode: {mode}",
                   "sgd uses one example per update and batch all of them")
    shuffle_seed = None
    if data.get("shuffle_seed") is not None:
        shuffle_seed = check.integer(data["shuffle_seed"], "shuffle_seed", 0)
    epochs = check.integer(data.get("epochs", 1), "epochs", 1, MAX_TRAINING_STEPS, " (see docs/limits.md)")
    batches = len(split_batches(len(examples), mode, batch_size))
    if epochs * batches > MAX_TRAINING_STEPS:
        check.fail("epochs", f"at most {MAX_TRAINING_STEPS} updates in all (epochs x updates per epoch)",
                   f"{epochs} x {batches} = {epochs * batches}", "train for fewer epochs or in larger batches")
    momentum = check.number(data.get("momentum", 0.0), "momentum", nonnegative=True, lower_than=1)
    betas = data.get("momentum_schedule")
    if betas is not None:         # beta_t in [0, 1) at every update the run makes
        if not isinstance(betas, str):
            check.fail("momentum_schedule", "a formula in t as text, e.g. \"min(0.9, 1 - 3/(t+5))\"",
                       check.describe(betas))
        if "momentum" in data:
            check.fail("momentum", "either momentum or momentum_schedule", repr(data["momentum"]),
                       "momentum_schedule gives every update's momentum")
        from derive.core.schedules import momentum_schedule

        beta = momentum_schedule(betas, source, "momentum_schedule")[1]
        for t in range(epochs * batches):
            beta(t)
    if schedule is not None:     # checked at every update the run makes; eta of the first is the worked one's
        from derive.core.schedules import learning_rate_schedule

        rate = learning_rate_schedule(schedule, source, "lr_schedule")[1]
        for t in range(epochs * batches):     # positive at every update (at most MAX_TRAINING_STEPS)
            rate(t)
        first = rate(0)
        if "learning_rate" in data and not math.isclose(learning_rate, first, rel_tol=1e-12):
            check.fail("learning_rate", f"the schedule's rate at t = 0 ({first:g}), or no learning_rate",
                       repr(learning_rate), "lr_schedule gives every step's learning rate")
        learning_rate = first
    rounding = None
    if data.get("rounding") is not None:
        rounding = parse_rounding(data["rounding"], source)
        if from_data or epochs != 1 or momentum or betas is not None:
            check.fail("rounding", "one step on one example (input and target) for chained rounding",
                       "a training run (data, epochs or momentum)", "remove rounding to train at full precision")

    architecture = Architecture(layers=layers, activations=activations, loss=loss,
                                bias_modes=tuple(bias_modes), bias_kind="theta" if bias_field == "thresholds" else "b",
                                train_biases=train_biases, hidden_uses=hidden_uses, leaky_slope=leaky_slope)
    return NetworkSpec(architecture=architecture, weights=tuple(weights), biases=tuple(biases),
                       learning_rate=learning_rate, examples=examples, title=str(title), notation=notation,
                       name=name, source=source, mode=mode, batch_size=batch_size, shuffle_seed=shuffle_seed,
                       epochs=epochs, momentum=momentum, from_data=from_data, rounding=rounding, lr_schedule=schedule,
                       momentum_schedule=betas, lr_symbol=lr_symbol)


def _short_int(value: int) -> str:
    """An integer as the error line shows it: its digits, or their count when there are too many."""
    return repr(value) if value.bit_length() < 64 else f"a whole number of {len(str(value)) if value.bit_length() < 14000 else 'over 4000'} digits"


def with_rounding(spec: NetworkSpec, option: str | None, source: str = "--chain-rounding") -> NetworkSpec:
    """The spec worked with the rounding of a ``--chain-rounding`` option: ``N`` decimal places,
    ``Nsig`` significant figures, ``off`` for full precision; None keeps the spec's own ``rounding``.

    >>> with_rounding(builtin_spec(), "4sig").rounding.default
    Precision(digits=4, significant=True)
    """
    if option is None:
        return spec
    if str(option).strip() == "off":
        return replace(spec, rounding=None)
    rounding = parse_rounding(option, source, "")
    if not spec.is_single_step:
        raise InputError(source, "", "a spec of one step on one example for chained rounding",
                         got=f"{spec.source}, a training run (data, epochs or momentum)")
    return replace(spec, rounding=rounding)


def _parse_examples(data, check: _Checker, layers) -> tuple[tuple[Example, ...], bool]:
    if "data" in data:
        for key in ("input", "target"):
            if key in data:
                check.fail(key, "either data or input/target, not both", "both")
        rows = data["data"]
        if not isinstance(rows, list) or not rows:
            check.fail("data", "a non-empty list of {input: [...], target: [...]}", check.describe(rows))
        examples = []
        for n, row in enumerate(rows):
            if not isinstance(row, dict):
                check.fail(f"data[{n}]", "a mapping with input and target", check.describe(row))
            for key in row:
                if key not in ("input", "target"):
                    check.fail(f"data[{n}].{key}", "input or target", "an unknown field",
                               suggest(str(key), ("input", "target")))
            for key in ("input", "target"):
                if key not in row:
                    check.fail(f"data[{n}].{key}", "this field to be present", "nothing")
            examples.append(Example(check.vector(row["input"], f"data[{n}].input", layers[0]),
                                    check.vector(row["target"], f"data[{n}].target", layers[-1])))
        return tuple(examples), True
    for key in ("input", "target"):
        if key not in data:
            check.fail(key, "this field to be present (or data: for several examples)", "nothing")
    example = Example(check.vector(data["input"], "input", layers[0]),
                      check.vector(data["target"], "target", layers[-1]))
    return (example,), False


#: The output activations each loss can be computed on, whatever the numbers: bce takes the log of
#: o and of 1 - o (outputs in (0, 1)), cce the log of a probability distribution.
_OUTPUTS_FOR = {"bce": ("sigmoid", "softmax"), "cce": ("softmax",)}


def _check_loss_fits(check: _Checker, loss: str, output: str, n_outputs: int, field_path: str) -> None:
    """Refuse, from the spec alone, an output activation the loss cannot be computed on."""
    if output == "softmax" and n_outputs < 2:
        check.fail(field_path, "softmax on an output layer of at least 2 neurons", "softmax on 1 neuron",
                   "a single softmax output is always 1: use sigmoid")
    fits = _OUTPUTS_FOR.get(loss)
    if fits and output not in fits:
        others = [name for name, outputs in _OUTPUTS_FOR.items() if output in outputs]
        reason = "takes the log of o and 1 - o" if loss == "bce" else "needs outputs that sum to 1"
        check.fail("loss", f"a loss that fits the output activation {output} "
                           f"({', '.join(others + ['half_sse', 'sse', 'mse'])})",
                   f"{loss}, which {reason}", f"or make the output layer {' or '.join(fits)}")


def _check_target(check: _Checker, path: str, target, loss: str, output_activation: str) -> None:
    if LOSSES[loss].needs_probabilities:
        for k, t in enumerate(target):
            if not 0 <= t <= 1:
                check.fail(f"{path}[{k}]", f"a value in [0, 1] for loss {loss}", repr(t))
    if loss == "cce" and abs(sum(target) - 1) > 1e-9:
        check.fail(path, "a one-hot or probability vector summing to 1 for loss cce", f"a sum of {sum(target):g}")


def spec_as_json(spec: NetworkSpec) -> str:
    return json.dumps(spec.to_dict(), sort_keys=False)


