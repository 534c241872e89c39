"""Stress test of a family over many seeds, like R/exams' stresstest_exercise.

>>> from derive.exam.registry import get_family
>>> report = stress(get_family("chain-rule"), 20)
>>> report["failures"], report["n"]
([], 20)
"""

from __future__ import annotations

import math
import traceback

from derive.core.errors import DeriveError
from derive.exam.family import BLANK, Family, asked_order
from derive.exam.variants import draw_question

__all__ = ["stress"]


def stress(family: Family, n: int, first_seed: int = 1) -> dict:
    """Draw one question per seed; collect failures (a numeric answer without its blank in the question
    among them), rejected draws and the spread of each answer."""
    failures, degenerate, draws = [], 0, 0
    spread: dict[str, list[float]] = {}
    for seed in range(first_seed, first_seed + n):
        try:
            question = draw_question(family, seed, 1, 1, set())
            sheet = family.render(question.params, "question", "md", 4, blanks=True)
            blanks = BLANK.findall(sheet)
            family.render(question.params, "solution", "md", 4)
            missing = [a.name for a in question.answers if not a.is_choice and a.key not in blanks]
            if missing:     # Moodle would have to append these below the question instead
                failures.append({"seed": seed, "error": f"the question has no answer blank for {', '.join(missing)}"})
                continue
            keys = [a.key for a in question.answers]
            if [k for k in asked_order(sheet) if k in keys] != [k for k in keys if k in asked_order(sheet)]:
                # answers.json, Moodle and Canvas list the answers in the family's order: the sheet's must be it
                failures.append({"seed": seed, "error": "the question asks its answers in another order than it lists them"})
                continue
        except DeriveError as exc:
            failures.append({"seed": seed, "error": str(exc)})
            continue
        except Exception as exc:  # a family bug: report it with where it happened
            where = traceback.extract_tb(exc.__traceback__)[-1]
            failures.append({"seed": seed, "error": f"{type(exc).__name__}: {exc} ({where.filename}:{where.lineno})"})
            continue
        degenerate += question.draws - 1
        draws += question.draws
        for answer in question.answers:
            spread.setdefault(answer.key, []).append(answer.value)
    answers = {key: {"min": min(v), "max": max(v), "distinct": len({round(x, 9) for x in v}),
                     "finite": all(math.isfinite(x) for x in v)} for key, v in spread.items()}
    return {"family": family.id, "n": n, "failures": failures, "degenerate": degenerate,
            "rejection_rate": degenerate / draws if draws else 0.0, "answers": answers}
