"""The worked solution of ``derive gd``: contexts for the templates and the JSON.

>>> from derive.core.descent import make_problem, descend, Settings
>>> problem = make_problem("x**2")
>>> data = gd_json(problem, descend(problem, Settings(x0=(-4.0,), learning_rate=0.8, max_iter=2)))
>>> [row["x"] for row in data["iterates"]], data["stopped"]
([[-4.0], [2.4000000000000004], [-1.4400000000000004]], 'max_iter')
"""

from __future__ import annotations

import sympy

from derive.core.descent import behaviour, norm
from derive.sheets.quadratic import closed_form
from derive.present.formatting import elide, format_number, latex_number, vector_latex, vector_text

__all__ = ["gd_json", "gd_context", "comparison_json", "comparison_context"]


def _settings_json(settings) -> dict:
    return {"x0": list(settings.x0), "lr": settings.learning_rate, "lr_schedule": settings.schedule_text,
            "max_iter": settings.max_iter, "tol": settings.tol, "grad_tol": settings.grad_tol,
            "momentum": settings.momentum, "nesterov": settings.nesterov,
            "momentum_schedule": settings.momentum_schedule_text,
            "nesterov_form": settings.nesterov_form if settings.nesterov else None}


def _closed_form_json(form) -> dict | None:
    if form is None:
        return None
    return {"formula": form.formula_latex, "hessian": [list(r) for r in form.hessian],
            "hessian_eigenvalues": list(form.eigenvalues), "factors": list(form.factors),
            "contraction_factor": form.contraction, "largest_eigenvalue": form.largest_eigenvalue,
            "lr_limit": form.limit, "converges": form.converges, "minimizer": list(form.minimizer),
            "max_relative_difference": form.max_difference}


def _run_json(problem, run) -> dict:
    label, sentence = behaviour(run, [v.name for v in problem.variables])
    data = {
        "iterates": [{"t": it.t, "x": list(it.x), "f": it.f, "grad": list(it.grad),
                      "step": list(it.step) if it.step is not None else None,
                      "lr": it.learning_rate, "diverging": it.diverging} for it in run.iterates],
        "stopped": run.stopped, "x_final": list(run.final.x), "f_final": run.final.f,
        "behaviour": label, "behaviour_text": sentence, "oscillating": any(run.oscillating),
        "diverging_from": run.diverging_from,
    }
    if run.rejected_step is not None:
        data["rejected_step"] = list(run.rejected_step)
    return data


def _header_json(problem) -> dict:
    return {"function": problem.text, "variables": [v.name for v in problem.variables],
            "gradient": [str(g) for g in problem.gradient]}


def gd_json(problem, run) -> dict:
    """The contract's JSON for one run (plus function, settings, behaviour and closed form)."""
    data = _header_json(problem)
    data["settings"] = _settings_json(run.settings)
    data.update(_run_json(problem, run))
    data["closed_form"] = _closed_form_json(closed_form(problem, run))
    return data


def comparison_json(problem, runs) -> dict:
    data = _header_json(problem)
    data["runs"] = []
    for run in runs:
        entry = {"lr": run.settings.learning_rate, "settings": _settings_json(run.settings)}
        entry.update(_run_json(problem, run))
        entry["closed_form"] = _closed_form_json(closed_form(problem, run))
        data["runs"].append(entry)
    return data


# --- pages -----------------------------------------------------------------

def _function_context(problem) -> dict:
    names = [sympy.latex(v) for v in problem.variables]
    partials = [(rf"\frac{{\partial f}}{{\partial {n}}}" if len(names) > 1 else "f'(" + names[0] + ")",
                 sympy.latex(g)) for n, g in zip(names, problem.gradient)]
    return {"function_text": problem.text, "function_latex": sympy.latex(problem.function),
            "variables": names, "variables_text": ", ".join(v.name for v in problem.variables),
            "point_latex": names[0] if len(names) == 1 else r"\mathbf{x}",
            "partials": partials, "several": len(names) > 1}


def _signature(problem) -> str:
    """``f(x, y) = x^{2} + 10 y^{2}``"""
    names = ", ".join(sympy.latex(v) for v in problem.variables)
    return f"f({names}) = {sympy.latex(problem.function)}"


