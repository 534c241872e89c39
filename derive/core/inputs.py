"""Reading users' files: specs, answer sheets, exam files.  Safe loading only; every problem
becomes one :class:`~derive.core.errors.InputError` line naming the file and, where it can, the field.

>>> read_data('{"layers": [2, 2]}', "net.json")
{'layers': [2, 2]}
>>> read_data("w: 0.50", "sheet.yaml", keep_text=True)
{'w': '0.50'}
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from derive.core.errors import InputError

__all__ = ["read_file", "read_data", "SpecLoader"]

# YAML 1.1 (PyYAML) reads 1e-3 as text: numbers in exponent form are read as numbers, as in YAML 1.2.
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$")


#: Most nodes a YAML document may stand for once its aliases are expanded: a few aliases of
#: aliases (the "billion laughs") would otherwise build a gigabyte of data from a kilobyte of text.
MAX_NODES = 200_000


class _Strict:
    """Mappings refuse a key given twice (YAML would silently keep the last one) and a key that
    is a list or a mapping; a document standing for more than MAX_NODES nodes is refused."""

    def construct_document(self, node):
        sizes: dict[int, int] = {}

        def size(n) -> int:          # each node counted once, an alias of it as often as it is used
            if id(n) not in sizes:
                sizes[id(n)] = 0     # (a recursive alias counts nothing more)
                children = [c for pair in n.value for c in pair] if isinstance(n, yaml.MappingNode) else \
                    n.value if isinstance(n, yaml.SequenceNode) else []
                sizes[id(n)] = min(1 + sum(size(c) for c in children), MAX_NODES + 1)
            return sizes[id(n)]

        if size(node) > MAX_NODES:
            raise yaml.constructor.ConstructorError(
                None, None, f"more than {MAX_NODES} values once its aliases are expanded")
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key that is a list or a mapping (keys are names)", key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark)
            seen[key] = True
        return super().construct_mapping(node, deep=deep)


class SpecLoader(_Strict, yaml.SafeLoader):
    """Safe YAML with YAML 1.2 numbers and no duplicate keys."""


class TextLoader(_Strict, yaml.BaseLoader):
    """Every scalar stays text (answer sheets keep the digits written), no duplicate keys."""


SpecLoader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for first in "-+.0123456789":
    SpecLoader.yaml_implicit_resolvers[first] = [
        (tag, regexp) for tag, regexp in SpecLoader.yaml_implicit_resolvers.get(first, [])
        if tag != "tag:yaml.org,2002:float"]
SpecLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789"))


def read_file(path: str | Path, what: str) -> str:
    """The text of ``path``; ``what`` names the kind of file in the error ("spec file")."""
    source = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, "", f"an existing {what}", got="no such file") from None
    except IsADirectoryError:
        raise InputError(source, "", f"{'an' if what[0] in 'aeiou' else 'a'} {what}", got="a folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(source, "", "a readable UTF-8 text file", got=type(exc).__name__) from None


def read_data(text: str, source: str, keep_text: bool = False, expected: str = "a mapping of fields"):
    """Parse YAML (or JSON for ``*.json``) safely.

    ``keep_text`` keeps every scalar as written (``0.50`` stays ``"0.50"``): answer sheets need
    the digits a student wrote.
    """
    if not text.strip():
        raise InputError(source, "", expected, got="an empty file")
    data = _parse(text, source, keep_text)
    where = _lone_surrogate(data)
    if where is not None:   # "\ud800" is valid JSON and YAML, but no file or terminal can hold it
        raise InputError(source, where, "text of real characters", got="a lone surrogate (\\ud800-\\udfff)",
                         suggestion="write the character itself")
    return data


def _parse(text: str, source: str, keep_text: bool):
    try:
        if source.endswith(".json"):
            hooks = {"parse_float": str, "parse_int": str} if keep_text else {}
            return json.loads(text, object_pairs_hook=_unique_json_keys(source), **hooks)
        if keep_text:
            _refuse_tags(text, source)       # the text loader would read a tag as plain text
            return yaml.load(text, Loader=TextLoader)
        return yaml.load(text, Loader=SpecLoader)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"line {exc.lineno}", "valid JSON", got=exc.msg) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, source) from None
    except ValueError as exc:        # an integer of more than 4300 digits (Python refuses to read it)
        if "integer string conversion" not in str(exc):
            raise
        raise InputError(source, "", "numbers of at most 4300 digits", got="a longer number",
                         suggestion="a float holds up to 1.8e308") from None
    except RecursionError:
        raise InputError(source, "", "data nested a few levels deep", got="nesting too deep to read") from None


def _lone_surrogate(data, path: str = "") -> str | None:
    """The field path of the first text holding a lone surrogate ("" for the top), or None."""
    stack = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and _SURROGATE.search(key):
                    return where or "a key"
                stack.append((item, name))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{n}]") for n, item in enumerate(value))
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unique_json_keys(source: str):
    def pairs(items):
        seen = {}
        for key, value in items:
            if key in seen:
                raise InputError(source, str(key), "each key once", got="the key given twice")
            seen[key] = value
        return seen
    return pairs


def _refuse_tags(text: str, source: str) -> None:
    for token in yaml.scan(text, Loader=yaml.BaseLoader):
        if isinstance(token, yaml.TagToken):
            raise InputError(source, f"line {token.start_mark.line + 1}",
                             "plain YAML data (numbers, text, lists, mappings)",
                             got=f"the tag {token.value[0]}{token.value[1]}")


def _yaml_error(exc: yaml.YAMLError, text: str, source: str) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}" if mark else ""
    if mark is not None:  # name the field whose value holds the problem, as well as the line
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        field_name = line.split(":", 1)[0].strip(" -") if ":" in line else ""
        if field_name and field_name.replace("_", "").isalnum():
            where = f"{field_name} (line {mark.line + 1})"
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "given twice" in str(problem):
        return InputError(source, where, "each key once", got=str(problem))
    if "aliases are expanded" in str(problem):
        return InputError(source, where, "plain YAML data of a readable size", got=str(problem),
                          suggestion="write the values out instead of aliasing aliases")
    if "keys are names" in str(problem):
        return InputError(source, where, "a name or a number as each key", got="a list or a mapping")
    if "tag" in str(problem) or "constructor" in str(problem):
        return InputError(source, where, "plain YAML data (numbers, text, lists, mappings)",
                          got=f"an unsafe or unknown tag: {problem}")
    return InputError(source, where, "valid YAML", got=str(problem))
