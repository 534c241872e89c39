"""An independent reference for one backpropagation step, in plain NumPy.

Written from the mathematics, in matrix form, for checking derive; it does
NOT import derive.  It reads the same spec dictionary a user writes
(CONTRACT §1, single example) and produces the same canonical keys
(CONTRACT §2), so that tests can compare value by value.

Conventions (layer l = 1..L, a^(0) = input):

    z^(l) = W^(l) a^(l-1) + s * beta^(l)      s = +1 for biases, -1 for thresholds
    a^(l) = f_l(z^(l))
    E     = sum_k E_k(t_k, a^(L)_k)

    g^(L)     = dE/da^(L)                      (loss derivative, a vector)
    delta^(l) = J_l^T g^(l)                    J_l[k, j] = d a_k / d z_j
    dE/dW^(l) = delta^(l) (a^(l-1))^T
    dE/dbeta  = s * delta^(l)  (per neuron)    s * sum(delta^(l))  (shared by the layer)
    g^(l-1)   = (V^(l))^T delta^(l)            V = W (hidden_uses: old) or W - eta dE/dW (new)
    W_new     = W - eta dE/dW

The finite-difference gradient perturbs one parameter at a time by +-h and
evaluates the loss with the forward pass only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Network", "Result", "backprop", "forward", "loss_value", "finite_difference_gradients",
           "reference_values", "result_values", "ELEMENTWISE"]

ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")


# ----------------------------------------------------------------------------- the network


@dataclass
class Network:
    """A spec dictionary turned into arrays."""

    sizes: list[int]
    activations: list[str]                 # one per non-input layer
    loss: str
    W: list[np.ndarray]                    # W[l-1] has shape (sizes[l], sizes[l-1])
    beta: list                             # per layer: None, a float (shared) or an ndarray (per neuron)
    sign: float                            # +1 biases, -1 thresholds
    bias_name: str                         # "b" or "theta"
    train_biases: bool
    hidden_uses: str
    eta: float
    x: np.ndarray
    t: np.ndarray
    slope: float = 0.01

    @classmethod
    def from_spec(cls, spec: dict) -> Network:
        sizes = list(spec["layers"])
        depth = len(sizes) - 1
        act = spec["activation"]
        activations = [act] * depth if isinstance(act, str) else list(act)
        W = [np.array(m, dtype=float).reshape(sizes[l + 1], sizes[l]) for l, m in enumerate(spec["weights"])]
        if "thresholds" in spec:
            raw, sign, name = spec["thresholds"], -1.0, "theta"
        else:
            raw, sign, name = spec.get("biases"), 1.0, "b"
        if raw is None:
            raw = [None] * depth
        beta = []
        for entry in raw:
            if entry is None:
                beta.append(None)
            elif isinstance(entry, (list, tuple)):
                beta.append(np.array(entry, dtype=float))
            else:
                beta.append(float(entry))
        return cls(sizes=sizes, activations=activations, loss=spec["loss"], W=W, beta=beta, sign=sign,
                   bias_name=name, train_biases=bool(spec.get("train_biases", True)),
                   hidden_uses=spec.get("hidden_uses", "old"), eta=float(spec["learning_rate"]),
                   x=np.array(spec["input"], dtype=float), t=np.array(spec["target"], dtype=float),
                   slope=float(spec.get("leaky_slope", 0.01)))

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1


def _bias_vector(entry, n: int) -> np.ndarray:
    if entry is None:
        return np.zeros(n)
    if isinstance(entry, np.ndarray):
        return entry
    return np.full(n, entry)


# ----------------------------------------------------------------------------- activations


def activate(name: str, z: np.ndarray, slope: float) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    if name == "linear":
        return z.copy()
    if name == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    raise ValueError(name)


def jacobian(name: str, z: np.ndarray, a: np.ndarray, slope: float) -> np.ndarray:
    """J[k, j] = d a_k / d z_j."""
    if name == "softmax":
        return np.diag(a) - np.outer(a, a)
    if name == "sigmoid":
        d = a * (1.0 - a)
    elif name == "tanh":
        d = 1.0 - a ** 2
    elif name == "relu":
        d = (z > 0).astype(float)            # derivative 0 at 0
    elif name == "leaky_relu":
        d = np.where(z > 0, 1.0, slope)
    elif name == "linear":
        d = np.ones_like(z)
    else:
        raise ValueError(name)
    return np.diag(d)


# ----------------------------------------------------------------------------- losses


def loss_terms(name: str, t: np.ndarray, o: np.ndarray) -> np.ndarray:
    n = len(t)
    if name == "half_sse":
        return 0.5 * (t - o) ** 2
    if name == "sse":
        return (t - o) ** 2
    if name == "mse":
        return (t - o) ** 2 / n
    if name == "bce":
        return -(t * np.log(o) + (1.0 - t) * np.log(1.0 - o))
    if name == "cce":
        return -(t * np.log(o))
    raise ValueError(name)


def loss_gradient(name: str, t: np.ndarray, o: np.ndarray) -> np.ndarray:
    """dE/do_k."""
    n = len(t)
    if name == "half_sse":
        return o - t
    if name == "sse":
        return 2.0 * (o - t)
    if name == "mse":
        return 2.0 * (o - t) / n
    if name == "bce":
        return -t / o + (1.0 - t) / (1.0 - o)
    if name == "cce":
        return -t / o
    raise ValueError(name)


# ----------------------------------------------------------------------------- passes


def forward(net: Network, W=None, beta=None):
    """(zs, activations): zs[l-1] = z^(l); acts[0] = input, acts[l] = a^(l)."""
    W = net.W if W is None else W
    beta = net.beta if beta is None else beta
    acts = [net.x]
    zs = []
    for l in range(1, net.depth + 1):
        z = W[l - 1] @ acts[-1] + net.sign * _bias_vector(beta[l - 1], net.sizes[l])
        zs.append(z)
        acts.append(activate(net.activations[l - 1], z, net.slope))
    return zs, acts


def loss_value(net: Network, W=None, beta=None) -> float:
    _, acts = forward(net, W, beta)
    return float(np.sum(loss_terms(net.loss, net.t, acts[-1])))


@dataclass
class Result:
    zs: list
    acts: list
    E_terms: np.ndarray
    E: float
    g: dict = field(default_factory=dict)        # l -> dE/da^(l)
    J: dict = field(default_factory=dict)        # l -> Jacobian
    delta: dict = field(default_factory=dict)    # l -> dE/dz^(l)
    dW: dict = field(default_factory=dict)       # l -> matrix
    dbeta: dict = field(default_factory=dict)    # l -> float or vector (only layers with a bias)
    W_new: dict = field(default_factory=dict)
    beta_new: dict = field(default_factory=dict)


def backprop(net: Network) -> Result:
    zs, acts = forward(net)
    o = acts[-1]
    terms = loss_terms(net.loss, net.t, o)
    res = Result(zs, acts, terms, float(np.sum(terms)))
    g = loss_gradient(net.loss, net.t, o)
    for l in range(net.depth, 0, -1):
        res.g[l] = g
        J = jacobian(net.activations[l - 1], zs[l - 1], acts[l], net.slope)
        res.J[l] = J
        delta = J.T @ g
        res.delta[l] = delta
        res.dW[l] = np.outer(delta, acts[l - 1])
        res.W_new[l] = net.W[l - 1] - net.eta * res.dW[l]
        entry = net.beta[l - 1]
        if entry is not None:
            grad = net.sign * delta if isinstance(entry, np.ndarray) else net.sign * float(np.sum(delta))
            res.dbeta[l] = grad
            res.beta_new[l] = entry - net.eta * grad
        V = res.W_new[l] if net.hidden_uses == "new" else net.W[l - 1]
        g = V.T @ delta
    return res


# ----------------------------------------------------------------------------- canonical keys


def _k(kind: str, *index: int) -> str:
    return f"{kind}[{','.join(map(str, index))}]" if index else kind


def result_values(net: Network, res: Result) -> dict[str, float]:
    """{canonical key: value} for every quantity the reference computes."""
    out: dict[str, float] = {}
    L = net.depth
    for l in range(1, L + 1):
        for j in range(net.sizes[l]):
            out[_k("net", l, j + 1)] = res.zs[l - 1][j]
            out[_k("out", l, j + 1)] = res.acts[l][j]
            out[_k("dE/dout", l, j + 1)] = res.g[l][j]
            out[_k("delta", l, j + 1)] = res.delta[l][j]
            if net.activations[l - 1] == "softmax":
                for k in range(net.sizes[l]):
                    out[_k("dout/dnet", l, k + 1, j + 1)] = res.J[l][k, j]
            else:
                out[_k("dout/dnet", l, j + 1)] = res.J[l][j, j]
            for i in range(net.sizes[l - 1]):
                out[_k("dE/dw", l, j + 1, i + 1)] = res.dW[l][j, i]
                out[_k("w_new", l, j + 1, i + 1)] = res.W_new[l][j, i]
        if l in res.dbeta and net.train_biases:
            b = net.bias_name
            if isinstance(res.dbeta[l], np.ndarray):
                for j in range(net.sizes[l]):
                    out[_k(f"dE/d{b}", l, j + 1)] = res.dbeta[l][j]
                    out[_k(f"{b}_new", l, j + 1)] = res.beta_new[l][j]
            else:
                out[_k(f"dE/d{b}", l)] = res.dbeta[l]
                out[_k(f"{b}_new", l)] = res.beta_new[l]
    for k in range(net.sizes[-1]):
        out[_k("E", k + 1)] = res.E_terms[k]
    out["E"] = res.E
    return {key: float(v) for key, v in out.items()}


def reference_values(spec: dict) -> dict[str, float]:
    net = Network.from_spec(spec)
    return result_values(net, backprop(net))


# ----------------------------------------------------------------------------- finite differences


def finite_difference_gradients(net: Network, h: float = 1e-6, include_frozen: bool = True) -> dict[str, float]:
    """Central differences (E(p+h) - E(p-h)) / 2h for every weight and bias/threshold."""
    out: dict[str, float] = {}

    def copies():
        return [w.copy() for w in net.W], [b.copy() if isinstance(b, np.ndarray) else b for b in net.beta]

    for l in range(1, net.depth + 1):
        rows, cols = net.W[l - 1].shape
        for j in range(rows):
            for i in range(cols):
                values = []
                for step in (h, -h):
                    W, beta = copies()
                    W[l - 1][j, i] += step
                    values.append(loss_value(net, W, beta))
                out[_k("dE/dw", l, j + 1, i + 1)] = (values[0] - values[1]) / (2 * h)
        entry = net.beta[l - 1]
        if entry is None or not (include_frozen or net.train_biases):
            continue
        b = net.bias_name
        if isinstance(entry, np.ndarray):
            for j in range(len(entry)):
                values = []
                for step in (h, -h):
                    W, beta = copies()
                    beta[l - 1][j] += step
                    values.append(loss_value(net, W, beta))
                out[_k(f"dE/d{b}", l, j + 1)] = (values[0] - values[1]) / (2 * h)
        else:
            values = []
            for step in (h, -h):
                W, beta = copies()
                beta[l - 1] = entry + step
                values.append(loss_value(net, W, beta))
            out[_k(f"dE/d{b}", l)] = (values[0] - values[1]) / (2 * h)
    return out
