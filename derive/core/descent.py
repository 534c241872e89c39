"""Gradient descent on a function: x_{t+1} = x_t - lr * grad f(x_t), with momentum if asked.

The iteration follows the lecture's ``gradient_descent(start, gradient,
learn_rate, max_iter, tol)``: before each step its size is compared with
``tol`` and the step is *not taken* if it is smaller.  Everything returned is
a record (frozen dataclasses); the words and pictures come later.

>>> problem = make_problem("x**2")
>>> run = descend(problem, Settings(x0=(-4.0,), learning_rate=0.8, max_iter=3))
>>> [it.x[0] for it in run.iterates]
[-4.0, 2.4000000000000004, -1.4400000000000004, 0.8640000000000003]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import sympy

from derive.core.errors import InputError
from derive.core.parser import parse_function
from derive.core.schedules import T, learning_rate_schedule, momentum_schedule
from derive.core.stepper import Stepper

__all__ = ["Problem", "Settings", "Iterate", "Run", "make_problem", "descend", "learning_rate_schedule",
           "behaviour", "convergence_rate", "norm"]



@dataclass(frozen=True)
class Problem:
    """A function of named variables with its symbolic gradient."""

    text: str
    function: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    gradient: tuple[sympy.Expr, ...]

    def value(self, point):
        return self._numeric()[0](*point)

    def gradient_at(self, point):
        return tuple(float(g) for g in self._numeric()[1](*point))

    def _numeric(self):
        # lambdify prints the already-parsed SymPy tree to Python: only whitelisted functions appear.
        cached = self.__dict__.get("_cache")
        if cached is None:
            value = sympy.lambdify(self.variables, self.function, modules="math")
            gradient = sympy.lambdify(self.variables, list(self.gradient), modules="math")
            cached = (value, gradient)
            object.__setattr__(self, "_cache", cached)
        return cached


def _natural_key(symbol):
    """x2 before x10, as people number things."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", symbol.name)]


def make_problem(function_text: str, variables_text: str | None = None) -> Problem:
    """Parse the function and order its variables (alphabetically unless ``--vars`` names them).

    >>> make_problem("x2 + x10 + y").variables
    (x2, x10, y)
    """
    function = parse_function(function_text, "--function")
    found = sorted(function.free_symbols, key=_natural_key)
    if variables_text is None:
        variables = tuple(found)
    else:
        names = [name.strip() for name in variables_text.split(",") if name.strip()]
        if len(set(names)) != len(names) or not names:
            raise InputError("--vars", "", "distinct variable names separated by commas", got=repr(variables_text))
        for symbol in found:
            if symbol.name not in names:
                raise InputError("--vars", "", "every variable of the function, e.g. " + ",".join(
                    s.name for s in found), got=repr(variables_text),
                    suggestion=f"'{symbol.name}' is missing")
        variables = tuple(sympy.Symbol(name, real=True) for name in names)
    if not variables:
        raise InputError("--function", "", "a function of at least one variable", got=repr(function_text))
    gradient = tuple(sympy.diff(function, v) for v in variables)
    return Problem(function_text, function, variables, gradient)


@dataclass(frozen=True)
class Settings:
    """How to descend: start, learning rate (or schedule), stopping rules, momentum."""

    x0: tuple[float, ...]
    learning_rate: float | None = 0.1
    schedule_text: str | None = None
    max_iter: int = 30
    tol: float | None = None
    grad_tol: float | None = None
    momentum: float = 0.0
    nesterov: bool = False
    momentum_schedule_text: str | None = None    # beta_t as a formula in t, instead of momentum
    nesterov_form: str = "sutskever"              # or "keras": the iterates are the look-ahead points

    @property
    def stepper(self) -> Stepper:
        """The shared update rule (derive.core.stepper) with these settings."""
        schedule = None if self.schedule_text is None else learning_rate_schedule(self.schedule_text)[1]
        betas = None if self.momentum_schedule_text is None else momentum_schedule(self.momentum_schedule_text)[1]
        return Stepper(self.learning_rate, schedule, self.momentum, self.nesterov, betas, self.nesterov_form)

    def rate_at(self, t: int) -> float:
        return self.stepper.rate_at(t)


