"""Contexts and JSON of the ``surface``, ``gradients`` and ``modes`` sheets.

>>> from derive.core.surface import analyse_surface, make_problem
>>> surface_json(analyse_surface(make_problem("x**2 + y**2")))["convex"]
True
"""

from __future__ import annotations

import sympy

from derive.core.vanishing import OUT, Z, largest_derivative, local_derivative
from derive.present.formatting import format_number, latex_number
from derive.present.printing import plain_latex

__all__ = ["surface_json", "surface_context", "gradients_json", "gradients_context", "modes_json",
           "modes_context"]


# --- surface ----------------------------------------------------------------

def point_latex(point) -> list[str]:
    """A stationary point's coordinates in LaTeX: exact where solved exactly, else rounded."""
    return [latex_number(float(v)) if isinstance(v, sympy.Float) else sympy.latex(v) for v in point.x_exact]


def surface_json(surface) -> dict:
    """The contract's JSON: variables, gradient, hessian, stationary_points, convex (and a little more)."""
    problem = surface.problem
    return {
        "function": problem.text, "variables": [v.name for v in problem.variables],
        "gradient": [str(g) for g in problem.gradient],
        "hessian": [[str(h) for h in row] for row in surface.hessian.tolist()],
        "stationary_points": [{"x": list(p.x), "x_exact": point_latex(p), "f": p.value, "kind": p.kind,
                               "hessian_eigenvalues": list(p.eigenvalues), "note": p.note or None}
                              for p in surface.points],
        "method": surface.method, "convex": surface.convex, "convex_reason": surface.convex_reason,
        "remark": surface.remark or None,
    }


def surface_context(surface, places) -> dict:
    problem = surface.problem
    names = [sympy.latex(v) for v in problem.variables]
    partials = [(rf"\frac{{\partial f}}{{\partial {n}}}", sympy.latex(g)) for n, g in zip(names, problem.gradient)]
    points = [{"x": r"\left(" + ", ".join(point_latex(p)) + r"\right)" if len(names) > 1 else point_latex(p)[0],
               "value": latex_number(p.value, places), "kind": p.kind, "note": p.note,
               "eigenvalues": ", ".join(latex_number(e, places) for e in p.eigenvalues),
               "reason": _kind_reason(p.kind), "hessian": _hessian_at(surface, p, places)} for p in surface.points]
    signature = f"f({', '.join(names)}) = {sympy.latex(problem.function)}"
    solving = _solving_context(surface.solving, problem.variables) if surface.solving else None
    witness = None if surface.convex_witness is None else \
        ", ".join(f"{n} = {latex_number(w)}" for n, w in zip(names, surface.convex_witness))
    return {"title": f"Stationary points of ${signature}$", "function_latex": sympy.latex(problem.function),
            "variables": names, "partials": partials, "hessian": sympy.latex(surface.hessian),
            "points": points, "method": surface.method, "convex": surface.convex,
            "convex_reason": surface.convex_reason, "convex_witness": witness, "remark": surface.remark,
            "one": len(names) == 1, "has_plot": len(names) <= 2, "solving": solving,
            "equations": [sympy.latex(g) for g in problem.gradient]}


def _hessian_at(surface, point, places) -> str:
    """The Hessian at a stationary point: exact where the point is, else its numbers rounded."""
    local = surface.hessian.subs(dict(zip(surface.problem.variables, point.x_exact)))
    if local.shape == (1, 1):     # f'' there
        entry = local[0, 0]
        return sympy.latex(entry) if entry.is_Rational else latex_number(float(entry), places)
    if all(entry.is_Rational for entry in local):
        return sympy.latex(local)
    rows = [" & ".join(latex_number(float(entry), places) for entry in row) for row in local.evalf().tolist()]
    return r"\left[\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}\right]"


