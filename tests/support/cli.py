"""Run the ``derive`` command line inside the test process.

Starting a Python process per CLI call cost about half a second each (imports of
SymPy, NumPy, matplotlib); ``derive.cli.main`` is the same code path the console
script runs, minus ``sys.exit``: it returns the exit status and turns every user
error into one line on stderr. The output is captured here, not with ``capsys``,
so that module- and session-scoped fixtures can call the CLI too. What a child process
would take with it when it exits (working folder, environment variables, open matplotlib
figures) is put back after every call.

A test that depends on the working folder uses ``monkeypatch.chdir(tmp_path)``.
The installed ``derive`` script and ``python -m derive`` are still proved by a
few subprocess tests (test_packaging, test_spec_errors, test_input_edges).

Example::

    from tests.support.cli import json_of, run_cli

    status, out, err = run_cli(["gd", "--function", "x**2", "--x0", "1"])
    assert json_of(["gd", "--function", "x**2", "--x0", "-4", "--lr", "0.8"])["stopped"] == "max_iter"
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import NamedTuple

from derive.cli import main

__all__ = ["CliResult", "run_cli", "run_ok", "json_of", "files_in"]


class CliResult(NamedTuple):
    """What ``derive ARGS`` did: exit status and the text it wrote on stdout and stderr."""

    status: int
    stdout: str
    stderr: str


def _utf8_stream() -> io.TextIOWrapper:
    # Like a pipe to a subprocess: UTF-8, not a terminal, with a binary .buffer underneath.
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8")


@contextlib.contextmanager
def _like_a_child_process():
    """Undo what a process would take with it when it exits: its working folder, its
    environment and its open matplotlib figures, so that no call sees the last one's."""
    cwd, environment = os.getcwd(), dict(os.environ)
    pyplot = sys.modules.get("matplotlib.pyplot")
    figures = set(pyplot.get_fignums()) if pyplot else set()
    try:
        yield
    finally:
        os.chdir(cwd)
        if dict(os.environ) != environment:
            os.environ.clear()
            os.environ.update(environment)
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            for number in set(pyplot.get_fignums()) - figures:
                pyplot.close(number)


def run_cli(args) -> CliResult:
    """(exit status, stdout, stderr) of ``derive ARGS``, run in this process."""
    out, err = _utf8_stream(), _utf8_stream()
    with _like_a_child_process(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(arg) for arg in args])
    return CliResult(status, _text(out), _text(err))


def run_ok(args) -> CliResult:
    """``run_cli(ARGS)``, asserting exit status 0 (the message is what derive wrote on stderr)."""
    result = run_cli(args)
    assert result.status == 0, f"derive {' '.join(map(str, args))} exited with {result.status}: {result.stderr}"
    return result


def json_of(args) -> dict:
    """The JSON ``derive ARGS --format json`` prints on stdout."""
    return json.loads(run_ok(list(args) + ["--format", "json"]).stdout)


def files_in(folder: Path) -> dict[str, bytes]:
    """Name -> bytes of every file directly in ``folder``."""
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}
