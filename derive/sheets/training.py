"""Training runs as JSON iterations, tables and a loss plot."""

from __future__ import annotations

from derive.core.keys import Key
from derive.core.training import TrainingRun, TrainingStep
from derive.present.formatting import format_number, latex_number
from derive.present.solution import Solution, solve
from derive.sheets.solution import quantities_json, solution_json

__all__ = ["iterations_json", "training_context", "step_solutions", "solution_document"]

COLUMNS = 5   # parameters per epoch table


def _entry(value: float, name: str, latex: str, formula: str, depends_on: list[str]) -> dict:
    return {"value": value, "name": name, "latex": latex, "formula": formula, "depends_on": depends_on}


def step_solutions(run: TrainingRun, step: TrainingStep, like: Solution) -> tuple[Solution, ...]:
    """Each example of ``step`` solved and printed like ``like`` (its precision and notation)."""
    return tuple(solve(run.spec, exact=run.exact, precision=like.precision, notation=like.notation.name, given=g)
                 for g in run.givens(step))


def iterations_json(run: TrainingRun, like: Solution) -> list[dict]:
    """CONTRACT §3: one entry per update step, with every quantity of that step."""
    out = []
    notation = like.notation
    for step in run.steps:
        solutions = step_solutions(run, step, like)
        first = solutions[0]
        if len(solutions) == 1:
            quantities = quantities_json(first)
        else:
            quantities = {"E": _entry(step.loss, "mean " + notation.plain(Key("E")), notation.latex(Key("E")),
                                      "mean over the batch", [])}
        for key in step.parameters_before:
            gradient_key = key.gradient
            new_key = key.updated
            if len(solutions) > 1:
                names = [f"example {n + 1}" for n in step.examples]
                quantities[str(gradient_key)] = _entry(
                    step.gradients[key], notation.plain(gradient_key), notation.latex(gradient_key),
                    f"mean of {notation.plain(gradient_key)} over " + ", ".join(names), [])
            quantities[str(new_key)] = _entry(
                step.parameters_after[key], notation.plain(new_key), notation.latex(new_key),
                (f"{notation.plain(new_key)} = {notation.plain(key)} + v" if step.velocity else
                 f"{notation.plain(new_key)} = {notation.plain(key)} - eta*{notation.plain(gradient_key)}"),
                [str(key), str(gradient_key)])
            if step.velocity:
                quantities[f"v[{','.join(map(str, key.index))}]" if key.kind == "w" else f"v_{key}"] = _entry(
                    step.velocity[key], "v_" + notation.plain(key), "v_{" + notation.latex(key) + "}",
                    "v = beta*v - eta*gradient", [str(gradient_key)])
        entry = {"epoch": step.epoch, "step": step.step, "examples": [n + 1 for n in step.examples],
                 "quantities": quantities}
        if len(solutions) > 1:
            entry["per_example"] = [{"example": n + 1, "quantities": quantities_json(s)}
                                    for n, s in zip(step.examples, solutions)]
        out.append(entry)
    return out


def training_context(run: TrainingRun, like: Solution) -> dict:
    """Tables for the sheet: the first step's averaging, then one row per epoch."""
    spec, first = run.spec, run.steps[0]
    notation, precision = like.notation, like.precision
    parameters = list(first.parameters_before)
    averaging = []
    if len(first.examples) > 1:
        per_example = run.values(first)
        for key in parameters:
            gradient_key = key.gradient
            values = [v[gradient_key] for v in per_example]
            terms = " + ".join(latex_number(v, precision) if v >= 0 else rf"\left({latex_number(v, precision)}\right)"
                               for v in values)
            averaging.append(rf"\overline{{{notation.latex(gradient_key)}}} &= \frac{{1}}{{{len(values)}}}"
                             rf"\left({terms}\right) = {latex_number(first.gradients[key], precision)}")
    per_epoch = run.updates_per_epoch
    states = [("0 (start)", run.initial_loss, first.parameters_before)]
    states += [(str(e + 1), run.epoch_losses[e], run.steps[(e + 1) * per_epoch - 1].parameters_after)
               for e in range(spec.epochs)]
    # At most COLUMNS parameters per table, so every table fits the page.
    tables = []
    for start in range(0, len(parameters), COLUMNS):
        group = parameters[start:start + COLUMNS]
        tables.append({"names_latex": [notation.latex(k) for k in group], "names": [notation.plain(k) for k in group],
                       "rows": [{"epoch": label, "loss": format_number(loss, precision),
                                 "parameters": [format_number(values[k], precision) for k in group]}
                                for label, loss, values in states]})
    return {
        "mode": spec.mode, "epochs": spec.epochs, "examples": len(spec.examples),
        "batch_size": len(first.examples), "updates_per_epoch": per_epoch,
        "momentum": spec.momentum, "momentum_text": format_number(spec.momentum, precision),
        "averaging": averaging, "tables": tables,
    }


def solution_document(solution: Solution, run: TrainingRun | None = None) -> dict:
    """The JSON of CONTRACT §3: the solved step, with ``iterations`` for a training run."""
    document = solution_json(solution)
    if run is not None:
        document["iterations"] = iterations_json(run, solution)
        document["epoch_losses"] = list(run.epoch_losses)
    return document
