"""Training runs as JSON iterations, tables and a loss plot.

A training sheet shows the training the spec asks for: the data set, step 1's forward and
backward pass for the first example of its batch, then each shown step (the first two and the
last, derive.core.training.shown_steps): its batch, the per-example gradients and their mean,
the update (with momentum: v <- beta v - eta g, w <- w + v) with numbers, the loss over all
examples before and after, and an epoch table.  Every "after" number is the run's own, so the
sheet, the epoch table and the JSON agree.
"""

from __future__ import annotations

from derive.core.keys import Key
from derive.core.training import TrainingRun, TrainingStep, losses_at, shown_steps
from derive.present.formatting import format_both, latex_number
from derive.present.printing import plain_latex
from derive.present.solution import Solution, solve
from derive.sheets.solution import quantities_json, solution_json

__all__ = ["iterations_json", "training_context", "training_sheet", "step_solutions", "solution_document"]

COLUMNS = 5        # value columns per table, so that every table fits the page
EPOCH_ROWS = 21    # an epoch table with more rows shows the first ten epochs, every k-th and the last


def _entry(value: float, name: str, latex: str, formula: str, depends_on: list[str]) -> dict:
    return {"value": value, "name": name, "latex": latex, "formula": formula, "depends_on": depends_on}


def step_solutions(run: TrainingRun, step: TrainingStep, like: Solution) -> tuple[Solution, ...]:
    """Each example of ``step`` solved and printed like ``like`` (its precision and notation)."""
    return tuple(solve(run.spec, exact=run.exact, precision=like.precision, notation=like.notation.name, given=g)
                 for g in run.givens(step))


def _velocity_key(key: Key) -> str:
    return f"v[{','.join(map(str, key.index))}]" if key.kind == "w" else f"v_{key}"


def _update_entries(step: TrainingStep, notation) -> dict[str, dict]:
    """The step's updated parameters (and velocities) as JSON quantities: the run's own numbers."""
    out = {}
    for key in step.parameters_before:
        gradient_key, new_key = key.gradient, key.updated
        name, new, velocity = notation.latex(key), notation.latex(new_key), "v_{" + notation.latex(key) + "}"
        if len(step.examples) == 1:
            gradient, gradient_latex = notation.plain(gradient_key), notation.latex(gradient_key)
        else:
            gradient = f"mean({notation.plain(gradient_key)})"
            gradient_latex = r"\overline{" + notation.latex(gradient_key) + "}"
        if step.velocity:
            formula, equation = f"{notation.plain(new_key)} = {notation.plain(key)} + v", f"{new} = {name} + {velocity}"
        else:
            formula = f"{notation.plain(new_key)} = {notation.plain(key)} - eta*{gradient}"
            equation = rf"{new} = {name} - \eta \cdot {gradient_latex}"
        out[str(new_key)] = {**_entry(step.parameters_after[key], notation.plain(new_key), new, formula,
                                      [str(key), str(gradient_key)]), "equation": equation}
        if step.velocity:
            out[_velocity_key(key)] = {
                **_entry(step.velocity[key], "v_" + notation.plain(key), velocity, f"v = beta*v - eta*{gradient}",
                         [str(gradient_key)]),
                "equation": rf"{velocity} \leftarrow \beta\, {velocity} - \eta\, {gradient_latex}"}
    return out


def iterations_json(run: TrainingRun, like: Solution) -> list[dict]:
    """CONTRACT §3: one entry per recorded update step, with every quantity of that step."""
    out = []
    notation = like.notation
    for step in run.steps:
        solutions = step_solutions(run, step, like)
        if len(solutions) == 1:
            quantities = quantities_json(solutions[0])
        else:
            quantities = {"E": _entry(step.loss, "mean " + notation.plain(Key("E")), notation.latex(Key("E")),
                                      "mean over the batch", [])}
            names = ", ".join(f"example {n + 1}" for n in step.examples)
            for key in step.parameters_before:
                gradient_key = key.gradient
                quantities[str(gradient_key)] = _entry(
                    step.gradients[key], notation.plain(gradient_key), notation.latex(gradient_key),
                    f"mean of {notation.plain(gradient_key)} over {names}", [])
        updates = _update_entries(step, notation)
        for name, entry in updates.items():
            quantities[name] = {**quantities.get(name, {}), **entry}
        entry = {"epoch": step.epoch, "step": step.step, "examples": [n + 1 for n in step.examples],
                 "quantities": quantities}
        if len(solutions) > 1:
            entry["per_example"] = [{"example": n + 1, "quantities": quantities_json(s)}
                                    for n, s in zip(step.examples, solutions)]
        out.append(entry)
    return out


