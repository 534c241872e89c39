"""``derive exam``: N variants -> question and solution sheets, answer keys, Moodle XML.

Variants stream to disk in a staging folder beside the destination (memory
stays flat in N); the two PDFs are compiled once each from the whole sheet;
only when everything succeeded are the files moved into place.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from derive._version import __version__
from derive.core.errors import DeriveError, ToolMissing
from derive.render.outputs import Staging
from derive.render.templating import render
from derive.exam.family import Family, question_points
from derive.exam.variants import Variant, generate

__all__ = ["ExamPlan", "write_exam", "EXAM_FORMATS"]

EXAM_FORMATS = ("pdf", "tex", "md", "moodle", "json", "csv", "qti", "html")


@dataclass(frozen=True)
class ExamPlan:
    families: tuple[Family, ...]
    points: tuple[int | None, ...]
    n: int
    seed: int
    title: str = "Backpropagation and gradient descent"
    precision: int = 9
    course: str | None = None       # the sheets' exam-level fields (CONTRACT §7)
    date: str | None = None
    instructions: str | None = None
    cover: bool = False             # a cover page per variant: name, student ID, instructions, points table
    duplex: bool = False            # every variant starts on an odd page (blank pages added)
    workers: int | None = None      # processes drawing variants; None: one per core (at most 4) from 100 variants
    checker: Callable | None = None  # html: a spec's checker data for its page (derive.check.page.exercise_script)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() and abs(value) < 2 ** 53 else float(value)


def answers_entry(variant: Variant, points: tuple = ()) -> dict:
    """One variant of answers.json (CONTRACT §6-7): each question's points (the exam's, else one per
    asked answer) and its answers in the order of the blanks on the sheet."""
    questions = []
    for q in variant.questions:
        answers = {}
        for a in q.answers:
            entry = {"value": _number(a.value), "tolerance": a.tolerance, "name": a.name}
            if a.is_choice:
                entry["choices"] = list(a.choices)
            answers[a.key] = entry
        given = points[q.number - 1] if q.number <= len(points) else None
        item = {"number": q.number, "family": q.family.id, "points": question_points(given, len(q.answers)),
                "answers": answers}
        spec = q.family.spec(q.params)
        item["spec" if spec is not None else "params"] = spec if spec is not None else q.params
        questions.append(item)
    return {"code": variant.code, "index": variant.index, "questions": questions}


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)   # made once: json.dumps makes one per call


class _Sheets:
    """The open files of one exam while variants stream in."""

    def __init__(self, folder: Path, plan: ExamPlan, formats):
        self.folder, self.plan, self.formats = folder, plan, formats
        self.files = {}
        self.figures = ""     # the folder's path once its figures/ folder exists
        base = {"title": plan.title, "seed": plan.seed, "n": plan.n, "version": __version__}
        wants_tex = {"tex", "pdf"} & set(formats)
        for part, stem in (("question", "questions"), ("solution", "solutions")):
            if wants_tex:
                self._open(f"{stem}.tex").write(render("exam_header.tex.j2", {**base, "part": part}))
            if "md" in formats:
                self._open(f"{stem}.md").write(render("exam_header.md.j2", {**base, "part": part}))
        if "json" in formats:
            self._open("answers.json").write(
                '{\n  "seed": %d,\n  "title": %s,\n  "generator": "derive %s",\n  "variants": [' % (
                    plan.seed, json.dumps(plan.title), __version__))
        if "csv" in formats:
            handle = self._open("answers.csv", newline="")
            self.csv = csv.writer(handle, lineterminator="\n")
            self.csv.writerow(["variant", "question", "family", "key", "name", "value", "tolerance", "correct_choice"])
        self.count = 0

    def _open(self, name: str, newline=None):
        handle = open(self.folder / name, "w", encoding="utf-8", newline=newline)
        self.files[name] = handle
        return handle

    def add(self, variant: Variant, rendered: dict[str, str]) -> None:
        """Append one variant, whose sheet parts :func:`render_variant` produced."""
        for name, text in rendered.items():
            if name in self.files:
                self.files[name].write(text)
            elif name.endswith(".html"):        # the variant's self-checking page
                with open(self.folder / name, "w", encoding="utf-8") as handle:
                    handle.write(text)
            elif name.startswith(FIGURES):     # the Markdown sheets' figure of one question
                if not self.figures:
                    (self.folder / FIGURES).mkdir(exist_ok=True)
                    self.figures = os.path.join(self.folder, "")
                # (one of a thousand small files: written without a text file object around it)
                handle = os.open(self.figures + name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
                try:
                    data = memoryview(text.encode("utf-8"))
                    while data:
                        data = data[os.write(handle, data):]
                finally:
                    os.close(handle)
        if "answers.json" in self.files:
            # One variant per line: readable, diffable, and encoded by json's fast C encoder.
            text = _ENCODER.encode(answers_entry(variant, self.plan.points))
            self.files["answers.json"].write(("," if self.count else "") + "\n    " + text)
        if "answers.csv" in self.files:
            for q in variant.questions:
                for a in q.answers:
                    choice = a.choices[int(a.value)] if a.is_choice else ""
                    self.csv.writerow([variant.code, q.number, q.family.id, a.key, a.name, repr(float(a.value)),
                                       repr(float(a.tolerance)), choice])
        self.count += 1

    def close(self) -> None:
        for name, handle in self.files.items():
            if name.endswith(".tex"):
                handle.write(render("exam_footer.tex.j2", {"duplex": self.plan.duplex}))
            if name == "answers.json":
                handle.write("\n  ]\n}\n")
            handle.close()


def render_variant(variant: Variant, plan: ExamPlan, formats) -> dict[str, str]:
    """The question and solution sheet parts of one variant, and its figure files (for Markdown)."""
    out = {}
    wanted = [fmt for fmt, needed in (("tex", {"tex", "pdf"}), ("md", {"md"})) if needed & set(formats)]
    for part, stem in (("question", "questions"), ("solution", "solutions")):
        for fmt in wanted:
            fill = {_CODE: variant.code}
            for q in variant.questions:
                body = q.family.render(q.params, part, fmt, plan.precision)
                if fmt == "md":
                    body = body.replace("@@FIGURE@@", _figure(variant, q, plan.precision, out))
                fill[_BODY.format(q.number)] = body
            out[f"{stem}.{fmt}"] = "".join(fill.get(piece, piece) for piece in _variant_page(plan, part, fmt))
    if "html" in formats:
        from derive.exam.pages import page_name, variant_page

        out[page_name(variant.code)] = variant_page(variant, plan)
    return out


_CODE, _BODY = "\x06code\x06", "\x06body{}\x06"


@lru_cache(maxsize=16)
def _variant_page(plan: ExamPlan, part: str, fmt: str) -> tuple[str, ...]:
    """A variant's page, rendered once per exam with markers for its code and question bodies,
    cut at the markers (each variant then only joins its own pieces in)."""
    shown = [None if points is None else question_points(points, 0) for points in plan.points]
    questions = [{"number": k, "title": family.title, "points": points, "body": _BODY.format(k)}
                 for k, (family, points) in enumerate(zip(plan.families, shown), start=1)]
    # The total only when every question has its points (a sum of some would mislead).
    total = None if None in shown else question_points(sum(shown), 0)
    text = render(f"exam_variant.{fmt}.j2",
                  {"code": _CODE, "title": plan.title, "part": part, "questions": questions, "total": total,
                   "course": plan.course, "date": plan.date, "instructions": plan.instructions,
                   "cover": plan.cover, "duplex": plan.duplex})
    return tuple(piece for piece in re.split("(\x06[^\x06]+\x06)", text) if piece)


#: The folder of the Markdown sheets' figures, one per variant and question.
FIGURES = "figures/"


def _figure(variant: Variant, q, precision: int, out: dict) -> str:
    """The figure's file name; its SVG goes into ``out`` (the question and solution sheet share it)."""
    draw = getattr(q.family, "diagram_svg", None)
    if draw is None:
        return ""
    name = f"{FIGURES}{variant.code}-q{q.number}.svg"
    if name not in out:
        out[name] = draw(q.params, precision)
    return name


