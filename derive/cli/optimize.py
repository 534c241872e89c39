"""The click commands ``gd``, ``surface``, ``gradients`` and ``modes``.

Each one checks its input (bad input: one line, exit 2, nothing written),
computes records, renders the requested formats in memory and writes them
all-or-nothing, exactly like ``derive solve``.
"""

from __future__ import annotations

import math
from pathlib import Path

import click

from derive.core.errors import InputError
from derive.present.formatting import DEFAULT_PRECISION
from derive.render.outputs import parse_formats, write_with_pdf

__all__ = ["gd", "surface", "gradients", "modes"]


FORMATS = ("md", "tex", "pdf", "json")

_COMMON = [
    click.option("--format", "formats", default="md,tex,pdf,json", show_default=True,
                 help="Comma-separated: md, tex, pdf, json."),
    click.option("--out", "out_dir", default=None, help="Output folder [default: output/<command>/]."),
    click.option("--precision", default=DEFAULT_PRECISION, type=click.IntRange(0, 30), show_default=True,
                 help="Decimal places shown."),
    click.option("--templates", "templates_dir", default=None, type=click.Path(exists=True, file_okay=False),
                 help="A folder of your own templates, searched before the packaged ones (sandboxed)."),
]


def lr_symbol_option(command):
    """``--lr-symbol eta|gamma``: the letter of the learning rate on the sheet and its plot."""
    return click.option("--lr-symbol", "lr_symbol", type=click.Choice(["eta", "gamma"]), default="eta",
                        show_default=True,
                        help="The learning rate's letter: eta (as on the backpropagation sheets) or "
                             "gamma (some lectures' letter for the step size).")(command)


def common_options(command):
    for option in reversed(_COMMON):
        command = option(command)
    return command


def _number(text: str, option: str, positive=False, allow_zero=True) -> float:
    from derive.core.parser import parse_constant

    value = parse_constant(text, option)
    if positive and (value < 0 or (value == 0 and not allow_zero)):
        raise InputError(option, "", "a positive number" if not allow_zero else "a number >= 0", got=repr(text))
    return value


def _numbers(text: str, option: str) -> tuple[float, ...]:
    parts = [p for p in text.split(",")]
    if not all(p.strip() for p in parts):
        raise InputError(option, "", "numbers separated by commas, e.g. 1,1", got=repr(text))
    return tuple(_number(p, option) for p in parts)


def deliver(name: str, build, json_data, formats_text: str, out_dir, default_folder: str):
    """Print JSON (``--format json`` without ``--out``) or write the files; PDF is skipped with a note
    when pdflatex is missing.  ``build(formats)`` returns {file name: content}."""
    from derive.present.formatting import dumps

    formats = parse_formats(formats_text, FORMATS)
    if formats == ["json"] and out_dir is None:
        click.echo(dumps(json_data), nl=False)
        return
    write_with_pdf(Path(out_dir) if out_dir else Path("output") / default_folder, build, formats)


EPILOG_GD = """\b
Examples:
  derive gd --function "x**2" --x0 -4 --lr 0.8              # the lecture's example
  derive gd --function "x**2" --x0 -4 --lr 0.1,0.5,0.8,1.1  # learning rates side by side
  derive gd --function "x**2 + 10*y**2" --x0 1,1 --lr 0.05 --momentum 0.9
  derive gd --function "x**2" --x0 3 --lr-schedule "0.5/(1+t)" --format json
"""


@click.command(epilog=EPILOG_GD)
@click.option("--function", "function_text", required=True, help='The function, e.g. "x**2 + 10*y^2".')
@click.option("--x0", "x0_text", required=True, help="Start point, one number per variable: -4 or 1,1.")
@click.option("--lr", "lr_text", default="0.1", show_default=True,
              help="Learning rate; several separated by commas are compared side by side.")
@click.option("--lr-schedule", "schedule_text", default=None, help='Learning rate as a formula in t, e.g. "0.5/(1+t)".')
@click.option("--max-iter", default=30, type=click.IntRange(0), show_default=True,
              help="At most this many steps (up to 10000).")
@click.option("--tol", "tol_text", default=None, help="Stop before a step whose size |lr*gradient| is below tol.")
@click.option("--grad-tol", "grad_tol_text", default=None, help="Stop when |grad f| <= EPS.")
@click.option("--momentum", "momentum_text", default="0", show_default=True,
              help="beta: v <- beta*v - lr*grad f, x <- x + v.")
@click.option("--momentum-schedule", "momentum_schedule_text", default=None,
              help='Momentum as a formula in t, e.g. "min(0.9, 1 - 3/(t+5))" (instead of --momentum).')
