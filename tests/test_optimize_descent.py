"""Gradient descent on functions: the lecture's numbers, stopping rules, divergence, momentum.

Every number is checked against an independent computation: a plain loop of
the lecture's update written out here, a closed form, or a published table.
"""

from __future__ import annotations

import math

import pytest

from derive.core.descent import Settings, behaviour, descend, make_problem
from derive.sheets.quadratic import closed_form
from tests.support.cli import json_of


def lecture_gradient_descent(start, gradient, learn_rate, max_iter, tol=None):
    """The lecture's function, written out independently: stop before a step below tol."""
    steps, x = [start], start
    for _ in range(max_iter):
        diff = learn_rate * gradient(x)
        if tol is not None and abs(diff) < tol:
            break
        x = x - diff
        steps.append(x)
    return steps


def test_lecture_iterates_x_squared_from_minus_4_with_step_0_8():
    data = json_of(["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.8"])
    xs = [it["x"][0] for it in data["iterates"]]
    assert [round(v, 8) for v in xs[1:6]] == [2.4, -1.44, 0.864, -0.5184, 0.31104]
    assert len(xs) == 31 and data["stopped"] == "max_iter"
    assert xs[30] == pytest.approx(-4 * (-0.6) ** 30, rel=1e-12)
    assert f"{xs[30]:.5e}" == "-8.84296e-07"   # the lecture's x30
    assert xs == pytest.approx(lecture_gradient_descent(-4.0, lambda x: 2 * x, 0.8, 30), rel=1e-13)


def test_each_row_holds_f_gradient_and_step():
    data = json_of(["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.8", "--max-iter", "3"])
    first = data["iterates"][0]
    assert first == {"t": 0, "x": [-4.0], "f": 16.0, "grad": [-8.0], "step": [pytest.approx(6.4)],
                     "lr": 0.8, "diverging": False}
    assert data["iterates"][-1]["step"] is None
    assert data["x_final"] == data["iterates"][-1]["x"] and data["f_final"] == data["iterates"][-1]["f"]
    assert data["gradient"] == ["2*x"] and data["variables"] == ["x"]


def test_tol_stops_before_the_small_step_which_is_not_taken():
    data = json_of(["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.8", "--tol", "0.01"])
    expected = lecture_gradient_descent(-4.0, lambda x: 2 * x, 0.8, 30, tol=0.01)
    xs = [it["x"][0] for it in data["iterates"]]
    assert xs == pytest.approx(expected, rel=1e-13)
    assert data["stopped"] == "tol" and data["iterates"][-1]["t"] == 13
    last = xs[-1]
    assert abs(0.8 * 2 * last) < 0.01 <= abs(0.8 * 2 * xs[-2])    # the rejected step is below tol
    assert data["rejected_step"] == [pytest.approx(-0.8 * 2 * last)]
    assert data["iterates"][-1]["step"] is None                    # ... and was not taken


def test_grad_tol_stops_when_the_gradient_is_small():
    data = json_of(["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.1", "--grad-tol", "0.01",
                    "--max-iter", "1000"])
    # |grad| = 8 * 0.8^t <= 0.01  <=>  t >= log(0.01/8)/log(0.8) = 29.96
    assert data["stopped"] == "grad_tol" and data["iterates"][-1]["t"] == 30
    assert abs(data["iterates"][-1]["grad"][0]) <= 0.01 < abs(data["iterates"][-2]["grad"][0])


def test_divergence_of_x_squared_with_step_1_5_is_reported_and_runs_on():
    data = json_of(["gd", "--function", "x**2", "--x0", "-4", "--lr", "1.5", "--max-iter", "20"])
    xs = [it["x"][0] for it in data["iterates"]]
    assert xs == [-4 * (-2) ** t for t in range(21)]            # exact: (1 - 2*1.5)^t = (-2)^t
    assert data["stopped"] == "max_iter" and len(xs) == 21      # not stopped early
    assert all(it["diverging"] for it in data["iterates"]) and data["diverging_from"] == 0
    assert data["behaviour"] == "diverges" and data["oscillating"] is True
    assert "grow without bound" in data["behaviour_text"]


