"""Training runs as JSON iterations, tables and a loss plot."""

from __future__ import annotations

import io

from .formatting import format_number, latex_number
from .keys import Key
from .report import quantities_json
from .training import TrainingRun, updated_key

__all__ = ["iterations_json", "training_context", "loss_plot"]

COLUMNS = 5   # parameters per epoch table


def _entry(value: float, name: str, latex: str, formula: str, depends_on: list[str]) -> dict:
    return {"value": value, "name": name, "latex": latex, "formula": formula, "depends_on": depends_on}


def iterations_json(run: TrainingRun) -> list[dict]:
    """CONTRACT §3: one entry per update step, with every quantity of that step."""
    out = []
    for step in run.steps:
        first = step.solutions[0]
        notation = first.notation
        if len(step.solutions) == 1:
            quantities = quantities_json(first)
        else:
            quantities = {"E": _entry(step.loss, "mean " + notation.plain(Key("E")), notation.latex(Key("E")),
                                      "mean over the batch", [])}
        for key in step.parameters_before:
            gradient_key = Key({"w": "dE/dw", "b": "dE/db", "theta": "dE/dtheta"}[key.kind], key.index)
            new_key = updated_key(key)
            if len(step.solutions) > 1:
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
        if len(step.solutions) > 1:
            entry["per_example"] = [{"example": n + 1, "quantities": quantities_json(s)}
                                    for n, s in zip(step.examples, step.solutions)]
        out.append(entry)
    return out


def training_context(run: TrainingRun, precision: int) -> dict:
    """Tables for the sheet: the first step's averaging, then one row per epoch."""
    spec, first = run.spec, run.steps[0]
    notation = first.solutions[0].notation
    parameters = list(first.parameters_before)
    averaging = []
    if len(first.solutions) > 1:
        for key in parameters:
            gradient_key = Key({"w": "dE/dw", "b": "dE/db", "theta": "dE/dtheta"}[key.kind], key.index)
            values = [s.value(gradient_key) for s in first.solutions]
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


def loss_plot(run: TrainingRun, fmt: str) -> bytes:
    """The loss before each update step and after each epoch (PNG or PDF, byte-reproducible)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.2), dpi=100)
    steps = [s.step for s in run.steps]
    axes.plot(steps, [s.loss for s in run.steps], marker="o", markersize=3, label="batch loss before the step")
    per_epoch = run.updates_per_epoch
    axes.plot([per_epoch * (e + 1) for e in range(run.spec.epochs)], run.epoch_losses, marker="s",
              linestyle="--", label="mean loss after the epoch")
    axes.set_xlabel("update step")
    axes.xaxis.get_major_locator().set_params(integer=True)   # steps are whole numbers
    axes.set_ylabel("loss E")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else {"Creator": None, "Producer": None, "CreationDate": None}
    figure.savefig(buffer, format=fmt, metadata=metadata)
    plt.close(figure)
    return buffer.getvalue()
