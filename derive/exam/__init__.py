"""Exercise families and randomized exams (CONTRACT §6).

One generation loop (:mod:`derive.exam.pipeline`) draws every variant from an
explicit ``numpy.random.Generator``; a family is declarative data plus a small
generator (:mod:`derive.exam.family`); every output format is only a different
writer at the end (LaTeX/PDF, Markdown, JSON, CSV, Moodle XML).
"""