def test_divergence_stops_early_only_on_overflow():
    data = json_of(["gd", "--function", "x**2", "--x0", "-4", "--lr", "1.5", "--max-iter", "5000"])
    assert data["stopped"] == "diverged"
    assert data["iterates"][-1]["t"] < 5000 and math.isfinite(data["f_final"])
    assert data["iterates"][-1]["diverging"] is True


def test_oscillation_and_slow_convergence_named_in_words():
    problem = make_problem("x**2")
    oscillating = descend(problem, Settings(x0=(-4.0,), learning_rate=0.8))
    assert behaviour(oscillating, ["x"])[0] == "oscillates"
    assert "change sign every step" in behaviour(oscillating, ["x"])[1]
    slow = descend(problem, Settings(x0=(-4.0,), learning_rate=0.1))
    assert behaviour(slow, ["x"])[0] == "converges slowly" and not any(slow.oscillating)


def test_learning_rates_side_by_side():
    data = json_of(["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.1,0.5,0.8,1.1"])
    labels = [run["behaviour"] for run in data["runs"]]
    assert labels == ["converges slowly", "converges fast", "oscillates", "diverges"]
    for run, rate in zip(data["runs"], [0.1, 0.5, 0.8, 1.1]):
        xs = [it["x"][0] for it in run["iterates"]]
        assert xs == pytest.approx([-4 * (1 - 2 * rate) ** t for t in range(31)], rel=1e-9, abs=1e-300)
        assert run["closed_form"]["contraction_factor"] == pytest.approx(abs(1 - 2 * rate))


def test_closed_form_of_x_squared_matches_the_iterates():
    problem = make_problem("x**2")
    for rate in (0.1, 0.3, 0.8, 0.95, 1.2):
        run = descend(problem, Settings(x0=(-4.0,), learning_rate=rate))
        form = closed_form(problem, run)
        assert form.factors == (pytest.approx(1 - 2 * rate),)
        assert form.limit == 1.0 and form.converges == (0 < rate < 1)
        assert form.max_difference < 1e-12
        assert [p[0] for p in form.predicted] == pytest.approx([-4 * (1 - 2 * rate) ** t for t in range(31)])
    assert closed_form(problem, descend(problem, Settings(x0=(-4.0,), learning_rate=0.8))).formula_latex \
        == r"x_t = -4 \cdot \left(-0.6\right)^{t}"


def test_closed_form_in_two_dimensions_uses_the_largest_hessian_eigenvalue():
    problem = make_problem("x**2 + x*y + y**2 - 3*x")     # H = [[2, 1], [1, 2]], eigenvalues 1 and 3
    run = descend(problem, Settings(x0=(0.0, 0.0), learning_rate=0.3, max_iter=40))
    form = closed_form(problem, run)
    assert form.eigenvalues == (1.0, 3.0) and form.limit == pytest.approx(2 / 3)
    assert form.minimizer == pytest.approx((2.0, -1.0))      # 2x + y = 3, x + 2y = 0
    assert form.contraction == pytest.approx(max(abs(1 - 0.3), abs(1 - 0.9)))
    assert form.max_difference < 1e-12
    assert run.final.x == pytest.approx((2.0, -1.0), abs=1e-5)


def test_published_two_variable_iterates():
    # Published worked example (z = 2x^2 + 2y^2 + 2xy - 6x from (0, 0), step 0.1, values shown to
    # 2 decimals): "Gradient Descent - Algebraic Method: 2 Variables", as collected in
    # https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 :
    # (0.6, 0.0), (0.96, -0.12), (1.2, -0.26), (1.37, -0.4), (1.5, -0.51), ..., (1.98, -0.98).
    data = json_of(["gd", "--function", "2*x^2 + 2*y^2 + 2*x*y - 6*x", "--x0", "0,0", "--lr", "0.1",
                    "--max-iter", "19"])
    published = [(0.6, 0.0), (0.96, -0.12), (1.2, -0.26), (1.37, -0.4), (1.5, -0.51), (1.6, -0.61),
                 (1.68, -0.69), (1.75, -0.75), (1.8, -0.8)]
    for it, (px, py) in zip(data["iterates"][1:], published):
        assert it["x"] == [pytest.approx(px, abs=0.006), pytest.approx(py, abs=0.006)]
    assert data["iterates"][19]["x"] == [pytest.approx(1.98, abs=0.006), pytest.approx(-0.98, abs=0.006)]


