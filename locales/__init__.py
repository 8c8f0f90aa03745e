"""Babel message catalogs: Vietnamese (the default, also the msgid language) and English.

Catalogs are compiled from the .po files in memory when first used, so a stale
compiled file can never ship. Mark strings with `_()` where a translator is in
scope, or with `N_()` where text is defined before the reader's locale is known.
"""

import gettext
from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
DOMAIN = "messages"

Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def normalise_locale(locale: str | None) -> str:
    """Map 'en-US', 'EN', None, or an unknown language to a locale we ship."""
    base = (locale or DEFAULT_LOCALE).replace("-", "_").split("_")[0].lower()
    return base if base in LOCALES else DEFAULT_LOCALE


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> gettext.GNUTranslations:
    """The compiled catalog of a shipped locale."""
    po_file = files("locales") / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def gettext_for(locale: str | None) -> Translate:
    """The `_` function for a person's locale."""
    return translations(normalise_locale(locale)).gettext


def ngettext_for(locale: str | None) -> Callable[[str, str, int], str]:
    """The plural-aware `ngettext` for a person's locale."""
    return translations(normalise_locale(locale)).ngettext
