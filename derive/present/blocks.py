"""A displayed group of equations, as the notations and the solution sheet produce them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Block"]


@dataclass
class Block:
    """One displayed equation group: ``lines`` are ``lhs & = rhs`` rows of an aligned environment."""

    lines: list[str]
    key: str
    note: str = ""
