"""Exercise family ``vanishing-gradients``: the gradient reaching layer 1 of a deep sigmoid chain.

A chain of L sigmoid neurons, every weight w, no bias: net_k = w a_{k-1},
a_k = sigma(net_k), a_0 = x.  The derivative of the output with respect to
the input is the product of the local factors sigma'(net_k) w, and since
sigma' <= 1/4 its size is at most (|w|/4)^L.  The forward pass and the local
derivatives come from derive.core.vanishing's ``deep_chain``.

>>> family = VanishingGradients()
>>> params = {"depth": 3, "weight": 2.0, "input": 0.0}
>>> [round(a.value, 6) for a in family.answers(params)][-1]
0.125
"""

from __future__ import annotations

import math

from derive.exam.family import Answer, tolerance_for

from derive.exercises._common import OptimizeFamily, answer, grid, number, signed

SATURATION = 4.0


class VanishingGradients(OptimizeFamily):
    def draw(self, rng):
        weight = grid(rng, self.ranges["weight"])
        inputs = [x for x in self.ranges["input"] if abs(weight * x) < SATURATION]
        return {"depth": grid(rng, self.ranges["depth"]), "weight": weight, "input": grid(rng, inputs)}

    def distinct_answers(self, answers):
        """The local factors must differ; the product and the bound are compared relatively in checks."""
        return [a for a in answers if a.key.startswith("factor")]

    def chain(self, params):
        from derive.core.vanishing import deep_chain

        return deep_chain(depth=params["depth"], activation="sigmoid", weight=params["weight"],
                          input_value=params["input"])

    def factors(self, params):
        return [params["weight"] * layer.local_derivative for layer in self.chain(params).layers]

    def answers(self, params):
        out = [answer(f"factor[{k}]", f"sigma'(net_{k}) w", rf"\sigma'(\mathit{{net}}_{{{k}}})\,w", f)
               for k, f in enumerate(self.factors(params), 1)]
        product = math.prod(self.factors(params))
        bound = (abs(params["weight"]) / 4) ** params["depth"]
        # 4 significant digits, from factors rounded to 4 decimals: 1 % relative, no absolute floor
        out.append(Answer("product", "d out_L / d x", r"\frac{\partial \mathit{out}_L}{\partial x}", product,
                          tolerance_for(product, 0.01, 1e-12)))
        out.append(Answer("bound", "(|w|/4)^L", r"\left(\tfrac{|w|}{4}\right)^{L}", bound, tolerance_for(bound, 0.002, 1e-12)))
        return out

    def checks(self, params, answers):
        values = {a.key: a for a in answers}
        if abs(abs(values["product"].value) - values["bound"].value) <= values["bound"].tolerance:
            return ["the product reaches the bound"]
        return [f"net_{layer.index} = {layer.net_input:.3f} saturates the sigmoid"
                for layer in self.chain(params).layers if abs(layer.net_input) >= SATURATION]

    def mistakes(self, params):
        chain, w = self.chain(params), params["weight"]
        first = chain.layers[0]
        return [("product", "the weights w forgotten", math.prod(l.local_derivative for l in chain.layers)),
                ("bound", "|w| forgotten: (1/4)^L", 0.25 ** params["depth"]),
                ("factor[1]", "sigma instead of sigma'", first.activation_output * w)]

    def context(self, params, precision):
        chain, w = self.chain(params), params["weight"]
        rows = []
        previous = params["input"]
        for layer, factor in zip(chain.layers, self.factors(params)):
            k, out = layer.index, layer.activation_output
            rows.append({"k": k,
                         "net": rf"\mathit{{net}}_{{{k}}} = w\, \mathit{{out}}_{{{k - 1}}} = {number(w)} \cdot {signed(previous, precision)} = {number(layer.net_input, precision)}",
                         "out": rf"\mathit{{out}}_{{{k}}} = \sigma({number(layer.net_input, precision)}) = {number(out, precision)}",
                         "slope": rf"\sigma'(\mathit{{net}}_{{{k}}}) = {number(out, precision)} \cdot (1 - {number(out, precision)}) = {number(layer.local_derivative, precision)}",
                         "factor": rf"\sigma'(\mathit{{net}}_{{{k}}})\, w = {number(layer.local_derivative, precision)} \cdot {signed(w)} = {number(factor, precision)}"})
            previous = out
        product = math.prod(self.factors(params))
        bound = (abs(w) / 4) ** params["depth"]
        return {"depth": params["depth"], "w": number(w), "x": number(params["input"]), "rows": rows,
                "product_line": r" \cdot ".join(signed(f, precision) for f in self.factors(params)),
                "product": number(product, precision), "abs_w": number(abs(w)),
                "bound": number(bound, precision), "bound_base": number(abs(w) / 4),
                "ratio": number(abs(product) / bound, precision) if bound else "0",
                "small": abs(w) < 4}

    def sheet_files(self, params, formats, precision):
        """The ``derive gradients`` sheet of the same chain."""
        from derive.render.plots import gradients_plot
        from derive.render.build import build_files
        from derive.sheets.optimize import gradients_context, gradients_json

        chain = self.chain(params)
        return build_files("gradients", [f for f in formats if f in ("md", "tex", "pdf", "json")], context=gradients_context(chain, precision), json_data=gradients_json(chain), figures={"gradients-plot": gradients_plot(chain)})
