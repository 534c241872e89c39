"""Named mistakes of gradient-descent sheets: small registered rules, like derive.check.mistakes.

A rule looks at one quantity of a :class:`~derive.check.descent.DescentExercise` and returns the
way a student with that misconception computes it: a SymPy expression over the exercise's
symbols (an iterate, a velocity, a factor), or for a count a ``decide(world, counts)`` test
(the stopping iteration).  The checker evaluates them from the sheet's own numbers.

>>> from derive.check.descent import plain_exercise
>>> from derive.core.keys import Key
>>> exercise = plain_exercise({"function": "x**2", "x0": "-4", "lr": "0.8"}, "s.yaml")
>>> [str(r.expression) for r in DESCENT_MISTAKES["gradient_added"].rewrites(exercise, Key("x", (1,)))]
['eta*grad[0] + x[0]']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy

from derive.core.keys import Key

__all__ = ["Rewrite", "DescentMistake", "DESCENT_MISTAKES", "register_descent_mistake"]

ETA, BETA = Key("eta"), Key("beta")


@dataclass(frozen=True)
class Rewrite:
    """How one quantity reads under the mistake: an expression, or a test for a count."""

    expression: sympy.Expr | None = None
    decide: Callable | None = None


class DescentMistake:
    name = ""
    description = ""

    def rewrites(self, exercise, key: Key) -> list[Rewrite]:
        raise NotImplementedError


DESCENT_MISTAKES: dict[str, DescentMistake] = {}


def register_descent_mistake(cls):
    """Class decorator: add one rule (registry order = the order diagnoses are tried)."""
    DESCENT_MISTAKES[cls.name] = cls()
    return cls


def _update_parts(exercise, key: Key):
    """(point, gradient, velocity) symbols of an update x[t+1] / v[t+1] / w_new[m], else None."""
    if key.kind == "w_new":
        return Key("w", (0,)).symbol, Key("grad", key.index).symbol, None
    if key.kind not in ("x", "v") or key.index[0] == 0 or key not in exercise.graph:
        return None
    t, rest = key.index[0] - 1, key.index[1:]
    point, gradient = Key("x", (t, *rest)).symbol, Key("grad", (t, *rest)).symbol
    velocity = Key("v", (t, *rest)).symbol if exercise.momentum else None
    return point, gradient, velocity


def _step(exercise, key: Key, rewrite: Callable) -> list[Rewrite]:
    """The rewritten step: ``rewrite(eta, gradient, beta * v)`` replaces the velocity (momentum)
    or the step -eta * gradient (x[t+1] = x[t] + step, w = w0 + step)."""
    parts = _update_parts(exercise, key)
    if parts is None:
        return []
    point, gradient, velocity = parts
    if velocity is not None:
        return [Rewrite(rewrite(ETA.symbol, gradient, BETA.symbol * velocity))] if key.kind == "v" else []
    return [Rewrite(point + rewrite(ETA.symbol, gradient, 0))]


@register_descent_mistake
class GradientAdded(DescentMistake):
    name = "gradient_added"
    description = "gradient added instead of subtracted: x + eta * grad"

    def rewrites(self, exercise, key):
        return _step(exercise, key, lambda eta, g, carried: carried + eta * g)


@register_descent_mistake
class LearningRateForgotten(DescentMistake):
    name = "learning_rate_forgotten"
    description = "learning rate forgotten: x - grad"

    def rewrites(self, exercise, key):
        return _step(exercise, key, lambda eta, g, carried: carried - g)


@register_descent_mistake
class MomentumForgotten(DescentMistake):
    name = "momentum_forgotten"
    description = "momentum term left out: v = -eta * grad (plain gradient descent)"

    def rewrites(self, exercise, key):
        return _step(exercise, key, lambda eta, g, carried: -eta * g) if exercise.momentum else []


@register_descent_mistake
class MomentumSignFlipped(DescentMistake):
    name = "momentum_sign_flipped"
    description = "momentum term with the wrong sign: v = -beta * v - eta * grad"

    def rewrites(self, exercise, key):
        return _step(exercise, key, lambda eta, g, carried: -carried - eta * g) if exercise.momentum else []


@register_descent_mistake
class GradientSummed(DescentMistake):
    name = "gradient_summed"
    description = "sum of the batch's gradients used instead of their mean"

    def rewrites(self, exercise, key):
        batches = getattr(exercise, "batches", {})
        if key.kind == "grad" and batches.get(key.index[0], 1) > 1:
            return [Rewrite(exercise.graph[key].definition * batches[key.index[0]])]
        return []


@register_descent_mistake
class FactorTwoForgotten(DescentMistake):
    name = "factor_two_forgotten"
    description = "the factor 2 of f'(x) = 2 a x forgotten: |1 - a eta|"

    def rewrites(self, exercise, key):
        if key.kind == "q":
            return [Rewrite(sympy.Abs(1 - Key("a").symbol * Key("eta", key.index).symbol))]
        return []


@register_descent_mistake
class LimitTwoOverA(DescentMistake):
    name = "limit_two_over_a"
    description = "the limit 2/L taken with L = a instead of the curvature 2a: 2/a"

    def rewrites(self, exercise, key):
        return [Rewrite(2 / Key("a").symbol)] if key.kind == "lr_max" else []


@register_descent_mistake
class LimitHalved(DescentMistake):
    name = "limit_halved"
    description = "the limit halved: 1/(2a), the rate that jumps straight to the minimum"

    def rewrites(self, exercise, key):
        return [Rewrite(1 / (2 * Key("a").symbol))] if key.kind == "lr_max" else []


@register_descent_mistake
class ToleranceOnWrongQuantity(DescentMistake):
    name = "tolerance_on_wrong_quantity"
    description = "stopping test on the wrong quantity: the gradient |f'(x)| against tol instead of the step " \
                  "|eta f'(x)| (or the step against the gradient tolerance)"

    def rewrites(self, exercise, key):
        from derive.check.descent import final_rule, stop_rule

        limits = getattr(exercise, "limits", None)
        if limits is None:
            return []
        horizon = limits["horizon"]
        if key.kind == "steps":
            return [Rewrite(decide=stop_rule("grad", limits["tol"], True, horizon, False))]
        if key.kind == "steps_grad":
            return [Rewrite(decide=stop_rule("grad", limits["grad_tol"], False, horizon, False, ETA))]
        if key.kind == "x_final":
            wrong = stop_rule("grad", limits["tol"], True, horizon, False)
            return [Rewrite(decide=final_rule(Key("steps"), wrong, horizon))]
        return []


@register_descent_mistake
class RejectedStepTaken(DescentMistake):
    name = "rejected_step_taken"
    description = "the step below the tolerance taken (or counted) as well"

    def rewrites(self, exercise, key):
        from derive.check.descent import final_rule

        limits = getattr(exercise, "limits", None)
        if limits is None or key.kind not in ("steps", "x_final"):
            return []
        rule = exercise.rules[Key("steps")].decide
        if key.kind == "steps":
            return [Rewrite(decide=lambda world, counts: {n + 1 for n in rule(world, counts)})]
        return [Rewrite(decide=final_rule(Key("steps"), rule, limits["horizon"], extra=1))]


@register_descent_mistake
class LastBatchDropped(DescentMistake):
    name = "last_batch_dropped"
    description = "updates per epoch rounded down: N // B, the last (smaller) mini-batch left out"

    def rewrites(self, exercise, key):
        epoch = getattr(exercise, "epoch", None)
        if epoch is None or key != Key("updates", (2,)) or epoch[0] % epoch[1] == 0:
            return []
        return [Rewrite(decide=lambda world, counts: {epoch[0] // epoch[1]})]
