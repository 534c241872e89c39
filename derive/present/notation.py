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
display blocks (``matrix_form``) and state its sign convention (``convention``).

>>> from derive.core.spec import builtin_spec
>>> mazur = get_notation("mazur", builtin_spec().architecture)
>>> mazur.plain(Key.parse("dE/dw[2,1,1]")), mazur.plain(Key.parse("w_new[1,1,1]"))
('dE_total/dw5', 'w1+')
"""

from __future__ import annotations

import sympy

from derive.core.functions import get_activation
from derive.core.keys import Key, key_of
from derive.core.spec import Architecture

__all__ = ["Notation", "Mazur", "Signal", "Layered", "Units", "NOTATION_CLASSES", "get_notation",
           "derivative_operands"]


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
        """Extra display blocks (derive.present.blocks.Block) showing the step in matrix form, or None."""
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




# ----------------------------------------------------------------------------- shared machinery

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


class _WrittenExp(sympy.Function):
    """exp(x) printed as \\exp(x): in the signal notation e already names a neuron's adder output."""

    nargs = 1

    def _latex(self, printer):
        return rf"\exp\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer):
        return f"exp({printer._print(self.args[0])})"

    def _eval_evalf(self, prec):
        return sympy.exp(self.args[0])._eval_evalf(prec)


def _exp_written_out(expr):
    """``expr`` with every exp(x) as :class:`_WrittenExp` (same value, printed \\exp)."""
    if isinstance(expr, sympy.exp):
        return _WrittenExp(_exp_written_out(expr.args[0]))
    if not expr.args:
        return expr
    args = [_exp_written_out(a) for a in expr.args]
    if isinstance(expr, (sympy.Add, sympy.Mul, sympy.Pow)):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


def _product(*factors):
    return sympy.Mul(*factors, evaluate=False)


def _negative(symbol):
    return sympy.Mul(-1, symbol, evaluate=False)