def test_published_momentum_iterates():
    # Published worked example: f(x) = (x - 4)^2, alpha = 0.2, beta = 0.9, x0 = 10,
    # v <- beta v - alpha f'(x), x <- x + v: x1 = 7.6, x2 = 4.0, x3 = 0.76, x4 = -0.86.
    # https://e-learning.univ-saida.dz/mod/page/view.php?id=148564 ("Momentum Gradient Descent")
    data = json_of(["gd", "--function", "(x-4)^2", "--x0", "10", "--lr", "0.2", "--momentum", "0.9",
                    "--max-iter", "4"])
    xs = [it["x"][0] for it in data["iterates"]]
    assert xs == pytest.approx([10, 7.6, 4.0, 0.76, -0.86], abs=1e-12)
    assert [it["step"][0] for it in data["iterates"][:3]] == pytest.approx([-2.4, -3.6, -3.24])


def plain_momentum(gradient, x, rate, beta, steps, nesterov=False):
    velocity, path = 0.0, [x]
    for _ in range(steps):
        at = x + beta * velocity if nesterov else x
        velocity = beta * velocity - rate * gradient(at)
        x = x + velocity
        path.append(x)
    return path


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_and_nesterov_against_a_plain_loop(nesterov):
    problem = make_problem("x^4 - 3*x^2 + x")
    run = descend(problem, Settings(x0=(2.0,), learning_rate=0.01, max_iter=50, momentum=0.8, nesterov=nesterov))
    expected = plain_momentum(lambda x: 4 * x**3 - 6 * x + 1, 2.0, 0.01, 0.8, 50, nesterov)
    assert [it.x[0] for it in run.iterates] == pytest.approx(expected, rel=1e-12)


def test_nesterov_in_keras_form_by_hand_and_as_the_look_ahead_points_of_sutskever_form():
    # Keras (SGD(nesterov=True)) on f = x^2 from 1, lr 0.1, beta 0.9, by hand:
    # t=0: g = 2, v = -0.2, step = 0.9(-0.2) - 0.2 = -0.38, y1 = 0.62
    # t=1: g = 1.24, v = 0.9(-0.2) - 0.124 = -0.304, step = 0.9(-0.304) - 0.124 = -0.3976, y2 = 0.2224
    # t=2: g = 0.4448, v = -0.31808, step = -0.330752, y3 = -0.108352
    data = json_of(["gd", "--function", "x**2", "--x0", "1", "--lr", "0.1", "--momentum", "0.9", "--nesterov",
                    "--nesterov-form", "keras", "--max-iter", "3"])
    assert [it["x"][0] for it in data["iterates"]] == pytest.approx([1, 0.62, 0.2224, -0.108352], abs=1e-14)
    assert data["iterates"][1]["step"] == pytest.approx([-0.3976], abs=1e-14)
    assert data["settings"]["nesterov_form"] == "keras"
    sheet = _gd_sheet(["--function", "x**2", "--x0", "1", "--momentum", "0.9", "--nesterov", "--nesterov-form",
                       "keras", "--max-iter", "3"])
    assert "(Nesterov in the form Keras uses" in sheet
    assert r"x_{t+1} = x_t + \beta\, v_{t+1} - \eta\, \nabla f(x_t)" in sheet
    # with a constant learning rate, Keras's iterates are Sutskever's look-ahead points x_t + beta v_t
    problem = make_problem("x^4 - 3*x^2 + x")
    keras = descend(problem, Settings(x0=(2.0,), learning_rate=0.01, max_iter=40, momentum=0.8, nesterov=True,
                                      nesterov_form="keras"))
    x, v, looked = 2.0, 0.0, [2.0]
    for _ in range(40):
        v = 0.8 * v - 0.01 * (4 * (x + 0.8 * v) ** 3 - 6 * (x + 0.8 * v) + 1)
        x += v
        looked.append(x + 0.8 * v)
    assert [it.x[0] for it in keras.iterates] == pytest.approx(looked, rel=1e-11)


