"""Units numbered 1..N across the whole network, inputs included (textbook style)."""

from __future__ import annotations

import sympy

from derive.core.keys import Key
from derive.core.spec import Architecture
from derive.present.notations.base import _negative, _pair, _product, _Scheme

__all__ = ["Units"]


class Units(_Scheme):
    """Units numbered 1..N across the whole network, inputs included (textbook style, e.g. Han & Kamber).

    The 2-2-2 example has input units 1, 2, hidden units 3, 4 and output units 5, 6.  Plain names
    (LaTeX in brackets): input unit outputs ``O1`` (O_{1}); net input ``I3`` (I_{3}); output ``O3``
    (O_{3}); target ``T5`` (T_{5}); ``w13`` (w_{13}) from unit 1 to unit 3 (``w1,12`` once N > 9);
    biases ``theta3`` (θ_3) per unit or ``theta(1)`` (θ^{(1)}) shared by layer 1 — the spec's
    ``biases`` (added) and ``thresholds`` (subtracted) are both written θ, the net input formula
    shows the sign; ``E5``, ``E``; learning rate ``l``; ``delta3`` (δ_3 = dE/dI_3); other derivatives
    from their parts (``dE/dO5``, ``dO5/dI5``, ``dE/dw35``); updated values ``w35+`` (w_{35}^{+}).
    The textbook's error Err_j = -δ_j is offered as a signed alias ``Err5`` (:meth:`signed_aliases`).

    >>> from derive.core.spec import builtin_spec
    >>> units = Units(builtin_spec().architecture)
    >>> units.plain(Key("w", (1, 1, 1))), units.plain(Key("w_new", (2, 2, 1))), units.plain(Key("net", (2, 2)))
    ('w13', 'w36+', 'I6')
    """

    name = "units"
    description = "units 1..N, w_ij from unit i to unit j, I_j, O_j, theta_j, Err_j = -delta_j, learning rate l"

    def __init__(self, arch: Architecture):
        super().__init__(arch)
        self.unit_count = self._number_units(0)       # inputs are units too

    def unit(self, layer: int, neuron: int) -> str:
        return str(self.number(layer, neuron))

    def _base(self, key: Key, new: bool):
        kind, index = key.kind, key.index
        plus_plain, plus = ("+", "^{+}") if new else ("", "")
        if kind in ("input", "target"):
            n = index[0] if kind == "input" else self.number(self.arch.depth, index[0])
            letter = "O" if kind == "input" else "T"
            return f"{letter}{n}", f"{letter}_{{{n}}}"
        if kind in ("net", "out", "delta"):
            n = self.number(*index)
            letter, symbol = {"net": ("I", "I"), "out": ("O", "O"), "delta": ("delta", r"\delta")}[kind]
            return f"{letter}{n}", f"{symbol}_{{{n}}}"
        if kind == "E":
            if not index:
                return "E", "E"
            n = self.number(self.arch.depth, index[0])
            return f"E{n}", f"E_{{{n}}}"
        if kind == "eta":
            return "l", "l"
        if kind == "w":
            l, j, i = index
            pair = _pair(self.number(l - 1, i), self.number(l, j), self._wide)
            return f"w{pair}{plus_plain}", f"w_{{{pair}}}{plus}"
        if kind in ("b", "theta"):
            if len(index) == 1:
                return f"theta({index[0]}){plus_plain}", rf"\theta^{{({index[0]}){'+' if new else ''}}}"
            n = self.number(*index)
            return f"theta{n}{plus_plain}", rf"\theta_{{{n}}}{plus}"
        return None

    def present(self, key: Key, definition):
        kind, index = key.kind, key.index
        if kind == "dE/dout" and index[0] < self.arch.depth:
            return self._through_weights(definition)       # sum over k of delta_k * w_jk
        if kind == "dE/dw":
            l, j, i = index
            return _product(Key("delta", (l, j)).symbol, self._source(l, i).symbol)
        if kind == "w_new":
            l, j, i = index
            step = _product(Key("eta").symbol, _negative(Key("delta", (l, j)).symbol), self._source(l, i).symbol)
            return sympy.Add(Key("w", index).symbol, step, evaluate=False)
        if kind in ("b_new", "theta_new") and len(index) == 2:
            # dE/db_j = delta_j and dE/dtheta_j = -delta_j (theta is subtracted)
            delta = Key("delta", index).symbol
            error = _negative(delta) if kind == "b_new" else delta
            param = key.parameter.symbol
            return sympy.Add(param, _product(Key("eta").symbol, error), evaluate=False)
        if kind in ("b_new", "theta_new"):
            return self._bias_update(key)
        return definition

    def loss_letters(self) -> tuple[str, str]:
        return "T", "O"

    def signed_aliases(self) -> dict[str, tuple[Key, int]]:
        return {f"Err{self.number(l, j)}": (Key("delta", (l, j)), -1)
                for l in range(1, self.arch.depth + 1) for j in range(1, self.arch.layers[l] + 1)}

    def convention(self) -> dict:
        """``textbook_output``: the output error is the textbook's O(1 - O)(T - O) (sigmoid outputs,
        half the squared error); ``bias_sign``: the sign of l * Err in the update of per-unit biases
        (+) or thresholds (-), None when none are trained."""
        arch = self.arch
        per_unit = arch.train_biases and any(mode == "neuron" for mode in arch.bias_modes)
        return {"textbook_output": arch.activations[-1] == "sigmoid" and arch.loss == "half_sse",
                "bias_sign": ("-" if arch.bias_kind == "theta" else "+") if per_unit else None}
