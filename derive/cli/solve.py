"""``derive solve``: load a spec, solve it, render the requested formats, write them."""

from __future__ import annotations

import dataclasses
import json

from pathlib import Path

import click

from derive.core.errors import InputError
from derive.present.formatting import DEFAULT_PRECISION, dumps
from derive.render.outputs import parse_formats, write_with_pdf
from derive.core.spec import MAX_WEIGHTS, NOTATIONS, builtin_spec, load_spec, with_rounding

FORMATS = ("md", "tex", "pdf", "json", "html")
QUESTION_FORMATS = ("md", "tex", "pdf")


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
        if solution.chained is not None and _finite_text(bad.exact):
            field, hint = "rounding", "rounding an earlier step to 0 or 1 left it undefined: round to more places"
        raise InputError(spec.source, field, "numbers for which every quantity is finite",
                         got=f"{bad.name} = {bad.value_text}", suggestion=hint)


def _finite_text(text) -> bool:
    import math

    try:
        return math.isfinite(float(text))
    except (TypeError, ValueError):
        return False


def parse_record(text: str) -> str | int:
    """``--record``: shown, all, or a whole number N >= 1 (the first N steps as well as the shown ones)."""
    if text in ("shown", "all"):
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise InputError("--record", "", "shown, all or a whole number of first steps (1 or more)", got=repr(text))


def check_notation(notation: str | None, option: str = "--notation") -> None:
    """Refuse a notation name derive does not know (None: the spec's own)."""
    if notation is not None and notation not in NOTATIONS:
        from derive.core.errors import suggest

        raise InputError(option, "", "one of " + ", ".join(NOTATIONS), got=repr(notation),
                         suggestion=suggest(notation, NOTATIONS))


def solve_spec(spec, precision=None, notation=None, exact=False, record="shown"):
    """(solution, run) of a loaded spec as ``derive solve`` works it: one step, or a training run
    (``run``, a TrainingRun, else None) whose first step is the solution; refuses undefined numbers."""
    from derive.present.solution import solve

    precision = DEFAULT_PRECISION if precision is None else precision
    run = None
    if spec.is_single_step:
        solution = solve(spec, exact=exact, precision=precision, notation=notation)
    else:
        from derive.core.training import train

        run = train(spec, exact=exact, record=record)
        solution = solve(spec, exact=exact, precision=precision, notation=notation, given=run.givens(run.steps[0])[0])
    _refuse_non_finite(spec, solution)
    return solution, run


def with_lr_symbol(spec, lr_symbol: str | None):
    """The spec with the learning rate written as ``lr_symbol`` (--lr-symbol; None: the spec's own)."""
    return spec if lr_symbol is None else dataclasses.replace(spec, lr_symbol=lr_symbol)


def run_solve(spec_path, formats_text, out_dir, precision, notation, exact, templates_dir, max_weights,
              chain_rounding=None, record="shown", lr_symbol=None):
    formats = parse_formats(formats_text, FORMATS)
    record = parse_record(record)
    check_notation(notation)
    spec = load_spec(spec_path, max_weights or MAX_WEIGHTS) if spec_path else builtin_spec()
    spec = with_lr_symbol(with_rounding(spec, chain_rounding), lr_symbol)
    solution, run = solve_spec(spec, precision, notation, exact, record)
    if formats == ["json"] and out_dir is None:
        from derive.sheets.training import solution_document

        click.echo(dumps(solution_document(solution, run)), nl=False)
        return
    from derive.check.page import exercise_script
    from derive.render.solution import solution_files

    folder = Path(out_dir) if out_dir else Path("output") / spec.name
    write_with_pdf(folder, lambda wanted: solution_files(solution, wanted, templates_dir, run, exercise_script),
                   formats)


def run_solve_variant(code, question_number, formats_text, out_dir, precision, chain_rounding=None, exam=None,
                      lr_symbol=None):
    """``derive solve --variant CODE --question K [--exam EXAM.yaml]``: the full worked solution of that
    exam question (the exam file, or family file, decodes teacher-authored questions)."""
    from derive.exam.variants import regenerate

    formats = parse_formats(formats_text, FORMATS)
    variant = regenerate(code, exam=exam)
    if question_number > len(variant.questions):
        raise InputError("--question", "", f"a question number from 1 to {len(variant.questions)}",
                         got=str(question_number))
    question = variant.questions[question_number - 1]
    precision = DEFAULT_PRECISION if precision is None else precision
    family, params = question.family, question.params
    if lr_symbol is not None:    # the letter is not part of the code: --lr-symbol again, as for derive exam
        family = family.with_lr_symbol(lr_symbol)
        params = {**params, "lr_symbol": lr_symbol} if family.spec(params) is not None else params
    spec_data = family.spec(params)
    if chain_rounding is not None and spec_data is None:
        raise InputError("--chain-rounding", "", "a backpropagation question (a network) to work by hand",
                         got=f"question {question_number}, of family {question.family.id}")
    if formats == ["json"] and out_dir is None:
        from derive.sheets.training import solution_document

        if spec_data is not None:
            from derive.present.solution import solve
            from derive.core.spec import parse_spec

            spec = with_rounding(parse_spec(spec_data, source=f"<variant {variant.code}>"), chain_rounding)
            click.echo(dumps(solution_document(solve(spec, precision=precision))), nl=False)
        else:   # one JSON object on stdout: the family's files, by name
            files = family.solve_files(params, ["json"], precision)
            click.echo(dumps({name[:-5]: json.loads(text) for name, text in sorted(files.items())
                              if name.endswith(".json")}), nl=False)
        return
    if "html" in formats and spec_data is None:
        raise InputError("--format", "", "a backpropagation question (a network) for html, the page that checks "
                         "each step", got=f"question {question_number}, of family {question.family.id}",
                         suggestion="leave html out of --format")
    folder = Path(out_dir) if out_dir else Path("output") / f"{variant.code}-q{question_number}"
    if chain_rounding is not None or "html" in formats:   # a network question's worked solution (chained by hand)
        from derive.check.page import exercise_script
        from derive.core.spec import parse_spec
        from derive.present.solution import solve
        from derive.render.solution import solution_files

        spec = with_rounding(parse_spec(spec_data, source=f"<variant {variant.code}>"), chain_rounding)
        solution = solve(spec, precision=precision)
        write_with_pdf(folder, lambda wanted: solution_files(solution, wanted, checker=exercise_script), formats)
        return
    write_with_pdf(folder, lambda wanted: family.solve_files(params, wanted, precision), formats)


def run_question(spec_path, formats_text, out_dir, precision, asked=None):
    """``derive question [SPEC]``: the question sheet of a network alone (no solution numbers)."""
    from derive.exam.question_sheet import question_files

    formats = parse_formats(formats_text, QUESTION_FORMATS)
    spec = load_spec(spec_path) if spec_path else builtin_spec()
    spec = with_rounding(spec, "off")      # a question shows no worked numbers: its rounding does not matter
    precision = DEFAULT_PRECISION if precision is None else precision
    files = question_files(spec, [f for f in formats if f != "pdf"], precision, asked)   # input errors first
    folder = Path(out_dir) if out_dir else Path("output") / f"{spec.name}-question"
    write_with_pdf(folder, lambda wanted: question_files(spec, wanted, precision, asked) if "pdf" in wanted
                   else {name: text for name, text in files.items()}, formats)
