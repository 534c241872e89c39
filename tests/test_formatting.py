"""Display rounding: half up from the shortest decimal representation, trailing zeros dropped."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.present.formatting import format_all, format_fixed, format_number, latex_number


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


def _ties(places: int):
    """Numbers whose shortest repr ends in a 5 just past the last place (where the two roundings differ)."""
    return st.integers(min_value=-10 ** 6, max_value=10 ** 6).map(lambda k: float(f"{k}5e-{places + 1}"))


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=1, max_value=12).flatmap(lambda places: st.tuples(st.just(places), st.lists(
    st.one_of(st.floats(min_value=-1e7, max_value=1e7), st.floats(allow_nan=True, allow_infinity=True),
              st.decimals(min_value=-100, max_value=100, places=places + 1).map(float), _ties(places),
              st.sampled_from([0.0, -0.0, 1e-4, -1e-4, 9.99999e-5, 2.0 ** 51 * 10.0 ** -places])),
    max_size=70))))
def test_formatting_many_numbers_at_once_equals_the_rule(case):
    """format_all's one-format-for-the-whole-list path gives each number's half-up rounding, ties included."""
    places, values = case
    texts, latexes = format_all(values, places)
    assert texts == [format_number(v, places) for v in values]
    assert latexes == [latex_number(v, places) for v in values]
    plain = [abs(v) % 1 + 0.5 for v in values if v == v and abs(v) != float("inf")]   # all in plain notation
    assert format_all(plain, places)[0] == [half_up(v, places) for v in plain]
    assert format_all(values, places, fixed=True)[0] == [format_fixed(v, places) for v in values]
    assert format_all(plain, places, fixed=True)[0] == [format_fixed(v, places) for v in plain]