#: How the comparison table says why a run stopped.
STOP_WORDS = {"max_iter": "after the last iteration", "tol": "step below tol", "grad_tol": "gradient below eps",
              "diverged": "overflow"}


def _stop_sentence(run, places) -> tuple[str, str]:
    """(Markdown, LaTeX) sentence saying why the run stopped."""
    final, settings = run.final, run.settings
    if run.stopped == "tol":
        size, tol = latex_number(norm(run.rejected_step), places), latex_number(settings.tol, places)
        head = f"Stopped at $t = {final.t}$: the next step would have size ${size} < \\mathrm{{tol}} = {tol}$, "
        rule = "so it is not taken (the lecture's rule: stop {} a step smaller than the tolerance)."
        return head + rule.format("*before*"), head + rule.format(r"\emph{before}")
    if run.stopped == "grad_tol":
        text = (rf"Stopped at $t = {final.t}$: $\lVert\nabla f\rVert = {latex_number(norm(final.grad), places)}"
                rf" \le \varepsilon = {latex_number(settings.grad_tol, places)}$.")
        return text, text
    if run.stopped == "diverged":
        text = f"Stopped early: {run.stop_detail}."
        return text, text
    text = f"Stopped after the maximum number of iterations, $t = {final.t}$."
    return text, text


def _rows(run, places):
    rows = []
    for it in run.iterates:
        step = it.step if it.step is not None else None
        rows.append({"t": it.t, "x": vector_text(it.x, places), "x_tex": vector_latex(it.x, places),
                     "f": format_number(it.f, places), "f_tex": latex_number(it.f, places),
                     "grad": vector_text(it.grad, places), "grad_tex": vector_latex(it.grad, places),
                     "lr": format_number(it.learning_rate, places),
                     "step": vector_text(step, places) if step else "–",
                     "step_tex": vector_latex(step, places) if step else r"\text{--}",
                     "diverging": it.diverging})
    still = _stationary_from(run)
    if still is not None and len(rows) - still > 3:     # the run sits still: its first and last rows
        return rows[:still + 1] + rows[-1:], {"after": still + 1, "text": (
            f"t = {still + 1} to {len(rows) - 2}: the same point, where the gradient is exactly 0")}
    shown, left_out = elide(rows)
    return shown, {"after": 40, "text": f"{left_out} rows left out (all are in the JSON file)"} if left_out else None


def _stationary_from(run) -> int | None:
    """The first t from which every iterate is the same point with a zero gradient (the run reached a
    stationary point exactly and stays there), or None."""
    last = run.iterates[-1]
    if any(g != 0 for g in last.grad):
        return None
    still = len(run.iterates) - 1
    while still > 0 and run.iterates[still - 1].x == last.x and not any(run.iterates[still - 1].grad):
        still -= 1
    return still


def _closed_form_context(form, places) -> dict | None:
    if form is None:
        return None
    return {"general": form.general_latex, "formula": form.formula_latex,
            "hessian": form.hessian_latex,
            "eigenvalues": ", ".join(latex_number(e, places) for e in form.eigenvalues),
            "factors": ", ".join(latex_number(f, places) for f in form.factors),
            "contraction": latex_number(form.contraction, places),
            "largest": latex_number(form.largest_eigenvalue, places),
            "limit": latex_number(form.limit, places) if form.limit is not None else None,
            "converges": form.converges, "difference": latex_number(form.max_difference, 3),
            "agrees": form.max_difference < 1e-9, "positive": min(form.eigenvalues) > 0,
            "one": len(form.eigenvalues) == 1}


def _update_rule(settings, lr_symbol) -> str:
    rate = f"{lr_symbol}_t" if settings.schedule_text else lr_symbol
    if settings.stepper.with_momentum:
        beta = r"\beta_t" if settings.momentum_schedule_text else r"\beta"
        velocity = rf"v_{{t+1}} = {beta}\, v_t - {rate}\, "
        if settings.nesterov and settings.nesterov_form == "keras":
            return (rf"{velocity}\nabla f(x_t),\qquad "
                    rf"x_{{t+1}} = x_t + {beta}\, v_{{t+1}} - {rate}\, \nabla f(x_t)")
        gradient_at = rf"\nabla f(x_t + {beta} v_t)" if settings.nesterov else r"\nabla f(x_t)"
        return rf"{velocity}{gradient_at},\qquad x_{{t+1}} = x_t + v_{{t+1}}"
    return rf"x_{{t+1}} = x_t - {rate}\, \nabla f(x_t)"


