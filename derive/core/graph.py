"""The step graph: one record per quantity, each defined from earlier quantities.

Forward quantities (net, out, E) are built layer by layer from their
definitions.  Gradients come from one generic backward traversal: a node's
gradient is the sum, over the quantities that use it, of *their* gradient
times the local derivative ``d child / d node``.  Every local derivative is a
quantity of its own, taken from the activation's or loss's closed form where
it has one and from ``sympy.diff`` of the (small) local definition otherwise.
Nothing ever differentiates the composed E_total.

>>> from derive.core.spec import builtin_spec
>>> graph = build_graph(builtin_spec().architecture)
>>> [str(k) for k in graph[Key.parse("dE/dw[2,1,1]")].depends_on]
['dE/dout[2,1]', 'dout/dnet[2,1]', 'dnet/dw[2,1,1]']
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from functools import lru_cache

import sympy
from sympy import Add, Integer, Mul

from derive.core.functions import get_activation, get_loss
from derive.core.keys import Key
from derive.core.spec import Architecture

__all__ = ["Quantity", "StepGraph", "build_graph", "ETA"]

ONE = Integer(1)
ETA = Key("eta")
E_TOTAL = Key("E")


@dataclass(frozen=True)
class Quantity:
    """One step of the worked solution.

    ``definition`` is a SymPy expression in the symbols of earlier quantities
    (None for the given numbers); ``section`` places it in the lecture's order:
    given, forward, error, backward, update.
    """

    key: Key
    definition: sympy.Expr | None
    section: str
    layer: int | None = None
    depends_on: tuple[Key, ...] = ()
    role: str = ""          # "chain" (a product of factors), "paths" (a sum over paths), "local", ...
    evaluation: sympy.Expr | None = None   # a numerically stable equivalent of definition, if any


def _depends(expr) -> tuple[Key, ...]:
    from derive.core.keys import key_of

    seen: dict[Key, None] = {}
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Symbol):
            key = key_of(node)
            if key is not None:
                seen.setdefault(key, None)
    return tuple(seen)


@dataclass(eq=False)
class StepGraph:
    """All quantities of one architecture, in a valid (and teachable) order."""

    architecture: Architecture
    quantities: dict[Key, Quantity] = field(default_factory=dict)

    def __getitem__(self, key: Key) -> Quantity:
        return self.quantities[key]

    def __contains__(self, key) -> bool:
        return key in self.quantities

    def __iter__(self):
        return iter(self.quantities.values())

    def add(self, key: Key, definition, section: str, layer=None, role: str = "", evaluation=None) -> sympy.Symbol:
        depends = _depends(definition) if definition is not None else ()
        self.quantities[key] = Quantity(key, definition, section, layer, depends, role, evaluation)
        return key.symbol

    @property
    def given(self) -> list[Key]:
        return [q.key for q in self if q.section == "given"]

    def in_section(self, section: str) -> list[Quantity]:
        return [q for q in self if q.section == section]

    @property
    def trainable(self) -> list[Key]:
        arch = self.architecture
        keys = [q.key for q in self if q.key.kind == "w"]
        if arch.train_biases:
            keys += [q.key for q in self if q.key.kind in ("b", "theta")]
        return keys


@lru_cache(maxsize=64)
def build_graph(architecture: Architecture) -> StepGraph:
    """Derive every quantity of one architecture symbolically (cached: derive once, evaluate many)."""
    builder = _Builder(architecture)
    builder.givens()
    builder.forward()
    builder.errors()
    builder.backward()
    return builder.ordered()


class _Builder:
    def __init__(self, arch: Architecture):
        self.arch = arch
        self.graph = StepGraph(arch)
        self.bias_keys: dict[tuple[int, int], Key] = {}   # (layer, neuron) -> its bias key
        self.children: dict[Key, list[Key]] = {}
        self.forward_order: list[Key] = []

    # -- given numbers -------------------------------------------------------------------
    def givens(self):
        arch, g = self.arch, self.graph
        for i in range(1, arch.layers[0] + 1):
            g.add(Key("input", (i,)), None, "given", 0)
        for k in range(1, arch.layers[-1] + 1):
            g.add(Key("target", (k,)), None, "given", arch.depth)
        for l in range(1, arch.depth + 1):
            for j in range(1, arch.layers[l] + 1):
                for i in range(1, arch.layers[l - 1] + 1):
                    g.add(Key("w", (l, j, i)), None, "given", l)
            mode = arch.bias_modes[l - 1]
            for j in range(1, arch.layers[l] + 1):
                if mode == "shared":
                    self.bias_keys[(l, j)] = Key(arch.bias_kind, (l,))
                elif mode == "neuron":
                    self.bias_keys[(l, j)] = Key(arch.bias_kind, (l, j))
            for key in dict.fromkeys(self.bias_keys[(l, j)] for j in range(1, arch.layers[l] + 1)
                                     if (l, j) in self.bias_keys):
                g.add(key, None, "given", l)
        g.add(ETA, None, "given")

    # -- forward pass --------------------------------------------------------------------
    def _output_symbol(self, layer: int, neuron: int):
        return Key("input", (neuron,)).symbol if layer == 0 else Key("out", (layer, neuron)).symbol

    def _activation(self, layer: int):
        return get_activation(self.arch.activations[layer - 1], self.arch.leaky_slope)

    def _define(self, key: Key, definition, section: str, layer=None, role: str = "", evaluation=None):
        symbol = self.graph.add(key, definition, section, layer, role, evaluation)
        for parent in self.graph[key].depends_on:
            self.children.setdefault(parent, []).append(key)
        self.forward_order.append(key)
        return symbol

    def forward(self):
        arch = self.arch
        for l in range(1, arch.depth + 1):
            self.forward_order += [k for k in self.graph.given if k.kind in ("w", "b", "theta") and k.index[0] == l]
            for j in range(1, arch.layers[l] + 1):
                terms = [Mul(Key("w", (l, j, i)).symbol, self._output_symbol(l - 1, i), evaluate=False)
                         for i in range(1, arch.layers[l - 1] + 1)]
                bias = self.bias_keys.get((l, j))
                if bias is not None:
                    terms.append(bias.symbol if bias.kind == "b" else Mul(-1, bias.symbol, evaluate=False))
                self._define(Key("net", (l, j)), Add(*terms, evaluate=False) if len(terms) > 1 else terms[0],
                             "forward", l)
            activation = self._activation(l)
            nets = [Key("net", (l, j)).symbol for j in range(1, arch.layers[l] + 1)]
            for j in range(1, arch.layers[l] + 1):
                formula = activation.formula(nets, j - 1) if activation.layerwise else activation.formula(nets[j - 1])
                self._define(Key("out", (l, j)), formula, "forward", l,
                             evaluation=activation.stable_formula(nets, j - 1))

    def errors(self):
        arch, loss = self.arch, get_loss(self.arch.loss)
        n = arch.layers[-1]
        nets = [Key("net", (arch.depth, m)).symbol for m in range(1, n + 1)]
        for k in range(1, n + 1):
            target = Key("target", (k,)).symbol
            self._define(Key("E", (k,)), loss.term(target, Key("out", (arch.depth, k)).symbol, n), "error",
                         arch.depth, evaluation=loss.stable_term(target, nets, k - 1, arch.activations[-1]))
        terms = [Key("E", (k,)).symbol for k in range(1, n + 1)]
        self._define(E_TOTAL, Add(*terms, evaluate=False) if n > 1 else terms[0], "error", arch.depth)

    # -- backward pass: one generic traversal ----------------------------------------------
    def backward(self):
        self.factors: dict[Key, list] = {E_TOTAL: []}      # gradient of a node as a product of factors
        self.stable_factors: dict[Key, list] = {}          # the same, for evaluation, where it differs
        trainable = set(self.graph.trainable)
        for node in reversed(self.forward_order):
            if node == E_TOTAL or (node.is_parameter and node not in trainable):
                continue
            self._gradient(node)
            if node in trainable:
                self._update(node)

    def _gradient(self, node: Key):
        children = self.children.get(node, [])
        terms, locals_, stable_terms = [], [], []
        for child in children:
            local = self._local(child, node)
            if local is not None:
                locals_.append(local)
            factor = local[0].symbol if local else ONE
            upstream = self.factors[child] if len(children) == 1 else [self._gradient_symbol(child)]
            terms.append([f for f in upstream + [factor] if f != ONE] or [ONE])
            stable = self.stable_factors.get(child) if len(children) == 1 else None
            stable_terms.append([f for f in (stable or upstream) + [factor] if f != ONE] or [ONE])
        key = node.gradient
        if key is None:                        # E_k: dE/dE_k = 1, no quantity of its own
            self.factors[node] = [f for f in terms[0] if f != ONE]
            return
        if len(terms) == 1 and terms[0] == [locals_[0][0].symbol]:
            # The gradient *is* one local derivative (dE/dout_o1 = dE_o1/dout_o1): define it directly.
            definition, role = locals_[0][1], "local"
        else:
            for local_key, local_definition in locals_:
                self.graph.add(local_key, local_definition, "backward", node.index[0], "local")
            if len(terms) == 1:
                definition, role = Mul(*terms[0], evaluate=False) if len(terms[0]) > 1 else terms[0][0], "chain"
            else:
                definition = Add(*(Mul(*t, evaluate=False) if len(t) > 1 else t[0] for t in terms), evaluate=False)
                role = "paths"
        evaluation = self._stable_delta(node)
        if evaluation is not None:
            # Evaluated as out - target where the factors would be inf * 0 (a saturated output).
            self.stable_factors[node] = [key.symbol]
        elif stable_terms != terms:
            evaluation = Add(*(Mul(*t, evaluate=False) for t in stable_terms), evaluate=False)
        self.graph.add(key, definition, "backward", node.index[0], role, evaluation)
        if node.kind == "out" or role != "chain":
            self.factors[node] = [key.symbol]   # neuron outputs' gradients are named stopping points
        else:
            self.factors[node] = terms[0]

    def _stable_delta(self, node: Key):
        """delta of an output neuron in the closed form its activation and loss allow, or None."""
        arch = self.arch
        if node.kind != "net" or node.index[0] != arch.depth:
            return None
        n = arch.layers[-1]
        targets = [Key("target", (m,)).symbol for m in range(1, n + 1)]
        outs = [Key("out", (arch.depth, m)).symbol for m in range(1, n + 1)]
        return get_loss(arch.loss).stable_delta(targets, outs, node.index[1] - 1, arch.activations[-1])

    def _gradient_symbol(self, node: Key):
        gradient = node.gradient
        return gradient.symbol if gradient else Mul(*self.factors[node], evaluate=False)

    def _local(self, child: Key, node: Key):
        """(key, definition) of d child / d node, or None where it is 1 by definition (dE/dE_k)."""
        if child == E_TOTAL:
            return None
        index = _local_index(child.index, node.index)
        if child.kind == "out" and self._activation(child.index[0]).layerwise:
            index = child.index + node.index[1:]      # the whole Jacobian: dout/dnet[L,k,j], diagonal included
        return Key(f"d{child.kind}/d{node.kind}", index), self._local_definition(child, node)

    def _local_definition(self, child: Key, node: Key):
        arch = self.arch
        if child.kind == "out":
            activation = self._activation(child.index[0])
            l = child.index[0]
            if activation.layerwise:
                outs = [Key("out", (l, m)).symbol for m in range(1, arch.layers[l] + 1)]
                closed = activation.derivative(outs, child.index[1] - 1, node.index[1] - 1)
            else:
                closed = activation.derivative(child.symbol, node.symbol)
        elif child.kind == "E":
            loss, k = get_loss(arch.loss), child.index[0]
            closed = loss.derivative(Key("target", (k,)).symbol, node.symbol, arch.layers[-1])
        else:
            closed = None
        if closed is None:
            closed = sympy.diff(self.graph[child].definition, node.symbol)
        if arch.hidden_uses == "new" and child.kind == "net" and node.kind == "out":
            closed = closed.xreplace({k.symbol: k.updated.symbol
                                      for k in _depends(closed) if k.kind == "w"})
        return closed

    def _update(self, param: Key):
        step = Mul(-1, ETA.symbol, param.gradient.symbol, evaluate=False)
        self.graph.add(param.updated, Add(param.symbol, step, evaluate=False),
                       "update", param.index[0])

    # -- the order of the worked solution --------------------------------------------------
    def ordered(self) -> StepGraph:
        """Lecture order: givens, forward, errors; then layer by layer from the output:
        each neuron's error signal, each weight's gradient, the layer's updates.  A
        priority-driven topological sort, so the order is always computable."""
        g = self.graph
        position = {key: n for n, key in enumerate(g.quantities)}
        waiting = {q.key: set(q.depends_on) for q in g}
        users: dict[Key, list[Key]] = {}
        for q in g:
            for d in q.depends_on:
                users.setdefault(d, []).append(q.key)
        ready = [(self._priority(k, position[k]), k) for k, deps in waiting.items() if not deps]
        heapq.heapify(ready)
        order: list[Key] = []
        while ready:
            _, key = heapq.heappop(ready)
            order.append(key)
            for user in users.get(key, []):
                waiting[user].discard(key)
                if not waiting[user]:
                    heapq.heappush(ready, (self._priority(user, position[user]), user))
        assert len(order) == len(g.quantities), "the step graph has a cycle"
        return StepGraph(self.arch, {k: g.quantities[k] for k in order})

    def _priority(self, key: Key, position: int) -> tuple:
        q = self.graph[key]
        if q.section in ("given", "forward", "error"):
            return (("given", "forward", "error").index(q.section), position)
        stage = self.arch.depth - q.layer          # output layer first
        if q.section == "update":
            return (3, stage, 2, key.kind != "w_new", key.index)
        kind, index = key.kind, key.index
        if kind in ("dE/dout", "delta", "dout/dnet", "dnet/dout"):
            # The neuron a factor belongs to: the net input's neuron for dnet/dout and softmax's dout/dnet[l,k,j].
            neuron = index[2] if len(index) == 3 else index[1]
            rank = {"dnet/dout": 0, "dE/dout": 1, "dout/dnet": 2, "delta": 3}[kind]
            return (3, stage, 0, neuron, rank, position)
        return (3, stage, 1, index[1:] if kind.endswith("/dw") else (10 ** 6,) + index[1:],
                kind.startswith("dE"), position)


def _local_index(child: tuple[int, ...], node: tuple[int, ...]) -> tuple[int, ...]:
    """Index of d child / d node: the longer index when one extends the other, else child + node's last."""
    if child[:len(node)] == node:
        return child
    if node[:len(child)] == child:
        return node
    return child + node[-1:]
