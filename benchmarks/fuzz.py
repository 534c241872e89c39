"""The fuzz suite of tests/test_fuzz.py, larger: every kind of hostile input SCALE times as many
cases as in CI (default 10, about 30000 cases), freshly drawn, and a report of what failed.

Run: python benchmarks/fuzz.py [SCALE]
Writes output/fuzz/report.json: per test, its outcome, seconds and (on failure) the falsifying
example as Hypothesis printed it; the exit status is 1 when any test failed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class _Report:
    """A pytest plugin that keeps each test's outcome, duration and failure text."""

    def __init__(self):
        self.tests = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome == "failed":
            self.tests[report.nodeid] = {"outcome": report.outcome, "seconds": round(report.duration, 1),
                                         "failure": str(report.longrepr)[-4000:] if report.failed else None}


def main() -> int:
    import pytest

    scale = sys.argv[1] if len(sys.argv) > 1 else "10"
    os.environ.update(DERIVE_FUZZ_SCALE=scale, DERIVE_FUZZ_RANDOM="1")
    report, start = _Report(), time.perf_counter()
    status = pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "test_fuzz.py")], plugins=[report])
    folder = ROOT / "output" / "fuzz"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(
        {"scale": float(scale), "seconds": round(time.perf_counter() - start, 1), "tests": report.tests}, indent=2))
    failed = [name for name, t in report.tests.items() if t["outcome"] == "failed"]
    print(f"{len(report.tests)} fuzz tests at scale {scale}, {len(failed)} failed; report in {folder / 'report.json'}")
    return 1 if status else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
