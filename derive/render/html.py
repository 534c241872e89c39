"""Self-checking HTML pages: one file that works from ``file://`` with no network.

A page is a ``*.html.j2`` template rendered with HTML autoescaping; this module adds what
makes it self-contained, all inlined: KaTeX's stylesheet with only the fonts the page's
math uses (woff2 as ``data:`` URLs), KaTeX and its auto-render extension (math is typeset
in the browser from the TeX the templates write), the checker (``web/check.js``, the
verdict rules of ``derive check``) with each exercise's data (printed by
derive.check.page), and the page's own script and style (``web/page.js``, ``web/page.css``).

Why KaTeX runs in the page rather than at build time: the script weighs 270 kB once, while
the lecture sheet's math pre-rendered to HTML weighs 460 kB (and every larger sheet more),
and building a page then needs no Node.js (docs/html.md has the figures).

>>> fonts_for(r"\\(w_{5}^{+} = \\mathit{out}_{h1}\\)")
('Main-Regular', 'Math-Italic', 'Main-Italic')
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from importlib import resources

from markupsafe import Markup

from derive.render.templating import render

__all__ = ["html_page", "fonts_for", "asset", "FONT_RULES"]

#: The KaTeX fonts a page may need, each with the TeX that makes KaTeX use it (None: always).
FONT_RULES = (
    ("Main-Regular", None),                         # digits, operators, parentheses, \partial
    ("Math-Italic", None),                          # letters in math
    ("Main-Italic", re.compile(r"\\mathit\b")),
    ("Main-Bold", re.compile(r"\\mathbf\b|\\boldsymbol\b")),
    ("AMS-Regular", re.compile(r"\\mathbb\b|\\checkmark\b|\\leqslant\b|\\geqslant\b")),
    # \left( ... \right) and big operators pick one of the size fonts by the height they need.
    ("Size1-Regular", re.compile(r"\\left\b|\\sum\b|\\prod\b|\\bigl?\b")),
    ("Size2-Regular", re.compile(r"\\left\b|\\sum\b|\\prod\b")),
    ("Size3-Regular", re.compile(r"\\left\b")),
    ("Size4-Regular", re.compile(r"\\left\b")),
)

_WEB = "derive.render"


@lru_cache(maxsize=32)
def asset(name: str) -> bytes:
    """A packaged file of the pages: ``web/check.js``, ``web/katex/fonts/KaTeX_Main-Regular.woff2``, ..."""
    return resources.files(_WEB).joinpath("web", *name.split("/")).read_bytes()


def _text(name: str) -> str:
    return asset(name).decode("utf-8")


def fonts_for(tex: str) -> tuple[str, ...]:
    """The KaTeX fonts that math written as ``tex`` (any text holding it) can use."""
    return tuple(font for font, rule in FONT_RULES if rule is None or rule.search(tex))


@lru_cache(maxsize=16)
def _stylesheet(fonts: tuple[str, ...]) -> str:
    """KaTeX's CSS with its @font-face rules replaced by inlined ones for ``fonts`` only."""
    css = re.sub(r"@font-face\{[^}]*\}", "", _text("katex/katex.min.css"))
    faces = []
    for font in fonts:
        family, style = font.split("-")
        data = base64.b64encode(asset(f"katex/fonts/KaTeX_{font}.woff2")).decode("ascii")
        faces.append("@font-face{font-display:block;font-family:KaTeX_%s;font-style:%s;font-weight:%s;"
                     "src:url(data:font/woff2;base64,%s) format(\"woff2\")}"
                     % (family, "italic" if "Italic" in style else "normal", 700 if "Bold" in style else 400, data))
    return "".join(faces) + css


def _script(text: str) -> str:
    """Script text safe inside <script>: no ``</script`` can end it early."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


_STYLE, _SCRIPTS = "\x06style\x06", "\x06scripts\x06"


def html_page(template: str, context: dict, exercises: list[str], templates_dir=None) -> str:
    """The page ``template`` (an ``*.html.j2``) rendered with ``context``, everything inlined.

    ``exercises`` are the checker data scripts of the page's exercises (derive.check.page).
    The template writes ``page.style`` inside its ``<style>`` and ``page.scripts`` (the
    ``<script>`` elements, each named by its ``data-derive``) at the end of its body, once each;
    the fonts are chosen from the TeX of the rendered page.
    """
    text = render(template, dict(context, page={"style": Markup(_STYLE), "scripts": Markup(_SCRIPTS)}),
                  templates_dir)
    if text.count(_STYLE) != 1 or text.count(_SCRIPTS) != 1:
        raise ValueError(f"{template} must write page.style and page.scripts once each")
    scripts = [("katex", _text("katex/katex.min.js")), ("auto-render", _text("katex/auto-render.min.js")),
               ("check", _text("check.js"))] + [("exercise", e) for e in exercises] + [("page", _text("page.js"))]
    elements = "\n".join(f'<script data-derive="{name}">{_script(code)}</script>' for name, code in scripts)
    return text.replace(_STYLE, _stylesheet(fonts_for(text)) + _text("page.css")).replace(_SCRIPTS, elements)