def _rendered(plan: ExamPlan, formats):
    """(variant, rendered parts) in order.

    On two or more cores, worker processes draw and render whole variants.  A worker cannot know
    which answers earlier variants took, so it returns each question's first acceptable draw; here
    that draw is kept unless an earlier variant has the same answers, in which case the question is
    drawn again in order (exactly what the sequential loop of :func:`generate` would have done).
    """
    import multiprocessing

    workers = min(os.cpu_count() or 1, 4) if plan.workers is None else plan.workers
    if (plan.n < 100 and plan.workers is None) or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for variant in generate(plan.families, plan.n, plan.seed):
            yield variant, render_variant(variant, plan, formats)
        return
    seen: list[set] = [set() for _ in plan.families]
    first = next(generate(plan.families, 1, plan.seed))   # warms the template caches the workers inherit
    _keep(first, seen)
    yield first, render_variant(first, plan, formats)
    context = multiprocessing.get_context("fork")
    chunks = [range(start, min(start + _CHUNK, plan.n + 1)) for start in range(2, plan.n + 1, _CHUNK)]
    with context.Pool(workers, initializer=_init_worker, initargs=(plan, formats)) as pool:
        for results in pool.imap(_draw_in_worker, chunks):
            for variant, rendered in results:
                if not _keep(variant, seen):
                    variant = _redraw(variant, plan, seen)
                    rendered = render_variant(variant, plan, formats)
                yield variant, rendered


