"""Reports of a checked sheet: a terminal text report, Markdown, and the contract's JSON.

Only this module turns verdicts into text; numbers are shown as the student
wrote them and expected values with derive's display rule (docs/numbers.md).

>>> from derive.core.spec import builtin_spec
>>> from derive.check import check_answers
>>> print(as_text(check_answers(builtin_spec(), {"net_h1": "0.3775"}, asks=())).splitlines()[-1])
1 correct, 0 consistent, 0 wrong, 0 missing
"""

from __future__ import annotations

import json

import click

from derive.present.formatting import format_number
from derive.check.verdicts import VERDICTS, CheckResult

__all__ = ["as_text", "as_markdown", "as_json", "COLOURS"]

COLOURS = {"correct": "green", "consistent": "cyan", "wrong": "red", "missing": "yellow"}
MARKS = {"correct": "✓", "consistent": "≈", "wrong": "✗", "missing": "–"}


def _summary(result: CheckResult) -> str:
    return ", ".join(f"{result.counts.get(v, 0)} {v}" for v in VERDICTS)


def _explain(entry) -> str:
    if entry.verdict == "consistent" and entry.same_as:
        return (f"same mistake as at {entry.same_as} ({entry.mistake}), carried forward: your own values "
                f"with it give {format_number(entry.shown(entry.recomputed), 6)}"
                + (f"; note: {entry.note.split('; ', 1)[1]}" if "; " in (entry.note or "") else ""))
    if entry.verdict == "consistent":
        text = f"follows from your own earlier values (they give {format_number(entry.shown(entry.recomputed), 6)})"
        return text + (f"; note: {entry.note}" if entry.note else "")
    if entry.verdict == "wrong":
        return entry.diagnosis or "no known mistake reproduces this number"
    if entry.verdict == "missing":
        return "not answered"
    return ""


def as_text(result: CheckResult, colour: bool = False) -> str:
    """One line per answer; the first wrong step is marked with '>>'."""
    first = result.first_wrong
    width = max([len(e.name) for e in result.entries] + [8])
    lines = [f"Answer sheet {result.source} (exercise: {result.exercise})"
             + (f", student {result.student}" if result.student else "")]
    if result.rounding:
        lines.append(_chained_line(result))
    for e in result.entries:
        given = e.text if e.text is not None else "—"
        verdict = f"{MARKS[e.verdict]} {e.verdict:<10}"
        if colour:
            verdict = click.style(verdict, fg=COLOURS[e.verdict], bold=e is first)
        pointer = ">>" if e is first else "  "
        line = f"{pointer} {e.name:<{width}}  {given:>12}  expected {format_number(e.shown(e.expected), 6):>11}  {verdict}"
        explanation = _explain(e)
        lines.append(line + (f"  {explanation}" if explanation else ""))
    if first is not None:
        lines.append(f"First wrong step: {first.name}.")
    lines.append(_summary(result))
    return "\n".join(lines)


def _chained_line(result: CheckResult) -> str:
    return (f"Expected: the chained-rounding solution at {result.rounding} (each step from the previous "
            "rounded values); the full-precision value counts as correct too.")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def as_markdown(result: CheckResult) -> str:
    first = result.first_wrong
    lines = [f"# Checked answers: {result.exercise}", ""]
    if result.student:
        lines += [f"Student: {result.student}", ""]
    lines += [f"Sheet `{result.source}`. {_summary(result)}." +
              (f" First wrong step: **{_md_cell(first.name)}**." if first else ""), ""]
    if result.rounding:
        lines += [_chained_line(result), ""]
    lines += [
              "| step | your answer | expected | verdict | comment |", "| --- | ---: | ---: | --- | --- |"]
    for e in result.entries:
        verdict = f"**{e.verdict}**" if e.verdict == "wrong" else e.verdict
        lines.append(f"| `{_md_cell(e.name)}` | {e.text if e.text is not None else '—'} | "
                     f"{format_number(e.shown(e.expected), 6)} | {MARKS[e.verdict]} {verdict} | {_md_cell(_explain(e))} |")
    lines += ["", "✓ correct: the exact value rounded to the digits you gave. "
              "≈ consistent: wrong against the exact value, right from your own earlier numbers "
              "(error carried forward).", ""]
    return "\n".join(lines)


def as_json(result: CheckResult) -> str:
    return json.dumps(result.as_json(), indent=2, ensure_ascii=False)