@dataclass(frozen=True)
class Iterate:
    """One row of the table: x_t, f(x_t), grad f(x_t) and the step taken from it (None if none)."""

    t: int
    x: tuple[float, ...]
    f: float
    grad: tuple[float, ...]
    step: tuple[float, ...] | None
    learning_rate: float
    diverging: bool = False


@dataclass(frozen=True)
class Run:
    """A whole descent: the iterates, why it stopped, and what it did."""

    settings: Settings
    iterates: tuple[Iterate, ...]
    stopped: str                      # "max_iter" | "tol" | "grad_tol" | "diverged"
    rejected_step: tuple[float, ...] | None = None   # the step below tol that was not taken
    stop_detail: str = ""
    diverging_from: int | None = None
    oscillating: tuple[bool, ...] = field(default_factory=tuple)  # per variable

    @property
    def final(self) -> Iterate:
        return self.iterates[-1]


def norm(vector) -> float:
    return math.sqrt(sum(v * v for v in vector))


def _finite(*vectors) -> bool:
    return all(math.isfinite(v) for vector in vectors for v in vector)


def _evaluate(problem: Problem, point):
    """f and grad f at a point, or None when the numbers overflow or leave f's domain."""
    try:
        value, gradient = float(problem.value(point)), problem.gradient_at(point)
    except (OverflowError, ZeroDivisionError):
        return None, "the numbers overflow at t = {t}"
    except (ValueError, TypeError):
        return None, "f is not defined (not a real number) at the next point"
    if not _finite((value,), gradient):
        return None, "the numbers overflow at t = {t}"
    return (value, gradient), ""


def _proposed_step(problem, stepper: Stepper, point, gradient, velocity, t):
    """(new velocity, step): v <- beta_t v - lr grad f (at the look-ahead point x + beta_t v for Nesterov)."""
    if stepper.looks_ahead:
        gradient = problem.gradient_at(stepper.gradient_point(point, velocity, t))
    return stepper.move(gradient, velocity, t)


def descend(problem: Problem, settings: Settings) -> Run:
    """Iterate until max_iter steps, a stopping rule, or overflow."""
    if len(settings.x0) != len(problem.variables):
        raise InputError("--x0", "", f"{len(problem.variables)} numbers, one per variable "
                         + ",".join(v.name for v in problem.variables), got=f"{len(settings.x0)}")
    stepper = settings.stepper
    point, velocity = tuple(settings.x0), (0.0,) * len(settings.x0)
    iterates, stopped, rejected, detail = [], "max_iter", None, ""
    for t in range(settings.max_iter + 1):
        evaluated, why = _evaluate(problem, point)
        if evaluated is None and t == 0:
            raise InputError("--x0", ",".join(f"{x:g}" for x in point), "a starting point where f and its "
                             "gradient are defined (real and finite)", got=why.format(t=t).replace("the next point",
                                                                                                 "x0"))
        if evaluated is None:
            stopped, detail = "diverged", why.format(t=t)
            break
        value, gradient = evaluated
        rate = stepper.rate_at(t)
        row = Iterate(t, point, value, gradient, None, rate)
        if settings.grad_tol is not None and norm(gradient) <= settings.grad_tol:
            iterates.append(row)
            stopped = "grad_tol"
            break
        if t == settings.max_iter:
            iterates.append(row)
            break
        try:
            new_velocity, step = _proposed_step(problem, stepper, point, gradient, velocity, t)
        except (OverflowError, ValueError, ZeroDivisionError):
            new_velocity = step = (math.inf,)
        if settings.tol is not None and norm(step) < settings.tol:
            iterates.append(row)
            stopped, rejected = "tol", step
            break
        following = stepper.apply(point, step)
        if not _finite(step, following):
            iterates.append(row)
            stopped, detail = "diverged", f"the numbers overflow at t = {t + 1}"
            break
        iterates.append(replace(row, step=step))
        point, velocity = following, new_velocity
    return _assess(Run(settings, tuple(iterates), stopped, rejected, detail))


