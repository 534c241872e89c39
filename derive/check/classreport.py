"""Class report: many sheets (files, or a CSV with one row per student) -> one summary.

It counts *students*, not occurrences: how many students made each named mistake (one student's
slip made at four weights is one student), how many were left undecided between candidates,
where each student's first wrong step falls, and which steps most students got right
(correct or consistent); per step, how many sheets were correct, consistent, wrong or missing.
As Markdown, JSON and pictures.

>>> from derive.core.spec import builtin_spec
>>> from derive.check import check_answers
>>> sheets = [{"w5+": "0.3589"}, {"w5+": "0.3178", "w6+": "0.3673"}]   # the 2nd forgets eta twice
>>> summary = summarise([check_answers(builtin_spec(), s, asks=()) for s in sheets])
>>> summary["students"], summary["steps"]["w5+"]["wrong"], summary["mistakes"], summary["first_wrong"]
(2, 1, {'learning_rate_forgotten': 1}, {'w5+': 1, 'none': 1})
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

from derive.core.errors import InputError
from derive.check.sheet import AnswerSheet, load_sheet, parse_sheet
from derive.check.verdicts import COPIED, VERDICTS, CheckResult

__all__ = ["load_sheets", "summarise", "summary_markdown", "summary_chart", "mistakes_chart", "student_of"]

#: Columns of a class CSV that are not quantities: who, which exercise, how it is marked.
CSV_FIELDS = ("student", "exercise", "question", "email", "id", "points", "consistent_credit")


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
    """Columns: ``student``, ``exercise``, optionally ``question``, ``email``, ``id``, ``points`` and
    ``consistent_credit`` (as on a sheet), then one column per quantity name; blank = not answered."""
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    except FileNotFoundError:
        raise InputError(str(path), "", "an existing CSV file", got="no such file") from None
    if not rows or "exercise" not in rows[0]:
        raise InputError(str(path), "header", "columns student, exercise and one per quantity",
                         got="no 'exercise' column" if rows else "no rows")
    sheets = []
    for n, row in enumerate(rows, start=2):
        if None in row:
            raise InputError(f"{path}: row {n}", "", "as many cells as the header has columns",
                             got=f"{len(row[None])} more")
        answers = {k: v for k, v in row.items() if k not in CSV_FIELDS and v not in (None, "")}
        data = {k: row[k] for k in CSV_FIELDS if row.get(k) not in (None, "")}
        data.update(answers=answers, student=row.get("student") or f"row {n}")
        # A student who answered nothing is in the class too: every asked quantity is missing.
        sheets.append(parse_sheet(data, f"{path}: row {n}", base=path.parent, allow_empty=True))
    return sheets


def student_of(result: CheckResult, n: int) -> str:
    """Who the ``n``-th sheet belongs to, for counting students: the id, else the email, else the
    name; a sheet with none of them is a student of its own."""
    marking = result.sheet.marking if result.sheet is not None else None
    return (marking and (marking.student_id or marking.email)) or result.student or f"{result.source} #{n}"


def summarise(results: list[CheckResult]) -> dict:
    """{"students", "sheets", "steps": {name: {verdict: sheets}}, "mistakes": {rule: students},
    "candidates": {"a or b": students}, "first_wrong": {name: sheets, "none": sheets},
    "right": {name: sheets correct or consistent}} (most first, steps in the lecture's order)."""
    steps: dict[str, dict[str, int]] = {}
    position: dict[str, int] = {}
    mistakes: dict[str, set] = {}
    undecided: dict[str, set] = {}
    first: Counter = Counter()
    for n, result in enumerate(results):
        student = student_of(result, n)
        for e in result.entries:
            steps.setdefault(e.name, dict.fromkeys(VERDICTS, 0))[e.verdict] += 1
            position.setdefault(e.name, e.position)
            if e.mistake:
                mistakes.setdefault(e.mistake, set()).add(student)
            elif e.candidates:
                label = " or ".join(c for c in e.candidates)
                undecided.setdefault(label, set()).add(student)
        wrong = result.first_wrong
        first[wrong.name if wrong else "none"] += 1
    order = sorted(steps, key=lambda n: position[n])                              # lecture order
    right = {name: steps[name]["correct"] + steps[name]["consistent"] for name in order}
    return {"students": len({student_of(r, n) for n, r in enumerate(results)}), "sheets": len(results),
            "steps": {name: steps[name] for name in order},
            "mistakes": _most(mistakes), "candidates": _most(undecided),
            "first_wrong": {name: first[name] for name in order + ["none"] if first[name]},
            "right": dict(sorted(right.items(), key=lambda item: -item[1]))}


def _most(students: dict[str, set]) -> dict[str, int]:
    return dict(sorted(((name, len(who)) for name, who in students.items()), key=lambda item: (-item[1], item[0])))


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def summary_markdown(summary: dict, charts: tuple[str, ...] = ()) -> str:
    sheets, students = summary["sheets"], summary["students"]
    lines = [f"# Class summary ({students} students, {sheets} sheets)", "",
             "| step | " + " | ".join(VERDICTS) + " |", "| --- |" + " ---: |" * len(VERDICTS)]
    for name, counts in summary["steps"].items():
        lines.append(f"| `{_md(name)}` | " + " | ".join(str(counts[v]) for v in VERDICTS) + " |")
    lines += ["", "## Named mistakes: how many students made each", ""]
    lines += [f"{n}. `{rule}`: {count} {'student' if count == 1 else 'students'}"
              for n, (rule, count) in enumerate(summary["mistakes"].items(), 1)] or ["None."]
    if summary["candidates"]:
        lines += ["", "Not named, because several explanations fit the number equally "
                  f"(`{COPIED}`: it equals a given number of the exercise):", ""]
        lines += [f"* {' or '.join(f'`{c}`' for c in label.split(' or '))}: {count} "
                  f"{'student' if count == 1 else 'students'}" for label, count in summary["candidates"].items()]
    lines += ["", "## Where the first wrong step falls", "", "| first wrong step | sheets |", "| --- | ---: |"]
    lines += [f"| {'no wrong step' if name == 'none' else f'`{_md(name)}`'} | {count} |"
              for name, count in summary["first_wrong"].items()]
    lines += ["", "## Steps most students got right (correct or consistent)", ""]
    ranked = [(name, count) for name, count in summary["right"].items() if 2 * count > sheets]
    lines += [f"{n}. `{name}`: {count} of {sheets} ({round(100 * count / sheets)} %)"
              for n, (name, count) in enumerate(ranked, 1)] or ["None: no step was right on more than half the sheets."]
    for chart in charts:
        lines += ["", f"![{chart.rsplit('.', 1)[0].replace('-', ' ')}]({chart})"]
    return "\n".join(lines) + "\n"


_MATH_SAFE = re.compile(r"^[A-Za-z0-9_/+\[\],.-]+$")


def _label(name: str) -> str:
    """A step's or rule's name for a picture: Computer Modern text has no underscore, so names
    are set as math in typewriter type, as the reports set them as code (``$\\mathtt{net\\_h1}$``)."""
    if not _MATH_SAFE.match(name):
        return name.replace("_", " ")
    return "$\\mathtt{%s}$" % name.replace("_", "\\_")


def _png(figure) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def summary_chart(summary: dict) -> bytes:
    """A stacked bar chart (PNG) of the verdicts per step, in the sheets' font."""
    import matplotlib

    from derive.render.plots import STYLE
    from derive.check.report import COLOURS

    with matplotlib.rc_context(STYLE):
        import matplotlib.pyplot as plt

        names = list(summary["steps"])
        labels = [_label(n) for n in names]
        figure, axes = plt.subplots(figsize=(max(6, 0.35 * len(names)), 4))
        bottom = [0] * len(names)
        for verdict in VERDICTS:
            counts = [summary["steps"][n][verdict] for n in names]
            axes.bar(labels, counts, bottom=bottom, label=verdict,
                     color={"cyan": "tab:cyan"}.get(COLOURS[verdict], COLOURS[verdict]))
            bottom = [b + c for b, c in zip(bottom, counts)]
        axes.set_ylabel("sheets")
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.tick_params(axis="x", rotation=90)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _png(figure)


def mistakes_chart(summary: dict) -> bytes:
    """Two panels (PNG): students per named mistake, and where the first wrong step falls."""
    import matplotlib

    from derive.render.plots import STYLE

    with matplotlib.rc_context(STYLE):
        import matplotlib.pyplot as plt

        mistakes = summary["mistakes"] or {"(none)": 0}
        first = summary["first_wrong"]
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, max(3.5, 0.3 * max(len(mistakes), len(first)))))
        names = list(mistakes)[::-1]
        left.barh([_label(n) for n in names], [mistakes[n] for n in names], color="#d62728")
        left.set_xlabel("students")
        left.set_title("Named mistakes")
        steps = [("no wrong step" if n == "none" else _label(n)) for n in first]
        right.bar(steps, list(first.values()), color="#1f77b4")
        right.set_ylabel("sheets")
        right.set_title("First wrong step")
        right.tick_params(axis="x", rotation=90)
        left.xaxis.get_major_locator().set_params(integer=True)     # counts of students: whole numbers
        right.yaxis.get_major_locator().set_params(integer=True)
        return _png(figure)
