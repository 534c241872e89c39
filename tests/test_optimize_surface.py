"""Stationary points classified by the Hessian's eigenvalues; convexity."""

from __future__ import annotations

import re

import pytest

from derive.core.descent import make_problem
from derive.core.surface import analyse_surface
from tests.support.cli import json_of


def kinds(data):
    return [(p["x"], p["kind"]) for p in data["stationary_points"]]


def test_x2_minus_y2_is_a_saddle():
    data = json_of(["surface", "--function", "x**2 - y**2"])
    assert kinds(data) == [([0.0, 0.0], "saddle")]
    assert data["stationary_points"][0]["hessian_eigenvalues"] == [-2.0, 2.0]
    assert data["convex"] is False
    assert data["variables"] == ["x", "y"] and data["gradient"] == ["2*x", "-2*y"]
    assert data["hessian"] == [["2", "0"], ["0", "-2"]]


def test_x2_plus_y2_is_a_convex_bowl_with_its_minimum_at_the_origin():
    data = json_of(["surface", "--function", "x**2 + y**2"])
    assert kinds(data) == [([0.0, 0.0], "minimum")] and data["convex"] is True


def test_cubic_has_one_minimum_and_one_saddle():
    data = json_of(["surface", "--function", "x**3 - 3*x + y**2"])
    # grad = (3x^2 - 3, 2y) = 0 at (+-1, 0); H = diag(6x, 2)
    assert kinds(data) == [([-1.0, 0.0], "saddle"), ([1.0, 0.0], "minimum")]
    assert [p["hessian_eigenvalues"] for p in data["stationary_points"]] == [[-6.0, 2.0], [2.0, 6.0]]
    assert data["convex"] is False


def test_quartic_has_a_minimum_at_9_4_and_a_degenerate_point_at_0():
    data = json_of(["surface", "--function", "x**4 - 3*x**3 + 2"])
    assert kinds(data) == [([0.0], "degenerate"), ([2.25], "minimum")]
    minimum = data["stationary_points"][1]
    assert minimum["x_exact"] == [r"\frac{9}{4}"]
    assert minimum["hessian_eigenvalues"] == [pytest.approx(12 * 2.25**2 - 18 * 2.25)]   # f'' = 12x^2 - 18x
    assert minimum["f"] == pytest.approx(2.25**4 - 3 * 2.25**3 + 2)
    assert "inflection" in data["stationary_points"][0]["note"]
    assert data["convex"] is False


@pytest.mark.parametrize("text, convex", [("exp(x) + x^2", True), ("x^4 + y^4", True), ("x^2 - x*y + y^2", True),
                                          ("sin(x)", False), ("x^2*y^2", False)])
def test_convexity(text, convex):
    assert analyse_surface(make_problem(text)).convex is convex


def test_a_maximum_and_a_minimum_solved_exactly_and_checked_by_finite_differences():
    problem = make_problem("x*exp(-x^2 - y^2)")
    surface = analyse_surface(problem)
    assert surface.method == "exact"
    assert [(p.kind, p.x) for p in surface.points] == [
        ("minimum", pytest.approx((-2 ** -0.5, 0.0))), ("maximum", pytest.approx((2 ** -0.5, 0.0)))]
    for point in surface.points:
        assert problem.gradient_at(point.x) == pytest.approx((0.0, 0.0), abs=1e-12)
        h = 1e-4   # the second difference along x agrees with the sign of the eigenvalues
        xs, ys = point.x
        second = (problem.value((xs + h, ys)) - 2 * problem.value((xs, ys)) + problem.value((xs - h, ys))) / h**2
        assert (second > 0) == (point.kind == "minimum")


def test_numerical_fallback_is_said_so():
    surface = analyse_surface(make_problem("cos(x) + x^2/10"))
    assert surface.method == "numerical"
    minima = [p.x[0] for p in surface.points if p.kind == "minimum"]
    assert len(minima) == 2 and minima[1] == pytest.approx(-minima[0])
    problem = make_problem("cos(x) + x^2/10")
    assert problem.gradient_at((minima[1],))[0] == pytest.approx(0.0, abs=1e-9)   # -sin x + x/5 = 0


