"""From sheet contexts to files: templates (Jinja2, sandboxed for user folders),
plots, pdflatex, and staging, so a run writes all of its files or none.
"""
