"""Display rounding: half up from the shortest decimal representation, trailing zeros dropped."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.present.formatting import format_number, latex_number


def half_up(value: float, places: int) -> str:
    """The rule written the slow, obvious way."""
    with localcontext() as context:
        context.prec = 80
        text = f"{Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def test_ties_round_half_up_not_to_even():
    assert format_number(0.12345, 4) == "0.1235"      # Python's round gives 0.1234
    assert format_number(2.5, 0) == "3" and format_number(-0.125, 2) == "-0.13"


def test_lecture_digits():
    assert format_number(0.35891647971788465) == "0.35891648"
    assert format_number(0.3775) == "0.3775"
    assert format_number(0.5932699921071872) == "0.593269992"


def test_small_and_huge_numbers_in_scientific_notation():
    assert format_number(-8.842956788829373e-07) == "-8.84296e-07"
    assert latex_number(0.0000438) == r"4.38 \cdot 10^{-5}"
    assert format_number(3.5e21) == "3.5e+21"


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.floats(min_value=1e-4, max_value=1e14), st.floats(min_value=-1e14, max_value=-1e-4),
                 st.decimals(min_value=-100, max_value=100, places=6).map(float)),
       st.integers(min_value=0, max_value=14))
def test_fast_path_equals_the_rule(value, places):
    if value != 0 and abs(value) < 1e-4:
        return
    assert format_number(value, places) == half_up(value, places)
