"""What every notation shares: the Notation hooks, and the machinery of the schemes that name
each kind from one hook (_Scheme: signal, layered, units).

>>> from derive.core.spec import builtin_spec
>>> derivative_operands(Key.parse("dE/dw[2,1,1]"), builtin_spec().architecture)
(Key(kind='E', index=()), Key(kind='w', index=(2, 1, 1)))
"""

from __future__ import annotations

import sympy

from derive.core.functions import get_activation
from derive.core.keys import Key, key_of
from derive.core.spec import Architecture

__all__ = ["Notation", "derivative_operands"]


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
    #: (plain, LaTeX) of the learning rate when a sheet asks for a letter of its own (lr_symbol), else None.
    learning_rate_names: tuple[str, str] | None = None

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

    def convention(self) -> dict | None:
        """What the sentence on the update's sign convention needs, as plain data (flags, printed
        LaTeX), or None for no sentence.  The templates write the sentence, one per notation name
        (``signs`` in solution_macros.*.j2)."""
        return None

    def present(self, key: Key, definition):
        """The expression printed for ``key``'s definition (default: the definition itself).

        A notation may rewrite it into its own convention, e.g. w + eta*(-dE/dw); the
        rewritten expression must use only quantity symbols, so numbers can be filled in.
        """
        return definition

    def matrix_form(self, solution) -> list[dict] | None:
        """Extra display blocks showing the step in matrix form, as plain data (printed numbers and
        flags; the templates write the LaTeX), or None."""
        return None

    def loss_letters(self) -> tuple[str, str]:
        """The letters for target and output in the loss sentence of the conventions paragraph."""
        return "t", "o"

    def signed_aliases(self) -> dict[str, tuple[Key, int]]:
        """Extra plain names for the negative of a quantity: {"Err5": (Key("delta", (2, 1)), -1)}.

        For textbooks whose error signal has the opposite sign of derive's delta = dE/dnet;
        an answer sheet may use them (value = sign * the key's value).
        """
        return {}


def _rebuild(expr, mapping: dict):
    """``expr`` with some symbols replaced, keeping the unevaluated term order (xreplace re-sorts)."""
    if expr in mapping:
        return mapping[expr]
    if not expr.args:
        return expr
    args = [_rebuild(a, mapping) for a in expr.args]
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


def _product(*factors):
    return sympy.Mul(*factors, evaluate=False)


def _negative(symbol):
    return sympy.Mul(-1, symbol, evaluate=False)


class _Scheme(Notation):
    """Names from one hook per kind (:meth:`_base`); derivatives named from their operands.

    Subclasses implement ``_base(key, new)`` for the non-derivative kinds (``new``: the value after
    the update) and may name some derivatives specially in ``_special_derivative``.
    """

    def _number_units(self, first_layer: int) -> int:
        """Number neurons 1..N consecutively from ``first_layer`` on; return N.  Indices get a comma
        (``w1,12``) once N > 9."""
        self._first = {l: sum(self.arch.layers[first_layer:l]) for l in range(first_layer, self.arch.depth + 1)}
        count = sum(self.arch.layers[first_layer:])
        self._wide = count > 9
        return count

    def number(self, layer: int, neuron: int) -> int:
        """The consecutive number of a neuron."""
        return self._first[layer] + neuron

    def _base(self, key: Key, new: bool) -> tuple[str, str] | None:
        raise NotImplementedError

    def _special_derivative(self, key: Key) -> tuple[str, str] | None:
        return None

    def _names(self, key: Key) -> tuple[str, str]:
        if key.kind == "eta" and self.learning_rate_names is not None:
            return self.learning_rate_names
        if key.is_updated:
            names = self._base(key.parameter, True)
        elif key.is_derivative:
            names = self._special_derivative(key)
            if names is None:
                top, bottom = derivative_operands(key, self.arch)
                (top_plain, top_latex), (bottom_plain, bottom_latex) = self._names(top), self._names(bottom)
                names = (f"d{top_plain}/d{bottom_plain}",
                         rf"\frac{{\partial {top_latex}}}{{\partial {bottom_latex}}}")
        else:
            names = self._base(key, False)
        if names is None:   # a kind this notation does not know yet: still unique and printable
            index = ",".join(map(str, key.index))
            kind = key.kind.replace("_", r"\_")
            names = str(key), rf"\mathit{{{kind}}}_{{{index}}}" if index else rf"\mathit{{{kind}}}"
        return names

    def plain(self, key: Key) -> str:
        return self._names(key)[0]

    def latex(self, key: Key) -> str:
        return self._names(key)[1]

    # helpers for present() -------------------------------------------------------------
    def _layerwise(self, layer: int) -> bool:
        return get_activation(self.arch.activations[layer - 1], self.arch.leaky_slope).layerwise

    @staticmethod
    def _source(layer: int, i: int) -> Key:
        """The quantity that weight w[layer, j, i] multiplies."""
        return Key("input", (i,)) if layer == 1 else Key("out", (layer - 1, i))

    def _in_graph(self, *keys: Key) -> bool:
        from derive.core.graph import build_graph   # cached; imported here because graph is built after notations

        graph = build_graph(self.arch)
        return all(k in graph for k in keys)

    def _through_weights(self, definition):
        """Write each d net_k / d out_j as the weight it equals (the updated one for hidden_uses: new)."""
        mapping = {}
        for symbol in definition.free_symbols:
            key = key_of(symbol)
            if key is not None and key.kind == "dnet/dout":
                weight = Key("w", key.index)
                mapping[symbol] = (weight.updated if self.arch.hidden_uses == "new" else weight).symbol
        return _rebuild(definition, mapping) if mapping else definition

    def _bias_update(self, key: Key):
        """b + eta * (-dE/db): the update with a plus sign, value unchanged."""
        param = key.parameter
        return sympy.Add(param.symbol, _product(Key("eta").symbol, _negative(param.gradient.symbol)), evaluate=False)


def _pair(a: int, b: int, wide: bool) -> str:
    """Two indices side by side (13), with a comma once numbers have two digits (1,12)."""
    return f"{a},{b}" if wide else f"{a}{b}"
