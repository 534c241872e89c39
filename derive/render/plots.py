"""Pictures for the optimisation sheets, as (PDF bytes, PNG bytes), byte for byte reproducible.

Matplotlib runs on the Agg backend; the PDF and PNG carry no date and no
software version, so the same inputs give the same files.  Every picture is
typeset in the sheets' font, Computer Modern (matplotlib's bundled cm fonts: no
TeX installation, no network), under :data:`STYLE`.
"""

from __future__ import annotations

import functools
import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy  # noqa: E402
import sympy  # noqa: E402

__all__ = ["loss_plot", "gd_plot", "comparison_plot", "surface_plot", "gradients_plot", "modes_plot", "VISIBLE"]

#: Iterates farther out than this are left off the pictures (the table has them all).
VISIBLE = 1e6
#: The sheets' font for every picture: Computer Modern text, mathtext and tick labels.
STYLE = {"font.family": "serif", "font.serif": ["cmr10"], "mathtext.fontset": "cm",
         "axes.formatter.use_mathtext": True}


def _styled(plot):
    """Run ``plot`` (which draws and saves a figure) under :data:`STYLE`, leaving the global rcParams alone."""
    @functools.wraps(plot)
    def styled(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return plot(*args, **kwargs)
    return styled


COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _quiet(plot):
    """A plot draws without a word on stderr: NumPy's overflow in an exploding curve's log scale and
    matplotlib's "no artists with labels" are expected there, and a successful run prints nothing."""
    @functools.wraps(plot)
    def quiet(*args, **kwargs):
        with warnings.catch_warnings(), numpy.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return plot(*args, **kwargs)
    return quiet


def _save(figure) -> tuple[bytes, bytes]:
    pdf, png = io.BytesIO(), io.BytesIO()
    figure.tight_layout()
    figure.savefig(pdf, format="pdf", metadata={"Creator": None, "CreationDate": None, "Producer": None})
    figure.savefig(png, format="png", dpi=150, metadata={"Software": None})
    plt.close(figure)
    return pdf.getvalue(), png.getvalue()


def _numeric(problem):
    return sympy.lambdify(problem.variables, problem.function, modules="numpy")


def _visible(iterates):
    shown = []
    for it in iterates:
        if max(abs(v) for v in it.x) > VISIBLE:
            break
        shown.append(it)
    return shown


def _span(values, margin=0.25, least=1.0):
    low, high = min(values), max(values)
    pad = max((high - low) * margin, least)
    return low - pad, high + pad


def _on_grid(function, *axes):
    with numpy.errstate(all="ignore"):
        values = numpy.asarray(function(*axes), dtype=float) * numpy.ones_like(axes[0])
    return numpy.where(numpy.isfinite(values), values, numpy.nan)


def math_title(latex: str, plain: str) -> str:
    """``$latex$`` when matplotlib's mathtext can set it (as the sheet writes f), else the plain text."""
    from matplotlib.mathtext import MathTextParser

    title = f"${latex}$"
    try:
        MathTextParser("path").parse(title)
        return title
    except ValueError:
        return plain


@_quiet
@_styled
def gd_plot(problem, run, title: str) -> tuple[bytes, bytes]:
    """1 variable: the curve with the iterates marked and joined; 2: contours with the path; more: f(x_t)."""
    figure, axes = plt.subplots(figsize=(6.0, 3.8))
    shown = _visible(run.iterates)
    names = [v.name for v in problem.variables]
    if len(names) == 1:
        xs = [it.x[0] for it in shown]
        grid = numpy.linspace(*_span(xs), 400)
        axes.plot(grid, _on_grid(_numeric(problem), grid), color="0.35", lw=1.2, label=f"f({names[0]})")
        axes.plot(xs, [it.f for it in shown], "-o", color=COLOURS[1], ms=4, lw=0.9, label="iterates")
        for it in shown[:4]:
            axes.annotate(f"$x_{{{it.t}}}$", (it.x[0], it.f), textcoords="offset points", xytext=(4, 6), fontsize=8)
        axes.set_xlabel(names[0])
        axes.set_ylabel("$f$")
    elif len(names) == 2:
        _contours(axes, problem, [it.x for it in shown])
        axes.plot([it.x[0] for it in shown], [it.x[1] for it in shown], "-o", color=COLOURS[1], ms=3.5, lw=0.9,
                  label="iterates")
        axes.plot(*shown[0].x, "s", color="black", ms=5, label="$x_0$")
        axes.set_xlabel(names[0])
        axes.set_ylabel(names[1])
    else:
        axes.plot([it.t for it in shown], [it.f for it in shown], "-o", color=COLOURS[1], ms=3.5)
        axes.set_xlabel("$t$")
        axes.set_ylabel("$f(x_t)$")
    if len(shown) < len(run.iterates):
        title += f" (first {len(shown)} iterates)"
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8)
    return _save(figure)


