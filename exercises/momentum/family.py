"""Exercise family ``momentum``: gradient descent with momentum by hand.

v_{t+1} = beta v_t - eta grad f(x_t),  x_{t+1} = x_t + v_{t+1},  v_0 = 0,
on f(x) = a x^2 + b x (three steps) or f(x, y) = a x^2 + b y^2 (two steps);
the iterates come from derive.optimize's ``descend`` with ``momentum=beta``.

>>> family = Momentum()
>>> params = {"terms": [[1.0, 2, 0]], "x0": [2.0], "learning_rate": 0.1, "momentum": 0.5, "steps": 2}
>>> [round(a.value, 6) for a in family.answers(params)]
[-0.4, 1.6, -0.52, 1.08]
"""

from __future__ import annotations

from derive.exercises._common import (OptimizeFamily, answer, grid, number, poly_derivative, poly_latex, poly_substituted,
                      poly_text, problem_for, signed)


def _draw_1d(rng, d):
    a, b = grid(rng, d["a"]), grid(rng, d["b"])
    starts = [x for x in d["start"] if 2 * a * x + b != 0]
    return [[a, 2, 0]] + ([[b, 1, 0]] if b else []), [grid(rng, starts)], grid(rng, d["learning_rate"]), d["steps"]


def _draw_2d(rng, d):
    a, b = grid(rng, d["a"]), grid(rng, d["b"])
    starts = d["start"]
    picks = rng.choice(len(starts), size=2, replace=False)
    return [[a, 2, 0], [b, 0, 2]], [starts[int(i)] for i in picks], grid(rng, d["learning_rate"]), d["steps"]


SHAPES = {"quadratic": _draw_1d, "quadratic_2d": _draw_2d}


class Momentum(OptimizeFamily):
    def draw(self, rng):
        shape = grid(rng, self.ranges["shapes"])
        terms, start, rate, steps = SHAPES[shape](rng, self.ranges[shape])
        return {"terms": terms, "x0": start, "learning_rate": rate, "momentum": grid(rng, self.ranges["momentum"]),
                "steps": steps}

    # -- solving ---------------------------------------------------------------------------------
    def run(self, params, momentum=None):
        from derive.core.descent import Settings, descend

        beta = params["momentum"] if momentum is None else momentum
        return descend(problem_for(poly_text(params["terms"])),
                       Settings(x0=tuple(params["x0"]), learning_rate=params["learning_rate"],
                                max_iter=params["steps"], momentum=beta))

    @staticmethod
    def names(params):
        return ("x", "y")[:len(params["x0"])]

    def velocity_name(self, params, i):
        return "v" if len(params["x0"]) == 1 else f"v_{self.names(params)[i]}"

    def answers(self, params):
        out = []
        for it in self.run(params).iterates[:-1]:
            t = it.t + 1
            for i, _ in enumerate(self.names(params)):
                v = self.velocity_name(params, i)
                latex = f"v_{{{t}}}" if v == "v" else rf"v_{{{v[2]},{t}}}"
                out.append(answer(f"{v}[{t}]", f"{v}_{t}", latex, it.step[i]))
            for i, name in enumerate(self.names(params)):
                out.append(answer(f"{name}[{t}]", f"{name}_{t}", f"{name}_{{{t}}}", it.x[i] + it.step[i]))
        return out

    def checks(self, params, answers):
        run = self.run(params)
        if any(abs(g) < 5e-5 for it in run.iterates[:-1] for g in it.grad):
            return ["a partial derivative rounds to 0"]
        return []

    def mistakes(self, params):
        plain, run = self.run(params, momentum=0.0), self.run(params)
        beta, rate = params["momentum"], params["learning_rate"]
        out = []
        for i, name in enumerate(self.names(params)):
            v = self.velocity_name(params, i)
            first = run.iterates[0]
            out.append((f"{v}[1]", "sign error: + lr grad", rate * first.grad[i]))
            out.append((f"{name}[2]", "momentum forgotten (plain gradient descent)", plain.iterates[2].x[i]))
            second = run.iterates[1]
            out.append((f"{v}[2]", "sign error in the gradient term", beta * first.step[i] + rate * second.grad[i]))
        return out

    # -- rendering -------------------------------------------------------------------------------
    def context(self, params, precision):
        names, terms = self.names(params), params["terms"]
        partials = [poly_derivative(terms, i) for i in range(len(names))]
        heads = ["f'"] if len(names) == 1 else [rf"\frac{{\partial f}}{{\partial {n}}}" for n in names]
        beta, rate = params["momentum"], params["learning_rate"]
        steps = []
        velocity = [0.0] * len(names)
        for it in self.run(params).iterates[:-1]:
            t, point = it.t, it.x + (0.0,) * (2 - len(it.x))
            at = f"({', '.join(f'{n}_{{{t}}}' for n in names)})"
            lines = []
            for i, name in enumerate(names):
                v = "v" if len(names) == 1 else f"v_{{{name},"
                v_new, v_old = (f"v_{{{t + 1}}}", f"v_{{{t}}}") if len(names) == 1 else \
                    (f"{v}{t + 1}}}", f"{v}{t}}}")
                lines += [rf"{heads[i]}{at} &= {poly_substituted(partials[i], point, precision)} = {number(it.grad[i], precision)}",
                          rf"{v_new} &= \beta\, {v_old} - {self.lr_symbol}\, {heads[i]}{at} = {number(beta)} \cdot {signed(velocity[i], precision)}"
                          rf" - {number(rate)} \cdot {signed(it.grad[i], precision)} = {number(it.step[i], precision)}",
                          rf"{name}_{{{t + 1}}} &= {name}_{{{t}}} + {v_new} = {number(it.x[i], precision)} + "
                          rf"{signed(it.step[i], precision)} = {number(it.x[i] + it.step[i], precision)}"]
            velocity = list(it.step)
            steps.append({"t": t, "next": t + 1, "lines": lines})
        v0 = "v_0 = 0" if len(names) == 1 else ", ".join(f"v_{{{n},0}} = 0" for n in names)
        return {"function": f"f({', '.join(names)}) = {poly_latex(terms)}",
                "derivatives": [f"{h}({', '.join(names)}) = {poly_latex(p)}" for h, p in zip(heads, partials)],
                "start": ", ".join(f"{n}_0 = {number(v)}" for n, v in zip(names, params["x0"])), "v0": v0,
                "rate": number(rate), "beta": number(beta), "count": params["steps"], "steps": steps,
                "several": len(names) > 1,
                "rule": rf"v_{{t+1}} = \beta\, v_t - {self.lr_symbol}\, \nabla f(x_t),\qquad x_{{t+1}} = x_t + v_{{t+1}}"}

    def sheet_files(self, params, formats, precision):
        """The ``derive gd --momentum`` sheet of the same run."""
        from derive.sheets.gd import gd_context, gd_json
        from derive.render.plots import gd_plot
        from derive.render.build import build_files

        run, problem = self.run(params), problem_for(poly_text(params["terms"]))
        return build_files("gd", [f for f in formats if f in ("md", "tex", "pdf", "json")], context=gd_context(problem, run, precision, self.lr_symbol), json_data=gd_json(problem, run), figures={"gd-plot": gd_plot(problem, run, "f = " + problem.text.replace("**", "^"))})
