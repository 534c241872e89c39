"""Learning-rate and momentum schedules: a formula in the update count t (from 0), parsed as mathematics.

``floor``, ``ceil``, ``min`` and ``max`` write the schedules published material uses: PyTorch's
StepLR as ``0.05*0.1^floor(t/30)``, a linear warm-up as ``0.1*min(1, (t+1)/10)``, a decay with a
floor as ``max(0.001, 0.1 - 0.01*t)``; a momentum that grows to its final value as
``min(0.9, 1 - 3/(t+5))`` (Sutskever et al. 2013 ramp the momentum up in the same way).
"""

from __future__ import annotations

import math
from functools import lru_cache

import sympy

from derive.core.errors import InputError
from derive.core.parser import parse_function

__all__ = ["T", "learning_rate_schedule", "momentum_schedule"]

T = sympy.Symbol("t", real=True)


@lru_cache(maxsize=16)
def learning_rate_schedule(text: str, source: str = "--lr-schedule", field: str = ""):
    """``"0.5/(1+t)"`` -> (SymPy expression in t, function t -> learning rate); ``source`` and
    ``field`` name where the text came from in an error (an option, or a spec file and its field).

    >>> learning_rate_schedule("0.5/(1+t)")[1](1)
    0.25
    """
    return _schedule(text, source, field, "a positive learning rate", lambda v: v > 0, "try 0.5/(1+t)")


@lru_cache(maxsize=16)
def momentum_schedule(text: str, source: str = "--momentum-schedule", field: str = ""):
    """``"min(0.9, 1 - 3/(t+5))"`` -> (SymPy expression in t, function t -> momentum beta_t, 0 <= beta_t < 1).

    >>> momentum_schedule("min(0.9, 1 - 3/(t+5))")[1](0)
    0.4
    """
    return _schedule(text, source, field, "a momentum beta with 0 <= beta < 1", lambda v: 0 <= v < 1,
                     "try min(0.9, 1 - 3/(t+5))")


def _schedule(text, source, field, what, allowed, example):
    expression = parse_function(text, source if not field else f"{source}: {field}", variables={"t": T})
    numeric = sympy.lambdify([T], expression, modules="math")

    def value_at(t: int) -> float:
        try:
            value = complex(numeric(t))
        except (ArithmeticError, ValueError, TypeError):
            value = complex("nan")
        if value.imag or not math.isfinite(value.real) or not allowed(value.real):
            raise InputError(source, field or text, f"a schedule giving {what} at every t = 0, 1, 2, ...",
                             got=f"{value.real if not value.imag else value} at t = {t}",
                             suggestion=f"t counts from 0: {example}")
        return value.real
    return expression, value_at
