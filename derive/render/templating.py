"""Jinja2 environments for LaTeX and Markdown templates.

Templates are found in the user's ``--templates`` folder first, then in the
packaged ``derive/templates``.  LaTeX templates use LaTeX-safe delimiters
(``\\VAR{...}``, ``\\BLOCK{...}``, ``\\#{...}``, and ``%%`` line statements) so
TeX braces never fight Jinja2's.  Undefined variables fail loudly
(StrictUndefined).  A user folder always runs in Jinja2's sandbox.

Format-neutral templates (any other ``*.j2``, such as an exercise family's
``question.j2``) are written once for both formats: they use the LaTeX-safe
delimiters and get the target format as ``fmt``; the macros of
``exam_macros.j2`` turn it into Markdown or LaTeX syntax.  Their folders
(``folders=``) are searched before the packaged templates.

Filters: ``tex_escape`` (user text into LaTeX), ``num`` (plain number),
``texnum`` (number in LaTeX).

Globals: ``lr_symbol``, the LaTeX of the gradient-descent step size (``\\eta``, as on
the backpropagation sheets); a sheet's context overrides it with ``\\gamma`` for
``--lr-symbol gamma`` (the letter of some lectures).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from functools import lru_cache
from importlib import resources

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.runtime import str_join
from jinja2.sandbox import SandboxedEnvironment

from derive.core.errors import InputError
from derive.core.limits import TEMPLATE_MACRO_DEPTH, TEMPLATE_OUTPUT, TEMPLATE_SECONDS, TooSlow, time_limit
from derive.present.formatting import DEFAULT_PRECISION, format_number, latex_number
from derive.core.spec import LR_SYMBOLS

__all__ = ["latex_environment", "markdown_environment", "html_environment", "shared_environment", "tex_escape",
           "tex_escape_prose", "render",
           "LR_SYMBOLS", "DEFAULT_LR_SYMBOL"]

DEFAULT_LR_SYMBOL = LR_SYMBOLS["eta"]

_TEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
}


_MATH_SYMBOLS = {"∂": r"\partial", "→": r"\to", "←": r"\leftarrow", "∑": r"\sum", "∇": r"\nabla", "≤": r"\le",
                 "≥": r"\ge", "≠": r"\ne", "±": r"\pm", "×": r"\times", "·": r"\cdot", "−": "-", "∞": r"\infty",
                 "≈": r"\approx", "′": "'", "∈": r"\in", "√": r"\surd", "⊙": r"\odot"}
_GREEK_LOOKALIKES = {"alpha": "A", "beta": "B", "epsilon": "E", "zeta": "Z", "eta": "H", "iota": "I", "kappa": "K",
                     "mu": "M", "nu": "N", "omicron": "O", "rho": "P", "tau": "T", "chi": "X"}
_GREEK_CAPITALS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}


#: Typographic punctuation, as the OT1 Computer Modern fonts set it (no bitmap TS1/T1 fonts).
_TEXT_SYMBOLS = {"\u2013": "--", "\u2014": "---", "\u2012": "--", "\u2010": "-", "\u2011": "-",
                 "\u2018": "`", "\u2019": "'", "\u201a": ",", "\u201c": "``", "\u201d": "''", "\u201e": ",,",
                 "\u2026": r"\ldots{}", "\u00ab": r"\ensuremath{\ll}", "\u00bb": r"\ensuremath{\gg}",
                 "\u2039": r"\ensuremath{<}", "\u203a": r"\ensuremath{>}", "\u2022": r"\ensuremath{\bullet}",
                 "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,", "\u2032": r"\ensuremath{'}", "\u0131": r"\i{}",
                 "\u0142": r"\l{}", "\u0141": r"\L{}", "\u0153": r"\oe{}", "\u0152": r"\OE{}", "\u00df": r"\ss{}",
                 "\u00e6": r"\ae{}", "\u00c6": r"\AE{}", "\u00f8": r"\o{}", "\u00d8": r"\O{}", "\u00e5": r"\aa{}",
                 "\u00c5": r"\AA{}", "\u00a7": r"\S{}", "\u00b6": r"\P{}", "\u00a9": r"\copyright{}",
                 "\u00b0": r"\ensuremath{^\circ}", "\u00b2": r"\ensuremath{^2}", "\u00b3": r"\ensuremath{^3}",
                 "\u00b9": r"\ensuremath{^1}", "\u00bd": r"\ensuremath{\tfrac12}", "\u00bc": r"\ensuremath{\tfrac14}",
                 "\u00be": r"\ensuremath{\tfrac34}", "\u00a1": r"!`", "\u00bf": r"?`", "\u00ad": r"\-",
                 "\u00b7": r"\ensuremath{\cdot}", "\u00d7": r"\ensuremath{\times}", "\u00f7": r"\ensuremath{\div}",
                 "\u00b1": r"\ensuremath{\pm}", "\u00ac": r"\ensuremath{\neg}", "\u00b5": r"\ensuremath{\mu}"}
#: A letter with an accent (é, č, ő, ...) is its base letter with the accent's TeX command.
_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
            "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0327": "c",
            "\u0328": "k", "\u0323": "d", "\u0331": "b"}


def _accented(ch: str) -> str | None:
    """``č`` -> ``\\v{c}``: the letter's decomposition into an ASCII letter and accents, else None."""
    parts = unicodedata.normalize("NFD", ch)
    base, marks = parts[0], parts[1:]
    if not (base.isascii() and base.isalpha()) or not marks or any(m not in _ACCENTS for m in marks):
        return None
    out = r"\i" if base == "i" and marks[0] not in "\u0327\u0328\u0323\u0331" else base
    for mark in marks:
        out = rf"\{_ACCENTS[mark]}{{{out}}}"
    return out


