"""Writing result files: everything is rendered in memory first, then written
into a temporary folder beside the destination and moved into place, so a
failure never leaves half a set of files behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path

from derive.core.errors import InputError

__all__ = ["Staging", "write_files", "write_with_pdf", "parse_formats"]


def parse_formats(text: str, allowed: tuple[str, ...], option: str = "--format") -> list[str]:
    """``"md,tex"`` -> ``["md", "tex"]``, refusing unknown names with a suggestion."""
    from derive.core.errors import suggest

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    if not formats:
        raise InputError(option, "", "one or more of " + ",".join(allowed), got="nothing")
    for f in formats:
        if f not in allowed:
            raise InputError(option, "", "a comma-separated list of " + ", ".join(allowed), got=repr(f),
                             suggestion=suggest(f, allowed))
    return list(dict.fromkeys(formats))


class Staging:
    """A temporary folder beside ``folder``'s files; when the ``with`` block succeeds its files move
    into ``folder`` (``written`` lists them), and either way the temporary folder is removed.

    Nothing is created before the run is known to succeed: the staging folder sits in ``folder``
    when it exists, else in its nearest existing parent (same file system, so each move is one
    atomic rename), and missing folders are made only at the end (``a/b/../../x`` makes only
    ``x``).  A symbolic link found inside ``folder`` (a figure file, ``figures/``) is replaced,
    never written through.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with Staging(out) as stage:
    ...     _ = (stage.path / "a.txt").write_text("hi")
    >>> [p.name for p in stage.written], (out / "a.txt").read_text()
    (['a.txt'], 'hi')
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.written: list[Path] = []
        self._real = Path(os.path.abspath(self.folder))       # a/b/../../x is x, as the user means
        self._created: list[Path] = []

    def __enter__(self) -> "Staging":
        try:
            if "\x00" in str(self._real):
                raise ValueError("a NUL character")
            str(self._real).encode("utf-8")      # strict: the paths are printed afterwards
        except (UnicodeEncodeError, ValueError):   # a lone surrogate ("\udcff": bytes not UTF-8), NUL
            raise InputError("--out", "", "a folder name of real characters", got=ascii(str(self.folder))) from None
        existing = self._real
        try:
            while not existing.exists() and not existing.is_symlink() and existing != existing.parent:
                existing = existing.parent
            if not existing.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "not a folder")
            self.path = Path(tempfile.mkdtemp(prefix=".derive-", dir=existing))
        except OSError as exc:
            raise InputError("--out", str(self.folder), "a folder derive can write to",
                             got=exc.strerror or type(exc).__name__) from None
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                self._move_in()
        except OSError as exc:
            self._remove_created()
            raise InputError("--out", str(self.folder), "a folder derive can write to",
                             got=exc.strerror or type(exc).__name__) from None
        finally:
            shutil.rmtree(self.path, ignore_errors=True)
        if exc_type is not None:
            self._remove_created()

    def _move_in(self) -> None:
        missing, folder = [], self._real
        while not folder.exists() and not folder.is_symlink():
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):     # --out and its missing parents (a link above it is the user's)
            folder.mkdir()
            self._created.append(folder)
        ready: set[tuple[str, ...]] = set()      # the folders made (or found) inside: each checked once
        for parts in sorted(self._staged(str(self.path))):     # (in the order of their paths' parts)
            if parts[:-1] not in ready:
                self._folder_inside(Path(*parts[:-1]))
                ready.add(parts[:-1])
            # replaces a link there, never follows it
            os.replace(os.path.join(self.path, *parts), os.path.join(self._real, *parts))
            self.written.append(self.folder.joinpath(*parts))

    def _staged(self, folder: str, parts: tuple[str, ...] = ()):
        """The parts of the path of every regular file under the staging folder (no link followed)."""
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    yield from self._staged(entry.path, parts + (entry.name,))
                elif entry.is_file(follow_symlinks=False):
                    yield parts + (entry.name,)

    def _folder_inside(self, relative: Path) -> None:
        """Make ``relative`` inside the output folder; a symbolic link on the way is replaced."""
        folder = self._real
        for part in relative.parts:
            folder = folder / part
            if folder.is_symlink():
                folder.unlink()
            if not folder.is_dir():
                folder.mkdir()
                self._created.append(folder)

    def _remove_created(self) -> None:
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                folder.rmdir()          # only when empty: never a file the user had


def write_files(folder: str | Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write ``{name: content}`` into ``folder`` all-or-nothing; return the written paths (in order)."""
    with Staging(folder) as stage:
        for name, content in files.items():
            target = stage.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
    order = {name: n for n, name in enumerate(files)}
    return sorted(stage.written, key=lambda p: order[str(p.relative_to(stage.folder))])


def write_with_pdf(folder: str | Path, build, formats: list[str]) -> list[Path]:
    """Write ``build(formats)`` into ``folder``, where ``build`` returns {file name: content}.

    When the PDF cannot be made, every other file is still written, the LaTeX source
    included, so it can be compiled elsewhere.  Without TeX that is a one-line note; when
    pdflatex refuses the document it is an error (exit status 1) after writing.
    """
    import click

    from derive.core.errors import DeriveError, ToolMissing
    from derive.render.texcompile import TexError

    problem = None
    try:
        files = build(formats)
    except (ToolMissing, TexError) as exc:
        problem = exc
        files = build([f for f in formats if f != "pdf"] + ([] if "tex" in formats else ["tex"]))
    written = write_files(folder, files)
    for path in written:
        click.echo(str(path))
    if isinstance(problem, ToolMissing):
        click.echo(f"note: {problem}", err=True)
    elif problem is not None:
        raise DeriveError(f"{problem}; every other file was written, the .tex included")
    return written
