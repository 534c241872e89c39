"""Stationary points classified by the Hessian's eigenvalues; convexity."""

from __future__ import annotations

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
