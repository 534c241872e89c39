"""Exercise family ``gd-steps``: a few iterations of gradient descent by hand.

f is a 1-D quadratic or quartic polynomial (three steps) or a 2-D quadratic
(two steps); the iterates come from derive.optimize's ``descend``.

>>> family = GDSteps()
>>> params = {"terms": [[1.0, 2, 0]], "x0": [-4.0], "learning_rate": 0.1, "steps": 3}
>>> [round(a.value, 6) for a in family.answers(params)]
[-3.2, -2.56, -2.048]
"""

from __future__ import annotations

from derive.exercises._common import (OptimizeFamily, answer, grid, number, poly_derivative, poly_latex, poly_substituted,
                      poly_text, poly_value, problem_for, signed)

def _draw_quadratic(rng, d):
    a, b = grid(rng, d["a"]), grid(rng, d["b"])
    starts = [x for x in d["start"] if 2 * a * x + b != 0]   # not the minimiser
    return [[a, 2, 0], [b, 1, 0]], [grid(rng, starts)], grid(rng, d["learning_rate"]), d["steps"]


def _draw_quartic(rng, d):
    a, b = grid(rng, d["a"]), grid(rng, d["b"])
    starts = [x for x in d["start"] if 4 * a * x ** 2 + 2 * b != 0]   # not stationary
    return [[a, 4, 0], [b, 2, 0]], [grid(rng, starts)], grid(rng, d["learning_rate"]), d["steps"]


def _draw_quadratic_2d(rng, d):
    a, b, c = grid(rng, d["a"]), grid(rng, d["b"]), grid(rng, d["c"])
    terms = [[a, 2, 0], [b, 0, 2]] + ([[c, 1, 1]] if c else [])
    starts = d["start"]
    picks = rng.choice(len(starts), size=2, replace=False)
    start = [starts[int(i)] for i in picks]
    return terms, start, grid(rng, d["learning_rate"]), d["steps"]


SHAPES = {"quadratic": _draw_quadratic, "quartic": _draw_quartic, "quadratic_2d": _draw_quadratic_2d}


class GDSteps(OptimizeFamily):
    def draw(self, rng):
        shape = grid(rng, self.ranges["shapes"])
        terms, start, rate, steps = SHAPES[shape](rng, self.ranges[shape])
        return {"terms": terms, "x0": start, "learning_rate": rate, "steps": steps}

    # -- solving ---------------------------------------------------------------------------------
    def run(self, params):
        from derive.core.descent import Settings, descend

        problem = problem_for(poly_text(params["terms"]))
        return descend(problem, Settings(x0=tuple(params["x0"]), learning_rate=params["learning_rate"],
                                         max_iter=params["steps"]))

    @staticmethod
    def names(params):
        return ("x", "y")[:len(params["x0"])]

    def answers(self, params):
        out = []
        for it in self.run(params).iterates[1:]:
            for name, value in zip(self.names(params), it.x):
                out.append(answer(f"{name}[{it.t}]", f"{name}_{it.t}", f"{name}_{{{it.t}}}", value))
        return out

    def checks(self, params, answers):
        run = self.run(params)
        out = []
        if run.stopped == "diverged" or len(run.iterates) != params["steps"] + 1:
            return ["the iteration overflows"]
        for it in run.iterates[:-1]:
            if any(abs(g) < 5e-5 for g in it.grad):
                out.append(f"a partial derivative at t = {it.t} rounds to 0")
        if any(abs(v) > 50 for it in run.iterates for v in it.x):
            out.append("the iterates run away")
        return out

    def mistakes(self, params):
        run = self.run(params)
        rate, first = params["learning_rate"], run.iterates[0]
        out = []
        for i, name in enumerate(self.names(params)):
            out.append((f"{name}[1]", "sign error: x + lr f'", first.x[i] + rate * first.grad[i]))
            out.append((f"{name}[1]", "learning rate forgotten", first.x[i] - first.grad[i]))
        return out

    # -- rendering -------------------------------------------------------------------------------
    def context(self, params, precision):
        names = self.names(params)
        terms = params["terms"]
        partials = [poly_derivative(terms, i) for i in range(len(names))]
        heads = ["f'"] if len(names) == 1 else [rf"\frac{{\partial f}}{{\partial {n}}}" for n in names]
        symbols = [f"f'({names[0]})"] if len(names) == 1 else heads
        run = self.run(params)
        steps = []
        for it, after in zip(run.iterates, run.iterates[1:]):
            point = it.x + (0.0,) * (2 - len(it.x))
            lines = []
            for i, name in enumerate(names):
                at = f"({', '.join(f'{n}_{{{it.t}}}' for n in names)})"
                lines.append({
                    "gradient": rf"{heads[i]}{at} &= "
                                rf"{poly_substituted(partials[i], point, precision)} = {number(it.grad[i], precision)}",
                    "step": rf"{name}_{{{after.t}}} &= {name}_{{{it.t}}} - {self.lr_symbol} \cdot {heads[i]}{at}"
                              rf" \\ &= {number(it.x[i], precision)} - {number(params['learning_rate'])} \cdot "
                              rf"{signed(it.grad[i], precision)} = {number(after.x[i], precision)}"})
            steps.append({"t": it.t, "next": after.t, "lines": lines,
                          "f": number(poly_value(terms, point), precision)})
        last = run.iterates[-1]
        point = last.x + (0.0,) * (2 - len(last.x))
        variables = ", ".join(names)
        return {"function": f"f({variables}) = {poly_latex(terms)}",
                "derivatives": [f"{s} = {poly_latex(p)}" for s, p in zip(symbols, partials)],
                "start": ", ".join(f"{n}_0 = {number(v)}" for n, v in zip(names, params["x0"])),
                "rate": number(params["learning_rate"]), "steps": steps, "count": params["steps"],
                "several": len(names) > 1, "names": names,
                "update_rule": r",\quad ".join(
                    rf"{n}_{{t+1}} = {n}_t - {self.lr_symbol} \cdot {h}({', '.join(m + '_t' for m in names)})"
                    for n, h in zip(names, heads)),
                "final": ", ".join(f"{n}_{{{last.t}}} = {number(v, precision)}" for n, v in zip(names, last.x)),
                "final_f": number(poly_value(terms, point), precision),
                "start_f": number(poly_value(terms, tuple(params["x0"]) + (0.0,) * (2 - len(names))), precision)}

    def sheet_files(self, params, formats, precision):
        """The ``derive gd`` sheet of the same run (table, plot, closed form for quadratics)."""
        from derive.sheets.gd import gd_context, gd_json
        from derive.render.plots import gd_plot
        from derive.render.build import build_files

        run = self.run(params)
        problem = problem_for(poly_text(params["terms"]))
        return build_files("gd", [f for f in formats if f in ("md", "tex", "pdf", "json")], context=gd_context(problem, run, precision, self.lr_symbol), json_data=gd_json(problem, run), figures={"gd-plot": gd_plot(problem, run, "f = " + problem.text.replace("**", "^"))})
