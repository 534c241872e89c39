"""derive as Python calls (docs/api.md): the command line's own checks, computations and files,
returned as objects that show themselves in Jupyter.

* :func:`solve` returns a :class:`Solution` (the step graph's numbers, its sheets as text, its files);
* :func:`check` returns the JSON of ``derive check`` as a dict (:class:`CheckReport`);
* :func:`gd` and :func:`exam` run ``derive gd`` / ``derive exam`` in this process, from the same
  options, and return their JSON with attribute access (:class:`Record`).

Bad arguments raise derive's own :class:`~derive.core.errors.InputError` with the one line the
command line prints, naming the Python argument (``lr``) where the command names its option
(``--lr``).  This module is the top layer: it may use the command line's functions, nothing
imports it but the package's lazy entry points (``derive.solve`` ...).

>>> s = solve()
>>> round(s.value("w5+"), 8)
0.35891648
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import json
import numbers
import os
import shlex
import tempfile
import warnings
from dataclasses import dataclass, fields
from pathlib import Path

from derive.core.errors import InputError
from derive.present.solution import Solution as _Solved

__all__ = ["solve", "check", "gd", "exam", "Solution", "CheckReport", "Record", "Descent", "Exam"]

#: Options whose Python argument is not the option's name with ``-`` as ``_``.
_ARGUMENTS = {"--format": "formats", "--family": "families", "-n": "n", "--templates": "templates",
              "FAMILY": "families"}


def _argument(option: str) -> str:
    """The Python argument of a command-line option: ``--max-iter`` -> ``max_iter``."""
    if option in _ARGUMENTS:
        return _ARGUMENTS[option]
    return option[2:].replace("-", "_") if option.startswith("--") else option


def _as_arguments(function):
    """Errors name the Python argument where the command line names its option (the same line else),
    raised from the call itself; a notebook shows them as that one line, without a traceback
    (IPython prints what an exception's ``_render_traceback_`` returns instead of the traceback)."""
    @functools.wraps(function)
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ArgumentError as exc:
            error = ArgumentError(exc.message)
        except InputError as exc:
            error = InputError(_argument(exc.source), exc.field, exc.expected, exc.got, exc.suggestion)
        error._render_traceback_ = lambda: [f"{type(error).__name__}: {error}"]
        raise error from None
    return call


class ArgumentError(InputError):
    """An argument the command line's parser refuses (a count below its range, a word for a number)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message, "", "")

    def __str__(self) -> str:
        return self.message


# -- running a command in this process ---------------------------------------------------------------

def _text(value, name: str) -> str:
    """A Python argument as the command line's text: numbers exactly (0.00001, not 1e-05), lists with commas."""
    from decimal import Decimal

    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        raise InputError(name, "", "a number, a list of numbers or a text", got=repr(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return format(Decimal(repr(number)), "f") if number == number and abs(number) != float("inf") else repr(number)
    if hasattr(value, "tolist"):          # a NumPy array
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v, name) for v in value)
    raise InputError(name, "", "a number, a list of numbers or a text", got=type(value).__name__)


#: Options that are flags (given or not), and those given once per item of a list.
_FLAGS = ("--nesterov",)
_REPEATED = ("--family",)


def _options(values: dict) -> list[str]:
    """``{"--lr": 0.8, "--nesterov": True, "--tol": None}`` -> ``["--lr", "0.8", "--nesterov"]``."""
    argv = []
    for option, value in values.items():
        if value is None:
            continue
        if option in _FLAGS:
            if not isinstance(value, bool):
                raise InputError(_argument(option), "", "True or False", got=repr(value))
            argv += [option] if value else []
        elif option in _REPEATED and isinstance(value, (list, tuple)):
            for item in value:
                argv += [option, _text(item, _argument(option))]
        else:
            argv += [option, _text(value, _argument(option))]
    return argv


@contextlib.contextmanager
def _captured():
    """Collect what a command prints: its stdout lines, and its stderr notes turned into warnings."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out
    for line in err.getvalue().splitlines():
        if line.strip():
            warnings.warn(line.removeprefix("note: "), stacklevel=4)


def _run(argv: list[str]) -> str:
    """Run ``derive ARGV`` in this process; what it printed on stdout.  Its refusals are raised."""
    import click

    from derive.cli import cli

    try:
        with _captured() as out:
            cli.main(args=argv, prog_name="derive", standalone_mode=False)
    except click.UsageError as exc:
        param = getattr(exc, "param", None)
        message = exc.format_message()
        if param is not None:
            for option in getattr(param, "opts", ()):
                message = message.replace(f"'{option}'", _argument(option))
        raise ArgumentError(message) from None
    return out.getvalue()


def _written(stdout: str) -> list[Path]:
    return [Path(line) for line in stdout.splitlines() if line.strip()]


# -- showing a sheet in Jupyter ------------------------------------------------------------------

_IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}


def _data_uris(files: dict) -> dict[str, str]:
    """The sheet's pictures as data: URIs, by the name the Markdown gives them."""
    uris = {}
    for name, content in files.items():
        kind = _IMAGE_TYPES.get(Path(name).suffix)
        if kind:
            data = content.encode("utf-8") if isinstance(content, str) else content
            uris[name] = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
    return uris


def _inline_markdown(markdown: str, files: dict) -> str:
    """The Markdown with its pictures inlined, so that it shows without its files beside it."""
    for name, uri in _data_uris(files).items():
        markdown = markdown.replace(f"]({name})", f"]({uri})")
    return markdown


def _inline_html(markdown: str, files: dict) -> str:
    """HTML for a notebook: derive's one Markdown renderer (derive.exam.lms_html), math as
    ``\\( \\)`` / ``\\[ \\]`` for the notebook's MathJax, pictures inlined."""
    from derive.exam.lms_html import markdown_to_html

    html = markdown_to_html(markdown, _data_uris(files), heading_offset=1)
    # The renderer escapes raw HTML; the one tag derive's templates write (the <sub> footer) comes back.
    html = html.replace("&lt;sub&gt;", "<sub>").replace("&lt;/sub&gt;", "</sub>")
    return f'<div class="derive-sheet">\n{html}\n</div>'


class _Shown:
    """Rich display in Jupyter from ``_markdown_files()``: (the sheet's Markdown, its files), made
    once per object (a notebook asks for the HTML and the Markdown of every result it shows)."""

    def _markdown_files(self) -> tuple[str, dict]:
        raise NotImplementedError

    @functools.cached_property
    def _shown(self) -> tuple[str, dict]:
        return self._markdown_files()

    def _repr_markdown_(self) -> str:
        return _inline_markdown(*self._shown)

    def _repr_html_(self) -> str:
        return _inline_html(*self._shown)


# -- solve -----------------------------------------------------------------------------------------

@dataclass(frozen=True, repr=False)
class Solution(_Solved, _Shown):
    """A solved spec (derive.present.solution.Solution) that renders and writes itself as
    ``derive solve`` does: one file builder (derive.render.solution.solution_files) for both.

    >>> s = solve()
    >>> s.to_markdown().startswith("# ")
    True
    >>> "w_{5}^{+}" in s.to_latex()
    True
    """

    run: object = None               # a training run (TrainingRun) for specs with data, epochs or momentum
    templates: str | None = None     # a folder of the user's own templates, searched first

    step = _as_arguments(_Solved.step)

    def files(self, formats=("md", "tex", "json")) -> dict[str, str | bytes]:
        """{file name: content} of the sheet in ``formats`` (a list, or ``"md,tex"``), in memory.

        >>> sorted(solve().files("md,json"))
        ['network.svg', 'solution.json', 'solution.md']
        """
        from derive.cli.solve import FORMATS
        from derive.render.outputs import parse_formats

        wanted = parse_formats(formats if isinstance(formats, str) else ",".join(formats), FORMATS)
        return self._files(wanted)

    def _files(self, formats) -> dict[str, str | bytes]:
        from derive.check.page import exercise_script
        from derive.render.solution import solution_files

        return solution_files(self, formats, self.templates, self.run, exercise_script)

    def to_markdown(self) -> str:
        """The worked solution as Markdown (solution.md; its network picture is the file network.svg).

        >>> r"w_{5}^{+} &= w_{5} - \\eta" in solve().to_markdown()
        True
        """
        return self.files(["md"])["solution.md"]

    def to_html(self) -> str:
        """The self-checking page (solution.html, as ``derive solve --format html`` writes it): one
        file that works offline, an input per step, each answer checked in the page as
        ``derive check`` would.

        >>> page = solve().to_html()
        >>> page.startswith("<!DOCTYPE html>") and 'data-key="w_new[2,1,1]"' in page
        True
        """
        return self.files(["html"])["solution.html"]

    def to_latex(self) -> str:
        """The worked solution as a LaTeX document (solution.tex).

        >>> solve().to_latex().startswith(r"\\documentclass")
        True
        """
        return self.files(["tex"])["solution.tex"]

    def as_json(self) -> dict:
        """The JSON of ``derive solve --format json`` (CONTRACT §3) as a dict.

        >>> solve().as_json()["quantities"]["w_new[2,1,1]"]["name"]
        'w5+'
        """
        from derive.present.formatting import dumps
        from derive.sheets.training import solution_document

        return json.loads(dumps(solution_document(self, self.run)))

    @_as_arguments
    def write(self, folder, formats=("md", "tex", "pdf", "json")) -> list[Path]:
        """Write the files into ``folder`` as ``derive solve --out`` does (all or nothing); the paths.
        Without pdflatex the PDF is left out with a warning and the rest is written.

        >>> import tempfile
        >>> [p.name for p in solve().write(tempfile.mkdtemp(), ["json"])]
        ['solution.json']
        """
        from derive.cli.solve import FORMATS
        from derive.render.outputs import parse_formats, write_with_pdf

        wanted = parse_formats(formats if isinstance(formats, str) else ",".join(formats), FORMATS)
        with _captured():
            return write_with_pdf(folder, self._files, wanted)

    def _markdown_files(self) -> tuple[str, dict]:
        files = self.files(["md"])
        return files["solution.md"], files


def _load(spec):
    """A NetworkSpec from nothing (the lecture), a path, a dict in the spec format or a NetworkSpec."""
    from derive.core.spec import NetworkSpec, builtin_spec, load_spec, parse_spec

    if spec is None:
        return builtin_spec()
    if isinstance(spec, (str, os.PathLike)):
        return load_spec(os.fspath(spec))
    if isinstance(spec, dict):
        return parse_spec(spec)
    if isinstance(spec, NetworkSpec):
        return spec
    raise InputError("spec", "", "a path, a dict in the spec format or a NetworkSpec", got=type(spec).__name__)


@_as_arguments
def solve(spec=None, exact: bool = False, chain_rounding=None, *, precision: int | None = None,
          notation: str | None = None, record="shown", templates=None, lr_symbol: str | None = None) -> Solution:
    """Solve one spec as ``derive solve`` does: the lecture's example (no argument), a spec file's
    path, a dict in the spec format (CONTRACT §1) or a parsed NetworkSpec.

    ``chain_rounding`` (``4``, ``"4sig"``, or ``"off"``; default: the spec's own ``rounding``) works
    every step from the previous steps' rounded values, as by hand (docs/numbers.md).  A spec with
    data, epochs or momentum is trained (``record`` as ``--record``); the solution is its first step.
    ``lr_symbol`` (``"eta"`` or ``"gamma"``) is the learning rate's letter on the sheets, as ``--lr-symbol``.

    >>> round(solve({"layers": [1, 1], "activation": "linear", "loss": "half_sse", "weights": [[[0.5]]],
    ...              "learning_rate": 0.1, "input": [2], "target": [0]}).value("w_new[1,1,1]"), 6)
    0.3
    >>> solve(chain_rounding=9).value("delta[2,2]")
    -0.038098237
    >>> solve(lr_symbol="gamma").step("eta").latex
    '\\\\gamma'
    >>> solve(notation="greek")
    Traceback (most recent call last):
    ...
    derive.core.errors.InputError: notation: expected one of mazur, signal, layered, units, got 'greek'
    """
    from derive.cli.solve import check_notation, parse_record, solve_spec, with_lr_symbol
    from derive.core.spec import LR_SYMBOL_NAMES, with_rounding

    if precision is not None and (isinstance(precision, bool) or not isinstance(precision, int)
                                  or not 0 <= precision <= 30):
        raise InputError("precision", "", "a whole number of decimal places from 0 to 30", got=repr(precision))
    check_notation(notation)
    if lr_symbol is not None and lr_symbol not in LR_SYMBOL_NAMES:
        raise InputError("lr_symbol", "", "one of " + ", ".join(LR_SYMBOL_NAMES), got=repr(lr_symbol))
    record = parse_record(str(record))
    spec = with_rounding(_load(spec), None if chain_rounding is None else str(chain_rounding))
    spec = with_lr_symbol(spec, lr_symbol)
    solved, run = solve_spec(spec, precision, notation, bool(exact), record)
    return Solution(**{f.name: getattr(solved, f.name) for f in fields(_Solved)}, run=run,
                    templates=None if templates is None else os.fspath(templates))


# -- check -----------------------------------------------------------------------------------------

class CheckReport(dict):
    """The JSON of ``derive check --format json`` (CONTRACT §5) as a dict, keyed by the sheet's names;
    ``result`` is the checker's CheckResult, and a notebook shows the Markdown report."""

    def __init__(self, result):
        from derive.check.report import as_json

        super().__init__(json.loads(as_json(result)))
        self.result = result

    @property
    def exit_status(self) -> int:
        """What ``derive check`` exits with: 0 when nothing is wrong, 1 when something is.

        >>> check({"exercise": "lecture", "answers": {"w5+": 0.3589}}).exit_status
        0
        """
        return self.result.exit_status

    @property
    def verdicts(self) -> dict[str, str]:
        """{name: verdict}, in the order of the worked solution.

        >>> check({"exercise": "lecture", "answers": {"w5+": 0.3589, "w6+": 0.45}}).verdicts["w6+"]
        'wrong'
        """
        return {name: entry["verdict"] for name, entry in self.items()}

    def _repr_markdown_(self) -> str:
        from derive.check.report import as_markdown

        return as_markdown(self.result)


@_as_arguments
def check(sheet, *, chain_rounding: str | None = None) -> CheckReport:
    """Check one answer sheet as ``derive check`` does: a dict ``{"exercise": ..., "answers": {...}}``
    (a spec path relative to the working folder, a variant code or ``"lecture"``) or a sheet file's
    path.  Answers may be numbers or texts; a text's digits say how it was rounded.

    >>> report = check({"exercise": "lecture", "answers": {"out_h1": 0.5933, "dE_total/dw5": -0.0822, "w5+": 0.4411}})
    >>> [(name, entry["verdict"]) for name, entry in report.items()][:4]
    [('out_h1', 'correct'), ('dE_total/dw5', 'wrong'), ('w5+', 'consistent'), ('w6+', 'missing')]
    >>> report["dE_total/dw5"]["diagnosis"].split(":")[0], report["dE_total/dw5"]["expected"]
    ('error_sign_flipped', 0.08216704056423078)
    """
    from derive.check.descent_check import check_any as check_sheet   # network or gradient-descent sheets

    if isinstance(sheet, dict):
        from derive.check.sheet import parse_sheet

        loaded = parse_sheet(sheet, "<sheet>", base=Path.cwd())
    elif isinstance(sheet, (str, os.PathLike)):
        from derive.check.classreport import load_sheets

        sheets = load_sheets([os.fspath(sheet)])
        if len(sheets) != 1:
            raise InputError(os.fspath(sheet), "", "one answer sheet (a class's CSV goes to derive check)",
                             got=f"{len(sheets)} sheets")
        loaded = sheets[0]
    else:
        raise InputError("sheet", "", "a dict with exercise and answers, or a sheet file's path",
                         got=type(sheet).__name__)
    return CheckReport(check_sheet(loaded, chain_rounding))


# -- gd and exam: the command run in this process --------------------------------------------------

class Record(_Shown):
    """A command's JSON document with attribute access: ``r.stopped == r["stopped"]``; ``as_json()``
    gives a copy of the whole document.  ``command`` is the equivalent command line."""

    def __init__(self, data: dict, argv: list[str]):
        self._data, self._argv = data, list(argv)

    def __getattr__(self, name):
        data = self.__dict__.get("_data", {})
        if name in data:
            return data[name]
        raise AttributeError(f"{type(self).__name__} has no field {name!r} (fields: {', '.join(data)})")

    def __getitem__(self, name):
        return self._data[name]

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._data))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.command}>"

    @property
    def fields(self) -> list[str]:
        """The document's top-level fields.

        >>> gd("x**2", x0=1, max_iter=1).fields[:5]
        ['function', 'variables', 'gradient', 'settings', 'iterates']
        """
        return list(self._data)

    @property
    def command(self) -> str:
        """The command line that gives the same result: ``derive gd --function 'x**2' --x0 -4 --lr 0.8``."""
        return shlex.join(["derive", *self._argv])

    def as_json(self) -> dict:
        """A copy of the whole document, as the command prints it with ``--format json``.

        >>> gd("x**2", x0=1, max_iter=1).as_json()["x_final"]
        [0.8]
        """
        return json.loads(json.dumps(self._data))

    @_as_arguments
    def write(self, folder, formats=("md", "tex", "pdf", "json")) -> list[Path]:
        """Write the command's files into ``folder`` (``--out``); the paths written.

        >>> import tempfile
        >>> [p.name for p in gd("x**2", x0=1).write(tempfile.mkdtemp(), ["md"])]
        ['gd.md', 'gd-plot.png']
        """
        text = formats if isinstance(formats, str) else ",".join(formats)
        return _written(_run([*self._argv, "--format", text, "--out", os.fspath(folder)]))

    def _markdown_files(self) -> tuple[str, dict]:
        with tempfile.TemporaryDirectory(prefix="derive-") as folder:
            paths = self.write(folder, ["md"])
            files = {str(p.relative_to(folder)): p.read_bytes() for p in paths}
        name = next(n for n in files if n.endswith(".md"))
        return files[name].decode("utf-8"), files

    def to_markdown(self) -> str:
        """The Markdown a notebook shows: the command's sheet (its pictures are files beside it); for an
        exam, the table of its variants' answers.

        >>> gd("x**2", x0=1).to_markdown().splitlines()[0]
        '# Gradient descent on $f(x) = x^{2}$'
        """
        return self._markdown_files()[0]


