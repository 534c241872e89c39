"""Class report: many sheets (files, or a CSV with one row per student) -> one summary.

For each step: how many students were correct, consistent, wrong or missing,
and which named mistakes were most common; as Markdown, JSON and a bar chart.

>>> from derive.core.spec import builtin_spec
>>> from derive.check import check_answers
>>> results = [check_answers(builtin_spec(), {"w5+": w}, asks=()) for w in ("0.3589", "0.4411")]
>>> summary = summarise(results)
>>> summary["steps"]["w5+"]["wrong"], summary["mistakes"]
(1, {'gradient_added': 1})
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from derive.core.errors import InputError
from derive.check.sheet import AnswerSheet, load_sheet, parse_sheet
from derive.check.verdicts import VERDICTS, CheckResult

__all__ = ["load_sheets", "summarise", "summary_markdown", "summary_chart"]


def load_sheets(paths: list[str]) -> list[AnswerSheet]:
    """Every sheet: YAML/JSON files as they are, CSV files one sheet per row."""
    sheets: list[AnswerSheet] = []
    for path in paths:
        if path.lower().endswith(".csv"):
            sheets += _csv_sheets(Path(path))
        else:
            sheets.append(load_sheet(path))
    return sheets


def _csv_sheets(path: Path) -> list[AnswerSheet]:
    """Columns: ``student``, ``exercise``, then one column per quantity name; blank = not answered."""
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    except FileNotFoundError:
        raise InputError(str(path), "", "an existing CSV file", got="no such file") from None
    if not rows or "exercise" not in rows[0]:
        raise InputError(str(path), "header", "columns student, exercise and one per quantity",
                         got="no 'exercise' column" if rows else "no rows")
    sheets = []
    for n, row in enumerate(rows, start=2):
        answers = {k: v for k, v in row.items() if k not in ("student", "exercise") and v not in (None, "")}
        data = {"exercise": row["exercise"], "answers": answers, "student": row.get("student") or f"row {n}"}
        # A student who answered nothing is in the class too: every asked quantity is missing.
        sheets.append(parse_sheet(data, f"{path}: row {n}", base=path.parent, allow_empty=True))
    return sheets


def summarise(results: list[CheckResult]) -> dict:
    """{"students": n, "steps": {name: {verdict: count}}, "mistakes": {rule: count}} (most common first)."""
    steps: dict[str, dict[str, int]] = {}
    position: dict[str, int] = {}
    mistakes: Counter = Counter()
    for result in results:
        for e in result.entries:
            steps.setdefault(e.name, dict.fromkeys(VERDICTS, 0))[e.verdict] += 1
            position.setdefault(e.name, e.position)
            if e.mistake:
                mistakes[e.mistake] += 1
    ordered = {name: steps[name] for name in sorted(steps, key=lambda n: position[n])}   # lecture order
    return {"students": len(results), "steps": ordered, "mistakes": dict(mistakes.most_common())}


def summary_markdown(summary: dict, chart: str | None = None) -> str:
    lines = [f"# Class summary ({summary['students']} sheets)", "",
             "| step | " + " | ".join(VERDICTS) + " |", "| --- |" + " ---: |" * len(VERDICTS)]
    for name, counts in summary["steps"].items():
        lines.append(f"| `{name.replace('|', chr(92) + '|')}` | " + " | ".join(str(counts[v]) for v in VERDICTS) + " |")
    lines += ["", "## Most common named mistakes", ""]
    lines += [f"{n}. `{rule}`: {count}" for n, (rule, count) in enumerate(summary["mistakes"].items(), 1)] or ["None."]
    if chart:
        lines += ["", f"![verdicts per step]({chart})"]
    return "\n".join(lines) + "\n"


def summary_chart(summary: dict) -> bytes:
    """A stacked bar chart (PNG) of the verdicts per step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from derive.check.report import COLOURS

    names = list(summary["steps"])
    figure, axes = plt.subplots(figsize=(max(6, 0.35 * len(names)), 4))
    bottom = [0] * len(names)
    for verdict in VERDICTS:
        counts = [summary["steps"][n][verdict] for n in names]
        axes.bar(names, counts, bottom=bottom, label=verdict, color={"cyan": "tab:cyan"}.get(COLOURS[verdict], COLOURS[verdict]))
        bottom = [b + c for b, c in zip(bottom, counts)]
    axes.set_ylabel("sheets")
    axes.tick_params(axis="x", rotation=90)
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()
