"""``derive families``, ``derive exam`` and ``derive stress``."""

from __future__ import annotations

import json
import click

from derive.core.errors import InputError
from derive.core.limits import MAX_SEED, MAX_STRESS_SEEDS, MAX_VARIANTS, check_count
from derive.render.outputs import parse_formats

EXAM_EPILOG = """\b
Examples:
  derive families
  derive exam --family backprop-full-step --family gd-steps -n 60 --seed 2026 --out exam/
  derive exam midterm.yaml --out exam/          # families, points, n and seed from a file
  derive exam --family families/mine.yaml -n 30 --out exam/   # a family file (docs/families.md)
  derive solve --variant 2026-1-BFS3QY.FIXKCR.BHLBF8.GDS-6 --question 3 --exam midterm.yaml
  derive solve --variant 2026-7-BFS.GDS-W --question 2
"""

EXAM_FIELDS = ("title", "course", "date", "instructions", "cover", "duplex", "seed", "n", "questions", "precision")
#: The exam-level fields printed on the sheets (CONTRACT §7), as text or as a yes/no switch.
TEXT_FIELDS = ("title", "course", "date", "instructions")
SWITCH_FIELDS = ("cover", "duplex")
#: The longest text of a sheet field: a line (title, course, date), or a paragraph (instructions).
TEXT_LIMITS = {"title": 200, "course": 200, "date": 100, "instructions": 2000}


def load_exam_file(path: str) -> dict:
    """An exam file: ``title``, ``seed``, ``n``, ``questions: [{family: ID, points: P}, ...]``."""
    from derive.core.errors import suggest
    from derive.core.inputs import read_data, read_file
    from derive.exam.authoring import parse_entry

    data = read_data(read_file(path, "exam file"), path)
    if not isinstance(data, dict):
        raise InputError(path, "", "a mapping with questions: [{family: ..., points: ...}]", got=type(data).__name__)
    for key in data:
        if key not in EXAM_FIELDS:
            raise InputError(path, str(key), "a known field (" + ", ".join(EXAM_FIELDS) + ")", got="an unknown field",
                             suggestion=suggest(str(key), EXAM_FIELDS))
    sheet_fields(data, path)
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise InputError(path, "questions", "a non-empty list of {family: ID, points: P}", got=repr(questions))
    for k, item in enumerate(questions):
        questions[k] = parse_entry(item, path, f"questions[{k}]")     # family (with overrides) or spec
        points = questions[k].get("points")
        if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 <= points < 1e6):
            raise InputError(path, f"questions[{k}].points", "a number of points from 0 to 1000000",
                             got=repr(points))
    return data


def sheet_fields(data: dict, path: str) -> None:
    """Check (in place) the exam-level fields of the sheets: title, course, date, instructions as
    text (a YAML date such as 2026-12-14 is kept as written), cover and duplex as true/false."""
    import datetime

    for field in TEXT_FIELDS:
        value = data.get(field)
        if value is None:
            continue
        if isinstance(value, datetime.date):
            value = data[field] = value.isoformat()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = data[field] = str(value)
        if not isinstance(value, str):
            raise InputError(path, field, "a line of text", got=f"a {type(value).__name__}")
        if len(value) > TEXT_LIMITS[field]:
            raise InputError(path, field, f"at most {TEXT_LIMITS[field]} characters", got=f"{len(value)} characters",
                             suggestion="shorten it")
    for field in SWITCH_FIELDS:
        if field in data and not isinstance(data[field], bool):
            raise InputError(path, field, "true or false", got=repr(data[field]))


@click.command("families")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def families_command(fmt):
    """List the exercise families: id, title, what is asked."""
    from derive.exam.registry import all_families

    families = all_families()
    if fmt == "json":
        click.echo(json.dumps([f.metadata() for f in families], indent=2, ensure_ascii=False))
        return
    width = max(len(f.id) for f in families)
    for f in families:
        click.echo(f"{f.id:<{width}}  {f.code}  {f.title} ({'*' * f.difficulty})")
        click.echo(f"{'':<{width}}       asks: {f.asks}")


@click.command("exam", epilog=EXAM_EPILOG)
@click.argument("exam_file", required=False, metavar="[EXAM.yaml]")
@click.option("--family", "family_ids", multiple=True,
              help="An exercise family's id or a family file (repeat for several questions).")
@click.option("-n", "n", type=int, default=None, help="Number of variants [default: the exam file's, else 1].")
@click.option("--seed", type=int, default=None, help="Seed of the whole exam [default: the exam file's, else 1].")
@click.option("--out", "out_dir", required=True, help="Output folder.")
@click.option("--format", "formats", default="pdf,tex,md,moodle,json,csv", show_default=True,
              help="Comma-separated: pdf, tex, md, moodle, json, csv, qti (a Canvas QTI 1.2 qti.zip), "
                   "html (a self-checking page per variant).")
