"""How long two long training runs take with ``derive solve``, how much memory and how much JSON.

Run: python benchmarks/bench_training.py [--formats json] [--keep DIR]

The two runs of issue 10, each a fresh ``derive solve`` process (its time is wall-clock, its
peak memory the process's maximum resident set size):

* tanh 2-3-1: a 2-3-1 network, tanh in both layers, half_sse, on the 4 XOR examples (targets
  -0.9 / 0.9), mode batch, learning rate 0.1, 10,000 epochs = 10,000 updates;
* linear 1-1: linear regression y = w x + b (a 1-1 linear network with a trained bias),
  half_sse, on 97 rows drawn once from numpy.random.default_rng(1) (x = 5 + Gamma(1.5, 2.2),
  y = 1.2 x - 4 + N(0, 2.5)), mode batch, learning rate 0.01, 1,500 epochs, from w = b = 0.

Everything is written under a temporary folder (or --keep DIR), nothing elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

XOR = [([0, 0], [-0.9]), ([0, 1], [0.9]), ([1, 0], [0.9]), ([1, 1], [-0.9])]


def tanh_spec() -> dict:
    return {"title": "2-3-1 tanh network, batch gradient descent", "layers": [2, 3, 1], "activation": "tanh",
            "loss": "half_sse", "weights": [[[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]], [[0.7, -0.2, 0.4]]],
            "biases": [[0.1, -0.1, 0.05], 0.2], "learning_rate": 0.1, "mode": "batch", "epochs": 10_000,
            "data": [{"input": x, "target": t} for x, t in XOR]}


def linear_spec() -> dict:
    rng = np.random.default_rng(1)
    x = np.round(5 + rng.gamma(1.5, 2.2, 97), 4)
    y = np.round(1.2 * x - 4 + rng.normal(0, 2.5, 97), 4)
    return {"title": "Linear regression on 97 rows", "layers": [1, 1], "activation": "linear", "loss": "half_sse",
            "weights": [[[0.0]]], "biases": [0.0], "learning_rate": 0.01, "mode": "batch", "epochs": 1500,
            "data": [{"input": [float(a)], "target": [float(b)]} for a, b in zip(x, y)]}


def run(spec: dict, folder: Path, formats: str) -> tuple[float, float, int, int]:
    """(seconds, peak MB, JSON bytes, all files' bytes) of one ``derive solve`` process."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.json").write_text(json.dumps(spec))
    command = [sys.executable, "-m", "derive", "solve", str(folder / "spec.json"), "--format", formats,
               "--out", str(folder / "out")]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status:
        raise SystemExit(f"{' '.join(command)} failed (status {status})")
    files = list((folder / "out").iterdir())
    json_size = sum(f.stat().st_size for f in files if f.suffix == ".json")
    return seconds, usage.ru_maxrss / 1024, json_size, sum(f.stat().st_size for f in files)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="md,tex,pdf,json", help="derive solve --format (default: all)")
    parser.add_argument("--keep", default=None, help="write into this folder instead of a temporary one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(args.keep or temporary)
        print(f"{'run':<12} {'updates':>8} {'formats':<16} {'time s':>7} {'peak MB':>8} {'JSON MB':>8} {'files MB':>9}")
        for name, spec in (("tanh 2-3-1", tanh_spec()), ("linear 1-1", linear_spec())):
            for formats in dict.fromkeys(["json", args.formats]):
                seconds, peak, json_size, total = run(spec, root / name.replace(" ", "-") / formats.replace(",", "-"),
                                                      formats)
                print(f"{name:<12} {spec['epochs']:>8} {formats:<16} {seconds:>7.2f} {peak:>8.0f} "
                      f"{json_size / 1e6:>8.2f} {total / 1e6:>9.2f}")


if __name__ == "__main__":
    main()
