"""The update rule and the batch splitter shared by every training loop.

One stepper moves parameters for network training (``derive solve`` with
``data``/``epochs``/``momentum``), ``derive modes`` and ``derive gd``:
v <- beta v - eta_t g and x <- x + v, where g is taken at x, or at the
look-ahead point x + beta v for Nesterov, and eta_t is a constant learning
rate or a schedule in t.  Without momentum (beta = 0) the step is -eta_t g.
One splitter cuts an epoch's examples into batches (CONTRACT §1).

>>> stepper = Stepper(learning_rate=0.1, momentum=0.9)
>>> stepper.step((2.0,), (0.0,), 0)
(-0.2,)
>>> split_batches(5, "minibatch", 2)
[(0, 1), (2, 3), (4,)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

__all__ = ["Stepper", "split_batches", "shuffled_order"]


@dataclass(frozen=True)
class Stepper:
    """How parameters move: learning rate (or schedule), momentum beta, Nesterov's look-ahead."""

    learning_rate: float | None = 0.1
    schedule: Callable[[int], float] | None = None   # t -> learning rate, used instead of learning_rate
    momentum: float = 0.0
    nesterov: bool = False

    def rate_at(self, t: int) -> float:
        return self.learning_rate if self.schedule is None else self.schedule(t)

    def gradient_point(self, point: Sequence[float], velocity: Sequence[float]) -> tuple[float, ...]:
        """Where the gradient is taken: x, or x + beta v with Nesterov momentum."""
        if self.nesterov and self.momentum:
            return tuple(x + self.momentum * v for x, v in zip(point, velocity))
        return tuple(point)

    def step(self, gradient: Sequence[float], velocity: Sequence[float], t: int) -> tuple[float, ...]:
        """The new velocity v <- beta v - eta_t g, which is also the step x <- x + v."""
        rate, beta = self.rate_at(t), self.momentum
        return tuple(beta * v - rate * g for v, g in zip(velocity, gradient))

    @staticmethod
    def apply(point: Sequence[float], step: Sequence[float]) -> tuple[float, ...]:
        return tuple(x + s for x, s in zip(point, step))


def shuffled_order(count: int, shuffle_seed: int | None, epoch: int) -> list[int]:
    """The examples' order in one epoch (from 1): as given, or a permutation drawn from
    ``numpy.random.default_rng([shuffle_seed, epoch])``, so each epoch's order depends only on
    the seed and the epoch.

    >>> shuffled_order(4, None, 1), shuffled_order(4, 3, 1) == shuffled_order(4, 3, 1)
    ([0, 1, 2, 3], True)
    """
    order = np.arange(count)
    if shuffle_seed is not None:
        order = np.random.default_rng([shuffle_seed, epoch]).permutation(order)
    return [int(i) for i in order]


def split_batches(count: int, mode: str, batch_size: int | None = None, shuffle_seed: int | None = None,
                  epoch: int = 1) -> list[tuple[int, ...]]:
    """The batches of one epoch: the (shuffled) order cut into one example (sgd), all of them
    (batch) or ``batch_size`` (minibatch; the last batch holds what is left)."""
    order = shuffled_order(count, shuffle_seed, epoch)
    size = {"sgd": 1, "batch": max(count, 1), "minibatch": batch_size or 1}[mode]
    return [tuple(order[n:n + size]) for n in range(0, count, size)]
