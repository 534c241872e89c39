"""What the README and docs show must work: variant codes in them are real codes."""

import re
from pathlib import Path

import pytest

from derive.exam.variants import parse_code

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_variant_codes_in_docs_are_valid(path):
    for code in re.findall(r"\b\d{4}-\d+-[A-Z]{3}(?:\.[A-Z]{3})*-[A-Z0-9]\b", path.read_text()):
        parse_code(code)          # raises on a bad check letter


def test_readme_starts_with_what_derive_is_then_install_and_test_commands():
    text = (ROOT / "README.md").read_text()
    assert text.startswith("# derive")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    assert "pip install ." in blocks[0] and "derive solve" in blocks[0]
    assert blocks[1].strip() == "make test"
    assert "make test" in (ROOT / ".ci" / "run").read_text()