def _solving_context(solving, variables, earlier=()) -> dict:
    """How grad f = 0 is solved by cases, as plain data: each equation (after the earlier cases are
    substituted), its factored form, and the cases each factor gives, down to the points (with the
    earlier cases' values that named a later variable worked out: y = x^2 = 1)."""
    def branch(b):
        data = {"variable": sympy.latex(b.variable), "value": sympy.latex(b.value), "then": None, "point": None,
                "back": []}
        chosen = (*earlier, (b.variable, b.value))
        if b.then is not None:
            data["then"] = _solving_context(b.then, variables, chosen)
            return data
        at = dict(zip(variables, b.point))
        data["back"] = [(sympy.latex(v), sympy.latex(e), sympy.latex(at[v])) for v, e in reversed(chosen[:-1])
                        if not e.is_number]
        shown = [sympy.latex(v) for v in b.point]
        data["point"] = shown[0] if len(shown) == 1 else r"\left(" + ", ".join(shown) + r"\right)"
        return data

    return {"original": sympy.latex(solving.original), "equation": sympy.latex(solving.equation),
            "substituted": sympy.expand(solving.original) != solving.equation,
            "factored": sympy.latex(solving.factored) if solving.factored is not None else None,
            "branches": [branch(b) for b in solving.branches],
            "no_real": [sympy.latex(f) for f in solving.no_real]}


def _kind_reason(kind: str) -> str:
    return {"minimum": "all eigenvalues positive", "maximum": "all eigenvalues negative",
            "saddle": "eigenvalues of both signs",
            "degenerate": "an eigenvalue is zero, so the second-order test cannot decide"}[kind]


# --- vanishing and exploding gradients --------------------------------------

def gradients_json(chain) -> dict:
    return {"depth": chain.depth, "width": chain.width, "weight": chain.weight, "bias": chain.bias,
            "input": chain.input_value, "activation": chain.activation.name,
            "largest_derivative": chain.activation.largest_derivative,
            "layers": [{"layer": l.index, "net": l.net_input, "out": l.activation_output,
                        "local_derivative": l.local_derivative, "local_factor": l.local_factor,
                        "delta": l.error_signal, "dE/dw": l.weight_gradient, "bound": l.bound}
                       for l in chain.layers],
            "ratio_first_to_last": chain.ratio, "verdict": chain.verdict}


#: The net input, as the backpropagation sheets print it.
NET = sympy.Symbol(r"\mathit{net}", real=True)

#: The function letter an activation is written with in the chain's formulas (else its name).
FUNCTION_LETTERS = {"sigmoid": "sigma", "leaky_relu": "leakyrelu"}


def activation_latex(phi) -> dict:
    """The chain's activation in LaTeX, printed from functions.ACTIVATIONS: its name, phi(net) = formula,
    phi'(net) = closed-form derivative (in phi(net)), and sup phi'."""
    letter = FUNCTION_LETTERS.get(phi.name, phi.name)
    function = getattr(sympy, letter) if letter == "tanh" else sympy.Function(letter, real=True)
    applied, formula = function(Z), phi.activation.formula(Z).doit()
    with sympy.evaluate(False):   # keep the closed form's order: sigma(z) (1 - sigma(z))
        derivative = local_derivative(phi.activation).xreplace({OUT: applied})
        # written in the net input, as on the backpropagation sheets and in the exam
        applied, formula, derivative = (e.xreplace({Z: NET}) for e in (applied, formula, derivative))
    return {"name": plain_latex(function),
            "formula": plain_latex(applied) + ("" if formula == applied else " = " + plain_latex(formula)),
            "derivative": rf"{plain_latex(function)}'(\mathit{{net}}) = {plain_latex(derivative)}",
            "largest": plain_latex(largest_derivative(phi.activation))}


def gradients_context(chain, places) -> dict:
    phi = chain.activation
    gain = chain.width * chain.weight
    printed = activation_latex(phi)
    name = printed["name"]
    rows = [{"layer": l.index, "net": latex_number(l.net_input, places), "out": latex_number(l.activation_output, places),
             "slope": latex_number(l.local_derivative, places), "factor": latex_number(l.local_factor, places),
             "delta": latex_number(l.error_signal, places), "weight_gradient": latex_number(l.weight_gradient, places),
             "bound": latex_number(l.bound, places),
             "net_text": format_number(l.net_input, places), "out_text": format_number(l.activation_output, places),
             "slope_text": format_number(l.local_derivative, places),
             "factor_text": format_number(l.local_factor, places),
             "delta_text": format_number(l.error_signal, places),
             "weight_gradient_text": format_number(l.weight_gradient, places),
             "bound_text": format_number(l.bound, places)} for l in chain.layers]
    first_factors = [latex_number(l.local_factor, 4) for l in chain.layers]
    return {"title": f"Vanishing and exploding gradients: {phi.name.replace('_', ' ')}, depth {chain.depth}, w = {chain.weight:g}",
            "name": name, "formula": printed["formula"], "derivative": printed["derivative"],
            "largest": printed["largest"], "largest_value": latex_number(phi.largest_derivative, places),
            "depth": chain.depth, "width": chain.width, "weight": latex_number(chain.weight, places),
            "bias": latex_number(chain.bias, places), "input": latex_number(chain.input_value, places),
            "gain": latex_number(gain, places), "gain_over": latex_number(abs(gain) * phi.largest_derivative, places),
            "rows": rows, "product": r" \cdot ".join(first_factors),
            "delta_first": latex_number(chain.layers[0].error_signal, places),
            "delta_last": latex_number(chain.layers[-1].error_signal, places),
            "ratio": latex_number(chain.ratio, places), "verdict": chain.verdict, "is_sigmoid": phi.name == "sigmoid"}