# ----------------------------------------------------------------------------- the sheet's tables


def _tables(label: str, names_latex: list[str], rows: list[tuple[str, list[float]]], precision: int,
            loss: list[float] | None = None) -> list[dict]:
    """Rows of numbers cut into tables of at most COLUMNS value columns, each headed by ``label``
    (the rows' names) and, with ``loss``, a loss column: [{"label", "loss", "names_latex", "rows"}];
    a cell is {"text", "latex"}."""
    def cell(value: float) -> dict:
        text, latex = format_both(value, precision)
        return {"text": text, "latex": latex}

    tables = []
    for start in range(0, len(names_latex) if rows else 0, COLUMNS):
        tables.append({"label": label, "loss": loss is not None, "names_latex": names_latex[start:start + COLUMNS],
                       "rows": [{"label": name, "loss": cell(loss[n]) if loss else None,
                                 "cells": [cell(v) for v in values[start:start + COLUMNS]]}
                                for n, (name, values) in enumerate(rows)]})
    return tables


def _data_tables(run: TrainingRun, like: Solution) -> list[dict]:
    spec, notation, precision = run.spec, like.notation, like.precision
    keys = [Key("input", (i + 1,)) for i in range(len(spec.examples[0].input))]
    keys += [Key("target", (k + 1,)) for k in range(len(spec.examples[0].target))]
    rows = [(str(n + 1), [*example.input, *example.target]) for n, example in enumerate(spec.examples)]
    return _tables("example", [notation.latex(k) for k in keys], rows, precision)


def _examples_text(run: TrainingRun, examples: tuple[int, ...]) -> str:
    if list(examples) == list(range(len(run.spec.examples))) and len(examples) > 2:
        return f"all {len(examples)} examples"
    numbers = [str(n + 1) for n in examples]
    if len(numbers) == 1:
        return "example " + numbers[0]
    return "examples " + ", ".join(numbers[:-1]) + " and " + numbers[-1]


def _step_context(run: TrainingRun, step: TrainingStep, like: Solution, losses: tuple[float, float]) -> dict:
    """One shown step: its batch, per-example gradients and mean, the update lines, the losses."""
    notation, precision = like.notation, like.precision
    parameters = list(step.parameters_before)
    number = lambda v: latex_number(v, precision)  # noqa: E731
    gradient_rows = []
    if len(step.examples) > 1 or step.step > 1:
        per_example = run.values(step)
        gradient_rows = [(f"example {n + 1}", [v[k.gradient] for k in parameters])
                         for n, v in zip(step.examples, per_example)]
        if len(step.examples) > 1:
            gradient_rows.append(("mean", [step.gradients[k] for k in parameters]))
    updates = [{"name": notation.latex(k), "new": notation.latex(k.updated), "gradient": notation.latex(k.gradient),
                "before": number(step.parameters_before[k]), "gradient_value": number(step.gradients[k]),
                "after": number(step.parameters_after[k]),
                "velocity_before": number(step.velocity_before[k]) if step.velocity else None,
                "velocity_after": number(step.velocity[k]) if step.velocity else None}
               for k in parameters]
    schedule, betas = run.spec.schedule, run.spec.betas
    return {"step": step.step, "epoch": step.epoch, "last": step.step == run.total_steps,
            "rate": number(schedule[1](step.step - 1)) if schedule else None,
            "beta": number(betas[1](step.step - 1)) if betas else None,
            "examples_text": _examples_text(run, step.examples), "batch_size": len(step.examples),
            "gradient_tables": _tables("", [notation.latex(k.gradient) for k in parameters], gradient_rows, precision),
            "updates": updates, "batch_loss": number(step.loss),
            "loss_before": number(losses[0]), "loss_after": number(losses[1])}


def _epoch_rows(epochs: int) -> list[int]:
    """The epochs an epoch table lists: all, or 0-10, about ten more evenly spaced, and the last.

    >>> _epoch_rows(3), _epoch_rows(1000)[9:13], _epoch_rows(1000)[-2:]
    ([0, 1, 2, 3], [9, 10, 100, 200], [900, 1000])
    """
    if epochs + 1 <= EPOCH_ROWS:
        return list(range(epochs + 1))
    every = _epoch_step(epochs)
    return sorted(set(range(11)) | set(range(every, epochs, every)) | {epochs})


