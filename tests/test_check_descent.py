"""Gradient-descent sheets checked step by step (CONTRACT §10): each iterate recomputed from the
student's own previous one, the digits rule, and the named mistakes of gradient descent.

Every sheet here is computed independently, in plain Python with Decimal rounding half up, the
way a student does it by hand: each step from the previous *rounded* numbers, with one planted
mistake per sheet.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest

from derive.check.descent_check import check_descent, parse_descent_sheet
from derive.check.sheet import parse_sheet
from derive.cli import main
from derive.exam.registry import get_family
from derive.exam.variants import generate


def r4(value: float) -> str:
    """Rounded half up to 4 decimal places, as written on paper."""
    return str(Decimal(repr(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def verdicts(result):
    return {e.name: (e.verdict, e.mistake) for e in result.entries}


def sheet(exercise, answers, **extra):
    return parse_descent_sheet({"exercise": exercise, "answers": answers, **extra}, "test.yaml")


# --- one variable, a function where rounding matters: f(x) = x^2 + e^(-x) -----------------------------

EXERCISE = {"function": "x**2 + exp(-x)", "x0": "1", "lr": "0.3", "steps": "4"}


def hand_run(steps=4, slip=None, x0=1.0, rate=0.3):
    """x_{t+1} = x_t - 0.3 (2 x_t - e^(-x_t)), every number rounded to 4 places before it is used.
    ``slip(t, x, g)`` may replace the update at step t (a planted mistake)."""
    answers, x = {}, x0
    for t in range(steps):
        g = float(r4(2 * x - math.exp(-x)))
        answers[f"grad[{t}]"] = r4(g)
        new = x - rate * g
        if slip is not None:
            new = slip(t, x, g, new)
        x = float(r4(new))
        answers[f"x[{t + 1}]"] = r4(x)
    return answers


def test_a_sheet_rounded_at_every_step_is_correct_or_consistent():
    result = check_descent(sheet(EXERCISE, hand_run()))
    found = {v for v, _ in verdicts(result).values()}
    assert found <= {"correct", "consistent"} and result.exit_status == 0
    exact = 1.0
    for _ in range(4):
        exact -= 0.3 * (2 * exact - math.exp(-exact))
    assert result.entries[-1].expected == pytest.approx(exact, abs=1e-12)      # x_4 at full precision


def test_an_arithmetic_slip_is_wrong_and_the_next_step_follows_from_it():
    answers = hand_run(slip=lambda t, x, g, new: new + 0.05 if t == 1 else new)     # x_2 off by 0.05
    found = verdicts(check_descent(sheet(EXERCISE, answers)))
    assert found["x[2]"] == ("wrong", None)
    assert found["grad[2]"][0] == "consistent" and found["x[3]"][0] in ("correct", "consistent")
    assert found["x[4]"][0] == "consistent"


def test_gradient_added_once_is_named_and_carried_forward():
    answers = hand_run(slip=lambda t, x, g, new: x + 0.3 * g if t == 0 else new)
    result = check_descent(sheet(EXERCISE, answers))
    found = verdicts(result)
    assert found["x[1]"] == ("wrong", "gradient_added")
    assert {found[f"x[{t}]"][0] for t in (2, 3, 4)} == {"consistent"}
    assert result.exit_status == 1


def test_the_same_mistake_made_again_is_consistent_and_says_so():
    answers = hand_run(steps=3, slip=lambda t, x, g, new: x + 0.3 * g)           # added at every step
    result = check_descent(sheet(EXERCISE, answers))
    by_name = {e.name: e for e in result.entries}
    assert (by_name["x[1]"].verdict, by_name["x[1]"].mistake) == ("wrong", "gradient_added")
    for t in (2, 3):
        assert by_name[f"x[{t}]"].verdict == "consistent"
        assert by_name[f"x[{t}]"].note == "same mistake as at x[1] (gradient_added)"
        x, g = float(answers[f"x[{t - 1}]"]), float(answers[f"grad[{t - 1}]"])     # the sheet's own numbers
        assert by_name[f"x[{t}]"].recomputed == pytest.approx(x + 0.3 * g, abs=1e-12)


def test_learning_rate_forgotten():
    answers = {"x[1]": r4(1.0 - (2 - math.exp(-1.0)))}           # x1 = x0 - f'(x0): no learning rate
    found = verdicts(check_descent(sheet(EXERCISE, answers)))
    assert found["x[1]"] == ("wrong", "learning_rate_forgotten")
    assert found["x[2]"] == ("missing", None)


def test_a_copied_given_number_gets_no_diagnosis():
    entry = check_descent(sheet(EXERCISE, {"x[1]": "1.0000"})).entries[0]
    assert entry.verdict == "wrong" and entry.mistake is None and "given x[0]" in entry.diagnosis


def test_values_of_f_are_checked_from_the_students_own_iterate():
    x1 = float(r4(1.0 - 0.3 * (2 - math.exp(-1.0))))
    wrong_x1 = x1 + 0.1
    answers = {"x[1]": r4(wrong_x1), "f[1]": r4(wrong_x1 ** 2 + math.exp(-wrong_x1))}
    found = verdicts(check_descent(sheet(EXERCISE, answers, asks=[])))
    assert found == {"x[1]": ("wrong", None), "f[1]": ("consistent", None)}


# --- several variables and momentum: f(x, y) = x^2 + 3 y^2 from (1, -2), eta = 0.1, beta = 0.9 ----------

MOMENTUM = {"function": "x**2 + 3*y**2", "x0": [1, -2], "lr": "0.1", "momentum": "0.9", "steps": "3"}


def hand_momentum(velocity_rule=None):
    """v <- 0.9 v - 0.1 grad, x <- x + v at 4 places; ``velocity_rule(t, v, g)`` plants a mistake."""
    x, v, answers = [1.0, -2.0], [0.0, 0.0], {}
    for t in range(3):
        g = [2 * x[0], 6 * x[1]]
        new_v = [0.9 * v[i] - 0.1 * g[i] for i in range(2)]
        if velocity_rule is not None:
            new_v = velocity_rule(t, v, g, new_v)
        v = [float(r4(a)) for a in new_v]
        x = [float(r4(x[i] + v[i])) for i in range(2)]
        answers.update({f"v_x[{t + 1}]": r4(v[0]), f"v_y[{t + 1}]": r4(v[1]),
                        f"x[{t + 1},1]": r4(x[0]), f"x[{t + 1},2]": r4(x[1])})
    return answers


def test_momentum_sheet_rounded_by_hand():
    result = check_descent(sheet(MOMENTUM, hand_momentum()))
    assert {e.verdict for e in result.entries} <= {"correct", "consistent"}


@pytest.mark.parametrize("mistake, rule", [
    ("momentum_forgotten", lambda v, g, i: -0.1 * g[i]),
    ("momentum_sign_flipped", lambda v, g, i: -0.9 * v[i] - 0.1 * g[i]),
    ("gradient_added", lambda v, g, i: 0.9 * v[i] + 0.1 * g[i]),
])
def test_momentum_mistakes_at_the_second_step(mistake, rule):
    answers = hand_momentum(lambda t, v, g, new: [rule(v, g, i) for i in range(2)] if t == 1 else new)
    found = verdicts(check_descent(sheet(MOMENTUM, answers)))
    assert found["v_x[2]"] == ("wrong", mistake) and found["v_y[2]"][0] in ("wrong", "consistent")
    assert found["x[2,1]"][0] == "consistent" and found["x[3,1]"][0] == "consistent"


def test_momentum_left_out_of_a_skipped_velocity_is_found_at_the_iterate():
    x1 = [1 - 0.1 * 2, -2 - 0.1 * -12]                                 # v1 = -eta g0 (v0 = 0)
    plain = [x1[0] - 0.1 * 2 * x1[0], x1[1] - 0.1 * 6 * x1[1]]        # x2 without the momentum term
    answers = {"x[1,1]": r4(x1[0]), "x[1,2]": r4(x1[1]), "x[2,1]": r4(plain[0])}
    found = verdicts(check_descent(sheet(MOMENTUM, answers, asks=[])))
    assert found["x[2,1]"] == ("wrong", "momentum_forgotten")


# --- the exam families, by variant code -------------------------------------------------------------

def variants(family_id, n=40, seed=11):
    family = get_family(family_id)
    return [(v.code, v.questions[0].params) for v in generate([family], n, seed)]


def family_sheet(code, answers, **extra):
    data = {"exercise": code, "question": "1", "answers": answers, **extra}
    return parse_sheet(data, "exam.yaml")


def stopping_reference(p):
    """The lecture's rules in plain Python: n_tol = first t with |eta f'(x_t)| < tol (that step not
    taken), n_eps = first t with |f'(x_t)| <= eps; xs are the iterates."""
    a, b, rate = p["a"], p["b"], p["learning_rate"]
    xs = [p["x0"]]
    for _ in range(60):
        xs.append(xs[-1] - rate * (2 * a * xs[-1] + b))
    grads = [2 * a * x + b for x in xs]
    n_tol = next(t for t, g in enumerate(grads) if abs(rate * g) < p["tol"])
    n_eps = next(t for t, g in enumerate(grads) if abs(g) <= p["grad_tol"])
    wrong = next(t for t, g in enumerate(grads) if abs(g) < p["tol"])          # the gradient against tol
    return xs, n_tol, n_eps, wrong


