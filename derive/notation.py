"""Notations: how quantities are named on the page.  Canonical keys never change.

A notation turns a :class:`~derive.keys.Key` into a plain name (what users type:
``w5``, ``net_h1``, ``dE_total/dw5``, ``w5+``) and a LaTeX name
(``w_{5}``, ``\\mathit{net}_{h1}``, ``\\frac{\\partial E_{total}}{\\partial w_{5}}``).
Derivative keys are named generically from their numerator and denominator.

>>> from derive.spec import builtin_spec
>>> mazur = get_notation("mazur", builtin_spec().architecture)
>>> mazur.plain(Key.parse("dE/dw[2,1,1]")), mazur.plain(Key.parse("w_new[1,1,1]"))
('dE_total/dw5', 'w1+')
"""

from __future__ import annotations

from .keys import Key
from .spec import Architecture

__all__ = ["Notation", "Mazur", "NOTATION_CLASSES", "get_notation", "derivative_operands"]


def derivative_operands(key: Key, arch: Architecture) -> tuple[Key, Key]:
    """Numerator and denominator keys of a derivative key (``delta`` is dE/dnet)."""
    top, bottom = ("E", "net") if key.kind == "delta" else key.derivative_parts
    index = key.index
    if top == "E":
        return Key("E"), Key(bottom, index)
    if top == "out":                       # dout/dnet[l,j] or, for softmax, dout/dnet[l,k,j]
        if len(index) == 2:
            return Key("out", index), Key("net", index)
        return Key("out", index[:2]), Key("net", (index[0], index[2]))
    if bottom == "out":                    # dnet/dout[l,k,j]: net k of layer l, out j of layer l-1
        l, k, j = index
        return Key("net", (l, k)), (Key("input", (j,)) if l == 1 else Key("out", (l - 1, j)))
    if bottom in ("b", "theta"):           # dnet/db[l,j]
        l, j = index
        mode = arch.bias_modes[l - 1]
        return Key("net", (l, j)), Key(bottom, (l,) if mode == "shared" else (l, j))
    return Key(top, index[:2]), Key(bottom, index)   # dnet/dw[l,j,i]


class Notation:
    """Base class: subclasses name units, parameters and the total error."""

    name = ""
    description = ""

    def __init__(self, arch: Architecture):
        self.arch = arch
        self._weight_number = {}
        n = 0
        for l in range(1, arch.depth + 1):
            for j in range(1, arch.layers[l] + 1):
                for i in range(1, arch.layers[l - 1] + 1):
                    n += 1
                    self._weight_number[(l, j, i)] = n

    # hooks -------------------------------------------------------------------------------
    def unit(self, layer: int, neuron: int) -> str:
        raise NotImplementedError

    def plain(self, key: Key) -> str:
        raise NotImplementedError

    def latex(self, key: Key) -> str:
        raise NotImplementedError

    def convention(self) -> str:
        """One sentence (LaTeX allowed in $...$) stating the sign convention of the update."""
        return ""

    def present(self, key: Key, definition):
        """The expression printed for ``key``'s definition (default: the definition itself).

        A notation may rewrite it into its own convention, e.g. w + eta*(-dE/dw); the
        rewritten expression must use only quantity symbols, so numbers can be filled in.
        """
        return definition

    def matrix_form(self, solution) -> list | None:
        """Extra display blocks (derive.report.Block) showing the step in matrix form, or None."""
        return None


class Mazur(Notation):
    """The lecture's example: i1, h1, o1; w1..w8 layer by layer; net_h1, out_o1, E_total, w5+."""

    name = "mazur"
    description = "i1, h1, o1, w1..w8, net_h1, out_o1, E_total, w5+ (the lecture's worked example)"

    def unit(self, layer: int, neuron: int) -> str:
        if layer == 0:
            return f"i{neuron}"
        if layer == self.arch.depth:
            return f"o{neuron}"
        if self.arch.depth == 2:
            return f"h{neuron}"
        return f"h{layer}.{neuron}"

    def _param(self, key: Key) -> tuple[str, str]:
        """Plain and LaTeX name of a weight or bias."""
        kind, index = key.kind.split("_")[0], key.index
        if kind == "w":
            n = self._weight_number[index]
            return f"w{n}", f"w_{{{n}}}"
        symbol = "b" if kind == "b" else "theta"
        latex_symbol = "b" if kind == "b" else r"\theta"
        if len(index) == 1:
            return f"{symbol}{index[0]}", f"{latex_symbol}_{{{index[0]}}}"
        unit = self.unit(*index)
        return f"{symbol}_{unit}", f"{latex_symbol}_{{{unit}}}"

    def plain(self, key: Key) -> str:
        kind, index = key.kind, key.index
        if kind == "input":
            return f"i{index[0]}"
        if kind == "target":
            return f"target_{self.unit(self.arch.depth, index[0])}"
        if kind in ("net", "out"):
            return f"{kind}_{self.unit(*index)}"
        if kind == "E":
            return f"E_{self.unit(self.arch.depth, index[0])}" if index else "E_total"
        if kind == "eta":
            return "eta"
        if kind in ("w", "b", "theta"):
            return self._param(key)[0]
        if kind.endswith("_new"):
            return self._param(key)[0] + "+"
        if kind == "delta":
            return f"delta_{self.unit(*index)}"
        top, bottom = derivative_operands(key, self.arch)
        return f"d{self.plain(top)}/d{self.plain(bottom)}"

    def latex(self, key: Key) -> str:
        kind, index = key.kind, key.index
        if kind == "input":
            return f"i_{{{index[0]}}}"
        if kind == "target":
            return rf"\mathit{{target}}_{{{self.unit(self.arch.depth, index[0])}}}"
        if kind in ("net", "out"):
            return rf"\mathit{{{kind}}}_{{{self.unit(*index)}}}"
        if kind == "E":
            return f"E_{{{self.unit(self.arch.depth, index[0])}}}" if index else r"E_{\mathit{total}}"
        if kind == "eta":
            return r"\eta"
        if kind in ("w", "b", "theta"):
            return self._param(key)[1]
        if kind.endswith("_new"):
            return self._param(key)[1] + "^{+}"
        if kind == "delta":
            return rf"\delta_{{{self.unit(*index)}}}"
        top, bottom = derivative_operands(key, self.arch)
        return rf"\frac{{\partial {self.latex(top)}}}{{\partial {self.latex(bottom)}}}"

    def convention(self) -> str:
        return (r"Each weight moves against its gradient: $w^{+} = w - \eta \cdot "
                r"\frac{\partial E_{\mathit{total}}}{\partial w}$.")


NOTATION_CLASSES: dict[str, type[Notation]] = {"mazur": Mazur}


def get_notation(name: str, arch: Architecture) -> Notation:
    """The notation called ``name`` for one architecture (falls back to mazur while others are missing)."""
    return NOTATION_CLASSES.get(name, Mazur)(arch)
