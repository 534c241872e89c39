"""``derive exam --chain-rounding N``: a network family whose variants are worked as by hand.

The rounding travels in each variant's spec (``rounding: N``), so the answer keys, the
solution sheets and ``answers.json`` (which carries every question's full spec) all follow
from it, and anyone can recompute a variant with ``derive solve``.  Families that draw no
network (gradient descent, concepts) are left as they are.

>>> from derive.exam.registry import get_family
>>> family = with_chain_rounding(get_family("backprop-output-layer"), 4)
>>> import numpy; family.draw(numpy.random.default_rng(1))["rounding"]
4
"""

from __future__ import annotations

from derive.exam.family import Family
from derive.exam.network_family import NetworkFamily

__all__ = ["ChainedFamily", "with_chain_rounding"]


class ChainedFamily:
    """``family`` with ``rounding`` (as a spec writes it: 4 or "4sig") added to every draw."""

    def __init__(self, family: NetworkFamily, rounding):
        self.family, self.rounding = family, rounding

    def draw(self, rng) -> dict:
        return dict(self.family.draw(rng), rounding=self.rounding)

    def screen(self, rngs) -> list:
        """Nothing screened in bulk: a variant worked as by hand is evaluated step by step on its own."""
        return [[] for _ in rngs]

    def __getattr__(self, name):
        if name in ("family", "rounding"):      # not set yet (while unpickling)
            raise AttributeError(name)
        return getattr(self.family, name)

    def __reduce__(self):
        return ChainedFamily, (self.family, self.rounding)

    def __eq__(self, other):
        return isinstance(other, ChainedFamily) and (other.family, other.rounding) == (self.family, self.rounding)

    def __hash__(self):
        return hash((ChainedFamily, id(self.family), self.rounding))


def with_chain_rounding(family: Family, rounding):
    """The family with chained rounding where it draws a network, else the family itself."""
    return ChainedFamily(family, rounding) if isinstance(family, NetworkFamily) and rounding is not None else family
