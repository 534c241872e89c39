"""Gradient-descent exercises as step graphs, so that their sheets are checked step by step.

Each iterate is a quantity defined from the one before, exactly as the backpropagation
quantities are (derive.core.graph): ``grad[t]`` from ``x[t]``, ``x[t+1]`` from ``x[t]`` and
``grad[t]`` (with momentum: ``v[t+1]`` from ``v[t]`` and ``grad[t]``, then ``x[t+1] = x[t] +
v[t+1]``), ``f[t]`` from ``x[t]``.  The checker's :class:`~derive.check.world.World` then
recomputes every step from the student's own previous numbers (error carried forward).

Keys (CONTRACT §10): ``x[t]``, ``grad[t]``, ``f[t]``, ``v[t]`` for one variable, ``x[t,i]``,
``grad[t,i]``, ``v[t,i]`` for several (i from 1, in the order of the variables).  Counts
(the stopping iteration of gd-stopping, the updates per epoch of sgd-batch-minibatch) and
multiple-choice answers (gd-learning-rate's behaviours) are *rules*, decided by a test on the
student's own numbers rather than by a formula.

>>> exercise = plain_exercise({"function": "x**2", "x0": "-4", "lr": "0.8", "steps": "2"}, "s.yaml")
>>> [(name, round(exercise.exact[key], 6)) for name, key in exercise.asks]
[('x[1]', 2.4), ('x[2]', -1.44)]
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Callable

import sympy

from derive.core.errors import InputError, suggest
from derive.core.graph import StepGraph
from derive.core.keys import Key

__all__ = ["DescentExercise", "Rule", "plain_exercise", "family_exercise", "DESCENT_FAMILIES", "PLAIN_FIELDS",
           "exact_world"]

ETA, BETA = Key("eta"), Key("beta")
#: The fields of a plain gradient-descent exercise (``exercise: {function: ..., x0: ..., lr: ...}``).
PLAIN_FIELDS = ("function", "x0", "lr", "momentum", "steps", "vars", "tol", "grad_tol")
#: Iterations a plain exercise may ask for (each is a few compiled steps per variable: 60 take a few seconds).
MAX_STEPS = 60


@dataclass(frozen=True)
class Rule:
    """A quantity decided by a test, not a formula: a count or a multiple-choice answer.

    ``decide(world, counts)`` gives the values the student's own numbers allow (several where
    their rounding leaves the test undecided); ``counts`` holds the counts the sheet gives."""

    kind: str                                   # "count" | "choice" | "number"
    decide: Callable[[object, dict], set]
    choices: tuple[str, ...] = ()


@dataclass
class DescentExercise:
    """The quantities of one gradient-descent exercise, in the order of its worked solution."""

    name: str                                   # the family id, or "gd"
    graph: StepGraph
    given: dict[Key, float]
    names: dict[str, Key]                       # every name a sheet may use (plain names and keys)
    shown: dict[Key, str]                       # the name reports use for a quantity the sheet omits
    asks: tuple[tuple[str, Key], ...]           # asked by default
    rules: dict[Key, Rule] = field(default_factory=dict)
    variables: tuple[str, ...] = ()
    momentum: bool = False
    learning_rate: float | None = None
    exact: dict[Key, float] = field(default_factory=dict)

    def __post_init__(self):
        world = exact_world(self)
        for key in self.order:
            self.exact[key] = self.given.get(key) if key in self.given else \
                (min(self.rules[key].decide(world, {})) if key in self.rules else world.value(key)[0])

    @property
    def order(self) -> list[Key]:
        """Every quantity, in the order of the worked solution."""
        return list(self.graph.quantities) + [k for k in self.rules if k not in self.graph]

    def inlined(self, on_sheet) -> dict[Key, sympy.Expr]:
        """The updates whose gradient the sheet does not give, with the gradient's formula put in:
        x[t+1] = x[t] - eta * f'(x[t]) is one step from x[t], whose rounding then moves the
        gradient and the point together (as two separate inputs, their uncertainties would add up
        and grow without bound over a long run of skipped steps)."""
        found = {}
        for q in self.graph:
            if q.section in ("update", "velocity") and q.definition is not None:
                put = {g.symbol: self.graph[g].definition for g in q.depends_on
                       if g.kind == "grad" and g not in on_sheet and self.graph[g].definition is not None}
                if put:
                    found[q.key] = q.definition.xreplace(put)
        return found

    def resolve(self, name: str, source: str, field_name: str) -> Key:
        word = str(name).replace(" ", "")
        if word in self.names:
            return self.names[word]
        raise InputError(source, field_name, f"a quantity of this {self.name} exercise", got=repr(str(name)),
                         suggestion=suggest(word, self.names))


def exact_world(exercise: DescentExercise):
    """The world of a student who made no slip and did not round: the exact values."""
    from derive.check.world import World

    return World(exercise.graph, exercise.given, {}, 0.0)


# --- iterates of gradient descent -----------------------------------------------------------------

def _key(kind: str, t: int, i: int, several: bool) -> Key:
    return Key(kind, (t, i) if several else (t,))


def _iterates(problem, x0, rate: float, steps: int, momentum: float = 0.0) -> tuple[StepGraph, dict]:
    """grad[t], f[t] (and v[t+1]), x[t+1] for t = 0 .. steps-1, and grad[steps], f[steps]."""
    graph = StepGraph(None)
    n = len(problem.variables)
    several = n > 1
    given = {ETA: float(rate)}
    graph.add(ETA, None, "given")
    if momentum:
        given[BETA] = float(momentum)
        graph.add(BETA, None, "given")
    for i in range(n):
        given[_key("x", 0, i + 1, several)] = float(x0[i])
        graph.add(_key("x", 0, i + 1, several), None, "given")
        if momentum:
            given[_key("v", 0, i + 1, several)] = 0.0
            graph.add(_key("v", 0, i + 1, several), None, "given")
    for t in range(steps + 1):
        at = {v: _key("x", t, i + 1, several).symbol for i, v in enumerate(problem.variables)}
        for i, g in enumerate(problem.gradient):
            graph.add(_key("grad", t, i + 1, several), g.xreplace(at), "gradient")
        graph.add(Key("f", (t,)), problem.function.xreplace(at), "value")
        if t == steps:
            break
        if momentum:
            for i in range(n):
                v, g = _key("v", t, i + 1, several).symbol, _key("grad", t, i + 1, several).symbol
                graph.add(_key("v", t + 1, i + 1, several), BETA.symbol * v - ETA.symbol * g, "velocity")
        for i in range(n):
            x, g = _key("x", t, i + 1, several).symbol, _key("grad", t, i + 1, several).symbol
            step = _key("v", t + 1, i + 1, several).symbol if momentum else -ETA.symbol * g
            graph.add(_key("x", t + 1, i + 1, several), x + step, "update")
    return graph, given


def _iterate_names(graph: StepGraph, variables: tuple[str, ...]) -> tuple[dict[str, Key], dict[Key, str]]:
    """Canonical keys, and the variables' own names: ``y[2]`` for x[2,2], ``v_y[1]``, ``grad_y[0]``."""
    names, shown = {}, {}
    several = len(variables) > 1
    for key in graph.quantities:
        if key in (ETA, BETA):
            continue
        names[str(key)], shown[key] = key, str(key)
        if key.kind in ("x", "grad", "v") and len(key.index) == (2 if several else 1):
            t, variable = key.index[0], variables[key.index[1] - 1 if several else 0]
            own = {"x": variable, "grad": f"grad_{variable}", "v": f"v_{variable}"}[key.kind]
            names.setdefault(f"{own}[{t}]", key)
            if several:
                shown[key] = f"{own}[{t}]"
    return names, shown


