"""Exercise family ``gd-learning-rate``: which learning rates converge, oscillate or diverge on f(x) = a x^2.

Gradient descent on f(x) = a x^2 is x_{t+1} = (1 - 2 a eta) x_t: the
contraction factor |1 - 2 a eta| decides everything, and the run converges
exactly when 0 < eta < 1/a.  Rates are drawn so that 2 a eta is a multiple
of 0.1 and every behaviour (monotone, oscillating-converging, diverging) occurs.

>>> family = GDLearningRate()
>>> params = {"a": 1.0, "x0": 2.0, "rates": [0.25, 0.6, 0.75, 1.2]}
>>> [round(a.value, 6) for a in family.answers(params)][:5]
[0.5, 0.2, 0.5, 1.4, 1.0]
"""

from __future__ import annotations

from derive.exercises._common import OptimizeFamily, answer, choice_answer, grid, number, problem_for

BEHAVIOURS = ("converges without changing sign",
              "converges, changing sign every step (oscillating)",
              "oscillates forever with constant amplitude",
              "diverges")
MONOTONE, OSCILLATING, DIVERGING = range(1, 10), range(11, 20), range(21, 31)


def behaviour(factor: float) -> int:
    """Index into BEHAVIOURS of the run x_t = factor^t x_0 (factor = 1 - 2 a eta)."""
    if factor > 0:
        return 0
    if abs(factor + 1) < 1e-12:
        return 2
    return 1 if factor > -1 else 3


class GDLearningRate(OptimizeFamily):
    def draw(self, rng):
        steps = self.ranges["rate_step"]
        a = grid(rng, tuple(steps))
        used = {round(10 / a)}            # 10 |q| for q = 1/a: no factor may equal the threshold

        def pick(candidates):
            allowed = [k for k in candidates if abs(10 - k) not in used]
            k = grid(rng, allowed)
            used.add(abs(10 - k))
            return k

        ks = [pick(MONOTONE), pick(OSCILLATING), pick(DIVERGING), pick([k for k in range(1, 31) if k != 10])]
        # Shown in a random order: sorted rates would always put "converges" first and "diverges" last.
        rates = [round(ks[i] * steps[a], 6) for i in rng.permutation(len(ks))]
        return {"a": a, "x0": grid(rng, self.ranges["x0"]), "rates": rates}

    # -- solving ---------------------------------------------------------------------------------
    @staticmethod
    def factors(params):
        return [1 - 2 * params["a"] * rate for rate in params["rates"]]

    def answers(self, params):
        out = [answer(f"q[{k}]", f"|1 - 2a gamma_{k}|", rf"|1 - 2a{self.lr_symbol}_{{{k}}}|", abs(q))
               for k, q in enumerate(self.factors(params), 1)]
        out.append(answer("lr_max", "gamma_max", rf"{self.lr_symbol}_{{\max}}", 1 / params["a"]))
        out += [choice_answer(f"behaviour[{k}]", f"behaviour with gamma_{k}", rf"{self.lr_symbol}_{{{k}}} = {number(rate)}",
                              behaviour(q), BEHAVIOURS)
                for k, (rate, q) in enumerate(zip(params["rates"], self.factors(params)), 1)]
        return out

    def prompt(self, answer):
        return f"Behaviour with ${answer.latex}$"

    def checks(self, params, answers):
        kinds = {behaviour(q) for q in self.factors(params)}
        return [] if {0, 1, 3} <= kinds else ["the learning rates do not show every behaviour"]

    def mistakes(self, params):
        a = params["a"]
        out = [(f"q[{k}]", "factor 2 of f' forgotten", abs(1 - a * rate)) for k, rate in enumerate(params["rates"], 1)]
        return out + [("lr_max", "2/a (the 2/L rule with L = a)", 2 / a), ("lr_max", "1/(2a)", 1 / (2 * a))]

    def runs(self, params):
        """Three steps from x0 with each rate, by derive.optimize's descend."""
        from derive.core.descent import Settings, descend

        problem = problem_for(f"{params['a']!r}*x**2")
        return [descend(problem, Settings(x0=(params["x0"],), learning_rate=rate, max_iter=3))
                for rate in params["rates"]]

    # -- rendering -------------------------------------------------------------------------------
    def context(self, params, precision):
        a = params["a"]
        rows = []
        for k, (rate, q, run) in enumerate(zip(params["rates"], self.factors(params), self.runs(params)), 1):
            rows.append({"k": k, "rate": number(rate), "product": number(2 * a * rate),
                         "factor": number(q, precision), "contraction": number(abs(q), precision),
                         "behaviour": BEHAVIOURS[behaviour(q)],
                         "iterates": [number(it.x[0], precision) for it in run.iterates[1:]],
                         "compare": "<" if abs(q) < 1 - 1e-12 else ("=" if abs(abs(q) - 1) < 1e-12 else ">")})
        return {"a": number(a), "two_a": number(2 * a), "x0": number(params["x0"]),
                "rates": [number(r) for r in params["rates"]], "rows": rows,
                "limit": number(1 / a, precision), "half": number(1 / (2 * a), precision),
                "function": f"f(x) = {number(a) + ' ' if a != 1 else ''}x^2"}

    def sheet_files(self, params, formats, precision):
        """The ``derive gd --lr ...`` comparison sheet of the same rates."""
        from derive.core.descent import Settings, behaviour as run_behaviour, descend
        from derive.sheets.gd import comparison_context, comparison_json
        from derive.render.plots import comparison_plot
        from derive.render.build import build_files

        problem = problem_for(f"{params['a']!r}*x**2")
        runs = [descend(problem, Settings(x0=(params["x0"],), learning_rate=r, max_iter=10)) for r in params["rates"]]
        labels = [run_behaviour(r, ["x"])[0] for r in runs]
        return build_files("gd", [f for f in formats if f in ("md", "tex", "pdf", "json")], context=comparison_context(problem, runs, precision, self.lr_symbol), json_data=comparison_json(problem, runs), figures={"gd-plot": comparison_plot(problem, runs, labels, self.lr_symbol)}, template="gd_compare")
