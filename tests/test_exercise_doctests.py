"""The docstring examples of the exercise modules (imported as derive.exercises.*, as users get them):
the shared _common.py and each family's exercises/<id>/family.py, loaded as derive.exercises.<id>."""

import doctest
import importlib
import pkgutil
import sys

import pytest

import derive.exercises
from derive.exam.registry import all_families

FAMILY_MODULES = sorted({type(f).__module__ for f in all_families() if type(f).__module__.startswith("derive.exercises.")})


@pytest.mark.parametrize("name", [f"derive.exercises.{m.name}" for m in pkgutil.iter_modules(derive.exercises.__path__)]
                         + FAMILY_MODULES)
def test_exercise_module_doctests(name):
    module = sys.modules.get(name) or importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_every_python_family_is_found():
    assert len(FAMILY_MODULES) == 8
