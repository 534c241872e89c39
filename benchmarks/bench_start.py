"""How fast derive answers from the first keystroke: wall time of whole commands.

Run: python benchmarks/bench_start.py [REPEATS]

Each command runs REPEATS times (default 7) as a fresh process, the way a user types it;
the table gives the median and the fastest run, in seconds, and what the command imports
(SymPy and NumPy are what cost most at start).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = [
    ("derive --version", ["--version"]),
    ("derive --help", ["--help"]),
    ("derive solve --format md,json", ["solve", "--format", "md,json", "--out", "{out}"]),
    ("derive solve (md, tex, pdf, json)", ["solve", "--out", "{out}"]),
]


def derive_command() -> list[str]:
    found = shutil.which("derive")
    return [found] if found else [sys.executable, "-m", "derive"]


def timed(args: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            command = derive_command() + [a.format(out=out) for a in args]
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=out)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    print(f"{os.cpu_count()} cores, {repeats} runs each, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print()
    print("| command | median (s) | fastest (s) |")
    print("|---|---:|---:|")
    for label, args in COMMANDS:
        times = timed(args, repeats)
        print(f"| `{label}` | {statistics.median(times):.2f} | {min(times):.2f} |")
    probe = ("import sys, derive.cli; print(', '.join(m for m in ('sympy', 'numpy', 'matplotlib', 'jinja2') "
             "if m in sys.modules) or 'none of sympy, numpy, matplotlib, jinja2')")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    print()
    print(f"Importing derive.cli (what --help and --version need) loads: {loaded}")


if __name__ == "__main__":
    main()
