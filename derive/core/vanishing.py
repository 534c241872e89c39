"""Vanishing and exploding gradients in a deep chain of neurons.

Layer l (1..L) has ``width`` neurons; every weight is ``w`` and every bias ``b``,
so all neurons of a layer carry the same numbers and one of each tells the
story: z_l = width*w*a_{l-1} + b, a_l = phi(z_l), with a_0 = x and E = the sum
of the outputs.  The error signal reaching layer l is a product of local
factors,

    delta_l = dE/dz_l = phi'(z_L) * prod_{k=l}^{L-1} (width * w * phi'(z_k)),

and since sigmoid' <= 1/4 it shrinks at least like (width*|w|/4)^(L-l).

The chain is not computed here: it is the 1-1-...-1 network of L layers whose every weight
is the gain width*w and every bias b, with the loss ``sum`` (E = out_L, so dE/da_L = 1 as for
each output of the wide chain).  The step graph builds it (forward definitions, one backward
traversal) and derive's evaluator evaluates it, as for ``derive solve``.

>>> chain = deep_chain(depth=3, activation="relu", weight=2.0)
>>> [layer.error_signal for layer in chain.layers]
[4.0, 2.0, 1.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy

from derive.core.errors import InputError, suggest
from derive.core.evaluate import evaluate_float, given_values
from derive.core.functions import ACTIVATIONS, Activation, get_activation
from derive.core.graph import build_graph
from derive.core.keys import Key
from derive.core.spec import Architecture, Example, NetworkSpec

__all__ = ["ChainActivation", "CHAIN_ACTIVATIONS", "Layer", "Chain", "deep_chain", "chain_network",
           "largest_derivative"]

Z, OUT = sympy.Symbol("z", real=True), sympy.Symbol("out", real=True)
#: The activations a chain can use: every one of functions.ACTIVATIONS that acts neuron by neuron.
CHAIN_ACTIVATIONS = tuple(name for name, a in ACTIVATIONS.items() if not a.layerwise)
#: Closed forms of sup_z phi'(z), where the generic search (sympy's maximum) is slow; tests check they agree.
KNOWN_LARGEST = {"sigmoid": sympy.Rational(1, 4), "tanh": sympy.Integer(1)}


def local_derivative(activation: Activation) -> sympy.Expr:
    """d out / d z in ``out`` and ``z``: the activation's closed form, else sympy.diff of its formula
    (the same fallback as the step graph)."""
    closed = activation.derivative(OUT, Z)
    return closed if closed is not None else sympy.diff(activation.formula(Z), Z)


def largest_derivative(activation: Activation) -> sympy.Expr:
    """sup over z of phi'(z): a known closed form, the largest piece of a piecewise constant
    derivative (relu: 1), or sympy's ``maximum`` over the reals.

    >>> largest_derivative(get_activation("leaky_relu", 0.01))
    1
    """
    if activation.name in KNOWN_LARGEST:
        return KNOWN_LARGEST[activation.name]
    derivative = local_derivative(activation).subs(OUT, activation.formula(Z))
    if isinstance(derivative, sympy.Piecewise) and all(piece.is_number for piece, _ in derivative.args):
        return sympy.Max(*(piece for piece, _ in derivative.args))
    from sympy.calculus.util import maximum

    return maximum(derivative, Z, sympy.S.Reals)


@dataclass(frozen=True)
class ChainActivation:
    """An activation of functions.ACTIVATIONS, with its largest derivative."""

    name: str
    activation: Activation
    largest_derivative: float


def chain_activation(name: str, leaky_slope: float = 0.01) -> ChainActivation:
    if name not in CHAIN_ACTIVATIONS:
        raise InputError("--activation", "", "one of " + ", ".join(CHAIN_ACTIVATIONS), got=repr(name),
                         suggestion=suggest(name, CHAIN_ACTIVATIONS))
    activation = get_activation(name, leaky_slope)
    return ChainActivation(name, activation, float(largest_derivative(activation)))


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


def chain_network(depth: int, activation: str, gain: float, bias: float, input_value: float) -> NetworkSpec:
    """The chain as a 1-1-...-1 network: ``depth`` layers of one neuron, every weight ``gain``
    (= width*w), every bias ``bias``, loss ``sum`` (E = out_L; the target is not used).

    >>> chain_network(2, "tanh", 1.5, 0.0, 1.0).architecture.layers
    (1, 1, 1)
    """
    # The bias is always there (b = 0 too): net = gain*a + 0.0 turns a -0.0 into 0.0, as the chain's numbers
    # always did.  Untrained: the chain asks for no dE/db, and 600 fewer quantities build and compile faster.
    architecture = Architecture(layers=(1,) * (depth + 1), activations=(activation,) * depth, loss="sum",
                                bias_modes=("shared",) * depth, train_biases=False)
    return NetworkSpec(architecture, weights=(((gain,),),) * depth, biases=(bias,) * depth, learning_rate=0.0,
                       examples=(Example((input_value,), (0.0,)),), title="deep chain", name="chain")


def _bound(largest: float, gain: float, steps: int) -> float:
    """phi'_max^(steps+1) |gain|^steps; where |gain|^steps alone overflows, the same as
    phi'_max (phi'_max |gain|)^steps (inf only when the bound itself is that large)."""
    try:
        return largest ** (steps + 1) * abs(gain) ** steps
    except OverflowError:
        try:
            return largest * (largest * abs(gain)) ** steps
        except OverflowError:
            return math.inf


def deep_chain(depth: int = 10, activation: str = "sigmoid", weight: float = 0.5, width: int = 1,
               bias: float = 0.0, input_value: float = 1.0) -> Chain:
    """The chain's numbers, read layer by layer from the evaluated step graph of :func:`chain_network`."""
    phi = chain_activation(activation)
    gain = width * weight   # every neuron sums `width` equal inputs
    network = chain_network(depth, activation, gain, bias, input_value)
    values = evaluate_float(build_graph(network.architecture), given_values(network))
    layers = []
    for layer in range(1, depth + 1):
        slope = values[Key("dout/dnet", (layer, 1))]
        layers.append(Layer(layer, values[Key("net", (layer, 1))], values[Key("out", (layer, 1))], slope,
                            slope if layer == depth else gain * slope, values[Key("delta", (layer, 1))],
                            values[Key("dE/dw", (layer, 1, 1))], _bound(phi.largest_derivative, gain, depth - layer)))
    return Chain(depth, width, weight, bias, input_value, phi, tuple(layers))
