"""Exercise family ``sgd-batch-minibatch``: updates per epoch, and the first update in each mode.

Part 1: N training examples and mini-batch size B give N (SGD), ceil(N/B)
(mini-batch) and 1 (batch) updates per epoch.  Part 2: the model y = w x
(no bias) with the loss 1/2 (w x - y)^2 per example on four examples; an
update uses the *mean* gradient over its batch.  The first updates come from
derive.core.batching's ``train`` (without shuffling, bias fixed at 0 for the first update).

>>> family = SGDBatchMinibatch()
>>> params = {"examples": 1000, "batch_size": 64, "data": [[1.0, 2.0], [2.0, 3.0], [0.5, 1.0], [1.5, 2.5]],
...           "w0": 0.0, "learning_rate": 0.1, "small_batch": 2}
>>> [round(a.value, 6) for a in family.answers(params)]
[1000.0, 16.0, 1.0, 0.2, 0.4, 0.30625]
"""

from __future__ import annotations

import math

from derive.exercises._common import OptimizeFamily, answer, count_answer, grid, number, signed

MODES = (("sgd", "SGD"), ("minibatch", "mini-batch"), ("batch", "batch"))


class SGDBatchMinibatch(OptimizeFamily):
    count_keys = ("updates[sgd]", "updates[minibatch]", "updates[batch]")

    def draw(self, rng):
        d = self.ranges
        xs = rng.choice(d["x"], size=4, replace=False)
        data = [[float(x), float(grid(rng, d["y"]))] for x in xs]
        return {"examples": grid(rng, d["examples"]), "batch_size": grid(rng, d["batch_size"]), "data": data,
                "w0": grid(rng, d["w0"]), "learning_rate": grid(rng, d["learning_rate"]), "small_batch": 2}

    # -- solving ---------------------------------------------------------------------------------
    def first_updates(self, params):
        """{mode: the first Update} from derive.core.batching.train, examples in the given order."""
        from derive.core.batching import train

        data = [tuple(pair) for pair in params["data"]]
        return {mode: train(data, mode, params["small_batch"], params["learning_rate"], 1, 0, False,
                            (params["w0"], 0.0)).updates[0] for mode, _ in MODES}

    def answers(self, params):
        n, b = params["examples"], params["batch_size"]
        out = [count_answer("updates[sgd]", "updates per epoch (SGD)", r"u_{\mathrm{SGD}}", n),
               count_answer("updates[minibatch]", "updates per epoch (mini-batch)", r"u_{\mathrm{mini}}", math.ceil(n / b)),
               count_answer("updates[batch]", "updates per epoch (batch)", r"u_{\mathrm{batch}}", 1)]
        first = self.first_updates(params)
        latex = {"sgd": r"w^{\mathrm{SGD}}_1", "minibatch": r"w^{\mathrm{mini}}_1", "batch": r"w^{\mathrm{batch}}_1"}
        out += [answer(f"w[{mode}]", f"w after the first {label} update", latex[mode], first[mode].weight)
                for mode, label in MODES]
        return out

    def checks(self, params, answers):
        first = self.first_updates(params)
        return [f"the {label} gradient rounds to 0" for mode, label in MODES if abs(first[mode].gradient[0]) < 5e-4]

    def mistakes(self, params):
        first, rate, w0 = self.first_updates(params), params["learning_rate"], params["w0"]
        return [("w[sgd]", "sign error: w + lr grad", w0 + rate * first["sgd"].gradient[0]),
                ("w[batch]", "sum of the gradients instead of their mean",
                 w0 - rate * len(params["data"]) * first["batch"].gradient[0]),
                ("w[minibatch]", "learning rate forgotten", w0 - first["minibatch"].gradient[0])]

    # -- rendering -------------------------------------------------------------------------------
    def context(self, params, precision):
        w0, rate, data = params["w0"], params["learning_rate"], params["data"]
        first = self.first_updates(params)
        examples = []
        for i, (x, y) in enumerate(data, 1):
            residual = w0 * x - y
            examples.append({"i": i, "x": number(x), "y": number(y),
                             "line": rf"g_{i} = (w_0 x_{i} - y_{i})\, x_{i} = ({number(w0)} \cdot {signed(x)} - {signed(y)})"
                                     rf" \cdot {signed(x)} = {signed(residual, precision)} \cdot {signed(x)} = {number(residual * x, precision)}"})
        modes = []
        for mode, label in MODES:
            update = first[mode]
            used = [i + 1 for i in update.batch]
            mean = (rf"\bar g = \frac{{{' + '.join(f'g_{i}' for i in used)}}}{{{len(used)}}} = "
                    rf"{number(update.gradient[0], precision)}") if len(used) > 1 else \
                rf"\bar g = g_1 = {number(update.gradient[0], precision)}"
            modes.append({"label": label, "examples": ("example " if len(used) == 1 else "examples ")
                          + ", ".join(map(str, used)), "mean": mean,
                          "step": rf"w_1 = w_0 - {self.lr_symbol}\, \bar g = {number(w0)} - {number(rate)} \cdot "
                                    rf"{signed(update.gradient[0], precision)} = {number(update.weight, precision)}"})
        n, b = params["examples"], params["batch_size"]
        return {"n": n, "b": b, "ratio": number(n / b, 4), "minibatches": math.ceil(n / b),
                "last": n - (math.ceil(n / b) - 1) * b, "even": n % b == 0, "data": examples,
                "w0": number(w0), "rate": number(rate), "small_batch": params["small_batch"], "modes": modes}
