"""Activations and losses: small registered objects that know their own formula.

Each one gives its formula as a SymPy expression and, optionally, a closed-form
local derivative (sigmoid: out (1 - out)).  When the closed form is absent the
step graph falls back to ``sympy.diff`` of the formula; the tests check that the
two agree wherever both exist.

>>> ACTIVATIONS["sigmoid"].derivative(sympy.Symbol("o"), sympy.Symbol("n"))
o*(1 - o)
"""

from __future__ import annotations

import sympy
from sympy import Add, Integer, Mul, Pow, Rational, exp, log

__all__ = ["Activation", "Loss", "ACTIVATIONS", "LOSSES", "INTERNAL_LOSSES", "get_activation", "get_loss",
           "register_activation", "register_loss"]


def _neg(x):
    return Mul(Integer(-1), x, evaluate=False)


def _sub(a, b):
    return Add(a, _neg(b), evaluate=False)


def _mul(*factors):
    return Mul(*factors, evaluate=False)


class Softplus(sympy.Function):
    """softplus(x) = log(1 + e^x), evaluated as numpy.logaddexp(0, x): no overflow, no cancellation."""

    def _eval_rewrite_as_log(self, x, **kwargs):
        return log(1 + exp(x))


def _logsumexp(nets):
    """log sum_m e^{net_m}, shifted by the largest net input so nothing overflows."""
    largest = sympy.Max(*nets)
    return largest + log(Add(*(exp(n - largest) for n in nets)))


class Activation:
    """y = f(e): the non-linear element of a neuron.

    ``formula(net)`` gives out in terms of net; ``derivative(out, net)`` the
    closed form of d out / d net (or None: the graph then differentiates
    ``formula``).  ``layerwise`` activations (softmax) see the whole layer.
    """

    name: str = ""
    title: str = ""
    layerwise = False
    output_only = False

    def formula(self, net):
        raise NotImplementedError

    def derivative(self, out, net):
        return None

    def stable_formula(self, nets, k):
        """A form of ``formula`` that evaluates without overflow, or None when ``formula`` is fine."""
        return None


ACTIVATIONS: dict[str, Activation] = {}
#: The losses a spec may name (the spec validation offers exactly these).
LOSSES: dict[str, "Loss"] = {}
#: Losses of derive's own networks that a spec may not name (no target, say).
INTERNAL_LOSSES: dict[str, "Loss"] = {}


def register_activation(cls):
    ACTIVATIONS[cls.name] = cls()
    return cls


def register_loss(cls):
    (INTERNAL_LOSSES if cls.internal else LOSSES)[cls.name] = cls()
    return cls


def get_loss(name: str) -> "Loss":
    """The loss called ``name``, a spec's or an internal one."""
    return LOSSES[name] if name in LOSSES else INTERNAL_LOSSES[name]


@register_activation
class Sigmoid(Activation):
    name, title = "sigmoid", "logistic sigmoid"

    def formula(self, net):
        return Pow(Add(Integer(1), exp(_neg(net), evaluate=False), evaluate=False), -1, evaluate=False)

    def derivative(self, out, net):
        return _mul(out, _sub(Integer(1), out))


@register_activation
class Tanh(Activation):
    name, title = "tanh", "hyperbolic tangent"

    def formula(self, net):
        return sympy.tanh(net, evaluate=False)

    def derivative(self, out, net):
        return _sub(Integer(1), Pow(out, 2, evaluate=False))


@register_activation
class Linear(Activation):
    name, title = "linear", "identity"

    def formula(self, net):
        return net

    def derivative(self, out, net):
        return Integer(1)


@register_activation
class ReLU(Activation):
    """max(0, e); its derivative at 0 is taken as 0, as PyTorch does."""

    name, title = "relu", "rectified linear unit"
    slope = Integer(0)

    def formula(self, net):
        return sympy.Piecewise((net, net > 0), (_mul(self.slope, net), True))

    def derivative(self, out, net):
        return sympy.Piecewise((Integer(1), net > 0), (self.slope, True))


class LeakyReLU(ReLU):
    """e for e > 0, slope * e otherwise (slope from the spec's ``leaky_slope``)."""

    name, title = "leaky_relu", "leaky rectified linear unit"

    def __init__(self, slope=Rational(1, 100)):
        self.slope = sympy.nsimplify(slope, rational=True)


ACTIVATIONS["leaky_relu"] = LeakyReLU()


def get_activation(name: str, leaky_slope=0.01) -> Activation:
    """The activation called ``name`` (leaky_relu with the spec's slope)."""
    return LeakyReLU(leaky_slope) if name == "leaky_relu" else ACTIVATIONS[name]


