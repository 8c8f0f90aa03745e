"""Keep the catalogs in step with the code: `python -m locales.sync [--check]`.

Extracts every marked string (msgids are Vietnamese), adds new ones to both
catalogs, fills the Vietnamese catalog with the msgid itself, drops strings the
code no longer uses, and lists English entries still to translate. With
--check it changes nothing and exits 1 when a string in the code has no
translation in a catalog file (entries the code does not use are tolerated, so
work in progress elsewhere never breaks the check).
"""

import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from locales import DOMAIN, LOCALES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers", "scheduler", "services", "domain", "views", "models")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# Python sources, and the dashboard's Jinja2 templates (their `_("…")` calls).
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]


def extract() -> Catalog:
    """Every marked string in the source packages."""
    template = Catalog(domain=DOMAIN)
    for package in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / package, method_map=METHODS, keywords=KEYWORDS
        ):
            template.add(
                message,
                locations=[(f"{package}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def catalog_path(locale: str) -> Path:
    """Where a locale's .po file lives."""
    return ROOT / "locales" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _load(locale: str) -> Catalog:
    path = catalog_path(locale)
    if not path.exists():
        return Catalog(locale=locale, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def _render(catalog: Catalog) -> bytes:
    out = BytesIO()
    write_po(out, catalog, omit_header=True, no_location=True, sort_output=True, width=99)
    return out.getvalue()


def synced(locale: str, template: Catalog) -> Catalog:
    """The locale's catalog updated to the template."""
    catalog = _load(locale)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    for message in catalog:
        if not message.id:
            continue
        if locale == "vi" and not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    return catalog


def untranslated(catalog: Catalog) -> list[str]:
    """Message ids with no translation."""
    return [
        str(m.id)
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]


def missing_from_file(locale: str) -> list[str]:
    """Strings the code uses that the locale's catalog file does not translate."""
    catalog = _load(locale)
    missing = []
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = () if found is None else found.string
        if isinstance(strings, str):
            strings = (strings,)
        if not strings or not all(strings):
            missing.append(str(message.id))
    return missing


def main(argv: list[str]) -> int:
    """Update (or with --check, verify) every catalog."""
    if "--check" in argv:
        status = 0
        for locale in LOCALES:
            for msgid in missing_from_file(locale):
                print(f"{locale}: untranslated: {msgid!r} (run python -m locales.sync)")
                status = 1
        return status
    for locale in LOCALES:
        # A fresh template per locale: Catalog.update shares message objects with it.
        catalog = synced(locale, extract())
        path = catalog_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_render(catalog))
        for msgid in untranslated(catalog):
            print(f"{locale}: untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
