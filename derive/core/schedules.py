"""Learning-rate schedules: a formula in the update count t (from 0), parsed as mathematics.

``floor``, ``ceil``, ``min`` and ``max`` write the schedules published material uses: PyTorch's
StepLR as ``0.05*0.1^floor(t/30)``, a linear warm-up as ``0.1*min(1, (t+1)/10)``, a decay with a
floor as ``max(0.001, 0.1 - 0.01*t)``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import sympy

from derive.core.errors import InputError
from derive.core.parser import parse_function

__all__ = ["T", "learning_rate_schedule"]

T = sympy.Symbol("t", real=True)


@lru_cache(maxsize=16)
def learning_rate_schedule(text: str, source: str = "--lr-schedule", field: str = ""):
    """``"0.5/(1+t)"`` -> (SymPy expression in t, function t -> learning rate); ``source`` and
    ``field`` name where the text came from in an error (an option, or a spec file and its field).

    >>> learning_rate_schedule("0.5/(1+t)")[1](1)
    0.25
    """
    expression = parse_function(text, source if not field else f"{source}: {field}", variables={"t": T})
    numeric = sympy.lambdify([T], expression, modules="math")

    def rate(t: int) -> float:
        try:
            value = complex(numeric(t))
        except (ArithmeticError, ValueError, TypeError):
            value = complex("nan")
        if value.imag or not math.isfinite(value.real) or value.real <= 0:
            raise InputError(source, field or text, "a schedule giving a positive learning rate at every "
                             "t = 0, 1, 2, ...", got=f"{value.real if not value.imag else value} at t = {t}",
                             suggestion="t counts from 0: try 0.5/(1+t)")
        return value.real
    return expression, rate
