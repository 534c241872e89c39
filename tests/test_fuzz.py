"""derive under hostile input (issue 14): Hypothesis mutates specs (YAML and JSON), answer sheets,
exam files, function texts, command-line values and user templates, and every case must end well:

- exit status 0, 1 or 2 (never 70, the internal error), one line on stderr when it is not 0, no
  "internal error" and no "Traceback", nothing on stderr after a success;
- within CASE_SECONDS of CPU time (not wall time: a loaded machine must not fail a case) and
  without the process growing past MEMORY_MB; a case that has used HANG_SECONDS of CPU is
  stopped by a profiling alarm and fails, so a hang fails the suite instead of stalling it;
- nothing written outside ``--out``: each case runs in a fresh folder, listed afterwards.

Each run here is a few thousand cases in well under a minute (in process, through run_cli);
``python benchmarks/fuzz.py`` runs the same cases many more times and writes a report.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.support.cli import run_cli

CASE_SECONDS = 10
HANG_SECONDS = 3 * CASE_SECONDS      # CPU seconds: the profiling alarm (SIGPROF), apart from derive's own SIGALRM budgets


class Hang(BaseException):
    """Raised by the alarm; a BaseException, so that no ``except Exception`` of derive swallows it."""


def _stop_hang(signum, frame):
    raise Hang()
MEMORY_MB = 3000
LECTURE = yaml.safe_load((Path(__file__).resolve().parents[1] / "exercises" / "lecture.yaml").read_text())
#: Cases per kind in CI (about 3000 in all); benchmarks/fuzz.py multiplies them by DERIVE_FUZZ_SCALE
#: and draws new ones (DERIVE_FUZZ_RANDOM=1) instead of the same derandomized set every run.
EXAMPLES = {"specs": 800, "sheets": 800, "exam_files": 200, "functions": 400, "cli_values": 400, "templates": 500}
SCALE = float(os.environ.get("DERIVE_FUZZ_SCALE", "1"))


def fuzz_settings(name: str):
    return settings(max_examples=max(1, int(EXAMPLES[name] * SCALE)), deadline=None, database=None,
                    derandomize=not os.environ.get("DERIVE_FUZZ_RANDOM"), suppress_health_check=list(HealthCheck))


# ----------------------------------------------------------------------------- what a case must do

def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_case(args: list[str], files: dict[str, str] | None = None) -> None:
    """Run ``derive ARGS`` in a fresh folder holding ``files``; assert the contract of issue 14."""
    with tempfile.TemporaryDirectory() as root:
        case = Path(root) / "case"
        case.mkdir()
        for name, text in (files or {}).items():
            (case / name).parent.mkdir(parents=True, exist_ok=True)
            (case / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        before = {p for p in case.rglob("*")}
        cwd = os.getcwd()
        os.chdir(case)
        where = f"derive {' '.join(a[:60] for a in args)}"
        previous = signal.signal(signal.SIGPROF, _stop_hang)
        signal.setitimer(signal.ITIMER_PROF, HANG_SECONDS)
        try:
            start = _cpu_seconds()
            result = run_cli(args)
            elapsed = _cpu_seconds() - start
        except Hang:
            pytest.fail(f"{where}: still running after {HANG_SECONDS} s of CPU time (a hang)")
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)
            os.chdir(cwd)
        assert result.status in (0, 1, 2), f"{where}: exit {result.status}: {result.stderr[:300]}"
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr, where
        lines = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
        if result.status == 0:
            assert lines == [], f"{where}: a success wrote on stderr: {result.stderr[:300]}"
        elif result.status == 2 or lines:    # 1 without a word: derive check found a wrong answer
            assert len(lines) == 1, f"{where}: {result.stderr[:300]}"
        assert elapsed < CASE_SECONDS, f"{where}: {elapsed:.1f} s of CPU time"
        assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < MEMORY_MB * 1024, where
        assert [p.name for p in Path(root).iterdir()] == ["case"], f"{where}: wrote beside its folder"
        new = {p for p in case.rglob("*")} - before
        outs = ("out",) if "--out" in args else ("out", "output")      # output/: the default folder
        stray = [p for p in new if p.relative_to(case).parts[0] not in outs]
        assert not stray, f"{where}: wrote outside --out: {sorted(map(str, stray))[:5]}"
        assert not any(p.name.startswith(".derive-") for p in new), f"{where}: left its staging folder"
        if result.status == 2:
            assert not (case / "out").exists(), f"{where}: refused its input but wrote files"


# ----------------------------------------------------------------------------- hostile values

HUGE = st.sampled_from([10 ** 400, -(10 ** 400), 10 ** 30, 2 ** 64, 10 ** 6, 1e308, -1e308, 5e-324])
NUMBER_TEXT = st.sampled_from(["0.5", "1e400", "-0", "nan", "inf", ".5", "1,5", "0x10", "1e-999999999999999999999",
                               "9" * 5000, "", " ", "1_000", "+.5e-3", "١٢", "0.3775"])
TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["\ud800", "\udfff", "a\x00b", "‮", "lecture", "sigmoid", "../../etc/passwd", "*" * 200, "{{ 7 }}"])
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), HUGE,
                   st.floats(allow_nan=True, allow_infinity=True), TEXT, NUMBER_TEXT)
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=3),
                     max_leaves=8)


def _paths(data, prefix=()):
    """Every field path of a document: (key, index, ...) tuples."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, prefix + (index,))


