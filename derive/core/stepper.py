"""The update rule and the batch splitter shared by every training loop.

One stepper moves parameters for network training (``derive solve`` with
``data``/``epochs``/``momentum``), ``derive modes`` and ``derive gd``:
v <- beta_t v - eta_t g and x <- x + v, where g is taken at x, or at the
look-ahead point x + beta_t v for Nesterov, and eta_t and beta_t are constants
or schedules in t.  Without momentum (beta = 0) the step is -eta_t g.
Keras's form of Nesterov (``nesterov_form="keras"``; PyTorch's is the same
for a constant learning rate) keeps the look-ahead point itself as the
iterate: g is taken there, v <- beta_t v - eta_t g, and the point moves by
beta_t v - eta_t g with the new v.
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
    momentum_schedule: Callable[[int], float] | None = None   # t -> beta_t, used instead of momentum
    nesterov_form: str = "sutskever"     # or "keras": the iterate is the look-ahead point

    def rate_at(self, t: int) -> float:
        return self.learning_rate if self.schedule is None else self.schedule(t)

    def momentum_at(self, t: int) -> float:
        return self.momentum if self.momentum_schedule is None else self.momentum_schedule(t)

    @property
    def with_momentum(self) -> bool:
        return bool(self.momentum) or self.momentum_schedule is not None

    @property
    def looks_ahead(self) -> bool:
        """Whether the gradient is taken at x + beta v, away from the iterate (Sutskever's Nesterov)."""
        return self.nesterov and self.with_momentum and self.nesterov_form == "sutskever"

    def gradient_point(self, point: Sequence[float], velocity: Sequence[float], t: int = 0) -> tuple[float, ...]:
        """Where the gradient is taken: x, or x + beta_t v with (Sutskever's) Nesterov momentum."""
        if self.looks_ahead:
            beta = self.momentum_at(t)
            return tuple(x + beta * v for x, v in zip(point, velocity))
        return tuple(point)

    def step(self, gradient: Sequence[float], velocity: Sequence[float], t: int) -> tuple[float, ...]:
        """The new velocity v <- beta_t v - eta_t g, which is also the step x <- x + v."""
        rate, beta = self.rate_at(t), self.momentum_at(t)
        return tuple(beta * v - rate * g for v, g in zip(velocity, gradient))

    def move(self, gradient: Sequence[float], velocity: Sequence[float], t: int):
        """(the new velocity, the step of the iterate): the step is the velocity, except in Keras's form of
        Nesterov, where the look-ahead point moves by beta_t v - eta_t g with the new velocity v."""
        new = self.step(gradient, velocity, t)
        if self.nesterov and self.with_momentum and self.nesterov_form == "keras":
            rate, beta = self.rate_at(t), self.momentum_at(t)
            return new, tuple(beta * v - rate * g for v, g in zip(new, gradient))
        return new, new

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
