"""The concepts bank: many distinct multiple-choice questions that cover the lecture, each with one
correct option and a reason, all of it valid LaTeX (pdflatex) and valid KaTeX math."""

import re

import pytest

from derive.exam.registry import get_family
from derive.exam.variants import generate
from derive.render.texcompile import compile_pdf
from tests.support.tools import extract_math, katex_errors, pdf_text, require, require_katex

FAMILY = get_family("concepts")
BANK = FAMILY.ranges["bank"]
#: The lecture's topics, each with words its stems use: every topic has questions.
TOPICS = {
    "neuron as adder and activation": ("neuron", "bias", "activation", "sigmoid", "tanh"),
    "chain rule": ("chain rule", r"\partial \mathit{net}", r"\partial E / \partial o"),
    "backpropagation vs gradient descent": ("backpropagation", "backward pass"),
    "learning rate": ("learning rate",),
    "stopping criteria": ("stop",),
    "convexity and saddle points": ("convex", "saddle", r"\det H"),
    "momentum": ("momentum", r"\beta"),
    "SGD, batch and mini-batch": ("stochastic gradient descent", "mini-batch", "Batch gradient descent", "epoch"),
    "vanishing and exploding gradients": ("vanish", "explode", "saturated"),
}


def test_the_bank_has_at_least_40_distinct_questions_covering_the_lecture():
    assert len(BANK) >= 40
    assert len({entry["stem"] for entry in BANK}) == len(BANK)
    for topic, words in TOPICS.items():
        stems = [e["stem"] for e in BANK if any(w.lower() in e["stem"].lower() for w in words)]
        assert len(stems) >= 3, topic


def test_every_stem_has_one_correct_option_three_distractors_and_a_reason():
    corrects = [entry["correct"] for entry in BANK]
    assert len(set(corrects)) == len(corrects)           # no two stems share their correct option
    for entry in BANK:
        options = [entry["correct"], *entry["wrong"]]
        assert len(entry["wrong"]) >= 3, entry["stem"]
        assert len(set(options)) == len(options), entry["stem"]     # the correct one is unique in its stem
        assert isinstance(entry["why"], str) and entry["why"].strip() and "\n" not in entry["why"].strip()


def test_30_variants_draw_many_distinct_questions():
    stems = [item["stem"] for v in generate([FAMILY], 30, 2026) for item in v.questions[0].params["items"]]
    assert len(stems) == 30 * FAMILY.ranges["asked"]
    assert len(set(stems)) >= 35           # the old bank of 10 gave 10


def test_the_solution_names_the_correct_option_and_why():
    question = next(generate([FAMILY], 1, 7)).questions[0]
    solution = FAMILY.render(question.params, "solution", "md", 4)
    for item, answer in zip(question.params["items"], question.answers):
        entry = BANK[item["stem"]]
        letter = "abcd"[int(answer.value)]
        assert f"Correct: **({letter})** {entry['correct']}." in solution
        assert f"Why: {entry['why']}" in solution


def _texts():
    for entry in BANK:
        yield entry["stem"]
        yield entry["correct"]
        yield from entry["wrong"]
        yield entry["why"]


def test_every_text_typesets_in_pdflatex():
    require("pdflatex")
    body = "\n\n".join(rf"\noindent {text}" for text in _texts())
    document = "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n" + body + "\n\\end{document}\n"
    pdf = compile_pdf(document)                 # a TeX error raises
    assert pdf.startswith(b"%PDF")


def test_every_text_has_only_math_katex_renders(tmp_path):
    require_katex()
    spans = [span for text in _texts() for span in extract_math(text)]
    assert len(spans) > 100
    assert katex_errors(spans) == []
    for text in _texts():         # no TeX special outside math: it would break pdflatex or Markdown
        prose = re.sub(r"\$[^$]*\$", "", text)
        assert not re.search(r"[%&#_^{}\\*]", prose), text
