"""Exercise family ``gd-stopping``: when does gradient descent stop, and where?

The lecture's rule: before each step its size |eta f'(x_t)| is compared with
tol, and the step is *not taken* when it is smaller.  The grad-tol rule stops
at the first x_t with |f'(x_t)| <= epsilon.  f(x) = a x^2 + b x; tol and
epsilon are drawn from "nice" numbers that fall strictly between two
consecutive step sizes (gradients), so that the answer is never decided by
rounding.  The runs come from derive.optimize's ``descend``.

>>> family = GDStopping()
>>> params = {"a": 1.0, "b": 0.0, "x0": 4.0, "learning_rate": 0.25, "tol": 0.2, "grad_tol": 0.9}
>>> [a.value for a in family.answers(params)]
[4.0, 0.25, 4.0]
"""

from __future__ import annotations

from dataclasses import replace

from derive.exercises._common import (OptimizeFamily, answer, count_answer, grid, number, poly_latex, poly_text, problem_for,
                      signed)

NICE = sorted({round(k * 10.0 ** e, 6) for k in range(1, 10) for e in range(-3, 1)} - {0.001, 0.002, 0.003, 0.004})
MAX_ITER = 50
MARGIN = 1e-6        # tol never within this relative distance of a step size


def _thresholds(sizes, strict: bool):
    """(count, threshold) pairs: the rule stops after ``count`` steps (2..7) with that threshold."""
    pairs = []
    for count in range(2, 8):
        low, high = sizes[count], sizes[count - 1]
        for tol in NICE:
            # tol rule: size_t >= tol for t < count, size_count < tol; grad rule: g_count <= eps < g_{count-1}
            if low * (1 + MARGIN) < tol < high * (1 - MARGIN):
                pairs.append((count, tol))
    return pairs


class GDStopping(OptimizeFamily):
    count_keys = ("steps", "steps_grad")

    def draw(self, rng):
        d = self.ranges
        a = grid(rng, d["a"])
        rate = round(grid(rng, d["products"]) / (2 * a), 6)
        minimiser = grid(rng, d["minimiser"])
        x0 = minimiser + grid(rng, d["start_offset"])
        factor = abs(1 - 2 * a * rate)
        gradients = [2 * a * abs(x0 - minimiser) * factor ** t for t in range(9)]
        step_pairs = _thresholds([rate * g for g in gradients], strict=True)
        grad_pairs = _thresholds(gradients, strict=False)
        steps, tol = step_pairs[int(rng.integers(0, len(step_pairs)))]
        _, grad_tol = grad_pairs[int(rng.integers(0, len(grad_pairs)))]
        return {"a": a, "b": -2 * a * minimiser + 0.0, "x0": x0, "learning_rate": rate, "tol": tol,
                "grad_tol": grad_tol}

    # -- solving ---------------------------------------------------------------------------------
    @staticmethod
    def terms(params):
        return [[params["a"], 2, 0]] + ([[params["b"], 1, 0]] if params["b"] else [])

    def run(self, params, rule: str, max_iter: int = MAX_ITER):
        from derive.core.descent import Settings, descend

        problem = problem_for(poly_text(self.terms(params)))
        limits = {"tol": {"tol": params["tol"]}, "grad": {"grad_tol": params["grad_tol"]}}.get(rule, {})
        return descend(problem, Settings(x0=(params["x0"],), learning_rate=params["learning_rate"],
                                         max_iter=max_iter, **limits))

    def answers(self, params):
        by_tol, by_grad = self.run(params, "tol"), self.run(params, "grad")
        return [count_answer("steps", "steps taken (tol rule)", r"n_{\mathrm{tol}}", by_tol.final.t),
                self.final_answer(params, by_tol.final.x[0]),
                count_answer("steps_grad", "steps taken (gradient rule)", r"n_{\varepsilon}", by_grad.final.t)]

    @staticmethod
    def final_answer(params, value):
        """Tighter than usual: the step that was not taken (>= 0.2 tol) must not be accepted."""
        loose = answer("x_final", "final x (tol rule)", r"x_{\mathrm{final}}", value)
        return replace(loose, tolerance=max(1e-4, min(loose.tolerance, round(params["tol"] / 20, 6))))

    def checks(self, params, answers):
        out = []
        by_tol, by_grad = self.run(params, "tol"), self.run(params, "grad")
        if by_tol.stopped != "tol" or by_grad.stopped != "grad_tol":
            out.append("a rule does not stop before the maximum number of iterations")
        sizes = [abs(s) for it in by_tol.iterates if it.step for s in it.step] + list(map(abs, by_tol.rejected_step or ()))
        if any(abs(s - params["tol"]) < 1e-9 for s in sizes):
            out.append("a step size is within 1e-9 of tol: the count depends on rounding")
        if any(abs(abs(it.grad[0]) - params["grad_tol"]) < 1e-9 for it in by_grad.iterates):
            out.append("a gradient is within 1e-9 of epsilon: the count depends on rounding")
        return out

    def mistakes(self, params):
        one_more = self.run(params, "none", max_iter=int(self.answers(params)[0].value) + 1).final.x[0]
        return [("x_final", "the step below tol taken as well", one_more)]

    # -- rendering -------------------------------------------------------------------------------
    def context(self, params, precision):
        rate = params["learning_rate"]
        by_tol, by_grad = self.run(params, "tol"), self.run(params, "grad")
        rows = []
        for it in by_tol.iterates:
            step = it.step[0] if it.step else by_tol.rejected_step[0]
            rows.append({"t": it.t, "x": number(it.x[0], precision), "grad": number(it.grad[0], precision),
                         "size": number(abs(step), precision),
                         "taken": it.step is not None, "compare": r"\ge" if it.step else "<"})
        grad_rows = [{"t": it.t, "x": number(it.x[0], precision), "grad": number(abs(it.grad[0]), precision),
                      "stop": i == len(by_grad.iterates) - 1} for i, it in enumerate(by_grad.iterates)]
        derivative = poly_latex([[2 * params["a"], 1, 0]] + ([[params["b"], 0, 0]] if params["b"] else []))
        return {"function": f"f(x) = {poly_latex(self.terms(params))}", "derivative": f"f'(x) = {derivative}",
                "x0": number(params["x0"]), "rate": number(rate), "tol": number(params["tol"]),
                "grad_tol": number(params["grad_tol"]), "max_iter": MAX_ITER, "rows": rows,
                "grad_rows": grad_rows, "steps": by_tol.final.t, "x_final": number(by_tol.final.x[0], precision),
                "steps_grad": by_grad.final.t, "x_final_grad": number(by_grad.final.x[0], precision),
                "factor": signed(1 - 2 * params["a"] * rate, precision)}

    def sheet_files(self, params, formats, precision):
        """The ``derive gd --tol`` sheet of the tol-rule run."""
        from derive.sheets.gd import gd_context, gd_json
        from derive.render.plots import gd_plot
        from derive.render.build import build_files

        run, problem = self.run(params, "tol"), problem_for(poly_text(self.terms(params)))
        return build_files("gd", [f for f in formats if f in ("md", "tex", "pdf", "json")], context=gd_context(problem, run, precision, self.lr_symbol), json_data=gd_json(problem, run), figures={"gd-plot": gd_plot(problem, run, "f = " + problem.text.replace("**", "^"))})