def _descent(name, problem, x0, rate, steps, momentum=0.0, asks=None, extra_steps=0) -> DescentExercise:
    variables = tuple(v.name for v in problem.variables)
    graph, given = _iterates(problem, x0, rate, steps + extra_steps, momentum)
    names, shown = _iterate_names(graph, variables)
    if asks is None:
        asks = tuple((shown[k], k) for k in graph.quantities if k.kind == "x" and 1 <= k.index[0] <= steps)
    return DescentExercise(name, graph, given, names, shown, asks, variables=variables, momentum=bool(momentum),
                           learning_rate=float(rate))


# --- a plain exercise: exercise: {function: "x**2", x0: -4, lr: 0.8, steps: 3} --------------------------

def _number(raw, source, where) -> float:
    from derive.check.sheet import parse_number

    return parse_number(raw, source, where)[0]


def plain_exercise(data: dict, source: str) -> DescentExercise:
    """A ``derive gd`` problem written into the sheet (CONTRACT §4's options as fields)."""
    from derive.core.descent import make_problem

    for name in data:
        if name not in PLAIN_FIELDS:
            raise InputError(source, f"exercise.{name}", "one of " + ", ".join(PLAIN_FIELDS), got="an unknown field",
                             suggestion=suggest(str(name), PLAIN_FIELDS))
    for required in ("function", "x0", "lr"):
        if data.get(required) in (None, ""):
            raise InputError(source, f"exercise.{required}", "a value (function, x0 and lr are needed)", got="nothing")
    try:
        problem = make_problem(str(data["function"]), None if data.get("vars") is None else str(data["vars"]))
    except InputError as exc:
        raise InputError(source, "exercise.function", exc.expected, got=exc.got, suggestion=exc.suggestion) from None
    raw_x0 = data["x0"] if isinstance(data["x0"], list) else str(data["x0"]).split(",")
    x0 = [_number(str(v).strip(), source, f"exercise.x0[{i}]") for i, v in enumerate(raw_x0)]
    if len(x0) != len(problem.variables):
        raise InputError(source, "exercise.x0", f"{len(problem.variables)} numbers, one per variable "
                         + ",".join(v.name for v in problem.variables), got=str(len(x0)))
    rate = _number(data["lr"], source, "exercise.lr")
    momentum = _number(data["momentum"], source, "exercise.momentum") if data.get("momentum") is not None else 0.0
    steps = int(_number(data.get("steps", "3"), source, "exercise.steps"))
    if not 1 <= steps <= MAX_STEPS or str(data.get("steps", "3")).strip() != str(steps):
        raise InputError(source, "exercise.steps", f"a whole number of iterations from 1 to {MAX_STEPS}",
                         got=str(data.get("steps")))
    tol = _number(data["tol"], source, "exercise.tol") if data.get("tol") is not None else None
    grad_tol = _number(data["grad_tol"], source, "exercise.grad_tol") if data.get("grad_tol") is not None else None
    if tol is None and grad_tol is None:
        exercise = _descent("gd", problem, x0, rate, steps, momentum)
        _refuse_overflow(exercise, source)
        return exercise
    return _stopping("gd", problem, x0, rate, tol, grad_tol, steps, momentum, source)