@register_activation
class Softmax(Activation):
    """out_k = exp(net_k) / sum_m exp(net_m); output layer only."""

    name, title = "softmax", "softmax"
    layerwise = True
    output_only = True

    def formula(self, nets, k=None):
        if k is None:  # a lone net, for the conventions paragraph
            return exp(nets)
        denominator = Add(*(exp(n, evaluate=False) for n in nets), evaluate=False)
        return _mul(exp(nets[k], evaluate=False), Pow(denominator, -1, evaluate=False))

    def stable_formula(self, nets, k):
        largest = sympy.Max(*nets)
        return exp(nets[k] - largest) / Add(*(exp(n - largest) for n in nets))

    def derivative(self, outs, k, j):
        """d out_k / d net_j = out_k (delta_kj - out_j)."""
        if k == j:
            return _mul(outs[k], _sub(Integer(1), outs[j]))
        return _neg(_mul(outs[k], outs[j]))


class Loss:
    """E = sum_k E_k: ``term(t, o, n)`` is E_k for one output of n."""

    name: str = ""
    title: str = ""
    needs_probabilities = False
    internal = False        # True: derive's own networks only, not offered in specs

    def term(self, target, out, n_outputs):
        raise NotImplementedError

    def derivative(self, target, out, n_outputs):
        """Closed form of dE_k/dout_k, or None to differentiate ``term``."""
        return None

    def stable_delta(self, targets, outs, k, activation: str):
        """delta_k = dE/dnet_k in closed form for evaluation (bce with sigmoid: out - target), or None."""
        return None

    def stable_term(self, target, nets, k, activation: str):
        """E_k from the net inputs, for evaluation where ``term`` of the output would lose
        precision (-log(1 - sigmoid(31)) is off by 0.05 in float64), or None."""
        return None


@register_loss
class HalfSSE(Loss):
    name, title = "half_sse", "half the sum of squared errors"

    def term(self, target, out, n_outputs):
        return _mul(Rational(1, 2), Pow(_sub(target, out), 2, evaluate=False))

    def derivative(self, target, out, n_outputs):
        return _neg(_sub(target, out))


@register_loss
class SSE(Loss):
    name, title = "sse", "sum of squared errors"

    def term(self, target, out, n_outputs):
        return Pow(_sub(target, out), 2, evaluate=False)

    def derivative(self, target, out, n_outputs):
        return _mul(Integer(-2), _sub(target, out))


@register_loss
class MSE(Loss):
    name, title = "mse", "mean squared error over the outputs"

    def term(self, target, out, n_outputs):
        return _mul(Rational(1, n_outputs), Pow(_sub(target, out), 2, evaluate=False))

    def derivative(self, target, out, n_outputs):
        return _mul(Rational(-2, n_outputs), _sub(target, out))


@register_loss
class BCE(Loss):
    name, title = "bce", "binary cross-entropy"
    needs_probabilities = True

    def term(self, target, out, n_outputs):
        one_minus = _sub
        return _neg(Add(_mul(target, log(out, evaluate=False)),
                        _mul(one_minus(Integer(1), target), log(one_minus(Integer(1), out), evaluate=False)),
                        evaluate=False))

    def derivative(self, target, out, n_outputs):
        return _mul(_sub(out, target), Pow(_mul(out, _sub(Integer(1), out)), -1, evaluate=False))

    def stable_delta(self, targets, outs, k, activation):
        return outs[k] - targets[k] if activation == "sigmoid" else None

    def stable_term(self, target, nets, k, activation):
        if activation != "sigmoid":
            return None
        net = nets[k]      # -log(sigmoid(z)) = softplus(-z), -log(1 - sigmoid(z)) = softplus(z)
        return target * Softplus(-net) + (1 - target) * Softplus(net)


@register_loss
class CCE(Loss):
    name, title = "cce", "categorical cross-entropy"
    needs_probabilities = True

    def term(self, target, out, n_outputs):
        return _neg(_mul(target, log(out, evaluate=False)))

    def derivative(self, target, out, n_outputs):
        return _neg(_mul(target, Pow(out, -1, evaluate=False)))

    def stable_delta(self, targets, outs, k, activation):
        if activation == "softmax":     # sum_m t_m (out_k - [m = k]) = out_k sum(t) - t_k
            return outs[k] * Add(*targets) - targets[k]
        return None

    def stable_term(self, target, nets, k, activation):
        if activation == "softmax":   # -log softmax_k = logsumexp(nets) - net_k
            return target * (_logsumexp(nets) - nets[k])
        if activation == "sigmoid":
            return target * Softplus(-nets[k])
        return None


@register_loss
class SumOfOutputs(Loss):
    """E = sum_k out_k, so dE/dout_k = 1 and delta_k = dout_k/dnet_k: the deep chain of
    ``derive gradients``, whose error signal is then the bare product of local factors.
    Internal: it ignores the target, which a spec must give."""

    name, title = "sum", "sum of the outputs"
    internal = True

    def term(self, target, out, n_outputs):
        return out

    def derivative(self, target, out, n_outputs):
        return Integer(1)
