"""The files of a network's worked solution: solution.{md,tex,pdf,json}, the
network's SVG for the Markdown, and for a training run the loss plot."""

from __future__ import annotations

from dataclasses import replace

from derive.render.build import build_files

__all__ = ["solution_files"]


def solution_files(solution, formats, templates_dir=None, run=None, checker=None) -> dict[str, str | bytes]:
    """{file name: content} for the requested formats; ``run`` (a TrainingRun) adds the
    training tables, the loss plot and the JSON's iterations.  The page (html) needs
    ``checker``, which prints a spec's checker data (derive.check.page.exercise_script), and
    one step: a training run has no page."""
    from derive.core.errors import InputError
    from derive.sheets.diagram import svg
    from derive.sheets.solution import solution_context
    from derive.sheets.training import solution_document

    context = solution_context(solution)
    context["training"] = None
    figures = {}
    if run is not None and {"md", "tex", "pdf"} & set(formats):
        from derive.render.plots import loss_plot
        from derive.sheets.training import training_sheet

        context = training_sheet(context, run, solution)
        figures["loss"] = loss_plot(run)
    json_data = solution_document(solution, run) if "json" in formats else None
    md_files = {context["svg_name"]: svg(solution)} if "md" in formats else None
    page = None
    if "html" in formats:
        from markupsafe import Markup

        if run is not None:
            raise InputError(solution.spec.source, "data", "one training step on one example for --format html "
                             "(the page checks one step)", got="training over several examples or epochs",
                             suggestion="leave html out of --format")

        page = {"context": {"figure": Markup(svg(solution)),
                            "names": {str(key): step.name for key, step in solution.steps.items()},
                            "asked": [str(key) for key, step in solution.steps.items() if step.section == "update"]},
                # checked under the names the page shows (derive solve --notation may differ from the spec's)
                "exercises": [checker(replace(solution.spec, notation=solution.notation.name))]}
    return build_files("solution", formats, context=context, json_data=json_data, figures=figures,
                       md_files=md_files, templates_dir=templates_dir, page=page)
