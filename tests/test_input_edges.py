"""Edge cases found by review: each must end in one clear line (exit 2) or in a correct result."""

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from derive.cli import main
from tests.support.tools import pdf_text, require

LECTURE = (Path(__file__).resolve().parents[1] / "exercises" / "lecture.yaml").read_text()


def one_line_error(capsys, status, expected_status=2):
    err = capsys.readouterr().err.strip()
    assert status == expected_status, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("text, field", [
    ("layers: " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
    (LECTURE + "loss: sse\n", "loss"),                                  # a key given twice
    (LECTURE.replace("learning_rate: 0.5", "learning_rate: 1.0e400"), "learning_rate"),
])
def test_bad_yaml_edges(tmp_path, capsys, text, field):
    (tmp_path / "s.yaml").write_text(text)
    err = one_line_error(capsys, main(["solve", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "o")]))
    assert field in err and not (tmp_path / "o").exists()


def test_exponent_numbers_are_numbers(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text(LECTURE.replace("learning_rate: 0.5", "learning_rate: 5e-1"))
    assert main(["solve", str(tmp_path / "s.yaml"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["quantities"]["w_new[2,1,1]"]["value"] == pytest.approx(0.35891648)


@pytest.mark.parametrize("args", [
    ["gd", "--function", "log(x)", "--x0", "-1", "--lr", "0.1"],
    ["gd", "--function", "1/x", "--x0", "0", "--lr", "0.1"],
    ["gd", "--function", "x**2", "--x0", "1", "--lr-schedule", "1/t"],
    ["gd", "--function", "x**2", "--x0", "1", "--lr-schedule", "sqrt(-1)"],
    ["surface", "--function", "abs(x) + y**2"],
])
def test_functions_undefined_where_they_are_used(capsys, args):
    one_line_error(capsys, main([*args, "--format", "json"]))


def test_unicode_title_compiles(tmp_path):
    require("pdflatex")
    (tmp_path / "s.yaml").write_text(LECTURE.replace('title: "Backpropagation, step by step: the 2-2-2 example"',
                                                     'title: "Übung η → ∂E/∂w 日本"'))
    assert main(["solve", str(tmp_path / "s.yaml"), "--format", "pdf", "--out", str(tmp_path / "o")]) == 0
    text = unicodedata.normalize("NFKC", pdf_text(tmp_path / "o" / "solution.pdf"))
    assert "bung η → ∂E/∂w" in text      # Ü may come back decomposed from the OT1 font: compare the rest


def test_pdf_only_without_tex_writes_the_tex(tmp_path):
    """With pdflatex off the PATH, asking for the PDF alone still leaves the .tex to compile elsewhere."""
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bin_dir)
    result = subprocess.run([sys.executable, "-m", "derive", "solve", "--format", "pdf", "--out", str(tmp_path / "o")],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "o" / "solution.tex").exists() and not (tmp_path / "o" / "solution.pdf").exists()
    assert result.stderr.count("\n") == 1 and "TeX Live" in result.stderr


def test_saturated_bce_is_solved_not_refused(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("layers: [1, 2]\nactivation: sigmoid\nloss: bce\nweights: [[[1.0], [-1.0]]]\n"
                                     "learning_rate: 0.1\ninput: [40]\ntarget: [0, 1]\n")
    assert main(["solve", str(tmp_path / "s.yaml"), "--format", "json"]) == 0
    quantities = json.loads(capsys.readouterr().out)["quantities"]
    assert quantities["E"]["value"] == pytest.approx(80.0)
    assert quantities["delta[1,1]"]["value"] == pytest.approx(1.0)


def test_given_numbers_are_shown_as_typed(tmp_path):
    (tmp_path / "s.yaml").write_text("layers: [1, 1]\nactivation: linear\nloss: half_sse\nweights: [[[0.5]]]\n"
                                     "learning_rate: 0.1\ninput: [0.12345]\ntarget: [0]\n")
    assert main(["solve", str(tmp_path / "s.yaml"), "--precision", "4", "--format", "md",
                 "--out", str(tmp_path / "o")]) == 0
    markdown = (tmp_path / "o" / "solution.md").read_text()
    assert "i_{1} = 0.12345" in markdown and "0.5 \\cdot 0.12345 = 0.0617" in markdown


@pytest.mark.parametrize("sheet, field", [
    ("exercise: lecture\nstudent: !!python/object/apply:os.system ['echo hi']\nanswers:\n  net_h1: 0.3775\n", "tag"),
    ("exercise: lecture\nanswers:\n  net_h1: 0.3775\n  net_h1: 0.3776\n", "twice"),
])
def test_answer_sheets_refuse_tags_and_duplicates(tmp_path, capsys, sheet, field):
    (tmp_path / "sheet.yaml").write_text(sheet)
    assert field in one_line_error(capsys, main(["check", str(tmp_path / "sheet.yaml")]))


@pytest.mark.parametrize("args, message", [
    (["solve", "--question", "2"], "--question needs --variant"),
    (["solve", "--variant", ""], "--variant: expected a variant code"),     # not read as "no variant"
    (["solve", "--variant", "  ", "--question", "2"], "--variant: expected a variant code"),
    (["gd", "--function", "x**2", "--x0", "1", "--lr", "0"], "greater than 0"),
    (["gd", "--function", "x**2", "--x0", "1", "--lr", "0.5", "--lr-schedule", "1/(1+t)"], "either --lr"),
])
def test_contradictory_or_impossible_options(capsys, args, message):
    assert message in one_line_error(capsys, main(args))


def test_batch_size_only_with_minibatch(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("layers: [1, 1]\nactivation: linear\nloss: half_sse\nweights: [[[0.5]]]\n"
                                     "learning_rate: 0.1\nmode: sgd\nbatch_size: 1\n"
                                     "data: [{input: [1], target: [0]}, {input: [2], target: [1]}]\n")
    assert "batch_size" in one_line_error(capsys, main(["solve", str(tmp_path / "s.yaml")]))


def test_variant_json_on_stdout_for_any_family(capsys):
    from derive.exam.variants import variant_code

    assert main(["solve", "--variant", variant_code(2026, 7, ["BFS", "GDS"]), "--question", "2",
                 "--format", "json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) >= {"answers"}


def test_class_csv_with_a_blank_student(tmp_path, capsys):
    (tmp_path / "class.csv").write_text("student,exercise,net_h1,w5+\nAnn,lecture,0.3775,0.3589\nCid,lecture,,\n")
    assert main(["check", str(tmp_path / "class.csv"), "--format", "json"]) == 0
    assert [s["student"] for s in json.loads(capsys.readouterr().out)["sheets"]] == ["Ann", "Cid"]


def test_exam_file_errors_name_the_field(tmp_path, capsys):
    (tmp_path / "e.yaml").write_text("seed: -3\nquestions: [{family: chain-rul, points: 2}]\n")
    err = one_line_error(capsys, main(["exam", str(tmp_path / "e.yaml"), "--out", str(tmp_path / "o")]))
    assert "questions[0].family" in err and "did you mean 'chain-rule'" in err


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n" for previous, name in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("command", [["solve", "{}", "--format", "json"], ["exam", "{}", "-n", "1"], ["check", "{}"]])
@pytest.mark.parametrize("text, words", [
    (BILLION_LAUGHS, "more than 200000 values once its aliases are expanded"),     # 9^9 strings from 10 lines
    ("? [1, 2]\n: 3\n", "a name or a number as each key"),
    ("? {a: 1}\n: 3\n", "a name or a number as each key"),
])
def test_hostile_yaml_is_refused_in_every_file_derive_reads(tmp_path, capsys, command, text, words):
    path = tmp_path / "in.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    status = main([part.format(path) for part in command] + (["--out", str(out)] if command[0] == "exam" else []))
    err = one_line_error(capsys, status)
    assert words in err and str(path) in err
    assert not out.exists()


def test_aliases_of_a_readable_size_still_work():
    """An anchor used twice (the same matrix for both layers) is plain YAML and stays accepted."""
    from derive.core.inputs import read_data

    data = read_data("m: &m [[0.4, 0.45], [0.5, 0.55]]\nweights: [*m, *m]\n", "net.yaml")
    assert data == {"m": [[0.4, 0.45], [0.5, 0.55]], "weights": [[[0.4, 0.45], [0.5, 0.55]]] * 2}


# ----------------------------------------------------------------- hostile input, part 2 (issue 14)

def lecture_with(**fields) -> dict:
    """The lecture's spec as data, with some fields replaced."""
    import yaml

    return dict(yaml.safe_load(LECTURE), **fields)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize("fields, words", [
    ({"learning_rate": 10 ** 400}, "learning_rate: expected a number a float can hold (below 1.8e308), "
                                   "got a whole number of 401 digits"),
    ({"weights": [[[10 ** 400, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]]}, "weights[0][0][0]: expected a number"),
    ({"layers": [10 ** 300, 2, 2]}, "layers[0]: expected a whole number of at most 400"),
    ({"epochs": 10 ** 6}, "epochs: expected a whole number of at most 10000"),
])
def test_integers_too_large_for_a_float_are_refused_in_one_line(tmp_path, capsys, suffix, fields, words):
    path = tmp_path / f"big{suffix}"
    data = lecture_with(**fields)
    path.write_text(json.dumps(data) if suffix == ".json" else __import__("yaml").safe_dump(data))
    err = one_line_error(capsys, main(["solve", str(path), "--format", "json", "--out", str(tmp_path / "o")]))
    assert words in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_number_of_5000_digits_is_refused_in_one_line(tmp_path, capsys, suffix):
    path = tmp_path / f"huge{suffix}"
    path.write_text(json.dumps(lecture_with(learning_rate=0)).replace('"learning_rate": 0', '"learning_rate": ' + "9" * 5000))
    err = one_line_error(capsys, main(["solve", str(path), "--format", "json"]))
    assert "expected numbers of at most 4300 digits" in err


def test_training_steps_are_bounded(tmp_path, capsys):
    data = lecture_with(data=[{"input": [0.05, 0.1], "target": [0.01, 0.99]}] * 100, epochs=101)
    del data["input"], data["target"]
    (tmp_path / "t.json").write_text(json.dumps(data))
    err = one_line_error(capsys, main(["solve", str(tmp_path / "t.json"), "--format", "json"]))
    assert "at most 10000 updates in all (epochs x updates per epoch), got 101 x 100 = 10100" in err


@pytest.mark.parametrize("text, words", [
    ("title: [a, b]\nquestions: [gd-steps]\n", "title: expected a line of text, got a list"),
    ("questions:\n  - family: [gd-steps]\n", "questions[0].family: expected the id of an exercise family"),
    ("questions:\n  - family: {a: 1}\n", "questions[0].family: expected the id of an exercise family"),
    ("questions: [{family: gd-steps, points: 1e400}]\n", "questions[0].points: expected a number of points"),
])
def test_a_list_where_an_exam_file_wants_text(tmp_path, capsys, text, words):
    (tmp_path / "e.yaml").write_text(text)
    err = one_line_error(capsys, main(["exam", str(tmp_path / "e.yaml"), "--format", "md", "--out", str(tmp_path / "o")]))
    assert words in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("value", ["1e-999999999999999999999", "1e999999999999999999999"])
def test_answers_decimal_cannot_read(tmp_path, capsys, value):
    (tmp_path / "s.yaml").write_text(f"exercise: lecture\nanswers:\n  net_h1: {value}\n")
    err = one_line_error(capsys, main(["check", str(tmp_path / "s.yaml")]))
    assert "s.yaml: answers.net_h1: expected a" in err


@pytest.mark.parametrize("text, field", [
    ('{"exercise": "lecture", "answers": {"net_h1": "\\ud800"}}', "answers.net_h1"),
    ('{"exercise": "lecture", "student": "\\udfff", "answers": {"net_h1": "0.3775"}}', "student"),
    ('{"exercise": "lecture", "answers": {"\\ud800": "0.3775"}}', "answers"),
])
def test_lone_surrogates_in_a_json_sheet(tmp_path, capsys, text, field):
    (tmp_path / "s.json").write_text(text)
    for fmt in ("text", "md", "json"):
        err = one_line_error(capsys, main(["check", str(tmp_path / "s.json"), "--format", fmt]))
        assert f"s.json: {field}: expected text of real characters, got a lone surrogate" in err


def test_an_emoji_as_a_surrogate_pair_is_real_text(tmp_path, capsys):
    (tmp_path / "s.json").write_text('{"exercise": "lecture", "student": "\\ud83d\\ude00", "answers": {"net_h1": "0.3775"}}')
    assert main(["check", str(tmp_path / "s.json"), "--format", "json"]) == 0


def test_surface_leaves_out_points_where_f_is_not_real(capsys):
    """sqrt(x^2 - 4) has a vanishing gradient at x = 0, where f = 2i: no point to classify."""
    assert main(["surface", "--function", "(x**2-4)**(1/2)", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stationary_points"] == [] and "not a real number are left out" in data["remark"]


@pytest.mark.parametrize("template, words", [
    ("{% for i in range(10**9) %}x{% endfor %}", "the count 1000000000"),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "macros nested more than 100 deep"),
])
def test_user_templates_beyond_the_sandbox(tmp_path, capsys, template, words):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "solution.md.j2").write_text(template)
    err = one_line_error(capsys, main(["solve", "--templates", str(tmp_path / "t"), "--format", "md",
                                       "--out", str(tmp_path / "o")]))
    assert words in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("template, words", [
    ("{{ 'A' * 10**10 }}", "a repetition of 1 items 10000000000 times"),
    ("{{ [0] * 10**9 }}", "a repetition of 1 items 1000000000 times"),
    ("{% set ns = namespace(s='A') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
     "a value of 33554432 items"),                                         # doubling with ~ stops at 2**25
    ("{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s }}{% endmacro %}{{ d('A', 60) }}", "a value of"),
    ("{{ 'A'|center(10**9) }}", "the count 1000000000"),
    ("{{ 'A'.ljust(10**9) }}", "the count 1000000000"),
    ("{{ '%999999999s' % 1 }}", "a field width of 8 digits or more"),
    ("{{ '{:>999999999}'.format(1) }}", "a field width of 8 digits or more"),
    ("{{ 7 ** (10**8) }}", "a power with the exponent 100000000"),
    # 1000 characters a turn: past the output limit in 20000 turns, well inside the time budget on a loaded machine
    ("{% for i in range(99999) %}" + "x" * 1000 + "{% endfor %}", "more than 20000000 characters of output"),
    ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}", "macros nested more than 100 deep"),
])
def test_user_templates_are_bounded(tmp_path, capsys, template, words):
    """The memory blow-up of issue 14 ({{ 'A' * 10**10 }}) and its cousins: refused before the text is built."""
    import tracemalloc

    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "solution.md.j2").write_text(template)
    tracemalloc.start()
    status = main(["solve", "--templates", str(tmp_path / "t"), "--format", "md", "--out", str(tmp_path / "o")])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    err = one_line_error(capsys, status)
    assert words in err and not (tmp_path / "o").exists()
    assert peak < 400e6


def test_user_templates_have_a_time_budget(tmp_path, capsys, monkeypatch):
    import derive.render.templating as templating

    monkeypatch.setattr(templating, "TEMPLATE_SECONDS", 1)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "solution.md.j2").write_text(
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}")
    err = one_line_error(capsys, main(["solve", "--templates", str(tmp_path / "t"), "--format", "md",
                                       "--out", str(tmp_path / "o")]))
    assert "expected a template that renders within 1 s" in err


def test_a_user_template_folder_renders_the_packaged_templates_unchanged(tmp_path):
    (tmp_path / "empty").mkdir()
    for folder, extra in (("a", []), ("b", ["--templates", str(tmp_path / "empty")])):
        assert main(["solve", "--format", "md,tex", "--out", str(tmp_path / folder)] + extra) == 0
    assert all((tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
               for name in ("solution.md", "solution.tex"))


@pytest.mark.parametrize("args, words", [
    (["gd", "--function", "x**2", "--x0", "1", "--max-iter", "100000"], "--max-iter: expected at most 10000 iterations"),
    (["exam", "--family", "gd-steps", "-n", "20000", "--out", "{out}"], "-n: expected at most 10000 variants"),
    (["stress", "gd-steps", "-n", "2000000"], "-n: expected at most 1000000 seeds"),
])
def test_iteration_counts_are_bounded(tmp_path, capsys, args, words):
    err = one_line_error(capsys, main([a.format(out=tmp_path / "o") for a in args]))
    assert words in err and not (tmp_path / "o").exists()


def test_a_link_inside_the_output_folder_is_replaced_not_followed(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir(), outside.mkdir()
    (out / "solution.md").symlink_to(outside / "evil.md")
    (out / "figures").symlink_to(outside, target_is_directory=True)
    assert main(["solve", "--format", "md", "--out", str(out)]) == 0
    assert main(["exam", "--family", "backprop-full-step", "-n", "1", "--format", "md", "--out", str(out)]) == 0
    assert list(outside.iterdir()) == []
    assert not (out / "solution.md").is_symlink() and not (out / "figures").is_symlink()
    assert (out / "solution.md").read_text().startswith("# Backpropagation")
    assert any((out / "figures").iterdir())


def test_a_failing_run_leaves_no_folder_behind(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "solution.md.j2").write_text("{{ nothing_of_that_name }}")
    for args in (["solve", "missing.yaml", "--out", "a/b/../../x"],
                 ["solve", "--templates", "t", "--format", "md", "--out", "c/d/../../y"]):
        one_line_error(capsys, main(args))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]
    assert main(["solve", "--format", "md", "--out", "e/f/../../z"]) == 0       # a success makes z alone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t", "z"]


def test_sigterm_mid_run_leaves_nothing_half_written(tmp_path):
    import signal
    import time

    child = subprocess.Popen([sys.executable, "-m", "derive", "exam", "--family", "gd-steps", "-n", "2000",
                              "--format", "md", "--out", "exam"], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".derive-") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)                          # the run has started staging its files
    child.send_signal(signal.SIGTERM)
    assert child.wait(30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make", [
    lambda d: d.__setitem__("answers", {"net_h1": "9" * 5000}),
    lambda d: d.__setitem__("answers", {"x" * 3000: "0.5"}),
    lambda d: d.__setitem__("tolerance", "0." + "1" * 3000 + "x"),
])
def test_error_lines_fit_a_terminal_line(tmp_path, capsys, monkeypatch, make):
    monkeypatch.chdir(tmp_path)
    sheet = {"exercise": "lecture", "answers": {"net_h1": "0.3775"}}
    make(sheet)
    (tmp_path / "s.json").write_text(json.dumps(sheet))
    err = one_line_error(capsys, main(["check", "s.json"]))
    assert len(err) <= 160 + len("derive: error: ") and "…" in err and "expected" in err


def test_long_command_line_values_are_cut_too(capsys):
    err = one_line_error(capsys, main(["gd", "--function", "x", "--x0", "1,1," * 500]))
    assert len(err) <= 200 and err.startswith("derive: error: --x0: expected")


def test_input_error_keeps_field_and_expectation_whole():
    from derive.core.errors import InputError

    text = str(InputError("s.yaml", "answers.net_h1", "a number such as 0.5933", got="'" + "9" * 1000 + "'"))
    assert text.startswith("s.yaml: answers.net_h1: expected a number such as 0.5933, got '999") and len(text) <= 160


@pytest.mark.parametrize("args", [
    ["gradients", "--depth", "200", "--weight", "50", "--activation", "linear", "--format", "md"],   # overflow in exp
    ["surface", "--function", "(x**2-4)**(1/2)", "--format", "md"],        # a plot with no labelled point
    ["surface", "--function", "1/x", "--format", "md"],
])
def test_a_successful_run_writes_nothing_on_stderr(tmp_path, args):
    from tests.support.cli import run_cli

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("always")          # as a fresh process would show them
        result = run_cli(args + ["--out", str(tmp_path / "o")])
    assert result.status == 0 and result.stderr == ""


@pytest.mark.parametrize("name", ["a\x00b", "\udcff", "\ud800"])
def test_an_output_folder_name_of_no_real_characters(tmp_path, capsys, monkeypatch, name):
    """Found by tests/test_fuzz.py: a NUL, or bytes that are not UTF-8 (\udcff), in --out."""
    monkeypatch.chdir(tmp_path)
    err = one_line_error(capsys, main(["solve", "--format", "md", "--out", "out/" + name]))
    assert "--out: expected a folder name of real characters" in err and list(tmp_path.iterdir()) == []


def test_a_time_budget_keeps_an_alarm_set_around_it():
    """derive's own time budgets (surface solving, user templates) nest in an outer alarm, such as
    the fuzz suite's hang guard: the outer one fires when it comes first, and survives the budget."""
    import signal
    import time

    from derive.core.limits import TooSlow, time_limit

    class Outer(BaseException):
        pass

    def outer(signum, frame):
        raise Outer()

    previous = signal.signal(signal.SIGALRM, outer)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.4)
        with time_limit(5):
            time.sleep(0.05)
        with pytest.raises(Outer):        # still set after the budget, for its remaining time
            time.sleep(2)
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(Outer):        # comes first: fires as itself, not as the budget's TooSlow
            with time_limit(5):
                time.sleep(2)
        signal.setitimer(signal.ITIMER_REAL, 5)
        with pytest.raises(TooSlow):      # the budget comes first
            with time_limit(1):
                time.sleep(3)
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Names no file system takes (found by benchmarks/fuzz.py at scale 10): refused in one line, not an OSError.
LONG_NAME = "1" * 5000


def test_an_exercise_name_too_long_for_a_file_is_no_such_file(tmp_path, capsys):
    (tmp_path / "sheet.yaml").write_text(f"exercise: '{LONG_NAME}'\nanswers:\n  net_h1: 0.3775\n")
    err = one_line_error(capsys, main(["check", str(tmp_path / "sheet.yaml")]))
    assert "exercise: expected a spec f" in err and "got '1111" in err


def test_an_out_folder_name_too_long_is_refused(tmp_path, capsys):
    out = tmp_path / LONG_NAME
    assert "--out" in one_line_error(capsys, main(["gd", "--function", "x**2", "--x0", "1", "--out", str(out)]))
    assert list(tmp_path.iterdir()) == []


def test_a_templates_folder_that_does_not_exist_is_refused(tmp_path, capsys):
    err = one_line_error(capsys, main(["solve", "--templates", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]))
    assert "Invalid value for '--templates': Directory" in err
    assert not (tmp_path / "o").exists()


def test_an_exam_seed_too_long_for_a_variant_code_is_refused(tmp_path, capsys):
    # found by benchmarks/fuzz.py at scale 10: a 400-digit seed made figure names too long for a file system
    (tmp_path / "exam.yaml").write_text("n: 1\nseed: " + "1" + "0" * 400 + "\nquestions:\n- family: gd-steps\n")
    err = one_line_error(capsys, main(["exam", str(tmp_path / "exam.yaml"), "--out", str(tmp_path / "out")]))
    assert "seed" in err and "at most 999999999" in err and not (tmp_path / "out").exists()
    err = one_line_error(capsys, main(["exam", "--family", "gd-steps", "-n", "1", "--seed", "1000000000",
                                       "--out", str(tmp_path / "out")]))
    assert "--seed" in err
    assert "--variant" in one_line_error(capsys, main(["solve", "--variant", "1" + "0" * 400 + "-1-GDS-A"]))
