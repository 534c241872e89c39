"""From a Solution to what the templates and the JSON need: plain data only.

Sections follow the lecture: the network and its numbers, the forward pass,
the error, then layer by layer from the output back (error signals, gradients
factor by factor, updated weights), and a table of old and new values.
"""

from __future__ import annotations

import math
import re

import sympy

from derive._version import __version__
from derive.core.functions import LOSSES, get_activation
from derive.core.keys import Key
from derive.present.printing import plain_latex

__all__ = ["solution_json", "solution_context", "sections", "rounding_sentence"]


def _block(step, breaks: "SumBreaks", shortcut: dict | None = None) -> dict:
    """One step as the templates show it: its printed name, formula, numbers and value.

    ``form`` says which lines it has: ``constant`` (dnet/db = 1), ``trivial`` (the formula is a
    single quantity: name = formula = value) or ``full`` (name = formula, then = numbers = value).
    A long sum is broken across lines: ``definition_lines``, ``numbers_lines`` and ``terms_lines``
    are None, or the pieces of ``definition``, ``numbers`` and ``terms`` that go on one line each.
    """
    form = "constant" if step.constant else "trivial" if step.trivial else "full"
    block = {"key": str(step.key), "latex": step.latex, "definition": step.definition, "numbers": step.numbers,
             "value": step.value_latex, "form": form, "shortcut": shortcut, "terms": step.terms or None}
    if form == "full":
        block.update(breaks.lines(step))
    return block


def sum_terms(latex: str) -> list[str]:
    r"""A printed sum cut at its top-level + and - (not inside braces or \left( ... \right)),
    each piece after the first starting with its sign.

    >>> sum_terms(r"w_{1} \cdot i_{1} + \frac{a + b}{2} - \left(-0.5\right)")
    ['w_{1} \\cdot i_{1}', '+ \\frac{a + b}{2}', '- \\left(-0.5\\right)']
    """
    terms, depth, start = [], 0, 0
    i = 0
    while i < len(latex):
        if latex.startswith("\\left", i) and not latex[i + 5:i + 6].isalpha():
            depth, i = depth + 1, i + 5
            continue
        if latex.startswith("\\right", i) and not latex[i + 6:i + 7].isalpha():
            depth, i = depth - 1, i + 6
            continue
        char = latex[i]
        depth += {"{": 1, "}": -1}.get(char, 0) if latex[i - 1:i] != "\\" else 0
        if depth == 0 and i > start and latex[i - 1:i + 2] in (" + ", " - "):
            terms.append(latex[start:i - 1])
            start = i
        i += 1
    return terms + [latex[start:]]


#: How wide a line of a display may be (pt, of the 483pt text width, less the name on the left and
#: the value at the end) and how wide its pieces are, at 11pt: a digit is 5.5pt wide.
LINE_ROOM = 430.0
DIGIT = 5.5
#: A number below 1e-4, written -6.74798 \cdot 10^{-5} at any precision.
SCIENTIFIC = 75.0
#: A given number (weight, input, target) as typed in an exercise: a few digits, "-0.125".
GIVEN_DIGITS = 6
#: Quantities that are often that small: error signals, gradients, errors.
SMALL_KINDS = frozenset({"delta", "dE/dout", "dE/dw", "dE/db", "dE/dtheta", "E"})
#: The sign or dot before each number of a term of a sum.
TERM_EXTRA = 14.0
#: The space between two columns of a matrix; the width of W^{(l)+} = W^{(l)} - eta dE/dW^{(l)} =.
MATRIX_CELL = 10.0
UPDATE_FORMULA = 130.0
#: Symbolic terms (w_{41} out_{h2.1}, a path's delta times a derivative) per line.
DEFINITION_TERMS = 4


