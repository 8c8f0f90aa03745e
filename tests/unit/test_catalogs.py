"""Every user-facing string is in both catalogs, translated."""

from locales import gettext_for, normalise_locale
from locales.sync import LOCALES, missing_from_file


def test_every_marked_string_is_translated_in_every_catalog_file() -> None:
    for locale in LOCALES:
        assert missing_from_file(locale) == [], f"run python -m locales.sync ({locale})"


def test_english_translates_and_vietnamese_is_the_source() -> None:
    msgid = "Cơ sở dữ liệu đã sẵn sàng."
    assert gettext_for("en")(msgid) == "The database is ready."
    assert gettext_for("vi")(msgid) == msgid


def test_unknown_locales_fall_back_to_vietnamese() -> None:
    assert normalise_locale("en-US") == "en"
    assert normalise_locale("fr") == "vi"
    assert normalise_locale(None) == "vi"
