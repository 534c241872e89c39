"""Stationary points of a function and their kind, from the gradient and the Hessian.

The points are solved exactly by SymPy where it can (numerically by Newton's
method from a grid of starts otherwise, and the record says so).  Each is
classified by the eigenvalues of the Hessian there: all positive -> minimum,
all negative -> maximum, both signs -> saddle, a zero eigenvalue otherwise ->
degenerate.  Convexity means the Hessian is positive semidefinite everywhere:
True when proved, False with a point where it is not, None when undecided.

>>> surface = analyse_surface(make_problem("x**2 - y**2"))
>>> [(p.x, p.kind) for p in surface.points], surface.convex
([((0.0, 0.0), 'saddle')], False)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy
import sympy

from derive.core.errors import InputError
from derive.core.descent import Problem, make_problem
from derive.core.limits import TooSlow as _TooSlow, time_limit

__all__ = ["StationaryPoint", "Surface", "analyse_surface", "make_problem"]

SOLVE_SECONDS = 10
ZERO = 1e-10


@dataclass(frozen=True)
class StationaryPoint:
    """A point where the gradient vanishes, with its Hessian eigenvalues and kind."""

    x: tuple[float, ...]
    x_exact: tuple            # the coordinates as SymPy numbers (exact where solved exactly)
    value: float
    kind: str                       # minimum | maximum | saddle | degenerate
    eigenvalues: tuple[float, ...]
    note: str = ""                  # e.g. the higher-order test for a degenerate point of f(x)


@dataclass(frozen=True)
class Surface:
    problem: Problem
    hessian: sympy.Matrix
    points: tuple[StationaryPoint, ...]
    method: str                     # "exact" | "numerical"
    convex: bool | None
    convex_reason: str
    remark: str = ""                # e.g. "infinitely many stationary points"


def analyse_surface(problem: Problem) -> Surface:
    """Gradient, Hessian, stationary points with their kinds, and convexity."""
    hessian = sympy.hessian(problem.function, problem.variables)
    kinks = hessian.atoms(sympy.DiracDelta, sympy.Heaviside) | sympy.Matrix(problem.gradient).atoms(sympy.sign)
    if kinks:
        # |x| and friends: the Hessian, and so the classification of stationary points, is undefined at the kink.
        raise InputError("--function", str(problem.function), "a function with a second derivative everywhere "
                         "(derive surface classifies points by the Hessian)", got="a kink (Abs or sign)",
                         suggestion="derive gd still runs on it")
    solutions, method, remark = _exact_points(problem)
    if solutions is None:
        solutions, method = _numerical_points(problem, hessian), "numerical"
    defined = [s for s in solutions if _real_there(problem, hessian, s)]
    if len(defined) < len(solutions):   # e.g. sqrt(x**2 - 4) at x = 0: f is not real there
        remark = "; ".join(r for r in (remark, f"{len(solutions) - len(defined)} point(s) where the gradient vanishes "
                                       "but f or its Hessian is not a real number are left out") if r)
    points = tuple(sorted((_classify(problem, hessian, s) for s in defined), key=lambda p: p.x))
    convex, reason = _convexity(problem, hessian)
    return Surface(problem, hessian, points, method, convex, reason, remark)


def _exact_points(problem):
    """Real solutions of grad f = 0 from sympy.solve, or None if it fails or is too slow."""
    try:
        with time_limit(SOLVE_SECONDS):
            found = sympy.solve(list(problem.gradient), list(problem.variables), dict=True)
    except (_TooSlow, NotImplementedError, ValueError, TypeError, RecursionError):
        return None, "", ""
    points, remark = [], ""
    for solution in found:
        values = [solution.get(v) for v in problem.variables]
        if any(v is None or v.free_symbols for v in values):
            remark = "f has infinitely many stationary points (a whole curve or line of them); listed are only isolated ones"
            continue
        if all(_is_real(v) for v in values):
            points.append(tuple(sympy.re(sympy.nsimplify(v)) if not v.is_real else v for v in values))
    periodic = problem.function.atoms(sympy.sin, sympy.cos, sympy.tan)
    if periodic and not remark:
        # sympy.solve returns one period's solutions of sin/cos equations; say so rather than imply "all".
        remark = ("f is periodic, so its stationary points repeat without end; listed are those SymPy "
                  "returns for one period")
    return points, "exact", remark


def _is_real(value) -> bool:
    if value.is_real:
        return True
    return abs(complex(value.evalf()).imag) < 1e-12


def _real_there(problem, hessian, solution) -> bool:
    """Whether f and every entry of its Hessian are finite real numbers at the point."""
    at = dict(zip(problem.variables, solution))
    try:
        values = [complex(e.subs(at).evalf()) for e in [problem.function, *hessian]]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return all(abs(v.imag) < 1e-12 and abs(v.real) < float("inf") for v in values)


def _numerical_points(problem, hessian):
    """Newton's method on grad f = 0 from a grid of starts in [-5, 5]^n; distinct converged points."""
    gradient = sympy.lambdify(problem.variables, list(problem.gradient), modules="numpy")
    second = sympy.lambdify(problem.variables, hessian, modules="numpy")
    count = len(problem.variables)
    grid = numpy.linspace(-5, 5, 11 if count <= 2 else 5)
    found = []
    for start in itertools.product(grid, repeat=count):
        point = _newton(gradient, second, numpy.array(start, dtype=float))
        if point is not None and all(numpy.max(numpy.abs(point - q)) > 1e-6 for q in found):
            found.append(point)
    return [tuple(sympy.Float(round(float(v), 12)) for v in p) for p in found]