@click.option("--nesterov", is_flag=True, help="Nesterov momentum: the gradient at x + beta*v.")
@click.option("--nesterov-form", type=click.Choice(["sutskever", "keras"]), default="sutskever", show_default=True,
              help="sutskever: iterates x, gradient at x + beta*v; keras (also PyTorch, for a constant learning "
                   "rate): the iterates are the look-ahead points themselves.")
@click.option("--vars", "vars_text", default=None, help="Variable order, e.g. y,x [default: alphabetical].")
@lr_symbol_option
@common_options
def gd(function_text, x0_text, lr_text, schedule_text, max_iter, tol_text, grad_tol_text, momentum_text,
       momentum_schedule_text, nesterov, nesterov_form, vars_text, lr_symbol, formats, out_dir, precision,
       templates_dir):
    """Gradient descent on a function: derivative, table of iterates, plot, closed form for quadratics."""
    import sympy

    from derive.core.descent import Settings, descend, learning_rate_schedule, make_problem
    from derive.core.limits import MAX_ITERATIONS, check_count
    from derive.sheets.gd import comparison_context, comparison_json, gd_context, gd_json
    from derive.render.plots import math_title, comparison_plot, gd_plot
    from derive.render.build import build_files
    from derive.render.templating import LR_SYMBOLS

    check_count(max_iter, "--max-iter", "", MAX_ITERATIONS, "iterations")

    parse_formats(formats, FORMATS)
    symbol = LR_SYMBOLS[lr_symbol]
    problem = make_problem(function_text, vars_text)
    x0 = _numbers(x0_text, "--x0")
    rates = _numbers(lr_text, "--lr")
    bad = next((r for r in rates if r <= 0), None)
    if bad is not None:
        raise InputError("--lr", "", "learning rates greater than 0", got=f"{bad:g}")
    if schedule_text is not None:
        if lr_text != "0.1":
            raise InputError("--lr-schedule", "", "either --lr or --lr-schedule", got="both")
        learning_rate_schedule(schedule_text)
        rates = (None,)
    tol = _number(tol_text, "--tol", positive=True) if tol_text is not None else None
    grad_tol = _number(grad_tol_text, "--grad-tol", positive=True) if grad_tol_text is not None else None
    momentum = _number(momentum_text, "--momentum", positive=True)
    if momentum >= 1:
        raise InputError("--momentum", "", "beta with 0 <= beta < 1", got=momentum_text)
    if momentum_schedule_text is not None:
        from derive.core.schedules import momentum_schedule

        if momentum:
            raise InputError("--momentum-schedule", "", "either --momentum or --momentum-schedule", got="both")
        betas = momentum_schedule(momentum_schedule_text)[1]
        for t in range(max_iter):     # every beta_t the run may use, checked before it starts
            betas(t)
    if nesterov_form != "sutskever" and not nesterov:
        raise InputError("--nesterov-form", nesterov_form, "--nesterov with it", got="no --nesterov")
    runs = [descend(problem, Settings(x0, rate, schedule_text, max_iter, tol, grad_tol, momentum, nesterov,
                                      momentum_schedule_text, nesterov_form))
            for rate in rates]
    if len(runs) == 1:
        run = runs[0]
        context, data = gd_context(problem, run, precision, symbol), gd_json(problem, run)
        title = math_title(f"f = {sympy.latex(problem.function)}", "f = " + problem.text)
        figure = lambda: gd_plot(problem, run, title)  # noqa: E731
        template = "gd"
    else:
        from derive.core.descent import behaviour

        labels = [behaviour(r, [v.name for v in problem.variables])[0] for r in runs]
        context, data = comparison_context(problem, runs, precision, symbol), comparison_json(problem, runs)
        figure = lambda: comparison_plot(problem, runs, labels, symbol)  # noqa: E731
        template = "gd_compare"
    deliver("gd", lambda fmts: build_files("gd", fmts, context=context, json_data=data, figures={"gd-plot": figure()}, template=template, templates_dir=templates_dir), data, formats, out_dir, "gd")


@click.command(epilog="""\b
Examples:
  derive surface --function "x**2 - y**2"          # a saddle
  derive surface --function "x**3 - 3*x + y**2"    # a minimum and a saddle
  derive surface --function "x**4 - 3*x**3 + 2" --format json
""")
@click.option("--function", "function_text", required=True, help='The function, e.g. "x**2 - y**2".')
@click.option("--vars", "vars_text", default=None, help="Variable order, e.g. y,x [default: alphabetical].")
@common_options
def surface(function_text, vars_text, formats, out_dir, precision, templates_dir):
    """Stationary points of a function, classified by the Hessian's eigenvalues; convexity; a plot."""
    from derive.core.descent import make_problem
    from derive.render.plots import surface_plot
    from derive.render.build import build_files
    from derive.sheets.optimize import surface_context, surface_json
    from derive.core.surface import analyse_surface

    parse_formats(formats, FORMATS)
    result = analyse_surface(make_problem(function_text, vars_text))
    context, data = surface_context(result, precision), surface_json(result)

    def build(fmts):
        picture = surface_plot(result)
        figures = {"surface-plot": picture} if picture else {}
        return build_files("surface", fmts, context=context, json_data=data, figures=figures, templates_dir=templates_dir)

    deliver("surface", build, data, formats, out_dir, "surface")