def _contours(axes, problem, points, fill=True):
    xs, ys = [p[0] for p in points] or [0.0], [p[1] for p in points] or [0.0]
    (x0, x1), (y0, y1) = _span(xs), _span(ys)
    side = max(x1 - x0, y1 - y0) / 2   # square view, so the zig-zag looks as it is
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    gx, gy = numpy.meshgrid(numpy.linspace(cx - side, cx + side, 200), numpy.linspace(cy - side, cy + side, 200))
    values = _on_grid(_numeric(problem), gx, gy)
    if fill:
        axes.contourf(gx, gy, values, levels=25, cmap="Blues_r", alpha=0.55)
    axes.contour(gx, gy, values, levels=25, colors="0.4", linewidths=0.5)
    axes.set_aspect("equal", adjustable="box")


@_quiet
@_styled
def comparison_plot(problem, runs, labels, lr_symbol=r"\eta") -> tuple[bytes, bytes]:
    """Several learning rates on one picture: x_t (one variable) or f(x_t) against t; the legend
    names each rate with the sheet's symbol (``$\\eta = 0.1$``)."""
    figure, axes = plt.subplots(figsize=(6.0, 3.8))
    one = len(problem.variables) == 1
    for n, (run, label) in enumerate(zip(runs, labels)):
        shown = _visible(run.iterates)
        values = [it.x[0] if one else it.f for it in shown]
        axes.plot([it.t for it in shown], values, "-o", ms=3, lw=1, color=COLOURS[n % len(COLOURS)],
                  label=f"${lr_symbol} = {run.settings.learning_rate:g}$: {label}")
    axes.set_yscale("symlog", linthresh=1e-2)
    axes.axhline(0, color="0.6", lw=0.6)
    axes.set_xlabel("$t$")
    axes.set_ylabel(f"${problem.variables[0].name}_t$" if one else "$f(x_t)$")
    axes.set_title("The same start, different learning rates", fontsize=10)
    axes.legend(fontsize=7)
    return _save(figure)


MARKERS = {"minimum": ("o", "#2ca02c"), "maximum": ("^", "#d62728"), "saddle": ("X", "#ff7f0e"),
           "degenerate": ("D", "#9467bd")}


@_quiet
@_styled
def surface_plot(surface) -> tuple[bytes, bytes] | None:
    """1 variable: the curve with the points; 2: a 3-D surface beside its contour map; more: None."""
    problem, points = surface.problem, surface.points
    count = len(problem.variables)
    if count > 2:
        return None
    if count == 1:
        figure, axes = plt.subplots(figsize=(6.0, 3.6))
        xs = [p.x[0] for p in points] or [0.0]
        grid = numpy.linspace(*_span(xs, margin=0.4, least=1.5), 400)
        axes.plot(grid, _on_grid(_numeric(problem), grid), color="0.3", lw=1.2)
        for p in points:
            marker, colour = MARKERS[p.kind]
            axes.plot(p.x[0], p.value, marker, color=colour, ms=8, label=f"{p.kind} at ${p.x[0]:g}$")
        axes.set_xlabel(f"${sympy.latex(problem.variables[0])}$")
        axes.set_ylabel("$f$")
        if points:       # beside the axes, so that it never covers a marked point
            axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        return _save(figure)
    figure = plt.figure(figsize=(8.0, 3.6))
    flat = figure.add_subplot(1, 2, 2)
    spot = [p.x for p in points] or [(0.0, 0.0)]
    _contours(flat, problem, spot)
    for p in points:
        marker, colour = MARKERS[p.kind]
        flat.plot(*p.x, marker, color=colour, ms=8, mec="black", label=f"{p.kind} $({p.x[0]:g}, {p.x[1]:g})$")
    flat.set_xlabel(f"${sympy.latex(problem.variables[0])}$")
    flat.set_ylabel(f"${sympy.latex(problem.variables[1])}$")
    if points:       # beside the map, so that it never covers a marked point
        flat.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.03, 1.0), borderaxespad=0.0)
    relief = figure.add_subplot(1, 2, 1, projection="3d")
    (lo, hi) = flat.get_xlim()
    (blo, bhi) = flat.get_ylim()
    gx, gy = numpy.meshgrid(numpy.linspace(lo, hi, 60), numpy.linspace(blo, bhi, 60))
    relief.plot_surface(gx, gy, _on_grid(_numeric(problem), gx, gy), cmap="viridis", linewidth=0, alpha=0.85)
    for p in points:
        marker, colour = MARKERS[p.kind]
        relief.scatter([p.x[0]], [p.x[1]], [p.value], marker=marker, color=colour, s=50, edgecolor="black")
    relief.set_xlabel(f"${sympy.latex(problem.variables[0])}$")
    relief.set_ylabel(f"${sympy.latex(problem.variables[1])}$")
    return _save(figure)