def _epoch_step(epochs: int) -> int:
    return -(-epochs // 10)


def training_context(run: TrainingRun, like: Solution) -> dict:
    """What the sheet's training parts show: the data set, the shown steps, one row per epoch."""
    spec, notation, precision = run.spec, like.notation, like.precision
    shown = [run.step(s) for s in shown_steps(run.total_steps)]
    sets = [p for s in shown for p in (s.parameters_before, s.parameters_after)]
    step_losses = losses_at(spec, sets)
    parameters = list(run.parameters)
    epochs = _epoch_rows(spec.epochs)
    rows = [("0 (start)" if e == 0 else str(e), run.epoch_parameters[e].tolist()) for e in epochs]
    epoch_losses = [run.initial_loss if e == 0 else run.epoch_losses[e - 1] for e in epochs]
    first = shown[0]
    worked = first.examples[0]
    return {
        "mode": spec.mode, "epochs": spec.epochs, "examples": len(spec.examples),
        "batch_size": len(first.examples), "updates_per_epoch": run.updates_per_epoch,
        "total_steps": run.total_steps, "shuffle_seed": spec.shuffle_seed,
        "momentum": spec.with_momentum, "momentum_text": latex_number(spec.momentum, precision),
        "schedule": plain_latex(spec.schedule[0]) if spec.schedule else None,
        "momentum_schedule": plain_latex(spec.betas[0]) if spec.betas else None,
        "worked_example": worked + 1, "worked_batch": _examples_text(run, first.examples),
        "data_tables": _data_tables(run, like),
        "steps": [_step_context(run, s, like, (step_losses[2 * n], step_losses[2 * n + 1])) for n, s in enumerate(shown)],
        "shown_steps": [s.step for s in shown],
        "epoch_rows_all": len(epochs) == spec.epochs + 1, "epoch_rows_every": _epoch_step(spec.epochs),
        "tables": _tables("epoch", [notation.latex(k) for k in parameters], rows, precision, epoch_losses),
    }


def training_sheet(context: dict, run: TrainingRun, solution: Solution) -> dict:
    """The solution's context for a training sheet: its ``training`` part; the worked pass of step 1
    without the example's own parameter update (the run's update is shown per step instead), unless
    the hidden layers' signals use the updated weights (hidden_uses: new); the given values without
    the example (the data set has it, and the worked pass names it)."""
    keep_updates = solution.spec.architecture.hidden_uses == "new"
    sections = []
    for section in context["sections"]:
        if section["kind"] == "updates" and not keep_updates:
            continue
        if section["kind"] == "matrix":
            section = {**section, "blocks": [b for b in section["blocks"] if b.get("form") != "matrix-update"]}
        sections.append(section)
    example_keys = [k for k in solution.graph.given if k.kind in ("input", "target")]
    worked = [f"{solution.steps[k].latex} = {solution.steps[k].value_latex}" for k in example_keys]
    example_labels = {"Inputs", "Targets"}
    given = [group for group in context["given"] if group[0] not in example_labels]
    training = {**training_context(run, solution), "worked_values": worked, "keeps_updates": keep_updates}
    return {**context, "sections": sections, "given": given, "training": training}


def solution_document(solution: Solution, run: TrainingRun | None = None) -> dict:
    """The JSON of CONTRACT §3: the solved step, with ``iterations`` for a training run.

    For a training run the top-level quantities are step 1's worked example, except that its updated
    parameters are the run's step 1 (the mean gradient over the batch, momentum); ``iterations`` hold
    the recorded steps (``recorded_steps``), ``epochs`` the loss and parameters after every epoch."""
    document = solution_json(solution)
    if run is not None:
        first = run.steps[0]
        for name, entry in _update_entries(first, solution.notation).items():
            document["quantities"][name] = {**document["quantities"].get(name, {}), **entry, "section": "update"}
        document["iterations"] = iterations_json(run, solution)
        document["epoch_losses"] = list(run.epoch_losses)
        document["record"] = run.record
        document["updates"] = run.total_steps
        document["recorded_steps"] = [s.step for s in run.steps]
        document["epochs"] = [{"epoch": e, "loss": run.initial_loss if e == 0 else run.epoch_losses[e - 1],
                               "parameters": {str(k): v for k, v in zip(run.parameters, row)}}
                              for e, row in enumerate(run.epoch_parameters.tolist())]
        document["step_losses"] = list(run.step_losses)
    return document
