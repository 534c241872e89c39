"""Named mistakes: small registered rules that redo one step the way a student gets it wrong.

A rule looks at one quantity of the step graph and returns the *alternative
definitions* a student with that misconception would use for it (an empty list
where the rule does not apply).  The checker evaluates them from the sheet's own
numbers; a rule whose alternative reproduces a wrong answer within rounding is
the diagnosis.

>>> from derive.core.spec import builtin_spec
>>> from derive.core.graph import build_graph
>>> graph = build_graph(builtin_spec().architecture)
>>> [str(a.expression) for a in MISTAKES["gradient_added"].alternatives(graph, Key.parse("w_new[2,1,1]"))]
['dE/dw[2,1,1]*eta + w[2,1,1]']
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Integer, Rational

from derive.core.graph import ETA, StepGraph
from derive.core.keys import Key
from derive.present.notations import get_notation

__all__ = ["Alternative", "Mistake", "MISTAKES", "register_mistake"]



@dataclass(frozen=True)
class Alternative:
    """How the step reads under the mistake; ``detail`` says what was swapped, if anything."""

    expression: sympy.Expr
    detail: str = ""


class Mistake:
    """One misconception: a name, a sentence for the report, and the rule."""

    name = ""
    description = ""

    def alternatives(self, graph: StepGraph, key: Key) -> list[Alternative]:
        raise NotImplementedError

    @staticmethod
    def name_of(graph: StepGraph, key: Key) -> str:
        return get_notation("mazur", graph.architecture).plain(key)


MISTAKES: dict[str, Mistake] = {}


def register_mistake(cls):
    """Class decorator: add one rule to the registry (order = the order diagnoses are tried)."""
    MISTAKES[cls.name] = cls()
    return cls


#: Backward steps whose sign a student can flip: dE/dout (t - o for o - t at an output, a lost minus
#: in a sum over paths), delta, the activation derivative (o(o - 1)) and the gradients themselves.
SIGN_KINDS = frozenset({"dE/dout", "delta", "dout/dnet", "dE/dw", "dE/db", "dE/dtheta"})


@register_mistake
class ErrorSignFlipped(Mistake):
    name = "error_sign_flipped"
    description = ("sign of the error signal flipped: (t - o) used where (o - t) belongs, "
                   "or a minus sign lost in delta, a derivative or a gradient")

    def alternatives(self, graph, key):
        if key.kind in SIGN_KINDS and graph[key].definition is not None:
            return [Alternative(-graph[key].definition)]
        return []


@register_mistake
class ActivationDerivativeForgotten(Mistake):
    name = "activation_derivative_forgotten"
    description = "activation derivative forgotten: the factor d out / d net left out (taken as 1)"

    def alternatives(self, graph, key):
        if key.kind == "dout/dnet":
            return [Alternative(Integer(1))]
        definition = graph[key].definition
        factors = [k for k in graph[key].depends_on if k.kind == "dout/dnet"]
        if definition is None or not factors or graph[key].role != "chain":
            return []
        return [Alternative(definition.xreplace({k.symbol: Integer(1) for k in factors}))]


@register_mistake
class UpdatedWeightsInBackprop(Mistake):
    name = "updated_weights_in_backprop"
    description = ("updated output weights (w5+ ...) used to backpropagate to the hidden layer, "
                   "where the weights before the update belong")

    def alternatives(self, graph, key):
        if key.kind != "dnet/dout" or graph.architecture.hidden_uses != "old":
            return []
        definition = graph[key].definition
        swap = {k.symbol: k.updated.symbol for k in graph[key].depends_on
                if k.kind == "w" and k.updated in graph}
        return [Alternative(definition.xreplace(swap))] if swap else []


@register_mistake
class OriginalWeightsInBackprop(Mistake):
    name = "original_weights_in_backprop"
    description = ("original output weights used to backpropagate to the hidden layer, "
                   "where the exercise says to use the updated ones")

    def alternatives(self, graph, key):
        if key.kind != "dnet/dout" or graph.architecture.hidden_uses != "new":
            return []
        swap = {k.symbol: k.parameter.symbol for k in graph[key].depends_on if k.kind == "w_new"}
        return [Alternative(graph[key].definition.xreplace(swap))] if swap else []


class _HalfFactor(Mistake):
    factor = Integer(1)

    def alternatives(self, graph, key):
        if graph.architecture.loss != "half_sse":
            return []
        if (key.kind == "E" and key.index) or (key.kind == "dE/dout" and key.index[0] == graph.architecture.depth):
            return [Alternative(self.factor * graph[key].definition)]
        return []


@register_mistake
class HalfFactorDropped(_HalfFactor):
    name = "half_factor_dropped"
    description = "factor 1/2 of the error dropped: (t - o)^2 instead of 1/2 (t - o)^2, so 2(o - t) as its derivative"
    factor = Integer(2)


@register_mistake
class HalfFactorDoubled(_HalfFactor):
    name = "half_factor_doubled"
    description = "factor 1/2 applied twice: 1/4 (t - o)^2, or 1/2 (o - t) as the derivative"
    factor = Rational(1, 2)


class _UpdateRule(Mistake):
    replacement = None

    def alternatives(self, graph, key):
        if not key.is_updated:
            return []
        return [Alternative(graph[key].definition.xreplace({ETA.symbol: self.replacement}))]


@register_mistake
class GradientAdded(_UpdateRule):
    name = "gradient_added"
    description = "gradient added instead of subtracted: w + eta * dE/dw"
    replacement = -ETA.symbol


@register_mistake
class LearningRateForgotten(_UpdateRule):
    name = "learning_rate_forgotten"
    description = "learning rate forgotten: w - dE/dw"
    replacement = Integer(1)


@register_mistake
class LearningRateTwice(_UpdateRule):
    name = "learning_rate_twice"
    description = "learning rate applied twice: w - eta^2 * dE/dw"
    replacement = ETA.symbol ** 2


@register_mistake
class WrongConnectionInput(Mistake):
    name = "wrong_connection_input"
    description = "input of the wrong connection used (an index mix-up such as out_h2 for out_h1)"

    def alternatives(self, graph, key):
        arch = graph.architecture
        definition = graph[key].definition
        if key.kind == "dnet/dw":                       # = the input the weight multiplies
            l, _, i = key.index
            source = "input" if l == 1 else "out"
            others = [Key(source, (m,) if l == 1 else (l - 1, m)) for m in range(1, arch.layers[l - 1] + 1) if m != i]
            return [Alternative(o.symbol, f"{self.name_of(graph, o)} used") for o in others if o in graph]
        if key.kind == "dnet/dout":                     # = the weight of the connection backwards
            l, k, j = key.index
            others = [Key("w", (l, k, m)) for m in range(1, arch.layers[l - 1] + 1) if m != j]
            others += [Key("w", (l, m, j)) for m in range(1, arch.layers[l] + 1) if m != k]
            swap = [o for o in others if o in graph]
            return [Alternative(definition.xreplace({Key("w", key.index).symbol: o.symbol}),
                                f"{self.name_of(graph, o)} used") for o in swap] \
                if Key("w", key.index) in graph[key].depends_on else []
        if key.kind == "net":                           # two inputs swapped between their weights
            l, j = key.index
            source = [Key("input", (m,)) if l == 1 else Key("out", (l - 1, m)) for m in range(1, arch.layers[l - 1] + 1)]
            result = []
            for a in range(len(source)):
                for b in range(a + 1, len(source)):
                    swapped = definition.xreplace({source[a].symbol: source[b].symbol, source[b].symbol: source[a].symbol})
                    result.append(Alternative(swapped, f"{self.name_of(graph, source[a])} and "
                                                       f"{self.name_of(graph, source[b])} swapped"))
            return result
        return []


@register_mistake
class NeighbouringWeightCopied(Mistake):
    name = "neighbouring_weight_copied"
    description = "value of a neighbouring updated weight written in the wrong place"

    def alternatives(self, graph, key):
        if not key.is_updated:
            return []
        others = [q.key for q in graph if q.key.kind == key.kind and q.key != key and q.key.index[0] == key.index[0]]
        return [Alternative(o.symbol, f"the value of {self.name_of(graph, o)} written") for o in others]


@register_mistake
class BiasForgotten(Mistake):
    name = "bias_forgotten"
    description = "bias forgotten in a net input"

    def alternatives(self, graph, key):
        if key.kind != "net":
            return []
        biases = [k for k in graph[key].depends_on if k.kind in ("b", "theta")]
        return [Alternative(graph[key].definition.xreplace({b.symbol: Integer(0) for b in biases}))] if biases else []


class _SigmoidRule(Mistake):
    def alternatives(self, graph, key):
        arch = graph.architecture
        if key.kind != "out" or arch.activations[key.index[0] - 1] != "sigmoid":
            return []
        return [Alternative(self.formula(Key("net", key.index).symbol))]


@register_mistake
class SigmoidAsExp(_SigmoidRule):
    name = "sigmoid_as_exp"
    description = "sigmoid evaluated as e^(-net) instead of 1/(1 + e^(-net))"

    def formula(self, net):
        return sympy.exp(-net)


@register_mistake
class SigmoidSignFlipped(_SigmoidRule):
    name = "sigmoid_sign_flipped"
    description = "sigmoid evaluated as 1/(1 + e^(net)): the minus sign in the exponent lost"

    def formula(self, net):
        return 1 / (1 + sympy.exp(net))