@_quiet
@_styled
def gradients_plot(chain) -> tuple[bytes, bytes]:
    """|delta_l| per layer on a log scale, with the bound."""
    figure, axes = plt.subplots(figsize=(6.0, 3.6))
    layers = [layer.index for layer in chain.layers]
    magnitudes = [abs(layer.error_signal) for layer in chain.layers]
    axes.semilogy(layers, [m if m > 0 else numpy.nan for m in magnitudes], "-o", color=COLOURS[0], ms=4,
                  label=r"$|\delta_l| = |\partial E / \partial \mathit{net}_l|$")
    axes.semilogy(layers, [layer.bound for layer in chain.layers], "--", color=COLOURS[1], lw=1,
                  label="bound")
    axes.set_xlabel("layer l (1 = next to the input)")
    axes.set_ylabel("magnitude (log scale)")
    axes.set_xticks(layers)
    axes.set_title(f"{chain.activation.name}, w = {chain.weight:g}, depth {chain.depth}: {chain.verdict}",
                   fontsize=10)
    axes.legend(fontsize=8)
    return _save(figure)


@_quiet
@_styled
def modes_plot(comparison) -> tuple[bytes, bytes]:
    """Left: training loss of the three modes against epochs; right: their paths in the (w, b) plane."""
    figure, (curves, paths) = plt.subplots(1, 2, figsize=(8.4, 3.6))
    names = {"sgd": "SGD", "minibatch": "mini-batch", "batch": "batch"}
    for n, training in enumerate(comparison.trainings):
        colour = COLOURS[n]
        per = training.updates_per_epoch
        epochs = [0.0] + [u.number / per for u in training.updates]
        losses = [training.initial_loss] + [u.loss for u in training.updates]
        curves.semilogy(epochs, losses, "-", color=colour, lw=1, label=f"{names[training.mode]} ({per}/epoch)")
        ws = [comparison.initial[0]] + [u.weight for u in training.updates]
        bs = [comparison.initial[1]] + [u.bias for u in training.updates]
        paths.plot(ws, bs, "-", color=colour, lw=0.9, label=names[training.mode])
    curves.axhline(comparison.least_squares_loss, color="0.5", ls=":", lw=1, label="least squares")
    curves.set_xlabel("epoch")
    curves.set_ylabel("mean loss over the data")
    curves.legend(fontsize=7)
    paths.plot(*comparison.least_squares, "*", color="black", ms=10, label="$(w^*, b^*)$")
    paths.set_xlabel("$w$")
    paths.set_ylabel("$b$")
    paths.legend(fontsize=7)
    return _save(figure)


@_quiet
@_styled
def loss_plot(run) -> tuple[bytes, bytes]:
    """A training run's loss before each update step and after each epoch."""
    figure, axes = plt.subplots(figsize=(6, 3.2), dpi=100)
    steps, per_epoch = range(1, run.total_steps + 1), run.updates_per_epoch
    few = run.total_steps <= 200     # markers only where they stay apart
    axes.plot(steps, run.step_losses, marker="o" if few else None, markersize=3, label="batch loss before the step")
    axes.plot([per_epoch * (e + 1) for e in range(run.spec.epochs)], run.epoch_losses, marker="s" if few else None,
              linestyle="--", label="mean loss after the epoch")
    axes.set_xlabel("update step")
    axes.xaxis.get_major_locator().set_params(integer=True)   # steps are whole numbers
    axes.set_ylabel("loss E")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    return _save(figure)
