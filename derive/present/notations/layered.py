"""Matrix form, layer by layer: z^(l), a^(l), W^(l), b^(l), delta^(l), plus the step in matrix form."""

from __future__ import annotations

from derive.core.functions import get_activation
from derive.core.keys import Key
from derive.core.spec import Architecture
from derive.present.notations.base import _pair, _Scheme

__all__ = ["Layered"]


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