def _momentum_schedule_latex(settings) -> str | None:
    if settings.momentum_schedule_text is None:
        return None
    from derive.core.schedules import momentum_schedule

    return sympy.latex(momentum_schedule(settings.momentum_schedule_text)[0])


def gd_context(problem, run, places, lr_symbol=r"\eta") -> dict:
    """The template context of one run; ``lr_symbol`` is the LaTeX of the learning rate (``\\gamma``: the lecture's)."""
    settings = run.settings
    label, sentence = behaviour(run, [v.name for v in problem.variables])
    stop_md, stop_tex = _stop_sentence(run, places)
    rows, gap = _rows(run, places)
    schedule = None
    if settings.schedule_text:
        from derive.core.descent import learning_rate_schedule
        schedule = sympy.latex(learning_rate_schedule(settings.schedule_text)[0])
    return dict(_function_context(problem),
                title=f"Gradient descent on ${_signature(problem)}$",
                x0=vector_latex(settings.x0, places), lr=latex_number(settings.learning_rate, places)
                if settings.learning_rate is not None else None, schedule=schedule,
                momentum=latex_number(settings.momentum, places) if settings.momentum else None,
                momentum_schedule=_momentum_schedule_latex(settings),
                nesterov=settings.nesterov_form if settings.nesterov and settings.stepper.with_momentum else None,
                max_iter=settings.max_iter,
                tol=latex_number(settings.tol, places) if settings.tol is not None else None,
                grad_tol=latex_number(settings.grad_tol, places) if settings.grad_tol is not None else None,
                update_rule=_update_rule(settings, lr_symbol), lr_symbol=lr_symbol, rows=rows, gap=gap,
                stop_md=stop_md, stop_tex=stop_tex, behaviour=sentence, label=label,
                final_x=vector_latex(run.final.x, places), final_f=latex_number(run.final.f, places),
                final_t=run.final.t, diverging_from=run.diverging_from,
                closed_form=_closed_form_context(closed_form(problem, run, lr_symbol=lr_symbol), places))


def comparison_context(problem, runs, places, lr_symbol=r"\eta") -> dict:
    names = [v.name for v in problem.variables]
    one = len(names) == 1
    columns = []
    for run in runs:
        label, sentence = behaviour(run, names)
        form = closed_form(problem, run)
        columns.append({"lr": latex_number(run.settings.learning_rate, places), "label": label,
                        "sentence": sentence, "final_x": vector_latex(run.final.x, places),
                        "final_f": latex_number(run.final.f, places), "stopped": STOP_WORDS[run.stopped],
                        "factor": latex_number(form.contraction, places) if form else None})
    length = max(len(run.iterates) for run in runs)
    rows = []
    for t in range(length):
        cells = []
        for run in runs:
            it = run.iterates[t] if t < len(run.iterates) else None
            value = None if it is None else (it.x[0] if one else it.f)
            cells.append({"text": "" if value is None else format_number(value, places),
                          "tex": "" if value is None else latex_number(value, places)})
        rows.append({"t": t, "cells": cells})
    rows, left_out = elide(rows)
    first = runs[0].settings
    quadratic = closed_form(problem, runs[0])
    return dict(_function_context(problem), title=f"Learning rates compared on ${_signature(problem)}$",
                x0=vector_latex(first.x0, places), max_iter=first.max_iter, runs=columns, rows=rows,
                left_out=left_out, lr_symbol=lr_symbol, quantity=(f"{names[0]}_t" if one else "f(x_t)"),
                limit=latex_number(quadratic.limit, places) if quadratic and quadratic.limit else None,
                largest=latex_number(quadratic.largest_eigenvalue, places) if quadratic else None,
                momentum=latex_number(first.momentum, places) if first.momentum else None)