def _keep(variant: Variant, seen: list[set]) -> bool:
    signatures = [q.family.signature(q.params, list(q.answers)) for q in variant.questions]
    if any(sig is not None and sig in taken for sig, taken in zip(signatures, seen)):
        return False
    for sig, taken in zip(signatures, seen):
        if sig is not None:      # None: a fixed question, the same in every variant
            taken.add(sig)
    return True


def _redraw(variant: Variant, plan: ExamPlan, seen: list[set]) -> Variant:
    from derive.exam.variants import draw_question

    # The plan's family, not the question's: a family comes back from a worker by its id, which gives
    # the registered family, without the letter --lr-symbol gave the plan's.
    questions = tuple(draw_question(family, plan.seed, variant.index, q.number, seen[q.number - 1])
                      for family, q in zip(plan.families, variant.questions))
    return Variant(variant.index, variant.code, questions)


_WORKER: dict = {}


def _init_worker(plan, formats) -> None:
    # A worker dies of SIGTERM at once, as the pool expects when it ends: derive's own handler, which
    # the fork copied (derive.cli: SIGTERM as SystemExit, so the parent's staging folder goes), could
    # leave a worker waiting for a task that never comes, and the exam would hang at its end.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER.update(plan=plan, formats=formats)


_CHUNK = 32


def _draw_in_worker(indices: range) -> list:
    """Draw and render a run of variants (their first draws screened together)."""
    from derive.exam.variants import draw_variants

    plan = _WORKER["plan"]
    return [(variant, render_variant(variant, plan, _WORKER["formats"]))
            for variant in draw_variants(plan.families, plan.seed, indices, None)]


def _progress(iterable, total: int):
    from tqdm import tqdm

    # No monitor thread: the exam forks its worker processes, and a fork taken while that thread
    # holds tqdm's lock leaves the child waiting for it for ever (seen as a hung test run).
    tqdm.monitor_interval = 0
    return tqdm(iterable, total=total, unit="variant", file=sys.stderr, disable=not sys.stderr.isatty(),
                leave=False, desc="variants")


def write_exam(plan: ExamPlan, out_dir: str | Path, formats) -> tuple[list[Path], str | None]:
    """Write every requested file into ``out_dir``; return the paths and a note (PDF skipped) or None."""
    note, notes = None, []
    with Staging(out_dir) as stage:
        sheets = _Sheets(stage.path, plan, formats)
        variants = []
        try:
            for variant, rendered in _progress(_rendered(plan, formats), plan.n):
                sheets.add(variant, rendered)
                if "moodle" in formats:
                    variants.append(variant)
                elif "qti" in formats:
                    variants.append(variant)
        finally:
            sheets.close()
        if "moodle" in formats:
            from derive.exam.moodle import write_moodle

            notes += write_moodle(variants, stage.path / "moodle.xml", precision=4, title=plan.title,
                                  points=plan.points)
        if "qti" in formats:
            from derive.exam.qti import write_qti

            write_qti(variants, stage.path / "qti.zip", plan.points, title=plan.title, seed=plan.seed)
        failure = None
        if "pdf" in formats:
            note, failure = _compile(stage.path)
        if "tex" not in formats and note is None and failure is None:   # keep the sources when no PDF came
            for stem in ("questions", "solutions"):
                (stage.path / f"{stem}.tex").unlink(missing_ok=True)
    if failure is not None:
        raise DeriveError(f"{failure}; every other file was written, the .tex sheets included")
    notes += [note] if note else []
    return stage.written, "\nnote: ".join(notes) or None


def _compile(folder: Path) -> tuple[str | None, Exception | None]:
    """Compile both sheets: (note when TeX is missing, pdflatex's error) -- at most one is set."""
    from derive.render.texcompile import TexError, compile_pdf

    try:
        for stem in ("questions", "solutions"):
            source = (folder / f"{stem}.tex").read_text(encoding="utf-8")
            (folder / f"{stem}.pdf").write_bytes(compile_pdf(source, runs=1))
    except ToolMissing as exc:
        return str(exc), None
    except TexError as exc:
        return None, exc
    return None, None


