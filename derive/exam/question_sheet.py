"""``derive question``: the question sheet of one network alone -- the diagram, the given values,
what to compute and the answer spaces, without a single solution number.

It is the question an exam asks about a fixed network (``spec:`` in an exam file), rendered by
the same templates (exam_network_question.j2 and the macros of exam_macros.j2), so a teacher can
hand out the problem and keep ``derive solve``'s sheet as the key.

>>> from derive.core.spec import builtin_spec
>>> files = question_files(builtin_spec(), ["md"])
>>> sorted(files), "0.3775" in files["question.md"], "| $w_{5}^{+}$ | |" in files["question.md"]
(['question-figure.svg', 'question.md'], False, True)
"""

from __future__ import annotations

import numpy

from derive._version import __version__
from derive.render.build import build_files
from derive.exam.authoring import fixed_family

__all__ = ["question_files", "FIGURE"]

#: The Markdown sheet's network diagram.
FIGURE = "question-figure.svg"


def question_files(spec, formats, precision: int = 9, asked: list[str] | None = None) -> dict[str, str | bytes]:
    """{file name: content} of the question sheet of ``spec`` (a NetworkSpec) in md, tex and pdf."""
    overrides = {"asked": asked} if asked else {}
    family = fixed_family(spec, spec.source, overrides, check=False)
    params = family.draw(numpy.random.default_rng(0))
    bodies = {fmt: family.render(params, "question", fmt, precision).replace("@@FIGURE@@", FIGURE)
              for fmt, wanted in (("md", {"md"}), ("tex", {"tex", "pdf"})) if wanted & set(formats)}
    context = {"title": family.title, "bodies": bodies, "version": __version__}
    md_files = {FIGURE: family.diagram_svg(params, precision)} if "md" in formats else None
    return build_files("question", formats, context=context, md_files=md_files)
