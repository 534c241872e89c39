"""Helpers for tests that need external tools: pdflatex, poppler, Node + KaTeX.

A test calls ``require("pdflatex")`` (or ``require_katex()``) before using a
tool. Locally a missing tool skips the test; with ``DERIVE_REQUIRE_TOOLS=1``
(set by ``make test``, hence CI) it fails it, so CI can never go green by
silently skipping the PDF and KaTeX checks.

Example::

    from tests.support.tools import require, pdf_text

    def test_pdf(tmp_path):
        require("pdflatex")
        ...
        assert "Backward pass" in pdf_text(tmp_path / "solution.pdf")
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

REQUIRE_TOOLS = os.environ.get("DERIVE_REQUIRE_TOOLS") == "1"

REPO_ROOT = Path(__file__).resolve().parents[2]
KATEX_CHECK = Path(__file__).resolve().with_name("katex_check.mjs")
KATEX_PACKAGE = REPO_ROOT / "node_modules" / "katex" / "package.json"

_INSTALL_HINT = "run `bash scripts/install-test-deps.sh` (or `make test`)"


def _missing(what: str) -> None:
    """Fail (DERIVE_REQUIRE_TOOLS=1) or skip the current test for `what`."""
    message = f"{what} is not available; {_INSTALL_HINT}"
    if REQUIRE_TOOLS:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require(tool_name: str) -> str:
    """Return the path of executable `tool_name`, or skip/fail the test.

    Example: ``require("pdftotext")`` -> ``"/usr/bin/pdftotext"``.
    """
    path = shutil.which(tool_name)
    if path is None:
        _missing(f"executable {tool_name!r}")
    return path


def require_katex() -> None:
    """Skip/fail the test unless node and the repo's node_modules/katex exist."""
    require("node")
    if not KATEX_PACKAGE.is_file():
        _missing(f"KaTeX ({KATEX_PACKAGE.parent})")


def require_browser() -> str:
    """Skip/fail the test unless Debian's chromium, node and the repo's playwright-core exist;
    return chromium's path (tests/support/browser.mjs drives it)."""
    path = require("chromium")
    require("node")
    if not (REPO_ROOT / "node_modules" / "playwright-core" / "package.json").is_file():
        _missing("playwright-core (node_modules/playwright-core)")
    return path


# --- Markdown math -------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _prose_blocks(markdown: str) -> list[str]:
    """Split `markdown` into the runs of lines outside fenced code blocks.

    Math is looked for in each run separately, so a `$` inside a code block
    can neither open nor close a span.
    """
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None  # the opening fence while inside a code block
    for line in markdown.splitlines(keepends=True):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                blocks.append("".join(current))
                current = []
                fence = match.group(1)
            else:
                current.append(line)
        # A fence closes on a line of the same character, at least as long,
        # with nothing after it (CommonMark).
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not line[match.end():].strip():
            fence = None
    blocks.append("".join(current))
    return blocks


def _find_closing(text: str, start: int, delimiter: str, stop_at_newline: bool) -> int:
    """Index of the next unescaped `delimiter` in `text` from `start`, or -1."""
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2  # `\$`, `\\` etc. are TeX escapes, never delimiters
            continue
        if char == "\n" and stop_at_newline:
            return -1
        if text.startswith(delimiter, i):
            return i
        i += 1
    return -1


def _spans_in_block(text: str) -> list[tuple[str, bool]]:
    spans: list[tuple[str, bool]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2  # an escaped character, e.g. a literal `\$`
            continue
        if char == "`":
            # Inline code: skip to the closing backtick run of the same length.
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            closing = re.compile(r"(?<!`)" + "`" * run + r"(?!`)")
            match = closing.search(text, i + run)
            i = match.end() if match else i + run
            continue
        if text.startswith("$$", i):
            end = _find_closing(text, i + 2, "$$", stop_at_newline=False)
            if end == -1:
                i += 2
                continue
            spans.append((text[i + 2:end].strip(), True))
            i = end + 2
            continue
        if char == "$":
            end = _find_closing(text, i + 1, "$", stop_at_newline=True)
            if end == -1:
                i += 1  # unclosed on this line: a literal dollar
                continue
            spans.append((text[i + 1:end].strip(), False))
            i = end + 1
            continue
        i += 1
    return spans


def extract_math(markdown: str) -> list[tuple[str, bool]]:
    """Every math span of a Markdown document as (tex, display), in order.

    Display math is ``$$...$$`` (may span lines); inline math is ``$...$`` on
    one line. Escaped dollars (``\\$``), fenced code blocks and inline
    ``code`` are ignored. Surrounding whitespace is stripped from the tex.

    Example::

        >>> extract_math("Let $x_1$ be\\n$$\\ny = 2x\\n$$\\ncosts \\\\$5")
        [('x_1', False), ('y = 2x', True)]
    """
    spans: list[tuple[str, bool]] = []
    for block in _prose_blocks(markdown):
        spans.extend(_spans_in_block(block))
    return spans


def katex_errors(spans: Iterable[Sequence]) -> list[str]:
    r"""Render every (tex, display) span with KaTeX; return the failures.

    One Node process checks all spans. Each failure reads
    ``"span N: <tex excerpt>: <KaTeX error>"`` with N the 0-based index in
    `spans`; an empty list means everything renders.

    Example: ``katex_errors([("x^2", False), (r"\frac{1}{", False)])`` ->
    ``["span 1: \frac{1}{: KaTeX parse error: Unexpected end of input ..."]``
    """
    items = [{"tex": str(tex), "display": bool(display)} for tex, display in spans]
    if not items:
        return []
    require_katex()
    result = subprocess.run(
        ["node", str(KATEX_CHECK)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"katex_check.mjs failed ({result.returncode}): {result.stderr.strip()}")
    messages = []
    for failure in json.loads(result.stdout):
        index = failure["index"]
        excerpt = " ".join(items[index]["tex"].split())
        if len(excerpt) > 60:
            excerpt = excerpt[:57] + "..."
        messages.append(f"span {index}: {excerpt}: {failure['error']}")
    return messages


# --- PDF inspection (poppler-utils) --------------------------------------


def pdf_text(path: str | os.PathLike) -> str:
    """The text of a PDF, laid out as on the page (``pdftotext -layout``).

    Example: ``"Forward pass" in pdf_text("output/solution.pdf")``.
    """
    require("pdftotext")
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return result.stdout.decode("utf-8")


def pdf_pages(path: str | os.PathLike) -> int:
    """Number of pages of a PDF, read from ``pdfinfo``.

    Example: ``pdf_pages("output/solution.pdf")`` -> ``3``.
    """
    require("pdfinfo")
    result = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, check=True, timeout=120
    )
    match = re.search(rb"^Pages:\s+(\d+)\s*$", result.stdout, re.MULTILINE)
    if match is None:
        raise ValueError(f"pdfinfo printed no page count for {path}")
    return int(match.group(1))
