"""Checking hand calculations: answer sheets, verdicts, named mistakes, reports.

>>> from derive.check import check_answers
>>> from derive.core.spec import builtin_spec
>>> result = check_answers(builtin_spec(), {"out_h1": "0.5933", "w5+": "0.3589"})
>>> [(e.name, e.verdict) for e in result.entries]
[('out_h1', 'correct'), ('w5+', 'correct'), ('w6+', 'missing'), ('w7+', 'missing'), ('w8+', 'missing'), ('w1+', 'missing'), ('w2+', 'missing'), ('w3+', 'missing'), ('w4+', 'missing')]
"""

from derive.check.mistakes import MISTAKES, Mistake, register_mistake
from derive.check.sheet import AnswerSheet, Tolerance, load_sheet, parse_sheet
from derive.check.verdicts import CheckResult, Entry, check_answers, check_sheet
from derive.check import descent_check  # noqa: F401  (registers the reader of gradient-descent sheets)

__all__ = ["AnswerSheet", "Tolerance", "load_sheet", "parse_sheet", "check_sheet", "check_answers",
           "CheckResult", "Entry", "MISTAKES", "Mistake", "register_mistake"]