def _tex_char(ch: str) -> str:
    if ch in _TEX_SPECIALS:
        return _TEX_SPECIALS[ch]
    if ch.isascii():
        return ch
    if ch in _TEXT_SYMBOLS:
        return _TEXT_SYMBOLS[ch]
    if ch in _MATH_SYMBOLS:
        return rf"\ensuremath{{{_MATH_SYMBOLS[ch]}}}"
    accented = _accented(ch)
    if accented is not None:
        return accented
    name = unicodedata.name(unicodedata.normalize("NFD", ch)[0], "")     # a Greek letter without its tonos
    words = name.replace("FINAL SIGMA", "VARSIGMA").split()
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")) and len(words) == 4:
        letter = {"LAMDA": "lambda"}.get(words[-1], words[-1].lower())
        if words[1] == "SMALL":
            return "o" if letter == "omicron" else rf"\ensuremath{{\{letter}}}"
        if letter.capitalize() in _GREEK_CAPITALS:
            return rf"\ensuremath{{\{letter.capitalize()}}}"
        return _GREEK_LOOKALIKES.get(letter, "?")     # Alpha is set as A in TeX's math fonts too
    return "?"                   # a script the standard fonts cannot set (the PDF still compiles)


def tex_escape(text) -> str:
    """Escape user text for LaTeX: special characters, and Unicode the standard fonts lack.

    >>> tex_escape("50% of E_total & more")
    '50\\\\% of E\\\\_total \\\\& more'
    >>> tex_escape("η → ∂E")
    '\\\\ensuremath{\\\\eta} \\\\ensuremath{\\\\to} \\\\ensuremath{\\\\partial}E'
    >>> print(tex_escape("Midterm – “Prüfung” — Łódź"))
    Midterm -- ``Pr\\"{u}fung'' --- \\L{}\\'{o}d\\'{z}
    """
    return "".join(_tex_char(ch) for ch in str(text))


def tex_escape_prose(text) -> str:
    """A user's text with ``$...$`` math into LaTeX: the prose escaped, the math kept as written.

    >>> tex_escape_prose("50% of $E_{total}$ & more")
    '50\\\\% of $E_{total}$ \\\\& more'
    """
    parts = str(text).split("$")
    if len(parts) % 2 == 0:          # an unmatched $: all of it is prose
        return tex_escape(text)
    return "$".join(part if k % 2 else tex_escape(part) for k, part in enumerate(parts))


