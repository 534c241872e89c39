"""derive: worked solutions for backpropagation and gradient descent.

The pipeline is one-way, in layers: ``core`` (spec -> step graph -> numbers)
-> ``present`` (printers, notations) -> ``sheets`` (plain-data contexts) ->
``render`` (templates, plots, files) -> ``exam``, ``check`` -> ``cli``, and
the Python API (derive.api, docs/api.md) on top.  The public entry points load
their layers only when called:

>>> import derive
>>> solution = derive.solve()
>>> round(solution.value("w5+"), 8)
0.35891648
>>> derive.check({"exercise": "lecture", "answers": {"w5+": 0.3589}})["w5+"]["verdict"]
'correct'
>>> derive.gd("x**2", x0=-4, lr=0.8).x_final
[-8.842956788829373e-07]
"""

import sys
import types

from derive._version import __version__

__all__ = ["solve", "check", "gd", "exam", "builtin_spec", "load_spec", "parse_spec", "__version__"]

_LAZY = {"builtin_spec": "derive.core.spec", "load_spec": "derive.core.spec", "parse_spec": "derive.core.spec",
         "solve": "derive.api", "check": "derive.api", "gd": "derive.api", "exam": "derive.api"}


#: API functions named like a subpackage: ``derive.check`` is the package derive/check and
#: derive.api.check at once (CONTRACT §9 calls ``derive.check(...)``, ``derive.exam(...)``).
_CALLABLE_PACKAGES = ("check", "exam")


class _CallablePackage(types.ModuleType):
    """A subpackage that is also the API function of its name: ``derive.check(sheet)``."""

    def __call__(self, *args, **kwargs):
        """derive.check(sheet, ...) is derive.api.check, derive.exam(...) derive.api.exam: see their help."""
        from derive import api

        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(types.ModuleType):
    """derive itself: importing derive.check (which sets the attribute) makes that package callable."""

    def __setattr__(self, name, value):
        if name in _CALLABLE_PACKAGES and type(value) is types.ModuleType:
            value.__class__ = _CallablePackage
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name):
    # Importing derive (as `derive --version` does) must not import SymPy or NumPy.
    if name in _LAZY:
        import importlib

        if name in _CALLABLE_PACKAGES:            # the package, callable as the API function
            return importlib.import_module(f"derive.{name}")
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