class _Scheme(Notation):
    """Names from one hook per kind (:meth:`_base`); derivatives named from their operands, as Mazur does.

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
        if key.kind.endswith("_new"):
            names = self._base(Key(key.kind[:-len("_new")], key.index), True)
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
        kind = "w_new" if self.arch.hidden_uses == "new" else "w"
        mapping = {}
        for symbol in definition.free_symbols:
            key = key_of(symbol)
            if key is not None and key.kind == "dnet/dout":
                mapping[symbol] = Key(kind, key.index).symbol
        return _rebuild(definition, mapping) if mapping else definition

    def _bias_update(self, key: Key):
        """b + eta * (-dE/db): the update with a plus sign, value unchanged."""
        param = Key(key.kind[:-len("_new")], key.index)
        gradient = Key(f"dE/d{param.kind}", key.index)
        return sympy.Add(param.symbol, _product(Key("eta").symbol, _negative(gradient.symbol)), evaluate=False)


def _pair(a: int, b: int, wide: bool) -> str:
    """Two indices side by side (13), with a comma once numbers have two digits (1,12)."""
    return f"{a},{b}" if wide else f"{a}{b}"


# ----------------------------------------------------------------------------- signal

class Signal(_Scheme):
    """The lecture's first half: each neuron n is an adder with output e_n and a non-linear element y_n = f_n(e_n).

    Neurons are numbered 1..N layer by layer across the hidden and output layers (the 2-2-2
    example: hidden 1, 2; outputs 3, 4).  Plain names (LaTeX in brackets):

    - inputs ``x1`` (x_{1}); adder output ``e3`` (e_{3}) = net; neuron output ``y3`` (y_{3}) = out;
      desired output of output neuron 3 ``z3`` (z_{3});
    - ``w(x1)1`` (w_{(x_1)1}) from input x1 to neuron 1; ``w13`` (w_{13}) from neuron 1 to neuron 3
      (``w1,12`` once N > 9); biases ``b3`` (b_{3}) per neuron or ``b(1)`` (b^{(1)}) shared by
      layer 1 (thresholds ``theta3``, ``theta(1)``);
    - errors ``E3``, ``E``; learning rate ``eta``; error signal ``delta3`` (δ_3 = dE/de_3);
    - ``df3(e)/de`` (d f_3(e)/d e); other derivatives from their parts: ``dE/dy3``, ``de3/dw13``,
      ``dE/dw(x1)1``; updated values with a prime: ``w13'`` (w'_{13}).

    >>> from derive.core.spec import builtin_spec
    >>> signal = Signal(builtin_spec().architecture)
    >>> signal.plain(Key("w", (1, 1, 2))), signal.plain(Key("w", (2, 1, 1))), signal.plain(Key("out", (2, 2)))
    ('w(x2)1', 'w13', 'y4')
    """

    name = "signal"
    description = "x1, e_n, y_n = f(e_n), w_(x1)1, w_mn, delta_n, df(e)/de, z (the lecture's first half)"

    def __init__(self, arch: Architecture):
        super().__init__(arch)
        self.neuron_count = self._number_units(1)     # the lecture numbers hidden and output neurons

    def unit(self, layer: int, neuron: int) -> str:
        return f"x{neuron}" if layer == 0 else str(self.number(layer, neuron))

    def _base(self, key: Key, new: bool):
        kind, index = key.kind, key.index
        prime_plain, prime = ("'", "'") if new else ("", "")
        if kind == "input":
            return f"x{index[0]}", f"x_{{{index[0]}}}"
        if kind == "target":
            n = self.number(self.arch.depth, index[0])
            return f"z{n}", f"z_{{{n}}}"
        if kind in ("net", "out"):
            letter, n = ("e" if kind == "net" else "y"), self.number(*index)
            return f"{letter}{n}", f"{letter}_{{{n}}}"
        if kind == "E":
            if not index:
                return "E", "E"
            n = self.number(self.arch.depth, index[0])
            return f"E{n}", f"E_{{{n}}}"
        if kind == "eta":
            return "eta", r"\eta"
        if kind == "delta":
            n = self.number(*index)
            return f"delta{n}", rf"\delta_{{{n}}}"
        if kind == "w":
            l, j, i = index
            n = self.number(l, j)
            if l == 1:
                return f"w(x{i}){n}{prime_plain}", f"w{prime}_{{(x_{{{i}}}){n}}}"
            pair = _pair(self.number(l - 1, i), n, self._wide)
            return f"w{pair}{prime_plain}", f"w{prime}_{{{pair}}}"
        if kind in ("b", "theta"):
            symbol = r"\theta" if kind == "theta" else "b"
            if len(index) == 1:
                mark = r"\prime" if new else ""
                return f"{kind}({index[0]}){prime_plain}", rf"{symbol}^{{({index[0]}){mark}}}"
            n = self.number(*index)
            return f"{kind}{n}{prime_plain}", f"{symbol}{prime}_{{{n}}}"
        return None

    def _special_derivative(self, key: Key):
        if key.kind == "dout/dnet" and len(key.index) == 2 and not self._layerwise(key.index[0]):
            n = self.number(*key.index)
            return f"df{n}(e)/de", rf"\frac{{d f_{{{n}}}(e)}}{{d e}}"
        return None

    def loss_letters(self) -> tuple[str, str]:
        return "z", "y"

    def present(self, key: Key, definition):
        kind, index = key.kind, key.index
        if definition.has(sympy.exp):
            definition = _exp_written_out(definition)     # y = 1/(1 + exp(-e)), not e^{-e}
        if kind == "dE/dout" and index[0] < self.arch.depth:
            return self._through_weights(definition)       # delta sent back through the same weights
        if kind == "w_new":
            l, j, i = index
            eta, weight, source = Key("eta").symbol, Key("w", index).symbol, self._source(l, i).symbol
            error, slope = Key("dE/dout", (l, j)), Key("dout/dnet", (l, j))
            if not self._layerwise(l) and self._in_graph(error, slope):
                # the lecture's w' = w + eta * delta * df(e)/de * y, with its delta = -dE/dy
                step = _product(eta, _negative(error.symbol), slope.symbol, source)
            else:
                step = _product(eta, _negative(Key("delta", (l, j)).symbol), source)
            return sympy.Add(weight, step, evaluate=False)
        if kind in ("b_new", "theta_new"):
            return self._bias_update(key)
        return definition

    def convention(self) -> str:
        output = (r" (at an output neuron $z - y$, as $E = \frac{1}{2}(z - y)^{2}$)"
                  if self.arch.loss == "half_sse" else "")
        return (r"Signs: here $\delta_n = \frac{\partial E}{\partial e_n}$ is taken at the adder's output, "
                r"so the lecture's error signal at a neuron's output is $-\frac{\partial E}{\partial y_n}$"
                + output + r", and each weight is updated as in the lecture, "
                r"$w' = w + \eta \left(-\frac{\partial E}{\partial y_n}\right) \frac{d f_n(e)}{d e}\, y_m"
                r" = w - \eta\, \delta_n\, y_m$.")


# ----------------------------------------------------------------------------- layered

class Layered(_Scheme):
    """Matrix form, layer by layer: z^(l) = W^(l) a^(l-1) + b^(l), a^(l) = f(z^(l)), delta^(l) = dE/dz^(l).

    Plain names (LaTeX in brackets): inputs ``x1`` (x_{1} = a^{(0)}_1); targets ``y1`` (y_{1});
    ``z(2)_1`` (z^{(2)}_{1}) = net, ``a(2)_1`` (a^{(2)}_{1}) = out; ``W(2)_12`` (W^{(2)}_{12}) into
    neuron 1 of layer 2 from neuron 2 of layer 1 (``W(2)_1,12`` once a layer has 10 or more
    neurons); biases ``b(2)`` (b^{(2)}) shared or ``b(2)_1`` (b^{(2)}_{1}) per neuron (thresholds
    ``theta(2)``, ``theta(2)_1``); ``E1``, ``E``, ``eta``; ``delta(2)_1`` (δ^{(2)}_{1});
    da(2)_1/dz(2)_1 (written f'(z^{(2)}_{1})); other derivatives from their parts (``dE/dW(2)_11``);
    updated values ``W(2)_11+`` (W^{(2)+}_{11}).  Adds the step in matrix form (numeric matrices).

    >>> from derive.core.spec import builtin_spec
    >>> layered = Layered(builtin_spec().architecture)
    >>> layered.plain(Key("w", (2, 1, 2))), layered.latex(Key("w_new", (2, 1, 2)))
    ('W(2)_12', 'W^{(2)+}_{12}')
    """

    name = "layered"
    description = "z^(l), a^(l), W^(l), b^(l), delta^(l) with the step in matrix form"

    def __init__(self, arch: Architecture):
        super().__init__(arch)
        self._wide = max(arch.layers) > 9

    def unit(self, layer: int, neuron: int) -> str:
        return f"x{neuron}" if layer == 0 else f"{layer},{neuron}"

    def _base(self, key: Key, new: bool):
        kind, index = key.kind, key.index
        plus_plain, plus = ("+", "+") if new else ("", "")
        if kind == "input":
            return f"x{index[0]}", f"x_{{{index[0]}}}"
        if kind == "target":
            return f"y{index[0]}", f"y_{{{index[0]}}}"
        if kind in ("net", "out", "delta"):
            letter, symbol = {"net": ("z", "z"), "out": ("a", "a"), "delta": ("delta", r"\delta")}[kind]
            l, j = index
            return f"{letter}({l})_{j}", f"{symbol}^{{({l})}}_{{{j}}}"
        if kind == "E":
            return (f"E{index[0]}", f"E_{{{index[0]}}}") if index else ("E", "E")
        if kind == "eta":
            return "eta", r"\eta"
        if kind == "w":
            l, j, i = index
            pair = _pair(j, i, self._wide)
            return f"W({l})_{pair}{plus_plain}", f"W^{{({l}){plus}}}_{{{pair}}}"
        if kind in ("b", "theta"):
            symbol = r"\theta" if kind == "theta" else "b"
            if len(index) == 1:
                return f"{kind}({index[0]}){plus_plain}", f"{symbol}^{{({index[0]}){plus}}}"
            l, j = index
            return f"{kind}({l})_{j}{plus_plain}", f"{symbol}^{{({l}){plus}}}_{{{j}}}"
        return None

    def _special_derivative(self, key: Key):
        if key.kind == "dout/dnet" and len(key.index) == 2 and not self._layerwise(key.index[0]):
            l, j = key.index
            return f"da({l})_{j}/dz({l})_{j}", f"f'(z^{{({l})}}_{{{j}}})"
        return None

    def loss_letters(self) -> tuple[str, str]:
        return "y", "a"

    def convention(self) -> str:
        return (r"Each parameter moves against its gradient, $W^{(l)+} = W^{(l)} - \eta\, "
                r"\frac{\partial E}{\partial W^{(l)}}$, where $\frac{\partial E}{\partial W^{(l)}} = "
                r"\delta^{(l)} \left(a^{(l-1)}\right)^{T}$ and the error signal is "
                r"$\delta^{(l)} = \frac{\partial E}{\partial z^{(l)}}$.")

    def matrix_form(self, solution) -> list:
        return _MatrixForm(self, solution).blocks()


#: Above this many columns the numeric matrices would not fit the page; the rows stay symbolic.
MATRIX_MAX_COLUMNS = 6


class _MatrixForm:
    """The layered notation's step written with whole layers: forward pass, deltas, gradients, updates."""

    def __init__(self, notation: Layered, solution):
        self.arch, self.steps = notation.arch, solution.steps
        self.single_activation = len(set(self.arch.activations)) == 1

    # numbers ---------------------------------------------------------------------------------
    def number(self, key: Key) -> str:
        return self.steps[key].value_latex

    def has(self, *keys: Key) -> bool:
        return all(k in self.steps for k in keys)

    @staticmethod
    def matrix(rows: list[list[str]]) -> str:
        """A bracketed array (no column limit, unlike bmatrix in LaTeX; KaTeX renders it too)."""
        body = r" \\ ".join(" & ".join(row) for row in rows)
        return rf"\left[\begin{{array}}{{{'r' * len(rows[0])}}} {body} \end{{array}}\right]"

    def column(self, keys: list[Key]) -> str:
        return self.matrix([[self.number(k)] for k in keys])

    def fits(self, *widths: int) -> bool:
        return max(widths) <= MATRIX_MAX_COLUMNS

    def layer(self, kind: str, l: int) -> list[Key]:
        return [Key(kind, (l, j)) for j in range(1, self.arch.layers[l] + 1)]

    def sources(self, l: int) -> list[Key]:
        return [_Scheme._source(l, i) for i in range(1, self.arch.layers[l - 1] + 1)]

    def weights(self, kind: str, l: int, transpose: bool = False) -> list[list[str]]:
        rows = [[self.number(Key(kind, (l, j, i))) for i in range(1, self.arch.layers[l - 1] + 1)]
                for j in range(1, self.arch.layers[l] + 1)]
        return [list(column) for column in zip(*rows)] if transpose else rows

    def f(self, l: int, prime: bool = False) -> str:
        """The activation's name (its derivative with ``prime``): f, or f^(l) when layers differ."""
        if self.single_activation:
            return "f'" if prime else "f"
        mark = r"\prime" if prime else ""
        return rf"f^{{({l}){mark}}}"

    def previous(self, l: int) -> str:
        return "x" if l == 1 else f"a^{{({l - 1})}}"

    # blocks ----------------------------------------------------------------------------------
    def blocks(self) -> list:
        from derive.present.blocks import Block

        out = []
        for l in range(1, self.arch.depth + 1):
            out.append(Block(self.forward(l), f"matrix:forward[{l}]"))
        for l in range(self.arch.depth, 0, -1):
            out.append(Block(self.delta(l), f"matrix:delta[{l}]"))
            out.append(Block(self.gradients(l), f"matrix:gradient[{l}]"))
            update = self.update(l)
            if update:
                out.append(Block(update, f"matrix:update[{l}]"))
        return out

    def bias_term(self, l: int) -> tuple[str, list[str] | None]:
        """The symbolic bias term of layer l and its numbers per neuron (None without a bias)."""
        mode, kind = self.arch.bias_modes[l - 1], self.arch.bias_kind
        if mode == "none":
            return "", None
        sign, symbol = ("-", r"\theta") if kind == "theta" else ("+", "b")
        size = self.arch.layers[l]
        if mode == "shared":
            value = self.number(Key(kind, (l,)))
            return rf" {sign} {symbol}^{{({l})}} \mathbf{{1}}", [value] * size
        return f" {sign} {symbol}^{{({l})}}", [self.number(Key(kind, (l, j))) for j in range(1, size + 1)]

    def forward(self, l: int) -> list[str]:
        term, bias = self.bias_term(l)
        lines = [f"z^{{({l})}} &= W^{{({l})}} {self.previous(l)}{term}"]
        width = max(self.arch.layers[l - 1], 1)
        if self.fits(width, self.arch.layers[l]):
            numbers = f"&= {self.matrix(self.weights('w', l))} {self.column(self.sources(l))}"
            if bias is not None:
                numbers += f" {term.split()[0]} " + self.matrix([[b] for b in bias])
            lines += [numbers, f"&= {self.column(self.layer('net', l))}"]
        out = self.column(self.layer("out", l))
        lines.append(rf"a^{{({l})}} &= {self.f(l)}\left(z^{{({l})}}\right) = {out}")
        return lines

    def delta(self, l: int) -> list[str]:
        arch, size = self.arch, self.arch.layers[l]
        deltas = self.column(self.layer("delta", l))
        name = f"\\delta^{{({l})}}"
        derivative = rf"{self.f(l, prime=True)}\left(z^{{({l})}}\right)"
        slopes = self.layer("dout/dnet", l)
        if l == arch.depth:
            gradient = self.layer("dE/dout", l)
            jacobian = [[Key("dout/dnet", (l, k) if k == j else (l, k, j)) for j in range(1, size + 1)]
                        for k in range(1, size + 1)]
            if get_activation(arch.activations[l - 1], arch.leaky_slope).layerwise:
                if self.has(*gradient, *(k for row in jacobian for k in row)):
                    transposed = [[self.number(row[j]) for row in jacobian] for j in range(size)]
                    return [rf"{name} &= \left(\frac{{\partial a^{{({l})}}}}{{\partial z^{{({l})}}}}\right)^{{T}}"
                            rf" \nabla_{{a}} E",
                            f"&= {self.matrix(transposed)} {self.column(gradient)} = {deltas}"]
                return [rf"{name} &= \frac{{\partial E}}{{\partial z^{{({l})}}}} = {deltas}"]
            if self.has(*gradient, *slopes):
                return [rf"{name} &= \nabla_{{a}} E \odot {derivative}",
                        rf"&= {self.column(gradient)} \odot {self.column(slopes)} = {deltas}"]
            return [rf"{name} &= \frac{{\partial E}}{{\partial z^{{({l})}}}} = {deltas}"]
        kind, plus = ("w_new", "+") if arch.hidden_uses == "new" else ("w", "")
        lines = [rf"{name} &= \left(W^{{({l + 1}){plus}}}\right)^{{T}} \delta^{{({l + 1})}} \odot {derivative}"]
        gradient = self.layer("dE/dout", l)
        if self.fits(arch.layers[l + 1], size) and self.has(*gradient, *slopes):
            lines.append(rf"&= {self.matrix(self.weights(kind, l + 1, transpose=True))} "
                         rf"{self.column(self.layer('delta', l + 1))} \odot {self.column(slopes)}")
            lines.append(rf"&= {self.column(gradient)} \odot {self.column(slopes)} = {deltas}")
        else:
            lines.append(f"&= {deltas}")
        return lines

    def gradients(self, l: int) -> list[str]:
        arch = self.arch
        width, size = arch.layers[l - 1], arch.layers[l]
        grads = [[Key("dE/dw", (l, j, i)) for i in range(1, width + 1)] for j in range(1, size + 1)]
        previous = "x^{T}" if l == 1 else rf"\left(a^{{({l - 1})}}\right)^{{T}}"
        lines = [rf"\frac{{\partial E}}{{\partial W^{{({l})}}}} &= \delta^{{({l})}} {previous}"]
        if self.fits(width, size):
            row = self.matrix([[self.number(k) for k in self.sources(l)]])
            result = self.matrix([[self.number(k) for k in r] for r in grads])
            lines += [f"&= {self.column(self.layer('delta', l))} {row}", f"&= {result}"]
        mode, kind = arch.bias_modes[l - 1], arch.bias_kind
        symbol = r"\theta" if kind == "theta" else "b"
        sign = "-" if kind == "theta" else ""
        if mode == "shared" and self.has(Key(f"dE/d{kind}", (l,))):
            value = self.number(Key(f"dE/d{kind}", (l,)))
            lines.append(rf"\frac{{\partial E}}{{\partial {symbol}^{{({l})}}}} &= {sign}\mathbf{{1}}^{{T}} "
                         rf"\delta^{{({l})}} = {value}")
        elif mode == "neuron" and self.has(*self.layer(f"dE/d{kind}", l)):
            lines.append(rf"\frac{{\partial E}}{{\partial {symbol}^{{({l})}}}} &= {sign}\delta^{{({l})}} = "
                         f"{self.column(self.layer(f'dE/d{kind}', l))}")
        return lines

    def update(self, l: int) -> list[str]:
        arch = self.arch
        width, size = arch.layers[l - 1], arch.layers[l]
        if not self.has(Key("w_new", (l, 1, 1))):
            return []
        lines = [rf"W^{{({l})+}} &= W^{{({l})}} - \eta\, \frac{{\partial E}}{{\partial W^{{({l})}}}}"
                 + (f" = {self.matrix(self.weights('w_new', l))}" if self.fits(width, size) else "")]
        mode, kind = arch.bias_modes[l - 1], arch.bias_kind
        symbol = r"\theta" if kind == "theta" else "b"
        if mode == "shared" and self.has(Key(f"{kind}_new", (l,))):
            lines.append(rf"{symbol}^{{({l})+}} &= {symbol}^{{({l})}} - \eta\, \frac{{\partial E}}"
                         rf"{{\partial {symbol}^{{({l})}}}} = {self.number(Key(f'{kind}_new', (l,)))}")
        elif mode == "neuron" and self.has(*self.layer(f"{kind}_new", l)):
            lines.append(rf"{symbol}^{{({l})+}} &= {symbol}^{{({l})}} - \eta\, \frac{{\partial E}}"
                         rf"{{\partial {symbol}^{{({l})}}}} = {self.column(self.layer(f'{kind}_new', l))}")
        return lines


# ----------------------------------------------------------------------------- units

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
            param = Key(kind[:-len("_new")], index).symbol
            return sympy.Add(param, _product(Key("eta").symbol, error), evaluate=False)
        if kind in ("b_new", "theta_new"):
            return self._bias_update(key)
        return definition

    def loss_letters(self) -> tuple[str, str]:
        return "T", "O"

    def signed_aliases(self) -> dict[str, tuple[Key, int]]:
        return {f"Err{self.number(l, j)}": (Key("delta", (l, j)), -1)
                for l in range(1, self.arch.depth + 1) for j in range(1, self.arch.layers[l] + 1)}

    def convention(self) -> str:
        arch = self.arch
        textbook = arch.activations[-1] == "sigmoid" and arch.loss == "half_sse"
        output = r" (for an output unit $\mathit{Err}_j = O_j(1 - O_j)(T_j - O_j)$)" if textbook else ""
        bias = ""
        if arch.train_biases and any(mode == "neuron" for mode in arch.bias_modes):
            sign = "-" if arch.bias_kind == "theta" else "+"
            bias = rf" and $\theta_j \leftarrow \theta_j {sign} l \cdot \mathit{{Err}}_j$"
        return (r"Signs: $\delta_j = \frac{\partial E}{\partial I_j}$ and the textbook's error is "
                r"$\mathit{Err}_j = -\delta_j$" + output + ", so every update is written with a plus: "
                r"$w_{ij} \leftarrow w_{ij} + l \cdot \mathit{Err}_j \cdot O_i$" + bias + ".")


NOTATION_CLASSES: dict[str, type[Notation]] = {"mazur": Mazur, "signal": Signal, "layered": Layered, "units": Units}


def get_notation(name: str, arch: Architecture) -> Notation:
    """The notation called ``name`` (one of derive.core.spec.NOTATIONS) for one architecture."""
    try:
        cls = NOTATION_CLASSES[name]
    except KeyError:
        raise ValueError(f"unknown notation {name!r}; expected one of {', '.join(NOTATION_CLASSES)}") from None
    return cls(arch)