class Descent(Record):
    """A gradient-descent run: the JSON of ``derive gd`` (CONTRACT §4): ``iterates``, ``stopped``,
    ``x_final``, ``f_final`` and the rest of the document."""


@_as_arguments
def gd(function: str, x0, lr=None, *, lr_schedule: str | None = None, max_iter: int | None = None, tol=None,
       grad_tol=None, momentum=None, momentum_schedule: str | None = None, nesterov: bool = False,
       nesterov_form: str | None = None, vars=None, precision: int | None = None,
       lr_symbol: str | None = None) -> Descent:
    """Gradient descent as ``derive gd`` runs it: the same options as Python arguments, with the
    same defaults (``lr`` 0.1, ``max_iter`` 30); several rates, ``lr=[0.1, 0.8]``, are compared
    side by side (the JSON then has ``runs``).

    >>> run = gd("x**2", x0=-4, lr=0.8)
    >>> run.stopped, len(run.iterates), run.iterates[1]["x"]
    ('max_iter', 31, [2.4000000000000004])
    >>> run.command
    "derive gd --function 'x**2' --x0 -4 --lr 0.8"
    >>> gd("x**2", x0=-4, lr=-1)
    Traceback (most recent call last):
    ...
    derive.core.errors.InputError: lr: expected learning rates greater than 0, got -1
    """
    argv = ["gd", *_options({"--function": function, "--x0": x0, "--lr": lr, "--lr-schedule": lr_schedule,
                             "--max-iter": max_iter, "--tol": tol, "--grad-tol": grad_tol,
                             "--momentum": momentum, "--momentum-schedule": momentum_schedule,
                             "--nesterov": nesterov, "--nesterov-form": nesterov_form, "--vars": vars,
                             "--precision": precision, "--lr-symbol": lr_symbol})]
    return Descent(json.loads(_run([*argv, "--format", "json"])), argv)