# --- SGD vs batch vs mini-batch ----------------------------------------------

MODE_NAMES = {"sgd": "stochastic gradient descent (SGD)", "minibatch": "mini-batch gradient descent",
              "batch": "batch gradient descent"}


def modes_json(comparison) -> dict:
    return {
        "data": [{"x": x, "y": y} for x, y in comparison.data], "model": "y = w*x + b",
        "loss": "mean over the batch of 1/2 (w*x + b - y)^2", "lr": comparison.learning_rate,
        "epochs": comparison.epochs, "seed": comparison.seed, "shuffle": comparison.shuffle,
        "initial": {"w": comparison.initial[0], "b": comparison.initial[1]},
        "least_squares": {"w": comparison.least_squares[0], "b": comparison.least_squares[1],
                          "loss": comparison.least_squares_loss},
        "modes": [{"mode": t.mode, "batch_size": t.batch_size, "updates_per_epoch": t.updates_per_epoch,
                   "initial_loss": t.initial_loss,
                   "updates": [{"epoch": u.epoch, "update": u.number, "batch": list(u.batch),
                                "grad": list(u.gradient), "w": u.weight, "b": u.bias, "loss": u.loss}
                               for u in t.updates]} for t in comparison.trainings],
    }


def _first_update(comparison, training, places) -> dict:
    """The first update written out: the batch, the mean gradient, the new parameters."""
    update = training.updates[0]
    w0, b0 = comparison.initial
    examples = [comparison.data[i] for i in update.batch]
    residuals = [w0 * x + b0 - y for x, y in examples]
    return {"batch": ", ".join(str(i + 1) for i in update.batch), "count": len(update.batch),
            "residuals": ", ".join(latex_number(r, places) for r in residuals),
            "grad_w": latex_number(update.gradient[0], places), "grad_b": latex_number(update.gradient[1], places),
            "w": latex_number(update.weight, places), "b": latex_number(update.bias, places),
            "loss": latex_number(update.loss, places)}


def modes_context(comparison, places, lr_symbol=r"\eta") -> dict:
    """The template context; ``lr_symbol`` is the learning rate's LaTeX (``\\gamma``: the lecture's)."""
    trainings = []
    for t in comparison.trainings:
        last = t.updates[-1]
        per_epoch = [u for u in t.updates if u.number % t.updates_per_epoch == 0]
        trainings.append({
            "mode": t.mode, "name": MODE_NAMES[t.mode], "batch_size": t.batch_size,
            "updates_per_epoch": t.updates_per_epoch, "total": len(t.updates),
            "w": latex_number(last.weight, places), "b": latex_number(last.bias, places),
            "loss": latex_number(last.loss, places), "first": _first_update(comparison, t, places),
            "epoch_losses": [latex_number(u.loss, places) for u in per_epoch],
            "epoch_losses_text": [format_number(u.loss, places) for u in per_epoch]})
    return {"title": "SGD, mini-batch and batch gradient descent on a linear regression", "lr_symbol": lr_symbol,
            "data": [(latex_number(x, places), latex_number(y, places)) for x, y in comparison.data],
            "count": len(comparison.data), "lr": latex_number(comparison.learning_rate, places),
            "epochs": comparison.epochs, "seed": comparison.seed, "shuffle": comparison.shuffle,
            "w0": latex_number(comparison.initial[0], places), "b0": latex_number(comparison.initial[1], places),
            "trainings": trainings, "best_w": latex_number(comparison.least_squares[0], places),
            "best_b": latex_number(comparison.least_squares[1], places),
            "best_loss": latex_number(comparison.least_squares_loss, places),
            "initial_loss": latex_number(comparison.trainings[0].initial_loss, places)}
