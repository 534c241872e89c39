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

    def convention(self) -> dict:
        return {}     # W+ = W - eta * dE/dW with dE/dW = delta a^T: nothing varies

    def matrix_form(self, solution) -> list[dict]:
        return _MatrixForm(self, solution).blocks()


#: Above this many columns the numeric matrices would not fit the page; the rows stay symbolic.
MATRIX_MAX_COLUMNS = 6


class _MatrixForm:
    """The layered notation's step with whole layers (forward pass, deltas, gradients, updates) as
    plain data: the printed numbers of each vector and matrix, and which form each line takes.
    The templates (solution_macros.*.j2) write the LaTeX."""

    def __init__(self, notation: Layered, solution):
        self.arch, self.steps = notation.arch, solution.steps

    def number(self, key: Key) -> str:
        return self.steps[key].value_latex

    def has(self, *keys: Key) -> bool:
        return all(k in self.steps for k in keys)

    def numbers(self, keys: list[Key]) -> list[str]:
        return [self.number(k) for k in keys]

    def fits(self, *widths: int) -> bool:
        return max(widths) <= MATRIX_MAX_COLUMNS

    def layer(self, kind: str, l: int) -> list[Key]:
        return [Key(kind, (l, j)) for j in range(1, self.arch.layers[l] + 1)]

    def sources(self, l: int) -> list[Key]:
        return [_Scheme._source(l, i) for i in range(1, self.arch.layers[l - 1] + 1)]

    def weights(self, l: int, new: bool = False, transpose: bool = False) -> list[list[str]]:
        rows = [[self.number(Key("w", (l, j, i)).updated if new else Key("w", (l, j, i)))
                 for i in range(1, self.arch.layers[l - 1] + 1)]
                for j in range(1, self.arch.layers[l] + 1)]
        return [list(column) for column in zip(*rows)] if transpose else rows

    def bias(self, l: int, keys) -> dict:
        """The layer's bias (or threshold): its mode, whether it is a threshold, and the numbers of
        ``keys(parameter)`` for it (None where they are not all computed)."""
        mode, kind = self.arch.bias_modes[l - 1], self.arch.bias_kind
        parameters = [Key(kind, (l,))] if mode == "shared" else self.layer(kind, l) if mode == "neuron" else []
        wanted = [keys(p) for p in parameters]
        values = self.numbers(wanted) if wanted and self.has(*wanted) else None
        return {"mode": mode, "theta": kind == "theta", "values": values}

    def blocks(self) -> list[dict]:
        common = {"single_activation": len(set(self.arch.activations)) == 1}
        out = [dict(common, **self.forward(l), key=f"matrix:forward[{l}]", layer=l)
               for l in range(1, self.arch.depth + 1)]
        for l in range(self.arch.depth, 0, -1):
            out.append(dict(common, **self.delta(l), key=f"matrix:delta[{l}]", layer=l))
            out.append(dict(common, **self.gradients(l), key=f"matrix:gradient[{l}]", layer=l))
            if self.has(Key("w_new", (l, 1, 1))):
                out.append(dict(common, **self.update(l), key=f"matrix:update[{l}]", layer=l))
        return out

    def forward(self, l: int) -> dict:
        fits = self.fits(max(self.arch.layers[l - 1], 1), self.arch.layers[l])
        bias = self.bias(l, lambda p: p)
        return {"form": "matrix-forward", "fits": fits, "bias": bias,
                "weights": self.weights(l) if fits else None,
                "sources": self.numbers(self.sources(l)) if fits else None,
                "nets": self.numbers(self.layer("net", l)) if fits else None,
                "outs": self.numbers(self.layer("out", l))}

    def delta(self, l: int) -> dict:
        arch, size = self.arch, self.arch.layers[l]
        data = {"form": "matrix-delta", "output": l == arch.depth, "line": "plain",
                "deltas": self.numbers(self.layer("delta", l)), "new": arch.hidden_uses == "new"}
        gradient, slopes = self.layer("dE/dout", l), self.layer("dout/dnet", l)
        if l == arch.depth and get_activation(arch.activations[l - 1], arch.leaky_slope).layerwise:
            jacobian = [[Key("dout/dnet", (l, k) if k == j else (l, k, j)) for j in range(1, size + 1)]
                        for k in range(1, size + 1)]
            if self.has(*gradient, *(k for row in jacobian for k in row)):
                data.update(line="jacobian", gradient=self.numbers(gradient),
                            jacobian=[[self.number(row[j]) for row in jacobian] for j in range(size)])
        elif l == arch.depth:
            if self.has(*gradient, *slopes):
                data.update(line="product", gradient=self.numbers(gradient), slopes=self.numbers(slopes))
        elif self.fits(arch.layers[l + 1], size) and self.has(*gradient, *slopes):
            data.update(line="weights", gradient=self.numbers(gradient), slopes=self.numbers(slopes),
                        weights=self.weights(l + 1, new=data["new"], transpose=True),
                        next_deltas=self.numbers(self.layer("delta", l + 1)))
        return data

    def gradients(self, l: int) -> dict:
        width, size = self.arch.layers[l - 1], self.arch.layers[l]
        fits = self.fits(width, size)
        grads = [[Key("dE/dw", (l, j, i)) for i in range(1, width + 1)] for j in range(1, size + 1)]
        return {"form": "matrix-gradient", "fits": fits, "bias": self.bias(l, lambda p: p.gradient),
                "deltas": self.numbers(self.layer("delta", l)) if fits else None,
                "sources": self.numbers(self.sources(l)) if fits else None,
                "gradients": [self.numbers(row) for row in grads] if fits else None}

    def update(self, l: int) -> dict:
        fits = self.fits(self.arch.layers[l - 1], self.arch.layers[l])
        return {"form": "matrix-update", "fits": fits, "bias": self.bias(l, lambda p: p.updated),
                "weights": self.weights(l, new=True) if fits else None}
