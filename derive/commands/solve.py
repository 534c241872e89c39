"""``derive solve``: load a spec, solve it, render the requested formats, write them."""

from __future__ import annotations

import json

from pathlib import Path

import click

from ..errors import InputError
from ..formatting import DEFAULT_PRECISION
from ..outputs import parse_formats, write_with_pdf
from ..spec import MAX_WEIGHTS, NOTATIONS, builtin_spec, load_spec

FORMATS = ("md", "tex", "pdf", "json")


def render_solution(solution, formats, templates_dir=None, run=None) -> dict[str, str | bytes]:
    """{file name: content} for the requested formats; the PDF is compiled from the .tex.

    ``run`` (a TrainingRun) adds the training tables, the loss plot and JSON iterations.
    """
    from ..diagram import svg
    from ..report import dumps, solution_context
    from ..templating import render

    files: dict[str, str | bytes] = {}
    context = solution_context(solution)
    context["training"] = None
    figures: dict[str, bytes] = {}
    if run is not None:
        from ..training_report import loss_plot, training_context

        context["training"] = training_context(run, solution.precision)
        if "md" in formats:
            files["loss.png"] = loss_plot(run, "png")
        if {"tex", "pdf"} & set(formats):
            figures["loss.pdf"] = loss_plot(run, "pdf")
    if "md" in formats:
        files["solution.md"] = render("solution.md.j2", context, templates_dir)
        files[context["svg_name"]] = svg(solution)
    tex = render("solution.tex.j2", context, templates_dir) if {"tex", "pdf"} & set(formats) else None
    if "tex" in formats:
        files["solution.tex"] = tex
        files.update(figures)
    if "pdf" in formats:
        from ..texcompile import compile_pdf

        files["solution.pdf"] = compile_pdf(tex, figures)
    if "json" in formats:
        files["solution.json"] = dumps(solution_document(solution, run))
    return files


def solution_document(solution, run=None) -> dict:
    """The JSON of CONTRACT §3, with ``iterations`` for a training run."""
    from ..report import solution_json

    document = solution_json(solution)
    if run is not None:
        from ..training_report import iterations_json

        document["iterations"] = iterations_json(run)
        document["epoch_losses"] = list(run.epoch_losses)
    return document


def _refuse_non_finite(spec, solution) -> None:
    """A NaN or infinite quantity means the spec asks for something undefined (log of 0, overflow)."""
    import math

    # A chain-rule factor may be infinite at a saturated output (dE/dout of bce at out = 1) while the
    # error signal, evaluated in its stable form, is fine: only the results must be finite.
    results = ("net", "out", "E", "delta", "dE/dw", "dE/db", "dE/dtheta", "w_new", "b_new", "theta_new")
    bad = next((step for step in solution.steps.values()
                if step.key.kind in results and not math.isfinite(step.value)), None)
    if bad is not None:
        field = "loss" if bad.key.kind in ("E", "delta") else "weights"
        saturating = spec.architecture.activations[-1] in ("sigmoid", "softmax")
        hint = ("loss bce/cce needs outputs strictly between 0 and 1: use a sigmoid or softmax output layer"
                if spec.architecture.loss in ("bce", "cce") and not saturating else "use smaller weights or inputs")
        raise InputError(spec.source, field, "numbers for which every quantity is finite",
                         got=f"{bad.name} = {bad.value_text}", suggestion=hint)


def run_solve(spec_path, formats_text, out_dir, precision, notation, exact, templates_dir, max_weights):
    formats = parse_formats(formats_text, FORMATS)
    if notation is not None and notation not in NOTATIONS:
        from ..errors import suggest

        raise InputError("--notation", "", "one of " + ", ".join(NOTATIONS), got=repr(notation),
                         suggestion=suggest(notation, NOTATIONS))
    spec = load_spec(spec_path, max_weights or MAX_WEIGHTS) if spec_path else builtin_spec()
    from ..solution import solve

    precision = DEFAULT_PRECISION if precision is None else precision
    run = None
    if spec.is_single_step:
        solution = solve(spec, exact=exact, precision=precision, notation=notation)
    else:
        from ..training import train

        run = train(spec, exact=exact, precision=precision, notation=notation)
        solution = run.steps[0].solutions[0]
    _refuse_non_finite(spec, solution)
    if formats == ["json"] and out_dir is None:
        from ..report import dumps

        click.echo(dumps(solution_document(solution, run)), nl=False)
        return
    folder = Path(out_dir) if out_dir else Path("output") / spec.name
    write_with_pdf(folder, lambda wanted: render_solution(solution, wanted, templates_dir, run), formats)


def run_solve_variant(code, question_number, formats_text, out_dir, precision):
    """``derive solve --variant CODE --question K``: the full worked solution of that exam question."""
    from ..exam.variants import regenerate

    formats = parse_formats(formats_text, FORMATS)
    variant = regenerate(code)
    if question_number > len(variant.questions):
        raise InputError("--question", "", f"a question number from 1 to {len(variant.questions)}",
                         got=str(question_number))
    question = variant.questions[question_number - 1]
    precision = DEFAULT_PRECISION if precision is None else precision
    if formats == ["json"] and out_dir is None:
        from ..report import dumps

        if question.family.spec(question.params) is not None:
            from ..solution import solve
            from ..spec import parse_spec

            spec = parse_spec(question.family.spec(question.params), source=f"<variant {variant.code}>")
            click.echo(dumps(solution_document(solve(spec, precision=precision))), nl=False)
        else:   # one JSON object on stdout: the family's files, by name
            files = question.family.solve_files(question.params, ["json"], precision)
            click.echo(dumps({name[:-5]: json.loads(text) for name, text in sorted(files.items())
                              if name.endswith(".json")}), nl=False)
        return
    folder = Path(out_dir) if out_dir else Path("output") / f"{variant.code}-q{question_number}"
    write_with_pdf(folder, lambda wanted: question.family.solve_files(question.params, wanted, precision), formats)