def _newton(gradient, second, point):
    with numpy.errstate(all="ignore"):
        for _ in range(60):
            try:
                g = numpy.array(gradient(*point), dtype=float)
                h = numpy.array(second(*point), dtype=float)
                point = point - numpy.linalg.solve(h, g)
            except (numpy.linalg.LinAlgError, ValueError, TypeError, ZeroDivisionError, OverflowError, NameError):
                return None
            if not numpy.all(numpy.isfinite(point)):
                return None
        residual = numpy.array(gradient(*point), dtype=float)
    return point if numpy.all(numpy.isfinite(residual)) and numpy.max(numpy.abs(residual)) < 1e-9 else None


def _classify(problem, hessian, solution) -> StationaryPoint:
    at = dict(zip(problem.variables, solution))
    local = hessian.subs(at)
    eigenvalues = tuple(sorted(float(e) for e in numpy.linalg.eigvalsh(numpy.array(local.evalf().tolist(), dtype=float))))
    scale = max([1.0] + [abs(e) for e in eigenvalues])
    exactly_singular = all(v.is_Rational for v in solution) and sympy.simplify(local.det()) == 0
    # an exact zero eigenvalue is decided exactly when the point is exact; else up to rounding
    eigenvalues = tuple(0.0 if abs(e) < ZERO * scale else e for e in eigenvalues)
    if exactly_singular and 0.0 not in eigenvalues:
        eigenvalues = tuple(sorted(eigenvalues, key=abs))
        eigenvalues = tuple(sorted((0.0,) + eigenvalues[1:]))
    positive, negative = any(e > 0 for e in eigenvalues), any(e < 0 for e in eigenvalues)
    if positive and negative:
        kind = "saddle"
    elif 0.0 in eigenvalues:
        kind = "degenerate"
    else:
        kind = "minimum" if positive else "maximum"
    note = _higher_order(problem, solution[0]) if kind == "degenerate" and len(solution) == 1 else ""
    value = float(problem.function.subs(at).evalf())
    return StationaryPoint(tuple(float(v) for v in solution), tuple(solution),
                           value, kind, eigenvalues, note)


def _higher_order(problem, point) -> str:
    """For f of one variable: the first derivative that does not vanish at the point decides."""
    variable = problem.variables[0]
    derivative = sympy.diff(problem.function, variable, 2)
    for order in range(3, 12):
        derivative = sympy.diff(derivative, variable)
        value = sympy.simplify(derivative.subs(variable, point))
        if value != 0:
            if order % 2:
                return (f"the first non-zero derivative there is of odd order {order}: "
                        "not an extremum but an inflection point with a horizontal tangent")
            side = "minimum" if value > 0 else "maximum"
            return f"the first non-zero derivative there is of even order {order}: a {side} after all"
    return ""


def _convexity(problem, hessian) -> tuple[bool | None, str]:
    """(convex, reason): a witness point refutes; a proof (constant H, f'' >= 0, minors >= 0) confirms."""
    witness = _witness(problem, hessian)
    if witness is not None:
        where = ", ".join(f"{v.name} = {w:g}" for v, w in zip(problem.variables, witness))
        return False, f"the Hessian has a negative eigenvalue at {where}"
    try:
        with time_limit(SOLVE_SECONDS):
            proved = _proved_psd(problem, hessian)
    except (_TooSlow, NotImplementedError, TypeError, ValueError):
        proved = False
    if proved:
        return True, "the Hessian is positive semidefinite everywhere"
    return None, "no point with a negative Hessian eigenvalue was found, but SymPy could not prove there is none"


def _witness(problem, hessian):
    """A point of a grid in [-5, 5]^n where the Hessian has a negative eigenvalue, or None."""
    numeric = sympy.lambdify(problem.variables, hessian, modules="numpy")
    grid = numpy.linspace(-5, 5, 21 if len(problem.variables) <= 2 else 7)
    nearest_first = sorted(itertools.product(grid, repeat=len(problem.variables)),
                           key=lambda p: (sum(v * v for v in p), p))
    with numpy.errstate(all="ignore"):
        for point in nearest_first:
            try:
                local = numpy.array(numeric(*point), dtype=float)
            except (ValueError, TypeError, ZeroDivisionError, OverflowError):
                continue
            if numpy.all(numpy.isfinite(local)) and numpy.linalg.eigvalsh(local)[0] < -1e-9:
                return point
    return None


def _proved_psd(problem, hessian) -> bool:
    """Every principal minor is >= 0 for all real values (SymPy proves it), so H is PSD everywhere."""
    size = hessian.rows
    if size == 1:
        second = sympy.simplify(hessian[0, 0])
        return sympy.solveset(second < 0, problem.variables[0], sympy.S.Reals) == sympy.S.EmptySet
    for count in range(1, size + 1):
        for rows in itertools.combinations(range(size), count):
            minor = sympy.simplify(hessian.extract(list(rows), list(rows)).det())
            if not (minor.is_nonnegative or (minor.is_number and minor >= 0)):
                return False
    return True
