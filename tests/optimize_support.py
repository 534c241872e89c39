"""Shared helpers of the tests/test_optimize_*.py files: run the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUN = [sys.executable, "-c", "from derive.cli import run; run()"]


def run_cli(args, cwd=None):
    """(exit status, stdout, stderr) of ``derive ARGS``."""
    result = subprocess.run(RUN + list(args), capture_output=True, text=True, cwd=cwd, timeout=300)
    return result.returncode, result.stdout, result.stderr


def json_of(args, cwd=None):
    """The JSON ``derive ARGS --format json`` prints."""
    status, out, err = run_cli(list(args) + ["--format", "json"], cwd=cwd)
    assert status == 0, err
    return json.loads(out)


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}
