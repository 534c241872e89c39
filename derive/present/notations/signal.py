"""The lecture's first half: adders e_n, outputs y_n = f(e_n), w_(x1)1, df(e)/de."""

from __future__ import annotations

import sympy

from derive.core.keys import Key
from derive.core.spec import Architecture
from derive.present.notations.base import _negative, _pair, _product, _Scheme

__all__ = ["Signal"]


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

    def convention(self) -> dict:
        # with E = 1/2 (z - y)^2 the lecture's output error signal is z - y
        return {"half_sse": self.arch.loss == "half_sse"}
