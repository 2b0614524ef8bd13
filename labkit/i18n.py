"""labkit's own words in the lab's language: GNU gettext catalogues, read with Babel (issue 18).

English is the source language. The Japanese catalogue is ``labkit/locale/ja/LC_MESSAGES/labkit.po``,
keyed by the English text, so a message whose English changes has no translation until a translator
gives it one again: tests/test_messages_ja.py extracts every message the package marks (``_()``,
``ngettext()``) and fails on one without a current Japanese translation. ``make messages`` updates the
catalogue for translators (Babel's ``extract`` and ``update``; the file opens in Poedit or any gettext tool).

The language is the lab's: :func:`labkit.connect` (``lang="ja"`` or ``LABKIT_LANG=ja``) calls
:func:`set_language`, which the Japanese notebooks' setup cell does (notebook 00 introduces it). What
AWS itself returns (API errors, the alarm email) stays as AWS returns it.

Messages with values use named fields, so a translation can put them in its own order::

    _("{passed}/{total} checks passed").format(passed=3, total=4)
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from labkit.exceptions import ConfigurationError, translate_with

#: The languages labkit speaks (``connect(lang=...)``, ``LABKIT_LANG``); English is the source.
LANGUAGES = ("en", "ja")
DOMAIN = "labkit"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_language = os.environ.get("LABKIT_LANG", "en") if os.environ.get("LABKIT_LANG") in LANGUAGES else "en"


def catalogue_path(lang: str) -> Path:
    """Where the catalogue of ``lang`` lives (``labkit/locale/ja/LC_MESSAGES/labkit.po``)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``lang``, built in memory from its ``.po`` on first use (fuzzy entries,
    which a translator has not confirmed, are left out, so their English shows)."""
    path = catalogue_path(lang)
    if lang == "en" or not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as source:
        catalogue = read_po(source, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def translation(lang: str) -> _gettext.NullTranslations:
    """The catalogue of ``lang`` itself, for text written in a language other than the lab's
    (``labkit student --lang ja`` writes Japanese student editions from an English process)."""
    if lang not in LANGUAGES:
        raise ConfigurationError(f'unknown language {lang!r}: labkit speaks "en" or "ja"')
    return _translations(lang)


def N_(message: str) -> str:  # gettext's name: "mark for translation, translate later"
    """``message`` unchanged: marks a constant for the catalogue; translate it where it is shown."""
    return message


def set_language(lang: str) -> None:
    """Speak ``lang`` from now on (``"en"`` or ``"ja"``); :func:`labkit.connect` calls it."""
    global _language
    if lang not in LANGUAGES:
        raise ConfigurationError(
            f'unknown language {lang!r}: labkit.connect(lang=...) and LABKIT_LANG accept "en" or "ja"'
        )
    _language = lang


def language() -> str:
    """The language labkit speaks now."""
    return _language


def gettext(message: str) -> str:
    """``message`` in the current language (English when no translation exists)."""
    return _translations(_language).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the current language (Japanese has one form)."""
    return _translations(_language).ngettext(singular, plural, count)


_ = gettext
translate_with(gettext)  # labkit.exceptions' own words (UnsupportedOperation's...) in the lab's language too

#: argparse's own words that a ``labkit`` user sees: its help's headings and ``-h``, and its answers to what a
#: user types wrong (argparse marks them ``_()`` for gettext). Its messages about a parser written wrong are for
#: labkit's developers and stay English. tests/test_cli.py checks that each is still a message of the running
#: Python's argparse, so a Python that rewords one is caught rather than showing English.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ignored explicit argument %r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


@contextmanager
def argparse_speaks_the_labs_language() -> Iterator[None]:
    """Within the block, :mod:`argparse`'s own words come from labkit's catalogue in the lab's language
    (``usage:``, ``options``, its errors; :data:`ARGPARSE_MESSAGES`), as labkit's help and errors do.

    argparse translates with the module-level ``_`` and ``ngettext`` it imports from :mod:`gettext`
    (Python's argparse HOWTO, "How to translate the argparse output",
    https://docs.python.org/3/howto/argparse.html#how-to-translate-the-argparse-output), which read ``.mo``
    files of the process's locale; labkit's catalogue is compiled in memory and its language is the lab's, so the ``labkit`` command points those two names at :func:`gettext` and
    :func:`ngettext` while it builds its parser and parses, and puts argparse's back after.
    """
    import argparse

    saved = argparse.__dict__["_"], argparse.__dict__["ngettext"]
    setattr(argparse, "_", gettext)  # noqa: B010 (mypy's argparse stubs do not declare the names)
    setattr(argparse, "ngettext", ngettext)  # noqa: B010
    try:
        yield
    finally:
        setattr(argparse, "_", saved[0])  # noqa: B010
        setattr(argparse, "ngettext", saved[1])  # noqa: B010


def width(text: str) -> int:
    """The columns ``text`` takes in a terminal: two for a wide character (漢字, かな; Unicode's East Asian
    Width W or F, https://www.unicode.org/reports/tr11/), one for the others."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def pad(text: str, columns: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``columns`` terminal columns (``"<"`` left, ``">"`` right aligned),
    so that tables line up in Japanese too (``str.ljust`` counts a wide character as one)."""
    fill = " " * max(columns - width(text), 0)
    return text + fill if align == "<" else fill + text


#: Characters a Japanese line does not start with (JIS X 4051's line-start prohibition, 行頭禁則, in part): a line
#: breaks before the character ahead of them instead.
NO_LINE_START = frozenset("、。，．）)」』】〕・ー？！:：")


def wrap(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` terminal columns (:func:`width`), breaking at spaces and, in
    Japanese, between two characters (Japanese is written without spaces), but never before
    :data:`NO_LINE_START`; a word longer than a line gets a line of its own."""
    tokens: list[str] = []
    for character in text:
        if character.isspace():
            tokens.append(" ")
        elif width(character) == 2 or not tokens or tokens[-1] == " " or width(tokens[-1][-1]) == 2:
            tokens.append(character)
        else:
            tokens[-1] += character
    lines: list[str] = []
    line, space = "", False
    for token in tokens:
        if token == " ":
            space = bool(line)
            continue
        candidate = line + (" " if space else "") + token
        if line and width(candidate) > columns and token[0] not in NO_LINE_START:
            lines.append(line)
            candidate = token
        line, space = candidate, False
    return [*lines, line] if line else lines
