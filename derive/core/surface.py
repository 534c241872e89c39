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

__all__ = ["StationaryPoint", "Surface", "Solving", "Branch", "analyse_surface", "make_problem"]

SOLVE_SECONDS = 10
ZERO = 1e-10
#: How far the worked solving of grad f = 0 goes before the sheet only states the points.
MAX_BRANCHES = 12


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
class Branch:
    """One case of an equation: ``variable = value``, then the next equation solved, or a point."""

    variable: sympy.Symbol
    value: sympy.Expr                 # may depend on variables chosen later (y = x**2)
    then: "Solving | None" = None     # the next equation, with this choice substituted
    point: tuple | None = None        # where the case ends: every variable's value


@dataclass(frozen=True)
class Solving:
    """One equation of grad f = 0 solved by cases, as by hand.

    ``equation`` = 0 is what is left of ``original`` = 0 once the earlier choices are substituted;
    ``factors`` are its factors with a variable (a product is zero when one of its factors is); each
    factor gives the branches of its real roots, or none (``no_real``).
    """

    original: sympy.Expr
    equation: sympy.Expr
    factored: sympy.Expr | None       # the equation as a product, when it is one
    branches: tuple[Branch, ...]
    no_real: tuple[sympy.Expr, ...] = ()


@dataclass(frozen=True)
class Surface:
    problem: Problem
    hessian: sympy.Matrix
    points: tuple[StationaryPoint, ...]
    method: str                     # "exact" | "numerical"
    convex: bool | None
    convex_reason: str
    remark: str = ""                # e.g. "infinitely many stationary points"
    solving: Solving | None = None  # how grad f = 0 is solved by hand, where it can be (polynomials)
    convex_witness: tuple[float, ...] | None = None   # a point where the Hessian has a negative eigenvalue


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
    witness = _witness(problem, hessian)
    convex, reason = _convexity(problem, hessian, witness)
    solving = _worked_solving(problem, points) if method == "exact" else None
    return Surface(problem, hessian, points, method, convex, reason, remark, solving,
                   None if witness is None else tuple(float(w) for w in witness))


def _worked_solving(problem, points) -> Solving | None:
    """grad f = 0 solved equation by equation, factor by factor, when its equations are polynomials
    and the cases end in exactly the points SymPy's solve found (else None: the sheet lists them)."""
    equations = [sympy.expand(g) for g in problem.gradient]
    if not all(e.is_polynomial(*problem.variables) for e in equations):
        return None
    try:
        with time_limit(SOLVE_SECONDS):
            budget = [MAX_BRANCHES]
            solving = _solve_cases(equations, problem.variables, {}, budget)
    except (_TooSlow, _Unworkable, NotImplementedError, ValueError, TypeError, RecursionError):
        return None
    # two cases may end in one point (it lies on both factors): compared once
    found = sorted({tuple(round(float(v), 12) for v in point) for point in _points_of(solving)})
    wanted = sorted(p.x for p in points)
    if len(found) != len(wanted) or any(max(abs(a - b) for a, b in zip(f, w)) > 1e-9
                                        for f, w in zip(found, wanted)):
        return None
    return solving


class _Unworkable(Exception):
    """The cases cannot be worked by hand here (too many, a free variable, no closed form)."""


def _solve_cases(equations, variables, chosen, budget) -> Solving:
    """Solve the easiest equation left by its factors' cases; recurse into each case."""
    left = [(e, sympy.expand(e.subs(chosen))) for e in equations]
    if any(now.is_number and now != 0 for _, now in left):
        raise _Unworkable("a case contradicts itself")       # cannot happen after substitution of real roots
    left = [(e, now) for e, now in left if now != 0]
    if not left:
        raise _Unworkable("a variable is free: infinitely many points")
    original, equation = min(left, key=lambda pair: (len(pair[1].free_symbols),
                                                     sympy.Poly(pair[1], *variables).total_degree()))
    rest = [e for e, _ in left if e is not original]
    coefficient, factors = sympy.factor_list(equation)
    factored = sympy.factor(equation) if len(factors) > 1 or factors[0][1] > 1 else None
    branches, no_real = [], []
    for factor, _ in factors:
        roots = _real_roots(factor, variables)
        if not roots:
            no_real.append(factor)
        for variable, value in roots:
            budget[0] -= 1
            if budget[0] < 0:
                raise _Unworkable("too many cases")
            now = {**chosen, variable: value}
            done = all(v in now for v in variables) and not rest
            if done or not rest:
                if not all(v in now for v in variables):
                    raise _Unworkable("a variable is free: infinitely many points")
                branches.append(Branch(variable, value, point=_resolved(now, variables)))
            else:
                then = _solve_cases(rest, variables, now, budget)
                branches.append(Branch(variable, value, then=then))
    # numbers in increasing order (x = -1 or x = 1), then roots that name other variables
    branches.sort(key=lambda b: (not b.value.is_number, float(b.value) if b.value.is_number else 0.0))
    return Solving(original, equation, factored, tuple(branches), tuple(no_real))


def _real_roots(factor, variables) -> list[tuple[sympy.Symbol, sympy.Expr]]:
    """(variable, value) for each real root of ``factor`` = 0, solved for a variable it is linear in
    (with a constant coefficient), else for its only variable."""
    free = [v for v in variables if v in factor.free_symbols]
    for variable in free:
        poly = sympy.Poly(factor, variable)
        if poly.degree() == 1 and poly.coeffs()[0].is_number:
            return [(variable, sympy.expand(-poly.coeffs()[1] / poly.coeffs()[0]))] if len(poly.coeffs()) > 1 \
                else [(variable, sympy.Integer(0))]
    if len(free) != 1:
        raise _Unworkable("no variable to solve for by hand")
    roots = sympy.Poly(factor, free[0]).real_roots()
    if any(isinstance(r, sympy.CRootOf) for r in roots):
        raise _Unworkable("no closed form")
    return [(free[0], r) for r in dict.fromkeys(roots)]


def _resolved(chosen, variables) -> tuple:
    """Every variable's value once the last case is chosen (earlier choices may name later ones)."""
    values = dict(chosen)
    for _ in variables:
        values = {v: sympy.simplify(e.subs(values)) for v, e in values.items()}
    return tuple(values[v] for v in variables)


def _points_of(solving: Solving):
    for branch in solving.branches:
        if branch.point is not None:
            yield branch.point
        else:
            yield from _points_of(branch.then)


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
            remark = "there are infinitely many stationary points (a whole curve or line of them); listed are only isolated ones"
            continue
        if all(_is_real(v) for v in values):
            points.append(tuple(sympy.re(sympy.nsimplify(v)) if not v.is_real else v for v in values))
    periodic = problem.function.atoms(sympy.sin, sympy.cos, sympy.tan)
    if periodic and not remark:
        # sympy.solve returns one period's solutions of sin/cos equations; say so rather than imply "all".
        remark = ("the function is periodic, so its stationary points repeat without end; listed are those SymPy "
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


def _convexity(problem, hessian, witness) -> tuple[bool | None, str]:
    """(convex, reason): a witness point refutes; a proof (constant H, f'' >= 0, minors >= 0) confirms."""
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