@st.composite
def mutated(draw, document: dict, extra_keys=()):
    """``document`` with one to three of its fields (or a new one) replaced by a hostile value."""
    data = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths + [(k,) for k in extra_keys] + [("unknown_field",)]))
        holder = data
        for part in path[:-1]:
            holder = holder[part]
        if draw(st.integers(0, 9)) == 0 and isinstance(holder, dict):
            holder.pop(path[-1], None)                     # a field left out
        else:
            holder[path[-1]] = draw(VALUE)
    return data


def as_file(draw, data, stem: str) -> tuple[str, str]:
    """(name, text): the document as JSON (surrogates escaped) or as YAML."""
    if draw(st.booleans()):
        return f"{stem}.json", json.dumps(data)
    try:
        return f"{stem}.yaml", yaml.safe_dump(data, allow_unicode=False)
    except (yaml.YAMLError, UnicodeEncodeError):
        return f"{stem}.json", json.dumps(data)


@st.composite
def spec_files(draw):
    training = dict(LECTURE, data=[{"input": [0.05, 0.1], "target": [0.01, 0.99]}] * 2, epochs=2, mode="batch")
    del training["input"], training["target"]
    base = draw(st.sampled_from([LECTURE, training]))
    return as_file(draw, draw(mutated(base, ("thresholds", "momentum", "batch_size", "rounding"))), "spec")


SHEET = {"exercise": "lecture", "answers": {"net_h1": "0.3775", "out_h1": "0.5933", "w5+": "0.3589"}}


@st.composite
def sheet_files(draw):
    data = draw(mutated(SHEET, ("tolerance", "asks", "student", "question")))
    return as_file(draw, data, "sheet")


EXAM = {"title": "Midterm", "n": 1, "seed": 3, "questions": [{"family": "gd-steps", "points": 2}, "chain-rule"]}


@st.composite
def exam_files(draw):
    data = draw(mutated(EXAM))
    if isinstance(data.get("n"), int) and 3 < data["n"] <= 10_000:   # a valid count is slow, not hostile
        data["n"] = 3
    return as_file(draw, data, "exam")


TOKENS = ["x", "y", "x1", "2", "0.5", "10**9", "999999", "(", ")", "+", "-", "*", "/", "**", "^", "sin", "exp",
          "log", "sqrt", "abs", "1/3", ",", "__import__", "'", "e", "pi", "oo", "I", "nan", " ", "!", "x**(1/3)"]
FUNCTION = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map("".join) | TEXT


# ----------------------------------------------------------------------------- the cases

@fuzz_settings("specs")
@given(spec_files(), st.sampled_from([["--format", "json"], ["--format", "md,json", "--out", "out"]]))
def test_mutated_specs(spec, how):
    name, text = spec
    run_case(["solve", name] + how, {name: text})


