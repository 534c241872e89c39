"""Drawing and screening many draws at once decides exactly as drawing one at a time does.

The reference is the one-draw-at-a-time loop of draw_question (each draw evaluated on its own,
its tolerances by tolerance_for, its problems by problems()); the screened exam must take the
same draws, with the same answers and tolerances, for every network family.
"""

from __future__ import annotations

import math

import numpy
import pytest

from derive.exam.family import tolerance_for, tolerances
from derive.exam.network_family import NetworkFamily
from derive.exam.registry import all_families
from derive.exam.variants import draw_question, generate

NETWORK_FAMILIES = [f.id for f in all_families() if isinstance(f, NetworkFamily)]


def reference_tolerance(value: float, relative: float, absolute: float) -> float:
    """The rule written out in decimal: 2 significant digits of relative * |value| + absolute, rounded up."""
    from decimal import ROUND_CEILING, Decimal

    raw = abs(Decimal(repr(value))) * Decimal(repr(relative)) + Decimal(repr(absolute))
    step = Decimal(1).scaleb(raw.adjusted() - 1)
    return float(raw.quantize(step, rounding=ROUND_CEILING))


@pytest.mark.parametrize("relative, absolute", [(0.002, 5e-5), (0.01, 1e-12), (0.05, 1e-3)])
def test_tolerances_of_an_array_are_tolerance_for_of_each_value(relative, absolute):
    rng = numpy.random.default_rng(5)
    values = numpy.concatenate([rng.normal(size=4000) * 10.0 ** rng.integers(-9, 9, size=4000),
                                [0.0, -0.0, 0.35891648, -0.0029, 1e300]])
    # values whose raw tolerance lands on, or next to, a power of ten (where log10 decides the digits)
    for exponent in range(-8, 6):
        at = (10.0 ** exponent - absolute) / relative
        if at > 0:
            values = numpy.append(values, [at, numpy.nextafter(at, 0), numpy.nextafter(at, numpy.inf)])
    got = tolerances(values, relative, absolute)
    assert got.tolist() == [tolerance_for(v, relative, absolute) for v in values.tolist()]
    for v, t in zip(values[:200].tolist(), got[:200].tolist()):
        assert math.isclose(t, reference_tolerance(v, relative, absolute), rel_tol=1e-12)
    assert numpy.isnan(tolerances(numpy.array([numpy.nan, numpy.inf]))).all()


@pytest.mark.parametrize("family_id", NETWORK_FAMILIES)
def test_screened_exam_takes_the_draws_one_at_a_time_would(family_id):
    family = next(f for f in all_families() if f.id == family_id)
    n, seed = 300, 41
    screened = list(generate([family], n, seed))
    seen: set = set()
    for variant in screened:
        alone = draw_question(family, seed, variant.index, 1, seen)
        question = variant.questions[0]
        assert (question.params, question.answers, question.draws) == (alone.params, alone.answers, alone.draws)
    assert sum(v.questions[0].draws > 1 for v in screened) > 0     # some draws were rejected and redrawn


def drawn_grid_by_grid(family, rng) -> dict:
    """A network family's draw as one NumPy call per grid: the info.yaml rules read here directly."""
    def pick(grid, shape=None):
        name = next(n for n, g in family.grids.items() if g is grid)
        rule = family.data["draw"][name]
        if isinstance(rule, list):
            values, zero = numpy.asarray(rule, dtype=float), None
        else:
            count = int(round((rule["high"] - rule["low"]) / rule["step"])) + 1
            values = numpy.round(rule["low"] + rule["step"] * numpy.arange(count), 6)
            zero = round(-rule["low"] / rule["step"])
            zero = zero if rule.get("nonzero") and 0 <= zero < count - 1 else None
        picks = rng.integers(0, len(values), size=shape)
        if zero is not None:
            picks = picks + (picks == zero)         # 0 is not on offer: the next step instead
        return values[picks]
    return family._spec_from(pick)


@pytest.mark.parametrize("family_id", NETWORK_FAMILIES)
def test_one_call_for_all_numbers_draws_what_one_call_per_grid_draws(family_id):
    family = next(f for f in all_families() if f.id == family_id)
    for seed in range(500):
        ours, theirs = numpy.random.default_rng([seed, 2]), numpy.random.default_rng([seed, 2])
        drawn = family.draw(ours)
        assert repr(drawn) == repr(drawn_grid_by_grid(family, theirs))
        assert ours.integers(0, 2 ** 62) == theirs.integers(0, 2 ** 62)      # and the generators agree after it
