"""Vanishing and exploding gradients in a deep chain of neurons.

Layer l (1..L) has ``width`` neurons; every weight is ``w`` and every bias ``b``,
so all neurons of a layer carry the same numbers and one of each tells the
story: z_l = width*w*a_{l-1} + b, a_l = phi(z_l), with a_0 = x and E = the sum
of the outputs.  The error signal reaching layer l is a product of local
factors,

    delta_l = dE/dz_l = phi'(z_L) * prod_{k=l}^{L-1} (width * w * phi'(z_k)),

and since sigmoid' <= 1/4 it shrinks at least like (width*|w|/4)^(L-l).

>>> chain = deep_chain(depth=3, activation="relu", weight=2.0)
>>> [layer.error_signal for layer in chain.layers]
[4.0, 2.0, 1.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from derive.core.errors import InputError, suggest

__all__ = ["ChainActivation", "CHAIN_ACTIVATIONS", "Layer", "Chain", "deep_chain"]


@dataclass(frozen=True)
class ChainActivation:
    """An activation with its derivative and the largest value that derivative takes."""

    name: str
    formula_latex: str
    derivative_latex: str
    largest_derivative: float
    largest_latex: str

    def value(self, z: float) -> float:
        if self.name == "sigmoid":
            return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        return math.tanh(z) if self.name == "tanh" else max(z, 0.0)

    def derivative(self, z: float) -> float:
        """phi'(z); for relu 0 at z <= 0 (the usual convention at the kink)."""
        if self.name == "sigmoid":
            s = self.value(z)
            return s * (1 - s)
        return 1 - math.tanh(z) ** 2 if self.name == "tanh" else (1.0 if z > 0 else 0.0)


CHAIN_ACTIVATIONS = {
    "sigmoid": ChainActivation("sigmoid", r"\sigma(z) = \frac{1}{1 + e^{-z}}",
                               r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))", 0.25, r"\tfrac{1}{4}"),
    "tanh": ChainActivation("tanh", r"\tanh(z)", r"\tanh'(z) = 1 - \tanh^2(z)", 1.0, "1"),
    "relu": ChainActivation("relu", r"\operatorname{relu}(z) = \max(0, z)",
                            r"\operatorname{relu}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
                            1.0, "1"),
}


@dataclass(frozen=True)
class Layer:
    """One layer's numbers (the same for each of its neurons)."""

    index: int
    net_input: float           # z_l
    activation_output: float   # a_l
    local_derivative: float    # phi'(z_l)
    local_factor: float        # width*w*phi'(z_l) for l < L, phi'(z_L) for the output layer
    error_signal: float        # delta_l = dE/dz_l
    weight_gradient: float     # dE/dw for one weight into layer l = delta_l * a_{l-1}
    bound: float               # phi'_max^(L-l+1) * (width*|w|)^(L-l)


@dataclass(frozen=True)
class Chain:
    depth: int
    width: int
    weight: float
    bias: float
    input_value: float
    activation: ChainActivation
    layers: tuple[Layer, ...]    # layer 1 first

    @property
    def ratio(self) -> float:
        """|delta_1| / |delta_L|: how much the signal shrank (or grew) on its way back."""
        last = abs(self.layers[-1].error_signal)
        return abs(self.layers[0].error_signal) / last if last else 0.0

    @property
    def verdict(self) -> str:
        if self.ratio == 0.0 or self.ratio < 1e-2:
            return "vanishing"
        return "exploding" if self.ratio > 1e2 else "neither vanishing nor exploding"


def deep_chain(depth: int = 10, activation: str = "sigmoid", weight: float = 0.5, width: int = 1,
               bias: float = 0.0, input_value: float = 1.0) -> Chain:
    """Forward pass, then the error signal layer by layer back to layer 1."""
    if activation not in CHAIN_ACTIVATIONS:
        raise InputError("--activation", "", "one of " + ", ".join(CHAIN_ACTIVATIONS), got=repr(activation),
                         suggestion=suggest(activation, CHAIN_ACTIVATIONS))
    phi = CHAIN_ACTIVATIONS[activation]
    gain = width * weight   # every neuron sums `width` equal inputs
    outputs, nets = [input_value], []
    for layer in range(1, depth + 1):
        nets.append(gain * outputs[-1] + bias)
        outputs.append(phi.value(nets[-1]))
    layers, signal = [], 1.0   # dE/da_L = 1 for E = sum of outputs
    for layer in range(depth, 0, -1):
        slope = phi.derivative(nets[layer - 1])
        factor = slope if layer == depth else gain * slope
        signal = signal * factor
        bound = phi.largest_derivative ** (depth - layer + 1) * abs(gain) ** (depth - layer)
        layers.append(Layer(layer, nets[layer - 1], outputs[layer], slope, factor, signal,
                            signal * outputs[layer - 1], bound))
    return Chain(depth, width, weight, bias, input_value, phi, tuple(reversed(layers)))
