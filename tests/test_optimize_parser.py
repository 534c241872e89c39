"""The function text is read as mathematics by derive's own parser, never run as Python."""

from __future__ import annotations

import pytest
import sympy

from derive.core.errors import InputError
from derive.core.parser import parse_constant, parse_function
from tests.support.cli import run_cli

x, y = sympy.symbols("x y", real=True)


@pytest.mark.parametrize("text, expected", [
    ("x**2", x**2),
    ("x^2 + 10*y^2", x**2 + 10 * y**2),
    ("-x^2", -(x**2)),                      # unary minus binds looser than the power
    ("2^3^2", sympy.Integer(512)),          # the power is right-associative
    ("x^-2", x**-2),
    ("0.8*x", sympy.Rational(4, 5) * x),    # decimals are exact
    ("exp(-x) + ln(x) + Abs(y)", sympy.exp(-x) + sympy.log(x) + sympy.Abs(y)),
    ("sigmoid(x)", 1 / (1 + sympy.exp(-x))),
    ("e^x", sympy.exp(x)),
    ("(x - 1) * (x + 1) / 2", (x - 1) * (x + 1) / 2),
])
def test_parses_mathematics(text, expected):
    assert sympy.simplify(parse_function(text) - expected) == 0


@pytest.mark.parametrize("text, position, words", [
    ("__import__('os').system('echo hi')", "position 1", "__import__"),
    ("x.__class__", "position 2", "attribute"),
    ("lambda: 1", "position 1", "lambda"),
    ("(x + 1", "position 7", "never closed"),
    ("x + 1)", "position 6", "no matching"),
    ("sni(x)", "position 1", "did you mean 'sin'?"),
    ("exx(x)", "position 1", "did you mean 'exp'?"),
    ("2x", "position 2", "2*x"),
    ("x +* 2", "position 4", "expected a number"),
    ("10^10^10", "position 3", "constant power"),
    ("(1+1/10**9)**(10**9)*x**2", "position 12", "constant power"),    # exact: 9e9 digits
    ("(x**999999)**999999", "position 3", "degree at most 1000"),
    ("sin(x)**999999", "position 7", "degree 999999"),
    ("(x+1)**1001", "position 6", "degree at most 1000"),
    ("(x*y^2)^400", "position 8", "degree 1200"),
    ("open(x)", "position 1", "a function among"),
])
def test_refuses_what_is_not_mathematics(text, position, words):
    with pytest.raises(InputError) as caught:
        parse_function(text)   # at once: none of these builds the expression it refuses
    message = str(caught.value)
    assert message.startswith("--function: " + position), message
    assert words in message
    assert "\n" not in message


def test_constants_for_start_points():
    assert parse_constant("-4", "--x0") == -4.0
    assert parse_constant("1/4", "--x0") == 0.25
    with pytest.raises(InputError, match="--x0"):
        parse_constant("x", "--x0")


def test_malicious_text_exits_2_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    attack = f"__import__('os').system('touch {marker}')"
    status, out, err = run_cli(["gd", "--function", attack, "--x0", "1", "--out", str(tmp_path / "out")])
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("derive: error: --function: position 1")
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text", ["x.__class__", "lambda: 1", "(x+1", "sinn(x)"])
def test_broken_text_exits_2_with_one_line(tmp_path, text):
    status, out, err = run_cli(["gd", "--function", text, "--x0", "1", "--out", str(tmp_path / "out")])
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "--function" in err and "position" in err
    assert not (tmp_path / "out").exists()
