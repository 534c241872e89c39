"""From a Solution to what the templates and the JSON need: plain data only.

Sections follow the lecture: the network and its numbers, the forward pass,
the error, then layer by layer from the output back (error signals, gradients
factor by factor, updated weights), and a table of old and new values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import sympy

from derive._version import __version__
from derive.core.functions import LOSSES, get_activation
from derive.core.keys import Key
from derive.present.blocks import Block
from derive.present.printing import QuantityLatexPrinter

__all__ = ["solution_json", "solution_document", "solution_context", "Section"]


@dataclass
class Section:
    kind: str          # forward | error | signals | gradients | updates
    layer: int | None
    title: str
    intro: str
    blocks: list[Block] = field(default_factory=list)


def _block(step, note: str = "") -> Block:
    if step.constant:
        return Block([f"{step.latex} &= {step.definition}"], str(step.key), note)
    if step.trivial:
        return Block([f"{step.latex} &= {step.definition} = {step.value_latex}"], str(step.key), note)
    return Block([f"{step.latex} &= {step.definition}", f"&= {step.numbers} = {step.value_latex}"],
                 str(step.key), note)


def _softmax_cce_line(solution, step) -> str | None:
    """Softmax meeting cross-entropy: the Jacobian sum collapses to out - target (shown as a check)."""
    arch = solution.spec.architecture
    if not (step.key.kind == "delta" and step.key.index[0] == arch.depth
            and arch.activations[-1] == "softmax" and arch.loss == "cce"):
        return None
    k = step.key.index[1]
    out, target = solution.step(Key("out", (arch.depth, k))), solution.step(Key("target", (k,)))
    return (rf"&= {out.latex} - {target.latex} = {out.value_latex} - {_signed(target.value_latex)}"
            rf" = {step.value_latex}")


def _signed(text: str) -> str:
    return rf"\left({text}\right)" if text.startswith("-") else text


def _layer_word(solution, layer: int) -> str:
    depth = solution.spec.architecture.depth
    if layer == depth:
        return "output layer"
    return "hidden layer" if depth == 2 else f"hidden layer {layer}"


def sections(solution) -> list[Section]:
    """The worked solution as titled groups of equations, in the lecture's order."""
    notation = solution.notation
    depth = solution.spec.architecture.depth
    out: list[Section] = []
    for l in range(1, depth + 1):
        steps = [s for s in solution.section("forward", l)]
        out.append(Section("forward", l, f"Forward pass: {_layer_word(solution, l)}",
                           "Each neuron adds its weighted inputs and bias (net input), then applies "
                           "its activation function (output).", [_block(s) for s in steps]))
    out.append(Section("error", None, "Error", "The error of each output, and the total error.",
                       [_block(s) for s in solution.section("error")]))
    for l in range(depth, 0, -1):
        backward = solution.section("backward", l)
        signals = [s for s in backward if s.key.kind in ("dnet/dout", "dE/dout", "dout/dnet", "delta")]
        gradients = [s for s in backward if s not in signals]
        word = _layer_word(solution, l)
        if l == depth:
            intro = ("How the total error changes with each output neuron's output and net input: "
                     "the error signal $\\delta$ is the product of these two factors.")
            if solution.spec.architecture.activations[-1] == "softmax" and solution.spec.architecture.loss == "cce":
                intro = ("With a softmax output every net input changes every output, so each error signal "
                         "$\\delta$ sums over the outputs (the softmax Jacobian). With cross-entropy the sum "
                         "collapses to output minus target: the last line of each $\\delta$ checks this.")
        else:
            intro = ("A hidden neuron's output reaches the error through every neuron of the next layer: "
                     "its gradient is the sum over those paths, each path being the next neuron's "
                     "error signal times the weight that connects them.")
            if solution.spec.architecture.hidden_uses == "new":
                intro += " As this exercise asks, the paths use the weights after their update (the $^{+}$ values)."
            else:
                intro += " The paths use the weights before this step's update."
        blocks = []
        for s in signals:
            block = _block(s)
            shortcut = _softmax_cce_line(solution, s)
            if shortcut:
                block.lines.append(shortcut)
            blocks.append(block)
        out.append(Section("signals", l, f"Backward pass: error signals of the {word}", intro, blocks))
        out.append(Section("gradients", l, f"Backward pass: gradients of the {word}",
                           "By the chain rule, each gradient is a product of factors; the last factor, "
                           "the net input's derivative with respect to the parameter, is the input "
                           "that the parameter multiplies.", [_block(s) for s in gradients]))
        updates = solution.section("update", l)
        if updates:
            eta = notation.latex(Key("eta"))
            out.append(Section("updates", l, f"Updated parameters of the {word}",
                               f"Gradient descent with learning rate ${eta} = {solution.step('eta').value_latex}$.",
                               [_block(s) for s in updates]))
    matrix_blocks = solution.notation.matrix_form(solution)
    if matrix_blocks:
        out.append(Section("matrix", None, "The same step in matrix form",
                           "The step above, written with the layer matrices.", matrix_blocks))
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


