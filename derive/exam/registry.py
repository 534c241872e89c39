"""The exercise families: found by listing exercises/ (one folder each) the first time one is
asked for, registered by id, and looked up by id or by the code printed in variant codes.

>>> get_family("backprop-full-step").code
'BFS'
"""

from __future__ import annotations

import copyreg
import importlib.util
import sys
from importlib import resources

import yaml

from derive.core.errors import InputError, suggest
from derive.exam.family import Family
from derive.exam.network_family import NetworkFamily

__all__ = ["FAMILIES", "AUTHORED", "register", "get_family", "all_families", "family_by_code", "authored_family"]

FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    if family.id in FAMILIES:
        raise ValueError(f"two exercise families are called {family.id!r}")
    if any(f.code == family.code for f in FAMILIES.values()):
        raise ValueError(f"two exercise families use the code {family.code!r}")
    FAMILIES[family.id] = family
    # Registered families are singletons: pickled (to and from exam worker processes) by id.
    copyreg.pickle(type(family), _by_id)
    return family


def _by_id(family: Family):
    return get_family, (family.id,)


_LOADED = False


def _load() -> None:
    """Register the families shipped in exercises/: one folder per family with an info.yaml, and a
    family.py where drawing needs code (else it is a network family, drawn from its info.yaml)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for entry in sorted(resources.files("derive.exercises").iterdir(), key=lambda p: p.name):
        if not entry.joinpath("info.yaml").is_file():
            continue
        info = yaml.safe_load(entry.joinpath("info.yaml").read_text(encoding="utf-8"))
        if info.get("id") != entry.name:
            raise ValueError(f"exercises/{entry.name}/info.yaml: id must be the folder's name, not {info.get('id')!r}")
        code = entry.joinpath("family.py")
        register((_family_class(entry.name, code) if code.is_file() else NetworkFamily)(info))


def _family_class(family_id: str, path) -> type[Family]:
    """The Family subclass defined in exercises/<id>/family.py, imported at run time as
    ``derive.exercises.<id with underscores>`` (exercises sit above exam: no static import)."""
    name = "derive.exercises." + family_id.replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    classes = [v for v in vars(module).values()
               if isinstance(v, type) and issubclass(v, Family) and v.__module__ == name]
    if len(classes) != 1:
        raise ValueError(f"exercises/{family_id}/family.py must define one Family subclass, not {len(classes)}")
    return classes[0]


def all_families() -> list[Family]:
    _load()
    return sorted(FAMILIES.values(), key=lambda f: f.id)


def get_family(family_id: str, source: str = "--family") -> Family:
    _load()
    if not isinstance(family_id, str):     # a list or a mapping where the id belongs (exam files)
        raise InputError(source, "", "the id of an exercise family (see 'derive families')",
                         got=f"a {type(family_id).__name__}" if isinstance(family_id, (list, dict)) else repr(family_id))
    if family_id not in FAMILIES:
        raise InputError(source, "", "the id of an exercise family (see 'derive families')", got=repr(family_id),
                         suggestion=suggest(family_id, FAMILIES))
    return FAMILIES[family_id]


def family_by_code(code: str) -> Family:
    _load()
    for family in FAMILIES.values():
        if family.code == code:
            return family
    if code in AUTHORED:       # a teacher's question, once its exam file is read (derive.exam.authoring)
        return AUTHORED[code]
    raise KeyError(code)


#: Families a teacher authored (derive.exam.authoring), by code: variant codes name them, and
#: worker processes get them back by code.
AUTHORED: dict[str, Family] = {}


def authored_family(code: str) -> Family:
    """The authored family registered under ``code``."""
    return AUTHORED[code]