@click.command(epilog="""\b
Examples:
  derive gradients --depth 10 --activation sigmoid --weight 0.5   # vanishing
  derive gradients --depth 10 --activation relu --weight 2        # exploding
""")
@click.option("--depth", default=10, type=click.IntRange(1, 200), show_default=True, help="Number of layers L.")
@click.option("--activation", default="sigmoid", show_default=True,
              help="sigmoid, tanh, relu, leaky_relu or linear (the activations of derive solve).")
@click.option("--weight", "weight_text", default="0.5", show_default=True, help="Every weight w.")
@click.option("--width", default=1, type=click.IntRange(1, 1000), show_default=True,
              help="Neurons per layer (every weight is w, so a layer multiplies by width*w).")
@click.option("--bias", "bias_text", default="0", show_default=True, help="Every bias b.")
@click.option("--input", "input_text", default="1", show_default=True, help="The input x.")
@common_options
def gradients(depth, activation, weight_text, width, bias_text, input_text, formats, out_dir, precision,
              templates_dir):
    """How the gradient shrinks (or grows) layer by layer in a deep chain: product of local factors."""
    from derive.render.build import build_files
    from derive.sheets.optimize import gradients_context, gradients_json
    from derive.core.vanishing import deep_chain

    parse_formats(formats, FORMATS)
    chain = deep_chain(depth, activation.strip().lower(), _number(weight_text, "--weight"), width,
                       _number(bias_text, "--bias"), _number(input_text, "--input"))
    context, data = gradients_context(chain, precision), gradients_json(chain)

    def build(fmts):
        from derive.render.plots import gradients_plot   # matplotlib: only when files are written, not for JSON

        return build_files("gradients", fmts, context=context, json_data=data,
                           figures={"gradients-plot": gradients_plot(chain)}, templates_dir=templates_dir)

    deliver("gradients", build, data, formats, out_dir, "gradients")


@click.command(epilog="""\b
Examples:
  derive modes                                   # the built-in data, lr 0.1, 20 epochs, batch size 4
  derive modes --data "0:1,1:3,2:5.2,3:6.9" --lr 0.05 --batch-size 2 --seed 7
""")
@click.option("--data", "data_text", default=None, help='Pairs x:y, e.g. "0:1,1:3,2:5" [default: 8 built-in points].')
@click.option("--lr", "lr_text", default="0.1", show_default=True, help="Learning rate.")
@click.option("--epochs", default=20, type=click.IntRange(1, 10000), show_default=True)
@click.option("--batch-size", default=4, type=click.IntRange(1), show_default=True, help="Mini-batch size.")
@click.option("--seed", default=0, type=click.IntRange(0), show_default=True, help="Seed of the shuffling.")
@click.option("--shuffle/--no-shuffle", default=True, show_default=True, help="Shuffle the examples every epoch.")
@lr_symbol_option
@common_options
def modes(data_text, lr_text, epochs, batch_size, seed, shuffle, lr_symbol, formats, out_dir, precision,
          templates_dir):
    """SGD vs mini-batch vs batch gradient descent on a small linear regression y = w*x + b."""
    from derive.core.batching import LECTURE_DATA, compare_modes, parse_data
    from derive.render.plots import modes_plot
    from derive.render.build import build_files
    from derive.sheets.optimize import modes_context, modes_json
    from derive.render.templating import LR_SYMBOLS

    parse_formats(formats, FORMATS)
    data = parse_data(data_text) if data_text is not None else LECTURE_DATA
    rate = _number(lr_text, "--lr", positive=True, allow_zero=False)
    try:
        comparison = compare_modes(data, rate, epochs, batch_size, seed, shuffle)
        finite = all(math.isfinite(u.loss) for t in comparison.trainings for u in t.updates)
    except OverflowError:
        finite = False
    if not finite:
        raise InputError("--lr", "", "a learning rate small enough for training to stay finite", got=lr_text)
    context, json_data = modes_context(comparison, precision, LR_SYMBOLS[lr_symbol]), modes_json(comparison)
    deliver("modes", lambda fmts: build_files("modes", fmts, context=context, json_data=json_data, figures={"modes-plot": modes_plot(comparison)}, templates_dir=templates_dir),
            json_data, formats, out_dir, "modes")