def _diverging_from(iterates) -> int | None:
    """First t from which every step is larger than the one before, to the end (at least 3 steps, size x2).

    A geometric blow-up such as x^2 with lr 1.5 (steps doubling) is caught from t = 0.
    """
    sizes = [norm(it.step) for it in iterates if it.step is not None]
    if len(sizes) < 3:
        return None
    start = len(sizes) - 1
    while start > 0 and sizes[start - 1] < sizes[start]:
        start -= 1
    growing = len(sizes) - start
    if growing >= 3 and sizes[-1] >= 2 * max(sizes[start], 1e-300):
        return start
    return None


def _oscillating(iterates, variables: int) -> tuple[bool, ...]:
    """Per variable: do the steps mostly change sign from one to the next (a zig-zag)?"""
    steps = [it.step for it in iterates if it.step is not None]
    verdicts = []
    for i in range(variables):
        signs = [math.copysign(1, s[i]) for s in steps if s[i] != 0]
        pairs = list(zip(signs, signs[1:]))
        flips = sum(1 for a, b in pairs if a != b)
        verdicts.append(len(pairs) >= 3 and flips >= 0.8 * len(pairs))
    return tuple(verdicts)


def _assess(run: Run) -> Run:
    start = _diverging_from(run.iterates)
    if start is None and run.stopped == "diverged":
        start = len(run.iterates) - 1
    iterates = tuple(replace(it, diverging=start is not None and it.t >= start) for it in run.iterates)
    return replace(run, iterates=iterates, diverging_from=start,
                   oscillating=_oscillating(run.iterates, len(run.settings.x0)))


def convergence_rate(run: Run) -> float | None:
    """Average factor by which |grad f| shrinks per step: (|g_T| / |g_0|)^(1/T); None if undefined."""
    first, last = norm(run.iterates[0].grad), norm(run.final.grad)
    steps = run.final.t
    if first == 0 or steps == 0:
        return None
    return (last / first) ** (1 / steps)


def behaviour(run: Run, names) -> tuple[str, str]:
    """(label, sentence): label is one of converges fast / converges slowly / oscillates / diverges /
    does not converge; the sentence says it in words for the worked solution."""
    zigzag = [name for name, o in zip(names, run.oscillating) if o]
    moving = (" and ".join(zigzag) if len(names) > 1 else "the iterates") + \
        (" changes" if len(zigzag) == 1 and len(names) > 1 else " change")
    if run.diverging_from is not None:
        how = f", oscillating with growing amplitude ({moving} sign every step)" if zigzag else ""
        ending = " until the numbers overflow" if run.stopped == "diverged" else ""
        return "diverges", f"diverges: the steps grow without bound from t = {run.diverging_from}{how}{ending}."
    if run.stopped == "diverged":
        return "diverges", f"stops: {run.stop_detail}."
    rate = convergence_rate(run)
    exact = next((it.t for it in run.iterates if it.t > 0 and not any(it.grad)), None)
    if exact is not None:
        return "converges fast", f"converges fast: it reaches the stationary point exactly at t = {exact}."
    if rate is None:
        return "converges fast", "starts at a stationary point (the gradient is zero)."
    if rate >= 0.999:
        what = "oscillates without converging" if zigzag else "does not converge"
        return ("oscillates" if zigzag else "does not converge"), f"{what}: the gradient does not shrink."
    speed = "fast" if rate <= 0.5 else "slowly"
    factor = f"the gradient shrinks by a factor of about {rate:.3g} per step"
    if zigzag:
        return "oscillates", f"oscillates ({moving} sign every step) and converges {speed}: {factor}."
    return f"converges {speed}", f"converges {speed}: {factor}."