# --- the sheet solves grad f = 0 by hand: equations, factors, cases (issue 10) ---------------------

def _cases(solving, depth=0):
    """Every (equation, factored form) of the worked solving, and the points its cases end in."""
    steps, points = [(solving.equation, solving.factored)], []
    for branch in solving.branches:
        if branch.point is not None:
            points.append(branch.point)
        else:
            more, found = _cases(branch.then, depth + 1)
            steps += more
            points += found
    return steps, points


# Each with its gradient written by hand, to check the points the cases end in.
HAND_GRADIENTS = {
    "x**3 - 3*x + y**2": lambda x, y: (3 * x * x - 3, 2 * y),
    "x**3 - 3*x*y + y**3": lambda x, y: (3 * x * x - 3 * y, 3 * y * y - 3 * x),
    "x*y*(x+y-3)": lambda x, y: (2 * x * y + y * y - 3 * y, x * x + 2 * x * y - 3 * x),
    "(1-x)**2 + 100*(y-x**2)**2": lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
    "x**4 + y**4 - 4*x*y": lambda x, y: (4 * x ** 3 - 4 * y, 4 * y ** 3 - 4 * x),
}


@pytest.mark.parametrize("text", sorted(HAND_GRADIENTS))
def test_the_cases_end_in_the_stationary_points_and_each_factoring_is_right(text):
    import random

    import sympy

    surface = analyse_surface(make_problem(text))
    assert surface.solving is not None
    steps, points = _cases(surface.solving)
    for point in points:      # the hand-written gradient vanishes at every point the cases give
        assert all(abs(g) < 1e-12 for g in HAND_GRADIENTS[text](*(float(v) for v in point))), point
    assert {tuple(float(v) for v in p) for p in points} == {p.x for p in surface.points}
    rng = random.Random(1)
    x, y = sympy.symbols("x y", real=True)
    for equation, factored in steps:      # the factored form is the same polynomial (at random points)
        if factored is None:
            continue
        for _ in range(5):
            at = {s: sympy.Rational(rng.randint(-50, 50), 7) for s in equation.free_symbols | factored.free_symbols}
            assert equation.subs(at) == factored.subs(at)


def test_the_sheet_shows_how_grad_f_0_is_solved():
    md = _surface_sheet("x**3 - 3*x*y + y**3")
    # by hand: 3x^2 - 3y = 0 gives y = x^2; then 3x^4 - 3x = 3x(x - 1)(x^2 + x + 1) = 0, whose last factor
    # has no real root: x = 0 or x = 1, so (0, 0) and (1, 1)
    assert r"$3 x^{2} - 3 y = 0$ gives $y = x^{2}$" in md
    assert r"$3 x \left(x - 1\right) \left(x^{2} + x + 1\right) = 0$" in md
    assert r"($x^{2} + x + 1 = 0$ has no real solution)" in md
    assert r"then $y = x^{2} = 1$, the point $\left(1, 1\right)$" in md
    assert r"So $f$ has 2 stationary points: $\left(0, 0\right)$ and $\left(1, 1\right)$." in md
    # the Hessian at each point: [[6x, -3], [-3, 6y]] at (1, 1)
    assert r"$\left[\begin{matrix}6 & -3\\-3 & 6\end{matrix}\right]$" in md


def _surface_sheet(text):
    import tempfile
    from pathlib import Path

    from tests.support.cli import run_ok

    with tempfile.TemporaryDirectory() as out:
        run_ok(["surface", "--function", text, "--format", "md", "--out", out])
        return (Path(out) / "surface.md").read_text(encoding="utf-8")


def test_a_function_not_worked_by_hand_still_lists_its_points_and_the_text_has_no_hyphen_minus():
    md = _surface_sheet("x**2*y**2 - x*y")        # a whole curve of stationary points (xy = 1/2)
    assert "Solving $\\nabla f = 0$ exactly (SymPy) gives" in md and "There are infinitely many" in md
    convexity = md.split("## Step 4")[1].split("![")[0]
    assert re.search(r"negative eigenvalue at \$x = -?[0-9.]+, y = -?[0-9.]+\$", convexity)
    assert not re.search(r"-[0-9]", re.sub(r"\$[^$]*\$", "", convexity))    # numbers are typeset as math
