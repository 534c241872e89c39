"""The optimisation exercise families: answer keys recomputed by plain Python, constraints, rendering.

Every reference below is written from the lecture's formulas with loops and closed forms; none of
it calls derive code.  "x_1 after one step of gradient descent on x^2 from -4 with lr 0.1 is -3.2."
"""

from __future__ import annotations

import math

import numpy
import pytest

from derive.exam.registry import get_family
from derive.exam.variants import draw_question
from tests.support.tools import extract_math, katex_errors, require

FAMILIES = ["gd-steps", "gd-learning-rate", "gd-stopping", "momentum", "concepts", "sgd-batch-minibatch",
            "loss-surface", "vanishing-gradients"]
SEEDS = range(300)


# --- independent references ------------------------------------------------------------------

def partial(terms, point, variable):
    """d/d(variable) of sum c x^i y^j at point, term by term."""
    total = 0.0
    for c, i, j in terms:
        powers = [i, j]
        if powers[variable] == 0:
            continue
        k = powers[variable]
        powers[variable] -= 1
        total += c * k * point[0] ** powers[0] * point[1] ** powers[1]
    return total


def ref_gd_steps(p):
    point = list(p["x0"]) + [0.0] * (2 - len(p["x0"]))
    n = len(p["x0"])
    out = {}
    for t in range(1, p["steps"] + 1):
        grads = [partial(p["terms"], point, i) for i in range(n)]
        for i in range(n):
            point[i] -= p["learning_rate"] * grads[i]
        for i, name in enumerate("xy"[:n]):
            out[f"{name}[{t}]"] = point[i]
    return out


def ref_learning_rate(p):
    out = {}
    for k, rate in enumerate(p["rates"], 1):
        q = 1 - 2 * p["a"] * rate
        out[f"q[{k}]"] = abs(q)
        out[f"behaviour[{k}]"] = 0 if q > 0 else (1 if q > -1 else (2 if q == -1 else 3))
    out["lr_max"] = 1 / p["a"]
    return out


def ref_stopping(p):
    derivative = lambda x: 2 * p["a"] * x + p["b"]  # noqa: E731
    x, steps = p["x0"], 0
    while True:
        step = p["learning_rate"] * derivative(x)
        if abs(step) < p["tol"]:
            break
        x, steps = x - step, steps + 1
    y, grad_steps = p["x0"], 0
    while abs(derivative(y)) > p["grad_tol"]:
        y, grad_steps = y - p["learning_rate"] * derivative(y), grad_steps + 1
    return {"steps": steps, "x_final": x, "steps_grad": grad_steps}


def ref_momentum(p):
    n = len(p["x0"])
    point, velocity = list(p["x0"]) + [0.0] * (2 - n), [0.0, 0.0]
    out = {}
    for t in range(1, p["steps"] + 1):
        grads = [partial(p["terms"], point, i) for i in range(n)]
        for i in range(n):
            velocity[i] = p["momentum"] * velocity[i] - p["learning_rate"] * grads[i]
            point[i] += velocity[i]
        names = ["v"] if n == 1 else ["v_x", "v_y"]
        for i in range(n):
            out[f"{names[i]}[{t}]"] = velocity[i]
            out[f"{'xy'[i]}[{t}]"] = point[i]
    return out


