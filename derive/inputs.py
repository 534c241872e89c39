"""Reading users' files: specs, answer sheets, exam files.  Safe loading only; every problem
becomes one :class:`~derive.errors.InputError` line naming the file and, where it can, the field.

>>> read_data('{"layers": [2, 2]}', "net.json")
{'layers': [2, 2]}
>>> read_data("w: 0.50", "sheet.yaml", keep_text=True)
{'w': '0.50'}
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .errors import InputError

__all__ = ["read_file", "read_data"]


def read_file(path: str | Path, what: str) -> str:
    """The text of ``path``; ``what`` names the kind of file in the error ("spec file")."""
    source = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, "", f"an existing {what}", got="no such file") from None
    except IsADirectoryError:
        raise InputError(source, "", f"a {what}", got="a folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(source, "", "a readable UTF-8 text file", got=type(exc).__name__) from None


def read_data(text: str, source: str, keep_text: bool = False, expected: str = "a mapping of fields"):
    """Parse YAML (or JSON for ``*.json``) safely.

    ``keep_text`` keeps every scalar as written (``0.50`` stays ``"0.50"``): answer sheets need
    the digits a student wrote.
    """
    if not text.strip():
        raise InputError(source, "", expected, got="an empty file")
    try:
        if source.endswith(".json"):
            return json.loads(text, parse_float=str, parse_int=str) if keep_text else json.loads(text)
        return yaml.load(text, Loader=yaml.BaseLoader) if keep_text else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"line {exc.lineno}", "valid JSON", got=exc.msg) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, source) from None


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
    if "tag" in str(problem) or "constructor" in str(problem):
        return InputError(source, where, "plain YAML data (numbers, text, lists, mappings)",
                          got=f"an unsafe or unknown tag: {problem}")
    return InputError(source, where, "valid YAML", got=str(problem))
