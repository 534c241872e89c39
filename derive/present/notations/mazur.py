"""The lecture's worked example: i1, h1, o1; w1..w8 layer by layer; net_h1, out_o1, E_total, w5+."""

from __future__ import annotations

from derive.core.keys import Key
from derive.present.notations.base import Notation, derivative_operands

__all__ = ["Mazur"]


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
        kind, index = (key.parameter or key).kind, key.index
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
        if key.is_updated:
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
        if key.is_updated:
            return self._param(key)[1] + "^{+}"
        if kind == "delta":
            return rf"\delta_{{{self.unit(*index)}}}"
        top, bottom = derivative_operands(key, self.arch)
        return rf"\frac{{\partial {self.latex(top)}}}{{\partial {self.latex(bottom)}}}"

    def convention(self) -> str:
        return (r"Each weight moves against its gradient: $w^{+} = w - \eta \cdot "
                r"\frac{\partial E_{\mathit{total}}}{\partial w}$.")
