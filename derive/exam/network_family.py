"""Network exercise families, declared in exercises/<id>/info.yaml.

A family's info.yaml gives the network's shape, the grids its numbers are drawn from,
the asked quantities and the question text; this class does the rest.  The
worked solution is rendered once per family with markers in place of numbers
(:func:`derive.present.solution.template_solution`), so a variant only costs one
evaluation and one pass of number filling.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy

from derive.core.evaluate import evaluate_float, given_values
from derive.present.formatting import format_all
from derive.core.graph import build_graph
from derive.core.keys import Key
from derive.core.chained import evaluate_chained
from derive.present.solution import fill_markers, known_targets, marker_table, presented, template_solution
from derive.core.spec import Example, parse_spec, with_rounding
from derive.exam.family import Answer, Family, empty_blanks, exercises_folder, tolerance_for, tolerances

__all__ = ["NetworkFamily"]

SATURATION = 4.0          # |net| below this: no saturated sigmoid
SHOWN_DECIMALS = 4        # answers are asked to 4 decimals
SCREEN_ROUNDS = 8         # rounds of draws screened together; a variant needing more goes on one draw at a time


class _Grid:
    """A draw rule, ``{low, high, step}`` (numbers a student can compute with, ``nonzero: true`` to
    leave 0 out) or a list of choices, with every number it can give computed once."""

    def __init__(self, rule):
        if isinstance(rule, list):
            self.values, self.zero = numpy.asarray(rule, dtype=float), None
            return
        count = int(round((rule["high"] - rule["low"]) / rule["step"])) + 1
        self.values = numpy.round(rule["low"] + rule["step"] * numpy.arange(count), 6)
        zero = round(-rule["low"] / rule["step"])
        self.zero = zero if rule.get("nonzero") and 0 <= zero < count - 1 else None

    def extreme(self, shape=None, largest=False):
        """An array of ``shape`` filled with the grid's smallest (or largest) number."""
        return numpy.full(shape or (), self.values.max() if largest else self.values.min())


def expand_asked(patterns, quantities, depth: int, source: str = "<family>", field: str = "asked") -> list[Key]:
    """The asked keys of ``patterns``: a canonical key (``E``, ``w_new[2,1,1]``), every key of a
    kind (``w_new[*]``) or every key of a kind in layer l (``dE/dw[1,*]``; ``L`` is the output layer).

    >>> from derive.core.spec import builtin_spec
    >>> from derive.core.graph import build_graph
    >>> graph = build_graph(builtin_spec().architecture)
    >>> [str(k) for k in expand_asked(["E", "delta[L,*]"], graph.quantities, 2)]
    ['E', 'delta[2,1]', 'delta[2,2]']
    """
    from derive.core.errors import InputError

    keys: list[Key] = []
    for n, pattern in enumerate(patterns):
        where = f"{field}[{n}]"
        text = str(pattern).replace(" ", "")
        if text.endswith("*]"):
            kind, _, layer = text[:-2].partition("[")
            layer = layer.rstrip(",")
            if layer not in ("", "L") and not layer.isdigit():
                raise InputError(source, where, "kind[*], kind[l,*] (l a layer number or L) or a key like w_new[2,1,1]",
                                 got=repr(pattern))
            wanted = depth if layer == "L" else int(layer) if layer else None
            found = [k for k in quantities if k.kind == kind and (wanted is None or (k.index and k.index[0] == wanted))]
        else:
            try:
                key = Key.parse(text)
            except ValueError:
                key = None
            found = [key] if key is not None and key in quantities else []
        if not found:
            raise InputError(source, where, "a quantity of this network (CONTRACT §2 keys, e.g. w_new[*], dE/dw[L,*], E)",
                             got=repr(pattern))
        keys += [k for k in found if k not in keys]
    return keys


