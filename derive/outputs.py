"""Writing result files: everything is rendered in memory first, then written
into a temporary folder beside the destination and moved into place, so a
failure never leaves half a set of files behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import InputError

__all__ = ["write_files", "parse_formats"]


def parse_formats(text: str, allowed: tuple[str, ...], option: str = "--format") -> list[str]:
    """``"md,tex"`` -> ``["md", "tex"]``, refusing unknown names with a suggestion."""
    from .errors import suggest

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    if not formats:
        raise InputError(option, "", "one or more of " + ",".join(allowed), got="nothing")
    for f in formats:
        if f not in allowed:
            raise InputError(option, "", "a comma-separated list of " + ", ".join(allowed), got=repr(f),
                             suggestion=suggest(f, allowed))
    return list(dict.fromkeys(formats))


def write_files(folder: str | Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write ``{name: content}`` into ``folder`` all-or-nothing; return the written paths."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".derive-", dir=folder))
    except OSError as exc:
        raise InputError("--out", str(folder), "a folder derive can write to", got=exc.strerror) from None
    try:
        for name, content in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        written = []
        for name in files:
            destination = folder / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, destination)
            written.append(destination)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