def _layers_words(solution, layers: list[int]) -> str:
    """"output layer", "hidden layers 1 and 2", ..."""
    words = [_layer_word(solution, l) for l in layers]
    if len(words) == 1:
        return words[0]
    hidden = [str(l) for l in layers if l != solution.spec.architecture.depth]
    text = "hidden layers " + (", ".join(hidden[:-1]) + " and " + hidden[-1] if len(hidden) > 1 else hidden[0])
    return text + (" and the output layer" if solution.spec.architecture.depth in layers else "")


def _conventions(solution) -> list[str]:
    arch = solution.spec.architecture
    target_letter, output_letter = solution.notation.loss_letters()
    x = sympy.Symbol("x", real=True)
    t, o = sympy.Symbol(f"{target_letter}_k", real=True), sympy.Symbol(f"{output_letter}_k", real=True)
    printer = QuantityLatexPrinter({"notation": None})
    lines = []
    for name in dict.fromkeys(arch.activations):
        layers = [l for l, a in enumerate(arch.activations, start=1) if a == name]
        where = "" if len(layers) == arch.depth else " of the " + _layers_words(solution, layers)
        if name == "softmax":
            lines.append(rf"Activation{where}: softmax, $o_k = \frac{{e^{{net_k}}}}{{\sum_m e^{{net_m}}}}$.")
        else:
            activation = get_activation(name, arch.leaky_slope)
            lines.append(f"Activation{where}: {activation.title}, "
                         f"$f(x) = {printer.doprint(activation.formula(x))}$.")
    loss = LOSSES[arch.loss]
    lines.append(f"Loss: {loss.title}, $E = \\sum_k {printer.doprint(loss.term(t, o, arch.layers[-1]))}$ "
                 f"with ${printer.doprint(t)}$ the target and ${printer.doprint(o)}$ the output of output neuron $k$.")
    if any(mode != "none" for mode in arch.bias_modes):
        word = "thresholds" if arch.bias_kind == "theta" else "biases"
        lines.append(f"The {word} are " + ("trained with the weights." if arch.train_biases
                                           else "kept fixed in this exercise (not trained)."))
    convention = solution.notation.convention()
    if convention:
        lines.append(convention)
    return lines


_GIVEN_LABELS = {"input": "Inputs", "target": "Targets", "w": "Weights", "b": "Biases", "theta": "Thresholds",
                 "eta": "Learning rate"}


def given_groups(solution) -> list[tuple[str, list[str]]]:
    """The given numbers grouped for a sentence each: ("Weights", ["w_{1} = 0.15", ...])."""
    groups: dict[str, list[str]] = {}
    for key in solution.graph.given:
        step = solution.steps[key]
        groups.setdefault(_GIVEN_LABELS[key.kind], []).append(f"{step.latex} = {step.value_latex}")
    return list(groups.items())


def solution_context(solution, diagram_svg_name: str = "network.svg") -> dict:
    """Everything solution.tex.j2 and solution.md.j2 use."""
    from derive.sheets.diagram import tikz

    spec = solution.spec
    return {
        "title": spec.title or f"Worked solution: {spec.name}",
        "spec": spec,
        "layers": list(spec.architecture.layers),
        "tikz": tikz(solution),
        "svg_name": diagram_svg_name,
        "given": given_groups(solution),
        "sections": sections(solution),
        "parameters": _parameter_rows(solution),
        "conventions": _conventions(solution),
        "precision": solution.precision,
        "exact": solution.exact,
        "version": __version__,
        "total_error": solution.step("E"),
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
        out[str(key)] = entry
    return out


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


def solution_document(solution, run=None) -> dict:
    """The JSON of CONTRACT §3, with ``iterations`` for a training run."""
    document = solution_json(solution)
    if run is not None:
        from derive.sheets.training import iterations_json

        document["iterations"] = iterations_json(run, solution)
        document["epoch_losses"] = list(run.epoch_losses)
    return document
