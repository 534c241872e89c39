"""Compile LaTeX to PDF with a real pdflatex: no shell escape, in a temporary folder.

The PDF is reproducible: SOURCE_DATE_EPOCH and FORCE_SOURCE_DATE fix the dates
pdfTeX writes, and the templates set ``\\pdftrailerid{}``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from derive.core.errors import DeriveError, ToolMissing

__all__ = ["compile_pdf", "have_pdflatex", "PDF_HINT"]

PDF_HINT = ("pdflatex not found: install TeX Live (Debian/Ubuntu: sudo apt-get install texlive-latex-base "
            "texlive-latex-recommended texlive-pictures) to get the PDF; the .tex file is ready")


def have_pdflatex() -> bool:
    return shutil.which("pdflatex") is not None


class TexError(DeriveError):
    """pdflatex refused the document; the message is its first error line."""


#: pdflatex passes at most, when LaTeX keeps asking for another (longtable's column widths).
MAX_RUNS = 3
#: What asks for another pass: changed table widths or labels. (hyperref's "Rerun to get
#: outlines right" only concerns the PDF's bookmarks, not worth a second pass of every sheet.)
_RERUN = re.compile(r"Rerun LaTeX|Label\(s\) may have changed")


def compile_pdf(tex_source: str, extra_files: dict[str, bytes] | None = None, runs: int | None = None,
                log: list | None = None) -> bytes:
    """Return the PDF bytes of a LaTeX document; ``log``, a list, receives pdflatex's log text.

    pdflatex runs again while its log asks to ("Rerun LaTeX", as longtable does until its
    column widths settle), at most MAX_RUNS times; ``runs`` fixes the number of passes instead.
    """
    if not have_pdflatex():
        raise ToolMissing(PDF_HINT)
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1", TZ="UTC")
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as folder:
        work = Path(folder)
        (work / "document.tex").write_text(tex_source, encoding="utf-8")
        for name, data in (extra_files or {}).items():
            (work / name).write_bytes(data)
        for n in range(1, (runs or MAX_RUNS) + 1):
            result = subprocess.run(
                ["pdflatex", "-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode", "document.tex"],
                cwd=work, env=env, capture_output=True, text=True, errors="replace", timeout=600)
            if result.returncode != 0:
                raise TexError("pdflatex failed: " + first_tex_error(result.stdout))
            if runs is None and not _RERUN.search(result.stdout):
                break
        if log is not None:
            log.append((work / "document.log").read_text(encoding="latin-1"))
        return (work / "document.pdf").read_bytes()


def overfull_boxes(log: str, tolerance_pt: float = 3.0) -> list[str]:
    """The widths of the 'Overfull \\hbox (Xpt too wide)' warnings of a log above ``tolerance_pt``."""
    widths = re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)
    return [f"{width}pt" for width in widths if float(width) > tolerance_pt]


def first_tex_error(log: str) -> str:
    """The first '! ...' line of a TeX log, with the line number that follows it."""
    lines = log.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("!"):
            where = next((m.group(0) for m in (re.match(r"l\.\d+", x) for x in lines[n + 1:n + 8]) if m), "")
            return f"{line[1:].strip()} {('(' + where + ')') if where else ''}".strip()
    return "no error line in the log (see the .tex file)"
