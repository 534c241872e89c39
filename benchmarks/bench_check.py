"""Marking a class at scale: 10,000 answer sheets checked in one `derive check` command.

Run: python benchmarks/bench_check.py [N]      (N sheets, default 10,000)

The sheets are one class CSV (columns student, exercise, one per quantity; docs/check.md):

* 70 % are the lecture's network (Mazur's 2-2-2 example) with 23 answers each, in three kinds
  in turn: full precision (9 decimals), rounded to 4 decimals step by step (each quantity
  from the previous rounded numbers, as a student does it: correct or consistent), and
  slipped (the 4-decimal sheet with w5+ = w5 + eta * dE/dw5, a named mistake the checker has to
  find, plus an arithmetic slip in out_h2 that it must carry forward);
* 30 % are gradient-descent questions of an exam (gd-steps variants, by their codes), correct,
  or with the gradient added at the first step.

The command is run as a child process; the figure is its CPU time (user + system), with the
wall time beside it. The machine is shared, so say how loaded it was (load average).
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from derive.core.spec import builtin_spec  # noqa: E402
from derive.exam.registry import get_family  # noqa: E402
from derive.exam.variants import generate  # noqa: E402


def r4(value: float) -> str:
    return str(Decimal(repr(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def lecture_sheets() -> dict[str, dict[str, str]]:
    """The three kinds of network sheet, computed here in plain Python (4 places, half up)."""
    import math

    def sig(x):
        return 1 / (1 + math.exp(-x))

    def run(rnd, slip=False):
        i1, i2, t1, t2, eta = 0.05, 0.10, 0.01, 0.99, 0.5
        w = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
        s = {}
        net_h1 = rnd(w[0] * i1 + w[1] * i2 + 0.35)
        net_h2 = rnd(w[2] * i1 + w[3] * i2 + 0.35)
        out_h1, out_h2 = rnd(sig(net_h1)), rnd(sig(net_h2))
        if slip:
            out_h2 = rnd(out_h2 + 0.01)                       # an arithmetic slip, carried forward
        net_o1 = rnd(w[4] * out_h1 + w[5] * out_h2 + 0.6)
        net_o2 = rnd(w[6] * out_h1 + w[7] * out_h2 + 0.6)
        out_o1, out_o2 = rnd(sig(net_o1)), rnd(sig(net_o2))
        e1, e2 = rnd(0.5 * (t1 - out_o1) ** 2), rnd(0.5 * (t2 - out_o2) ** 2)
        d1, d2 = rnd(out_o1 - t1), rnd(out_o2 - t2)
        s1, s2 = rnd(out_o1 * (1 - out_o1)), rnd(out_o2 * (1 - out_o2))
        g5 = rnd(d1 * s1 * out_h1)
        w5 = rnd(w[4] + eta * g5) if slip else rnd(w[4] - eta * g5)
        w6, w7, w8 = rnd(w[5] - eta * d1 * s1 * out_h2), rnd(w[6] - eta * d2 * s2 * out_h1), \
            rnd(w[7] - eta * d2 * s2 * out_h2)
        dh1 = rnd(d1 * s1 * w[4] + d2 * s2 * w[6])
        sh1 = rnd(out_h1 * (1 - out_h1))
        g1 = rnd(dh1 * sh1 * i1)
        w1 = rnd(w[0] - eta * g1)
        values = {"net_h1": net_h1, "net_h2": net_h2, "out_h1": out_h1, "out_h2": out_h2, "net_o1": net_o1,
                  "net_o2": net_o2, "out_o1": out_o1, "out_o2": out_o2, "E_o1": e1, "E_o2": e2,
                  "E_total": rnd(e1 + e2), "dE_total/dout_o1": d1, "dout_o1/dnet_o1": s1, "dE_total/dw5": g5,
                  "w5+": w5, "w6+": w6, "w7+": w7, "w8+": w8, "dE_total/dout_h1": dh1, "dout_h1/dnet_h1": sh1,
                  "dE_total/dw1": g1, "w1+": w1}
        return values

    full = {k: f"{v:.9f}" for k, v in run(lambda x: x).items()}
    rounded = {k: r4(v) for k, v in run(lambda x: float(r4(x))).items()}
    slipped = {k: r4(v) for k, v in run(lambda x: float(r4(x)), slip=True).items()}
    return {"full": full, "rounded": rounded, "slipped": slipped}


def gd_sheets(count: int = 20) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(code, correct sheet, gradient added at x1) for ``count`` gd-steps variants."""
    family = get_family("gd-steps")
    out = []
    for variant in generate([family], count, 2026):
        q = variant.questions[0]
        correct = {a.key: r4(a.value) for a in q.answers}
        run = family.run(q.params).iterates
        slipped = dict(correct)
        for i, name in enumerate(family.names(q.params)):
            slipped[f"{name}[1]"] = r4(run[0].x[i] + q.params["learning_rate"] * run[0].grad[i])
        out.append((variant.code, correct, slipped))
    return out


def write_class(path: Path, n: int) -> None:
    network, gd = lecture_sheets(), gd_sheets()
    kinds = ("full", "rounded", "slipped")
    names = sorted({k for s in network.values() for k in s} | {k for _, c, _ in gd for k in c})
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ["student", "exercise"] + names)
        writer.writeheader()
        for s in range(n):
            if s % 10 < 7:
                writer.writerow({"student": f"s{s}", "exercise": "lecture", **network[kinds[s % 3]]})
            else:
                code, correct, slipped = gd[s % len(gd)]
                writer.writerow({"student": f"s{s}", "exercise": code, **(slipped if s % 2 else correct)})


def main(n: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "class.csv"
        write_class(path, n)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "derive", "check", str(path), "--format", "json"],
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        sys.exit(done.stderr)
    print(f"{n} sheets: {cpu:.1f} s CPU ({wall:.1f} s wall), exit status {done.returncode}, "
          f"load average {os.getloadavg()[0]:.1f}, {len(done.stdout) / 1e6:.1f} MB of JSON")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
