"""Exam generation speed and memory, measured side by side in one run.

Run: python benchmarks/bench_exam.py [N]

1. derive: `backprop-full-step` with full worked solutions (tex + md + json sources and
   figures, no PDF) for N variants (default 1000), through the same code as `derive exam`:
   on one core (median of five runs) with the files on a RAM disk, with derive exam's default
   of a process per core, and on one core with the files on the project's disk.
2. The naive per-variant SymPy script: compose E_total as one expression, `diff` it by
   every weight, `subs` the numbers, print each derivative with `latex` (a few variants).
3. Memory: peak traced allocations for N/10 and N variants (flat in N: variants stream to disk).
4. One pdflatex run for a 100-variant question sheet.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import sympy  # noqa: E402

from derive.exam.registry import get_family  # noqa: E402
from derive.exam.writer import ExamPlan, write_exam  # noqa: E402


#: Where the exam goes: a RAM disk measures derive itself; the project's output/ folder (where a
#: teacher's --out would put it) adds this machine's disk, whose cost of creating a file varies
#: from 0.05 to 0.7 ms with the disk's state (a 1000-variant exam creates 1000 figure files).
RAM_DISK = Path("/dev/shm")
OUTPUT = Path(__file__).resolve().parents[1] / "output"


def _folder(where: Path):
    where.mkdir(exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="bench-exam-", dir=where)


def derive_rate(n: int, workers: int | None = 1, where: Path = RAM_DISK) -> float:
    """Variants per second; ``workers=1``: one core, ``None``: derive exam's default (a process per core)."""
    plan = ExamPlan((get_family("backprop-full-step"),), (None,), n, 2026, workers=workers)
    with _folder(where) as warm_up:
        write_exam(ExamPlan(plan.families, plan.points, 5, 1, workers=1), warm_up, ["tex", "md", "json"])
    with _folder(where) as folder:
        start = time.perf_counter()
        write_exam(plan, folder, ["tex", "md", "json"])
        return n / (time.perf_counter() - start)


def file_creation_ms(where: Path, count: int = 1000) -> float:
    """What creating one small file costs there (the disk, not derive)."""
    with _folder(where) as folder:
        start = time.perf_counter()
        for k in range(count):
            (Path(folder) / f"f{k}.svg").write_text("x" * 6000, encoding="utf-8")
        return (time.perf_counter() - start) / count * 1000


def naive_variant(rng) -> list[str]:
    """What one would write without derive: everything composed, differentiated and printed per variant."""
    w = sympy.symbols("w1:9")
    b1, b2, i1, i2, t1, t2 = sympy.symbols("b1 b2 i1 i2 t1 t2")
    sig = lambda x: 1 / (1 + sympy.exp(-x))  # noqa: E731
    h1, h2 = sig(w[0] * i1 + w[1] * i2 + b1), sig(w[2] * i1 + w[3] * i2 + b1)
    o1, o2 = sig(w[4] * h1 + w[5] * h2 + b2), sig(w[6] * h1 + w[7] * h2 + b2)
    total = sympy.Rational(1, 2) * (t1 - o1) ** 2 + sympy.Rational(1, 2) * (t2 - o2) ** 2
    numbers = dict(zip(w, np.round(rng.uniform(-0.9, 0.9, 8), 2)))
    numbers.update({b1: 0.35, b2: 0.6, i1: 0.05, i2: 0.1, t1: 0.01, t2: 0.99})
    lines = []
    for weight in w:
        gradient = sympy.diff(total, weight)
        value = float(gradient.subs(numbers))
        lines.append(f"{sympy.latex(gradient)} = {value}")
    return lines


def naive_rate(count: int = 3, fresh_cache: bool = False) -> float:
    """Variants per second; ``fresh_cache`` clears SymPy's cache per variant, as separate runs would."""
    from sympy.core.cache import clear_cache

    rng = np.random.default_rng(1)
    start = time.perf_counter()
    for _ in range(count):
        if fresh_cache:
            clear_cache()
        naive_variant(rng)
    return count / (time.perf_counter() - start)


def peak_memory(n: int) -> float:
    plan = ExamPlan((get_family("backprop-full-step"),), (None,), n, 7)
    with _folder(OUTPUT) as folder:
        tracemalloc.start()
        write_exam(plan, folder, ["tex", "md", "json"])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2 ** 20


def pdf_seconds(n: int = 100) -> float:
    plan = ExamPlan((get_family("backprop-full-step"),), (None,), n, 3)
    with _folder(OUTPUT) as folder:
        start = time.perf_counter()
        write_exam(plan, folder, ["pdf"])
        return time.perf_counter() - start


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    where = RAM_DISK if RAM_DISK.is_dir() else OUTPUT
    rates = [derive_rate(n, where=where) for _ in range(5)]
    fast = statistics.median(rates)
    every_core = derive_rate(n, workers=None, where=where)
    on_disk = derive_rate(n, where=OUTPUT)
    warm, cold = naive_rate(), naive_rate(fresh_cache=True)
    print(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), f"{os.cpu_count()} cores")
    print(f"derive exam, backprop-full-step, tex+md+json, one core, files in {where}: "
          f"{fast:6.0f} variants/s (median of 5 runs of {n}; {min(rates):.0f} to {max(rates):.0f})")
    print(f"the same with a worker process per core (derive exam's default):       {every_core:6.0f} variants/s")
    print(f"one core, files on this machine's disk (output/):                       {on_disk:6.0f} variants/s "
          f"(creating a file: {file_creation_ms(OUTPUT):.2f} ms there, {file_creation_ms(where):.2f} ms in {where})")
    print(f"naive SymPy script (compose, diff, subs, latex), one process: {warm:6.2f} variants/s -> "
          f"derive (one core) is {fast / warm:.0f}x faster")
    print(f"naive SymPy script, each variant with a fresh SymPy cache:    {cold:6.2f} variants/s -> "
          f"derive (one core) is {fast / cold:.0f}x faster")
    print(f"peak memory: {peak_memory(max(n // 10, 10)):.1f} MiB for {max(n // 10, 10)} variants, "
          f"{peak_memory(n):.1f} MiB for {n}")
    print(f"100-variant question and solution PDFs (one pdflatex run each): {pdf_seconds():.1f} s")


if __name__ == "__main__":
    main()
