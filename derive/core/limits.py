"""The sizes and times derive accepts, in one place (docs/limits.md lists them with what
happens at each).  A limit is far above what a lecture needs and well below what would
exhaust a laptop; reaching one is an :class:`~derive.core.errors.InputError` line, exit 2.

>>> MAX_ITERATIONS >= 30 * 100    # the lecture's --max-iter 30, a hundred times over
True
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time

__all__ = ["MAX_ITERATIONS", "MAX_TRAINING_STEPS", "MAX_VARIANTS", "MAX_SEED", "MAX_STRESS_SEEDS",
           "TEMPLATE_OUTPUT", "TEMPLATE_SECONDS", "TEMPLATE_MACRO_DEPTH", "TooSlow", "time_limit", "check_count"]

#: derive gd --max-iter: each iterate is a table row; 10000 rows are already a 200-page sheet.
MAX_ITERATIONS = 10_000
#: Training updates of a spec (epochs x batches per epoch); each is worked out on the sheet.
MAX_TRAINING_STEPS = 10_000
#: derive exam -n: variants of one exam (a course of 10000 students, each a different exam).
MAX_VARIANTS = 10_000
#: derive exam --seed (and an exam file's seed): it is printed in every variant code and file name.
MAX_SEED = 999_999_999
#: derive stress -n: seeds of one stress run.
MAX_STRESS_SEEDS = 1_000_000
#: Characters a user template may write (a sheet of the largest network is about 1 MB).
TEMPLATE_OUTPUT = 20_000_000
#: Seconds a user template may take to render.
TEMPLATE_SECONDS = 10
#: Macro calls a user template may nest (a packaged template nests fewer than 5).
TEMPLATE_MACRO_DEPTH = 100


def check_count(value: int, source: str, field: str, limit: int, what: str) -> int:
    """``value``, refused in one line above ``limit`` ("at most 10000 iterations").

    >>> check_count(30, "--max-iter", "", MAX_ITERATIONS, "iterations")
    30
    """
    from derive.core.errors import InputError

    if value > limit:
        raise InputError(source, field, f"at most {limit} {what} (see docs/limits.md)",
                         got=str(value) if value < 10 ** 30 else "a number of over 30 digits")
    return value


class TooSlow(Exception):
    """A time budget ran out (see :func:`time_limit`)."""


@contextlib.contextmanager
def time_limit(seconds: int):
    """Raise TooSlow after ``seconds`` (only in the main thread; elsewhere no limit).

    An alarm already set by the caller (a test's hang guard, an outer budget) keeps its deadline:
    it fires as its own handler if it comes first, and is set again for its remaining time after.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    outer = None

    def _alarm(signum, frame):
        if outer is not None and time.monotonic() >= outer - 1e-3 and callable(previous):
            previous(signum, frame)
        raise TooSlow()

    previous = signal.signal(signal.SIGALRM, _alarm)
    remaining, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    if remaining:
        outer = time.monotonic() + remaining
        signal.setitimer(signal.ITIMER_REAL, min(seconds, remaining))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer is not None:
            signal.setitimer(signal.ITIMER_REAL, max(outer - time.monotonic(), 1e-3))
