"""Errors meant for people: one line naming the file, the field, what was expected.

Every refusal of user input raises :class:`InputError`; the CLI prints its
``str()`` on one line and exits with status 2.

>>> str(InputError("net.yaml", "weights[0]", "a 2x2 matrix", got="a 2x3 matrix"))
'net.yaml: weights[0]: expected a 2x2 matrix, got a 2x3 matrix'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["DeriveError", "InputError", "ToolMissing", "suggest", "cut"]


class DeriveError(Exception):
    """Base class of the errors derive reports without a traceback."""

    exit_status = 1


class InputError(DeriveError):
    """Bad user input: a spec, an answer sheet, a function text, a flag."""

    exit_status = 2

    def __init__(self, source: str, field: str, expected: str, got: str | None = None,
                 suggestion: str | None = None):
        self.source, self.field, self.expected = source, field, expected
        self.got, self.suggestion = got, suggestion
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [cut(p, width, keep_end) for p, width, keep_end in
                 ((self.source, SOURCE_WIDTH, True), (self.field, FIELD_WIDTH, False)) if p]
        text = ": ".join(parts + [f"expected {self.expected}"])
        if self.suggestion:
            suggestion = f" ({cut(self.suggestion, SOURCE_WIDTH)})"
        else:
            suggestion = ""
        if self.got is not None:      # what was given is cut to what is left of a terminal line
            text += ", got " + cut(str(self.got), max(GOT_WIDTH, LINE_WIDTH - len(text) - len(suggestion) - 6))
        return _one_line(text + suggestion)


#: An error line should fit a wide terminal line; what the user gave is cut (with "…") to fit.
LINE_WIDTH = 160
GOT_WIDTH = 60
FIELD_WIDTH = 40
SOURCE_WIDTH = 110            # a path is cut at its start: the file's own name stays


def _one_line(text: str) -> str:
    return " ".join(text.split())  # one line, whatever was passed in


def cut(text: str, width: int = LINE_WIDTH, keep_end: bool = False) -> str:
    """``text`` on one line, cut to ``width`` characters with "…" (at the start with ``keep_end``).

    >>> cut("0." + "9" * 50, 12), cut("/very/long/folder/sheet.yaml", 12, keep_end=True)
    ('0.999999999…', '…/sheet.yaml')
    """
    text = _one_line(str(text))
    if len(text) <= width:
        return text
    return "…" + text[-(width - 1):] if keep_end else text[:width - 1] + "…"


class ToolMissing(DeriveError):
    """An external program (pdflatex) is not installed."""


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """Return "did you mean 'x'?" for the closest of ``choices``, or None.

    >>> suggest("sigmiod", ["sigmoid", "tanh"])
    "did you mean 'sigmoid'?"
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
