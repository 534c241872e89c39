"""format_all (many numbers at once, as exams format them) gives each number exactly as format_both does.

The reference is format_both, one number at a time, itself checked against Decimal in
test_formatting.py; the lists mix the hard cases: decimal ties at the last place and one
further, tiny and huge numbers, zeros, non-finite values, numbers with few decimals.
"""

from __future__ import annotations

import numpy
import pytest

from derive.present.formatting import format_all, format_both, format_fixed


def mixed_lists(seed: int, count: int = 150):
    rng = numpy.random.default_rng(seed)
    for _ in range(count):
        k = int(rng.integers(1, 90))
        places = int(rng.integers(1, 14))
        parts = [rng.normal(size=k), rng.normal(size=k) * 10.0 ** rng.integers(-9, 9, size=k),
                 numpy.round(rng.normal(size=k), int(rng.integers(1, 12))),
                 (rng.integers(-10 ** 9, 10 ** 9, size=k) * 10 + 5) / 10.0 ** (places + int(rng.integers(0, 3))),
                 [0.0, -0.0, 1e-4, 9.9999e-5, 1e15, 2.0 ** 51 * 1e-9, numpy.nan, numpy.inf, -numpy.inf, 0.5, 12345.5]]
        values = numpy.concatenate([parts[int(n)] for n in rng.integers(0, 5, size=2)]).tolist()
        rng.shuffle(values)
        yield values, places


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_format_all_is_format_both_of_each_number(seed):
    for values, places in mixed_lists(seed):
        for p in (places, 4, 9):
            texts, latexes = format_all(values, p)
            assert (texts, latexes) == ([format_both(v, p)[0] for v in values], [format_both(v, p)[1] for v in values])
            fixed_texts, fixed_latexes = format_all(values, p, fixed=True)
            assert fixed_texts == [format_fixed(v, p) for v in values]
            assert fixed_latexes == latexes


def test_a_tie_in_a_long_list_is_rounded_half_up():
    values = [0.1234567895, 0.5, -0.0000123, 2.675] * 500
    assert format_all(values, 9)[0][:4] == ["0.12345679", "0.5", "-1.23e-05", "2.675"]
    assert format_all(values, 2)[0][3] == "2.68"      # 2.675 is 2.67499999... in binary; half up from its repr
