"""How quantities look on the page: the LaTeX and plain-text printers, the
notations (mazur, signal, layered, units), number formatting, and a solved
step graph with every step printed (``solution``).  Imports only ``core``.
"""
