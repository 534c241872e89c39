"""``derive solve``: load a spec, solve it, render the requested formats, write them."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError, ToolMissing
from ..formatting import DEFAULT_PRECISION
from ..outputs import parse_formats, write_files
from ..spec import MAX_WEIGHTS, NOTATIONS, builtin_spec, load_spec

FORMATS = ("md", "tex", "pdf", "json")


def render_solution(solution, formats, templates_dir=None) -> dict[str, str | bytes]:
    """{file name: content} for the requested formats; the PDF is compiled from the .tex."""
    from ..diagram import svg
    from ..report import dumps, solution_context, solution_json
    from ..templating import render

    files: dict[str, str | bytes] = {}
    context = solution_context(solution)
    if "md" in formats:
        files["solution.md"] = render("solution.md.j2", context, templates_dir)
        files[context["svg_name"]] = svg(solution)
    tex = render("solution.tex.j2", context, templates_dir) if {"tex", "pdf"} & set(formats) else None
    if "tex" in formats:
        files["solution.tex"] = tex
    if "pdf" in formats:
        from ..texcompile import compile_pdf

        files["solution.pdf"] = compile_pdf(tex)
    if "json" in formats:
        files["solution.json"] = dumps(solution_json(solution))
    return files


def run_solve(spec_path, formats_text, out_dir, precision, notation, exact, templates_dir, max_weights):
    formats = parse_formats(formats_text, FORMATS)
    if notation is not None and notation not in NOTATIONS:
        from ..errors import suggest

        raise InputError("--notation", "", "one of " + ", ".join(NOTATIONS), got=repr(notation),
                         suggestion=suggest(notation, NOTATIONS))
    spec = load_spec(spec_path, max_weights or MAX_WEIGHTS) if spec_path else builtin_spec()
    from ..solution import solve

    solution = solve(spec, exact=exact, precision=DEFAULT_PRECISION if precision is None else precision,
                     notation=notation)
    if formats == ["json"] and out_dir is None:
        from ..report import dumps, solution_json

        click.echo(dumps(solution_json(solution)), nl=False)
        return
    pdf_missing = None
    if "pdf" in formats:
        try:
            files = render_solution(solution, formats, templates_dir)
        except ToolMissing as exc:
            pdf_missing = str(exc)
            files = render_solution(solution, [f for f in formats if f != "pdf"], templates_dir)
    else:
        files = render_solution(solution, formats, templates_dir)
    folder = Path(out_dir) if out_dir else Path("output") / spec.name
    written = write_files(folder, files)
    for path in written:
        click.echo(str(path))
    if pdf_missing:
        click.echo(f"note: {pdf_missing}", err=True)
