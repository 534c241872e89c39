"""Networks the page tests run on: the lecture's, and others that reach every rule of the checker
(tanh, ReLU, softmax, other losses, per-neuron biases and thresholds, the units notation's signed
names, hidden_uses: new, chained rounding)."""

from derive.core.spec import builtin_spec, parse_spec

_LECTURE = builtin_spec().to_dict()

SPECS = {
    "lecture": _LECTURE,
    "tanh-232-bce": {"title": "A 2-3-2 tanh network with cross-entropy", "layers": [2, 3, 2],
                     "activation": ["tanh", "sigmoid"], "loss": "bce", "notation": "layered",
                     "weights": [[[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]], [[0.3, -0.1, 0.2], [-0.4, 0.25, 0.1]]],
                     "biases": [[0.1, -0.1, 0.05], [0.2, -0.3]], "train_biases": True, "learning_rate": 0.3,
                     "input": [0.6, -0.4], "target": [1, 0]},
    "relu-units-mse": {"title": "ReLU, thresholds, mean squared error", "layers": [3, 2, 2],
                       "activation": ["relu", "linear"], "loss": "mse", "notation": "units",
                       "weights": [[[0.2, -0.3, 0.4], [0.1, 0.1, -0.2]], [[-0.3, -0.2], [0.25, 0.15]]],
                       "thresholds": [[-0.4, 0.2], [0.1, 0.05]], "train_biases": True, "learning_rate": 0.9,
                       "input": [1, 0, 1], "target": [0.5, -0.25]},
    "softmax-cce": {"title": "Leaky ReLU into softmax", "layers": [2, 2, 3],
                    "activation": ["leaky_relu", "softmax"], "loss": "cce", "notation": "signal",
                    "weights": [[[0.5, -0.6], [0.3, 0.8]], [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]]],
                    "biases": [0.1, -0.2], "learning_rate": 0.5, "input": [0.4, -0.7], "target": [0, 1, 0]},
    "lecture-new-weights": dict(_LECTURE, hidden_uses="new", title="The lecture's network, new weights backwards"),
    "lecture-chained": dict(_LECTURE, rounding=4, title="The lecture's network, rounded to 4 places at each step"),
}


def spec(name: str):
    return parse_spec(SPECS[name], source=f"<{name}>", name=name)
