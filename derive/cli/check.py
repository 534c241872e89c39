"""``derive check ANSWERS``: load the sheet, check it, print the reports, set the exit status."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from derive.core.errors import InputError

FORMATS = ("text", "md", "json")

EPILOG = """\b
Examples:
  derive check my-answers.yaml               # coloured report on the terminal
  derive check my-answers.yaml --format json
  derive check my-answers.yaml --format md > feedback.md
  derive check answers/*.yaml --format md --out report/   # class summary + bar chart
  derive check my-answers.yaml --chain-rounding auto  # expected: chained at the sheet's own digits
  derive check responses.csv --exam exam/   # a Moodle or Canvas export of the exam in exam/
  derive check answers/*.yaml --grades grades.csv --grades-format canvas   # a grade book
\b
A sheet:  exercise: lecture        (or a spec file, relative to the sheet)
          answers: {net_h1: 0.3775, out_h1: 0.5933, w5+: 0.3589}
Exit status: 0 nothing wrong, 1 something wrong, 2 bad input.
"""


def parse_formats(text: str) -> list[str]:
    formats = [f.strip() for f in text.split(",") if f.strip()]
    for f in formats:
        if f not in FORMATS:
            from derive.core.errors import suggest

            raise InputError("--format", "", "text, md or json", got=repr(f), suggestion=suggest(f, FORMATS))
    return formats or ["text"]


def run_check(answers: list[str], formats_text: str, colour: bool | None = None, out_dir: str | None = None,
              chain_rounding: str | None = None, grades: str | None = None, grades_format: str = "plain",
              consistent_credit: float | None = None, points_from: str | None = None, grades_item: str = "Exam",
              exam: str | None = None) -> int:
    """Check one sheet, or several (a class), print the reports, write the grade book; return the exit status."""
    from derive.check.classreport import mistakes_chart, summarise, summary_chart, summary_markdown
    from derive.check.lms import read_sheets
    from derive.check.report import as_json, as_markdown, as_text
    from derive.check.descent_check import check_any as check_sheet   # network or gradient-descent sheets

    from derive.check.grades import GRADE_FORMATS, exam_points, grades_csv

    formats = parse_formats(formats_text)
    if grades_format not in GRADE_FORMATS:
        from derive.core.errors import suggest

        raise InputError("--grades-format", "", "plain, moodle or canvas", got=repr(grades_format),
                         suggestion=suggest(grades_format, GRADE_FORMATS))
    sheets, skipped = read_sheets(list(answers), exam)   # every bad input is refused before anything is printed
    for family in sorted(skipped):
        click.echo(f"derive: note: questions of {family} are not checked step by step (the LMS marks them)", err=True)
    results = [check_sheet(sheet, chain_rounding) for sheet in sheets]
    book = None
    if grades:
        points = exam_points(points_from) if points_from else None
        book = grades_csv(results, grades_format, consistent_credit, points, grades_item)
    colour = sys.stdout.isatty() if colour is None else colour
    status = max((r.exit_status for r in results), default=0)
    single = len(results) == 1 and not answers[0].lower().endswith(".csv")
    if single:
        result = results[0]
        outputs = {"text": lambda: as_text(result, colour), "md": lambda: as_markdown(result),
                   "json": lambda: as_json(result)}
        click.echo("\n\n".join(outputs[f]() for f in formats))
    else:
        summary = summarise(results)
        blocks = []
        for f in formats:
            if f == "json":
                blocks.append(json.dumps({"sheets": [{"source": r.source, "student": r.student, "answers": r.as_json()}
                                                     for r in results], "summary": summary},
                                         indent=2, ensure_ascii=False))
            elif f == "md":
                blocks += [as_markdown(r) for r in results] + [summary_markdown(summary)]
            else:
                blocks += [as_text(r, colour) for r in results] + [summary_markdown(summary)]
        click.echo("\n\n".join(blocks))
        if out_dir:
            from derive.render.outputs import write_files

            files = {f"{n:03d}-{_slug(r.student or Path(r.source).stem)}.md": as_markdown(r)
                     for n, r in enumerate(results, start=1)}
            files.update({"summary.png": summary_chart(summary), "mistakes.png": mistakes_chart(summary),
                          "summary.md": summary_markdown(summary, ("summary.png", "mistakes.png")),
                          "summary.json": json.dumps(summary, indent=2)})
            write_files(out_dir, files)       # all or nothing, inside the folder only
    if book is not None:
        from derive.render.outputs import write_files

        target = Path(grades)
        write_files(target.parent if str(target.parent) else ".", {target.name: book})
    return status


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:40] or "sheet"


def register(cli: click.Group) -> None:
    """Add ``check`` to the derive command group."""

    @cli.command(epilog=EPILOG)
    @click.argument("answers", metavar="ANSWERS...", nargs=-1, required=True)
    @click.option("--format", "formats", default="text", show_default=True, help="Comma-separated: text, md, json.")
    @click.option("--colour/--no-colour", "colour", default=None, help="Colour the text report [default: on a terminal].")
    @click.option("--out", "out_dir", default=None, help="With several sheets: write per-student Markdown, "
                  "summary.md, summary.json and summary.png here.")
    @click.option("--chain-rounding", "chain_rounding", default=None, metavar="auto|N|Nsig|off",
                  help="Compare with the chained-rounding solution too (each step from the previous rounded "
                       "values): auto at the digits of each answer, N decimal places, Nsig significant figures; "
                       "off: full precision only [default: the exercise's rounding, else off].")
    @click.option("--grades", "grades", default=None, metavar="FILE.csv",
                  help="Write the grade book: one row per student, one column per question, score, max_score.")
    @click.option("--grades-format", "grades_format", default="plain", show_default=True,
                  metavar="plain|moodle|canvas", help="plain (student, questions, score, max_score), or a CSV "
                  "Moodle's or Canvas's grade-book import reads (docs/check.md).")
    @click.option("--consistent-credit", "consistent_credit", default=None, type=click.FloatRange(0, 1),
                  metavar="F", help="Share of its points a consistent answer earns [default: the sheet's "
                  "consistent_credit, else 1].")
    @click.option("--points-from", "points_from", default=None, metavar="answers.json",
                  help="The exam's answers.json: question points for sheets of its variants.")
    @click.option("--grades-item", "grades_item", default="Exam", show_default=True,
                  help="The grade item (Moodle) or assignment (Canvas) the total goes to.")
    @click.option("--exam", "exam", default=None, metavar="DIR", help="The exam's folder (with answers.json): "
                  "read ANSWERS as a Moodle Responses or Canvas Student Analysis CSV of that exam.")
    def check(answers, formats, colour, out_dir, chain_rounding, grades, grades_format, consistent_credit,
              points_from, grades_item, exam):
        """Check hand calculations: verdict per step, error carried forward, named mistakes.

        Several sheets (or a CSV with one row per student) give a class summary too; --grades
        writes a grade book.
        """
        return run_check(answers, formats, colour, out_dir, chain_rounding, grades, grades_format,
                         consistent_credit, points_from, grades_item, exam)   # 1 when something is wrong