@click.option("--title", default=None, help="Title printed on every page.")
@click.option("--chain-rounding", "chain_rounding", default=None, metavar="N|Nsig",
              help="Work the network questions as by hand: each step from the previous steps' values "
                   "rounded half up to N decimal places (or N significant figures: 4sig).")
@click.option("--lr-symbol", "lr_symbol", type=click.Choice(["eta", "gamma"]), default="eta", show_default=True,
              help="The learning rate's letter in the gradient-descent questions: eta (as on the "
                   "backpropagation sheets) or gamma (some lectures' letter for the step size).")
def exam_command(exam_file, family_ids, n, seed, out_dir, formats, title, chain_rounding, lr_symbol):
    """N randomized variants: question and solution sheets, answer keys, Moodle XML, Canvas QTI."""
    from derive.exam.authoring import family_for, question_family
    from derive.exam.writer import EXAM_FORMATS, ExamPlan, write_exam

    formats = parse_formats(formats, EXAM_FORMATS)
    data = load_exam_file(exam_file) if exam_file else {}
    items = data.get("questions", [])
    if family_ids:
        items = [{"family": f} for f in family_ids]
    if not items:
        raise InputError("derive exam", "", "an exam file or at least one --family", got="neither",
                         suggestion="see 'derive families' for the ids")
    if family_ids:     # an id, or a teacher's family file
        families = tuple(family_for(f, "--family") for f in family_ids)
    else:
        families = tuple(question_family(item, exam_file, k) for k, item in enumerate(items))
    if lr_symbol != "eta":
        families = tuple(f.with_lr_symbol(lr_symbol) for f in families)
    if chain_rounding is not None:
        from derive.core.rounding import parse_rounding
        from derive.exam.chained import with_chain_rounding

        rounding = parse_rounding(chain_rounding, "--chain-rounding", "").to_data()
        families = tuple(with_chain_rounding(f, rounding) for f in families)
    # A value from the command line is named by its option, one from the exam file by its field.
    n_source, n_field = ("-n", "") if n is not None else (exam_file, "n")
    n = n if n is not None else data.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(n_source, n_field, "a number of variants >= 1", got=repr(n))
    check_count(n, n_source, n_field, MAX_VARIANTS, "variants")
    seed_source, seed_field = ("--seed", "") if seed is not None else (exam_file, "seed")
    seed = seed if seed is not None else data.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(seed_source, seed_field, "a whole number >= 0", got=repr(seed))
    check_count(seed, seed_source, seed_field, MAX_SEED, "as a seed (it is part of every variant code)")
    from derive.check.page import exercise_script

    plan = ExamPlan(families, tuple(item.get("points") for item in items), n, seed,
                    title or data.get("title") or "Backpropagation and gradient descent",
                    course=data.get("course"), date=data.get("date"), instructions=data.get("instructions"),
                    cover=data.get("cover", False), duplex=data.get("duplex", False),
                    checker=exercise_script if "html" in formats else None)
    written, note = write_exam(plan, out_dir, formats)
    for path in written:
        if path.parent.name != "figures":
            click.echo(str(path))
    if note:
        click.echo(f"note: {note}", err=True)


@click.command("stress")
@click.argument("family_id", metavar="FAMILY|FAMILY.yaml")
@click.option("-n", "n", type=click.IntRange(1), default=1000, show_default=True, help="Number of seeds.")
@click.option("--seed", type=int, default=1, show_default=True, help="First seed.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def stress_command(family_id, n, seed, fmt):
    """Run a family (an id or a family file) over N seeds: failures, degenerate draws and the spread
    of every answer."""
    from derive.exam.authoring import family_for
    from derive.exam.stress import stress

    report = stress(family_for(family_id, "FAMILY"), check_count(n, "-n", "", MAX_STRESS_SEEDS, "seeds"), seed)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"{report['family']}: {report['n']} seeds, {len(report['failures'])} failures, "
               f"{report['degenerate']} degenerate draws rejected ({report['rejection_rate']:.1%} of draws)")
    for failure in report["failures"][:10]:
        click.echo(f"  failure at seed {failure['seed']}: {failure['error']}")
    width = max((len(k) for k in report["answers"]), default=0)
    for key, spread in report["answers"].items():
        click.echo(f"  {key:<{width}}  min {spread['min']:<12.6g} max {spread['max']:<12.6g} "
                   f"distinct {spread['distinct']}")