def count(number: int, noun: str) -> str:
    """``2|count("input")`` -> "2 inputs", ``1|count("input")`` -> "1 input"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _packaged_templates() -> str:
    return str(resources.files("derive.templates"))


class TemplateTooBig(Exception):
    """A user template went past one of the limits of :class:`BoundedSandbox`."""


_WIDE_FORMAT = re.compile(r"%[-+ #0]*\d{8,}|\{[^{}]*:[^{}]*\d{8,}")       # a field width of 10**7 characters or more: "%99999999s"


def _bounded(value):
    """``value``, refused when it is text or a list longer than a template may write."""
    if isinstance(value, (str, list, tuple, bytes)) and len(value) > TEMPLATE_OUTPUT:
        raise TemplateTooBig(f"a value of {len(value)} items")
    return value


def _count_arguments(args) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > TEMPLATE_OUTPUT:
            raise TemplateTooBig(f"the count {arg if abs(arg) < 10 ** 30 else 'of over 30 digits'}")
        if isinstance(arg, str) and _WIDE_FORMAT.search(arg):
            raise TemplateTooBig("a field width of 8 digits or more")


class _BoundedJoin(CodeGenerator):
    """Concatenation (``~``) through the environment, so that its length is bounded too."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(SandboxedEnvironment):
    """Jinja2's sandbox with limits on size, recursion and numbers (derive.core.limits): no text
    or list longer than TEMPLATE_OUTPUT (``'A' * 10**10`` is refused before it is built), no
    count above it as an argument, powers of at most 10000 in the exponent, macros nested at most
    TEMPLATE_MACRO_DEPTH deep."""

    intercepted_binops = frozenset(["*", "**", "+", "%"])
    code_generator_class = _BoundedJoin

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.macro_depth = 0
        self.globals["namespace"] = _BoundedNamespace

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(times, int) \
                        and len(sequence) * times > TEMPLATE_OUTPUT:
                    raise TemplateTooBig(f"a repetition of {len(sequence)} items {times} times")
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 10_000 and \
                isinstance(left, (int, float)) and abs(left) > 1:
            raise TemplateTooBig(f"a power with the exponent {right}")
        if operator == "%" and isinstance(left, str):
            _count_arguments([left])
        return _bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):
        _count_arguments(list(args) + list(kwargs.values()))
        if not isinstance(__obj, jinja2.runtime.Macro):
            return _bounded(super().call(__context, __obj, *args, **kwargs))
        if __self.macro_depth >= TEMPLATE_MACRO_DEPTH:
            raise TemplateTooBig(f"macros nested more than {TEMPLATE_MACRO_DEPTH} deep")
        __self.macro_depth += 1
        try:
            return _bounded(super().call(__context, __obj, *args, **kwargs))
        finally:
            __self.macro_depth -= 1

    def wrap_str_format(self, value):       # "{:>999999999}".format(1): the width is checked first
        if isinstance(getattr(value, "__self__", None), str):
            _count_arguments([value.__self__])
        return super().wrap_str_format(value)

    def bounded_join(self, parts) -> str:
        return _bounded(str_join(parts))


class _BoundedNamespace(jinja2.utils.Namespace):
    def __setitem__(self, name, value):
        super().__setitem__(name, _bounded(value))


def _bounded_filter(function):
    @functools.wraps(function)      # keeps Jinja2's pass_context / pass_environment marks
    def bounded(*args, **kwargs):
        _count_arguments(list(args[1:]) + list(kwargs.values()))
        return _bounded(function(*args, **kwargs))
    return bounded


def _environment(user_folder: str | None, extra_folders: tuple[str, ...] = (), autoescape: bool = False,
                 **delimiters) -> jinja2.Environment:
    folders = ([user_folder] if user_folder else []) + list(extra_folders) + [_packaged_templates()]
    cls = BoundedSandbox if user_folder else jinja2.Environment
    env = cls(loader=jinja2.FileSystemLoader(folders), undefined=jinja2.StrictUndefined,
              autoescape=autoescape, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
              auto_reload=False,   # templates do not change during a run: no stat() per render
              **delimiters)
    env.filters.update(tex_escape=tex_escape, count=count,
                       num=lambda v, places=DEFAULT_PRECISION: format_number(v, places),
                       texnum=lambda v, places=DEFAULT_PRECISION: latex_number(v, places))
    if user_folder:
        env.filters = {name: _bounded_filter(f) for name, f in env.filters.items()}
    env.globals.update(template_folders=folders, lr_symbol=DEFAULT_LR_SYMBOL)
    return env