@fuzz_settings("sheets")
@given(sheet_files(), st.sampled_from(["text", "json", "md"]))
def test_mutated_answer_sheets(sheet, fmt):
    name, text = sheet
    run_case(["check", name, "--format", fmt], {name: text})


@fuzz_settings("exam_files")
@given(exam_files())
def test_mutated_exam_files(exam):
    name, text = exam
    run_case(["exam", name, "--format", "json,md", "--out", "out"], {name: text})


@fuzz_settings("functions")
@given(FUNCTION, st.sampled_from(["gd", "gd", "gd", "surface"]))
def test_function_texts(text, command):
    if command == "gd":
        run_case(["gd", "--function", text, "--x0", "1", "--max-iter", "5", "--format", "json"])
    else:
        run_case(["surface", "--function", text, "--format", "json"])


OPTION_VALUE = st.sampled_from(["0", "-1", "1e400", "nan", "10000000", "1,2,3", "", "x", "0.5", "99999999999999999999",
                                "\udcff", "--", "-4"]) | TEXT


@fuzz_settings("cli_values")
@given(st.sampled_from([
    ["gd", "--function", "x**2", "--format", "json", "--max-iter", "3", "--x0"],
    ["gd", "--function", "x**2", "--x0", "1", "--format", "json", "--lr"],
    ["gd", "--function", "x**2", "--x0", "1", "--format", "json", "--max-iter"],
    ["gd", "--function", "x**2", "--x0", "1", "--format", "json", "--max-iter", "3", "--momentum"],
    ["gd", "--function", "x**2", "--x0", "1", "--format", "json", "--max-iter", "3", "--tol"],
    ["gd", "--function", "x**2", "--x0", "1", "--format", "json", "--max-iter", "3", "--lr-schedule"],
    ["solve", "--format", "json", "--precision"],
    ["solve", "--format", "json", "--notation"],
    ["solve", "--format", "json", "--chain-rounding"],
    ["solve", "--format"],
    ["solve", "--format", "md", "--out"],
    ["solve", "--variant"],
    ["exam", "--family", "gd-steps", "--format", "json", "--out", "out", "-n"],
    ["exam", "--family", "gd-steps", "--format", "json", "--out", "out", "--seed"],
    ["stress", "gd-steps", "-n", "2", "--seed"],
    ["modes", "--format", "json", "--data"],
]), OPTION_VALUE)
def test_command_line_values(args, value):
    if args[-1] == "--out":
        value = "out/" + value.replace("..", "__")      # where --out points is the caller's choice: keep it inside
    run_case(args + [value])


TEMPLATE_PARTS = ["{{ ", " }}", "{% ", " %}", "for i in range(", "10**9", "99999", ")", "endfor", "'A' * ", "10**10",
                  "macro f(n)", "f(n)", "endmacro", "x", "|center(", "|length", "namespace(s='A')", " ~ ", "set ",
                  "ns.s = ns.s ~ ns.s", "'%999999999s' % 1", "''.__class__", "range(5)", "{{ quantities }}",
                  "(2 ** (10**6))", "if ", "else ", "endif", "title", "|tex_escape", "include 'solution.md.j2'",
                  "lipsum(10**6)", "cycler", "\\VAR{", "}"]


@fuzz_settings("templates")
@given(st.lists(st.sampled_from(TEMPLATE_PARTS), min_size=1, max_size=14).map("".join))
def test_user_templates(template):
    run_case(["solve", "--templates", "t", "--format", "md", "--out", "out"], {"t/solution.md.j2": template})


@pytest.mark.parametrize("args, files", [
    (["solve", "spec.json", "--format", "json"], {"spec.json": json.dumps(dict(LECTURE, learning_rate=10 ** 400))}),
    (["check", "s.json"], {"s.json": '{"exercise": "lecture", "answers": {"net_h1": "\\ud800"}}'}),
    (["solve", "--templates", "t", "--format", "md", "--out", "out"], {"t/solution.md.j2": "{{ 'A' * 10**10 }}"}),
])
def test_the_runner_holds_the_minimal_examples(args, files):
    """The minimal examples of issue 14 pass the runner (and so would have failed it before)."""
    run_case(args, files)
