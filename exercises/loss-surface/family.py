"""Exercise family ``loss-surface``: stationary points of a 2-variable polynomial and their kind.

Either a quadratic a x^2 + b y^2 + c x y + d x + e y (one stationary point,
drawn on the integer grid first, d and e follow) or x^3 - 3 s^2 x + b y^2 + e y
(two points, a saddle and an extremum).  Each point is classified by the
eigenvalues of the Hessian there; derive.core.surface's
``analyse_surface`` finds and classifies the points.

>>> family = LossSurface()
>>> params = {"terms": [[1.0, 3, 0], [-3.0, 1, 0], [1.0, 0, 2]]}
>>> [(a.key, a.value) for a in family.answers(params)][:4]
[('x[1]', -1.0), ('y[1]', 0.0), ('det[1]', -12.0), ('kind[1]', 2.0)]
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from derive.exercises._common import (OptimizeFamily, answer, choice_answer, grid, number, poly_latex, poly_text, problem_for, signed)

KINDS = ("minimum", "maximum", "saddle", "degenerate")
CHOICES = ("a minimum", "a maximum", "a saddle point", "degenerate (the second-order test cannot decide)")


@lru_cache(maxsize=256)
def _surface(text: str):
    from derive.core.surface import analyse_surface

    return analyse_surface(problem_for(text))


def _draw_quadratic(rng, d):
    a, b = grid(rng, d["a"]), grid(rng, d["b"])
    c = grid(rng, [v for v in d["c"] if 4 * a * b - v * v != 0])
    picks = rng.choice(5, size=2, replace=False)
    p, q = (float(v) - 2 for v in picks)      # the stationary point, two different numbers in -2..2
    d, e = -(2 * a * p + c * q), -(c * p + 2 * b * q)
    terms = [[a, 2, 0], [b, 0, 2], [c, 1, 1], [d, 1, 0], [e, 0, 1]]
    return [t for t in terms if t[0]]


def _draw_cubic(rng, d):
    s, b, q = grid(rng, d["s"]), grid(rng, d["b"]), grid(rng, d["q"])
    terms = [[1.0, 3, 0], [-3 * s * s, 1, 0], [b, 0, 2], [-2 * b * q, 0, 1]]
    if rng.integers(0, 2):       # the same surface with the roles of x and y swapped
        terms = [[c, j, i] for c, i, j in terms]
    return [t for t in terms if t[0]]


class LossSurface(OptimizeFamily):
    def draw(self, rng):
        shape = grid(rng, self.ranges["shapes"])
        return {"terms": {"quadratic": _draw_quadratic, "cubic": _draw_cubic}[shape](rng, self.ranges[shape])}

    def surface(self, params):
        return _surface(poly_text(params["terms"]))

    def answers(self, params):
        out = []
        for k, point in enumerate(self.surface(params).points, 1):
            determinant = float(point.eigenvalues[0] * point.eigenvalues[1])
            out += [answer(f"x[{k}]", f"x of point {k}", rf"x^{{({k})}}", point.x[0]),
                    answer(f"y[{k}]", f"y of point {k}", rf"y^{{({k})}}", point.x[1]),
                    answer(f"det[{k}]", f"det H at point {k}", rf"\det H(x^{{({k})}}, y^{{({k})}})", determinant),
                    choice_answer(f"kind[{k}]", f"kind of point {k}", rf"(x^{{({k})}}, y^{{({k})}})",
                                  KINDS.index(point.kind), CHOICES)]
        return out

    def prompt(self, answer):
        return f"The stationary point ${answer.latex}$ is"

    def distinct_answers(self, answers):
        """Determinants must differ from each other; coordinates may repeat (two points on one line)."""
        return [a for a in answers if a.key.startswith("det")]

    def checks(self, params, answers):
        points = self.surface(params).points
        out = [] if points else ["no stationary point"]
        out += [f"point {k} is degenerate" for k, p in enumerate(points, 1) if p.kind == "degenerate"]
        return out + (["the stationary points are not exact"] if self.surface(params).method != "exact" else [])

    def mistakes(self, params):
        out = []
        for k, point in enumerate(self.surface(params).points, 1):
            h = self.hessian_at(params, point)
            if h[0][1]:
                out.append((f"det[{k}]", "h11 h22 + h12^2", h[0][0] * h[1][1] + h[0][1] ** 2))
        return out

    def hessian_at(self, params, point):
        surface = self.surface(params)
        at = dict(zip(surface.problem.variables, point.x))
        return [[float(v.subs(at)) for v in row] for row in surface.hessian.tolist()]

    # -- rendering -------------------------------------------------------------------------------
    def context(self, params, precision):
        surface = self.surface(params)
        problem = surface.problem
        gradient = [sympy.latex(g) for g in problem.gradient]
        points = []
        for k, point in enumerate(surface.points, 1):
            h = self.hessian_at(params, point)
            det = h[0][0] * h[1][1] - h[0][1] ** 2
            matrix = (r"\begin{pmatrix} " + number(h[0][0], precision) + " & " + number(h[0][1], precision) + r" \\ "
                      + number(h[1][0], precision) + " & " + number(h[1][1], precision) + r" \end{pmatrix}")
            reason = {"minimum": r"both eigenvalues are positive ($\det H > 0$ and $h_{11} > 0$)",
                      "maximum": r"both eigenvalues are negative ($\det H > 0$ and $h_{11} < 0$)",
                      "saddle": r"the eigenvalues have opposite signs ($\det H < 0$)",
                      "degenerate": r"an eigenvalue is zero ($\det H = 0$)"}[point.kind]
            points.append({"k": k, "x": number(point.x[0], precision), "y": number(point.x[1], precision),
                           "hessian": matrix,
                           "det": rf"{signed(h[0][0], precision)} \cdot {signed(h[1][1], precision)} - {signed(h[0][1], precision)}^2 = {number(det, precision)}",
                           "eigenvalues": ", ".join(number(e, precision) for e in point.eigenvalues),
                           "kind": CHOICES[KINDS.index(point.kind)], "reason": reason,
                           "value": number(point.value, precision)})
        return {"function": f"f(x, y) = {poly_latex(params['terms'])}", "dx": gradient[0], "dy": gradient[1],
                "hessian": sympy.latex(surface.hessian).replace(r"\left[\begin{matrix}", r"\begin{pmatrix}").replace(
                    r"\end{matrix}\right]", r"\end{pmatrix}"),
                "points": points, "count": len(points)}

    def sheet_files(self, params, formats, precision):
        """The ``derive surface`` sheet of the same function (with its plot)."""
        from derive.render.plots import surface_plot
        from derive.render.build import build_files
        from derive.sheets.optimize import surface_context, surface_json

        surface = self.surface(params)
        picture = surface_plot(surface)
        return build_files("surface", [f for f in formats if f in ("md", "tex", "pdf", "json")], context=surface_context(surface, precision), json_data=surface_json(surface), figures={"surface-plot": picture} if picture else {})
