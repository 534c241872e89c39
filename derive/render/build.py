"""One way to turn a sheet into files: ``build_files`` renders the Markdown and
LaTeX of a sheet from its templates (or takes them ready-made), adds its
figures and JSON, and compiles the PDF.  Every command and exam family uses it;
writing the files is derive.render.outputs' job.
"""

from __future__ import annotations

from derive.present.formatting import dumps
from derive.render.templating import render

__all__ = ["build_files", "Figure"]

#: A figure as the two files the sheets use: PDF for LaTeX, PNG for Markdown.
Figure = tuple[bytes, bytes]


def build_files(name: str, formats, *, context: dict | None = None, template: str | None = None,
                json_data=None, figures: dict[str, Figure] | None = None,
                md_files: dict[str, str | bytes] | None = None, markdown: str | None = None,
                latex: str | None = None, templates_dir=None, page: dict | None = None) -> dict[str, str | bytes]:
    """{file name: content} of sheet ``name`` for ``formats`` (md, tex, pdf, json, html).

    The Markdown and LaTeX come from ``template``.md.j2 / .tex.j2 (default ``name``) rendered
    with ``context``, or are given as ``markdown`` / ``latex``.  ``figures`` maps a stem
    (``gd-plot``) to its (PDF, PNG): the Markdown shows the PNG, the LaTeX includes the PDF
    (handed to pdflatex with the document); ``md_files`` are extra files only the Markdown
    uses (the network's SVG).  ``json_data`` becomes ``name``.json.  The self-checking page
    ``name``.html comes from ``template``.html.j2 with ``context`` and ``page``'s ``context`` (what
    only the page shows), with ``page``'s ``exercises`` (checker data scripts) inlined.
    """
    formats = set(formats)
    figures = figures or {}
    template = template or name
    files: dict[str, str | bytes] = {}
    if context is not None:
        context = dict(context, figures={stem: {"pdf": f"{stem}.pdf", "png": f"{stem}.png"} for stem in figures})
    if "md" in formats:
        files[f"{name}.md"] = markdown if markdown is not None else render(f"{template}.md.j2", context, templates_dir)
        files.update(md_files or {})
        files.update({f"{stem}.png": png for stem, (_, png) in figures.items()})
    if {"tex", "pdf"} & formats:
        tex = latex if latex is not None else render(f"{template}.tex.j2", context, templates_dir)
        pdf_figures = {f"{stem}.pdf": pdf for stem, (pdf, _) in figures.items()}
        if "tex" in formats:
            files[f"{name}.tex"] = tex
            files.update(pdf_figures)
        if "pdf" in formats:
            from derive.render.texcompile import compile_pdf

            files[f"{name}.pdf"] = compile_pdf(tex, pdf_figures)
    if "html" in formats:
        from derive.render.html import html_page

        files[f"{name}.html"] = html_page(f"{template}.html.j2", dict(context, **page["context"]),
                                          page["exercises"], templates_dir)
    if "json" in formats and json_data is not None:
        files[f"{name}.json"] = dumps(json_data)
    return files
