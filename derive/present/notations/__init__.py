"""Notations: how quantities are named on the page.  Canonical keys never change.

A notation turns a :class:`~derive.core.keys.Key` into a plain name (what users type:
``w5``, ``net_h1``, ``dE_total/dw5``, ``w5+``) and a LaTeX name
(``w_{5}``, ``\\mathit{net}_{h1}``, ``\\frac{\\partial E_{total}}{\\partial w_{5}}``).
Derivative keys are named generically from their numerator and denominator.

Four notations (CONTRACT §2), each a small class registered in NOTATION_CLASSES:
``mazur`` (the lecture's worked example), ``signal`` (the lecture's first half: adders e_n,
outputs y_n = f(e_n), w_(x1)1, df(e)/de), ``layered`` (z^(l), a^(l), W^(l), delta^(l), plus the
step in matrix form) and ``units`` (units 1..N, w_ij, I_j, O_j, theta_j, Err_j = -delta_j).
A notation may also rewrite what is printed for a definition (``present``, same value), add
display blocks (``matrix_form``) and give what the sentence on its sign convention needs (``convention``).

>>> from derive.core.spec import builtin_spec
>>> mazur = get_notation("mazur", builtin_spec().architecture)
>>> mazur.plain(Key.parse("dE/dw[2,1,1]")), mazur.plain(Key.parse("w_new[1,1,1]"))
('dE_total/dw5', 'w1+')
"""

from __future__ import annotations

from derive.core.keys import Key  # noqa: F401  (the doctest above)
from derive.core.spec import LR_SYMBOLS, Architecture
from derive.present.notations.base import Notation, derivative_operands
from derive.present.notations.layered import Layered
from derive.present.notations.mazur import Mazur
from derive.present.notations.signal import Signal
from derive.present.notations.units import Units

__all__ = ["Notation", "Mazur", "Signal", "Layered", "Units", "NOTATION_CLASSES", "get_notation",
           "derivative_operands"]

#: The registry: every name of derive.core.spec.NOTATIONS and its class.
NOTATION_CLASSES: dict[str, type[Notation]] = {"mazur": Mazur, "signal": Signal, "layered": Layered, "units": Units}


def get_notation(name: str, arch: Architecture, lr_symbol: str | None = None) -> Notation:
    """The notation called ``name`` (one of derive.core.spec.NOTATIONS) for one architecture; with
    ``lr_symbol`` (``"eta"`` or ``"gamma"``) the learning rate is written with that letter.

    >>> from derive.core.spec import builtin_spec
    >>> get_notation("units", builtin_spec().architecture, "gamma").latex(Key("eta"))
    '\\\\gamma'
    """
    try:
        cls = NOTATION_CLASSES[name]
    except KeyError:
        raise ValueError(f"unknown notation {name!r}; expected one of {', '.join(NOTATION_CLASSES)}") from None
    notation = cls(arch)
    if lr_symbol is not None:
        notation.learning_rate_names = lr_symbol, LR_SYMBOLS[lr_symbol]
    return notation