def _refuse_overflow(exercise: DescentExercise, source: str) -> None:
    bad = [exercise.shown.get(k, str(k)) for k, v in exercise.exact.items() if not math.isfinite(v)]
    if bad:
        raise InputError(source, "exercise", "an exercise whose iterates stay finite",
                         got=f"{bad[0]} overflows", suggestion="a smaller lr or fewer steps")


# --- stopping rules (gd-stopping, or tol/grad_tol in a plain exercise) --------------------------------

def _first_below(sizes, limit: float, strict: bool) -> set[int]:
    """The iterations t at which "size_t < limit" (or <=) first holds, given each size's
    uncertainty: [(value, spread)]; several when rounding leaves a test undecided."""
    found = set()
    for n, (size, spread) in enumerate(sizes):
        low, high = size - spread, size + spread
        could_stop = low < limit or (not strict and low <= limit)
        if could_stop:
            found.add(n)
        must_stop = high < limit or (not strict and high <= limit)
        if must_stop:
            break
    return found


def stop_rule(quantity: str, limit: float, strict: bool, count: int, several: bool, scale_key: Key | None = None):
    """decide(world, counts): the stopping iterations the student's numbers allow, testing
    |scale * quantity[t]| against ``limit`` (``<``, or ``<=`` when not ``strict``)."""
    def decide(world, counts):
        sizes = []
        for t in range(count):
            value, spread = world.value(_key(quantity, t, 1, several))
            scale = 1.0 if scale_key is None else world.value(scale_key)[0]
            sizes.append((abs(scale * value), abs(scale) * spread))
        return _first_below(sizes, limit, strict)
    return decide


