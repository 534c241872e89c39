"""How long derive takes to derive and render a worked solution, by network size.

Run: python benchmarks/bench_network_size.py
Each row: a fresh process-level cache (the graph cache is cleared), then
  derive  = build the step graph symbolically (chain rule, local derivatives),
  compile = generate the NumPy evaluator,
  solve   = numbers + printed steps,
  render  = Markdown + LaTeX + JSON text (no PDF).
The naive approach (compose E_total, sympy.diff per weight) is timed for the
smallest networks only: it takes about 50 s for one 3-4-4-2 variant.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from derive.render.solution import solution_files  # noqa: E402
from derive.core.evaluate import compile_graph  # noqa: E402
from derive.core.graph import build_graph  # noqa: E402
from derive.present.solution import skeleton, solve  # noqa: E402
from derive.core.spec import parse_spec  # noqa: E402

SIZES = [(2, 2, 2), (3, 4, 4, 2), (4, 6, 6, 3), (8, 8, 8, 4), (12, 12, 12, 4), (16, 16, 16, 4)]


def random_spec(layers, seed=0):
    rng = np.random.default_rng(seed)
    weights = [np.round(rng.uniform(-0.5, 0.5, (layers[l], layers[l - 1])), 2).tolist() for l in range(1, len(layers))]
    return parse_spec({"layers": list(layers), "activation": "sigmoid", "loss": "half_sse", "weights": weights,
                       "biases": [0.1] * (len(layers) - 1), "learning_rate": 0.5,
                       "input": np.round(rng.uniform(0, 1, layers[0]), 2).tolist(),
                       "target": np.round(rng.uniform(0, 1, layers[-1]), 2).tolist()}, max_weights=10_000)


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main():
    print(f"{'network':>14} {'weights':>8} {'quantities':>10} {'derive s':>9} {'compile s':>9} "
          f"{'solve s':>8} {'render s':>9} {'total s':>8} {'ms/weight':>9}")
    for layers in SIZES:
        build_graph.cache_clear(), compile_graph.cache_clear(), skeleton.cache_clear()
        spec = random_spec(layers)
        n_weights = sum(layers[l] * layers[l - 1] for l in range(1, len(layers)))
        graph, t_derive = timed(lambda: build_graph(spec.architecture))
        _, t_compile = timed(lambda: compile_graph(graph))
        solution, t_solve = timed(lambda: solve(spec))
        _, t_render = timed(lambda: solution_files(solution, ["md", "tex", "json"]))
        total = t_derive + t_compile + t_solve + t_render
        name = "-".join(map(str, layers))
        print(f"{name:>14} {n_weights:>8} {len(graph.quantities):>10} {t_derive:>9.3f} {t_compile:>9.3f} "
              f"{t_solve:>8.3f} {t_render:>9.3f} {total:>8.3f} {1000 * total / n_weights:>9.2f}")


if __name__ == "__main__":
    main()
