"""The lecture's worked example: i1, h1, o1; w1..w8 layer by layer; net_h1, out_o1, E_total, w5+."""

from __future__ import annotations

from derive.core.keys import Key
from derive.present.notations.base import _Scheme

__all__ = ["Mazur"]


class Mazur(_Scheme):
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

    def _base(self, key: Key, new: bool):
        """Plain and LaTeX name of every kind but the derivatives (named from their operands)."""
        kind, index = key.kind, key.index
        if kind in ("w", "b", "theta"):
            plain, latex = self._param(key)
            return (plain + "+", latex + "^{+}") if new else (plain, latex)
        if kind == "input":
            return f"i{index[0]}", f"i_{{{index[0]}}}"
        if kind == "target":
            unit = self.unit(self.arch.depth, index[0])
            return f"target_{unit}", rf"\mathit{{target}}_{{{unit}}}"
        if kind in ("net", "out"):
            return f"{kind}_{self.unit(*index)}", rf"\mathit{{{kind}}}_{{{self.unit(*index)}}}"
        if kind == "E":
            if not index:
                return "E_total", r"E_{\mathit{total}}"
            unit = self.unit(self.arch.depth, index[0])
            return f"E_{unit}", f"E_{{{unit}}}"
        if kind == "eta":
            return "eta", r"\eta"
        if kind == "delta":
            return f"delta_{self.unit(*index)}", rf"\delta_{{{self.unit(*index)}}}"
        return None

    def _param(self, key: Key) -> tuple[str, str]:
        """Plain and LaTeX name of a weight or bias."""
        kind, index = key.kind, key.index
        if kind == "w":
            n = self._weight_number[index]
            return f"w{n}", f"w_{{{n}}}"
        symbol = "b" if kind == "b" else "theta"
        latex_symbol = "b" if kind == "b" else r"\theta"
        if len(index) == 1:
            return f"{symbol}{index[0]}", f"{latex_symbol}_{{{index[0]}}}"
        unit = self.unit(*index)
        return f"{symbol}_{unit}", f"{latex_symbol}_{{{unit}}}"

    def convention(self) -> dict:
        return {}     # each weight moves against its gradient: nothing varies