def _gd_sheet(args) -> str:
    import tempfile
    from pathlib import Path

    from tests.support.cli import run_ok

    with tempfile.TemporaryDirectory() as out:
        run_ok(["gd", *args, "--format", "md", "--out", out])
        return (Path(out) / "gd.md").read_text(encoding="utf-8")


def test_momentum_schedule_by_hand():
    # beta_t = min(0.9, 1 - 3/(t+5)): 0.4, 0.5, 4/7; f = x^2 from 1, lr 0.1, v <- beta_t v - 0.1 f'(x):
    # v1 = -0.2, x1 = 0.8; v2 = 0.5(-0.2) - 0.16 = -0.26, x2 = 0.54; v3 = (4/7)(-0.26) - 0.108, x3 = x2 + v3
    data = json_of(["gd", "--function", "x**2", "--x0", "1", "--lr", "0.1", "--momentum-schedule",
                    "min(0.9, 1 - 3/(t+5))", "--max-iter", "3"])
    v3 = 4 / 7 * -0.26 - 0.108
    assert [it["x"][0] for it in data["iterates"]] == pytest.approx([1, 0.8, 0.54, 0.54 + v3], abs=1e-14)
    assert data["settings"]["momentum_schedule"] == "min(0.9, 1 - 3/(t+5))"
    sheet = _gd_sheet(["--function", "x**2", "--x0", "1", "--momentum-schedule", "min(0.9, 1 - 3/(t+5))"])
    assert r"the momentum schedule $\beta_t = \min\left(\frac{9}{10}, 1 - \frac{3}{t + 5}\right)$" in sheet
    assert r"v_{t+1} = \beta_t\, v_t - \eta\, \nabla f(x_t)" in sheet


@pytest.mark.parametrize("args, message", [
    (["--momentum-schedule", "0.5+t"], "0 <= beta < 1 at every t"),
    (["--momentum", "0.5", "--momentum-schedule", "0.5"], "either --momentum or --momentum-schedule"),
    (["--nesterov-form", "keras"], "--nesterov with it"),
])
def test_momentum_options_that_cannot_work_are_refused(args, message):
    from tests.support.cli import run_cli

    result = run_cli(["gd", "--function", "x**2", "--x0", "1", "--max-iter", "3", *args])
    assert result.status == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_learning_rate_schedule():
    data = json_of(["gd", "--function", "x^2 + 1", "--x0", "3", "--lr-schedule", "0.4/(1+t)", "--max-iter", "5"])
    x, expected = 3.0, [3.0]
    for t in range(5):
        x = x - 0.4 / (1 + t) * 2 * x
        expected.append(x)
    assert [it["x"][0] for it in data["iterates"]] == pytest.approx(expected, rel=1e-13)
    assert [it["lr"] for it in data["iterates"]] == pytest.approx([0.4 / (1 + t) for t in range(6)])


def test_gradient_is_symbolic_and_agrees_with_finite_differences():
    problem = make_problem("sin(x)*exp(y) + x^3*y - sqrt(x^2 + 1)")
    point, h = (0.7, -0.3), 1e-6
    numeric = []
    for i in range(2):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        numeric.append((problem.value(up) - problem.value(down)) / (2 * h))
    assert problem.gradient_at(point) == pytest.approx(numeric, rel=1e-7)


def test_variables_are_ordered_alphabetically_unless_named():
    assert [v.name for v in make_problem("y^2 + x1 + x10 + x2").variables] == ["x1", "x2", "x10", "y"]
    assert [v.name for v in make_problem("x^2 + y", "y,x").variables] == ["y", "x"]