def _stopping(name, problem, x0, rate, tol, grad_tol, steps, momentum, source) -> DescentExercise:
    """Iterates far enough to decide both rules; ``steps`` (tol rule), ``steps_grad``, ``x_final``."""
    from derive.core.descent import Settings, descend

    if len(problem.variables) != 1 or momentum:
        raise InputError(source, "exercise", "a stopping rule (tol, grad_tol) on a function of one variable without "
                         "momentum", got=f"{len(problem.variables)} variables" + (" and momentum" if momentum else ""))
    counts = []
    for rule in ({"tol": tol}, {"grad_tol": grad_tol}):
        if list(rule.values())[0] is not None:
            run = descend(problem, Settings(x0=tuple(x0), learning_rate=rate, max_iter=MAX_STEPS, **rule))
            if run.stopped not in ("tol", "grad_tol"):
                raise InputError(source, "exercise", f"a run that stops within {MAX_STEPS} iterations",
                                 got=f"no stop by {list(rule)[0]}")
            counts.append(run.final.t)
    horizon = max(counts) + 3
    exercise = _descent(name, problem, x0, rate, horizon, asks=())
    asks = []
    if tol is not None:
        by_step = stop_rule("grad", tol, True, horizon, False, ETA)
        exercise.rules[Key("steps")] = Rule("count", by_step)
        exercise.rules[Key("x_final")] = Rule("number", final_rule(Key("steps"), by_step, horizon))
        asks += [("steps", Key("steps")), ("x_final", Key("x_final"))]
    if grad_tol is not None:
        exercise.rules[Key("steps_grad")] = Rule("count", stop_rule("grad", grad_tol, False, horizon, False))
        asks.append(("steps_grad", Key("steps_grad")))
    exercise.names.update({n: k for n, k in asks})
    exercise.shown.update({k: n for n, k in asks})
    exercise.asks = tuple(asks)
    exercise.limits = {"tol": tol, "grad_tol": grad_tol, "horizon": horizon}
    exercise.__post_init__()
    return exercise


def final_rule(count_key: Key, count_rule, horizon: int, extra: int = 0):
    """decide(world, counts): x after the stopping iteration the sheet gives (else the one the
    student's numbers decide), ``extra`` steps later for a mistake that takes one more."""
    def decide(world, counts):
        stops = {counts[count_key]} if count_key in counts else count_rule(world, counts)
        return {world.value(Key("x", (n + extra,)))[0] for n in stops if 0 <= n + extra <= horizon}
    return decide


# --- the exam families -----------------------------------------------------------------------------

def _module(family):
    """The family's own module (exercises/<id>/family.py, imported by the registry)."""
    return sys.modules[type(family).__module__]


def _problem(family, terms):
    """The family's polynomial as derive.core.descent parses it (the family's own helpers)."""
    module = _module(family)
    return module.problem_for(module.poly_text(terms))


def _gd_steps(family, params, source):
    problem = _problem(family, params["terms"])
    return _descent(family.id, problem, params["x0"], params["learning_rate"], params["steps"],
                    asks=_family_asks(family, params, problem))


def _momentum(family, params, source):
    problem = _problem(family, params["terms"])
    return _descent(family.id, problem, params["x0"], params["learning_rate"], params["steps"], params["momentum"],
                    asks=_family_asks(family, params, problem))


def _family_asks(family, params, problem):
    names = {}
    several = len(problem.variables) > 1
    for answer in family.answers(params):
        kind, t = answer.key.split("[")
        t = int(t.rstrip("]"))
        if kind.startswith("v"):
            i = 1 if kind == "v" else [v.name for v in problem.variables].index(kind[2:]) + 1
            names[answer.key] = _key("v", t, i, several)
        else:
            names[answer.key] = _key("x", t, [v.name for v in problem.variables].index(kind) + 1, several)
    return tuple(names.items())


def _gd_stopping(family, params, source):
    problem = _problem(family, family.terms(params))
    return _stopping(family.id, problem, [params["x0"]], params["learning_rate"], params["tol"], params["grad_tol"],
                     1, 0.0, source)


MODES = ("sgd", "minibatch", "batch")