def ref_sgd(p):
    w0, rate, data = p["w0"], p["learning_rate"], p["data"]
    gradient = lambda pairs: sum((w0 * x - y) * x for x, y in pairs) / len(pairs)  # noqa: E731
    return {"updates[sgd]": p["examples"], "updates[minibatch]": -(-p["examples"] // p["batch_size"]),
            "updates[batch]": 1, "w[sgd]": w0 - rate * gradient(data[:1]),
            "w[minibatch]": w0 - rate * gradient(data[:p["small_batch"]]), "w[batch]": w0 - rate * gradient(data)}


def ref_surface(p):
    coefficient = {(i, j): c for c, i, j in p["terms"]}
    get = lambda i, j: coefficient.get((i, j), 0.0)  # noqa: E731
    if get(3, 0) or get(0, 3):
        cubic_in_x = bool(get(3, 0))
        # c3 u^3 + c1 u (u the cubic variable) and b v^2 + e v: 3 c3 u^2 + c1 = 0, 2 b v + e = 0
        c3, c1 = (get(3, 0), get(1, 0)) if cubic_in_x else (get(0, 3), get(0, 1))
        b, e = (get(0, 2), get(0, 1)) if cubic_in_x else (get(2, 0), get(1, 0))
        root, v = math.sqrt(-c1 / (3 * c3)), -e / (2 * b)
        points = [(-root, v), (root, v)] if cubic_in_x else [(v, -root), (v, root)]
        hessians = [((6 * c3 * pt[0], 0.0), (0.0, 2 * b)) if cubic_in_x else ((2 * b, 0.0), (0.0, 6 * c3 * pt[1]))
                    for pt in points]
    else:
        a, b, c, d, e = get(2, 0), get(0, 2), get(1, 1), get(1, 0), get(0, 1)
        det = 4 * a * b - c * c          # 2a x + c y = -d, c x + 2b y = -e (Cramer)
        points = [((-d * 2 * b + e * c) / det, (-2 * a * e + c * d) / det)]
        hessians = [((2 * a, c), (c, 2 * b))]
    order = sorted(range(len(points)), key=lambda k: points[k])
    out = {}
    for k, index in enumerate(order, 1):
        (h11, h12), (_, h22) = hessians[index]
        det = h11 * h22 - h12 * h12
        out[f"x[{k}]"], out[f"y[{k}]"], out[f"det[{k}]"] = points[index][0], points[index][1], det
        out[f"kind[{k}]"] = 2 if det < 0 else (0 if h11 > 0 else 1)
    return out


def ref_vanishing(p):
    w, out_value, factors = p["weight"], p["input"], []
    for _ in range(p["depth"]):
        sigma = 1 / (1 + math.exp(-w * out_value))
        factors.append(sigma * (1 - sigma) * w)
        out_value = sigma
    out = {f"factor[{k}]": f for k, f in enumerate(factors, 1)}
    out["product"] = math.prod(factors)
    out["bound"] = (abs(w) / 4) ** p["depth"]
    return out


def ref_concepts(p):
    return {f"q[{k}]": item["options"].index(0) for k, item in enumerate(p["items"], 1)}


REFERENCES = {"gd-steps": ref_gd_steps, "gd-learning-rate": ref_learning_rate, "gd-stopping": ref_stopping,
              "momentum": ref_momentum, "sgd-batch-minibatch": ref_sgd, "loss-surface": ref_surface,
              "vanishing-gradients": ref_vanishing, "concepts": ref_concepts}


def wrong_answers(family_id, p, reference):
    """(key, typical wrong number) that must not be accepted."""
    if family_id == "gd-steps":
        g = partial(p["terms"], list(p["x0"]) + [0.0] * (2 - len(p["x0"])), 0)
        return [("x[1]", p["x0"][0] + p["learning_rate"] * g), ("x[1]", p["x0"][0] - g)]
    if family_id == "gd-learning-rate":
        return [("q[1]", abs(1 - p["a"] * p["rates"][0])), ("lr_max", 2 / p["a"]),
                ("behaviour[1]", (reference["behaviour[1]"] + 1) % 4)]
    if family_id == "gd-stopping":
        derivative = 2 * p["a"] * reference["x_final"] + p["b"]
        return [("steps", reference["steps"] + 1), ("steps_grad", reference["steps_grad"] - 1),
                ("x_final", reference["x_final"] - p["learning_rate"] * derivative)]
    if family_id == "momentum":
        key = "v[1]" if len(p["x0"]) == 1 else "v_x[1]"
        return [(key, -reference[key])]
    if family_id == "sgd-batch-minibatch":
        total = p["w0"] - len(p["data"]) * (p["w0"] - reference["w[batch]"])
        return [("w[batch]", total), ("updates[minibatch]", p["examples"] // p["batch_size"] + 1
                                      if p["examples"] % p["batch_size"] == 0 else p["examples"] // p["batch_size"])]
    if family_id == "loss-surface":
        return [("kind[1]", (reference["kind[1]"] + 1) % 3), ("det[1]", -reference["det[1]"])]
    if family_id == "vanishing-gradients":
        return [("product", reference["product"] / p["weight"] ** p["depth"]), ("bound", 0.25 ** p["depth"])]
    return [("q[1]", (reference["q[1]"] + 1) % 4)]


# --- the tests -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def questions():
    """{family id: [accepted question per seed]} for 300 seeds."""
    return {fid: [draw_question(get_family(fid), seed, 1, 1, set()) for seed in SEEDS] for fid in FAMILIES}


@pytest.mark.parametrize("family_id", FAMILIES)
def test_draws_are_plain_finite_and_accepted(family_id, questions):
    family = get_family(family_id)
    for seed in SEEDS:
        params = family.draw(numpy.random.default_rng([seed, 1, 1]))
        assert all(math.isfinite(a.value) for a in family.answers(params))
    for question in questions[family_id]:
        assert family.problems(question.params, list(question.answers)) == []
        import json
        assert json.loads(json.dumps(question.params)) == question.params


@pytest.mark.parametrize("family_id", FAMILIES)
def test_answer_key_matches_an_independent_implementation(family_id, questions):
    reference = REFERENCES[family_id]
    for question in questions[family_id]:
        expected = reference(question.params)
        got = {a.key: a for a in question.answers}
        assert set(got) == set(expected), question.params
        for key, value in expected.items():
            assert abs(got[key].value - value) <= max(got[key].tolerance, 1e-9), (key, question.params)
            assert abs(got[key].value - value) < 1e-9 * max(1.0, abs(value)), (key, question.params)


@pytest.mark.parametrize("family_id", FAMILIES)
def test_own_answers_accepted_and_typical_mistakes_refused(family_id, questions):
    for question in questions[family_id]:
        answers = {a.key: a for a in question.answers}
        for a in question.answers:
            assert abs(a.value - a.value) <= a.tolerance
            shown = round(a.value, 4)              # what a student writes to 4 decimals
            if not a.is_choice and a.key not in ("product", "bound") and abs(a.value) >= 1e-3:
                assert abs(shown - a.value) <= a.tolerance, (a.key, a.value, a.tolerance)
        for key, wrong in wrong_answers(family_id, question.params, REFERENCES[family_id](question.params)):
            assert abs(wrong - answers[key].value) > answers[key].tolerance, (key, wrong, question.params)


def test_lecture_numbers():
    """x^2 from -4 with lr 0.1: -3.2, -2.56, -2.048; the threshold on 1 x^2 is 1."""
    steps = get_family("gd-steps").answers({"terms": [[1.0, 2, 0]], "x0": [-4.0], "learning_rate": 0.1, "steps": 3})
    assert [round(a.value, 8) for a in steps] == [-3.2, -2.56, -2.048]
    rates = get_family("gd-learning-rate").evaluate({"a": 1.0, "x0": 2.0, "rates": [0.25, 0.6, 0.75, 1.2]})
    assert rates["lr_max"] == 1.0 and rates["behaviour[2]"] == 1 and rates["behaviour[4]"] == 3


@pytest.mark.parametrize("family_id", FAMILIES)
def test_rejections_are_rare(family_id, questions):
    draws = sum(q.draws for q in questions[family_id])
    assert 1 - len(SEEDS) / draws < 0.2


@pytest.mark.parametrize("family_id", FAMILIES)
def test_determinism(family_id):
    family = get_family(family_id)
    first, second = (draw_question(family, 7, 3, 1, set()) for _ in range(2))
    assert first.params == second.params
    for part in ("question", "solution"):
        for fmt in ("md", "tex"):
            assert family.render(first.params, part, fmt, 4) == family.render(second.params, part, fmt, 4)


def test_markdown_renders_with_katex():
    spans = []
    for family_id in FAMILIES:
        family = get_family(family_id)
        for seed in range(5):
            question = draw_question(family, seed, 1, 1, set())
            for part in ("question", "solution"):
                spans += extract_math(family.render(question.params, part, "md", 4))
    assert spans
    assert katex_errors(spans) == []


def test_latex_bodies_compile():
    require("pdflatex")
    from derive.render.texcompile import compile_pdf

    body = []
    for family_id in FAMILIES:
        family = get_family(family_id)
        for seed in range(3):
            params = draw_question(family, seed, 1, 1, set()).params
            body += [rf"\section*{{{family_id} {seed}}}", family.render(params, "question", "tex", 4),
                     r"\par\medskip", family.render(params, "solution", "tex", 4), r"\clearpage"]
    preamble = "\n".join([r"\documentclass{article}", r"\usepackage{amsmath,amssymb,booktabs,graphicx,xcolor,tikz}",
                          r"\usepackage{hyperref}", r"\begin{document}"])
    pdf = compile_pdf(preamble + "\n" + "\n".join(body) + "\n\\end{document}\n")
    assert pdf.startswith(b"%PDF")


def test_families_are_listed_with_unique_codes():
    codes = [get_family(f).code for f in FAMILIES]
    assert len(set(codes)) == len(codes) and all(len(c) == 3 and c.isupper() for c in codes)


def test_solve_files_give_question_solution_and_key():
    family = get_family("gd-steps")
    params = draw_question(family, 1, 1, 1, set()).params
    files = family.solve_files(params, ["md", "tex", "json"], 4)
    assert {"solution.md", "solution.tex", "answers.json", "gd.md", "gd.tex", "gd.json"} <= set(files)
    assert "\\begin{document}" in files["solution.tex"]


ALL_FAMILIES = FAMILIES + ["backprop-forward", "backprop-full-step", "backprop-hidden-layer", "backprop-output-layer",
                           "chain-rule"]


@pytest.mark.parametrize("family_id", ALL_FAMILIES)
def test_every_numeric_answer_has_one_explicit_blank_in_both_formats(family_id):
    """blank(key) writes @@BLANK:key@@; the sheets show the format's empty blank, never the marker."""
    from derive.exam.family import BLANK

    family = get_family(family_id)
    for seed in range(5):
        question = draw_question(family, seed, 1, 1, set())
        numeric = [a.key for a in question.answers if not a.is_choice]
        for fmt in ("md", "tex"):
            marked = family.render(question.params, "question", fmt, 4, blanks=True)
            assert sorted(BLANK.findall(marked)) == sorted(numeric)
            sheet = family.render(question.params, "question", fmt, 4)
            assert "@@BLANK" not in sheet
            # each blank a line to write on (tex) or an empty table cell (md: a cell between two bars)
            assert (sheet.count(r"\hrulefill") >= len(numeric)) if fmt == "tex" else (sheet.count("|") >= 2 * len(numeric))
            assert "@@BLANK" not in family.render(question.params, "solution", fmt, 4, blanks=True)


def test_each_family_is_a_folder_with_info_and_one_template_per_part():
    from pathlib import Path

    from derive.exam.family import exercises_folder

    for family_id in ALL_FAMILIES:
        folder = Path(exercises_folder(), family_id)
        family = get_family(family_id)
        assert (folder / "info.yaml").is_file()
        assert family.metadata()["id"] == family_id
        if family_id in FAMILIES:      # drawn by code, written once for md and tex
            assert (folder / "family.py").is_file()
            assert {p.name for p in folder.glob("*.j2")} == {"question.j2", "solution.j2"}
        else:                           # drawn from info.yaml by derive/exam/network_family.py
            assert not (folder / "family.py").exists()
