"""How long the test suite takes: the whole of it as `make test` runs it, and without the `slow` tests.

Run: python benchmarks/bench_suite.py [PYTEST_ARGS...]
Runs ``DERIVE_REQUIRE_TOOLS=1 python -m pytest -q -p no:cacheprovider`` (the options of
pyproject.toml add ``-n auto --dist worksteal``), then the same with ``-m "not slow"``, each in a
fresh process; prints for each its wall time, the CPU time of pytest and everything it started
(workers, pdflatex, node, chromium), pytest's summary line, and the machine's load average
before and after, with the UTC time, for docs/performance.md.  Extra arguments go to both runs
(``-n0`` measures one process).  The exit status is 1 when a run fails.
"""

from __future__ import annotations

import datetime
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(label: str, args: list[str]) -> int:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start_utc, load_before = datetime.datetime.now(datetime.timezone.utc), _load()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=dict(os.environ, DERIVE_REQUIRE_TOOLS="1"),
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines()
    summary = lines[-1] if lines else done.stderr.strip()[-300:]
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU; {summary}")
    print(f"  started {start_utc:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores; "
          f"load average before {load_before}, after {_load()}")
    if done.returncode != 0:
        print("\n".join(lines[-40:]))
    return done.returncode


def main() -> int:
    extra = sys.argv[1:]
    statuses = [run("whole suite (make test)", extra), run('without slow (-m "not slow")', ["-m", "not slow", *extra])]
    return 1 if any(statuses) else 0


if __name__ == "__main__":
    sys.exit(main())