class NetworkFamily(Family):
    difficulty = 2

    def __init__(self, data: dict):
        super().__init__(data)
        self.data = data
        self.network = data["network"]
        self.grids = {name: _Grid(rule) for name, rule in data["draw"].items()}
        self.question_text = data.get("question", "")
        self.relative_tolerance = float(data.get("tolerance", {}).get("relative", 0.002))
        self.absolute_tolerance = float(data.get("tolerance", {}).get("absolute", 5e-5))
        #: Where the family comes from, as error lines name it (an exam file's question, for an authored one).
        self.source = data.get("source", f"exercises/{self.id}")

    # -- drawing ----------------------------------------------------------------------------
    def draw(self, rng: numpy.random.Generator) -> dict:
        """A spec drawn from the grids, all its numbers picked by one call of ``rng``.

        One call with every pick's bound in an array gives the same numbers as one call per grid:
        NumPy's bounded integers take the bit generator's words one after another, and the
        generator itself keeps the half of a word a call leaves (tests/test_exam_screen.py)."""
        slices, bounds, zeros, starts, table = self._draw_layout
        picks = rng.integers(0, bounds)
        numbers = table[starts + picks + (picks == zeros)]    # 0 is not on offer: its draw takes the next step
        taken = iter(slices)

        def pick(grid, shape=None):
            start, stop = next(taken)
            return numbers[start] if shape is None else numbers[start:stop].reshape(shape)
        return self._spec_from(pick)

    @cached_property
    def _draw_layout(self) -> tuple:
        """What a draw picks, in order: each pick's place among the numbers, and per number its
        grid's size, the grid's zero step (-1: none) and where the grid starts in one table of all."""
        order: list = []
        self._spec_from(lambda grid, shape=None: order.append((grid, shape)) or grid.extreme(shape))
        slices, bounds, zeros, starts, table, stop = [], [], [], [], [], 0
        for grid, shape in order:
            count = int(numpy.prod(shape)) if shape is not None else 1
            slices.append((stop, stop + count))
            bounds += [len(grid.values)] * count
            zeros += [-1 if grid.zero is None else grid.zero] * count
            starts += [sum(map(len, table))] * count
            table.append(grid.values)
            stop += count
        return (slices, numpy.array(bounds, dtype=numpy.int64), numpy.array(zeros, dtype=numpy.int64),
                numpy.array(starts, dtype=numpy.int64), numpy.concatenate(table) if table else numpy.zeros(0))

    def _spec_from(self, pick) -> dict:
        """The spec of one draw, each number taken by ``pick(grid, shape)``."""
        layers, grids = self.network["layers"], self.grids
        weights = [pick(grids["weights"], (layers[l], layers[l - 1])).tolist() for l in range(1, len(layers))]
        bias_mode = self.network.get("bias", "shared")
        bias_field = "thresholds" if self.network.get("thresholds") else "biases"
        if bias_mode == "shared":
            biases = [float(b) for b in pick(grids["biases"], (len(layers) - 1,))]
        elif bias_mode == "neuron":
            biases = [pick(grids["biases"], (layers[l],)).tolist() for l in range(1, len(layers))]
        else:
            biases = None
        spec = {"title": self.title, "notation": self.network.get("notation", "mazur"),
                "layers": list(layers), "activation": self.network["activation"], "loss": self.network["loss"],
                "weights": weights}
        if biases is not None:
            spec[bias_field] = biases
        for field in ("hidden_uses", "leaky_slope", "lr_symbol"):     # only where a family sets them (built-ins do not)
            if field in self.network:
                spec[field] = self.network[field]
        spec.update(train_biases=bool(self.network.get("train_biases", False)),
                    learning_rate=float(pick(grids["learning_rate"])),
                    input=pick(grids["input"], (layers[0],)).tolist(),
                    target=pick(grids["target"], (layers[-1],)).tolist())
        return spec

    def with_lr_symbol(self, name: str) -> "NetworkFamily":
        """Family.with_lr_symbol: and every variant's spec, so its sheets, question and solution alike,
        writes the learning rate with that letter (the spec's ``lr_symbol``)."""
        twin = super().with_lr_symbol(name)
        if twin is not self:
            drawn = {"network": {**self.network, "lr_symbol": name}}
            # What was made from the old spec (cached properties and the rendered templates) is made again.
            twin.__dict__ = {k: v for k, v in twin.__dict__.items() if not k.startswith("_") and
                             not isinstance(getattr(type(self), k, None), cached_property)} | drawn
        return twin

    # -- solving ----------------------------------------------------------------------------
    @cached_property
    def _template_spec(self):
        """The spec of one draw; and the spec check passed at both ends of every grid.

        Every check of a drawn number (finite, a positive learning rate, targets in [0, 1] for
        bce) holds for a whole interval once it holds at its ends, so a draw needs no check of
        its own; cce's sum of targets is the exception, checked per draw (:meth:`_givens`).
        """
        source = self.source
        for largest in (False, True):
            parse_spec(self._spec_from(lambda grid, shape=None: grid.extreme(shape, largest)), source=source)
        return parse_spec(self.draw(numpy.random.default_rng(0)), source=source)

    @cached_property
    def graph(self):
        return build_graph(self._template_spec.architecture)

    @cached_property
    def asked_keys(self) -> list[Key]:
        return expand_asked(self.data["asked"], self.graph.quantities, self._template_spec.architecture.depth,
                            self.source)

    @cached_property
    def notation(self):
        from derive.present.notations import get_notation

        spec = self._template_spec
        return get_notation(spec.notation, spec.architecture, spec.lr_symbol)

    def prefetch(self, candidates: list[dict]) -> None:
        """Evaluate the candidates in one call of the compiled graph, on arrays (one entry per candidate)."""
        if candidates and "rounding" in candidates[0]:      # chained rounding: one variant at a time
            candidates = []
        self._prefetched, self._accepted, self._formatted = {}, {}, {}
        if candidates:
            keys, rows = self._rows(self._columns(candidates), len(candidates))
            for params, row in zip(candidates, rows):
                self._prefetched[id(params)] = [params, keys, row, None]

    def screen(self, rngs: list[numpy.random.Generator]) -> list[list[tuple]]:
        """Family.screen: rounds of one draw per generator still without an acceptable one, each round
        evaluated in one call of the compiled graph and checked on the arrays (:meth:`_surely_fine`);
        a draw the array check does not pass is checked by :meth:`problems` itself.  The array check
        is this class's problems and answers: a family that changes either is not screened."""
        out: list[list[tuple]] = [[] for _ in rngs]
        if (type(self).problems, type(self).answers) != _SCREENED:
            return out
        self._prefetched, self._formatted = {}, {}
        accepted = self._accepted = {}
        pending = list(range(len(rngs)))
        for _ in range(SCREEN_ROUNDS):
            if not pending:
                break
            candidates = [self.draw(rngs[n]) for n in pending]
            columns = self._columns(candidates)
            fine, asked, tolerance = self._surely_fine(columns, len(candidates))
            keys, rows = self._rows(columns, len(candidates))
            still = []
            for n, params, row, ok, values, tolerances_of in zip(pending, candidates, rows, fine.tolist(),
                                                                 asked.T.tolist(), tolerance.T.tolist()):
                self._prefetched[id(params)] = entry = [params, keys, row, None]
                if ok:
                    answers = tuple(Answer(text, name, latex, value, tol) for (_, text, name, latex, _), value, tol
                                    in zip(self._asked_names, values, tolerances_of))
                    reasons = []
                else:
                    answers = tuple(self.answers(params))
                    reasons = self.problems(params, list(answers))
                out[n].append((params, answers, reasons))
                if reasons:
                    still.append(n)
                else:
                    accepted[id(params)] = entry
            pending = still
        return out

    def _surely_fine(self, columns: dict, count: int) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
        """(which draws surely pass :meth:`problems`, the asked answers, their tolerances), from the arrays.

        Each test is one of problems' (and Family.problems') with the same arithmetic, and the
        tolerances are tolerance_for's to the bit (:func:`tolerances`); only "equal at 4 decimals"
        is tested with a margin (two answers more than 1.001e-4 apart never round alike), so a
        pair closer than that is left to problems.  A draw passes only what surely passes.
        """
        def column(key):
            return numpy.broadcast_to(numpy.asarray(columns[key], dtype=float), (count,))

        asked = numpy.array([column(k) for k in self.asked_keys])             # (answers, draws)
        scale = numpy.array([column(k) - column(p) if p is not None else column(k)
                             for k, _, _, _, p in self._asked_names])
        tolerance = tolerances(scale, self.relative_tolerance, self.absolute_tolerance)
        with numpy.errstate(invalid="ignore"):
            fine = numpy.isfinite(asked).all(0) & numpy.isfinite(tolerance).all(0)
            first, second = numpy.triu_indices(len(asked), 1)
            apart = numpy.abs(asked[first] - asked[second])
            fine &= (apart > numpy.maximum(numpy.maximum(tolerance[first], tolerance[second]), 1.001e-4)).all(0)
            nets = [column(k) for k in columns if k.kind == "net"]
            if nets:
                fine &= (numpy.abs(numpy.array(nets)) < SATURATION).all(0)
            size = numpy.abs(asked)
            fine &= (size > tolerance).all(0)
            derivative = [n for n, k in enumerate(self.asked_keys) if "/" in str(k)]
            fine &= (size[derivative] >= 0.5 * 10 ** -SHOWN_DECIMALS).all(0)
            updated = [n for n, (_, _, _, _, p) in enumerate(self._asked_names) if p is not None]
            fine &= (numpy.abs(scale[updated]) >= 3 * tolerance[updated]).all(0)
        return fine, asked, tolerance

    def _columns(self, candidates: list[dict]) -> dict:
        """Every quantity of the candidates, one array each, from one call of the compiled graph."""
        return evaluate_float(self.graph, self._givens(candidates))

    def _rows(self, columns: dict, count: int) -> tuple[tuple[Key, ...], list[list[float]]]:
        """The quantities' keys (the same tuple every time), and each candidate's values in their
        order (Python floats): whole columns converted at once."""
        keys = self.__dict__.get("_keys")
        if keys is None or keys != tuple(columns):     # (the same Key objects: compared by identity)
            keys = self.__dict__["_keys"] = tuple(columns)
        matrix = numpy.array([numpy.broadcast_to(numpy.asarray(v, dtype=float), (count,)) for v in columns.values()])
        return keys, matrix.T.tolist()

    def _evaluate(self, candidates: list[dict]) -> list[dict[Key, float]]:
        """Every quantity of each candidate, from one call of the compiled graph on arrays."""
        if not candidates:
            return []
        keys, rows = self._rows(self._columns(candidates), len(candidates))
        return [dict(zip(keys, row)) for row in rows]

    def _givens(self, candidates: list[dict]) -> dict[Key, numpy.ndarray]:
        """The given numbers of many draws, one array per given quantity (one entry per draw),
        through given_values with the draws' numbers stacked in the spec's places."""
        spec = self._template_spec
        if spec.architecture.loss == "cce":     # a sum constraint: checked draw by draw
            for params in candidates:
                parse_spec(params, source=f"<{self.id} variant>")
        weights = []
        for l in range(len(spec.weights)):
            stacked = numpy.array([c["weights"][l] for c in candidates])     # (draws, rows, columns)
            weights.append([[stacked[:, j, i] for i in range(stacked.shape[2])] for j in range(stacked.shape[1])])
        biases = []
        bias_field = "thresholds" if spec.architecture.bias_kind == "theta" else "biases"
        for l, template in enumerate(spec.biases):
            if template is None:
                biases.append(None)
                continue
            stacked = numpy.array([c[bias_field][l] for c in candidates])
            biases.append(tuple(stacked.T) if isinstance(template, tuple) else stacked)
        example = Example(tuple(numpy.array([c["input"] for c in candidates]).T),
                          tuple(numpy.array([c["target"] for c in candidates]).T))
        return given_values(spec, example, weights, biases,
                            learning_rate=numpy.array([c["learning_rate"] for c in candidates]))

    def values(self, params: dict) -> dict[Key, float]:
        """Every quantity of one variant (remembered for the few calls that follow on the same draw)."""
        found = self.__dict__.get("_prefetched", {}).get(id(params))
        if found is not None and found[0] is params:
            if found[3] is None:
                found[3] = dict(zip(found[1], found[2]))
            return found[3]
        cache = self.__dict__.setdefault("_recent", [])
        for seen, values in cache:
            if seen is params:
                return values
        if "rounding" in params:       # derive exam --chain-rounding: the numbers as worked by hand
            spec = parse_spec(params, source=f"<{self.id} variant>")
            chained = evaluate_chained(self.graph, given_values(spec), spec.rounding,
                                       presented(self.graph, spec.notation))
            values = {key: float(value) for key, value in chained.values.items()}
        else:
            values = self._evaluate([params])[0]
        cache.insert(0, (params, values))
        del cache[4:]
        return values

    def markers(self, params: dict, precision: int) -> dict[str, str]:
        """One variant's formatted numbers, for every marker of the rendered templates.

        The numbers of every draw the last screen accepted are formatted together, in two calls of
        format_all (:meth:`_format_accepted`), when the first of them is asked for."""
        cache = self.__dict__.setdefault("_recent_markers", [])
        for seen, places, table in cache:
            if seen is params and places == precision:
                return table
        formatted = self.__dict__.get("_formatted", {})
        if (id(params), precision) not in formatted and id(params) in self.__dict__.get("_accepted", {}):
            formatted = self._format_accepted(precision)
        found = formatted.get((id(params), precision))
        if found is not None and found[0] is params:
            keys, numbers, answers = found[1:]
        else:
            values = self.values(params)
            keys = tuple(values)
            numbers, answers = self._format(keys, [list(values.values())], precision)[0]
        table = marker_table(keys, precision, numbers)
        # The answer key gives the asked quantities as students are asked for them: 4 decimals.
        table.update(zip(self._answer_markers, answers))
        cache.insert(0, (params, precision, table))
        del cache[4:]
        return table

    def _format_accepted(self, precision: int) -> dict:
        """The numbers of every accepted draw of the last screen, formatted in one go."""
        accepted = list(self.__dict__["_accepted"].values())
        formatted = self.__dict__.setdefault("_formatted", {})
        keys = self._keys       # every round's (:meth:`_rows`)
        for (params, _, _, _), (numbers, answers) in zip(accepted, self._format(keys, [row for _, _, row, _ in accepted],
                                                                                 precision)):
            formatted[id(params), precision] = (params, keys, numbers, answers)
        return formatted

    def _format(self, keys: tuple, rows: list[list[float]], precision: int) -> list[tuple[tuple[list, list], list]]:
        """For each variant's values (in the order of ``keys``): its numbers' (texts, LaTeX) at
        ``precision`` and its asked answers' texts at 4 decimals, from one format_all each."""
        texts, latexes = format_all([value for row in rows for value in row], precision)
        at = self._positions(keys)
        answers = format_all([row[n] for row in rows for n in at], SHOWN_DECIMALS, fixed=True)[0]
        count, many = len(keys), len(at)
        return [((texts[n * count:(n + 1) * count], latexes[n * count:(n + 1) * count]),
                 answers[n * many:(n + 1) * many]) for n in range(len(rows))]

    def _positions(self, keys: tuple) -> list[int]:
        """Where the asked keys are among ``keys`` (the last keys' positions are remembered)."""
        last = self.__dict__.get("_last_positions")
        if last is None or last[0] != keys:
            index = {key: n for n, key in enumerate(keys)}
            last = self.__dict__["_last_positions"] = (keys, [index[k] for k in self.asked_keys])
        return last[1]

    @cached_property
    def _answer_markers(self) -> list[str]:
        return [f"\x05{k}\x05" for k in self.asked_keys]

    @cached_property
    def _asked_names(self) -> list[tuple[Key, str, str, str, Key | None]]:
        """Each asked key with its text, names and (for an updated parameter) the parameter it updates."""
        return [(k, str(k), self.notation.plain(k), self.notation.latex(k), k.parameter if k.is_updated else None)
                for k in self.asked_keys]

    @cached_property
    def _updated_parameters(self) -> dict[str, tuple[Key, Key]]:
        """{answer key text: (updated key, the parameter it updates)} for the asked updated parameters."""
        return {text: (k, parameter) for k, text, _, _, parameter in self._asked_names if parameter is not None}

    def answers(self, params: dict) -> list[Answer]:
        values = self.values(params)
        relative, absolute = self.relative_tolerance, self.absolute_tolerance
        return [Answer(text, name, latex, values[k],
                       tolerance_for(values[k] - values[parameter] if parameter is not None else values[k],
                                     relative, absolute))
                for k, text, name, latex, parameter in self._asked_names]

    @staticmethod
    def _scale(key: Key, values: dict) -> float:
        """What an answer's tolerance is relative to: for an updated parameter, the size of the update
        (w+ - w), so that the old value and the typical slips stay outside the tolerance."""
        if key.is_updated:
            return values[key] - values[key.parameter]
        return values[key]

    def problems(self, params: dict, answers: list[Answer]) -> list[str]:
        out = super().problems(params, answers)
        values = self.values(params)
        net_keys = self.__dict__.get("_net_keys")
        if net_keys is None:      # in the order of the evaluated quantities (the same for every variant)
            net_keys = self.__dict__["_net_keys"] = [k for k in values if k.kind == "net"]
        for key in net_keys:
            value = values[key]
            if abs(value) >= SATURATION:
                out.append(f"{self.notation.plain(key)} = {value:.3f} saturates the activation")
        updated = self._updated_parameters
        for answer in answers:
            if "/" in answer.key and abs(answer.value) < 0.5 * 10 ** -SHOWN_DECIMALS:
                out.append(f"{answer.name} rounds to 0 at {SHOWN_DECIMALS} decimals")
            elif abs(answer.value) <= answer.tolerance:
                # 0, or the answer with its sign slipped, would then be accepted.
                out.append(f"{answer.name} is so close to 0 that 0 would be accepted")
            pair = updated.get(answer.key)
            if pair is not None and abs(values[pair[0]] - values[pair[1]]) < 3 * answer.tolerance:
                # Otherwise the old value, or the update with the wrong sign, would be accepted.
                out.append(f"{answer.name} moves too little to tell it from the old value")
        return out

    def spec(self, params: dict) -> dict:
        return params

    # -- rendering --------------------------------------------------------------------------
    def _template(self, part: str, fmt: str, precision: int, rounding=None, known=()) -> str:
        """The rendered template with markers; one per pattern of ``known`` targets (0 or 1 under a
        cross-entropy loss, :func:`~derive.present.solution.known_targets`), which shape its loss terms."""
        key = (part, fmt, precision, rounding, known)
        cache = self.__dict__.setdefault("_templates", {})
        if key not in cache:
            cache[key] = self._render_template(part, fmt, precision, rounding, known)
        return cache[key]

    def _known(self, params: dict) -> tuple:
        # Only a cross-entropy loss has such targets: other families never build a draw's values here.
        if not self._cross_entropy:
            return ()
        return known_targets(self._template_spec.architecture, self.values(params))

    @cached_property
    def _cross_entropy(self) -> bool:
        from derive.core.functions import get_loss

        return get_loss(self._template_spec.architecture.loss).needs_probabilities

    def _render_template(self, part, fmt, precision, rounding=None, known=()) -> str:
        from derive.sheets.diagram import tikz
        from derive.sheets.solution import solution_context
        from derive.render.templating import render

        spec = self._template_spec if rounding is None else with_rounding(self._template_spec, str(rounding))
        solution = template_solution(spec, precision, known=known)
        context = solution_context(solution)
        asked = [{"key": str(k), "name": self.notation.plain(k), "latex": self.notation.latex(k),
                  "value": f"\x05{k}\x05", "choices": []} for k in self.asked_keys]
        question_text = self.question_text
        if fmt == "tex" and self.data.get("teachers_text"):     # a teacher's text: its prose escaped
            from derive.render.templating import tex_escape_prose

            question_text = tex_escape_prose(question_text)
        context.update(training=None, family=self.metadata(), question_text=question_text, asked=asked,
                       tikz=tikz(solution), svg_name="@@FIGURE@@", heading="\\subsection", md_heading="####", fmt=fmt)
        if part == "solution":
            context["body"] = render(f"solution_body.{fmt}.j2", context)
        teachers = self.data.get("templates", {})
        if part in teachers:       # a teacher's family file's own template: rendered in the sandbox
            path = Path(teachers[part])
            return render(path.name, context, user_folder=str(path.parent))
        folder = self.data.get("base", self.id)       # a changed family reuses its base's templates
        own = Path(exercises_folder(), folder, f"{part}.j2")      # a family may bring its own template
        name = f"{folder}/{part}.j2" if own.is_file() else f"exam_network_{part}.j2"
        return render(name, context, folders=(exercises_folder(),))

    def render(self, params: dict, part: str, fmt: str, precision: int, blanks: bool = False) -> str:
        """Family.render, with the blanks put into the family's rendered template once."""
        rounding, known = params.get("rounding"), self._known(params)
        key = (part, fmt, precision, blanks, rounding, known)
        cache = self.__dict__.setdefault("_blanked", {})
        if key not in cache:
            template = self._template(part, fmt, precision, rounding, known)
            cache[key] = template if blanks else empty_blanks(template, fmt)
        return fill_markers(cache[key], self.markers(params, precision))

    def render_body(self, params: dict, part: str, fmt: str, precision: int) -> str:
        return fill_markers(self._template(part, fmt, precision, params.get("rounding"), self._known(params)),
                            self.markers(params, precision))

    def diagram_svg(self, params: dict, precision: int) -> str:
        from derive.sheets.diagram import svg

        cache = self.__dict__.setdefault("_svg", {})
        if precision not in cache:
            cache[precision] = svg(template_solution(self._template_spec, precision))
        return fill_markers(cache[precision], self.markers(params, precision))

    def solve_files(self, params: dict, formats, precision: int) -> dict:
        from derive.present.solution import solve
        from derive.render.solution import solution_files

        spec = parse_spec(params, source=f"<{self.id} variant>", name=self.id)
        return solution_files(solve(spec, precision=precision), formats)


#: What :meth:`NetworkFamily._surely_fine` checks on arrays: these two methods, as written above.
_SCREENED = (NetworkFamily.problems, NetworkFamily.answers)
