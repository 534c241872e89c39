"""Stress every exercise family over many seeds (default 2000), like R/exams' stresstest.

Run: python benchmarks/stress_all.py [N]
The teacher families of docs/examples (family files, docs/families.md) are stressed too.
Prints, per family: failures, rejected (degenerate) draws, the rejection rate, the number of
asked quantities, the smallest number of distinct values among them, and the time taken.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from derive.exam.registry import all_families  # noqa: E402
from derive.exam.stress import stress  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def teacher_families():
    """The family files of the documentation's examples (every ``families/*.yaml`` under docs/examples)."""
    from derive.exam.authoring import load_family_file

    return [load_family_file(path, {}) for path in sorted(EXAMPLES.glob("**/families/*.yaml"))]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"{'family':<24} {'seeds':>6} {'failures':>8} {'rejected':>8} {'rate':>6} {'asked':>5} "
          f"{'min distinct':>12} {'seconds':>8}")
    for family in all_families() + teacher_families():
        start = time.perf_counter()
        report = stress(family, n)
        spent = time.perf_counter() - start
        distinct = min((a["distinct"] for a in report["answers"].values()), default=0)
        print(f"{family.id:<24} {n:>6} {len(report['failures']):>8} {report['degenerate']:>8} "
              f"{report['rejection_rate']:>6.1%} {len(report['answers']):>5} {distinct:>12} {spent:>8.1f}")
        for failure in report["failures"][:3]:
            print(f"    seed {failure['seed']}: {failure['error']}")


if __name__ == "__main__":
    main()