_LATEX_DELIMITERS = dict(block_start_string=r"\BLOCK{", block_end_string="}",
                         variable_start_string=r"\VAR{", variable_end_string="}",
                         comment_start_string=r"\#{", comment_end_string="}",
                         line_statement_prefix="%%", line_comment_prefix="%#")


@lru_cache(maxsize=8)
def latex_environment(user_folder: str | None = None, folders: tuple[str, ...] = ()) -> jinja2.Environment:
    """LaTeX and format-neutral templates: LaTeX-safe delimiters, ``folders`` searched before the packaged ones."""
    return _environment(user_folder, folders, **_LATEX_DELIMITERS)


@lru_cache(maxsize=8)
def markdown_environment(user_folder: str | None = None) -> jinja2.Environment:
    return _environment(user_folder)


@lru_cache(maxsize=8)
def html_environment(user_folder: str | None = None) -> jinja2.Environment:
    """Pages (``*.html.j2``): Jinja2's usual delimiters, every variable HTML-escaped unless marked safe."""
    return _environment(user_folder, autoescape=True)


def _render_bounded(template, context: dict) -> str:
    """The rendered text, refused as soon as it grows past TEMPLATE_OUTPUT characters."""
    parts, size = [], 0
    for part in template.generate(**context):
        size += len(part)
        if size > TEMPLATE_OUTPUT:
            raise TemplateTooBig(f"more than {TEMPLATE_OUTPUT} characters of output")
        parts.append(part)
    return "".join(parts)


def render(template_name: str, context: dict, user_folder: str | None = None, folders: tuple[str, ...] = ()) -> str:
    """Render ``*.tex.j2`` with the LaTeX environment, ``*.md.j2`` with the Markdown one, ``*.html.j2``
    with the HTML one (autoescaping) and any
    other ``*.j2`` (format-neutral, ``fmt`` in the context) with the shared one."""
    if template_name.endswith(".md.j2"):
        env = markdown_environment(user_folder)
    elif template_name.endswith(".html.j2"):
        env = html_environment(user_folder)
    else:
        env = latex_environment(user_folder, tuple(folders))
    try:
        if not isinstance(env, BoundedSandbox):
            return env.get_template(template_name).render(**context)
        with time_limit(TEMPLATE_SECONDS):
            return _render_bounded(env.get_template(template_name), context)
    except TooSlow:
        raise InputError(template_name, "template", f"a template that renders within {TEMPLATE_SECONDS} s",
                         got="a longer run", suggestion="see docs/limits.md") from None
    except TemplateTooBig as exc:
        raise InputError(template_name, "template", "a template within derive's limits (docs/limits.md)",
                         got=str(exc)) from None
    except jinja2.TemplateNotFound:
        raise InputError("--templates", template_name, "a template in " + " or ".join(
            env.globals["template_folders"]), got="none found") from None
    except jinja2.UndefinedError as exc:
        raise InputError(template_name, "template variable", "a variable derive provides", got=str(exc)) from None
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(exc.filename or template_name, f"line {exc.lineno}", "valid Jinja2 template syntax",
                         got=exc.message) from None
    except jinja2.exceptions.SecurityError as exc:
        raise InputError(template_name, "template", "a template that stays in the sandbox", got=str(exc)) from None
    except OverflowError as exc:     # the sandbox's range() limit, or a number too large for a float
        raise InputError(template_name, "template", "a template within the sandbox's limits",
                         got=str(exc).rstrip(".")) from None
    except RecursionError:
        raise InputError(template_name, "template", "macros that call themselves a bounded number of times",
                         got="endless recursion") from None