def test_gd_stopping_variant_correct_and_planted_mistakes():
    for code, p in variants("gd-stopping"):
        xs, n_tol, n_eps, wrong = stopping_reference(p)
        if wrong != n_tol and wrong != n_tol + 1:
            break
    else:
        pytest.fail("no variant where the wrong test gives another count")
    right = verdicts(check_descent(family_sheet(code, {"steps": str(n_tol), "x_final": r4(xs[n_tol]),
                                                       "steps_grad": str(n_eps)})))
    assert {v for v, _ in right.values()} == {"correct"}
    planted = verdicts(check_descent(family_sheet(code, {"steps": str(wrong), "x_final": r4(xs[wrong])})))
    assert planted["steps"] == ("wrong", "tolerance_on_wrong_quantity")
    assert planted["x_final"][0] == "consistent"          # x after the student's own count
    one_more = verdicts(check_descent(family_sheet(code, {"steps": str(n_tol + 1)})))
    assert one_more["steps"] == ("wrong", "rejected_step_taken")
    taken = verdicts(check_descent(family_sheet(code, {"x_final": r4(xs[n_tol + 1])})))
    assert taken["x_final"] == ("wrong", "rejected_step_taken")


def test_sgd_batch_minibatch_variant():
    for code, p in variants("sgd-batch-minibatch"):
        if p["examples"] % p["batch_size"]:
            break
    w0, rate, data = p["w0"], p["learning_rate"], p["data"]
    grads = {mode: [(w0 * x - y) * x for x, y in batch] for mode, batch in
             (("sgd", data[:1]), ("minibatch", data[:2]), ("batch", data))}
    mean = {m: sum(g) / len(g) for m, g in grads.items()}
    answers = {"updates[sgd]": str(p["examples"]), "updates[minibatch]": str(-(-p["examples"] // p["batch_size"])),
               "updates[batch]": "1", "w[sgd]": r4(w0 - rate * mean["sgd"]),
               "w[minibatch]": r4(w0 - rate * mean["minibatch"]), "w[batch]": r4(w0 - rate * mean["batch"])}
    assert {v for v, _ in verdicts(check_descent(family_sheet(code, answers))).values()} == {"correct"}
    slips = dict(answers, **{"updates[minibatch]": str(p["examples"] // p["batch_size"]),
                             "w[batch]": r4(w0 - rate * sum(grads["batch"])),
                             "w[sgd]": r4(w0 + rate * mean["sgd"])})
    found = verdicts(check_descent(family_sheet(code, slips)))
    assert found["updates[minibatch]"] == ("wrong", "last_batch_dropped")
    assert found["w[batch]"] == ("wrong", "gradient_summed")
    assert found["w[sgd]"] == ("wrong", "gradient_added")
    own = verdicts(check_descent(family_sheet(code, {"grad[batch]": r4(mean["batch"] + 0.5),
                                                     "w[batch]": r4(w0 - rate * float(r4(mean["batch"] + 0.5)))})))
    assert own["grad[batch]"][0] == "wrong" and own["w[batch]"][0] == "consistent"


def test_gd_learning_rate_variant_factors_limit_and_behaviour_from_the_students_own_factor():
    for code, p in variants("gd-learning-rate"):
        a = p["a"]
        k = next((k for k, rate in enumerate(p["rates"], 1)
                  if abs(1 - 2 * a * rate) > 1 and abs(1 - a * rate) < 1), None)
        if k is not None:
            break
    rate = p["rates"][k - 1]
    student_q = abs(1 - a * rate)                             # factor 2 forgotten: looks convergent
    says = "converges, changing sign every step" if 1 - 2 * a * rate < 0 else "converges without changing sign"
    answers = {f"q[{k}]": r4(student_q), f"behaviour[{k}]": says, "lr_max": r4(2 / a)}
    found = verdicts(check_descent(family_sheet(code, answers, asks=[])))
    assert found[f"q[{k}]"] == ("wrong", "factor_two_forgotten")
    assert found[f"behaviour[{k}]"][0] == "consistent"       # right for the factor the student found
    assert found["lr_max"] == ("wrong", "limit_two_over_a")
    assert verdicts(check_descent(family_sheet(code, {f"behaviour[{k}]": "diverges"}, asks=[]))) == \
        {f"behaviour[{k}]": ("correct", None)}
    wrong = check_descent(family_sheet(code, {f"behaviour[{k}]": "converges without"}, asks=[])).entries[0]
    assert wrong.verdict == "wrong" and wrong.note == "expected “diverges”"


def test_gd_steps_and_momentum_variants_use_the_families_answer_names():
    for family_id in ("gd-steps", "momentum"):
        code, p = variants(family_id, n=3)[2]
        family = get_family(family_id)
        answers = {a.key: r4(a.value) for a in family.answers(p)}
        result = check_descent(family_sheet(code, answers))
        assert {e.verdict for e in result.entries} == {"correct"}, (family_id, code)
        assert [e.name for e in result.entries] == [a.key for a in family.answers(p)]


# --- the command line ----------------------------------------------------------------------------

def test_cli_exit_status_and_bad_input(tmp_path, capsys):
    path = tmp_path / "gd.yaml"
    path.write_text('exercise: {function: "x**2", x0: -4, lr: 0.8, steps: 2}\nanswers:\n  x[1]: 2.4\n  x[2]: -1.44\n')
    assert main(["check", str(path), "--format", "json"]) == 0
    assert '"verdict": "correct"' in capsys.readouterr().out
    path.write_text('exercise: {function: "x**2", x0: -4, lr: 0.8}\nanswers:\n  x[1]: -10.4\n')
    assert main(["check", str(path)]) == 1
    assert "gradient_added" in capsys.readouterr().out
    for text, words in [('exercise: {function: "x**2", x0: -4, rate: 0.8}\nanswers:\n  x[1]: 1\n', "exercise.rate"),
                        ('exercise: {function: "x**2", x0: -4, lr: 0.8}\nanswers:\n  x[9]: 1\n', "answers.x[9]"),
                        ('exercise: {function: "x**2", x0: "-4,1", lr: 0.8}\nanswers:\n  x[1]: 1\n', "exercise.x0"),
                        ('exercise: {function: "__import__(x)", x0: 1, lr: 0.8}\nanswers:\n  x[1]: 1\n', "exercise.function")]:
        path.write_text(text)
        assert main(["check", str(path)]) == 2
        captured = capsys.readouterr()
        assert words in captured.err and captured.out == "" and len(captured.err.strip().splitlines()) == 1


def test_a_long_run_with_one_late_iterate_is_checked_without_recursion():
    """x_60 of x^2 from -4 with eta = 0.1 is -4 * 0.8^60 (about -6e-6): 0.0 is right, 0.5 is not
    (the skipped steps' rounding at one decimal stays bounded: 0.05 / (1 - 0.8) = 0.25)."""
    exercise = {"function": "x**2", "x0": "-4", "lr": "0.1", "steps": "60"}
    assert check_descent(sheet(exercise, {"x[60]": "0.0"}, asks=[])).entries[0].verdict == "correct"
    assert check_descent(sheet(exercise, {"x[60]": "0.5"}, asks=[])).entries[0].verdict == "wrong"
    assert check_descent(sheet(exercise, {"x[60]": "0.2"}, asks=[])).entries[0].verdict == "consistent"


def test_the_python_api_checks_a_gradient_descent_sheet():
    import derive

    report = derive.check({"exercise": {"function": "x**2", "x0": "-4", "lr": "0.8"}, "answers": {"x[1]": "-10.4"}})
    assert report.exit_status == 1 and report["x[1]"]["mistake"] == "gradient_added"
