"""Tests of the test helpers in tests/support/tools.py, against the real tools."""

from __future__ import annotations

import subprocess

import pytest

from tests.support import tools
from tests.support.tools import (
    extract_math,
    katex_errors,
    pdf_pages,
    pdf_text,
    require,
    require_katex,
)

SAMPLE = r"""# Output layer

The error is $E_{total} = \sum \frac{1}{2}(target - out)^2$ and costs \$5, not \$6.
Two spans on a line: $a$ and $b_{1}$.

$$\frac{\partial E_{total}}{\partial w_{5}} = 0.0822$$

$$
\begin{aligned}
  a &= b \\
  c &= d
\end{aligned}
$$

Inline code `$not math$` and ``a `$x$` b`` stay code.

```python
price = "$10"  # $not math$
$$ not display $$
```

~~~
$also not math$
~~~

A lone $ dollar at the end of a line
and $w_6^{+}$ after it.
"""


def test_extract_math_finds_spans_in_document_order():
    assert extract_math(SAMPLE) == [
        (r"E_{total} = \sum \frac{1}{2}(target - out)^2", False),
        ("a", False),
        ("b_{1}", False),
        (r"\frac{\partial E_{total}}{\partial w_{5}} = 0.0822", True),
        ("\\begin{aligned}\n  a &= b \\\\\n  c &= d\n\\end{aligned}", True),
        ("w_6^{+}", False),
    ]


def test_extract_math_edge_cases():
    assert extract_math("") == []
    assert extract_math(r"no math, only \$1 and \$2") == []
    # An escaped dollar inside math does not close it.
    assert extract_math(r"$a \$ b$") == [(r"a \$ b", False)]
    # Inline math never spans lines; display math may.
    assert extract_math("$a\nb$") == []
    assert extract_math("$$a\nb$$") == [("a\nb", True)]
    # An unclosed fence hides everything after it.
    assert extract_math("$x$\n```\n$y$\n") == [("x", False)]


def test_katex_accepts_valid_math():
    spans = [
        (r"\frac{\partial E_{total}}{\partial w_{5}}", False),
        (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", True),
        (r"\left(1 - out_{o1}\right)", False),
    ]
    assert katex_errors(spans) == []
    assert katex_errors([]) == []


def test_katex_rejects_invalid_math_and_names_the_span():
    spans = [
        ("x^2", False),
        (r"\frac{1}{", False),
        ("y", True),
        (r"\label{x}", True),
    ]
    errors = katex_errors(spans)
    assert len(errors) == 2, errors
    assert errors[0].startswith(r"span 1: \frac{1}{: KaTeX parse error")
    assert errors[1].startswith(r"span 3: \label{x}: KaTeX parse error")
    assert "label" in errors[1]


def test_katex_checks_extracted_markdown():
    assert katex_errors(extract_math(SAMPLE)) == []


MINIMAL_LATEX = r"""\documentclass{article}
\begin{document}
First page of the derive test.
\newpage
Second page: $\frac{\partial E}{\partial w} = 0.5$.
\end{document}
"""


def test_pdf_text_and_pages(tmp_path):
    require("pdflatex")
    (tmp_path / "doc.tex").write_text(MINIMAL_LATEX, encoding="utf-8")
    result = subprocess.run(
        ["pdflatex", "-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    pdf = tmp_path / "doc.pdf"
    assert pdf_pages(pdf) == 2
    text = pdf_text(pdf)
    assert "First page of the derive test." in text
    assert "Second page:" in text


def test_require_returns_path_of_existing_tool():
    assert require("sh").endswith("sh")


@pytest.mark.parametrize("strict", [False, True])
def test_require_missing_tool_skips_or_fails(monkeypatch, strict):
    monkeypatch.setattr(tools, "REQUIRE_TOOLS", strict)
    expected = pytest.fail.Exception if strict else pytest.skip.Exception
    with pytest.raises(expected, match="derive-no-such-tool"):
        require("derive-no-such-tool")


def test_require_katex_present_when_tools_required():
    # Under `make test` KaTeX must be installed; elsewhere this may skip.
    require_katex()
