"""Variants and their codes: one generation loop with an explicit generator per question.

A variant code such as ``2026-7-BFS.GDS-W`` names the exam seed (2026), the
variant number (7), the families of its questions in order (BFS, GDS) and a
check letter against typos.  Everything of a variant follows from its code.

>>> code = variant_code(2026, 7, ["BFS", "GDS"])
>>> parse_code(code)
(2026, 7, ('BFS', 'GDS'))
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy

from derive.core.errors import DeriveError, InputError
from derive.exam.family import Answer, Family
from derive.exam.registry import family_by_code

__all__ = ["Question", "Variant", "variant_code", "parse_code", "draw_variants", "generate", "regenerate",
           "MAX_DRAWS"]

#: Draws per question before the family's constraints are declared impossible.
MAX_DRAWS = 2000
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Question:
    number: int                 # 1-based position in the variant
    family: Family
    params: dict                # plain data: everything needed to recompute the question
    answers: tuple[Answer, ...]
    draws: int                  # how many draws it took (1 = the first was fine)


@dataclass(frozen=True)
class Variant:
    index: int                  # 1-based
    code: str
    questions: tuple[Question, ...]


def _check_letter(text: str) -> str:
    return _ALPHABET[zlib.crc32(text.encode()) % len(_ALPHABET)]


def variant_code(seed: int, index: int, family_codes: Sequence[str]) -> str:
    body = f"{seed}-{index}-{'.'.join(family_codes)}"
    return f"{body}-{_check_letter(body)}"


def parse_code(code: str, source: str = "--variant") -> tuple[int, int, tuple[str, ...]]:
    """(seed, index, family codes) of a variant code; a clear error for anything else."""
    parts = code.strip().upper().split("-")
    expected = "a variant code printed on an exam, like 2026-7-BFS.GDS-W"
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2] \
            or len(parts[0]) > 9 or len(parts[1]) > 5:      # seeds below 10**9, at most 10000 variants
        raise InputError(source, "", expected, got=repr(code))
    body = "-".join(parts[:3])
    if _check_letter(body) != parts[3]:
        raise InputError(source, "", expected, got=f"{code!r}, whose check letter does not match (a typo?)")
    return int(parts[0]), int(parts[1]), tuple(parts[2].split("."))


def _rng(seed: int, index: int, number: int, family: Family) -> numpy.random.Generator:
    # Independent streams per (seed, variant, question, family): consecutive seeds never collapse.
    return numpy.random.default_rng([seed, index, number, zlib.crc32(family.code.encode())])


def draw_question(family: Family, seed: int, index: int, number: int, seen: set,
                  rng: numpy.random.Generator | None = None, screened: Sequence[tuple] = ()) -> Question:
    """The first draw that meets the family's constraints and repeats no earlier variant's answers.

    ``rng`` and ``screened`` let a caller that already drew and checked the first draws (many
    variants' draws at once, :meth:`Family.screen`) continue the very same sequence of draws.
    """
    rng = rng or _rng(seed, index, number, family)
    reasons: list[str] = []
    repeats = 0
    for attempt in range(1, MAX_DRAWS + 1):
        if attempt <= len(screened):
            params, answers, reasons = screened[attempt - 1]
        else:
            params = family.draw(rng)
            answers = tuple(family.answers(params))
            reasons = family.problems(params, list(answers))
        signature = family.signature(params, list(answers))
        if not reasons and (signature is None or signature not in seen):     # None: no twin check
            if signature is not None:
                seen.add(signature)
            return Question(number, family, params, answers, attempt)
        repeats += not reasons
    source = getattr(family, "source", "")
    if not source.startswith("exercises/"):      # a teacher's question: its ranges are what to change
        if repeats:
            raise InputError(source, "", "ranges with enough different questions for the variants",
                             got=f"no new question in {MAX_DRAWS} draws: earlier variants took them",
                             suggestion="widen the ranges or draw fewer variants")
        raise InputError(source, "", "ranges with an acceptable draw", got=f"none in {MAX_DRAWS} draws: {reasons[0]}",
                         suggestion="widen the ranges")
    raise DeriveError(f"exercise family {family.id}: no acceptable variant in {MAX_DRAWS} draws "
                      f"(last reason: {reasons[0] if reasons else 'every draw repeated an earlier variant'})")


#: Variants whose first draws are screened together (:meth:`Family.screen`).
CHUNK = 256


def draw_variants(families: Sequence[Family], seed: int, indices: range, seen: list[set] | None) -> Iterator[Variant]:
    """The variants ``indices``, each family's first draws for all of them screened at once.

    ``seen``: the answers earlier variants took, per question (updated); None: no twin check
    here (an exam's worker process, whose parent checks the twins).  The screened questions
    are forgotten once the last variant has been taken.
    """
    codes = [f.code for f in families]
    screened = []
    for k, family in enumerate(families):
        rngs = [_rng(seed, index, k + 1, family) for index in indices]
        screened.append(list(zip(rngs, family.screen(rngs))))
    try:
        for position, index in enumerate(indices):
            questions = tuple(draw_question(f, seed, index, k + 1, set() if seen is None else seen[k],
                                            *screened[k][position]) for k, f in enumerate(families))
            yield Variant(index, variant_code(seed, index, codes), questions)
    finally:
        for family in families:
            family.prefetch([])


def generate(families: Sequence[Family], n: int, seed: int, start: int = 1) -> Iterator[Variant]:
    """Variants ``start``..``n`` (all earlier ones are drawn too: they fix which answers are taken)."""
    seen: list[set] = [set() for _ in families]
    for chunk_start in range(1, n + 1, CHUNK):
        for variant in draw_variants(families, seed, range(chunk_start, min(n, chunk_start + CHUNK - 1) + 1), seen):
            if variant.index >= start:
                yield variant


def regenerate(code: str, source: str = "--variant", exam: str | None = None) -> Variant:
    """The variant a code names, exactly as its exam printed it.  A code with teacher-authored
    questions (overrides, a fixed spec, a family file) needs the ``exam`` file (or family file)
    they come from."""
    seed, index, family_codes = parse_code(code, source)
    if exam is not None:
        from derive.exam.authoring import load_authored

        load_authored(exam)
    try:
        families = [family_by_code(c) for c in family_codes]
    except KeyError as exc:
        unknown = exc.args[0]
        if len(unknown) > 3 and exam is None:
            raise InputError(source, "", "--exam EXAM.yaml (exam: in an answer sheet) for a teacher-authored question",
                             got=f"question code {unknown!r}") from None
        if len(unknown) > 3:
            raise InputError(source, "", f"a question code that {exam} defines (has it changed since the exam?)",
                             got=repr(unknown)) from None
        raise InputError(source, "", "a code whose families exist in this version of derive",
                         got=f"unknown family code {unknown!r}") from None
    return next(generate(families, index, seed, start=index))


