"""derive exam's worker processes end when their pool ends.

The CLI turns SIGTERM into SystemExit (so a run's staging folder goes); a forked worker copied that
handler, and a pool ending its workers with SIGTERM then hung now and again (2 runs in 25 of a
130-variant exam on a loaded machine). A worker takes the default action back.
"""

from __future__ import annotations

import signal

from derive.exam import writer


def test_a_worker_takes_back_the_default_action_of_sigterm():
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)     # as derive.cli.main does
    try:
        writer._init_worker(None, [])
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)
        writer._WORKER.clear()
