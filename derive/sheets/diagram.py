"""The network drawn with its weights: one layout, two writers (TikZ for LaTeX,
SVG for Markdown).  A network with few neurons has its weights, biases, inputs and
targets written on the picture; a larger one is drawn as its structure alone, more
tightly, and the sheet lists its weights in a table instead (:func:`labelled`).

>>> from derive import builtin_spec, solve
>>> picture = tikz(solve(builtin_spec()))
>>> "w_{5} = 0.4" in picture
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from derive.core.keys import Key

__all__ = ["layout", "tikz", "svg"]

COLUMN_GAP = 4.2   # cm between layers
ROW_GAP = 1.9      # cm between neurons of a layer
RADIUS = 0.42      # cm
#: Beyond this many edges between two layers the weight labels no longer fit between them.
MAX_LABELLED_EDGES = 9
#: The structure of a larger network: at most this high (cm), with neurons at most this far apart.
STRUCTURE_HEIGHT = 15.0
STRUCTURE_COLUMN_GAP = 3.2
#: Below this radius (cm) a neuron is a dot without its name.
NAMED_RADIUS = 0.3


@dataclass(frozen=True)
class Node:
    name: str          # TikZ node name
    x: float
    y: float
    label_latex: str
    label_plain: str
    kind: str          # input | neuron | bias
    note_latex: str = ""
    note_plain: str = ""
    bias_latex: str = ""     # a bias of this neuron alone, written above it
    bias_plain: str = ""
    radius: float = RADIUS


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label_latex: str
    label_plain: str
    pos: float
    dashed: bool = False


def _row(size: int, neuron: int, gap: float = ROW_GAP) -> float:
    """Height of a neuron in its column (cm), the column centred on 0."""
    return ((size + 1) / 2 - neuron) * gap


def labelled(arch) -> bool:
    """Whether the picture carries the numbers: no two layers joined by more than MAX_LABELLED_EDGES edges."""
    return all(a * b <= MAX_LABELLED_EDGES for a, b in zip(arch.layers, arch.layers[1:]))


def layout(solution) -> tuple[list[Node], list[Edge]]:
    """Positions of neurons and bias nodes, and every edge with its weight label."""
    if not labelled(solution.spec.architecture):
        return structure_layout(solution)
    notation, arch = solution.notation, solution.spec.architecture
    value = {k: s.value_text for k, s in solution.steps.items()}
    tallest = max(arch.layers)
    nodes, edges = [], []
    # Longer weight labels (W(1)_21 = -0.25) need wider gaps between the layers to stay clear of each other.
    longest = max(len(f"{notation.plain(k)} = {value[k]}") for k in solution.graph.given if k.kind == "w")
    gap = COLUMN_GAP + 0.25 * max(longest - 10, 0)
    own_bias = {k.index: (f"{notation.latex(k)} = {value[k]}", f"{notation.plain(k)} = {value[k]}")
                for k in solution.graph.given if k.kind in ("b", "theta") and len(k.index) == 2}
    for l, size in enumerate(arch.layers):
        for j in range(1, size + 1):
            y = _row(size, j)
            unit = notation.unit(l, j)
            note_latex = note_plain = ""
            if l == 0:
                key = Key("input", (j,))
                note_latex, note_plain = value[key], value[key]
            elif l == arch.depth:
                key = Key("target", (j,))
                note_latex = rf"$\to$ {notation.latex(key).join('$$')} $= {value[key]}$"
                note_plain = f"{notation.plain(key)} = {value[key]}"
            nodes.append(Node(f"n{l}x{j}", l * gap, y, unit, unit, "input" if l == 0 else "neuron",
                              note_latex, note_plain, *own_bias.get((l, j), ("", ""))))
    top = (tallest - 1) / 2 * ROW_GAP + 1.6
    for l in range(1, arch.depth + 1):
        # A bias shared by the layer is a box with an edge to each neuron; a neuron's own bias is
        # written above the neuron (see own_bias).
        for key in [k for k in solution.graph.given if k.kind in ("b", "theta") and k.index == (l,)]:
            name = f"b{l}"
            nodes.append(Node(name, (l - 1) * gap + 0.9, top, f"{notation.latex(key)} = {value[key]}",
                              f"{notation.plain(key)} = {value[key]}", "bias"))
            edges += [Edge(name, f"n{l}x{j}", "", "", 0.5, dashed=True) for j in range(1, arch.layers[l] + 1)]
        for j in range(1, arch.layers[l] + 1):
            for i in range(1, arch.layers[l - 1] + 1):
                key = Key("w", (l, j, i))
                # Falling and level edges carry their label near the source, rising edges near the
                # target: the labels of two crossing edges never meet at the crossing.
                rising = _row(arch.layers[l], j) > _row(arch.layers[l - 1], i)
                edges.append(Edge(f"n{l - 1}x{i}", f"n{l}x{j}", f"{notation.latex(key)} = {value[key]}",
                                  f"{notation.plain(key)} = {value[key]}", 0.75 if rising else 0.25))
    return nodes, edges


def structure_layout(solution) -> tuple[list[Node], list[Edge]]:
    """A larger network's neurons and edges without numbers, its tallest layer at most STRUCTURE_HEIGHT
    high; the neurons shrink with the gap between them, to dots without names when they are many."""
    notation, arch = solution.notation, solution.spec.architecture
    tallest = max(arch.layers)
    gap = min(ROW_GAP, STRUCTURE_HEIGHT / max(tallest - 1, 1))
    radius = min(RADIUS, 0.4 * gap)
    nodes = [Node(f"n{l}x{j}", l * STRUCTURE_COLUMN_GAP, _row(size, j, gap),
                  *(2 * [notation.unit(l, j) if radius >= NAMED_RADIUS else ""]),
                  "input" if l == 0 else "neuron", radius=radius)
             for l, size in enumerate(arch.layers) for j in range(1, size + 1)]
    edges = [Edge(f"n{l - 1}x{i}", f"n{l}x{j}", "", "", 0.5)
             for l in range(1, arch.depth + 1)
             for j in range(1, arch.layers[l] + 1) for i in range(1, arch.layers[l - 1] + 1)]
    return nodes, edges


def weight_rows(solution, per_row: int = 3) -> list[list[dict]]:
    """The weights of a network drawn without its numbers, ``per_row`` to a table row: each weight's
    printed name, the edge it labels (the diagram's neuron names) and its value."""
    notation = solution.notation
    items = [{"latex": notation.latex(k), "name": notation.plain(k),
              "source": notation.unit(k.index[0] - 1, k.index[2]), "target": notation.unit(k.index[0], k.index[1]),
              "value_latex": solution.steps[k].value_latex, "value_text": solution.steps[k].value_text}
             for k in solution.graph.given if k.kind == "w"]
    return [items[n:n + per_row] for n in range(0, len(items), per_row)]


def tikz(solution) -> str:
    """A ``tikzpicture`` of the network, weights on their edges."""
    nodes, edges = layout(solution)
    lines = [r"\begin{tikzpicture}[>=stealth, neuron/.style={circle, draw, thick, minimum size=8.4mm, inner sep=0pt},"
             r" bias/.style={rectangle, rounded corners, draw, fill=black!5, inner sep=2pt, font=\small},"
             r" weight/.style={font=\scriptsize, fill=white, fill opacity=0.85, text opacity=1, inner sep=0.5pt}]"]
    for n in nodes:
        if n.kind == "bias":
            lines.append(rf"  \node[bias] ({n.name}) at ({n.x:.2f},{n.y:.2f}) {{${n.label_latex}$}};")
            continue
        fill = "fill=blue!8" if n.kind == "input" else "fill=orange!12"
        if n.radius != RADIUS:     # the structure of a larger network: smaller neurons, names in small type
            fill += rf", minimum size={20 * n.radius:.1f}mm, thin, font=\scriptsize"
        label = f"${n.label_latex}$" if n.label_latex else ""
        lines.append(rf"  \node[neuron, {fill}] ({n.name}) at ({n.x:.2f},{n.y:.2f}) {{{label}}};")
        if n.bias_latex:
            lines.append(rf"  \node[above=0.5mm of {n.name}, font=\scriptsize, fill=black!5, inner sep=1pt] "
                         rf"{{${n.bias_latex}$}};")
        if n.note_latex and n.kind == "input":
            lines.append(rf"  \node[left=2mm of {n.name}, font=\small] {{${n.note_latex}$}};")
        elif n.note_latex:
            lines.append(rf"  \node[right=2mm of {n.name}, font=\small, align=left] {{{n.note_latex}}};")
    for e in edges:
        if e.dashed:
            lines.append(rf"  \draw[->, dashed, black!45] ({e.source}) -- ({e.target});")
        elif not e.label_latex:
            lines.append(rf"  \draw[->, black!60] ({e.source}) -- ({e.target});")
        else:
            lines.append(rf"  \draw[->] ({e.source}) -- node[weight, pos={e.pos}, sloped, above=-1pt] "
                         rf"{{${e.label_latex}$}} ({e.target});")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


def svg(solution, scale: float = 42.0) -> str:
    """The same picture as a standalone SVG (for Markdown viewers)."""
    nodes, edges = layout(solution)
    xs, ys = [n.x for n in nodes], [n.y for n in nodes]
    left, right = min(xs) - 2.0, max(xs) + 3.6
    top, bottom = max(ys) + 0.8, min(ys) - 0.9
    width, height = (right - left) * scale, (top - bottom) * scale

    def px(x, y):
        return (x - left) * scale, (top - y) * scale

    where = {n.name: n for n in nodes}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>']
    for e in edges:
        a, b = where[e.source], where[e.target]
        (x1, y1), (x2, y2) = px(a.x, a.y), px(b.x, b.y)
        length = math.hypot(x2 - x1, y2 - y1)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        r = a.radius * scale
        start = (x1 + ux * (r if a.kind != "bias" else 10), y1 + uy * (r if a.kind != "bias" else 10))
        end = (x2 - ux * b.radius * scale, y2 - uy * b.radius * scale)
        style = ('stroke="#999" stroke-dasharray="4 3"' if e.dashed else 'stroke="#333"' if e.label_plain
                 or a.radius == RADIUS else 'stroke="#888" stroke-width="0.7"')
        out.append(f'<line x1="{start[0]:.1f}" y1="{start[1]:.1f}" x2="{end[0]:.1f}" y2="{end[1]:.1f}" {style} '
                   f'marker-end="url(#arrow)"/>')
        if e.label_plain:
            lx, ly = x1 + (x2 - x1) * e.pos, y1 + (y2 - y1) * e.pos
            angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
            out.append(f'<text x="{lx:.1f}" y="{ly - 3:.1f}" text-anchor="middle" font-size="11" '
                       f'transform="rotate({angle:.1f} {lx:.1f} {ly:.1f})" paint-order="stroke" stroke="white" '
                       f'stroke-width="3">{escape(e.label_plain)}</text>')
    for n in nodes:
        x, y = px(n.x, n.y)
        if n.kind == "bias":
            out.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="12" '
                       f'paint-order="stroke" stroke="white" stroke-width="3">{escape(n.label_plain)}</text>')
            continue
        fill = "#e6ecfa" if n.kind == "input" else "#fdebd9"
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{n.radius * scale:.1f}" fill="{fill}" stroke="#333" '
                   f'stroke-width="{1.5 if n.radius == RADIUS else 1}"/>')
        if n.label_plain:
            size, dy = (13, 4) if n.radius == RADIUS else (10, 3)
            out.append(f'<text x="{x:.1f}" y="{y + dy:.1f}" text-anchor="middle" font-size="{size}">'
                       f'{escape(n.label_plain)}</text>')
        if n.bias_plain:
            out.append(f'<text x="{x:.1f}" y="{y - RADIUS * scale - 5:.1f}" text-anchor="middle" font-size="11" '
                       f'fill="#555">{escape(n.bias_plain)}</text>')
        if n.note_plain:
            anchor, dx = ("end", -RADIUS * scale - 6) if n.kind == "input" else ("start", RADIUS * scale + 6)
            out.append(f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">{escape(n.note_plain)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