def _sgd_batch(family, params, source):
    """updates per epoch (counts of the given N and B) and the first update w = w0 - eta * mean gradient."""
    graph = StepGraph(None)
    w0, rate, data = Key("w", (0,)), ETA, [tuple(map(float, pair)) for pair in params["data"]]
    given = {w0: float(params["w0"]), rate: float(params["learning_rate"])}
    graph.add(rate, None, "given")
    graph.add(w0, None, "given")
    batches = {"sgd": data[:1], "minibatch": data[:params["small_batch"]], "batch": data}
    names, shown, asks = {}, {}, []
    n, b = int(params["examples"]), int(params["batch_size"])
    updates = {"sgd": n, "minibatch": -(-n // b), "batch": 1}
    rules = {}
    for m, mode in enumerate(MODES, 1):
        count = Key("updates", (m,))
        rules[count] = Rule("count", (lambda value: lambda world, counts: {value})(updates[mode]))
        names[f"updates[{mode}]"], shown[count] = count, f"updates[{mode}]"
        asks.append((f"updates[{mode}]", count))
    for m, mode in enumerate(MODES, 1):
        gradient = sympy.Add(*[(w0.symbol * sympy.Float(x) - sympy.Float(y)) * sympy.Float(x)
                               for x, y in batches[mode]]) / len(batches[mode])
        g, w = Key("grad", (m,)), Key("w_new", (m,))
        graph.add(g, gradient, "gradient")
        graph.add(w, w0.symbol - rate.symbol * g.symbol, "update")
        names.update({f"grad[{mode}]": g, f"w[{mode}]": w, str(g): g, str(w): w})
        shown.update({g: f"grad[{mode}]", w: f"w[{mode}]"})
        asks.append((f"w[{mode}]", w))
    exercise = DescentExercise(family.id, graph, given, names, shown, tuple(asks), rules, ("w",),
                               learning_rate=given[rate])
    exercise.batches = {m: len(batches[mode]) for m, mode in enumerate(MODES, 1)}
    exercise.epoch = (n, b)
    return exercise


def _learning_rate(family, params, source):
    """q[k] = |1 - 2 a eta_k|, lr_max = 1/a, and the behaviour of each rate (a choice)."""
    module = _module(family)
    graph, a = StepGraph(None), Key("a")
    given = {a: float(params["a"])}
    graph.add(a, None, "given")
    names, shown, asks, rules = {}, {}, [], {}
    for k, rate in enumerate(params["rates"], 1):
        eta = Key("eta", (k,))
        given[eta] = float(rate)
        graph.add(eta, None, "given")
    for k in range(1, len(params["rates"]) + 1):
        q = Key("q", (k,))
        graph.add(q, sympy.Abs(1 - 2 * a.symbol * Key("eta", (k,)).symbol), "factor")
        names[f"q[{k}]"], shown[q] = q, f"q[{k}]"
        asks.append((f"q[{k}]", q))
    limit = Key("lr_max")
    graph.add(limit, 1 / a.symbol, "limit")
    names["lr_max"], shown[limit] = limit, "lr_max"
    asks.append(("lr_max", limit))
    for k in range(1, len(params["rates"]) + 1):
        choice = Key("behaviour", (k,))
        rules[choice] = Rule("choice", behaviour_rule(k, module.behaviour), tuple(module.BEHAVIOURS))
        names[f"behaviour[{k}]"], shown[choice] = choice, f"behaviour[{k}]"
        asks.append((f"behaviour[{k}]", choice))
    return DescentExercise(family.id, graph, given, names, shown, tuple(asks), rules)


def behaviour_rule(k: int, behaviour: Callable[[float], int]):
    """decide(world, counts): the behaviours the student's own |1 - 2a eta_k| implies (with the
    sign of the exact 1 - 2a eta_k, which |.| hides)."""
    def decide(world, counts):
        size, spread = world.value(Key("q", (k,)))
        sign = 1.0 if 1 - 2 * world.value(Key("a"))[0] * world.value(Key("eta", (k,)))[0] > 0 else -1.0
        return {behaviour(sign * s) for s in (size - spread, size, size + spread)}
    return decide


#: family id -> builder(family, params, source) of its exercise.
DESCENT_FAMILIES = {"gd-steps": _gd_steps, "momentum": _momentum, "gd-stopping": _gd_stopping,
                    "sgd-batch-minibatch": _sgd_batch, "gd-learning-rate": _learning_rate}


def family_exercise(family, params: dict, source: str) -> DescentExercise:
    return DESCENT_FAMILIES[family.id](family, params, source)
