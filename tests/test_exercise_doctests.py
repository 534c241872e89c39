"""The docstring examples of the exercise modules (imported as derive.exercises.*, as users get them)."""

import doctest
import importlib
import pkgutil

import pytest

import derive.exercises


@pytest.mark.parametrize("name", [m.name for m in pkgutil.iter_modules(derive.exercises.__path__)])
def test_exercise_module_doctests(name):
    module = importlib.import_module(f"derive.exercises.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
