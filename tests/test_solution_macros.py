"""The worked solution's words and equation lines are written once per template syntax:
solution_macros.tex.j2 is solution_macros.md.j2 with the LaTeX-safe delimiters (\\VAR{}, \\BLOCK{},
\\#{}) of derive/render/templating.py.  This test keeps the two from drifting apart."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DELIMITERS = [("{{-", "\\VAR{-"), ("{{ ", "\\VAR{ "), (" }}", " }"), ("{%-", "\\BLOCK{-"), ("{% ", "\\BLOCK{ "),
              (" %}", " }"), ("{#-", "\\#{-"), (" #}", " }")]


def test_latex_macros_are_the_markdown_macros_in_latex_delimiters():
    text = (TEMPLATES / "solution_macros.md.j2").read_text()
    text = text.replace("solution_body.md.j2; solution_macros.tex.j2 is the same for LaTeX)",
                        "solution_body.tex.j2; solution_macros.md.j2 is the same for Markdown)")
    for markdown, latex in DELIMITERS:
        text = text.replace(markdown, latex)
    assert (TEMPLATES / "solution_macros.tex.j2").read_text() == text