class SumBreaks:
    """Where a long sum breaks: a fixed number of terms per line, decided from the number of terms
    and the precision (how wide the computed numbers are), never by measuring typeset text.

    A term of the numbers line is as wide as its numbers: a computed one has ``precision`` decimals
    (or, for the kinds of quantity that are often below 1e-4, is as wide as -6.74798 \\cdot 10^{-5}),
    a given one is short (``GIVEN_DIGITS``).  A sum that fits in ``LINE_ROOM`` less the value written
    at its end stays on one line; a longer one has as many terms per line as the widest fit.
    """

    def __init__(self, solution):
        self.given = frozenset(str(k) for k in solution.steps if self._given_value(solution, k))
        self.plain = (solution.precision + 4) * DIGIT          # -0.123456789 and its parentheses
        # the value at a line's end, and a matrix's cell: as wide as a computed number can be
        self.computed = max(self.plain, SCIENTIFIC)

    def _width(self, key: str) -> float:
        if key in self.given:
            return GIVEN_DIGITS * DIGIT
        return self.computed if Key.parse(key).kind in SMALL_KINDS else self.plain

    @staticmethod
    def _given_value(solution, key) -> bool:
        """A given number, or a step that only repeats one (dnet_o1/dout_h1 = w5)."""
        step = solution.steps[key]
        while step.section != "given" and step.trivial and len(step.depends_on) == 1:
            step = solution.steps[step.depends_on[0]]
        return step.section == "given"

    def _number_width(self, template_term: str) -> float:
        keys = re.findall("[\x00\x04]([^\x00\x04]+)[\x00\x04]", template_term)
        return sum(self._width(key) for key in keys) + TERM_EXTRA * len(keys)

    def _per_line(self, widths: list[float], value: float) -> int:
        """Terms per line: all of them when they fit, else as many of the widest as fit."""
        room = LINE_ROOM - value
        return len(widths) if sum(widths) <= room else max(1, int(room // max(widths)))

    @staticmethod
    def _group(terms: list[str], per_line: int) -> list[str] | None:
        """The terms on as few lines as ``per_line`` allows, evened out (3 + 2, not 4 + 1)."""
        if len(terms) <= per_line:
            return None
        per_line = -(-len(terms) // -(-len(terms) // per_line))
        return [" ".join(terms[n:n + per_line]) for n in range(0, len(terms), per_line)]

    def matrix(self, block: dict) -> dict:
        """A matrix-form block with only the lines that fit the page: the gradients' and the error
        signals' products, the updated weights after their formula (``wide``: on a line of their own).
        Numbers too wide for the page are left out (``fits`` false, ``line`` "deltas"), as the layered
        notation leaves out wide layers; the sections above show each of them."""
        form, cell = block["form"], MATRIX_CELL
        if form == "matrix-delta" and block["line"] == "weights":
            weight = self.plain if block["new"] else GIVEN_DIGITS * DIGIT
            width = len(block["weights"][0]) * (weight + cell) + 2 * (self.computed + cell)
            return block if width <= LINE_ROOM else dict(block, line="deltas")
        if form not in ("matrix-gradient", "matrix-update") or not block["fits"]:
            return block
        if form == "matrix-gradient":
            columns = len(block["gradients"][0])
            width = max(columns * (self.computed + cell), columns * (self.plain + cell) + self.computed + cell)
        else:
            width = len(block["weights"][0]) * (self.plain + cell)
        return dict(block, fits=width <= LINE_ROOM, wide=width > LINE_ROOM - UPDATE_FORMULA)

    def _split(self, latex: str, template: str | None, value: float, per_line: int | None = None):
        """The lines of a long sum, or of a fraction over one (softmax), written num / (sum); None when
        it fits.  ``template`` (the numbers with placeholders) gives the widths, else ``per_line``."""
        fraction, template_fraction = _fraction(latex), template and _fraction(template)
        terms = sum_terms(fraction[1] if fraction else latex)
        if per_line is None:
            parts = template_fraction or ("", template)
            widths = [self._number_width(t) for t in sum_terms(parts[1])]
            if len(widths) != len(terms):
                return None
            per_line = self._per_line(widths + [self._number_width(parts[0])] * bool(fraction), value)
        lines = self._group(terms, per_line)
        if lines and fraction:
            lines[0], lines[-1] = rf"{fraction[0]} \big/ \bigl({lines[0]}", rf"{lines[-1]}\bigr)"
        return lines

    def lines(self, step) -> dict:
        """The lines of a step's definition, numbers and (chained rounding) rounded terms."""
        value = self._width(str(step.key))
        rounded = [self.computed + TERM_EXTRA] * len(sum_terms(step.terms)) if step.terms else None
        return {"definition_lines": self._split(step.definition, None, value, DEFINITION_TERMS),
                "numbers_lines": self._split(step.numbers, step.skeleton.numbers_template, value),
                "terms_lines": rounded and self._split(step.terms, None, value, self._per_line(rounded, value))}


def _fraction(latex: str) -> tuple[str, str] | None:
    r"""Numerator and denominator of a printed ``\frac{a}{b}`` that is the whole of ``latex``, or None."""
    if not latex.startswith("\\frac{"):
        return None
    parts, depth, start = [], 0, 5
    for i in range(5, len(latex)):
        depth += {"{": 1, "}": -1}.get(latex[i], 0) if latex[i - 1] != "\\" else 0
        if depth == 0:
            parts.append(latex[start + 1:i])
            start = i + 1
            if len(parts) == 2:
                return tuple(parts) if i == len(latex) - 1 else None
    return None


def _softmax_cce(arch) -> bool:
    return arch.activations[-1] == "softmax" and arch.loss == "cce"


def _softmax_cce_shortcut(solution, step) -> dict | None:
    """Softmax meeting cross-entropy: the Jacobian sum collapses to out - target (shown as a check)."""
    arch = solution.spec.architecture
    if not (step.key.kind == "delta" and step.key.index[0] == arch.depth and _softmax_cce(arch)):
        return None
    k = step.key.index[1]
    out, target = solution.step(Key("out", (arch.depth, k))), solution.step(Key("target", (k,)))
    return {"out": out.latex, "target": target.latex, "out_value": out.value_latex,
            "target_value": target.value_latex}


def sections(solution) -> list[dict]:
    """The worked solution as groups of steps, in the lecture's order: plain data whose titles and
    introductions the templates write (``kind``: forward, error, signals, gradients, updates, matrix)."""
    depth = solution.spec.architecture.depth
    breaks = SumBreaks(solution)
    out: list[dict] = []
    for l in range(1, depth + 1):
        out.append({"kind": "forward", "layer": l,
                    "blocks": [_block(s, breaks) for s in solution.section("forward", l)]})
    out.append({"kind": "error", "layer": None, "blocks": [_block(s, breaks) for s in solution.section("error")]})
    for l in range(depth, 0, -1):
        backward = solution.section("backward", l)
        signals = [s for s in backward if s.key.kind in ("dnet/dout", "dE/dout", "dout/dnet", "delta")]
        gradients = [s for s in backward if s not in signals]
        out.append({"kind": "signals", "layer": l,
                    "blocks": [_block(s, breaks, _softmax_cce_shortcut(solution, s)) for s in signals]})
        out.append({"kind": "gradients", "layer": l, "blocks": [_block(s, breaks) for s in gradients]})
        updates = solution.section("update", l)
        if updates:
            out.append({"kind": "updates", "layer": l, "blocks": [_block(s, breaks) for s in updates]})
    matrix_blocks = solution.notation.matrix_form(solution)
    if matrix_blocks:
        out.append({"kind": "matrix", "layer": None, "blocks": [breaks.matrix(b) for b in matrix_blocks]})
    return out


def _parameter_rows(solution) -> list[dict]:
    rows = []
    for key, step in solution.steps.items():
        if step.section != "given" or not key.is_parameter:
            continue
        gradient, new = solution.steps.get(key.gradient), solution.steps.get(key.updated)
        rows.append({"latex": step.latex, "name": step.name, "old": step.value_latex,
                     "old_text": step.value_text,
                     "gradient": gradient.value_latex if gradient else None,
                     "gradient_text": gradient.value_text if gradient else None,
                     "new": new.value_latex if new else step.value_latex,
                     "new_text": new.value_text if new else step.value_text,
                     "trained": new is not None})
    return rows


def _conventions(solution) -> dict:
    """What the conventions paragraph states, as plain data; solution_macros.*.j2 write its sentences.

    ``activations``: per activation (in order of first use) its name, title, layers and formula
    f(x) as printed (None for softmax, whose formula the templates write); ``loss``: title, printed
    term E_k and the target and output letters; ``bias``: None without biases, else whether they are
    thresholds and trained; ``signs``: None, or the notation's name and what its sign sentence needs
    (Notation.convention).
    """
    arch = solution.spec.architecture
    target_letter, output_letter = solution.notation.loss_letters()
    x = sympy.Symbol("x", real=True)
    t, o = sympy.Symbol(f"{target_letter}_k", real=True), sympy.Symbol(f"{output_letter}_k", real=True)
    activations = []
    for name in dict.fromkeys(arch.activations):
        activation = get_activation(name, arch.leaky_slope)
        activations.append({"name": name, "title": activation.title,
                            "layers": [l for l, a in enumerate(arch.activations, start=1) if a == name],
                            "formula": None if activation.layerwise else plain_latex(activation.formula(x))})
    loss = LOSSES[arch.loss]
    has_bias = any(mode != "none" for mode in arch.bias_modes)
    signs = solution.notation.convention()
    return {"activations": activations,
            "loss": {"title": loss.title, "term": plain_latex(loss.term(t, o, arch.layers[-1])),
                     "target": plain_latex(t), "output": plain_latex(o)},
            "bias": {"theta": arch.bias_kind == "theta", "trained": arch.train_biases} if has_bias else None,
            "signs": None if signs is None else {"notation": solution.notation.name, **signs}}


#: What a rounding's kinds and sections are called in the sheet's sentence.
_ROUNDING_WORDS = {
    "forward": "the forward pass", "error": "the error", "backward": "the backward pass",
    "update": "the updated parameters", "net": "net inputs", "out": "outputs", "E": "errors",
    "dE/dout": "derivatives of the error by an output", "dout/dnet": "activation derivatives",
    "delta": "error signals", "dnet/dout": "derivatives of a net input", "dnet/dw": "derivatives of a net input",
    "dnet/db": "derivatives of a net input", "dnet/dtheta": "derivatives of a net input",
    "dE/dw": "weight gradients", "dE/db": "bias gradients", "dE/dtheta": "threshold gradients",
    "w_new": "updated weights", "b_new": "updated biases", "theta_new": "updated thresholds",
}


def rounding_sentence(solution) -> str | None:
    """The sheet's one sentence on chained rounding, or None at full precision."""
    rounding = solution.spec.rounding
    if rounding is None:
        return None
    others = [f"{_ROUNDING_WORDS[name]} to {precision.words()}" for name, precision in rounding.by_name]
    return ("Chained rounding, as in a hand calculation: each quantity is computed from the rounded values "
            f"of the quantities it is defined from and rounded half up to {rounding.default.words()}"
            + (f" ({'; '.join(others)})" if others else "") + "; the given numbers are used as given.")


#: Rows of a LaTeX table that go together; a longer table goes on in another part, its head repeated,
#: so that it can continue on the next page (the exam's preamble has no longtable).
TABLE_ROWS = 25

_GIVEN_LABELS = {"input": "Inputs", "target": "Targets", "w": "Weights", "b": "Biases", "theta": "Thresholds",
                 "eta": "Learning rate"}


def given_groups(solution) -> list[list]:
    """The given numbers grouped for a sentence each: ["Weights", ["w_{1} = 0.15", ...]]."""
    groups: dict[str, list[str]] = {}
    schedule = solution.spec.schedule
    for key in solution.graph.given:
        step = solution.steps[key]
        if key.kind == "eta" and schedule:     # the schedule, and the rate of the first update (t = 0)
            item = f"{step.latex}_t = {plain_latex(schedule[0])}, \\quad {step.latex}_0 = {step.value_latex}"
        else:
            item = f"{step.latex} = {step.value_latex}"
        groups.setdefault(_GIVEN_LABELS[key.kind], []).append(item)
    return [[label, items] for label, items in groups.items()]


def solution_context(solution, diagram_svg_name: str = "network.svg") -> dict:
    """Everything solution.tex.j2 and solution.md.j2 use."""
    from derive.sheets.diagram import labelled, tikz, weight_rows

    spec, arch = solution.spec, solution.spec.architecture
    eta = solution.step("eta")
    total_error = solution.step("E")
    return {
        "title": spec.title or f"Worked solution: {spec.name}",
        "spec": spec.to_dict(),
        "layers": list(arch.layers),
        "depth": arch.depth,
        "softmax_cce": _softmax_cce(arch),
        "hidden_uses": arch.hidden_uses,
        "eta": {"latex": eta.latex, "value": eta.value_latex},
        "tikz": tikz(solution),
        "svg_name": diagram_svg_name,
        "given": given_groups(solution),
        "sections": sections(solution),
        "parameters": _parameter_rows(solution),
        # A larger network is drawn without its numbers: its weights are listed in a table below it.
        "weight_table": None if labelled(arch) else weight_rows(solution),
        "table_rows": TABLE_ROWS,
        "conventions": _conventions(solution),
        "rounding": rounding_sentence(solution),
        "precision": solution.precision,
        "exact": solution.exact,
        "version": __version__,
        "total_error": {"latex": total_error.latex, "value_latex": total_error.value_latex},
        "heading": "\\section",          # exam sheets nest the solution one level down
        "md_heading": "##",
    }


def _finite(value):
    return value if isinstance(value, float) and math.isfinite(value) else None


def quantities_json(solution) -> dict:
    out = {}
    for key, step in solution.steps.items():
        entry = {"value": _finite(step.value), "name": step.name, "latex": step.latex,
                 "formula": step.formula, "depends_on": [str(d) for d in step.depends_on],
                 "equation": step.equation if step.section != "given" else f"{step.latex} = {step.value_latex}",
                 "section": step.section}
        if step.exact is not None:
            entry["exact"] = step.exact
        if solution.chained is not None:
            _chained_fields(entry, solution.chained, key)
        out[str(key)] = entry
    return out


def _chained_fields(entry: dict, chained, key) -> None:
    """A chained quantity's precision (4 or "4sig") and, for a sum over paths, its rounded terms."""
    if key in chained.precisions:
        entry["rounding"] = chained.precisions[key].to_data()
    if key in chained.terms:
        entry["terms"] = [_finite(float(t)) for t in chained.terms[key]]


def solution_json(solution) -> dict:
    """CONTRACT §3: spec, quantities, steps (plus a few additions)."""
    return {
        "spec": solution.spec.to_dict(),
        "quantities": quantities_json(solution),
        "steps": [str(k) for k, s in solution.steps.items() if s.section != "given"],
        "notation": solution.notation.name,
        "precision": solution.precision,
        "generator": f"derive {__version__}",
    }
