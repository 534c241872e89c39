"""The closed form of gradient descent on a quadratic, checked against the iterates.

For f(x) = 1/2 x^T H x + c^T x + const the step is x_{t+1} - x* = (I - lr H)(x_t - x*),
so x_t = x* + (I - lr H)^t (x_0 - x*).  Along each eigenvector of H the distance
to x* is multiplied by 1 - lr*lambda per step: the run converges exactly when
every |1 - lr*lambda| < 1, i.e. 0 < lr < 2/L with L the largest eigenvalue.

>>> from derive.core.descent import make_problem, descend, Settings
>>> run = descend(make_problem("x**2"), Settings(x0=(-4.0,), learning_rate=0.8))
>>> form = closed_form(make_problem("x**2"), run)
>>> form.contraction, form.limit
(0.6, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy
import sympy

from derive.present.formatting import latex_number

__all__ = ["ClosedForm", "closed_form"]


@dataclass(frozen=True)
class ClosedForm:
    """What the closed form predicts, and how well the iterates agree with it."""

    hessian: tuple[tuple[float, ...], ...]
    hessian_latex: str
    eigenvalues: tuple[float, ...]
    factors: tuple[float, ...]          # 1 - lr*lambda per eigenvalue
    contraction: float                  # max |1 - lr*lambda|
    largest_eigenvalue: float           # L
    limit: float | None                 # 2/L (None when L <= 0: no step size converges)
    converges: bool
    minimizer: tuple[float, ...]        # the stationary point x*
    formula_latex: str                  # x_t = ... with the numbers of this run
    general_latex: str                  # the same with symbols
    predicted: tuple[tuple[float, ...], ...]
    max_difference: float               # largest |x_t(closed form) - x_t(iterated)| / max(1, |x_t|)


def _is_quadratic(problem) -> bool:
    function = problem.function
    if not function.is_polynomial(*problem.variables):
        return False
    degree = sympy.Poly(function, *problem.variables).total_degree()
    return degree == 2


def _exact(value: float) -> sympy.Rational:
    """The decimal a user typed (0.8) as an exact rational (4/5), via its shortest repr."""
    fraction = Fraction(repr(float(value)))
    return sympy.Rational(fraction.numerator, fraction.denominator)


def closed_form(problem, run, places: int = 9, lr_symbol: str = r"\eta") -> ClosedForm | None:
    """The closed form for a constant learning rate without momentum on a quadratic with invertible H
    (``lr_symbol``: the learning rate's LaTeX in the general formula)."""
    settings = run.settings
    if settings.schedule_text is not None or settings.momentum or not _is_quadratic(problem):
        return None
    variables = problem.variables
    hessian = sympy.hessian(problem.function, variables)
    if hessian.det() == 0:
        return None
    at_origin = {v: 0 for v in variables}
    offset = sympy.Matrix([g.subs(at_origin) for g in problem.gradient])
    minimizer = -hessian.inv() * offset
    rate = _exact(settings.learning_rate)
    exact_eigenvalues = _eigenvalues(hessian)
    eigenvalues = tuple(float(e) for e in exact_eigenvalues)
    factors = tuple(float(1 - rate * e) for e in exact_eigenvalues)   # exact: 1 - 0.8*2 is -0.6
    largest = max(eigenvalues)
    contraction = max(abs(f) for f in factors)
    predicted = _predict(hessian, minimizer, rate, settings.x0, len(run.iterates))
    # relative, so that a diverging run (x_t ~ 1e300) is judged fairly
    difference = max(abs(p - x) / max(1.0, abs(x)) for row, it in zip(predicted, run.iterates)
                     for p, x in zip(row, it.x))
    general, formula = _formulas(problem, hessian, minimizer, rate, settings.x0, places, lr_symbol)
    return ClosedForm(
        hessian=tuple(tuple(float(h) for h in row) for row in hessian.tolist()),
        hessian_latex=sympy.latex(hessian), eigenvalues=eigenvalues, factors=factors,
        contraction=contraction, largest_eigenvalue=largest,
        limit=2 / largest if largest > 0 else None,
        converges=min(eigenvalues) > 0 and contraction < 1,
        minimizer=tuple(float(m) for m in minimizer), formula_latex=formula, general_latex=general,
        predicted=predicted, max_difference=difference)


def _eigenvalues(hessian):
    """Exact eigenvalues (with multiplicity, ascending) where SymPy finds them, floats otherwise."""
    if hessian.rows <= 3:
        found = hessian.eigenvals()
        values = [e for e, times in found.items() for _ in range(times)]
        if all(e.is_real for e in values):
            return sorted(values, key=float)
    return sorted(sympy.Float(e) for e in numpy.linalg.eigvalsh(numpy.array(hessian.tolist(), dtype=float)))


def _predict(hessian, minimizer, rate, x0, count):
    """x_t = x* + (I - lr H)^t (x0 - x*) for t = 0..count-1, in floating point."""
    contraction_matrix = numpy.eye(hessian.rows) - float(rate) * numpy.array(hessian.tolist(), dtype=float)
    centre = numpy.array([float(m) for m in minimizer])
    offset = numpy.array(x0, dtype=float) - centre
    rows, power = [], numpy.eye(hessian.rows)
    for _ in range(count):
        rows.append(tuple(float(v) for v in centre + power @ offset))
        power = power @ contraction_matrix
    return tuple(rows)


def _formulas(problem, hessian, minimizer, rate, x0, places, lr_symbol):
    """(general, with numbers): per coordinate when H is diagonal, in matrix form otherwise."""
    names = [sympy.latex(v) for v in problem.variables]
    if hessian.is_diagonal():
        general, numbers = [], []
        for i, name in enumerate(names):
            factor = 1 - rate * hessian[i, i]
            centre, start = minimizer[i], _exact(x0[i])
            general.append(rf"{name}_t = {name}^* + ({name}_0 - {name}^*)\,(1 - {lr_symbol}\, h_{{{i + 1}{i + 1}}})^t"
                           if len(names) > 1 else
                           rf"{name}_t = {name}^* + ({name}_0 - {name}^*)\,(1 - {lr_symbol} f'')^t")
            numbers.append(_coordinate(name, centre, start - centre, factor, places))
        return r",\quad ".join(general), r",\quad ".join(numbers)
    general = rf"\mathbf{{x}}_t = \mathbf{{x}}^* + (I - {lr_symbol} H)^t\,(\mathbf{{x}}_0 - \mathbf{{x}}^*)"
    star = r"\begin{pmatrix}" + r" \\ ".join(latex_number(float(m), places) for m in minimizer) + r"\end{pmatrix}"
    numbers = (rf"\mathbf{{x}}_t = {star} + \left(I - {latex_number(float(rate), places)}"
               rf"\,{sympy.latex(hessian)}\right)^t (\mathbf{{x}}_0 - \mathbf{{x}}^*)")
    return general, numbers


def _coordinate(name, centre, distance, factor, places):
    """``x_t = -4 \\cdot (-0.6)^{t}`` (with the minimizer added when it is not 0)."""
    power = rf"\left({latex_number(float(factor), places)}\right)^{{t}}"
    scaled = rf"{latex_number(abs(float(distance)), places)} \cdot {power}"
    if centre == 0:
        return rf"{name}_t = {'-' if distance < 0 else ''}{scaled}"
    return rf"{name}_t = {latex_number(float(centre), places)} {'-' if distance < 0 else '+'} {scaled}"