class Exam(Record):
    """An exam as ``derive exam`` writes it: the answer keys of answers.json (CONTRACT §6: ``seed``,
    ``variants`` with each question's ``answers``), and ``files``, the paths written (none without ``out``)."""

    def __init__(self, data: dict, argv: list[str], files: list[Path]):
        super().__init__(data, argv)
        self.files = files

    def _markdown_files(self) -> tuple[str, dict]:
        lines = [f"**{len(self.variants)} variants**, seed {self.seed}" + (f", {len(self.files)} files written"
                                                                          if self.files else ""), "",
                 "| variant | question | family | answers |", "| :--- | :---: | :--- | :--- |"]
        for variant in self.variants[:_SHOWN_VARIANTS]:
            for q in variant["questions"]:
                answers = ", ".join(f"{a.get('name', key)} = {a['value']:.6g}" for key, a in q["answers"].items())
                lines.append(f"| `{variant['code']}` | {q['number']} | {q['family']} | {answers} |")
        if len(self.variants) > _SHOWN_VARIANTS:
            lines.append(f"| … {len(self.variants) - _SHOWN_VARIANTS} more | | | |")
        return "\n".join(lines) + "\n", {}


_SHOWN_VARIANTS = 10


@_as_arguments
def exam(exam_file=None, *, families=(), n: int | None = None, seed: int | None = None, out=None,
         formats=None, title: str | None = None, chain_rounding: str | None = None,
         lr_symbol: str | None = None) -> Exam:
    """N randomized variants as ``derive exam`` makes them, from an exam file or ``families``
    (ids as ``derive families`` lists them).  With ``out`` the files are written there (``formats``
    as ``--format``); either way the result holds every variant's answer key.

    >>> keys = exam(families=["backprop-full-step"], n=2, seed=2026)
    >>> [v["code"] for v in keys.variants]
    ['2026-1-BFS-Z', '2026-2-BFS-H']
    >>> key = keys.variants[0]["questions"][0]["answers"]["w_new[2,1,1]"]
    >>> key["name"], round(key["value"], 6)
    ('w5+', 0.133207)
    """
    if isinstance(families, str):
        families = [families]
    options = {"--family": list(families), "-n": n, "--seed": seed, "--title": title,
               "--chain-rounding": chain_rounding, "--lr-symbol": lr_symbol}
    argv = ["exam", *([_text(exam_file, "exam_file")] if exam_file is not None else []), *_options(options)]
    if out is None:
        if formats is not None:
            raise InputError("formats", "", "an out folder to write them to", got="no out")
        with tempfile.TemporaryDirectory(prefix="derive-exam-") as folder:
            _run([*argv, "--format", "json", "--out", folder])
            return Exam(json.loads(Path(folder, "answers.json").read_text(encoding="utf-8")), argv, [])
    text = "pdf,tex,md,moodle,json,csv" if formats is None else formats if isinstance(formats, str) else ",".join(formats)
    written = _written(_run([*argv, "--format", text, "--out", os.fspath(out)]))
    answers = next((p for p in written if p.name == "answers.json"), None)
    if answers is None:       # the keys, drawn again (the same seed draws the same variants)
        return Exam(exam(exam_file, families=families, n=n, seed=seed, title=title, chain_rounding=chain_rounding,
                         lr_symbol=lr_symbol).as_json(), argv, written)
    return Exam(json.loads(answers.read_text(encoding="utf-8")), argv, written)
