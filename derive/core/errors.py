"""Errors meant for people: one line naming the file, the field, what was expected.

Every refusal of user input raises :class:`InputError`; the CLI prints its
``str()`` on one line and exits with status 2.

>>> str(InputError("net.yaml", "weights[0]", "a 2x2 matrix", got="a 2x3 matrix"))
'net.yaml: weights[0]: expected a 2x2 matrix, got a 2x3 matrix'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["DeriveError", "InputError", "ToolMissing", "suggest"]


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
        parts = [p for p in (self.source, self.field) if p]
        text = ": ".join(parts + [f"expected {self.expected}"])
        if self.got is not None:
            text += f", got {self.got}"
        if self.suggestion:
            text += f" ({self.suggestion})"
        return " ".join(text.split())  # one line, whatever was passed in


class ToolMissing(DeriveError):
    """An external program (pdflatex) is not installed."""


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """Return "did you mean 'x'?" for the closest of ``choices``, or None.

    >>> suggest("sigmiod", ["sigmoid", "tanh"])
    "did you mean 'sigmoid'?"
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
